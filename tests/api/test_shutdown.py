"""Graceful shutdown: SIGTERM while sign-ins and token creations, or dossier intakes waiting for their commit, are in flight. Every request that got a response
got a complete one (a well-formed body of the announced length: 200/201, or a 503 problem), every acknowledged
write is in the store, the process exits 0 without sanitizer reports, and `motcua verify` is OK afterwards."""
import http.client
import json
import threading
import time
import unittest

from harness import Client, Server


class GracefulShutdownTests(unittest.TestCase):

    def test_sigterm_under_load(self):
        server = Server(label="shutdown")
        server.start()
        try:
            admins = [Client(server) for _ in range(5)]
            for a in admins:
                a.login("admin")
            before = server.db.counts()
            results, lock = [], threading.Lock()
            go = threading.Event()

            def call(kind, i):
                go.wait()
                try:
                    if kind == "signin":
                        r = Client(server).req("POST", "/api/v1/session",
                                               json={"username": "cujut.desk", "password": "demo"})
                    else:
                        r = admins[i % len(admins)].req("POST", "/api/v1/tokens", json={"name": "load-%d" % i})
                    out = (kind, r.status, r.headers, r.raw, None)
                except (ConnectionError, http.client.RemoteDisconnected, OSError) as e:
                    out = (kind, None, None, None, e)
                except http.client.IncompleteRead as e:
                    out = (kind, "truncated", None, None, e)
                with lock:
                    results.append(out)

            threads = [threading.Thread(target=call, args=("signin", i)) for i in range(20)]
            threads += [threading.Thread(target=call, args=("token", i)) for i in range(10)]
            for t in threads:
                t.start()
            go.set()
            time.sleep(0.25)
            server.signal_term()
            for t in threads:
                t.join(60)
            code = server.wait(60)
        finally:
            problems = server.stop()
        self.assertEqual(problems, [], "server did not stop cleanly")
        self.assertEqual(code, 0)
        self.assertEqual(len(results), 30)
        answered = [r for r in results if r[1] is not None]
        self.assertTrue(answered, "no request was answered before the shutdown: the test proved nothing")
        ok_tokens = 0
        for kind, status, headers, raw, err in answered:
            self.assertNotEqual(status, "truncated", "a response was cut short: %r" % (err,))
            self.assertIn(status, (200, 201, 503), (kind, status, raw))
            self.assertEqual(len(raw), int(headers.get("Content-Length", len(raw))))
            body = json.loads(raw.decode())        # complete JSON, not a fragment
            if status == 503:
                self.assertEqual(body.get("code"), "MSG_SHUTTING_DOWN")
                self.assertIsNotNone(headers.get("Retry-After"), "a 503 without Retry-After")
            elif kind == "signin":
                self.assertEqual(status, 200)
                self.assertIn("csrf", body)
            else:
                self.assertEqual(status, 201)
                self.assertTrue(body["token"].startswith("mct_"))
                ok_tokens += 1
        after = server.db.counts()
        # Every acknowledged token creation is stored, with its event; none is stored without an answer beyond
        # those whose connection dropped.
        unanswered_tokens = sum(1 for r in results if r[0] == "token" and r[1] is None)
        self.assertGreaterEqual(after["events"] - before["events"], ok_tokens)
        self.assertLessEqual(after["events"] - before["events"], ok_tokens + unanswered_tokens)
        rc, n, out = server.db.verify()
        self.assertEqual(rc, 0, out)
        self.assertEqual(n, after["events"], out)


class AsyncWriteShutdownTests(unittest.TestCase):
    """Dossier intakes wait for their commit with the connection suspended (req_write_async): SIGTERM while many
    are queued must still answer every one that was taken with a complete 201 (or a 503 problem), store every
    acknowledged dossier with its event, and exit 0."""

    def test_sigterm_with_suspended_intakes(self):
        server = Server(label="shutdown-async")
        server.start()
        try:
            desks = [Client(server) for _ in range(4)]
            for d in desks:
                d.login("cujut.desk")
            body = {"procedure": "2.000806", "channel": "desk",
                    "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": "068095001234",
                                  "phone": "0912345678", "address": "Thôn 3"},
                    "papers": [{"paper": "don-de-nghi", "copies": 1, "form": "original"}]}
            before = server.db.counts()
            results, lock = [], threading.Lock()
            go = threading.Event()

            def call(i):
                go.wait()
                try:
                    r = desks[i % len(desks)].req("POST", "/api/v1/dossiers", json=body)
                    out = (r.status, r.headers, r.raw, None)
                except (ConnectionError, http.client.RemoteDisconnected, OSError) as e:
                    out = (None, None, None, e)
                except http.client.IncompleteRead as e:
                    out = ("truncated", None, None, e)
                with lock:
                    results.append(out)

            threads = [threading.Thread(target=call, args=(i,)) for i in range(120)]
            for t in threads:
                t.start()
            go.set()
            # SIGTERM once the first intake is acknowledged (the others are then in flight or suspended): a fixed
            # delay proved nothing on a loaded machine, where every answer could be the 503 of the shutdown.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with lock:
                    if any(r[0] == 201 for r in results):
                        break
                time.sleep(0.002)
            server.signal_term()
            for t in threads:
                t.join(60)
            code = server.wait(60)
        finally:
            problems = server.stop()
        self.assertEqual(problems, [], "server did not stop cleanly")
        self.assertEqual(code, 0)
        self.assertEqual(len(results), 120)
        answered = [r for r in results if r[0] is not None]
        self.assertTrue(answered, "no intake was answered before the shutdown: the test proved nothing")
        created = 0
        for status, headers, raw, err in answered:
            self.assertNotEqual(status, "truncated", "a response was cut short: %r" % (err,))
            self.assertIn(status, (201, 503), raw)
            self.assertEqual(len(raw), int(headers.get("Content-Length", len(raw))))
            b = json.loads(raw.decode())
            if status == 201:
                self.assertTrue(b["code"])
                created += 1
            else:
                self.assertEqual(b.get("code"), "MSG_SHUTTING_DOWN")
                self.assertRegex(headers.get("Retry-After") or "", r"^[0-9]+$", "a 503 without Retry-After")
        self.assertGreater(created, 0)
        after = server.db.counts()
        unanswered = sum(1 for r in results if r[0] is None)
        got = after["events"] - before["events"]
        self.assertGreaterEqual(got, created, "an acknowledged intake is missing from the ledger")
        self.assertLessEqual(got, created + unanswered)
        rc, n, out = server.db.verify()
        self.assertEqual(rc, 0, out)


if __name__ == "__main__":
    unittest.main()

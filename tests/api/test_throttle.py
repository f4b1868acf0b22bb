"""Sign-in throttling (POST /api/v1/session), docs/security.md section 3, on a server started with --trust-proxy
--login-slow-after 3 --login-slow-ms 1000 --login-account-max 2 --login-addr-after 6: failures are counted per
username (known or not, so both answer alike) and per client address (here the X-Forwarded-For address, so that
each test uses its own addresses); after 3 failures of a name its attempts are spaced out (429 MSG_SLOW_DOWN with
Retry-After, even with the right password) but never for more than 2 s (no lock); after 6 failures from one
address its attempts on any name are spaced out; parallel guesses are all counted (at most 3 reach the password
check); a wrong current password on PUT /api/v1/me/password counts as a failed sign-in. (The spacing is 1 s rather
than less so that a slow Argon2 under ASan, or a PostgreSQL store, cannot outlast it between two attempts.)"""
import itertools
import threading
import time
import unittest

from harness import ApiTestCase, Client

SLOW_AFTER, SLOW_MS, ACCOUNT_MAX_S, ADDR_AFTER = 3, 1000, 2, 6
_addr = itertools.count(10)


def fresh_addr():
    n = next(_addr)
    return "203.0.113.%d" % n if n < 250 else "198.51.100.%d" % (n - 240)


class ThrottleTests(ApiTestCase):
    SERVER_ARGS = ("--trust-proxy", "--threads", "8", "--login-slow-after", str(SLOW_AFTER),
                   "--login-slow-ms", str(SLOW_MS), "--login-account-max", str(ACCOUNT_MAX_S),
                   "--login-addr-after", str(ADDR_AFTER))

    def attempt(self, username, password, addr):
        return Client(self.server).req("POST", "/api/v1/session", json={"username": username, "password": password},
                                       headers={"X-Forwarded-For": addr})

    def fail_once(self, username, addr):
        self.assert_problem(self.attempt(username, "wrong-password", addr), 401, "MSG_BAD_CREDENTIALS")

    def retry_after(self, r):
        v = r.headers.get("Retry-After")
        self.assertIsNotNone(v, "429 without Retry-After: %r" % (r,))
        self.assertRegex(v, r"^[0-9]+$")
        self.assertGreaterEqual(int(v), 1)
        return int(v)

    def test_known_and_unknown_names_answer_alike(self):
        known, unknown = "thuanan.leader", "no.such.user.anywhere"
        ak, au = fresh_addr(), fresh_addr()
        for _ in range(SLOW_AFTER):
            self.fail_once(known, ak)
            self.fail_once(unknown, au)
        rk, ru = self.attempt(known, "wrong-password", ak), self.attempt(unknown, "wrong-password", au)
        self.assert_problem(rk, 429, "MSG_SLOW_DOWN")
        self.assert_problem(ru, 429, "MSG_SLOW_DOWN")
        self.assertEqual(rk.body, ru.body, "a throttled unknown name must read like a throttled account")
        self.assertEqual(self.retry_after(rk), self.retry_after(ru))

    def test_slow_down_even_with_right_password_but_never_a_lock(self):
        user, addr = "thuanan.specialist", fresh_addr()
        for _ in range(SLOW_AFTER):
            self.fail_once(user, addr)
        before = self.counts()
        r = self.attempt(user, "demo", addr)
        self.assert_problem(r, 429, "MSG_SLOW_DOWN")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        self.assertLessEqual(self.retry_after(r), SLOW_MS // 1000)
        self.assert_unchanged(before)
        # More failures (each after the announced wait, from new addresses) never make the owner wait > 2 s.
        for _ in range(3):
            time.sleep(self.retry_after(r) + 0.1)
            self.fail_once(user, fresh_addr())
            r = self.attempt(user, "demo", addr)
            self.assert_problem(r, 429, "MSG_SLOW_DOWN")
            self.assertLessEqual(self.retry_after(r), ACCOUNT_MAX_S)
        time.sleep(self.retry_after(r) + 0.1)
        self.assert_status(self.attempt(user, "demo", addr), 200)
        # Success cleared the name's count: one new failure does not slow the next attempt down.
        self.fail_once(user, addr)
        self.assert_status(self.attempt(user, "demo", addr), 200)

    def parallel(self, username, n=8):
        results, start = [], threading.Barrier(n)

        def guess():
            addr = fresh_addr()
            start.wait()
            results.append(self.attempt(username, "wrong-password", addr).status)

        threads = [threading.Thread(target=guess) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return results

    def test_parallel_guesses_are_all_counted(self):
        for name in ("ialy.specialist", "parallel.unknown.name"):
            statuses = self.parallel(name)
            self.assertLessEqual(statuses.count(401), SLOW_AFTER, "%s: %r" % (name, statuses))
            self.assertGreaterEqual(statuses.count(429), 8 - SLOW_AFTER, "%s: %r" % (name, statuses))
            self.assertEqual(set(statuses) - {401, 429, 503}, set(), statuses)

    def test_client_address_is_throttled_across_names(self):
        addr = fresh_addr()
        for i in range(ADDR_AFTER):
            self.fail_once("spray.%d" % i, addr)
        r = self.attempt("locbinh.clerk", "demo", addr)
        self.assert_problem(r, 429, "MSG_SLOW_DOWN")
        self.retry_after(r)
        # The forwarded address is the key: another client is let in at once.
        self.assert_status(self.attempt("locbinh.clerk", "demo", fresh_addr()), 200)

    def test_wrong_current_password_counts_as_failed_sign_in(self):
        user, addr = "locbinh.specialist", fresh_addr()
        c = Client(self.server)
        r = c.req("POST", "/api/v1/session", json={"username": user, "password": "demo"},
                  headers={"X-Forwarded-For": addr})
        self.assert_status(r, 200)
        c.csrf = r.body["csrf"]
        for _ in range(SLOW_AFTER):
            r = c.req("PUT", "/api/v1/me/password", json={"current_password": "not-it", "new_password": "new-pass-1"},
                      headers={"X-Forwarded-For": addr})
            self.assert_problem(r, 403, "MSG_BAD_CREDENTIALS")
        r = c.req("PUT", "/api/v1/me/password", json={"current_password": "demo", "new_password": "new-pass-1"},
                  headers={"X-Forwarded-For": addr})
        self.assert_problem(r, 429, "MSG_SLOW_DOWN")
        self.retry_after(r)
        self.assert_problem(self.attempt(user, "demo", fresh_addr()), 429, "MSG_SLOW_DOWN")


class ArgonFloodTests(ApiTestCase):
    """Argon2 runs never hold an HTTP worker: sign-ins run on the slow pool while their connection is suspended, so
    a flood of sign-ins from many addresses (each costing a full Argon2 run) leaves GET /api/v1/me as fast as it
    was. With only 2 HTTP workers, a handler running Argon2 on a worker would stall every connection of that
    worker for the hash's time (tens to hundreds of ms under the sanitizers): the median bound below fails then.
    The bounds are generous because the machine may be loaded."""
    SERVER_ARGS = ("--trust-proxy", "--threads", "2")

    def test_me_keeps_answering_during_a_sign_in_flood(self):
        me = self.client("cujut.desk")
        stop = threading.Event()
        flood_statuses = []
        counter = itertools.count(1)

        def flood():
            while not stop.is_set():
                n = next(counter)
                addr = "10.%d.%d.%d" % (n // 65536 % 256, n // 256 % 256, n % 256)
                r = Client(self.server).req("POST", "/api/v1/session",
                                            json={"username": "flood.%d" % n, "password": "wrong"},
                                            headers={"X-Forwarded-For": addr})
                flood_statuses.append(r.status)
                if r.status == 503:
                    self.assertIsNotNone(r.headers.get("Retry-After"))

        threads = [threading.Thread(target=flood) for _ in range(8)]
        for t in threads:
            t.start()
        times = []
        try:
            time.sleep(0.5)
            for _ in range(40):
                t0 = time.monotonic()
                r = me.req("GET", "/api/v1/me")
                times.append(time.monotonic() - t0)
                self.assert_status(r, 200)
        finally:
            stop.set()
            for t in threads:
                t.join()
        times.sort()
        median = times[len(times) // 2]
        self.assertLess(median, 0.05, "GET /me took a median %.3f s during the flood (worst %.3f s)"
                        % (median, times[-1]))
        self.assertLess(times[-1], 1.0, "GET /me took %.2f s during the flood" % times[-1])
        self.assertEqual(set(flood_statuses) - {401, 503}, set(), flood_statuses[:50])
        self.assertIn(401, flood_statuses, "no sign-in of the flood was tried: the test proved nothing")


class SlowPoolFullTests(ApiTestCase):
    """The slow pool queues a bounded number of requests (32 per thread): a burst beyond it is refused at once with
    503, Retry-After and a problem body, never left hanging; the queued ones are answered (401 here)."""
    SERVER_ARGS = ("--trust-proxy", "--slow-threads", "1")

    def test_burst_beyond_the_queue_gets_503_busy(self):
        go = threading.Event()
        out = []

        def one(n):
            go.wait()
            r = Client(self.server).req("POST", "/api/v1/session",
                                        json={"username": "burst.%d" % n, "password": "wrong"},
                                        headers={"X-Forwarded-For": "10.9.%d.%d" % (n // 256, n % 256)})
            out.append((r.status, r.headers.get("Retry-After"), r.body))

        threads = [threading.Thread(target=one, args=(n,)) for n in range(120)]
        for t in threads:
            t.start()
        go.set()
        for t in threads:
            t.join(120)
        self.assertEqual(len(out), 120, "some sign-ins were never answered")
        statuses = [s for s, _, _ in out]
        self.assertEqual(set(statuses) - {401, 503}, set(), statuses)
        self.assertIn(401, statuses)
        self.assertIn(503, statuses, "120 sign-ins at once fit a queue of 32: the bound is not enforced")
        for status, retry, body in out:
            if status == 503:
                self.assertIsNotNone(retry)
                self.assertEqual(body["code"], "MSG_SERVER_BUSY")


if __name__ == "__main__":
    unittest.main()

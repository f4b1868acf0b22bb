"""The sending side of the edXML exchange between TWO motcua nodes (issue 12 item 4, "Done when"): a document goes
commune clerk -> signed -> sent -> received and registered by the province -> assigned -> acknowledged back.

Node A serves the commune Cư Jút (edi_code 000.00.01.H41), node B the province Lâm Đồng (000.00.00.H41); each has
its own database (both copies of the demo store). A test CA made by `motcua ca` issues the clerk's key, which the
clerk imports into A's key store (POST /api/v1/signing-keys); B trusts that CA (--exchange-trust). A's peers file
names B's URL with an API token of a clerk of Lâm Đồng on B; B's names A's URL with a token of a clerk of Cư Jút on
A and A's organ id, so that B's status messages go back to A.

Covered: A registers an outgoing document and sends it; B's inbox registers it (delivered by A's sender thread:
A sees 'delivered' and status 03); B's leader assigns it, the lead reports progress and completion: A sees 04, 05, 06. B down at first:
A retries with backoff and delivers once B is back. A resend of the same document is registered once on B. A
package signed by a CA that B does not trust ends 'rejected' on A with B's reason. Bad input (unknown peer, wrong
PIN, an incoming document, bad fields) is refused and changes nothing; a status message for no sent package is
404, one received twice is recorded once. Runs on SQLite, and on PostgreSQL with MOTCUA_TEST_PG_URL."""
import socket
import time

from harness import ApiTestCase, Client, Server, make_db, run_cli, tmp_root, unique, unit_by_slug

PW = "exchange-send-1"
PIN = "1234"
A_ORGAN, B_ORGAN = "000.00.01.H41", "000.00.00.H41"


def cli(*args):
    cp = run_cli(*args)
    if cp.returncode != 0:
        raise AssertionError("motcua %s: %s%s" % (" ".join(args), cp.stdout, cp.stderr))
    return cp


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(fn, what, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class TwoNodes(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.dir = tmp_root() / unique("send-")
        d.mkdir()
        (d / "pass").write_text("ca-pass-1\n")
        (d / "pin").write_text(PIN + "\n")
        for ca in ("ca", "other"):
            cli("ca", "init", "--dir", str(d / ca), "--pass-file", str(d / "pass"), "--name", "CA %s" % ca,
                "--key", "ec")
        for name, ca in (("clerk", "ca"), ("stranger", "other")):
            cli("ca", "issue", "--dir", str(d / ca), "--pass-file", str(d / "pass"), "--cn", "Văn thư " + name,
                "--key", "ec", "--out", str(d / (name + ".p12")), "--p12-pass-file", str(d / "pin"))
        cli("ca", "issue", "--dir", str(d / "ca"), "--pass-file", str(d / "pass"), "--cn", "UBND tỉnh Lâm Đồng",
            "--seal", "--key", "ec", "--out", str(d / "seal-b.p12"), "--p12-pass-file", str(d / "pin"))
        (d / "trust.pem").write_text((d / "ca" / "ca.pem").read_text() + (d / "ca" / "crl.pem").read_text())
        cls.port_a, cls.port_b = free_port(), free_port()
        cls.url_a, cls.url_b = "http://127.0.0.1:%d" % cls.port_a, "http://127.0.0.1:%d" % cls.port_b
        (d / "peers-a").write_text("# node A sends to the province\n%s %s %s\n" % (cls.url_b, d / "token-b",
                                                                                 B_ORGAN))
        (d / "peers-b").write_text("")
        common = ["--exchange-trust", str(d / "trust.pem"), "--exchange-retry-ms", "200", "--exchange-poll-ms",
                  "100", "--exchange-max-attempts", "50", "--exchange-lease-ms", "1500"]
        cls.args_b = common + ["--exchange-peers", str(d / "peers-b"), "--listen", "127.0.0.1:%d" % cls.port_b]
        cls.args_a = common + ["--exchange-peers", str(d / "peers-a"), "--listen", "127.0.0.1:%d" % cls.port_a]
        # B first (its clerk's token goes into A's peers file), then A, then B again with A's token.
        cls.node_b = Server(cls.args_b, db=make_db("node-b"), label="node-b")
        cls.node_b.start()
        cls.admin_b = Client(cls.node_b)
        cls.admin_b.login("admin")
        lamdong = unit_by_slug(cls.admin_b, "lamdong")
        cls.b_clerk, cls.b_clerk_token, cls.b_clerk_id = cls.staff(cls.node_b, cls.admin_b, "clerk", lamdong)
        cls.b_leader, _, _ = cls.staff(cls.node_b, cls.admin_b, "leader", lamdong)
        (d / "token-b").write_text(cls.b_clerk_token.bearer + "\n")
        cls.server = Server(cls.args_a, db=make_db("node-a"), label="node-a")
        cls.server.start()
        cls.db = cls.server.db
        cls.a_clerk = Client(cls.server)
        cls.a_clerk.login("cujut.clerk", "demo")
        t = cls.a_clerk.req("POST", "/api/v1/tokens", json={"name": "from the province"})
        assert t.status == 201, t
        cls.a_token = Client(cls.server)
        cls.a_token.bearer = t.body["token"]
        (d / "token-a").write_text(t.body["token"] + "\n")
        (d / "peers-b").write_text("%s %s %s\n" % (cls.url_a, d / "token-a", A_ORGAN))
        cls.restart_b()
        cls.key = cls.import_key("clerk")
        cls.stranger_key = cls.import_key("stranger")
        # B's seal (the province's), used by B's clerks and leaders to sign the statuses they send back.
        import base64
        r = cls.admin_b.req("POST", "/api/v1/signing-keys",
                            json={"kind": "seal", "unit_id": lamdong["id"], "label": "Con dấu UBND tỉnh",
                                  "pkcs12": base64.b64encode((d / "seal-b.p12").read_bytes()).decode(), "pin": PIN})
        assert r.status == 201, r
        cls.b_seal = r.body["id"]

    @classmethod
    def tearDownClass(cls):
        problems = cls.node_b.stop() if cls.node_b.proc else []
        super().tearDownClass()
        if problems:
            raise AssertionError("node B: %s" % "\n".join(problems))

    @classmethod
    def restart_b(cls):
        if cls.node_b.proc:
            problems = cls.node_b.stop()
            assert not problems, problems
        cls.node_b = Server(cls.args_b, db=cls.node_b.db, label="node-b")
        cls.node_b.start()
        for c in (cls.admin_b, cls.b_clerk, cls.b_clerk_token, cls.b_leader):
            c.server = cls.node_b

    @classmethod
    def staff(cls, server, admin, role, unit):
        name = unique("sx.")
        r = admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Cán bộ tỉnh", "password": PW,
                                                    "unit_id": unit["id"],
                                                    "roles": [{"role": role, "unit_id": unit["id"]}]})
        assert r.status == 201, r
        c = Client(server)
        c.login(name, PW)
        t = c.req("POST", "/api/v1/tokens", json={"name": "exchange"})
        assert t.status == 201, t
        bot = Client(server)
        bot.bearer = t.body["token"]
        return c, bot, r.body["id"]

    @classmethod
    def import_key(cls, name):
        import base64
        b = base64.b64encode((cls.dir / (name + ".p12")).read_bytes()).decode()
        r = cls.a_clerk.req("POST", "/api/v1/signing-keys", json={"kind": "person", "label": "Khóa " + name,
                                                                  "pkcs12": b, "pin": PIN})
        assert r.status == 201, r
        return r.body["id"]

    # ---- helpers ----
    def outgoing(self, summary="Về việc báo cáo kết quả giải quyết thủ tục hành chính tháng 11"):
        r = self.a_clerk.req("POST", "/api/v1/documents/outgoing",
                             json={"type": "bao-cao", "summary": summary, "recipients": "UBND tỉnh Lâm Đồng",
                                   "signer": "Nguyễn Văn Lãnh Đạo", "urgency": "urgent"})
        self.assert_status(r, 201)
        return r.body

    def send(self, doc_id, key=None, pin=PIN, to_url=None, to_organ=B_ORGAN, client=None):
        return (client or self.a_clerk).req("POST", "/api/v1/documents/%s/send" % doc_id,
                                            json={"to_url": to_url or self.url_b, "to_organ_id": to_organ,
                                                  "key_id": key or self.key, "pin": pin})

    def sent(self, sent_id):
        r = self.a_clerk.req("GET", "/api/v1/exchange/sent?limit=200")
        self.assert_status(r, 200)
        return next(x for x in r.body["items"] if x["id"] == sent_id)

    def wait_state(self, sent_id, state):
        return wait_for(lambda: (lambda s: s if s["state"] == state else None)(self.sent(sent_id)),
                        "sent %s to be %s" % (sent_id, state))

    def b_incoming(self, symbol):
        r = self.b_clerk.req("GET", "/api/v1/documents?direction=in&limit=200")
        self.assert_status(r, 200)
        return [x for x in r.body["items"] if x["symbol"] == symbol]

    def codes(self, sent_id):
        return [s["code"] for s in self.sent(sent_id)["statuses"]]


class ExchangeSendTests(TwoNodes):

    def test_a_sent_registered_assigned_acknowledged(self):
        doc = self.outgoing()
        r = self.send(doc["id"])
        self.assert_status(r, 202)
        self.assertEqual((r.body["state"], r.body["to_organ"], r.body["document_id"]), ("queued", B_ORGAN, doc["id"]))
        self.assertNotIn(PIN, r.raw.decode())
        self.assertEqual(r.body["edxml_document_id"], "%s,%s,%s" % (A_ORGAN, doc["dated"].replace("-", "/"),
                                                                  doc["symbol"]))
        s = self.wait_state(r.body["id"], "delivered")
        self.assertEqual(s["http_status"], 201)
        self.assertEqual(self.codes(r.body["id"]), ["03"])
        got = self.b_incoming(doc["symbol"])
        self.assertEqual(len(got), 1, "registered once on B")
        inc = got[0]
        self.assertEqual(inc["summary"], doc["summary"])
        self.assertEqual(inc["urgency"], "urgent")
        rec = self.b_clerk.req("GET", "/api/v1/exchange/received").body["items"]
        row = next(x for x in rec if x["document_id"] == inc["id"])
        self.assertEqual((row["from_organ"], row["signer_cn"]), (A_ORGAN, "Văn thư clerk"))
        # B's leader assigns it: A sees 04; the lead reports progress: A sees 05.
        a = self.b_leader.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                              json={"action": "assign", "version": inc["version"], "lead_account": self.b_clerk_id})
        self.assert_status(a, 200)
        wait_for(lambda: "04" in self.codes(r.body["id"]), "status 04 on A")
        p = self.b_clerk.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                             json={"action": "progress", "version": a.body["version"], "note": "Đang tổng hợp"})
        self.assert_status(p, 200)
        wait_for(lambda: "05" in self.codes(r.body["id"]), "status 05 on A")
        dn = self.b_clerk.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                              json={"action": "done", "version": p.body["version"]})
        self.assert_status(dn, 200)
        wait_for(lambda: "06" in self.codes(r.body["id"]), "status 06 on A")
        st = self.sent(r.body["id"])["statuses"]
        self.assertEqual([x["code"] for x in st], ["03", "04", "05", "06"])
        self.assertEqual(st[2]["description"], "Đang tổng hợp")
        self.assertEqual(st[1]["status"], "assigned")
        # The list filtered by document, and another commune's clerk does not see it.
        by_doc = self.a_clerk.req("GET", "/api/v1/exchange/sent?document=" + doc["id"])
        self.assert_status(by_doc, 200)
        self.assertEqual([x["id"] for x in by_doc.body["items"]], [r.body["id"]])
        other = Client(self.server)
        other.login("thuanan.clerk", "demo")
        self.assertEqual(other.req("GET", "/api/v1/exchange/sent?document=" + doc["id"]).body["items"], [])
        # A resend of the same document: delivered again, registered once on B (the inbox's answer 200).
        again = self.send(doc["id"])
        self.assert_status(again, 202)
        s2 = self.wait_state(again.body["id"], "delivered")
        self.assertEqual(s2["http_status"], 200)
        self.assertEqual(len(self.b_incoming(doc["symbol"])), 1)
        # The peer tokens and the PIN appear in neither node's log.
        self.assertIn("exchange: package %s delivered" % r.body["id"], self.server.stderr_text())
        self.assertIn("exchange: status", self.node_b.stderr_text())
        for node in (self.server, self.node_b):
            log = node.stderr_text()
            for secret in (self.b_clerk_token.bearer, self.a_token.bearer):
                self.assertNotIn(secret, log)

    def test_b_down_then_retried_and_delivered(self):
        problems = self.node_b.stop()
        self.assertEqual(problems, [])
        try:
            doc = self.outgoing("Về việc kiện toàn Tổ một cửa")
            r = self.send(doc["id"])
            self.assert_status(r, 202)
            s = wait_for(lambda: (lambda x: x if x["attempts"] >= 2 else None)(self.sent(r.body["id"])),
                         "two attempts while B is down")
            self.assertEqual(s["state"], "queued")
            self.assertTrue(s["last_error"], s)
            self.assertIsNotNone(s["next_attempt_at"])
        finally:
            self.restart_b()
        s = self.wait_state(r.body["id"], "delivered")
        self.assertEqual(s["http_status"], 201)
        self.assertEqual(len(self.b_incoming(doc["symbol"])), 1)

    def test_b_killed_sender_delivers_after_restart(self):
        # B is down, A's sender retries; A is killed (SIGKILL) with the package queued or in flight. The restarted
        # A takes the row over (after the lease when it was in flight) and delivers it once B is back.
        self.assertEqual(self.node_b.stop(), [])
        try:
            doc = self.outgoing("Về việc gửi lại sau sự cố")
            r = self.send(doc["id"])
            self.assert_status(r, 202)
            wait_for(lambda: self.sent(r.body["id"])["attempts"] >= 1, "a first attempt")
            self.server._abort()
            self.__class__.server = Server(self.args_a, db=self.db, label="node-a")
            self.server.start()
            for c in (self.a_clerk, self.a_token):
                c.server = self.server
        finally:
            self.restart_b()
        s = self.wait_state(r.body["id"], "delivered")
        self.assertIn(s["http_status"], (200, 201))
        self.assertEqual(len(self.b_incoming(doc["symbol"])), 1)

    def test_c_untrusted_signer_rejected_with_the_receivers_reason(self):
        doc = self.outgoing("Về việc ký bằng chứng thư lạ")
        r = self.send(doc["id"], key=self.stranger_key)
        self.assert_status(r, 202)
        s = self.wait_state(r.body["id"], "rejected")
        self.assertEqual(s["http_status"], 422)
        self.assertIn("MSG_EXCHANGE_UNTRUSTED", s["last_error"])
        self.assertEqual(s["statuses"], [])
        self.assertEqual(self.b_incoming(doc["symbol"]), [])
        time.sleep(0.5)
        self.assertEqual(self.sent(r.body["id"])["attempts"], 1, "a refusal is not retried")

    def test_d_bad_input_changes_nothing(self):
        doc = self.outgoing("Về việc thử dữ liệu sai")
        before = self.counts()
        self.assert_problem(self.send(doc["id"], to_url="http://127.0.0.1:1"), 422, "MSG_OUTBOX_UNKNOWN_PEER",
                            "to_url")
        self.assert_problem(self.send(doc["id"], pin="9999"), 422, "MSG_OUTBOX_KEY", "pin")
        self.assert_problem(self.send(doc["id"], key="0" * 26), 422, "MSG_OUTBOX_KEY", "key_id")
        self.assert_problem(self.send(doc["id"], to_organ="not an organ"), 400, None, "to_organ_id")
        self.assert_problem(self.send("0" * 26), 404)
        r = self.a_clerk.req("POST", "/api/v1/documents/%s/send" % doc["id"], json={"to_url": self.url_b})
        self.assert_problem(r, 400, "MSG_MISSING_FIELD")
        inc = self.a_clerk.req("POST", "/api/v1/documents/incoming",
                               json={"type": "thong-bao", "summary": "Lịch tiếp công dân", "agency": "UBND tỉnh",
                                     "symbol": unique("") + "/TB-UBND", "dated": "2026-01-05"})
        self.assert_status(inc, 201)
        desk = Client(self.server)
        desk.login("cujut.desk", "demo")
        before = self.counts()
        self.assert_problem(self.send(inc.body["id"]), 409, "MSG_OUTBOX_NOT_OUTGOING")
        # A desk officer of the commune may not send.
        self.assertIn(self.send(doc["id"], client=desk).status, (403, 404))
        self.assert_unchanged(before)

    def status_xml(self, document_id, code="06", stamp="2026-12-03T10:00:00", signer=None):
        d = self.dir
        import json
        src = d / (unique("st-") + ".json")
        out = d / (unique("st-") + ".edxml")
        src.write_text(json.dumps({"kind": "status", "from": {"organ_id": B_ORGAN, "organ_name": "UBND tỉnh"},
                                   "response_for": {"organ_id": A_ORGAN, "document_id": document_id},
                                   "status_code": code, "description": "Hoàn thành", "timestamp": stamp},
                                  ensure_ascii=False))
        args = ["edxml", "build", "--json", str(src), "--out", str(out)]
        if signer:
            args += ["--p12", str(d / (signer + ".p12")), "--pass-file", str(d / "pin")]
        cli(*args)
        return out.read_bytes()

    def test_e_status_messages_by_hand(self):
        doc = self.outgoing("Về việc trạng thái gửi tay")
        r = self.send(doc["id"])
        self.assert_status(r, 202)
        self.wait_state(r.body["id"], "delivered")
        xml = self.status_xml(r.body["edxml_document_id"])
        other = Client(self.server)
        other.login("thuanan.clerk", "demo")
        before = self.counts()
        # Signed by a CA node A does not trust: refused; tampered after signing: refused too. Each is kept as
        # evidence (one exchange.rejected event and the bytes), listed for the sending unit with its reason, and
        # records no status.
        bad = self.status_xml(r.body["edxml_document_id"], signer="stranger")
        self.assert_problem(self.a_token.req("POST", "/api/v1/exchange/status", raw_body=bad,
                                             content_type="application/xml"), 422, "MSG_EXCHANGE_UNTRUSTED")
        good = self.status_xml(r.body["edxml_document_id"], code="05", signer="clerk")
        tampered = good.replace("Hoàn thành".encode(), "Hoàn thành!".encode())
        self.assertNotEqual(good, tampered)
        t = self.a_token.req("POST", "/api/v1/exchange/status", raw_body=tampered, content_type="application/xml")
        self.assert_problem(t, 422, "MSG_EXCHANGE_BAD_SIGNATURE")
        self.assertTrue(t.body["detail"], t.body)
        self.assert_delta(before, events=2)
        self.assertEqual(self.codes(r.body["id"]), ["03"], "no status recorded")
        rej = self.a_clerk.req("GET", "/api/v1/exchange/rejected?limit=200").body["items"]
        mine = [x for x in rej if x["edxml_document_id"] == r.body["edxml_document_id"]]
        self.assertEqual(sorted(x["code"] for x in mine), ["MSG_EXCHANGE_BAD_SIGNATURE", "MSG_EXCHANGE_UNTRUSTED"])
        self.assertTrue(all(x["reason"] for x in mine), mine)
        self.assertEqual(other.req("GET", "/api/v1/exchange/rejected?limit=200").body["items"] and
                         [x for x in other.req("GET", "/api/v1/exchange/rejected?limit=200").body["items"]
                          if x["edxml_document_id"] == r.body["edxml_document_id"]], [])
        before = self.counts()
        # Signed by a trusted signer: recorded as valid, with the signer.
        ok = self.a_token.req("POST", "/api/v1/exchange/status", raw_body=good, content_type="application/xml")
        self.assert_status(ok, 201)
        self.assertEqual(ok.body["signature"], "valid")
        st5 = next(x for x in ok.body["sent"]["statuses"] if x["code"] == "05")
        self.assertEqual((st5["signature"], st5["signer_cn"]), ("valid", "Văn thư clerk"))
        self.assert_delta(before, events=1)
        before = self.counts()
        # Unsigned (an older peer): recorded, visibly unsigned.
        first = self.a_token.req("POST", "/api/v1/exchange/status", raw_body=xml, content_type="application/xml")
        self.assert_status(first, 201)
        self.assertEqual(first.body["outcome"], "recorded")
        self.assertEqual(first.body["signature"], "unsigned")
        self.assertIn("06", [x["code"] for x in first.body["sent"]["statuses"]])
        st6 = next(x for x in first.body["sent"]["statuses"] if x["code"] == "06")
        self.assertEqual((st6["signature"], st6["signer_cn"]), ("unsigned", ""))
        self.assert_delta(before, events=1)
        before = self.counts()
        again = self.a_token.req("POST", "/api/v1/exchange/status", raw_body=xml, content_type="application/xml")
        self.assert_status(again, 200)
        self.assertEqual(again.body["outcome"], "duplicate")
        self.assert_unchanged(before)
        # No such package, not a status message, wrong media type, a caller who does not send for the commune.
        self.assert_problem(self.a_token.req("POST", "/api/v1/exchange/status",
                                             raw_body=self.status_xml("000.00.01.H41,2026/01/01,99/BC-UBND"),
                                             content_type="application/xml"), 404, "MSG_OUTBOX_NO_SENT")
        self.assert_problem(self.a_token.req("POST", "/api/v1/exchange/status", raw_body=b"<a/>",
                                             content_type="application/xml"), 422, "MSG_OUTBOX_NOT_STATUS")
        self.assert_problem(self.a_token.req("POST", "/api/v1/exchange/status", raw_body=xml,
                                             content_type="text/plain"), 415)
        self.assert_problem(other.req("POST", "/api/v1/exchange/status", raw_body=xml,
                                      content_type="application/xml"), 404, "MSG_OUTBOX_NO_SENT")
        self.assert_unchanged(before)

    def test_f_pages_follow_the_cursor(self):
        for i in range(2):
            self.assert_status(self.send(self.outgoing("Về việc trang %d" % i)["id"]), 202)
        full = [x["id"] for x in self.a_clerk.req("GET", "/api/v1/exchange/sent?limit=200").body["items"]]
        self.assertGreaterEqual(len(full), 3)
        self.assertEqual(full, sorted(full, reverse=True), "newest first")
        got, cursor = [], None
        while True:
            r = self.a_clerk.req("GET", "/api/v1/exchange/sent?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assert_status(r, 200)
            got += [x["id"] for x in r.body["items"]]
            cursor = r.body.get("next_cursor")
            if not cursor:
                break
        self.assertEqual(got, full)
        for bad in ("?cursor=nope", "?document=nope", "?q=x", "?limit=0"):
            self.assert_problem(self.a_clerk.req("GET", "/api/v1/exchange/sent" + bad), 400)

    def test_g_shutdown_does_not_wait_for_a_silent_peer(self):
        # A peer that accepts the connection and never answers: stopping A aborts the delivery in flight at once
        # (it stays queued, retried after the restart) instead of waiting for the 60 s timeout.
        hole = socket.socket()
        hole.bind(("127.0.0.1", 0))
        hole.listen(8)
        url = "http://127.0.0.1:%d" % hole.getsockname()[1]
        peers = self.dir / "peers-hole"
        peers.write_text("%s %s %s\n" % (url, self.dir / "token-b", "000.00.02.H41"))
        args = [a if a != str(self.dir / "peers-a") else str(peers) for a in self.args_a]
        self.assertEqual(self.server.stop(), [])
        try:
            self.__class__.server = Server(args, db=self.db, label="node-a-hole")
            self.server.start()
            for c in (self.a_clerk, self.a_token):
                c.server = self.server
            r = self.send(self.outgoing("Về việc gửi tới nơi im lặng")["id"], to_url=url, to_organ="000.00.02.H41")
            self.assert_status(r, 202)
            wait_for(lambda: self.sent(r.body["id"])["attempts"] >= 1, "the delivery in flight")
            t0 = time.monotonic()
            self.assertEqual(self.server.stop(), [])
            self.assertLess(time.monotonic() - t0, 10, "the stop waited for the peer")
        finally:
            hole.close()
            self.__class__.server = Server(self.args_a, db=self.db, label="node-a")
            self.server.start()
            for c in (self.a_clerk, self.a_token):
                c.server = self.server
        s = self.sent(r.body["id"])
        self.assertEqual(s["state"], "queued")

    # ---- signed statuses and recall ----
    def b_exchange(self, doc_id, client=None):
        r = (client or self.b_clerk).req("GET", "/api/v1/documents/%s/exchange" % doc_id)
        self.assert_status(r, 200)
        return r.body

    def recall(self, doc_id, reason="Văn bản có sai sót về số liệu", key=None, pin=PIN, client=None):
        body = {"key_id": key or self.key, "pin": pin}
        if reason is not None:
            body["reason"] = reason
        return (client or self.a_clerk).req("POST", "/api/v1/documents/%s/recall" % doc_id, json=body)

    def answer(self, doc_id, accept, reason="", pin=PIN, client=None, key=None):
        body = {"accept": accept, "key_id": key or self.b_seal, "pin": pin}
        if reason:
            body["reason"] = reason
        return (client or self.b_clerk).req("POST", "/api/v1/documents/%s/recall/answer" % doc_id, json=body)

    def statuses(self, sent_id):
        return self.sent(sent_id)["statuses"]

    def test_h_signed_statuses_and_recall(self):
        doc = self.outgoing("Về việc thu hồi văn bản gửi nhầm")
        r = self.send(doc["id"])
        self.assert_status(r, 202)
        sid = r.body["id"]
        # Recalling before delivery: 409.
        early = self.recall(doc["id"])
        if early.status != 202:   # the sender thread may have delivered it already
            self.assert_problem(early, 409, "MSG_OUTBOX_NOT_DELIVERED")
        else:
            self.fail("recalled before delivery: %r" % (early,))
        self.wait_state(sid, "delivered")
        inc = self.b_incoming(doc["symbol"])[0]
        # B's leader assigns it and signs the status with the province's seal: A records 04 as valid.
        a = self.b_leader.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                              json={"action": "assign", "version": inc["version"], "lead_account": self.b_clerk_id,
                                    "key_id": self.b_seal, "pin": PIN})
        self.assert_status(a, 200)
        s4 = wait_for(lambda: next((x for x in self.statuses(sid) if x["code"] == "04"), None), "04 on A")
        self.assertEqual((s4["signature"], s4["signer_cn"]), ("valid", "UBND tỉnh Lâm Đồng"))
        # A wrong PIN for the status: 422 and the handling is not done.
        b_before = self.node_b.db.counts()
        w = self.b_clerk.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                             json={"action": "progress", "version": a.body["version"], "note": "x",
                                   "key_id": self.b_seal, "pin": "9999"})
        self.assert_problem(w, 422, "MSG_OUTBOX_KEY", "pin")
        self.assert_problem(self.b_clerk.req("POST", "/api/v1/documents/%s/handling" % inc["id"],
                                             json={"action": "progress", "version": a.body["version"], "note": "x",
                                                   "key_id": self.b_seal}), 400, "MSG_MISSING_FIELD", "pin")
        self.assertEqual(self.node_b.db.counts(), b_before)

        # Bad recall requests on A change nothing.
        other = Client(self.server)
        other.login("thuanan.clerk", "demo")
        desk = Client(self.server)
        desk.login("cujut.desk", "demo")
        never = self.outgoing("Về việc chưa gửi")
        matrix = []
        for user in ("cujut.specialist", "thuanan.leader"):
            c = Client(self.server)
            if c.login(user, "demo", expect=None).status == 200:
                matrix.append(c)
        self.assertEqual(len(matrix), 2)
        # The peers for the send form: addresses and organ ids, never the tokens; not for a desk officer.
        peers = self.a_clerk.req("GET", "/api/v1/exchange/peers")
        self.assert_status(peers, 200)
        self.assertEqual(peers.body["items"], [{"url": self.url_b, "organs": [B_ORGAN]}])
        self.assertNotIn(self.b_clerk_token.bearer, peers.raw.decode())
        self.assert_problem(desk.req("GET", "/api/v1/exchange/peers"), 403)
        before = self.counts()
        self.assert_problem(self.recall(doc["id"], reason=None), 400, "MSG_MISSING_FIELD", "reason")
        self.assert_problem(self.recall(doc["id"], reason=""), 400, None, "reason")
        self.assert_problem(self.recall(doc["id"], pin="9999"), 422, "MSG_OUTBOX_KEY", "pin")
        self.assert_problem(self.recall("0" * 26), 404)
        self.assert_problem(self.recall(doc["id"], client=other), 404)
        self.assertIn(self.recall(doc["id"], client=desk).status, (403, 404))
        for c in matrix:   # the sender's side: a desk officer / specialist of the commune, another commune's leader
            self.assertIn(self.recall(doc["id"], client=c).status, (403, 404))
        self.assert_problem(self.recall(never["id"]), 409, "MSG_OUTBOX_NOT_DELIVERED")
        self.assert_unchanged(before)

        # A asks to recall: one event, 13 on the sent record, queued for B.
        rq = self.recall(doc["id"])
        self.assert_status(rq, 202)
        self.assertEqual(rq.body["recall_state"], "requested")
        s13 = next(x for x in rq.body["statuses"] if x["code"] == "13")
        self.assertEqual((s13["signature"], s13["signer_cn"], s13["description"]),
                         ("signed", "Văn thư clerk", "Văn bản có sai sót về số liệu"))
        self.assertNotIn(PIN, rq.raw.decode())
        self.assert_delta(before, events=1)
        self.assert_problem(self.recall(doc["id"]), 409, "MSG_OUTBOX_RECALL_OPEN")
        # B shows the request, signed and verified.
        ex = wait_for(lambda: (lambda e: e if e["received"]["recall"] else None)(self.b_exchange(inc["id"])),
                      "the recall request on B")
        rc = ex["received"]["recall"]
        self.assertEqual((rc["state"], rc["reason"], rc["signature"], rc["signer_cn"]),
                         ("requested", "Văn bản có sai sót về số liệu", "valid", "Văn thư clerk"))
        self.assertFalse(ex["recalled"])

        # Who may answer on B: clerks and leaders of the province (own unit); a commune's clerk or desk officer
        # on B (another unit) gets 404; bad input 400 / 422; all change nothing.
        strangers = []
        for user in ("cujut.clerk", "cujut.desk", "cujut.leader"):
            c = Client(self.node_b)
            c.login(user, "demo")
            strangers.append(c)
        b_before = self.node_b.db.counts()
        for c in strangers:
            self.assert_problem(self.answer(inc["id"], False, client=c), 404)
        self.assert_problem(self.answer(inc["id"], False, pin="9999"), 422, "MSG_OUTBOX_KEY", "pin")
        self.assert_problem(self.b_clerk.req("POST", "/api/v1/documents/%s/recall/answer" % inc["id"],
                                             json={"key_id": self.b_seal, "pin": PIN}), 400, "MSG_MISSING_FIELD",
                            "accept")
        self.assert_problem(self.b_clerk.req("POST", "/api/v1/documents/%s/recall/answer" % inc["id"],
                                             json={"accept": "yes", "key_id": self.b_seal, "pin": PIN}), 400, None,
                            "accept")
        hand = self.b_clerk.req("POST", "/api/v1/documents/incoming",
                                json={"type": "thong-bao", "summary": "Nhập tay", "agency": "UBND xã",
                                      "symbol": unique("") + "/TB-UBND", "dated": "2026-01-05"})
        self.assert_status(hand, 201)
        b_before = self.node_b.db.counts()
        self.assert_problem(self.answer(hand.body["id"], True), 409, "MSG_OUTBOX_NOT_EXCHANGED")
        self.assertEqual(self.node_b.db.counts(), b_before)

        # B's leader refuses (16): A sees 16, the recall refused.
        ref = self.answer(inc["id"], False, reason="Văn bản đã được triển khai", client=self.b_leader)
        self.assert_status(ref, 200)
        self.assertEqual(ref.body["received"]["recall"]["state"], "refused")
        self.assertEqual(self.node_b.db.counts()["events"], b_before["events"] + 1)
        self.assert_problem(self.answer(inc["id"], True), 409, "MSG_OUTBOX_NO_RECALL")
        s16 = wait_for(lambda: next((x for x in self.statuses(sid) if x["code"] == "16"), None), "16 on A")
        self.assertEqual((s16["signature"], s16["description"]), ("valid", "Văn bản đã được triển khai"))
        self.assertEqual(self.sent(sid)["recall_state"], "refused")
        # A asks again; B's clerk accepts (15): B's document stays in the register, marked recalled.
        time.sleep(1.1)   # a new Timestamp (seconds)
        self.assert_status(self.recall(doc["id"], reason="Thu hồi để sửa số liệu"), 202)
        wait_for(lambda: self.b_exchange(inc["id"])["received"]["recall"]["state"] == "requested", "request 2")
        acc = self.answer(inc["id"], True, reason="Đồng ý thu hồi")
        self.assert_status(acc, 200)
        self.assertTrue(acc.body["recalled"])
        self.assertEqual(acc.body["received"]["recall"]["answered_by"], self.b_clerk_id)
        self.assertEqual(len(self.b_incoming(doc["symbol"])), 1, "marked recalled, not deleted")
        wait_for(lambda: self.sent(sid)["recall_state"] == "accepted", "15 on A")
        codes = [x["code"] for x in self.statuses(sid)]
        self.assertEqual(codes[0], "03")
        self.assertEqual(sorted(codes[1:]), ["04", "13", "13", "15", "16"])
        self.assert_problem(self.recall(doc["id"]), 409, "MSG_OUTBOX_RECALL_OPEN")
        self.assert_problem(self.answer(inc["id"], False), 409, "MSG_OUTBOX_NO_RECALL")
        # Everyone who may read the document sees the timeline: A's leader through the document's exchange.
        lead = Client(self.server)
        lead.login("cujut.leader", "demo")
        mine = lead.req("GET", "/api/v1/documents/%s/exchange" % doc["id"])
        self.assert_status(mine, 200)
        self.assertEqual(mine.body["received"], None)
        self.assertEqual(mine.body["sent"][-1]["id"], sid)
        self.assert_problem(other.req("GET", "/api/v1/documents/%s/exchange" % doc["id"]), 404)
        self.assert_problem(lead.req("GET", "/api/v1/documents/%s/exchange" % ("0" * 26)), 404)

    def test_i_attachments_travel_with_the_package(self):
        """The outgoing document's PDF attachments are the package's attachments: B registers the document with
        the same files (source "edxml"), byte for byte, and serves them to its readers."""
        import hashlib
        from pathlib import Path
        pdf = (Path(__file__).resolve().parents[2] / "tests/data/pdf/attach-vi.pdf").read_bytes()
        doc = self.outgoing(summary="Về việc gửi biên bản nghiệm thu " + unique("att"))
        up = self.a_clerk.req("POST", "/api/v1/documents/%s/attachments?name=%s" % (doc["id"], "bien-ban.pdf"),
                              raw_body=pdf, content_type="application/pdf")
        self.assert_status(up, 201)
        r = self.send(doc["id"])
        self.assert_status(r, 202)
        self.wait_state(r.body["id"], "delivered")
        got = self.b_incoming(doc["symbol"])
        self.assertEqual(len(got), 1)
        full = self.b_clerk.req("GET", "/api/v1/documents/" + got[0]["id"])
        self.assert_status(full, 200)
        atts = full.body["attachments"]
        self.assertEqual([(a["name"], a["sha256"], a["size"], a["source"]) for a in atts],
                         [("bien-ban.pdf", hashlib.sha256(pdf).hexdigest(), len(pdf), "edxml")])
        dl = self.b_clerk.req("GET", "/api/v1/documents/%s/attachments/%s" % (got[0]["id"], atts[0]["id"]))
        self.assert_status(dl, 200)
        self.assertEqual(dl.raw, pdf)
        # A document with no attachment still sends a package with none (test_a), and B's other commune sees none.
        other = Client(self.node_b)
        other.login("cujut.clerk", "demo")
        self.assert_problem(other.req("GET", "/api/v1/documents/%s/attachments/%s" % (got[0]["id"], atts[0]["id"])),
                            404)

    def test_j_wrong_pins_on_send_are_spaced_out(self):
        """The signing key's PIN throttle (as at approval): 3 wrong PINs, then even the right one is 429 with
        Retry-After and nothing is queued; after the wait the package goes."""
        import time
        d = self.dir
        cli("ca", "issue", "--dir", str(d / "ca"), "--pass-file", str(d / "pass"), "--cn", "Văn thư hai",
            "--key", "ec", "--out", str(d / "clerk2.p12"), "--p12-pass-file", str(d / "pin"))
        key = self.import_key("clerk2")
        doc = self.outgoing(summary="Về việc thử mã PIN " + unique("pin"))
        for _ in range(3):
            self.assert_problem(self.send(doc["id"], key=key, pin="9999"), 422, "MSG_OUTBOX_KEY", "pin")
        r = self.send(doc["id"], key=key)
        self.assert_problem(r, 429, "MSG_KEYS_PIN_SLOW_DOWN", "pin")
        by_doc = self.a_clerk.req("GET", "/api/v1/exchange/sent?document=" + doc["id"])
        self.assertEqual(by_doc.body["items"], [], "nothing queued")
        time.sleep(int(r.headers["Retry-After"]) + 0.2)
        self.assert_status(self.send(doc["id"], key=key), 202)

    def test_z_rebuild_gives_the_same_rows(self):
        # Both nodes: A holds exchange.sent ... recall_requested, status_received (15/16); B exchange.received,
        # recall_received, recall_answered.
        self.server.stop()
        problems = self.node_b.stop()
        self.assertEqual(problems, [])
        try:
            for db in (self.db, self.node_b.db):
                cp = run_cli("rebuild", "--check", "--db", db.url)
                self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        finally:
            self.restart_b()
            self.server = Server(self.args_a, db=self.db, label="node-a")
            self.server.start()
            self.__class__.server = self.server
            for c in (self.a_clerk, self.a_token):
                c.server = self.server

"""test_sync.py — a provincial hub and its nodes over HTTP (docs/architecture.md "Replication", issue 13): the
enrolment tokens an admin issues (matrix: every role x province / commune level x own / other unit), the enrolment
with its seed, and every bad input answered 4xx problem+json that changes nothing (bad, reused and expired
tokens, a bad public key, a known node id, unsigned requests, an unknown node, a bad signature, a stale clock,
an oversized batch, bad JSON, another node's chain); signed batches that continue the chain, a repeat, a gap (409
with the checkpoint), a tampered batch (422: kept as evidence, the node flagged, then 423 until an admin clears
it: matrix), the status (matrix) and the /metrics gauges; `motcua rebuild --check` at the end. The node is
played by this test: its Ed25519 key (cryptography) signs "METHOD\\nPATH\\nTIME\\n<hex sha256 of the body>" and
its events are hashed as domain/ledger.h says."""
import base64
import hashlib
import json
import os
import time
import unittest

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from harness import ApiTestCase, Client, run_cli, unit_by_slug, unique
from test_dossiers import mandatory_papers, shipped

GENESIS = "0" * 64
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id():
    n = int.from_bytes(os.urandom(16), "big")
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in range(26))[::-1]


def canonical(node, e):
    """The canonical form of domain/ledger.h (ASCII values only here, as the json writer writes them)."""
    s = lambda v: "null" if v is None else json.dumps(v, separators=(",", ":"))
    return ('{"v":1,"node":%s,"seq":%d,"at":%d,"unit":%s,"actor":%s,"type":%s,"entity":%s,"payload":%s}'
            % (s(node), e["seq"], e["at"], s(e["unit"]), s(e["actor"]), s(e["type"]), s(e["entity"]),
               e["payload"]))


class Node:
    """A node played by the test: its key, its id and its chain of test.note events."""

    def __init__(self, server):
        self.server = server
        self.key = Ed25519PrivateKey.generate()
        self.id = new_id()
        self.events = []

    def public_b64(self):
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return base64.b64encode(raw).decode()

    def event(self, unit, payload=None, seq=None, prev=None, type="test.note", entity=None):
        seq = seq if seq is not None else len(self.events) + 1
        prev = prev if prev is not None else (self.events[-1]["hash"] if self.events else GENESIS)
        e = {"seq": seq, "at": int(time.time() * 1000), "unit": unit, "actor": None, "type": type,
             "entity": entity or "note:%d" % seq, "payload": payload or '{"n":%d}' % seq, "prev_hash": prev}
        e["hash"] = hashlib.sha256((prev + canonical(self.id, e)).encode()).hexdigest()
        return e

    def grow(self, unit, n):
        for _ in range(n):
            self.events.append(self.event(unit))
        return self.events

    def signed(self, method, path, body=None, when=None, node=None, key=None, sig=None):
        raw = json.dumps(body).encode() if body is not None else b""
        tm = str(when if when is not None else int(time.time() * 1000))
        msg = "%s\n%s\n%s\n%s" % (method, path, tm, hashlib.sha256(raw).hexdigest())
        signature = sig or base64.b64encode((key or self.key).sign(msg.encode())).decode()
        h = {"X-Motcua-Node": node or self.id, "X-Motcua-Time": tm, "X-Motcua-Signature": signature}
        c = Client(self.server)
        if body is None:
            return c.req(method, path, headers=h)
        return c.req(method, path, raw_body=raw, headers=h)

    def batch(self, events, **kw):
        return self.signed("POST", "/api/v1/sync/batches", {"node": self.id, "events": events}, **kw)


class HubTests(ApiTestCase):
    SERVER_ARGS = ("--role", "hub")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("lamdong", "cujut", "thuanan", "langson", "locbinh", "vn")
        # admins at the province and the commune level (the demo has only the national one)
        for username, unit in (("lamdong.admin", cls.lamdong), ("cujut.admin", cls.cujut),
                               ("thuanan.admin", cls.thuanan)):
            r = cls.admin.req("POST", "/api/v1/staff", json={
                "username": username, "full_name": "Quản Trị", "password": "demo", "unit_id": unit["id"],
                "roles": [{"role": "admin", "unit_id": unit["id"]}]})
            assert r.status == 201, r

    def token(self, unit=None, who=None):
        c = who or self.admin
        r = c.req("POST", "/api/v1/sync/enrolments", json={"unit_id": (unit or self.cujut)["id"]})
        self.assert_status(r, 201)
        return r.body["token"]

    def enrolled(self, unit=None):
        n = Node(self.server)
        r = Client(self.server).req("POST", "/api/v1/sync/enroll", json={
            "token": self.token(unit), "node_id": n.id, "name": "test node", "public_key": n.public_b64()})
        self.assert_status(r, 201)
        return n

    # ---- enrolment tokens: the matrix ----

    def test_enrolment_token_matrix(self):
        # (username, level, own unit, other unit): only an admin whose scope holds the unit may issue one.
        cases = [
            ("admin", "national", self.cujut, self.locbinh, 201, 201),
            ("lamdong.admin", "province", self.cujut, self.locbinh, 201, 404),
            ("cujut.admin", "commune", self.cujut, self.thuanan, 201, 404),
            ("lamdong.official", "province", self.cujut, self.locbinh, 403, 403),
            ("cujut.leader", "commune", self.cujut, self.thuanan, 403, 403),
            ("cujut.desk", "commune", self.cujut, self.thuanan, 403, 403),
            ("cujut.specialist", "commune", self.cujut, self.thuanan, 403, 403),
            ("cujut.clerk", "commune", self.cujut, self.thuanan, 403, 403),
        ]
        for username, level, own, other, want_own, want_other in cases:
            c = self.client(username)
            for unit, want in ((own, want_own), (other, want_other)):
                with self.subTest(user=username, level=level, unit=unit["slug"]):
                    before = self.counts()
                    r = c.req("POST", "/api/v1/sync/enrolments", json={"unit_id": unit["id"]})
                    if want == 201:
                        self.assert_status(r, 201)
                        self.assertGreater(r.body["expires_at"], int(time.time() * 1000))
                        self.assert_delta(before, events=1, sync_enrolments=1)
                    else:
                        self.assert_problem(r, want, "MSG_FORBIDDEN" if want == 403 else "MSG_UNIT_UNKNOWN")
                        self.assert_unchanged(before)

    def test_enrolment_token_bad_input(self):
        before = self.counts()
        cases = [({}, 400, "MSG_MISSING_FIELD"), ({"unit_id": 5}, 400, "MSG_WRONG_TYPE"),
                 ({"unit_id": self.cujut["id"], "x": 1}, 400, "MSG_UNKNOWN_FIELD"),
                 ({"unit_id": "01M8T4FRN39MVS7C38TRTKRVDD"}, 404, "MSG_UNIT_UNKNOWN"),
                 ({"unit_id": self.vn["id"]}, 422, "MSG_SYNC_UNIT_KIND"),
                 ({"unit_id": self.cujut["id"], "ttl_hours": 0}, 400, "MSG_FIELD_RANGE")]
        for body, status, code in cases:
            with self.subTest(body=body):
                self.assert_problem(self.admin.req("POST", "/api/v1/sync/enrolments", json=body), status, code)
        self.assert_problem(self.admin.req("POST", "/api/v1/sync/enrolments", raw_body=b"{nope"), 400,
                            "MSG_MALFORMED_JSON")
        self.assert_unchanged(before)

    # ---- enrolment ----

    def test_enrol_gives_the_seed_once(self):
        n = Node(self.server)
        tok = self.token()
        before = self.counts()
        r = Client(self.server).req("POST", "/api/v1/sync/enroll", json={
            "token": tok, "node_id": n.id, "name": "cujut", "public_key": n.public_b64()})
        self.assert_status(r, 201)
        self.assertEqual(r.body["unit_id"], self.cujut["id"])
        seed = r.body["seed"]
        unit_ids = [row[0] for row in seed["units"]["rows"]]
        self.assertIn(self.cujut["id"], unit_ids)
        self.assertIn(self.lamdong["id"], unit_ids, "ancestors travel with the seed")
        self.assertNotIn(self.thuanan["id"], unit_ids, "siblings do not")
        usernames = [row[2] for row in seed["accounts"]["rows"]]
        self.assertIn("cujut.desk", usernames)
        self.assertNotIn("thuanan.desk", usernames)
        self.assertTrue(seed["procedures"]["rows"])
        self.assert_delta(before, events=1, sync_nodes=1)
        # the same token again: 409, nothing changes
        before = self.counts()
        r = Client(self.server).req("POST", "/api/v1/sync/enroll", json={
            "token": tok, "node_id": new_id(), "name": "again", "public_key": n.public_b64()})
        self.assert_problem(r, 409, "MSG_SYNC_TOKEN_USED")
        self.assert_unchanged(before)

    def test_enrol_bad_input_changes_nothing(self):
        n = Node(self.server)
        good = {"token": self.token(), "node_id": n.id, "name": "x", "public_key": n.public_b64()}
        known = self.enrolled()
        old = dict(os.environ)
        os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(-100 * 3600 * 1000)
        try:
            cp = run_cli("node", "token", "--db", self.db.url, "--unit", self.cujut["id"], "--ttl-hours", "1")
        finally:
            os.environ.clear()
            os.environ.update(old)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        expired = cp.stdout.strip()
        before = self.counts()
        cases = [
            (dict(good, token="not-a-token"), 401, "MSG_SYNC_TOKEN_INVALID"),
            (dict(good, token=expired), 410, "MSG_SYNC_TOKEN_EXPIRED"),
            (dict(good, public_key="QUJD"), 400, "MSG_SYNC_PUBLIC_KEY"),
            (dict(good, node_id="x" * 26), 400, "MSG_FIELD_INVALID"),
            (dict(good, node_id=known.id), 409, "MSG_SYNC_NODE_EXISTS"),
            (dict(good, extra=1), 400, "MSG_UNKNOWN_FIELD"),
            ({k: v for k, v in good.items() if k != "name"}, 400, "MSG_MISSING_FIELD"),
        ]
        for body, status, code in cases:
            with self.subTest(code=code):
                self.assert_problem(Client(self.server).req("POST", "/api/v1/sync/enroll", json=body), status, code)
        self.assert_problem(Client(self.server).req("POST", "/api/v1/sync/enroll", raw_body=b"[1,"), 400,
                            "MSG_MALFORMED_JSON")
        self.assert_unchanged(before)

    # ---- signed requests ----

    def test_unsigned_unknown_badly_signed_and_stale_requests_are_401(self):
        n = self.enrolled()
        stranger = Node(self.server)
        before = self.counts()
        body = {"node": n.id, "events": [n.event(self.cujut["id"])]}
        r = Client(self.server).req("GET", "/api/v1/sync/checkpoint")
        self.assert_problem(r, 401, "MSG_SYNC_SIG_MISSING")
        self.assert_problem(stranger.signed("GET", "/api/v1/sync/checkpoint"), 401, "MSG_SYNC_NODE_UNKNOWN")
        self.assert_problem(n.signed("GET", "/api/v1/sync/checkpoint", key=stranger.key), 401, "MSG_SYNC_SIG_BAD")
        self.assert_problem(n.signed("POST", "/api/v1/sync/batches", body, sig="QUJD"), 401, "MSG_SYNC_SIG_BAD")
        stale = n.signed("POST", "/api/v1/sync/batches", body, when=int(time.time() * 1000) - 3 * 3600 * 1000)
        self.assert_problem(stale, 401, "MSG_SYNC_TIME_STALE")
        self.assertTrue(stale.headers.get("X-Motcua-Hub-Time"), "the hub tells its time")
        self.assertIn("180", stale.body["messages"]["en"])
        self.assert_unchanged(before)
        # with the hub's time the same batch passes
        r = n.batch([n.event(self.cujut["id"])], when=int(stale.headers["X-Motcua-Hub-Time"]))
        self.assert_status(r, 200)

    # ---- batches ----

    def test_batches_continue_repeat_and_answer_gaps(self):
        n = self.enrolled()
        r = n.signed("GET", "/api/v1/sync/checkpoint")
        self.assert_status(r, 200)
        self.assertEqual((r.body["seq"], r.body["hash"]), (0, GENESIS))
        ev = n.grow(self.cujut["id"], 3)
        before = self.counts()
        r = n.batch(ev)
        self.assert_status(r, 200)
        self.assertEqual((r.body["seq"], r.body["hash"]), (3, ev[2]["hash"]))
        self.assert_delta(before, events=3)
        before = self.counts()
        self.assert_status(n.batch(ev), 200)                      # a repeat is harmless
        ev = n.grow(self.cujut["id"], 3)
        r = n.batch(ev[4:])                                       # 5, 6 without 4: a gap
        self.assert_problem(r, 409, "MSG_SYNC_GAP")
        self.assertEqual(r.body["checkpoint"]["seq"], 3)
        self.assert_unchanged(before)
        r = n.batch(ev[2:])                                       # 3..6: an overlap
        self.assert_status(r, 200)
        self.assertEqual(r.body["seq"], 6)
        self.assert_delta(before, events=3)
        cp = self.db.verify()
        self.assertEqual(cp[0], 0, cp[2])

    def test_bad_batches_change_nothing(self):
        n = self.enrolled()
        ev = n.grow(self.cujut["id"], 2)
        other = Node(self.server)
        before = self.counts()
        big = [dict(ev[0], seq=i + 1) for i in range(1001)]
        cases = [
            ({"node": n.id, "events": big}, 413, "MSG_SYNC_BATCH_TOO_LARGE"),
            ({"node": other.id, "events": ev}, 400, "MSG_SYNC_BATCH_NODE"),
            ({"node": n.id}, 400, "MSG_WRONG_TYPE"),
            ({"node": n.id, "events": [dict(ev[0], seq="1")]}, 400, "MSG_SYNC_EVENT_FIELD"),
            ({"node": n.id, "events": [dict(ev[0], hash="zz")]}, 400, "MSG_SYNC_EVENT_FIELD"),
            ({"node": n.id, "events": [{k: v for k, v in ev[0].items() if k != "payload"}]}, 400,
             "MSG_SYNC_EVENT_FIELD"),
            ({"node": n.id, "events": ev, "more": 1}, 400, "MSG_UNKNOWN_FIELD"),
        ]
        for body, status, code in cases:
            with self.subTest(code=code):
                self.assert_problem(n.signed("POST", "/api/v1/sync/batches", body), status, code)
        raw = b'{"node": "' + n.id.encode() + b'", "events": ['
        tm = str(int(time.time() * 1000))
        msg = "POST\n/api/v1/sync/batches\n%s\n%s" % (tm, hashlib.sha256(raw).hexdigest())
        h = {"X-Motcua-Node": n.id, "X-Motcua-Time": tm,
             "X-Motcua-Signature": base64.b64encode(n.key.sign(msg.encode())).decode()}
        self.assert_problem(Client(self.server).req("POST", "/api/v1/sync/batches", raw_body=raw, headers=h), 400,
                            "MSG_MALFORMED_JSON")
        self.assert_unchanged(before)

    def test_only_the_batch_route_takes_a_large_body(self):
        """A hub raises the body cap for its batches only: any other route keeps --body-max (1 MiB)."""
        n = self.enrolled()
        ev = n.grow(self.cujut["id"], 1)
        pad = "x" * (1536 << 10)
        before = self.counts()
        for path in ("/api/v1/sync/enroll", "/api/v1/session"):
            with self.subTest(path=path):
                r = Client(self.server).req("POST", path, json={"token": pad, "username": pad}, csrf=False)
                self.assert_problem(r, 413, "MSG_BODY_TOO_LARGE")
        # a 1.5 MiB batch reaches the batch route (its own checks answer; here its events are well-formed)
        body = {"node": n.id, "events": [dict(ev[0], payload=json.dumps({"n": 1, "pad": pad}))]}
        r = n.signed("POST", "/api/v1/sync/batches", body)
        self.assert_problem(r, 422, "MSG_SYNC_HASH_BAD")
        self.assert_delta(before, events=1, sync_refused=1)

    def test_refused_batch_is_evidence_and_flags_until_cleared(self):
        n = self.enrolled()
        ev = n.grow(self.cujut["id"], 2)
        bad = [ev[0], dict(ev[1], payload='{"n":999}')]
        before = self.counts()
        r = n.batch(bad)
        self.assert_problem(r, 422, "MSG_SYNC_HASH_BAD")
        self.assert_delta(before, events=1, sync_refused=1)       # the flag's event; nothing of the batch
        self.assert_problem(n.batch(ev), 423, "MSG_SYNC_FLAGGED")
        st = self.admin.req("GET", "/api/v1/sync/status")
        mine = [x for x in st.body["nodes"] if x["node_id"] == n.id][0]
        self.assertEqual(mine["state"], "flagged")
        self.assertGreaterEqual(st.body["refused_batches"], 1)
        # clearing: matrix (role x level x own / other unit)
        path = "/api/v1/sync/nodes/%s/clear" % n.id
        for username, want, code in (("cujut.leader", 403, "MSG_FORBIDDEN"),
                                     ("lamdong.official", 403, "MSG_FORBIDDEN"),
                                     ("thuanan.admin", 404, "MSG_SYNC_NODE_UNKNOWN")):
            with self.subTest(user=username):
                c = self.client(username)
                before = self.counts()
                self.assert_problem(c.req("POST", path), want, code)
                self.assert_unchanged(before)
        self.assert_status(self.client("cujut.admin").req("POST", path), 200)
        self.assert_problem(self.client("lamdong.admin").req("POST", path), 409, "MSG_SYNC_NOT_FLAGGED")
        self.assert_problem(self.admin.req("POST", "/api/v1/sync/nodes/nonsense/clear"), 404,
                            "MSG_SYNC_NODE_UNKNOWN")
        self.assert_status(n.batch(ev), 200)

    def test_ownership_is_enforced(self):
        n = self.enrolled()
        before = self.counts()
        r = n.batch([n.event(self.thuanan["id"])])
        self.assert_problem(r, 422, "MSG_SYNC_OWNERSHIP")
        self.assert_delta(before, events=1, sync_refused=1)

    # ---- replica guards: the hub applies only what the node owns ----

    def intake(self, unit, dossier_id=None, agency=None):
        """The payload (JSON text) of a node's intake of a dossier in unit, counted under agency (its edi_code)."""
        agency = agency or unit["edi_code"]
        dossier_id = dossier_id or new_id()
        at = int(time.time() * 1000)
        d = {"id": dossier_id, "code": "%s-%s-%04d" % (agency, time.strftime("%y%m%d"), 9000 + len(agency) % 7),
             "unit_id": unit["id"], "unit_path": unit["path"], "origin_path": unit["path"],
             "procedure_code": "1.000001", "procedure_version": 1, "procedure_name": "Thu tuc", "field": "Ho tich",
             "channel": 1, "status": 2, "step": 1, "plan": "[]", "time_rule": 1, "work_minutes": 480,
             "supplement_rule": 1, "assignee_id": None, "department": None, "applicant_kind": "person",
             "applicant_name": "Nguyen Van A", "id_number": "001", "phone": "0900", "address": "Thon 1",
             "received_at": at, "supplement_count": 0, "extended": 0, "created_at": at, "updated_at": at,
             "version": 1}
        p = {"dossier": d, "papers": [], "counter": {"agency": agency, "day": time.strftime("%y%m%d"), "seq": 1},
             "idempotency": None, "log": {"n": 1, "action": "receive", "step": 1, "at": at, "status_before": 1,
                                          "status_after": 2}}
        return dossier_id, json.dumps(p, separators=(",", ":"), ensure_ascii=True)

    def action(self, dossier_id, unit, status, n):
        at = int(time.time() * 1000)
        p = {"id": dossier_id, "after": {"unit_id": unit["id"], "unit_path": unit["path"], "status": status,
                                         "step": 1, "supplement_count": 0, "extended": 0, "updated_at": at,
                                         "version": n},
             "log": {"n": n, "action": "accept", "step": 1, "at": at, "status_before": 2, "status_after": status}}
        return json.dumps(p, separators=(",", ":"), ensure_ascii=True)

    def unit_full(self, unit):
        """The unit with its path ("/<root id>/.../<its id>/", as units.path holds it)."""
        chain, u = [], unit
        while True:
            r = self.admin.req("GET", "/api/v1/units/%s" % u["id"])
            self.assert_status(r, 200)
            chain.append(r.body)
            if not r.body.get("parent_id"):
                break
            u = {"id": r.body["parent_id"]}
        return dict(chain[0], path="/" + "".join(x["id"] + "/" for x in reversed(chain)))

    def dossier_id(self, code):
        """The id of dossier code, read from the store (the API shows codes only)."""
        db = self.db
        if db.sqlite_path:
            import sqlite3
            con = sqlite3.connect("file:%s?mode=ro" % db.sqlite_path, uri=True, timeout=10)
            try:
                return con.execute("SELECT id FROM dossiers WHERE code = ?", (code,)).fetchone()[0]
            finally:
                con.close()
        return db.psql_exec("SELECT id FROM dossiers WHERE code = '%s'" % code.replace("'", "")).strip()

    def hub_dossier(self):
        """A dossier the hub itself holds, received by Thuan An's desk."""
        proc = shipped("2.000806")
        body = {"procedure": proc["code"], "channel": "desk",
                "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": "068095001234",
                              "phone": "+84 912 345 678", "address": "Thôn 3, xã Thuận An"},
                "papers": [{"paper": pid, "copies": 1, "form": "original"} for pid in mandatory_papers(proc)]}
        r = self.client("thuanan.desk").req("POST", "/api/v1/dossiers", json=body)
        self.assert_status(r, 201)
        return dict(r.body, id=self.dossier_id(r.body["code"]))

    def refused(self, n, events):
        before = self.counts()
        r = n.batch(events)
        self.assert_problem(r, 422, "MSG_SYNC_OWNERSHIP")
        self.assert_delta(before, events=1, sync_refused=1)       # the flag's event; nothing of the batch
        self.assert_status(self.admin.req("POST", "/api/v1/sync/nodes/%s/clear" % n.id), 200)

    def test_a_node_writes_only_its_own_dossiers(self):
        cujut, thuanan = self.unit_full(self.cujut), self.unit_full(self.thuanan)
        n = self.enrolled()
        hub = self.hub_dossier()
        seen = self.admin.req("GET", "/api/v1/dossiers/%s" % hub["code"])
        self.assert_status(seen, 200)
        self.assertEqual(seen.body.get("unit_path", thuanan["path"]), thuanan["path"])
        # an intake into another commune (the event's unit is the node's own, the payload's the other's)
        did, text = self.intake(thuanan)
        self.refused(n, [n.event(cujut["id"], text, type="dossier.received", entity="dossier:" + did)])
        # its own unit but another commune's counter
        did, text = self.intake(cujut, agency=thuanan["edi_code"])
        self.refused(n, [n.event(cujut["id"], text, type="dossier.received", entity="dossier:" + did)])
        # an action on the hub's dossier of Thuan An, moving it into Cu Jut
        text = self.action(hub["id"], cujut, 4, 2)
        self.refused(n, [n.event(cujut["id"], text, type="dossier.accepted", entity="dossier:" + hub["id"])])
        after = self.admin.req("GET", "/api/v1/dossiers/%s" % hub["code"])
        self.assertEqual((after.body["status"], after.body["unit_id"]), (seen.body["status"], seen.body["unit_id"]))
        # legitimate events of its own dossier replicate
        did, text = self.intake(cujut)
        e1 = n.event(cujut["id"], text, type="dossier.received", entity="dossier:" + did)
        n.events.append(e1)
        e2 = n.event(cujut["id"], self.action(did, cujut, 4, 2), type="dossier.accepted", entity="dossier:" + did)
        n.events.append(e2)
        before = self.counts()
        self.assert_status(n.batch([e1, e2]), 200)
        self.assert_delta(before, events=2)
        code = json.loads(e1["payload"])["dossier"]["code"]
        got = self.admin.req("GET", "/api/v1/dossiers/%s" % code)
        self.assert_status(got, 200)
        self.assertEqual((got.body["status"], got.body["unit_id"]), (4, cujut["id"]))

    def test_unguarded_types_are_kept_but_not_applied(self):
        n, other = self.enrolled(), self.enrolled(self.thuanan)
        # flag the other node (a tampered batch), then forge its clearing from the first
        ev = other.grow(self.thuanan["id"], 1)
        self.assert_problem(other.batch([dict(ev[0], payload='{"n":999}')]), 422, "MSG_SYNC_HASH_BAD")
        uid, aid = new_id(), new_id()
        forged = [
            ("procedure.saved", None, "procedure:1.000001",
             {"scope": "", "code": "1.000001", "name": "Gia", "active": True}),
            ("unit.created", self.cujut["id"], "unit:" + uid,
             {"id": uid, "parent_id": self.lamdong["id"], "kind": "commune", "name": "Xa gia"}),
            ("account.created", self.cujut["id"], "account:" + aid,
             {"id": aid, "kind": "staff", "username": "evil", "unit_id": self.vn["id"],
              "roles": [{"role": "admin", "unit_id": self.vn["id"]}]}),
            ("sync.node_cleared", None, "sync_node:" + other.id, {"node_id": other.id}),
        ]
        for typ, unit, ent, payload in forged:
            n.events.append(n.event(unit, json.dumps(payload, separators=(",", ":")), type=typ, entity=ent))
        procs = self.admin.req("GET", "/api/v1/procedures/1.000001")
        before = self.counts()
        r = n.batch(n.events)
        self.assert_status(r, 200)
        self.assertEqual(r.body["seq"], 4)
        self.assert_delta(before, events=4)                      # kept in the chain, nothing else
        self.assertEqual(self.admin.req("GET", "/api/v1/procedures/1.000001").status, procs.status)
        self.assert_problem(self.admin.req("GET", "/api/v1/units/%s" % uid), 404)
        st = self.admin.req("GET", "/api/v1/sync/status")
        self.assertEqual([x["state"] for x in st.body["nodes"] if x["node_id"] == other.id], ["flagged"])
        code, _, out = self.db.verify()
        self.assertEqual(code, 0, out)

    # ---- status and metrics ----

    def test_status_matrix(self):
        n = self.enrolled()
        for username, want, sees in (("admin", 200, True), ("lamdong.admin", 200, True), ("cujut.admin", 200, True),
                                     ("thuanan.admin", 200, False), ("lamdong.official", 403, False),
                                     ("cujut.leader", 403, False), ("cujut.desk", 403, False)):
            with self.subTest(user=username):
                r = self.client(username).req("GET", "/api/v1/sync/status")
                if want != 200:
                    self.assert_problem(r, want, "MSG_FORBIDDEN")
                    continue
                self.assert_status(r, 200)
                self.assertEqual(n.id in [x["node_id"] for x in r.body["nodes"]], sees)

    def test_lag_in_status_and_metrics(self):
        n = self.enrolled()
        ev = n.grow(self.cujut["id"], 5)
        body = {"node": n.id, "head": {"seq": 5, "at": ev[4]["at"]}, "events": ev[:2]}
        self.assert_status(n.signed("POST", "/api/v1/sync/batches", body), 200)
        st = self.admin.req("GET", "/api/v1/sync/status")
        mine = [x for x in st.body["nodes"] if x["node_id"] == n.id][0]
        self.assertEqual((mine["seq"], mine["lag_events"]), (2, 3))
        m = Client(self.server).req("GET", "/metrics")
        self.assert_status(m, 200)
        text = m.raw.decode()
        self.assertIn('motcua_sync_node_lag_events{node="%s"} 3' % n.id, text)
        for name in ("motcua_sync_node_lag_seconds", "motcua_sync_refused_batches_total", "motcua_sync_flagged_nodes"):
            self.assertIn(name, text)
        cp = run_cli("sync", "status", "--db", self.db.url, "--json")
        self.assertEqual(cp.returncode, 0, cp.stderr)
        doc = json.loads(cp.stdout)
        self.assertEqual(doc["role"], "hub")
        self.assertIn(n.id, [x["node_id"] for x in doc["nodes"]])

    def test_z_rebuild_gives_the_same_rows(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)


class TwoHubProcessesTests(ApiTestCase):
    """Two hub processes on one database given the same batch at once: it is applied once, both answer the same
    checkpoint (the head row is locked before it is read)."""
    SERVER_ARGS = ("--role", "hub")

    def test_the_same_batch_through_two_processes_at_once(self):
        import threading
        from harness import Server
        second = Server(("--role", "hub"), db=self.db, label="second-hub")
        second.start()
        try:
            admin = self.client("admin")
            cujut = unit_by_slug(admin, "cujut")
            tok = admin.req("POST", "/api/v1/sync/enrolments", json={"unit_id": cujut["id"]}).body["token"]
            n = Node(self.server)
            self.assert_status(Client(self.server).req("POST", "/api/v1/sync/enroll", json={
                "token": tok, "node_id": n.id, "name": "n", "public_key": n.public_b64()}), 201)
            ev = n.grow(cujut["id"], 200)
            before = self.counts()
            out = {}
            nodes = {"a": n, "b": Node(second)}
            nodes["b"].key, nodes["b"].id = n.key, n.id

            def send(k):
                out[k] = nodes[k].batch(ev)

            ts = [threading.Thread(target=send, args=(k,)) for k in nodes]
            for t in ts:
                t.start()
            for t in ts:
                t.join()
            for k in nodes:
                self.assert_status(out[k], 200)
                self.assertEqual(out[k].body["seq"], 200)
            self.assert_delta(before, events=200)
        finally:
            problems = second.stop()
            self.assertFalse(problems, problems)


class NotAHubTests(ApiTestCase):
    """A standalone server answers no sync route (404 problem+json), signed or not."""

    def test_sync_routes_are_404(self):
        admin = self.client("admin")
        cujut = unit_by_slug(admin, "cujut")
        before = self.counts()
        self.assert_problem(admin.req("POST", "/api/v1/sync/enrolments", json={"unit_id": cujut["id"]}), 404,
                            "MSG_SYNC_NOT_HUB")
        self.assert_problem(admin.req("GET", "/api/v1/sync/status"), 404, "MSG_SYNC_NOT_HUB")
        n = Node(self.server)
        self.assert_problem(n.signed("GET", "/api/v1/sync/checkpoint"), 404, "MSG_SYNC_NOT_HUB")
        self.assert_problem(Client(self.server).req("POST", "/api/v1/sync/enroll", json={"token": unique("t")}), 404,
                            "MSG_SYNC_NOT_HUB")
        self.assert_unchanged(before)


if __name__ == "__main__":
    unittest.main()

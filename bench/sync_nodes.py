#!/usr/bin/env python3
"""sync_nodes.py — simulated commune nodes replicating to a real motcua hub on PostgreSQL (issue 13 item 7); the
driver of bench/run_sync.

Each simulated node enrols like a real one (a one-time token from `motcua node token`, its own Ed25519 key pair,
POST /api/v1/sync/enroll), keeps its own hash chain in memory (the canonical form of src/domain/ledger.h) and ships
it as real signed batches (POST /api/v1/sync/batches, X-Motcua-Node/Time/Signature as in the contract). The events
are dossier.received events with the payload of a real intake (a dossier row, its paper, its counter and its first
log step, ~2.6 KB), each for a new dossier id and code, so the hub runs the real apply function (a dossier row, a
step, a paper, a counter) for every event, not a no-op.

Phases (each prints one "result" line):
  rate      events applied per second at the hub: SENDERS nodes each ship EVENTS_RATE events in batches of BATCH
            concurrently; events / wall time from the first request to the last answer.
  catchup   NODES nodes cut off for 24 hours (their events' instants spread over the last 24 h, PER_NODE each) come
            back at once and ship from the hub's checkpoint; time until every node is caught up, and the hub's RSS
            (VmRSS of the hub process, sampled every 100 ms) before, at its peak and after.
  lag       steady state: LAG_NODES nodes each record an event every LAG_INTERVAL_MS and ship every POLL_MS (the
            shipper's --sync-poll-ms, default 1000 as the real one); lag = the hub's answer instant minus the
            event's instant; p50, p99, max.

usage: sync_nodes.py --bin BIN --hub-url URL --hub-pid PID --pg-url URL [options] (see --help)
Needs Python's `cryptography` package for Ed25519 (falls back to `openssl pkeyutl`, much slower)."""
import argparse
import base64
import hashlib
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

GENESIS = "0" * 64
KIND = "received"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives import serialization

    class Key:
        def __init__(self):
            self.k = Ed25519PrivateKey.generate()

        def public_b64(self):
            raw = self.k.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return base64.b64encode(raw).decode()

        def sign_b64(self, msg):
            return base64.b64encode(self.k.sign(msg)).decode()
except ImportError:   # openssl pkeyutl: one process per signature
    class Key:
        def __init__(self):
            fd, self.path = tempfile.mkstemp(suffix=".pem")
            os.close(fd)
            subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", self.path], check=True,
                           capture_output=True)

        def public_b64(self):
            der = subprocess.run(["openssl", "pkey", "-in", self.path, "-pubout", "-outform", "DER"], check=True,
                                 capture_output=True).stdout
            return base64.b64encode(der[-32:]).decode()

        def sign_b64(self, msg):
            sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", self.path], input=msg,
                                 check=True, capture_output=True).stdout
            return base64.b64encode(sig).decode()


def new_id(n=[0]):
    """A fresh id in motcua's form (26 Crockford base32 characters: 10 of time, 16 of randomness)."""
    ms = int(time.time() * 1000)
    t = "".join(CROCKFORD[(ms >> (5 * i)) & 31] for i in range(9, -1, -1))
    r = int.from_bytes(os.urandom(10), "big")
    return t + "".join(CROCKFORD[(r >> (5 * i)) & 31] for i in range(15, -1, -1))


def jstr(s):
    return "null" if s is None else json.dumps(s, ensure_ascii=False)


def canonical(node, seq, at, unit, actor, typ, entity, payload):
    return ('{"v":1,"node":%s,"seq":%d,"at":%d,"unit":%s,"actor":%s,"type":%s,"entity":%s,"payload":%s}' %
            (jstr(node), seq, at, jstr(unit), jstr(actor), jstr(typ), jstr(entity), payload))


PLAN = json.dumps([{"name": "Tiếp nhận, kiểm tra hồ sơ", "role": "desk", "department": None, "budget": 2160,
                    "inter_agency": False, "other_level": None, "counted": True},
                   {"name": "Thẩm định, đề xuất kết quả", "role": "specialist", "department": None, "budget": 12960,
                    "inter_agency": False, "other_level": None, "counted": True},
                   {"name": "Trả kết quả", "role": "desk", "department": None, "budget": 60,
                    "inter_agency": False, "other_level": None, "counted": False}],
                  ensure_ascii=False, separators=(",", ":"))


def received_payload(did, code, unit, upath, actor, at, agency, day, n):
    """The payload of a dossier.received event, in the shape an intake writes (see a demo database's events)."""
    d = {"id": did, "code": code, "unit_id": unit, "unit_path": upath, "origin_path": upath,
         "procedure_code": "2.000806", "procedure_version": 1, "procedure_name": "Chứng thực bản sao từ bản chính",
         "field": "Chứng thực", "channel": 1, "status": 2, "step": 0, "plan": PLAN, "time_rule": 0,
         "work_minutes": 900, "supplement_rule": 0, "assignee_id": None, "department": None,
         "applicant_kind": "person", "applicant_name": "Nguyễn Minh Chi", "id_number": "064095671243",
         "phone": "0555665411", "address": "Thôn 5, Xã Cư Jút", "email": None, "representative": None,
         "content": None, "applicant_account": None, "received_by": actor, "received_at": at, "accepted_at": at,
         "due_at": at + 86400000, "original_due_at": at + 86400000, "step_started_at": at,
         "step_due_at": at + 3600000, "paused_at": None, "supplement_count": 0, "extended": 0, "fee_amount": None,
         "paid_amount": None, "result": None, "result_paper": None, "resolved_at": None, "timing": None,
         "delivered_at": None, "delivered_to": None, "reason": None, "created_at": at, "updated_at": at,
         "version": 1}
    p = {"dossier": d,
         "papers": [{"paper": "don-de-nghi", "name": "Tờ khai / đơn đề nghị theo mẫu", "copies": 1,
                     "form": "original", "mandatory": True}],
         "counter": {"agency": agency, "day": day, "seq": n}, "idempotency": None,
         "log": {"n": 1, "action": "receive", "step": 0, "from_account": actor, "to_account": actor,
                 "from_unit": None, "to_unit": unit, "at": at, "step_due_at": at + 3600000, "finished_step": None,
                 "timing": None, "status_before": 0, "status_after": 2, "note": None}}
    return json.dumps(p, ensure_ascii=False, separators=(",", ":"))


class Node:
    def __init__(self, hub, name, unit, upath, actor, agency):
        self.hub, self.name, self.unit, self.upath, self.actor, self.agency = hub, name, unit, upath, actor, agency
        self.key = Key()
        self.id = new_id()
        self.seq, self.prev, self.events, self.cp = 0, GENESIS, [], 0
        self.day = "S" + self.id[-5:]          # a counter day of its own: codes never collide between nodes
        self.conn = None
        self.lags = []
        self.bodies = {}

    def record(self, at):
        self.seq += 1
        did = new_id()
        if KIND == "noop":        # a type no module applies: the replication path alone (verify, insert, head)
            typ, payload, entity = "bench.noop", '{"i":%d}' % self.seq, "bench:" + did
        else:
            code = "%s-%s-%05d" % (self.agency, self.day, self.seq)
            typ, entity = "dossier.received", "dossier:" + did
            payload = received_payload(did, code, self.unit, self.upath, self.actor, at, self.agency, self.day,
                                       self.seq)
        c = canonical(self.id, self.seq, at, self.unit, self.actor, typ, entity, payload)
        h = hashlib.sha256((self.prev + c).encode()).hexdigest()
        self.events.append({"seq": self.seq, "at": at, "unit": self.unit, "actor": self.actor,
                            "type": typ, "entity": entity, "payload": payload,
                            "prev_hash": self.prev, "hash": h})
        self.prev = h

    def request(self, method, path, body=b""):
        tm = str(int(time.time() * 1000))
        msg = ("%s\n%s\n%s\n%s" % (method, path, tm, hashlib.sha256(body).hexdigest())).encode()
        hd = {"X-Motcua-Node": self.id, "X-Motcua-Time": tm, "X-Motcua-Signature": self.key.sign_b64(msg),
              "Content-Type": "application/json"}
        for attempt in (1, 2):
            if self.conn is None:
                u = urllib.parse.urlparse(self.hub)
                self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
            try:
                self.conn.request(method, path, body=body if method == "POST" else None, headers=hd)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def body(self, cp, batch):
        """The batch after cp (serialised once: prepare() makes them before a timed phase)."""
        key = (cp, batch, self.seq)
        if key not in self.bodies:
            evs = self.events[cp:cp + batch]
            self.bodies[key] = json.dumps({"node": self.id, "head": {"seq": self.seq, "at": self.events[-1]["at"]},
                                           "events": evs}, ensure_ascii=False, separators=(",", ":")).encode()
        return self.bodies[key]

    def prepare(self, batch):
        for cp in range(0, self.seq, batch):
            self.body(cp, batch)

    def ship(self, batch):
        """Send every event after the checkpoint, as the shipper does: a failed request (the hub closed the
        connection, 5xx) is retried after a pause from the hub's checkpoint; returns the number of batches."""
        n = 0
        self.retries = getattr(self, "retries", 0)
        while self.cp < self.seq:
            body = self.body(self.cp, batch)
            try:
                st, data = self.request("POST", "/api/v1/sync/batches", body)
            except (http.client.HTTPException, OSError) as e:
                st, data = 0, repr(e).encode()
            if st == 409:
                self.cp = json.loads(data)["checkpoint"]["seq"]
                continue
            if (st == 0 or st >= 500) and self.retries < 50:
                self.retries += 1
                self.last_error = data[:200]
                time.sleep(0.5)
                try:
                    st, data = self.request("GET", "/api/v1/sync/checkpoint")
                    if st == 200:
                        self.cp = json.loads(data)["seq"]
                except (http.client.HTTPException, OSError):
                    pass
                continue
            if st != 200:
                raise RuntimeError("%s: batch after %d: HTTP %d %s" % (self.name, self.cp, st, data[:300]))
            now = int(time.time() * 1000)
            cp = json.loads(data)["seq"]
            self.lags.extend(now - e["at"] for e in self.events[self.cp:cp])
            self.cp = cp
            n += 1
        return n


def enrol(a, nodes):
    for nd in nodes:
        tok = subprocess.run([a.bin, "node", "token", "--db", a.pg_url, "--unit", nd.unit], check=True,
                             capture_output=True, text=True).stdout.strip().splitlines()[-1]
        body = json.dumps({"token": tok, "node_id": nd.id, "name": nd.name, "public_key": nd.key.public_b64()})
        u = urllib.parse.urlparse(a.hub_url)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request("POST", "/api/v1/sync/enroll", body=body, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status not in (200, 201):
            sys.exit("enrol %s: HTTP %d %s" % (nd.name, r.status, data[:300]))


def psql(a, sql):
    return subprocess.run(["psql", "-X", "-At", a.pg_url, "-c", sql], check=True, capture_output=True,
                          text=True).stdout.strip()


def units(a):
    """Communes of the demo data with one of their staff (the actor) and their electronic code (the agency)."""
    staff = ("FROM accounts x JOIN units s ON s.id = x.unit_id WHERE x.kind = 'staff' "
             "AND s.path LIKE u.path || '%'")
    rows = psql(a, "SELECT u.id, u.path, (SELECT MIN(x.id) %s), COALESCE(u.edi_code, u.id) FROM units u "
                   "WHERE u.kind = 'commune' AND u.active = 1 AND EXISTS (SELECT 1 %s) ORDER BY u.id" % (staff, staff))
    return [r.split("|") for r in rows.splitlines() if r]


def make_nodes(a, n, prefix):
    us = units(a)
    return [Node(a.hub_url, "%s%03d" % (prefix, i), *us[i % len(us)]) for i in range(n)]


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return 0
    return 0


def run_parallel(nodes, fn, workers):
    errs = []
    lock = threading.Lock()
    it = iter(nodes)

    def work():
        while True:
            with lock:
                nd = next(it, None)
            if nd is None:
                return
            try:
                fn(nd)
            except Exception as e:   # reported and counted; the figure is then not printed as met
                with lock:
                    errs.append("%s: %s" % (nd.name, e))

    ts = [threading.Thread(target=work) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return errs


def phase_rate(a):
    nodes = make_nodes(a, a.senders, "rate")
    enrol(a, nodes)
    now = int(time.time() * 1000)
    for nd in nodes:
        for i in range(a.events_rate):
            nd.record(now - (a.events_rate - i))
        nd.prepare(a.batch)
    t0 = time.monotonic()
    errs = run_parallel(nodes, lambda nd: nd.ship(a.batch), a.senders)
    dt = time.monotonic() - t0
    total = a.senders * a.events_rate
    print("result rate: %d events (%s, ~%d bytes each) in %.2f s by %d nodes in batches of %d: "
          "%.0f events/s applied at the hub (target >= 20000)%s" %
          (total, nodes[0].events[0]["type"], len(nodes[0].events[0]["payload"]), dt, a.senders, a.batch, total / dt,
           "; ERRORS: %s" % errs[:3] if errs else ""), flush=True)


def phase_catchup(a):
    nodes = make_nodes(a, a.nodes, "cut")
    enrol(a, nodes)
    now = int(time.time() * 1000)
    day = 86400000
    for nd in nodes:
        for i in range(a.per_node):
            nd.record(now - day + (i * day) // a.per_node)
        nd.prepare(a.batch)
    samples, stop = [], threading.Event()

    def sample():
        while not stop.is_set():
            samples.append(rss_kb(a.hub_pid))
            time.sleep(0.1)

    before = rss_kb(a.hub_pid)
    th = threading.Thread(target=sample)
    th.start()
    t0 = time.monotonic()
    errs = run_parallel(nodes, lambda nd: nd.ship(a.batch), a.workers)
    dt = time.monotonic() - t0
    stop.set()
    th.join()
    after = rss_kb(a.hub_pid)
    total = a.nodes * a.per_node
    retries = sum(getattr(nd, "retries", 0) for nd in nodes)
    why = sorted({getattr(nd, "last_error", b"").decode(errors="replace")[:80] for nd in nodes if getattr(nd, "retries", 0)})
    if retries:
        errs.append("%d batches failed and were resent from the checkpoint (%s)" % (retries, "; ".join(why)[:300]))
    third = max(1, len(samples) // 3)
    early, late = max(samples[:third] or [0]), max(samples[-third:] or [0])
    print("result catchup: %d nodes x %d events (24 h cut) = %d events caught up in %.1f s (%.0f events/s), "
          "%d senders at a time; hub RSS before %.1f MB, peak %.1f MB, after %.1f MB; peak of the first third "
          "%.1f MB, of the last third %.1f MB%s" %
          (a.nodes, a.per_node, total, dt, total / dt, a.workers, before / 1024, max(samples or [0]) / 1024,
           after / 1024, early / 1024, late / 1024, "; ERRORS: %s" % errs[:3] if errs else ""), flush=True)


def phase_lag(a):
    nodes = make_nodes(a, a.lag_nodes, "lag")
    enrol(a, nodes)
    stop = time.monotonic() + a.lag_seconds
    errs = []

    def node_loop(nd):
        next_ev = time.monotonic()
        next_ship = time.monotonic() + (hash(nd.id) % a.poll_ms) / 1000.0    # nodes do not poll in step
        while time.monotonic() < stop:
            t = time.monotonic()
            if t >= next_ev:
                nd.record(int(time.time() * 1000))
                next_ev += a.lag_interval_ms / 1000.0
            if t >= next_ship:
                nd.ship(a.batch)
                next_ship += a.poll_ms / 1000.0
            time.sleep(max(0.0, min(next_ev, next_ship) - time.monotonic()))
        nd.ship(a.batch)

    errs = run_parallel(nodes, node_loop, len(nodes))
    lags = sorted(x for nd in nodes for x in nd.lags)
    if not lags:
        print("result lag: no event shipped; ERRORS: %s" % errs[:3])
        return
    q = lambda p: lags[min(len(lags) - 1, int(p * len(lags)))]
    print("result lag: %d nodes, one event each every %d ms, shipped every %d ms (the shipper's poll) for %d s: "
          "%d events, lag p50 %d ms, p99 %d ms, max %d ms (target < 1000 ms)%s" %
          (a.lag_nodes, a.lag_interval_ms, a.poll_ms, a.lag_seconds, len(lags), q(0.5), q(0.99), lags[-1],
           "; ERRORS: %s" % errs[:3] if errs else ""), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--hub-url", required=True)
    ap.add_argument("--hub-pid", type=int, required=True)
    ap.add_argument("--pg-url", required=True)
    ap.add_argument("--phases", default="rate,catchup,lag")
    ap.add_argument("--batch", type=int, default=500, help="events per batch (the shipper's default 500)")
    ap.add_argument("--senders", type=int, default=4, help="rate: nodes shipping at once")
    ap.add_argument("--events-rate", type=int, default=2500, help="rate: events per sending node")
    ap.add_argument("--nodes", type=int, default=100, help="catchup: nodes")
    ap.add_argument("--per-node", type=int, default=500,
                    help="catchup: events per node recorded during the cut (a busy commune's day is ~100 dossiers "
                         "of ~5 events)")
    ap.add_argument("--workers", type=int, default=16, help="catchup: nodes shipping at once")
    ap.add_argument("--kind", default="received", choices=("received", "noop"),
                    help="events: dossier.received (applied: a dossier row each) or bench.noop (no apply function)")
    ap.add_argument("--lag-nodes", type=int, default=20)
    ap.add_argument("--lag-interval-ms", type=int, default=500)
    ap.add_argument("--poll-ms", type=int, default=1000)
    ap.add_argument("--lag-seconds", type=int, default=20)
    a = ap.parse_args()
    global KIND
    KIND = a.kind
    for ph in a.phases.split(","):
        {"rate": phase_rate, "catchup": phase_catchup, "lag": phase_lag}[ph](a)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""notify_sinks.py — the receiving ends of tests/integration/test_notify.sh, and its checker.

  notify_sinks.py smtp PORT FILE [--fail-first N] [--reject DOMAIN] [--delay-ms MS]
      a real SMTP server (aiosmtpd): every accepted message is appended to FILE (one JSON line, fsync'd) BEFORE
      the 250 reply, so a message the sender saw accepted is always on record. The first N DATA commands get
      "451 try again later"; recipients at DOMAIN get "550 no such user" (a permanent refusal).
  notify_sinks.py http PORT FILE [--fail-first N] [--delay-ms MS]
      an HTTP sink: every POST is appended to FILE (method, headers, body) and answered 200 {"ok": true},
      except the first N, answered 500.
  --delay-ms: wait that long after recording a delivery and before answering it, so that a sender killed at a
      random moment is often caught between the server's acceptance and its own commit, and never finishes the whole
      outbox before the test has killed it enough times.
  notify_sinks.py check DBURL SMTPFILE HTTPFILE --token T [--expect-email N] [--expect-sms N] [--reject DOMAIN]
      compares what arrived with the outbox rows and prints PASS/FAIL lines.
"""
import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time


def append(path, obj, lock=threading.Lock()):
    line = json.dumps(obj, ensure_ascii=False) + "\n"
    with lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def run_smtp(args):
    from aiosmtpd.controller import Controller

    state = {"data": 0}

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if args.reject and address.lower().endswith("@" + args.reject):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            state["data"] += 1
            if state["data"] <= args.fail_first:
                return "451 4.3.0 try again later"
            append(args.file, {"mail_from": envelope.mail_from, "rcpt": envelope.rcpt_tos,
                               "raw": base64.b64encode(envelope.original_content or envelope.content).decode()})
            if args.delay_ms:
                await asyncio.sleep(args.delay_ms / 1000.0)
            return "250 OK"

    ctl = Controller(Handler(), hostname="127.0.0.1", port=args.port)
    ctl.start()
    print("smtp listening", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        ctl.stop()


def run_http(args):
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"n": 0}
    lock = threading.Lock()

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(n).decode("utf-8", "replace")
            with lock:
                state["n"] += 1
                failing = state["n"] <= args.fail_first
            if failing:
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"error": "try again"}')
                return
            append(args.file, {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                               "body": body})
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
    print("http listening", flush=True)
    srv.serve_forever()


def outbox_rows(url):
    cols = ["id", "channel", "recipient", "subject", "body", "state", "attempts", "message_id", "last_error"]
    if url.startswith("postgres"):
        sql = "SELECT json_agg(t) FROM (SELECT %s FROM notify_outbox) t" % ", ".join(cols)
        out = subprocess.run(["psql", url, "-At", "-c", sql], check=True, capture_output=True, text=True).stdout
        return json.loads(out) if out.strip() else []
    con = sqlite3.connect(url)
    rows = [dict(zip(cols, r)) for r in con.execute("SELECT %s FROM notify_outbox" % ", ".join(cols))]
    con.close()
    return rows


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run_check(args):
    fails = 0

    def check(name, cond, detail=""):
        nonlocal fails
        print(("PASS " if cond else "FAIL ") + name + ("" if cond else ": " + str(detail)[:600]), flush=True)
        if not cond:
            fails += 1

    rows = outbox_rows(args.db)
    emails = [r for r in rows if r["channel"] == "email"]
    sms = [r for r in rows if r["channel"] == "sms"]
    rejected = [r for r in emails if args.reject and r["recipient"].endswith("@" + args.reject)]
    deliverable = [r for r in emails if r not in rejected]
    check("outbox holds %d e-mails and %d SMS" % (args.expect_email, args.expect_sms),
          len(emails) == args.expect_email and len(sms) == args.expect_sms, (len(emails), len(sms)))
    not_sent = [r for r in deliverable + sms if r["state"] != "sent"]
    check("every deliverable message is 'sent'", not not_sent, not_sent[:3])
    if args.reject:
        bad = [r for r in rejected if r["state"] != "failed" or "550" not in (r["last_error"] or "")]
        check("a 550 refusal fails the message without retries (%d rows)" % len(rejected), rejected and not bad,
              bad[:3])

    # E-mail: parse each recorded message as RFC 5322.
    got = {}
    dup_same = True
    for rec in read_lines(args.smtp):
        msg = email.message_from_bytes(base64.b64decode(rec["raw"]), policy=email.policy.default)
        mid = msg["Message-ID"]
        entry = {"to": rec["rcpt"], "subject": str(msg["Subject"]), "body": msg.get_content(),
                 "ctype": msg.get_content_type(), "charset": msg.get_content_charset(),
                 "cte": msg["Content-Transfer-Encoding"], "date": msg["Date"], "raw_subject": None}
        raw = base64.b64decode(rec["raw"]).decode("ascii", "replace")
        entry["raw_ascii"] = all(ord(c) < 128 for c in raw)
        if mid in got:
            prev = got[mid][0]
            dup_same = dup_same and prev["subject"] == entry["subject"] and prev["body"] == entry["body"]
        got.setdefault(mid, []).append(entry)
    expected = {}
    for r in deliverable:
        domain = "motcua.test"
        expected["<%s@%s>" % (r["id"], domain)] = r
    check("distinct Message-IDs received == %d e-mails" % len(deliverable), set(got) == set(expected),
          (len(got), len(expected), sorted(set(got) ^ set(expected))[:4]))
    dups = sum(len(v) - 1 for v in got.values())
    print("info e-mail deliveries %d, of which %d repeats (same Message-ID)" % (sum(len(v) for v in got.values()), dups))
    check("a repeated e-mail carries the same Message-ID, subject and body", dup_same)
    wrong = []
    for mid, r in expected.items():
        for e in got.get(mid, []):
            body = e["body"].replace("\r\n", "\n").rstrip("\n")
            if e["subject"] != r["subject"] or body != r["body"].rstrip("\n") or e["to"] != [r["recipient"]] or \
                    e["ctype"] != "text/plain" or e["charset"] != "utf-8" or e["cte"] != "quoted-printable" or \
                    not e["date"] or not e["raw_ascii"]:
                wrong.append((mid, e["subject"], r["subject"], e["to"], e["cte"]))
    check("each e-mail decodes to its outbox subject and body (Vietnamese intact), 7-bit on the wire", not wrong,
          wrong[:2])
    check("the outbox records the Message-ID it sent", all(r["message_id"] in expected for r in deliverable),
          [r["message_id"] for r in deliverable][:3])

    # SMS: JSON {to, text, id}, Idempotency-Key == id, bearer token.
    reqs = read_lines(args.http)
    by_key = {}
    bad = []
    for q in reqs:
        try:
            b = json.loads(q["body"])
        except ValueError:
            bad.append(q)
            continue
        key = q["headers"].get("idempotency-key")
        if key != b.get("id") or q["headers"].get("authorization") != "Bearer " + args.token or \
                set(b) != {"to", "text", "id"}:
            bad.append((key, b.get("id"), q["headers"].get("authorization", "")[:7]))
        by_key.setdefault(key, []).append(b)
    want = {r["id"]: r for r in sms}
    check("distinct Idempotency-Keys received == %d SMS" % len(sms), set(by_key) == set(want),
          (len(by_key), len(want)))
    check("every SMS request: Idempotency-Key == body id, Authorization: Bearer token, fields to/text/id", not bad,
          bad[:3])
    wrong = [(k, v[0]["text"]) for k, v in by_key.items()
             if k in want and any(x["text"] != want[k]["body"] or x["to"] != want[k]["recipient"] for x in v)]
    check("each SMS carries its outbox text and number (Vietnamese intact)", not wrong, wrong[:2])
    dups = sum(len(v) - 1 for v in by_key.values())
    print("info SMS deliveries %d, of which %d repeats (same Idempotency-Key)" % (len(reqs), dups))
    if args.expect_retries:
        retried = [r for r in sms if r["attempts"] > 1]
        check("SMS answered 500 were retried and then delivered (%d with attempts > 1)" % len(retried),
              len(retried) > 0)
    return 1 if fails else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("smtp")
    s.add_argument("port", type=int)
    s.add_argument("file")
    s.add_argument("--fail-first", type=int, default=0)
    s.add_argument("--reject", default="")
    s.add_argument("--delay-ms", type=int, default=0)
    h = sub.add_parser("http")
    h.add_argument("port", type=int)
    h.add_argument("file")
    h.add_argument("--fail-first", type=int, default=0)
    h.add_argument("--delay-ms", type=int, default=0)
    c = sub.add_parser("check")
    c.add_argument("db")
    c.add_argument("smtp")
    c.add_argument("http")
    c.add_argument("--token", required=True)
    c.add_argument("--expect-email", type=int, default=0)
    c.add_argument("--expect-sms", type=int, default=0)
    c.add_argument("--reject", default="")
    c.add_argument("--expect-retries", action="store_true")
    a = ap.parse_args()
    if a.cmd == "smtp":
        run_smtp(a)
    elif a.cmd == "http":
        run_http(a)
    else:
        sys.exit(run_check(a))


if __name__ == "__main__":
    main()

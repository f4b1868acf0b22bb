#!/usr/bin/env python3
"""papers_two.py — papers across two `motcua serve` processes on one database with one shared --blob-dir: a paper
uploaded to process A is downloaded, byte for byte, from process B (and the other way round), and both see it in
the citizen's data store. Prints PASS/FAIL lines (tests/integration/lib.sh counts them)."""
import argparse
import hashlib
import http.client
import json
import os
import sys


def req(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def sign_in(port, username, password):
    st, h, b = req(port, "POST", "/api/v1/session", json.dumps({"username": username, "password": password}),
                   {"Content-Type": "application/json"})
    if st != 200:
        raise SystemExit("FAIL sign-in of %s on port %d: %d %r" % (username, port, st, b[:200]))
    return {"Cookie": h["set-cookie"].split(";", 1)[0], "X-CSRF-Token": json.loads(b)["csrf"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=int, required=True)
    ap.add_argument("--b", type=int, required=True)
    ap.add_argument("--label", default="")
    o = ap.parse_args()
    fails = 0

    def check(name, cond, detail=""):
        nonlocal fails
        print("%s %s%s%s" % ("PASS" if cond else "FAIL", o.label, name, "" if cond else ": " + detail))
        fails += 0 if cond else 1

    phone = "09%08d" % (os.getpid() % 100000000)
    st, _, b = req(o.a, "POST", "/api/v1/citizens",
                   json.dumps({"phone": phone, "full_name": "Trần Thị Hai", "password": "hai-pass-1"}),
                   {"Content-Type": "application/json"})
    check("citizen registered on A", st == 201, repr(b[:200]))
    on_a = sign_in(o.a, phone, "hai-pass-1")
    on_b = sign_in(o.b, phone, "hai-pass-1")
    for src, dst, auth_src, auth_dst, name in ((o.a, o.b, on_a, on_b, "A to B"), (o.b, o.a, on_b, on_a, "B to A")):
        data = b"%PDF-1.4\n" + os.urandom(300000)
        st, _, b = req(src, "POST", "/api/v1/papers?name=two.pdf", data, dict(auth_src, **{"Content-Type": "application/pdf"}))
        check("upload (%s) answers 201" % name, st == 201, "%d %r" % (st, b[:200]))
        if st != 201:
            continue
        paper = json.loads(b)
        st, h, got = req(dst, "GET", "/api/v1/papers/" + paper["id"], headers=auth_dst)
        check("download (%s) answers 200" % name, st == 200, "%d %r" % (st, got[:200]))
        check("download (%s) gives the same bytes" % name,
              hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest() == paper["sha256"])
        st, _, b = req(dst, "GET", "/api/v1/me/papers", headers=auth_dst)
        ids = [i["id"] for i in json.loads(b)["items"]] if st == 200 else []
        check("the other process lists it in the data store (%s)" % name, paper["id"] in ids, repr(b[:200]))
    # A commune officer's upload on A, read by the province official on B; another commune's officer gets 404.
    desk = sign_in(o.a, "cujut.desk", "demo")
    st, _, b = req(o.a, "POST", "/api/v1/papers", b"\x89PNG\r\n\x1a\n" + os.urandom(1000),
                   dict(desk, **{"Content-Type": "image/png"}))
    check("desk upload on A answers 201", st == 201, repr(b[:200]))
    if st == 201:
        pid = json.loads(b)["id"]
        st, _, _ = req(o.b, "GET", "/api/v1/papers/" + pid, headers=sign_in(o.b, "lamdong.official", "demo"))
        check("the province official reads it on B", st == 200, str(st))
        st, _, _ = req(o.b, "GET", "/api/v1/papers/" + pid, headers=sign_in(o.b, "thuanan.desk", "demo"))
        check("another commune's officer gets 404 on B", st == 404, str(st))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())

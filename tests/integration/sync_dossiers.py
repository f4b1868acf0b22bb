"""sync_dossiers.py — for test_sync_basic.sh: sign in on a node as cujut.desk, receive N dossiers (and put the
first through one more step), print their codes one per line; or, with --compare, print PASS/FAIL lines for each
code's GET /api/v1/dossiers/{code} being the same on the node and on the hub."""
import argparse
import http.client
import json
import sys
import urllib.parse


def client(url):
    u = urllib.parse.urlsplit(url)
    state = {"cookie": None, "csrf": None}

    def req(method, path, body=None):
        h = {"Content-Type": "application/json", "Accept-Language": "en"}
        if state["cookie"]:
            h["Cookie"] = state["cookie"]
        if state["csrf"] and method != "GET":
            h["X-CSRF-Token"] = state["csrf"]
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        c.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=h)
        r = c.getresponse()
        raw = r.read()
        sc = r.getheader("Set-Cookie")
        if sc:
            state["cookie"] = sc.split(";", 1)[0]
        c.close()
        return r.status, json.loads(raw) if raw else None

    st, b = req("POST", "/api/v1/session", {"username": "cujut.desk", "password": "demo"})
    if st != 200:
        sys.exit("sign-in failed: %s %s" % (st, b))
    state["csrf"] = b["csrf"]
    b["unit_id"] = b["unit"]["id"] if isinstance(b["unit"], dict) else b["unit"]
    return req, b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    ap.add_argument("--hub")
    ap.add_argument("--count", type=int, default=3)
    ap.add_argument("--compare", nargs="*")
    a = ap.parse_args()
    req, me = client(a.node)
    if a.compare is not None:
        hreq, _ = client(a.hub)
        for code in a.compare:
            s1, d1 = req("GET", "/api/v1/dossiers/" + code)
            s2, d2 = hreq("GET", "/api/v1/dossiers/" + code)
            ok = s1 == 200 and s2 == 200 and d1 == d2
            print("%s dossier %s is the same on the node and the hub (%s, %s)" % ("PASS" if ok else "FAIL", code,
                                                                                  s1, s2))
        return
    for i in range(a.count):
        st, d = req("POST", "/api/v1/dossiers", {
            "procedure": "2.000806", "channel": "desk", "unit": me["unit_id"],
            "applicant": {"kind": "person", "name": "Nguyễn Văn Đồng Bộ %d" % i, "id_number": "068095001234",
                          "phone": "0912345678", "address": "Thôn 1"},
            "papers": [{"paper": "don-de-nghi"}]})
        if st != 201:
            sys.exit("intake failed: %s %s" % (st, d))
        print(d["code"])


if __name__ == "__main__":
    main()

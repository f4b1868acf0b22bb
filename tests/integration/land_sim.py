#!/usr/bin/env python3
"""land_sim.py — a land-registry (Văn phòng đăng ký đất đai) simulator of our own for the ministry adapter's tests
(docs/interagency.md: both shapes are ours, no ministry publishes one we could read).

REST:  POST /handoffs (JSON hand-off, Authorization: Bearer TOKEN, Idempotency-Key) -> 201 {"receipt": "..."}
       (a repeat of the same Idempotency-Key -> 200 with the same receipt: never a new case)
       GET /handoffs/{receipt} -> {"state": "processing"} | {"state": "done", "result": "..."}
                                  | {"state": "more_papers", "items": [...], "note": "..."}
SOAP:  POST /soap with SOAPAction ...#SubmitDossier | ...#GetResult, the same content as elements.
Control (no token): POST /_control {"mode": "ok"|"down5xx"|"slow"|"more"|"reject", "delay": seconds,
       "answer_after": polls}; GET /_state -> {"cases": {...}, "submits": n, "mode": ...}.

Usage: land_sim.py --port P --token-file F [--state-file F] (prints "ready" on stdout once listening)."""
import argparse
import json
import sys
import threading
import time
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
M = "urn:motcua:interagency:1"

LOCK = threading.Lock()
STATE = {"mode": "ok", "delay": 0.0, "answer_after": 1, "cases": {}, "by_key": {}, "submits": 0, "requests": 0}


def save(path):
    if path:
        with open(path + ".tmp", "w") as f:
            json.dump({k: STATE[k] for k in ("cases", "by_key", "submits")}, f)
        import os
        os.replace(path + ".tmp", path)


def load(path):
    try:
        with open(path) as f:
            STATE.update(json.load(f))
    except (OSError, ValueError):
        pass


def submit(key, doc):
    """A new case for a new Idempotency-Key; the same receipt for a repeat."""
    with LOCK:
        if key in STATE["by_key"]:
            return STATE["by_key"][key], False
        STATE["submits"] += 1
        receipt = "VPDK-%05d" % STATE["submits"]
        STATE["by_key"][key] = receipt
        STATE["cases"][receipt] = {"handoff_id": doc.get("handoff_id"), "dossier_code": doc.get("dossier_code"),
                                   "papers": len(doc.get("papers") or []), "polls": 0,
                                   "more": STATE["mode"] == "more"}
        save(ARGS.state_file)
        return receipt, True


def poll(receipt):
    with LOCK:
        c = STATE["cases"].get(receipt)
        if not c:
            return None
        c["polls"] += 1
        if c["polls"] < STATE["answer_after"]:
            return {"state": "processing"}
        if c["more"]:
            return {"state": "more_papers", "items": ["Bản đồ địa chính thửa đất", "Giấy tờ về quyền sử dụng đất"],
                    "note": "Thiếu giấy tờ"}
        return {"state": "done", "result": "Đã cấp Giấy chứng nhận quyền sử dụng đất số %s" % receipt}


def soap_answer(op, fields):
    env = ET.Element("{%s}Envelope" % SOAP)
    body = ET.SubElement(env, "{%s}Body" % SOAP)
    resp = ET.SubElement(body, "{%s}%sResponse" % (M, op))
    for k, v in fields.items():
        if k == "items":
            items = ET.SubElement(resp, "{%s}Items" % M)
            for i in v:
                ET.SubElement(items, "{%s}Item" % M).text = i
        else:
            ET.SubElement(resp, "{%s}%s" % (M, k[0].upper() + k[1:])).text = v
    return ET.tostring(env, encoding="utf-8", xml_declaration=True)


def soap_fault(text):
    return ('<?xml version="1.0"?><soap:Envelope xmlns:soap="%s"><soap:Body><soap:Fault><faultcode>soap:Client'
            '</faultcode><faultstring>%s</faultstring></soap:Fault></soap:Body></soap:Envelope>' % (SOAP, text)).encode()


def xml_to_dict(e):
    kids = list(e)
    if not kids:
        return e.text or ""
    if all(k.tag.endswith("}item") for k in kids):
        return [xml_to_dict(k) for k in kids]
    return {k.tag.split("}")[1]: xml_to_dict(k) for k in kids}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def send(self, code, body, ctype="application/json"):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def gate(self):
        """The token, then the failure mode. True when the request may be answered normally."""
        with LOCK:
            STATE["requests"] += 1
            mode, delay = STATE["mode"], STATE["delay"]
        if self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.send(401, {"error": "bad token"})
            return False
        if mode == "slow" and delay:
            time.sleep(delay)
        if mode == "down5xx":
            self.send(503, {"error": "maintenance"})
            return False
        if mode == "reject":
            self.send(400, {"error": "bad request"})
            return False
        return True

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/_state":
            with LOCK:
                return self.send(200, {k: STATE[k] for k in ("mode", "cases", "submits", "requests")})
        if not self.path.startswith("/handoffs/"):
            return self.send(404, {"error": "no such path"})
        if not self.gate():
            return
        r = poll(self.path[len("/handoffs/"):])
        self.send(200 if r else 404, r or {"error": "no such receipt"})

    def do_POST(self):
        raw = self.body()
        if self.path == "/_control":
            with LOCK:
                STATE.update(json.loads(raw or b"{}"))
            return self.send(200, {"ok": True})
        if self.path == "/handoffs":
            if not self.gate():
                return
            key = self.headers.get("Idempotency-Key") or ""
            try:
                doc = json.loads(raw)
            except ValueError:
                return self.send(400, {"error": "not JSON"})
            if not key or not doc.get("dossier_code"):
                return self.send(400, {"error": "missing Idempotency-Key or dossier_code"})
            receipt, new = submit(key, doc)
            return self.send(201 if new else 200, {"receipt": receipt})
        if self.path == "/soap":
            if not self.gate():
                return
            action = (self.headers.get("SOAPAction") or "").strip('"')
            try:
                env = ET.fromstring(raw)
                op = env.find("{%s}Body" % SOAP)[0]
            except (ET.ParseError, TypeError, IndexError):
                return self.send(500, soap_fault("not a SOAP envelope"), "text/xml")
            content = xml_to_dict(op)
            if action.endswith("#SubmitDossier"):
                receipt, _ = submit(self.headers.get("Idempotency-Key") or "", content)
                return self.send(200, soap_answer("SubmitDossier", {"receipt": receipt}), "text/xml")
            if action.endswith("#GetResult"):
                r = poll(content.get("receipt", ""))
                if not r:
                    return self.send(500, soap_fault("no such receipt"), "text/xml")
                return self.send(200, soap_answer("GetResult", r), "text/xml")
            return self.send(500, soap_fault("unknown SOAPAction"), "text/xml")
        self.send(404, {"error": "no such path"})


def main():
    global ARGS, TOKEN
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--state-file")
    ARGS = p.parse_args()
    TOKEN = open(ARGS.token_file).readline().strip()
    if ARGS.state_file:
        load(ARGS.state_file)
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), H)
    print("ready", flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

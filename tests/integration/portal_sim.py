#!/usr/bin/env python3
"""portal_sim.py — a National Public Service Portal simulator of our own, for the connector's tests.

Built from the published field lists as two working systems send them (../shared/reference/one-stop-facts.md:
OpenCPS DVCQGIntegrationActionImpl, HoSoDongBoDVC; docs/portal.md says what is assumed). Standard library only.

    python3 portal_sim.py PORT STATE_FILE TOKEN

POST /  a JSON envelope {session, madonvi, service, isUpdating, data}:
  DongBoHoSoMC          create (isUpdating "False") or update ("True") dossier records; a create of a code that
                        exists answers error_code "-1" with "Hồ sơ ... đã tồn tại" and changes nothing;
  CapNhatTienDoHoSoMC   progress entries, kept once per (MaHoSo, ThoiDiemXuLy, NoiDungXuLy);
  TraCuuHoSo            {mahoso} → the record;
  LayDanhSachHoSo       {TuNgay, DenNgay} (yyyyMMddHHmmss) → {result: the records received in the period} (the
                        period view of the reconciliation; the service name is ours: see docs/portal.md).
Every value must be a string; dates 14 digits of a real instant or ""; statuses 1-10; channels 1-3; applicant
types 1-4; a wrong field answers error_code "-1" naming it (a permanent refusal). A wrong session is HTTP 401.

Faults, set by POST /_control {mode, count, delay}: for the next `count` service requests (default: until
changed) — "ok"; "slow" (sleep `delay` seconds before answering); "down" (close the connection with no answer,
nothing stored); "5xx" (HTTP 503, nothing stored); "lose_ack" (store, then close with no answer); "twice" (store
and answer the success twice in one body); "reject" (answer a validation error). GET /_state → {dossiers,
creates (accepted creates per code), duplicate_creates, progress, requests}; POST /_plant {op: delete | status |
add, code, status, record} changes the stored view behind the connector's back (reconciliation tests).
The state is saved to STATE_FILE after every change, so a restarted simulator keeps it.
"""
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUIRED = ["MaHoSo", "MaTTHC", "TenTTHC", "ChuHoSo", "LoaiDoiTuong", "NgayTiepNhan", "NgayHenTra",
            "TrangThaiHoSo", "KenhThucHien", "DonViXuLy"]
DATES = ["NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "NgayTuChoi"]
PROGRESS_REQUIRED = ["MaHoSo", "ThoiDiemXuLy", "NoiDungXuLy", "TrangThai"]
CODE_RE = re.compile(r"^[0-9A-Za-z.]{1,35}-[0-9]{6}-[0-9A-Za-z]{4,}$")
DATE_RE = re.compile(r"^[0-9]{14}$")

lock = threading.Lock()
state = {"dossiers": {}, "creates": {}, "duplicate_creates": 0, "progress": {}, "requests": 0}
fault = {"mode": "ok", "count": -1, "delay": 0.0}
STATE_FILE = TOKEN = None


def save():
    tmp = STATE_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, ensure_ascii=False)
    os.replace(tmp, STATE_FILE)


def valid_date(v):
    if v == "":
        return True
    if not isinstance(v, str) or not DATE_RE.match(v):
        return False
    try:
        time.strptime(v, "%Y%m%d%H%M%S")
        return True
    except ValueError:
        return False


def check_record(r):
    if not isinstance(r, dict):
        return "data"
    for k, v in r.items():
        if not isinstance(v, str):
            return k
    for k in REQUIRED:
        if not r.get(k):
            return k
    if not CODE_RE.match(r["MaHoSo"]):
        return "MaHoSo"
    for k in DATES:
        if k in r and not valid_date(r[k]):
            return k
    if not r["TrangThaiHoSo"].isdigit() or not 1 <= int(r["TrangThaiHoSo"]) <= 10:
        return "TrangThaiHoSo"
    if r["KenhThucHien"] not in ("1", "2", "3"):
        return "KenhThucHien"
    if r["LoaiDoiTuong"] not in ("1", "2", "3", "4"):
        return "LoaiDoiTuong"
    return None


def check_progress(p):
    if not isinstance(p, dict):
        return "data"
    for k, v in p.items():
        if not isinstance(v, str):
            return k
    for k in PROGRESS_REQUIRED:
        if not p.get(k):
            return k
    for k in ("ThoiDiemXuLy", "NgayBatDau", "NgayKetThucTheoQuyDinh"):
        if k in p and not valid_date(p[k]):
            return k
    if not p["TrangThai"].isdigit() or not 1 <= int(p["TrangThai"]) <= 10:
        return "TrangThai"
    return None


def bad(field):
    return {"error_code": "-1", "message": "Trường %s không hợp lệ" % field}


def service(env):
    """The answer of one service request (state changed under the lock), or None for a bad envelope."""
    name = env.get("service")
    data = env.get("data")
    if name == "DongBoHoSoMC":
        if env.get("isUpdating") not in ("True", "False") or not isinstance(data, list) or not data:
            return bad("isUpdating" if env.get("isUpdating") not in ("True", "False") else "data")
        for r in data:
            f = check_record(r)
            if f:
                return bad(f)
        for r in data:
            code = r["MaHoSo"]
            if env["isUpdating"] == "False":
                if code in state["dossiers"]:
                    state["duplicate_creates"] += 1
                    return {"error_code": "-1", "message": "Hồ sơ %s đã tồn tại" % code}
                state["creates"][code] = state["creates"].get(code, 0) + 1
            elif code not in state["dossiers"]:
                return {"error_code": "-1", "message": "Hồ sơ %s không tồn tại" % code}
            state["dossiers"][code] = r
        return {"error_code": "0", "message": "Thành công"}
    if name == "CapNhatTienDoHoSoMC":
        if not isinstance(data, list):
            return bad("data")
        for p in data:
            f = check_progress(p)
            if f:
                return bad(f)
            if p["MaHoSo"] not in state["dossiers"]:
                return {"error_code": "-1", "message": "Hồ sơ %s không tồn tại" % p["MaHoSo"]}
        for p in data:
            key = "%s|%s|%s" % (p["MaHoSo"], p["ThoiDiemXuLy"], p["NoiDungXuLy"])
            state["progress"][key] = p
        return {"error_code": "0", "message": "Thành công"}
    if name == "TraCuuHoSo":
        r = state["dossiers"].get(env.get("mahoso", ""))
        return {"error_code": "0", "result": r} if r else {"error_code": "-1", "message": "Không tìm thấy"}
    if name == "LayDanhSachHoSo":
        a, b = env.get("TuNgay", ""), env.get("DenNgay", "")
        if not valid_date(a) or not valid_date(b) or not a or not b:
            return bad("TuNgay" if not valid_date(a) or not a else "DenNgay")
        rows = [r for r in state["dossiers"].values() if a <= r.get("NgayTiepNhan", "") <= b]
        return {"error_code": "0", "result": sorted(rows, key=lambda r: r["MaHoSo"])}
    return bad("service")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("portal_sim: " + (fmt % args) + "\n")

    def answer(self, code, obj, raw=None):
        body = raw if raw is not None else json.dumps(obj, ensure_ascii=False).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > 8 << 20:
            return None
        try:
            return json.loads(self.rfile.read(n).decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def drop(self):
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(2)
        except OSError:
            pass

    def do_GET(self):
        if self.path == "/_state":
            with lock:
                return self.answer(200, state)
        self.answer(404, {"error_code": "404", "message": "not found"})

    def do_POST(self):
        env = self.body()
        if self.path == "/_control":
            with lock:
                fault.update({"mode": env.get("mode", "ok"), "count": int(env.get("count", -1)),
                              "delay": float(env.get("delay", 0))})
            return self.answer(200, fault)
        if self.path == "/_plant":
            with lock:
                code = env.get("code", "")
                if env.get("op") == "delete":
                    state["dossiers"].pop(code, None)
                elif env.get("op") == "status" and code in state["dossiers"]:
                    state["dossiers"][code]["TrangThaiHoSo"] = str(env["status"])
                elif env.get("op") == "add":
                    state["dossiers"][env["record"]["MaHoSo"]] = env["record"]
                save()
            return self.answer(200, {"ok": True})
        if self.path != "/":
            return self.answer(404, {"error_code": "404", "message": "not found"})
        if not isinstance(env, dict):
            return self.answer(400, {"error_code": "400", "message": "Nội dung không phải JSON"})
        if env.get("session") != TOKEN:
            return self.answer(401, {"error_code": "401", "message": "Phiên làm việc không hợp lệ"})
        with lock:
            state["requests"] += 1
            mode = fault["mode"] if fault["count"] != 0 else "ok"
            if fault["count"] > 0:
                fault["count"] -= 1
            delay = fault["delay"]
        if mode == "slow":
            time.sleep(delay)
        if mode == "down":
            return self.drop()
        if mode == "5xx":
            return self.answer(503, {"error_code": "503", "message": "Hệ thống đang bảo trì"})
        if mode == "reject" and env.get("service") in ("DongBoHoSoMC", "CapNhatTienDoHoSoMC"):
            return self.answer(200, bad("MaTTHC"))
        with lock:
            ans = service(env)
            save()
        if mode == "lose_ack":
            return self.drop()
        if mode == "twice":
            one = json.dumps(ans, ensure_ascii=False).encode()
            return self.answer(200, None, one + b"\n" + one)
        self.answer(200, ans)


def main():
    global STATE_FILE, TOKEN
    port, STATE_FILE, TOKEN = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    if os.path.exists(STATE_FILE):
        with open(STATE_FILE, encoding="utf-8") as f:
            state.update(json.load(f))
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.daemon_threads = True
    print("listening on %d" % port, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""chaos_proxy.py — an HTTP/1.1 proxy between a motcua node and its hub that the test controls (asyncio, stdlib only).

    chaos_proxy.py serve --target HOST:PORT [--listen PORT] [--control PORT]
        prints one line "proxy PORT control PORT" on stdout once both sockets listen, then runs until killed.
    chaos_proxy.py ctl CONTROL_PORT COMMAND [ARGS...]
        sends one command, prints the one-line JSON answer (exit 1 when it says "ok": false).

The proxy reads whole requests from the client (headers, then Content-Length bytes; "Expect: 100-continue" is
answered here and removed), forwards them on one upstream connection per client connection, reads whole responses
(Content-Length, chunked, or until close) and hands them back. Working at the request level is what lets it cut a
body in the middle, answer nothing after the hub applied a batch, replay a request, or swap two requests.

Control commands (one line, one JSON answer line; N = how many requests it applies to, then the mode goes back to
pass; N = 0 means until the next mode command):
  pass                  forward everything (the default)
  cut                   refuse: close every open connection, and close each new one at once (no byte forwarded)
  delay MS              wait MS milliseconds before forwarding each request (until the next mode command)
  dropafter K [N]       forward only the first K bytes of the request, then close both sides (a batch cut mid-body)
  noreply [N]           forward the request whole, read the hub's response, then close the client without it
                        (the hub applied the batch; the node never heard)
  dup [N]               forward the request, and once its response came back send the same bytes again on a
                        fresh upstream connection (the replay's status is recorded in stats, its response dropped)
  race [N]              send the request to the target and, at the same instant, to the alternate target (`alt`):
                        two hub processes on one database given the same batch; the client gets the target's
                        answer, the alternate's status is recorded in stats (replays)
  hold [N]              hold the request; forward it only after the next request's response has passed (a
                        reordering of two requests) or on `release`; the held client gets the late response
  release               forward the held requests now
  replay [SUBSTR]       send the last captured request whose request line contains SUBSTR again now; answers
                        {"status": S, "body": ...}
  stats                 counters: conns, requests, by path, responses by status, cuts, replays, held
  reset                 zero the counters
  waitsent [MS]         answer once the next filtered request has been written upstream whole, its response not yet
                        read (the moment to kill the hub in the middle of applying it); ok false after MS (10000)
  target HOST:PORT      send new connections there from now on (a hub restarted on another port)
  alt HOST:PORT         the alternate target of race
Only requests whose request line contains the filter (`filter SUBSTR`, default "/api/v1/sync/batches") are subject
to dropafter, noreply, dup and hold; cut and delay apply to every connection.
"""
import asyncio
import json
import socket
import struct
import sys
import time


class Proxy:
    def __init__(self, target_host, target_port):
        self.th, self.tp = target_host, target_port
        self.mode, self.arg, self.left = "pass", 0, 0
        self.filter = "/api/v1/sync/batches"
        self.writers = set()
        self.held = []           # futures to release
        self.last = {}           # request line -> raw bytes of the last such request
        self.last_any = None
        self.sent_waiters = []
        self.alt = None
        self.reset()

    def reset(self):
        self.stats = {"conns": 0, "requests": 0, "by_path": {}, "statuses": {}, "cuts": 0, "dropped_mid_body": 0,
                      "noreply": 0, "replays": [], "held": 0, "released": 0, "refused": 0}

    # ---- modes ----
    def set_mode(self, mode, arg=0, n=0):
        self.mode, self.arg, self.left = mode, arg, n
        if mode == "cut":
            for w in list(self.writers):
                abort(w)
        if mode != "hold":
            self.release()

    def take(self, line):
        """The fault mode that applies to this request (consumes one of N)."""
        if self.mode in ("pass", "cut", "delay") or self.filter not in line:
            return "pass"
        m = self.mode
        if self.left > 0:
            self.left -= 1
            if self.left == 0:
                self.mode, self.arg = "pass", 0
        return m

    def release(self):
        held, self.held = self.held, []
        for f in held:
            if not f.done():
                f.set_result(None)
        self.stats["released"] += len(held)

    # ---- the data path ----
    async def client(self, reader, writer):
        self.stats["conns"] += 1
        if self.mode == "cut":
            self.stats["refused"] += 1
            abort(writer)
            return
        self.writers.add(writer)
        up = None
        try:
            while True:
                req = await read_request(reader, writer)
                if req is None:
                    break
                raw, line = req
                self.stats["requests"] += 1
                path = line.split(" ")[1].split("?")[0] if line.count(" ") >= 2 else line
                self.stats["by_path"][path] = self.stats["by_path"].get(path, 0) + 1
                self.last[line] = raw
                self.last_any = raw
                if self.mode == "delay":
                    await asyncio.sleep(self.arg / 1000.0)
                if self.mode == "cut":
                    break
                mode = self.take(line)
                if mode == "hold":
                    f = asyncio.get_running_loop().create_future()
                    self.held.append(f)
                    self.stats["held"] += 1
                    await f
                if up is None:
                    up = await asyncio.open_connection(self.th, self.tp)
                if mode == "dropafter":
                    up[1].write(raw[:self.arg if self.arg else len(raw) // 2])
                    await up[1].drain()
                    await asyncio.sleep(0.05)
                    self.stats["dropped_mid_body"] += 1
                    self.stats["cuts"] += 1
                    abort(up[1])
                    up = None
                    break
                race = None
                if mode == "race" and self.alt:
                    race = asyncio.create_task(self.send_once(raw, self.alt))
                up[1].write(raw)
                await up[1].drain()
                if self.filter in line:
                    waiters, self.sent_waiters = self.sent_waiters, []
                    for f in waiters:
                        if not f.done():
                            f.set_result(None)
                resp = await read_response(up[0])
                if resp is None:
                    break
                status, rraw, close = resp
                self.stats["statuses"][str(status)] = self.stats["statuses"].get(str(status), 0) + 1
                if mode == "noreply":
                    self.stats["noreply"] += 1
                    self.stats["cuts"] += 1
                    break
                writer.write(rraw)
                await writer.drain()
                # a request that went through releases one that was held before it (the reordering)
                if mode != "hold" and self.held:
                    f = self.held.pop(0)
                    if not f.done():
                        f.set_result(None)
                    self.stats["released"] += 1
                if mode == "dup":
                    st, body = await self.send_once(raw)
                    self.stats["replays"].append(st)
                if race is not None:
                    st, body = await race
                    self.stats["replays"].append(st)
                if close:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self.writers.discard(writer)
            if up is not None:
                abort(up[1])
            abort(writer)

    async def send_once(self, raw, to=None):
        host, port = to or (self.th, self.tp)
        try:
            r, w = await asyncio.open_connection(host, port)
        except OSError as e:
            return 0, str(e)
        try:
            w.write(raw)
            await w.drain()
            resp = await read_response(r)
            if resp is None:
                return 0, ""
            status, rraw, _ = resp
            self.stats["statuses"][str(status)] = self.stats["statuses"].get(str(status), 0) + 1
            return status, rraw.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")[:2000]
        finally:
            abort(w)

    # ---- control ----
    async def control(self, reader, writer):
        try:
            line = (await reader.readline()).decode().strip()
            words = line.split()
            ans = await self.command(words)
        except Exception as e:   # a bad command is answered, never fatal
            ans = {"ok": False, "error": repr(e)}
        writer.write((json.dumps(ans) + "\n").encode())
        await writer.drain()
        writer.close()

    async def command(self, w):
        if not w:
            return {"ok": False, "error": "empty command"}
        c, a = w[0], w[1:]
        num = lambda i, d: int(a[i]) if len(a) > i else d
        if c in ("pass", "cut"):
            self.set_mode(c)
        elif c == "delay":
            self.set_mode("delay", num(0, 0))
        elif c == "dropafter":
            self.set_mode("dropafter", num(0, 0), num(1, 1))
        elif c in ("noreply", "dup", "hold", "race"):
            self.set_mode(c, 0, num(0, 1))
        elif c == "release":
            self.release()
        elif c == "waitsent":
            f = asyncio.get_running_loop().create_future()
            self.sent_waiters.append(f)
            try:
                await asyncio.wait_for(f, num(0, 10000) / 1000.0)
            except asyncio.TimeoutError:
                return {"ok": False, "error": "no request sent in time"}
        elif c == "target":
            h, port = a[0].rsplit(":", 1)
            self.th, self.tp = h, int(port)
        elif c == "alt":
            h, port = a[0].rsplit(":", 1)
            self.alt = (h, int(port))
        elif c == "filter":
            self.filter = a[0] if a else ""
        elif c == "replay":
            sub = a[0] if a else self.filter
            raw = None
            for line, r in self.last.items():
                if sub in line:
                    raw = r
            if raw is None:
                return {"ok": False, "error": "no captured request matches " + sub}
            st, body = await self.send_once(raw)
            self.stats["replays"].append(st)
            return {"ok": True, "status": st, "body": body}
        elif c == "stats":
            return dict(self.stats, ok=True, mode=self.mode, left=self.left, waiting=len(self.held))
        elif c == "reset":
            self.reset()
        else:
            return {"ok": False, "error": "unknown command " + c}
        return {"ok": True, "mode": self.mode}


def abort(writer):
    """Close at once with a reset (SO_LINGER 0), as a dead link or a killed peer would."""
    try:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    except (OSError, AttributeError):
        pass


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for h in lines[1:]:
        if ":" in h:
            k, v = h.split(":", 1)
            hdrs[k.strip().lower()] = v.strip()
    return head, lines[0], hdrs


async def read_request(reader, writer):
    """One whole request from the client as (raw bytes to forward, request line), or None at EOF."""
    try:
        head, line, hdrs = await read_head(reader)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return None
    if hdrs.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        keep = [l for l in head.decode("latin-1").split("\r\n") if not l.lower().startswith("expect:")]
        head = "\r\n".join(keep).encode("latin-1")
    body = b""
    if "chunked" in hdrs.get("transfer-encoding", "").lower():
        body = await read_chunked(reader)
    else:
        n = int(hdrs.get("content-length", "0") or 0)
        if n:
            body = await reader.readexactly(n)
    return head + body, line


async def read_chunked(reader):
    out = b""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        out += size_line
        n = int(size_line.split(b";")[0].strip(), 16)
        if n == 0:
            out += await reader.readuntil(b"\r\n")   # no trailers from our peers
            return out
        out += await reader.readexactly(n + 2)


async def read_response(reader):
    """(status, raw bytes, connection closes) of one whole response, skipping 1xx; None at EOF."""
    raw = b""
    while True:
        try:
            head, line, hdrs = await read_head(reader)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            return None
        status = int(line.split(" ")[1])
        if 100 <= status < 200:
            continue          # ours answered the client already
        break
    close = hdrs.get("connection", "").lower() == "close"
    if "chunked" in hdrs.get("transfer-encoding", "").lower():
        body = await read_chunked(reader)
    elif "content-length" in hdrs:
        body = await reader.readexactly(int(hdrs["content-length"]))
    else:
        body = await reader.read(-1)
        close = True
    return status, raw + head + body, close


async def serve(target, listen, control):
    host, port = target.rsplit(":", 1)
    p = Proxy(host, int(port))
    srv = await asyncio.start_server(p.client, "127.0.0.1", listen, limit=64 * 1024 * 1024)
    ctl = await asyncio.start_server(p.control, "127.0.0.1", control)
    print("proxy %d control %d" % (srv.sockets[0].getsockname()[1], ctl.sockets[0].getsockname()[1]), flush=True)
    async with srv, ctl:
        await asyncio.gather(srv.serve_forever(), ctl.serve_forever())


def ctl(port, words, timeout=60):
    with socket.create_connection(("127.0.0.1", int(port)), timeout=timeout) as s:
        s.sendall((" ".join(words) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data.decode())


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        import argparse
        ap = argparse.ArgumentParser(prog="chaos_proxy.py serve")
        ap.add_argument("--target", required=True)
        ap.add_argument("--listen", type=int, default=0)
        ap.add_argument("--control", type=int, default=0)
        a = ap.parse_args(sys.argv[2:])
        try:
            asyncio.run(serve(a.target, a.listen, a.control))
        except KeyboardInterrupt:
            pass
    elif len(sys.argv) >= 4 and sys.argv[1] == "ctl":
        ans = ctl(sys.argv[2], sys.argv[3:])
        print(json.dumps(ans))
        sys.exit(0 if ans.get("ok") else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""chaos_selftest.py — the chaos proxy (chaos_proxy.py) does what the fault tests rely on, against a small upstream of
our own (http.server) that records every request body it received whole. Prints PASS/FAIL lines (lib.sh
count_lines). Checks: pass forwards and answers; cut refuses (nothing reaches upstream); delay delays; dropafter
cuts a body in the middle (upstream never sees a whole request, the client gets no answer); noreply delivers the
request but no answer; dup delivers the request twice; hold + a later request reorders the two at the upstream;
replay resends the last captured request; Expect: 100-continue is answered by the proxy."""
import http.client
import http.server
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import chaos_proxy  # noqa: E402

received = []
lock = threading.Lock()


class Up(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with lock:
            received.append(body.decode())
        out = b'{"got":%d}' % len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


fails = 0


def check(name, cond):
    global fails
    print(("PASS " if cond else "FAIL ") + "chaos proxy: " + name)
    fails += 0 if cond else 1


def post(port, body, path="/api/v1/sync/batches", timeout=5, headers=None):
    """(status, body) or (None, error name)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", path, body=body.encode(), headers=dict(headers or {}, **{"Content-Type": "application/json"}))
        r = c.getresponse()
        return r.status, r.read().decode()
    except (OSError, http.client.HTTPException) as e:
        return None, type(e).__name__
    finally:
        c.close()


def main():
    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass          # the resets are what the proxy is for
    up = Server(("127.0.0.1", 0), Up)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "chaos_proxy.py"), "serve", "--target",
                             "127.0.0.1:%d" % up.server_address[1]], stdout=subprocess.PIPE, text=True)
    try:
        words = proc.stdout.readline().split()
        port, cport = int(words[1]), int(words[3])
        ctl = lambda *w: chaos_proxy.ctl(cport, list(w))

        st, b = post(port, "a" * 3000)
        check("pass forwards the request and its answer (%s %s)" % (st, b), st == 200 and b == '{"got":3000}')
        check("pass: upstream got the whole body", received[-1:] == ["a" * 3000])

        ctl("cut")
        n0 = len(received)
        st, b = post(port, "cut-body")
        check("cut: the client gets no answer (%s)" % b, st is None)
        check("cut: nothing reached upstream", len(received) == n0)
        ctl("pass")

        ctl("delay", "400")
        t = time.monotonic()
        st, _ = post(port, "slow")
        dt = time.monotonic() - t
        check("delay 400 ms delays the request (%.2f s)" % dt, st == 200 and dt >= 0.39)
        ctl("pass")

        ctl("dropafter", "200")
        n0 = len(received)
        st, b = post(port, "b" * 5000)
        time.sleep(0.2)
        check("dropafter: the client gets no answer (%s)" % b, st is None)
        check("dropafter: upstream never got a whole request", len(received) == n0)
        st, _ = post(port, "after")
        check("dropafter 1: the next request passes again", st == 200 and received[-1] == "after")

        ctl("noreply")
        st, b = post(port, "applied-unheard")
        check("noreply: the client gets no answer (%s)" % b, st is None)
        check("noreply: upstream got the request", received[-1] == "applied-unheard")

        ctl("dup")
        n0 = len(received)
        st, _ = post(port, "twice")
        time.sleep(0.3)
        check("dup: the client gets one answer", st == 200)
        check("dup: upstream got the request twice", received[n0:] == ["twice", "twice"])
        s = ctl("stats")
        check("dup: the replay's status is recorded (%s)" % s["replays"], s["replays"][-1:] == [200])

        ctl("hold")
        n0 = len(received)
        res = {}
        th = threading.Thread(target=lambda: res.update(first=post(port, "first", timeout=10)))
        th.start()
        time.sleep(0.3)
        check("hold: the held request has not reached upstream", len(received) == n0)
        st, _ = post(port, "second")
        th.join(10)
        time.sleep(0.1)
        check("hold: the later request passes first, then the held one (%s)" % received[n0:],
              received[n0:] == ["second", "first"])
        check("hold: the held client gets its late answer (%s)" % (res.get("first"),), res.get("first", (0,))[0] == 200)

        up2 = Server(("127.0.0.1", 0), Up)
        threading.Thread(target=up2.serve_forever, daemon=True).start()
        ctl("alt", "127.0.0.1:%d" % up2.server_address[1])
        ctl("race")
        n0 = len(received)
        st, _ = post(port, "raced")
        time.sleep(0.2)
        s = ctl("stats")
        check("race: the request reached both targets, the client got one answer (%s)" % received[n0:],
              st == 200 and received[n0:] == ["raced", "raced"] and s["replays"][-1:] == [200])
        up2.shutdown()

        n0 = len(received)
        r = ctl("replay")
        check("replay resends the last captured request (%s)" % r, r.get("status") == 200 and received[n0:] == ["raced"])

        res = {}
        th = threading.Thread(target=lambda: res.update(w=ctl("waitsent", "5000")))
        th.start()
        time.sleep(0.2)
        post(port, "watched")
        th.join(10)
        check("waitsent answers once a request went upstream (%s)" % res.get("w"), res.get("w", {}).get("ok") is True)
        check("waitsent without a request times out", ctl("waitsent", "200").get("ok") is False)

        st, b = post(port, "c" * 2000, headers={"Expect": "100-continue"})
        check("Expect: 100-continue is answered and the body forwarded (%s)" % b, st == 200 and b == '{"got":2000}')

        s = ctl("stats")
        check("stats count the requests (%d)" % s["requests"], s["requests"] >= 9)
        check("an unknown command is refused", ctl("jump").get("ok") is False)
    finally:
        proc.kill()
        proc.wait()
        up.shutdown()
    return fails


if __name__ == "__main__":
    sys.exit(1 if main() else 0)

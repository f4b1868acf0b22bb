# bench/intake_post.py PORT COOKIE CSRF N CONNECTIONS RUN — POST N unique desk intakes (the body of bench/intake.lua) from
# CONNECTIONS keep-alive connections; prints how many answered 201 (bench/intake_callgrind).
import http.client, json, sys, threading, time
port, cookie, csrf, n, t, run = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
names = ["Nguyễn Văn Đức", "Trần Thị Hà", "Lê Hữu Nam", "Phạm Minh Thảo", "Hoàng Quốc Việt"]
ok = [0]; lock = threading.Lock(); bad = []
def worker(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(k, n, t):
        body = {"procedure": "2.000806", "channel": "desk",
                "applicant": {"kind": "person", "name": names[i % 5], "id_number": "0%02d%d%02d%06d" % (i % 90 + 1, i % 2, 50 + i % 50, i),
                              "phone": "09%02d%06d" % (run, i), "address": "Thôn 3, xã Cư Jút, tỉnh Lâm Đồng"},
                "papers": [{"paper": "don-de-nghi", "copies": 1, "form": "original"}], "content": "Đề nghị giải quyết theo quy định"}
        c.request("POST", "/api/v1/dossiers", json.dumps(body, ensure_ascii=False).encode(),
                  {"Content-Type": "application/json", "Cookie": cookie, "X-CSRF-Token": csrf})
        r = c.getresponse(); r.read()
        with lock:
            if r.status == 201: ok[0] += 1
            elif len(bad) < 3: bad.append(r.status)
t0 = time.time()
th = [threading.Thread(target=worker, args=(k,)) for k in range(t)]
[x.start() for x in th]; [x.join() for x in th]
print("201:", ok[0], "of", n, "bad:", bad, "in %.1fs" % (time.time() - t0))

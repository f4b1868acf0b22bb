"""The dashboards' counts under a random workload of every dossier action (issue 11).

Three communes in two provinces (Cư Jút and Thuận An in Lâm Đồng, Lộc Bình in Lạng Sơn) receive about 150
dossiers at the desk, by post and online (a citizen's submissions, some with an uploaded paper), across three
servers run one after the other on the SAME database with later pinned clocks (2027-03-02, 2027-03-08 and
2027-04-06), so that some dossiers fall overdue and some resolutions are late. Between intakes, random steps pick a
dossier and one of the actions its `allowed_actions` offer some role (desk, specialist, leader, clerk, the citizen
who filed it, the province's specialist while it is at the province), with the inputs each action needs, every
one of accept, refuse, assign, forward (to the province on an inter-agency step), return, request_supplement,
resubmit, request_payment, record_payment, extend, approve, attach_result, deliver, withdraw, stop, attach_paper
and hand_back, plus ratings and complaints through the public lookup API. The seed is random, printed, and named
in every failure (MOTCUA_TEST_SEED=<n> makes the same draws again; the servers' clocks still run, so a step close
to a deadline may be answered differently).

Then the checks:
  (b) an independent recount in Python from the database rows of the figures with a simple definition over a
      period holding everything (received by channel, resolved, refused, withdrawn, stopped, delivered, in
      progress, supplement requests, extensions, ratings, complaints, digitized; early / late resolutions from the
      dossier's timing) against GET /api/v1/reports/indicators for each commune, each province (the sum of its
      communes) and the national root, unfiltered and by field, procedure and officer; overview = indicators of
      each child; trend months sum to the period;
      and for single days, a month and a span, every public figure equals the number of dossiers that
      GET /api/v1/reports/dossiers?measure=<key> lists over all its pages;
  (a) `motcua report check` finds 0 differences;
  (c) `motcua rebuild --check` (the ledger replayed: report_counts is one of the projections it compares), then
      `report check` still 0;
  (d) `motcua report rebuild`, then check still 0 and the API answers what it answered before;
  (e) a row of report_counts changed, one deleted and one added by SQL: `report check` exits 1 and prints each;
      `report rebuild` repairs it."""
import collections
import datetime
import os
import random
import re
import time
import urllib.parse

from harness import Client, Server, run_cli, unique_phone, unit_by_slug
from test_dossiers import PINNED_NOW_MS, DossierBase, shipped

SEED = int(os.environ.get("MOTCUA_TEST_SEED") or random.SystemRandom().randrange(1, 1 << 31))
VN = datetime.timezone(datetime.timedelta(hours=7))
DAY_MS = 86400000
# The three servers' clocks: Tuesday 2027-03-02 08:00 in Vietnam, Wednesday 2027-03-31 a few seconds before
# midnight, Tuesday 2027-04-06 09:00.
# The second starts seconds before midnight at the end of March, so that its dossiers straddle two days and two
# months, and after midnight the Vietnamese date is a day ahead of the UTC date.
MIDNIGHT = PINNED_NOW_MS + 29 * DAY_MS + 16 * 3600000         # 2027-04-01 00:00 in Vietnam (03-31 17:00 UTC)
CLOCKS = [PINNED_NOW_MS, None, PINNED_NOW_MS + 35 * DAY_MS + 3600000]   # [1]: set to reach midnight mid-phase
# Dossiers received and random steps in each phase.
PHASES = [(80, 140), (45, 100), (25, 80)]
COMMUNES = ("cujut", "thuanan", "locbinh")
PROVINCE_OF = {"cujut": "lamdong", "thuanan": "lamdong", "locbinh": "langson"}
PHONE = "0912345678"                     # the applicant's phone of every dossier (DossierBase.body)
FIGURES = ["carried_over", "received_online", "received_desk", "received_post", "received", "to_handle",
           "resolved_early", "resolved_on_time", "resolved_late", "resolved", "in_progress_on_time",
           "in_progress_overdue", "in_progress", "supplement_requests", "refused", "withdrawn", "stopped",
           "delivered", "extended", "digitized", "rated", "satisfied", "complaints"]
ENDED = {3: "refused", 7: "withdrawn", 8: "stopped", 9: "resolved", 10: "resolved"}
LAST_DAY = datetime.date(datetime.datetime.fromtimestamp(CLOCKS[-1] / 1000, VN).year + 1, 12, 31)
WHOLE = (LAST_DAY - datetime.timedelta(days=3659), LAST_DAY)      # the longest period the API allows
# Weights of the actions when one is drawn: moving a dossier on is likelier than ending it.
WEIGHT = {"forward": 8, "assign": 6, "approve": 8, "accept": 6, "attach_result": 8, "deliver": 8, "resubmit": 6,
          "record_payment": 6, "hand_back": 8, "request_supplement": 1.5, "request_payment": 1, "extend": 1.5,
          "attach_paper": 1, "return": 1, "refuse": 0.7, "withdraw": 0.5, "stop": 0.7, "rate": 6, "complain": 0.7,
          "rate_own": 3}
EVERY = {"accept", "refuse", "assign", "forward", "return", "request_supplement", "resubmit", "request_payment",
         "record_payment", "extend", "approve", "attach_result", "deliver", "withdraw", "stop", "attach_paper",
         "hand_back", "rate", "complain"}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def local_day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, VN).date()


class ReportWorkload(DossierBase):
    SERVER_ARGS = ("--trust-proxy", "--lookup-after", "100000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        print("\n[test_reports_workload] seed %d (MOTCUA_TEST_SEED=%d repeats this run)" % (SEED, SEED), flush=True)
        cls.rng = random.Random(SEED)
        for s in COMMUNES + ("lamdong", "langson"):
            setattr(cls, s, unit_by_slug(cls.admin, s))
        cls.root = cls.admin.req("GET", "/api/v1/units?kind=national").body["items"][0]
        # An inter-agency procedure (its third step at the province), as in test_dossiers.
        cls.iproc_code = "9.9%05d" % (SEED % 100000)
        proc = {"code": cls.iproc_code, "name": "Thủ tục liên thông báo cáo", "field": "Đất đai (liên thông)",
                "time": {"rule": "days", "amount": 4}, "fee": {"amount": 0, "text": "Không"},
                "online_level": "partial",
                "papers": [{"id": "don", "name": "Đơn đề nghị", "mandatory": True, "form": "original", "copies": 1}],
                "steps": [{"name": "Tiếp nhận", "role": "desk", "budget_days": 0.5},
                          {"name": "Thẩm định", "role": "specialist", "budget_days": 1},
                          {"name": "Sở thẩm định", "role": "specialist", "budget_days": 1, "inter_agency": True,
                           "other_level": "province"},
                          {"name": "Phê duyệt", "role": "leader", "budget_days": 1},
                          {"name": "Trả kết quả", "role": "desk", "budget_days": 0.25, "counted": False}]}
        r = cls.admin.req("POST", "/api/v1/procedures", json=proc)
        assert r.status == 201, r
        iproc = {"code": cls.iproc_code, "papers": proc["papers"]}
        cls.desk_procs = [shipped("2.000806"), shipped("2.000815"), shipped("1.012796"), shipped("1.001653"),
                          iproc, iproc]
        cls.online_procs = [shipped("1.004873"), shipped("2.000927"), shipped("1.001662")]
        # A specialist and a desk officer at each province: they work the inter-agency step, hand the dossier back,
        # and (the desk) record a payment or a supplement the province asked for.
        cls.logins = {}
        for prov in ("lamdong", "langson"):
            unit = getattr(cls, prov)
            for role in ("specialist", "desk"):
                name = "%s.%s%d" % (prov, role, os.getpid() % 100000)
                r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Cán Bộ Tỉnh",
                                                                "password": "prov-pass-1", "unit_id": unit["id"],
                                                                "roles": [{"role": role, "unit_id": unit["id"]}]})
                assert r.status == 201, r
                cls.logins["%s.%s" % (prov, role)] = (name, "prov-pass-1")
        for c in COMMUNES:
            for role in ("desk", "specialist", "leader", "clerk"):
                cls.logins["%s.%s" % (c, role)] = ("%s.%s" % (c, role), "demo")
        cls.citizen_phone = unique_phone()
        r = Client(cls.server).req("POST", "/api/v1/citizens",
                                   json={"phone": cls.citizen_phone, "full_name": "Lê Thị Báo", "password": "bao-pass-1"})
        assert r.status == 201, r
        cls.logins["citizen"] = (cls.citizen_phone, "bao-pass-1")
        cls.logins["admin"] = ("admin", "demo")
        t0 = time.monotonic()
        cls.sign_in_all()
        cls.restart_secs = time.monotonic() - t0 + 1.5         # and a server start
        cls.offset_ms = PINNED_NOW_MS - int(time.time() * 1000)     # roughly; next_server sets it exactly
        cls.dossiers = {}        # code -> {"commune", "online", "rated", "complained"}
        cls.log = []             # (phase, who, action, code, status) of every step, for failure messages
        cls.unexpected = []

    @classmethod
    def sign_in_all(cls):
        cls.c = {}
        for key, (name, pw) in cls.logins.items():
            cl = Client(cls.server)
            cl.login(name, pw)
            cls.c[key] = cl

    @classmethod
    def next_server(cls, clock_ms):
        """Stop the server, start another on the same database whose clock reads clock_ms (None: the start and
        the sign-ins of all users take as long as the last time, then the clock is 3 s before MIDNIGHT)."""
        problems = cls.server.stop()
        assert not problems, problems
        t0 = time.monotonic()
        if clock_ms is None:
            clock_ms = MIDNIGHT - 3000 - int(cls.restart_secs * 1000)
        cls.offset_ms = clock_ms - int(time.time() * 1000)
        os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(cls.offset_ms)
        try:
            cls.server = Server(cls.SERVER_ARGS, db=cls.db, label=cls.__name__ + "-later")
            cls.server.start()
        finally:
            os.environ.pop("MOTCUA_CLOCK_OFFSET_MS", None)
        cls.sign_in_all()
        cls.restart_secs = time.monotonic() - t0

    # ---- helpers ----

    def fail_seed(self, msg):
        self.fail("seed %d (MOTCUA_TEST_SEED=%d repeats it): %s\nlast steps: %s"
                  % (SEED, SEED, msg, self.log[-12:]))

    def rows(self, sql):
        """Rows of one SELECT on the store, every value as text ('' for NULL), on both engines."""
        if self.db.is_pg:
            out = self.db.psql_exec(sql)
            return [ln.split("|") for ln in out.splitlines() if ln != ""]
        return [["" if v is None else str(v) for v in row] for row in self.db.sql(sql)]

    def upload(self, client):
        r = client.req("POST", "/api/v1/papers?" + urllib.parse.urlencode({"name": "Bản quét.pdf"}), raw_body=PDF,
                       content_type="application/pdf")
        if r.status != 201:
            self.fail_seed("upload: %r" % (r,))
        return r.body["id"]

    def intake(self, phase):
        rng = self.rng
        commune = rng.choice(COMMUNES)
        unit = getattr(self, commune)
        kind = rng.choices(("desk", "post", "online"), (5, 2, 3))[0]
        if kind == "online":
            proc = rng.choice(self.online_procs)
            client = self.c["citizen"]
            body = self.body(proc=proc, channel="online", unit=unit["id"])
            if rng.random() < 0.4:
                body["papers"][0]["upload"] = self.upload(client)
        else:
            proc = rng.choice(self.desk_procs)
            client = self.c[commune + ".desk"]
            body = self.body(proc=proc, channel=kind)
        r = client.req("POST", "/api/v1/dossiers", json=body)
        if r.status != 201:
            self.fail_seed("intake %s %s at %s: %r" % (kind, proc["code"], commune, r))
        self.dossiers[r.body["code"]] = {"commune": commune, "online": kind == "online", "rated": False,
                                         "complained": False}
        self.log.append((phase, commune, "intake-" + kind, r.body["code"], 201))

    def offers(self, code):
        """(who, action, dossier as who sees it) for every action some role may take now."""
        info = self.dossiers[code]
        commune = info["commune"]
        who = [commune + ".desk", commune + ".specialist", commune + ".leader"]
        if self.rng.random() < 0.1:
            who.append(commune + ".clerk")
        if info["online"]:
            who.append("citizen")
        out, seen = [], None
        for w in who:
            r = self.c[w].req("GET", "/api/v1/dossiers/" + code)
            if r.status != 200:
                self.fail_seed("GET %s as %s: %r" % (code, w, r))
            seen = r.body
            out += [(w, a, r.body) for a in r.body["allowed_actions"]]
        prov = PROVINCE_OF[commune]
        if seen["unit_id"] == getattr(self, prov)["id"]:
            for w in (prov + ".specialist", prov + ".desk"):
                r = self.c[w].req("GET", "/api/v1/dossiers/" + code)
                if r.status != 200:
                    self.fail_seed("GET %s as %s: %r" % (code, w, r))
                out += [(w, a, r.body) for a in r.body["allowed_actions"]]
        # allowed_actions offers forward / return / hand_back to every role the rule lists, but the action takes
        # them only from whoever works the current step (its role, its assignee, or a leader; dossier_act): keep
        # those (a known difference, reported to the lead), so that every other refusal still counts as unexpected
        out = [(w, a, d) for w, a, d in out if a not in ("forward", "return", "hand_back")
               or w.rsplit(".", 1)[-1] in (d["step_role"], "leader") or d["assignee"] == self.c[w].me["id"]]
        if seen["status"] == 10 and not info["rated"]:
            out.append(("public", "rate", seen))
            if info["online"]:
                out.append(("citizen", "rate_own", seen))
        if not info["complained"]:
            out.append(("public", "complain", seen))
        return out

    def inputs(self, action, d, who):
        rng = self.rng
        commune = self.dossiers[d["code"]]["commune"]
        if action in ("refuse", "withdraw", "stop", "return"):
            return {"reason": rng.choice(["Hồ sơ chưa đủ điều kiện giải quyết", "Người nộp không còn nhu cầu",
                                          "Cần kiểm tra lại thông tin trong hồ sơ"])}
        if action == "assign":
            # someone with the current step's role where the dossier is (the commune, or the province)
            role = d["step_role"] or "specialist"
            prov = PROVINCE_OF[commune]
            if d["unit_id"] == getattr(self, prov)["id"]:
                return {"to": self.logins.get("%s.%s" % (prov, role), (role,))[0]}
            return {"to": "%s.%s" % (commune, role)}
        if action == "request_supplement":
            return {"reason": "Thiếu bản sao giấy tờ tùy thân", "items": ["Bản sao căn cước"]}
        if action == "request_payment":
            return {"amount": rng.choice([10000, 25000, 50000])}
        if action == "record_payment":
            return {"amount": d["fee_amount"]}
        if action == "extend":
            return {"days": 1, "reason": "Cần xác minh thêm thông tin"}
        if action == "attach_result":
            return {"result": "Giấy xác nhận đã ký"}
        if action == "deliver":
            return {"received_by": "Nguyễn Văn Đức", "how": rng.choice(["in_person", "post"])}
        if action == "attach_paper":
            return {"papers": [{"paper": d["papers"][0]["paper"], "upload": self.upload(self.c[who])}]}
        if action == "resubmit" and rng.random() < 0.3:
            return {"papers": [{"paper": d["papers"][0]["paper"], "upload": self.upload(self.c[who])}]}
        return {}

    def step(self, phase):
        live = [c for c in self.dossiers if not self.dossiers[c].get("done")]
        away = [c for c in live if self.dossiers[c].get("away")]
        if not live:
            return
        # a dossier at the province now and then, so that hand_back comes up
        code = self.rng.choice(away if away and self.rng.random() < 0.5 else live)
        offers = self.offers(code)
        if not offers:
            self.dossiers[code]["done"] = True
            return
        # an action not taken yet is likelier: every one of them comes up in a few hundred steps
        weights = [WEIGHT.get(a, 1) * (0.05 if a == "attach_result" and d.get("result") else 1) *
                   (1 if a in self.done_actions else 10) for _, a, d in offers]
        who, action, d = self.rng.choices(offers, weights)[0]
        info = self.dossiers[code]
        if action in ("rate", "complain"):
            path = "/api/v1/public/dossiers/%s/%s" % (code, "rating" if action == "rate" else "complaints")
            body = {"phone": PHONE}
            if action == "rate":
                body["satisfied"] = self.rng.random() < 0.7
            else:
                body["text"] = "Đề nghị giải quyết đúng hẹn"
            addr = "198.18.%d.%d" % (self.rng.randrange(256), self.rng.randrange(1, 255))
            r = Client(self.server).req("POST", path, json=body, headers={"X-Forwarded-For": addr})
            ok = r.status == 201
            if ok:
                info["rated" if action == "rate" else "complained"] = True
        elif action == "rate_own":
            r = self.c["citizen"].req("POST", "/api/v1/dossiers/%s/rating" % code,
                                      json={"satisfied": self.rng.random() < 0.5})
            ok = r.status == 201
            if ok:
                info["rated"] = True
        else:
            body = dict(self.inputs(action, d, who), action=action, version=d["version"])
            r = self.c[who].req("POST", "/api/v1/dossiers/%s/actions" % code, json=body)
            if r.status == 422 and action == "forward" and r.body.get("code") == "MSG_DOSSIER_TARGET_UNIT":
                body["unit"] = getattr(self, PROVINCE_OF[info["commune"]])["id"]
                r = self.c[who].req("POST", "/api/v1/dossiers/%s/actions" % code, json=body)
            ok = r.status == 200
            if ok:
                info["away"] = r.body["unit_id"] != getattr(self, info["commune"])["id"]
        self.log.append((phase, who, action, code, r.status if ok else "%d %s" % (r.status, r.body.get("code"))))
        if r.status >= 500:
            self.fail_seed("%s %s by %s: %r" % (action, code, who, r))
        if not ok and r.status != 422:
            # a business rule (second supplement, late extension, no result yet ...) is a 422; anything else is not
            self.unexpected.append((phase, who, action, code, r.status, r.body.get("code"), r.body.get("detail"),
                                    {k: d.get(k) for k in ("status", "step", "step_role", "assignee", "unit_id",
                                                           "allowed_actions")}))
        if ok:
            self.done_actions.add(action)

    # ---- the independent recount ----

    def facts(self):
        """One dict per dossier, from the rows alone."""
        q = ("SELECT d.id, d.code, d.origin_path, d.channel, d.status, d.field, d.procedure_code, "
             "COALESCE(d.assignee_id, ''), d.received_at, COALESCE(d.timing, ''), COALESCE(d.due_at, 0), "
             "COALESCE(d.resolved_at, d.delivered_at, 0), COALESCE(d.paused_at, 0), "
             "(SELECT COUNT(*) FROM dossier_steps s WHERE s.dossier_id = d.id AND s.action = 'request_supplement'), "
             "(SELECT COUNT(*) FROM dossier_steps s WHERE s.dossier_id = d.id AND s.action = 'extend'), "
             "COALESCE((SELECT s.to_account FROM dossier_steps s WHERE s.dossier_id = d.id AND s.action = 'assign' "
             "AND s.to_account IS NOT NULL AND s.to_account <> '' ORDER BY s.n DESC LIMIT 1), ''), "
             "(SELECT COUNT(*) FROM dossier_ratings r WHERE r.dossier_id = d.id), "
             "(SELECT COUNT(*) FROM dossier_ratings r WHERE r.dossier_id = d.id AND r.satisfied <> 0), "
             "(SELECT COUNT(*) FROM complaints c WHERE c.dossier_id = d.id), "
             "(SELECT COUNT(*) FROM dossier_uploads u WHERE u.dossier_id = d.id), d.unit_path "
             "FROM dossiers d ORDER BY d.id")
        out = []
        for r in self.rows(q):
            (did, code, origin, channel, status, field, proc, assignee, received_at, timing, due_at, end_at, paused_at,
             supp, ext, last_assign, rated, satisfied, complaints, uploads, unit_path) = r
            out.append({"id": did, "code": code, "unit": origin.rstrip("/").rsplit("/", 1)[-1], "channel": int(channel),
                        "status": int(status), "field": field, "procedure": proc,
                        "officer": assignee or last_assign, "received_at": int(received_at), "timing": timing,
                        "due_at": int(due_at), "end_at": int(end_at), "paused_at": int(paused_at),
                        "supp": int(supp), "ext": int(ext), "rated": int(rated), "satisfied": int(satisfied),
                        "complaints": int(complaints), "uploads": int(uploads), "unit_path": unit_path,
                        "assignee": assignee})
        return out

    @staticmethod
    def expected(ds, view="standard"):
        """The figures of dossiers ds over a period that holds all of them (nothing before it, every due date in
        it)."""
        f = dict.fromkeys(FIGURES, 0)
        for d in ds:
            f[{1: "received_desk", 2: "received_online", 3: "received_post"}[d["channel"]]] += 1
            ended = ENDED.get(d["status"])
            if ended:
                f[ended] += 1
            if ended == "resolved":
                late = d["supp"] > 1 or d["timing"] == "late" or (not d["timing"] and d["due_at"]
                                                                   and d["end_at"] > d["due_at"])
                early = d["timing"] == "early" and d["supp"] <= 1
                f["resolved_late" if late else "resolved_early" if early else "resolved_on_time"] += 1
            if not ended:
                f["in_progress"] += 1
                # at a period's end after every due date: overdue once due, unless a supplement is awaited (the
                # standard view: unless it was asked for before the due instant; more than one request is late)
                if view == "dates":
                    f["in_progress_overdue"] += d["status"] != 5 and d["due_at"] > 0
                else:
                    f["in_progress_overdue"] += d["supp"] > 1 or (d["due_at"] > 0 and (
                        d["status"] != 5 or d["paused_at"] > d["due_at"]))
            f["delivered"] += d["status"] == 10
            f["supplement_requests"] += d["supp"]
            f["extended"] += d["ext"]
            f["rated"] += d["rated"]
            f["satisfied"] += d["satisfied"]
            f["complaints"] += d["complaints"]
            f["digitized"] += d["uploads"] > 0
        f["received"] = f["received_desk"] + f["received_online"] + f["received_post"]
        f["to_handle"] = f["received"]
        f["in_progress_on_time"] = f["in_progress"] - f["in_progress_overdue"]
        return f

    SIMPLE = FIGURES

    def indicators(self, unit, **q):
        q = dict(unit=unit["id"], **q)
        q.setdefault("from", WHOLE[0].isoformat())
        q.setdefault("to", WHOLE[1].isoformat())
        r = self.c["admin"].req("GET", "/api/v1/reports/indicators?" + urllib.parse.urlencode(q))
        if r.status != 200:
            self.fail_seed("indicators %r: %r" % (q, r))
        return r.body

    def compare(self, what, got, want, keys):
        bad = {k: (got[k], want[k]) for k in keys if got[k] != want[k]}
        if bad:
            self.mismatches.append("%s: (API, recount) %r" % (what, bad))
        # the parts add up whatever the dossiers
        sums = (("resolved", ("resolved_early", "resolved_on_time", "resolved_late")),
                ("in_progress", ("in_progress_on_time", "in_progress_overdue")),
                ("received", ("received_desk", "received_online", "received_post")))
        for total, parts in sums:
            if got[total] != sum(got[p] for p in parts):
                self.mismatches.append("%s: %s %d != %s" % (what, total, got[total], "+".join(parts)))
        if got["to_handle"] != got["carried_over"] + got["received"]:
            self.mismatches.append("%s: to_handle != carried_over + received: %r" % (what, got))
        for k in FIGURES:
            if got[k] < 0:
                self.mismatches.append("%s: %s < 0: %r" % (what, k, got))

    def check_recount(self, facts):
        units = {c: getattr(self, c) for c in COMMUNES}
        groups = {c: [d for d in facts if d["unit"] == units[c]["id"]] for c in COMMUNES}
        self.assertEqual(sum(len(g) for g in groups.values()), len(facts), "every dossier received at a commune")
        groups["lamdong"] = groups["cujut"] + groups["thuanan"]
        groups["langson"] = groups["locbinh"]
        groups["root"] = facts
        units.update(lamdong=self.lamdong, langson=self.langson, root=self.root)
        for name, ds in groups.items():
            unit = units[name]
            for view in ("standard", "dates"):
                got = self.indicators(unit, view=view)["figures"]
                self.compare("%s view=%s" % (name, view), got, self.expected(ds, view),
                             self.SIMPLE if view == "standard" else
                             [k for k in self.SIMPLE if not k.startswith("resolved_")])
            # the dimensions: every field, procedure and officer of the unit's dossiers (and one it has none of)
            dims = [("field", d["field"]) for d in ds] + [("procedure", d["procedure"]) for d in ds]
            dims += [("officer", d["officer"]) for d in ds if d["officer"]]
            dims = sorted(set(dims)) + [("field", "Không có lĩnh vực này"), ("officer", self.c["admin"].me["id"])]
            if name in ("lamdong", "langson"):
                dims = dims[::3]                      # the communes and the root cover the rest
            for key, value in dims:
                got = self.indicators(unit, **{key: value})["figures"]
                want = self.expected([d for d in ds if d[key] == value])
                self.compare("%s %s=%s" % (name, key, value), got, want, self.SIMPLE)

    def check_overview_and_trend(self):
        q = {"from": "2027-03-01", "to": "2027-04-30"}
        for parent in (self.root, self.lamdong):
            r = self.c["admin"].req("GET", "/api/v1/reports/overview?" +
                                    urllib.parse.urlencode(dict(q, unit=parent["id"])))
            self.assert_status(r, 200)
            self.assertEqual([i["rank"] for i in r.body["items"]], list(range(1, len(r.body["items"]) + 1)))
            scores = [i["score"] for i in r.body["items"]]
            self.assertEqual(scores, sorted(scores, reverse=True))
            for item in r.body["items"]:
                one = self.indicators(item["unit"], **q)
                if one["figures"] != item["figures"]:
                    self.mismatches.append("overview of %s: %s %r != indicators %r"
                                           % (parent["name"], item["unit"]["name"], item["figures"], one["figures"]))
                self.assertEqual(item["score"], round(one["index"]["score"], 2))
        r = self.c["admin"].req("GET", "/api/v1/reports/trend?unit=%s&from=2027-02&to=2027-05" % self.root["id"])
        self.assert_status(r, 200)
        months = {m["month"]: m["figures"] for m in r.body["months"]}
        for m, (a, b) in {"2027-02": ("2027-02-01", "2027-02-28"), "2027-03": ("2027-03-01", "2027-03-31"),
                          "2027-04": ("2027-04-01", "2027-04-30"), "2027-05": ("2027-05-01", "2027-05-31")}.items():
            one = self.indicators(self.root, **{"from": a, "to": b})["figures"]
            if months[m] != one:
                self.mismatches.append("trend %s %r != indicators %r" % (m, months[m], one))
        for k in ("received", "resolved", "refused", "complaints", "rated", "supplement_requests"):
            whole = self.indicators(self.root, **{"from": "2027-02-01", "to": "2027-05-31"})["figures"][k]
            if sum(f[k] for f in months.values()) != whole:
                self.mismatches.append("trend %s: months sum %d != period %d"
                                       % (k, sum(f[k] for f in months.values()), whole))

    def check_workload(self, facts):
        """GET /reports/workload of each commune and province against the open dossiers owned there with an
        assignee: open, overdue (due before now, not waiting for a supplement), due soon (due within `days`)."""
        for unit in [getattr(self, c) for c in COMMUNES] + [self.lamdong, self.langson]:
            path = self.indicators(unit)["unit"]["path"]
            for days in (1, 3, 30):
                r = self.c["admin"].req("GET", "/api/v1/reports/workload?unit=%s&days=%d" % (unit["id"], days))
                now = time.time() * 1000 + self.offset_ms
                self.assert_status(r, 200)
                want = {}
                for d in facts:
                    if d["status"] in (2, 4, 5, 6) and d["assignee"] and d["unit_path"].startswith(path):
                        row = want.setdefault(d["assignee"], {}).setdefault(d["field"], [0, 0, 0])
                        waiting = d["status"] == 5
                        row[0] += 1
                        row[1] += not waiting and now <= d["due_at"] < now + days * DAY_MS
                        row[2] += not waiting and d["due_at"] < now
                got = {i["officer"]["id"]: {f["field"]: [f["open"], f["due_soon"], f["overdue"]] for f in i["fields"]}
                       for i in r.body["items"]}
                if got != want:
                    self.mismatches.append("workload %s days=%d: API %r, recount %r" % (unit["name"], days, got, want))
                for i in r.body["items"]:
                    for k in ("open", "due_soon", "overdue"):
                        self.assertEqual(i[k], sum(f[k] for f in i["fields"]))
                names = [i["officer"]["username"] for i in r.body["items"]]
                self.assertEqual(names, sorted(names))

    def drill(self, unit, frm, to, key, limit=200, **q):
        """The codes GET /reports/dossiers?measure=key lists over all its pages."""
        codes, cursor = [], None
        for _ in range(200):
            p = dict(unit=unit["id"], measure=key, limit=limit, **q)
            p["from"], p["to"] = frm, to
            if cursor:
                p["cursor"] = cursor
            r = self.c["admin"].req("GET", "/api/v1/reports/dossiers?" + urllib.parse.urlencode(p))
            if r.status != 200:
                self.fail_seed("dossiers %r: %r" % (p, r))
            self.assertLessEqual(len(r.body["items"]), limit)
            codes += [i["code"] for i in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                return codes
        self.fail_seed("more than 200 pages for %s" % key)

    def check_drill_down(self, facts):
        days = sorted({local_day(d["received_at"]) for d in facts})
        periods = [(d.isoformat(), d.isoformat()) for d in days] + [("2027-03-01", "2027-03-31"),
                                                                    ("2027-03-05", "2027-04-10")]
        by_code = {d["code"]: d for d in facts}
        cases = [(self.root, {}), (self.cujut, {})]
        for frm, to in periods:
            for unit, q in cases + ([(self.thuanan, {"view": "dates"})] if frm != to else []):
                figures = self.indicators(unit, **dict(q, **{"from": frm, "to": to}))["figures"]
                for key in FIGURES:
                    codes = self.drill(unit, frm, to, key, **q)
                    if len(codes) != len(set(codes)):
                        self.mismatches.append("drill %s %s..%s %s: repeated codes" % (unit["name"], frm, to, key))
                    if len(codes) != figures[key]:
                        self.mismatches.append("drill %s %s..%s %s %r: %d dossiers listed, figure %d"
                                               % (unit["name"], frm, to, key, q, len(codes), figures[key]))
                    if key == "received":
                        want = {d["code"] for d in facts if frm <= local_day(d["received_at"]).isoformat() <= to
                                and (unit is self.root or d["unit"] == unit["id"])}
                        if set(codes) != want:
                            self.mismatches.append("drill received %s %s..%s: %r" % (unit["name"], frm, to,
                                                                                      set(codes) ^ want))
                    for c in codes:
                        if unit is not self.root and by_code[c]["unit"] != unit["id"]:
                            self.mismatches.append("drill %s lists %s of another unit" % (unit["name"], c))
        # pages of 3 give the same list as one page
        for key in ("received", "in_progress", "resolved"):
            a = self.drill(self.root, "2027-03-01", "2027-04-30", key, limit=3)
            b = self.drill(self.root, "2027-03-01", "2027-04-30", key)
            self.assertEqual(a, b, key)
            self.assertEqual(a, sorted(a, key=lambda c: by_code[c]["id"], reverse=True), "newest id first")
        # a filter: the officer's and the field's lists are the unfiltered list's members with that value
        officer = next((d["officer"] for d in facts if d["officer"]), None)
        if officer:
            codes = self.drill(self.root, "2027-03-01", "2027-04-30", "received", officer=officer)
            self.assertEqual(set(codes), {d["code"] for d in facts if d["officer"] == officer
                                          and "2027-03-01" <= local_day(d["received_at"]).isoformat() <= "2027-04-30"})

    # ---- the CLI ----

    def report_check(self, expect_diffs=0):
        cp = run_cli("report", "check", "--db", self.db.url)
        out = cp.stdout + cp.stderr
        if expect_diffs == 0:
            if cp.returncode != 0 or " 0 differences" not in cp.stdout:
                self.fail_seed("report check: exit %d\n%s" % (cp.returncode, out[-4000:]))
        else:
            self.assertEqual(cp.returncode, 1, out)
            self.assertRegex(cp.stdout, r": %d difference%s\n" % (expect_diffs, "" if expect_diffs == 1 else "s"))
        m = re.search(r"(\d+) dossiers recounted", cp.stdout)
        self.assertIsNotNone(m, out)
        self.assertEqual(int(m.group(1)), len(self.dossiers))
        return cp.stdout

    def sql_exec(self, statement):
        if self.db.is_pg:
            self.db.psql_exec(statement)
        else:
            self.db.sql(statement)

    @staticmethod
    def lit(s):
        return "'" + str(s).replace("'", "''") + "'"

    def check_corruption(self):
        rows = self.rows("SELECT unit_id, dim, kind, bucket, metric, n FROM report_counts "
                         "ORDER BY unit_id, dim, kind, bucket, metric")
        self.assertGreater(len(rows), 100)
        changed, deleted = self.rng.sample(rows, 2)
        key = lambda r: " AND ".join(("unit_id = %s" % self.lit(r[0]), "dim = %s" % self.lit(r[1]),
                                      "kind = %s" % r[2], "bucket = %s" % r[3], "metric = %s" % r[4]))
        self.sql_exec("UPDATE report_counts SET n = n + 1 WHERE " + key(changed))
        self.sql_exec("DELETE FROM report_counts WHERE " + key(deleted))
        # a row no dossier has: a dimension nobody uses
        self.sql_exec("INSERT INTO report_counts (unit_id, dim, kind, bucket, metric, n) VALUES (%s, 'f:Không có', "
                      "0, 20270315, 0, 5)" % self.lit(self.cujut["id"]))
        out = self.report_check(expect_diffs=3)
        self.assertIn("differs\t%s\t%s\t%s\t%s\t%s\tstored %d\trecount %s\n"
                      % (changed[0], changed[1], changed[2], changed[3], changed[4], int(changed[5]) + 1, changed[5]),
                      out)
        self.assertIn("missing\t%s\t%s\t%s\t%s\t%s\tstored 0\trecount %s\n" % tuple(deleted), out)
        self.assertIn("differs\t%s\tf:Không có\t0\t20270315\t0\tstored 5\trecount 0\n" % self.cujut["id"], out)
        cp = run_cli("report", "rebuild", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.report_check()
        again = self.rows("SELECT unit_id, dim, kind, bucket, metric, n FROM report_counts")
        self.assertEqual(sorted(again), sorted(rows))

    # ---- the test ----

    def test_random_workload(self):
        self.done_actions = set()
        self.mismatches = []
        t0 = time.monotonic()
        for phase, (intakes, steps) in enumerate(PHASES):
            if phase:
                self.next_server(CLOCKS[phase])
            for i in range(intakes):
                if CLOCKS[phase] is None and i == intakes // 2:
                    # the rest of this phase's intakes after midnight on the server's clock
                    wait = (MIDNIGHT + 500 - (time.time() * 1000 + self.offset_ms)) / 1000
                    if wait > 0:
                        time.sleep(wait)
                self.intake(phase)
                if self.rng.random() < 0.5:
                    self.step(phase)
            for _ in range(steps):
                self.step(phase)
            print("[test_reports_workload] phase %d done at %.1f s" % (phase, time.monotonic() - t0), flush=True)
        for _ in range(300):
            if EVERY <= self.done_actions:
                break
            self.step(len(PHASES) - 1)          # more steps until every action has been taken once
        tally = collections.Counter((a, str(st)) for _, _, a, _, st in self.log)
        print("[test_reports_workload] steps: %s"
              % ", ".join("%s %s: %d" % (a, st, n) for (a, st), n in sorted(tally.items())), flush=True)
        if self.unexpected:
            self.fail_seed("unexpected answers: %r" % self.unexpected[:5])
        missing = EVERY - self.done_actions
        if missing:
            self.fail_seed("actions never taken: %s" % sorted(missing))
        facts = self.facts()
        self.assertEqual(len(facts), len(self.dossiers))
        print("[test_reports_workload] received by day: %s" % sorted(collections.Counter(
            local_day(d["received_at"]).isoformat() for d in facts).items()), flush=True)
        statuses = {d["status"] for d in facts}
        self.assertTrue({3, 7, 8, 9, 10} <= statuses and statuses & {2, 4, 5, 6}, statuses)
        # (b) the recount, the overview and trend, the drill-down
        self.check_recount(facts)
        self.check_overview_and_trend()
        self.check_workload(facts)
        print("[test_reports_workload] recount, overview, trend at %.1f s" % (time.monotonic() - t0), flush=True)
        self.check_drill_down(facts)
        print("[test_reports_workload] drill-down at %.1f s" % (time.monotonic() - t0), flush=True)
        if self.mismatches:
            self.fail_seed("%d mismatches:\n%s" % (len(self.mismatches), "\n".join(self.mismatches[:30])))
        whole = self.indicators(self.root)["figures"]
        self.assertGreater(whole["resolved_late"], 0, "some resolutions are late")
        self.assertGreater(whole["in_progress_overdue"], 0, "some dossiers are overdue")
        snapshot = [self.indicators(u, **{"from": "2027-03-01", "to": "2027-04-30"}) for u in
                    (self.root, self.cujut, self.thuanan)]
        problems = self.server.stop()
        self.assertEqual(problems, [])
        # (a) the counts the applies kept equal a recount
        self.report_check()
        # (c) the ledger replayed: the projections and the counts identical
        cp = run_cli("rebuild", "--check", "--db", self.db.url, timeout=300)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.report_check()
        # (d) the counts refilled from the recount
        cp = run_cli("report", "rebuild", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertRegex(cp.stdout, r"^%d dossiers recounted in [0-9.]+ s: [1-9][0-9]* rows written\n$"
                         % len(self.dossiers))
        self.report_check()
        # (e) a corrupted table is found, row by row, and repaired
        self.check_corruption()
        # the API reads what it read before
        self.next_server(CLOCKS[-1] + 3600000)
        again = [self.indicators(u, **{"from": "2027-03-01", "to": "2027-04-30"}) for u in
                 (self.root, self.cujut, self.thuanan)]
        self.assertEqual(again, snapshot)


if __name__ == "__main__":
    import unittest
    unittest.main()

/* test_ministry.c — domain/ministry.h and domain/ministry_soap.h: the systems file (good lines, every refusal), the
 * system's answers (receipt, poll states, every malformed answer), the acknowledgement's due instant on the legal
 * clock (two working hours, over the lunch break and over a weekend), and the SOAP envelope built from a hand-off's
 * JSON and the answers parsed back (receipt, result, more papers with items, a fault, not SOAP, a DOCTYPE); the
 * outbox on a store: a 5xx retried with backoff (no event), a late receipt (acknowledged, missed; the row turns into
 * the poll), a stale lease owner changing nothing, "processing" polled again, more papers, attempts exhausted, and a rebuild giving the same rows. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/mem.h"
#include "domain/calendar.h"
#include "domain/event.h"
#include "domain/ministry.h"
#include "domain/ministry_soap.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

Test(ministry, systems_file)
{
    ministry_systems_t s;
    char why[300];
    cr_assert_eq(ministry_systems_parse("# comment\n\nland rest https://vpdk.example.vn/api/ /etc/land.token\n"
                                        "land-soap soap http://10.0.0.2:8080/ws t2 # trailing\n", &s, why, sizeof why),
                 0, "%s", why);
    cr_assert_eq(s.n, 2);
    cr_assert_str_eq(s.sys[0].url, "https://vpdk.example.vn/api");
    cr_assert_eq(s.sys[0].kind, MINISTRY_REST);
    cr_assert_eq(s.sys[1].kind, MINISTRY_SOAP);
    cr_assert_str_eq(s.sys[1].token_file, "t2");
    cr_assert_not_null(ministry_system_find(&s, "land-soap"));
    cr_assert_null(ministry_system_find(&s, "other"));
    static const char *const bad[] = {
        "land rest http://a\n",                       /* three fields */
        "land rest http://a t extra\n",               /* five */
        "Land rest http://a t\n",                     /* name case */
        "land grpc http://a t\n",                     /* kind */
        "land rest ftp://a t\n",                      /* scheme */
        "land rest http://user@a t\n",                /* credentials */
        "land rest http:///x t\n",                    /* no host */
        "land rest http://a t\nland soap http://b t\n", /* twice */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ministry_systems_parse(bad[i], &s, why, sizeof why), -EINVAL, "accepted: %s", bad[i]);
}

Test(ministry, answers)
{
    char r[MINISTRY_RECEIPT_MAX + 1];
    const char *ok = "{\"receipt\":\"VPDK-00001\"}";
    cr_assert_eq(ministry_parse_receipt(ok, strlen(ok), r, sizeof r), 0);
    cr_assert_str_eq(r, "VPDK-00001");
    static const char *const bad[] = {"", "{}", "{\"receipt\":\"\"}", "{\"receipt\":\"a b\"}", "{\"receipt\":5}",
                                      "not json"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ministry_parse_receipt(bad[i], strlen(bad[i]), r, sizeof r), -EINVAL, "%s", bad[i]);
    json_t *root;
    ministry_poll_state_t st;
    const char *text;
    const json_t *items;
    const char *p = "{\"state\":\"processing\"}";
    cr_assert_eq(ministry_parse_poll(p, strlen(p), &root, &st, &text, &items), 0);
    cr_assert_eq(st, MINISTRY_POLL_PENDING);
    json_decref(root);
    p = "{\"state\":\"done\",\"result\":\"Đã cấp\"}";
    cr_assert_eq(ministry_parse_poll(p, strlen(p), &root, &st, &text, &items), 0);
    cr_assert_eq(st, MINISTRY_POLL_DONE);
    cr_assert_str_eq(text, "Đã cấp");
    json_decref(root);
    p = "{\"state\":\"more_papers\",\"items\":[\"Bản đồ\"],\"note\":\"Thiếu\"}";
    cr_assert_eq(ministry_parse_poll(p, strlen(p), &root, &st, &text, &items), 0);
    cr_assert_eq(st, MINISTRY_POLL_MORE);
    cr_assert_eq(json_array_size(items), 1);
    json_decref(root);
    static const char *const badp[] = {"{}", "{\"state\":\"done\"}", "{\"state\":\"more_papers\",\"items\":[]}",
                                       "{\"state\":\"more_papers\",\"items\":[1]}", "{\"state\":\"later\"}", "[]"};
    for (size_t i = 0; i < sizeof badp / sizeof badp[0]; i++) {
        cr_assert_eq(ministry_parse_poll(badp[i], strlen(badp[i]), &root, &st, &text, &items), -EINVAL, "%s",
                     badp[i]);
        cr_assert_null(root);
    }
}

static long long at(int y, int mo, int d, int h, int mi)
{
    long m;
    cr_assert_eq(calendar_instant_from_parts(y, mo, d, h, mi, &m), 0);
    return calendar_utc_ms_from_minutes(m);
}

Test(ministry, ack_due_on_the_legal_clock)
{
    calendar_t *cal;
    cr_assert_eq(calendar_open(&cal, NULL, NULL), 0);
    /* Tuesday 2027-03-02 08:00 -> 10:00; 10:30 -> over the lunch break; Friday 16:30 -> Monday morning. */
    cr_assert_eq(ministry_ack_due(cal, at(2027, 3, 2, 8, 0)), at(2027, 3, 2, 10, 0));
    long long lunch = ministry_ack_due(cal, at(2027, 3, 2, 10, 30));
    cr_assert_gt(lunch, at(2027, 3, 2, 12, 30));
    cr_assert_lt(lunch, at(2027, 3, 2, 15, 0));
    long long weekend = ministry_ack_due(cal, at(2027, 3, 5, 16, 30));
    cr_assert_gt(weekend, at(2027, 3, 8, 7, 0));
    cr_assert_lt(weekend, at(2027, 3, 8, 10, 0));
    calendar_close(cal);
    /* without a calendar: two clock hours */
    cr_assert_eq(ministry_ack_due(NULL, 1000), 1000 + 7200000);
}

Test(ministry_soap, build_and_parse)
{
    const char *req = "{\"handoff_id\":\"01H\",\"dossier_code\":\"000.00.01.H41-270302-0001\",\"received_at\":5,"
                      "\"applicant\":{\"name\":\"Nguyễn <Văn> & Đức\"},\"papers\":[{\"name\":\"Đơn\",\"mandatory\":true}]}";
    buf_t x;
    buf_init(&x, 1 << 20);
    char why[256] = "";
    cr_assert_eq(ministry_soap_build("SubmitDossier", req, strlen(req), &x, why, sizeof why), 0, "%s", why);
    cr_assert_not_null(memmem(x.data, x.len, "<m:SubmitDossier>", 17));
    cr_assert_not_null(memmem(x.data, x.len, "Nguyễn &lt;Văn&gt; &amp; Đức", strlen("Nguyễn &lt;Văn&gt; &amp; Đức")));
    cr_assert_not_null(memmem(x.data, x.len, "<m:item><m:name>", 16));
    cr_assert_not_null(memmem(x.data, x.len, "<m:received_at>5</m:received_at>", 32));
    cr_assert_eq(ministry_soap_build("SubmitDossier", "[1]", 3, &x, why, sizeof why), -EINVAL);

    buf_t j;
    buf_init(&j, 1 << 16);
    const char *ans = "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
                      "xmlns:m=\"urn:motcua:interagency:1\"><s:Body><m:GetResultResponse><m:State>more_papers"
                      "</m:State><m:Note>Thiếu</m:Note><m:Items><m:Item>Bản đồ</m:Item><m:Item>Sổ</m:Item></m:Items>"
                      "</m:GetResultResponse></s:Body></s:Envelope>";
    cr_assert_eq(ministry_soap_parse(ans, strlen(ans), &j, why, sizeof why), 0, "%s", why);
    json_t *root;
    ministry_poll_state_t st;
    const char *text;
    const json_t *items;
    cr_assert_eq(ministry_parse_poll(j.data, j.len, &root, &st, &text, &items), 0);
    cr_assert_eq(st, MINISTRY_POLL_MORE);
    cr_assert_eq(json_array_size(items), 2);
    cr_assert_str_eq(text, "Thiếu");
    json_decref(root);
    const char *rec = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><R><Receipt>VPDK-7"
                      "</Receipt></R></s:Body></s:Envelope>";
    cr_assert_eq(ministry_soap_parse(rec, strlen(rec), &j, why, sizeof why), 0, "%s", why);
    char r[MINISTRY_RECEIPT_MAX + 1];
    cr_assert_eq(ministry_parse_receipt(j.data, j.len, r, sizeof r), 0);
    cr_assert_str_eq(r, "VPDK-7");
    const char *fault = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body><s:Fault>"
                        "<faultcode>s:Client</faultcode><faultstring>no such receipt</faultstring></s:Fault>"
                        "</s:Body></s:Envelope>";
    cr_assert_eq(ministry_soap_parse(fault, strlen(fault), &j, why, sizeof why), -EPROTO);
    cr_assert_not_null(strstr(why, "no such receipt"));
    cr_assert_eq(ministry_soap_parse("<a/>", 4, &j, why, sizeof why), -EINVAL);
    const char *dt = "<!DOCTYPE x [<!ENTITY e \"boom\">]><x>&e;</x>";
    cr_assert_eq(ministry_soap_parse(dt, strlen(dt), &j, why, sizeof why), -EINVAL);
    buf_free(&x);
    buf_free(&j);
}

/* ---- the outbox state machine, on a store ---- */

#define T0 1803949200000LL   /* 2027-03-02 08:00 in Vietnam */

struct seed {
    const char *id, *unit_id;
    long long   ack_due;
};

static void seed_payload(jw_t *w, const void *arg)
{
    const struct seed *x = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", x->id);
    jw_kstr(w, "unit_id", x->unit_id);
    jw_kstr(w, "dossier_id", "D1");
    jw_kstr(w, "dossier_code", "000.00.01.H41-270302-0001");
    jw_kstr(w, "system", "land");
    jw_kstr(w, "kind", "rest");
    jw_kstr(w, "sha256", "x");
    jw_kstr(w, "sent_by", "");
    jw_kint(w, "at", T0);
    jw_kint(w, "ack_due_at", x->ack_due);
    jw_obj_end(w);
}

static int seed_fn(db_t *db, void *arg)
{
    const struct seed *x = arg;
    int rc = event_record(db, x->unit_id, NULL, "ministry.sent", "ministry_handoff", x->id, seed_payload, x, NULL);
    if (rc < 0) return rc;
    long long n = db_run(db, "INSERT INTO ministry_outbox (id, kind, system, body, created_at, next_attempt_at) "
                             "VALUES ($1, 'send', 'land', '{}', $2, $2)", "ti", x->id, T0);
    return n < 0 ? (int)n : 0;
}

/* A hand-off as ministry_send leaves it (its ministry.sent event and its outbox row), without a dossier. */
static void seed_handoff(const char *id, const char *unit_id, long long ack_due)
{
    struct seed x = {id, unit_id, ack_due};
    cr_assert_eq(store_write(tu_env.st, seed_fn, &x), 0);
}

static int claim(long long now, const char *owner, ministry_claim_t *c)
{
    ministry_claim_free(c);
    c->now = now;
    c->lease_ms = 60000;
    c->owner = owner;
    c->limit = 4;
    return store_write(tu_env.st, ministry_claim, c);
}

static int outcome(const ministry_job_t *j, const char *owner, ministry_delivery_t d, long long now,
                   ministry_poll_state_t poll, const char *text, const json_t *items)
{
    ministry_outcome_t x = {.job = j, .owner = owner, .result = d, .http_status = d == MINISTRY_OK ? 200 : 503,
                            .now = now, .next_at = now + 1000, .poll_every_ms = 500, .max_attempts = 3,
                            .error = "HTTP 503", .receipt = "VPDK-1", .poll = poll, .text = text, .items = items};
    return store_write(tu_env.st, ministry_record_outcome, &x);
}

Test(ministry, outbox_states, .init = tu_open, .fini = tu_close)
{
    unit_t u;
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &u);
    seed_handoff("H1", u.id, T0 + 3600000);
    ministry_claim_t *c = xcalloc(1, sizeof *c);
    /* a 5xx: retried later, no event */
    cr_assert_eq(claim(T0, "o1", c), 0);
    cr_assert_eq(c->n, 1);
    cr_assert_str_eq(c->jobs[0].kind, "send");
    long long ev0 = tu_int("SELECT COUNT(*) FROM events WHERE type <> $1", "");
    cr_assert_eq(outcome(&c->jobs[0], "o1", MINISTRY_RETRY, T0 + 10, MINISTRY_POLL_PENDING, NULL, NULL), 0);
    cr_assert_eq(tu_int("SELECT attempts FROM ministry_outbox WHERE id = $1", "H1"), 1);
    cr_assert_eq(tu_int("SELECT next_attempt_at FROM ministry_outbox WHERE id = $1", "H1"), T0 + 1010);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type <> $1", ""), ev0);
    cr_assert_eq(claim(T0 + 20, "o2", c), 0);
    cr_assert_eq(c->n, 0, "not due yet");
    /* the receipt, late: acknowledged with missed, the row now polls */
    cr_assert_eq(claim(T0 + 2000, "o2", c), 0);
    cr_assert_eq(c->n, 1);
    cr_assert_eq(outcome(&c->jobs[0], "stale", MINISTRY_OK, T0 + 7200000, 0, NULL, NULL), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM ministry_handoffs WHERE state = 'queued' AND id = $1", "H1"), 1,
                 "a stale lease owner changes nothing");
    cr_assert_eq(outcome(&c->jobs[0], "o2", MINISTRY_OK, T0 + 7200000, 0, NULL, NULL), 0);
    char s[64];
    cr_assert_eq(tu_text("SELECT state || ' ' || receipt || ' ' || ack_missed FROM ministry_handoffs WHERE id = $1",
                         "H1", s, sizeof s), 0);
    cr_assert_str_eq(s, "acknowledged VPDK-1 1");
    cr_assert_eq(tu_text("SELECT kind || ' ' || receipt || ' ' || attempts FROM ministry_outbox WHERE id = $1", "H1",
                         s, sizeof s), 0);
    cr_assert_str_eq(s, "poll VPDK-1 0");
    /* still processing: polled again later */
    cr_assert_eq(claim(T0 + 7200500, "o3", c), 0);
    cr_assert_eq(c->n, 1);
    cr_assert_str_eq(c->jobs[0].receipt, "VPDK-1");
    cr_assert_eq(outcome(&c->jobs[0], "o3", MINISTRY_OK, T0 + 7200600, MINISTRY_POLL_PENDING, NULL, NULL), 0);
    cr_assert_eq(tu_int("SELECT next_attempt_at FROM ministry_outbox WHERE id = $1", "H1"), T0 + 7201100);
    /* more papers: the result event with the items, the row done */
    cr_assert_eq(claim(T0 + 7201100, "o4", c), 0);
    json_t *items = json_pack("[ss]", "Bản đồ", "Sổ đỏ");
    cr_assert_eq(outcome(&c->jobs[0], "o4", MINISTRY_OK, T0 + 7201200, MINISTRY_POLL_MORE, "Thiếu", items), 0);
    json_decref(items);
    cr_assert_eq(tu_text("SELECT state || ' ' || result_items FROM ministry_handoffs WHERE id = $1", "H1", s, sizeof s),
                 0);
    cr_assert_str_eq(s, "more_requested [\"Bản đồ\",\"Sổ đỏ\"]");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM ministry_outbox WHERE state = 'done' AND id = $1", "H1"), 1);
    /* attempts exhausted: ministry.failed */
    seed_handoff("H2", u.id, T0 + 3600000);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(claim(T0 + 10000000LL * (i + 1), "o5", c), 0);
        cr_assert_eq(c->n, 1);
        cr_assert_eq(outcome(&c->jobs[0], "o5", MINISTRY_RETRY, T0 + 10000000LL * (i + 1), 0, NULL, NULL), 0);
    }
    cr_assert_eq(tu_text("SELECT state || ' ' || last_error FROM ministry_handoffs WHERE id = $1", "H2", s, sizeof s),
                 0);
    cr_assert_str_eq(s, "failed HTTP 503");
    /* every state came from an event: a rebuild gives the same rows and leaves the outbox alone */
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep = {0};
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM ministry_outbox", NULL), 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM ministry_handoffs", NULL), 2);
    ministry_gauges_t g;
    cr_assert_eq(store_read(tu_env.st, ministry_gauges, &g), 0);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(g.g[0].ack_missed, 1);
    cr_assert_eq(g.g[0].outbox_depth, 0);
    ministry_claim_free(c);
    free(c);
}

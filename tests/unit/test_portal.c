/* test_portal.c — domain/portal.h: the portal's instants (yyyyMMddHHmmss, Vietnam time) both ways, the mapping of
 * a dossier to the portal's record and progress entries (field names, every value a string, the end instant),
 * which events are queued, the enqueue hook (only when enabled, once per (node, seq)), the outbox's claim and
 * outcomes (acknowledged, retried, dead letter, a stale lease changes nothing), the deadline sweep, the stats and
 * the day range of the reconciliation. Suite portal (SQLite). */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "domain/portal.h"
#include "domain/report.h"

#include <jansson.h>
#include <string.h>

TestSuite(portal, .init = tu_open, .fini = tu_close);

/* 2026-12-03 16:30:17 UTC = 23:30:17 in Vietnam */
#define T0 1796315417000LL

Test(portal, instant_format_and_parse)
{
    char t[16];
    portal_instant(T0, t, sizeof t);
    cr_assert_str_eq(t, "20261203233017");
    cr_assert_eq(portal_instant_parse(t), T0);
    portal_instant(T0 + 999, t, sizeof t);   /* milliseconds are dropped */
    cr_assert_str_eq(t, "20261203233017");
    portal_instant(0, t, sizeof t);
    cr_assert_str_eq(t, "");
    portal_instant(T0 + 3600 * 1000LL, t, sizeof t);   /* past midnight in Vietnam: the next day */
    cr_assert_str_eq(t, "20261204003017");
    cr_assert_eq(portal_instant_parse("20260230120000"), -1);   /* 30 February */
    cr_assert_eq(portal_instant_parse("2026120323301"), -1);
    cr_assert_eq(portal_instant_parse("2026120323301x"), -1);
    cr_assert_eq(portal_instant_parse("20261203246017"), -1);
    cr_assert_eq(portal_instant_parse(NULL), -1);
}

#define SET(dst, src) str_copy((dst), sizeof(dst), (src))

static void sample(portal_record_t *r)
{
    memset(r, 0, sizeof *r);
    SET(r->code, "000.00.01.H41-261203-0001");
    SET(r->agency_code, "000.00.01.H41");
    SET(r->agency_name, "UBND xã Cư Jút");
    SET(r->procedure_code, "2.000806");
    SET(r->procedure_name, "Chứng thực bản sao");
    SET(r->field, "Chứng thực");
    SET(r->applicant_kind, "person");
    SET(r->applicant_name, "Nguyễn Văn An");
    SET(r->id_number, "068095001234");
    SET(r->phone, "0912345678");
    r->channel = 2;
    r->status = 9;
    r->received_at = T0;
    r->due_at = T0 + 86400000LL;
    r->resolved_at = T0 + 3600000LL;
    r->nsteps = 1;
    r->steps[0].at = T0;
    r->steps[0].status = 2;
    SET(r->steps[0].action, "receive");
    SET(r->steps[0].officer, "Trần Thị Bình");
}

static json_t *to_json(const portal_record_t *r, bool progress)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    if (progress) portal_progress_json(r, &w);
    else portal_record_json(r, &w);
    cr_assert_eq(jw_finish(&w), 0);
    json_t *j = json_loads(b.data, 0, NULL);
    buf_free(&b);
    cr_assert_not_null(j);
    return j;
}

static const char *s(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    cr_assert(json_is_string(v), "%s is a string", k);
    return json_string_value(v);
}

Test(portal, record_mapping)
{
    portal_record_t *r = calloc(1, sizeof *r);
    sample(r);
    json_t *j = to_json(r, false);
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) cr_assert(json_is_string(v), "every value is a string (%s)", key);
    cr_assert_str_eq(s(j, "MaHoSo"), "000.00.01.H41-261203-0001");
    cr_assert_str_eq(s(j, "MaTTHC"), "2.000806");
    cr_assert_str_eq(s(j, "MaDonVi"), "000.00.01.H41");
    cr_assert_str_eq(s(j, "ChuHoSo"), "Nguyễn Văn An");
    cr_assert_str_eq(s(j, "LoaiDoiTuong"), "1");
    cr_assert_str_eq(s(j, "KenhThucHien"), "2");
    cr_assert_str_eq(s(j, "TrangThaiHoSo"), "9");
    cr_assert_str_eq(s(j, "NgayTiepNhan"), "20261203233017");
    cr_assert_str_eq(s(j, "NgayHenTra"), "20261204233017");
    cr_assert_str_eq(s(j, "NgayKetThucXuLy"), "20261204003017");   /* resolved */
    cr_assert_str_eq(s(j, "NgayTra"), "");
    json_decref(j);
    /* an organisation, a refusal: the end instant is the refusal's */
    SET(r->applicant_kind, "organization");
    r->status = 3;
    r->resolved_at = 0;
    r->refused_at = T0 + 60000;
    j = to_json(r, false);
    cr_assert_str_eq(s(j, "LoaiDoiTuong"), "2");
    cr_assert_str_eq(s(j, "NgayTuChoi"), "20261203233117");
    cr_assert_str_eq(s(j, "NgayKetThucXuLy"), "20261203233117");
    json_decref(j);
    free(r);
}

Test(portal, progress_mapping)
{
    portal_record_t *r = calloc(1, sizeof *r);
    sample(r);
    json_t *j = to_json(r, true);
    cr_assert_eq(json_array_size(j), 1);
    json_t *p = json_array_get(j, 0);
    cr_assert_str_eq(s(p, "MaHoSo"), r->code);
    cr_assert_str_eq(s(p, "NguoiXuLy"), "Trần Thị Bình");
    cr_assert_str_eq(s(p, "ThoiDiemXuLy"), "20261203233017");
    cr_assert_str_eq(s(p, "NoiDungXuLy"), "receive");   /* no note: the action */
    cr_assert_str_eq(s(p, "TrangThai"), "2");
    json_decref(j);
    free(r);
}

Test(portal, which_events_are_shown)
{
    cr_assert(portal_event_shown("dossier.received"));
    cr_assert(portal_event_shown("dossier.delivered"));
    cr_assert(portal_event_shown("dossier.handed_back"));
    cr_assert_not(portal_event_shown("dossier.rated"));
    cr_assert_not(portal_event_shown("document.registered"));
    cr_assert_not(portal_event_shown(NULL));
}

static int hook_fn(db_t *db, void *arg) { return portal_event_applied(db, arg); }
static int enable_fn(db_t *db, void *arg) { return portal_set_enabled(db, arg); }

static event_meta_t meta(long long seq, const char *type)
{
    return (event_meta_t){.node = "N1", .seq = seq, .at = T0, .unit_id = "U1", .type = type,
                          .entity = "dossier:D1"};
}

Test(portal, enqueue_only_when_enabled_and_once)
{
    event_meta_t m = meta(7, "dossier.received");
    cr_assert_eq(store_write(tu_env.st, hook_fn, &m), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 0, "disabled: nothing queued");
    int on = 1;
    cr_assert_eq(store_write(tu_env.st, enable_fn, &on), 0);
    cr_assert_eq(store_write(tu_env.st, hook_fn, &m), 0);
    cr_assert_eq(store_write(tu_env.st, hook_fn, &m), 0);   /* a replayed batch */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 1);
    cr_assert_eq(tu_int("SELECT push_due_at - changed_at FROM portal_outbox", NULL), PORTAL_PUSH_DEADLINE_MS);
    event_meta_t rated = meta(8, "dossier.rated");
    cr_assert_eq(store_write(tu_env.st, hook_fn, &rated), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 1, "a rating is not pushed");
    on = 0;
    cr_assert_eq(store_write(tu_env.st, enable_fn, &on), 0);
    event_meta_t later = meta(9, "dossier.accepted");
    cr_assert_eq(store_write(tu_env.st, hook_fn, &later), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 1, "disabled again");
}

static int claim_fn(db_t *db, void *arg) { return portal_claim(db, arg); }
static int outcome_fn(db_t *db, void *arg) { return portal_record_outcome(db, arg); }
static int stats_fn(db_t *db, void *arg) { return portal_stats(db, arg); }
static int sweep_fn(db_t *db, void *arg) { return portal_sweep_deadlines(db, arg); }

static void queue(long long n)
{
    int on = 1;
    cr_assert_eq(store_write(tu_env.st, enable_fn, &on), 0);
    for (long long i = 1; i <= n; i++) {
        event_meta_t m = meta(i, "dossier.received");
        char ent[32];
        snprintf(ent, sizeof ent, "dossier:D%lld", i);
        m.entity = ent;
        cr_assert_eq(store_write(tu_env.st, hook_fn, &m), 0);
    }
}

Test(portal, claim_and_outcomes)
{
    queue(3);
    portal_claim_t c = {.now = T0, .lease_ms = 1000, .owner = "owner-a", .limit = 8};
    cr_assert_eq(store_write(tu_env.st, claim_fn, &c), 0);
    cr_assert_eq(c.n, 3);
    cr_assert_eq(c.jobs[0].attempts, 1);
    cr_assert_not(c.jobs[0].created);
    portal_claim_t again = {.now = T0 + 500, .lease_ms = 1000, .owner = "owner-b", .limit = 8};
    cr_assert_eq(store_write(tu_env.st, claim_fn, &again), 0);
    cr_assert_eq(again.n, 0, "leased rows are not claimed twice");

    /* acknowledged */
    portal_outcome_t ok = {.job = &c.jobs[0], .owner = "owner-a", .result = PORTAL_OK, .answers = 2,
                           .service = "CapNhatTienDoHoSoMC", .answer = "0: ok", .http_status = 200, .now = T0 + 100};
    cr_assert_eq(store_write(tu_env.st, outcome_fn, &ok), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox WHERE state = 'done' AND acked_at IS NOT NULL", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_acks", NULL), 2, "an answer given twice: two rows, one ack");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_dossiers", NULL), 1);
    /* a stale owner changes nothing */
    portal_outcome_t stale = {.job = &c.jobs[1], .owner = "owner-x", .result = PORTAL_PERMANENT, .error = "x",
                              .now = T0 + 100, .max_attempts = 3};
    cr_assert_eq(store_write(tu_env.st, outcome_fn, &stale), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_dead_letters", NULL), 0);
    /* retried, then permanent: a dead letter */
    portal_outcome_t retry = {.job = &c.jobs[1], .owner = "owner-a", .result = PORTAL_RETRY, .error = "HTTP 503",
                              .http_status = 503, .now = T0 + 100, .next_at = T0 + 5000, .max_attempts = 3};
    cr_assert_eq(store_write(tu_env.st, outcome_fn, &retry), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox WHERE state = 'pending' AND next_attempt_at = "
                        "1796315422000", NULL), 1);
    portal_outcome_t perm = {.job = &c.jobs[2], .owner = "owner-a", .result = PORTAL_PERMANENT,
                             .error = "-1: Trường MaTTHC\nkhông hợp lệ", .http_status = 200, .now = T0 + 100,
                             .max_attempts = 3};
    cr_assert_eq(store_write(tu_env.st, outcome_fn, &perm), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox WHERE state = 'dead'", NULL), 1);
    char reason[128];
    cr_assert_eq(tu_text("SELECT reason FROM portal_dead_letters", NULL, reason, sizeof reason), 0);
    cr_assert_str_eq(reason, "-1: Trường MaTTHC không hợp lệ", "one line");

    portal_stats_t st = {.now = T0 + 10000};
    cr_assert_eq(store_read(tu_env.st, stats_fn, &st), 0);
    cr_assert(st.enabled);
    cr_assert_eq(st.depth, 1);
    cr_assert_eq(st.oldest_unacked_s, 10);
    cr_assert_eq(st.dead, 1);
    cr_assert_eq(st.done, 1);
}

Test(portal, deadline_sweep)
{
    queue(2);
    long long now = T0 + PORTAL_PUSH_DEADLINE_MS - 1;
    cr_assert_eq(store_write(tu_env.st, sweep_fn, &now), 0, "nothing late yet");
    now = T0 + PORTAL_PUSH_DEADLINE_MS + 1;
    cr_assert_eq(store_write(tu_env.st, sweep_fn, &now), 2);
    cr_assert_eq(store_write(tu_env.st, sweep_fn, &now), 0, "flagged once");
    cr_assert_eq(tu_exec("UPDATE portal_outbox SET ack_due_at = 1796315417000 + 7200000"), 0);
    now = T0 + 7200001;
    cr_assert_eq(store_write(tu_env.st, sweep_fn, &now), 2, "acknowledgement overdue");
    portal_stats_t st = {.now = now};
    cr_assert_eq(store_read(tu_env.st, stats_fn, &st), 0);
    cr_assert_eq(st.missed_push, 2);
    cr_assert_eq(st.missed_ack, 2);
}

Test(portal, day_range)
{
    long long a, b;
    cr_assert_eq(portal_day_range("2026-12-03", &a, &b), 0);
    char t[16];
    portal_instant(a, t, sizeof t);
    cr_assert_str_eq(t, "20261203000000");
    cr_assert_eq(b - a, 86400000LL);
    cr_assert_eq(portal_day_range("2026-13-03", &a, &b), -EINVAL);
    cr_assert_eq(portal_day_range("2026-12-3", &a, &b), -EINVAL);
}

Test(portal, indicator_1_4_from_reconciliation_figures)
{
    report_figures_t f;
    memset(&f, 0, sizeof f);
    report_index_t x;
    report_index(&f, true, &x);
    cr_assert_not(x.rows[1].measured, "no reconciliation: not measured");
    f.v[RF_PORTAL_SYNCED] = 4;
    f.v[RF_PORTAL_COUNTED] = 5;
    report_index(&f, true, &x);
    cr_assert_str_eq(x.rows[1].key, "1.4");
    cr_assert(x.rows[1].measured);
    cr_assert_eq(x.rows[1].num, 4);
    cr_assert_eq(x.rows[1].den, 5);
    cr_assert_float_eq(x.rows[1].score, 0.8 * 6, 1e-9);   /* threshold 100%: 80% of 6 points */
}

/* ---- the hook sees recorded and replicated events, and a rebuild queues nothing ---- */

static int noop_apply(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)db; (void)ev; (void)payload;
    return 0;
}
static const event_kind_t test_kinds[] = {{"dossier.received", noop_apply}, {NULL, NULL}};
static const event_table_t test_tables[] = {{NULL, NULL}};
static const event_module_t test_module = {"portal-test", test_kinds, test_tables, NULL};
static const event_module_t *const test_registry[] = {&test_module, NULL};

static void empty_payload(jw_t *w, const void *arg)
{
    (void)arg;
    jw_obj_begin(w);
    jw_obj_end(w);
}

static int record_fn(db_t *db, void *arg)
{
    return event_record(db, NULL, NULL, "dossier.received", "dossier", arg, empty_payload, NULL, NULL);
}

static int replicated_fn(db_t *db, void *arg)
{
    (void)arg;
    event_meta_t m = {.node = "OTHERNODE", .seq = 41, .at = T0, .type = "dossier.received", .entity = "dossier:R1"};
    return event_apply(db, &m, "{}", 2);
}

Test(portal, hook_sees_recorded_and_replicated_events_and_rebuild_queues_nothing)
{
    event_use_modules(test_registry);
    int on = 1;
    cr_assert_eq(store_write(tu_env.st, enable_fn, &on), 0);
    cr_assert_eq(store_write(tu_env.st, record_fn, "L1"), 0);
    cr_assert_eq(store_write(tu_env.st, record_fn, "L2"), 0);
    cr_assert_eq(store_write(tu_env.st, replicated_fn, NULL), 0);
    cr_assert_eq(store_write(tu_env.st, replicated_fn, NULL), 0, "a batch replayed");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 3);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox WHERE node = 'OTHERNODE' AND seq = 41", NULL), 1);
    /* the items are sent and acknowledged; a rebuild replays the ledger and queues nothing again */
    cr_assert_eq(tu_exec("UPDATE portal_outbox SET state = 'done', acked_at = 1"), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_geq(rep.applied, 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox", NULL), 3);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM portal_outbox WHERE state <> 'done'", NULL), 0);
    event_use_modules(NULL);
}

/* test_lookup.c — domain/lookup.h: the proof (phone forms, id4, wrong code vs wrong phone alike, counted per
 * address, throttled), ratings (after delivery, once), complaints (scope, roles, once answered), and the rebuild of
 * the lookup module's projections from its events. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/event.h"
#include "domain/lookup.h"
#include "domain/lookup_memo.h"

#include <string.h>

#define D_ID "01JLOOKUP00000000000000001"
#define D_CODE "000.00.01.H41-261130-0001"
#define UNIT_A "01JUNITA000000000000000001"
#define UNIT_B "01JUNITB000000000000000001"
#define PATH_A "/root/prov/" UNIT_A "/"
#define PATH_B "/root/prov/" UNIT_B "/"

static void put_dossier_with(const char *id, const char *code, const char *plan, int status)
{
    int rc = tu_execf(
        "INSERT INTO dossiers (id, code, unit_id, unit_path, origin_path, procedure_code, procedure_version, procedure_name, field, "
        "channel, status, step, plan, time_rule, work_minutes, supplement_rule, applicant_kind, applicant_name, "
        "name_fold, id_number, phone, address, received_at, search, created_at, updated_at) VALUES ('%s', '%s', "
        "'%s', '%s', '%s', '9.000001', 1, 'Chứng thực bản sao', 'chung-thuc', 1, %d, 0, '%s', 1, "
        "480, 1, 'person', 'Nguyễn Văn Đức', 'nguyen van duc', '068095001234', '0912345678', 'Thôn 3', 1, '', 1, 1)",
        id, code, UNIT_A, PATH_A, PATH_A, status, plan);
    cr_assert_eq(rc, 0);
}

static void put_dossier(int status) { put_dossier_with(D_ID, D_CODE, "[{\"name\":\"Tiếp nhận\"}]", status); }

static void setup(void)
{
    tu_open();
    auth_policy.lookup_after = 3;
}

TestSuite(lookup, .init = setup, .fini = tu_close);

static int prove(const char *code, const char *phone, const char *id4, const char *addr, long long *retry)
{
    lookup_proof_t p = {code, phone, id4};
    char id[ID_LEN + 1];
    derr_t e = {0};
    int rc = lookup_prove(tu_env.st, &p, addr, id, retry, &e);
    if (rc == 0 && *retry == 0) cr_assert_str_eq(id, D_ID);
    return rc;
}

Test(lookup, proof_by_phone_or_id4_and_wrong_parts_alike)
{
    put_dossier(4);
    long long retry = 0;
    cr_assert_eq(prove(D_CODE, "0912345678", NULL, "10.0.0.1", &retry), 0);
    cr_assert_eq(prove(D_CODE, "+84 912.345.678", NULL, "10.0.0.1", &retry), 0);
    cr_assert_eq(prove(D_CODE, NULL, "1234", "10.0.0.1", &retry), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM signin_throttle", NULL), 0, "a success counts nothing");
    cr_assert_eq(prove("000.00.01.H41-261130-0002", "0912345678", NULL, "10.0.0.2", &retry), -ENOENT);
    cr_assert_eq(prove(D_CODE, "0987654321", NULL, "10.0.0.3", &retry), -ENOENT);
    cr_assert_eq(prove(D_CODE, NULL, "4321", "10.0.0.4", &retry), -ENOENT);
    cr_assert_eq(retry, 0);
    /* Each failure is one row of the sign-in throttle table under its own "l:" key. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM signin_throttle WHERE key LIKE 'l:%' AND failures = 1", NULL), 3);
    /* Malformed proofs are refused before anything is looked up or counted. */
    derr_t e = {0};
    char id[ID_LEN + 1];
    lookup_proof_t bad[] = {{D_CODE, NULL, NULL}, {D_CODE, "0912345678", "1234"}, {D_CODE, "12", NULL},
                            {D_CODE, NULL, "12a4"}, {"", "0912345678", NULL}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&e, 0, sizeof e);
        cr_assert_eq(lookup_prove(tu_env.st, &bad[i], "10.0.0.5", id, &retry, &e), -EINVAL, "case %zu", i);
        cr_assert_eq(e.status, 400);
    }
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM signin_throttle", NULL), 3);
}

/* The public view through lookup_public: each dossier's steps are named from its own plan (the names are cached
 * per plan text, so a second dossier with another plan, and the first one again, must each get theirs), a step
 * outside the plan or without a name has a null name, and nothing the applicant proved is repeated. */
static json_t *public_view(const char *code)
{
    lookup_proof_t p = {code, "0912345678", NULL};
    buf_t b;
    buf_init(&b, 0);
    long long retry = 0;
    derr_t e = {0};
    cr_assert_eq(lookup_public(tu_env.st, &p, "10.0.0.9", LANG_VI, &b, &retry, &e), 0);
    cr_assert_eq(retry, 0);
    cr_assert_null(strstr(b.data, "0912345678"), "the phone is not repeated");
    cr_assert_null(strstr(b.data, "068095001234"), "nor the identifier");
    cr_assert_null(strstr(b.data, "Nguy"), "nor the name");
    json_t *j = json_loads(b.data, 0, NULL);
    cr_assert_not_null(j);
    buf_free(&b);
    return j;
}

static const char *step_name(json_t *view, size_t i)
{
    json_t *st = json_array_get(json_object_get(view, "steps"), i);
    cr_assert_not_null(st, "step %zu", i);
    return json_string_value(json_object_get(st, "step_name"));
}

Test(lookup, public_view_names_steps_from_each_plan)
{
    put_dossier(4);
    const char *id2 = "01JLOOKUP00000000000000002", *code2 = "000.00.01.H41-261130-0002";
    put_dossier_with(id2, code2, "[{\"name\":\"Bước A\"},{\"name\":\"Bước B\"},{\"role\":\"desk\"}]", 4);
    cr_assert_eq(tu_execf("INSERT INTO dossier_steps (dossier_id, n, action, step, at, status_before, status_after) "
                          "VALUES ('%s', 1, 'receive', 0, 1000, 1, 2)", D_ID), 0);
    for (int n = 1; n <= 4; n++)
        cr_assert_eq(tu_execf("INSERT INTO dossier_steps (dossier_id, n, action, step, at, status_before, "
                              "status_after) VALUES ('%s', %d, 'forward', %d, 1000, 2, 4)", id2, n,
                              n == 4 ? 7 : n - 1), 0);
    for (int round = 0; round < 2; round++) {                /* the second round reads the cached names */
        json_t *a = public_view(D_CODE), *b = public_view(code2);
        cr_assert_str_eq(json_string_value(json_object_get(a, "code")), D_CODE);
        cr_assert_eq(json_array_size(json_object_get(a, "steps")), 1);
        cr_assert_str_eq(step_name(a, 0), "Tiếp nhận");
        cr_assert_eq(json_array_size(json_object_get(b, "steps")), 4);
        cr_assert_str_eq(step_name(b, 0), "Bước A");
        cr_assert_str_eq(step_name(b, 1), "Bước B");
        cr_assert_null(step_name(b, 2), "a step without a name");
        cr_assert_null(step_name(b, 3), "a step outside the plan");
        cr_assert(json_is_null(json_object_get(a, "rating")));
        cr_assert(json_is_false(json_object_get(a, "can_rate")));
        cr_assert(json_is_null(json_object_get(a, "resolved_at")));
        json_decref(a);
        json_decref(b);
    }
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM signin_throttle", NULL), 0, "a success counts nothing");
}

Test(lookup, throttled_per_address)
{
    put_dossier(4);
    long long retry = 0;
    for (int i = 0; i < 3; i++) cr_assert_eq(prove(D_CODE, "0987654321", NULL, "10.0.1.1", &retry), -ENOENT);
    cr_assert_eq(prove(D_CODE, "0912345678", NULL, "10.0.1.1", &retry), 0);
    cr_assert_gt(retry, 0, "the right proof waits too at a throttled address");
    cr_assert_leq(retry, auth_policy.slow_base_ms);
    retry = 0;
    cr_assert_eq(prove(D_CODE, "0912345678", NULL, "10.0.1.2", &retry), 0);
    cr_assert_eq(retry, 0);
}

/* ---- the memo of answers (lookup_memo.h) ---- */

static int noop_write(db_t *db, void *arg)
{
    (void)db;
    (void)arg;
    return 0;
}

/* The table alone: a hit only for the same key, store and write count within lookup_memo_ms; a write anywhere,
 * the age, another client or proof, a slot taken by another key, or lookup_memo_ms 0 all miss. */
Test(lookup, memo_table_hit_invalidation_expiry_eviction)
{
    long long saved = lookup_memo_ms;
    lookup_memo_ms = 1000;
    unsigned char k[LOOKUP_MEMO_KEY_LEN], other[LOOKUP_MEMO_KEY_LEN];
    lookup_memo_key("10.0.0.1", D_CODE, 'p', "0912345678", k);
    lookup_memo_key("10.0.0.2", D_CODE, 'p', "0912345678", other);
    cr_assert_neq(memcmp(k, other, sizeof k), 0, "the client is part of the key");
    lookup_memo_key("10.0.0.1", D_CODE, 'p', "0912345679", other);
    cr_assert_neq(memcmp(k, other, sizeof k), 0, "the proof is part of the key");
    lookup_memo_key("10.0.0.1", D_CODE, 'i', "0912345678", other);
    cr_assert_neq(memcmp(k, other, sizeof k), 0, "the proof's kind is part of the key");
    buf_t b;
    buf_init(&b, 0);
    long long now = 5000000;
    lookup_memo_put(tu_env.st, k, store_write_count(tu_env.st), now, "{\"a\":1}", 7);
    cr_assert(lookup_memo_get(tu_env.st, k, now + 999, &b));
    cr_assert_eq(b.len, 7);
    cr_assert_eq(memcmp(b.data, "{\"a\":1}", 7), 0);
    buf_reset(&b);
    cr_assert_not(lookup_memo_get(tu_env.st, other, now, &b), "another key misses");
    cr_assert_not(lookup_memo_get(tu_env.st, k, now + 1000, &b), "expired at lookup_memo_ms");
    cr_assert_not(lookup_memo_get(tu_env.st, k, now - 1, &b), "a clock that went back misses");
    cr_assert_not(lookup_memo_get((store_t *)&b, k, now, &b), "another store misses");
    lookup_memo_ms = 0;
    cr_assert_not(lookup_memo_get(tu_env.st, k, now, &b), "0 disables");
    lookup_memo_ms = 1000;
    /* A put whose read began before a write is refused; a write after a put invalidates it. */
    unsigned long long stamp = store_write_count(tu_env.st);
    cr_assert_eq(store_write(tu_env.st, noop_write, NULL), 0);
    lookup_memo_put(tu_env.st, other, stamp, now, "x", 1);
    cr_assert_not(lookup_memo_get(tu_env.st, other, now, &b), "a put that overlapped a write is not kept");
    cr_assert_not(lookup_memo_get(tu_env.st, k, now, &b), "any write invalidates every entry");
    /* Eviction: another key of the same slot replaces the entry (slots are direct-mapped on the key's bytes). */
    lookup_memo_put(tu_env.st, k, store_write_count(tu_env.st), now, "y", 1);
    cr_assert(lookup_memo_get(tu_env.st, k, now, &b));
    char code[48];
    bool evicted = false;
    for (int i = 0; i < 100000 && !evicted; i++) {
        snprintf(code, sizeof code, "CODE-%d", i);
        lookup_memo_key("10.0.0.1", code, 'p', "0912345678", other);
        if (((unsigned)other[0] << 8 | other[1]) % LOOKUP_MEMO_SLOTS != ((unsigned)k[0] << 8 | k[1]) % LOOKUP_MEMO_SLOTS)
            continue;
        lookup_memo_put(tu_env.st, other, store_write_count(tu_env.st), now, "z", 1);
        evicted = true;
    }
    cr_assert(evicted);
    buf_reset(&b);
    cr_assert_not(lookup_memo_get(tu_env.st, k, now, &b), "evicted by a key of the same slot");
    cr_assert(lookup_memo_get(tu_env.st, other, now, &b));
    cr_assert_eq(b.data[0], 'z');
    /* Bounded bodies: a larger one is not kept. */
    char *big = xcalloc(1, LOOKUP_MEMO_BODY_MAX + 1);
    lookup_memo_put(tu_env.st, k, store_write_count(tu_env.st), now, big, LOOKUP_MEMO_BODY_MAX + 1);
    free(big);
    cr_assert_not(lookup_memo_get(tu_env.st, k, now, &b));
    buf_free(&b);
    lookup_memo_ms = saved;
}

static char *public_body(const char *phone, const char *addr, long long *retry)
{
    lookup_proof_t p = {D_CODE, phone, NULL};
    buf_t b;
    buf_init(&b, 0);
    derr_t e = {0};
    *retry = 0;
    int rc = lookup_public(tu_env.st, &p, addr, LANG_VI, &b, retry, &e);
    if (rc < 0 || *retry > 0) {
        buf_free(&b);
        return NULL;
    }
    char *out = xstrdup(b.len ? b.data : "");
    buf_free(&b);
    return out;
}

static int status5_fn(db_t *db, void *arg)
{
    (void)arg;
    long long n = db_run(db, "UPDATE dossiers SET status = 5", "");
    return n < 0 ? (int)n : 0;
}

/* Through lookup_public: a passed proof is answered from the memo (a change made behind the store's back, as by
 * another process, is not seen) until a write of this process; failed proofs are never memoised, so a client
 * whose earlier success was memoised is still throttled after its failures. */
Test(lookup, public_memo_until_a_write_and_never_past_the_throttle)
{
    long long saved = lookup_memo_ms;
    lookup_memo_ms = 60000;
    put_dossier(4);
    long long retry = 0;
    char *a = public_body("0912345678", "10.0.2.1", &retry);
    cr_assert_not_null(a);
    cr_assert_not_null(strstr(a, "\"status\":4"));
    /* Another process (a second store on the same file: its writes do not move this store's counter). */
    store_t *o = NULL;
    cr_assert_eq(store_open(&o, &(store_opts_t){.url = tu_env.path}), 0);
    cr_assert_eq(store_write(o, status5_fn, NULL), 0);
    store_close(o);
    char *b = public_body("+84 912 345 678", "10.0.2.1", &retry);
    cr_assert_not_null(b);
    cr_assert_str_eq(b, a, "the same client, code and (normalised) phone: the memo answers");
    free(b);
    b = public_body("0912345678", "10.0.2.2", &retry);
    cr_assert_not_null(strstr(b, "\"status\":5"), "another client is not answered from this client's memo");
    free(b);
    cr_assert_eq(store_write(tu_env.st, noop_write, NULL), 0);
    b = public_body("0912345678", "10.0.2.1", &retry);
    cr_assert_not_null(strstr(b, "\"status\":5"), "after any write the next lookup reads again");
    free(b);
    /* Failures from the memoised client: each counted, then the right proof waits. */
    for (int i = 0; i < 3; i++) {
        cr_assert_null(public_body("0987654321", "10.0.2.1", &retry));
        cr_assert_eq(retry, 0);
    }
    cr_assert_eq(tu_int("SELECT failures FROM signin_throttle", NULL), 3, "every failure counted");
    cr_assert_null(public_body("0912345678", "10.0.2.1", &retry));
    cr_assert_gt(retry, 0, "throttled although its success was memoised");
    /* With the memo off the same: a direct change is seen at once. */
    lookup_memo_ms = 0;
    cr_assert_eq(tu_execf("UPDATE dossiers SET status = 6 WHERE id = '%s'", D_ID), 0);
    b = public_body("0912345678", "10.0.2.3", &retry);
    cr_assert_not_null(strstr(b, "\"status\":6"));
    free(b);
    cr_assert_eq(tu_execf("UPDATE dossiers SET status = 7 WHERE id = '%s'", D_ID), 0);
    b = public_body("0912345678", "10.0.2.3", &retry);
    cr_assert_not_null(strstr(b, "\"status\":7"), "no memo when lookup_memo_ms is 0");
    free(b);
    free(a);
    lookup_memo_ms = saved;
}

struct rate_ctx {
    lookup_rating_t in;
    derr_t          err;
};

static int rate_fn(db_t *db, void *arg)
{
    struct rate_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return lookup_rate(db, D_ID, &c->in, &c->err);
}

struct complaint_ctx {
    const principal_t *who;
    const char        *id, *text;
    complaint_t        out;
    derr_t             err;
};

static int file_fn(db_t *db, void *arg)
{
    struct complaint_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    complaint_clear(&c->out);
    return lookup_complaint_file(db, D_ID, c->id, c->text, NULL, 1000, &c->out, &c->err);
}

static int answer_fn(db_t *db, void *arg)
{
    struct complaint_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    complaint_clear(&c->out);
    return lookup_complaint_answer(db, c->who, c->id, c->text, 2000, &c->out, &c->err);
}

static int answer(const principal_t *who, const char *id, const char *text, derr_t *err)
{
    struct complaint_ctx c = {.who = who, .id = id, .text = text};
    int rc = store_write(tu_env.st, answer_fn, &c);
    *err = c.err;
    complaint_clear(&c.out);
    return rc;
}

Test(lookup, rating_complaints_and_rebuild)
{
    put_dossier(9);
    struct rate_ctx r = {{true, "Nhanh", NULL, 500}, {0}};
    cr_assert_eq(store_write(tu_env.st, rate_fn, &r), -EBUSY);
    cr_assert_eq(r.err.msg, MSG_LOOKUP_NOT_DELIVERED);
    cr_assert_eq(tu_exec("UPDATE dossiers SET status = 10"), 0);
    cr_assert_eq(store_write(tu_env.st, rate_fn, &r), 0);
    cr_assert_eq(store_write(tu_env.st, rate_fn, &r), -EEXIST);
    cr_assert_eq(r.err.status, 409);
    cr_assert_eq(tu_int("SELECT satisfied FROM dossier_ratings WHERE dossier_id = $1", D_ID), 1);

    char cid[ID_LEN + 1];
    id_new(cid);
    struct complaint_ctx f = {.id = cid, .text = "  "};
    cr_assert_eq(store_write(tu_env.st, file_fn, &f), -EINVAL);
    f.text = "Chưa nhận được kết quả";
    cr_assert_eq(store_write(tu_env.st, file_fn, &f), 0);
    cr_assert_str_eq(f.out.status, "open");
    complaint_clear(&f.out);

    principal_t lead, spec, other;
    tu_principal(&lead, "01JLEAD0000000000000000001", "staff");
    tu_grant(&lead, ROLE_LEADER, UNIT_A, PATH_A);
    tu_principal(&spec, "01JSPEC0000000000000000001", "staff");
    tu_grant(&spec, ROLE_SPECIALIST, UNIT_A, PATH_A);
    tu_principal(&other, "01JOTHR0000000000000000001", "staff");
    tu_grant(&other, ROLE_LEADER, UNIT_B, PATH_B);
    derr_t e;
    cr_assert_eq(answer(&other, cid, "Đã xử lý", &e), -ENOENT);
    cr_assert_eq(answer(&spec, cid, "Đã xử lý", &e), -EACCES);
    cr_assert_eq(e.status, 403);
    cr_assert_eq(answer(&lead, cid, " ", &e), -EINVAL);
    cr_assert_eq(answer(&lead, cid, "Đã xử lý", &e), 0);
    cr_assert_eq(answer(&lead, cid, "Lần hai", &e), -EBUSY);
    cr_assert_eq(e.msg, MSG_LOOKUP_ALREADY_ANSWERED);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM complaints WHERE status = 'answered' AND version = 2", NULL), 1);

    /* Only this module's projections (the dossier row was written by hand, not by an event). */
    const event_module_t *const mine[] = {&lookup_events, NULL};
    event_use_modules(mine);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(rep.applied, 3);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    event_use_modules(NULL);
}

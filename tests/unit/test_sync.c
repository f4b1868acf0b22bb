/* test_sync.c — domain/sync.h on the hub's side: enrolment (token once, expired, unknown), node -> hub batches
 * that continue the chain, a repeat and an overlap (harmless), a reorder and a gap (409, nothing written), a
 * tampered payload, a different event at a known seq and a broken prev_hash (422, nothing applied; the refusal
 * kept as evidence and the node flagged, then 423 until cleared), ownership (an event of a unit outside the node's
 * subtree), the hub's ledger verifying afterwards and a rebuild giving the same sync rows. Events are built here
 * with ledger_event_hash(), as a node's ledger_append() builds them. Suite sync runs on SQLite; store_sync runs the
 * same tests (but the rebuild) on PostgreSQL when MOTCUA_TEST_PG_URL is set. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "db/migrate.h"
#include "domain/event.h"
#include "domain/ledger.h"
#include "domain/sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unit_t root, prov, com, other;
static char node_id[ID_LEN + 1];

/* A fake node's chain: hashes[i] is the hash of event i (0 = genesis). */
static char hashes[64][65];
static json_t *typed(long long seq, const char *unit, const char *actor, const char *type, const char *entity,
                     const char *payload);
static json_t *one(json_t *e);

static json_t *event_json(long long seq, const char *unit, const char *payload, const char *prev)
{
    char h[65];
    long long at = 1700000000000LL + seq;
    cr_assert_eq(ledger_event_hash(prev, node_id, seq, at, unit, NULL, "test.note", "note:1", payload,
                                   strlen(payload), h), 0);
    return json_pack("{sI sI ss? sn ss ss ss ss ss}", "seq", (json_int_t)seq, "at", (json_int_t)at, "unit", unit,
                     "actor", "type", "test.note", "entity", "note:1", "payload", payload, "prev_hash", prev,
                     "hash", h);
}

/* Events first..last of the fake chain, all in the commune. */
static json_t *chain(long long first, long long last)
{
    json_t *a = json_array();
    for (long long s = first; s <= last; s++) {
        char payload[32];
        snprintf(payload, sizeof payload, "{\"n\":%lld}", s);
        json_t *e = event_json(s, com.id, payload, hashes[s - 1]);
        str_copy(hashes[s], sizeof hashes[s], json_string_value(json_object_get(e, "hash")));
        json_array_append_new(a, e);
    }
    return a;
}

static void build_hashes(long long upto)
{
    json_decref(chain(1, upto));
}

static int enrol_node(const char *token, derr_t *err)
{
    sync_enrol_t e = {.token = token, .node_id = node_id, .name = "test node",
                      .public_key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", .now = clock_now_ms()};
    buf_init(&e.answer, 0);
    int rc = store_write(tu_env.st, sync_enrol, &e);
    buf_free(&e.answer);
    if (err) *err = e.err;
    return rc;
}

static void issue(char token[RAND_TOKEN_LEN + 1], const char *unit, long long ttl_ms)
{
    sync_token_t t = {.unit_id = unit, .ttl_ms = ttl_ms, .now = clock_now_ms()};
    cr_assert_eq(store_write(tu_env.st, sync_token_create, &t), 0);
    memcpy(token, t.token, RAND_TOKEN_LEN + 1);
}

/* Units of this test only (no slugs: the PostgreSQL database is shared by every run), a node enrolled for com. */
static void fixture(void)
{
    tu_make_unit(NULL, "national", "Việt Nam", NULL, &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", NULL, &prov);
    tu_make_unit(prov.id, "commune", "Xã Cư Jút", NULL, &com);
    tu_make_unit(prov.id, "commune", "Xã Khác", NULL, &other);
    id_new(node_id);
    memcpy(hashes[0], LEDGER_GENESIS, 65);
    char token[RAND_TOKEN_LEN + 1];
    issue(token, com.id, 0);
    cr_assert_eq(enrol_node(token, NULL), 0);
}

static void setup(void)
{
    tu_open();
    fixture();
}

/* The same tests on PostgreSQL (MOTCUA_TEST_PG_URL; scripts/check's unit-postgres runs store*): tu_env.st is a
 * store on that database, migrated, with this database's node. */
static int pg_node_fn(db_t *db, void *arg) { return ledger_init_node(db, arg); }

static bool on_pg;   /* store_sync: the database is shared by parallel tests, so no whole-store digest */

static void pg_setup(void)
{
    on_pg = true;
    const char *url = getenv("MOTCUA_TEST_PG_URL");
    if (!url || !*url) cr_skip_test("MOTCUA_TEST_PG_URL not set");
    memset(&tu_env, 0, sizeof tu_env);
    cr_assert_eq(store_open(&tu_env.st, &(store_opts_t){.url = url}), 0);
    cr_assert_geq(migrate_up(tu_env.st), 0);
    cr_assert_eq(store_write(tu_env.st, pg_node_fn, "unit-test"), 0);
    fixture();
}

TestSuite(sync, .init = setup, .fini = tu_close);
TestSuite(store_sync, .init = pg_setup, .fini = tu_close);

/* A test of both suites: the body once, run on SQLite (sync) and on PostgreSQL (store_sync). */
#define BOTH(name)                                                                                                 \
    static void name##_body(void);                                                                                 \
    Test(sync, name) { name##_body(); }                                                                            \
    Test(store_sync, name##_pg) { name##_body(); }                                                                 \
    static void name##_body(void)

/* Send events (taken) as one batch: the status, with b filled. A refusal is recorded as the API does. */
static int send(json_t *events, sync_batch_t *b)
{
    memset(b, 0, sizeof *b);
    b->node_id = node_id;
    b->events = events;
    b->now = clock_now_ms();
    int rc = store_write(tu_env.st, sync_batch_apply, b);
    if (rc == -EBADMSG) {
        sync_refusal_t f = {.node_id = node_id, .reason = b->reason, .body = "{}", .body_len = 2,
                            .bad_seq = b->bad_seq, .now = b->now};
        cr_assert_eq(store_write(tu_env.st, sync_refuse, &f), 0);
    } else cr_assert_eq(rc, 0, "sync_batch_apply = %d", rc);
    json_decref(events);
    return b->status;
}

static long long node_events(void) { return tu_int("SELECT COUNT(*) FROM events WHERE node = $1", node_id); }
static long long head_seq(void) { return tu_int("SELECT seq FROM ledger_head WHERE node = $1", node_id); }

static void assert_verifies(void)
{
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "ledger broken: %s at %s:%lld", rep.reason, rep.node, rep.seq);
}

BOTH(enrolment_token_is_used_once_and_expires)
{
    char token[RAND_TOKEN_LEN + 1];
    derr_t err;
    id_new(node_id);
    cr_assert_eq(enrol_node("not-a-token", &err), -EACCES);
    cr_assert_eq(err.status, 401);
    issue(token, com.id, 0);
    cr_assert_eq(enrol_node(token, NULL), 0);
    id_new(node_id);
    cr_assert_eq(enrol_node(token, &err), -EEXIST);
    cr_assert_eq(err.msg, MSG_SYNC_TOKEN_USED);
    issue(token, com.id, 1);
    usleep(5000);
    cr_assert_eq(enrol_node(token, &err), -ETIMEDOUT);
    cr_assert_eq(err.status, 410);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sync_nodes WHERE unit_id = $1", com.id), 2);
}

struct racer {
    store_t    *st;
    const char *token;
    char        node[ID_LEN + 1];
    int         rc;
};

static void *race_enrol(void *arg)
{
    struct racer *r = arg;
    sync_enrol_t e = {.token = r->token, .node_id = r->node, .name = "racer",
                      .public_key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", .now = clock_now_ms()};
    buf_init(&e.answer, 0);
    r->rc = store_write(r->st, sync_enrol, &e);
    buf_free(&e.answer);
    return NULL;
}

BOTH(one_token_enrols_one_node_even_at_once)
{
    /* On PostgreSQL each racer has its own store (its own writer), as several hub processes have. */
    store_t *stores[4] = {0};
    for (int i = 0; i < 4; i++)
        if (on_pg) cr_assert_eq(store_open(&stores[i], &(store_opts_t){.url = getenv("MOTCUA_TEST_PG_URL")}), 0);
        else stores[i] = tu_env.st;
    char token[RAND_TOKEN_LEN + 1];
    issue(token, com.id, 0);
    for (int round = 0; round < 3; round++) {
        struct racer r[4];
        pthread_t t[4];
        for (int i = 0; i < 4; i++) {
            r[i].st = stores[i];
            r[i].token = token;
            id_new(r[i].node);
            cr_assert_eq(pthread_create(&t[i], NULL, race_enrol, &r[i]), 0);
        }
        int ok = 0;
        for (int i = 0; i < 4; i++) {
            pthread_join(t[i], NULL);
            ok += r[i].rc == 0;
            cr_assert(r[i].rc == 0 || r[i].rc == -EEXIST, "rc %d", r[i].rc);
        }
        cr_assert_eq(ok, round == 0 ? 1 : 0, "round %d: %d nodes enrolled with one token", round, ok);
    }
    for (int i = 0; on_pg && i < 4; i++) store_close(stores[i]);
    char hash[SHA256_HEX_LEN + 1];
    sha256_hex(token, strlen(token), hash);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sync_nodes n JOIN sync_enrolments e ON e.node_id = n.node_id "
                        "WHERE e.token_hash = $1", hash), 1);
}

BOTH(a_payload_that_is_no_json_object_is_refused)
{
    sync_batch_t b;
    json_t *a = json_array();
    json_array_append_new(a, typed(1, com.id, NULL, "test.note", "note:1", "[1]"));
    cr_assert_eq(send(a, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_APPLY_FAILED);
    cr_assert_eq(node_events(), 0);
}

BOTH(a_chain_whose_time_goes_back_is_refused)
{
    sync_batch_t b;
    cr_assert_eq(send(chain(1, 2), &b), 200);
    /* Event 3 is older than event 2: a rebuild in (at, node, seq) order would replay them out of the chain's. */
    char h[65];
    long long at = 1700000000000LL + 1;
    cr_assert_eq(ledger_event_hash(hashes[2], node_id, 3, at, com.id, NULL, "test.note", "note:1", "{}", 2, h), 0);
    json_t *a = one(json_pack("{sI sI ss sn ss ss ss ss ss}", "seq", (json_int_t)3, "at", (json_int_t)at, "unit",
                              com.id, "actor", "type", "test.note", "entity", "note:1", "payload", "{}",
                              "prev_hash", hashes[2], "hash", h));
    cr_assert_eq(send(a, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_CHAIN_BROKEN);
    cr_assert_eq(head_seq(), 2);
}

/* The node's side: ledger_append() never lets at go back along its own chain. */
static int append_fn(db_t *db, void *arg)
{
    (void)arg;
    ledger_event_t ev = {.type = "test.note", .entity = "note:1", .payload = "{}", .payload_len = 2};
    return ledger_append_to(db, &ev, NULL);
}

Test(sync, the_own_chains_time_never_goes_back)
{
    cr_assert_eq(store_write(tu_env.st, append_fn, NULL), 0);
    long long last = tu_int("SELECT MAX(seq) FROM events WHERE node = (SELECT node FROM ledger_head WHERE is_self = 1)", NULL);
    cr_assert_geq(tu_execf("UPDATE events SET at = at + 3600000 WHERE seq = %lld AND node = (SELECT node FROM "
                           "ledger_head WHERE is_self = 1)", last), 0);   /* as if the clock was an hour ahead */
    cr_assert_eq(store_write(tu_env.st, append_fn, NULL), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events a JOIN events b ON b.node = a.node AND b.seq = a.seq + 1 "
                        "WHERE b.at < a.at", NULL), 0);
}

BOTH(a_national_unit_has_no_node)
{
    sync_token_t t = {.unit_id = root.id, .now = clock_now_ms()};
    cr_assert_lt(store_write(tu_env.st, sync_token_create, &t), 0);
    cr_assert_eq(t.err.status, 422);
}

BOTH(batches_continue_the_chain)
{
    sync_batch_t b;
    cr_assert_eq(send(chain(1, 3), &b), 200);
    cr_assert_eq(b.seq, 3);
    cr_assert_eq(b.kept, 3, "test.note has no module: kept in the chain, not applied");
    cr_assert_eq(b.applied, 0);
    cr_assert_str_eq(b.hash, hashes[3]);
    cr_assert_eq(send(chain(4, 5), &b), 200);
    cr_assert_eq(b.seq, 5);
    cr_assert_eq(node_events(), 5);
    cr_assert_eq(head_seq(), 5);
    assert_verifies();
}

BOTH(a_repeat_or_an_overlap_is_harmless)
{
    sync_batch_t b;
    cr_assert_eq(send(chain(1, 3), &b), 200);
    cr_assert_eq(send(chain(1, 3), &b), 200);
    cr_assert_eq(b.skipped, 3);
    cr_assert_eq(b.kept + b.applied, 0);
    cr_assert_eq(b.seq, 3);
    cr_assert_eq(send(chain(2, 4), &b), 200);
    cr_assert_eq(b.skipped, 2);
    cr_assert_eq(b.kept, 1);
    cr_assert_eq(node_events(), 4);
    assert_verifies();
}

BOTH(a_gap_or_a_reorder_answers_the_checkpoint_and_writes_nothing)
{
    sync_batch_t b;
    build_hashes(4);
    json_t *rev = json_array();
    json_t *c = chain(1, 2);
    json_array_append(rev, json_array_get(c, 1));
    json_array_append(rev, json_array_get(c, 0));
    json_decref(c);
    cr_assert_eq(send(rev, &b), 409);
    cr_assert_eq(b.seq, 0);
    cr_assert_eq(node_events(), 0);
    cr_assert_eq(send(chain(1, 1), &b), 200);
    cr_assert_eq(send(chain(3, 4), &b), 409);
    cr_assert_eq(b.seq, 1);
    cr_assert_str_eq(b.hash, hashes[1]);
    cr_assert_eq(node_events(), 1);
    cr_assert_eq(send(chain(2, 4), &b), 200);
    cr_assert_eq(b.seq, 4);
}

BOTH(a_tampered_event_is_refused_kept_and_flags_the_node)
{
    sync_batch_t b;
    json_t *c = chain(1, 2);
    json_object_set_new(json_array_get(c, 1), "payload", json_string("{\"n\":999}"));
    cr_assert_eq(send(c, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_HASH_BAD);
    cr_assert_eq(b.bad_seq, 2);
    cr_assert_eq(node_events(), 0, "nothing of a refused batch is applied");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sync_refused WHERE node = $1", node_id), 1);
    char state[16];
    cr_assert_eq(tu_text("SELECT state FROM sync_nodes WHERE node_id = $1", node_id, state, sizeof state), 0);
    cr_assert_str_eq(state, "flagged");
    cr_assert_eq(send(chain(1, 1), &b), 423, "a flagged node is locked out");
    sync_clear_t cl = {.node_id = node_id};
    cr_assert_eq(store_write(tu_env.st, sync_clear_node, &cl), 0);
    cr_assert_eq(send(chain(1, 2), &b), 200);
    cr_assert_eq(b.seq, 2);
    assert_verifies();
}

BOTH(a_different_event_at_a_known_seq_is_refused)
{
    sync_batch_t b;
    cr_assert_eq(send(chain(1, 2), &b), 200);
    json_t *a = json_array();
    json_array_append_new(a, event_json(2, com.id, "{\"n\":\"other\"}", hashes[1]));
    cr_assert_eq(send(a, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_SEQ_CONFLICT);
    cr_assert_eq(node_events(), 2);
}

BOTH(a_chain_that_does_not_continue_is_refused)
{
    sync_batch_t b;
    cr_assert_eq(send(chain(1, 1), &b), 200);
    json_t *a = json_array();
    json_array_append_new(a, event_json(2, com.id, "{\"n\":2}", LEDGER_GENESIS));
    cr_assert_eq(send(a, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_CHAIN_BROKEN);
    cr_assert_eq(head_seq(), 1);
}

BOTH(an_event_of_another_unit_is_refused)
{
    sync_batch_t b;
    json_t *a = json_array();
    json_array_append_new(a, event_json(1, other.id, "{\"n\":1}", LEDGER_GENESIS));
    cr_assert_eq(send(a, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_OWNERSHIP);
    a = json_array();
    json_array_append_new(a, event_json(1, NULL, "{\"n\":1}", LEDGER_GENESIS));
    sync_clear_t cl = {.node_id = node_id};
    cr_assert_eq(store_write(tu_env.st, sync_clear_node, &cl), 0);
    cr_assert_eq(send(a, &b), 200, "an event of no unit is anybody's");
}

/* ---- replica guards: the hub applies only what the node owns ---- */

/* Event seq of the fake chain (after hashes[seq - 1]), of any type; hashes[seq] is kept. */
static json_t *typed(long long seq, const char *unit, const char *actor, const char *type, const char *entity,
                     const char *payload)
{
    char h[65];
    long long at = 1700000000000LL + seq;
    cr_assert_eq(ledger_event_hash(hashes[seq - 1], node_id, seq, at, unit, actor, type, entity, payload,
                                   strlen(payload), h), 0);
    str_copy(hashes[seq], sizeof hashes[seq], h);
    return json_pack("{sI sI ss? ss? ss ss ss ss ss}", "seq", (json_int_t)seq, "at", (json_int_t)at, "unit", unit,
                     "actor", actor, "type", type, "entity", entity, "payload", payload, "prev_hash",
                     hashes[seq - 1], "hash", h);
}

static json_t *one(json_t *e)
{
    json_t *a = json_array();
    json_array_append_new(a, e);
    return a;
}

/* The payload of an intake of dossier id in unit u (every NOT NULL column), counted under agency. */
static char *intake_text(const char *id, const char *code, const unit_t *u, const char *agency)
{
    json_t *d = json_pack("{ss ss ss ss ss ss sI ss ss si si si ss si sI si sn sn ss ss ss ss ss sI sI sI si}",
                          "id", id, "code", code, "unit_id", u->id, "unit_path", u->path, "origin_path", u->path,
                          "procedure_code", "1.000001", "procedure_version", (json_int_t)1, "procedure_name", "Thủ tục",
                          "field", "Hộ tịch", "channel", 1, "status", 2, "step", 1, "plan", "[]", "time_rule", 1,
                          "work_minutes", (json_int_t)480, "supplement_rule", 1, "assignee_id", "department",
                          "applicant_kind", "person", "applicant_name", "Nguyễn Văn A", "id_number", "001",
                          "phone", "0900", "address", "Thôn 1", "received_at", (json_int_t)1700000000000LL,
                          "created_at", (json_int_t)1700000000000LL, "updated_at", (json_int_t)1700000000000LL,
                          "version", 1);
    json_object_set_new(d, "supplement_count", json_integer(0));
    json_object_set_new(d, "extended", json_integer(0));
    json_t *root = json_pack("{so s[] s{ss ss si} sn s{si ss si si si si}}", "dossier", d, "papers", "counter",
                             "agency", agency, "day", "231114", "seq", 1, "idempotency", "log", "n", 1, "action",
                             "receive", "step", 1, "at", 1700000000000LL, "status_before", 1, "status_after", 2);
    char *t = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return t;
}

/* The payload of an action on dossier id leaving it in unit u with status, its log line n. */
static char *action_text(const char *id, const unit_t *u, int status, int n)
{
    json_t *root = json_pack("{ss s{ss ss si si si si sI si} s{si ss si si si si}}", "id", id, "after", "unit_id",
                             u->id, "unit_path", u->path, "status", status, "step", 1, "supplement_count", 0,
                             "extended", 0, "updated_at", (json_int_t)1700000000500LL, "version", n, "log", "n", n,
                             "action", "accept", "step", 1, "at", 1700000000500LL, "status_before", 2,
                             "status_after", status);
    char *t = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return t;
}

static void raw_payload(jw_t *w, const void *arg) { jw_raw(w, arg, strlen(arg)); }

struct hub_intake {
    const char *unit, *id, *text;
};

static int hub_intake_fn(db_t *db, void *arg)
{
    const struct hub_intake *h = arg;
    return event_record(db, h->unit, NULL, "dossier.received", "dossier", h->id, raw_payload, h->text, NULL);
}

static void edi_codes(void)
{
    cr_assert_geq(tu_execf("UPDATE units SET edi_code = 'G.%s' WHERE id = '%s'", com.id, com.id), 0);
    cr_assert_geq(tu_execf("UPDATE units SET edi_code = 'G.%s' WHERE id = '%s'", other.id, other.id), 0);
}

static long long dossiers_of(const char *unit) { return tu_int("SELECT COUNT(*) FROM dossiers WHERE unit_id = $1", unit); }

static void assert_refused_ownership(json_t *events, long long bad_seq)
{
    sync_batch_t b;
    long long before = node_events();
    cr_assert_eq(send(events, &b), 422);
    cr_assert_eq(b.msg, MSG_SYNC_OWNERSHIP, "msg %d: %s", (int)b.msg, b.reason);
    cr_assert_eq(b.bad_seq, bad_seq);
    cr_assert_eq(node_events(), before, "nothing of a refused batch is kept");
    char state[16];
    cr_assert_eq(tu_text("SELECT state FROM sync_nodes WHERE node_id = $1", node_id, state, sizeof state), 0);
    cr_assert_str_eq(state, "flagged");
    sync_clear_t cl = {.node_id = node_id};
    cr_assert_eq(store_write(tu_env.st, sync_clear_node, &cl), 0);
}

BOTH(the_nodes_own_dossier_events_replicate)
{
    edi_codes();
    sync_batch_t b;
    char id[ID_LEN + 1], code[96], agency[64];
    id_new(id);
    snprintf(agency, sizeof agency, "G.%s", com.id);
    snprintf(code, sizeof code, "%s-231114-0001", agency);
    char *in = intake_text(id, code, &com, agency), *act = action_text(id, &com, 4, 2);
    char ent[ID_LEN + 9];
    snprintf(ent, sizeof ent, "dossier:%s", id);
    json_t *a = json_array();
    json_array_append_new(a, typed(1, com.id, NULL, "dossier.received", ent, in));
    json_array_append_new(a, typed(2, com.id, NULL, "dossier.accepted", ent, act));
    cr_assert_eq(send(a, &b), 200, "%s", b.reason);
    cr_assert_eq(b.applied, 2);
    cr_assert_eq(b.kept, 0);
    cr_assert_eq(tu_int("SELECT status FROM dossiers WHERE id = $1", id), 4);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_steps WHERE dossier_id = $1", id), 2);
    cr_assert_eq(tu_int("SELECT seq FROM dossier_counters WHERE agency = $1", agency), 1);
    free(in);
    free(act);
    assert_verifies();
}

BOTH(an_intake_into_another_commune_is_refused)
{
    edi_codes();
    char id[ID_LEN + 1], code[96], agency[64], ent[ID_LEN + 9];
    id_new(id);
    snprintf(ent, sizeof ent, "dossier:%s", id);
    /* The dossier's unit is the other commune (the event's unit is the node's own). */
    snprintf(agency, sizeof agency, "G.%s", other.id);
    snprintf(code, sizeof code, "%s-231114-0001", agency);
    char *in = intake_text(id, code, &other, agency);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.received", ent, in)), 1);
    free(in);
    /* Its own unit, but the other commune's counter (its day sequence would move). */
    in = intake_text(id, code, &com, agency);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.received", ent, in)), 1);
    free(in);
    /* The entity names another dossier than the payload's. */
    snprintf(agency, sizeof agency, "G.%s", com.id);
    snprintf(code, sizeof code, "%s-231114-0001", agency);
    in = intake_text(id, code, &com, agency);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.received", "dossier:0123456789abcdef01234567", in)), 1);
    /* unit_id in the commune, unit_path the other's (visibility goes by the path). */
    json_t *v = json_loads(in, 0, NULL);
    json_object_set_new(json_object_get(v, "dossier"), "unit_path", json_string(other.path));
    char *mixed = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.received", ent, mixed)), 1);
    free(mixed);
    free(in);
    cr_assert_eq(dossiers_of(com.id) + dossiers_of(other.id), 0);
}

BOTH(an_action_on_another_communes_dossier_is_refused)
{
    edi_codes();
    char id[ID_LEN + 1], code[96], agency[64], ent[ID_LEN + 9];
    id_new(id);
    snprintf(ent, sizeof ent, "dossier:%s", id);
    snprintf(agency, sizeof agency, "G.%s", other.id);
    snprintf(code, sizeof code, "%s-231114-0009", agency);
    char *in = intake_text(id, code, &other, agency);
    struct hub_intake h = {other.id, id, in};
    cr_assert_eq(store_write(tu_env.st, hub_intake_fn, &h), 0, "the hub's own dossier of the other commune");
    free(in);
    char digest[65] = "", after[65] = "", row[512], row_after[512];
    if (!on_pg) cr_assert_eq(event_digest(tu_env.st, digest), 0);
    static const char *const row_sql = "SELECT unit_id || unit_path || status || version || updated_at || "
                                       "(SELECT COUNT(*) FROM dossier_steps WHERE dossier_id = $1) FROM dossiers "
                                       "WHERE id = $1";
    cr_assert_eq(tu_text(row_sql, id, row, sizeof row), 0);
    /* Moved into the node's commune, or changed in place: both touch a row the node does not own. */
    char *act = action_text(id, &com, 4, 2);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.accepted", ent, act)), 1);
    free(act);
    act = action_text(id, &other, 10, 2);
    assert_refused_ownership(one(typed(1, com.id, NULL, "dossier.stopped", ent, act)), 1);
    free(act);
    if (!on_pg) cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(digest, after, "the hub's projections are unchanged");
    cr_assert_eq(tu_text(row_sql, id, row_after, sizeof row_after), 0);
    cr_assert_str_eq(row, row_after);
    cr_assert_eq(tu_int("SELECT status FROM dossiers WHERE id = $1", id), 2);
}

BOTH(unguarded_types_are_kept_but_not_applied)
{
    /* A second node, flagged: a forged sync.node_cleared of the first must not clear it. */
    char first[ID_LEN + 1], second[ID_LEN + 1], token[RAND_TOKEN_LEN + 1];
    memcpy(first, node_id, sizeof first);
    id_new(node_id);
    issue(token, other.id, 0);
    cr_assert_eq(enrol_node(token, NULL), 0);
    memcpy(second, node_id, sizeof second);
    sync_refusal_t f = {.node_id = second, .reason = "test", .body = "{}", .body_len = 2, .bad_seq = 1,
                        .now = clock_now_ms()};
    cr_assert_eq(store_write(tu_env.st, sync_refuse, &f), 0);
    memcpy(node_id, first, sizeof node_id);
    char digest[65] = "", after[65] = "";
    if (!on_pg) cr_assert_eq(event_digest(tu_env.st, digest), 0);
    long long procs = tu_int("SELECT COUNT(*) FROM procedures WHERE name = $1", "Giả");
    char cleared[64], uid[ID_LEN + 1], aid[ID_LEN + 1], unit_p[512], acc_p[512], proc_p[256], ent_u[64], ent_a[64],
        ent_n[64];
    snprintf(cleared, sizeof cleared, "{\"node_id\":\"%s\"}", second);
    snprintf(ent_n, sizeof ent_n, "sync_node:%s", second);
    id_new(uid);
    id_new(aid);
    snprintf(unit_p, sizeof unit_p, "{\"id\":\"%s\",\"parent_id\":\"%s\",\"kind\":\"commune\",\"name\":\"Xã giả\"}",
             uid, prov.id);
    snprintf(acc_p, sizeof acc_p, "{\"id\":\"%s\",\"kind\":\"staff\",\"username\":\"evil\",\"unit_id\":\"%s\","
             "\"roles\":[{\"role\":\"admin\",\"unit_id\":\"%s\"}]}", aid, root.id, root.id);
    snprintf(proc_p, sizeof proc_p, "{\"scope\":\"\",\"code\":\"1.000001\",\"name\":\"Giả\",\"active\":true}");
    snprintf(ent_u, sizeof ent_u, "unit:%s", uid);
    snprintf(ent_a, sizeof ent_a, "account:%s", aid);
    json_t *a = json_array();
    json_array_append_new(a, typed(1, NULL, NULL, "procedure.saved", "procedure:1.000001", proc_p));
    json_array_append_new(a, typed(2, com.id, NULL, "unit.created", ent_u, unit_p));
    json_array_append_new(a, typed(3, com.id, NULL, "account.created", ent_a, acc_p));
    json_array_append_new(a, typed(4, NULL, NULL, "sync.node_cleared", ent_n, cleared));
    sync_batch_t b;
    cr_assert_eq(send(a, &b), 200, "%s", b.reason);
    cr_assert_eq(b.kept, 4);
    cr_assert_eq(b.applied, 0);
    cr_assert_eq(node_events(), 4, "kept in the chain");
    assert_verifies();
    if (!on_pg) cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(digest, after, "nothing applied");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM procedures WHERE name = $1", "Giả"), procs);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE id = $1", uid), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE id = $1", aid), 0);
    char state[16];
    cr_assert_eq(tu_text("SELECT state FROM sync_nodes WHERE node_id = $1", second, state, sizeof state), 0);
    cr_assert_str_eq(state, "flagged");
}

static char *paper_text(const char *id, const char *owner, const char *unit)
{
    json_t *v = json_pack("{ss ss ss si ss ss sb ss? sI}", "id", id, "owner", owner, "sha256",
                          "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size", 4, "media_type",
                          "application/pdf", "name", "Giấy.pdf", "digitized", 0, "unit_id", unit, "at",
                          (json_int_t)1700000000000LL);
    char *t = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    return t;
}

static int hub_paper_fn(db_t *db, void *arg)
{
    const struct { const char *id, *text; } *h = arg;
    return event_record(db, NULL, NULL, "paper.uploaded", "paper", h->id, raw_payload, h->text, NULL);
}

BOTH(papers_and_documents_of_another_unit_are_refused)
{
    char pid[ID_LEN + 1], owner[ID_LEN + 1], ent[ID_LEN + 9];
    id_new(pid);
    id_new(owner);
    snprintf(ent, sizeof ent, "paper:%s", pid);
    char *t = paper_text(pid, owner, other.id);
    assert_refused_ownership(one(typed(1, com.id, NULL, "paper.uploaded", ent, t)), 1);
    free(t);
    /* The node's own paper, then a citizen's (no unit) that its own chain uploaded: both applied. */
    t = paper_text(pid, owner, com.id);
    sync_batch_t b;
    json_t *a = json_array();
    json_array_append_new(a, typed(1, com.id, NULL, "paper.uploaded", ent, t));
    free(t);
    char pid2[ID_LEN + 1], ent2[ID_LEN + 9], upd[128];
    id_new(pid2);
    snprintf(ent2, sizeof ent2, "paper:%s", pid2);
    t = paper_text(pid2, owner, NULL);
    json_array_append_new(a, typed(2, NULL, NULL, "paper.uploaded", ent2, t));
    free(t);
    snprintf(upd, sizeof upd, "{\"id\":\"%s\",\"name\":\"B.pdf\",\"version\":2,\"at\":1700000000001}", pid2);
    json_array_append_new(a, typed(3, NULL, NULL, "paper.updated", ent2, upd));
    cr_assert_eq(send(a, &b), 200, "%s", b.reason);
    cr_assert_eq(b.applied, 3);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM papers WHERE id = $1", pid), 1);
    /* A citizen's paper (no unit) the hub itself holds: the node may not touch it. */
    char hp[ID_LEN + 1], hent[ID_LEN + 9], hupd[128];
    id_new(hp);
    snprintf(hent, sizeof hent, "paper:%s", hp);
    t = paper_text(hp, owner, NULL);
    struct hub_paper { const char *id, *text; } hpp = {hp, t};
    cr_assert_eq(store_write(tu_env.st, hub_paper_fn, &hpp), 0);
    free(t);
    snprintf(hupd, sizeof hupd, "{\"id\":\"%s\",\"name\":\"C.pdf\",\"version\":2,\"at\":1700000000002}", hp);
    assert_refused_ownership(one(typed(4, NULL, NULL, "paper.updated", hent, hupd)), 4);
    cr_assert_eq(tu_int("SELECT version FROM papers WHERE id = $1", hp), 1);
    /* A document registered in the other commune. */
    char did[ID_LEN + 1], dent[ID_LEN + 10], doc[512];
    id_new(did);
    snprintf(dent, sizeof dent, "document:%s", did);
    snprintf(doc, sizeof doc, "{\"id\":\"%s\",\"direction\":\"in\",\"unit_id\":\"%s\",\"unit_path\":\"%s\","
             "\"year\":2023,\"number\":1}", did, other.id, other.path);
    assert_refused_ownership(one(typed(4, com.id, NULL, "document.incoming_registered", dent, doc)), 4);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM documents WHERE id = $1", did), 0);
}

Test(sync, a_rebuild_replays_replicas_as_they_were_applied)
{
    edi_codes();
    sync_batch_t b;
    char id[ID_LEN + 1], code[96], agency[64], ent[ID_LEN + 9], cleared[64], ent_n[64];
    id_new(id);
    snprintf(ent, sizeof ent, "dossier:%s", id);
    snprintf(agency, sizeof agency, "G.%s", com.id);
    snprintf(code, sizeof code, "%s-231114-0001", agency);
    char *in = intake_text(id, code, &com, agency);
    /* The node's own sync.node_flagged of itself (unguarded: kept only) would flag it on a naive replay. */
    snprintf(cleared, sizeof cleared, "{\"node_id\":\"%s\",\"reason\":\"x\",\"at\":1}", node_id);
    snprintf(ent_n, sizeof ent_n, "sync_node:%s", node_id);
    json_t *a = json_array();
    json_array_append_new(a, typed(1, com.id, NULL, "dossier.received", ent, in));
    json_array_append_new(a, typed(2, NULL, NULL, "sync.node_flagged", ent_n, cleared));
    cr_assert_eq(send(a, &b), 200, "%s", b.reason);
    free(in);
    char before[65], after[65];
    event_rebuild_report_t rep;
    /* edi_codes() set the units' codes by SQL, outside any event: a first rebuild (units are apply-based and rebuilt
     * in place) drops that; from then on a rebuild must give the same rows, replicas replayed as applied. */
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers WHERE id = $1", id), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sync_nodes WHERE state = 'active' AND node_id = $1", node_id), 1);
}

struct lag_seen {
    int       n;
    long long lag_events, seq;
};

static int lag_cb(const sync_node_t *n, void *arg)
{
    struct lag_seen *l = arg;
    l->n++;
    l->lag_events = n->lag_events;
    l->seq = n->seq;
    return 0;
}

static int status_fn(db_t *db, void *arg) { return sync_status_each(db, com.path, clock_now_ms(), lag_cb, arg); }

static int totals_fn(db_t *db, void *arg) { return sync_totals(db, com.path, arg); }

BOTH(status_counts_the_lag_and_the_refusals)
{
    sync_batch_t b;
    build_hashes(6);
    json_t *c = chain(1, 2);
    memset(&b, 0, sizeof b);
    b.node_id = node_id;
    b.events = c;
    b.head_seq = 6;                       /* the node says its chain holds 6 events */
    b.head_at = clock_now_ms();
    b.now = clock_now_ms();
    cr_assert_eq(store_write(tu_env.st, sync_batch_apply, &b), 0);
    json_decref(c);
    struct lag_seen l = {0};
    cr_assert_eq(store_read(tu_env.st, status_fn, &l), 0);
    cr_assert_eq(l.n, 1);
    cr_assert_eq(l.seq, 2);
    cr_assert_eq(l.lag_events, 4);
    json_t *bad = chain(3, 3);
    json_object_set_new(json_array_get(bad, 0), "payload", json_string("{}"));
    cr_assert_eq(send(bad, &b), 422);
    sync_totals_t t;
    cr_assert_eq(store_read(tu_env.st, totals_fn, &t), 0);
    cr_assert_eq(t.nodes, 1);
    cr_assert_eq(t.flagged, 1);
    cr_assert_eq(t.refused, 1);
}

Test(sync, a_rebuild_gives_the_same_sync_rows)
{
    sync_batch_t b;
    json_t *c = chain(1, 2);
    json_object_set_new(json_array_get(c, 0), "payload", json_string("{}"));
    cr_assert_eq(send(c, &b), 422);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sync_nodes WHERE state = 'flagged' AND unit_id = $1", com.id), 1);
}

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
#include "db/migrate.h"
#include "domain/event.h"
#include "domain/ledger.h"
#include "domain/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unit_t root, prov, com, other;
static char node_id[ID_LEN + 1];

/* A fake node's chain: hashes[i] is the hash of event i (0 = genesis). */
static char hashes[64][65];

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

static void pg_setup(void)
{
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
    cr_assert_eq(b.applied, 3);
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
    cr_assert_eq(b.applied, 0);
    cr_assert_eq(b.seq, 3);
    cr_assert_eq(send(chain(2, 4), &b), 200);
    cr_assert_eq(b.skipped, 2);
    cr_assert_eq(b.applied, 1);
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

/* test_ledger.c — domain/ledger.h, the hash-chained event log: node identity, the canonical form (checked byte for
 * byte against a hand-written string), hashes recomputed independently with SHA-256, gap-free sequences (also
 * under concurrent writers), rollback, and ledger_verify() catching every kind of tampering: an altered payload,
 * hash, prev_hash or field, a deleted first / middle / last event, a renumbered (gap) event, an altered head, a
 * chain emptied entirely, and a second node's chain; a chain with no ledger_head row (fabricated), text with a NUL
 * and hidden bytes after it, truncation and a rehashed rewrite caught only by an expected head (--expect-head),
 * a ledger longer than one keyset page, and append refusing a payload with a NUL. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "db/migrate.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "domain/ledger.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

struct append_ctx {
    ledger_event_t ev;
    long long      seq;
    int            fail_after;      /* return -EPROTO after appending: the transaction must roll back */
};

static int append_fn(db_t *db, void *arg)
{
    struct append_ctx *c = arg;
    int rc = ledger_append(db, &c->ev, &c->seq);
    if (rc == 0 && c->fail_after) return -EPROTO;
    return rc;
}

/* Append one event with payload {"i":n}; returns its sequence number (asserts success). */
static long long append_n(int n)
{
    char payload[32];
    snprintf(payload, sizeof payload, "{\"i\":%d}", n);
    struct append_ctx c = {.ev = {.unit_id = NULL, .actor = NULL, .type = "test.event", .entity = "test:1",
                                  .payload = payload}};
    int rc = store_write(tu_env.st, append_fn, &c);
    cr_assert_eq(rc, 0, "ledger_append = %d", rc);
    return c.seq;
}

static void self_node(char node[ID_LEN + 1])
{
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_id'", NULL, node, ID_LEN + 1), 0);
}

static ledger_report_t verify(void)
{
    ledger_report_t rep;
    memset(&rep, 0x5a, sizeof rep);
    int rc = ledger_verify(tu_env.st, &rep);
    cr_assert_eq(rc, 0, "ledger_verify = %d", rc);
    return rep;
}

static void assert_broken_at(const ledger_report_t *rep, long long seq, const char *reason_part)
{
    cr_assert_eq(rep->broken, 1, "tampering not detected");
    cr_assert_eq(rep->seq, seq, "reported seq %lld, expected %lld (%s)", rep->seq, seq, rep->reason);
    cr_assert_not_null(strstr(rep->reason, reason_part), "reason \"%s\" lacks \"%s\"", rep->reason, reason_part);
}

TestSuite(ledger, .init = tu_open, .fini = tu_close);

/* ---- node identity ---- */

static int init_again_fn(db_t *db, void *arg)
{
    int rc = ledger_init_node(db, "another name");
    if (rc == 0) rc = ledger_self_node(db, (char *)arg, ID_LEN + 1);
    return rc;
}

Test(ledger, init_node_once)
{
    char node[ID_LEN + 1], again[ID_LEN + 1];
    self_node(node);
    cr_assert(id_valid(node), "node id %s", node);
    char name[64];
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_name'", NULL, name, sizeof name), 0);
    cr_assert_str_eq(name, "unit-test");
    cr_assert_eq(tu_int("SELECT seq FROM ledger_head WHERE is_self = 1", NULL), 0);
    char hash[80];
    cr_assert_eq(tu_text("SELECT hash FROM ledger_head WHERE node = $1", node, hash, sizeof hash), 0);
    cr_assert_str_eq(hash, LEDGER_GENESIS);
    /* A second init keeps the identity and the name. */
    cr_assert_eq(store_write(tu_env.st, init_again_fn, again), 0);
    cr_assert_str_eq(again, node);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM ledger_head", NULL), 1);
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_name'", NULL, name, sizeof name), 0);
    cr_assert_str_eq(name, "unit-test");
}

static int self_fn(db_t *db, void *arg)
{
    return ledger_self_node(db, (char *)arg, ID_LEN + 1);
}

static void open_unmigrated(void) { tu_open_store(0); }

Test(ledger_bare, self_node_without_init, .init = open_unmigrated, .fini = tu_close)
{
    cr_assert_geq(migrate_up(tu_env.st), 1);
    char node[ID_LEN + 1];
    cr_assert_eq(store_read(tu_env.st, self_fn, node), -ENOENT);
    /* And appending without a node has no chain head to take a number from. */
    struct append_ctx c = {.ev = {.type = "t", .payload = "{}"}};
    cr_assert_lt(store_write(tu_env.st, append_fn, &c), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), 0);
}

/* ---- canonical form ---- */

Test(ledger, canonical_form_exact_bytes)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = ledger_canonical(&b, "NODE", 12, 1700000000123LL, "UNIT", "ACTOR", "unit.created", "unit:UNIT",
                              "{\"name\":\"Xã Ia Ly\"}", strlen("{\"name\":\"Xã Ia Ly\"}"));
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(b.data, "{\"v\":1,\"node\":\"NODE\",\"seq\":12,\"at\":1700000000123,\"unit\":\"UNIT\","
                             "\"actor\":\"ACTOR\",\"type\":\"unit.created\",\"entity\":\"unit:UNIT\","
                             "\"payload\":{\"name\":\"Xã Ia Ly\"}}");
    buf_reset(&b);
    /* NULL unit / actor / entity are JSON null; only payload_len bytes of the payload are used. */
    rc = ledger_canonical(&b, "N", 1, 0, NULL, NULL, "t", NULL, "[1,2]xyz", 5);
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(b.data, "{\"v\":1,\"node\":\"N\",\"seq\":1,\"at\":0,\"unit\":null,\"actor\":null,\"type\":\"t\","
                             "\"entity\":null,\"payload\":[1,2]}");
    buf_reset(&b);
    cr_assert_eq(ledger_canonical(&b, "N", 1, 0, NULL, NULL, "bad\xFF", NULL, "{}", 2), -EILSEQ);
    buf_free(&b);
}

/* ---- append ---- */

Test(ledger, append_chains_hashes)
{
    char node[ID_LEN + 1];
    self_node(node);
    for (int i = 1; i <= 3; i++) cr_assert_eq(append_n(i), i);
    char prev[SHA256_HEX_LEN + 1] = LEDGER_GENESIS;
    for (int i = 1; i <= 3; i++) {
        char seq[16], got_prev[80], got_hash[80], payload[64];
        snprintf(seq, sizeof seq, "%d", i);
        cr_assert_eq(tu_text("SELECT prev_hash FROM events WHERE seq = CAST($1 AS INTEGER)", seq, got_prev,
                             sizeof got_prev), 0);
        cr_assert_eq(tu_text("SELECT hash FROM events WHERE seq = CAST($1 AS INTEGER)", seq, got_hash,
                             sizeof got_hash), 0);
        cr_assert_eq(tu_text("SELECT payload FROM events WHERE seq = CAST($1 AS INTEGER)", seq, payload,
                             sizeof payload), 0);
        long long at = tu_int("SELECT at FROM events WHERE seq = CAST($1 AS INTEGER)", seq);
        cr_assert_str_eq(got_prev, prev, "event %d prev_hash", i);
        char want_payload[32];
        snprintf(want_payload, sizeof want_payload, "{\"i\":%d}", i);
        cr_assert_str_eq(payload, want_payload, "the payload is stored exactly as written");
        /* Recompute the hash from a hand-built canonical string. */
        char canon[512];
        snprintf(canon, sizeof canon,
                 "%s{\"v\":1,\"node\":\"%s\",\"seq\":%d,\"at\":%lld,\"unit\":null,\"actor\":null,\"type\":\"test.event\","
                 "\"entity\":\"test:1\",\"payload\":%s}",
                 prev, node, i, at, want_payload);
        char want[SHA256_HEX_LEN + 1];
        sha256_hex(canon, strlen(canon), want);
        cr_assert_str_eq(got_hash, want, "event %d hash", i);
        memcpy(prev, got_hash, sizeof prev);
    }
    char head[80];
    cr_assert_eq(tu_int("SELECT seq FROM ledger_head WHERE node = $1", node), 3);
    cr_assert_eq(tu_text("SELECT hash FROM ledger_head WHERE node = $1", node, head, sizeof head), 0);
    cr_assert_str_eq(head, prev, "head hash is the last event's hash");
}

Test(ledger, append_stores_fields_and_explicit_length)
{
    struct append_ctx c = {.ev = {.unit_id = "U1", .actor = "A1", .type = "x.y", .entity = "x:1",
                                  .payload = "{\"k\":true}garbage", .payload_len = 10}};
    cr_assert_eq(store_write(tu_env.st, append_fn, &c), 0);
    cr_assert_eq(c.seq, 1);
    char t[64];
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE seq = 1", NULL, t, sizeof t), 0);
    cr_assert_str_eq(t, "{\"k\":true}");
    cr_assert_eq(tu_text("SELECT unit_id || '|' || actor || '|' || type || '|' || entity FROM events", NULL, t,
                         sizeof t), 0);
    cr_assert_str_eq(t, "U1|A1|x.y|x:1");
    long long at = tu_int("SELECT at FROM events WHERE seq = 1", NULL);
    long long now = clock_now_ms();
    cr_assert(at <= now && at > now - 60000, "at %lld not a recent UTC ms instant", at);
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 1);
}

Test(ledger, append_rejects_missing_type_or_payload)
{
    struct append_ctx c = {.ev = {.type = NULL, .payload = "{}"}};
    cr_assert_eq(store_write(tu_env.st, append_fn, &c), -EINVAL);
    c.ev.type = "t";
    c.ev.payload = NULL;
    cr_assert_eq(store_write(tu_env.st, append_fn, &c), -EINVAL);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), 0);
    cr_assert_eq(tu_int("SELECT seq FROM ledger_head", NULL), 0, "a refused append must not take a number");
    cr_assert_eq(append_n(1), 1);
}

Test(ledger, rolled_back_append_leaves_no_gap)
{
    cr_assert_eq(append_n(1), 1);
    struct append_ctx c = {.ev = {.type = "t", .payload = "{}"}, .fail_after = 1};
    cr_assert_eq(store_write(tu_env.st, append_fn, &c), -EPROTO);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), 1);
    cr_assert_eq(tu_int("SELECT seq FROM ledger_head", NULL), 1);
    cr_assert_eq(append_n(2), 2, "the sequence continues without a gap");
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 2);
}

#define THREADS 4
#define PER_THREAD 25

static void *appender(void *arg)
{
    long long *seqs = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        struct append_ctx c = {.ev = {.type = "concurrent", .payload = "{}"}};
        if (store_write(tu_env.st, append_fn, &c) != 0) seqs[i] = -1;
        else seqs[i] = c.seq;
    }
    return NULL;
}

Test(ledger, concurrent_appends_are_gap_free)
{
    pthread_t th[THREADS];
    long long seqs[THREADS][PER_THREAD];
    for (int t = 0; t < THREADS; t++) cr_assert_eq(pthread_create(&th[t], NULL, appender, seqs[t]), 0);
    for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
    int seen[THREADS * PER_THREAD + 1] = {0};
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            long long s = seqs[t][i];
            cr_assert(s >= 1 && s <= THREADS * PER_THREAD, "sequence %lld out of range", s);
            cr_assert_eq(seen[s], 0, "sequence %lld handed out twice", s);
            seen[s] = 1;
        }
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), THREADS * PER_THREAD);
    cr_assert_eq(tu_int("SELECT MAX(seq) FROM events", NULL), THREADS * PER_THREAD);
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, THREADS * PER_THREAD);
    cr_assert_eq(rep.chains, 1);
}

/* ---- verify ---- */

Test(ledger, verify_empty_and_intact)
{
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0);
    cr_assert_eq(rep.events, 0);
    cr_assert_eq(rep.chains, 0);
    for (int i = 1; i <= 5; i++) append_n(i);
    rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 5);
    cr_assert_eq(rep.chains, 1);
    cr_assert_str_eq(rep.reason, "");
}

static void five_events(void)
{
    for (int i = 1; i <= 5; i++) append_n(i);
}

Test(ledger, verify_detects_altered_payload)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE events SET payload = '{\"i\":30}' WHERE seq = 3"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 3, "altered");
    char node[ID_LEN + 1];
    self_node(node);
    cr_assert_str_eq(rep.node, node);
}

Test(ledger, verify_detects_whitespace_change_in_payload)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE events SET payload = '{\"i\": 2}' WHERE seq = 2"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 2, "altered");
}

Test(ledger, verify_detects_altered_hash)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE events SET hash = '" LEDGER_GENESIS "' WHERE seq = 2"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 2, "hash");
}

Test(ledger, verify_detects_altered_prev_hash)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE events SET prev_hash = '" LEDGER_GENESIS "' WHERE seq = 4"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 4, "prev_hash");
}

Test(ledger, verify_detects_altered_fields)
{
    static const char *sql[][2] = {
        {"UPDATE events SET at = at + 1 WHERE seq = 2", "UPDATE events SET at = at - 1 WHERE seq = 2"},
        {"UPDATE events SET actor = 'intruder' WHERE seq = 2", "UPDATE events SET actor = NULL WHERE seq = 2"},
        {"UPDATE events SET type = 'other' WHERE seq = 2", "UPDATE events SET type = 'test.event' WHERE seq = 2"},
        {"UPDATE events SET entity = 'test:2' WHERE seq = 2", "UPDATE events SET entity = 'test:1' WHERE seq = 2"},
        {"UPDATE events SET unit_id = 'U' WHERE seq = 2", "UPDATE events SET unit_id = NULL WHERE seq = 2"},
    };
    five_events();
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        cr_assert_eq(tu_exec(sql[i][0]), 0);
        ledger_report_t rep = verify();
        cr_assert_eq(rep.broken, 1, "not detected: %s", sql[i][0]);
        cr_assert_eq(rep.seq, 2, "%s", sql[i][0]);
        cr_assert_eq(tu_exec(sql[i][1]), 0);
        rep = verify();
        cr_assert_eq(rep.broken, 0, "after undoing %s: %s", sql[i][0], rep.reason);
    }
}

Test(ledger, verify_detects_deleted_middle_event)
{
    five_events();
    cr_assert_eq(tu_exec("DELETE FROM events WHERE seq = 3"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 3, "missing");
}

Test(ledger, verify_detects_deleted_first_event)
{
    five_events();
    cr_assert_eq(tu_exec("DELETE FROM events WHERE seq = 1"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 1, "missing");
}

Test(ledger, verify_detects_deleted_last_event)
{
    five_events();
    cr_assert_eq(tu_exec("DELETE FROM events WHERE seq = 5"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 5, "head");
    cr_assert_eq(rep.events, 4);
}

Test(ledger, verify_detects_gap)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE events SET seq = 9 WHERE seq = 5; UPDATE ledger_head SET seq = 9"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 5, "gap");
}

Test(ledger, verify_detects_altered_head)
{
    five_events();
    cr_assert_eq(tu_exec("UPDATE ledger_head SET hash = '" LEDGER_GENESIS "'"), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, 5, "head hash");
}

Test(ledger, verify_detects_all_events_deleted)
{
    five_events();
    cr_assert_eq(tu_exec("DELETE FROM events"), 0);
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 1);
    cr_assert_not_null(strstr(rep.reason, "none are stored"), "%s", rep.reason);
}

/* A second chain (an event replicated from another node) is checked on its own. */
static void foreign_chain(const char *node, int n)
{
    char prev[SHA256_HEX_LEN + 1] = LEDGER_GENESIS, hash[SHA256_HEX_LEN + 1];
    for (int i = 1; i <= n; i++) {
        buf_t b;
        buf_init(&b, 0);
        char payload[32];
        snprintf(payload, sizeof payload, "{\"f\":%d}", i);
        cr_assert_eq(ledger_canonical(&b, node, i, 1000 + i, NULL, NULL, "remote", NULL, payload, strlen(payload)),
                     0);
        char both[1024];
        snprintf(both, sizeof both, "%s%s", prev, b.data);
        sha256_hex(both, strlen(both), hash);
        cr_assert_eq(tu_execf("INSERT INTO events (node, seq, at, type, payload, prev_hash, hash) VALUES "
                              "('%s', %d, %d, 'remote', '%s', '%s', '%s')",
                              node, i, 1000 + i, payload, prev, hash), 0);
        memcpy(prev, hash, sizeof prev);
        buf_free(&b);
    }
    cr_assert_eq(tu_execf("INSERT INTO ledger_head (node, is_self, seq, hash) VALUES ('%s', 0, %d, '%s')", node, n,
                          prev), 0);
}

Test(ledger, verify_two_chains)
{
    five_events();
    foreign_chain("0000000000REMOTEN0DE00000Z", 3);
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.chains, 2);
    cr_assert_eq(rep.events, 8);
    cr_assert_eq(tu_exec("UPDATE events SET payload = '{\"f\":9}' WHERE node = '0000000000REMOTEN0DE00000Z' AND seq = 2"),
                 0);
    rep = verify();
    assert_broken_at(&rep, 2, "altered");
    cr_assert_str_eq(rep.node, "0000000000REMOTEN0DE00000Z");
}

/* On an intact ledger, run sql; verify must then fail at node's event seq for reason. */
static void tamper_expect(const char *sql, const char *node, long long seq, const char *reason)
{
    cr_assert_eq(verify().broken, 0);
    cr_assert_eq(tu_exec(sql), 0);
    ledger_report_t rep = verify();
    assert_broken_at(&rep, seq, reason);
    cr_assert_str_eq(rep.node, node);
}

/* The head check of a chain that is not the last one in node order. */
Test(ledger, verify_detects_deleted_last_event_of_first_chain)
{
    five_events();
    foreign_chain("ZZZZZZZZZZZZZZZZZZZZZZZZZZ", 2);     /* sorts after the self node */
    foreign_chain("00000000000000000000000000", 3);     /* sorts before it */
    tamper_expect("DELETE FROM events WHERE node = '00000000000000000000000000' AND seq = 3",
                  "00000000000000000000000000", 3, "head");
}

/* ---- a known head, stored lengths, anchors ---- */

/* A correctly hashed chain that no ledger_head row vouches for is fabricated. */
Test(ledger, verify_rejects_chain_without_head_row)
{
    five_events();
    foreign_chain("0000000000FABRICATED0000000", 3);
    tamper_expect("DELETE FROM ledger_head WHERE node = '0000000000FABRICATED0000000'",
                  "0000000000FABRICATED0000000", 1, "no ledger_head row");
}

Test(ledger, verify_rejects_own_chain_without_head_row)
{
    five_events();
    char node[ID_LEN + 1];
    self_node(node);
    tamper_expect("DELETE FROM ledger_head", node, 1, "no ledger_head row");
}

/* A NUL byte with hidden bytes after it: the C string still hashes right, the stored bytes do not. */
Test(ledger, verify_rejects_text_with_embedded_nul)
{
    static const char *sql[] = {
        "UPDATE events SET payload = CAST(payload || X'00' || 'hidden' AS TEXT) WHERE seq = 3",
        "UPDATE events SET type = CAST(X'746573742E6576656E74006869' AS TEXT) WHERE seq = 3",
        "UPDATE events SET entity = CAST(X'746573743A310078' AS TEXT) WHERE seq = 3",
        "UPDATE events SET hash = CAST(hash || X'0078' AS TEXT) WHERE seq = 3",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        cr_assert_eq(tu_exec("DELETE FROM events; UPDATE ledger_head SET seq = 0, hash = '" LEDGER_GENESIS "'"), 0);
        five_events();
        cr_assert_eq(verify().broken, 0);
        cr_assert_eq(tu_exec(sql[i]), 0);
        ledger_report_t rep = verify();
        cr_assert_eq(rep.broken, 1, "not detected: %s", sql[i]);
        cr_assert_eq(rep.seq, 3, "%s: %s", sql[i], rep.reason);
        cr_assert_not_null(strstr(rep.reason, "NUL"), "%s: %s", sql[i], rep.reason);
    }
}

Test(ledger, append_rejects_payload_with_nul)
{
    static const char payload[] = "{\"i\":1}\0hidden";
    struct append_ctx c = {.ev = {.type = "test.event", .entity = "test:1", .payload = payload,
                                  .payload_len = sizeof payload - 1}};
    cr_assert_eq(store_write(tu_env.st, append_fn, &c), -EINVAL);
    char n[32];
    cr_assert_eq(tu_text("SELECT COUNT(*) FROM events", NULL, n, sizeof n), 0);
    cr_assert_str_eq(n, "0");
}

static ledger_report_t verify_expect(long long seq, const char *hash)
{
    ledger_expect_t ex = {.seq = seq};
    cr_assert_eq(str_copy(ex.hash, sizeof ex.hash, hash), 0);
    ledger_report_t rep;
    cr_assert_eq(ledger_verify_expect(tu_env.st, &ex, &rep), 0);
    return rep;
}

Test(ledger, verify_reports_head_and_accepts_expected_head)
{
    five_events();
    ledger_report_t rep = verify();
    char node[ID_LEN + 1], h3[SHA256_HEX_LEN + 1], h5[SHA256_HEX_LEN + 1];
    self_node(node);
    cr_assert_eq(tu_text("SELECT hash FROM events WHERE seq = 3", NULL, h3, sizeof h3), 0);
    cr_assert_eq(tu_text("SELECT hash FROM events WHERE seq = 5", NULL, h5, sizeof h5), 0);
    cr_assert_str_eq(rep.head_node, node);
    cr_assert_eq(rep.head_seq, 5);
    cr_assert_str_eq(rep.head_hash, h5);
    cr_assert_eq(verify_expect(3, h3).broken, 0);
    cr_assert_eq(verify_expect(5, h5).broken, 0);
    rep = verify_expect(3, h5);
    assert_broken_at(&rep, 3, "rewritten");
}

/* Cut the own chain back to its first `keep` events, moving the head row back with it: consistent in itself. */
static void cut_back(int keep)
{
    cr_assert_eq(tu_execf("DELETE FROM events WHERE seq > %d; "
                          "UPDATE ledger_head SET seq = %d, hash = (SELECT hash FROM events WHERE seq = %d)",
                          keep, keep, keep), 0);
    cr_assert_eq(verify().broken, 0);
}

/* Truncation: only the anchor written down earlier catches it. */
Test(ledger, verify_expected_head_catches_truncation)
{
    five_events();
    char h5[SHA256_HEX_LEN + 1];
    cr_assert_eq(tu_text("SELECT hash FROM events WHERE seq = 5", NULL, h5, sizeof h5), 0);
    cut_back(3);
    ledger_report_t rep = verify_expect(5, h5);
    assert_broken_at(&rep, 5, "truncated");
}

/* A rewrite from event 3 on with every later event rehashed (through ledger_append itself). */
Test(ledger, verify_expected_head_catches_rehashed_rewrite)
{
    five_events();
    char h4[SHA256_HEX_LEN + 1];
    cr_assert_eq(tu_text("SELECT hash FROM events WHERE seq = 4", NULL, h4, sizeof h4), 0);
    cut_back(2);
    for (int i = 30; i < 33; i++) append_n(i);
    cr_assert_eq(verify().broken, 0);
    ledger_report_t rep = verify_expect(4, h4);
    assert_broken_at(&rep, 4, "rewritten");
}

/* More events than one verification page: the keyset pages join without a gap. */
Test(ledger, verify_across_pages)
{
    for (int i = 1; i <= 2100; i++) append_n(i);
    ledger_report_t rep = verify();
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 2100);
    cr_assert_eq(tu_exec("UPDATE events SET payload = '{\"i\":0}' WHERE seq = 1500"), 0);
    rep = verify();
    assert_broken_at(&rep, 1500, "altered");
}

Test(ledger, parse_expect)
{
    ledger_expect_t ex;
    cr_assert_eq(ledger_parse_expect("12:" LEDGER_GENESIS, &ex), 0);
    cr_assert_eq(ex.seq, 12);
    cr_assert_str_eq(ex.hash, LEDGER_GENESIS);
    static const char *bad[] = {"", "12", ":" LEDGER_GENESIS, "0:" LEDGER_GENESIS, "x1:" LEDGER_GENESIS,
                                "1:abc", "1:" LEDGER_GENESIS "0", "-1:" LEDGER_GENESIS,
                                "1:000000000000000000000000000000000000000000000000000000000000000G"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(ledger_parse_expect(bad[i], &ex), -EINVAL, "%s", bad[i]);
}

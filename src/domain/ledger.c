/* ledger.c — hash-chained events (see ledger.h). */
#include "domain/ledger.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/sha256.h"

#include <stdlib.h>
#include <string.h>

int ledger_init_node(db_t *db, const char *node_name)
{
    char id[ID_LEN + 1];
    if (ledger_self_node(db, id, sizeof id) == 0) return 0;
    id_new(id);
    long long rc = db_run(db, "INSERT INTO meta (key, value) VALUES ('node_id', $1)", "t", id);
    if (rc >= 0) rc = db_run(db, "INSERT INTO meta (key, value) VALUES ('node_name', $1)", "t", node_name);
    if (rc >= 0)
        rc = db_run(db, "INSERT INTO ledger_head (node, is_self, seq, hash) VALUES ($1, 1, 0, $2)", "tt", id,
                    LEDGER_GENESIS);
    return rc < 0 ? (int)rc : 0;
}

int ledger_self_node(db_t *db, char *out, size_t cap)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT value FROM meta WHERE key = 'node_id'", "");
    if (rc == DB_ROW) rc = str_copy(out, cap, db_col_text(s, 0));
    else if (rc == DB_DONE) rc = -ENOENT;
    if (s) db_reset(s);
    return rc;
}

int ledger_canonical(buf_t *out, const char *node, long long seq, long long at, const char *unit, const char *actor,
                     const char *type, const char *entity, const char *payload, size_t payload_len)
{
    jw_t w;
    jw_init(&w, out);
    jw_obj_begin(&w);
    jw_kint(&w, "v", 1);
    jw_kstr(&w, "node", node);
    jw_kint(&w, "seq", seq);
    jw_kint(&w, "at", at);
    jw_kstr(&w, "unit", unit);
    jw_kstr(&w, "actor", actor);
    jw_kstr(&w, "type", type);
    jw_kstr(&w, "entity", entity);
    jw_key(&w, "payload");
    jw_raw(&w, payload, payload_len);
    jw_obj_end(&w);
    return jw_finish(&w);
}

static void chain_hash(const char *prev, const char *canon, size_t n, char out[SHA256_HEX_LEN + 1])
{
    unsigned char d[SHA256_LEN];
    sha256_ctx_t *c = sha256_new();
    sha256_update(c, prev, SHA256_HEX_LEN);
    sha256_update(c, canon, n);
    sha256_final(c, d);
    hex_encode(d, SHA256_LEN, out);
}

int ledger_append(db_t *db, const ledger_event_t *ev, long long *seq_out)
{
    if (!ev->type || !ev->payload) return -EINVAL;
    db_stmt_t *s;
    int rc = db_query(db, &s, "UPDATE ledger_head SET seq = seq + 1 WHERE is_self = 1 RETURNING node, seq, hash", "");
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    char node[ID_LEN + 1], prev[SHA256_HEX_LEN + 1];
    str_copy(node, sizeof node, db_col_text(s, 0));
    long long seq = db_col_int(s, 1);
    int bad = str_copy(prev, sizeof prev, db_col_text(s, 2)) < 0 || strlen(prev) != SHA256_HEX_LEN;
    db_reset(s);
    if (bad) return -EIO;

    long long at = clock_now_ms();
    size_t plen = ev->payload_len ? ev->payload_len : strlen(ev->payload);
    buf_t canon;
    buf_init(&canon, 0);
    rc = ledger_canonical(&canon, node, seq, at, ev->unit_id, ev->actor, ev->type, ev->entity, ev->payload, plen);
    if (rc < 0) {
        buf_free(&canon);
        return rc;
    }
    char hash[SHA256_HEX_LEN + 1];
    chain_hash(prev, canon.data, canon.len, hash);
    buf_free(&canon);

    char *payload = xstrndup(ev->payload, plen);
    long long n = db_run(db,
                         "INSERT INTO events (node, seq, at, unit_id, actor, type, entity, payload, prev_hash, hash, "
                         "province_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                         "(SELECT u.province_id FROM units u WHERE u.id = $4))",
                         "tiittttttt", node, seq, at, ev->unit_id, ev->actor, ev->type, ev->entity, payload, prev,
                         hash);
    free(payload);
    if (n < 0) return (int)n;
    n = db_run(db, "UPDATE ledger_head SET hash = $1 WHERE node = $2", "tt", hash, node);
    if (n < 0) return (int)n;
    if (seq_out) *seq_out = seq;
    return 0;
}

/* ---- verification ---- */

struct verify_ctx {
    ledger_report_t *rep;
};

static void report(ledger_report_t *rep, const char *node, long long seq, const char *reason)
{
    if (rep->broken) return;
    rep->broken = 1;
    str_copy(rep->node, sizeof rep->node, node ? node : "?");
    rep->seq = seq;
    str_copy(rep->reason, sizeof rep->reason, reason);
}

static int check_head(db_t *db, ledger_report_t *rep, const char *node, long long last_seq, const char *last_hash)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT seq, hash FROM ledger_head WHERE node = $1", "t", node);
    if (rc == DB_ROW) {
        if (db_col_int(s, 0) != last_seq)
            report(rep, node, last_seq + 1, "chain head sequence differs from the last event (events missing)");
        else if (strcmp(db_col_text(s, 1), last_hash) != 0)
            report(rep, node, last_seq, "chain head hash differs from the last event's hash");
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int verify_fn(db_t *db, void *arg)
{
    ledger_report_t *rep = ((struct verify_ctx *)arg)->rep;
    /* A head with no events at all (or events deleted from the start) is caught by the head check. */
    db_stmt_t *s = db_prepare(db, "SELECT node, seq, at, unit_id, actor, type, entity, payload, prev_hash, hash "
                                  "FROM events ORDER BY node, seq");
    if (!s) return -EIO;
    char node[64] = "", last_hash[SHA256_HEX_LEN + 1] = LEDGER_GENESIS;
    long long expect = 1;
    buf_t canon;
    buf_init(&canon, 0);
    int rc;
    while ((rc = db_step(s)) == DB_ROW && !rep->broken) {
        const char *n = db_col_text(s, 0);
        long long seq = db_col_int(s, 1);
        if (strcmp(n, node) != 0) {
            if (node[0] && (rc = check_head(db, rep, node, expect - 1, last_hash)) < 0) break;
            if (rep->broken) break;
            str_copy(node, sizeof node, n);
            memcpy(last_hash, LEDGER_GENESIS, sizeof last_hash);
            expect = 1;
            rep->chains++;
        }
        if (seq != expect) { report(rep, node, expect, "sequence gap: an event is missing"); break; }
        const char *prev = db_col_text(s, 8), *hash = db_col_text(s, 9);
        if (!prev || strcmp(prev, last_hash) != 0) {
            report(rep, node, seq, "prev_hash does not match the previous event's hash");
            break;
        }
        buf_reset(&canon);
        const char *payload = db_col_text(s, 7);
        if (ledger_canonical(&canon, node, seq, db_col_int(s, 2), db_col_text(s, 3), db_col_text(s, 4),
                             db_col_text(s, 5), db_col_text(s, 6), payload ? payload : "",
                             payload ? db_col_len(s, 7) : 0) < 0) {
            report(rep, node, seq, "the event cannot be put in canonical form (invalid text)");
            break;
        }
        char h[SHA256_HEX_LEN + 1];
        chain_hash(last_hash, canon.data, canon.len, h);
        if (!hash || strcmp(h, hash) != 0) {
            report(rep, node, seq, "hash mismatch: the event's content was altered");
            break;
        }
        memcpy(last_hash, h, sizeof last_hash);
        rep->events++;
        expect++;
    }
    db_reset(s);
    buf_free(&canon);
    if (rc < 0) return rc;
    if (!rep->broken && node[0]) rc = check_head(db, rep, node, expect - 1, last_hash);
    if (rc < 0 || rep->broken) return rc < 0 ? rc : 0;
    /* Chains whose head moved but which have no events left at all. */
    db_stmt_t *h;
    rc = db_query(db, &h, "SELECT node, seq FROM ledger_head WHERE seq > 0 AND NOT EXISTS "
                          "(SELECT 1 FROM events e WHERE e.node = ledger_head.node)", "");
    if (rc == DB_ROW) report(rep, db_col_text(h, 0), 1, "chain head has events but none are stored");
    if (h) db_reset(h);
    return rc < 0 ? rc : 0;
}

int ledger_verify(store_t *st, ledger_report_t *rep)
{
    memset(rep, 0, sizeof *rep);
    struct verify_ctx ctx = {rep};
    return store_read(st, verify_fn, &ctx);
}

/* ledger.c — hash-chained events (see ledger.h). */
#include "domain/ledger.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/sha256.h"

#include <assert.h>
#include <limits.h>
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

int ledger_event_hash(const char *prev, const char *node, long long seq, long long at, const char *unit,
                      const char *actor, const char *type, const char *entity, const char *payload,
                      size_t payload_len, char out[65])
{
    if (!prev || strnlen(prev, SHA256_HEX_LEN + 1) != SHA256_HEX_LEN) return -EINVAL;
    buf_t canon;
    buf_init(&canon, 0);
    int rc = ledger_canonical(&canon, node, seq, at, unit, actor, type, entity, payload, payload_len);
    if (rc == 0) chain_hash(prev, canon.data, canon.len, out);
    buf_free(&canon);
    return rc;
}

int ledger_append(db_t *db, const ledger_event_t *ev, long long *seq_out)
{
    ledger_appended_t out;
    int rc = ledger_append_to(db, ev, &out);
    if (rc == 0 && seq_out) *seq_out = out.seq;
    return rc;
}

int ledger_append_to(db_t *db, const ledger_event_t *ev, ledger_appended_t *out)
{
    if (!ev->type || !ev->payload) return -EINVAL;
    /* Every column that enters the hash is a C string except the payload, which has a length: it must not hide
     * bytes behind a NUL (verification compares stored lengths and would call such an event tampered). */
    size_t plen = ev->payload_len ? ev->payload_len : strlen(ev->payload);
    if (memchr(ev->payload, 0, plen)) return -EINVAL;
    db_stmt_t *s;
    int rc = db_query(db, &s, "UPDATE ledger_head SET seq = seq + 1 WHERE is_self = 1 RETURNING node, seq, hash", "");
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    char node[ID_LEN + 1], prev[SHA256_HEX_LEN + 1];
    str_copy(node, sizeof node, db_col_text(s, 0));
    long long seq = db_col_int(s, 1);
    int bad = str_copy(prev, sizeof prev, db_col_text(s, 2)) < 0 || strlen(prev) != SHA256_HEX_LEN ||
              db_col_len(s, 2) != SHA256_HEX_LEN || strlen(node) != db_col_len(s, 0);
    assert(seq >= 1);   /* the head row was just moved on by one: seq = previous + 1 */
    db_reset(s);
    if (bad) return -EIO;

    /* at never goes back along a chain (a clock stepped back by NTP, say): a rebuild replays in (at, node, seq)
     * order, which must keep each chain's own order, and a hub refuses a chain whose at goes back. */
    long long at = clock_now_ms();
    if (seq > 1) {
        rc = db_query(db, &s, "SELECT at FROM events WHERE node = $1 AND seq = $2", "ti", node, seq - 1);
        if (rc == DB_ROW && db_col_int(s, 0) > at) at = db_col_int(s, 0);
        if (s) db_reset(s);
        if (rc < 0) return rc;
    }
    char hash[SHA256_HEX_LEN + 1];
    rc = ledger_event_hash(prev, node, seq, at, ev->unit_id, ev->actor, ev->type, ev->entity, ev->payload, plen, hash);
    if (rc < 0) return rc;

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
    if (out) {
        memcpy(out->node, node, sizeof out->node);
        out->seq = seq;
        out->at = at;
    }
    return 0;
}

/* ---- verification ----
 * Every chain is walked from its ledger_head row (a chain without one is fabricated and fails), in keyset pages
 * of VERIFY_PAGE events (WHERE seq > last ORDER BY seq LIMIT n), so memory stays flat however long the ledger is
 * and no engine has to hold a whole-ledger result. Text columns are taken by their stored length: a value whose
 * length differs from its C string length carries a NUL and hidden bytes after it, and fails. */

#define VERIFY_PAGE 1000

struct verify_ctx {
    ledger_report_t       *rep;
    const ledger_expect_t *expect;      /* NULL: no anchor */
};

static void report(ledger_report_t *rep, const char *node, long long seq, const char *reason)
{
    if (rep->broken) return;
    rep->broken = 1;
    str_copy(rep->node, sizeof rep->node, node ? node : "?");
    rep->seq = seq;
    str_copy(rep->reason, sizeof rep->reason, reason);
}

/* 1 when text column col is NULL or exactly its stored length (no embedded NUL), else 0. */
static int col_clean(db_stmt_t *s, int col)
{
    const char *t = db_col_text(s, col);
    return !t || strlen(t) == db_col_len(s, col);
}

/* Events of a node that has no ledger_head row: a chain nobody vouches for. */
static int check_orphans(db_t *db, ledger_report_t *rep)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT e.node, MIN(e.seq) FROM events e WHERE NOT EXISTS "
                              "(SELECT 1 FROM ledger_head h WHERE h.node = e.node) GROUP BY e.node ORDER BY e.node "
                              "LIMIT 1", "");
    if (rc == DB_ROW)
        report(rep, db_col_text(s, 0), db_col_int(s, 1),
               "events of a chain that has no ledger_head row (an unknown, possibly fabricated chain)");
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

struct chain {
    char      node[64];
    long long head_seq;
    char      head_hash[SHA256_HEX_LEN + 1];
    int       is_self;
    long long expect;                      /* next sequence number wanted */
    char      last_hash[SHA256_HEX_LEN + 1];
};

/* Check one page of events of chain c (seq > c->expect - 1); *n gets the number of rows read. */
static int verify_page(db_t *db, ledger_report_t *rep, const ledger_expect_t *ex, struct chain *c, buf_t *canon,
                       int *n, int *found)
{
    db_stmt_t *s;
    *n = 0;
    int rc = db_query(db, &s,
                      "SELECT seq, at, unit_id, actor, type, entity, payload, prev_hash, hash FROM events "
                      "WHERE node = $1 AND seq > $2 ORDER BY seq LIMIT 1000",
                      "ti", c->node, c->expect - 1);
    for (; rc == DB_ROW && !rep->broken; rc = db_step(s)) {
        (*n)++;
        long long seq = db_col_int(s, 0);
        if (seq != c->expect) { report(rep, c->node, c->expect, "sequence gap: an event is missing"); break; }
        int clean = 1;
        for (int col = 2; col <= 8; col++) clean &= col_clean(s, col);
        if (!clean) {
            report(rep, c->node, seq, "a text column holds a NUL byte with hidden bytes after it");
            break;
        }
        const char *prev = db_col_text(s, 7), *hash = db_col_text(s, 8);
        if (!prev || strcmp(prev, c->last_hash) != 0) {
            report(rep, c->node, seq, "prev_hash does not match the previous event's hash");
            break;
        }
        buf_reset(canon);
        const char *payload = db_col_text(s, 6);
        if (ledger_canonical(canon, c->node, seq, db_col_int(s, 1), db_col_text(s, 2), db_col_text(s, 3),
                             db_col_text(s, 4), db_col_text(s, 5), payload ? payload : "",
                             payload ? db_col_len(s, 6) : 0) < 0) {
            report(rep, c->node, seq, "the event cannot be put in canonical form (invalid text)");
            break;
        }
        char h[SHA256_HEX_LEN + 1];
        chain_hash(c->last_hash, canon->data, canon->len, h);
        if (!hash || strcmp(h, hash) != 0) {
            report(rep, c->node, seq, "hash mismatch: the event's content was altered");
            break;
        }
        if (ex && c->is_self && seq == ex->seq) {
            if (strcmp(h, ex->hash) != 0) {
                report(rep, c->node, seq, "the event differs from the expected head: the chain was rewritten");
                break;
            }
            *found = 1;
        }
        memcpy(c->last_hash, h, sizeof c->last_hash);
        rep->events++;
        c->expect++;
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int verify_chain(db_t *db, ledger_report_t *rep, const ledger_expect_t *ex, struct chain *c)
{
    buf_t canon;
    buf_init(&canon, 0);
    c->expect = 1;
    memcpy(c->last_hash, LEDGER_GENESIS, sizeof c->last_hash);
    int rc = 0, n, found = 0;
    do {
        rc = verify_page(db, rep, ex, c, &canon, &n, &found);
    } while (rc == 0 && !rep->broken && n == VERIFY_PAGE);
    buf_free(&canon);
    if (rc < 0 || rep->broken) return rc;
    long long last = c->expect - 1;
    assert(last >= 0);
    if (last > 0) rep->chains++;
    if (c->head_seq > 0 && last == 0) report(rep, c->node, 1, "chain head has events but none are stored");
    else if (c->head_seq != last)
        report(rep, c->node, last + 1, "chain head sequence differs from the last event (events missing)");
    else if (strcmp(c->head_hash, c->last_hash) != 0)
        report(rep, c->node, last, "chain head hash differs from the last event's hash");
    if (c->is_self) {
        str_copy(rep->head_node, sizeof rep->head_node, c->node);
        rep->head_seq = last;
        memcpy(rep->head_hash, c->last_hash, sizeof rep->head_hash);
        if (ex && !rep->broken && !found)
            report(rep, c->node, ex->seq,
                   "the chain does not contain the expected head event: it was truncated or rewritten");
    }
    return 0;
}

/* The next head row after node `after` (keyset over ledger_head), into c; DB_ROW, DB_DONE or < 0. */
static int next_head(db_t *db, const char *after, struct chain *c, ledger_report_t *rep)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT node, seq, hash, is_self FROM ledger_head WHERE node > $1 ORDER BY node "
                              "LIMIT 1", "t", after);
    if (rc == DB_ROW) {
        const char *node = db_col_text(s, 0), *hash = db_col_text(s, 2);
        if (!col_clean(s, 0) || !col_clean(s, 2) || !hash ||
            str_copy(c->node, sizeof c->node, node) < 0 || str_copy(c->head_hash, sizeof c->head_hash, hash) < 0)
            report(rep, node, db_col_int(s, 1), "the chain head row is malformed");
        c->head_seq = db_col_int(s, 1);
        c->is_self = (int)db_col_int(s, 3);
    }
    if (s) db_reset(s);
    return rc;
}

static int verify_fn(db_t *db, void *arg)
{
    struct verify_ctx *x = arg;
    ledger_report_t *rep = x->rep;
    int rc = check_orphans(db, rep);
    if (rc < 0 || rep->broken) return rc;
    struct chain c;
    memset(&c, 0, sizeof c);
    char after[64] = "";
    int self_seen = 0;
    while ((rc = next_head(db, after, &c, rep)) == DB_ROW && !rep->broken) {
        self_seen |= c.is_self;
        if ((rc = verify_chain(db, rep, x->expect, &c)) < 0 || rep->broken) break;
        str_copy(after, sizeof after, c.node);
    }
    if (rc < 0) return rc;
    if (x->expect && !self_seen && !rep->broken)
        report(rep, "?", x->expect->seq, "this database has no chain of its own to hold the expected head");
    return 0;
}

int ledger_verify_expect(store_t *st, const ledger_expect_t *expect, ledger_report_t *rep)
{
    memset(rep, 0, sizeof *rep);
    struct verify_ctx ctx = {rep, expect};
    return store_read(st, verify_fn, &ctx);
}

int ledger_verify(store_t *st, ledger_report_t *rep)
{
    return ledger_verify_expect(st, NULL, rep);
}

int ledger_parse_expect(const char *text, ledger_expect_t *out)
{
    const char *colon = text ? strchr(text, ':') : NULL;
    if (!colon || colon == text || strlen(colon + 1) != SHA256_HEX_LEN) return -EINVAL;
    long long seq = 0;
    for (const char *p = text; p < colon; p++) {
        if (*p < '0' || *p > '9' || seq > (LLONG_MAX - 9) / 10) return -EINVAL;
        seq = seq * 10 + (*p - '0');
    }
    if (seq < 1) return -EINVAL;
    for (const char *p = colon + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return -EINVAL;
    out->seq = seq;
    memcpy(out->hash, colon + 1, SHA256_HEX_LEN + 1);
    return 0;
}

int ledger_append_json(db_t *db, const char *unit_id, const char *actor_id, const char *type, const char *entity_kind,
                       const char *entity_id, ledger_payload_fn fn, const void *arg)
{
    return ledger_append_json_to(db, unit_id, actor_id, type, entity_kind, entity_id, fn, arg, NULL, NULL);
}

int ledger_append_json_to(db_t *db, const char *unit_id, const char *actor_id, const char *type,
                          const char *entity_kind, const char *entity_id, ledger_payload_fn fn, const void *arg,
                          buf_t *payload_out, ledger_appended_t *out)
{
    buf_t p;
    buf_init(&p, 0);
    jw_t w;
    jw_init(&w, &p);
    fn(&w, arg);
    int rc = jw_finish(&w);
    char entity[96];
    int n = snprintf(entity, sizeof entity, "%s:%s", entity_kind, entity_id);
    if (n < 0 || (size_t)n >= sizeof entity) rc = -ENAMETOOLONG;
    ledger_event_t ev = {.unit_id = unit_id && *unit_id ? unit_id : NULL,
                         .actor = actor_id && *actor_id ? actor_id : NULL, .type = type, .entity = entity,
                         .payload = p.data, .payload_len = p.len};
    if (rc == 0) rc = ledger_append_to(db, &ev, out);
    if (rc == 0 && payload_out) *payload_out = p;
    else buf_free(&p);
    return rc;
}

/* sync.c — hub and nodes: enrolment, the seed, event batches, status (see sync.h). */
#include "domain/sync.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- meta and roles ---- */

int sync_meta_set(db_t *db, const char *key, const char *value)
{
    long long n = db_run(db, "INSERT INTO meta (key, value) VALUES ($1, $2) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value", "tt", key, value);
    return n < 0 ? (int)n : 0;
}

int sync_meta_get(db_t *db, const char *key, char *out, size_t cap)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT value FROM meta WHERE key = $1", "t", key);
    if (rc == DB_ROW) rc = str_copy(out, cap, db_col_text(s, 0)) < 0 ? -E2BIG : 0;
    else if (rc == DB_DONE) rc = -ENOENT;
    if (s) db_reset(s);
    return rc;
}

int sync_role(db_t *db, char *out, size_t cap)
{
    int rc = sync_meta_get(db, "role", out, cap);
    if (rc == -ENOENT) return str_copy(out, cap, "standalone") < 0 ? -E2BIG : 0;
    return rc;
}

static long long meta_int(db_t *db, const char *key)
{
    char v[32];
    return sync_meta_get(db, key, v, sizeof v) == 0 ? strtoll(v, NULL, 10) : 0;
}

/* ---- events and their projections ---- */

struct token_ev {
    const char *token_hash, *unit_id, *created_by;
    long long   created_at, expires_at;
};

static void token_payload(jw_t *w, const void *arg)
{
    const struct token_ev *t = arg;
    jw_obj_begin(w);
    jw_kstr(w, "token_hash", t->token_hash);
    jw_kstr(w, "unit_id", t->unit_id);
    jw_kstr(w, "created_by", t->created_by);
    jw_kint(w, "created_at", t->created_at);
    jw_kint(w, "expires_at", t->expires_at);
    jw_obj_end(w);
}

static int apply_token_issued(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    long long n = db_run(db, "INSERT INTO sync_enrolments (token_hash, unit_id, created_by, created_at, expires_at) "
                             "VALUES ($1, $2, $3, $4, $5)", "tttii", event_str(p, "token_hash"),
                         event_str(p, "unit_id"), event_str(p, "created_by"), event_int(p, "created_at"),
                         event_int(p, "expires_at"));
    return n < 0 ? (int)n : 0;
}

struct enrolled_ev {
    const char *node_id, *unit_id, *unit_path, *public_key, *name, *token_hash;
    long long   at;
};

static void enrolled_payload(jw_t *w, const void *arg)
{
    const struct enrolled_ev *e = arg;
    jw_obj_begin(w);
    jw_kstr(w, "node_id", e->node_id);
    jw_kstr(w, "unit_id", e->unit_id);
    jw_kstr(w, "unit_path", e->unit_path);
    jw_kstr(w, "public_key", e->public_key);
    jw_kstr(w, "name", e->name);
    jw_kstr(w, "token_hash", e->token_hash);
    jw_kint(w, "at", e->at);
    jw_obj_end(w);
}

static int apply_node_enrolled(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    long long at = event_int(p, "at");
    long long n = db_run(db, "INSERT INTO sync_nodes (node_id, unit_id, unit_path, public_key, name, enrolled_at) "
                             "VALUES ($1, $2, $3, $4, $5, $6)", "ttttti", event_str(p, "node_id"),
                         event_str(p, "unit_id"), event_str(p, "unit_path"), event_str(p, "public_key"),
                         event_str(p, "name"), at);
    if (n >= 0)
        n = db_run(db, "UPDATE sync_enrolments SET used_at = $1, node_id = $2 "
                       "WHERE token_hash = $3 AND used_at IS NULL", "itt", at, event_str(p, "node_id"),
                   event_str(p, "token_hash"));
    return n < 0 ? (int)n : n == 1 ? 0 : -EEXIST;   /* a token enrols one node */
}

struct flag_ev {
    const char *node_id, *reason, *refused_id;
    long long   at, bad_seq;
};

static void flag_payload(jw_t *w, const void *arg)
{
    const struct flag_ev *f = arg;
    jw_obj_begin(w);
    jw_kstr(w, "node_id", f->node_id);
    jw_kstr(w, "reason", f->reason);
    jw_kstr(w, "refused_id", f->refused_id);
    jw_kint(w, "bad_seq", f->bad_seq);
    jw_kint(w, "at", f->at);
    jw_obj_end(w);
}

static int apply_node_flagged(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    long long n = db_run(db, "UPDATE sync_nodes SET state = 'flagged', flagged_reason = $1, flagged_at = $2 "
                             "WHERE node_id = $3", "tit", event_str(p, "reason"), event_int(p, "at"),
                         event_str(p, "node_id"));
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

static void clear_payload(jw_t *w, const void *arg)
{
    jw_obj_begin(w);
    jw_kstr(w, "node_id", arg);
    jw_obj_end(w);
}

static int apply_node_cleared(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    long long n = db_run(db, "UPDATE sync_nodes SET state = 'active', flagged_reason = NULL, flagged_at = NULL "
                             "WHERE node_id = $1", "t", event_str(p, "node_id"));
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

static const event_kind_t sync_kinds[] = {
    {"sync.token_issued", apply_token_issued},
    {"sync.node_enrolled", apply_node_enrolled},
    {"sync.node_flagged", apply_node_flagged},
    {"sync.node_cleared", apply_node_cleared},
    {NULL, NULL}};
static const event_table_t sync_tables[] = {
    {"sync_nodes", "node_id"},
    {"sync_enrolments", "token_hash"},
    {NULL, NULL}};
const event_module_t sync_event_module = {"sync", sync_kinds, sync_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- enrolment tokens ---- */

/* The admin grant of who covering path (who NULL: the system, always). */
static bool admin_covers(const principal_t *who, const char *path)
{
    if (!who) return true;
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == ROLE_ADMIN && auth_path_prefix(who->grants[i].unit_path, path)) return true;
    return false;
}

static bool has_admin(const principal_t *who)
{
    return !who || auth_has_role(who, ROLE_ADMIN);
}

int sync_token_create(db_t *db, void *arg)
{
    sync_token_t *t = arg;
    if (!has_admin(t->who)) return derr_set(&t->err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    unit_t *u = xmalloc(sizeof *u);
    int rc = id_valid(t->unit_id) ? unit_get(db, t->unit_id, u) : -ENOENT;
    if (rc == 0 && !admin_covers(t->who, u->path)) rc = -ENOENT;
    if (rc == -ENOENT) rc = derr_set(&t->err, rc, 404, MSG_UNIT_UNKNOWN, "unit_id", t->unit_id, NULL, NULL);
    else if (rc == 0 && (!strcmp(u->kind, "national") || !u->active))
        rc = derr_set(&t->err, -EINVAL, 422, MSG_SYNC_UNIT_KIND, "unit_id", u->kind, NULL, NULL);
    if (rc == 0) {
        rand_token(t->token);
        char hash[SHA256_HEX_LEN + 1];
        sha256_hex(t->token, strlen(t->token), hash);
        long long ttl = t->ttl_ms > 0 ? t->ttl_ms : SYNC_TOKEN_TTL_HOURS * 3600000LL;
        t->expires_at = t->now + ttl;
        struct token_ev ev = {hash, u->id, t->who ? t->who->account_id : NULL, t->now, t->expires_at};
        rc = event_record(db, u->id, t->who ? t->who->account_id : NULL, "sync.token_issued", "sync_enrolment",
                          hash, token_payload, &ev, NULL);
    }
    free(u);
    return rc;
}

/* ---- the seed ----
 * Tables copied from the hub to a new node, each with its columns and the rows of the node's scope: $1 is the
 * enrolled unit's path, $2 its province (or ''). Every value travels as text (or null) and is inserted as text,
 * which both engines convert to the column's type. */

struct seed_table {
    const char *name;
    const char *columns;
    const char *where;      /* with ORDER BY */
};

#define SEED_UNITS "(path LIKE CAST($1 AS TEXT) || '%' OR CAST($1 AS TEXT) LIKE path || '%')"
static const struct seed_table seed_tables[] = {
    {"units", "id, parent_id, kind, name, name_fold, slug, admin_code, edi_code, abbr, path, province_id, "
              "merged_from, active, created_at, updated_at, version",
     "WHERE " SEED_UNITS " AND CAST($2 AS TEXT) = CAST($2 AS TEXT) ORDER BY path"},
    {"working_time", "unit_id, morning_start, morning_end, afternoon_start, afternoon_end, cutoff, created_at, "
                     "updated_at, version",
     "WHERE unit_id IN (SELECT id FROM units WHERE " SEED_UNITS ") AND CAST($2 AS TEXT) = CAST($2 AS TEXT) "
     "ORDER BY unit_id"},
    {"holiday_entries", "id, scope_unit_id, date, kind, name_vi, name_en, source, created_at, updated_at, version",
     "WHERE (scope_unit_id = '' OR scope_unit_id = CAST($2 AS TEXT)) AND CAST($1 AS TEXT) = CAST($1 AS TEXT) "
     "ORDER BY scope_unit_id, date"},
    {"procedures", "scope, code, name, search_fold, field_fold, online, record, active, version, created_at, "
                   "updated_at",
     "WHERE (scope = '' OR scope = CAST($2 AS TEXT)) AND CAST($1 AS TEXT) = CAST($1 AS TEXT) ORDER BY scope, code"},
    {"accounts", "id, kind, username, full_name, name_fold, email, phone, national_id, unit_id, password_hash, "
                 "disabled, created_at, updated_at, version",
     "WHERE kind = 'staff' AND unit_id IN (SELECT id FROM units WHERE path LIKE CAST($1 AS TEXT) || '%') "
     "AND CAST($2 AS TEXT) = CAST($2 AS TEXT) ORDER BY id"},
    {"roles", "account_id, role, unit_id",
     "WHERE account_id IN (SELECT a.id FROM accounts a JOIN units u ON u.id = a.unit_id WHERE a.kind = 'staff' "
     "AND u.path LIKE CAST($1 AS TEXT) || '%') AND unit_id IN (SELECT id FROM units WHERE " SEED_UNITS ") "
     "AND CAST($2 AS TEXT) = CAST($2 AS TEXT) ORDER BY account_id, role, unit_id"},
};
#define SEED_TABLES (sizeof seed_tables / sizeof seed_tables[0])

/* The tables a node empties before it takes the seed, children first. */
static const char *const seed_clear[] = {"sessions", "api_tokens", "roles", "accounts", "working_time",
                                         "holiday_entries", "procedures", "units"};

static int seed_write(db_t *db, jw_t *w, const char *path, const char *province)
{
    jw_obj_begin(w);
    for (size_t t = 0; t < SEED_TABLES; t++) {
        const struct seed_table *st = &seed_tables[t];
        char sql[1024];
        snprintf(sql, sizeof sql, "SELECT %s FROM %s %s", st->columns, st->name, st->where);
        jw_key(w, st->name);
        jw_obj_begin(w);
        jw_kstr(w, "columns", st->columns);
        jw_key(w, "rows");
        jw_arr_begin(w);
        db_stmt_t *s = db_prepare(db, sql);
        if (!s) return -EINVAL;
        int rc = db_bind_text(s, 1, path, DB_NTS);
        if (rc == 0) rc = db_bind_text(s, 2, province, DB_NTS);
        while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
            jw_arr_begin(w);
            for (int c = 0; c < db_col_count(s); c++)
                if (db_col_is_null(s, c)) jw_null(w);
                else jw_strn(w, db_col_text(s, c), db_col_len(s, c));
            jw_arr_end(w);
            rc = 0;
        }
        db_reset(s);
        if (rc < 0) return rc;
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    return 0;
}

/* ---- enrolment ---- */

int sync_enrol(db_t *db, void *arg)
{
    sync_enrol_t *e = arg;
    buf_reset(&e->answer);
    char hash[SHA256_HEX_LEN + 1];
    sha256_hex(e->token, strlen(e->token), hash);
    db_stmt_t *s;
    char unit_id[ID_LEN + 1] = "";
    long long expires = 0, used = 0;
    /* The token's row lock first (a no-op UPDATE): two enrolments with one token at once on PostgreSQL (READ
     * COMMITTED) then run one after the other, the second reading the first's used_at; a plain SELECT would let
     * both see it unused and enrol two nodes. */
    long long locked = db_run(db, "UPDATE sync_enrolments SET used_at = used_at WHERE token_hash = $1", "t", hash);
    if (locked < 0) return (int)locked;
    int rc = db_query(db, &s, "SELECT unit_id, expires_at, used_at FROM sync_enrolments WHERE token_hash = $1", "t",
                      hash);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, unit_id, sizeof unit_id);
        expires = db_col_int(s, 1);
        used = db_col_is_null(s, 2) ? 0 : 1;
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc == DB_DONE) return derr_set(&e->err, -EACCES, 401, MSG_SYNC_TOKEN_INVALID, "token", NULL, NULL, NULL);
    if (used) return derr_set(&e->err, -EEXIST, 409, MSG_SYNC_TOKEN_USED, "token", NULL, NULL, NULL);
    if (e->now >= expires) return derr_set(&e->err, -ETIMEDOUT, 410, MSG_SYNC_TOKEN_EXPIRED, "token", NULL, NULL, NULL);
    char self[ID_LEN + 1];
    if ((rc = ledger_self_node(db, self, sizeof self)) < 0) return rc;
    rc = db_query(db, &s, "SELECT 1 FROM ledger_head WHERE node = $1", "t", e->node_id);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc == DB_ROW || !strcmp(self, e->node_id))
        return derr_set(&e->err, -EEXIST, 409, MSG_SYNC_NODE_EXISTS, "node_id", e->node_id, NULL, NULL);
    unit_t *u = xmalloc(sizeof *u);
    rc = unit_get(db, unit_id, u);
    if (rc == 0) {
        struct enrolled_ev ev = {e->node_id, u->id, u->path, e->public_key, e->name, hash, e->now};
        rc = event_record(db, u->id, NULL, "sync.node_enrolled", "sync_node", e->node_id, enrolled_payload, &ev,
                          NULL);
    }
    if (rc == 0) {
        long long n = db_run(db, "INSERT INTO ledger_head (node, is_self, seq, hash) VALUES ($1, 0, 0, $2)", "tt",
                             e->node_id, LEDGER_GENESIS);
        if (n >= 0)
            n = db_run(db, "INSERT INTO sync_node_seen (node_id, last_seen_at) VALUES ($1, $2)", "ti", e->node_id,
                       e->now);
        rc = n < 0 ? (int)n : 0;
    }
    if (rc == 0) {
        jw_t w;
        jw_init(&w, &e->answer);
        jw_obj_begin(&w);
        jw_kstr(&w, "hub_node_id", self);
        jw_kstr(&w, "node_id", e->node_id);
        jw_kstr(&w, "unit_id", u->id);
        jw_kstr(&w, "unit_path", u->path);
        jw_key(&w, "seed");
        rc = seed_write(db, &w, u->path, u->province_id);
        jw_obj_end(&w);
        if (rc == 0) rc = jw_finish(&w);
    }
    free(u);
    return rc;
}

/* ---- the seed on the node ---- */

int sync_count_dossiers(db_t *db, long long *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COUNT(*) FROM dossiers", "");
    if (rc == DB_ROW) *out = db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int import_table(db_t *db, const struct seed_table *st, const json_t *t, long long *rows)
{
    const json_t *cols = json_object_get(t, "columns"), *list = json_object_get(t, "rows");
    if (!json_is_string(cols) || strcmp(json_string_value(cols), st->columns) || !json_is_array(list)) return -EPROTO;
    int ncols = 1;
    for (const char *p = st->columns; *p; p++) ncols += *p == ',';
    buf_t sql;
    buf_init(&sql, 4096);
    buf_printf(&sql, "INSERT INTO %s (%s) VALUES (", st->name, st->columns);
    for (int i = 1; i <= ncols; i++) buf_printf(&sql, "%s$%d", i > 1 ? ", " : "", i);
    buf_printf(&sql, ")");
    db_stmt_t *s = sql.data ? db_prepare(db, sql.data) : NULL;
    buf_free(&sql);
    if (!s) return -EINVAL;
    size_t i;
    const json_t *row;
    int rc = 0;
    json_array_foreach(list, i, row) {
        if (!json_is_array(row) || (int)json_array_size(row) != ncols) { rc = -EPROTO; break; }
        for (int c = 0; c < ncols && rc == 0; c++) {
            const json_t *v = json_array_get(row, (size_t)c);
            if (json_is_null(v)) rc = db_bind_null(s, c + 1);
            else if (json_is_string(v)) rc = db_bind_text(s, c + 1, json_string_value(v), json_string_length(v));
            else rc = -EPROTO;
        }
        if (rc == 0) rc = db_step(s);
        db_reset(s);
        if (rc < 0) break;
        rc = 0;
        (*rows)++;
    }
    return rc;
}

int sync_import(db_t *db, void *arg)
{
    sync_import_t *im = arg;
    im->rows = 0;
    long long dossiers = 0;
    int rc = sync_count_dossiers(db, &dossiers);
    if (rc < 0) return rc;
    if (dossiers > 0) return derr_set(&im->err, -EEXIST, 409, MSG_SYNC_HAS_DOSSIERS, NULL, NULL, NULL, NULL);
    const json_t *seed = json_object_get(im->answer, "seed");
    const char *hub_node = json_string_value(json_object_get(im->answer, "hub_node_id"));
    const char *unit = json_string_value(json_object_get(im->answer, "unit_id"));
    if (!json_is_object(seed) || !hub_node || !unit) return -EPROTO;
    for (size_t i = 0; i < sizeof seed_clear / sizeof seed_clear[0]; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "DELETE FROM %s", seed_clear[i]);
        long long n = db_run(db, sql, "");
        if (n < 0) return (int)n;
    }
    for (size_t t = 0; t < SEED_TABLES; t++)
        if ((rc = import_table(db, &seed_tables[t], json_object_get(seed, seed_tables[t].name), &im->rows)) < 0)
            return rc;
    /* This database's own chain becomes node_id's, from genesis; a previous own chain that holds events (the
     * standalone init's) stays as a closed chain of its own, which verification still walks. */
    db_stmt_t *s;
    char old[ID_LEN + 1] = "";
    long long old_seq = 0;
    rc = db_query(db, &s, "SELECT node, seq FROM ledger_head WHERE is_self = 1", "");
    if (rc == DB_ROW) {
        db_col_copy(s, 0, old, sizeof old);
        old_seq = db_col_int(s, 1);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    long long n = 0;
    if (old[0] && old_seq == 0) n = db_run(db, "DELETE FROM ledger_head WHERE node = $1", "t", old);
    else if (old[0]) n = db_run(db, "UPDATE ledger_head SET is_self = 0 WHERE node = $1", "t", old);
    if (n >= 0)
        n = db_run(db, "INSERT INTO ledger_head (node, is_self, seq, hash) VALUES ($1, 1, 0, $2)", "tt", im->node_id,
                   LEDGER_GENESIS);
    if (n < 0) return (int)n;
    if ((rc = sync_meta_set(db, "node_id", im->node_id)) < 0) return rc;
    if (im->name && (rc = sync_meta_set(db, "node_name", im->name)) < 0) return rc;
    if ((rc = sync_meta_set(db, "role", "node")) < 0) return rc;
    if ((rc = sync_meta_set(db, "hub_url", im->hub_url)) < 0) return rc;
    if ((rc = sync_meta_set(db, "hub_node_id", hub_node)) < 0) return rc;
    if ((rc = sync_meta_set(db, "enrolled_unit", unit)) < 0) return rc;
    if ((rc = sync_meta_set(db, "sync_acked_seq", "0")) < 0) return rc;
    return 0;
}

/* ---- nodes ---- */

#define NODE_COLS                                                                                                  \
    "n.node_id, n.unit_id, n.unit_path, n.public_key, n.name, n.state, n.flagged_reason, n.enrolled_at, h.seq, "   \
    "h.hash, COALESCE((SELECT e.at FROM events e WHERE e.node = n.node_id AND e.seq = h.seq), 0), "               \
    "COALESCE(s.node_head_seq, 0), COALESCE(s.node_head_at, 0), COALESCE(s.last_seen_at, 0) "                     \
    "FROM sync_nodes n JOIN ledger_head h ON h.node = n.node_id LEFT JOIN sync_node_seen s ON s.node_id = n.node_id "

static void node_row(db_stmt_t *s, sync_node_t *n)
{
    memset(n, 0, sizeof *n);
    db_col_copy(s, 0, n->node_id, sizeof n->node_id);
    db_col_copy(s, 1, n->unit_id, sizeof n->unit_id);
    db_col_copy(s, 2, n->unit_path, sizeof n->unit_path);
    db_col_copy(s, 3, n->public_key, sizeof n->public_key);
    db_col_copy(s, 4, n->name, sizeof n->name);
    db_col_copy(s, 5, n->state, sizeof n->state);
    db_col_copy(s, 6, n->flagged_reason, sizeof n->flagged_reason);
    n->enrolled_at = db_col_int(s, 7);
    n->seq = db_col_int(s, 8);
    db_col_copy(s, 9, n->hash, sizeof n->hash);
    n->at = db_col_int(s, 10);
    n->node_head_seq = db_col_int(s, 11);
    n->node_head_at = db_col_int(s, 12);
    n->last_seen_at = db_col_int(s, 13);
}

int sync_node_get(db_t *db, const char *node_id, sync_node_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " NODE_COLS "WHERE n.node_id = $1", "t", node_id);
    if (rc == DB_ROW) node_row(s, out);
    if (s) db_reset(s);
    return rc < 0 ? rc : rc == DB_ROW ? 0 : -ENOENT;
}

int sync_node_seen(db_t *db, const char *node_id, long long now)
{
    long long n = db_run(db, "UPDATE sync_node_seen SET last_seen_at = $1 WHERE node_id = $2", "it", now, node_id);
    return n < 0 ? (int)n : 0;
}

/* ---- batches ---- */

static bool hex64(const char *s)
{
    if (!s || strnlen(s, 65) != 64) return false;
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

/* A string member without NUL bytes (or null when nullable). */
static bool str_ok(const json_t *v, bool nullable)
{
    if (json_is_null(v) || !v) return nullable && v;
    return json_is_string(v) && strlen(json_string_value(v)) == json_string_length(v);
}

int sync_batch_check(const json_t *body, const char *node_id, derr_t *err)
{
    static const char *const allowed[] = {"node", "events", "head"};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v) {
        bool ok = false;
        for (size_t i = 0; i < 3; i++) ok |= !strcmp(key, allowed[i]);
        if (!ok) return derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, key, key, NULL, NULL);
    }
    const char *node = json_string_value(json_object_get(body, "node"));
    if (!node) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "node", "node", NULL, NULL);
    if (strcmp(node, node_id)) return derr_set(err, -EINVAL, 400, MSG_SYNC_BATCH_NODE, "node", node_id, NULL, NULL);
    const json_t *head = json_object_get(body, "head");
    if (head && (!json_is_object(head) || !json_is_integer(json_object_get(head, "seq")) ||
                 !json_is_integer(json_object_get(head, "at"))))
        return derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "head", "head", "{seq, at}", NULL);
    const json_t *events = json_object_get(body, "events");
    if (!json_is_array(events)) return derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "events", "events", "array", NULL);
    if (json_array_size(events) > SYNC_BATCH_MAX_EVENTS) {
        char a[16], b[16];
        snprintf(a, sizeof a, "%d", SYNC_BATCH_MAX_EVENTS);
        snprintf(b, sizeof b, "%zu", SYNC_BATCH_MAX_BYTES);
        return derr_set(err, -E2BIG, 413, MSG_SYNC_BATCH_TOO_LARGE, "events", a, b, NULL);
    }
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        char idx[24];
        snprintf(idx, sizeof idx, "%zu", i);
        const char *bad = NULL;
        if (!json_is_object(e)) bad = "(object)";
        else if (json_object_size(e) != 9) bad = "(exactly seq, at, unit, actor, type, entity, payload, prev_hash, hash)";
        else if (!json_is_integer(json_object_get(e, "seq")) || json_integer_value(json_object_get(e, "seq")) < 1)
            bad = "seq";
        else if (!json_is_integer(json_object_get(e, "at"))) bad = "at";
        else if (!str_ok(json_object_get(e, "unit"), true)) bad = "unit";
        else if (!str_ok(json_object_get(e, "actor"), true)) bad = "actor";
        else if (!str_ok(json_object_get(e, "type"), false)) bad = "type";
        else if (!str_ok(json_object_get(e, "entity"), true)) bad = "entity";
        else if (!str_ok(json_object_get(e, "payload"), false)) bad = "payload";
        else if (!hex64(json_string_value(json_object_get(e, "prev_hash")))) bad = "prev_hash";
        else if (!hex64(json_string_value(json_object_get(e, "hash")))) bad = "hash";
        if (bad) return derr_set(err, -EINVAL, 400, MSG_SYNC_EVENT_FIELD, "events", idx, bad, NULL);
    }
    return 0;
}

static const char *ev_s(const json_t *e, const char *k) { return json_string_value(json_object_get(e, k)); }
static long long ev_i(const json_t *e, const char *k) { return (long long)json_integer_value(json_object_get(e, k)); }

static int refuse(sync_batch_t *b, long long seq, msg_id_t msg, const char *reason)
{
    b->status = 422;
    b->bad_seq = seq;
    b->msg = msg;
    snprintf(b->reason, sizeof b->reason, "event %lld: %s", seq, reason);
    return -EBADMSG;
}

/* Whether unit (may be NULL) lies inside the node's subtree: 1 yes, 0 no, < 0 error. */
static int owned(db_t *db, const char *unit, const char *node_path)
{
    if (!unit) return 1;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT path FROM units WHERE id = $1", "t", unit);
    int ok = rc == DB_ROW && auth_path_prefix(node_path, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc < 0 ? rc : ok;
}

int sync_batch_apply(db_t *db, void *arg)
{
    sync_batch_t *b = arg;
    b->status = 200;
    b->applied = b->skipped = b->kept = 0;
    b->reason[0] = '\0';
    b->bad_seq = 0;
    /* Take the chain head's row lock before reading it (a no-op UPDATE, as the dossier counters do): two hub
     * processes given the same node's batches at once then apply them one after the other, the second seeing the
     * first's head (READ COMMITTED reads the committed row after the wait; SQLite has one writer anyway). */
    long long locked = db_run(db, "UPDATE ledger_head SET seq = seq WHERE node = $1 AND is_self = 0", "t", b->node_id);
    if (locked < 0) return (int)locked;
    sync_node_t *n = xmalloc(sizeof *n);
    int rc = sync_node_get(db, b->node_id, n);
    if (rc < 0) {
        free(n);
        return rc;
    }
    b->seq = n->seq;
    memcpy(b->hash, n->hash, sizeof b->hash);
    if (strcmp(n->state, "active")) {
        b->status = 423;
        free(n);
        return 0;
    }
    /* First pass: every event is known (same hash) or continues the chain, with its hash recomputed and its unit
     * owned; nothing is written until the whole batch passed. */
    long long head = n->seq, prev_at = n->at;    /* the at of the head's event (0 at genesis) */
    char prev[SHA256_HEX_LEN + 1];
    memcpy(prev, n->hash, sizeof prev);
    size_t i, first_new = (size_t)-1;
    json_t *e;
    char owned_unit[ID_LEN + 1] = "";
    rc = 0;
    json_array_foreach(b->events, i, e) {
        long long seq = ev_i(e, "seq");
        const char *hash = ev_s(e, "hash"), *payload = ev_s(e, "payload");
        if (first_new == (size_t)-1 && seq <= head) {
            db_stmt_t *s;
            rc = db_query(db, &s, "SELECT hash FROM events WHERE node = $1 AND seq = $2", "ti", b->node_id, seq);
            bool same = rc == DB_ROW && !strcmp(db_col_text(s, 0), hash);
            if (s) db_reset(s);
            if (rc < 0) break;
            if (!same) { rc = refuse(b, seq, MSG_SYNC_SEQ_CONFLICT, "the hub holds a different event at this seq"); break; }
            rc = 0;
            b->skipped++;
            continue;
        }
        if (first_new == (size_t)-1) first_new = i;
        if (seq != head + 1) {
            if (seq > head + 1) b->status = 409;
            else rc = refuse(b, seq, MSG_SYNC_SEQ_CONFLICT, "the batch repeats or reorders events after new ones");
            break;
        }
        if (ev_i(e, "at") < prev_at) {
            rc = refuse(b, seq, MSG_SYNC_CHAIN_BROKEN, "the event's time goes back along the chain");
            break;
        }
        prev_at = ev_i(e, "at");
        if (strcmp(ev_s(e, "prev_hash"), prev)) {
            rc = refuse(b, seq, MSG_SYNC_CHAIN_BROKEN, "prev_hash does not continue the hub's head of the chain");
            break;
        }
        char h[SHA256_HEX_LEN + 1];
        rc = ledger_event_hash(prev, b->node_id, seq, ev_i(e, "at"), ev_s(e, "unit"), ev_s(e, "actor"),
                               ev_s(e, "type"), ev_s(e, "entity"), payload, strlen(payload), h);
        if (rc < 0 || strcmp(h, hash)) {
            rc = refuse(b, seq, MSG_SYNC_HASH_BAD, "the hash does not match the event's content");
            break;
        }
        /* The events of a batch are nearly always of one or a few units: a unit found owned is not asked again
         * (the first pass writes nothing, so every check sees the same units). */
        const char *unit = ev_s(e, "unit");
        int own = unit && !strcmp(unit, owned_unit) ? 1 : owned(db, unit, n->unit_path);
        if (own < 0) { rc = own; break; }
        if (own && unit) str_copy(owned_unit, sizeof owned_unit, unit);
        if (!own) { rc = refuse(b, seq, MSG_SYNC_OWNERSHIP, "the event's unit is outside the node's unit subtree"); break; }
        head = seq;
        memcpy(prev, h, sizeof prev);
    }
    if (rc < 0 || b->status != 200 || first_new == (size_t)-1) {
        if (rc == 0 && b->status == 200) goto seen;   /* everything known: a repeat */
        free(n);
        return rc;
    }
    /* Second pass: insert and apply. */
    for (i = first_new; i < json_array_size(b->events) && rc == 0; i++) {
        e = json_array_get(b->events, i);
        const char *payload = ev_s(e, "payload");
        size_t plen = strlen(payload);
        long long seq = ev_i(e, "seq");
        long long w = db_run(db,
                             "INSERT INTO events (node, seq, at, unit_id, actor, type, entity, payload, prev_hash, "
                             "hash, province_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                             "(SELECT u.province_id FROM units u WHERE u.id = $4))",
                             "tiittttttt", b->node_id, seq, ev_i(e, "at"), ev_s(e, "unit"), ev_s(e, "actor"),
                             ev_s(e, "type"), ev_s(e, "entity"), payload, ev_s(e, "prev_hash"), ev_s(e, "hash"));
        if (w < 0) { rc = (int)w; break; }
        event_meta_t m = {.node = b->node_id, .seq = seq, .at = ev_i(e, "at"), .unit_id = ev_s(e, "unit"),
                          .actor = ev_s(e, "actor"), .type = ev_s(e, "type"), .entity = ev_s(e, "entity")};
        /* Only what the node owns is applied: its module's replica guard says so (event.h); a type without one
         * (units, accounts, procedures, keys, the hub's own sync.* ...) stays in the chain, unapplied. */
        int ar = event_apply_replica(db, &m, payload, plen, n->unit_path);
        if (ar == -EPERM) {
            rc = refuse(b, seq, MSG_SYNC_OWNERSHIP, "the event touches rows outside the node's unit subtree");
            break;
        }
        if (ar < 0) {
            rc = refuse(b, seq, MSG_SYNC_APPLY_FAILED, "the event cannot be applied at the hub");
            break;
        }
        if (ar == EVENT_REPLICA_KEPT) b->kept++;
        else b->applied++;
    }
    if (rc == 0) {
        long long w = db_run(db, "UPDATE ledger_head SET seq = $1, hash = $2 WHERE node = $3", "itt", head, prev,
                             b->node_id);
        if (w < 0) rc = (int)w;
        b->seq = head;
        memcpy(b->hash, prev, sizeof b->hash);
    }
    if (rc < 0) {
        free(n);
        return rc;
    }
seen:
    free(n);
    long long hs = b->head_seq > b->seq ? b->head_seq : b->seq;
    long long w = db_run(db, "UPDATE sync_node_seen SET node_head_seq = $1, node_head_at = $2, last_seen_at = $3, "
                             "last_batch_at = $3 WHERE node_id = $4", "iiit", hs, b->head_at, b->now, b->node_id);
    return w < 0 ? (int)w : 0;
}

int sync_refuse(db_t *db, void *arg)
{
    sync_refusal_t *r = arg;
    id_new(r->id);
    char *body = xstrndup(r->body ? r->body : "", r->body ? r->body_len : 0);
    long long n = db_run(db, "INSERT INTO sync_refused (id, node, at, bad_seq, reason, body) "
                             "VALUES ($1, $2, $3, $4, $5, $6)", "ttiitt", r->id, r->node_id, r->now, r->bad_seq,
                         r->reason, body);
    free(body);
    if (n < 0) return (int)n;
    sync_node_t *node = xmalloc(sizeof *node);
    int rc = sync_node_get(db, r->node_id, node);
    struct flag_ev ev = {r->node_id, r->reason, r->id, r->now, r->bad_seq};
    if (rc == 0)
        rc = event_record(db, node->unit_id, NULL, "sync.node_flagged", "sync_node", r->node_id, flag_payload, &ev,
                          NULL);
    free(node);
    return rc;
}

int sync_clear_node(db_t *db, void *arg)
{
    sync_clear_t *c = arg;
    if (!has_admin(c->who)) return derr_set(&c->err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    sync_node_t *n = xmalloc(sizeof *n);
    int rc = id_valid(c->node_id) ? sync_node_get(db, c->node_id, n) : -ENOENT;
    if (rc == 0 && !admin_covers(c->who, n->unit_path)) rc = -ENOENT;
    if (rc == -ENOENT) rc = derr_set(&c->err, rc, 404, MSG_SYNC_NODE_UNKNOWN, NULL, c->node_id, NULL, NULL);
    else if (rc == 0 && strcmp(n->state, "flagged"))
        rc = derr_set(&c->err, -EINVAL, 409, MSG_SYNC_NOT_FLAGGED, NULL, c->node_id, NULL, NULL);
    if (rc == 0)
        rc = event_record(db, n->unit_id, c->who ? c->who->account_id : NULL, "sync.node_cleared", "sync_node",
                          c->node_id, clear_payload, c->node_id, NULL);
    free(n);
    return rc;
}

/* ---- monitoring ---- */

static void lag(sync_node_t *n, long long now)
{
    n->lag_events = n->node_head_seq > n->seq ? n->node_head_seq - n->seq : 0;
    long long since = n->at ? n->at : n->enrolled_at;
    n->lag_seconds = n->lag_events > 0 && now > since ? (now - since) / 1000 : 0;
}

int sync_status_each(db_t *db, const char *under_path, long long now, sync_node_cb cb, void *arg)
{
    db_stmt_t *s;
    sync_node_t *n = xmalloc(sizeof *n);
    int rc = db_query(db, &s, "SELECT " NODE_COLS "WHERE n.unit_path LIKE CAST($1 AS TEXT) || '%' ORDER BY n.node_id",
                      "t", under_path ? under_path : "");
    while (rc == DB_ROW) {
        node_row(s, n);
        lag(n, now);
        if ((rc = cb(n, arg)) < 0) break;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    free(n);
    return rc < 0 ? rc : 0;
}

int sync_totals(db_t *db, const char *under_path, sync_totals_t *out)
{
    memset(out, 0, sizeof *out);
    const char *p = under_path ? under_path : "";
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN state = 'flagged' THEN 1 ELSE 0 END), 0) "
                              "FROM sync_nodes WHERE unit_path LIKE CAST($1 AS TEXT) || '%'", "t", p);
    if (rc == DB_ROW) {
        out->nodes = db_col_int(s, 0);
        out->flagged = db_col_int(s, 1);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    rc = db_query(db, &s, "SELECT COUNT(*) FROM sync_refused r JOIN sync_nodes n ON n.node_id = r.node "
                          "WHERE n.unit_path LIKE CAST($1 AS TEXT) || '%'", "t", p);
    if (rc == DB_ROW) out->refused = db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

void sync_node_json(jw_t *w, const sync_node_t *n)
{
    jw_obj_begin(w);
    jw_kstr(w, "node_id", n->node_id);
    jw_kstr(w, "name", n->name);
    jw_kstr(w, "unit_id", n->unit_id);
    jw_kstr(w, "state", n->state);
    jw_kstr(w, "flagged_reason", n->flagged_reason[0] ? n->flagged_reason : NULL);
    jw_kint(w, "enrolled_at", n->enrolled_at);
    jw_kint(w, "seq", n->seq);
    jw_kstr(w, "hash", n->hash);
    jw_kint(w, "last_event_at", n->at);
    jw_kint(w, "node_head_seq", n->node_head_seq);
    jw_kint(w, "last_seen_at", n->last_seen_at);
    jw_kint(w, "lag_events", n->lag_events);
    jw_kint(w, "lag_seconds", n->lag_seconds);
    jw_obj_end(w);
}

int sync_self_status(db_t *db, long long now, sync_self_t *out)
{
    memset(out, 0, sizeof *out);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT node, seq FROM ledger_head WHERE is_self = 1", "");
    if (rc == DB_ROW) {
        db_col_copy(s, 0, out->node_id, sizeof out->node_id);
        out->head_seq = db_col_int(s, 1);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (sync_meta_get(db, "hub_url", out->hub_url, sizeof out->hub_url) < 0) out->hub_url[0] = '\0';
    out->acked_seq = meta_int(db, "sync_acked_seq");
    out->acked_at = meta_int(db, "sync_acked_at");
    out->lag_events = out->head_seq > out->acked_seq ? out->head_seq - out->acked_seq : 0;
    if (out->lag_events > 0) {
        rc = db_query(db, &s, "SELECT at FROM events WHERE node = $1 AND seq = $2", "ti", out->node_id,
                      out->acked_seq + 1);
        if (rc == DB_ROW && now > db_col_int(s, 0)) out->lag_seconds = (now - db_col_int(s, 0)) / 1000;
        if (s) db_reset(s);
        if (rc < 0) return rc;
    }
    return 0;
}

int sync_record_ack(db_t *db, void *arg)
{
    const sync_ack_t *a = arg;
    char v[32];
    snprintf(v, sizeof v, "%lld", a->seq);
    int rc = sync_meta_set(db, "sync_acked_seq", v);
    snprintf(v, sizeof v, "%lld", a->now);
    if (rc == 0) rc = sync_meta_set(db, "sync_acked_at", v);
    return rc;
}

int sync_signed_string(buf_t *out, const char *method, const char *path, const char *time, const void *body,
                       size_t body_len)
{
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex(body ? body : "", body ? body_len : 0, hex);
    return buf_printf(out, "%s\n%s\n%s\n%s", method, path, time, hex);
}

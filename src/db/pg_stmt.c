/* pg_stmt.c — PostgreSQL driver: statements prepared on the server once per connection and cached by the SQL
 * string's address (checked by content), text parameters, row stepping and columns (see pg.c for the whole driver). */
#include "db/pg_internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- statements ---- */

static size_t hash_text(const char *s)
{
    size_t h = 1469598103934665603ULL & (size_t)-1;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

static size_t ptr_slot(const void *p)
{
    uintptr_t v = (uintptr_t)p;
    v ^= v >> 17;
    v *= (uintptr_t)0x9E3779B97F4A7C15ULL;
    return (size_t)(v >> 8) % PG_PTR_SLOTS;
}

void stmt_clear_result(pg_stmt_t *st)
{
    if (st->res && !st->res_shared) PQclear(st->res);
    st->res_shared = 0;
    st->res = NULL;
    st->row = -1;
    st->done = 0;
}

void stmt_free(pg_stmt_t *st)
{
    stmt_clear_result(st);
    rcache_free((pg_conn_t *)st->head.db, st);
    for (int i = 0; i < st->nparams; i++) free(st->vals[i]);
    free(st->vals);
    free(st->caps);
    free(st->sql);
    free(st);
}

static void table_insert(pg_conn_t *c, pg_stmt_t *st)
{
    if (c->nstmts + 1 > c->table_cap / 2) {
        size_t ncap = c->table_cap ? c->table_cap * 2 : 64;
        pg_stmt_t **nt = xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < c->table_cap; i++) {
            pg_stmt_t *e = c->table[i];
            while (e) {
                pg_stmt_t *nx = e->next;
                size_t b = e->hash & (ncap - 1);
                e->next = nt[b];
                nt[b] = e;
                e = nx;
            }
        }
        free(c->table);
        c->table = nt;
        c->table_cap = ncap;
    }
    size_t b = st->hash & (c->table_cap - 1);
    st->next = c->table[b];
    c->table[b] = st;
    c->nstmts++;
}

static pg_stmt_t *cache_find(pg_conn_t *c, const char *sql)
{
    size_t slot = ptr_slot(sql);
    pg_stmt_t *st = c->slots[slot].st;
    if (st && c->slots[slot].ptr == sql && strcmp(st->sql, sql) == 0) return st;
    size_t h = hash_text(sql);
    st = NULL;
    if (c->table_cap) {
        for (pg_stmt_t *e = c->table[h & (c->table_cap - 1)]; e; e = e->next)
            if (e->hash == h && strcmp(e->sql, sql) == 0) { st = e; break; }
    }
    if (!st) {
        st = xcalloc(1, sizeof *st);
        st->head.db = &c->head;
        st->sql = xstrdup(sql);
        st->hash = h;
        st->row = -1;
        st->cacheable = rcache_cacheable(sql);
        snprintf(st->name, sizeof st->name, "motcua_%lu", c->next_name++);
        table_insert(c, st);
    }
    c->slots[slot].ptr = sql;
    c->slots[slot].st = st;
    return st;
}

static void stmt_set_nparams(pg_stmt_t *st, int n)
{
    for (int i = 0; i < st->nparams; i++) free(st->vals[i]);
    free(st->vals);
    free(st->caps);
    st->nparams = n;
    st->vals = n ? xcalloc((size_t)n, sizeof *st->vals) : NULL;
    st->caps = n ? xcalloc((size_t)n, sizeof *st->caps) : NULL;
}

/* Prepare st on the server and learn its parameter and column counts (one round trip each, once per session). */
static int stmt_server_prepare(pg_conn_t *c, pg_stmt_t *st)
{
    PGresult *r = PQprepare(c->pc, st->name, st->sql, 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = conn_fail(c, r);
        PQclear(r);
        return rc;
    }
    PQclear(r);
    r = PQdescribePrepared(c->pc, st->name);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = conn_fail(c, r);
        PQclear(r);
        return rc;
    }
    int np = PQnparams(r);
    st->ncols = PQnfields(r);
    PQclear(r);
    if (np != st->nparams) stmt_set_nparams(st, np);
    st->prepared = 1;
    return 0;
}

db_stmt_t *pg_prepare(db_t *db, const char *sql)
{
    pg_conn_t *c = (pg_conn_t *)db;
    if (!sql) {
        str_copy(c->err, sizeof c->err, "no SQL");
        return NULL;
    }
    pg_stmt_t *st = cache_find(c, sql);
    /* A fresh use: forget a previous execution's rows and bindings (unbound parameters are NULL). */
    stmt_clear_result(st);
    for (int i = 0; i < st->nparams; i++) {
        free(st->vals[i]);
        st->vals[i] = NULL;
        st->caps[i] = 0;
    }
    if (!st->prepared) {
        int fresh = c->begin_pending != NULL;
        int rc = stmt_server_prepare(c, st);
        /* The snapshot's first statement on a connection lost meanwhile: nothing has run, so start it again. */
        if (rc < 0 && fresh && conn_restart_snapshot(c) == 0) rc = stmt_server_prepare(c, st);
        if (rc < 0) {
            db->err = rc;   /* -EIO when the server is gone, the first error of an aborted transaction, ... */
            return NULL;
        }
    }
    return &st->head;
}

static int bind_check(pg_stmt_t *st, int idx)
{
    pg_conn_t *c = (pg_conn_t *)st->head.db;
    if (idx < 1 || idx > st->nparams) {
        snprintf(c->err, sizeof c->err, "bind index %d out of range (statement has %d parameters)", idx,
                 st->nparams);
        return -EINVAL;
    }
    return 0;
}

static int bind_copy(pg_stmt_t *st, int idx, const char *s, size_t len)
{
    int rc = bind_check(st, idx);
    if (rc < 0) return rc;
    if (len >= (size_t)-1 / 2) return -EINVAL;
    size_t i = (size_t)idx - 1;
    if (st->caps[i] < len + 1) {
        free(st->vals[i]);
        st->caps[i] = len + 1 < 32 ? 32 : len + 1;
        st->vals[i] = xmalloc(st->caps[i]);
    }
    memcpy(st->vals[i], s, len);
    st->vals[i][len] = '\0';
    return 0;
}

int pg_bind_text(db_stmt_t *s, int idx, const char *v, size_t len)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (memchr(v, '\0', len)) {
        pg_conn_t *c = (pg_conn_t *)s->db;
        str_copy(c->err, sizeof c->err, "text parameter contains a NUL byte");
        return -EINVAL;
    }
    return bind_copy(st, idx, v, len);
}

int pg_bind_int(db_stmt_t *s, int idx, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", v);
    return bind_copy((pg_stmt_t *)s, idx, num, (size_t)n);
}

int pg_bind_null(db_stmt_t *s, int idx)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    int rc = bind_check(st, idx);
    if (rc < 0) return rc;
    free(st->vals[idx - 1]);
    st->vals[idx - 1] = NULL;
    st->caps[idx - 1] = 0;
    return 0;
}

static int is_dml_tag(const char *tag)
{
    return !strncmp(tag, "INSERT", 6) || !strncmp(tag, "UPDATE", 6) || !strncmp(tag, "DELETE", 6) ||
           !strncmp(tag, "MERGE", 5);
}

int pg_step(db_stmt_t *s)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    pg_conn_t *c = (pg_conn_t *)s->db;
    if (st->done) return DB_DONE;
    int cache = c->reading && c->snap_version && st->cacheable && !st->res;
    if (cache && (st->res = rcache_get(st, c->snap_version)) != NULL) {
        st->res_shared = 1;   /* kept rows of this data version: no round trip */
        st->row = -1;
        atomic_fetch_add_explicit(&c->head.store->cache_hits, 1, memory_order_relaxed);
    } else if (cache) {
        atomic_fetch_add_explicit(&c->head.store->cache_misses, 1, memory_order_relaxed);
    }
    if (!st->res) {
        if (!st->prepared) {
            int rc = stmt_server_prepare(c, st);
            if (rc < 0) return rc;
        }
        PGresult *r;
        if (c->begin_pending) {
            int rc = conn_exec_after_begin(c, st->name, st->nparams, (const char *const *)st->vals, &r);
            /* The snapshot's first statement on a connection lost meanwhile (the BEGIN of a snapshot used to find
             * that out before the callback ran): nothing has run, so reconnect, prepare again and run it once more. */
            if (rc < 0 && c->txn_err == -EIO && conn_restart_snapshot(c) == 0 && (rc = stmt_server_prepare(c, st)) == 0)
                rc = conn_exec_after_begin(c, st->name, st->nparams, (const char *const *)st->vals, &r);
            if (rc < 0) return rc;
        } else {
            r = PQexecPrepared(c->pc, st->name, st->nparams, (const char *const *)st->vals, NULL, NULL, 0);
            ExecStatusType es = PQresultStatus(r);
            if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
                int rc = conn_fail(c, r);
                PQclear(r);
                return rc;
            }
        }
        const char *tag = PQcmdStatus(r);
        if (is_dml_tag(tag)) c->changes = strtoll(PQcmdTuples(r), NULL, 10);
        st->res = r;
        st->row = -1;
        if (cache && PQresultStatus(r) == PGRES_TUPLES_OK)
            st->res_shared = rcache_put(st, c->snap_version, r, ((pg_store_t *)c->head.store)->rc_ways);
    }
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return DB_ROW;
    }
    stmt_clear_result(st);
    st->done = 1;
    return DB_DONE;
}

void pg_reset(db_stmt_t *s) { stmt_clear_result((pg_stmt_t *)s); }

int pg_col_count(db_stmt_t *s)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    return st->res ? PQnfields(st->res) : st->ncols;
}

static int on_row(const pg_stmt_t *st, int col)
{
    return st->res && st->row >= 0 && st->row < PQntuples(st->res) && col >= 0 && col < PQnfields(st->res);
}

int pg_col_is_null(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    return !on_row(st, col) || PQgetisnull(st->res, st->row, col);
}

const char *pg_col_text(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (pg_col_is_null(s, col)) return NULL;
    return PQgetvalue(st->res, st->row, col);
}

size_t pg_col_len(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (pg_col_is_null(s, col)) return 0;
    return (size_t)PQgetlength(st->res, st->row, col);
}

long long pg_col_int(db_stmt_t *s, int col)
{
    const char *v = pg_col_text(s, col);
    if (!v) return 0;
    if (v[0] == 't' && v[1] == '\0') return 1;   /* boolean columns read as SQLite's 0/1 */
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return strtoll(v, NULL, 10);
}

long long pg_changes(db_t *db) { return ((pg_conn_t *)db)->changes; }

int pg_exec(db_t *db, const char *sql)
{
    pg_conn_t *c = (pg_conn_t *)db;
    int brc = conn_begin_now(c);
    if (brc < 0) return brc;
    PGresult *r = PQexec(c->pc, sql);
    ExecStatusType es = PQresultStatus(r);
    int rc = 0;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK && es != PGRES_EMPTY_QUERY) rc = conn_fail(c, r);
    PQclear(r);
    return rc;
}

const char *pg_errmsg(db_t *db)
{
    pg_conn_t *c = (pg_conn_t *)db;
    return c->err;
}

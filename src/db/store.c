/* store.c — the public face of db.h: picks the driver from the URL and dispatches to it.
 *
 * Also holds what every driver shares: the thread-local "my connection for this store" cache (keyed by a per-open
 * generation number, so a thread never reuses a connection of a store that was closed and reopened) and the
 * typed bind helpers db_run()/db_query(). */
#include "db/db_driver.h"
#include "core/mem.h"

#include <stdarg.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>

static atomic_ulong generation_counter = 1;

unsigned long store_next_generation(void)
{
    return atomic_fetch_add(&generation_counter, 1);
}

#define TLS_SLOTS 4
static _Thread_local struct {
    unsigned long gen;
    db_t         *db;
} tls_conn[TLS_SLOTS];

db_t *store_tls_get(const store_t *st)
{
    for (int i = 0; i < TLS_SLOTS; i++)
        if (tls_conn[i].gen == st->generation) return tls_conn[i].db;
    return NULL;
}

void store_tls_set(const store_t *st, db_t *db)
{
    /* The store's own slot first, wherever it is: never leave a second, stale entry for it. */
    for (int i = 0; i < TLS_SLOTS; i++)
        if (tls_conn[i].gen == st->generation) {
            tls_conn[i].gen = db ? st->generation : 0;
            tls_conn[i].db = db;
            return;
        }
    if (!db) return;
    int slot = -1;
    for (int i = 0; i < TLS_SLOTS && slot < 0; i++)
        if (tls_conn[i].gen == 0) slot = i;
    if (slot < 0) {
        slot = 0;   /* evict the oldest store's entry */
        for (int i = 1; i < TLS_SLOTS; i++)
            if (tls_conn[i].gen < tls_conn[slot].gen) slot = i;
    }
    tls_conn[slot].gen = st->generation;
    tls_conn[slot].db = db;
}

/* Set on a driver's writer thread: every callback it runs is a write callback, and a store_write() (or, on SQLite,
 * a store_exclusive()) from there would queue behind the very job that waits for it. */
static _Thread_local int tls_in_writer;

void store_mark_writer_thread(void) { tls_in_writer = 1; }

int store_url_is_pg(const char *url)
{
    return strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0;
}

int store_open(store_t **out, const store_opts_t *opts)
{
    *out = NULL;
    if (!opts || !opts->url || !*opts->url) return -EINVAL;
    const db_driver_t *drv = store_url_is_pg(opts->url) ? &db_pg_driver : &db_sqlite_driver;
    int rc = drv->open(out, opts);
    if (rc < 0) return rc;
    (*out)->drv = drv;
    return 0;
}

void store_close(store_t *st)
{
    if (st) st->drv->close(st);
}

const char *store_engine(const store_t *st) { return st->drv->name; }

/* ---- error counts (store_error_counts) ----
 * Only failure paths add to them (a relaxed atomic add each), so the counting costs nothing on success. */

static void count_error(store_t *st, int op, int rc)
{
    int kind;
    switch (rc) {
    case -EIO: kind = STORE_ERR_IO; break;
    case -ECONFLICT: kind = STORE_ERR_CONFLICT; break;
    case -EROFS: kind = STORE_ERR_READ_ONLY; break;
    case -EDEADLK: kind = STORE_ERR_OTHER; break;
    default:
        if (op != STORE_ERR_STATEMENT || rc == -EEXIST) return;   /* a callback's own answer / a unique key */
        kind = STORE_ERR_OTHER;
    }
    atomic_fetch_add_explicit(&st->errors[op][kind], 1, memory_order_relaxed);
}

/* The rc of a read or write transaction, counted when it is a store failure. */
static int counted(store_t *st, int op, int rc)
{
    if (rc < 0) count_error(st, op, rc);
    return rc;
}

void store_cache_counts(const store_t *st, store_cache_stats_t *out)
{
    store_t *s = (store_t *)st;
    out->on = s->cache_on;
    out->hits = atomic_load_explicit(&s->cache_hits, memory_order_relaxed);
    out->misses = atomic_load_explicit(&s->cache_misses, memory_order_relaxed);
}

void store_error_counts(const store_t *st, store_errors_t *out)
{
    store_t *s = (store_t *)st;
    for (int o = 0; o < STORE_ERR_OPS; o++)
        for (int k = 0; k < STORE_ERR_KINDS; k++)
            out->n[o][k] = atomic_load_explicit(&s->errors[o][k], memory_order_relaxed);
}

int store_write(store_t *st, db_fn fn, void *arg)
{
    if (tls_in_writer) return counted(st, STORE_ERR_WRITE, -EDEADLK);
    atomic_fetch_add(&st->writes, 1);      /* before and after: a read that overlaps the write sees a change */
    int rc = st->drv->write(st, fn, arg);
    atomic_fetch_add(&st->writes, 1);
    return counted(st, STORE_ERR_WRITE, rc);
}

struct async_wrap {
    store_t   *st;
    db_done_fn done;
    void      *arg;
};

static void async_done(int rc, void *arg)
{
    struct async_wrap *w = arg;
    atomic_fetch_add(&w->st->writes, 1);
    counted(w->st, STORE_ERR_WRITE, rc);
    db_done_fn done = w->done;
    void *done_arg = w->arg;
    free(w);
    done(rc, done_arg);
}

int store_write_async(store_t *st, db_fn fn, void *arg, db_done_fn done, void *done_arg)
{
    if (tls_in_writer) return counted(st, STORE_ERR_WRITE, -EDEADLK);
    struct async_wrap *w = xmalloc(sizeof *w);
    *w = (struct async_wrap){st, done, done_arg};
    atomic_fetch_add(&st->writes, 1);
    int rc = st->drv->write_async(st, fn, arg, async_done, w);
    if (rc < 0) {
        atomic_fetch_add(&st->writes, 1);
        free(w);
        count_error(st, STORE_ERR_WRITE, rc);
    }
    return rc;
}

unsigned long long store_write_count(const store_t *st)
{
    return atomic_load(&((store_t *)st)->writes);
}
int store_read(store_t *st, db_fn fn, void *arg) { return counted(st, STORE_ERR_READ, st->drv->read(st, fn, arg)); }
int store_exclusive(store_t *st, db_fn fn, void *arg)
{
    if (tls_in_writer) return counted(st, STORE_ERR_WRITE, -EDEADLK);
    atomic_fetch_add(&st->writes, 1);
    int rc = st->drv->exclusive(st, fn, arg);
    atomic_fetch_add(&st->writes, 1);
    return counted(st, STORE_ERR_WRITE, rc);
}
int store_ping(store_t *st) { return st->drv->ping(st); }
int store_backup(store_t *st, const char *dest) { return st->drv->backup(st, dest); }

db_stmt_t *db_prepare(db_t *db, const char *sql)
{
    db->err = 0;
    db_stmt_t *s = db->drv->prepare(db, sql);
    if (!s && db->store) count_error(db->store, STORE_ERR_STATEMENT, db->err ? db->err : -EINVAL);
    return s;
}
int db_bind_text(db_stmt_t *s, int i, const char *v, size_t n)
{
    if (!v) return s->db->drv->bind_null(s, i);
    return s->db->drv->bind_text(s, i, v, n == DB_NTS ? strlen(v) : n);
}
int db_bind_int(db_stmt_t *s, int i, long long v) { return s->db->drv->bind_int(s, i, v); }
int db_bind_null(db_stmt_t *s, int i) { return s->db->drv->bind_null(s, i); }
int db_step(db_stmt_t *s)
{
    int rc = s->db->drv->step(s);
    if (rc < 0 && s->db->store) count_error(s->db->store, STORE_ERR_STATEMENT, rc);
    return rc;
}
void db_reset(db_stmt_t *s) { s->db->drv->reset(s); }
int db_col_count(db_stmt_t *s) { return s->db->drv->col_count(s); }
const char *db_col_text(db_stmt_t *s, int c) { return s->db->drv->col_text(s, c); }
void db_col_copy(db_stmt_t *s, int c, char *dst, size_t cap)
{
    const char *v = db_col_text(s, c);
    str_copy(dst, cap, v ? v : "");
}
size_t db_col_len(db_stmt_t *s, int c) { return s->db->drv->col_len(s, c); }
long long db_col_int(db_stmt_t *s, int c) { return s->db->drv->col_int(s, c); }
int db_col_is_null(db_stmt_t *s, int c) { return s->db->drv->col_is_null(s, c); }
long long db_changes(db_t *db) { return db->drv->changes(db); }
int db_exec(db_t *db, const char *sql) { return db->drv->exec(db, sql); }
const char *db_errmsg(db_t *db) { return db->drv->errmsg(db); }
const char *db_engine(const db_t *db) { return db->drv->name; }

static int bind_va(db_stmt_t *s, const char *types, va_list ap)
{
    int idx = 1, rc = 0;
    for (const char *t = types; *t && rc == 0; t++, idx++) {
        switch (*t) {
        case 't': rc = db_bind_text(s, idx, va_arg(ap, const char *), DB_NTS); break;
        case 'i': rc = db_bind_int(s, idx, va_arg(ap, long long)); break;
        case 'n': rc = db_bind_null(s, idx); break;
        default: rc = -EINVAL;
        }
    }
    return rc;
}

/* Why a prepare failed: the driver's own code (-EIO when the server is gone) or -EINVAL for bad SQL. */
static int prepare_error(db_t *db)
{
    return db->err ? db->err : -EINVAL;
}

long long db_run(db_t *db, const char *sql, const char *types, ...)
{
    db_stmt_t *s = db_prepare(db, sql);
    if (!s) return prepare_error(db);
    va_list ap;
    va_start(ap, types);
    int rc = bind_va(s, types, ap);
    va_end(ap);
    if (rc == 0) {
        while ((rc = db_step(s)) == DB_ROW) {}
    }
    db_reset(s);
    if (rc < 0) return rc;
    return db_changes(db);
}

int db_query(db_t *db, db_stmt_t **out, const char *sql, const char *types, ...)
{
    db_stmt_t *s = db_prepare(db, sql);
    *out = s;
    if (!s) return prepare_error(db);
    va_list ap;
    va_start(ap, types);
    int rc = bind_va(s, types, ap);
    va_end(ap);
    if (rc == 0) rc = db_step(s);
    if (rc < 0) db_reset(s);
    return rc;
}

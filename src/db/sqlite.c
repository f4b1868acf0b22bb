/* sqlite.c — the SQLite driver: one writer thread with group commit, one read connection per worker thread.
 *
 * Writes: store_write() queues a job and waits. The writer thread takes every queued job (up to GROUP_MAX), opens
 * one BEGIN IMMEDIATE transaction, runs each job inside its own SAVEPOINT (a failing job rolls back only itself),
 * and commits once: with synchronous=FULL that is one fsync for the whole group instead of one per request.
 * Reads: each thread gets its own read-only connection on first use (WAL lets readers run beside the writer) and
 * runs the callback inside BEGIN ... COMMIT, a consistent snapshot.
 * Statements: cached per connection by the SQL string's address (checked by content), prepared once. SQL uses
 * PostgreSQL's $1 $2 placeholders; SQLite sees them as named parameters, so binds go through a name->index map. */
#include "db/db_driver.h"
#include "core/log.h"
#include "core/mem.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP_MAX 128
#define BUSY_TIMEOUT_MS 10000

typedef struct sq_stmt {
    db_stmt_t     head;
    sqlite3_stmt *s;
    const char   *sql_ptr;     /* cache key */
    char         *sql_copy;    /* content check */
    int           nmap;
    int          *map;         /* map[k] = sqlite index of $k (1-based), 0 when absent */
} sq_stmt_t;

typedef struct sq_conn {
    db_t        head;
    sqlite3    *h;
    sq_stmt_t **cache;         /* open addressing by pointer */
    size_t      cache_cap;
    size_t      cache_n;
    int         last_rc;
    int         read_depth;    /* > 0 while a read snapshot is open on this (thread's) connection */
    char        err[512];
    struct sq_conn *next;      /* registry of reader connections */
} sq_conn_t;

typedef struct job {
    db_fn       fn;
    void       *arg;
    int         raw;           /* run outside any transaction (exclusive) */
    int         rc;
    int         done;
    db_done_fn  on_done;       /* store_write_async(): called instead of waking a waiter; the job is heap-owned */
    void       *on_done_arg;
    struct job *next;
} job_t;

typedef struct sq_store {
    store_t         head;
    char           *path;
    int             readonly;
    sq_conn_t      *writer;
    pthread_t       writer_thread;
    int             writer_running;
    pthread_mutex_t mu;
    pthread_cond_t  cond_jobs;
    pthread_cond_t  cond_done;
    job_t          *q_head, *q_tail;
    int             stopping;
    sq_conn_t      *readers;   /* registry, guarded by mu */
} sq_store_t;

/* ---- connections ---- */

static void set_err(sq_conn_t *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, c->h ? sqlite3_errmsg(c->h) : "no connection");
}

static int map_rc(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return 0;
    case SQLITE_ROW: return DB_ROW;
    case SQLITE_DONE: return DB_DONE;
    case SQLITE_CONSTRAINT:
        if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return -EEXIST;
        return -EINVAL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return -ECONFLICT;
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
    case SQLITE_ERROR: return -EINVAL;
    case SQLITE_READONLY: return -EROFS;
    default: return -EIO;
    }
}

static sq_conn_t *conn_open(sq_store_t *st, const char *path, int flags)
{
    sq_conn_t *c = xcalloc(1, sizeof *c);
    c->head.drv = &db_sqlite_driver;
    c->head.store = &st->head;
    int rc = sqlite3_open_v2(path, &c->h, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        log_error("sqlite: cannot open %s: %s", path, c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
        sqlite3_close(c->h);
        free(c);
        return NULL;
    }
    sqlite3_extended_result_codes(c->h, 1);
    sqlite3_busy_timeout(c->h, BUSY_TIMEOUT_MS);
    return c;
}

static void stmt_free(sq_stmt_t *s)
{
    sqlite3_finalize(s->s);
    free(s->sql_copy);
    free(s->map);
    free(s);
}

static void conn_close(sq_conn_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->cache_cap; i++)
        if (c->cache[i]) stmt_free(c->cache[i]);
    free(c->cache);
    if (sqlite3_close(c->h) != SQLITE_OK) log_warn("sqlite: close: %s", sqlite3_errmsg(c->h));
    free(c);
}

static int conn_exec(sq_conn_t *c, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(c->h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return map_rc(rc) < 0 ? map_rc(rc) : -EIO;
    }
    return 0;
}

/* ---- statement cache ---- */

static size_t slot_of(const void *p, size_t cap)
{
    uintptr_t v = (uintptr_t)p;
    v ^= v >> 17;
    v *= 0x9E3779B97F4A7C15ull;
    return (size_t)(v >> 7) & (cap - 1);
}

static void cache_put(sq_conn_t *c, sq_stmt_t *s)
{
    if ((c->cache_n + 1) * 2 > c->cache_cap) {
        size_t ncap = c->cache_cap ? c->cache_cap * 2 : 64;
        sq_stmt_t **n = xcalloc(ncap, sizeof *n);
        for (size_t i = 0; i < c->cache_cap; i++) {
            if (!c->cache[i]) continue;
            size_t j = slot_of(c->cache[i]->sql_ptr, ncap);
            while (n[j]) j = (j + 1) & (ncap - 1);
            n[j] = c->cache[i];
        }
        free(c->cache);
        c->cache = n;
        c->cache_cap = ncap;
    }
    size_t j = slot_of(s->sql_ptr, c->cache_cap);
    while (c->cache[j]) j = (j + 1) & (c->cache_cap - 1);
    c->cache[j] = s;
    c->cache_n++;
}

/* Build the $k -> SQLite parameter index map of a freshly prepared statement. */
static void build_map(sq_stmt_t *s)
{
    free(s->map);
    int n = sqlite3_bind_parameter_count(s->s), maxk = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1) {
            s->nmap = maxk;
            s->map = xcalloc((size_t)maxk + 1, sizeof *s->map);
        }
        for (int i = 1; i <= n; i++) {
            const char *name = sqlite3_bind_parameter_name(s->s, i);
            int k = i;
            if (name && (name[0] == '$' || name[0] == '?' || name[0] == ':')) k = (int)strtol(name + 1, NULL, 10);
            if (pass == 0 && k > maxk) maxk = k;
            if (pass == 1 && k >= 1 && k <= maxk) s->map[k] = i;
        }
    }
}

static sqlite3_stmt *compile(sq_conn_t *c, const char *sql)
{
    sqlite3_stmt *ps = NULL;
    if (sqlite3_prepare_v3(c->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &ps, NULL) != SQLITE_OK) {
        set_err(c, "prepare");
        log_error("sqlite: %s in: %.200s", c->err, sql);
        return NULL;
    }
    return ps;
}

static db_stmt_t *sq_prepare(db_t *db, const char *sql)
{
    sq_conn_t *c = (sq_conn_t *)db;
    for (size_t j = c->cache_cap ? slot_of(sql, c->cache_cap) : 0; c->cache_cap && c->cache[j];
         j = (j + 1) & (c->cache_cap - 1)) {
        sq_stmt_t *s = c->cache[j];
        if (s->sql_ptr != sql) continue;
        if (strcmp(s->sql_copy, sql) != 0) {
            /* Same address, other text: the caller reused a buffer. Re-prepare in place. */
            sqlite3_stmt *ps = compile(c, sql);
            if (!ps) return NULL;
            sqlite3_finalize(s->s);
            s->s = ps;
            free(s->sql_copy);
            s->sql_copy = xstrdup(sql);
            build_map(s);
        }
        sqlite3_reset(s->s);
        sqlite3_clear_bindings(s->s);
        return &s->head;
    }
    sqlite3_stmt *ps = compile(c, sql);
    if (!ps) return NULL;
    sq_stmt_t *s = xcalloc(1, sizeof *s);
    s->head.db = db;
    s->s = ps;
    s->sql_ptr = sql;
    s->sql_copy = xstrdup(sql);
    build_map(s);
    cache_put(c, s);
    return &s->head;
}

static int param_index(sq_stmt_t *s, int idx)
{
    if (idx < 1 || idx > s->nmap || s->map[idx] == 0) return -1;
    return s->map[idx];
}

static int sq_bind_text(db_stmt_t *st, int idx, const char *v, size_t n)
{
    sq_stmt_t *s = (sq_stmt_t *)st;
    int i = param_index(s, idx);
    if (i < 0) return -EINVAL;
    return map_rc(sqlite3_bind_text(s->s, i, v, (int)n, SQLITE_TRANSIENT));
}

static int sq_bind_int(db_stmt_t *st, int idx, long long v)
{
    sq_stmt_t *s = (sq_stmt_t *)st;
    int i = param_index(s, idx);
    if (i < 0) return -EINVAL;
    return map_rc(sqlite3_bind_int64(s->s, i, v));
}

static int sq_bind_null(db_stmt_t *st, int idx)
{
    sq_stmt_t *s = (sq_stmt_t *)st;
    int i = param_index(s, idx);
    if (i < 0) return -EINVAL;
    return map_rc(sqlite3_bind_null(s->s, i));
}

static int sq_step(db_stmt_t *st)
{
    sq_stmt_t *s = (sq_stmt_t *)st;
    sq_conn_t *c = (sq_conn_t *)st->db;
    int rc = sqlite3_step(s->s);
    c->last_rc = rc;
    if (rc == SQLITE_ROW) return DB_ROW;
    if (rc == SQLITE_DONE) return DB_DONE;
    set_err(c, "step");
    int m = map_rc(rc);
    if (m != -EEXIST) log_warn("sqlite: %s", c->err);
    sqlite3_reset(s->s);
    return m;
}

static void sq_reset(db_stmt_t *st)
{
    sq_stmt_t *s = (sq_stmt_t *)st;
    sqlite3_reset(s->s);
    sqlite3_clear_bindings(s->s);
}

static int sq_col_count(db_stmt_t *st) { return sqlite3_column_count(((sq_stmt_t *)st)->s); }
static const char *sq_col_text(db_stmt_t *st, int col)
{
    return (const char *)sqlite3_column_text(((sq_stmt_t *)st)->s, col);
}
static size_t sq_col_len(db_stmt_t *st, int col)
{
    return (size_t)sqlite3_column_bytes(((sq_stmt_t *)st)->s, col);
}
static long long sq_col_int(db_stmt_t *st, int col) { return sqlite3_column_int64(((sq_stmt_t *)st)->s, col); }
static int sq_col_is_null(db_stmt_t *st, int col)
{
    return sqlite3_column_type(((sq_stmt_t *)st)->s, col) == SQLITE_NULL;
}
static long long sq_changes(db_t *db) { return sqlite3_changes64(((sq_conn_t *)db)->h); }
static int sq_exec(db_t *db, const char *sql) { return conn_exec((sq_conn_t *)db, sql); }
static const char *sq_errmsg(db_t *db) { return ((sq_conn_t *)db)->err; }

/* Run a cached statement that returns no rows (BEGIN, COMMIT, SAVEPOINT ...): parsed once per connection. */
static int run_cached(sq_conn_t *c, const char *sql)
{
    db_stmt_t *st = sq_prepare(&c->head, sql);
    if (!st) return -EINVAL;
    int rc = sq_step(st);
    sq_reset(st);
    return rc < 0 ? rc : 0;
}

/* ---- the writer thread ---- */

/* One job inside its own savepoint. *broken is set when the savepoint could not be rolled back to or released (the
 * callback released it itself, say): then the job's writes can no longer be told apart from the others', so the
 * caller must give up the whole batch. */
static int run_in_savepoint(sq_conn_t *w, job_t *j, int *broken)
{
    static const char sp[] = "SAVEPOINT job", rel[] = "RELEASE job", rb[] = "ROLLBACK TO job";
    int rc = run_cached(w, sp);
    if (rc < 0) return rc;
    rc = j->fn(&w->head, j->arg);
    if (sqlite3_get_autocommit(w->h)) return rc;    /* the transaction is gone: run_batch sees it */
    if (rc < 0) {
        if (run_cached(w, rb) < 0 || run_cached(w, rel) < 0) *broken = 1;
        return rc;
    }
    if (run_cached(w, rel) < 0) {
        *broken = 1;
        return -EIO;
    }
    return rc;
}

static void run_batch(sq_store_t *st, job_t *batch)
{
    sq_conn_t *w = st->writer;
    if (batch->raw) {           /* exclusive jobs come alone */
        batch->rc = batch->fn(&w->head, batch->arg);
        return;
    }
    int rc = run_cached(w, "BEGIN IMMEDIATE");
    if (rc < 0) {
        log_error("sqlite: BEGIN failed: %s", w->err);
        for (job_t *j = batch; j; j = j->next) j->rc = rc;
        return;
    }
    int aborted = 0;
    for (job_t *j = batch; j; j = j->next) {
        if (aborted) { j->rc = -EIO; continue; }
        int broken = 0;
        j->rc = run_in_savepoint(w, j, &broken);
        if (broken || sqlite3_get_autocommit(w->h)) {
            /* SQLite rolled the whole transaction back (I/O error, disk full), or a savepoint could not be rolled
             * back or released: everyone in the group lost. */
            if (broken) log_error("sqlite: a job's savepoint could not be rolled back or released: %s", w->err);
            else log_error("sqlite: transaction aborted: %s", w->err);
            aborted = 1;
            if (!sqlite3_get_autocommit(w->h)) conn_exec(w, "ROLLBACK");
            for (job_t *k = batch; k; k = k->next) if (k->rc >= 0) k->rc = -EIO;
        }
    }
    if (aborted) return;
    rc = run_cached(w, "COMMIT");
    if (rc < 0) {
        log_error("sqlite: COMMIT failed: %s", w->err);
        if (!sqlite3_get_autocommit(w->h)) conn_exec(w, "ROLLBACK");
        for (job_t *j = batch; j; j = j->next) if (j->rc >= 0) j->rc = -EIO;
    }
}

static void *writer_main(void *p)
{
    sq_store_t *st = p;
    store_mark_writer_thread();
    pthread_mutex_lock(&st->mu);
    for (;;) {
        while (!st->q_head && !st->stopping) pthread_cond_wait(&st->cond_jobs, &st->mu);
        if (!st->q_head) break;
        /* Take a batch: an exclusive job alone, otherwise up to GROUP_MAX transactional jobs. */
        job_t *batch = st->q_head, *last = batch;
        int n = 1;
        if (!batch->raw)
            while (last->next && !last->next->raw && n < GROUP_MAX) { last = last->next; n++; }
        st->q_head = last->next;
        if (!st->q_head) st->q_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&st->mu);

        run_batch(st, batch);

        /* Asynchronous jobs are told first, outside the lock (their callbacks only hand the result on). */
        job_t *waited = NULL;
        for (job_t *j = batch; j;) {
            job_t *nx = j->next;
            if (j->on_done) {
                j->on_done(j->rc, j->on_done_arg);
                free(j);
            } else {
                j->next = waited;
                waited = j;
            }
            j = nx;
        }
        pthread_mutex_lock(&st->mu);
        for (job_t *j = waited; j;) {
            job_t *nx = j->next;   /* read before marking done: the waiter may free the job at once */
            j->done = 1;
            j = nx;
        }
        pthread_cond_broadcast(&st->cond_done);
    }
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

static int submit(sq_store_t *st, db_fn fn, void *arg, int raw)
{
    if (st->readonly) return -EROFS;
    job_t j = {.fn = fn, .arg = arg, .raw = raw};
    pthread_mutex_lock(&st->mu);
    if (st->stopping) {
        pthread_mutex_unlock(&st->mu);
        return -ESHUTDOWN;
    }
    if (st->q_tail) st->q_tail->next = &j;
    else st->q_head = &j;
    st->q_tail = &j;
    pthread_cond_signal(&st->cond_jobs);
    while (!j.done) pthread_cond_wait(&st->cond_done, &st->mu);
    pthread_mutex_unlock(&st->mu);
    return j.rc;
}

static int sq_write(store_t *s, db_fn fn, void *arg) { return submit((sq_store_t *)s, fn, arg, 0); }

static int sq_write_async(store_t *s, db_fn fn, void *arg, db_done_fn done, void *done_arg)
{
    sq_store_t *st = (sq_store_t *)s;
    if (st->readonly) return -EROFS;
    job_t *j = xcalloc(1, sizeof *j);
    *j = (job_t){.fn = fn, .arg = arg, .on_done = done, .on_done_arg = done_arg};
    pthread_mutex_lock(&st->mu);
    if (st->stopping) {
        pthread_mutex_unlock(&st->mu);
        free(j);
        return -ESHUTDOWN;
    }
    if (st->q_tail) st->q_tail->next = j;
    else st->q_head = j;
    st->q_tail = j;
    pthread_cond_signal(&st->cond_jobs);
    pthread_mutex_unlock(&st->mu);
    return 0;
}
/* ---- readers ---- */

static sq_conn_t *reader(sq_store_t *st)
{
    sq_conn_t *c = (sq_conn_t *)store_tls_get(&st->head);
    if (c) return c;
    c = conn_open(st, st->path, SQLITE_OPEN_READONLY);
    if (!c) return NULL;
    pthread_mutex_lock(&st->mu);
    c->next = st->readers;
    st->readers = c;
    pthread_mutex_unlock(&st->mu);
    store_tls_set(&st->head, &c->head);
    return c;
}

static int sq_read_raw(store_t *s, db_fn fn, void *arg)
{
    sq_conn_t *c = reader((sq_store_t *)s);
    if (!c) return -EIO;
    return fn(&c->head, arg);
}

static int sq_read(store_t *s, db_fn fn, void *arg)
{
    sq_conn_t *c = reader((sq_store_t *)s);
    if (!c) return -EIO;
    if (c->read_depth > 0) return fn(&c->head, arg);      /* nested: join the open snapshot */
    int rc = run_cached(c, "BEGIN");
    if (rc < 0) return rc;
    c->read_depth++;
    rc = fn(&c->head, arg);
    c->read_depth--;
    if (run_cached(c, "COMMIT") < 0) conn_exec(c, "ROLLBACK");
    return rc;
}

static int sq_exclusive(store_t *s, db_fn fn, void *arg)
{
    sq_store_t *st = (sq_store_t *)s;
    if (st->readonly) {
        /* Read-only stores (verify) have no writer: run on this thread's reader. */
        return sq_read_raw(s, fn, arg);
    }
    return submit(st, fn, arg, 1);
}

static int ping_fn(db_t *db, void *arg)
{
    (void)arg;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT 1", "");
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : (rc < 0 ? rc : -EIO);
}

static int sq_ping(store_t *s) { return sq_read(s, ping_fn, NULL); }

static int sq_backup(store_t *s, const char *dest)
{
    sq_store_t *st = (sq_store_t *)s;
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open_v2(st->path, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_open_v2(dest, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(src, BUSY_TIMEOUT_MS);
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
        if (!b) rc = sqlite3_errcode(dst);
        else {
            do {
                rc = sqlite3_backup_step(b, 256);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(20);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            sqlite3_backup_finish(b);
            if (rc == SQLITE_DONE) rc = sqlite3_errcode(dst);
        }
    }
    if (rc != SQLITE_OK) log_error("sqlite: backup to %s failed: %s", dest, dst ? sqlite3_errmsg(dst) : sqlite3_errstr(rc));
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -EIO;
}

/* ---- store ---- */

/* Process-wide SQLite settings, once, before any connection: memory statistics off (they take a global mutex
 * on every allocation, measurable on the read path). */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;
static void sqlite_global_init(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

static int sq_open(store_t **out, const store_opts_t *opts)
{
    pthread_once(&sqlite_once, sqlite_global_init);
    sq_store_t *st = xcalloc(1, sizeof *st);
    st->head.drv = &db_sqlite_driver;
    st->head.generation = store_next_generation();
    st->path = xstrdup(opts->url);
    st->readonly = opts->readonly;
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cond_jobs, NULL);
    pthread_cond_init(&st->cond_done, NULL);
    if (!st->readonly) {
        int flags = SQLITE_OPEN_READWRITE | (opts->create ? SQLITE_OPEN_CREATE : 0);
        st->writer = conn_open(st, st->path, flags);
        if (!st->writer ||
            conn_exec(st->writer, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;") < 0) {
            if (st->writer) log_error("sqlite: %s", st->writer->err);
            conn_close(st->writer);
            free(st->path);
            free(st);
            return -EIO;
        }
        if (pthread_create(&st->writer_thread, NULL, writer_main, st) != 0) abort();
        st->writer_running = 1;
    } else {
        sq_conn_t *probe = conn_open(st, st->path, SQLITE_OPEN_READONLY);
        if (!probe) {
            free(st->path);
            free(st);
            return -EIO;
        }
        conn_close(probe);
    }
    *out = &st->head;
    return 0;
}

static void sq_close(store_t *s)
{
    sq_store_t *st = (sq_store_t *)s;
    pthread_mutex_lock(&st->mu);
    st->stopping = 1;
    pthread_cond_broadcast(&st->cond_jobs);
    pthread_mutex_unlock(&st->mu);
    if (st->writer_running) pthread_join(st->writer_thread, NULL);
    store_tls_set(s, NULL);
    for (sq_conn_t *c = st->readers; c;) {
        sq_conn_t *n = c->next;
        conn_close(c);
        c = n;
    }
    if (st->writer) {
        /* Fold the WAL back into the database so the file is self-contained after a clean stop. */
        conn_exec(st->writer, "PRAGMA wal_checkpoint(TRUNCATE)");
        conn_close(st->writer);
    }
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cond_jobs);
    pthread_cond_destroy(&st->cond_done);
    free(st->path);
    free(st);
}

const db_driver_t db_sqlite_driver = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .write = sq_write,
    .write_async = sq_write_async,
    .read = sq_read,
    .exclusive = sq_exclusive,
    .ping = sq_ping,
    .backup = sq_backup,
    .prepare = sq_prepare,
    .bind_text = sq_bind_text,
    .bind_int = sq_bind_int,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_count = sq_col_count,
    .col_text = sq_col_text,
    .col_len = sq_col_len,
    .col_int = sq_col_int,
    .col_is_null = sq_col_is_null,
    .changes = sq_changes,
    .exec = sq_exec,
    .errmsg = sq_errmsg,
};

/* db.h — the one storage interface: a store of connections, transactions as callbacks, prepared statements.
 *
 * Domain code sees only this header; SQL text is written once for both engines (PostgreSQL-style $1 $2 ...
 * placeholders, which the SQLite driver binds by name). Two rules a caller must know:
 *   - store_write() runs the callback inside a write transaction. On both engines all writes of a store go
 *     through ONE writer thread that commits several callers' callbacks together (group commit), each inside its
 *     own savepoint, so a failing callback rolls back only itself. The callback therefore runs on another thread:
 *     it must not touch thread-local state, block on anything the caller holds, or call store_write() itself
 *     (store_write() and store_exclusive() from inside a write callback return -EDEADLK on both engines);
 *     and it may be run more than once (PostgreSQL re-runs it after a serialization failure or a reconnect), so
 *     it must only change its context, never something outside the transaction.
 *   - db_prepare() returns a statement cached on the connection for the life of the connection (prepared once);
 *     the same SQL may not be stepped twice at once on one connection (no nesting of one statement).
 * Every function returns 0 / DB_ROW / DB_DONE or a negative errno:
 *   -EEXIST unique violation, -ECONFLICT (== -EAGAIN) serialization failure or deadlock, worth a retry,
 *   -EIO store unreachable or I/O failure, -EINVAL bad SQL or bind, -ENOENT nothing found (by callers' choice). */
#ifndef MOTCUA_DB_H
#define MOTCUA_DB_H
#include <errno.h>
#include <stddef.h>

typedef struct store store_t;
typedef struct db db_t;
typedef struct db_stmt db_stmt_t;

#define DB_DONE 0
#define DB_ROW 1
#define ECONFLICT EAGAIN
#define DB_NTS ((size_t)-1)     /* length argument meaning "NUL-terminated" */

typedef struct store_opts {
    const char *url;            /* a file path (SQLite) or postgres://... / postgresql://... */
    int         create;         /* SQLite: create the file if missing */
    int         readonly;       /* open for reading only (verify) */
    int         pool_size;      /* PostgreSQL: connections per process; 0 = default */
    int         read_cache;     /* PostgreSQL: results kept per statement and connection inside read snapshots,
                                 * invalidated by every committed write (0 = off; src/db/pg_cache.c) */
} store_opts_t;

typedef int (*db_fn)(db_t *db, void *arg);

int  store_open(store_t **out, const store_opts_t *opts);   /* 0, -EIO (cannot open / connect), -EINVAL (url) */
void store_close(store_t *st);
const char *store_engine(const store_t *st);                 /* "sqlite" or "postgres" */
int  store_url_is_pg(const char *url);                       /* 1 for postgres:// or postgresql://, else 0 */

/* Run fn in a write transaction: commits when fn returns >= 0, rolls back otherwise; returns fn's result, or a
 * negative error from the commit. Retries internally on -ECONFLICT a few times before giving up. */
int store_write(store_t *st, db_fn fn, void *arg);
/* Called once a store_write_async() job is over: rc is what store_write() would have returned. */
typedef void (*db_done_fn)(int rc, void *arg);
/* store_write() without waiting for the commit: fn runs exactly as under store_write() (on the writer thread,
 * perhaps more than once), then done(rc, done_arg) is called once, ON THE WRITER THREAD, after the batch's commit
 * (or its failure). done must be quick and must not use the store (it may hand the result to another thread);
 * fn, arg and done_arg must stay valid until done is called. Returns 0 when queued (done will be called), or a
 * negative error, and then done is never called. */
int store_write_async(store_t *st, db_fn fn, void *arg, db_done_fn done, void *done_arg);
/* Run fn on this thread's read connection inside one read snapshot. A store_read() made from inside another
 * store_read() callback on the same thread joins the open snapshot (the HTTP layer runs a whole GET request in
 * one snapshot this way). Never call store_write() from inside a read callback. A read callback must be
 * re-runnable until it returns: on PostgreSQL, when the connection is lost during the read and the callback itself
 * returned -EIO, the driver reconnects and runs it once more; a callback that returned anything else (it may have
 * produced output already) is never re-run, and store_read() then returns -EIO. So a callback that emits output
 * (an HTTP reply) must either emit it only after its reads succeeded or return the connection error untouched. */
int store_read(store_t *st, db_fn fn, void *arg);
/* Run fn on a connection outside any transaction (migrations, maintenance). Single-threaded use only. */
int store_exclusive(store_t *st, db_fn fn, void *arg);
/* A counter that moves on when any store_write()/store_exclusive() of this process starts and when it ends: equal
 * values read before and after some reads mean no write of this process ran in between (caches use it; writes of
 * other processes are not seen). */
unsigned long long store_write_count(const store_t *st);
/* Failures of the store itself, counted since the store was opened (GET /metrics): by where they surfaced and by
 * kind. A statement is a db_prepare() that failed or a db_step() that returned an error other than a unique
 * violation (-EEXIST, which callers use as an answer); a read or write is a store_read() or store_write() (async
 * and exclusive included) that returned -EIO, -ECONFLICT after the retries, -EROFS or -EDEADLK. What a callback
 * returns for a reason of its own (-ENOENT, -EACCES, ...) is no store error. A failed statement usually fails its
 * transaction too: the two are separate series, never to be added up. */
enum { STORE_ERR_STATEMENT, STORE_ERR_READ, STORE_ERR_WRITE, STORE_ERR_OPS };
enum { STORE_ERR_IO, STORE_ERR_CONFLICT, STORE_ERR_READ_ONLY, STORE_ERR_OTHER, STORE_ERR_KINDS };
typedef struct store_errors {
    unsigned long long n[STORE_ERR_OPS][STORE_ERR_KINDS];
} store_errors_t;
void store_error_counts(const store_t *st, store_errors_t *out);
/* PostgreSQL's read cache (store_opts_t.read_cache): whether it is configured, and its hits and misses since the
 * store was opened (cacheable statements inside read snapshots). 0 / 0 / 0 on SQLite. */
typedef struct store_cache_stats {
    int                on;
    unsigned long long hits, misses;
} store_cache_stats_t;
void store_cache_counts(const store_t *st, store_cache_stats_t *out);
/* 0 when the store answers a trivial query now. */
int store_ping(store_t *st);
/* Copy a consistent snapshot of the whole store to `dest` (SQLite: online backup API into a file). */
int store_backup(store_t *st, const char *dest);

db_stmt_t *db_prepare(db_t *db, const char *sql);            /* NULL on error: see db_errmsg() */
int  db_bind_text(db_stmt_t *st, int idx, const char *s, size_t len);   /* idx from 1; s NULL binds NULL */
int  db_bind_int(db_stmt_t *st, int idx, long long v);
int  db_bind_null(db_stmt_t *st, int idx);
int  db_step(db_stmt_t *st);                                 /* DB_ROW, DB_DONE or < 0 */
void db_reset(db_stmt_t *st);                                /* ready to bind and step again */
int  db_col_count(db_stmt_t *st);
const char *db_col_text(db_stmt_t *st, int col);             /* NULL for SQL NULL; valid until next step/reset */
/* The column as a string into dst (bounded by cap; "" for SQL NULL). */
void db_col_copy(db_stmt_t *st, int col, char *dst, size_t cap);
size_t db_col_len(db_stmt_t *st, int col);
long long db_col_int(db_stmt_t *st, int col);
int  db_col_is_null(db_stmt_t *st, int col);
long long db_changes(db_t *db);                              /* rows changed by the last statement */

int  db_exec(db_t *db, const char *sql);                     /* several statements, no parameters, no rows */
const char *db_errmsg(db_t *db);
const char *db_engine(const db_t *db);

/* Bind by a type string and run to completion: 't' text (const char *), 'i' long long, 'n' NULL (no argument).
 * Returns the number of rows changed (>= 0) or a negative error. For INSERT/UPDATE/DELETE. */
long long db_run(db_t *db, const char *sql, const char *types, ...);
/* Bind, step once; DB_ROW leaves the statement positioned on the first row for db_col_*; the caller resets it.
 * Returns DB_ROW, DB_DONE or < 0 and sets *out. */
int db_query(db_t *db, db_stmt_t **out, const char *sql, const char *types, ...);
#endif

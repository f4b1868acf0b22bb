/* pg_internal.h — what the files of the PostgreSQL driver share (private to src/db/pg*.c): limits, the store,
 * connection, statement and job structs, and the functions one file calls in another. */
#ifndef MOTCUA_PG_INTERNAL_H
#define MOTCUA_PG_INTERNAL_H
#include "db/db_driver.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stddef.h>

#define PG_POOL_DEFAULT 16
#define PG_POOL_MAX 1024
#define PG_CONFLICT_RETRIES 5        /* a write is retried this many times after a serialization failure */
#define PG_POOL_WAIT_SECONDS 30      /* how long a thread waits for a free connection before -EIO */
#define PG_CONNECT_TIMEOUT "10"      /* seconds, unless the URL says otherwise */
#define PG_ERR_CAP 512
#define PG_NAME_CAP 32
#define PG_TARGET_CAP 256
#define PG_PTR_SLOTS 256             /* direct-mapped address cache in front of the content hash table */

typedef struct pg_stmt {
    db_stmt_t       head;
    struct pg_stmt *next;            /* chain in the connection's content hash table */
    char           *sql;             /* owned copy: the content key */
    size_t          hash;
    char            name[PG_NAME_CAP];
    int             prepared;        /* exists in the current server session */
    int             nparams;
    int             ncols;
    char          **vals;            /* nparams NUL-terminated texts, NULL for SQL NULL */
    size_t         *caps;            /* allocated size of each vals[i] */
    PGresult       *res;             /* result of the current execution, NULL before the first step */
    int             row;             /* current row in res */
    int             done;            /* stepped past the last row: DB_DONE until reset */
    int             res_shared;      /* res belongs to the read cache (pg_cache.c): not cleared with the statement */
    int             cacheable;       /* a plain SELECT the read cache may keep (rcache_cacheable) */
    struct rc_entry *rc;             /* the read cache's ways for this statement (rc_n of them), or NULL */
    int             rc_n;
    int             rc_next;
} pg_stmt_t;

typedef struct pg_conn {
    db_t            head;
    PGconn         *pc;
    pthread_t       owner;           /* the thread this connection belongs to, when has_owner */
    int             has_owner;
    int             busy;            /* a transaction or callback runs on it now */
    int             reading;         /* ... and it is a read snapshot (store_read), which nested reads join */
    int             down;            /* the last attempt to use or reconnect it failed (logs transitions only) */
    unsigned long   last_use;        /* store tick when last released: picks the idle connection to take over */
    pg_stmt_t     **table;           /* content hash table of statements, power-of-two size */
    size_t          table_cap;
    size_t          nstmts;
    struct { const char *ptr; pg_stmt_t *st; } slots[PG_PTR_SLOTS];
    unsigned long   next_name;
    long long       changes;
    int             txn_err;         /* first error of the running transaction, 0 when none */
    /* Read snapshots cost no round trip of their own: their BEGIN goes out in one pipeline with the first statement
     * (begin_pending until then; a snapshot that runs no statement sends nothing), and their COMMIT is sent without
     * waiting for its answer (commit_pending), which the next use of the connection reads first (conn_ready). */
    const char     *begin_pending;
    const char     *begin_text;      /* the running read snapshot's BEGIN, to start it again on a new connection */
    int             commit_pending;
    unsigned long   snap_version;    /* the read cache's data version the running snapshot uses (0: none) */
    size_t          rc_bytes;        /* what the read cache keeps on this connection */
    char            err[PG_ERR_CAP];
} pg_conn_t;

typedef struct pg_store {
    store_t         head;
    char           *url;
    char            target[PG_TARGET_CAP];   /* user@host:port/db for logs; never the password */
    int             readonly;
    pthread_mutex_t mu;
    pthread_cond_t  freed;                   /* a connection became idle or a slot became free */
    pg_conn_t     **conns;
    int             nconns;
    int             pending;                 /* connections being opened outside the lock */
    int             cap;
    unsigned long   tick;
    /* group commit: write callbacks queue here and one writer thread runs them, a batch per transaction */
    pthread_mutex_t wq_mu;
    pthread_cond_t  wq_jobs;
    pthread_cond_t  wq_done;
    struct pg_job  *wq_head, *wq_tail;
    int             wq_stopping;
    int             writer_running;
    pthread_t       writer;
    /* the read cache (pg_cache.c): ways per statement (0 = off), data version, the listener thread */
    int             rc_ways;
    unsigned long   rc_version;
    int             rc_listening;
    int             rc_stopping;
    int             rc_running;
    int             rc_stop[2];
    pthread_t       rc_thread;
} pg_store_t;

typedef struct pg_job {
    db_fn          fn;
    void          *arg;
    int            rc;
    int            final;        /* rc is the answer (no further retry) */
    int            conflicts;    /* serialization failures / deadlocks so far */
    int            done;
    db_done_fn     on_done;      /* store_write_async(): called instead of waking a waiter; the job is heap-owned */
    void          *on_done_arg;
    struct pg_job *next;
} pg_job_t;

#define PG_GROUP_MAX 64

/* pg.c: errors, connections, transactions */
int conn_fail(pg_conn_t *c, const PGresult *res);
int conn_broken(const pg_conn_t *c);
int conn_reconnect(pg_store_t *ps, pg_conn_t *c);
int conn_acquire(pg_store_t *ps, pg_conn_t **out);
void conn_release(pg_store_t *ps, pg_conn_t *c);
int conn_ready(pg_store_t *ps, pg_conn_t *c);
/* Send the pending BEGIN of a read snapshot, if any, on its own (for commands that cannot join a pipeline). */
int conn_begin_now(pg_conn_t *c);
/* Run the prepared statement st (parameters vals) after the pending BEGIN, both in one pipeline: one round trip.
 * 0 with *out the statement's result, or a negative errno (recorded on c). */
int conn_exec_after_begin(pg_conn_t *c, const char *name, int nparams, const char *const *vals, PGresult **out);
/* A read snapshot whose first statement found the connection lost (nothing of the snapshot has run, so nothing
 * was seen): reconnect and make its BEGIN pending again. 0, or -EIO when the server is still unreachable. */
int conn_restart_snapshot(pg_conn_t *c);
void backoff(int attempt);

/* pg_stmt.c: statements (the driver table's connection-level entries) */
void stmt_clear_result(pg_stmt_t *st);
void stmt_free(pg_stmt_t *st);
db_stmt_t *pg_prepare(db_t *db, const char *sql);
int pg_bind_text(db_stmt_t *s, int idx, const char *v, size_t len);
int pg_bind_int(db_stmt_t *s, int idx, long long v);
int pg_bind_null(db_stmt_t *s, int idx);
int pg_step(db_stmt_t *s);
void pg_reset(db_stmt_t *s);
int pg_col_count(db_stmt_t *s);
int pg_col_is_null(db_stmt_t *s, int col);
const char *pg_col_text(db_stmt_t *s, int col);
size_t pg_col_len(db_stmt_t *s, int col);
long long pg_col_int(db_stmt_t *s, int col);
long long pg_changes(db_t *db);
int pg_exec(db_t *db, const char *sql);
const char *pg_errmsg(db_t *db);

/* pg_writer.c: group commit */
int pg_write(store_t *st, db_fn fn, void *arg);
int pg_write_async(store_t *st, db_fn fn, void *arg, db_done_fn done, void *done_arg);

/* pg.c: a new server connection with the driver's defaults (check PQstatus) */
PGconn *pg_connect_url(const char *url);

/* pg_cache.c: the read cache. Results of cacheable SELECTs inside read snapshots are kept per statement, keyed by
 * the parameter values and tagged with the data version, which moves on with every committed write of any motcua
 * process on the database (NOTIFY motcua_data, heard by a listener thread). */
#define PG_NOTIFY_SQL "NOTIFY motcua_data"
int rcache_cacheable(const char *sql);
/* The version a snapshot starting now may use, 0 when the cache is off or not listening. */
unsigned long rcache_version(pg_store_t *ps);
void rcache_bump(pg_store_t *ps);
/* The kept result of st for its current parameter values at version, or NULL. */
PGresult *rcache_get(pg_stmt_t *st, unsigned long version);
/* Keep r (the cache then owns it): 1, or 0 when it is not kept (too large, no room). */
int rcache_put(pg_stmt_t *st, unsigned long version, PGresult *r, int ways);
void rcache_free(pg_conn_t *c, pg_stmt_t *st);
int rcache_start(pg_store_t *ps);
void rcache_stop(pg_store_t *ps);

/* pg_backup.c */
int pg_backup(store_t *st, const char *dest);
#endif

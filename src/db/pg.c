/* pg.c — the PostgreSQL driver (libpq): a capped set of connections, one per thread, and prepared statements.
 *
 * Connections: a thread uses one PGconn of its own, created on first use and found again through the thread-local
 * cache of store.c; the store keeps a registry of all of them so store_close() can free them. A connection is
 * "busy" while a transaction runs on it and is never used by two threads at once: the registry's mutex hands it
 * out. At most pool_size connections exist; a thread without one that finds the pool full takes over the idle
 * connection used least recently (its former thread will get another one next time), or waits for one.
 * Statements: prepared on the server once per connection under generated names, cached by the SQL string's address
 * and checked by content; parameters travel as text. After a reconnect the server has forgotten them, so every
 * cached statement is marked unprepared and is prepared again on next use (the objects themselves stay valid).
 * Writes: group commit through one writer thread per store (see "group commit" below).
 * Errors: SQLSTATEs map onto db.h's negative errnos. Once a statement fails inside a transaction, PostgreSQL has
 * aborted the transaction: later statements report the same first error and the transaction is rolled back even
 * when the callback ignores the error. Nothing here aborts on a server error; a dead server is -EIO. */
#include "db/db_driver.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"

#include <ctype.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

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
} pg_store_t;

typedef struct pg_job {
    db_fn          fn;
    void          *arg;
    int            rc;
    int            final;        /* rc is the answer (no further retry) */
    int            conflicts;    /* serialization failures / deadlocks so far */
    int            done;
    struct pg_job *next;
} pg_job_t;

#define PG_GROUP_MAX 64

/* ---- errors ---- */

static void trim_copy(char *dst, size_t cap, const char *src)
{
    /* Copy a libpq message on one line: newlines and tabs become spaces, trailing blanks go. */
    size_t n = 0;
    for (const char *p = src ? src : ""; *p && n + 1 < cap; p++) dst[n++] = (*p == '\n' || *p == '\t') ? ' ' : *p;
    while (n > 0 && dst[n - 1] == ' ') n--;
    dst[n] = '\0';
}

static int sqlstate_errno(const char *s)
{
    if (!s || strlen(s) != 5) return -EIO;
    if (!strcmp(s, "23505") || !strcmp(s, "23P01")) return -EEXIST;
    if (!strcmp(s, "40001") || !strcmp(s, "40P01") || !strcmp(s, "55P03")) return -ECONFLICT;
    if (!strncmp(s, "08", 2) || !strncmp(s, "57P", 3) || !strncmp(s, "53", 2) || !strncmp(s, "58", 2) ||
        !strncmp(s, "XX", 2) || !strcmp(s, "57014"))
        return -EIO;
    if (!strcmp(s, "25006")) return -EROFS;
    /* 22 data exceptions, 23 other integrity violations, 42 syntax/undefined objects, and the rest: the request or
     * the SQL is at fault, not the store. */
    return -EINVAL;
}

/* Record the error of a failed command (res may be NULL) on c and return it as a negative errno. Inside a
 * transaction the first error sticks: PostgreSQL answers every later statement with "transaction is aborted". */
static int conn_fail(pg_conn_t *c, const PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    /* "Transaction is aborted" is a consequence of the first error: report that one, and keep its message. */
    if (c->txn_err && state && !strcmp(state, "25P02") && PQstatus(c->pc) == CONNECTION_OK) return c->txn_err;
    int rc;
    if (PQstatus(c->pc) != CONNECTION_OK || !res) {
        rc = -EIO;
        trim_copy(c->err, sizeof c->err, PQerrorMessage(c->pc));
        if (!c->err[0]) str_copy(c->err, sizeof c->err, "connection to the PostgreSQL server lost");
    } else {
        rc = sqlstate_errno(state);
        if (primary) {
            /* The primary message only: DETAIL lines quote row values, which do not belong in logs. */
            char msg[PG_ERR_CAP - 24];
            trim_copy(msg, sizeof msg, primary);
            snprintf(c->err, sizeof c->err, "%s (SQLSTATE %s)", msg, state ? state : "?????");
        } else {
            trim_copy(c->err, sizeof c->err, PQresultErrorMessage(res));
        }
    }
    if (!c->txn_err && (PQtransactionStatus(c->pc) == PQTRANS_INERROR || rc == -EIO)) c->txn_err = rc;
    return rc;
}

static int conn_broken(const pg_conn_t *c) { return PQstatus(c->pc) != CONNECTION_OK; }

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

static void stmt_clear_result(pg_stmt_t *st)
{
    if (st->res) PQclear(st->res);
    st->res = NULL;
    st->row = -1;
    st->done = 0;
}

static void stmt_free(pg_stmt_t *st)
{
    stmt_clear_result(st);
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

static db_stmt_t *pg_prepare(db_t *db, const char *sql)
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
        int rc = stmt_server_prepare(c, st);
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

static int pg_bind_text(db_stmt_t *s, int idx, const char *v, size_t len)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (memchr(v, '\0', len)) {
        pg_conn_t *c = (pg_conn_t *)s->db;
        str_copy(c->err, sizeof c->err, "text parameter contains a NUL byte");
        return -EINVAL;
    }
    return bind_copy(st, idx, v, len);
}

static int pg_bind_int(db_stmt_t *s, int idx, long long v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%lld", v);
    return bind_copy((pg_stmt_t *)s, idx, num, (size_t)n);
}

static int pg_bind_null(db_stmt_t *s, int idx)
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

static int pg_step(db_stmt_t *s)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    pg_conn_t *c = (pg_conn_t *)s->db;
    if (st->done) return DB_DONE;
    if (!st->res) {
        if (!st->prepared) {
            int rc = stmt_server_prepare(c, st);
            if (rc < 0) return rc;
        }
        PGresult *r = PQexecPrepared(c->pc, st->name, st->nparams, (const char *const *)st->vals, NULL, NULL, 0);
        ExecStatusType es = PQresultStatus(r);
        if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
            int rc = conn_fail(c, r);
            PQclear(r);
            return rc;
        }
        const char *tag = PQcmdStatus(r);
        if (is_dml_tag(tag)) c->changes = strtoll(PQcmdTuples(r), NULL, 10);
        st->res = r;
        st->row = -1;
    }
    if (st->row + 1 < PQntuples(st->res)) {
        st->row++;
        return DB_ROW;
    }
    stmt_clear_result(st);
    st->done = 1;
    return DB_DONE;
}

static void pg_reset(db_stmt_t *s) { stmt_clear_result((pg_stmt_t *)s); }

static int pg_col_count(db_stmt_t *s)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    return st->res ? PQnfields(st->res) : st->ncols;
}

static int on_row(const pg_stmt_t *st, int col)
{
    return st->res && st->row >= 0 && st->row < PQntuples(st->res) && col >= 0 && col < PQnfields(st->res);
}

static int pg_col_is_null(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    return !on_row(st, col) || PQgetisnull(st->res, st->row, col);
}

static const char *pg_col_text(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (pg_col_is_null(s, col)) return NULL;
    return PQgetvalue(st->res, st->row, col);
}

static size_t pg_col_len(db_stmt_t *s, int col)
{
    pg_stmt_t *st = (pg_stmt_t *)s;
    if (pg_col_is_null(s, col)) return 0;
    return (size_t)PQgetlength(st->res, st->row, col);
}

static long long pg_col_int(db_stmt_t *s, int col)
{
    const char *v = pg_col_text(s, col);
    if (!v) return 0;
    if (v[0] == 't' && v[1] == '\0') return 1;   /* boolean columns read as SQLite's 0/1 */
    if (v[0] == 'f' && v[1] == '\0') return 0;
    return strtoll(v, NULL, 10);
}

static long long pg_changes(db_t *db) { return ((pg_conn_t *)db)->changes; }

static int pg_exec(db_t *db, const char *sql)
{
    pg_conn_t *c = (pg_conn_t *)db;
    PGresult *r = PQexec(c->pc, sql);
    ExecStatusType es = PQresultStatus(r);
    int rc = 0;
    if (es != PGRES_COMMAND_OK && es != PGRES_TUPLES_OK && es != PGRES_EMPTY_QUERY) rc = conn_fail(c, r);
    PQclear(r);
    return rc;
}

static const char *pg_errmsg(db_t *db)
{
    pg_conn_t *c = (pg_conn_t *)db;
    return c->err;
}

/* ---- connections ---- */

static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[PG_ERR_CAP];
    trim_copy(line, sizeof line, message);
    log_debug("postgres: %s", line);
}

static PGconn *connect_url(const char *url)
{
    /* Defaults before the URL ("dbname" expanded), so the URL's own settings win. */
    const char *const keys[] = {"connect_timeout", "fallback_application_name", "client_encoding", "dbname", NULL};
    const char *const vals[] = {PG_CONNECT_TIMEOUT, "motcua", "UTF8", url, NULL};
    PGconn *pc = PQconnectdbParams(keys, vals, 1);
    if (!pc) {
        fprintf(stderr, "motcua: out of memory\n");
        abort();
    }
    return pc;
}

static void stmts_forget_session(pg_conn_t *c)
{
    for (size_t i = 0; i < c->table_cap; i++)
        for (pg_stmt_t *e = c->table[i]; e; e = e->next) {
            stmt_clear_result(e);
            e->prepared = 0;
        }
}

static void conn_free(pg_conn_t *c)
{
    for (size_t i = 0; i < c->table_cap; i++) {
        pg_stmt_t *e = c->table[i];
        while (e) {
            pg_stmt_t *nx = e->next;
            stmt_free(e);
            e = nx;
        }
    }
    free(c->table);
    PQfinish(c->pc);
    free(c);
}

/* Per-session settings, after every connect and reconnect: a read-only store's sessions refuse writes even outside
 * store_read (store_exclusive, used by verify). 0 or a negative errno. */
static int conn_session_setup(pg_store_t *ps, pg_conn_t *c)
{
    if (!ps->readonly) return 0;
    PGresult *r = PQexec(c->pc, "SET default_transaction_read_only = on");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : conn_fail(c, r);
    PQclear(r);
    return rc;
}

/* A new connection, or NULL and -EIO after logging why. */
static pg_conn_t *conn_new(pg_store_t *ps, int *rc)
{
    PGconn *pc = connect_url(ps->url);
    if (PQstatus(pc) != CONNECTION_OK) {
        char why[PG_ERR_CAP];
        trim_copy(why, sizeof why, PQerrorMessage(pc));
        log_error("postgres: cannot connect to %s: %s", ps->target, why);
        PQfinish(pc);
        *rc = -EIO;
        return NULL;
    }
    PQsetNoticeProcessor(pc, notice_to_log, NULL);
    pg_conn_t *c = xcalloc(1, sizeof *c);
    c->head.drv = &db_pg_driver;
    c->head.store = &ps->head;
    c->pc = pc;
    *rc = 0;
    if (conn_session_setup(ps, c) < 0) {
        log_error("postgres: cannot set up a session on %s: %s", ps->target, c->err);
        conn_free(c);
        *rc = -EIO;
        return NULL;
    }
    return c;
}

/* Bring a broken connection back: PQreset, then its statements must be prepared again. 0 or -EIO. */
static int conn_reconnect(pg_store_t *ps, pg_conn_t *c)
{
    if (!c->down) {
        char why[PG_ERR_CAP];
        trim_copy(why, sizeof why, PQerrorMessage(c->pc));
        log_warn("postgres: connection to %s lost (%s); reconnecting", ps->target, why[0] ? why : "no reason given");
    }
    stmts_forget_session(c);
    PQreset(c->pc);
    if (PQstatus(c->pc) != CONNECTION_OK) {
        trim_copy(c->err, sizeof c->err, PQerrorMessage(c->pc));
        if (!c->down) log_error("postgres: cannot reconnect to %s: %s", ps->target, c->err);
        c->down = 1;
        return -EIO;
    }
    if (conn_session_setup(ps, c) < 0) {
        log_error("postgres: cannot set up a session on %s: %s", ps->target, c->err);
        c->down = 1;
        return -EIO;
    }
    if (c->down) log_info("postgres: connection to %s restored", ps->target);
    c->down = 0;
    return 0;
}

static void registry_add(pg_store_t *ps, pg_conn_t *c)
{
    ps->conns[ps->nconns++] = c;
}

/* Hand this thread its connection, marked busy. 0, -EINVAL (called from inside a callback on this thread), or
 * -EIO (cannot connect, or no connection came free in time). */
static int conn_acquire(pg_store_t *ps, pg_conn_t **out)
{
    pthread_t self = pthread_self();
    pg_conn_t *hint = (pg_conn_t *)store_tls_get(&ps->head);
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += PG_POOL_WAIT_SECONDS;
    *out = NULL;

    pthread_mutex_lock(&ps->mu);
    for (;;) {
        pg_conn_t *c = NULL;
        if (hint && hint->has_owner && pthread_equal(hint->owner, self)) {
            c = hint;
        } else {
            for (int i = 0; i < ps->nconns && !c; i++)
                if (ps->conns[i]->has_owner && pthread_equal(ps->conns[i]->owner, self)) c = ps->conns[i];
        }
        if (c && c->busy) {
            pthread_mutex_unlock(&ps->mu);
            log_error("postgres: store_write/store_read called from inside a transaction callback");
            return -EINVAL;
        }
        if (!c) {   /* a connection nobody owns (the one opened by store_open) */
            for (int i = 0; i < ps->nconns && !c; i++)
                if (!ps->conns[i]->has_owner && !ps->conns[i]->busy) c = ps->conns[i];
        }
        if (!c && ps->nconns + ps->pending < ps->cap) {
            ps->pending++;
            pthread_mutex_unlock(&ps->mu);
            int rc;
            pg_conn_t *nc = conn_new(ps, &rc);
            pthread_mutex_lock(&ps->mu);
            ps->pending--;
            if (!nc) {
                pthread_cond_signal(&ps->freed);
                pthread_mutex_unlock(&ps->mu);
                return rc;
            }
            registry_add(ps, nc);
            c = nc;
        }
        if (!c) {   /* pool full: take over the idle connection used least recently */
            for (int i = 0; i < ps->nconns; i++) {
                pg_conn_t *e = ps->conns[i];
                if (!e->busy && (!c || e->last_use < c->last_use)) c = e;
            }
        }
        if (c) {
            c->owner = self;
            c->has_owner = 1;
            c->busy = 1;
            pthread_mutex_unlock(&ps->mu);
            if (c != hint) store_tls_set(&ps->head, &c->head);
            *out = c;
            return 0;
        }
        if (pthread_cond_timedwait(&ps->freed, &ps->mu, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&ps->mu);
            log_error("postgres: no connection to %s came free in %d s (pool of %d)", ps->target,
                      PG_POOL_WAIT_SECONDS, ps->cap);
            return -EIO;
        }
    }
}

static void conn_release(pg_store_t *ps, pg_conn_t *c)
{
    /* Leave the connection outside any transaction, whatever the callback did. */
    if (!conn_broken(c) && PQtransactionStatus(c->pc) != PQTRANS_IDLE) {
        PGresult *r = PQexec(c->pc, "ROLLBACK");
        PQclear(r);
    }
    pthread_mutex_lock(&ps->mu);
    c->busy = 0;
    c->last_use = ++ps->tick;
    pthread_cond_signal(&ps->freed);
    pthread_mutex_unlock(&ps->mu);
}

/* Before work starts on c: a connection known to be broken is reconnected first. */
static int conn_ready(pg_store_t *ps, pg_conn_t *c)
{
    if (!conn_broken(c) && !c->down) return 0;
    return conn_reconnect(ps, c);
}

/* ---- transactions ---- */

static void backoff(int attempt)
{
    unsigned char r;
    rand_bytes(&r, 1);
    long ms = 1 + (long)(r % (unsigned)(4 * attempt + 1));
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One attempt: BEGIN, fn, COMMIT or ROLLBACK. *sent_commit tells whether COMMIT went out (then a lost connection
 * leaves the outcome unknown and the attempt must not be repeated). *rerunnable tells whether fn may be run again
 * after a lost connection: it never ran (BEGIN failed), or it returned the connection error itself, before it could
 * have produced output (db.h: read callbacks). */
static int txn_once(pg_conn_t *c, const char *begin, db_fn fn, void *arg, int *sent_commit, int *rerunnable)
{
    *sent_commit = 0;
    *rerunnable = 1;
    c->txn_err = 0;
    PGresult *r = PQexec(c->pc, begin);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        int rc = conn_fail(c, r);
        PQclear(r);
        c->txn_err = 0;
        return rc;
    }
    PQclear(r);

    int rc = fn(&c->head, arg);
    *rerunnable = rc == -EIO;
    if (c->txn_err) {
        /* A statement failed, so the server has aborted the transaction. A conflict or a lost connection decides
         * what happens next whatever fn made of it; an error fn swallowed still means nothing was written. */
        if (rc >= 0) log_warn("postgres: a transaction callback ignored an error (%s); rolled back", c->err);
        if (rc >= 0 || c->txn_err == -ECONFLICT || c->txn_err == -EIO) rc = c->txn_err;
    }
    if (conn_broken(c)) rc = -EIO;
    if (rc >= 0) {
        *sent_commit = 1;
        r = PQexec(c->pc, "COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = conn_fail(c, r);
        } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
            rc = -EIO;   /* the server rolled back instead */
            str_copy(c->err, sizeof c->err, "the transaction was rolled back at COMMIT");
        }
        PQclear(r);
    } else if (!conn_broken(c)) {
        r = PQexec(c->pc, "ROLLBACK");
        PQclear(r);
    }
    c->txn_err = 0;
    return rc;
}

static int txn_run(pg_store_t *ps, pg_conn_t *c, const char *begin, db_fn fn, void *arg)
{
    int rc = conn_ready(ps, c);
    if (rc < 0) return rc;
    int reconnected = 0, conflicts = 0;
    for (;;) {
        int sent_commit, rerunnable;
        rc = txn_once(c, begin, fn, arg, &sent_commit, &rerunnable);
        if (rc >= 0) return rc;
        if (rc == -EIO && conn_broken(c)) {
            if (sent_commit) {
                log_error("postgres: connection to %s lost during COMMIT; the outcome is unknown", ps->target);
                c->down = 0;
                conn_reconnect(ps, c);
                return -EIO;
            }
            if (!rerunnable) {
                /* The callback finished with something other than the connection error: it may have acted on
                 * what it read (written a reply), so it is not run twice. The next use reconnects. */
                log_warn("postgres: connection to %s lost during a read; the callback is not run again", ps->target);
                return -EIO;
            }
            if (reconnected || conn_reconnect(ps, c) < 0) return -EIO;
            reconnected = 1;
            continue;
        }
        if (rc == -ECONFLICT && conflicts < PG_CONFLICT_RETRIES) {
            backoff(++conflicts);
            continue;
        }
        return rc;
    }
}

/* ---- group commit ----
 * Every motcua process has one writer thread per store. store_write() queues the callback and waits; the writer
 * takes up to PG_GROUP_MAX queued callbacks, runs them in ONE read-committed transaction, each inside its own
 * SAVEPOINT (a failing callback is rolled back alone and the transaction goes on), and commits once. Because the
 * ledger's chain head is a row every write locks until commit, per-request transactions would serialise on that
 * lock for a whole commit (fsync) each; a batch takes the lock once. Callbacks hit by a serialization failure or
 * a deadlock are run again in a later batch (up to PG_CONFLICT_RETRIES times); a connection lost before COMMIT
 * re-runs the batch once after reconnecting; lost during COMMIT, the outcome is unknown and the answer is -EIO. */

static int exec_simple(pg_conn_t *c, const char *sql)
{
    PGresult *r = PQexec(c->pc, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : conn_fail(c, r);
    PQclear(r);
    return rc;
}

/* One transaction over the jobs not yet final. Returns 0, or -EIO when the connection broke before COMMIT (the
 * caller reconnects and runs the batch again; nothing was committed). */
static int batch_once(pg_conn_t *c, pg_job_t *batch)
{
    c->txn_err = 0;
    if (exec_simple(c, "BEGIN ISOLATION LEVEL READ COMMITTED") < 0) {
        int rc = conn_broken(c) ? -EIO : c->txn_err ? c->txn_err : -EIO;
        c->txn_err = 0;
        if (conn_broken(c)) return -EIO;
        for (pg_job_t *j = batch; j; j = j->next)
            if (!j->final) { j->rc = rc; j->final = 1; }
        return 0;
    }
    int live = 0;
    for (pg_job_t *j = batch; j; j = j->next) {
        if (j->final) continue;
        c->txn_err = 0;
        if (exec_simple(c, "SAVEPOINT motcua_job") < 0) goto broken;
        int rc = j->fn(&c->head, j->arg);
        if (c->txn_err) {
            /* A statement failed: its savepoint is aborted. A conflict or a lost connection decides the outcome
             * whatever the callback made of it; an error it swallowed still means nothing of it is kept. */
            if (rc >= 0) log_warn("postgres: a transaction callback ignored an error (%s); rolled back", c->err);
            if (rc >= 0 || c->txn_err == -ECONFLICT || c->txn_err == -EIO) rc = c->txn_err;
        }
        if (conn_broken(c)) goto broken;
        c->txn_err = 0;
        if (rc < 0 && exec_simple(c, "ROLLBACK TO SAVEPOINT motcua_job") < 0) goto broken;
        if (exec_simple(c, "RELEASE SAVEPOINT motcua_job") < 0) goto broken;
        j->rc = rc;
        if (rc >= 0) live++;
    }
    c->txn_err = 0;
    PGresult *r = PQexec(c->pc, live ? "COMMIT" : "ROLLBACK");
    int commit_rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) commit_rc = conn_fail(c, r);
    else if (live && strcmp(PQcmdStatus(r), "COMMIT") != 0) commit_rc = -EIO;
    PQclear(r);
    c->txn_err = 0;
    if (commit_rc < 0 && conn_broken(c)) {
        log_error("postgres: connection lost during COMMIT; the outcome of %d write(s) is unknown", live);
        commit_rc = -EIO;
    }
    for (pg_job_t *j = batch; j; j = j->next) {
        if (j->final) continue;
        if (commit_rc < 0 && j->rc >= 0) j->rc = commit_rc == -ECONFLICT ? -ECONFLICT : commit_rc;
        if (j->rc == -ECONFLICT && j->conflicts < PG_CONFLICT_RETRIES && !(commit_rc < 0 && conn_broken(c))) {
            j->conflicts++;       /* run again in the next round */
            continue;
        }
        j->final = 1;
    }
    return 0;
broken:
    c->txn_err = 0;
    return -EIO;
}

static void run_batch(pg_store_t *ps, pg_job_t *batch)
{
    pg_conn_t *c;
    int rc = conn_acquire(ps, &c);
    if (rc < 0) {
        for (pg_job_t *j = batch; j; j = j->next) j->rc = rc;
        return;
    }
    int reconnected = 0;
    for (int round = 0; round <= PG_CONFLICT_RETRIES + 1; round++) {
        int pending = 0;
        for (pg_job_t *j = batch; j; j = j->next) pending += !j->final;
        if (!pending) break;
        if (round > 0) backoff(round);
        if ((rc = conn_ready(ps, c)) < 0) break;
        if (batch_once(c, batch) == -EIO) {
            /* Broken before COMMIT: nothing was committed. Reconnect and run the whole batch once more. */
            if (reconnected || conn_reconnect(ps, c) < 0) { rc = -EIO; break; }
            reconnected = 1;
            for (pg_job_t *j = batch; j; j = j->next) if (!j->final) j->conflicts = 0;
        }
    }
    for (pg_job_t *j = batch; j; j = j->next)
        if (!j->final) { j->rc = rc < 0 ? rc : -EIO; j->final = 1; }
    conn_release(ps, c);
}

static void *writer_main(void *arg)
{
    pg_store_t *ps = arg;
    store_mark_writer_thread();
    pthread_mutex_lock(&ps->wq_mu);
    for (;;) {
        while (!ps->wq_head && !ps->wq_stopping) pthread_cond_wait(&ps->wq_jobs, &ps->wq_mu);
        if (!ps->wq_head) break;
        pg_job_t *batch = ps->wq_head, *last = batch;
        int n = 1;
        while (last->next && n < PG_GROUP_MAX) { last = last->next; n++; }
        ps->wq_head = last->next;
        if (!ps->wq_head) ps->wq_tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&ps->wq_mu);

        run_batch(ps, batch);

        pthread_mutex_lock(&ps->wq_mu);
        for (pg_job_t *j = batch; j;) {
            pg_job_t *nx = j->next;    /* read before done: the waiter may return and free the job at once */
            j->done = 1;
            j = nx;
        }
        pthread_cond_broadcast(&ps->wq_done);
    }
    pthread_mutex_unlock(&ps->wq_mu);
    return NULL;
}

static int pg_write(store_t *st, db_fn fn, void *arg)
{
    pg_store_t *ps = (pg_store_t *)st;
    if (ps->readonly) return -EROFS;
    pg_job_t j = {.fn = fn, .arg = arg};
    pthread_mutex_lock(&ps->wq_mu);
    if (ps->wq_stopping) {
        pthread_mutex_unlock(&ps->wq_mu);
        return -ESHUTDOWN;
    }
    if (!ps->writer_running) {
        if (pthread_create(&ps->writer, NULL, writer_main, ps) != 0) abort();
        ps->writer_running = 1;
    }
    if (ps->wq_tail) ps->wq_tail->next = &j;
    else ps->wq_head = &j;
    ps->wq_tail = &j;
    pthread_cond_signal(&ps->wq_jobs);
    while (!j.done) pthread_cond_wait(&ps->wq_done, &ps->wq_mu);
    pthread_mutex_unlock(&ps->wq_mu);
    return j.rc;
}

/* The connection this thread is running a read snapshot on, or NULL. */
static pg_conn_t *open_read(pg_store_t *ps)
{
    pg_conn_t *c = (pg_conn_t *)store_tls_get(&ps->head);
    if (!c) return NULL;
    pthread_mutex_lock(&ps->mu);
    int mine = c->busy && c->reading && c->has_owner && pthread_equal(c->owner, pthread_self());
    pthread_mutex_unlock(&ps->mu);
    return mine ? c : NULL;
}

static int pg_read(store_t *st, db_fn fn, void *arg)
{
    pg_store_t *ps = (pg_store_t *)st;
    pg_conn_t *c = open_read(ps);
    if (c) return fn(&c->head, arg);          /* nested: join the open snapshot */
    int rc = conn_acquire(ps, &c);
    if (rc < 0) return rc;
    pthread_mutex_lock(&ps->mu);
    c->reading = 1;
    pthread_mutex_unlock(&ps->mu);
    rc = txn_run(ps, c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn, arg);
    pthread_mutex_lock(&ps->mu);
    c->reading = 0;
    pthread_mutex_unlock(&ps->mu);
    conn_release(ps, c);
    return rc;
}

static int pg_exclusive(store_t *st, db_fn fn, void *arg)
{
    pg_store_t *ps = (pg_store_t *)st;
    pg_conn_t *c;
    int rc = conn_acquire(ps, &c);
    if (rc < 0) return rc;
    rc = conn_ready(ps, c);
    if (rc == 0) {
        c->txn_err = 0;
        rc = fn(&c->head, arg);
        if (rc >= 0 && conn_broken(c)) rc = -EIO;
        c->txn_err = 0;
    }
    conn_release(ps, c);
    return rc;
}

static int pg_ping(store_t *st)
{
    pg_store_t *ps = (pg_store_t *)st;
    pg_conn_t *c;
    int rc = conn_acquire(ps, &c);
    if (rc < 0) return rc;
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = conn_ready(ps, c);
        if (rc < 0) break;
        PGresult *r = PQexec(c->pc, "SELECT 1");
        rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : conn_fail(c, r);
        PQclear(r);
        if (rc == 0 || !conn_broken(c)) break;
        c->down = 0;                        /* lets conn_ready reconnect once and log it */
        conn_reconnect(ps, c);
        rc = -EIO;
    }
    conn_release(ps, c);
    return rc < 0 ? -EIO : 0;
}

/* ---- backup ---- */

/* Find an executable `name` along PATH (then the PostgreSQL 15 directory); 0 and the path in out, or -ENOENT. */
static int find_program(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/lib/postgresql/15/bin", path && *path ? path : "/usr/bin:/bin");
    const char *p = dirs;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)n, p, name) < cap && access(out, X_OK) == 0)
            return 0;
        p += n;
        if (*p == ':') p++;
    }
    return -ENOENT;
}

/* The store's connection parameters as a conninfo string without the password, which goes to *password. */
static int conninfo_without_password(const char *url, buf_t *out, char **password)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        PQfreemem(perr);
        return -EINVAL;
    }
    *password = NULL;
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
        if (!o->val || !*o->val) continue;
        if (!strcmp(o->keyword, "password")) {
            *password = xstrdup(o->val);
            continue;
        }
        rc = buf_printf(out, "%s%s='", out->len ? " " : "", o->keyword);
        for (const char *v = o->val; *v && rc == 0; v++) {
            if (*v == '\'' || *v == '\\') rc = buf_putc(out, '\\');
            if (rc == 0) rc = buf_putc(out, *v);
        }
        if (rc == 0) rc = buf_putc(out, '\'');
    }
    PQconninfoFree(opts);
    return rc;
}

static int pg_backup(store_t *st, const char *dest)
{
    pg_store_t *ps = (pg_store_t *)st;
    char prog[1024];
    if (find_program("pg_dump", prog, sizeof prog) < 0) {
        log_error("postgres: backup needs pg_dump, which is not installed");
        return -EIO;
    }
    buf_t conninfo;
    buf_init(&conninfo, 64 * 1024);
    char *password = NULL;
    if (conninfo_without_password(ps->url, &conninfo, &password) < 0) {
        buf_free(&conninfo);
        return -EINVAL;
    }
    char *dbarg = xmalloc(conninfo.len + 16);
    snprintf(dbarg, conninfo.len + 16, "--dbname=%s", conninfo.data);
    buf_free(&conninfo);

    /* The child's environment: ours, with PGPASSWORD replaced when the URL carries a password (argv is visible to
     * every local user through ps; the environment is not). Built before fork: the child only calls execve. */
    size_t nenv = 0;
    while (environ[nenv]) nenv++;
    char **envp = xcalloc(nenv + 2, sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (!(password && !strncmp(environ[i], "PGPASSWORD=", 11))) envp[k++] = environ[i];
    char *pwenv = NULL;
    if (password) {
        size_t n = strlen(password) + 12;
        pwenv = xmalloc(n);
        snprintf(pwenv, n, "PGPASSWORD=%s", password);
        envp[k++] = pwenv;
    }
    envp[k] = NULL;

    size_t dn = strlen(dest) + 8;
    char *filearg = xmalloc(dn);
    snprintf(filearg, dn, "--file=%s", dest);
    char *argv[] = {prog, "--format=custom", "--no-password", filearg, dbarg, NULL};

    int rc = -EIO;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = devnull < 0 ? -1 : fork();
    if (pid == 0) {
        dup2(devnull, 0);
        execve(prog, argv, envp);
        _exit(127);
    }
    if (devnull >= 0) close(devnull);
    if (pid > 0) {
        int status = 0;
        pid_t w;
        do w = waitpid(pid, &status, 0); while (w < 0 && errno == EINTR);
        if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) rc = 0;
        else if (w == pid && WIFEXITED(status))
            log_error("postgres: pg_dump of %s failed (exit status %d)", ps->target, WEXITSTATUS(status));
        else
            log_error("postgres: pg_dump of %s did not finish", ps->target);
    } else {
        log_error("postgres: cannot start pg_dump: %s", strerror(errno));
    }
    if (rc < 0) unlink(dest);

    if (pwenv) {
        explicit_bzero(pwenv, strlen(pwenv));
        free(pwenv);
    }
    if (password) {
        explicit_bzero(password, strlen(password));
        free(password);
    }
    free(envp);
    free(filearg);
    free(dbarg);
    return rc;
}

/* ---- store ---- */

static int describe_target(const char *url, char *out, size_t cap)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        /* libpq's message may quote part of the URL, password included: log only that it is malformed. */
        PQfreemem(perr);
        return -EINVAL;
    }
    const char *user = "", *host = "", *hostaddr = "", *port = "", *db = "";
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val) continue;
        if (!strcmp(o->keyword, "user")) user = o->val;
        else if (!strcmp(o->keyword, "host")) host = o->val;
        else if (!strcmp(o->keyword, "hostaddr")) hostaddr = o->val;
        else if (!strcmp(o->keyword, "port")) port = o->val;
        else if (!strcmp(o->keyword, "dbname")) db = o->val;
    }
    snprintf(out, cap, "%s%s%s%s%s/%s", user, *user ? "@" : "", *host ? host : *hostaddr ? hostaddr : "(default)",
             *port ? ":" : "", port, db);
    PQconninfoFree(opts);
    return 0;
}

static void pg_close(store_t *st)
{
    pg_store_t *ps = (pg_store_t *)st;
    pthread_mutex_lock(&ps->wq_mu);
    ps->wq_stopping = 1;
    pthread_cond_broadcast(&ps->wq_jobs);
    int running = ps->writer_running;
    pthread_mutex_unlock(&ps->wq_mu);
    if (running) pthread_join(ps->writer, NULL);
    pthread_cond_destroy(&ps->wq_jobs);
    pthread_cond_destroy(&ps->wq_done);
    pthread_mutex_destroy(&ps->wq_mu);
    for (int i = 0; i < ps->nconns; i++) conn_free(ps->conns[i]);
    free(ps->conns);
    pthread_cond_destroy(&ps->freed);
    pthread_mutex_destroy(&ps->mu);
    explicit_bzero(ps->url, strlen(ps->url));
    free(ps->url);
    free(ps);
}

static int pg_open(store_t **out, const store_opts_t *opts)
{
    *out = NULL;
    char target[PG_TARGET_CAP];
    if (describe_target(opts->url, target, sizeof target) < 0) {
        log_error("postgres: the store URL is malformed");
        return -EINVAL;
    }
    pg_store_t *ps = xcalloc(1, sizeof *ps);
    ps->head.drv = &db_pg_driver;
    ps->head.generation = store_next_generation();
    ps->url = xstrdup(opts->url);
    str_copy(ps->target, sizeof ps->target, target);
    ps->readonly = opts->readonly;
    ps->cap = opts->pool_size <= 0 ? PG_POOL_DEFAULT : opts->pool_size > PG_POOL_MAX ? PG_POOL_MAX : opts->pool_size;
    ps->conns = xcalloc((size_t)ps->cap, sizeof *ps->conns);
    pthread_mutex_init(&ps->mu, NULL);
    pthread_mutex_init(&ps->wq_mu, NULL);
    pthread_cond_init(&ps->wq_jobs, NULL);
    pthread_cond_init(&ps->wq_done, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&ps->freed, &ca);
    pthread_condattr_destroy(&ca);

    /* Connect now, so a wrong URL or a dead server shows at startup; this first connection waits in the pool for
     * the first thread that needs one. */
    int rc;
    pg_conn_t *c = conn_new(ps, &rc);
    if (!c) {
        pg_close(&ps->head);
        return rc;
    }
    registry_add(ps, c);
    log_info("postgres: connected to %s (server %d, pool of %d)", ps->target, PQserverVersion(c->pc), ps->cap);
    *out = &ps->head;
    return 0;
}

const db_driver_t db_pg_driver = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .write = pg_write,
    .read = pg_read,
    .exclusive = pg_exclusive,
    .ping = pg_ping,
    .backup = pg_backup,
    .prepare = pg_prepare,
    .bind_text = pg_bind_text,
    .bind_int = pg_bind_int,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .col_count = pg_col_count,
    .col_text = pg_col_text,
    .col_len = pg_col_len,
    .col_int = pg_col_int,
    .col_is_null = pg_col_is_null,
    .changes = pg_changes,
    .exec = pg_exec,
    .errmsg = pg_errmsg,
};

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
 * Writes: group commit through one writer thread per store (pg_writer.c).
 * Errors: SQLSTATEs map onto db.h's negative errnos. Once a statement fails inside a transaction, PostgreSQL has
 * aborted the transaction: later statements report the same first error and the transaction is rolled back even
 * when the callback ignores the error. Nothing here aborts on a server error; a dead server is -EIO.
 * Files: pg.c errors, connections and the pool, read transactions, store open/close and the driver table;
 * pg_stmt.c the statement cache and stepping; pg_writer.c group commit; pg_backup.c pg_dump; pg_internal.h the
 * types and functions they share. */
#include "db/pg_internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
int conn_fail(pg_conn_t *c, const PGresult *res)
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

int conn_broken(const pg_conn_t *c) { return PQstatus(c->pc) != CONNECTION_OK; }

/* ---- connections ---- */

static void notice_to_log(void *arg, const char *message)
{
    (void)arg;
    char line[PG_ERR_CAP];
    trim_copy(line, sizeof line, message);
    log_debug("postgres: %s", line);
}

PGconn *pg_connect_url(const char *url)
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
    PGconn *pc = pg_connect_url(ps->url);
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
int conn_reconnect(pg_store_t *ps, pg_conn_t *c)
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
int conn_acquire(pg_store_t *ps, pg_conn_t **out)
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

void conn_release(pg_store_t *ps, pg_conn_t *c)
{
    /* Leave the connection outside any transaction, whatever the callback did (a read snapshot's COMMIT on its
     * way counts as outside: conn_ready reads its answer). */
    c->begin_pending = NULL;
    if (!conn_broken(c) && !c->commit_pending && PQtransactionStatus(c->pc) != PQTRANS_IDLE) {
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
int conn_ready(pg_store_t *ps, pg_conn_t *c)
{
    if (c->commit_pending) {
        /* The previous read snapshot's COMMIT: read-only, so its outcome changes nothing; only its answer is read. */
        PGresult *r;
        while ((r = PQgetResult(c->pc))) PQclear(r);
        c->commit_pending = 0;
    }
    if (!conn_broken(c) && !c->down) return 0;
    return conn_reconnect(ps, c);
}

int conn_restart_snapshot(pg_conn_t *c)
{
    const char *begin = c->begin_text;
    if (!begin || !conn_broken(c)) return -EIO;
    int rc = conn_reconnect((pg_store_t *)c->head.store, c);
    if (rc < 0) return rc;
    c->txn_err = 0;
    c->commit_pending = 0;
    c->begin_pending = begin;
    return 0;
}

int conn_begin_now(pg_conn_t *c)
{
    const char *begin = c->begin_pending;
    if (!begin) return 0;
    c->begin_pending = NULL;
    PGresult *r = PQexec(c->pc, begin);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : conn_fail(c, r);
    PQclear(r);
    return rc;
}

int conn_exec_after_begin(pg_conn_t *c, const char *name, int nparams, const char *const *vals, PGresult **out)
{
    *out = NULL;
    const char *begin = c->begin_pending;
    c->begin_pending = NULL;
    if (PQenterPipelineMode(c->pc) != 1) {
        c->begin_pending = begin;
        int rc = conn_begin_now(c);
        if (rc < 0) return rc;
        *out = PQexecPrepared(c->pc, name, nparams, vals, NULL, NULL, 0);
        ExecStatusType es = PQresultStatus(*out);
        if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) return 0;
        rc = conn_fail(c, *out);
        PQclear(*out);
        *out = NULL;
        return rc;
    }
    int sent = PQsendQueryParams(c->pc, begin, 0, NULL, NULL, NULL, NULL, 0) == 1 &&
               PQsendQueryPrepared(c->pc, name, nparams, vals, NULL, NULL, 0) == 1 && PQpipelineSync(c->pc) == 1;
    /* The answers: BEGIN's result and a NULL, the statement's result and a NULL, then the sync. */
    PGresult *rb = NULL, *rx = NULL;
    int q = 0;
    for (int guard = 0; sent && guard < 16; guard++) {
        PGresult *r = PQgetResult(c->pc);
        if (!r) {
            if (conn_broken(c)) break;
            q++;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (q == 0 && !rb) rb = r;
        else if (q == 1 && !rx) rx = r;
        else PQclear(r);
    }
    (void)PQexitPipelineMode(c->pc);
    int rc = 0;
    if (!sent || !rb) rc = conn_fail(c, NULL);
    else if (PQresultStatus(rb) != PGRES_COMMAND_OK) rc = conn_fail(c, rb);
    else if (!rx) rc = conn_fail(c, NULL);
    else if (PQresultStatus(rx) != PGRES_TUPLES_OK && PQresultStatus(rx) != PGRES_COMMAND_OK) rc = conn_fail(c, rx);
    if (rb) PQclear(rb);
    if (rc < 0) {
        if (rx) PQclear(rx);
        return rc;
    }
    *out = rx;
    return 0;
}

/* ---- transactions ---- */

void backoff(int attempt)
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
    PGresult *r;
    c->begin_text = NULL;
    if (c->reading) {
        c->begin_pending = c->begin_text = begin;   /* sent with the first statement (conn_exec_after_begin) */
    } else {
        r = PQexec(c->pc, begin);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            int rc = conn_fail(c, r);
            PQclear(r);
            c->txn_err = 0;
            return rc;
        }
        PQclear(r);
    }

    int rc = fn(&c->head, arg);
    if (c->begin_pending) {
        /* The snapshot ran no statement: there is no transaction to end. */
        c->begin_pending = NULL;
        c->txn_err = 0;
        return conn_broken(c) && rc >= 0 ? -EIO : rc;
    }
    *rerunnable = rc == -EIO;
    if (c->txn_err) {
        /* A statement failed, so the server has aborted the transaction. A conflict or a lost connection decides
         * what happens next whatever fn made of it; an error fn swallowed still means nothing was written. */
        if (rc >= 0) log_warn("postgres: a transaction callback ignored an error (%s); rolled back", c->err);
        if (rc >= 0 || c->txn_err == -ECONFLICT || c->txn_err == -EIO) rc = c->txn_err;
    }
    if (conn_broken(c)) rc = -EIO;
    if (rc >= 0 && c->reading) {
        /* A read-only snapshot: its COMMIT cannot fail in a way that matters, and its answer is read by the
         * connection's next use (conn_ready). */
        if (PQsendQueryParams(c->pc, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) == 1) c->commit_pending = 1;
    } else if (rc >= 0) {
        *sent_commit = 1;
        /* Every committed write tells the read caches of all processes (pg_cache.c); a read-only session may not. */
        r = PQexec(c->pc, ((pg_store_t *)c->head.store)->readonly ? "COMMIT" : PG_NOTIFY_SQL "; COMMIT");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            rc = conn_fail(c, r);
        } else if (strcmp(PQcmdStatus(r), "COMMIT") != 0) {
            rc = -EIO;   /* the server rolled back instead */
            str_copy(c->err, sizeof c->err, "the transaction was rolled back at COMMIT");
        }
        PQclear(r);
        rcache_bump((pg_store_t *)c->head.store);
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
    c->snap_version = rcache_version(ps);   /* read cache: the data version this snapshot may use (0: none) */
    rc = txn_run(ps, c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", fn, arg);
    c->snap_version = 0;
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
    rcache_stop(ps);
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
    ps->rc_ways = ps->readonly || opts->read_cache <= 0 ? 0 : opts->read_cache > 64 ? 64 : opts->read_cache;
    if (rcache_start(ps) < 0) {
        log_error("postgres: cannot start the read cache's listener; the cache is off");
        ps->rc_ways = 0;
    }
    ps->head.cache_on = ps->rc_ways > 0;
    *out = &ps->head;
    return 0;
}

const db_driver_t db_pg_driver = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .write = pg_write,
    .write_async = pg_write_async,
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

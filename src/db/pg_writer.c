/* pg_writer.c — PostgreSQL driver: group commit, one writer thread per store running queued store_write()
 * callbacks a batch per transaction, each in its own savepoint (see pg.c for the whole driver). */
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
    /* Round trips of the bookkeeping: the first savepoint travels with BEGIN, a job's RELEASE with the next job's
     * SAVEPOINT (one simple query each; a failing command skips the rest and its error is the result), and the
     * last job's savepoint is committed with the transaction without a RELEASE of its own. After ROLLBACK TO the
     * savepoint is still there, empty, and the next job runs in it. So a batch of n jobs costs n + 1 round trips
     * besides the jobs' own statements instead of 2n + 2: on PostgreSQL each one is a wait for the server. */
    if (exec_simple(c, "BEGIN ISOLATION LEVEL READ COMMITTED; SAVEPOINT motcua_job") < 0) {
        int rc = conn_broken(c) ? -EIO : c->txn_err ? c->txn_err : -EIO;
        c->txn_err = 0;
        if (conn_broken(c)) return -EIO;
        /* BEGIN may have passed and the SAVEPOINT failed: leave no transaction open for the next batch. */
        if (PQtransactionStatus(c->pc) != PQTRANS_IDLE) (void)exec_simple(c, "ROLLBACK");
        c->txn_err = 0;
        for (pg_job_t *j = batch; j; j = j->next)
            if (!j->final) { j->rc = rc; j->final = 1; }
        return 0;
    }
    int live = 0;
    int used = 0;   /* the open savepoint holds a kept job's work: release it and open a fresh one first */
    for (pg_job_t *j = batch; j; j = j->next) {
        if (j->final) continue;
        c->txn_err = 0;
        if (used && exec_simple(c, "RELEASE SAVEPOINT motcua_job; SAVEPOINT motcua_job") < 0) goto broken;
        used = 0;
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
        used = rc >= 0;
        j->rc = rc;
        if (rc >= 0) live++;
    }
    c->txn_err = 0;
    /* The last kept job's RELEASE goes with COMMIT: it still tells a job that ended the writer's savepoint itself
     * (the RELEASE fails, COMMIT is skipped and the whole batch fails, as for the jobs before it). */
    PGresult *r = PQexec(c->pc, !live ? "ROLLBACK"
                              : used ? "RELEASE SAVEPOINT motcua_job; " PG_NOTIFY_SQL "; COMMIT"
                                     : PG_NOTIFY_SQL "; COMMIT");
    int commit_rc = 0;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) commit_rc = conn_fail(c, r);
    else if (live && strcmp(PQcmdStatus(r), "COMMIT") != 0) commit_rc = -EIO;
    PQclear(r);
    if (live) rcache_bump((pg_store_t *)c->head.store);   /* this process's read cache sees its writes at once */
    c->txn_err = 0;
    if (commit_rc < 0 && !conn_broken(c) && PQtransactionStatus(c->pc) != PQTRANS_IDLE) {
        (void)exec_simple(c, "ROLLBACK");   /* the RELEASE failed: COMMIT never ran */
        c->txn_err = 0;
    }
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

        /* Asynchronous jobs are told first, outside the lock (their callbacks only hand the result on). */
        pg_job_t *waited = NULL;
        for (pg_job_t *j = batch; j;) {
            pg_job_t *nx = j->next;
            if (j->on_done) {
                j->on_done(j->rc, j->on_done_arg);
                free(j);
            } else {
                j->next = waited;
                waited = j;
            }
            j = nx;
        }
        pthread_mutex_lock(&ps->wq_mu);
        for (pg_job_t *j = waited; j;) {
            pg_job_t *nx = j->next;    /* read before done: the waiter may return and free the job at once */
            j->done = 1;
            j = nx;
        }
        pthread_cond_broadcast(&ps->wq_done);
    }
    pthread_mutex_unlock(&ps->wq_mu);
    return NULL;
}

int pg_write(store_t *st, db_fn fn, void *arg)
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

int pg_write_async(store_t *st, db_fn fn, void *arg, db_done_fn done, void *done_arg)
{
    pg_store_t *ps = (pg_store_t *)st;
    if (ps->readonly) return -EROFS;
    pg_job_t *j = xcalloc(1, sizeof *j);
    *j = (pg_job_t){.fn = fn, .arg = arg, .on_done = done, .on_done_arg = done_arg};
    pthread_mutex_lock(&ps->wq_mu);
    if (ps->wq_stopping) {
        pthread_mutex_unlock(&ps->wq_mu);
        free(j);
        return -ESHUTDOWN;
    }
    if (!ps->writer_running) {
        if (pthread_create(&ps->writer, NULL, writer_main, ps) != 0) abort();
        ps->writer_running = 1;
    }
    if (ps->wq_tail) ps->wq_tail->next = j;
    else ps->wq_head = j;
    ps->wq_tail = j;
    pthread_cond_signal(&ps->wq_jobs);
    pthread_mutex_unlock(&ps->wq_mu);
    return 0;
}

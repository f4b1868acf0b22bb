/* pg_cache.c — the read cache of the PostgreSQL driver (store_opts_t.read_cache; see pg_internal.h).
 *
 * Inside read snapshots, the result of a cacheable SELECT is kept on its statement, keyed by the parameter values
 * and tagged with the store's data version. A later snapshot of the same version that runs the same statement
 * with the same values reads the kept rows without a round trip; a snapshot all of whose statements hit sends
 * nothing at all (its BEGIN stays pending, see pg.c). The data version moves on:
 *   - after every write transaction this process commits (pg_writer.c, txn_once in pg.c), at once;
 *   - on every notification on the channel motcua_data, which every write transaction of every motcua process on
 *     the database sends (NOTIFY before COMMIT, delivered by the server at commit), read by a listener thread on a
 *     connection of its own;
 *   - when the listener loses its connection (and, until it has listened again, the version is 0: no snapshot
 *     uses or fills the cache, since notifications may be missed).
 * A commit of another process is therefore seen once its notification has reached this process (the server sends
 * it at commit, before the committing process answers its client). Changes made outside motcua (psql) send no
 * notification: the cache is off by default and documented for hubs (docs/deploy.md). */
#include "core/mem.h"
#include "core/log.h"
#include "db/pg_internal.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define RC_ENTRY_MAX  (64u << 10)    /* a result larger than this is not kept */
#define RC_CONN_BYTES (8u << 20)     /* what one connection keeps at most, keys and results together */

struct rc_entry {
    unsigned long version;           /* 0: empty */
    char         *key;
    size_t        keylen;
    size_t        bytes;
    PGresult     *res;
};

int rcache_cacheable(const char *sql)
{
    while (*sql == ' ' || *sql == '\n' || *sql == '\t') sql++;
    if (strncasecmp(sql, "SELECT", 6) != 0 && strncasecmp(sql, "WITH", 4) != 0) return 0;
    /* Locks and advisory functions are not reads of data. */
    return !strcasestr(sql, " FOR UPDATE") && !strcasestr(sql, " FOR SHARE") && !strcasestr(sql, "pg_");
}

unsigned long rcache_version(pg_store_t *ps)
{
    if (ps->rc_ways <= 0 || !__atomic_load_n(&ps->rc_listening, __ATOMIC_ACQUIRE)) return 0;
    return __atomic_load_n(&ps->rc_version, __ATOMIC_ACQUIRE);
}

void rcache_bump(pg_store_t *ps)
{
    unsigned long v = __atomic_add_fetch(&ps->rc_version, 1, __ATOMIC_ACQ_REL);
    if (v == 0) __atomic_add_fetch(&ps->rc_version, 1, __ATOMIC_ACQ_REL);   /* 0 means "no cache" */
}

/* The parameter values as one key: per value a 4-byte length (0xffffffff for NULL) and its bytes. */
static char *make_key(const pg_stmt_t *st, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < st->nparams; i++) n += 4 + (st->vals[i] ? strlen(st->vals[i]) : 0);
    char *k = xmalloc(n ? n : 1);
    size_t at = 0;
    for (int i = 0; i < st->nparams; i++) {
        unsigned int l = st->vals[i] ? (unsigned int)strlen(st->vals[i]) : 0xffffffffu;
        memcpy(k + at, &l, 4);
        at += 4;
        if (st->vals[i]) {
            memcpy(k + at, st->vals[i], l);
            at += l;
        }
    }
    *len = n;
    return k;
}

static void entry_clear(pg_conn_t *c, struct rc_entry *e)
{
    if (e->res) PQclear(e->res);
    free(e->key);
    c->rc_bytes -= e->bytes;
    memset(e, 0, sizeof *e);
}

void rcache_free(pg_conn_t *c, pg_stmt_t *st)
{
    for (int i = 0; i < st->rc_n; i++) entry_clear(c, &st->rc[i]);
    free(st->rc);
    st->rc = NULL;
    st->rc_n = 0;
}

PGresult *rcache_get(pg_stmt_t *st, unsigned long version)
{
    if (!st->rc_n) return NULL;
    size_t kl;
    char *k = make_key(st, &kl);
    PGresult *hit = NULL;
    for (int i = 0; i < st->rc_n && !hit; i++) {
        struct rc_entry *e = &st->rc[i];
        if (e->version == version && e->keylen == kl && memcmp(e->key, k, kl) == 0) hit = e->res;
    }
    free(k);
    return hit;
}

/* Free every entry of an older version on the connection's statements, to make room. */
static void sweep_stale(pg_conn_t *c, unsigned long version)
{
    for (size_t i = 0; i < c->table_cap; i++)
        for (pg_stmt_t *s = c->table[i]; s; s = s->next)
            for (int j = 0; j < s->rc_n; j++)
                if (s->rc[j].version && s->rc[j].version != version && s->rc[j].res != s->res)
                    entry_clear(c, &s->rc[j]);
}

int rcache_put(pg_stmt_t *st, unsigned long version, PGresult *r, int ways)
{
    pg_conn_t *c = (pg_conn_t *)st->head.db;
    size_t bytes = PQresultMemorySize(r);
    if (bytes > RC_ENTRY_MAX) return 0;
    size_t kl;
    char *k = make_key(st, &kl);
    bytes += kl;
    if (c->rc_bytes + bytes > RC_CONN_BYTES) sweep_stale(c, version);
    if (c->rc_bytes + bytes > RC_CONN_BYTES) {
        free(k);
        return 0;
    }
    if (!st->rc) {
        st->rc = xcalloc((size_t)ways, sizeof *st->rc);
        st->rc_n = ways;
    }
    /* An empty or stale way first, else the next in turn. The way whose rows the statement is reading now is
     * never taken (st->res was cleared before this execution, so none is). */
    int w = -1;
    for (int i = 0; i < st->rc_n && w < 0; i++)
        if (st->rc[i].version != version) w = i;
    if (w < 0) w = st->rc_next++ % st->rc_n;
    entry_clear(c, &st->rc[w]);
    st->rc[w] = (struct rc_entry){.version = version, .key = k, .keylen = kl, .bytes = bytes, .res = r};
    c->rc_bytes += bytes;
    return 1;
}

/* ---- the listener ---- */

static void listener_wait(pg_store_t *ps, int ms)
{
    struct pollfd p = {.fd = ps->rc_stop[0], .events = POLLIN};
    (void)poll(&p, 1, ms);
}

static void *listener_main(void *arg)
{
    pg_store_t *ps = arg;
    PGconn *lc = NULL;
    int warned = 0;
    while (!__atomic_load_n(&ps->rc_stopping, __ATOMIC_ACQUIRE)) {
        if (!lc) {
            lc = pg_connect_url(ps->url);
            PGresult *r = PQstatus(lc) == CONNECTION_OK
                              ? PQexec(lc, "SET application_name = 'motcua-cache-listener'; LISTEN motcua_data")
                              : NULL;
            int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
            PQclear(r);
            if (!ok) {
                if (!warned++) log_warn("postgres: the read cache cannot listen on %s; it stays off meanwhile", ps->target);
                PQfinish(lc);
                lc = NULL;
                listener_wait(ps, 1000);
                continue;
            }
            if (warned) log_info("postgres: the read cache listens on %s again", ps->target);
            warned = 0;
            rcache_bump(ps);   /* what was kept before may have missed notifications */
            __atomic_store_n(&ps->rc_listening, 1, __ATOMIC_RELEASE);
        }
        struct pollfd p[2] = {{.fd = PQsocket(lc), .events = POLLIN}, {.fd = ps->rc_stop[0], .events = POLLIN}};
        if (poll(p, 2, 1000) < 0) continue;
        if (p[1].revents) break;
        if (!p[0].revents) continue;
        int lost = PQconsumeInput(lc) != 1;
        int got = 0;
        PGnotify *n;
        while ((n = PQnotifies(lc))) {
            PQfreemem(n);
            got = 1;
        }
        if (got) rcache_bump(ps);
        if (lost || PQstatus(lc) != CONNECTION_OK) {
            __atomic_store_n(&ps->rc_listening, 0, __ATOMIC_RELEASE);
            rcache_bump(ps);
            PQfinish(lc);
            lc = NULL;
        }
    }
    __atomic_store_n(&ps->rc_listening, 0, __ATOMIC_RELEASE);
    PQfinish(lc);
    return NULL;
}

int rcache_start(pg_store_t *ps)
{
    if (ps->rc_ways <= 0) return 0;
    ps->rc_version = 1;
    if (pipe(ps->rc_stop) != 0) return -errno;
    if (pthread_create(&ps->rc_thread, NULL, listener_main, ps) != 0) {
        close(ps->rc_stop[0]);
        close(ps->rc_stop[1]);
        return -EAGAIN;
    }
    ps->rc_running = 1;
    return 0;
}

void rcache_stop(pg_store_t *ps)
{
    if (!ps->rc_running) return;
    __atomic_store_n(&ps->rc_stopping, 1, __ATOMIC_RELEASE);
    ssize_t w = write(ps->rc_stop[1], "x", 1);
    (void)w;
    pthread_join(ps->rc_thread, NULL);
    close(ps->rc_stop[0]);
    close(ps->rc_stop[1]);
    ps->rc_running = 0;
}

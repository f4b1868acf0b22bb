/* api_metrics.c — GET /metrics: the Prometheus text exposition (version 0.0.4) of this process and its store.
 *
 * Who may read it (docs/security.md): a caller presenting `Authorization: Bearer <token>` whose token matches the
 * one of --metrics-token-file (compared as SHA-256 digests in constant time, so neither its bytes nor its length
 * leak through timing), or, when no Authorization header is sent and the server does not run with --trust-proxy,
 * a socket peer on loopback. Behind a proxy (--trust-proxy) the proxy's own connection is on loopback while it
 * carries anyone's request, so there the token is always required. Everyone else gets the very 404 a path that
 * does not exist gets, which tells a scanner nothing. A wrong token is refused even from loopback.
 *
 * What it holds: the HTTP layer's counters (http/metrics.c), the store's error counts (db/store.c), the figures
 * of the store (domain/gauges.c: one read snapshot of three aggregate queries; left out, with motcua_store_up 0,
 * when the store does not answer) and the build. Every label value is
 * a string of the program (route patterns, fixed slugs), escaped all the same. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/prom.h"
#include "core/sha256.h"
#include "domain/gauges.h"
#include "domain/ministry.h" /* ministry */
#include "domain/portal.h"   /* portal */

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool metrics_allowed(req_t *r)
{
    const char *authz = req_header(r, "Authorization");
    if (authz) {
        if (!r->app->metrics_token_set || strncasecmp(authz, "Bearer ", 7) != 0) return false;
        unsigned char got[SHA256_LEN];
        sha256(authz + 7, strlen(authz + 7), got);
        return CRYPTO_memcmp(got, r->app->metrics_token_sha256, SHA256_LEN) == 0;
    }
    return !r->app->trust_proxy && req_peer_is_loopback(r);
}

/* The store's figures, from the scrape's read snapshot. */
static void write_figures(buf_t *b, const gauges_t *g)
{
    buf_t lab;
    buf_init(&lab, 1024);
    char num[12];

    prom_family(b, "motcua_dossiers", "gauge",
                "Dossiers by National Public Service Portal status (1 new .. 10 result returned).");
    for (int s = 1; s <= GAUGES_STATUS_MAX; s++) {
        buf_reset(&lab);
        snprintf(num, sizeof num, "%d", s);
        prom_label(&lab, "status", num);
        prom_label(&lab, "name", gauges_status_slug(s));
        prom_sample_u(b, "motcua_dossiers", lab.data, (unsigned long long)g->dossiers[s]);
    }

    prom_family(b, "motcua_notify_outbox_messages", "gauge", "Notification outbox messages by state.");
    static const char *const states[] = {"pending", "sending", "sent", "failed"};
    const long long by_state[] = {g->outbox_pending, g->outbox_sending, g->outbox_sent, g->outbox_failed};
    for (int i = 0; i < 4; i++) {
        buf_reset(&lab);
        prom_label(&lab, "state", states[i]);
        prom_sample_u(b, "motcua_notify_outbox_messages", lab.data, (unsigned long long)by_state[i]);
    }

    prom_family(b, "motcua_ledger_events", "gauge",
                "Events in the ledger: this node's chain (self) and the chains replicated from other nodes.");
    buf_reset(&lab);
    prom_label(&lab, "chain", "self");
    prom_sample_u(b, "motcua_ledger_events", lab.data, (unsigned long long)g->ledger_self_events);
    buf_reset(&lab);
    prom_label(&lab, "chain", "replicated");
    prom_sample_u(b, "motcua_ledger_events", lab.data, (unsigned long long)g->ledger_other_events);
    prom_family(b, "motcua_ledger_chains", "gauge", "Hash chains (origin nodes) the ledger holds.");
    prom_sample_u(b, "motcua_ledger_chains", NULL, (unsigned long long)g->ledger_chains);

    buf_free(&lab);
}

/* sync: a hub's nodes (only a hub has any). */
static void write_sync(buf_t *b, const gauges_sync_t *g)
{
    buf_t lab;
    buf_init(&lab, 1024);
    prom_family(b, "motcua_sync_node_lag_events", "gauge",
                "Events a node said its chain holds that the hub has not applied yet.");
    for (int i = 0; i < g->n; i++) {
        buf_reset(&lab);
        prom_label(&lab, "node", g->nodes[i].node);
        prom_sample_u(b, "motcua_sync_node_lag_events", lab.data, (unsigned long long)g->nodes[i].lag_events);
    }
    prom_family(b, "motcua_sync_node_lag_seconds", "gauge",
                "How old the hub's view of a lagging node is (0 when the node is caught up).");
    for (int i = 0; i < g->n; i++) {
        buf_reset(&lab);
        prom_label(&lab, "node", g->nodes[i].node);
        prom_sample_u(b, "motcua_sync_node_lag_seconds", lab.data, (unsigned long long)g->nodes[i].lag_seconds);
    }
    prom_family(b, "motcua_sync_refused_batches_total", "counter", "Batches the hub refused and kept as evidence.");
    prom_sample_u(b, "motcua_sync_refused_batches_total", NULL, (unsigned long long)g->refused);
    prom_family(b, "motcua_sync_flagged_nodes", "gauge", "Nodes flagged after a refused batch, until cleared.");
    prom_sample_u(b, "motcua_sync_flagged_nodes", NULL, (unsigned long long)g->flagged);
    buf_free(&lab);
}

/* motcua_store_up (g NULL: the scrape's read failed) and the store's error counts. */
static void write_store(buf_t *b, const store_t *st, const gauges_t *g)
{
    prom_family(b, "motcua_store_up", "gauge",
                "1 when the store answered this scrape's queries, 0 when it did not (the store's figures are then "
                "left out).");
    prom_sample_u(b, "motcua_store_up", NULL, g ? 1 : 0);
    if (g) write_figures(b, g);
    buf_t lab;
    buf_init(&lab, 1024);
    store_errors_t e;
    store_error_counts(st, &e);
    static const char *const ops[STORE_ERR_OPS] = {"statement", "read", "write"};
    static const char *const kinds[STORE_ERR_KINDS] = {"io", "conflict", "read_only", "other"};
    prom_family(b, "motcua_store_errors_total", "counter",
                "Store failures since start: failed statements, and read or write transactions that failed for a "
                "reason of the store (unreachable or I/O, conflict after retries, read-only standby, misuse). "
                "A failed statement usually fails its transaction too: do not add the ops up.");
    for (int o = 0; o < STORE_ERR_OPS; o++)
        for (int k = 0; k < STORE_ERR_KINDS; k++) {
            buf_reset(&lab);
            prom_label(&lab, "op", ops[o]);
            prom_label(&lab, "kind", kinds[k]);
            prom_sample_u(b, "motcua_store_errors_total", lab.data, e.n[o][k]);
        }
    buf_free(&lab);
}

/* portal: the connector's outbox and deadlines (domain/portal.h), left out when the store does not answer. */
static void write_portal(buf_t *b, const portal_stats_t *p)
{
    prom_family(b, "motcua_portal_outbox_depth", "gauge",
                "National Public Service Portal outbox: dossier changes not yet acknowledged by the portal.");
    prom_sample_u(b, "motcua_portal_outbox_depth", NULL, (unsigned long long)p->depth);
    prom_family(b, "motcua_portal_oldest_unacked_seconds", "gauge",
                "Age of the oldest dossier change the portal has not acknowledged (0: none).");
    prom_sample_u(b, "motcua_portal_oldest_unacked_seconds", NULL, (unsigned long long)p->oldest_unacked_s);
    prom_family(b, "motcua_portal_deadline_missed_total", "counter",
                "Decree 63/2024 art. 7 deadlines missed: pushed within 10 minutes, acknowledged within 2 working "
                "hours.");
    buf_t lab;
    buf_init(&lab, 256);
    prom_label(&lab, "deadline", "push");
    prom_sample_u(b, "motcua_portal_deadline_missed_total", lab.data, (unsigned long long)p->missed_push);
    buf_reset(&lab);
    prom_label(&lab, "deadline", "ack");
    prom_sample_u(b, "motcua_portal_deadline_missed_total", lab.data, (unsigned long long)p->missed_ack);
    buf_free(&lab);
    prom_family(b, "motcua_portal_dead_letters", "gauge", "Portal pushes given up, waiting for an admin's replay.");
    prom_sample_u(b, "motcua_portal_dead_letters", NULL, (unsigned long long)p->dead);
}

/* The ministry adapter's figures per system (domain/ministry.h): the configured systems, and any other that
 * hand-offs name. */
static void write_ministry(buf_t *b, const ministry_systems_t *sys, const ministry_gauges_t *g)
{
    ministry_gauges_t all = *g;
    for (int i = 0; sys && i < sys->n; i++) {
        bool seen = false;
        for (int k = 0; k < all.n; k++) seen = seen || !strcmp(all.g[k].system, sys->sys[i].name);
        if (!seen && all.n < (int)(sizeof all.g / sizeof all.g[0])) {
            memset(&all.g[all.n], 0, sizeof all.g[all.n]);
            str_copy(all.g[all.n].system, sizeof all.g[all.n].system, sys->sys[i].name);
            all.n++;
        }
    }
    buf_t lab;
    buf_init(&lab, 256);
    long long now = clock_now_ms();
    prom_family(b, "motcua_ministry_outbox_depth", "gauge",
                "Hand-offs to a ministry system not yet answered (queued or acknowledged, waiting for the result).");
    for (int i = 0; i < all.n; i++) {
        buf_reset(&lab);
        prom_label(&lab, "system", all.g[i].system);
        prom_sample_u(b, "motcua_ministry_outbox_depth", lab.data, (unsigned long long)all.g[i].outbox_depth);
    }
    prom_family(b, "motcua_ministry_ack_missed_total", "counter",
                "Hand-offs acknowledged after their two working hours (Decree 63/2024).");
    for (int i = 0; i < all.n; i++) {
        buf_reset(&lab);
        prom_label(&lab, "system", all.g[i].system);
        prom_sample_u(b, "motcua_ministry_ack_missed_total", lab.data, (unsigned long long)all.g[i].ack_missed);
    }
    prom_family(b, "motcua_ministry_oldest_unacked_seconds", "gauge",
                "Age of the oldest hand-off the system has not acknowledged yet (0: none).");
    for (int i = 0; i < all.n; i++) {
        buf_reset(&lab);
        prom_label(&lab, "system", all.g[i].system);
        long long o = all.g[i].oldest_unacked_ms;
        prom_sample_u(b, "motcua_ministry_oldest_unacked_seconds", lab.data,
                      (unsigned long long)(o && now > o ? (now - o) / 1000 : 0));
    }
    buf_free(&lab);
}

int api_metrics(req_t *r)
{
    if (!metrics_allowed(r)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    /* A store that does not answer is what an operator most wants to see: the scrape still answers 200, with
     * motcua_store_up 0, the HTTP series and the error counts. */
    gauges_t g;
    int rc = store_read(r->app->store, gauges_read, &g);
    buf_t b;
    buf_init(&b, 0);
    http_metrics_write(&b);
    write_store(&b, r->app->store, rc < 0 ? NULL : &g);
    store_cache_stats_t cs;
    store_cache_counts(r->app->store, &cs);
    if (cs.on) {   /* serve --pg-read-cache */
        prom_family(&b, "motcua_store_read_cache_hits_total", "counter",
                    "Statements of read snapshots answered from PostgreSQL's read cache, since start.");
        prom_sample_u(&b, "motcua_store_read_cache_hits_total", NULL, cs.hits);
        prom_family(&b, "motcua_store_read_cache_misses_total", "counter",
                    "Cacheable statements of read snapshots sent to PostgreSQL, since start.");
        prom_sample_u(&b, "motcua_store_read_cache_misses_total", NULL, cs.misses);
    }
    gauges_sync_t sg = {.now = clock_now_ms()};                 /* sync */
    if (rc >= 0 && store_read(r->app->store, gauges_sync_read, &sg) >= 0) write_sync(&b, &sg);
    gauges_sync_free(&sg);
    portal_stats_t ps = {.now = clock_now_ms()};
    if (rc >= 0 && store_read(r->app->store, portal_stats, &ps) == 0) write_portal(&b, &ps);   /* portal */
    ministry_gauges_t *mg = xcalloc(1, sizeof *mg);
    if (rc >= 0 && store_read(r->app->store, ministry_gauges, mg) == 0) write_ministry(&b, r->app->ministry_systems, mg);
    free(mg);
    buf_t lab;
    buf_init(&lab, 256);
    prom_label(&lab, "version", MOTCUA_VERSION);
    prom_label(&lab, "engine", store_engine(r->app->store));
    prom_family(&b, "motcua_build_info", "gauge", "Always 1: the build's version and the store engine in labels.");
    prom_sample_u(&b, "motcua_build_info", lab.data, 1);
    buf_free(&lab);
    reply_json(r, 200, &b);
    r->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return 0;
}

/* api_sync.c — the routes of a provincial hub for its commune nodes (domain/sync.h; docs/architecture.md).
 *
 * Only a hub answers them (404 elsewhere). Admin routes (enrolment tokens, clearing a flagged node, the status)
 * are ordinary staff routes whose rule is an admin grant covering the unit. The enrolment is authenticated by its
 * one-time token. The node routes (checkpoint, batches) are signed by the node's Ed25519 key: X-Motcua-Node,
 * X-Motcua-Time (ms since the epoch) and X-Motcua-Signature, base64 of the signature over
 * "METHOD\nPATH\nTIME\n<hex sha256 of the body>"; an unknown node, a bad signature or a time more than 15 minutes
 * off is 401 (the answer carries X-Motcua-Hub-Time so that a node whose clock is off signs with the hub's). They
 * carry no cookie, so they are no CSRF target: tests/api/test_csrf.py lists them apart. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/report.h"
#include "domain/sync.h"
#include "sign/nodekey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool not_hub(req_t *r)
{
    if (r->app->sync_role && !strcmp(r->app->sync_role, "hub")) return false;
    reply_problem(r, 404, "not-found", MSG_SYNC_NOT_HUB, NULL, NULL, NULL, NULL);
    return true;
}

/* ---- admin routes ---- */

int api_sync_enrolments(req_t *r)
{
    if (not_hub(r)) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    sync_token_t *t = xcalloc(1, sizeof *t);
    long long ttl_hours = SYNC_TOKEN_TTL_HOURS;
    const field_t f[] = {
        {"unit_id", FT_STRING, true, 1, 64, &t->unit_id, NULL},
        {"ttl_hours", FT_INT, false, 1, 24 * 30, &ttl_hours, NULL},
    };
    if (req_fields(r, body, f, 2) == 0) {
        t->who = &r->who;
        t->ttl_ms = ttl_hours * 3600000LL;
        t->now = clock_now_ms();
        int rc = store_write(r->app->store, sync_token_create, t);
        if (rc < 0) api_reply_derr(r, rc, &t->err);
        else {
            buf_t b;
            buf_init(&b, 0);
            jw_t w;
            jw_init(&w, &b);
            jw_obj_begin(&w);
            jw_kstr(&w, "token", t->token);
            jw_kstr(&w, "unit_id", t->unit_id);
            jw_kint(&w, "expires_at", t->expires_at);
            jw_obj_end(&w);
            api_reply_writer(r, 201, &w, &b);
        }
    }
    explicit_bzero(t->token, sizeof t->token);
    free(t);
    json_decref(body);
    return 0;
}

int api_sync_clear(req_t *r)
{
    if (not_hub(r)) return 0;
    sync_clear_t c = {.who = &r->who, .node_id = req_param(r, 0)};
    int rc = store_write(r->app->store, sync_clear_node, &c);
    if (rc < 0) return api_reply_derr(r, rc, &c.err);
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "{\"node_id\":\"%s\",\"state\":\"active\"}", c.node_id);
    return reply_json(r, 200, &b);
}

struct status_ctx {
    const principal_t *who;
    jw_t              *w;
    int                grant;      /* the admin grant being listed */
    long long          now;
    sync_totals_t      totals;
};

/* A node already listed under an earlier admin grant of who is skipped. */
static int status_cb(const sync_node_t *n, void *arg)
{
    struct status_ctx *c = arg;
    for (int j = 0; j < c->grant; j++)
        if (c->who->grants[j].role == ROLE_ADMIN && auth_path_prefix(c->who->grants[j].unit_path, n->unit_path))
            return 0;
    sync_node_json(c->w, n);
    return 0;
}

static int status_fn(db_t *db, void *arg)
{
    struct status_ctx *c = arg;
    buf_reset(c->w->b);
    jw_init(c->w, c->w->b);
    jw_obj_begin(c->w);
    jw_kstr(c->w, "role", "hub");
    jw_key(c->w, "nodes");
    jw_arr_begin(c->w);
    memset(&c->totals, 0, sizeof c->totals);
    int rc = 0;
    for (c->grant = 0; c->grant < c->who->ngrants && rc == 0; c->grant++) {
        const grant_t *g = &c->who->grants[c->grant];
        if (g->role != ROLE_ADMIN) continue;
        bool dup = false;
        for (int j = 0; j < c->grant; j++)
            dup |= c->who->grants[j].role == ROLE_ADMIN && auth_path_prefix(c->who->grants[j].unit_path, g->unit_path);
        if (dup) continue;
        rc = sync_status_each(db, g->unit_path, c->now, status_cb, c);
        sync_totals_t t;
        if (rc == 0) rc = sync_totals(db, g->unit_path, &t);
        c->totals.nodes += t.nodes;
        c->totals.flagged += t.flagged;
        c->totals.refused += t.refused;
    }
    jw_arr_end(c->w);
    jw_kint(c->w, "flagged_nodes", c->totals.flagged);
    jw_kint(c->w, "refused_batches", c->totals.refused);
    jw_obj_end(c->w);
    return rc;
}

int api_sync_status(req_t *r)
{
    if (not_hub(r)) return 0;
    if (!auth_has_role(&r->who, ROLE_ADMIN)) return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    struct status_ctx c = {.who = &r->who, .w = &w, .now = clock_now_ms()};
    int rc = store_read(r->app->store, status_fn, &c);
    if (rc < 0) {
        buf_free(&b);
        return reply_errno(r, rc);
    }
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- enrolment ---- */

int api_sync_enroll(req_t *r)
{
    if (not_hub(r)) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    sync_enrol_t *e = xcalloc(1, sizeof *e);
    buf_init(&e->answer, 0);
    const field_t f[] = {
        {"token", FT_STRING, true, 1, 128, &e->token, NULL},
        {"node_id", FT_STRING, true, ID_LEN, ID_LEN, &e->node_id, NULL},
        {"name", FT_STRING, true, 1, 100, &e->name, NULL},
        {"public_key", FT_STRING, true, 1, 128, &e->public_key, NULL},
    };
    if (req_fields(r, body, f, 4) < 0) goto out;
    if (!id_valid(e->node_id)) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "node_id", "node_id", "id", NULL);
        goto out;
    }
    if (!nodekey_public_valid(e->public_key)) {
        reply_problem(r, 400, "invalid-field", MSG_SYNC_PUBLIC_KEY, "public_key", NULL, NULL, NULL);
        goto out;
    }
    e->now = clock_now_ms();
    int rc = store_write(r->app->store, sync_enrol, e);
    if (rc < 0) api_reply_derr(r, rc, &e->err);
    else {
        reply_json(r, 201, &e->answer);
        buf_init(&e->answer, 0);
    }
out:
    api_wipe_json_string(body, "token");
    buf_free(&e->answer);
    free(e);
    json_decref(body);
    return 0;
}

/* ---- signed node requests ---- */

struct node_ctx {
    const char  *node_id;
    sync_node_t  n;
};

static int node_fn(db_t *db, void *arg)
{
    struct node_ctx *c = arg;
    return sync_node_get(db, c->node_id, &c->n);
}

/* Check the signature of a node request: 0 with c->n loaded, or -1 after replying. */
static int node_auth(req_t *r, struct node_ctx *c)
{
    char hub_time[24];
    long long now = clock_now_ms();
    snprintf(hub_time, sizeof hub_time, "%lld", now);
    reply_header(r, "X-Motcua-Hub-Time", hub_time);
    static const char *const need[] = {"X-Motcua-Node", "X-Motcua-Time", "X-Motcua-Signature"};
    for (int i = 0; i < 3; i++)
        if (!req_header(r, need[i]))
            return reply_problem(r, 401, "unauthenticated", MSG_SYNC_SIG_MISSING, need[i], need[i], NULL, NULL), -1;
    c->node_id = req_header(r, "X-Motcua-Node");
    const char *tm = req_header(r, "X-Motcua-Time"), *sig = req_header(r, "X-Motcua-Signature");
    int rc = id_valid(c->node_id) ? store_read(r->app->store, node_fn, c) : -ENOENT;
    if (rc == -ENOENT)
        return reply_problem(r, 401, "unauthenticated", MSG_SYNC_NODE_UNKNOWN, "X-Motcua-Node",
                             id_valid(c->node_id) ? c->node_id : "?", NULL, NULL), -1;
    if (rc < 0) return reply_errno(r, rc), -1;
    buf_t msg;
    buf_init(&msg, 1024);
    int ok = sync_signed_string(&msg, r->method, r->path, tm, r->body.data, r->body.len) == 0 &&
             nodekey_verify_b64(c->n.public_key, msg.data, msg.len, sig);
    buf_free(&msg);
    if (!ok) return reply_problem(r, 401, "unauthenticated", MSG_SYNC_SIG_BAD, "X-Motcua-Signature", NULL, NULL, NULL), -1;
    char *end;
    errno = 0;
    long long t = strtoll(tm, &end, 10);
    long long off = errno || *end || end == tm ? SYNC_CLOCK_SKEW_MS + 1 : t - now;
    if (off > SYNC_CLOCK_SKEW_MS || off < -SYNC_CLOCK_SKEW_MS) {
        char node_iso[CLOCK_ISO_LEN], hub_iso[CLOCK_ISO_LEN], mins[24];
        if (errno || *end || end == tm) str_copy(node_iso, sizeof node_iso, "?");
        else clock_iso_vn(t, node_iso);
        clock_iso_vn(now, hub_iso);
        snprintf(mins, sizeof mins, "%lld", (off < 0 ? -off : off) / 60000);
        return reply_problem(r, 401, "clock-skew", MSG_SYNC_TIME_STALE, "X-Motcua-Time", node_iso, hub_iso, mins), -1;
    }
    return 0;
}

static int reply_checkpoint(req_t *r, int status, const char *node, long long seq, const char *hash)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "node", node);
    jw_kint(&w, "seq", seq);
    jw_kstr(&w, "hash", hash);
    jw_obj_end(&w);
    return api_reply_writer(r, status, &w, &b);
}

int api_sync_checkpoint(req_t *r)
{
    if (not_hub(r)) return 0;
    struct node_ctx *c = xcalloc(1, sizeof *c);
    if (node_auth(r, c) == 0) reply_checkpoint(r, 200, c->n.node_id, c->n.seq, c->n.hash);
    free(c);
    return 0;
}

static int reply_gap(req_t *r, const sync_batch_t *b)
{
    char next[24], ext[160];
    snprintf(next, sizeof next, "%lld", b->seq + 1);
    int n = snprintf(ext, sizeof ext, "{\"node\":\"%s\",\"seq\":%lld,\"hash\":\"%s\"}", b->node_id, b->seq, b->hash);
    return reply_problem_ext(r, 409, "sync-gap", MSG_SYNC_GAP, "events", next, NULL, NULL, "checkpoint", ext,
                             (size_t)n);
}

/* A batch's applies add their dashboard counts up in memory and write the sums once (report_defer_begin): one
 * upsert per cell of the batch instead of about 18 per event, the hub's largest cost (docs/benchmarks.md). */
static int batch_apply(db_t *db, void *arg)
{
    report_defer_begin();
    int rc = sync_batch_apply(db, arg);
    int wr = report_defer_end(db, rc >= 0);
    return rc < 0 ? rc : wr;
}

/* A batch between its checks on the HTTP worker and its answer after the commit (req_write_async). b comes
 * first: it is the argument of both sync_batch_apply and batch_done, which takes the job back from it. */
struct batch_job {
    sync_batch_t    b;
    struct node_ctx c;
    json_t         *body;
};

static void batch_job_free(struct batch_job *j)
{
    json_decref(j->body);
    free(j);
}

/* After the write: the answer (a refusal is kept as evidence first, in its own write). */
static void batch_done(req_t *r, int rc, void *arg)
{
    struct batch_job *j = arg;    /* &j->b, the first member */
    sync_batch_t *b = &j->b;
    if (rc == -EBADMSG) {
        sync_refusal_t f = {.node_id = b->node_id, .reason = b->reason, .body = r->body.data,
                            .body_len = r->body.len, .bad_seq = b->bad_seq, .now = b->now};
        int wr = store_write(r->app->store, sync_refuse, &f);
        if (wr < 0) {
            reply_errno(r, wr);
        } else {
            char seq[24];
            snprintf(seq, sizeof seq, "%lld", b->bad_seq);
            reply_problem(r, 422, "sync-refused", b->msg, "events", seq, NULL, NULL);
        }
    } else if (rc < 0) reply_errno(r, rc);
    else if (b->status == 423) reply_problem(r, 423, "locked", MSG_SYNC_FLAGGED, NULL, j->c.n.node_id, NULL, NULL);
    else if (b->status == 409) reply_gap(r, b);
    else reply_checkpoint(r, 200, b->node_id, b->seq, b->hash);
    batch_job_free(j);
}

/* The batch's write transaction is waited for off the HTTP worker (req_write_async): a hub catching up many
 * nodes queues their batches at the writer, and a worker blocked on one of them would leave its other
 * connections unread until their body timeout. */
int api_sync_batches(req_t *r)
{
    if (not_hub(r)) return 0;
    struct batch_job *j = xcalloc(1, sizeof *j);
    struct node_ctx *c = &j->c;
    if (node_auth(r, c) < 0) goto out;
    if (r->body.len > SYNC_BATCH_MAX_BYTES) {
        char a[16], s[16];
        snprintf(a, sizeof a, "%d", SYNC_BATCH_MAX_EVENTS);
        snprintf(s, sizeof s, "%zu", SYNC_BATCH_MAX_BYTES);
        reply_problem(r, 413, "too-large", MSG_SYNC_BATCH_TOO_LARGE, NULL, a, s, NULL);
        goto out;
    }
    if (strcmp(c->n.state, "active")) {
        reply_problem(r, 423, "locked", MSG_SYNC_FLAGGED, NULL, c->n.node_id, NULL, NULL);
        goto out;
    }
    if (req_json(r, &j->body) < 0) goto out;
    derr_t err = {0};
    int rc = sync_batch_check(j->body, c->n.node_id, &err);
    if (rc < 0) {
        api_reply_derr(r, rc, &err);
        goto out;
    }
    sync_batch_t *b = &j->b;
    b->node_id = c->n.node_id;
    b->events = json_object_get(j->body, "events");
    const json_t *head = json_object_get(j->body, "head");
    b->head_seq = head ? (long long)json_integer_value(json_object_get(head, "seq")) : 0;
    b->head_at = head ? (long long)json_integer_value(json_object_get(head, "at")) : 0;
    b->now = clock_now_ms();
    return req_write_async(r, batch_apply, b, batch_done);
out:
    batch_job_free(j);
    return 0;
}

/* sync_shipper.c — ships this node's chain to its hub (see sync_shipper.h). */
#include "sync/sync_shipper.h"
#include "sync/poller.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "domain/ledger.h"
#include "domain/sync.h"
#include "sign/nodekey.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ANSWER_MAX ((size_t)16 << 20)
#define BATCH_SOFT_BYTES ((size_t)3 << 20)

static long long opt_or(long long v, long long dflt) { return v > 0 ? v : dflt; }

struct http_ctx {
    buf_t     *answer;
    long long  hub_time;
    const int *stop;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct http_ctx *c = ud;
    size_t n = size * nmemb;
    if (c->answer->len + n > ANSWER_MAX) return 0;
    return buf_append(c->answer, ptr, n) == 0 ? n : 0;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct http_ctx *c = ud;
    size_t n = size * nmemb;
    static const char name[] = "X-Motcua-Hub-Time:";
    if (n > sizeof name - 1 && n < 64 && !strncasecmp(ptr, name, sizeof name - 1)) {
        char v[64];
        memcpy(v, ptr + sizeof name - 1, n - (sizeof name - 1));
        v[n - (sizeof name - 1)] = '\0';
        c->hub_time = strtoll(v, NULL, 10);
    }
    return n;
}

static int progress_cb(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    const struct http_ctx *c = ud;
    return c->stop && atomic_load((const atomic_int *)c->stop) ? 1 : 0;
}

int sync_http(const char *method, const char *url, const char *const *headers, const char *body, size_t len,
              long long timeout_ms, const int *stop, long *status, buf_t *answer, long long *hub_time, char *err,
              size_t err_cap)
{
    sync_curl_init();
    *status = 0;
    if (hub_time) *hub_time = 0;
    struct http_ctx x = {answer, 0, stop};
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept-Language: en");
    for (int i = 0; headers && headers[i] && h; i++) h = curl_slist_append(h, headers[i]);
    CURL *c = curl_easy_init();
    if (!c || !h) {
        snprintf(err, err_cap, "curl_easy_init failed");
        if (c) curl_easy_cleanup(c);
        curl_slist_free_all(h);
        return -EIO;
    }
    long long t = opt_or(timeout_ms, 30000);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)t);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(t / 3 + 1));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (hub_time) *hub_time = x.hub_time;
    if (cr != CURLE_OK) {
        snprintf(err, err_cap, "%s", curl_easy_strerror(cr));
        *status = 0;
        return -EIO;
    }
    return 0;
}

/* ---- the shipper ---- */

struct sync_shipper {
    store_t                   *st;
    const sync_shipper_opts_t *o;
    nodekey_t                 *key;
    char                       node_id[ID_LEN + 1];
    poller_t                  *poller;
    atomic_int                 stop;
    int                        have_cp;
    long long                  cp;            /* the hub's checkpoint */
    long long                  offset_ms;     /* hub clock minus ours, once the hub said our clock is off */
    int                        failures;
    long long                  next_try;      /* ms: no request before */
};

/* A signed request to the hub: 0 with *status and answer, or -EIO (err). */
static int signed_request(sync_shipper_t *s, const char *method, const char *path, const char *body, size_t len,
                          long *status, buf_t *answer, long long *hub_time, char *err, size_t cap)
{
    char tm[24], hnode[64], htime[64];
    snprintf(tm, sizeof tm, "%lld", clock_now_ms() + s->offset_ms);
    buf_t msg, url, hsig;
    buf_init(&msg, 1024);
    buf_init(&url, 4096);
    buf_init(&hsig, 256);
    char sig[NODEKEY_SIG_B64_LEN + 1];
    int rc = sync_signed_string(&msg, method, path, tm, body, len);
    if (rc == 0) rc = nodekey_sign_b64(s->key, msg.data, msg.len, sig);
    if (rc == 0) rc = buf_printf(&url, "%s%s", s->o->hub_url, path);
    if (rc == 0) rc = buf_printf(&hsig, "X-Motcua-Signature: %s", sig);
    snprintf(hnode, sizeof hnode, "X-Motcua-Node: %s", s->node_id);
    snprintf(htime, sizeof htime, "X-Motcua-Time: %s", tm);
    const char *const headers[] = {hnode, htime, hsig.data, NULL};
    if (rc == 0)
        rc = sync_http(method, url.data, headers, body, len, s->o->timeout_ms, (const int *)&s->stop, status,
                       answer, hub_time, err, cap);
    else snprintf(err, cap, "cannot sign the request");
    buf_free(&msg);
    buf_free(&url);
    buf_free(&hsig);
    return rc < 0 ? -EIO : 0;
}

static void backoff(sync_shipper_t *s, long long wait_ms)
{
    s->next_try = clock_now_ms() + wait_ms;
}

static void failed(sync_shipper_t *s, const char *what, long status, const char *err)
{
    s->failures++;
    long long base = opt_or(s->o->retry_ms, 1000), cap = opt_or(s->o->retry_cap_ms, 60000), wait = base;
    for (int i = 1; i < s->failures && wait < cap; i++) wait *= 2;
    if (wait > cap) wait = cap;
    backoff(s, wait);
    char esc[LOG_ESC_CAP];
    log_warn("sync: %s failed (HTTP %ld: %s); retry in %lld ms", what, status, log_esc(esc, sizeof esc, err), wait);
}

/* The clock offset from a clock-skew refusal; 1 when it was one. */
static int skewed(sync_shipper_t *s, long status, const buf_t *answer, long long hub_time)
{
    if (status != 401 || !hub_time || !answer->data || !memmem(answer->data, answer->len, "MSG_SYNC_TIME_STALE", 19))
        return 0;
    s->offset_ms = hub_time - clock_now_ms();
    log_warn("sync: this node's clock is %lld s off the hub's; signing with the hub's time", s->offset_ms / 1000);
    return 1;
}

static long long answer_seq(const buf_t *answer, const char *member)
{
    json_t *j = answer->data ? json_loadb(answer->data, answer->len, 0, NULL) : NULL;
    const json_t *o = member ? json_object_get(j, member) : j;
    const json_t *seq = json_object_get(o, "seq");
    long long v = json_is_integer(seq) ? (long long)json_integer_value(seq) : -1;
    json_decref(j);
    return v;
}

struct load_ctx {
    const char *node;
    long long   after;
    int         limit;
    buf_t      *body;
    long long   n, last, head_seq, head_at;
};

static int load_fn(db_t *db, void *arg)
{
    struct load_ctx *c = arg;
    buf_reset(c->body);
    c->n = 0;
    c->last = c->after;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT h.seq, COALESCE(e.at, 0) FROM ledger_head h LEFT JOIN events e "
                              "ON e.node = h.node AND e.seq = h.seq WHERE h.is_self = 1", "");
    if (rc == DB_ROW) {
        c->head_seq = db_col_int(s, 0);
        c->head_at = db_col_int(s, 1);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_t w;
    jw_init(&w, c->body);
    jw_obj_begin(&w);
    jw_kstr(&w, "node", c->node);
    jw_key(&w, "head");
    jw_obj_begin(&w);
    jw_kint(&w, "seq", c->head_seq);
    jw_kint(&w, "at", c->head_at);
    jw_obj_end(&w);
    jw_key(&w, "events");
    jw_arr_begin(&w);
    rc = db_query(db, &s, "SELECT seq, at, unit_id, actor, type, entity, payload, prev_hash, hash FROM events "
                          "WHERE node = $1 AND seq > $2 ORDER BY seq LIMIT $3", "tii", c->node, c->after,
                  (long long)c->limit);
    while (rc == DB_ROW) {
        jw_obj_begin(&w);
        jw_kint(&w, "seq", db_col_int(s, 0));
        jw_kint(&w, "at", db_col_int(s, 1));
        jw_kstr(&w, "unit", db_col_text(s, 2));
        jw_kstr(&w, "actor", db_col_text(s, 3));
        jw_kstr(&w, "type", db_col_text(s, 4));
        jw_kstr(&w, "entity", db_col_text(s, 5));
        jw_key(&w, "payload");
        jw_strn(&w, db_col_text(s, 6), db_col_len(s, 6));
        jw_kstr(&w, "prev_hash", db_col_text(s, 7));
        jw_kstr(&w, "hash", db_col_text(s, 8));
        jw_obj_end(&w);
        c->n++;
        c->last = db_col_int(s, 0);
        if (c->body->len > BATCH_SOFT_BYTES) break;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_arr_end(&w);
    jw_obj_end(&w);
    return jw_finish(&w);
}

static int cycle(void *arg)
{
    sync_shipper_t *s = arg;
    if (atomic_load(&s->stop) || clock_now_ms() < s->next_try) return 0;
    buf_t answer;
    buf_init(&answer, ANSWER_MAX);
    char err[256] = "";
    long status = 0;
    long long hub_time = 0;
    int ret = 0;
    if (!s->have_cp) {
        int rc = signed_request(s, "GET", "/api/v1/sync/checkpoint", NULL, 0, &status, &answer, &hub_time, err,
                                sizeof err);
        long long seq = rc == 0 && status == 200 ? answer_seq(&answer, NULL) : -1;
        if (seq >= 0) {
            s->have_cp = 1;
            s->cp = seq;
            s->failures = 0;
            ret = 1;
        } else if (skewed(s, status, &answer, hub_time)) ret = 1;
        else failed(s, "checkpoint", status, err[0] ? err : answer.data ? answer.data : "");
        buf_free(&answer);
        return ret;
    }
    buf_t body;
    buf_init(&body, 0);
    struct load_ctx lc = {.node = s->node_id, .after = s->cp, .limit = s->o->batch > 0 && s->o->batch <= 1000
                                                                           ? s->o->batch : 500, .body = &body};
    int rc = store_read(s->st, load_fn, &lc);
    if (rc < 0) {
        log_warn("sync: cannot read the ledger: %s", strerror(-rc));
        ret = -1;
    } else if (lc.n > 0) {
        rc = signed_request(s, "POST", "/api/v1/sync/batches", body.data, body.len, &status, &answer, &hub_time, err,
                            sizeof err);
        if (rc == 0 && status == 200 && answer_seq(&answer, NULL) >= 0) {
            s->cp = answer_seq(&answer, NULL);
            s->failures = 0;
            sync_ack_t ack = {s->cp, clock_now_ms()};
            int wr = store_write(s->st, sync_record_ack, &ack);
            if (wr < 0) log_warn("sync: cannot record the checkpoint: %s", strerror(-wr));
            ret = s->cp < lc.head_seq ? 1 : 0;
        } else if (rc == 0 && status == 409 && answer_seq(&answer, "checkpoint") >= 0) {
            s->cp = answer_seq(&answer, "checkpoint");
            log_info("sync: the hub expects event %lld; resending from there", s->cp + 1);
            ret = 1;
        } else if (skewed(s, status, &answer, hub_time)) {
            ret = 1;
        } else if (status == 422 || status == 423) {
            char esc[LOG_ESC_CAP];
            log_error("sync: the hub refuses this node's batches (HTTP %ld): %s", status,
                      log_esc(esc, sizeof esc, answer.data ? answer.data : ""));
            s->have_cp = 0;
            backoff(s, opt_or(s->o->retry_cap_ms, 60000));
        } else {
            if (status == 401 || status == 400) s->have_cp = 0;
            failed(s, "batch", status, err[0] ? err : answer.data ? answer.data : "");
        }
    }
    buf_free(&body);
    buf_free(&answer);
    return ret;
}

static int self_fn(db_t *db, void *arg) { return ledger_self_node(db, arg, ID_LEN + 1); }

int sync_shipper_start(sync_shipper_t **out, store_t *st, const sync_shipper_opts_t *o)
{
    if (!o->hub_url || !o->key_path) return -EINVAL;
    sync_curl_init();
    sync_shipper_t *s = xcalloc(1, sizeof *s);
    s->st = st;
    s->o = o;
    atomic_init(&s->stop, 0);
    int rc = nodekey_load(o->key_path, &s->key);
    if (rc == 0) rc = store_read(st, self_fn, s->node_id);
    if (rc == 0) rc = poller_start(&s->poller, cycle, s, opt_or(o->poll_ms, 1000));
    if (rc < 0) {
        nodekey_free(s->key);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void sync_shipper_stop(sync_shipper_t *s)
{
    if (!s) return;
    atomic_store(&s->stop, 1);
    poller_stop(s->poller);
    nodekey_free(s->key);
    free(s);
}

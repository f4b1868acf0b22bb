/* portal_sender.c — the National Public Service Portal sender and the reconciliation's fetch (see
 * portal_sender.h).
 *
 * A cycle: compute the acknowledgement deadlines still missing (the units' calendars), flag the deadlines that
 * passed, claim up to `batch` due rows under a fresh lease owner (one write transaction), push each dossier's
 * current record and progress with libcurl, then record each outcome in its own write transaction, so a crash
 * repeats at most the pushes in flight. */
#include "sync/portal_sender.h"
#include "sync/poller.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "domain/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long opt_or(long long v, long long dflt) { return v > 0 ? v : dflt; }

#define ANSWER_MAX 16384
#define PERIOD_ANSWER_MAX ((size_t)64 << 20)

/* POST body to the portal; *http the status (0: no answer). 0 when an answer came, else -EIO with err set. */
static int post(const portal_sender_opts_t *o, const buf_t *body, buf_t *answer, long *http, const atomic_int *stop,
                char *err, size_t err_cap)
{
    sync_curl_init();
    *http = 0;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json; charset=utf-8");
    h = curl_slist_append(h, "Accept: application/json");
    CURL *c = curl_easy_init();
    if (!c || !h) {
        snprintf(err, err_cap, "curl_easy_init failed");
        if (c) curl_easy_cleanup(c);
        curl_slist_free_all(h);
        return -ENOMEM;
    }
    long timeout = (long)opt_or(o->timeout_ms, 30000);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout / 3 + 1);
    curl_easy_setopt(c, CURLOPT_URL, o->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sync_curl_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sync_curl_abort);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, http);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (cr != CURLE_OK) {
        snprintf(err, err_cap, "%s", curl_easy_strerror(cr));
        return -EIO;
    }
    return 0;
}

/* The request envelope: {session, madonvi, service[, isUpdating], data: <item>}. */
static void envelope(buf_t *b, const portal_sender_opts_t *o, const portal_record_t *r, const char *service,
                     int updating)
{
    jw_t w;
    buf_reset(b);
    jw_init(&w, b);
    jw_obj_begin(&w);
    jw_kstr(&w, "session", o->token);
    jw_kstr(&w, "madonvi", r->agency_code);
    jw_kstr(&w, "service", service);
    if (updating >= 0) jw_kstr(&w, "isUpdating", updating ? "True" : "False");
    jw_key(&w, "data");
    if (updating >= 0) {
        jw_arr_begin(&w);
        portal_record_json(r, &w);
        jw_arr_end(&w);
    } else portal_progress_json(r, &w);
    jw_obj_end(&w);
}

typedef struct answer_info {
    int  answers;        /* JSON objects in the answer (a portal answering twice gives two) */
    bool ok, exists, missing;
    char text[PORTAL_ERROR_MAX + 1];
} answer_info_t;

static void read_answer(const buf_t *a, answer_info_t *x)
{
    memset(x, 0, sizeof *x);
    size_t off = 0;
    while (a->data && off < a->len && x->answers < 8) {
        while (off < a->len && (a->data[off] == ' ' || a->data[off] == '\n' || a->data[off] == '\r')) off++;
        if (off >= a->len) break;
        json_error_t je;
        json_t *j = json_loadb(a->data + off, a->len - off, JSON_DISABLE_EOF_CHECK, &je);
        if (!j) break;
        off += je.position ? (size_t)je.position : a->len;
        const char *code = json_string_value(json_object_get(j, "error_code"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        if (!x->answers) {
            x->ok = code && (!strcmp(code, "0") || !strcmp(code, "00"));
            x->exists = !x->ok && msg && strstr(msg, "đã tồn tại");
            x->missing = !x->ok && msg && strstr(msg, "không tồn tại");
            snprintf(x->text, sizeof x->text, "%s: %s", code ? code : "?", msg ? msg : "");
        }
        x->answers++;
        json_decref(j);
    }
    if (!x->answers) snprintf(x->text, sizeof x->text, "the answer is not JSON");
}

static portal_result_t http_class(long http)
{
    if (http == 408 || http == 429 || http >= 500 || http == 0) return PORTAL_RETRY;
    return PORTAL_PERMANENT;
}

/* One service call: PORTAL_OK with *info filled, or why not. */
static portal_result_t call(const portal_sender_opts_t *o, const buf_t *body, const atomic_int *stop,
                            answer_info_t *info, long *http, char *err, size_t cap)
{
    buf_t ans;
    buf_init(&ans, ANSWER_MAX);
    int rc = post(o, body, &ans, http, stop, err, cap);
    portal_result_t out = PORTAL_RETRY;
    if (rc == 0) {
        read_answer(&ans, info);
        if (*http < 200 || *http >= 300) {
            out = http_class(*http);
            snprintf(err, cap, "HTTP %ld: %.250s", *http, info->text);
        } else if (info->ok || info->exists || info->missing) out = PORTAL_OK;
        else if (!info->answers) snprintf(err, cap, "HTTP %ld: %.250s", *http, info->text);   /* retried: lost */
        else {
            out = PORTAL_PERMANENT;
            snprintf(err, cap, "%s", info->text);
        }
    }
    buf_free(&ans);
    return out;
}

struct load_ctx {
    const char      *id;
    portal_record_t *r;
};
static int load_fn(db_t *db, void *arg)
{
    struct load_ctx *c = arg;
    return portal_record_load(db, c->id, c->r);
}

static void push(store_t *st, const portal_sender_opts_t *o, const portal_job_t *j, const atomic_int *stop,
                 portal_outcome_t *x, char *err, size_t cap, char *ack, size_t ack_cap)
{
    portal_record_t *r = xmalloc(sizeof *r);
    struct load_ctx lc = {j->dossier_id, r};
    int rc = store_read(st, load_fn, &lc);
    x->result = PORTAL_RETRY;
    if (rc < 0) {
        if (rc == -ENOENT) x->result = PORTAL_PERMANENT;
        snprintf(err, cap, "cannot read the dossier: %s", strerror(-rc));
        free(r);
        return;
    }
    buf_t body;
    buf_init(&body, 4u << 20);
    answer_info_t info;
    bool updating = j->created;
    envelope(&body, o, r, "DongBoHoSoMC", updating);
    x->result = call(o, &body, stop, &info, &x->http_status, err, cap);
    if (x->result == PORTAL_OK && info.exists && !updating) {
        /* "đã tồn tại": created earlier (a push whose answer was lost, a crash mid-push): the same as an update */
        x->created = true;
        envelope(&body, o, r, "DongBoHoSoMC", 1);
        x->result = call(o, &body, stop, &info, &x->http_status, err, cap);
        if (x->result == PORTAL_OK && !info.ok) {
            x->result = PORTAL_PERMANENT;
            snprintf(err, cap, "%s", info.text);
        }
    }
    if (x->result == PORTAL_OK && info.missing && updating) {
        /* "không tồn tại": the portal lost or removed it (a reconciliation's missing dossier): create it again */
        envelope(&body, o, r, "DongBoHoSoMC", 0);
        x->result = call(o, &body, stop, &info, &x->http_status, err, cap);
        if (x->result == PORTAL_OK && !info.ok) {
            x->result = PORTAL_PERMANENT;
            snprintf(err, cap, "%s", info.text);
        }
    }
    if (x->result == PORTAL_OK && !info.ok) {
        x->result = PORTAL_PERMANENT;   /* "already exists" to an update, "does not exist" to a create */
        snprintf(err, cap, "%s", info.text);
    }
    if (x->result == PORTAL_OK) {
        x->created = true;
        envelope(&body, o, r, "CapNhatTienDoHoSoMC", -1);
        x->result = call(o, &body, stop, &info, &x->http_status, err, cap);
        if (x->result == PORTAL_OK && !info.ok) {
            x->result = PORTAL_PERMANENT;
            snprintf(err, cap, "%s", info.text);
        }
    }
    if (x->result == PORTAL_OK) {
        x->answers = info.answers;
        x->service = "CapNhatTienDoHoSoMC";
        str_copy(ack, ack_cap, info.text);
        x->answer = ack;
    }
    buf_free(&body);
    free(r);
}

static int cycle(store_t *st, const portal_sender_opts_t *o, const atomic_int *stop)
{
    int fr = portal_fill_ack_due(st);
    if (fr < 0) log_warn("portal: cannot compute acknowledgement deadlines: %s", strerror(-fr));
    long long now = clock_now_ms();
    int sw = store_write(st, portal_sweep_deadlines, &now);
    if (sw < 0) log_warn("portal: cannot check the deadlines: %s", strerror(-sw));
    char owner[RAND_TOKEN_LEN + 1];
    rand_token(owner);
    portal_claim_t *c = xcalloc(1, sizeof *c);
    c->now = clock_now_ms();
    c->lease_ms = opt_or(o->lease_ms, 120000);
    c->owner = owner;
    c->limit = (int)opt_or(o->batch, 8);
    int rc = store_write(st, portal_claim, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    int claimed = c->n;
    int max_attempts = (int)opt_or(o->max_attempts, 10);
    for (int i = 0; i < c->n; i++) {
        const portal_job_t *j = &c->jobs[i];
        char err[PORTAL_ERROR_MAX + 1] = "", ack[PORTAL_ERROR_MAX + 1] = "";
        portal_outcome_t x = {.job = j, .owner = owner, .max_attempts = max_attempts};
        push(st, o, j, stop, &x, err, sizeof err, ack, sizeof ack);
        unsigned jitter;
        rand_bytes(&jitter, sizeof jitter);
        x.error = err;
        x.now = clock_now_ms();
        x.next_at = x.now + notify_backoff_ms(j->attempts, opt_or(o->retry_base_ms, 30000),
                                              opt_or(o->retry_cap_ms, 3600000), jitter);
        int wr = store_write(st, portal_record_outcome, &x);
        char esc[LOG_ESC_CAP];
        if (x.result == PORTAL_OK)
            log_info("portal: dossier %s (event %s:%lld) acknowledged (attempt %d)", j->dossier_id, j->node, j->seq,
                     j->attempts);
        else if (x.result == PORTAL_RETRY && j->attempts < max_attempts)
            log_warn("portal: dossier %s (event %s:%lld) failed (attempt %d), will retry: %s", j->dossier_id, j->node,
                     j->seq, j->attempts, log_esc(esc, sizeof esc, err));
        else
            log_error("portal: dossier %s (event %s:%lld) is a dead letter (attempt %d): %s", j->dossier_id, j->node,
                      j->seq, j->attempts, log_esc(esc, sizeof esc, err));
        if (wr < 0) log_error("portal: cannot record the outcome of %s:%lld: %s", j->node, j->seq, strerror(-wr));
    }
    free(c);
    return claimed;
}

int portal_sender_cycle(store_t *st, const portal_sender_opts_t *o) { return cycle(st, o, NULL); }

struct portal_sender {
    store_t                    *st;
    const portal_sender_opts_t *o;
    poller_t                   *poller;
    atomic_int                  abort_delivery;
};

static int sender_cycle(void *arg)
{
    portal_sender_t *s = arg;
    int n = cycle(s->st, s->o, &s->abort_delivery);
    if (n < 0) log_warn("portal: cannot claim the outbox: %s", strerror(-n));
    return n;
}

int portal_sender_start(portal_sender_t **out, store_t *st, const portal_sender_opts_t *o)
{
    if (!o->url || !o->token) return -EINVAL;
    sync_curl_init();
    portal_sender_t *s = xcalloc(1, sizeof *s);
    s->st = st;
    s->o = o;
    atomic_init(&s->abort_delivery, 0);
    int rc = poller_start(&s->poller, sender_cycle, s, opt_or(o->poll_ms, 2000));
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void portal_sender_stop(portal_sender_t *s)
{
    if (!s) return;
    atomic_store(&s->abort_delivery, 1);
    poller_stop(s->poller);
    free(s);
}

/* ---- reconciliation ---- */

static long long inst(const json_t *o, const char *k)
{
    long long v = portal_instant_parse(json_string_value(json_object_get(o, k)));
    return v < 0 ? 0 : v;
}

int portal_fetch_day(const portal_sender_opts_t *o, const char *day, portal_seen_t **out, int *n, char *err,
                     size_t err_cap)
{
    *out = NULL;
    *n = 0;
    long long from, to;
    if (portal_day_range(day, &from, &to) < 0) {
        snprintf(err, err_cap, "bad date %s", day);
        return -EINVAL;
    }
    char a[16], b[16];
    portal_instant(from, a, sizeof a);
    portal_instant(to - 1000, b, sizeof b);
    buf_t body, ans;
    buf_init(&body, 4096);
    buf_init(&ans, PERIOD_ANSWER_MAX);
    jw_t w;
    jw_init(&w, &body);
    jw_obj_begin(&w);
    jw_kstr(&w, "session", o->token);
    jw_kstr(&w, "service", "LayDanhSachHoSo");
    jw_kstr(&w, "TuNgay", a);
    jw_kstr(&w, "DenNgay", b);
    jw_obj_end(&w);
    long http = 0;
    int rc = post(o, &body, &ans, &http, NULL, err, err_cap);
    json_t *j = NULL;
    if (rc == 0 && (http < 200 || http >= 300)) {
        snprintf(err, err_cap, "HTTP %ld", http);
        rc = -EIO;
    }
    if (rc == 0 && !(j = json_loadb(ans.data, ans.len, JSON_DISABLE_EOF_CHECK, NULL))) {
        snprintf(err, err_cap, "the answer is not JSON");
        rc = -EPROTO;
    }
    const char *code = j ? json_string_value(json_object_get(j, "error_code")) : NULL;
    json_t *list = j ? json_object_get(j, "result") : NULL;
    if (rc == 0 && (!code || (strcmp(code, "0") && strcmp(code, "00")) || !json_is_array(list))) {
        snprintf(err, err_cap, "the portal refused: %s", code ? code : "no error_code");
        rc = -EPROTO;
    }
    if (rc == 0) {
        size_t cnt = json_array_size(list), i;
        portal_seen_t *v = xcalloc(cnt + 1, sizeof *v);
        json_t *e;
        json_array_foreach(list, i, e) {
            portal_seen_t *p = &v[*n];
            const char *c = json_string_value(json_object_get(e, "MaHoSo"));
            if (!c) continue;
            str_copy(p->code, sizeof p->code, c);
            const char *stt = json_string_value(json_object_get(e, "TrangThaiHoSo"));
            p->status = stt ? (int)strtol(stt, NULL, 10) : 0;
            p->received_at = inst(e, "NgayTiepNhan");
            p->due_at = inst(e, "NgayHenTra");
            p->resolved_at = inst(e, "NgayKetThucXuLy");
            (*n)++;
        }
        *out = v;
    }
    json_decref(j);
    buf_free(&body);
    buf_free(&ans);
    return rc;
}

int portal_reconcile(store_t *st, const portal_sender_opts_t *o, const char *day, const char *run_by,
                     char *run_id, size_t run_id_cap, char *err, size_t err_cap)
{
    long long started = clock_now_ms();
    portal_seen_t *seen = NULL;
    int n = 0;
    int rc = portal_fetch_day(o, day, &seen, &n, err, err_cap);
    if (rc < 0) return rc;
    char id[ID_LEN + 1];
    id_new(id);
    portal_recon_t r = {.id = id, .day = day, .run_by = run_by, .started_at = started, .now = clock_now_ms(),
                        .seen = seen, .nseen = n};
    rc = store_write(st, portal_reconcile_store, &r);
    free(seen);
    if (rc < 0) snprintf(err, err_cap, "cannot store the reconciliation: %s", strerror(-rc));
    else str_copy(run_id, run_id_cap, id);
    return rc;
}

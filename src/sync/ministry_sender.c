/* ministry_sender.c — delivers the ministry outbox (see ministry_sender.h). */
#include "sync/ministry_sender.h"
#include "sync/poller.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "domain/ministry_soap.h"
#include "domain/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long long opt_or(long long v, long long dflt) { return v > 0 ? v : dflt; }

typedef struct answer {
    ministry_delivery_t   d;
    long                  http;
    char                  err[MINISTRY_ERROR_MAX + 1];
    char                  receipt[MINISTRY_RECEIPT_MAX + 1];
    ministry_poll_state_t poll;
    json_t               *root;       /* poll: the parsed answer (text and items borrow from it) */
    const char           *text;
    const json_t         *items;
} answer_t;

static void classify(long code, answer_t *a)
{
    if (code >= 400 && code < 500 && code != 408 && code != 429) a->d = MINISTRY_PERMANENT;
    else a->d = MINISTRY_RETRY;
    if (!a->err[0]) snprintf(a->err, sizeof a->err, "HTTP %ld", code);
}

static void deliver(const ministry_sender_opts_t *o, const ministry_job_t *j, const atomic_int *stop, answer_t *a)
{
    memset(a, 0, sizeof *a);
    a->d = MINISTRY_RETRY;
    const ministry_system_t *sys = ministry_system_find(o->systems, j->system);
    if (!sys || !sys->token) {
        snprintf(a->err, sizeof a->err, "system %s is not configured (--ministry-systems)", j->system);
        return;   /* the configuration may be fixed before the attempts run out */
    }
    bool poll = !strcmp(j->kind, "poll"), soap = sys->kind == MINISTRY_SOAP;
    buf_t url, auth, req, answer, json;
    buf_init(&url, MINISTRY_URL_MAX + 128);
    buf_init(&auth, 8192);
    buf_init(&req, MINISTRY_SOAP_MAX);
    buf_init(&answer, SYNC_ANSWER_MAX + 1);
    buf_init(&json, SYNC_ANSWER_MAX * 2);
    const char *method = "POST", *body = j->body;
    size_t len = j->len;
    char idem[64], action[96];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", j->id);
    if (soap) {
        buf_printf(&url, "%s", sys->url);
        const char *op = poll ? "GetResult" : "SubmitDossier";
        snprintf(action, sizeof action, "SOAPAction: \"%s#%s\"", MINISTRY_SOAP_NS, op);
        char why[200] = "";
        int rc;
        if (poll) {
            json_t *q = json_pack("{ss}", "receipt", j->receipt);
            char *qs = q ? json_dumps(q, JSON_COMPACT) : NULL;
            rc = qs ? ministry_soap_build(op, qs, strlen(qs), &req, why, sizeof why) : -ENOMEM;
            free(qs);
            json_decref(q);
        } else {
            rc = ministry_soap_build(op, j->body, j->len, &req, why, sizeof why);
        }
        if (rc < 0) {
            snprintf(a->err, sizeof a->err, "%s", why);
            a->d = MINISTRY_PERMANENT;
            goto done;
        }
        body = req.data;
        len = req.len;
    } else if (poll) {
        method = "GET";
        char *esc = curl_easy_escape(NULL, j->receipt, 0);
        buf_printf(&url, "%s/handoffs/%s", sys->url, esc ? esc : "");
        curl_free(esc);
        body = NULL;
        len = 0;
    } else {
        buf_printf(&url, "%s/handoffs", sys->url);
    }
    buf_printf(&auth, "Authorization: Bearer %s", sys->token);
    struct curl_slist *h = curl_slist_append(NULL, soap ? "Content-Type: text/xml; charset=utf-8"
                                                        : "Content-Type: application/json");
    h = curl_slist_append(h, soap ? "Accept: text/xml" : "Accept: application/json");
    h = curl_slist_append(h, idem);
    if (soap) h = curl_slist_append(h, action);
    h = curl_slist_append(h, auth.data);
    if (!h || !url.data) {
        snprintf(a->err, sizeof a->err, "out of memory");
        curl_slist_free_all(h);
        goto done;
    }
    int hr = sync_http_request(method, url.data, h, body, len, opt_or(o->timeout_ms, 60000), stop, &answer,
                               &a->http, a->err, sizeof a->err);
    curl_slist_free_all(h);
    if (hr < 0) goto done;   /* retried */
    const char *ans = answer.data;
    size_t alen = answer.len;
    if (soap && alen) {
        char why[240] = "";
        int pr = ministry_soap_parse(answer.data, answer.len, &json, why, sizeof why);
        if (pr == -EPROTO) snprintf(a->err, sizeof a->err, "%s", why);
        if (pr < 0) {
            if (a->http >= 200 && a->http < 300) {
                snprintf(a->err, sizeof a->err, "unreadable answer: %s", why);
                a->d = MINISTRY_PERMANENT;
            } else {
                classify(a->http, a);
            }
            goto done;
        }
        ans = json.data;
        alen = json.len;
    }
    if (a->http < 200 || a->http >= 300) {
        classify(a->http, a);
        goto done;
    }
    int pr = poll ? ministry_parse_poll(ans, alen, &a->root, &a->poll, &a->text, &a->items)
                  : ministry_parse_receipt(ans, alen, a->receipt, sizeof a->receipt);
    if (pr < 0) {
        snprintf(a->err, sizeof a->err, "unreadable answer (HTTP %ld)", a->http);
        a->d = MINISTRY_PERMANENT;
    } else {
        a->d = MINISTRY_OK;
    }
done:
    if (auth.data) explicit_bzero(auth.data, auth.cap);
    buf_free(&auth);
    buf_free(&url);
    buf_free(&req);
    buf_free(&answer);
    buf_free(&json);
}

static int cycle(store_t *st, const ministry_sender_opts_t *o, const atomic_int *stop)
{
    sync_curl_init();
    char owner[RAND_TOKEN_LEN + 1];
    rand_token(owner);
    ministry_claim_t *c = xcalloc(1, sizeof *c);
    c->now = clock_now_ms();
    c->lease_ms = opt_or(o->lease_ms, 120000);
    c->owner = owner;
    c->limit = (int)opt_or(o->batch, 4);
    int rc = store_write(st, ministry_claim, c);
    if (rc < 0) {
        ministry_claim_free(c);
        free(c);
        return rc;
    }
    int claimed = c->n;
    int max_attempts = (int)opt_or(o->max_attempts, 10);
    for (int i = 0; i < c->n; i++) {
        const ministry_job_t *j = &c->jobs[i];
        answer_t a;
        deliver(o, j, stop, &a);
        unsigned jitter;
        rand_bytes(&jitter, sizeof jitter);
        ministry_outcome_t x = {.job = j, .owner = owner, .result = a.d, .http_status = a.http, .now = clock_now_ms(),
                                .poll_every_ms = opt_or(o->result_poll_ms, 60000), .max_attempts = max_attempts,
                                .error = a.err, .receipt = a.receipt, .poll = a.poll, .text = a.text,
                                .items = a.items};
        x.next_at = x.now + notify_backoff_ms(j->attempts, opt_or(o->retry_base_ms, 30000),
                                              opt_or(o->retry_cap_ms, 3600000), jitter);
        int wr = store_write(st, ministry_record_outcome, &x);
        char esc[LOG_ESC_CAP];
        if (a.d == MINISTRY_OK)
            log_info("ministry: %s of hand-off %s to %s done (HTTP %ld)", j->kind, j->id, j->system, a.http);
        else if (a.d == MINISTRY_RETRY && j->attempts < max_attempts)
            log_warn("ministry: %s of hand-off %s to %s failed (attempt %d), will retry: %s", j->kind, j->id,
                     j->system, j->attempts, log_esc(esc, sizeof esc, a.err));
        else
            log_error("ministry: %s of hand-off %s to %s failed for good (attempt %d): %s", j->kind, j->id, j->system,
                      j->attempts, log_esc(esc, sizeof esc, a.err));
        if (wr < 0) log_error("ministry: cannot record the outcome of %s: %s", j->id, strerror(-wr));
        json_decref(a.root);
    }
    ministry_claim_free(c);
    free(c);
    return claimed;
}

int ministry_sender_cycle(store_t *st, const ministry_sender_opts_t *o) { return cycle(st, o, NULL); }

struct ministry_sender {
    store_t                      *st;
    const ministry_sender_opts_t *o;
    poller_t                     *poller;
    atomic_int                    abort_delivery;
};

static int sender_cycle(void *arg)
{
    ministry_sender_t *s = arg;
    int n = cycle(s->st, s->o, &s->abort_delivery);
    if (n < 0) log_warn("ministry: cannot claim the outbox: %s", strerror(-n));
    return n;
}

int ministry_sender_start(ministry_sender_t **out, store_t *st, const ministry_sender_opts_t *o)
{
    if (!o->systems) return -EINVAL;
    sync_curl_init();
    ministry_sender_t *s = xcalloc(1, sizeof *s);
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

void ministry_sender_stop(ministry_sender_t *s)
{
    if (!s) return;
    atomic_store(&s->abort_delivery, 1);
    poller_stop(s->poller);
    free(s);
}

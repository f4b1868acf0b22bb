/* exchange_sender.c — the edXML outbox sender (see exchange_sender.h).
 *
 * A cycle: claim up to `batch` due rows under a fresh random lease owner (one write transaction), POST each with
 * libcurl, then record each outcome in its own write transaction (domain/exchange_out.c: exchange_record_outcome),
 * so a crash repeats at most the deliveries in flight, which the receiver answers as duplicates. */
#include "sync/exchange_sender.h"
#include "sync/poller.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "domain/notify.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static long long opt_or(long long v, long long dflt) { return v > 0 ? v : dflt; }

#define ANSWER_MAX SYNC_ANSWER_MAX

/* The receiver's reason from a problem+json answer: "<code>: <detail>". */
static void problem_reason(const buf_t *answer, long code, char *err, size_t cap)
{
    json_t *j = answer->data ? json_loadb(answer->data, answer->len, 0, NULL) : NULL;
    const char *c = json_string_value(json_object_get(j, "code"));
    const char *d = json_string_value(json_object_get(j, "detail"));
    if (c && d) snprintf(err, cap, "%s: %s", c, d);
    else if (d) snprintf(err, cap, "%s", d);
    else snprintf(err, cap, "HTTP %ld", code);
    json_decref(j);
}

static exchange_delivery_t deliver(const exchange_sender_opts_t *o, const exchange_job_t *j, const atomic_int *stop,
                                   long *http, char *status_code, char *err, size_t err_cap)
{
    *http = 0;
    const exchange_peer_t *peer = exchange_peer_by_url(o->peers, j->to_url);
    if (!peer || !peer->token) {
        snprintf(err, err_cap, "no peer token for this address (--exchange-peers)");
        return EXCHANGE_RETRY;   /* the configuration may be fixed before the attempts run out */
    }
    bool package = !strcmp(j->kind, "package");
    buf_t url, auth, answer;
    buf_init(&url, EXCHANGE_URL_MAX + 64);
    buf_init(&auth, 8192);
    buf_init(&answer, ANSWER_MAX);
    exchange_delivery_t out = EXCHANGE_RETRY;
    buf_printf(&url, "%s/api/v1/exchange/%s", peer->url, package ? "inbox" : "status");
    buf_printf(&auth, "Authorization: Bearer %s", peer->token);
    char idem[64];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", j->id);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/xml");
    h = curl_slist_append(h, "Accept-Language: en");
    h = curl_slist_append(h, idem);
    h = curl_slist_append(h, auth.data);
    if (!h || !url.data) {
        snprintf(err, err_cap, "out of memory");
        curl_slist_free_all(h);
        goto done;
    }
    long code = 0;
    int hr = sync_http_request("POST", url.data, h, j->body, j->len, opt_or(o->timeout_ms, 60000), stop, &answer,
                               &code, err, err_cap);
    curl_slist_free_all(h);
    *http = code;
    if (hr == 0 && code >= 200 && code < 300) {
        out = EXCHANGE_OK;
        json_t *a = answer.data ? json_loadb(answer.data, answer.len, 0, NULL) : NULL;
        const char *sc = json_string_value(json_object_get(a, "status_code"));
        if (sc && strlen(sc) == 2) memcpy(status_code, sc, 3);
        json_decref(a);
    } else if (hr == 0) {
        problem_reason(&answer, code, err, err_cap);
        if (code == 422) out = EXCHANGE_REFUSED;
        else if (code >= 400 && code < 500 && code != 408 && code != 429) out = EXCHANGE_PERMANENT;
    }
done:
    if (auth.data) explicit_bzero(auth.data, auth.cap);
    buf_free(&auth);
    buf_free(&url);
    buf_free(&answer);
    return out;
}

static int cycle(store_t *st, const exchange_sender_opts_t *o, const atomic_int *stop)
{
    sync_curl_init();
    char owner[RAND_TOKEN_LEN + 1];
    rand_token(owner);
    exchange_claim_t *c = xcalloc(1, sizeof *c);
    c->now = clock_now_ms();
    c->lease_ms = opt_or(o->lease_ms, 120000);
    c->owner = owner;
    c->limit = (int)opt_or(o->batch, 4);
    int rc = store_write(st, exchange_claim, c);
    if (rc < 0) {
        exchange_claim_free(c);
        free(c);
        return rc;
    }
    int claimed = c->n;
    int max_attempts = (int)opt_or(o->max_attempts, 10);
    for (int i = 0; i < c->n; i++) {
        const exchange_job_t *j = &c->jobs[i];
        char err[EXCHANGE_ERROR_MAX + 1] = "", status_code[3] = "";
        long http = 0;
        exchange_delivery_t d = deliver(o, j, stop, &http, status_code, err, sizeof err);
        unsigned jitter;
        rand_bytes(&jitter, sizeof jitter);
        exchange_delivered_t x = {.job = j, .owner = owner, .result = d, .http_status = http,
                                .status_code = status_code[0] ? status_code : NULL, .error = err,
                                .now = clock_now_ms(), .max_attempts = max_attempts};
        x.next_at = x.now + notify_backoff_ms(j->attempts, opt_or(o->retry_base_ms, 30000),
                                              opt_or(o->retry_cap_ms, 3600000), jitter);
        int wr = store_write(st, exchange_record_outcome, &x);
        char esc[LOG_ESC_CAP], esc2[LOG_ESC_CAP];
        const char *to = log_esc(esc, sizeof esc, j->to_url);
        if (d == EXCHANGE_OK)
            log_info("exchange: %s %s delivered to %s (HTTP %ld, attempt %d)", j->kind, j->id, to, http, j->attempts);
        else if (d == EXCHANGE_RETRY && j->attempts < max_attempts)
            log_warn("exchange: %s %s to %s failed (attempt %d), will retry: %s", j->kind, j->id, to, j->attempts,
                     log_esc(esc2, sizeof esc2, err));
        else
            log_error("exchange: %s %s to %s %s (attempt %d): %s", j->kind, j->id, to,
                      d == EXCHANGE_REFUSED ? "refused by the receiver" : "failed for good", j->attempts,
                      log_esc(esc2, sizeof esc2, err));
        if (wr < 0) log_error("exchange: cannot record the outcome of %s: %s", j->id, strerror(-wr));
    }
    exchange_claim_free(c);
    free(c);
    return claimed;
}

int exchange_sender_cycle(store_t *st, const exchange_sender_opts_t *o) { return cycle(st, o, NULL); }

/* ---- the thread of `motcua serve` ---- */

struct exchange_sender {
    store_t                      *st;
    const exchange_sender_opts_t *o;
    poller_t                     *poller;
    atomic_int                    abort_delivery;
};

static int sender_cycle(void *arg)
{
    exchange_sender_t *s = arg;
    int n = cycle(s->st, s->o, &s->abort_delivery);
    if (n < 0) log_warn("exchange: cannot claim the outbox: %s", strerror(-n));
    return n;
}

int exchange_sender_start(exchange_sender_t **out, store_t *st, const exchange_sender_opts_t *o)
{
    if (!o->peers) return -EINVAL;
    sync_curl_init();
    exchange_sender_t *s = xcalloc(1, sizeof *s);
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

void exchange_sender_stop(exchange_sender_t *s)
{
    if (!s) return;
    atomic_store(&s->abort_delivery, 1);   /* a delivery in flight ends now; its row is retried after restart */
    poller_stop(s->poller);
    free(s);
}

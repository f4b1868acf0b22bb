/* notify_sender.c — the outbox sender (see notify_sender.h).
 *
 * A cycle: claim up to `batch` due rows under a fresh random lease owner (one write transaction), deliver each with
 * libcurl, then record each outcome in its own write transaction: 'sent', or back to 'pending' after a backoff, or
 * 'failed' (permanent error, or attempts exhausted). The outcome of a row is written right after its delivery, so a
 * crash repeats at most the one message that was in flight plus the rest of the batch not yet delivered (which
 * are simply claimed again when their lease expires). */
#include "sync/notify_sender.h"
#include "sync/poller.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "domain/notify.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { DELIVER_OK, DELIVER_RETRY, DELIVER_PERMANENT } deliver_t;


static long long opt_or(long long v, long long dflt) { return v > 0 ? v : dflt; }

int notify_sender_configured(const notify_sender_opts_t *o)
{
    if (o->smtp_url && (!o->smtp_from || !notify_recipient_valid(NOTIFY_EMAIL, o->smtp_from))) return 0;
    return o->smtp_url != NULL || o->sms_url != NULL;
}

static int channel_mask(const notify_sender_opts_t *o)
{
    return (o->smtp_url ? 1 << NOTIFY_EMAIL : 0) | (o->sms_url ? 1 << NOTIFY_SMS : 0);
}

/* ---- libcurl plumbing ---- */

struct upload {
    const char *p;
    size_t      left;
};

static size_t read_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct upload *u = ud;
    size_t n = size * nmemb;
    if (n > u->left) n = u->left;
    memcpy(ptr, u->p, n);
    u->p += n;
    u->left -= n;
    return n;
}

/* Keep at most 256 bytes of a gateway's answer, for the error text. */
static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf_t *b = ud;
    size_t n = size * nmemb;
    if (b->len < 256) buf_append(b, ptr, n > 256 - b->len ? 256 - b->len : n);
    return size * nmemb;
}

static void common_opts(CURL *c, const notify_sender_opts_t *o)
{
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)opt_or(o->timeout_ms, 30000));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(opt_or(o->timeout_ms, 30000) / 3 + 1));
}

static deliver_t send_email(const notify_sender_opts_t *o, const notify_row_t *r, char *msgid, size_t msgid_cap,
                            char *err, size_t err_cap)
{
    if (notify_message_id(msgid, msgid_cap, r->id, o->smtp_from) < 0) {
        snprintf(err, err_cap, "message id too long");
        return DELIVER_PERMANENT;
    }
    buf_t msg;
    buf_init(&msg, 4 * NOTIFY_BODY_MAX);
    int rc = notify_build_email(&msg, o->smtp_from, r->recipient, r->subject, r->body, msgid, clock_now_ms());
    if (rc < 0) {
        buf_free(&msg);
        snprintf(err, err_cap, "message refused by the builder (%s)", rc == -E2BIG ? "too large" : "invalid header");
        return DELIVER_PERMANENT;
    }
    char from[NOTIFY_RECIPIENT_MAX + 3], to[NOTIFY_RECIPIENT_MAX + 3];
    snprintf(from, sizeof from, "<%s>", o->smtp_from);
    snprintf(to, sizeof to, "<%s>", r->recipient);
    CURL *c = curl_easy_init();
    if (!c) {
        buf_free(&msg);
        snprintf(err, err_cap, "curl_easy_init failed");
        return DELIVER_RETRY;
    }
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    struct upload up = {msg.data, msg.len};
    common_opts(c, o);
    curl_easy_setopt(c, CURLOPT_URL, o->smtp_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    if (o->smtp_user) curl_easy_setopt(c, CURLOPT_USERNAME, o->smtp_user);
    if (o->smtp_password) curl_easy_setopt(c, CURLOPT_PASSWORD, o->smtp_password);
    if (o->smtp_starttls) curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    CURLcode cr = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    buf_free(&msg);
    if (cr == CURLE_OK) return DELIVER_OK;
    snprintf(err, err_cap, "smtp: %s (reply %ld)", curl_easy_strerror(cr), code);
    /* A 5xx reply is the server's permanent refusal (RFC 5321 §4.2.1); anything else may pass on a retry. */
    return code >= 500 && code < 600 ? DELIVER_PERMANENT : DELIVER_RETRY;
}

static deliver_t send_sms(const notify_sender_opts_t *o, const notify_row_t *r, char *msgid, size_t msgid_cap,
                          char *err, size_t err_cap)
{
    str_copy(msgid, msgid_cap, r->id);
    buf_t body, auth, answer;
    buf_init(&body, 4 * NOTIFY_SMS_MAX);
    buf_init(&auth, 8192);
    buf_init(&answer, 512);
    jw_t w;
    jw_init(&w, &body);
    jw_obj_begin(&w);
    jw_kstr(&w, "to", r->recipient);
    jw_kstr(&w, "text", r->body);
    jw_kstr(&w, "id", r->id);
    jw_obj_end(&w);
    deliver_t out = DELIVER_RETRY;
    if (jw_finish(&w) < 0) {
        snprintf(err, err_cap, "sms: body cannot be encoded");
        out = DELIVER_PERMANENT;
        goto done;
    }
    char idem[64];
    snprintf(idem, sizeof idem, "Idempotency-Key: %s", r->id);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, idem);
    if (o->sms_token && o->sms_token[0]) {
        buf_printf(&auth, "Authorization: Bearer %s", o->sms_token);
        h = curl_slist_append(h, auth.data);
    }
    CURL *c = curl_easy_init();
    if (!c) {
        curl_slist_free_all(h);
        snprintf(err, err_cap, "curl_easy_init failed");
        goto done;
    }
    common_opts(c, o);
    curl_easy_setopt(c, CURLOPT_URL, o->sms_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
    CURLcode cr = curl_easy_perform(c);
    long code = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (cr != CURLE_OK) {
        snprintf(err, err_cap, "sms: %s", curl_easy_strerror(cr));
    } else if (code >= 200 && code < 300) {
        out = DELIVER_OK;
    } else {
        char esc[LOG_ESC_CAP];
        snprintf(err, err_cap, "sms: HTTP %ld %s", code, log_esc(esc, sizeof esc, answer.data));
        /* The gateway refused this request as such (4xx): sending it again would not help, except for a timeout
         * or a rate limit. 5xx is the gateway's own trouble: retry. */
        out = code >= 400 && code < 500 && code != 408 && code != 429 ? DELIVER_PERMANENT : DELIVER_RETRY;
    }
done:
    if (auth.data) explicit_bzero(auth.data, auth.cap);
    buf_free(&auth);
    buf_free(&body);
    buf_free(&answer);
    return out;
}

/* ---- outcomes, each in its own write transaction ---- */

struct outcome {
    const notify_row_t         *row;
    const char                 *owner;
    const notify_sender_opts_t *o;
    deliver_t                   result;
    const char                 *msgid;
    const char                 *error;
    long long                   now, next_at;
};

static int outcome_fn(db_t *db, void *arg)
{
    struct outcome *x = arg;
    if (x->result == DELIVER_OK) return notify_mark_sent(db, x->row->id, x->msgid, x->now);
    return notify_mark_failed(db, x->row->id, x->owner, x->now, x->next_at, x->result == DELIVER_PERMANENT,
                              (int)opt_or(x->o->max_attempts, 10), x->error);
}

int notify_sender_cycle(store_t *st, const notify_sender_opts_t *o, notify_stats_t *stats)
{
    sync_curl_init();
    char owner[RAND_TOKEN_LEN + 1];
    rand_token(owner);
    notify_claim_t *c = xcalloc(1, sizeof *c);
    c->now = clock_now_ms();
    c->lease_ms = opt_or(o->lease_ms, 60000);
    c->owner = owner;
    c->limit = (int)opt_or(o->batch, 8);
    c->channels = channel_mask(o);
    int rc = store_write(st, notify_claim, c);
    if (rc < 0) {
        notify_claim_free(c);
        free(c);
        return rc;
    }
    int claimed = c->n;
    if (stats) stats->claimed += claimed;
    for (int i = 0; i < c->n; i++) {
        const notify_row_t *r = &c->rows[i];
        char msgid[320] = "", err[NOTIFY_ERROR_MAX + 1] = "";
        deliver_t d = r->channel == NOTIFY_EMAIL ? send_email(o, r, msgid, sizeof msgid, err, sizeof err)
                                                 : send_sms(o, r, msgid, sizeof msgid, err, sizeof err);
        unsigned jitter;
        rand_bytes(&jitter, sizeof jitter);
        struct outcome x = {.row = r, .owner = owner, .o = o, .result = d, .msgid = msgid, .error = err,
                            .now = clock_now_ms()};
        x.next_at = x.now + notify_backoff_ms(r->attempts, opt_or(o->retry_base_ms, 30000),
                                              opt_or(o->retry_cap_ms, 3600000), jitter);
        int wr = store_write(st, outcome_fn, &x);
        char esc[LOG_ESC_CAP];
        const char *to = log_esc(esc, sizeof esc, r->recipient);
        const char *ch = notify_channel_name(r->channel);
        if (d == DELIVER_OK) {
            if (stats) stats->sent++;
            log_info("notify: sent %s %s to \"%s\" (attempt %d)", ch, r->id, to, r->attempts);
        } else if (d == DELIVER_RETRY && r->attempts < opt_or(o->max_attempts, 10)) {
            if (stats) stats->retried++;
            log_warn("notify: %s %s to \"%s\" failed (attempt %d), will retry: %s", ch, r->id, to, r->attempts, err);
        } else {
            if (stats) stats->failed++;
            log_error("notify: %s %s to \"%s\" failed for good (attempt %d): %s", ch, r->id, to, r->attempts, err);
        }
        if (wr < 0) log_error("notify: cannot record the outcome of %s: %s", r->id, strerror(-wr));
    }
    notify_claim_free(c);
    free(c);
    return claimed;
}

static void sleep_ms(long long ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int notify_sender_drain(store_t *st, const notify_sender_opts_t *o, long long max_wait_ms, notify_stats_t *stats)
{
    long long deadline = clock_mono_us() + max_wait_ms * 1000;
    for (;;) {
        int n = notify_sender_cycle(st, o, stats);
        if (n < 0) return n;
        if (n > 0) continue;
        notify_counts_t k = {.channels = channel_mask(o)};
        int rc = store_read(st, notify_counts, &k);
        if (rc < 0) return rc;
        if (k.pending + k.sending == 0) return 0;
        if (clock_mono_us() > deadline) return -ETIMEDOUT;
        long long p = opt_or(o->poll_ms, 2000);
        sleep_ms(p < 100 ? p : 100);
    }
}

/* ---- the thread of `motcua serve` ---- */

struct notify_sender {
    store_t                    *st;
    const notify_sender_opts_t *o;
    poller_t                   *poller;
};

static int sender_cycle(void *arg)
{
    notify_sender_t *s = arg;
    int n = notify_sender_cycle(s->st, s->o, NULL);
    if (n < 0) log_warn("notify: cannot claim messages: %s", strerror(-n));
    return n;
}

int notify_sender_start(notify_sender_t **out, store_t *st, const notify_sender_opts_t *o)
{
    if (!notify_sender_configured(o)) return -EINVAL;
    sync_curl_init();
    notify_sender_t *s = xcalloc(1, sizeof *s);
    s->st = st;
    s->o = o;
    int rc = poller_start(&s->poller, sender_cycle, s, opt_or(o->poll_ms, 2000));
    if (rc < 0) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void notify_sender_stop(notify_sender_t *s)
{
    if (!s) return;
    poller_stop(s->poller);
    free(s);
}

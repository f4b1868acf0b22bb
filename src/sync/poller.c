/* poller.c — see poller.h. */
#include "sync/poller.h"
#include "core/buf.h"
#include "core/mem.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

struct poller {
    pthread_t       th;
    poller_cycle_fn cycle;
    void           *arg;
    long long       poll_ms;
    pthread_mutex_t mu;
    pthread_cond_t  cv;
    int             stop;
};

static void *poller_main(void *arg)
{
    poller_t *p = arg;
    for (;;) {
        int n = p->cycle(p->arg);
        pthread_mutex_lock(&p->mu);
        if (!p->stop && n <= 0) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += (time_t)(p->poll_ms / 1000);
            ts.tv_nsec += (long)(p->poll_ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p->cv, &p->mu, &ts);
        }
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop) break;
    }
    return NULL;
}

int poller_start(poller_t **out, poller_cycle_fn cycle, void *arg, long long poll_ms)
{
    poller_t *p = xcalloc(1, sizeof *p);
    p->cycle = cycle;
    p->arg = arg;
    p->poll_ms = poll_ms > 0 ? poll_ms : 2000;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->th, NULL, poller_main, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->cv);
        free(p);
        return -EAGAIN;
    }
    *out = p;
    return 0;
}

void poller_stop(poller_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }
void sync_curl_init(void) { pthread_once(&curl_once, curl_init_once); }

/* sync_http_request's answer: its first SYNC_ANSWER_MAX bytes, whatever the buffer's own limit. */
static size_t answer_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf_t *b = ud;
    size_t n = size * nmemb;
    if (b->len < SYNC_ANSWER_MAX) buf_append(b, ptr, n > SYNC_ANSWER_MAX - b->len ? SYNC_ANSWER_MAX - b->len : n);
    return size * nmemb;
}

size_t sync_curl_collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    buf_t *b = ud;
    size_t n = size * nmemb;
    size_t room = b->max > b->len ? b->max - b->len : 0;
    if (room) buf_append(b, ptr, n > room ? room : n);
    return size * nmemb;
}

int sync_curl_abort(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    const atomic_int *stop = ud;
    return stop && atomic_load(stop) ? 1 : 0;
}

int sync_http_request(const char *method, const char *url, const struct curl_slist *headers, const void *body,
                      size_t len, long long timeout_ms, const _Atomic int *stop, struct buf *answer, long *code,
                      char *err, size_t err_cap)
{
    *code = 0;
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, err_cap, "curl_easy_init failed");
        return -EIO;
    }
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)(timeout_ms / 3 + 1));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, answer_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sync_curl_abort);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop);
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
    curl_easy_cleanup(c);
    if (cr != CURLE_OK) {
        snprintf(err, err_cap, "%s", curl_easy_strerror(cr));
        return -EIO;
    }
    return 0;
}

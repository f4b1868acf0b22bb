/* poller.h — the background thread of an outbox sender (notify_sender.c, exchange_sender.c): run one cycle,
 * and when it found nothing to do (or failed) wait poll_ms or until stopped; stop wakes it at once and joins it.
 * Also the one process-wide libcurl initialisation both senders need. */
#ifndef MOTCUA_POLLER_H
#define MOTCUA_POLLER_H
#include <stddef.h>

/* One cycle: > 0 did some work (run again at once), 0 nothing due, < 0 an error (logged by the cycle). */
typedef int (*poller_cycle_fn)(void *arg);

typedef struct poller poller_t;

/* Start the thread. 0, or -EAGAIN when it cannot be created. */
int  poller_start(poller_t **out, poller_cycle_fn cycle, void *arg, long long poll_ms);
/* Wake the thread, let its current cycle end, join it and free p (NULL is fine). */
void poller_stop(poller_t *p);

/* curl_global_init once per process (thread-safe). */
void sync_curl_init(void);

/* The libcurl callbacks the senders share. sync_curl_collect (CURLOPT_WRITEFUNCTION, ud a buf_t *) keeps the
 * answer up to the buffer's max and drops the rest; sync_curl_abort (CURLOPT_XFERINFOFUNCTION, ud a
 * const atomic_int * or NULL) aborts the transfer once *ud is set, so stopping a server does not wait for a
 * delivery's timeout. */
#include <curl/curl.h>
size_t sync_curl_collect(char *ptr, size_t size, size_t nmemb, void *ud);
int sync_curl_abort(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);
/* One HTTP request of an outbox sender (exchange_sender.c, ministry_sender.c) with libcurl: method "POST" (body,
 * len) or "GET" (body NULL) to url with the headers (the caller's: a bearer token is only handed to libcurl here),
 * at most timeout_ms, http(s) only; the answer's first SYNC_ANSWER_MAX bytes into answer; *stop set aborts it.
 * 0 with *code the HTTP status, or -EIO with libcurl's reason in err. */
#define SYNC_ANSWER_MAX 16384
struct curl_slist;
struct buf;
int sync_http_request(const char *method, const char *url, const struct curl_slist *headers, const void *body,
                      size_t len, long long timeout_ms, const _Atomic int *stop, struct buf *answer, long *code,
                      char *err, size_t err_cap);
#endif

/* exchange_sender.h — delivers the edXML outbox (domain/exchange_out.h): signed packages to other nodes' inboxes
 * (POST <peer>/api/v1/exchange/inbox) and status messages back (POST <peer>/api/v1/exchange/status), with libcurl,
 * leases, retries and exponential backoff (the same claim / outcome shape as sync/notify_sender.h, and its backoff).
 *
 * Outcomes: 2xx delivered (a package's answer gives the receiver's status code, 03 registered); 422 refused by the
 * receiver (a package becomes 'rejected' with the receiver's reason: sending it again would give the same answer);
 * 400/401/403/404/413/415 permanent ('failed': a configuration or format problem); network errors, 408, 429, 5xx
 * (503 "not configured" included) retried after base * 2^(n-1) (capped, jittered) until max_attempts, then
 * 'failed'. At least once: a package delivered twice is registered once by the inbox (sender OrganId +
 * DocumentId), a status twice recorded once. The peer token is only handed to libcurl, never logged. Stopping the
 * thread aborts a delivery in flight (it is retried later) rather than waiting for its timeout. */
#ifndef MOTCUA_EXCHANGE_SENDER_H
#define MOTCUA_EXCHANGE_SENDER_H
#include "db/db.h"
#include "domain/exchange_out.h"

typedef struct exchange_sender_opts {
    const exchange_peers_t *peers;    /* the tokens; required */
    int         batch;                /* rows per claim (default 4) */
    long long   lease_ms;             /* default 120000 */
    long long   retry_base_ms;        /* default 30000 */
    long long   retry_cap_ms;         /* default 3600000 */
    int         max_attempts;         /* default 10 */
    long long   poll_ms;              /* idle wait between claims (default 2000) */
    long long   timeout_ms;           /* per delivery (default 60000) */
} exchange_sender_opts_t;

typedef struct exchange_sender exchange_sender_t;

/* One claim and the delivery of what it got: the number of rows claimed or a store error. */
int exchange_sender_cycle(store_t *st, const exchange_sender_opts_t *o);

/* A thread running cycles until exchange_sender_stop(); o (and the peers) must outlive it. */
int exchange_sender_start(exchange_sender_t **out, store_t *st, const exchange_sender_opts_t *o);
void exchange_sender_stop(exchange_sender_t *s);   /* NULL is fine */
#endif

/* ministry_sender.h — the adapter delivering the ministry outbox (domain/ministry.h) with libcurl, on the outbox
 * machinery of the edXML sender (sync/poller.h: the thread and sync_http_request; leases, retries and
 * notify_backoff_ms's exponential backoff).
 *
 * A 'send' row: POST the hand-off to the system (REST: <url>/handoffs, JSON; SOAP: <url>, SubmitDossier) with
 * "Authorization: Bearer <token>" and "Idempotency-Key: <hand-off id>" (a repeat after a crash is the same case for
 * the system, never a new one); 2xx with a receipt records ministry.acknowledged and turns the row into a 'poll'.
 * A 'poll' row: every poll_ms GET <url>/handoffs/<receipt> (SOAP: GetResult); "processing" waits, "done" records
 * ministry.result accepted, "more_papers" ministry.result more_requested. Network errors, 408, 429 and 5xx are
 * retried with backoff until max_attempts (then ministry.failed); other 4xx and unreadable answers fail at once.
 * Results are polled rather than called back: a commune node is rarely reachable from a ministry network, and a
 * poll needs no second credential on our side. The token is only handed to libcurl, never logged. */
#ifndef MOTCUA_MINISTRY_SENDER_H
#define MOTCUA_MINISTRY_SENDER_H
#include "db/db.h"
#include "domain/ministry.h"

typedef struct ministry_sender_opts {
    const ministry_systems_t *systems;   /* required */
    int         batch;                   /* rows per claim (default 4) */
    long long   lease_ms;                /* default 120000 */
    long long   retry_base_ms;           /* default 30000 */
    long long   retry_cap_ms;            /* default 3600000 */
    int         max_attempts;            /* default 10 */
    long long   poll_ms;                 /* idle wait between claims (default 2000) */
    long long   result_poll_ms;          /* wait between two polls of a result (default 60000) */
    long long   timeout_ms;              /* per request (default 60000) */
} ministry_sender_opts_t;

typedef struct ministry_sender ministry_sender_t;

int  ministry_sender_cycle(store_t *st, const ministry_sender_opts_t *o);   /* rows claimed, or a store error */
int  ministry_sender_start(ministry_sender_t **out, store_t *st, const ministry_sender_opts_t *o);
void ministry_sender_stop(ministry_sender_t *s);                             /* NULL is fine */
#endif

/* portal_sender.h — pushes the portal outbox (domain/portal.h) to the National Public Service Portal, and fetches
 * the portal's view of a day for the reconciliation.
 *
 * The exchange (docs/portal.md; as OpenCPS and HoSoDongBoDVC implement it, the Circular 04/2025 field lists not
 * being readable here): POST <url> a JSON body {session, madonvi, service, isUpdating, data}, the session being
 * the token of --portal-token-file (only handed to libcurl, never logged); success is error_code "0" or "00";
 * an answer whose message holds "đã tồn tại" (already exists) to a create is answered by the same record as an
 * update. Per outbox row: DongBoHoSoMC (the dossier record; create until the portal accepted one, then update),
 * then CapNhatTienDoHoSoMC (its progress entries). Network errors, timeouts, 408, 429 and 5xx are retried after
 * notify_backoff_ms() (base * 2^(n-1), capped, jittered) until max_attempts, then the row is a dead letter; any
 * other refusal is a dead letter at once. A crash mid-push repeats the row after its lease: the portal answers
 * "already exists" to the repeated create, which becomes an update, so nothing is created twice. */
#ifndef MOTCUA_PORTAL_SENDER_H
#define MOTCUA_PORTAL_SENDER_H
#include "core/buf.h"
#include "db/db.h"
#include "domain/portal.h"

typedef struct portal_sender_opts {
    const char *url;                  /* the portal's service address; required */
    const char *token;                /* the session token; required */
    int         batch;                /* rows per claim (default 8) */
    long long   lease_ms;             /* default 120000 */
    long long   retry_base_ms;        /* default 30000 */
    long long   retry_cap_ms;         /* default 3600000 */
    int         max_attempts;         /* default 10 */
    long long   poll_ms;              /* idle wait between claims (default 2000) */
    long long   timeout_ms;           /* per request (default 30000) */
} portal_sender_opts_t;

typedef struct portal_sender portal_sender_t;

/* One claim and the pushes of what it got (and the deadline sweep): the number of rows claimed or an error. */
int portal_sender_cycle(store_t *st, const portal_sender_opts_t *o);
/* A thread running cycles until portal_sender_stop(); o must outlive it. */
int portal_sender_start(portal_sender_t **out, store_t *st, const portal_sender_opts_t *o);
void portal_sender_stop(portal_sender_t *s);   /* NULL is fine */

/* The portal's dossiers received on day (YYYY-MM-DD), service LayDanhSachHoSo: *out (malloc'd) and *n.
 * 0, or a negative errno with a reason in err. */
int portal_fetch_day(const portal_sender_opts_t *o, const char *day, portal_seen_t **out, int *n, char *err,
                     size_t err_cap);
/* The whole reconciliation of one day: fetch, compare, store (run id into run_id). 0 or a negative errno with
 * err set. */
int portal_reconcile(store_t *st, const portal_sender_opts_t *o, const char *day, const char *run_by,
                     char *run_id, size_t run_id_cap, char *err, size_t err_cap);
#endif

/* sync_shipper.h — the node's side of node -> hub replication (docs/architecture.md, "Replication"): a background
 * thread of `motcua serve --role node` (sync/poller.h) that ships this database's own chain to its hub in signed
 * batches from the hub's checkpoint.
 *
 * A cycle: learn the checkpoint (GET /api/v1/sync/checkpoint) when it is not known, read up to `batch` events after
 * it (at most about 3 MiB of them), POST them to /api/v1/sync/batches and take the answered checkpoint (recorded
 * in meta sync_acked_seq for `motcua sync status`). A 409 gap answers the checkpoint to resend from; a 401 for a
 * clock more than 15 minutes off makes the shipper sign with the hub's time (X-Motcua-Hub-Time) from then on;
 * network errors and 5xx wait retry_ms doubling up to retry_cap_ms; a refusal (422) or a flagged node (423) waits
 * retry_cap_ms and is logged, since only an admin at the hub can end it. Stopping aborts a request in flight. */
#ifndef MOTCUA_SYNC_SHIPPER_H
#define MOTCUA_SYNC_SHIPPER_H
#include "core/buf.h"
#include "db/db.h"

typedef struct sync_shipper_opts {
    const char *hub_url;          /* from meta hub_url */
    const char *key_path;         /* the node's private key (PEM) */
    long long   poll_ms;          /* idle wait between looks at the ledger (default 1000) */
    long long   retry_ms;         /* first wait after a failure (default 1000) */
    long long   retry_cap_ms;     /* longest wait (default 60000) */
    long long   timeout_ms;       /* per request (default 30000) */
    int         batch;            /* events per batch, 1..1000 (default 500) */
} sync_shipper_opts_t;

typedef struct sync_shipper sync_shipper_t;

/* Load the key and start the thread; o must outlive it. 0 or a negative errno (-ENOENT / -EINVAL: the key). */
int  sync_shipper_start(sync_shipper_t **out, store_t *st, const sync_shipper_opts_t *o);
void sync_shipper_stop(sync_shipper_t *s);   /* NULL is fine */

/* One HTTP request with libcurl: method, url, extra header lines (NULL-terminated, may be NULL), a JSON body (may
 * be NULL). *status gets the HTTP status (0: no answer, err filled), answer the body (at most 16 MiB), *hub_time
 * (may be NULL) the X-Motcua-Hub-Time header (0 when absent). stop (may be NULL) aborts it when set. 0 when an
 * answer came, else -EIO. */
int sync_http(const char *method, const char *url, const char *const *headers, const char *body, size_t len,
              long long timeout_ms, const int *stop, long *status, buf_t *answer, long long *hub_time, char *err,
              size_t err_cap);
#endif

/* gauges.c — the store-derived figures of GET /metrics (see gauges.h). */
#include "domain/gauges.h"
#include "domain/notify.h"

#include <string.h>

const char *gauges_status_slug(int status)
{
    static const char *const slugs[GAUGES_STATUS_MAX + 1] = {
        "", "new", "accepted", "refused", "processing", "supplement_requested", "payment_requested", "withdrawn",
        "stopped", "resolved", "returned"};
    return status >= 1 && status <= GAUGES_STATUS_MAX ? slugs[status] : "";
}

int gauges_read(db_t *db, void *arg)
{
    gauges_t *g = arg;
    memset(g, 0, sizeof *g);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT status, COUNT(*) FROM dossiers GROUP BY status", "");
    while (rc == DB_ROW) {
        long long st = db_col_int(s, 0);
        if (st >= 1 && st <= GAUGES_STATUS_MAX) g->dossiers[st] = db_col_int(s, 1);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;

    notify_counts_t nc = {.channels = 0};
    if ((rc = notify_counts(db, &nc)) < 0) return rc;
    g->outbox_pending = nc.pending;
    g->outbox_sending = nc.sending;
    g->outbox_sent = nc.sent;
    g->outbox_failed = nc.failed;

    s = NULL;
    rc = db_query(db, &s, "SELECT is_self, COUNT(*), COALESCE(SUM(seq), 0) FROM ledger_head GROUP BY is_self", "");
    while (rc == DB_ROW) {
        long long chains = db_col_int(s, 1), events = db_col_int(s, 2);
        g->ledger_chains += chains;
        if (db_col_int(s, 0)) g->ledger_self_events += events;
        else g->ledger_other_events += events;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

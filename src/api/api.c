/* api.c — the route table and the helpers every resource shares (see api.h). */
#include "api/api.h"
#include "core/log.h"
#include "core/mem.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const route_t api_routes[] = {
    {"GET", "/healthz", api_healthz, ROUTE_PUBLIC},
    {"GET", "/readyz", api_readyz, ROUTE_PUBLIC},
    {"GET", "/metrics", api_metrics, ROUTE_PUBLIC},          /* its own access rule (api_metrics.c) */
    {"GET", "/api/v1/openapi.json", api_openapi, ROUTE_PUBLIC},
    {"POST", "/api/v1/session", api_session_create, ROUTE_PUBLIC | ROUTE_SLOW},
    {"DELETE", "/api/v1/session", api_session_delete, ROUTE_AUTH},
    {"GET", "/api/v1/me", api_me, ROUTE_AUTH},
    {"PUT", "/api/v1/me/password", api_me_password, ROUTE_AUTH | ROUTE_SLOW},
    {"GET", "/api/v1/units", api_units_list, ROUTE_STAFF},
    {"POST", "/api/v1/units", api_units_create, ROUTE_STAFF},
    {"GET", "/api/v1/units/{id}", api_units_get, ROUTE_STAFF},
    {"PATCH", "/api/v1/units/{id}", api_units_update, ROUTE_STAFF},
    {"GET", "/api/v1/staff", api_staff_list, ROUTE_STAFF},
    {"POST", "/api/v1/staff", api_staff_create, ROUTE_STAFF | ROUTE_SLOW},
    {"GET", "/api/v1/staff/{id}", api_staff_get, ROUTE_STAFF},
    {"PATCH", "/api/v1/staff/{id}", api_staff_update, ROUTE_STAFF},
    {"PUT", "/api/v1/staff/{id}/password", api_staff_password, ROUTE_STAFF | ROUTE_SLOW},
    {"POST", "/api/v1/citizens", api_citizens_register, ROUTE_PUBLIC | ROUTE_SLOW},
    {"GET", "/api/v1/tokens", api_tokens_list, ROUTE_STAFF},
    {"POST", "/api/v1/tokens", api_tokens_create, ROUTE_STAFF},
    {"DELETE", "/api/v1/tokens/{id}", api_tokens_delete, ROUTE_STAFF},
    /* keystore: officers' signing keys and units' seals (api_keys.c) */
    {"GET", "/api/v1/signing-keys", api_keys_list, ROUTE_STAFF},
    {"POST", "/api/v1/signing-keys", api_keys_import, ROUTE_STAFF | ROUTE_SLOW},
    {"DELETE", "/api/v1/signing-keys/{id}", api_keys_remove, ROUTE_STAFF},
    /* exchange: the edXML inbox (api_exchange.c) */
    {"POST", "/api/v1/exchange/inbox", api_exchange_inbox, ROUTE_STAFF},
    {"GET", "/api/v1/exchange/received", api_exchange_received, ROUTE_STAFF},
    {"GET", "/api/v1/exchange/rejected", api_exchange_rejected, ROUTE_STAFF},
    /* outbox: the sending side (api_exchange_out.c) */
    {"POST", "/api/v1/exchange/status", api_exchange_status, ROUTE_STAFF},
    {"GET", "/api/v1/exchange/sent", api_exchange_sent, ROUTE_STAFF},
    {"GET", "/api/v1/exchange/peers", api_exchange_peers, ROUTE_STAFF},
    /* portal: the National Public Service Portal connector (api_portal.c) */
    {"GET", "/api/v1/portal/status", api_portal_status, ROUTE_STAFF},
    {"GET", "/api/v1/portal/dossiers/{code}", api_portal_dossier, ROUTE_STAFF},
    {"GET", "/api/v1/portal/dead-letters", api_portal_dead_letters, ROUTE_STAFF},
    {"POST", "/api/v1/portal/dead-letters/{id}/replay", api_portal_replay, ROUTE_STAFF},
    {"POST", "/api/v1/portal/repush", api_portal_repush, ROUTE_STAFF},
    {"POST", "/api/v1/portal/reconciliations", api_portal_reconcile, ROUTE_STAFF},
    {"GET", "/api/v1/portal/reconciliations/latest", api_portal_recon_latest, ROUTE_STAFF},
    /* ministry: hand-offs to ministry systems (api_ministry.c) */
    {"POST", "/api/v1/dossiers/{code}/handoffs", api_ministry_send, ROUTE_STAFF},
    {"GET", "/api/v1/ministry/handoffs", api_ministry_handoffs, ROUTE_STAFF},
    {"GET", "/api/v1/ministry/handoffs/{id}", api_ministry_handoff, ROUTE_STAFF},
    {"GET", "/api/v1/ministry/systems", api_ministry_systems, ROUTE_STAFF},
    {"GET", "/api/v1/calendar/lunar", api_calendar_lunar, ROUTE_PUBLIC},
    {"GET", "/api/v1/calendar/solar", api_calendar_solar, ROUTE_PUBLIC},
    {"GET", "/api/v1/calendar/holidays", api_calendar_holidays, ROUTE_PUBLIC},
    {"GET", "/api/v1/calendar/due", api_calendar_due, ROUTE_PUBLIC},
    {"GET", "/api/v1/calendar/workdays", api_calendar_workdays, ROUTE_PUBLIC},
    {"GET", "/api/v1/calendar/entries", api_calendar_entries_list, ROUTE_STAFF},
    {"PUT", "/api/v1/calendar/entries/{date}", api_calendar_entries_put, ROUTE_STAFF},
    {"DELETE", "/api/v1/calendar/entries/{date}", api_calendar_entries_delete, ROUTE_STAFF},
    {"GET", "/api/v1/units/{id}/working-time", api_working_time_get, ROUTE_STAFF},
    {"PUT", "/api/v1/units/{id}/working-time", api_working_time_put, ROUTE_STAFF},
    /* catalog: procedures (export and import before {code}: the first matching route wins) */
    {"GET", "/api/v1/procedures", api_procedures_list, ROUTE_PUBLIC},
    {"POST", "/api/v1/procedures", api_procedures_create, ROUTE_STAFF},
    {"GET", "/api/v1/procedures/export", api_procedures_export, ROUTE_PUBLIC},
    {"POST", "/api/v1/procedures/import", api_procedures_import, ROUTE_STAFF},
    {"GET", "/api/v1/procedures/{code}", api_procedures_get, ROUTE_PUBLIC},
    {"PUT", "/api/v1/procedures/{code}", api_procedures_update, ROUTE_STAFF},
    {"DELETE", "/api/v1/procedures/{code}", api_procedures_delete, ROUTE_STAFF},
    {"GET", "/api/v1/procedures/{code}/adaptations/{province}", api_procedures_adaptation_get, ROUTE_PUBLIC},
    {"PUT", "/api/v1/procedures/{code}/adaptations/{province}", api_procedures_adaptation_put, ROUTE_STAFF},
    {"DELETE", "/api/v1/procedures/{code}/adaptations/{province}", api_procedures_adaptation_delete, ROUTE_STAFF},
    /* papers */
    {"POST", "/api/v1/papers", api_papers_upload, ROUTE_AUTH | ROUTE_STREAM},
    {"GET", "/api/v1/papers/{id}", api_papers_get, ROUTE_AUTH},
    {"PATCH", "/api/v1/papers/{id}", api_papers_update, ROUTE_STAFF},
    {"GET", "/api/v1/me/papers", api_me_papers, ROUTE_AUTH},
    /* dossier */
    /* report: the dashboards (api_reports.c) */
    {"GET", "/api/v1/reports/indicators", api_reports_indicators, ROUTE_STAFF},
    {"GET", "/api/v1/reports/overview", api_reports_overview, ROUTE_STAFF},
    {"GET", "/api/v1/reports/workload", api_reports_workload, ROUTE_STAFF},
    {"GET", "/api/v1/reports/trend", api_reports_trend, ROUTE_STAFF},
    {"GET", "/api/v1/reports/dossiers", api_reports_dossiers, ROUTE_STAFF},
    /* end report */
    {"GET", "/api/v1/dossiers", api_dossiers_list, ROUTE_AUTH},
    {"POST", "/api/v1/dossiers", api_dossiers_create, ROUTE_AUTH},
    {"GET", "/api/v1/dossiers/{code}", api_dossiers_get, ROUTE_AUTH},
    {"POST", "/api/v1/dossiers/{code}/actions", api_dossiers_action, ROUTE_AUTH},
    {"GET", "/api/v1/dossiers/{code}/assignees", api_dossiers_assignees, ROUTE_STAFF},
    {"GET", "/api/v1/dossiers/{code}/result", api_dossiers_result, ROUTE_AUTH},   /* signed results */
    /* end dossier */
    /* lookup: public lookup, rating, complaints */
    {"GET", "/api/v1/public/lookup", api_public_lookup, ROUTE_PUBLIC},
    {"POST", "/api/v1/lookup/verify", api_lookup_verify, ROUTE_PUBLIC},   /* signed results */
    {"GET", "/api/v1/public/units", api_public_units, ROUTE_PUBLIC},
    {"POST", "/api/v1/public/dossiers/{code}/rating", api_public_rating, ROUTE_PUBLIC},
    {"POST", "/api/v1/public/dossiers/{code}/complaints", api_public_complaint, ROUTE_PUBLIC},
    {"POST", "/api/v1/dossiers/{code}/rating", api_dossiers_rating, ROUTE_AUTH},
    {"GET", "/api/v1/complaints", api_complaints_list, ROUTE_STAFF},
    {"POST", "/api/v1/complaints/{id}/answer", api_complaints_answer, ROUTE_STAFF},
    {"PUT", "/api/v1/complaints/{id}/answer", api_complaints_answer, ROUTE_STAFF},
    /* end lookup */
    /* dossier forms */
    {"GET", "/api/v1/dossiers/{code}/forms/{form}", api_dossier_forms_get, ROUTE_AUTH},
    {"GET", "/api/v1/units/{id}/tracking-book.pdf", api_units_tracking_book_pdf, ROUTE_STAFF},
    {"GET", "/api/v1/units/{id}/tracking-book.csv", api_units_tracking_book_csv, ROUTE_STAFF},
    /* end dossier forms */
    /* exports */
    {"GET", "/api/v1/reports/book", api_reports_book, ROUTE_STAFF},
    /* document registers (api_documents.c): the POST routes before {id} */
    {"GET", "/api/v1/document-types", api_document_types, ROUTE_PUBLIC},
    {"POST", "/api/v1/documents/outgoing", api_documents_outgoing, ROUTE_STAFF},
    {"POST", "/api/v1/documents/incoming", api_documents_incoming, ROUTE_STAFF},
    {"GET", "/api/v1/documents", api_documents_list, ROUTE_STAFF},
    {"GET", "/api/v1/documents/register.csv", api_documents_register_csv, ROUTE_STAFF},
    {"GET", "/api/v1/documents/register", api_documents_register, ROUTE_STAFF},
    {"GET", "/api/v1/documents/{id}", api_documents_get, ROUTE_STAFF},
    {"POST", "/api/v1/documents/{id}/handling", api_documents_handling, ROUTE_STAFF},
    {"POST", "/api/v1/documents/{id}/attachments", api_documents_attach, ROUTE_STAFF | ROUTE_STREAM},   /* attachments */
    {"GET", "/api/v1/documents/{id}/attachments/{aid}", api_documents_attachment_get, ROUTE_STAFF},
    {"POST", "/api/v1/documents/{id}/send", api_documents_send, ROUTE_STAFF},   /* outbox */
    {"POST", "/api/v1/documents/{id}/dossier", api_documents_dossier, ROUTE_STAFF},
    {"POST", "/api/v1/documents/{id}/recall", api_documents_recall, ROUTE_STAFF},   /* outbox: recall */
    {"POST", "/api/v1/documents/{id}/recall/answer", api_documents_recall_answer, ROUTE_STAFF},
    {"GET", "/api/v1/documents/{id}/exchange", api_documents_exchange, ROUTE_STAFF},
    /* sync: a hub and its nodes (api_sync.c); the node routes are signed with the node's key, not cookie routes */
    {"POST", "/api/v1/sync/enrolments", api_sync_enrolments, ROUTE_STAFF},
    {"POST", "/api/v1/sync/enroll", api_sync_enroll, ROUTE_PUBLIC},
    {"GET", "/api/v1/sync/checkpoint", api_sync_checkpoint, ROUTE_PUBLIC},
    {"POST", "/api/v1/sync/batches", api_sync_batches, ROUTE_PUBLIC | ROUTE_BIG_BODY},
    {"POST", "/api/v1/sync/nodes/{id}/clear", api_sync_clear, ROUTE_STAFF},
    {"GET", "/api/v1/sync/status", api_sync_status, ROUTE_STAFF},
    /* tasks (api_tasks.c) */
    {"POST", "/api/v1/tasks", api_tasks_create, ROUTE_STAFF},
    {"GET", "/api/v1/tasks", api_tasks_list, ROUTE_STAFF},
    {"GET", "/api/v1/tasks/assignees", api_tasks_assignees, ROUTE_STAFF},
    {"GET", "/api/v1/tasks/{id}", api_tasks_get, ROUTE_STAFF},
    {"POST", "/api/v1/tasks/{id}/actions", api_tasks_action, ROUTE_STAFF},
    {"POST", "/api/v1/tasks/{id}/evidence", api_tasks_evidence, ROUTE_STAFF | ROUTE_STREAM},
    {"GET", "/api/v1/tasks/{id}/evidence/{n}", api_tasks_evidence_get, ROUTE_STAFF},
};
const size_t api_routes_count = sizeof api_routes / sizeof api_routes[0];

int api_reply_derr(req_t *r, int rc, const derr_t *e)
{
    if (e && e->status) {
        static const struct { int status; const char *slug; } slugs[] = {
            {400, "invalid-field"}, {403, "forbidden"}, {404, "not-found"}, {409, "conflict"},
            {412, "version-mismatch"}, {422, "rule-violated"},
            {401, "unauthenticated"}, {410, "gone"}, {413, "too-large"}, {423, "locked"}};
        const char *slug = "invalid";
        for (size_t i = 0; i < sizeof slugs / sizeof slugs[0]; i++)
            if (slugs[i].status == e->status) slug = slugs[i].slug;
        return reply_problem(r, e->status, slug, e->msg, e->field[0] ? e->field : NULL, e->arg[0], e->arg[1],
                             e->arg[2]);
    }
    return reply_errno(r, rc);                 /* the one mapping: -EAGAIN/-EROFS 503, -EEXIST 409, -ESTALE 412 */
}

void api_wipe_json_string(json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    const char *s = json_string_value(v);
    if (s) explicit_bzero((char *)s, json_string_length(v));
}

static int reply_pin_wait(req_t *r, const char *key_id, long long retry_ms)
{
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", retry_ms > 0 ? (retry_ms + 999) / 1000 : 1);
    reply_header(r, "Retry-After", secs);
    return reply_problem(r, 429, "slow-down", MSG_KEYS_PIN_SLOW_DOWN, "pin", key_id, secs, NULL);
}

int api_pin_throttled(req_t *r, const char *key_id)
{
    if (!key_id) return 0;
    long long wait = 0;
    int rc = auth_pin_throttle_peek(r->app->store, key_id, &wait);
    if (rc < 0) {
        reply_errno(r, rc);
        return -1;
    }
    if (wait > 0) {
        reply_pin_wait(r, key_id, wait);
        return -1;
    }
    return 0;
}

void api_pin_failed(req_t *r, const char *key_id)
{
    long long wait = 0;
    int rc = key_id ? auth_pin_throttle_fail(r->app->store, key_id, &wait) : 0;
    if (rc < 0) log_warn("keys: a wrong PIN could not be counted: %s", strerror(-rc));
}

int api_if_match(req_t *r, long long *version)
{
    const char *h = req_header(r, "If-Match");
    if (!h) return reply_problem(r, 428, "precondition-required", MSG_PRECONDITION_REQUIRED, "If-Match", NULL, NULL, NULL), -1;
    if (!strncmp(h, "W/", 2)) h += 2;
    char tmp[32];
    size_t n = strlen(h);
    if (n >= sizeof tmp) n = sizeof tmp - 1;
    memcpy(tmp, h, n);
    tmp[n] = '\0';
    char *s = tmp;
    if (*s == '"' && n >= 2 && s[n - 1] == '"') { s[n - 1] = '\0'; s++; }
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1)
        return reply_problem(r, 400, "invalid-header", MSG_PARAM_INVALID, "If-Match", "If-Match", NULL, NULL), -1;
    *version = v;
    return 0;
}

void api_etag(req_t *r, long long version)
{
    char tag[32];
    snprintf(tag, sizeof tag, "\"%lld\"", version);
    reply_header(r, "ETag", tag);
}

void api_list_begin(jw_t *w)
{
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
}

void api_list_end(jw_t *w, const char *next_cursor)
{
    jw_arr_end(w);
    jw_kstr(w, "next_cursor", next_cursor);
    jw_obj_end(w);
}

void api_page_begin(api_page_t *pg, long long limit)
{
    memset(pg, 0, sizeof *pg);
    buf_init(&pg->b, 0);
    jw_init(&pg->w, &pg->b);
    pg->limit = limit;
    api_list_begin(&pg->w);
}

bool api_page_take(api_page_t *pg, const char *key)
{
    if (pg->n == pg->limit) {
        pg->more = true;
        return false;
    }
    str_copy(pg->cursor, sizeof pg->cursor, key);
    pg->n++;
    return true;
}

int api_page_reply(req_t *r, api_page_t *pg, int rc)
{
    if (rc < 0) {
        buf_free(&pg->b);
        return reply_errno(r, rc);
    }
    api_list_end(&pg->w, pg->more ? pg->cursor : NULL);
    return api_reply_writer(r, 200, &pg->w, &pg->b);
}

int api_reply_writer(req_t *r, int status, jw_t *w, buf_t *b)
{
    int rc = jw_finish(w);
    if (rc < 0) {
        buf_free(b);
        char epath[LOG_ESC_CAP];
        log_error("api: cannot serialise the response for %s (%d)", log_esc(epath, sizeof epath, r->path), rc);
        return reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
    }
    return reply_json(r, status, b);
}

struct scope_ctx {
    const char *id;
    unit_t     *u;
};

static int scope_fn(db_t *db, void *arg)
{
    struct scope_ctx *c = arg;
    return unit_get(db, c->id, c->u);
}

int api_scope_path(req_t *r, const char *under_id, unsigned role_mask, char *path, size_t cap)
{
    const principal_t *who = &r->who;
    if (!under_id || !*under_id) {
        for (int i = 0; i < who->ngrants; i++)
            if (!role_mask || (role_mask & (1u << who->grants[i].role))) {
                str_copy(path, cap, who->grants[i].unit_path);
                return 0;
            }
        return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL), -1;
    }
    if (!id_valid(under_id))
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "under", "under", NULL, NULL), -1;
    unit_t *u = xmalloc(sizeof *u);
    struct scope_ctx c = {under_id, u};
    int rc = store_read(r->app->store, scope_fn, &c);
    bool ok = false;
    if (rc == 0)
        for (int i = 0; i < who->ngrants; i++)
            if ((!role_mask || (role_mask & (1u << who->grants[i].role))) &&
                !strncmp(who->grants[i].unit_path, u->path, strlen(who->grants[i].unit_path)))
                ok = true;
    if (ok) str_copy(path, cap, u->path);
    free(u);
    if (rc < 0 && rc != -ENOENT) return reply_errno(r, rc), -1;
    if (!ok) return reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "under", under_id, NULL, NULL), -1;
    return 0;
}

int api_reply_weak_password(req_t *r, const char *field)
{
    char lo[8], hi[8];
    snprintf(lo, sizeof lo, "%d", AUTH_PASSWORD_MIN);
    snprintf(hi, sizeof hi, "%d", AUTH_PASSWORD_MAX);
    return reply_problem(r, 400, "weak-password", MSG_WEAK_PASSWORD, field, lo, hi, NULL);
}

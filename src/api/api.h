/* api.h — helpers shared by the resource files of api/ (one file per resource).
 *
 * Handlers follow one shape: check the JSON shape (req_json + req_fields), call one domain function inside
 * store_read/store_write, and answer with a JSON body or a problem. They never write SQL. */
#ifndef MOTCUA_API_H
#define MOTCUA_API_H
#include "core/json.h"
#include "domain/domain.h"
#include "http/http.h"

/* Answer a domain refusal: e->status when set, else the errno mapping. */
int api_reply_derr(req_t *r, int rc, const derr_t *e);
/* Overwrite the value of the string member key of a parsed body (a PIN) once it is no longer needed. */
void api_wipe_json_string(json_t *body, const char *key);
/* The PIN throttle of a signing key (domain/auth.h auth_pin_throttle_*): api_pin_throttled() replies 429 with
 * Retry-After and returns -1 while key_id must wait (whatever the PIN was: a throttled guess learns nothing), else
 * 0; api_pin_failed() counts one wrong PIN for key_id. */
int  api_pin_throttled(req_t *r, const char *key_id);
void api_pin_failed(req_t *r, const char *key_id);
/* 400 weak-password (MSG_WEAK_PASSWORD with the length bounds) naming field. */
int api_reply_weak_password(req_t *r, const char *field);
/* The version in If-Match ("3", W/"3" or "\"3\""). Returns 0, or -1 after replying 428/400. */
int api_if_match(req_t *r, long long *version);
/* ETag for a record version. */
void api_etag(req_t *r, long long version);
/* Whether code has the shape of a dossier code ([0-9A-Z.-], 8..47 characters): else the route answers 404. */
bool api_dossier_code_ok(const char *code);
/* Start {"items":[ ... and finish ... ],"next_cursor":...} for lists. */
void api_list_begin(jw_t *w);
void api_list_end(jw_t *w, const char *next_cursor);
/* One page of a list answer. The query fetches limit + 1 rows: the extra row is not written, it only says that
 * there is more, and next_cursor is then the key of the last row written. */
typedef struct api_page {
    buf_t     b;
    jw_t      w;
    long long limit;
    long long n;
    bool      more;
    char      cursor[AUTH_PATH_MAX];
} api_page_t;
void api_page_begin(api_page_t *pg, long long limit);        /* writes {"items":[ */
/* Whether a fetched row belongs on the page (then write it into pg->w); false on the extra row. */
bool api_page_take(api_page_t *pg, const char *key);
/* Finish and reply 200, or reply the error when rc < 0. */
int  api_page_reply(req_t *r, api_page_t *pg, int rc);
/* Reply with the writer's buffer: 500 if the writer failed. */
int api_reply_writer(req_t *r, int status, jw_t *w, buf_t *b);
/* The path of the unit named by query parameter `under`, or the caller's first grant; checks the caller holds one
 * of the roles in role_mask (bit per role_t; 0 = any) covering it. Returns 0, or -1 after replying. */
int api_scope_path(req_t *r, const char *under_id, unsigned role_mask, char *path, size_t cap);

/* Handlers, one group per file. */
int api_healthz(req_t *r);
int api_readyz(req_t *r);
int api_metrics(req_t *r);
/* portal: the National Public Service Portal connector (api_portal.c) */
int api_portal_status(req_t *r);
int api_portal_dead_letters(req_t *r);
int api_portal_replay(req_t *r);
int api_portal_repush(req_t *r);
int api_portal_reconcile(req_t *r);
int api_portal_recon_latest(req_t *r);
int api_portal_dossier(req_t *r);
int api_openapi(req_t *r);
int api_session_create(req_t *r);
int api_session_delete(req_t *r);
int api_me(req_t *r);
int api_me_password(req_t *r);
int api_units_list(req_t *r);
int api_public_units(req_t *r);
int api_units_get(req_t *r);
int api_units_create(req_t *r);
int api_units_update(req_t *r);
int api_staff_list(req_t *r);
int api_staff_get(req_t *r);
int api_staff_create(req_t *r);
int api_staff_update(req_t *r);
int api_staff_password(req_t *r);
int api_citizens_register(req_t *r);
int api_tokens_create(req_t *r);
int api_tokens_list(req_t *r);
int api_tokens_delete(req_t *r);
int api_keys_list(req_t *r);     /* keystore */
int api_keys_import(req_t *r);
int api_keys_remove(req_t *r);
int api_exchange_inbox(req_t *r);   /* exchange */
int api_exchange_received(req_t *r);
int api_exchange_rejected(req_t *r);
int api_exchange_status(req_t *r);   /* outbox (api_exchange_out.c) */
int api_exchange_sent(req_t *r);
int api_documents_send(req_t *r);
int api_documents_recall(req_t *r);
int api_documents_recall_answer(req_t *r);
int api_documents_exchange(req_t *r);
int api_documents_dossier(req_t *r);   /* api_dossiers.c: a document starts a dossier */
int api_exchange_peers(req_t *r);
int api_ministry_send(req_t *r);   /* ministry (api_ministry.c) */
int api_ministry_handoffs(req_t *r);
int api_ministry_handoff(req_t *r);
int api_ministry_systems(req_t *r);
/* Sign an edXML message (xml) with the signer a read transaction unlocked (key_rc its keystore_unlock result):
 * 0 signed, *signer closed and signer_cn filled; -1 after replying (422 key / PIN, 413 / 500 signing). */
struct signer;
int api_exchange_sign(req_t *r, struct signer **signer, int key_rc, const char *key_id, buf_t *xml, char *signer_cn,
                      size_t cap);
int api_calendar_lunar(req_t *r);
int api_calendar_solar(req_t *r);
int api_calendar_holidays(req_t *r);
int api_calendar_due(req_t *r);
int api_calendar_workdays(req_t *r);
int api_calendar_entries_list(req_t *r);
int api_calendar_entries_put(req_t *r);
int api_calendar_entries_delete(req_t *r);
int api_working_time_get(req_t *r);
int api_working_time_put(req_t *r);
/* report: the dashboards (api_reports.c) */
int api_reports_indicators(req_t *r);
int api_reports_overview(req_t *r);
int api_reports_workload(req_t *r);
int api_reports_trend(req_t *r);
int api_reports_dossiers(req_t *r);
/* catalog: procedures (api_procedures.c) */
int api_procedures_list(req_t *r);
int api_procedures_get(req_t *r);
int api_procedures_create(req_t *r);
int api_procedures_update(req_t *r);
int api_procedures_delete(req_t *r);
int api_procedures_adaptation_get(req_t *r);
int api_procedures_adaptation_put(req_t *r);
int api_procedures_adaptation_delete(req_t *r);
int api_procedures_import(req_t *r);
int api_procedures_export(req_t *r);
/* papers */
int api_papers_upload(req_t *r);
int api_papers_get(req_t *r);
int api_papers_update(req_t *r);
int api_me_papers(req_t *r);
/* Answer with the bytes of paper p (streamed from the blob store; Content-Disposition, ETag, no-store). */
struct paper;
int api_paper_send(req_t *r, const struct paper *p);
/* dossier */
int api_dossiers_list(req_t *r);
int api_dossiers_create(req_t *r);
int api_dossiers_get(req_t *r);
int api_dossiers_action(req_t *r);
int api_dossiers_assignees(req_t *r);
int api_dossiers_result(req_t *r);        /* signed results (api_dossiers.c) */
/* end dossier */
/* lookup: public lookup, rating, complaints (api_lookup.c) */
int api_public_lookup(req_t *r);
int api_public_rating(req_t *r);
int api_public_complaint(req_t *r);
int api_dossiers_rating(req_t *r);
int api_complaints_list(req_t *r);
int api_complaints_answer(req_t *r);
int api_lookup_verify(req_t *r);          /* signed results: the public verification of a copy */
/* end lookup */
/* dossier forms (api_dossier_forms.c) */
int api_dossier_forms_get(req_t *r);
int api_units_tracking_book_pdf(req_t *r);
int api_units_tracking_book_csv(req_t *r);
/* exports: the tracking book report (api_book.c) */
int api_reports_book(req_t *r);
/* document registers (api_documents.c) */
int api_document_types(req_t *r);
int api_documents_outgoing(req_t *r);
int api_documents_incoming(req_t *r);
int api_documents_list(req_t *r);
int api_documents_get(req_t *r);
/* tasks (api_tasks.c) */
int api_tasks_create(req_t *r);
int api_tasks_list(req_t *r);
int api_tasks_get(req_t *r);
int api_tasks_assignees(req_t *r);
int api_tasks_action(req_t *r);
int api_tasks_evidence(req_t *r);
int api_tasks_evidence_get(req_t *r);
int api_documents_handling(req_t *r);
int api_documents_register_csv(req_t *r);
int api_documents_register(req_t *r);
int api_documents_attach(req_t *r);            /* attachments (api_document_attach.c) */
int api_documents_attachment_get(req_t *r);
/* sync: a hub and its nodes (api_sync.c) */
int api_sync_enrolments(req_t *r);
int api_sync_enroll(req_t *r);
int api_sync_checkpoint(req_t *r);
int api_sync_batches(req_t *r);
int api_sync_clear(req_t *r);
int api_sync_status(req_t *r);
#endif

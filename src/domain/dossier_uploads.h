/* dossier_uploads.h — uploaded papers (domain/paper.h) given for a dossier's checklist items.
 *
 * An intake may name, beside a checklist item, the id of a paper the caller uploaded ("upload": PAPER_ID): the
 * caller must be able to see that paper (papers_visible), else 422 naming the item. The intake event's payload
 * carries papers[].upload; the dossier's apply writes dossier_uploads rows from it (dossier_uploads_apply), a
 * projection table of this module's event_module_t (emptied and refilled by a rebuild). After intake, the
 * dossier.resubmitted (optional papers) and dossier.paper_attached events carry papers[] the same way; a later
 * upload for an item replaces the earlier one (the row is keyed by dossier and item).
 *
 * Visibility: dossier_uploads_register() adds a papers_visibility_add() hook: a paper attached to a dossier is
 * visible to whoever may see the dossier (dossier_visible_to). */
#ifndef MOTCUA_DOSSIER_UPLOADS_H
#define MOTCUA_DOSSIER_UPLOADS_H
#include <jansson.h>

#include "db/db.h"
#include "domain/dossier.h"
#include "domain/event.h"

/* Before recording an intake: every uploads[i] (the upload of papers[i]) exists and who may see it; else -ENOENT,
 * err 404 MSG_DF_UPLOAD_UNKNOWN (an id of another account's paper answers as an unknown one). */
int dossier_uploads_check(db_t *db, const principal_t *who, const dossier_intake_t *in, derr_t *err);
/* One upload named for checklist item `item` (resubmit, attach_paper): as above for a single paper. */
int dossier_upload_check_one(db_t *db, const principal_t *who, const char *upload, const char *item, derr_t *err);
/* attach_result's result_paper: a paper who may see (else -ENOENT, err 404 MSG_DF_UPLOAD_UNKNOWN) uploaded at a
 * unit, i.e. by staff (a citizen's own upload is not an agency's result: -EINVAL, err 422). */
int dossier_result_paper_check(db_t *db, const principal_t *who, const char *paper_id, derr_t *err);
/* From an apply function: the rows of the payload's papers array (items without "upload" are skipped). */
int dossier_uploads_apply(db_t *db, const char *dossier_id, const json_t *papers);
/* At start-up, before serving: register the visibility hook (0 or -ENOSPC). */
int dossier_uploads_register(void);

extern const event_module_t dossier_uploads_events;
#endif

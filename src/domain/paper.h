/* paper.h — uploaded papers (giấy tờ): metadata, visibility, the citizen's data store.
 *
 * The bytes live in the blob store (domain/blob.h), addressed by their SHA-256; the rows here are projections of
 * two events, built only by this module's apply functions from the event payload:
 *   paper.uploaded {id, owner, sha256, size, media_type, name, digitized, unit_id, at}
 *       → a files row (once per content: the first upload's instant) and a papers row;
 *   paper.updated  {id, name?, digitized?, version, at} → the papers row renamed / re-marked, version bumped.
 * The bytes are not in the ledger: a backup is the database AND the blob directory (docs/papers.md).
 *
 * Visibility (papers_visible): the owner; staff holding any role at the unit the paper was uploaded in or above
 * it. Other modules widen it through papers_visibility_add() — the dossier module registers a hook saying "a
 * paper attached to a dossier is visible to whoever may see the dossier". Everyone else gets 404, never 403. */
#ifndef MOTCUA_PAPER_H
#define MOTCUA_PAPER_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/event.h"

#define PAPER_NAME_MAX 200          /* characters */

typedef struct paper {
    char      id[ID_LEN + 1];
    char      owner_account_id[ID_LEN + 1];
    char      sha256[SHA256_HEX_LEN + 1];
    char      name[PAPER_NAME_MAX * 4 + 1];
    char      media_type[32];
    long long size;
    bool      digitized;            /* state 'digitized' (scanned/checked by an officer) or 'waiting' */
    char      unit_id[ID_LEN + 1];  /* "" when uploaded by a citizen outside any unit */
    char      unit_path[AUTH_PATH_MAX];
    long long uploaded_at, updated_at, version;
} paper_t;

/* What an upload records. id and at are chosen before the write transaction (it may be re-run). */
typedef struct paper_upload {
    char        id[ID_LEN + 1];
    long long   at;
    const char *sha256, *name, *media_type;
    const char *unit_id;            /* NULL or "": none */
    long long   size;
    bool        digitized;
} paper_upload_t;

typedef struct paper_change {
    const char *name;               /* NULL: unchanged */
    bool        set_digitized;
    bool        digitized;
    long long   at;                 /* chosen before the transaction */
} paper_change_t;

/* A paper's display name: 1..PAPER_NAME_MAX characters of valid UTF-8 without control characters or path
 * separators. 0 or -EINVAL (e filled, naming `field`). */
int paper_name_check(const char *name, const char *field, derr_t *e);

/* Record an upload whose bytes are committed in the blob store: one paper.uploaded event. */
int paper_record_upload(db_t *db, const principal_t *who, const paper_upload_t *in, paper_t *out, derr_t *err);
/* Rename / mark digitized or waiting (staff in scope): one paper.updated event. -ENOENT (not visible: 404),
 * -ESTALE (version, e 412), -EINVAL (e 400). */
int paper_update(db_t *db, const principal_t *who, const char *id, long long expected_version,
                 const paper_change_t *ch, paper_t *out, derr_t *err);
int paper_get(db_t *db, const char *id, paper_t *out);                     /* -ENOENT */

/* 1 when who may see the paper, 0 when not (or no such paper), < 0 on store errors. */
int papers_visible(db_t *db, const principal_t *who, const char *paper_id);
/* Extension point: a hook answering 1 (visible), 0 (not by this rule) or < 0 (error) for a paper the base rule
 * refused. Register at start-up, before serving (the list is read without locks afterwards). 0 or -ENOSPC. */
typedef int (*papers_visible_fn)(db_t *db, const principal_t *who, const paper_t *paper);
int papers_visibility_add(papers_visible_fn fn);
void papers_visibility_reset(void);        /* tests */

/* The citizen's data store (GET /api/v1/me/papers): the papers account_id uploaded AND the result documents of
 * the dossiers it applied for (dossiers.result_paper, set by attach_result), newest first, names matching q
 * (folded; NULL = all), ids below before_id (NULL = from the newest), at most limit. cb gets, for a result, the
 * code of the (first) dossier it is the result of, else "". cb returns < 0 to stop. The rows seen or < 0. */
typedef int (*paper_store_cb)(const paper_t *p, const char *result_of, void *arg);
int paper_list_store(db_t *db, const char *account_id, const char *q, const char *before_id, long long limit,
                     paper_store_cb cb, void *arg);

/* {"id","sha256","size","media_type","name","digitized","reusable","unit_id","uploaded_at","version"} */
void paper_json(jw_t *w, const paper_t *p);
/* paper_json with the data store's marks: "source" "upload" | "result", "dossier" (a result's dossier code or
 * null); reusable is true for a digitized paper and for every result (issued by the agency). */
void paper_store_json(jw_t *w, const paper_t *p, const char *result_of);

extern const event_module_t paper_event_module;
/* Replication: whether a node (node_id, owning subtree_path) may refer to paper id at the hub: 1 when no such
 * paper is here, when its unit lies in the subtree, or when it has no unit and node_id's own chain uploaded it;
 * 0 otherwise (a paper of another unit or another node); < 0 on errors. */
int paper_replica_owned(db_t *db, const char *id, const char *node_id, const char *subtree_path);
#endif

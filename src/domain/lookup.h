/* lookup.h — the public side of a dossier: lookup by code + proof, the applicant's rating, complaints.
 *
 * Proof: the dossier code plus either the applicant's phone (normalised as intake does, so "+84 912..." matches
 * "0912...") or the last 4 digits of the applicant's identifier. A wrong code and a wrong proof take the same path
 * (one query by code, a constant-time comparison against the row or a dummy, one throttle write) and give the same
 * -ENOENT, so an answer tells nothing about which part was wrong. Failed proofs are counted per client address
 * (auth_lookup_throttle_*); past auth_policy.lookup_after of them the caller gets a wait (429).
 *
 * Ratings and complaints are events (dossier.rated, complaint.filed, complaint.answered) whose apply functions
 * build dossier_ratings and complaints from the payload alone. Staff see a complaint when a grant covers its
 * dossier's owning unit; a leader or desk officer there answers it. */
#ifndef MOTCUA_LOOKUP_H
#define MOTCUA_LOOKUP_H
#include <stdbool.h>

#include "core/json.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

#define LOOKUP_TEXT_MAX 2000          /* characters of a complaint or an answer */
#define LOOKUP_COMMENT_MAX 1000       /* characters of a rating's comment */

typedef struct lookup_proof {
    const char *code;
    const char *phone;                /* one of phone / id4 */
    const char *id4;
} lookup_proof_t;

/* Check a proof: 0 (match: dossier_id gets the id), -ENOENT (no match, counted against client_addr), -EINVAL
 * (malformed proof, err set, nothing counted), or another negative errno. *retry_after_ms > 0: throttled (rc 0,
 * nothing looked up). */
int lookup_prove(store_t *st, const lookup_proof_t *p, const char *client_addr, char dossier_id[ID_LEN + 1],
                 long long *retry_after_ms, derr_t *err);

/* lookup_prove and, on a match, the public JSON of the dossier (the whole body) in b, all in one read snapshot
 * (GET /api/v1/public/lookup), or from the memo of answers while nothing was written (lookup_memo.h). The same
 * return values as lookup_prove; on 0 with *retry_after_ms == 0 the body is in b. */
int lookup_public(store_t *st, const lookup_proof_t *p, const char *client_addr, lang_t lang, buf_t *b,
                  long long *retry_after_ms, derr_t *err);

/* The public JSON of one dossier (what GET /api/v1/public/lookup shows; docs/lookup.md says what is public). */
int lookup_json(db_t *db, jw_t *w, const char *dossier_id, lang_t lang);

/* ---- ratings ---- */
typedef struct lookup_rating {
    bool        satisfied;
    const char *comment;              /* NULL: none */
    const char *by_account;           /* the signed-in owner, or NULL (proof) */
    long long   now_ms;
} lookup_rating_t;
/* In a write transaction: rate the dossier (status 10 only, once). 409 not delivered / already rated. */
int lookup_rate(db_t *db, const char *dossier_id, const lookup_rating_t *in, derr_t *err);
/* The dossier id of code when who is the citizen who owns it, else -ENOENT. */
int lookup_owned(db_t *db, const principal_t *who, const char *code, char dossier_id[ID_LEN + 1]);

/* ---- complaints ---- */
typedef struct complaint {
    char      id[ID_LEN + 1];
    char      dossier_id[ID_LEN + 1];
    char      dossier_code[48];
    char      status[12];
    char     *text, *answer;          /* malloc'd (complaint_clear) */
    char      answered_by[ID_LEN + 1];
    long long filed_at, answered_at, version;
} complaint_t;
void complaint_clear(complaint_t *c);
void complaint_json(jw_t *w, const complaint_t *c, bool staff);

/* In a write transaction: file a complaint about dossier_id (id minted by the caller). 400 blank text. */
int lookup_complaint_file(db_t *db, const char *dossier_id, const char *id, const char *text, const char *by_account,
                          long long now_ms, complaint_t *out, derr_t *err);
/* In a write transaction: answer complaint id. 404 not visible to who, 403 not leader/desk of the owning unit, 409
 * already answered, 400 blank answer. */
int lookup_complaint_answer(db_t *db, const principal_t *who, const char *id, const char *answer, long long now_ms,
                            complaint_t *out, derr_t *err);

typedef int (*complaint_cb)(const complaint_t *c, void *arg);   /* < 0 stops */
/* Complaints visible to who (status "open"/"answered"/NULL = any), newest first, after cursor id; limit rows. */
int lookup_complaint_list(db_t *db, const principal_t *who, const char *status, const char *after_id, long long limit,
                          complaint_cb cb, void *arg);

extern const struct event_module lookup_events;
#endif

/* dossier_result.h — the signed result of a dossier: the leader's signed copy of the result PDF, the download, and
 * the public verification of a copy (issue 12 item 5; docs/one-stop.md "Signed results").
 *
 * The result document is the dossier's result_paper (attach_result {"result_paper": id}, dossier.c). The rows of
 * dossier_results are a projection of one dossier event, written by dossier_result_apply() from the dossier
 * module's apply function (dossier.c), never elsewhere:
 *   dossier.approved {..., "after": {..., "result_paper": <the signed paper>},
 *                     "result_doc": {"signed": {paper, sha256, size, at, from_sha256, signers[]}}}
 * The signed bytes are a new content-addressed paper (paper.uploaded, recorded in the same transaction) that becomes
 * the dossier's result_paper, so the applicant's data store holds the signed copy; the attached PDF stays as it
 * was, a byte-for-byte prefix of the signed file (PAdES incremental update).
 *
 * Visibility of the papers: dossier_uploads.h's hook (a dossier's result_paper is visible to whoever may see it).
 *
 * Signing (dossier_result_sign) runs BEFORE the write transaction, in a read snapshot: it checks the action as
 * dossier_act would (dossier_act_check), unlocks the leader's key and, when the procedure requires it (its
 * "seal" flag), the unit's seal through sign/keystore.h, signs with sign/pades.h and commits the signed bytes to
 * the blob store. The write transaction (dossier_act with in->signed_result) then only records: it refuses with
 * 409 when the draft changed in between. No key bytes or PIN ever reach this module (signer_t is opaque). */
#ifndef MOTCUA_DOSSIER_RESULT_H
#define MOTCUA_DOSSIER_RESULT_H
#include <jansson.h>
#include <stdbool.h>

#include "core/json.h"
#include "core/sha256.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/dossier.h"
#include "domain/event.h"

struct blob_store;

#define DOSSIER_RESULT_PDF_MAX   ((size_t)32 << 20)    /* the largest result PDF signed or verified */
#define DOSSIER_RESULT_SIGNERS   2                     /* the leader, then the unit's seal */

/* One signature of a signed result, as recorded in the approve event. */
typedef struct dossier_result_signer {
    char role[8];                       /* "leader" or "seal" */
    char key_id[ID_LEN + 1];
    char subject_cn[256], subject_o[256], issuer_cn[256];
    char serial_hex[80];
    char cert_sha256[SHA256_HEX_LEN + 1];
} dossier_result_signer_t;

/* The signed result made by dossier_result_sign(), handed to dossier_act (dossier_action_in_t.signed_result). */
typedef struct dossier_signed {
    char      paper_id[ID_LEN + 1];     /* the new paper's id, chosen before the write */
    char      sha256[SHA256_HEX_LEN + 1];
    char      from_sha256[SHA256_HEX_LEN + 1];   /* the draft it was made from */
    char      name[96];                 /* the paper's name: "<code>-ket-qua.pdf" */
    long long size;
    long long at;                       /* milliseconds: the signing instant (/M of each signature) */
    int       nsigners;
    dossier_result_signer_t signers[DOSSIER_RESULT_SIGNERS];
} dossier_signed_t;

/* What the leader gives with approve {"sign": true, ...}: the keys (sign/keystore.h ids) and their PINs. */
typedef struct dossier_sign_in {
    const char *key_id, *pin;           /* the leader's personal key */
    const char *seal_key_id, *seal_pin; /* the unit's seal: required when the procedure requires a seal */
    const char *trust_pem;              /* the node's trust anchors and CRLs (--sign-trust), or NULL */
} dossier_sign_in_t;

/* The dossier's signed result row (there is none before a signed approval). */
typedef struct dossier_result_doc {
    char      signed_paper[ID_LEN + 1], signed_sha256[SHA256_HEX_LEN + 1];
    char      from_sha256[SHA256_HEX_LEN + 1];
    long long signed_at;                /* milliseconds */
} dossier_result_doc_t;

int dossier_result_get(db_t *db, const char *dossier_id, dossier_result_doc_t *out);   /* 0 or -ENOENT */

/* The SHA-256 of the dossier's result document when it is a PDF: 0, or -ENOENT (none, or not a PDF). */
int dossier_result_pdf(db_t *db, const dossier_t *d, char sha256[SHA256_HEX_LEN + 1]);

/* In a read snapshot: check approve by who on code (as dossier_act), sign the result PDF and commit the signed
 * bytes to bs; *out describes them. Refusals (err filled): those of dossier_act_check (404, 403, 409, 412), 422 no
 * result PDF, 400/422 seal key missing where the procedure requires one, 422 key not who's / not of the right
 * kind / wrong PIN / certificate expired, not yet valid, revoked or untrusted (against in->trust_pem), 422 a PDF
 * that cannot be signed; -EIO for a stored key or file that cannot be read. */
int dossier_result_sign(db_t *db, struct blob_store *bs, const principal_t *who, const char *code,
                        const dossier_action_in_t *act, const dossier_sign_in_t *in, long long now_ms,
                        dossier_signed_t *out, derr_t *err);

/* The payload member "result_doc" of the approve event: {"signed": ...}. */
void dossier_result_signed_json(jw_t *w, const dossier_signed_t *s);

/* From the dossier's apply function: the row of payload["result_doc"] (nothing when absent). */
int dossier_result_apply(db_t *db, const char *dossier_id, const json_t *payload);

/* The paper to hand out for GET /api/v1/dossiers/{code}/result: the signed one, else (the dossier resolved or
 * returned) the attached one. -ENOENT when who may not see the dossier or there is none. */
int dossier_result_download(db_t *db, const principal_t *who, const char *code, char paper_id[ID_LEN + 1]);

/* The code of the dossier whose signed result has this SHA-256, or -ENOENT. */
int dossier_result_by_sha256(db_t *db, const char *sha256, char code[DOSSIER_CODE_MAX]);

/* The public verification of an uploaded copy, as JSON (POST /api/v1/lookup/verify): the signatures (signer,
 * subject, time, status and why, in both languages), the checks, and whether this node issued it (*issued: its
 * SHA-256 is a signed result's; *valid: every signature valid and trusted). -EINVAL with
 * err 422 when the bytes are not a PDF this reader can follow. */
int dossier_result_verify(db_t *db, const void *pdf, size_t len, const char *trust_pem, jw_t *w, bool *valid,
                          bool *issued, derr_t *err);

extern const event_module_t dossier_result_events;
#endif

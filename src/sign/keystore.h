/* keystore.h — the key store: officers' signing keys and units' seals, as PKCS#12 bundles encrypted at rest.
 *
 * Official-use certificates (Decree 68/2024/NĐ-CP) reach motcua as PKCS#12 bundles protected by the holder's PIN;
 * `motcua ca issue` makes the same for the demo and tests. A bundle is stored exactly as imported (still encrypted
 * under its PIN, which motcua never stores) in signing_key_bundles, addressed by its SHA-256; the rows that say who
 * holds which certificate are projections of two events, built only by this module's apply functions:
 *   signing_key.imported {id, kind, account_id?, unit_id, label, subject_cn, subject_o, issuer_cn, serial,
 *                         cert_sha256, key_type, not_before, not_after, bundle_sha256, at}
 *   signing_key.removed  {id, at}
 * The bundle bytes are not in the ledger (they would travel to the province with it): like uploaded papers'
 * bytes they are content-addressed beside the projections, and a rebuild keeps them.
 *
 * Kinds: "person" — an officer's own key, imported and removed by the officer (or removed by an admin over the
 * unit); "seal" — a unit's seal, imported and removed by an admin over the unit, used by its leaders and clerks
 * (văn thư keeps the seal, Decree 30/2020/NĐ-CP Article 32... see docs/signatures.md).
 *
 * This file is in src/sign/: the only component that opens bundles. Everything else gets an opaque signer_t from
 * keystore_unlock() and never sees key bytes or the PIN after the call. */
#ifndef MOTCUA_KEYSTORE_H
#define MOTCUA_KEYSTORE_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/event.h"
#include "sign/signer.h"

#define KEYSTORE_LABEL_MAX   100            /* characters */
#define KEYSTORE_BUNDLE_MAX  (64 * 1024)    /* bytes of PKCS#12 */
#define KEYSTORE_PIN_MAX     128

typedef struct signing_key {
    char      id[ID_LEN + 1];
    char      kind[8];                      /* "person" or "seal" */
    char      account_id[ID_LEN + 1];       /* person: the holder; "" for a seal */
    char      unit_id[ID_LEN + 1];          /* person: the holder's home unit at import; seal: the unit */
    char      unit_path[AUTH_PATH_MAX];
    char      label[KEYSTORE_LABEL_MAX * 4 + 1];
    char      subject_cn[256], subject_o[256], issuer_cn[256];
    char      serial_hex[80];
    char      cert_sha256[65];
    char      key_type[4];                  /* "rsa" or "ec" */
    long long not_before, not_after;        /* seconds since the epoch */
    char      bundle_sha256[65];
    bool      active;
    long long created_at, removed_at;       /* milliseconds; removed_at 0 while active */
} signing_key_t;

typedef struct keystore_import {
    char        id[ID_LEN + 1];             /* chosen before the transaction (it may be re-run) */
    long long   at;                         /* milliseconds, chosen before the transaction */
    const char *kind;                       /* "person" or "seal" */
    const char *unit_id;                    /* seal: the unit; ignored for a person */
    const char *label;
    const char *pkcs12_b64;                 /* the bundle, base64 (RFC 4648, whitespace allowed) */
    const char *pin;
} keystore_import_t;

extern const event_module_t keystore_event_module;

/* Open the bundle with its PIN, check its certificate is valid at `at` and holds a signing key usage, then record
 * signing_key.imported (and the bundle, once per content). Errors (err filled): -EINVAL 400 bad field (base64,
 * size, label, kind), 422 not a PKCS#12 / wrong PIN / no key matching the certificate / expired or not yet valid,
 * -EPERM 403 a seal of a unit the caller does not administer, -ENOENT 404 unknown unit, -EEXIST 409 the same
 * certificate already active for this holder. */
int keystore_import(db_t *db, const principal_t *who, const keystore_import_t *in, signing_key_t *out, derr_t *err);

/* Mark a key removed (signing_key.removed). The holder may remove a personal key, an admin over its unit any key
 * of the unit. Others and unknown ids: -ENOENT. */
int keystore_remove(db_t *db, const principal_t *who, const char *id, long long at, derr_t *err);

int keystore_get(db_t *db, const char *id, signing_key_t *out);   /* -ENOENT */

/* The keys who may see: their own personal keys and the seals of units where they are leader, clerk or admin
 * (active only unless with_removed), newest first, at most limit, before the id `before` when given. */
typedef int (*keystore_cb)(const signing_key_t *k, void *arg);
int keystore_list(db_t *db, const principal_t *who, bool with_removed, const char *before, long long limit,
                  keystore_cb cb, void *arg);

/* A signer for key id, unlocked with pin, for who at instant at_s (seconds): personal keys by their holder, seals by
 * the unit's leaders and clerks. -ENOENT not found or not who's to use, -EACCES wrong PIN, -EKEYEXPIRED the
 * certificate is outside its validity at at_s, -EIO the stored bundle is unreadable. */
int keystore_unlock(db_t *db, const principal_t *who, const char *id, const char *pin, long long at_s,
                    signer_t **out);

/* The key as a JSON object (API responses): no bundle, no PIN. */
void keystore_key_json(jw_t *w, const signing_key_t *k);
#endif

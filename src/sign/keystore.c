/* keystore.c — officers' keys and units' seals (see keystore.h). */
#include "sign/keystore.h"
#include "sign/signer_internal.h"

#include "core/b64.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define KEY_COLS                                                                                                    \
    "k.id, k.kind, COALESCE(k.account_id, ''), k.unit_id, COALESCE(u.path, ''), k.label, k.subject_cn, k.subject_o, " \
    "k.issuer_cn, k.serial_hex, k.cert_sha256, k.key_type, k.not_before, k.not_after, k.bundle_sha256, k.state, "  \
    "k.created_at, COALESCE(k.removed_at, 0)"
#define KEY_FROM " FROM signing_keys k LEFT JOIN units u ON u.id = k.unit_id "

static void row_to_key(db_stmt_t *s, signing_key_t *k)
{
    memset(k, 0, sizeof *k);
    str_copy(k->id, sizeof k->id, db_col_text(s, 0));
    str_copy(k->kind, sizeof k->kind, db_col_text(s, 1));
    str_copy(k->account_id, sizeof k->account_id, db_col_text(s, 2));
    str_copy(k->unit_id, sizeof k->unit_id, db_col_text(s, 3));
    str_copy(k->unit_path, sizeof k->unit_path, db_col_text(s, 4));
    str_copy(k->label, sizeof k->label, db_col_text(s, 5));
    str_copy(k->subject_cn, sizeof k->subject_cn, db_col_text(s, 6));
    str_copy(k->subject_o, sizeof k->subject_o, db_col_text(s, 7));
    str_copy(k->issuer_cn, sizeof k->issuer_cn, db_col_text(s, 8));
    str_copy(k->serial_hex, sizeof k->serial_hex, db_col_text(s, 9));
    str_copy(k->cert_sha256, sizeof k->cert_sha256, db_col_text(s, 10));
    str_copy(k->key_type, sizeof k->key_type, db_col_text(s, 11));
    k->not_before = db_col_int(s, 12);
    k->not_after = db_col_int(s, 13);
    str_copy(k->bundle_sha256, sizeof k->bundle_sha256, db_col_text(s, 14));
    k->active = !strcmp(db_col_text(s, 15), "active");
    k->created_at = db_col_int(s, 16);
    k->removed_at = db_col_int(s, 17);
}

int keystore_get(db_t *db, const char *id, signing_key_t *out)
{
    if (!id_valid(id)) return -ENOENT;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " KEY_COLS KEY_FROM "WHERE k.id = $1", "t", id);
    if (rc == DB_ROW) row_to_key(s, out);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -ENOENT;
}

void keystore_key_json(jw_t *w, const signing_key_t *k)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", k->id);
    jw_kstr(w, "kind", k->kind);
    jw_key(w, "account_id");
    jw_str(w, k->account_id[0] ? k->account_id : NULL);
    jw_kstr(w, "unit_id", k->unit_id);
    jw_kstr(w, "label", k->label);
    jw_key(w, "certificate");
    jw_obj_begin(w);
    jw_kstr(w, "subject_cn", k->subject_cn);
    jw_kstr(w, "subject_o", k->subject_o);
    jw_kstr(w, "issuer_cn", k->issuer_cn);
    jw_kstr(w, "serial", k->serial_hex);
    jw_kstr(w, "sha256", k->cert_sha256);
    jw_kstr(w, "key_type", k->key_type);
    jw_kint(w, "not_before", k->not_before);
    jw_kint(w, "not_after", k->not_after);
    jw_obj_end(w);
    jw_kbool(w, "active", k->active);
    jw_kint(w, "created_at", k->created_at);
    jw_key(w, "removed_at");
    if (k->removed_at) jw_int(w, k->removed_at);
    else jw_null(w);
    jw_obj_end(w);
}

/* ---- who may ---- */

static bool admin_over(const principal_t *who, const char *path)
{
    return path[0] && auth_role_covers(who, ROLE_ADMIN, path);
}

static bool may_see(const principal_t *who, const signing_key_t *k)
{
    if (!strcmp(k->kind, "person")) return !strcmp(k->account_id, who->account_id) || admin_over(who, k->unit_path);
    return k->unit_path[0] && (auth_role_covers(who, ROLE_LEADER, k->unit_path) ||
                               auth_role_covers(who, ROLE_CLERK, k->unit_path) || admin_over(who, k->unit_path));
}

static bool may_use(const principal_t *who, const signing_key_t *k)
{
    if (!k->active) return false;
    if (!strcmp(k->kind, "person")) return !strcmp(k->account_id, who->account_id);
    return k->unit_path[0] &&
           (auth_role_covers(who, ROLE_LEADER, k->unit_path) || auth_role_covers(who, ROLE_CLERK, k->unit_path));
}

/* The bundle's bytes from its base64 (core/b64.h), at most KEYSTORE_BUNDLE_MAX. */
static int b64_bundle(const char *in, buf_t *out)
{
    unsigned char *bin = NULL;
    size_t n = 0;
    int rc = b64_decode(in, strlen(in), KEYSTORE_BUNDLE_MAX, &bin, &n);
    if (rc == 0 && n == 0) rc = -EINVAL;
    if (rc == 0) rc = buf_append(out, bin, n);
    if (bin) OPENSSL_cleanse(bin, n);
    free(bin);
    return rc;
}

/* ---- events ---- */

struct imported {
    const keystore_import_t *in;
    const char              *account_id;   /* NULL for a seal */
    const char              *unit_id;
    signer_info_t            si;
    char                     bundle_sha[SHA256_HEX_LEN + 1];
};

static void imported_payload(jw_t *w, const void *arg)
{
    const struct imported *c = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", c->in->id);
    jw_kstr(w, "kind", c->in->kind);
    jw_key(w, "account_id");
    jw_str(w, c->account_id);
    jw_kstr(w, "unit_id", c->unit_id);
    jw_kstr(w, "label", c->in->label);
    jw_kstr(w, "subject_cn", c->si.subject_cn);
    jw_kstr(w, "subject_o", c->si.subject_o);
    jw_kstr(w, "issuer_cn", c->si.issuer_cn);
    jw_kstr(w, "serial", c->si.serial_hex);
    jw_kstr(w, "cert_sha256", c->si.sha256_hex);
    jw_kstr(w, "key_type", c->si.key_type == SIGNER_KEY_EC ? "ec" : "rsa");
    jw_kint(w, "not_before", (long long)c->si.not_before);
    jw_kint(w, "not_after", (long long)c->si.not_after);
    jw_kstr(w, "bundle_sha256", c->bundle_sha);
    jw_kint(w, "at", c->in->at);
    jw_obj_end(w);
}

static int apply_imported(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *kind = event_str(p, "kind"), *unit = event_str(p, "unit_id"), *label = event_str(p, "label"),
               *cn = event_str(p, "subject_cn"), *o = event_str(p, "subject_o"), *icn = event_str(p, "issuer_cn"),
               *serial = event_str(p, "serial"), *csha = event_str(p, "cert_sha256"), *kt = event_str(p, "key_type"),
               *bsha = event_str(p, "bundle_sha256");
    json_t *nb = json_object_get(p, "not_before"), *na = json_object_get(p, "not_after"), *at = json_object_get(p, "at");
    if (!id || !kind || !unit || !label || !cn || !o || !icn || !serial || !csha || !kt || !bsha ||
        !json_is_integer(nb) || !json_is_integer(na) || !json_is_integer(at))
        return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO signing_keys (id, kind, account_id, unit_id, label, subject_cn, subject_o, "
                         "issuer_cn, serial_hex, cert_sha256, key_type, not_before, not_after, bundle_sha256, state, "
                         "created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
                         "'active', $15, $16)",
                         "tttttttttttiitit", id, kind, event_str(p, "account_id"), unit, label, cn, o, icn, serial, csha, kt,
                         (long long)json_integer_value(nb), (long long)json_integer_value(na), bsha,
                         (long long)json_integer_value(at), ev->actor ? ev->actor : "");
    return n < 0 ? (int)n : 0;
}

static void removed_payload(jw_t *w, const void *arg)
{
    const struct { const char *id; long long at; } *c = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", c->id);
    jw_kint(w, "at", c->at);
    jw_obj_end(w);
}

static int apply_removed(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id");
    json_t *at = json_object_get(p, "at");
    if (!id || !json_is_integer(at)) return -EINVAL;
    long long n = db_run(db, "UPDATE signing_keys SET state = 'removed', removed_at = $2 WHERE id = $1 AND state = 'active'",
                         "ti", id, (long long)json_integer_value(at));
    if (n < 0) return (int)n;
    return n == 1 ? 0 : -ENOENT;
}

static const event_kind_t keystore_kinds[] = {
    {"signing_key.imported", apply_imported},
    {"signing_key.removed", apply_removed},
    {NULL, NULL},
};

static const event_table_t keystore_tables[] = {
    {"signing_keys", "id"},
    {NULL, NULL},
};

const event_module_t keystore_event_module = {"keystore", keystore_kinds, keystore_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- writes ---- */

static int label_check(const char *label, derr_t *e)
{
    size_t n = label ? strlen(label) : 0;
    size_t chars = n && utf8_valid(label, n) ? utf8_length(label, n) : 0;
    if (chars < 1 || chars > KEYSTORE_LABEL_MAX)
        return derr_set(e, -EINVAL, 400, MSG_FIELD_LENGTH, "label", "label", "1", "100");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
            return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "label", "label", "control character", NULL);
    return 0;
}

/* Whether the certificate may sign documents: keyUsage (when present) has digitalSignature or nonRepudiation. */
static bool signing_usage(const signer_t *s)
{
    uint32_t ku = X509_get_key_usage(s->cert);
    return ku == UINT32_MAX || (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION));
}

int keystore_import(db_t *db, const principal_t *who, const keystore_import_t *in, signing_key_t *out, derr_t *err)
{
    if (!id_valid(in->id)) return -EINVAL;
    bool seal = in->kind && !strcmp(in->kind, "seal");
    if (!in->kind || (!seal && strcmp(in->kind, "person")))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "kind", "kind", "person | seal", NULL);
    int rc = label_check(in->label, err);
    if (rc < 0) return rc;
    if (!in->pin || !*in->pin || strlen(in->pin) > KEYSTORE_PIN_MAX)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "pin", "pin", "1", "128");
    if (strcmp(who->kind, "staff")) return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);

    unit_t *u = xmalloc(sizeof *u);
    const char *unit_id = seal ? in->unit_id : who->unit_id;
    if (!unit_id || !*unit_id) {
        free(u);
        return seal ? derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "unit_id", "unit_id", "required for a seal", NULL)
                    : derr_set(err, -EPERM, 422, MSG_KEYS_NO_HOME_UNIT, NULL, NULL, NULL, NULL);
    }
    rc = id_valid(unit_id) ? unit_get(db, unit_id, u) : -ENOENT;
    if (rc == -ENOENT) rc = derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, "unit_id", NULL, NULL, NULL);
    else if (rc == 0 && seal && !admin_over(who, u->path))
        rc = auth_sees_path(who, u->path) ? derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL)
                                          : derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, "unit_id", NULL, NULL, NULL);
    free(u);
    if (rc < 0) return rc;

    buf_t bundle;
    buf_init(&bundle, KEYSTORE_BUNDLE_MAX);
    struct imported c = {.in = in, .account_id = seal ? NULL : who->account_id, .unit_id = unit_id};
    signer_t *s = NULL;
    if (!in->pkcs12_b64 || b64_bundle(in->pkcs12_b64, &bundle) < 0) {
        rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "pkcs12", "pkcs12", "base64 of at most 64 KiB", NULL);
        goto out;
    }
    rc = signer_from_pkcs12(bundle.data, bundle.len, in->pin, &s);
    if (rc == -EACCES) rc = derr_set(err, -EACCES, 422, MSG_KEYS_BAD_PIN, "pin", NULL, NULL, NULL);
    else if (rc < 0) rc = derr_set(err, -EINVAL, 422, MSG_KEYS_NOT_PKCS12, "pkcs12", NULL, NULL, NULL);
    if (rc < 0) goto out;
    signer_get_info(s, &c.si);
    long long now_s = in->at / 1000;
    if ((long long)c.si.not_before > now_s || (long long)c.si.not_after < now_s) {
        rc = derr_set(err, -EKEYEXPIRED, 422, MSG_KEYS_EXPIRED, "pkcs12", NULL, NULL, NULL);
        goto out;
    }
    if (!signing_usage(s)) {
        rc = derr_set(err, -EINVAL, 422, MSG_KEYS_NO_SIGNING_USAGE, "pkcs12", NULL, NULL, NULL);
        goto out;
    }
    /* The same certificate, active, for the same holder: once. */
    db_stmt_t *q;
    int dup = db_query(db, &q,
                       "SELECT 1 FROM signing_keys WHERE cert_sha256 = $1 AND state = 'active' AND kind = $2 AND "
                       "COALESCE(account_id, '') = $3 AND unit_id = $4",
                       "tttt", c.si.sha256_hex, in->kind, seal ? "" : who->account_id, unit_id);
    if (q) db_reset(q);
    if (dup < 0) {
        rc = dup;
        goto out;
    }
    if (dup == DB_ROW) {
        rc = derr_set(err, -EEXIST, 409, MSG_KEYS_DUPLICATE, "pkcs12", NULL, NULL, NULL);
        goto out;
    }
    sha256_hex(bundle.data, bundle.len, c.bundle_sha);
    long long n = db_run(db, "INSERT INTO signing_key_bundles (sha256, bundle, created_at) VALUES ($1, $2, $3) "
                             "ON CONFLICT (sha256) DO NOTHING",
                         "tti", c.bundle_sha, in->pkcs12_b64, in->at);
    if (n < 0) {
        rc = (int)n;
        goto out;
    }
    rc = event_record(db, unit_id, who->account_id, "signing_key.imported", "signing_key", in->id, imported_payload, &c,
                      NULL);
    if (rc == 0 && out) rc = keystore_get(db, in->id, out);
out:
    signer_close(s);
    if (bundle.data) OPENSSL_cleanse(bundle.data, bundle.len);
    buf_free(&bundle);
    return rc;
}

int keystore_remove(db_t *db, const principal_t *who, const char *id, long long at, derr_t *err)
{
    signing_key_t *k = xmalloc(sizeof *k);
    int rc = keystore_get(db, id, k);
    if (rc == 0 && (!k->active || !may_see(who, k))) rc = -ENOENT;
    /* Seeing is not removing: a seal is removed by an admin over its unit only. */
    if (rc == 0 && !((!strcmp(k->kind, "person") && !strcmp(k->account_id, who->account_id)) || admin_over(who, k->unit_path)))
        rc = derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (rc == 0) {
        struct { const char *id; long long at; } c = {id, at};
        rc = event_record(db, k->unit_id, who->account_id, "signing_key.removed", "signing_key", id, removed_payload, &c,
                          NULL);
    }
    free(k);
    return rc;
}

/* ---- reads ---- */

int keystore_list(db_t *db, const principal_t *who, bool with_removed, const char *before, long long limit,
                  keystore_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, "SELECT " KEY_COLS KEY_FROM
                                  "WHERE (k.account_id = $1 OR k.kind = 'seal' OR $2 = 1) "
                                  "AND ($3 = 1 OR k.state = 'active') AND (CAST($4 AS TEXT) = '' OR k.id < $4) "
                                  "ORDER BY k.id DESC");
    if (!s) return -EIO;
    bool any_admin = auth_has_role(who, ROLE_ADMIN);
    db_bind_text(s, 1, who->account_id, DB_NTS);
    db_bind_int(s, 2, any_admin ? 1 : 0);
    db_bind_int(s, 3, with_removed ? 1 : 0);
    db_bind_text(s, 4, before ? before : "", DB_NTS);
    int rc = 0, n = 0;
    signing_key_t *k = xmalloc(sizeof *k);
    while (n < limit && (rc = db_step(s)) == DB_ROW) {
        row_to_key(s, k);
        if (!may_see(who, k)) continue;
        n++;
        if (cb(k, arg) < 0) break;
    }
    free(k);
    db_reset(s);
    return rc < 0 ? rc : n;
}

int keystore_unlock(db_t *db, const principal_t *who, const char *id, const char *pin, long long at_s,
                    signer_t **out)
{
    *out = NULL;
    signing_key_t *k = xmalloc(sizeof *k);
    int rc = keystore_get(db, id, k);
    if (rc == 0 && !may_use(who, k)) rc = -ENOENT;
    if (rc == 0 && (at_s < k->not_before || at_s > k->not_after)) rc = -EKEYEXPIRED;
    db_stmt_t *s = NULL;
    if (rc == 0) {
        rc = db_query(db, &s, "SELECT bundle FROM signing_key_bundles WHERE sha256 = $1", "t", k->bundle_sha256);
        if (rc == DB_ROW) {
            buf_t bundle;
            buf_init(&bundle, KEYSTORE_BUNDLE_MAX);
            rc = b64_bundle(db_col_text(s, 0), &bundle) < 0 ? -EIO : signer_from_pkcs12(bundle.data, bundle.len, pin, out);
            if (rc < 0 && rc != -EACCES) rc = -EIO;
            if (bundle.data) OPENSSL_cleanse(bundle.data, bundle.len);
            buf_free(&bundle);
        } else if (rc >= 0) {
            rc = -EIO;
        }
        if (s) db_reset(s);
    }
    free(k);
    return rc < 0 ? rc : 0;
}

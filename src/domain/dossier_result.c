/* dossier_result.c — the result document of a dossier: attach, sign, hand out, verify (see dossier_result.h).
 *
 * Signing follows Decree 30/2020/NĐ-CP Appendix I as sign/pades.h draws it: the leader's signature (blue box at
 * the bottom right of page 1), then, when the procedure requires it, the agency's seal as a second incremental
 * update (red, over the left third of the leader's box). Before the signed file is kept, it is verified with the
 * node's own trust anchors: a certificate revoked by a CRL there, or not chaining to them, is refused, so the node
 * never hands out a result its own lookup page would call invalid. */
#include "domain/dossier_result.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/fileio.h"
#include "core/mem.h"
#include "domain/blob.h"
#include "domain/paper.h"
#include "domain/procedure.h"
#include "sign/keystore.h"
#include "sign/pades.h"

/* The leader's box on page 1, in points from its lower left corner: the bottom right of an A4 page, where the
 * signature block of a decision or certificate stands. */
#define BOX_X 320.0
#define BOX_Y 48.0
#define BOX_W 240.0
#define BOX_H 72.0

int dossier_result_get(db_t *db, const char *dossier_id, dossier_result_doc_t *out)
{
    memset(out, 0, sizeof *out);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT signed_paper_id, signed_sha256, from_sha256, signed_at FROM dossier_results "
                              "WHERE dossier_id = $1", "t", dossier_id);
    if (rc == DB_ROW) {
        str_copy(out->signed_paper, sizeof out->signed_paper, db_col_text(s, 0) ? db_col_text(s, 0) : "");
        str_copy(out->signed_sha256, sizeof out->signed_sha256, db_col_text(s, 1) ? db_col_text(s, 1) : "");
        str_copy(out->from_sha256, sizeof out->from_sha256, db_col_text(s, 2) ? db_col_text(s, 2) : "");
        out->signed_at = db_col_int(s, 3);
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

int dossier_result_pdf(db_t *db, const dossier_t *d, char sha256[SHA256_HEX_LEN + 1])
{
    if (!d->result_paper[0]) return -ENOENT;
    paper_t *p = xmalloc(sizeof *p);
    int rc = paper_get(db, d->result_paper, p);
    if (rc == 0 && strcmp(p->media_type, "application/pdf")) rc = -ENOENT;
    if (rc == 0) str_copy(sha256, SHA256_HEX_LEN + 1, p->sha256);
    free(p);
    return rc;
}

/* ---- the approve event's payload and its apply ---- */

static void signers_json(jw_t *w, const dossier_signed_t *s)
{
    jw_arr_begin(w);
    for (int i = 0; i < s->nsigners; i++) {
        const dossier_result_signer_t *g = &s->signers[i];
        jw_obj_begin(w);
        jw_kstr(w, "role", g->role);
        jw_kstr(w, "key_id", g->key_id);
        jw_kstr(w, "subject_cn", g->subject_cn);
        jw_kstr(w, "subject_o", g->subject_o);
        jw_kstr(w, "issuer_cn", g->issuer_cn);
        jw_kstr(w, "serial", g->serial_hex);
        jw_kstr(w, "cert_sha256", g->cert_sha256);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void dossier_result_signed_json(jw_t *w, const dossier_signed_t *s)
{
    jw_obj_begin(w);
    jw_key(w, "signed");
    jw_obj_begin(w);
    jw_kstr(w, "paper", s->paper_id);
    jw_kstr(w, "sha256", s->sha256);
    jw_kint(w, "size", s->size);
    jw_kint(w, "at", s->at);
    jw_kstr(w, "from_sha256", s->from_sha256);
    jw_key(w, "signers");
    signers_json(w, s);
    jw_obj_end(w);
    jw_obj_end(w);
}

int dossier_result_apply(db_t *db, const char *dossier_id, const json_t *payload)
{
    json_t *doc = json_object_get(payload, "result_doc");
    if (!doc) return 0;
    json_t *sig = json_object_get(doc, "signed"), *signers = json_object_get(sig, "signers");
    if (!dossier_id || !event_str(sig, "paper") || !event_str(sig, "sha256") || !event_str(sig, "from_sha256") ||
        !json_is_array(signers))
        return -EINVAL;
    char *sj = json_dumps(signers, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!sj) return -ENOMEM;
    long long n = db_run(db, "INSERT INTO dossier_results (dossier_id, signed_paper_id, signed_sha256, from_sha256, "
                             "signed_at, signers) VALUES ($1, $2, $3, $4, $5, $6)", "ttttit", dossier_id,
                         event_str(sig, "paper"), event_str(sig, "sha256"), event_str(sig, "from_sha256"),
                         (long long)json_integer_value(json_object_get(sig, "at")), sj);
    free(sj);
    return n < 0 ? (int)n : 0;
}

/* ---- signing ---- */

/* Unlock key id for who: a personal key of who ("person") or the seal of the dossier's unit ("seal"). */
static int unlock(db_t *db, const principal_t *who, const char *id, const char *pin, const char *kind,
                  const char *unit_id, long long at_s, const char *field, const char *pin_field, signer_t **out,
                  derr_t *err)
{
    const char *shown = id ? id : "";
    signing_key_t *k = xmalloc(sizeof *k);
    int rc = id && id_valid(id) ? keystore_get(db, id, k) : -ENOENT;
    bool seal = !strcmp(kind, "seal");
    if (rc == 0 && (strcmp(k->kind, kind) || (seal && strcmp(k->unit_id, unit_id)))) {
        free(k);
        return derr_set(err, -EINVAL, 422, seal ? MSG_SIGNRES_KEY_NOT_SEAL : MSG_SIGNRES_KEY_KIND, field, shown, NULL,
                        NULL);
    }
    free(k);
    if (rc == 0) rc = keystore_unlock(db, who, id, pin, at_s, out);
    switch (rc) {
    case 0: return 0;
    case -ENOENT: return derr_set(err, -EINVAL, 422, MSG_SIGNRES_KEY, field, shown, NULL, NULL);
    case -EACCES: return derr_set(err, -EINVAL, 422, MSG_SIGNRES_PIN, pin_field, shown, NULL, NULL);
    case -EKEYEXPIRED: return derr_set(err, -EINVAL, 422, MSG_SIGNRES_EXPIRED, field, shown, NULL, NULL);
    default: return rc;
    }
}

static int sign_error(int rc, derr_t *err)
{
    const char *why = rc == -EINVAL ? "not a PDF" : rc == -EBADMSG ? "a PDF structure this reader cannot follow"
                    : rc == -ENOTSUP ? "an encrypted PDF" : rc == -ENOSPC ? "the signature does not fit"
                    : rc == -E2BIG ? "too large" : NULL;
    if (!why) return rc;
    return derr_set(err, -EINVAL, 422, MSG_SIGNRES_BAD_PDF, "sign", why, NULL, NULL);
}

static void signer_record(dossier_result_signer_t *g, const char *role, const char *key_id, const signer_t *s)
{
    signer_info_t info;
    signer_get_info(s, &info);
    str_copy(g->role, sizeof g->role, role);
    str_copy(g->key_id, sizeof g->key_id, key_id);
    str_copy(g->subject_cn, sizeof g->subject_cn, info.subject_cn);
    str_copy(g->subject_o, sizeof g->subject_o, info.subject_o);
    str_copy(g->issuer_cn, sizeof g->issuer_cn, info.issuer_cn);
    str_copy(g->serial_hex, sizeof g->serial_hex, info.serial_hex);
    str_copy(g->cert_sha256, sizeof g->cert_sha256, info.sha256_hex);
}

/* The node's own check of what it is about to hand out (trust anchors and CRLs of --sign-trust). */
static int self_check(const buf_t *pdf, const char *trust_pem, const dossier_signed_t *s, derr_t *err)
{
    if (!trust_pem) return 0;
    pades_result_t *res = xcalloc(DOSSIER_RESULT_SIGNERS + 1, sizeof *res);
    size_t n = 0;
    int rc = pades_verify(pdf->data, pdf->len, trust_pem, res, DOSSIER_RESULT_SIGNERS + 1, &n);
    for (size_t i = 0; rc == 0 && i < n && i < (size_t)s->nsigners; i++) {
        const char *field = i ? "seal_key_id" : "key_id";
        if (res[i].status == PADES_ERR_REVOKED)
            rc = derr_set(err, -EINVAL, 422, MSG_SIGNRES_REVOKED, field, s->signers[i].key_id, NULL, NULL);
        else if (res[i].status == PADES_ERR_UNTRUSTED)
            rc = derr_set(err, -EINVAL, 422, MSG_SIGNRES_UNTRUSTED, field, s->signers[i].key_id, NULL, NULL);
        else if (res[i].status != PADES_OK) rc = -EIO;   /* what we just signed must verify */
    }
    if (rc == 0 && n != (size_t)s->nsigners) rc = -EIO;
    free(res);
    return rc;
}

int dossier_result_sign(db_t *db, blob_store_t *bs, const principal_t *who, const char *code,
                        const dossier_action_in_t *act, const dossier_sign_in_t *in, long long now_ms,
                        dossier_signed_t *out, derr_t *err)
{
    memset(out, 0, sizeof *out);
    if (act->action != DA_APPROVE || !bs) return -EINVAL;
    dossier_t *d = xcalloc(1, sizeof *d);
    procedure_t *p = xcalloc(1, sizeof *p);
    signer_t *lead = NULL, *seal = NULL;
    buf_t pdf, one, two;
    buf_init(&pdf, DOSSIER_RESULT_PDF_MAX);
    buf_init(&one, DOSSIER_RESULT_PDF_MAX + ((size_t)1 << 20));
    buf_init(&two, DOSSIER_RESULT_PDF_MAX + ((size_t)2 << 20));
    long long at_s = now_ms / 1000;
    char draft[SHA256_HEX_LEN + 1] = "";
    int rc = dossier_act_check(db, who, code, act, d, err);
    if (rc == 0 && (rc = dossier_result_pdf(db, d, draft)) == -ENOENT)
        rc = derr_set(err, -EPERM, 422, MSG_SIGNRES_NO_PDF, "sign", NULL, NULL, NULL);
    bool need_seal = false;
    if (rc == 0) {
        rc = procedure_get(db, d->unit_id, d->procedure_code, p);
        if (rc == 0) need_seal = p->seal;
        else if (rc == -ENOENT) rc = 0;
    }
    if (rc == 0 && need_seal && (!in->seal_key_id || !in->seal_pin))
        rc = derr_set(err, -EINVAL, 422, MSG_SIGNRES_SEAL_NEEDED, in->seal_key_id ? "seal_pin" : "seal_key_id", NULL,
                      NULL, NULL);
    if (rc == 0) rc = unlock(db, who, in->key_id, in->pin, "person", d->unit_id, at_s, "key_id", "pin", &lead, err);
    if (rc == 0 && in->seal_key_id)
        rc = unlock(db, who, in->seal_key_id, in->seal_pin, "seal", d->unit_id, at_s, "seal_key_id", "seal_pin", &seal,
                    err);
    char path[1024];
    if (rc == 0 && (rc = blob_path(bs, draft, path, sizeof path)) == 0) {
        rc = file_read_all(path, DOSSIER_RESULT_PDF_MAX, &pdf);
        if (rc < 0) rc = -EIO;
    }
    char reason[160];
    snprintf(reason, sizeof reason, "Phê duyệt kết quả giải quyết hồ sơ %s", code);
    pades_opts_t o = {.reason = reason, .look = PADES_SIGNER, .x = BOX_X, .y = BOX_Y, .w = BOX_W, .h = BOX_H,
                      .when = (time_t)at_s};
    if (rc == 0) {
        rc = sign_error(pades_sign(lead, pdf.data, pdf.len, &o, &one), err);
        signer_record(&out->signers[out->nsigners++], "leader", in->key_id, lead);
    }
    buf_t *result = &one;
    if (rc == 0 && seal) {
        pades_opts_t so = o;
        so.reason = NULL;
        so.look = PADES_SEAL;
        rc = sign_error(pades_sign(seal, one.data, one.len, &so, &two), err);
        signer_record(&out->signers[out->nsigners++], "seal", in->seal_key_id, seal);
        result = &two;
    }
    if (rc == 0) rc = self_check(result, in->trust_pem, out, err);
    if (rc == 0) {
        blob_writer_t *w;
        rc = blob_begin(bs, &w);
        if (rc == 0 && (rc = blob_write(w, result->data, result->len)) < 0) blob_abort(w);
        else if (rc == 0) rc = blob_commit(w, out->sha256);
    }
    if (rc == 0) {
        id_new(out->paper_id);
        str_copy(out->from_sha256, sizeof out->from_sha256, draft);
        snprintf(out->name, sizeof out->name, "%s-ket-qua.pdf", code);
        out->size = (long long)result->len;
        out->at = at_s * 1000;
    }
    signer_close(lead);
    signer_close(seal);
    buf_free(&pdf);
    buf_free(&one);
    buf_free(&two);
    dossier_free(d);
    free(d);
    free(p);
    return rc;
}

/* ---- handing out ---- */

int dossier_result_download(db_t *db, const principal_t *who, const char *code, char paper_id[ID_LEN + 1])
{
    dossier_t *d = xcalloc(1, sizeof *d);
    int rc = dossier_get(db, code, d);
    if (rc == 0 && !dossier_visible_to(who, d)) rc = -ENOENT;
    dossier_result_doc_t row;
    if (rc == 0) {
        rc = dossier_result_get(db, d->id, &row);
        if (rc == 0) str_copy(paper_id, ID_LEN + 1, row.signed_paper);
        else if (rc == -ENOENT && d->result_paper[0] && (d->status == DS_RESOLVED || d->status == DS_RETURNED)) {
            str_copy(paper_id, ID_LEN + 1, d->result_paper);
            rc = 0;
        }
    }
    dossier_free(d);
    free(d);
    return rc;
}

int dossier_result_by_sha256(db_t *db, const char *sha256, char code[DOSSIER_CODE_MAX])
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT d.code FROM dossier_results r JOIN dossiers d ON d.id = r.dossier_id "
                              "WHERE r.signed_sha256 = $1 ORDER BY d.code LIMIT 1", "t", sha256);
    if (rc == DB_ROW) str_copy(code, DOSSIER_CODE_MAX, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

/* ---- verification of a copy ---- */

static void both(jw_t *w, const char *key, msg_id_t id, const char *arg_vi, const char *arg_en)
{
    buf_t b;
    buf_init(&b, 0);
    jw_key(w, key);
    jw_obj_begin(w);
    const char *a[1] = {arg_vi};
    msg_format(&b, id, LANG_VI, a, 1);
    jw_kstr(w, "vi", b.data ? b.data : "");
    buf_reset(&b);
    a[0] = arg_en;
    msg_format(&b, id, LANG_EN, a, 1);
    jw_kstr(w, "en", b.data ? b.data : "");
    jw_obj_end(w);
    buf_free(&b);
}

static void instant(jw_t *w, const char *key, time_t t)
{
    jw_key(w, key);
    if (!t) {
        jw_null(w);
        return;
    }
    char iso[CLOCK_ISO_LEN];
    clock_iso_vn((long long)t * 1000, iso);
    jw_str(w, iso);
}

static void signature_json(jw_t *w, const pades_result_t *r, bool trust)
{
    pades_status_t st = r->status;
    bool range_ok = st != PADES_ERR_BYTERANGE && st != PADES_ERR_SUBFILTER && st != PADES_ERR_CMS;
    bool digest_ok = range_ok && st != PADES_ERR_DIGEST;
    jw_obj_begin(w);
    jw_kstr(w, "field", r->field);
    jw_kstr(w, "subfilter", r->subfilter);
    jw_kstr(w, "signer", r->who.subject_cn);
    buf_t subj;
    buf_init(&subj, 0);
    buf_printf(&subj, "CN=%s", r->who.subject_cn);
    if (r->who.subject_o[0]) buf_printf(&subj, ", O=%s", r->who.subject_o);
    jw_kstr(w, "subject", r->who.subject_cn[0] ? subj.data : NULL);
    buf_free(&subj);
    jw_kstr(w, "issuer", domain_nz(r->who.issuer_cn));
    jw_kstr(w, "serial", domain_nz(r->who.serial_hex));
    jw_kstr(w, "certificate_sha256", domain_nz(r->who.sha256_hex));
    instant(w, "signing_time", r->signed_at);
    jw_kstr(w, "m", domain_nz(r->m));
    jw_kstr(w, "status", pades_status_name(st));
    jw_key(w, "status_text");
    jw_obj_begin(w);
    jw_kstr(w, "vi", msg_text(pades_status_msg(st), LANG_VI));
    jw_kstr(w, "en", msg_text(pades_status_msg(st), LANG_EN));
    jw_obj_end(w);
    jw_kstr(w, "why", r->why);
    jw_kbool(w, "whole_document", r->whole != 0);
    jw_key(w, "checks");
    jw_obj_begin(w);
    jw_kbool(w, "byte_range", range_ok);
    jw_kbool(w, "digest", digest_ok);
    jw_key(w, "chain");
    if (!trust || !digest_ok) jw_null(w);
    else jw_bool(w, st != PADES_ERR_UNTRUSTED && st != PADES_ERR_REVOKED);
    jw_kbool(w, "covers_end", st != PADES_ERR_NOT_WHOLE);
    jw_obj_end(w);
    jw_obj_end(w);
}

#define VERIFY_MAX_SIGNATURES 16

int dossier_result_verify(db_t *db, const void *pdf, size_t len, const char *trust_pem, jw_t *w, bool *valid,
                          bool *issued_out, derr_t *err)
{
    *valid = *issued_out = false;
    if (len < 5 || memcmp(pdf, "%PDF-", 5))
        return derr_set(err, -EINVAL, 422, MSG_VERIFY_NOT_PDF, NULL, "no %PDF- header", NULL, NULL);
    pades_result_t *res = xcalloc(VERIFY_MAX_SIGNATURES, sizeof *res);
    size_t n = 0;
    int rc = pades_verify(pdf, len, trust_pem, res, VERIFY_MAX_SIGNATURES, &n);
    if (rc < 0) {
        free(res);
        return derr_set(err, -EINVAL, 422, MSG_VERIFY_NOT_PDF, NULL,
                        rc == -EBADMSG ? "a structure this reader cannot follow" : rc == -E2BIG ? "too large" : "not a PDF",
                        NULL, NULL);
    }
    char hex[SHA256_HEX_LEN + 1], code[DOSSIER_CODE_MAX] = "";
    sha256_hex(pdf, len, hex);
    rc = dossier_result_by_sha256(db, hex, code);
    if (rc < 0 && rc != -ENOENT) {
        free(res);
        return rc;
    }
    bool issued = rc == 0, trust = trust_pem != NULL;
    *issued_out = issued;
    size_t shown = n < VERIFY_MAX_SIGNATURES ? n : VERIFY_MAX_SIGNATURES;
    const pades_result_t *bad = NULL;
    for (size_t i = 0; i < shown && !bad; i++)
        if (res[i].status != PADES_OK) bad = &res[i];
    *valid = n > 0 && n <= VERIFY_MAX_SIGNATURES && !bad && trust;
    jw_obj_begin(w);
    jw_kbool(w, "valid", *valid);
    if (n == 0) both(w, "verdict", MSG_VERIFY_UNSIGNED, NULL, NULL);
    else if (bad) both(w, "verdict", MSG_VERIFY_INVALID, msg_text(pades_status_msg(bad->status), LANG_VI),
                       msg_text(pades_status_msg(bad->status), LANG_EN));
    else if (!trust) both(w, "verdict", MSG_VERIFY_NO_TRUST, NULL, NULL);
    else both(w, "verdict", MSG_VERIFY_VALID, NULL, NULL);
    jw_kstr(w, "sha256", hex);
    jw_kint(w, "size", (long long)len);
    jw_kbool(w, "trust_configured", trust);
    jw_kbool(w, "issued_here", issued);
    jw_kstr(w, "dossier_code", issued ? code : NULL);
    both(w, "issued", issued ? MSG_VERIFY_ISSUED : MSG_VERIFY_NOT_ISSUED, code, code);
    jw_kint(w, "signature_count", (long long)n);
    jw_key(w, "signatures");
    jw_arr_begin(w);
    for (size_t i = 0; i < shown; i++) signature_json(w, &res[i], trust);
    jw_arr_end(w);
    jw_obj_end(w);
    free(res);
    return 0;
}

/* ---- the projection's table ---- */

static const event_kind_t kinds[] = {{NULL, NULL}};
static const event_table_t tables[] = {{"dossier_results", "dossier_id"}, {NULL, NULL}};
const event_module_t dossier_result_events = {"dossier-results", kinds, tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

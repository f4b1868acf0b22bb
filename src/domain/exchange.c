/* exchange.c — the edXML inbox (see exchange.h). */
#include "domain/exchange.h"

#include "core/b64.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/unit.h"
#include "sign/xmldsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exchange_check(const void *xml, size_t n, const char *trust_pem, exchange_check_t *c)
{
    memset(c, 0, sizeof *c);
    c->verify_rc = xmldsig_verify(xml, n, trust_pem, &c->who, &c->lenient, c->why, sizeof c->why);
    c->parse_rc = edxml_parse(xml, n, &c->doc, c->parse_why, sizeof c->parse_why);
}

/* ---- events ---- */

struct received {
    const char             *id, *unit_id, *document_id, *sha;
    const exchange_check_t *c;
    long long               at;
};

static void received_payload(jw_t *w, const void *arg)
{
    const struct received *r = arg;
    const edxml_doc_t *d = &r->c->doc;
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "unit_id", r->unit_id);
    jw_kstr(w, "document_id", r->document_id);
    jw_kstr(w, "from_organ", d->from.organ_id);
    jw_kstr(w, "from_name", d->from.organ_name);
    jw_kstr(w, "edxml_document_id", d->document_id);
    jw_kstr(w, "sha256", r->sha);
    jw_kstr(w, "signer_cn", r->c->who.subject_cn);
    jw_kstr(w, "signer_serial", r->c->who.serial_hex);
    jw_kstr(w, "signer_issuer", r->c->who.issuer_cn);
    jw_kbool(w, "lenient", r->c->lenient);
    jw_kstr(w, "lenient_why", r->c->lenient ? r->c->why : "");
    jw_kint(w, "at", r->at);
    jw_obj_end(w);
}

static int apply_received(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *unit = event_str(p, "unit_id"), *doc = event_str(p, "document_id"),
               *from = event_str(p, "from_organ"), *name = event_str(p, "from_name"), *did = event_str(p, "edxml_document_id"),
               *sha = event_str(p, "sha256"), *cn = event_str(p, "signer_cn"), *serial = event_str(p, "signer_serial"),
               *issuer = event_str(p, "signer_issuer"), *why = event_str(p, "lenient_why");
    json_t *at = json_object_get(p, "at");
    if (!id || !unit || !doc || !from || !name || !did || !sha || !cn || !serial || !issuer || !why ||
        !json_is_integer(at))
        return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO exchange_received (id, unit_id, document_id, from_organ, from_name, "
                         "edxml_document_id, sha256, signer_cn, signer_serial, signer_issuer, lenient, lenient_why, "
                         "received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                         "ttttttttttiti", id, unit, doc, from, name, did, sha, cn, serial, issuer,
                         (long long)json_is_true(json_object_get(p, "lenient")), why, (long long)json_integer_value(at));
    return n < 0 ? (int)n : 0;
}

struct rejected {
    const char             *id, *unit_id, *sha, *code, *reason;
    const exchange_check_t *c;
    long long               at;
};

static void rejected_payload(jw_t *w, const void *arg)
{
    const struct rejected *r = arg;
    bool parsed = r->c->parse_rc == 0;
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_key(w, "unit_id");
    jw_str(w, domain_nz(r->unit_id));
    jw_kstr(w, "from_organ", parsed ? r->c->doc.from.organ_id : "");
    /* a status message refused for its signature names the package it answers */
    const char *did = !parsed ? "" : r->c->doc.kind == EDXML_STATUS ? r->c->doc.response_for.document_id
                                                                    : r->c->doc.document_id;
    jw_kstr(w, "edxml_document_id", did ? did : "");
    jw_kstr(w, "sha256", r->sha);
    jw_kstr(w, "code", r->code);
    jw_kstr(w, "reason", r->reason);
    jw_kstr(w, "signer_cn", r->c->who.subject_cn);
    jw_kint(w, "at", r->at);
    jw_obj_end(w);
}

static int apply_rejected(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *from = event_str(p, "from_organ"), *did = event_str(p, "edxml_document_id"),
               *sha = event_str(p, "sha256"), *code = event_str(p, "code"), *reason = event_str(p, "reason"),
               *cn = event_str(p, "signer_cn");
    json_t *at = json_object_get(p, "at");
    if (!id || !from || !did || !sha || !code || !reason || !cn || !json_is_integer(at)) return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO exchange_rejected (id, unit_id, from_organ, edxml_document_id, sha256, code, "
                         "reason, signer_cn, rejected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         "tttttttti", id, event_str(p, "unit_id"), from, did, sha, code, reason, cn,
                         (long long)json_integer_value(at));
    return n < 0 ? (int)n : 0;
}

static const event_kind_t exchange_kinds[] = {
    {"exchange.received", apply_received},
    {"exchange.rejected", apply_rejected},
    {NULL, NULL},
};

static const event_table_t exchange_tables[] = {
    {"exchange_received", "id"},
    {"exchange_rejected", "id"},
    {NULL, NULL},
};

const event_module_t exchange_event_module = {"exchange", exchange_kinds, exchange_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- receiving ---- */

/* The package's bytes, once per content (base64: a rejected package need not be text). */
static int keep_bytes(db_t *db, const void *xml, size_t n, const char *sha, long long at)
{
    buf_t b;
    buf_init(&b, n / 3 * 4 + 16);
    int rc = b64_encode(xml, n, &b);
    if (rc == 0) {
        long long r = db_run(db, "INSERT INTO exchange_package_bytes (sha256, bytes, created_at) VALUES ($1, $2, $3) "
                                 "ON CONFLICT (sha256) DO NOTHING",
                             "tti", sha, b.data ? b.data : "", at);
        rc = r < 0 ? (int)r : 0;
    }
    buf_free(&b);
    return rc;
}

/* The receiving unit: the first To whose OrganId is the edi_code of an active unit of this node. */
static int find_receiver(db_t *db, const edxml_doc_t *d, unit_t *u)
{
    for (int i = 0; i < d->n_to; i++) {
        db_stmt_t *s;
        int rc = db_query(db, &s, "SELECT id FROM units WHERE edi_code = $1 AND active = 1", "t", d->to[i].organ_id);
        char id[ID_LEN + 1] = "";
        if (rc == DB_ROW) str_copy(id, sizeof id, db_col_text(s, 0));
        if (s) db_reset(s);
        if (rc < 0) return rc;
        if (id[0]) return unit_get(db, id, u);
    }
    return -ENOENT;
}

/* Our type code for the package's DocumentType: by its name (folded), else a công văn. */
static const char *type_of(const edxml_doc_t *d)
{
    size_t n;
    const document_type_t *t = document_types(&n);
    char *want = d->type_name && *d->type_name ? utf8_fold(d->type_name, strlen(d->type_name)) : NULL;
    const char *code = "cong-van";
    for (size_t i = 0; want && i < n; i++) {
        char *name = utf8_fold(t[i].name_vi, strlen(t[i].name_vi));
        /* "Quyết định (cá biệt)": the part before the bracket is the name partners write */
        char *br = name ? strstr(name, " (") : NULL;
        if (br) *br = '\0';
        if (name && !strcmp(name, want)) code = t[i].code;
        free(name);
    }
    free(want);
    return code;
}

static const char *urgency_of(int priority)
{
    static const char *const u[] = {"normal", "urgent", "very_urgent", "flash"};
    return priority >= 0 && priority <= 3 ? u[priority] : "normal";
}

static int reject(db_t *db, const principal_t *who, const char *id, long long at, const char *unit_id,
                  const void *xml, size_t n, const char *sha, const exchange_check_t *c, msg_id_t msg,
                  const char *reason, exchange_result_t *res)
{
    int rc = keep_bytes(db, xml, n, sha, at);
    struct rejected r = {.id = id, .unit_id = unit_id, .sha = sha, .code = msg_name(msg), .reason = reason, .c = c,
                         .at = at};
    if (rc == 0)
        rc = event_record(db, domain_nz(unit_id), who->account_id, "exchange.rejected", "exchange", id,
                          rejected_payload, &r, NULL);
    if (rc < 0) return rc;
    res->outcome = EXCHANGE_REJECTED;
    res->msg = msg;
    str_copy(res->reason, sizeof res->reason, reason);
    str_copy(res->status_code, sizeof res->status_code, "02");
    str_copy(res->id, sizeof res->id, id);
    return 0;
}

int exchange_reject_evidence(db_t *db, const principal_t *who, const char *id, long long now_ms, const char *unit_id,
                             const void *xml, size_t n, const exchange_check_t *c, msg_id_t msg, const char *reason)
{
    char sha[SHA256_HEX_LEN + 1];
    sha256_hex(xml, n, sha);
    exchange_result_t *res = xmalloc(sizeof *res);
    int rc = reject(db, who, id, now_ms, unit_id, xml, n, sha, c, msg, reason && *reason ? reason : "refused", res);
    free(res);
    return rc;
}

static bool receives_for(const principal_t *who, const char *path)
{
    return auth_role_covers(who, ROLE_CLERK, path) || auth_role_covers(who, ROLE_LEADER, path);
}

int exchange_receive(db_t *db, const principal_t *who, const char *id, long long now_ms, const void *xml, size_t n,
                     const exchange_check_t *c, exchange_result_t *res, derr_t *err)
{
    memset(res, 0, sizeof *res);
    if (!auth_has_role(who, ROLE_CLERK) && !auth_has_role(who, ROLE_LEADER))
        return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    char sha[SHA256_HEX_LEN + 1];
    sha256_hex(xml, n, sha);
    unit_t *u = xmalloc(sizeof *u);
    int rc = 0;
    bool have_unit = c->parse_rc == 0 && c->doc.kind == EDXML_PACKAGE && find_receiver(db, &c->doc, u) == 0;
    /* A package for a unit the caller does not receive for is not theirs to deliver, nor to leave evidence of. */
    if (have_unit && !receives_for(who, u->path)) {
        rc = derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
        goto out;
    }
    const char *unit_id = have_unit ? u->id : NULL;
    msg_id_t why = MSG_OK;
    const char *reason = c->why;
    if (c->parse_rc < 0 || (c->verify_rc == -EINVAL)) {
        why = MSG_EXCHANGE_NOT_EDXML;
        reason = c->parse_rc < 0 ? c->parse_why : c->why;
    } else if (c->doc.kind != EDXML_PACKAGE) {
        why = MSG_EXCHANGE_NOT_PACKAGE;
        reason = "a status message, not a package";
    } else if (c->verify_rc == -ENOENT) {
        why = MSG_EXCHANGE_UNSIGNED;
    } else if (c->verify_rc == -EKEYREVOKED) {
        why = MSG_EXCHANGE_REVOKED;
    } else if (c->verify_rc == -EKEYREJECTED) {
        why = MSG_EXCHANGE_UNTRUSTED;
    } else if (c->verify_rc < 0) {
        why = MSG_EXCHANGE_BAD_SIGNATURE;
    } else if (!have_unit) {
        why = MSG_EXCHANGE_WRONG_RECEIVER;
        reason = "no unit of this node has the package's To OrganId as its electronic identifier code";
    }
    if (why != MSG_OK) {
        rc = reject(db, who, id, now_ms, unit_id, xml, n, sha, c, why, reason && *reason ? reason : "refused", res);
        goto out;
    }

    /* Delivered before: the same answer, nothing new. */
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT id, document_id FROM exchange_received WHERE from_organ = $1 AND "
                          "edxml_document_id = $2",
                  "tt", c->doc.from.organ_id, c->doc.document_id);
    char prev_id[ID_LEN + 1] = "", prev_doc[ID_LEN + 1] = "";
    if (rc == DB_ROW) {
        str_copy(prev_id, sizeof prev_id, db_col_text(s, 0));
        str_copy(prev_doc, sizeof prev_doc, db_col_text(s, 1));
    }
    if (s) db_reset(s);
    if (rc < 0) goto out;
    if (prev_id[0]) {
        rc = document_get(db, prev_doc, &res->doc);
        res->outcome = EXCHANGE_DUPLICATE;
        str_copy(res->id, sizeof res->id, prev_id);
        str_copy(res->status_code, sizeof res->status_code, "03");
        goto out;
    }

    char symbol[512], dated[16] = "", deadline[16] = "";
    const edxml_doc_t *d = &c->doc;
    snprintf(symbol, sizeof symbol, "%s%s%s", d->code_number, d->code_notation[0] ? "/" : "", d->code_notation);
    if (d->promulgation_date.y)
        snprintf(dated, sizeof dated, "%04d-%02d-%02d", d->promulgation_date.y, d->promulgation_date.m,
                 d->promulgation_date.d);
    if (d->due_date.y)
        snprintf(deadline, sizeof deadline, "%04d-%02d-%02d", d->due_date.y, d->due_date.m, d->due_date.d);
    document_in_t in = {.type = type_of(d), .unit_id = u->id,
                        .agency = d->from.organ_name[0] ? d->from.organ_name : d->from.organ_id, .symbol = symbol,
                        .dated = dated[0] ? dated : NULL, .summary = d->subject,
                        .signer = domain_nz(d->signer_full_name), .urgency = urgency_of(d->priority),
                        .deadline = NULL, .now_ms = now_ms};
    (void)deadline;   /* a partner's due date may be past already: the leader sets the handling deadline */
    derr_t derr = {0};
    rc = document_register_incoming(db, NULL, &in, &res->doc, &derr);
    if (rc == -EEXIST) {
        /* Registered by hand before it arrived electronically: answered as registered, linked to nothing new. */
        res->outcome = EXCHANGE_DUPLICATE;
        str_copy(res->status_code, sizeof res->status_code, "03");
        rc = 0;
        goto out;
    }
    if (rc < 0) {
        char r2[EXCHANGE_REASON_MAX];
        snprintf(r2, sizeof r2, "the package lacks what the incoming register needs: %s",
                 derr.field[0] ? derr.field : "a field");
        rc = rc == -EINVAL || rc == -EPERM || rc == -EKEYREJECTED
                 ? reject(db, who, id, now_ms, unit_id, xml, n, sha, c, MSG_EXCHANGE_INCOMPLETE, r2, res)
                 : rc;
        goto out;
    }
    rc = keep_bytes(db, xml, n, sha, now_ms);
    if (rc == 0 && c->pdfs)                                  /* attachments: the package's PDF files */
        rc = document_attach_received(db, res->doc.id, c->pdfs, c->doc.n_attachments, now_ms);
    struct received r = {.id = id, .unit_id = u->id, .document_id = res->doc.id, .sha = sha, .c = c, .at = now_ms};
    if (rc == 0)
        rc = event_record(db, u->id, who->account_id, "exchange.received", "exchange", id, received_payload, &r, NULL);
    if (rc == 0) {
        res->outcome = EXCHANGE_REGISTERED;
        str_copy(res->id, sizeof res->id, id);
        str_copy(res->status_code, sizeof res->status_code, "03");
    }
out:
    free(u);
    return rc;
}

/* ---- reading ---- */

static bool national_admin(const principal_t *who)
{
    for (int i = 0; i < who->ngrants; i++) {
        const char *p = who->grants[i].unit_path, *second = p[0] ? strchr(p + 1, '/') : NULL;
        if (who->grants[i].role == ROLE_ADMIN && second && !second[1]) return true;   /* "/<root>/" */
    }
    return false;
}

int exchange_list(db_t *db, const principal_t *who, bool rejected, const char *before, long long limit,
                  exchange_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, rejected ? "SELECT x.id, COALESCE(u.path, ''), COALESCE(x.unit_id, ''), x.from_organ, "
                                             "x.edxml_document_id, x.sha256, x.signer_cn, x.rejected_at, x.code, "
                                             "x.reason FROM exchange_rejected x LEFT JOIN units u ON u.id = x.unit_id "
                                             "WHERE (CAST($1 AS TEXT) = '' OR x.id < $1) ORDER BY x.id DESC"
                                           : "SELECT x.id, u.path, x.unit_id, x.from_organ, x.edxml_document_id, "
                                             "x.sha256, x.signer_cn, x.received_at, x.from_name, x.document_id, "
                                             "x.signer_serial, x.signer_issuer, x.lenient, x.lenient_why "
                                             "FROM exchange_received x JOIN units u ON u.id = x.unit_id "
                                             "WHERE (CAST($1 AS TEXT) = '' OR x.id < $1) ORDER BY x.id DESC");
    if (!s) return -EIO;
    db_bind_text(s, 1, before ? before : "", DB_NTS);
    int rc = 0;
    long long n = 0;
    bool national = national_admin(who);
    exchange_row_t *x = xmalloc(sizeof *x);
    while (n < limit && (rc = db_step(s)) == DB_ROW) {
        const char *path = db_col_text(s, 1);
        bool ok = path && path[0] ? receives_for(who, path) || auth_role_covers(who, ROLE_ADMIN, path) : national;
        if (!ok) continue;
        memset(x, 0, sizeof *x);
        x->rejected = rejected;
        str_copy(x->id, sizeof x->id, db_col_text(s, 0));
        str_copy(x->unit_id, sizeof x->unit_id, db_col_text(s, 2));
        str_copy(x->from_organ, sizeof x->from_organ, db_col_text(s, 3));
        str_copy(x->edxml_document_id, sizeof x->edxml_document_id, db_col_text(s, 4));
        str_copy(x->sha256, sizeof x->sha256, db_col_text(s, 5));
        str_copy(x->signer_cn, sizeof x->signer_cn, db_col_text(s, 6));
        x->at = db_col_int(s, 7);
        if (rejected) {
            str_copy(x->code, sizeof x->code, db_col_text(s, 8));
            str_copy(x->reason, sizeof x->reason, db_col_text(s, 9));
        } else {
            str_copy(x->from_name, sizeof x->from_name, db_col_text(s, 8));
            str_copy(x->document_id, sizeof x->document_id, db_col_text(s, 9));
            str_copy(x->signer_serial, sizeof x->signer_serial, db_col_text(s, 10));
            str_copy(x->signer_issuer, sizeof x->signer_issuer, db_col_text(s, 11));
            x->lenient = db_col_int(s, 12) != 0;
            str_copy(x->reason, sizeof x->reason, db_col_text(s, 13));
        }
        n++;
        if (cb(x, arg) < 0) break;
    }
    free(x);
    db_reset(s);
    return rc < 0 ? rc : (int)n;
}

void exchange_row_json(jw_t *w, const exchange_row_t *x)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", x->id);
    jw_kstr(w, "kind", x->rejected ? "rejected" : "received");
    jw_key(w, "unit_id");
    jw_str(w, domain_nz(x->unit_id));
    jw_kstr(w, "from_organ", x->from_organ);
    jw_kstr(w, "edxml_document_id", x->edxml_document_id);
    jw_kstr(w, "sha256", x->sha256);
    jw_kstr(w, "signer_cn", x->signer_cn);
    jw_kint(w, "at", x->at);
    if (x->rejected) {
        jw_kstr(w, "code", x->code);
        jw_kstr(w, "reason", x->reason);
    } else {
        jw_kstr(w, "from_name", x->from_name);
        jw_kstr(w, "document_id", x->document_id);
        jw_kstr(w, "signer_serial", x->signer_serial);
        jw_kstr(w, "signer_issuer", x->signer_issuer);
        jw_kbool(w, "lenient", x->lenient);
        jw_kstr(w, "lenient_why", x->reason);
    }
    jw_obj_end(w);
}

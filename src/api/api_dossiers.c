/* api_dossiers.c — dossiers: intake (POST), read, actions, work lists and assignee suggestions.
 *
 * The handlers check the JSON shape, fetch the owning unit's calendar (outside the write: it is cached and shared),
 * and call one domain function of domain/dossier.h inside store_write/store_read. A dossier the caller may not see
 * is 404, whatever the reason. The clock is read once per request, before the write, and handed to the domain. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/document.h"
#include "domain/dossier_result.h"
#include "domain/holiday_store.h"
#include "domain/paper.h"
#include "sign/keystore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rendering ---- */

struct render_ctx {
    const principal_t *who;
    const char        *code;
    lang_t             lang;
    bool               acted;    /* the caller has just acted on it: shown even after handing it to another unit */
    buf_t              b;
    jw_t               w;
    long long          version;
};

static int render_fn(db_t *db, void *arg)
{
    struct render_ctx *c = arg;
    dossier_t *d = xcalloc(1, sizeof *d);
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    int rc = dossier_get(db, c->code, d);
    if (rc == 0 && !c->acted && !dossier_visible_to(c->who, d)) rc = -ENOENT;
    if (rc == 0) rc = dossier_json(db, &c->w, c->who, d, c->lang);
    c->version = d->version;
    dossier_free(d);
    free(d);
    return rc;
}

/* Reply with the dossier as GET shows it to this caller (acted: right after the caller's own action). */
static int reply_dossier(req_t *r, int status, const char *code, bool acted)
{
    struct render_ctx *c = xcalloc(1, sizeof *c);
    c->acted = acted;
    c->who = &r->who;
    c->code = code;
    c->lang = r->lang;
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, render_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        free(c);
        return rc == -ENOENT ? reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL)
                             : reply_errno(r, rc);
    }
    api_etag(r, c->version);
    if (status == 201) {
        char loc[96];
        snprintf(loc, sizeof loc, "/api/v1/dossiers/%s", code);
        reply_header(r, "Location", loc);
    }
    api_reply_writer(r, status, &c->w, &c->b);
    free(c);
    return 0;
}

bool api_dossier_code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 8 || n >= DOSSIER_CODE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z') || code[i] == '.' ||
              code[i] == '-'))
            return false;
    return true;
}

int api_dossiers_get(req_t *r)
{
    const char *code = req_param(r, 0);
    if (!api_dossier_code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    return reply_dossier(r, 200, code, false);
}

/* ---- intake ---- */

struct receive_ctx {
    const principal_t *who;
    dossier_intake_t   in;
    dossier_t          out;
    bool               replayed;
    derr_t             err;
    holiday_calendar_t *hc;           /* held until the continuation (the calendar in.cal points into) */
    json_t             *body;         /* the request body the strings of `in` point into */
    dossier_intake_prep_t *prep;      /* the first half, done on the worker */
};

/* The first half of the intake, in a read snapshot on the worker: everything that does not need the write
 * transaction, so that the writer thread (one for every write of the store) spends as little as possible on it. */
static int prepare_fn(db_t *db, void *arg)
{
    struct receive_ctx *c = arg;
    dossier_intake_prep_free(c->prep);
    c->prep = dossier_intake_prepare(db, c->who, &c->in);
    return 0;
}

static int receive_fn(db_t *db, void *arg)
{
    struct receive_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    c->replayed = false;
    return dossier_receive_prepared(db, c->who, &c->in, c->prep, &c->out, &c->replayed, &c->err);
}

static int party_fields(req_t *r, json_t *obj, dossier_party_t *p, bool applicant)
{
    const field_t f[] = {
        {"name", FT_STRING, true, 1, 200, &p->name, NULL},
        {"id_number", FT_STRING, true, 1, 14, &p->id_number, NULL},
        {"phone", FT_STRING, true, 1, 20, &p->phone, NULL},
        {"address", FT_STRING, applicant, 0, 300, &p->address, NULL},
        {"email", FT_STRING, false, 0, 254, &p->email, NULL},
        {"kind", FT_STRING, true, 1, 16, &p->kind, NULL},
    };
    return req_fields(r, obj, f, applicant ? 6 : 5);
}

static bool idem_key_ok(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e) return false;
    return true;
}

/* The intake's body into *in (POST /api/v1/dossiers; POST /api/v1/documents/{id}/dossier without channel and
 * unit, which the document gives). 0, or -1 after replying 400. */
static int intake_body(req_t *r, json_t *body, dossier_intake_t *in, bool full)
{
    json_t *applicant = NULL, *rep = NULL, *papers = NULL;
    const field_t fields[] = {
        {"procedure", FT_STRING, true, 1, PROCEDURE_CODE_MAX - 1, &in->procedure, NULL},
        {"applicant", FT_OBJECT, true, 0, 0, &applicant, NULL},
        {"representative", FT_OBJECT, false, 0, 0, &rep, &in->has_rep},
        {"papers", FT_ARRAY, true, 0, PROCEDURE_PAPERS_MAX, &papers, NULL},
        {"content", FT_STRING, false, 0, DOSSIER_TEXT_MAX, &in->content, NULL},
        {"channel", FT_STRING, true, 1, 8, &in->channel, NULL},
        {"unit", FT_STRING, false, ID_LEN, ID_LEN, &in->unit_id, NULL},
    };
    if (req_fields(r, body, fields, full ? 7 : 5) < 0) return -1;
    if (party_fields(r, applicant, &in->applicant, true) < 0) return -1;
    if (rep && party_fields(r, rep, &in->rep, false) < 0) return -1;
    size_t i;
    json_t *p;
    json_array_foreach(papers, i, p) {
        dossier_paper_in_t *pi = &in->papers[i];
        pi->copies = 1;
        pi->form = "original";
        const field_t pf[] = {
            {"paper", FT_STRING, true, 1, 23, &pi->paper, NULL},
            {"copies", FT_INT, false, 1, 99, &pi->copies, NULL},
            {"form", FT_STRING, false, 1, 16, &pi->form, NULL},
            {"upload", FT_STRING, false, ID_LEN, ID_LEN, &in->uploads[i], NULL},   /* dforms */
        };
        if (!json_is_object(p)) {
            reply_problem(r, 400, "invalid-field", MSG_WRONG_TYPE, "papers", "papers", "object[]", NULL);
            return -1;
        }
        if (req_fields(r, p, pf, sizeof pf / sizeof pf[0]) < 0) return -1;
        in->npapers++;
    }
    return 0;
}

/* After the intake's commit (or its failure): the answer, then what the request held. */
static void intake_done(req_t *r, int rc, void *arg)
{
    struct receive_ctx *c = arg;
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else {
        if (c->replayed) reply_header(r, "Idempotent-Replayed", "true");
        reply_dossier(r, 201, c->out.code, true);
    }
    if (c->hc) holiday_calendar_release(c->hc);
    dossier_free(&c->out);
    dossier_intake_prep_free(c->prep);
    json_decref(c->body);
    free(c);
}

int api_dossiers_create(req_t *r)
{
    const char *key = req_header(r, "Idempotency-Key");
    if (key && !idem_key_ok(key))
        return reply_problem(r, 400, "invalid-header", MSG_PARAM_INVALID, "Idempotency-Key", "Idempotency-Key", NULL,
                             NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct receive_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    holiday_calendar_t *hc = NULL;
    if (intake_body(r, body, &c->in, true) < 0) goto out;
    c->in.idem_key = key;
    char unit_id[ID_LEN + 1];
    bool citizen = !strcmp(r->who.kind, "citizen");
    if (citizen && strcmp(c->in.channel, "online")) {
        reply_problem(r, 403, "forbidden", MSG_DOSSIER_ONLINE_CITIZEN, "channel", NULL, NULL, NULL);
        goto out;
    }
    if (citizen ? !c->in.unit_id : dossier_intake_unit(&r->who, c->in.unit_id, unit_id, sizeof unit_id) < 0) {
        reply_problem(r, citizen ? 400 : 403, citizen ? "invalid-field" : "forbidden",
                      citizen ? MSG_DOSSIER_UNIT_REQUIRED : MSG_FORBIDDEN, "unit", NULL, NULL, NULL);
        goto out;
    }
    if (citizen) str_copy(unit_id, sizeof unit_id, c->in.unit_id);
    if (!id_valid(unit_id)) {
        reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit_id, NULL, NULL);
        goto out;
    }
    int rc = dossier_calendar(r->app->store, unit_id, &hc);
    if (rc == -ENOENT) {
        reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit_id, NULL, NULL);
        goto out;
    }
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    c->in.cal = holiday_calendar_cal(hc);
    c->in.now_ms = clock_now_ms();
    if ((rc = store_read(r->app->store, prepare_fn, c)) < 0) {
        reply_errno(r, rc);
        goto out;
    }
    /* A refusal is answered here, without a write; with an Idempotency-Key the write still runs, since a replay of
     * the first request's dossier wins over what this one would now be refused for. */
    derr_t perr = {0};
    if (!key && (rc = dossier_intake_prep_result(c->prep, &perr)) < 0) {
        api_reply_derr(r, rc, &perr);
        goto out;
    }
    /* The commit is waited for off the worker (req_write_async); intake_done replies and frees. */
    c->hc = hc;
    c->body = body;
    return req_write_async(r, receive_fn, c, intake_done);
out:
    if (hc) holiday_calendar_release(hc);
    dossier_free(&c->out);
    dossier_intake_prep_free(c->prep);
    free(c);
    json_decref(body);
    return 0;
}

/* ---- a document starts a dossier (POST /api/v1/documents/{id}/dossier; document_start_dossier) ---- */

struct from_doc_ctx {
    struct receive_ctx rc;      /* the intake's context: the same continuation answers */
    const char        *doc_id;
    char               unit_id[ID_LEN + 1];
};

static int doc_unit_fn(db_t *db, void *arg)
{
    struct from_doc_ctx *c = arg;
    document_t *d = xmalloc(sizeof *d);
    int rc = document_get(db, c->doc_id, d);   /* the scope is document_start_dossier's (404 there) */
    if (rc == 0) str_copy(c->unit_id, sizeof c->unit_id, d->unit_id);
    free(d);
    return rc;
}

static int from_doc_fn(db_t *db, void *arg)
{
    struct receive_ctx *c = arg;
    struct from_doc_ctx *f = (struct from_doc_ctx *)c;
    memset(&c->err, 0, sizeof c->err);
    return document_start_dossier(db, c->who, f->doc_id, &c->in, &c->out, &c->err);
}

int api_documents_dossier(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id || !id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct from_doc_ctx *f = xcalloc(1, sizeof *f);
    struct receive_ctx *c = &f->rc;
    c->who = &r->who;
    f->doc_id = id;
    holiday_calendar_t *hc = NULL;
    if (intake_body(r, body, &c->in, false) < 0) goto out;
    int rc = store_read(r->app->store, doc_unit_fn, f);
    if (rc == -ENOENT) {
        reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        goto out;
    }
    if (rc == 0) rc = dossier_calendar(r->app->store, f->unit_id, &hc);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    c->in.cal = holiday_calendar_cal(hc);
    c->in.now_ms = clock_now_ms();
    c->hc = hc;
    c->body = body;
    return req_write_async(r, from_doc_fn, c, intake_done);   /* intake_done replies 201 and frees (c first) */
out:
    if (hc) holiday_calendar_release(hc);
    free(f);
    json_decref(body);
    return 0;
}

/* ---- actions ---- */

struct act_ctx {
    const principal_t  *who;
    const char         *code;
    dossier_action_in_t in;
    dossier_t           out;
    derr_t              err;
    char                unit_id[ID_LEN + 1];
    holiday_calendar_t *hc;           /* held until the continuation (in.cal points into it) */
    json_t             *body;         /* the request body the strings of `in` point into */
    /* approve {"sign": true}: the keys, and the signed result made before the write (dossier_result.h) */
    dossier_sign_in_t   sign;
    dossier_signed_t    signed_result;
    struct blob_store  *blobs;
};

static int owner_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    dossier_t *d = xcalloc(1, sizeof *d);
    int rc = dossier_get(db, c->code, d);
    if (rc == 0 && !dossier_visible_to(c->who, d)) rc = -ENOENT;
    if (rc == 0) str_copy(c->unit_id, sizeof c->unit_id, d->unit_id);
    dossier_free(d);
    free(d);
    return rc;
}

/* Sign the result in a read snapshot, before the write (unlocking a key and signing take milliseconds that the
 * store's one writer should not wait for). */
static int sign_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return dossier_result_sign(db, c->blobs, c->who, c->code, &c->in, &c->sign, c->in.now_ms, &c->signed_result,
                               &c->err);
}

static int act_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return dossier_act(db, c->who, c->code, &c->in, &c->out, &c->err);
}

/* After the action's commit (or its failure): the answer, then what the request held. */
static void action_done(req_t *r, int rc, void *arg)
{
    struct act_ctx *c = arg;
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else reply_dossier(r, 200, c->code, true);
    if (c->hc) holiday_calendar_release(c->hc);
    dossier_free(&c->out);
    json_decref(c->body);
    free(c);
}

int api_dossiers_action(req_t *r)
{
    const char *code = req_param(r, 0);
    if (!api_dossier_code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct act_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->code = code;
    const char *action = NULL;
    holiday_calendar_t *hc = NULL;
    bool sign = false;
    const field_t fields[] = {
        {"action", FT_STRING, true, 1, 32, &action, NULL},
        {"version", FT_INT, true, 1, 1LL << 40, &c->in.version, NULL},
        {"reason", FT_STRING, false, 0, DOSSIER_TEXT_MAX, &c->in.reason, NULL},
        {"to", FT_STRING, false, 1, 72, &c->in.to, NULL},
        {"unit", FT_STRING, false, 1, ID_LEN, &c->in.unit, NULL},
        {"received_by", FT_STRING, false, 0, 200, &c->in.received_by, NULL},
        {"how", FT_STRING, false, 1, 16, &c->in.how, NULL},
        {"when", FT_STRING, false, 16, 16, &c->in.when, NULL},
        {"result", FT_STRING, false, 0, DOSSIER_TEXT_MAX, &c->in.result, NULL},
        {"result_paper", FT_STRING, false, ID_LEN, ID_LEN, &c->in.result_paper, NULL},   /* attach_result */
        {"amount", FT_INT, false, 0, 1000000000, &c->in.amount, &c->in.has_amount},
        {"days", FT_INT, false, 1, 60, &c->in.days, NULL},
        {"items", FT_ARRAY, false, 0, 30, &c->in.items, NULL},
        {"papers", FT_ARRAY, false, 0, PROCEDURE_PAPERS_MAX, &c->in.papers, NULL},   /* resubmit, attach_paper */
        /* signed results: approve's signature (sign/keystore.h key ids and PINs) */
        {"sign", FT_BOOL, false, 0, 0, &sign, NULL},
        {"key_id", FT_STRING, false, 1, 64, &c->sign.key_id, NULL},
        {"pin", FT_STRING, false, 1, KEYSTORE_PIN_MAX, &c->sign.pin, NULL},
        {"seal_key_id", FT_STRING, false, 1, 64, &c->sign.seal_key_id, NULL},
        {"seal_pin", FT_STRING, false, 1, KEYSTORE_PIN_MAX, &c->sign.seal_pin, NULL},
    };
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    const char *stray = c->sign.key_id ? "key_id" : c->sign.pin ? "pin" : c->sign.seal_key_id ? "seal_key_id"
                      : c->sign.seal_pin ? "seal_pin" : NULL;
    if (!sign && stray) {
        reply_problem(r, 400, "invalid-field", MSG_SIGNRES_SIGN_NEEDED, stray, stray, NULL, NULL);
        goto out;
    }
    if (sign && (!c->sign.key_id || !c->sign.pin || !c->sign.seal_key_id != !c->sign.seal_pin)) {
        const char *f = !c->sign.key_id ? "key_id" : !c->sign.pin ? "pin" : c->sign.seal_key_id ? "seal_pin" : "seal_key_id";
        reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, f, f, NULL, NULL);
        goto out;
    }
    if (dossier_action_parse(action, &c->in.action) < 0) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "action", "action",
                      "accept | refuse | assign | forward | return | request_supplement | resubmit | "
                      "request_payment | record_payment | extend | approve | attach_result | deliver | withdraw | stop | "
                      "attach_paper | hand_back",
                      NULL);
        goto out;
    }
    int rc = store_read(r->app->store, owner_fn, c);
    if (rc == 0) rc = dossier_calendar(r->app->store, c->unit_id, &hc);
    if (rc < 0) {
        if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        else reply_errno(r, rc);
        goto out;
    }
    c->in.cal = holiday_calendar_cal(hc);
    c->in.now_ms = clock_now_ms();
    if (sign && c->in.action != DA_APPROVE) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "sign", "sign", "approve", NULL);
        goto out;
    }
    if (sign) {
        c->blobs = r->app->blobs;
        c->sign.trust_pem = r->app->sign_trust_pem;
        if (api_pin_throttled(r, c->sign.key_id) < 0 || api_pin_throttled(r, c->sign.seal_key_id) < 0) goto out;
        rc = store_read(r->app->store, sign_fn, c);
        api_wipe_json_string(body, "pin");
        api_wipe_json_string(body, "seal_pin");
        if (rc < 0) {
            if (c->err.msg == MSG_SIGNRES_PIN)
                api_pin_failed(r, !strcmp(c->err.field, "seal_pin") ? c->sign.seal_key_id : c->sign.key_id);
            api_reply_derr(r, rc, &c->err);
            goto out;
        }
        c->in.signed_result = &c->signed_result;
    }
    /* The commit is waited for off the worker (req_write_async); action_done replies and frees. */
    c->hc = hc;
    c->body = body;
    return req_write_async(r, act_fn, c, action_done);
out:
    if (hc) holiday_calendar_release(hc);
    dossier_free(&c->out);
    free(c);
    api_wipe_json_string(body, "pin");
    api_wipe_json_string(body, "seal_pin");
    json_decref(body);
    return 0;
}

/* ---- the result document: GET /api/v1/dossiers/{code}/result ---- */

struct result_ctx {
    const principal_t *who;
    const char        *code;
    paper_t            p;
};

static int result_fn(db_t *db, void *arg)
{
    struct result_ctx *c = arg;
    char id[ID_LEN + 1];
    int rc = dossier_result_download(db, c->who, c->code, id);
    return rc < 0 ? rc : paper_get(db, id, &c->p);
}

/* The signed result (else, once resolved, the attached one) to whoever may see the dossier; 404 otherwise. */
int api_dossiers_result(req_t *r)
{
    const char *code = req_param(r, 0);
    if (!api_dossier_code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct result_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->code = code;
    int rc = store_read(r->app->store, result_fn, c);
    if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else if (rc < 0) reply_errno(r, rc);
    else api_paper_send(r, &c->p);
    free(c);
    return 0;
}

/* ---- work lists ---- */

struct list_ctx {
    const principal_t *who;
    dossier_query_t    q;
    lang_t             lang;
    buf_t              b;
    jw_t               w;
    long long          total, n;
    bool               more;
    char               last[ID_LEN + 1];
};

static int list_cb(const dossier_t *d, void *arg)
{
    struct list_ctx *c = arg;
    if (c->n == c->q.limit - 1) {
        c->more = true;
        return -1;
    }
    c->n++;
    str_copy(c->last, sizeof c->last, d->id);
    jw_obj_begin(&c->w);
    dossier_brief_json(&c->w, d, c->lang);
    jw_obj_end(&c->w);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    c->n = 0;
    c->more = false;
    jw_obj_begin(&c->w);
    jw_key(&c->w, "items");
    jw_arr_begin(&c->w);
    int rc = dossier_list(db, c->who, &c->q, list_cb, c, &c->total);
    jw_arr_end(&c->w);
    /* Beyond the cap the count stopped: total is the cap and total_capped says "more than total". */
    bool capped = c->total > dossier_total_cap();
    jw_kint(&c->w, "total", capped ? dossier_total_cap() : c->total);
    jw_kbool(&c->w, "total_capped", capped);
    jw_kstr(&c->w, "next_cursor", c->more ? c->last : NULL);
    jw_obj_end(&c->w);
    return rc < 0 ? rc : 0;
}

/* The instant `hours` working hours after now on the calendar of the caller's first unit (plain hours when the
 * caller has no unit or its calendar cannot be read). */
static long long working_hours_after(req_t *r, long long now, long long hours)
{
    long long out = now + hours * 3600000LL;
    holiday_calendar_t *hc;
    if (r->who.ngrants && dossier_calendar(r->app->store, r->who.grants[0].unit_id, &hc) == 0) {
        long at;
        if (calendar_add_working_minutes(holiday_calendar_cal(hc), calendar_minutes_from_utc_ms(now), hours * 60,
                                         &at) == 0)
            out = calendar_utc_ms_from_minutes(at);
        holiday_calendar_release(hc);
    }
    return out;
}

int api_dossiers_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    static const char *const views[] = {"unit", "mine", "department", "due_soon", "overdue", "waiting"};
    const char *view = req_query(r, "view");
    int v = -1;
    for (int i = 0; i < 6; i++)
        if (!view || !strcmp(view, views[i])) {
            v = i;
            break;
        }
    if (v < 0) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "view", "view", NULL, NULL);
    if (p.cursor && !id_valid(p.cursor))
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    long long hours = 8, status = 0;
    const char *hs = req_query(r, "hours"), *ss = req_query(r, "status");
    char *end;
    if (hs && (hours = strtoll(hs, &end, 10), end == hs || *end || hours < 1 || hours > 720))
        return reply_problem(r, 400, "invalid-parameter", MSG_FIELD_RANGE, "hours", "hours", "1", "720");
    if (ss && (status = strtoll(ss, &end, 10), end == ss || *end || status < 1 || status > 10))
        return reply_problem(r, 400, "invalid-parameter", MSG_FIELD_RANGE, "status", "status", "1", "10");
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->lang = r->lang;
    c->q = (dossier_query_t){.view = (dossier_view_t)v, .q = p.q, .status = (int)status, .now_ms = clock_now_ms(),
                             .after_id = p.cursor, .limit = p.limit + 1};
    c->q.due_before = v == DV_DUE_SOON ? working_hours_after(r, c->q.now_ms, hours) : c->q.now_ms + hours * 3600000LL;
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, list_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        reply_errno(r, rc);
    } else api_reply_writer(r, 200, &c->w, &c->b);
    free(c);
    return 0;
}

/* ---- assignee suggestions ---- */

struct assignees_ctx {
    const principal_t *who;
    const char        *code, *after;
    long long          due_before, total;
    derr_t             err;
    api_page_t         pg;
};

static int assignee_cb(const dossier_assignee_t *a, void *arg)
{
    struct assignees_ctx *c = arg;
    bool first = !c->after && c->pg.n == 0;
    if (!api_page_take(&c->pg, a->cursor)) return -1;
    jw_t *w = &c->pg.w;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->account_id);
    jw_kstr(w, "username", a->username);
    jw_kstr(w, "full_name", a->full_name);
    jw_kbool(w, "qualified", a->qualified);
    jw_kint(w, "open", a->open);
    jw_kint(w, "due_soon", a->due_soon);
    jw_key(w, "next_due_at");
    if (a->next_due_at) {
        char iso[CLOCK_ISO_LEN];
        clock_iso_vn(a->next_due_at, iso);
        jw_str(w, iso);
    } else jw_null(w);
    jw_kbool(w, "suggested", first);
    jw_obj_end(w);
    return 0;
}

static int assignees_fn(db_t *db, void *arg)
{
    struct assignees_ctx *c = arg;
    buf_free(&c->pg.b);               /* a retried read starts the page again */
    api_page_begin(&c->pg, c->pg.limit);
    return dossier_assignees(db, c->who, c->code, c->due_before, c->after, c->pg.limit + 1, assignee_cb, c, &c->total,
                             &c->err);
}

/* GET /api/v1/dossiers/{code}/assignees[?limit=&cursor=]: who the caller may assign the current step to, the
 * suggested officer first (dossier.h: dossier_assignees); due_soon counts the open dossiers due within 24 working
 * hours of the caller's first unit (as view=due_soon&hours=24). */
int api_dossiers_assignees(req_t *r)
{
    const char *code = req_param(r, 0);
    if (!api_dossier_code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    if (p.q) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "q", "q", NULL, NULL);
    struct assignees_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->code = code;
    c->after = p.cursor;
    c->pg.limit = p.limit;
    c->due_before = working_hours_after(r, clock_now_ms(), 24);
    int rc = store_read(r->app->store, assignees_fn, c);
    if (rc < 0) {
        buf_free(&c->pg.b);
        api_reply_derr(r, rc, &c->err);
    } else {
        jw_arr_end(&c->pg.w);
        jw_kint(&c->pg.w, "total", c->total);
        jw_kstr(&c->pg.w, "next_cursor", c->pg.more ? c->pg.cursor : NULL);
        jw_obj_end(&c->pg.w);
        api_reply_writer(r, 200, &c->pg.w, &c->pg.b);
    }
    free(c);
    return 0;
}

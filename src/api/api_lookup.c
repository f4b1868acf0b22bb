/* api_lookup.c — the public lookup of a dossier, the applicant's rating and complaints, and the staff's complaint
 * list and answers (domain/lookup.h).
 *
 * Public answers carry Cache-Control: no-store. A wrong code and a wrong proof get the same 404 body; failed proofs
 * are counted per client address (--trust-proxy: the forwarded one) and past the limit answered 429 with
 * Retry-After. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/dossier_result.h"
#include "domain/lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int reply_not_found(req_t *r)
{
    return reply_problem(r, 404, "not-found", MSG_LOOKUP_NOT_FOUND, NULL, NULL, NULL, NULL);
}

static int reply_throttled(req_t *r, long long retry_ms)
{
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", retry_ms > 0 ? (retry_ms + 999) / 1000 : 1);
    reply_header(r, "Retry-After", secs);
    return reply_problem(r, 429, "slow-down", MSG_LOOKUP_SLOW_DOWN, NULL, secs, NULL, NULL);
}

/* The answer to a proof that did not pass: 429 (throttled: rc 0, retry > 0), 404, 400 or 5xx; returns -1 after
 * replying, or 0 when the proof passed (nothing sent). */
static int proof_reply(req_t *r, int rc, long long retry, const derr_t *err)
{
    if (rc == 0 && retry > 0) return reply_throttled(r, retry), -1;
    if (rc == -ENOENT) return reply_not_found(r), -1;
    if (rc < 0) return api_reply_derr(r, rc, err), -1;
    return 0;
}

/* Check the proof; 0 with dossier_id set, or -1 after replying (400, 404, 429, 5xx). */
static int prove(req_t *r, const lookup_proof_t *p, char dossier_id[ID_LEN + 1])
{
    char addr[64];
    req_client_addr(r, addr, sizeof addr);
    long long retry = 0;
    derr_t err = {0};
    int rc = lookup_prove(r->app->store, p, addr, dossier_id, &retry, &err);
    return proof_reply(r, rc, retry, &err);
}

struct public_ctx {
    const char *id;
    lang_t      lang;
    buf_t       b;
    jw_t        w;
};

static int public_fn(db_t *db, void *arg)
{
    struct public_ctx *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    return lookup_json(db, &c->w, c->id, c->lang);
}

static int reply_public(req_t *r, int status, const char *dossier_id)
{
    struct public_ctx c = {dossier_id, r->lang, {0}, {0}};
    buf_init(&c.b, 0);
    int rc = store_read(r->app->store, public_fn, &c);
    if (rc < 0) {
        buf_free(&c.b);
        return rc == -ENOENT ? reply_not_found(r) : reply_errno(r, rc);
    }
    return api_reply_writer(r, status, &c.w, &c.b);
}

int api_public_lookup(req_t *r)
{
    reply_header(r, "Cache-Control", "no-store");
    /* HEAD would be a lookup without a body (the same proof checks and counting): refused, GET only. */
    if (!strcmp(r->method, "HEAD")) {
        reply_header(r, "Allow", "GET");
        return reply_problem(r, 405, "method-not-allowed", MSG_METHOD_NOT_ALLOWED, NULL, r->method, NULL, NULL);
    }
    lookup_proof_t p = {req_query(r, "code"), req_query(r, "phone"), req_query(r, "id4")};
    /* The proof and the public view in one read snapshot (lookup_public); the answers of prove() otherwise. */
    char addr[64];
    req_client_addr(r, addr, sizeof addr);
    long long retry = 0;
    derr_t err = {0};
    buf_t b;
    buf_init(&b, 0);
    int rc = lookup_public(r->app->store, &p, addr, r->lang, &b, &retry, &err);
    if (proof_reply(r, rc, retry, &err) < 0) {
        buf_free(&b);
        return 0;
    }
    return reply_json(r, 200, &b);
}

/* ---- rating ---- */

struct rate_ctx {
    char            id[ID_LEN + 1];
    lookup_rating_t in;
    derr_t          err;
};

static int rate_fn(db_t *db, void *arg)
{
    struct rate_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return lookup_rate(db, c->id, &c->in, &c->err);
}

static int do_rate(req_t *r, struct rate_ctx *c)
{
    c->in.now_ms = clock_now_ms();
    int rc = store_write(r->app->store, rate_fn, c);
    if (rc < 0) return api_reply_derr(r, rc, &c->err);
    return reply_public(r, 201, c->id);
}

int api_public_rating(req_t *r)
{
    reply_header(r, "Cache-Control", "no-store");
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct rate_ctx *c = xcalloc(1, sizeof *c);
    lookup_proof_t p = {req_param(r, 0), NULL, NULL};
    const field_t f[] = {
        {"phone", FT_STRING, false, 1, 20, &p.phone, NULL},
        {"id4", FT_STRING, false, 1, 4, &p.id4, NULL},
        {"satisfied", FT_BOOL, true, 0, 0, &c->in.satisfied, NULL},
        {"comment", FT_STRING, false, 0, LOOKUP_COMMENT_MAX, &c->in.comment, NULL},
    };
    if (req_fields(r, body, f, sizeof f / sizeof f[0]) == 0 && prove(r, &p, c->id) == 0) do_rate(r, c);
    json_decref(body);
    free(c);
    return 0;
}

struct owned_ctx {
    const principal_t *who;
    const char        *code;
    char              *id;
};

static int owned_fn(db_t *db, void *arg)
{
    struct owned_ctx *o = arg;
    return lookup_owned(db, o->who, o->code, o->id);
}

/* The signed-in citizen who owns the dossier rates it without a proof. */
int api_dossiers_rating(req_t *r)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct rate_ctx *c = xcalloc(1, sizeof *c);
    const field_t f[] = {
        {"satisfied", FT_BOOL, true, 0, 0, &c->in.satisfied, NULL},
        {"comment", FT_STRING, false, 0, LOOKUP_COMMENT_MAX, &c->in.comment, NULL},
    };
    if (req_fields(r, body, f, sizeof f / sizeof f[0]) == 0) {
        struct owned_ctx o = {&r->who, req_param(r, 0), c->id};
        int rc = store_read(r->app->store, owned_fn, &o);
        if (rc == -ENOENT) {
            reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        } else if (rc < 0) {
            reply_errno(r, rc);
        } else {
            c->in.by_account = r->who.account_id;
            do_rate(r, c);
        }
    }
    json_decref(body);
    free(c);
    return 0;
}

/* ---- complaints ---- */

struct file_ctx {
    char        dossier_id[ID_LEN + 1];
    char        id[ID_LEN + 1];
    const char *text;
    long long   now;
    complaint_t out;
    derr_t      err;
};

static int file_fn(db_t *db, void *arg)
{
    struct file_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return lookup_complaint_file(db, c->dossier_id, c->id, c->text, NULL, c->now, &c->out, &c->err);
}

static int reply_complaint(req_t *r, int status, const complaint_t *cp, bool staff)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    complaint_json(&w, cp, staff);
    return api_reply_writer(r, status, &w, &b);
}

int api_public_complaint(req_t *r)
{
    reply_header(r, "Cache-Control", "no-store");
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct file_ctx *c = xcalloc(1, sizeof *c);
    lookup_proof_t p = {req_param(r, 0), NULL, NULL};
    const field_t f[] = {
        {"phone", FT_STRING, false, 1, 20, &p.phone, NULL},
        {"id4", FT_STRING, false, 1, 4, &p.id4, NULL},
        {"text", FT_STRING, true, 1, LOOKUP_TEXT_MAX, &c->text, NULL},
    };
    if (req_fields(r, body, f, sizeof f / sizeof f[0]) == 0 && prove(r, &p, c->dossier_id) == 0) {
        id_new(c->id);
        c->now = clock_now_ms();
        int rc = store_write(r->app->store, file_fn, c);
        if (rc < 0) api_reply_derr(r, rc, &c->err);
        else reply_complaint(r, 201, &c->out, false);
    }
    complaint_clear(&c->out);
    json_decref(body);
    free(c);
    return 0;
}

struct answer_ctx {
    const principal_t *who;
    const char        *id, *answer;
    long long          now;
    complaint_t        out;
    derr_t             err;
};

static int answer_fn(db_t *db, void *arg)
{
    struct answer_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    complaint_clear(&c->out);
    return lookup_complaint_answer(db, c->who, c->id, c->answer, c->now, &c->out, &c->err);
}

int api_complaints_answer(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct answer_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    const field_t f[] = {{"answer", FT_STRING, true, 1, LOOKUP_TEXT_MAX, &c->answer, NULL}};
    if (req_fields(r, body, f, 1) == 0) {
        c->now = clock_now_ms();
        int rc = store_write(r->app->store, answer_fn, c);
        if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        else if (rc < 0) api_reply_derr(r, rc, &c->err);
        else reply_complaint(r, 200, &c->out, true);
    }
    complaint_clear(&c->out);
    json_decref(body);
    free(c);
    return 0;
}

static int list_cb(const complaint_t *c, void *arg)
{
    api_page_t *pg = arg;
    if (!api_page_take(pg, c->id)) return -1;
    complaint_json(&pg->w, c, true);
    return 0;
}

struct list_ctx {
    const principal_t *who;
    const char        *status, *cursor;
    api_page_t        *pg;
};

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *l = arg;
    int rc = lookup_complaint_list(db, l->who, l->status, l->cursor, l->pg->limit + 1, list_cb, l->pg);
    return rc < 0 ? rc : 0;
}

int api_complaints_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    if (p.cursor && !id_valid(p.cursor))
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    const char *status = req_query(r, "status");
    if (status && strcmp(status, "open") && strcmp(status, "answered"))
        return reply_problem(r, 400, "invalid-parameter", MSG_LOOKUP_COMPLAINT_STATUS, "status", NULL, NULL, NULL);
    api_page_t pg;
    api_page_begin(&pg, p.limit);
    struct list_ctx l = {&r->who, status, p.cursor, &pg};
    int rc = store_read(r->app->store, list_fn, &l);
    return api_page_reply(r, &pg, rc);
}

/* ---- signed results: the public verification of a copy ---- */

struct verify_ctx {
    const req_t *r;
    buf_t        b;
    jw_t         w;
    bool         valid, issued;
    derr_t       err;
};

static int verify_fn(db_t *db, void *arg)
{
    struct verify_ctx *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    memset(&c->err, 0, sizeof c->err);
    return dossier_result_verify(db, c->r->body.data, c->r->body.len, c->r->app->sign_trust_pem, &c->w, &c->valid,
                                 &c->issued, &c->err);
}

/* POST /api/v1/lookup/verify, body = the PDF (application/pdf, at most --body-max: 413 beyond). Public: every
 * check that does not end in "a valid result this node issued" counts against the client address like a failed
 * lookup proof, so the route cannot be used to probe or to burn CPU without being spaced out (429). */
int api_lookup_verify(req_t *r)
{
    reply_header(r, "Cache-Control", "no-store");
    const char *ct = req_header(r, "Content-Type");
    size_t n = ct ? strcspn(ct, "; ") : 0;
    if (!ct || n != 15 || strncasecmp(ct, "application/pdf", 15))
        return reply_problem(r, 415, "unsupported-media-type", MSG_VERIFY_TYPE, "Content-Type", NULL, NULL, NULL);
    char addr[64];
    req_client_addr(r, addr, sizeof addr);
    long long retry = 0;
    int rc = auth_lookup_throttle_peek(r->app->store, addr, &retry);
    if (rc < 0) return reply_errno(r, rc);
    if (retry > 0) return reply_throttled(r, retry);
    if (r->body.len == 0) return reply_problem(r, 400, "empty-body", MSG_VERIFY_EMPTY, NULL, NULL, NULL, NULL);
    struct verify_ctx *c = xcalloc(1, sizeof *c);
    c->r = r;
    buf_init(&c->b, 0);
    rc = store_read(r->app->store, verify_fn, c);
    bool issued = rc == 0 && c->valid && c->issued;
    if (!issued && (rc == 0 || c->err.status == 422)) auth_lookup_throttle_fail(r->app->store, addr, &retry);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else api_reply_writer(r, 200, &c->w, &c->b);
    if (rc < 0) buf_free(&c->b);
    free(c);
    return 0;
}

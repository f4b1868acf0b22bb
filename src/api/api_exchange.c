/* api_exchange.c — the edXML inbox over HTTP (domain/exchange.h).
 *
 *   POST /api/v1/exchange/inbox      a signed edXML package (Content-Type application/xml), from another motcua
 *                                    node or agency, with an API token (or session) of a clerk or leader of the
 *                                    receiving unit: 201 registered, 200 delivered before (registered once),
 *                                    422 rejected with the reason (the package kept as evidence)
 *   GET  /api/v1/exchange/received   packages received for the caller's units (paginated)
 *   GET  /api/v1/exchange/rejected   packages rejected (evidence), for the caller's units; national admins also
 *                                    see those that named no unit of this node
 *
 * The signature is checked on the HTTP worker, before the write transaction (the writer never runs libxmlsec). */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/log.h"
#include "domain/blob.h"
#include "domain/exchange.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct inbox_ctx {
    const principal_t *who;
    char               id[ID_LEN + 1];
    long long          now;
    const void        *xml;
    size_t             n;
    exchange_check_t   check;
    exchange_result_t  res;
    derr_t             err;
};

static int inbox_fn(db_t *db, void *arg)
{
    struct inbox_ctx *c = arg;
    return exchange_receive(db, c->who, c->id, c->now, c->xml, c->n, &c->check, &c->res, &c->err);
}

static bool xml_type(const char *ct)
{
    if (!ct) return false;
    size_t n = strcspn(ct, "; ");
    return (n == 15 && !strncasecmp(ct, "application/xml", 15)) || (n == 8 && !strncasecmp(ct, "text/xml", 8));
}

/* attachments: the PDF files of a package that verified, into the blob store before the write transaction (a
 * blob left by a transaction that fails is content-addressed and harmless, as for papers). A file that cannot be
 * stored is not attached (logged); the package is still registered. */
static void keep_pdfs(req_t *r, exchange_check_t *c)
{
    const edxml_doc_t *d = &c->doc;
    if (c->parse_rc != 0 || c->verify_rc != 0 || d->kind != EDXML_PACKAGE || d->n_attachments <= 0 || !r->app->blobs)
        return;
    c->pdfs = xcalloc((size_t)d->n_attachments, sizeof *c->pdfs);
    for (int i = 0; i < d->n_attachments; i++) {
        const edxml_attachment_t *a = &d->attachments[i];
        const char *t = a->len ? blob_sniff(a->data, a->len) : NULL;
        if (!t || strcmp(t, "application/pdf") != 0) continue;
        blob_writer_t *w;
        int rc = blob_begin(r->app->blobs, &w);
        if (rc == 0 && (rc = blob_write(w, a->data, a->len)) < 0) blob_abort(w);
        if (rc == 0) rc = blob_commit(w, c->pdfs[i].hex);
        if (rc < 0) {
            log_error("exchange: cannot store attachment %d of a package: %s", i + 1, strerror(-rc));
            continue;
        }
        c->pdfs[i].sha256 = c->pdfs[i].hex;
        c->pdfs[i].name = a->name;
        c->pdfs[i].size = (long long)a->len;
    }
}

int api_exchange_inbox(req_t *r)
{
    if (!r->app->exchange_trust_pem) {
        reply_header(r, "Retry-After", "3600");
        return reply_problem(r, 503, "not-configured", MSG_EXCHANGE_NOT_CONFIGURED, NULL, NULL, NULL, NULL);
    }
    if (!xml_type(req_header(r, "Content-Type")))
        return reply_problem(r, 415, "unsupported-media-type", MSG_EXCHANGE_MEDIA_TYPE, NULL, NULL, NULL, NULL);
    if (!auth_has_role(&r->who, ROLE_CLERK) && !auth_has_role(&r->who, ROLE_LEADER))
        return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    struct inbox_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    id_new(c->id);
    c->now = clock_now_ms();
    c->xml = r->body.data ? r->body.data : "";
    c->n = r->body.len;
    exchange_check(c->xml, c->n, r->app->exchange_trust_pem, &c->check);
    keep_pdfs(r, &c->check);                                 /* attachments */
    int rc = store_write(r->app->store, inbox_fn, c);
    free(c->check.pdfs);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
    } else if (c->res.outcome == EXCHANGE_REJECTED) {
        reply_problem(r, 422, "package-rejected", c->res.msg, NULL, c->res.reason, NULL, NULL);
    } else {
        buf_t b;
        buf_init(&b, 0);
        jw_t w;
        jw_init(&w, &b);
        jw_obj_begin(&w);
        jw_kstr(&w, "id", c->res.id[0] ? c->res.id : NULL);
        jw_kstr(&w, "outcome", c->res.outcome == EXCHANGE_REGISTERED ? "registered" : "duplicate");
        jw_kstr(&w, "status_code", c->res.status_code);
        jw_key(&w, "signer");
        jw_obj_begin(&w);
        jw_kstr(&w, "subject_cn", c->check.who.subject_cn);
        jw_kstr(&w, "issuer_cn", c->check.who.issuer_cn);
        jw_kstr(&w, "serial", c->check.who.serial_hex);
        jw_obj_end(&w);
        jw_kbool(&w, "lenient", c->check.lenient);
        jw_kstr(&w, "lenient_why", c->check.lenient ? c->check.why : NULL);
        jw_key(&w, "document");
        if (c->res.doc.id[0]) document_json(&w, &c->res.doc, r->lang);
        else jw_null(&w);
        jw_obj_end(&w);
        api_reply_writer(r, c->res.outcome == EXCHANGE_REGISTERED ? 201 : 200, &w, &b);
    }
    edxml_doc_free(&c->check.doc);
    free(c);
    return 0;
}

struct list_ctx {
    const principal_t *who;
    bool               rejected;
    page_t             p;
    api_page_t         pg;
};

static int list_cb(const exchange_row_t *x, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, x->id)) return -1;
    exchange_row_json(&c->pg.w, x);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = exchange_list(db, c->who, c->rejected, c->p.cursor, c->p.limit + 1, list_cb, c);
    return rc < 0 ? rc : 0;
}

static int list(req_t *r, bool rejected)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    if (req_page(r, &c->p) < 0) {
        free(c);
        return 0;
    }
    if ((c->p.cursor && !id_valid(c->p.cursor)) || c->p.q) {
        const char *which = c->p.q ? "q" : "cursor";
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, which, which, NULL, NULL);
    }
    c->who = &r->who;
    c->rejected = rejected;
    api_page_begin(&c->pg, c->p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

int api_exchange_received(req_t *r) { return list(r, false); }
int api_exchange_rejected(req_t *r) { return list(r, true); }

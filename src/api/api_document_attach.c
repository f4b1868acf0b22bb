/* api_document_attach.c — PDF attachments of official documents (domain/document_attach.h):
 *   POST /api/v1/documents/{id}/attachments?name=N   body = the PDF (Content-Type application/pdf), streamed into the
 *        blob store as papers are (api_upload.h); clerks and leaders covering the document's unit;
 *   GET  /api/v1/documents/{id}/attachments/{aid}    the bytes, to whoever may read the document (404 otherwise).
 * The text of each attachment is read later by the extractor thread (sync/pdf_extractor.h); until then it is listed
 * with text_state "pending". */
#include "api/api.h"
#include "api/api_upload.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/document_attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int not_found(req_t *r) { return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL); }

struct attach {
    const principal_t     *who;
    char                   doc[ID_LEN + 1];
    char                   name[PAPER_NAME_MAX * 4 + 1];
    document_attach_in_t   in;
    document_attachment_t  out;
    derr_t                 err;
};

static int allowed_fn(db_t *db, void *arg)
{
    struct attach *a = arg;
    return document_attach_allowed(db, a->who, a->doc, &a->err);
}

static int attach_fn(db_t *db, void *arg)
{
    struct attach *a = arg;
    memset(&a->err, 0, sizeof a->err);
    return document_attach(db, a->who, &a->in, &a->out, &a->err);
}

static void attach_done(req_t *r, void *ctx, const char *sha, long long size)
{
    struct attach *a = ctx;
    id_new(a->in.id);
    a->in.at = clock_now_ms();
    a->in.document_id = a->doc;
    a->in.sha256 = sha;
    a->in.name = a->name;
    a->in.media_type = "application/pdf";
    a->in.source = "upload";
    a->in.size = size;
    int rc = store_write(r->app->store, attach_fn, a);
    if (rc < 0) {
        api_reply_derr(r, rc, &a->err);   /* the blob stays: content-addressed and harmless (docs/papers.md) */
        return;
    }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    document_attachment_json(&w, &a->out);
    char loc[128];
    snprintf(loc, sizeof loc, "/api/v1/documents/%s/attachments/%s", a->doc, a->out.id);
    reply_header(r, "Location", loc);
    api_reply_writer(r, 201, &w, &b);
}

static const api_upload_ops_t attach_ops = {attach_done, free};

int api_documents_attach(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return not_found(r);
    struct attach *a = xcalloc(1, sizeof *a);
    a->who = &r->who;
    str_copy(a->doc, sizeof a->doc, id);
    /* Who and which document first: a caller who may not see it learns nothing from the other answers. */
    int rc = store_read(r->app->store, allowed_fn, a);
    if (rc < 0) {
        rc = api_reply_derr(r, rc, &a->err);
        free(a);
        return rc;
    }
    char media[64];
    api_upload_media(req_header(r, "Content-Type"), media, sizeof media);
    if (strcmp(media, "application/pdf") != 0) {
        free(a);
        return reply_problem(r, 415, "unsupported-media-type", MSG_ATTACH_TYPE, NULL, media[0] ? media : "-", NULL,
                             NULL);
    }
    if (api_upload_refuse_length(r)) {
        free(a);
        return 0;
    }
    const char *name = req_query(r, "name");
    if (name && paper_name_check(name, "name", &a->err) < 0) {
        rc = api_reply_derr(r, -EINVAL, &a->err);
        free(a);
        return rc;
    }
    str_copy(a->name, sizeof a->name, name ? name : "attachment.pdf");
    return api_upload_stream(r, "application/pdf", &attach_ops, a);
}

struct get_ctx {
    const principal_t    *who;
    const char           *doc, *id;
    document_attachment_t a;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    document_t *d = xmalloc(sizeof *d);
    int rc = document_get(db, c->doc, d);
    if (rc == 0 && !document_readable(c->who, d)) rc = -ENOENT;
    free(d);
    return rc < 0 ? rc : document_attachment_get(db, c->doc, c->id, &c->a);
}

int api_documents_attachment_get(req_t *r)
{
    struct get_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->doc = req_param(r, 0);
    c->id = req_param(r, 1);
    int rc = id_valid(c->doc) && id_valid(c->id) ? store_read(r->app->store, get_fn, c) : -ENOENT;
    if (rc < 0) {
        free(c);
        return rc == -ENOENT ? not_found(r) : reply_errno(r, rc);
    }
    api_blob_send(r, c->a.sha256, c->a.size, c->a.name, "application/pdf");
    free(c);
    return 0;
}

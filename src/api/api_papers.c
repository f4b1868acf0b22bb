/* api_papers.c — uploaded papers: streamed upload, download, the citizen's data store, staff marking.
 *
 * POST /api/v1/papers is a ROUTE_STREAM route: the handler runs when the headers are in and checks the declared
 * type (415), the declared length (413 past --paper-max) and the name; then the body goes chunk by chunk into a
 * blob writer (hashed and written to a temporary file, never held whole in memory). The first bytes must be the
 * declared type's magic number (415 otherwise); a body past the cap is refused as it arrives (413) and its
 * temporary file removed; an empty body is 400. Only a complete, well-typed body is committed (fsync + rename)
 * and recorded as one paper.uploaded event. Download streams the blob file (MHD_create_response_from_fd) to
 * whoever papers_visible() admits; anyone else gets 404. */
#include "api/api.h"
#include "api/api_export.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "api/api_upload.h"
#include "domain/blob.h"
#include "domain/paper.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The three accepted types as static strings (r->content_type must outlive the handler). */
static const char *canonical_type(const char *t)
{
    static const char *const types[] = {"application/pdf", "image/jpeg", "image/png"};
    for (size_t i = 0; i < 3; i++)
        if (t && !strcmp(t, types[i])) return types[i];
    return NULL;
}

static const char *default_name(const char *type)
{
    return !strcmp(type, "application/pdf") ? "paper.pdf" : !strcmp(type, "image/jpeg") ? "paper.jpg" : "paper.png";
}

struct upload {
    const char    *type;           /* declared, canonical */
    char           name[PAPER_NAME_MAX * 4 + 1];
    char           unit_id[ID_LEN + 1];
    bool           digitized;
    paper_upload_t in;
    paper_t        out;
    derr_t         err;
    const principal_t *who;
};

static int upload_fn(db_t *db, void *arg)
{
    struct upload *u = arg;
    memset(&u->err, 0, sizeof u->err);
    return paper_record_upload(db, u->who, &u->in, &u->out, &u->err);
}

static void upload_done(req_t *r, void *ctx, const char *sha, long long size)
{
    struct upload *u = ctx;
    id_new(u->in.id);
    u->in.at = clock_now_ms();
    u->in.sha256 = sha;
    u->in.name = u->name;
    u->in.media_type = u->type;
    u->in.unit_id = u->unit_id;
    u->in.size = size;
    u->in.digitized = u->digitized;
    int rc = store_write(r->app->store, upload_fn, u);
    if (rc < 0) {
        /* The blob stays: it is content-addressed, harmless, and may be another paper's bytes too. */
        api_reply_derr(r, rc, &u->err);
        return;
    }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    paper_json(&w, &u->out);
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/papers/%s", u->out.id);
    reply_header(r, "Location", loc);
    api_etag(r, u->out.version);
    api_reply_writer(r, 201, &w, &b);
}

static const api_upload_ops_t upload_ops = {upload_done, free};

struct unit_ctx {
    const char *id;
    unit_t     *u;
};

static int unit_fn(db_t *db, void *arg)
{
    struct unit_ctx *c = arg;
    return unit_get(db, c->id, c->u);
}

int api_papers_upload(req_t *r)
{
    char media[64];
    api_upload_media(req_header(r, "Content-Type"), media, sizeof media);
    const char *type = canonical_type(media);
    if (!type) return reply_problem(r, 415, "unsupported-media-type", MSG_PAPER_TYPE_UNSUPPORTED, NULL,
                                    media[0] ? media : "-", NULL, NULL);
    if (api_upload_refuse_length(r)) return 0;
    const char *name = req_query(r, "name");
    derr_t e = {0};
    if (name && paper_name_check(name, "name", &e) < 0) return api_reply_derr(r, -EINVAL, &e);
    bool citizen = strcmp(r->who.kind, "citizen") == 0;
    const char *unit = req_query(r, "unit");
    char unit_id[ID_LEN + 1] = "";
    if (citizen && unit) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "unit", "unit", NULL, NULL);
    if (!citizen) {
        if (unit) {
            if (!id_valid(unit))
                return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "unit", "unit", NULL, NULL);
            unit_t *u = xmalloc(sizeof *u);
            struct unit_ctx uc = {unit, u};
            int rc = store_read(r->app->store, unit_fn, &uc);
            /* Uploading at a unit needs a role at it or above, not merely the sight of an ancestor. */
            bool covers = false;
            for (int k = 0; rc == 0 && k < ROLE__COUNT; k++)
                covers = covers || auth_role_covers(&r->who, (role_t)k, u->path);
            free(u);
            if (rc < 0 && rc != -ENOENT) return reply_errno(r, rc);
            if (!covers) return reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit, NULL, NULL);
            str_copy(unit_id, sizeof unit_id, unit);
        } else if (r->who.ngrants > 0) {
            str_copy(unit_id, sizeof unit_id, r->who.grants[0].unit_id);
        }
    }
    struct upload *u = xcalloc(1, sizeof *u);
    u->type = type;
    str_copy(u->name, sizeof u->name, name ? name : default_name(type));
    memcpy(u->unit_id, unit_id, sizeof unit_id);
    /* Scanned at the desk by an officer: digitized. A citizen's own upload waits for an officer's check. */
    u->digitized = !citizen;
    u->who = &r->who;
    return api_upload_stream(r, type, &upload_ops, u);
}

/* ---- download ---- */

struct get_ctx {
    const principal_t *who;
    const char        *id;
    paper_t            p;
    int                visible;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    c->visible = papers_visible(db, c->who, c->id);
    if (c->visible < 0) return c->visible;
    return c->visible ? paper_get(db, c->id, &c->p) : -ENOENT;
}

int api_papers_get(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct get_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    int rc = store_read(r->app->store, get_fn, c);
    if (rc < 0) {
        free(c);
        return rc == -ENOENT ? reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL)
                             : reply_errno(r, rc);
    }
    api_paper_send(r, &c->p);
    free(c);
    return 0;
}

int api_paper_send(req_t *r, const paper_t *p)
{
    return api_blob_send(r, p->sha256, p->size, p->name, canonical_type(p->media_type));
}

/* ---- the citizen's data store ---- */

struct list_ctx {
    const principal_t *who;
    page_t             p;
    api_page_t         pg;
};

static int list_cb(const paper_t *p, const char *result_of, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, p->id)) return -1;
    paper_store_json(&c->pg.w, p, result_of);
    return 0;
}

/* The caller's uploads and the results of the dossiers they applied for (a citizen's data store). */
static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = paper_list_store(db, c->who->account_id, c->p.q, c->p.cursor, c->p.limit + 1, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_me_papers(req_t *r)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    if (req_page(r, &c->p) < 0) {
        free(c);
        return 0;
    }
    if (c->p.cursor && !id_valid(c->p.cursor)) {
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    }
    c->who = &r->who;
    api_page_begin(&c->pg, c->p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

/* ---- staff: rename, mark digitized / waiting ---- */

struct update_ctx {
    const principal_t *who;
    const char        *id;
    long long          version;
    paper_change_t     ch;
    paper_t            out;
    derr_t             err;
};

static int update_fn(db_t *db, void *arg)
{
    struct update_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return paper_update(db, c->who, c->id, c->version, &c->ch, &c->out, &c->err);
}

int api_papers_update(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    long long version;
    if (api_if_match(r, &version) < 0) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct update_ctx *c = xcalloc(1, sizeof *c);
    bool has_dig = false;
    field_t f[] = {
        {"name", FT_STRING, false, 1, PAPER_NAME_MAX, &c->ch.name, NULL},
        {"digitized", FT_BOOL, false, 0, 0, &c->ch.digitized, &has_dig},
    };
    if (req_fields(r, body, f, 2) < 0) {
        json_decref(body);
        free(c);
        return 0;
    }
    c->ch.set_digitized = has_dig;
    c->ch.at = clock_now_ms();
    c->who = &r->who;
    c->id = id;
    c->version = version;
    int rc = store_write(r->app->store, update_fn, c);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else {
        buf_t b;
        buf_init(&b, 0);
        jw_t w;
        jw_init(&w, &b);
        paper_json(&w, &c->out);
        api_etag(r, c->out.version);
        api_reply_writer(r, 200, &w, &b);
    }
    json_decref(body);
    free(c);
    return 0;
}

/* api_units.c — the units tree: list (scoped, searchable, paginated), read, create and update (admins).
 *
 * Scope: a unit outside the caller's grants (neither below nor above one of them) is 404, never 403, so ids of
 * other communes reveal nothing. Updates need If-Match with the record's version (412 when stale). */
#include "api/api.h"
#include "core/mem.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct list_ctx {
    unit_query_t q;
    api_page_t   pg;
};

static int list_cb(const unit_t *u, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, u->path)) return -1;
    unit_json(&c->pg.w, u);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = unit_list(db, &c->q, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_units_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    const char *kind = req_query(r, "kind"), *parent = req_query(r, "parent");
    if (kind && strlen(kind) > 16) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "kind", "kind", NULL, NULL);
    if (parent && !id_valid(parent)) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "parent", "parent", NULL, NULL);
    if (p.cursor && p.cursor[0] != '/') return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    char under[AUTH_PATH_MAX];
    if (api_scope_path(r, req_query(r, "under"), 0, under, sizeof under) < 0) return 0;
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = (unit_query_t){.under_path = under, .kind = kind, .parent_id = parent, .q = p.q,
                          .after_path = p.cursor, .limit = p.limit + 1};
    api_page_begin(&c->pg, p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

/* The public list of receiving units (no sign-in): the communes and wards a citizen may address an online dossier
 * to (POST /api/v1/dossiers needs the unit's id, and /api/v1/units is staff-only). Only what the administrative
 * map already makes public goes out: id, kind, name, administrative code and the former names (merged_from), so
 * that a citizen who still knows the pre-2025 commune finds its successor. Inactive units are left out. */
static int public_cb(const unit_t *u, void *arg)
{
    struct list_ctx *c = arg;
    /* The query leaves inactive units out (active_only), so next_cursor is always the path of a unit listed here:
     * a cursor must not hand out the id of an inactive unit the list does not show. */
    if (!u->active) return 0;
    if (!api_page_take(&c->pg, u->path)) return -1;
    jw_t *w = &c->pg.w;
    jw_obj_begin(w);
    jw_kstr(w, "id", u->id);
    jw_kstr(w, "kind", u->kind);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "admin_code", u->admin_code[0] ? u->admin_code : NULL);
    jw_key(w, "merged_from");
    jw_raw(w, u->merged_from[0] ? u->merged_from : "[]", u->merged_from[0] ? strlen(u->merged_from) : 2);
    jw_obj_end(w);
    return 0;
}

static int public_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = unit_list(db, &c->q, public_cb, c);
    return rc < 0 ? rc : 0;
}

int api_public_units(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    const char *kind = req_query(r, "kind");
    if (!kind || !*kind) kind = "commune";
    if (strcmp(kind, "commune") && strcmp(kind, "ward"))
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "kind", "kind", NULL, NULL);
    if (p.cursor && p.cursor[0] != '/')
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = (unit_query_t){.under_path = "", .kind = kind, .q = p.q, .after_path = p.cursor, .limit = p.limit + 1,
                          .active_only = true};
    api_page_begin(&c->pg, p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, public_fn, c));
    free(c);
    return 0;
}

struct get_ctx {
    const char *id;
    unit_t      u;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    return unit_get(db, c->id, &c->u);
}

static int reply_unit(req_t *r, int status, const unit_t *u)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    unit_json(&w, u);
    api_etag(r, u->version);
    return api_reply_writer(r, status, &w, &b);
}

int api_units_get(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct get_ctx *c = xmalloc(sizeof *c);
    c->id = id;
    int rc = store_read(r->app->store, get_fn, c);
    if (rc == 0 && !auth_sees_path(&r->who, c->u.path)) rc = -ENOENT;
    if (rc < 0) { free(c); return reply_errno(r, rc); }
    reply_unit(r, 200, &c->u);
    free(c);
    return 0;
}

struct write_ctx {
    const principal_t *who;
    const char        *id;
    long long          version;
    unit_input_t       in;
    unit_t             out;
    derr_t             err;
};

static int create_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    return unit_create(db, c->who, &c->in, &c->out, &c->err);
}

static int update_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    return unit_update(db, c->who, c->id, c->version, &c->in, &c->out, &c->err);
}

/* merged_from arrives as a JSON array; the domain keeps and validates its compact text. */
static char *merged_text(json_t *arr)
{
    return arr ? json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

static int unit_write(req_t *r, bool create)
{
    long long version = 0;
    if (!create && api_if_match(r, &version) < 0) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct write_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = req_param(r, 0);
    c->version = version;
    json_t *merged = NULL;
    bool active = true, has_active = false;
    const field_t fields[] = {
        {"parent_id", FT_STRING, create, ID_LEN, ID_LEN, &c->in.parent_id, NULL},
        {"kind", FT_STRING, create, 1, 16, &c->in.kind, NULL},
        {"name", FT_STRING, create, 2, 200, &c->in.name, NULL},
        {"slug", FT_STRING, false, 0, 40, &c->in.slug, NULL},
        {"admin_code", FT_STRING, false, 0, 5, &c->in.admin_code, NULL},
        {"edi_code", FT_STRING, false, 0, 13, &c->in.edi_code, NULL},
        {"abbr", FT_STRING, false, 0, 40, &c->in.abbr, NULL},
        {"merged_from", FT_ARRAY, false, 0, 50, &merged, NULL},
        {"active", FT_BOOL, false, 0, 1, &active, &has_active},
    };
    /* parent_id and kind are fixed once created: on update they are unknown fields. */
    size_t first = create ? 0 : 2;
    char *mtext = NULL;
    if (req_fields(r, body, fields + first, sizeof fields / sizeof fields[0] - first) < 0) goto out;
    mtext = merged_text(merged);
    c->in.merged_from = mtext;
    c->in.active = has_active ? active : (create ? 1 : -1);
    int rc = store_write(r->app->store, create ? create_fn : update_fn, c);
    if (rc < 0) { api_reply_derr(r, rc, &c->err); goto out; }
    if (create) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/units/%s", c->out.id);
        reply_header(r, "Location", loc);
    }
    reply_unit(r, create ? 201 : 200, &c->out);
out:
    free(mtext);
    free(c);
    json_decref(body);
    return 0;
}

int api_units_create(req_t *r) { return unit_write(r, true); }

int api_units_update(req_t *r)
{
    if (!id_valid(req_param(r, 0))) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    return unit_write(r, false);
}

/* api_procedures.c — the procedure catalog: public list (folded search, filters, pages) and read, admin create,
 * update (If-Match or "version"), retire, province adaptations, import and export (JSON and CSV).
 *
 * The catalog is public information: reading needs no sign-in. Writes need ROLE_ADMIN at the national root
 * (national records) or covering the province (its adaptations); the domain checks it, so a province outside the
 * caller's grants is 404 and a record the caller may see but not write is 403. */
#include "api/api.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/procedure.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int not_found(req_t *r) { return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL); }

static int bad_param(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, name, name, NULL, NULL);
}

static int reply_procedure(req_t *r, int status, const procedure_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    procedure_json(&w, p);
    api_etag(r, p->version);
    return api_reply_writer(r, status, &w, &b);
}

/* ---- list ---- */

struct list_ctx {
    procedure_query_t q;
    api_page_t        pg;
    long long         total;
};

static int list_cb(const procedure_t *p, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, p->code)) return -1;
    procedure_json(&c->pg.w, p);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = procedure_count(db, &c->q, &c->total);
    if (rc == 0) rc = procedure_list(db, &c->q, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_procedures_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    const char *field = req_query(r, "field"), *online = req_query(r, "online");
    if (field && (strlen(field) > 127 || !utf8_valid(field, strlen(field)))) return bad_param(r, "field");
    int level = -1;
    if (online) {
        static const char *const names[] = {"none", "partial", "full"};
        for (int i = 0; i < 3; i++)
            if (!strcmp(online, names[i])) level = i;
        if (level < 0) return bad_param(r, "online");
    }
    if (p.cursor && !procedure_code_valid(p.cursor)) return bad_param(r, "cursor");
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = (procedure_query_t){.scope = "", .q = p.q, .field = field, .online = level, .after_code = p.cursor,
                               .limit = p.limit + 1};
    api_page_begin(&c->pg, p.limit);
    int rc = store_read(r->app->store, list_fn, c);
    if (rc < 0) {
        buf_free(&c->pg.b);
        free(c);
        return reply_errno(r, rc);
    }
    jw_t *w = &c->pg.w;
    jw_arr_end(w);
    jw_kint(w, "total", c->total);
    jw_kstr(w, "next_cursor", c->pg.more ? c->pg.cursor : NULL);
    jw_obj_end(w);
    api_reply_writer(r, 200, w, &c->pg.b);
    free(c);
    return 0;
}

/* ---- read ---- */

struct get_ctx {
    const char *unit, *scope, *code;
    bool        unit_missing;
    procedure_t p;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    if (c->scope) return procedure_get_scoped(db, c->scope, c->code, &c->p);
    if (c->unit) {
        unit_t *u = xmalloc(sizeof *u);
        int rc = unit_get(db, c->unit, u);
        free(u);
        if (rc == -ENOENT) c->unit_missing = true;
        if (rc < 0) return rc;
    }
    return procedure_get(db, c->unit, c->code, &c->p);
}

static int get_reply(req_t *r, const char *unit, const char *scope)
{
    const char *code = req_param(r, 0);
    if (!procedure_code_valid(code)) return not_found(r);
    struct get_ctx *c = xcalloc(1, sizeof *c);
    *c = (struct get_ctx){.unit = unit, .scope = scope, .code = code};
    int rc = store_read(r->app->store, get_fn, c);
    if (rc == -ENOENT && c->unit_missing)
        reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit, NULL, NULL);
    else if (rc < 0) reply_errno(r, rc);
    else reply_procedure(r, 200, &c->p);
    free(c);
    return 0;
}

int api_procedures_get(req_t *r)
{
    const char *unit = req_query(r, "unit");
    if (unit && !id_valid(unit)) return bad_param(r, "unit");
    return get_reply(r, unit, NULL);
}

int api_procedures_adaptation_get(req_t *r)
{
    if (!id_valid(req_param(r, 1))) return not_found(r);
    return get_reply(r, NULL, req_param(r, 1));
}

/* ---- writes ---- */

struct write_ctx {
    const principal_t *who;
    const char        *scope, *code;
    long long          expected;
    bool               retire;
    procedure_t        in, out;
    procedure_saved_t  how;
    derr_t             err;
};

static int write_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    if (c->retire) return procedure_set_active(db, c->who, c->scope, c->code, false, c->expected, &c->out, &c->err);
    return procedure_save(db, c->who, c->scope, &c->in, c->expected, &c->out, &c->how, &c->err);
}

/* The expected version: the body's "version" (removed from it) or If-Match; required unless creating. Returns 0,
 * or -1 after replying. */
static int expected_version(req_t *r, json_t *body, bool required, long long *out)
{
    json_t *v = body ? json_object_get(body, "version") : NULL;
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            return reply_problem(r, 400, "invalid-field", MSG_WRONG_TYPE, "version", "version", "integer >= 1",
                                 NULL), -1;
        *out = json_integer_value(v);
        json_object_del(body, "version");
        return 0;
    }
    if (!required && !req_header(r, "If-Match")) {
        *out = 0;
        return 0;
    }
    return api_if_match(r, out);
}

/* create (national, POST), update (PUT {code}), adaptation (PUT {code}/adaptations/{province}). */
static int procedure_write(req_t *r, const char *code, const char *scope, bool create)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct write_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->scope = scope;
    if (expected_version(r, body, !create && !*scope, &c->expected) < 0) goto out;
    /* the path names the record: a body's code must agree, and may be left out */
    if (code) {
        json_t *bc = json_object_get(body, "code");
        if (bc && (!json_is_string(bc) || strcmp(json_string_value(bc), code))) {
            reply_problem(r, 422, "rule-violated", MSG_FIELD_INVALID, "code", "code", code, NULL);
            goto out;
        }
        if (!bc) json_object_set_new(body, "code", json_string(code));
    }
    if (procedure_from_json(body, false, &c->in, &c->err) < 0) {
        api_reply_derr(r, -EINVAL, &c->err);
        goto out;
    }
    int rc = store_write(r->app->store, write_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    bool created = c->how == PROCEDURE_CREATED;
    if (created) {
        char loc[160];
        if (*scope) snprintf(loc, sizeof loc, "/api/v1/procedures/%s/adaptations/%s", c->out.code, scope);
        else snprintf(loc, sizeof loc, "/api/v1/procedures/%s", c->out.code);
        reply_header(r, "Location", loc);
    }
    reply_procedure(r, created ? 201 : 200, &c->out);
out:
    json_decref(body);
    free(c);
    return 0;
}

int api_procedures_create(req_t *r) { return procedure_write(r, NULL, "", true); }

int api_procedures_update(req_t *r)
{
    if (!procedure_code_valid(req_param(r, 0))) return not_found(r);
    return procedure_write(r, req_param(r, 0), "", false);
}

int api_procedures_adaptation_put(req_t *r)
{
    if (!procedure_code_valid(req_param(r, 0)) || !id_valid(req_param(r, 1))) return not_found(r);
    return procedure_write(r, req_param(r, 0), req_param(r, 1), false);
}

static int retire(req_t *r, const char *scope)
{
    long long version;
    if (api_if_match(r, &version) < 0) return 0;
    struct write_ctx *c = xcalloc(1, sizeof *c);
    *c = (struct write_ctx){.who = &r->who, .scope = scope, .code = req_param(r, 0), .expected = version,
                            .retire = true};
    int rc = store_write(r->app->store, write_fn, c);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else reply_procedure(r, 200, &c->out);
    free(c);
    return 0;
}

int api_procedures_delete(req_t *r)
{
    if (!procedure_code_valid(req_param(r, 0))) return not_found(r);
    return retire(r, "");
}

int api_procedures_adaptation_delete(req_t *r)
{
    if (!procedure_code_valid(req_param(r, 0)) || !id_valid(req_param(r, 1))) return not_found(r);
    return retire(r, req_param(r, 1));
}

/* ---- import / export ---- */

struct import_ctx {
    const principal_t        *who;
    const char               *scope;
    const char               *text;
    size_t                    len;
    bool                      csv;
    procedure_import_report_t rep;
};

static int import_fn(db_t *db, void *arg)
{
    struct import_ctx *c = arg;
    return procedure_import(db, c->who, c->scope, c->text, c->len, c->csv, &c->rep);
}

static bool media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return ct && !strncasecmp(ct, type, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

int api_procedures_import(req_t *r)
{
    const char *ct = req_header(r, "Content-Type"), *scope = req_query(r, "scope");
    bool csv = media_is(ct, "text/csv");
    if (!csv && !media_is(ct, "application/json"))
        return reply_problem(r, 415, "unsupported-media-type", MSG_UNSUPPORTED_MEDIA, NULL, NULL, NULL, NULL);
    if (scope && !id_valid(scope)) return bad_param(r, "scope");
    if (r->body.len == 0) return reply_problem(r, 400, "body-required", MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if (!utf8_valid(r->body.data, r->body.len))
        return reply_problem(r, 400, "invalid-utf8", MSG_INVALID_UTF8, NULL, NULL, NULL, NULL);
    struct import_ctx *c = xcalloc(1, sizeof *c);
    *c = (struct import_ctx){.who = &r->who, .scope = scope ? scope : "", .text = r->body.data, .len = r->body.len,
                             .csv = csv};
    int rc = store_write(r->app->store, import_fn, c);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    procedure_import_report_json(&w, &c->rep, r->lang);
    if (rc == -EINVAL && c->rep.n_errors && jw_finish(&w) == 0) {
        /* the first error decides the status and the problem's own field; the report lists them all */
        const derr_t *e = &c->rep.errors[0].err;
        char count[16];
        snprintf(count, sizeof count, "%d", c->rep.n_errors);
        int status = e->status == 403 || e->status == 404 ? e->status : 422;
        reply_problem_ext(r, status, status == 422 ? "import-refused" : status == 403 ? "forbidden" : "not-found",
                          MSG_PROC_IMPORT_FAILED, e->field[0] ? e->field : NULL, count, NULL, NULL, "report", b.data,
                          b.len);
        buf_free(&b);
    } else if (rc < 0) {
        buf_free(&b);
        api_reply_derr(r, rc, c->rep.n_errors ? &c->rep.errors[0].err : NULL);
    } else api_reply_writer(r, 200, &w, &b);
    free(c);
    return 0;
}

struct export_ctx {
    const char *scope;
    bool        csv;
    buf_t       out;
};

static int export_fn(db_t *db, void *arg)
{
    struct export_ctx *c = arg;
    buf_reset(&c->out);   /* the read may be re-run after a reconnect */
    return procedure_export(db, c->scope, c->csv, &c->out);
}

int api_procedures_export(req_t *r)
{
    const char *format = req_query(r, "format"), *scope = req_query(r, "scope");
    if (format && strcmp(format, "json") && strcmp(format, "csv")) return bad_param(r, "format");
    if (scope && !id_valid(scope)) return bad_param(r, "scope");
    struct export_ctx *c = xcalloc(1, sizeof *c);
    c->scope = scope ? scope : "";
    c->csv = format && !strcmp(format, "csv");
    buf_init(&c->out, 0);
    int rc = store_read(r->app->store, export_fn, c);
    if (rc < 0) {
        buf_free(&c->out);
        reply_errno(r, rc);
    } else {
        reply_json(r, 200, &c->out);
        if (c->csv) {
            r->content_type = "text/csv; charset=utf-8";
            reply_header(r, "Content-Disposition", "attachment; filename=\"procedures.csv\"");
        }
    }
    free(c);
    return 0;
}

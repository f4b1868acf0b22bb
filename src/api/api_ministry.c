/* api_ministry.c — hand-offs of dossiers to ministry systems over HTTP (domain/ministry.h).
 *
 *   POST /api/v1/dossiers/{code}/handoffs  {system}: an officer of the owning unit hands the dossier off; 202 with
 *                                          the hand-off (state "queued", its acknowledgement due instant)
 *   GET  /api/v1/ministry/handoffs         the hand-offs of the caller's units, newest first (?dossier=CODE)
 *   GET  /api/v1/ministry/handoffs/{id}    one hand-off
 *   GET  /api/v1/ministry/systems          the configured systems' names and kinds (never their URLs or tokens) */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/holiday_store.h"
#include "domain/ministry.h"

#include <stdlib.h>
#include <string.h>

struct send_ctx {
    const principal_t *who;
    ministry_send_in_t in;
    char               id[ID_LEN + 1];
    char               unit_id[ID_LEN + 1];
    ministry_handoff_t out;
    derr_t             err;
};

static int unit_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    dossier_t *d = xcalloc(1, sizeof *d);
    int rc = dossier_get(db, c->in.dossier_code, d);
    if (rc == 0) str_copy(c->unit_id, sizeof c->unit_id, d->unit_id);
    dossier_free(d);
    free(d);
    return rc;
}

static int send_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return ministry_send(db, c->who, c->id, &c->in, &c->out, &c->err);
}

static int get_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    ministry_handoff_free(&c->out);
    return ministry_handoff_get(db, c->id, &c->out);
}

static int reply_handoff(req_t *r, int status, const ministry_handoff_t *h)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    ministry_handoff_json(&w, h, clock_now_ms());
    api_reply_writer(r, status, &w, &b);
    buf_free(&b);
    return 0;
}

int api_ministry_send(req_t *r)
{
    const char *code = req_param(r, 0);
    if (!api_dossier_code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (!r->app->ministry_systems) {
        reply_header(r, "Retry-After", "3600");
        return reply_problem(r, 503, "not-configured", MSG_MINISTRY_NOT_CONFIGURED, NULL, NULL, NULL, NULL);
    }
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct send_ctx *c = xcalloc(1, sizeof *c);
    holiday_calendar_t *hc = NULL;
    const char *system = NULL;
    const field_t fields[] = {
        {"system", FT_STRING, true, 1, MINISTRY_NAME_MAX - 1, &system, NULL},
    };
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    c->in.system = ministry_system_find(r->app->ministry_systems, system);
    if (!c->in.system) {
        reply_problem(r, 422, "unknown-system", MSG_MINISTRY_UNKNOWN_SYSTEM, "system", system, NULL, NULL);
        goto out;
    }
    c->who = &r->who;
    c->in.dossier_code = code;
    /* The owning unit's calendar for the acknowledgement's due instant (no reply depends on this read: a dossier
     * the caller may not see is refused by ministry_send as not found). */
    int rc = store_read(r->app->store, unit_fn, c);
    if (rc == 0) rc = dossier_calendar(r->app->store, c->unit_id, &hc);
    if (rc < 0 && rc != -ENOENT) {
        reply_errno(r, rc);
        goto out;
    }
    c->in.cal = hc ? holiday_calendar_cal(hc) : NULL;
    c->in.now_ms = clock_now_ms();
    id_new(c->id);
    rc = store_write(r->app->store, send_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    rc = store_read(r->app->store, get_fn, c);
    if (rc < 0) reply_errno(r, rc);
    else reply_handoff(r, 202, &c->out);
out:
    if (hc) holiday_calendar_release(hc);
    ministry_handoff_free(&c->out);
    json_decref(body);
    free(c);
    return 0;
}

int api_ministry_handoff(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct send_ctx *c = xcalloc(1, sizeof *c);
    str_copy(c->id, sizeof c->id, id);
    int rc = store_read(r->app->store, get_fn, c);
    if (rc == 0 && !ministry_handoff_visible(&r->who, &c->out)) rc = -ENOENT;
    if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else if (rc < 0) reply_errno(r, rc);
    else reply_handoff(r, 200, &c->out);
    ministry_handoff_free(&c->out);
    free(c);
    return 0;
}

struct list_ctx {
    const principal_t *who;
    const char        *dossier;
    page_t             p;
    api_page_t         pg;
    long long          now;
};

static int list_cb(db_t *db, const ministry_handoff_t *h, void *arg)
{
    (void)db;
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, h->id)) return -1;
    ministry_handoff_json(&c->pg.w, h, c->now);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = ministry_handoff_list(db, c->who, c->dossier, c->p.cursor, c->p.limit + 1, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_ministry_handoffs(req_t *r)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    if (req_page(r, &c->p) < 0) {
        free(c);
        return 0;
    }
    c->dossier = req_query(r, "dossier");
    if ((c->p.cursor && !id_valid(c->p.cursor)) || c->p.q || (c->dossier && !api_dossier_code_ok(c->dossier))) {
        const char *which = c->p.q ? "q" : c->dossier && !api_dossier_code_ok(c->dossier) ? "dossier" : "cursor";
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, which, which, NULL, NULL);
    }
    c->who = &r->who;
    c->now = clock_now_ms();
    api_page_begin(&c->pg, c->p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

int api_ministry_systems(req_t *r)
{
    const ministry_systems_t *s = r->app->ministry_systems;
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kbool(&w, "configured", s != NULL);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (int i = 0; s && i < s->n; i++) {
        jw_obj_begin(&w);
        jw_kstr(&w, "name", s->sys[i].name);
        jw_kstr(&w, "kind", ministry_kind_name(s->sys[i].kind));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    api_reply_writer(r, 200, &w, &b);
    buf_free(&b);
    return 0;
}

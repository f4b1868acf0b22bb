/* api_tasks.c — tasks ("giao việc", domain/task.h):
 *   POST /api/v1/tasks                     create (an official or a commune leader)
 *   GET  /api/v1/tasks                     list: view=all|assigned|lead|coordinating|unit|escalated, due=soon|overdue,
 *                                          days, state, q, cursor, limit
 *   GET  /api/v1/tasks/{id}                one task with its co-ordinators, log, files and the caller's actions
 *   POST /api/v1/tasks/{id}/actions        one lifecycle action (If-Match: the version the caller saw)
 *   POST /api/v1/tasks/{id}/evidence?name= an evidence file (PDF, JPEG or PNG; streamed into the blob store)
 *   GET  /api/v1/tasks/{id}/evidence/{n}   its bytes
 * The deadline checks need the lead unit's calendar, read before the write (dossier_calendar). */
#include "api/api.h"
#include "api/api_upload.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/holiday_store.h"
#include "domain/paper.h"
#include "domain/task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int not_found(req_t *r) { return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL); }

struct lead_ctx {
    const char *account_id, *task_id;
    char        unit_id[ID_LEN + 1];
};

static int lead_fn(db_t *db, void *arg)
{
    struct lead_ctx *c = arg;
    return task_lead_unit(db, c->account_id, c->task_id, c->unit_id);
}

/* The calendar of the lead's unit (*hc NULL when the lead or task is unknown: the domain refuses). 0 or < 0. */
static int lead_calendar(req_t *r, const char *account_id, const char *task_id, holiday_calendar_t **hc)
{
    *hc = NULL;
    struct lead_ctx c = {account_id, task_id, {0}};
    if ((account_id && !id_valid(account_id)) || (task_id && !id_valid(task_id))) return 0;
    int rc = store_read(r->app->store, lead_fn, &c);
    if (rc == -ENOENT) return 0;
    if (rc < 0) return rc;
    return dossier_calendar(r->app->store, c.unit_id, hc);
}

/* ---- one task ---- */

struct get_ctx {
    const principal_t *who;
    const char        *id;
    long long          now;
    task_t             t;
    buf_t              b;
    jw_t               w;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    int rc = task_get(db, c->id, &c->t);
    if (rc == 0 && !task_readable(db, c->who, &c->t)) rc = -ENOENT;
    if (rc == 0) rc = task_json_full(db, &c->w, c->who, &c->t, c->now);
    return rc;
}

static int reply_task(req_t *r, int status, const char *id)
{
    struct get_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    c->now = clock_now_ms();
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, get_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        if (rc == -ENOENT) not_found(r);
        else reply_errno(r, rc);
    } else {
        if (status == 201) {
            char loc[64];
            snprintf(loc, sizeof loc, "/api/v1/tasks/%s", id);
            reply_header(r, "Location", loc);
        }
        api_etag(r, c->t.version);
        api_reply_writer(r, status, &c->w, &c->b);
    }
    free(c);
    return 0;
}

int api_tasks_get(req_t *r)
{
    const char *id = req_param(r, 0);
    return id_valid(id) ? reply_task(r, 200, id) : not_found(r);
}

/* ---- create ---- */

struct create_ctx {
    const principal_t *who;
    task_in_t          in;
    task_t             out;
    derr_t             err;
};

static int create_fn(db_t *db, void *arg)
{
    struct create_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return task_create(db, c->who, &c->in, &c->out, &c->err);
}

int api_tasks_create(req_t *r)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct create_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    task_in_t *in = &c->in;
    json_t *co = NULL;
    const field_t fields[] = {
        {"title", FT_STRING, true, 1, TASK_TITLE_MAX, &in->title, NULL},
        {"content", FT_STRING, true, 1, TASK_TEXT_MAX, &in->content, NULL},
        {"source_kind", FT_STRING, true, 1, 16, &in->source_kind, NULL},
        {"source_ref", FT_STRING, false, 0, TASK_TITLE_MAX, &in->source_ref, NULL},
        {"lead", FT_STRING, true, 1, 64, &in->lead_account_id, NULL},
        {"coordinators", FT_ARRAY, false, 0, TASK_COORDINATORS_MAX, &co, NULL},
        {"deadline", FT_STRING, true, 1, 10, &in->deadline, NULL},
        {"expected_result", FT_STRING, true, 1, TASK_TEXT_MAX, &in->expected_result, NULL},
        {"criteria", FT_STRING, true, 1, TASK_TEXT_MAX, &in->criteria, NULL},
    };
    holiday_calendar_t *hc = NULL;
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    size_t i;
    json_t *v;
    json_array_foreach(co, i, v) {
        if (!json_is_string(v)) {
            reply_problem(r, 400, "invalid-field", MSG_WRONG_TYPE, "coordinators", "coordinators", "string[]", NULL);
            goto out;
        }
        in->coordinators[in->ncoordinators++] = json_string_value(v);
    }
    int rc = lead_calendar(r, in->lead_account_id, NULL, &hc);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    in->cal = hc ? holiday_calendar_cal(hc) : NULL;
    in->now_ms = clock_now_ms();
    rc = store_write(r->app->store, create_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    reply_task(r, 201, c->out.id);
out:
    if (hc) holiday_calendar_release(hc);
    json_decref(body);
    free(c);
    return 0;
}

/* ---- actions ---- */

struct act_ctx {
    const principal_t *who;
    const char        *id;
    task_action_in_t   in;
    task_t             out;
    derr_t             err;
};

static int act_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return task_act(db, c->who, c->id, &c->in, &c->out, &c->err);
}

int api_tasks_action(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return not_found(r);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct act_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    bool approve = false, has_approve = false, has_percent = false;
    const field_t fields[] = {
        {"action", FT_STRING, true, 1, 16, &c->in.action, NULL},
        {"note", FT_STRING, false, 0, TASK_TEXT_MAX, &c->in.note, NULL},
        {"percent", FT_INT, false, -1000, 1000, &c->in.percent, &has_percent},
        {"deadline", FT_STRING, false, 1, 10, &c->in.deadline, NULL},
        {"approve", FT_BOOL, false, 0, 1, &approve, &has_approve},
    };
    holiday_calendar_t *hc = NULL;
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    if (api_if_match(r, &c->in.version) < 0) goto out;
    if (!strcmp(c->in.action, "progress") && !has_percent) {
        reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, "percent", "percent", NULL, NULL);
        goto out;
    }
    c->in.approve = has_approve ? approve : -1;
    int rc = 0;
    if (!strcmp(c->in.action, "extend")) rc = lead_calendar(r, NULL, id, &hc);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    c->in.cal = hc ? holiday_calendar_cal(hc) : NULL;
    c->in.now_ms = clock_now_ms();
    rc = store_write(r->app->store, act_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    reply_task(r, 200, id);
out:
    if (hc) holiday_calendar_release(hc);
    json_decref(body);
    free(c);
    return 0;
}

/* ---- list ---- */

struct list_ctx {
    const principal_t *who;
    task_query_t       q;
    long long          limit;
    api_page_t         pg;
};

static int list_cb(const task_t *t, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, t->id)) return -1;
    task_json(&c->pg.w, t, c->q.now_ms);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    buf_free(&c->pg.b);
    api_page_begin(&c->pg, c->limit);
    int rc = task_list(db, c->who, &c->q, list_cb, c);
    return rc < 0 ? rc : 0;
}

static int bad_param(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, name, name, NULL, NULL);
}

int api_tasks_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    if (p.cursor && !id_valid(p.cursor)) return bad_param(r, "cursor");
    const char *view = req_query(r, "view"), *due = req_query(r, "due"), *days = req_query(r, "days"),
               *state = req_query(r, "state");
    static const char *const views[] = {"all", "assigned", "lead", "coordinating", "unit", "escalated", NULL};
    int vw = 0;
    if (view) {
        while (views[vw] && strcmp(views[vw], view)) vw++;
        if (!views[vw]) return bad_param(r, "view");
    }
    int du = !due ? TASK_DUE_ANY : !strcmp(due, "soon") ? TASK_DUE_SOON : !strcmp(due, "overdue") ? TASK_DUE_OVERDUE : -1;
    if (du < 0) return bad_param(r, "due");
    if (state && !task_state_valid(state)) return bad_param(r, "state");
    long nd = 3;
    if (days) {
        char *end;
        nd = strtol(days, &end, 10);
        if (*end || end == days || strlen(days) > 2 || nd < 1 || nd > 60 || du != TASK_DUE_SOON)
            return bad_param(r, "days");
    }
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->limit = p.limit;
    c->q = (task_query_t){.view = vw, .due = du, .state = state, .q = p.q, .after_id = p.cursor,
                          .limit = p.limit + 1, .now_ms = clock_now_ms(), .due_days = (int)nd};
    buf_init(&c->pg.b, 0);
    int rc = store_read(r->app->store, list_fn, c);
    api_page_reply(r, &c->pg, rc);
    free(c);
    return 0;
}

/* ---- evidence ---- */

struct evidence {
    const principal_t  *who;
    char                id[ID_LEN + 1];
    char                name[PAPER_NAME_MAX * 4 + 1];
    const char         *media;
    task_evidence_in_t  in;
    task_t              out;
    derr_t              err;
};

static int ev_allowed_fn(db_t *db, void *arg)
{
    struct evidence *e = arg;
    return task_evidence_allowed(db, e->who, e->id, &e->err);
}

static int ev_add_fn(db_t *db, void *arg)
{
    struct evidence *e = arg;
    memset(&e->err, 0, sizeof e->err);
    return task_evidence_add(db, e->who, &e->in, &e->out, &e->err);
}

static void ev_done(req_t *r, void *ctx, const char *sha, long long size)
{
    struct evidence *e = ctx;
    e->in.task_id = e->id;
    e->in.sha256 = sha;
    e->in.name = e->name;
    e->in.media_type = e->media;
    e->in.size = size;
    int rc = store_write(r->app->store, ev_add_fn, e);
    if (rc < 0) {
        api_reply_derr(r, rc, &e->err);
        return;
    }
    reply_task(r, 201, e->id);
}

static const api_upload_ops_t ev_ops = {ev_done, free};

int api_tasks_evidence(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return not_found(r);
    struct evidence *e = xcalloc(1, sizeof *e);
    e->who = &r->who;
    str_copy(e->id, sizeof e->id, id);
    int rc = store_read(r->app->store, ev_allowed_fn, e);
    if (rc < 0) {
        rc = api_reply_derr(r, rc, &e->err);
        free(e);
        return rc;
    }
    char media[64];
    api_upload_media(req_header(r, "Content-Type"), media, sizeof media);
    static const char *const types[] = {"application/pdf", "image/jpeg", "image/png"};
    for (int i = 0; i < 3; i++)
        if (!strcmp(media, types[i])) e->media = types[i];
    if (!e->media) {
        free(e);
        return reply_problem(r, 415, "unsupported-media-type", MSG_ATTACH_TYPE, NULL, media[0] ? media : "-", NULL,
                             NULL);
    }
    if (api_upload_refuse_length(r)) {
        free(e);
        return 0;
    }
    const char *name = req_query(r, "name");
    if (name && paper_name_check(name, "name", &e->err) < 0) {
        rc = api_reply_derr(r, -EINVAL, &e->err);
        free(e);
        return rc;
    }
    str_copy(e->name, sizeof e->name, name ? name : "evidence");
    return api_upload_stream(r, e->media, &ev_ops, e);
}

struct ev_get {
    const principal_t *who;
    const char        *id;
    long long          n, size;
    char               sha[65], name[PAPER_NAME_MAX * 4 + 1], media[64];
};

static int ev_get_fn(db_t *db, void *arg)
{
    struct ev_get *g = arg;
    return task_evidence_get(db, g->who, g->id, g->n, g->sha, g->name, sizeof g->name, g->media, &g->size);
}

int api_tasks_evidence_get(req_t *r)
{
    struct ev_get *g = xcalloc(1, sizeof *g);
    g->who = &r->who;
    g->id = req_param(r, 0);
    const char *ns = req_param(r, 1);
    char *end = NULL;
    g->n = ns ? strtoll(ns, &end, 10) : 0;
    int rc = id_valid(g->id) && end && !*end && g->n > 0 ? store_read(r->app->store, ev_get_fn, g) : -ENOENT;
    if (rc < 0) {
        free(g);
        return rc == -ENOENT ? not_found(r) : reply_errno(r, rc);
    }
    /* the content type must outlive the request's handler: one of the static names */
    const char *type = !strcmp(g->media, "image/jpeg") ? "image/jpeg" : !strcmp(g->media, "image/png") ? "image/png"
                                                                                                    : "application/pdf";
    api_blob_send(r, g->sha, g->size, g->name, type);
    free(g);
    return 0;
}

/* ---- who may be given a task: GET /api/v1/tasks/assignees?q= ---- */

struct assignees {
    const principal_t *who;
    const char        *q;
    buf_t              b;
    jw_t               w;
};

static int assignee_cb(const char *kind, const char *id, const char *name, const char *unit_id, void *arg)
{
    struct assignees *c = arg;
    jw_obj_begin(&c->w);
    jw_kstr(&c->w, "kind", kind);
    jw_kstr(&c->w, "id", id);
    jw_kstr(&c->w, "name", name);
    jw_kstr(&c->w, "unit_id", unit_id);
    jw_obj_end(&c->w);
    return 0;
}

static int assignees_fn(db_t *db, void *arg)
{
    struct assignees *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    jw_obj_begin(&c->w);
    jw_key(&c->w, "items");
    jw_arr_begin(&c->w);
    int rc = task_assignees(db, c->who, c->q, 200, assignee_cb, c);
    jw_arr_end(&c->w);
    jw_obj_end(&c->w);
    return rc;
}

int api_tasks_assignees(req_t *r)
{
    const char *q = req_query(r, "q");
    if (q && (strlen(q) > 100 || !*q)) return bad_param(r, "q");
    struct assignees *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->q = q;
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, assignees_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        reply_errno(r, rc);
    } else api_reply_writer(r, 200, &c->w, &c->b);
    free(c);
    return 0;
}

/* api_portal.c — the National Public Service Portal connector's admin routes (domain/portal.h, docs/portal.md):
 *   GET  /api/v1/portal/status                        outbox depth, oldest unacknowledged, deadlines, dead letters
 *   GET  /api/v1/portal/dossiers/{code}               a dossier's items: changed, pushed, acknowledged, deadlines
 *   GET  /api/v1/portal/dead-letters                  the dead letters not replayed
 *   POST /api/v1/portal/dead-letters/{id}/replay      put one back in the outbox
 *   POST /api/v1/portal/repush {dossier_id}           queue a dossier's current record once more
 *   POST /api/v1/portal/reconciliations {date}        fetch the portal's view of a day, store the differences
 *   GET  /api/v1/portal/reconciliations/latest        the latest run and its differences
 * Administrators only (403 for every other role); an item outside the admin's scope is 404, and lists show only
 * the items of units the admin's scope holds. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/portal.h"
#include "sync/portal_sender.h"

#include <stdio.h>
#include <string.h>

static bool admin_only(req_t *r)
{
    if (auth_has_role(&r->who, ROLE_ADMIN)) return true;
    reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    return false;
}

struct read_ctx {
    const principal_t *who;
    const char        *id;
    jw_t              *w;
    int                kind;   /* 0 status, 1 dead letters, 2 reconciliation, 3 a dossier's items */
};

static int read_fn(db_t *db, void *arg)
{
    struct read_ctx *c = arg;
    if (c->kind == 0) return portal_status_json(db, c->who, clock_now_ms(), c->w);
    if (c->kind == 1) return portal_dead_letters_json(db, c->who, 200, c->w);
    if (c->kind == 3) return portal_dossier_items_json(db, c->who, c->id, c->w);
    return portal_recon_json(db, c->who, c->id, c->w);
}

static int reply_read(req_t *r, int kind, const char *id, int status)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    struct read_ctx c = {&r->who, id, &w, kind};
    int rc = store_read(r->app->store, read_fn, &c);
    if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else if (rc < 0) api_reply_derr(r, rc, NULL);
    else api_reply_writer(r, status, &w, &b);
    buf_free(&b);
    return 0;
}

int api_portal_status(req_t *r) { return admin_only(r) ? reply_read(r, 0, NULL, 200) : 0; }
int api_portal_dead_letters(req_t *r) { return admin_only(r) ? reply_read(r, 1, NULL, 200) : 0; }
int api_portal_recon_latest(req_t *r) { return admin_only(r) ? reply_read(r, 2, NULL, 200) : 0; }
int api_portal_dossier(req_t *r) { return admin_only(r) ? reply_read(r, 3, req_param(r, 0), 200) : 0; }

struct write_ctx {
    const principal_t *who;
    const char        *id, *code;
    bool               repush;
    char               dossier_id[ID_LEN + 1];
    derr_t             err;
};

static int write_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    long long now = clock_now_ms();
    return c->repush ? portal_repush(db, c->who, c->id, c->code, now, c->dossier_id, &c->err)
                     : portal_replay(db, c->who, c->id, now, &c->err);
}

static int reply_written(req_t *r, struct write_ctx *c, int status)
{
    int rc = store_write(r->app->store, write_fn, c);
    if (rc < 0) return api_reply_derr(r, rc, &c->err);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, c->repush ? "dossier_id" : "id", c->repush ? c->dossier_id : c->id);
    jw_kstr(&w, "state", "queued");
    jw_obj_end(&w);
    api_reply_writer(r, status, &w, &b);
    buf_free(&b);
    return 0;
}

int api_portal_replay(req_t *r)
{
    if (!admin_only(r)) return 0;
    const char *id = req_param(r, 0);
    if (!id || strlen(id) != ID_LEN) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct write_ctx c = {.who = &r->who, .id = id};
    return reply_written(r, &c, 200);
}

int api_portal_repush(req_t *r)
{
    if (!admin_only(r)) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct write_ctx c = {.who = &r->who, .repush = true};
    bool has_id = false, has_code = false;
    const field_t fields[] = {{"dossier_id", FT_STRING, false, ID_LEN, ID_LEN, &c.id, &has_id},
                              {"dossier_code", FT_STRING, false, 1, 64, &c.code, &has_code}};
    if (req_fields(r, body, fields, 2) < 0) {
    } else if (has_id == has_code)   /* exactly one of them */
        reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, "dossier_id", "dossier_id", NULL, NULL);
    else reply_written(r, &c, 202);
    json_decref(body);
    return 0;
}

int api_portal_reconcile(req_t *r)
{
    if (!admin_only(r)) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    const char *date = NULL;
    const field_t fields[] = {{"date", FT_STRING, true, 10, 10, &date, NULL}};
    long long from, to;
    if (req_fields(r, body, fields, 1) < 0) goto out;
    if (portal_day_range(date, &from, &to) < 0) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "date", "date", "YYYY-MM-DD", NULL);
        goto out;
    }
    if (!r->app->portal) {
        reply_problem(r, 503, "not-configured", MSG_PORTAL_NOT_CONFIGURED, NULL, NULL, NULL, NULL);
        goto out;
    }
    char id[ID_LEN + 1] = "", err[256] = "";
    int rc = portal_reconcile(r->app->store, r->app->portal, date, r->who.account_id, id, sizeof id, err, sizeof err);
    if (rc == -EINVAL || rc == -EIO || rc == -EPROTO || rc == -ENOMEM)
        reply_problem(r, 502, "portal-unreachable", MSG_PORTAL_UNREACHABLE, NULL, err, NULL, NULL);
    else if (rc < 0) api_reply_derr(r, rc, NULL);
    else reply_read(r, 2, id, 201);
out:
    json_decref(body);
    return 0;
}

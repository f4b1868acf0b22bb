/* api_tokens.c — one's own API tokens: create (the secret is shown once), list, revoke.
 *
 * Creating a token requires a signed-in session, not another token, so a leaked token cannot mint more. */
#include "api/api.h"
#include "core/mem.h"
#include "domain/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct create_ctx {
    const principal_t *who;
    const char        *name;
    int                days;
    api_token_t        t;
    char               secret[TOKEN_SECRET_LEN + 1];
    derr_t             err;
};

static int create_fn(db_t *db, void *arg)
{
    struct create_ctx *c = arg;
    return token_create(db, c->who, c->name, c->days, &c->t, c->secret, &c->err);
}

int api_tokens_create(req_t *r)
{
    if (r->who.via_token) return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct create_ctx *c = xcalloc(1, sizeof *c);
    long long days = 90;
    const field_t f[] = {
        {"name", FT_STRING, true, 1, 100, &c->name, NULL},
        {"expires_in_days", FT_INT, false, 1, 730, &days, NULL},
    };
    if (req_fields(r, body, f, 2) < 0) goto out;
    c->who = &r->who;
    c->days = (int)days;
    int rc = store_write(r->app->store, create_fn, c);
    if (rc < 0) { api_reply_derr(r, rc, &c->err); goto out; }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "token", c->secret);
    jw_key(&w, "info");
    token_json(&w, &c->t);
    jw_obj_end(&w);
    api_reply_writer(r, 201, &w, &b);
out:
    free(c);
    json_decref(body);
    return 0;
}

struct list_ctx {
    const principal_t *who;
    jw_t              *w;
};

static int list_cb(const api_token_t *t, void *arg)
{
    token_json(((struct list_ctx *)arg)->w, t);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = token_list(db, c->who, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_tokens_list(req_t *r)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    struct list_ctx c = {&r->who, &w};
    api_list_begin(&w);
    int rc = store_read(r->app->store, list_fn, &c);
    if (rc < 0) { buf_free(&b); return reply_errno(r, rc); }
    api_list_end(&w, NULL);
    return api_reply_writer(r, 200, &w, &b);
}

struct revoke_ctx {
    const principal_t *who;
    const char        *id;
    derr_t             err;
};

static int revoke_fn(db_t *db, void *arg)
{
    struct revoke_ctx *c = arg;
    return token_revoke(db, c->who, c->id, &c->err);
}

int api_tokens_delete(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct revoke_ctx c = {&r->who, id, {0}};
    int rc = store_write(r->app->store, revoke_fn, &c);
    if (rc < 0) return api_reply_derr(r, rc, &c.err);
    return reply_status(r, 204);
}

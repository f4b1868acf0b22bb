/* api_keys.c — the key store over HTTP: one's own signing keys and the seals of one's units (sign/keystore.h).
 *
 *   GET    /api/v1/signing-keys           the keys the caller may see (paginated: limit, cursor; removed=true)
 *   POST   /api/v1/signing-keys           import a PKCS#12 bundle {kind, unit_id?, label, pkcs12 (base64), pin}
 *   DELETE /api/v1/signing-keys/{id}      remove a key
 *
 * Importing needs a signed-in session, never an API token (a leaked token must not plant a key), and runs on the
 * slow pool: opening a bundle runs its key derivation. The PIN is used to open the bundle once and is not kept. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "sign/keystore.h"

#include <stdlib.h>
#include <string.h>

struct import_ctx {
    const principal_t *who;
    keystore_import_t  in;
    signing_key_t      k;
    derr_t             err;
};

static int import_fn(db_t *db, void *arg)
{
    struct import_ctx *c = arg;
    return keystore_import(db, c->who, &c->in, &c->k, &c->err);
}

int api_keys_import(req_t *r)
{
    if (r->who.via_token) return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct import_ctx *c = xcalloc(1, sizeof *c);
    const field_t f[] = {
        {"kind", FT_STRING, true, 1, 16, &c->in.kind, NULL},
        {"unit_id", FT_STRING, false, 1, 64, &c->in.unit_id, NULL},
        {"label", FT_STRING, true, 1, KEYSTORE_LABEL_MAX, &c->in.label, NULL},
        {"pkcs12", FT_STRING, true, 1, KEYSTORE_BUNDLE_MAX * 2, &c->in.pkcs12_b64, NULL},
        {"pin", FT_STRING, true, 1, KEYSTORE_PIN_MAX, &c->in.pin, NULL},
    };
    if (req_fields(r, body, f, sizeof f / sizeof f[0]) < 0) goto out;
    c->who = &r->who;
    id_new(c->in.id);
    c->in.at = clock_now_ms();
    int rc = store_write(r->app->store, import_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    keystore_key_json(&w, &c->k);
    api_reply_writer(r, 201, &w, &b);
out:
    free(c);
    json_decref(body);   /* the PIN and the bundle's text go with it */
    return 0;
}

struct list_ctx {
    const principal_t *who;
    page_t             p;
    bool               removed;
    api_page_t         pg;
};

static int list_cb(const signing_key_t *k, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, k->id)) return -1;
    keystore_key_json(&c->pg.w, k);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = keystore_list(db, c->who, c->removed, c->p.cursor, c->p.limit + 1, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_keys_list(req_t *r)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    if (req_page(r, &c->p) < 0) {
        free(c);
        return 0;
    }
    const char *removed = req_query(r, "removed");
    if ((c->p.cursor && !id_valid(c->p.cursor)) || c->p.q ||
        (removed && strcmp(removed, "true") && strcmp(removed, "false"))) {
        const char *which = c->p.q ? "q" : removed && strcmp(removed, "true") && strcmp(removed, "false") ? "removed" : "cursor";
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, which, which, NULL, NULL);
    }
    c->removed = removed && !strcmp(removed, "true");
    c->who = &r->who;
    api_page_begin(&c->pg, c->p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

struct remove_ctx {
    const principal_t *who;
    const char        *id;
    long long          at;
    derr_t             err;
};

static int remove_fn(db_t *db, void *arg)
{
    struct remove_ctx *c = arg;
    return keystore_remove(db, c->who, c->id, c->at, &c->err);
}

int api_keys_remove(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct remove_ctx c = {&r->who, id, clock_now_ms(), {0}};
    int rc = store_write(r->app->store, remove_fn, &c);
    if (rc < 0) return api_reply_derr(r, rc, &c.err);
    return reply_status(r, 204);
}

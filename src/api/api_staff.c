/* api_staff.c — staff and system accounts: list, read, create, update (roles, disable), set password.
 *
 * Admins manage the accounts whose home unit lies in their scope; leaders may read them. An account outside the
 * caller's scope is 404. Passwords are hashed here, before the write transaction (Argon2 is slow). */
#include "api/api.h"
#include "core/mem.h"
#include "domain/account.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANAGE_MASK ((1u << ROLE_ADMIN) | (1u << ROLE_LEADER))

struct list_ctx {
    const principal_t *who;
    account_query_t q;
    api_page_t      pg;
};

static int list_cb(const account_t *a, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, a->username)) return -1;
    account_json(&c->pg.w, c->who, a);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = account_list(db, &c->q, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_staff_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    const char *role = req_query(r, "role");
    role_t parsed;
    if (role && role_parse(role, &parsed) < 0)
        return reply_problem(r, 400, "invalid-parameter", MSG_ROLE_UNKNOWN, "role", role, NULL, NULL);
    char under[AUTH_PATH_MAX];
    if (api_scope_path(r, req_query(r, "under"), MANAGE_MASK, under, sizeof under) < 0) return 0;
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->q = (account_query_t){.under_path = under, .q = p.q, .role = role, .after_username = p.cursor,
                             .limit = p.limit + 1};
    api_page_begin(&c->pg, p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

struct get_ctx {
    const char *id;
    account_t   a;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    return account_get(db, c->id, &c->a);
}

static int reply_account(req_t *r, int status, const account_t *a)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    account_json(&w, &r->who, a);
    api_etag(r, a->version);
    return api_reply_writer(r, status, &w, &b);
}

int api_staff_get(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct get_ctx *c = xmalloc(sizeof *c);
    c->id = id;
    int rc = store_read(r->app->store, get_fn, c);
    if (rc == 0 && (!account_visible_to(&r->who, &c->a) || !strcmp(c->a.kind, "citizen"))) rc = -ENOENT;
    if (rc < 0) { free(c); return reply_errno(r, rc); }
    reply_account(r, 200, &c->a);
    free(c);
    return 0;
}

struct write_ctx {
    const principal_t *who;
    const char        *id;
    long long          version;
    account_input_t    in;
    account_t          out;
    derr_t             err;
};

static int create_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    return account_create(db, c->who, &c->in, &c->out, &c->err);
}

static int update_fn(db_t *db, void *arg)
{
    struct write_ctx *c = arg;
    return account_update(db, c->who, c->id, c->version, &c->in, &c->out, &c->err);
}

/* roles: [{"role": "desk", "unit_id": "..."}]; replies 400 naming roles[i].field on error. */
static int parse_roles(req_t *r, json_t *arr, account_input_t *in)
{
    size_t i;
    json_t *e;
    in->nroles = 0;
    json_array_foreach(arr, i, e) {
        char field[48];
        if (!json_is_object(e)) {
            snprintf(field, sizeof field, "roles[%zu]", i);
            return reply_problem(r, 400, "wrong-type", MSG_WRONG_TYPE, field, field, "object", NULL), -1;
        }
        const char *role = NULL, *unit = NULL;
        const field_t f[] = {
            {"role", FT_STRING, true, 1, 16, &role, NULL},
            {"unit_id", FT_STRING, true, ID_LEN, ID_LEN, &unit, NULL},
        };
        if (req_fields(r, e, f, 2) < 0) return -1;
        if (role_parse(role, &in->roles[i].role) < 0) {
            snprintf(field, sizeof field, "roles[%zu].role", i);
            return reply_problem(r, 400, "invalid-field", MSG_ROLE_UNKNOWN, field, role, NULL, NULL), -1;
        }
        in->roles[i].unit_id = unit;
        in->nroles++;
    }
    return 0;
}

/* fields: ["Đất đai", "Hộ tịch"], the fields of work (checked against the catalog by account.c). */
static int parse_work_fields(req_t *r, json_t *arr, account_input_t *in)
{
    size_t i;
    json_t *e;
    in->set_fields = true;
    in->nfields = 0;
    json_array_foreach(arr, i, e) {
        if (!json_is_string(e)) {
            char field[32];
            snprintf(field, sizeof field, "fields[%zu]", i);
            return reply_problem(r, 400, "wrong-type", MSG_WRONG_TYPE, field, field, "string", NULL), -1;
        }
        in->fields[in->nfields++] = json_string_value(e);
    }
    return 0;
}

static int staff_write(req_t *r, bool create)
{
    long long version = 0;
    if (!create && api_if_match(r, &version) < 0) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct write_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = req_param(r, 0);
    c->version = version;
    c->in.disabled = -1;
    c->in.nroles = -1;
    json_t *roles = NULL, *work_fields = NULL;
    const char *password = NULL;
    bool disabled = false, has_disabled = false;
    char hash[160];
    const field_t fields[] = {
        {"kind", FT_STRING, false, 1, 8, &c->in.kind, NULL},
        {"username", FT_STRING, true, 3, 64, &c->in.username, NULL},
        {"password", FT_STRING, false, 1, AUTH_PASSWORD_MAX, &password, NULL},
        {"full_name", FT_STRING, create, 2, 200, &c->in.full_name, NULL},
        {"email", FT_STRING, false, 0, 254, &c->in.email, NULL},
        {"phone", FT_STRING, false, 0, 15, &c->in.phone, NULL},
        {"unit_id", FT_STRING, create, ID_LEN, ID_LEN, &c->in.unit_id, NULL},
        {"roles", FT_ARRAY, false, 0, AUTH_MAX_GRANTS, &roles, NULL},
        {"fields", FT_ARRAY, false, 0, ACCOUNT_FIELDS_MAX, &work_fields, NULL},
        {"disabled", FT_BOOL, false, 0, 1, &disabled, &has_disabled},
    };
    /* kind, username and password are set at creation only; disabled only on update. */
    const field_t *f = create ? fields : fields + 3;
    size_t n = create ? sizeof fields / sizeof fields[0] - 1 : sizeof fields / sizeof fields[0] - 3;
    if (req_fields(r, body, f, n) < 0) goto out;
    if (roles && parse_roles(r, roles, &c->in) < 0) goto out;
    if (work_fields && parse_work_fields(r, work_fields, &c->in) < 0) goto out;
    if (has_disabled) c->in.disabled = disabled;
    if (create) {
        if (!c->in.kind) c->in.kind = "staff";
        if (strcmp(c->in.kind, "staff") && strcmp(c->in.kind, "system")) {
            reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "kind", "kind", "staff | system", NULL);
            goto out;
        }
        if (!account_username_valid(c->in.username)) {
            reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "username", "username", "a-z 0-9 . _ - (3-64)", NULL);
            goto out;
        }
        if (!strcmp(c->in.kind, "staff") && !password) {
            reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, "password", "password", NULL, NULL);
            goto out;
        }
        if (password) {
            if (auth_password_check(password) < 0) { api_reply_weak_password(r, "password"); goto out; }
            int rc = auth_password_hash(password, hash, sizeof hash);
            if (rc < 0) { reply_errno(r, rc); goto out; }
            c->in.password_hash = hash;
        }
        if (c->in.nroles < 0) c->in.nroles = 0;
    }
    int rc = store_write(r->app->store, create ? create_fn : update_fn, c);
    if (rc < 0) { api_reply_derr(r, rc, &c->err); goto out; }
    if (create) {
        char loc[64];
        snprintf(loc, sizeof loc, "/api/v1/staff/%s", c->out.id);
        reply_header(r, "Location", loc);
    }
    reply_account(r, create ? 201 : 200, &c->out);
out:
    free(c);
    json_decref(body);
    return 0;
}

int api_staff_create(req_t *r) { return staff_write(r, true); }

int api_staff_update(req_t *r)
{
    if (!id_valid(req_param(r, 0))) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    return staff_write(r, false);
}

struct pw_ctx {
    const principal_t *who;
    const char        *id;
    const char        *hash;
    derr_t             err;
};

static int pw_fn(db_t *db, void *arg)
{
    struct pw_ctx *c = arg;
    return account_set_password(db, c->who, c->id, c->hash, NULL, false, &c->err);
}

int api_staff_password(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    /* The same refusals as account_set_password makes, before the slow hash. */
    if (r->who.via_token) return reply_problem(r, 403, "forbidden", MSG_TOKEN_NO_PASSWORD, NULL, NULL, NULL, NULL);
    if (!strcmp(id, r->who.account_id))
        return reply_problem(r, 403, "own-password", MSG_OWN_PASSWORD, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    const char *password = NULL;
    const field_t f[] = {{"password", FT_STRING, true, 1, AUTH_PASSWORD_MAX, &password, NULL}};
    char hash[160];
    if (req_fields(r, body, f, 1) < 0) goto out;
    if (auth_password_check(password) < 0) { api_reply_weak_password(r, "password"); goto out; }
    int rc = auth_password_hash(password, hash, sizeof hash);
    if (rc < 0) { reply_errno(r, rc); goto out; }
    struct pw_ctx c = {&r->who, id, hash, {0}};
    rc = store_write(r->app->store, pw_fn, &c);
    if (rc < 0) api_reply_derr(r, rc, &c.err);
    else reply_status(r, 204);
out:
    json_decref(body);
    return 0;
}

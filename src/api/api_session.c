/* api_session.c — sign-in and sign-out, "who am I", one's own password, and citizen registration.
 *
 * The session token travels only in an HttpOnly, SameSite=Strict cookie; the body carries the CSRF token that
 * every state-changing request must echo in X-CSRF-Token. GET /api/v1/me returns it again so a reloaded page can
 * continue. Failed sign-ins answer the same for an unknown user, a wrong password and a disabled account. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/account.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_COOKIE AUTH_SESSION_COOKIE

struct me_ctx {
    const char        *id;
    account_profile_t  p;
};

static int me_fn(db_t *db, void *arg)
{
    struct me_ctx *c = arg;
    return account_profile(db, c->id, &c->p);
}

/* The account part of the body of /me, from "id" to the closing brace (no opening brace), appended to frag: from
 * the principal cache's memo when it is still valid (auth.h), else read and rendered, and kept as the memo. */
static int me_fragment(req_t *r, const principal_t *who, buf_t *frag)
{
    store_t *st = r->app->store;
    if (auth_memo_get(st, who, frag)) return 0;
    unsigned long long stamp = auth_memo_stamp(st);
    struct me_ctx *c = xmalloc(sizeof *c);
    c->id = who->account_id;
    int rc = store_read(st, me_fn, c);
    if (rc < 0) {
        free(c);
        return rc;
    }
    const account_t *a = &c->p.a;
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "id", a->id);
    jw_kstr(&w, "kind", a->kind);
    jw_kstr(&w, "username", a->username);
    jw_kstr(&w, "full_name", a->full_name);
    jw_kstr(&w, "email", a->email[0] ? a->email : NULL);
    jw_key(&w, "unit");
    if (c->p.has_home) unit_brief_json(&w, &c->p.home);
    else jw_null(&w);
    jw_key(&w, "roles");
    jw_arr_begin(&w);
    for (int i = 0; i < a->ngrants; i++) {
        jw_obj_begin(&w);
        jw_kstr(&w, "role", role_name(a->grants[i].role));
        jw_key(&w, "unit");
        unit_brief_json(&w, &c->p.grant_units[i]);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kbool(&w, "via_token", who->via_token);
    jw_obj_end(&w);
    free(c);
    rc = jw_finish(&w);
    if (rc == 0) rc = buf_append(frag, b.data + 1, b.len - 1);
    if (rc == 0) auth_memo_put(st, who, stamp, b.data + 1, b.len - 1);
    buf_free(&b);
    return rc;
}

/* The body of /me and of a successful sign-in: the session's CSRF token (and expiry), then the account. */
static int reply_me(req_t *r, const principal_t *who, int status, long long expires_at)
{
    buf_t b;
    buf_init(&b, 0);
    int rc = buf_append(&b, "{", 1);
    if (!who->via_token) {
        buf_append(&b, "\"csrf\":", 7);
        json_escape(&b, who->csrf, strlen(who->csrf));
        buf_append(&b, ",", 1);
    }
    if (expires_at) {
        char n[48];
        int k = snprintf(n, sizeof n, "\"expires_at\":%lld,", expires_at);
        buf_append(&b, n, (size_t)k);
    }
    if (rc == 0) rc = me_fragment(r, who, &b);
    if (rc < 0) {
        buf_free(&b);
        return reply_errno(r, rc);
    }
    return reply_json(r, status, &b);
}

/* The answer to a refused sign-in (or current-password check): the same for known and unknown usernames.
 * -EACCES 401 (403 when field is set: a signed-in caller's current password), -EAGAIN 429 and -EBUSY 503, both
 * with Retry-After. */
static int reply_signin_refused(req_t *r, int status, long long retry_after_ms, const char *field)
{
    if (status == -EACCES)
        return reply_problem(r, field ? 403 : 401, "bad-credentials", MSG_BAD_CREDENTIALS, field, NULL, NULL, NULL);
    char secs[24];
    snprintf(secs, sizeof secs, "%lld", retry_after_ms > 0 ? (retry_after_ms + 999) / 1000 : 1);
    reply_header(r, "Retry-After", secs);
    if (status == -EBUSY) return reply_problem(r, 503, "busy", MSG_SERVER_BUSY, NULL, secs, NULL, NULL);
    return reply_problem(r, 429, "slow-down", MSG_SLOW_DOWN, NULL, secs, NULL, NULL);
}

int api_session_create(req_t *r)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    const char *username = NULL, *password = NULL;
    const field_t f[] = {
        {"username", FT_STRING, true, 1, 64, &username, NULL},
        {"password", FT_STRING, true, 1, AUTH_PASSWORD_MAX, &password, NULL},
    };
    if (req_fields(r, body, f, 2) < 0) { json_decref(body); return 0; }
    signin_result_t *res = xmalloc(sizeof *res);
    char addr[64];
    req_client_addr(r, addr, sizeof addr);
    int rc = auth_sign_in(r->app->store, username, password, addr, res);
    json_decref(body);
    if (rc < 0) { free(res); return reply_errno(r, rc); }
    if (res->status < 0) {
        int status = res->status;
        long long retry = res->retry_after_ms;
        free(res);
        return reply_signin_refused(r, status, retry, NULL);
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", SESSION_COOKIE,
             res->token, auth_policy.session_ttl_ms / 1000, r->app->secure_cookies ? "; Secure" : "");
    reply_header(r, "Set-Cookie", cookie);
    r->authed = true;
    r->who = res->who;
    long long expires = clock_now_ms() + auth_policy.session_ttl_ms;
    rc = reply_me(r, &res->who, 200, expires);
    free(res);
    return rc;
}

int api_session_delete(req_t *r)
{
    if (r->who.via_token)
        return reply_problem(r, 400, "not-a-session", MSG_PARAM_INVALID, "Authorization", "Authorization", NULL, NULL);
    int rc = auth_sign_out(r->app->store, &r->who);
    if (rc < 0 && rc != -ENOENT) return reply_errno(r, rc);
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", SESSION_COOKIE,
             r->app->secure_cookies ? "; Secure" : "");
    reply_header(r, "Set-Cookie", cookie);
    return reply_status(r, 204);
}

int api_me(req_t *r)
{
    return reply_me(r, &r->who, 200, 0);
}

/* ---- own password ---- */

struct pw_ctx {
    const principal_t *who;
    const char        *hash;
    derr_t             err;
};

static int set_pw_fn(db_t *db, void *arg)
{
    struct pw_ctx *c = arg;
    /* The caller's current password was verified before the hash (api_me_password). */
    return account_set_password(db, c->who, c->who->account_id, c->hash,
                                c->who->via_token ? NULL : c->who->session_hash, true, &c->err);
}

/* auth_password_hash failed: -EBUSY (no Argon2 slot) 503 with Retry-After, anything else 500; nothing stored. */
static int reply_password_hash_error(req_t *r, int rc)
{
    if (rc == -EBUSY) return reply_signin_refused(r, -EBUSY, 1000, NULL);
    return reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
}

int api_me_password(req_t *r)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    const char *cur = NULL, *next = NULL;
    const field_t f[] = {
        {"current_password", FT_STRING, true, 1, AUTH_PASSWORD_MAX, &cur, NULL},
        {"new_password", FT_STRING, true, 1, AUTH_PASSWORD_MAX, &next, NULL},
    };
    int rc = 0;
    if (req_fields(r, body, f, 2) < 0) goto out;
    if (auth_password_check(next) < 0) { api_reply_weak_password(r, "new_password"); goto out; }
    struct pw_ctx c = {.who = &r->who};
    /* signin (issue 8 item 3): the current password is checked under the sign-in throttle, so a wrong one
     * counts as a failed sign-in (429/503 with Retry-After as for POST /api/v1/session). */
    {
        char addr[64];
        req_client_addr(r, addr, sizeof addr);
        signin_result_t *vr = xmalloc(sizeof *vr);
        rc = auth_verify_current_password(r->app->store, &r->who, cur, addr, vr);
        int vstatus = vr->status;
        long long vretry = vr->retry_after_ms;
        free(vr);
        if (rc < 0) { reply_errno(r, rc); goto out; }
        if (vstatus < 0) { reply_signin_refused(r, vstatus, vretry, "current_password"); goto out; }
    }
    char hash[160];
    if ((rc = auth_password_hash(next, hash, sizeof hash)) < 0) { reply_password_hash_error(r, rc); goto out; }
    c.hash = hash;
    rc = store_write(r->app->store, set_pw_fn, &c);
    if (rc < 0) api_reply_derr(r, rc, &c.err);
    else reply_status(r, 204);
out:
    json_decref(body);
    return 0;
}

/* ---- citizens ---- */

struct citizen_ctx {
    account_input_t in;
    account_t       a;
    derr_t          err;
};

static int citizen_fn(db_t *db, void *arg)
{
    struct citizen_ctx *c = arg;
    return account_create(db, NULL, &c->in, &c->a, &c->err);
}

int api_citizens_register(req_t *r)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct citizen_ctx *c = xcalloc(1, sizeof *c);
    const char *password = NULL;
    const field_t f[] = {
        {"phone", FT_STRING, true, 8, 15, &c->in.phone, NULL},
        {"full_name", FT_STRING, true, 2, 200, &c->in.full_name, NULL},
        {"password", FT_STRING, true, 1, AUTH_PASSWORD_MAX, &password, NULL},
        {"email", FT_STRING, false, 0, 254, &c->in.email, NULL},
        {"national_id", FT_STRING, false, 12, 12, &c->in.national_id, NULL},
    };
    char hash[160];
    int rc;
    if (req_fields(r, body, f, sizeof f / sizeof f[0]) < 0) goto out;
    if (auth_password_check(password) < 0) { api_reply_weak_password(r, "password"); goto out; }
    /* The phone number is the citizen's sign-in name; validate it before the slow hash. */
    c->in.kind = "citizen";
    c->in.username = c->in.phone;
    c->in.disabled = -1;
    if (!account_username_valid(c->in.phone) || strspn(c->in.phone, "0123456789") != strlen(c->in.phone)) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "phone", "phone", "8-15 digits", NULL);
        goto out;
    }
    {
        /* Each registration costs an Argon2 run and a ledger event: a few per client address, then spaced out. */
        char addr[64];
        req_client_addr(r, addr, sizeof addr);
        signin_result_t *tr = xmalloc(sizeof *tr);
        rc = auth_register_throttle(r->app->store, addr, tr);
        long long retry = tr->retry_after_ms;
        int tstatus = tr->status;
        free(tr);
        if (rc < 0) { reply_errno(r, rc); goto out; }
        if (tstatus < 0) {
            char secs[24];
            snprintf(secs, sizeof secs, "%lld", (retry + 999) / 1000);
            reply_header(r, "Retry-After", secs);
            reply_problem(r, 429, "rate-limited", MSG_RATE_LIMITED, NULL, secs, NULL, NULL);
            goto out;
        }
    }
    if ((rc = auth_password_hash(password, hash, sizeof hash)) < 0) { reply_password_hash_error(r, rc); goto out; }
    c->in.password_hash = hash;
    rc = store_write(r->app->store, citizen_fn, c);
    if (rc < 0) { api_reply_derr(r, rc, &c->err); goto out; }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    account_json(&w, NULL, &c->a);
    api_reply_writer(r, 201, &w, &b);
out:
    free(c);
    json_decref(body);
    return 0;
}

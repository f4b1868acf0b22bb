/* auth.c — passwords, sessions, API tokens, throttling and scopes (see auth.h). */
#include "domain/auth.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"

#include <argon2.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

auth_policy_t auth_policy = {
    .session_ttl_ms = 8LL * 3600 * 1000,
    .session_idle_ms = 2LL * 3600 * 1000,
    .slow_after = 3,
    .slow_base_ms = 1000,
    .lock_after = 10,
    .lock_ms = 15LL * 60 * 1000,
};

static const char *const role_names[ROLE__COUNT] = {"desk", "specialist", "leader", "clerk", "official", "admin"};

const char *role_name(role_t r) { return (unsigned)r < ROLE__COUNT ? role_names[r] : "?"; }

int role_parse(const char *s, role_t *out)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (s && strcmp(s, role_names[i]) == 0) { *out = (role_t)i; return 0; }
    return -EINVAL;
}

bool role_fits_unit_kind(role_t r, const char *kind)
{
    bool commune = !strcmp(kind, "commune") || !strcmp(kind, "ward");
    switch (r) {
    case ROLE_DESK:
    case ROLE_SPECIALIST:
    case ROLE_LEADER:
    case ROLE_CLERK: return commune || !strcmp(kind, "department") || !strcmp(kind, "province");
    case ROLE_OFFICIAL: return !strcmp(kind, "province") || !strcmp(kind, "national");
    case ROLE_ADMIN: return true;
    default: return false;
    }
}

/* ---- passwords ---- */

#define ARGON_T 2
#define ARGON_M (19 * 1024)
#define ARGON_P 1

int auth_password_check(const char *pw)
{
    size_t n = strlen(pw);
    if (!utf8_valid(pw, n)) return -EINVAL;
    size_t chars = utf8_length(pw, n);
    return chars >= AUTH_PASSWORD_MIN && chars <= AUTH_PASSWORD_MAX ? 0 : -EINVAL;
}

int auth_password_hash(const char *pw, char *out, size_t cap)
{
    unsigned char salt[16];
    rand_bytes(salt, sizeof salt);
    int rc = argon2id_hash_encoded(ARGON_T, ARGON_M, ARGON_P, pw, strlen(pw), salt, sizeof salt, 32, out, cap);
    if (rc != ARGON2_OK) {
        log_error("argon2: %s", argon2_error_message(rc));
        return -EINVAL;
    }
    return 0;
}

bool auth_password_verify(const char *encoded, const char *pw)
{
    if (!encoded || !*encoded) return false;
    return argon2id_verify(encoded, pw, strlen(pw)) == ARGON2_OK;
}

/* A real hash of a random password, verified against when the username is unknown so that unknown and known
 * usernames take the same time. Built once. */
static char dummy[160];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    char pw[RAND_TOKEN_LEN + 1];
    rand_token(pw);
    if (auth_password_hash(pw, dummy, sizeof dummy) < 0) abort();
}

static const char *dummy_hash(void)
{
    pthread_once(&dummy_once, dummy_init);
    return dummy;
}

/* ---- principals ---- */

static int load_grants(db_t *db, const char *account_id, principal_t *who);

int auth_load_principal(db_t *db, const char *account_id, principal_t *who)
{
    memset(who, 0, sizeof *who);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT id, kind, username, COALESCE(unit_id, ''), disabled FROM accounts WHERE id = $1",
                      "t", account_id);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    int disabled = (int)db_col_int(s, 4);
    str_copy(who->account_id, sizeof who->account_id, db_col_text(s, 0));
    str_copy(who->kind, sizeof who->kind, db_col_text(s, 1));
    str_copy(who->username, sizeof who->username, db_col_text(s, 2));
    str_copy(who->unit_id, sizeof who->unit_id, db_col_text(s, 3));
    db_reset(s);
    if (disabled) return -ENOENT;
    return load_grants(db, account_id, who);
}

bool auth_has_role(const principal_t *who, role_t r)
{
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == r) return true;
    return false;
}

static bool is_prefix(const char *prefix, const char *s)
{
    return strncmp(prefix, s, strlen(prefix)) == 0;
}

bool auth_sees_path(const principal_t *who, const char *path)
{
    if (!path) return false;
    for (int i = 0; i < who->ngrants; i++)
        if (is_prefix(who->grants[i].unit_path, path) || is_prefix(path, who->grants[i].unit_path)) return true;
    return false;
}

bool auth_role_covers(const principal_t *who, role_t r, const char *path)
{
    if (!path) return false;
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == r && is_prefix(who->grants[i].unit_path, path)) return true;
    return false;
}

/* ---- sign-in ---- */

struct account_row {
    const char *username;
    int         found;
    char        id[ID_LEN + 1];
    char        hash[160];
    int         disabled;
    int         failed;
    long long   last_failed_at;
    long long   locked_until;
};

static int load_account(db_t *db, void *arg)
{
    struct account_row *a = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT id, COALESCE(password_hash, ''), disabled, failed_logins, last_failed_at, locked_until "
                      "FROM accounts WHERE username = $1",
                      "t", a->username);
    if (rc == DB_ROW) {
        a->found = 1;
        str_copy(a->id, sizeof a->id, db_col_text(s, 0));
        str_copy(a->hash, sizeof a->hash, db_col_text(s, 1));
        a->disabled = (int)db_col_int(s, 2);
        a->failed = (int)db_col_int(s, 3);
        a->last_failed_at = db_col_int(s, 4);
        a->locked_until = db_col_int(s, 5);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

struct fail_ctx {
    const char *id;
    long long   now;
};

static int record_failure(db_t *db, void *arg)
{
    struct fail_ctx *f = arg;
    long long n = db_run(db,
                         /* Reaching the lock threshold locks the account and restarts the count, so that once
                          * the lock has passed the next attempt is not also held back by the spacing rule. */
                         "UPDATE accounts SET "
                         "locked_until = CASE WHEN failed_logins + 1 >= $3 THEN $4 ELSE locked_until END, "
                         "failed_logins = CASE WHEN failed_logins + 1 >= $3 THEN 0 ELSE failed_logins + 1 END, "
                         "last_failed_at = $2 WHERE id = $1",
                         "tiii", f->id, f->now, (long long)auth_policy.lock_after, f->now + auth_policy.lock_ms);
    return n < 0 ? (int)n : 0;
}

static void session_hash(const char *token, char out[65])
{
    sha256_hex(token, strlen(token), out);
}

struct open_session {
    signin_result_t *res;
    const char      *id;
    long long        now;
};

static int open_session(db_t *db, void *arg)
{
    struct open_session *o = arg;
    long long n = db_run(db, "UPDATE accounts SET failed_logins = 0, locked_until = 0 WHERE id = $1", "t", o->id);
    if (n < 0) return (int)n;
    char hash[65], csrf[RAND_TOKEN_LEN + 1];
    rand_token(o->res->token);
    rand_token(csrf);
    session_hash(o->res->token, hash);
    n = db_run(db,
               "INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
               "VALUES ($1, $2, $3, $4, $5, $4)",
               "tttii", hash, o->id, csrf, o->now, o->now + auth_policy.session_ttl_ms);
    if (n < 0) return (int)n;
    /* Sweep this account's expired sessions while we hold the write lock anyway. */
    n = db_run(db, "DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2", "ti", o->id, o->now);
    if (n < 0) return (int)n;
    int rc = auth_load_principal(db, o->id, &o->res->who);
    if (rc < 0) return rc;
    memcpy(o->res->who.csrf, csrf, sizeof csrf);
    memcpy(o->res->who.session_hash, hash, sizeof hash);
    return 0;
}

int auth_sign_in(store_t *st, const char *username, const char *password, signin_result_t *res)
{
    memset(res, 0, sizeof *res);
    struct account_row a = {.username = username};
    int rc = store_read(st, load_account, &a);
    if (rc < 0) return rc;
    long long now = clock_now_ms();
    if (a.found && a.locked_until > now) {
        res->status = -EBUSY;
        res->retry_after_ms = a.locked_until - now;
        return 0;
    }
    if (a.found && a.failed >= auth_policy.slow_after) {
        int shift = a.failed - auth_policy.slow_after;
        long long delay = auth_policy.slow_base_ms << (shift > 15 ? 15 : shift);
        if (delay > 30000) delay = 30000;
        if (now < a.last_failed_at + delay) {
            res->status = -EAGAIN;
            res->retry_after_ms = a.last_failed_at + delay - now;
            return 0;
        }
    }
    /* Argon2 runs outside any transaction: it is slow by design and must not hold the writer. */
    bool ok = auth_password_verify(a.found && a.hash[0] ? a.hash : dummy_hash(), password);
    if (!a.found || a.disabled || !ok) {
        if (a.found && !a.disabled) {
            struct fail_ctx f = {a.id, now};
            rc = store_write(st, record_failure, &f);
            if (rc < 0) return rc;
        }
        res->status = -EACCES;
        return 0;
    }
    struct open_session o = {res, a.id, now};
    rc = store_write(st, open_session, &o);
    if (rc < 0) return rc;
    res->status = 0;
    return 0;
}

/* ---- sessions ---- */

struct session_ctx {
    const char  *hash;
    principal_t *who;
    long long    now;
};

int auth_load_grants(db_t *db, const char *account_id, grant_t grants[AUTH_MAX_GRANTS], int *ngrants)
{
    db_stmt_t *s = db_prepare(db, "SELECT r.role, r.unit_id, u.path FROM roles r JOIN units u ON u.id = r.unit_id "
                                  "WHERE r.account_id = $1 ORDER BY u.path, r.role");
    if (!s) return -EIO;
    db_bind_text(s, 1, account_id, DB_NTS);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == AUTH_MAX_GRANTS) { rc = -EOVERFLOW; break; }
        grant_t *g = &grants[n];
        /* A role name this build does not know (a newer schema) is skipped: it grants nothing here. */
        if (role_parse(db_col_text(s, 0), &g->role) < 0) continue;
        str_copy(g->unit_id, sizeof g->unit_id, db_col_text(s, 1));
        if (str_copy(g->unit_path, sizeof g->unit_path, db_col_text(s, 2)) < 0) { rc = -EOVERFLOW; break; }
        n++;
    }
    db_reset(s);
    *ngrants = n;
    if (rc == -EOVERFLOW) log_error("auth: account %s holds more than %d grants; refusing to load it", account_id,
                                    AUTH_MAX_GRANTS);
    return rc < 0 ? rc : 0;
}

/* Grants of an account, with their units' paths, into who. */
static int load_grants(db_t *db, const char *account_id, principal_t *who)
{
    return auth_load_grants(db, account_id, who->grants, &who->ngrants);
}

/* One query for the session and its account (this runs on every authenticated request), one for the grants. */
static int session_fn(db_t *db, void *arg)
{
    struct session_ctx *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT s.account_id, s.csrf, s.expires_at, s.last_seen, a.kind, a.username, "
                      "COALESCE(a.unit_id, ''), a.disabled FROM sessions s JOIN accounts a ON a.id = s.account_id "
                      "WHERE s.token_hash = $1",
                      "t", c->hash);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    principal_t *who = c->who;
    memset(who, 0, sizeof *who);
    str_copy(who->account_id, sizeof who->account_id, db_col_text(s, 0));
    str_copy(who->csrf, sizeof who->csrf, db_col_text(s, 1));
    long long expires = db_col_int(s, 2), last_seen = db_col_int(s, 3);
    str_copy(who->kind, sizeof who->kind, db_col_text(s, 4));
    str_copy(who->username, sizeof who->username, db_col_text(s, 5));
    str_copy(who->unit_id, sizeof who->unit_id, db_col_text(s, 6));
    int disabled = (int)db_col_int(s, 7);
    db_reset(s);
    if (disabled) return -ENOENT;
    if (c->now >= expires || c->now - last_seen >= auth_policy.session_idle_ms) return -ETIMEDOUT;
    who->touch_due = c->now - last_seen > 60000;
    str_copy(who->session_hash, sizeof who->session_hash, c->hash);
    return load_grants(db, who->account_id, who);
}

static int touch_fn(db_t *db, void *arg)
{
    const principal_t *who = arg;
    long long n = who->via_token
        ? db_run(db, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", "ti", who->token_id, clock_now_ms())
        : db_run(db, "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1", "ti", who->session_hash,
                 clock_now_ms());
    return n < 0 ? (int)n : 0;
}

int auth_session_touch(store_t *st, const principal_t *who)
{
    if (who->via_token ? !who->token_id[0] : !who->session_hash[0]) return 0;
    return store_write(st, touch_fn, (void *)who);
}

int auth_session_load(store_t *st, const char *token, principal_t *who)
{
    if (!token || strlen(token) != RAND_TOKEN_LEN) return -ENOENT;
    char hash[65];
    session_hash(token, hash);
    struct session_ctx c = {hash, who, clock_now_ms()};
    return store_read(st, session_fn, &c);
}

static int sign_out_fn(db_t *db, void *arg)
{
    long long n = db_run(db, "DELETE FROM sessions WHERE token_hash = $1", "t", (const char *)arg);
    return n < 0 ? (int)n : 0;
}

int auth_sign_out(store_t *st, const principal_t *who)
{
    if (!who->session_hash[0]) return -ENOENT;
    return store_write(st, sign_out_fn, (void *)who->session_hash);
}

/* ---- API tokens ---- */

static int token_fn(db_t *db, void *arg)
{
    struct session_ctx *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT account_id, expires_at, revoked_at, id, COALESCE(last_used_at, 0) FROM api_tokens "
                      "WHERE token_hash = $1",
                      "t", c->hash);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    char account[ID_LEN + 1], id[ID_LEN + 1];
    str_copy(account, sizeof account, db_col_text(s, 0));
    long long expires = db_col_int(s, 1);
    int revoked = !db_col_is_null(s, 2);
    str_copy(id, sizeof id, db_col_text(s, 3));
    long long last_used = db_col_int(s, 4);
    db_reset(s);
    if (revoked) return -ENOENT;
    if (c->now >= expires) return -ETIMEDOUT;
    rc = auth_load_principal(db, account, c->who);
    if (rc < 0) return rc;
    c->who->via_token = true;
    memcpy(c->who->token_id, id, sizeof id);
    c->who->touch_due = c->now - last_used > 60000;
    return 0;
}

int auth_token_load(store_t *st, const char *token, principal_t *who)
{
    if (!token || strncmp(token, "mct_", 4) != 0 || strlen(token) != 4 + RAND_TOKEN_LEN) return -ENOENT;
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    struct session_ctx c = {hash, who, clock_now_ms()};
    return store_read(st, token_fn, &c);
}

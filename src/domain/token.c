/* token.c — API tokens (see token.h). */
#include "domain/token.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/ledger.h"

#include <stdio.h>
#include <string.h>

void token_json(jw_t *w, const api_token_t *t)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", t->id);
    jw_kstr(w, "name", t->name);
    jw_kint(w, "created_at", t->created_at);
    jw_kint(w, "expires_at", t->expires_at);
    jw_key(w, "revoked_at");
    if (t->revoked_at) jw_int(w, t->revoked_at); else jw_null(w);
    jw_key(w, "last_used_at");
    if (t->last_used_at) jw_int(w, t->last_used_at); else jw_null(w);
    jw_obj_end(w);
}

static void token_payload(jw_t *w, const void *t) { token_json(w, t); }

static int token_event(db_t *db, const principal_t *who, const char *type, const api_token_t *t)
{
    return ledger_append_json(db, who->unit_id, who->account_id, type, "token", t->id, token_payload, t);
}

int token_create(db_t *db, const principal_t *who, const char *name, int days, api_token_t *out,
                 char secret[TOKEN_SECRET_LEN + 1], derr_t *err)
{
    size_t n = strlen(name);
    if (!utf8_valid(name, n) || utf8_length(name, n) < 1 || utf8_length(name, n) > 100)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "name", "name", "1", "100");
    if (days < 1 || days > 730) return derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "expires_in_days", "expires_in_days", "1", "730");
    memset(out, 0, sizeof *out);
    id_new(out->id);
    str_copy(out->name, sizeof out->name, name);
    char raw[RAND_TOKEN_LEN + 1], hash[65];
    rand_token(raw);
    snprintf(secret, TOKEN_SECRET_LEN + 1, "mct_%s", raw);
    sha256_hex(secret, strlen(secret), hash);
    out->created_at = clock_now_ms();
    out->expires_at = out->created_at + (long long)days * 86400000LL;
    long long r = db_run(db, "INSERT INTO api_tokens (id, account_id, name, token_hash, created_at, expires_at) "
                             "VALUES ($1, $2, $3, $4, $5, $6)",
                         "ttttii", out->id, who->account_id, out->name, hash, out->created_at, out->expires_at);
    if (r < 0) return (int)r;
    return token_event(db, who, "token.created", out);
}

int token_list(db_t *db, const principal_t *who, token_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, "SELECT id, name, created_at, expires_at, COALESCE(revoked_at, 0), "
                                  "COALESCE(last_used_at, 0) FROM api_tokens WHERE account_id = $1 "
                                  "ORDER BY id LIMIT 200");
    if (!s) return -EIO;
    db_bind_text(s, 1, who->account_id, DB_NTS);
    api_token_t t;
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        memset(&t, 0, sizeof t);
        str_copy(t.id, sizeof t.id, db_col_text(s, 0));
        str_copy(t.name, sizeof t.name, db_col_text(s, 1));
        t.created_at = db_col_int(s, 2);
        t.expires_at = db_col_int(s, 3);
        t.revoked_at = db_col_int(s, 4);
        t.last_used_at = db_col_int(s, 5);
        n++;
        if (cb(&t, arg) < 0) break;
    }
    db_reset(s);
    return rc < 0 ? rc : n;
}

int token_revoke(db_t *db, const principal_t *who, const char *id, derr_t *err)
{
    long long now = clock_now_ms();
    long long n = db_run(db, "UPDATE api_tokens SET revoked_at = $3 WHERE id = $1 AND account_id = $2 "
                             "AND revoked_at IS NULL",
                         "tti", id, who->account_id, now);
    if (n < 0) return (int)n;
    if (n == 0) return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    api_token_t t = {0};
    str_copy(t.id, sizeof t.id, id);
    t.revoked_at = now;
    return token_event(db, who, "token.revoked", &t);
}

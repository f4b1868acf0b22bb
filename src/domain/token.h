/* token.h — API tokens for systems (Authorization: Bearer mct_...).
 *
 * A token belongs to an account and acts with that account's roles. The secret is shown once, at creation; only
 * its SHA-256 is stored. Tokens expire (1 to 730 days) and can be revoked; disabling the account revokes them. */
#ifndef MOTCUA_TOKEN_H
#define MOTCUA_TOKEN_H
#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

#define TOKEN_SECRET_LEN (4 + RAND_TOKEN_LEN)

typedef struct api_token {
    char      id[ID_LEN + 1];
    char      name[404];
    long long created_at, expires_at, revoked_at, last_used_at;
} api_token_t;

typedef int (*token_cb)(const api_token_t *t, void *arg);

/* Create a token for who; secret receives "mct_..." (TOKEN_SECRET_LEN + 1 bytes). */
int token_create(db_t *db, const principal_t *who, const char *name, int days, api_token_t *out,
                 char secret[TOKEN_SECRET_LEN + 1], derr_t *err);
int token_list(db_t *db, const principal_t *who, token_cb cb, void *arg);
/* Revoke one of who's tokens: -ENOENT when it is not theirs or already revoked. */
int token_revoke(db_t *db, const principal_t *who, const char *id, derr_t *err);
void token_json(jw_t *w, const api_token_t *t);
#endif

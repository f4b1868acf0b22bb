/* auth.h — who is calling: passwords, sessions, API tokens, sign-in throttling, roles and unit scopes.
 *
 * Secrets are never stored: sessions and API tokens are kept as SHA-256 of the random token, passwords as Argon2id
 * encodings. A principal is the loaded caller: its account, and its grants (role at a unit). A grant covers its
 * unit's subtree; the scope test is a prefix test on units.path ("/<root>/<province>/<commune>/"). Ancestors of a
 * granted unit are visible (a commune officer may read its province's name), siblings never are. */
#ifndef MOTCUA_AUTH_H
#define MOTCUA_AUTH_H
#include <stdbool.h>
#include <stddef.h>

#include "core/rand.h"
#include "db/db.h"

typedef enum {
    ROLE_DESK,          /* tiếp nhận: receives dossiers */
    ROLE_SPECIALIST,    /* chuyên viên: works dossiers */
    ROLE_LEADER,        /* lãnh đạo: assigns, approves, signs */
    ROLE_CLERK,         /* văn thư: official documents */
    ROLE_OFFICIAL,      /* province official: sees every commune of the province */
    ROLE_ADMIN,         /* units, staff, catalog, calendars within its scope */
    ROLE__COUNT
} role_t;

/* At most this many grants per account: refused with 400/422 when written, and an account holding more (only
 * possible by editing the database by hand) fails to load rather than losing grants silently. */
#define AUTH_MAX_GRANTS 16
/* The name of the session cookie (the HTTP layer reads it, the session API sets it). */
#define AUTH_SESSION_COOKIE "motcua_session"
#define AUTH_PATH_MAX 192
#define AUTH_PASSWORD_MIN 4
#define AUTH_PASSWORD_MAX 128

typedef struct grant {
    role_t role;
    char   unit_id[ID_LEN + 1];
    char   unit_path[AUTH_PATH_MAX];
} grant_t;

typedef struct principal {
    char    account_id[ID_LEN + 1];
    char    kind[8];                 /* staff, citizen, system */
    char    username[72];
    char    unit_id[ID_LEN + 1];     /* home unit (staff), may be empty */
    int     ngrants;
    grant_t grants[AUTH_MAX_GRANTS];
    bool    via_token;               /* API token: no CSRF needed */
    bool    touch_due;               /* last use recorded over a minute ago: call auth_session_touch */
    char    token_id[ID_LEN + 1];    /* the API token used, when via_token */
    char    csrf[RAND_TOKEN_LEN + 1];
    char    session_hash[65];
} principal_t;

typedef struct auth_policy {
    long long session_ttl_ms;        /* absolute lifetime of a session (default 8 h) */
    long long session_idle_ms;       /* inactivity limit (default 2 h) */
    int       slow_after;            /* failures before attempts are spaced out (default 3) */
    long long slow_base_ms;          /* first spacing; doubles per failure, capped at 30 s (default 1 s) */
    int       lock_after;            /* failures before the account locks (default 10) */
    long long lock_ms;               /* lock duration (default 15 min) */
} auth_policy_t;

extern auth_policy_t auth_policy;     /* set once at start-up, read-only afterwards */

const char *role_name(role_t r);
int role_parse(const char *s, role_t *out);   /* 0 or -EINVAL */
/* Whether role r may be held at a unit of this kind. */
bool role_fits_unit_kind(role_t r, const char *kind);

/* Argon2id (t=2, m=19 MiB, p=1): encoded string into out (>= 128 bytes). */
int auth_password_hash(const char *password, char *out, size_t cap);
bool auth_password_verify(const char *encoded, const char *password);
int auth_password_check(const char *password);   /* length rules: 0 or -EINVAL */

/* Outcome of a sign-in attempt. */
typedef struct signin_result {
    int       status;                /* 0 ok, -EACCES bad credentials, -EAGAIN too soon, -EBUSY locked */
    long long retry_after_ms;
    char      token[RAND_TOKEN_LEN + 1];
    principal_t who;
} signin_result_t;

int  auth_sign_in(store_t *st, const char *username, const char *password, signin_result_t *res);
/* Load the caller from a session cookie value: 0, -ENOENT (unknown), -ETIMEDOUT (expired). Read-only, so it
 * may run inside an open read snapshot; when who->touch_due, call auth_session_touch() afterwards, outside it. */
int  auth_session_load(store_t *st, const char *token, principal_t *who);
/* Record activity: the session's last_seen (keeps the idle limit from expiring it) or the API token's
 * last_used_at. Best effort. */
int  auth_session_touch(store_t *st, const principal_t *who);
int  auth_sign_out(store_t *st, const principal_t *who);
/* Load the caller from an API token: 0, -ENOENT (unknown/revoked/disabled), -ETIMEDOUT (expired). */
int  auth_token_load(store_t *st, const char *token, principal_t *who);
/* Load a principal by account id inside a transaction (roles with unit paths). */
int  auth_load_principal(db_t *db, const char *account_id, principal_t *who);

/* The grants of an account with their units' paths, ordered by path then role: 0, or -EOVERFLOW when the
 * account holds more than AUTH_MAX_GRANTS (nothing is dropped silently). */
int  auth_load_grants(db_t *db, const char *account_id, grant_t grants[AUTH_MAX_GRANTS], int *ngrants);

bool auth_has_role(const principal_t *who, role_t r);
/* True when who can see the unit with this path (descendant or ancestor of a grant). */
bool auth_sees_path(const principal_t *who, const char *unit_path);
/* True when who holds role r at this unit or above it. */
bool auth_role_covers(const principal_t *who, role_t r, const char *unit_path);
#endif

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
#include "core/buf.h"
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
    char    token_hash[65];          /* its SHA-256, when via_token (the principal cache's key) */
    char    csrf[RAND_TOKEN_LEN + 1];
    char    session_hash[65];
} principal_t;

/* Sign-in throttling (docs/security.md section 3). Failures are counted per key in one table, read and updated in
 * the same write transaction as the attempt: one key per username (whether the account exists or not, so known
 * and unknown names answer alike) and one per client address. A key with n >= its threshold failures makes the
 * next attempt wait slow_base_ms << (n - threshold) after its last failure, capped per key kind. There is no hard
 * lock: the real owner of an account waits at most account_max_ms. A key is forgotten forget_ms after its last
 * failure; a successful sign-in clears its username's key. */
typedef struct auth_policy {
    long long session_ttl_ms;        /* absolute lifetime of a session (default 8 h) */
    long long session_idle_ms;       /* inactivity limit (default 2 h) */
    int       slow_after;            /* failures of one username before its attempts are spaced out (default 3) */
    long long slow_base_ms;          /* first spacing; doubles per further failure (default 1 s) */
    long long account_max_ms;        /* cap of a username's spacing (default 30 s) */
    int       addr_after;            /* failures from one client address before spacing (default 20) */
    long long addr_max_ms;           /* cap of an address's spacing (default 15 min) */
    long long forget_ms;             /* a key's count is forgotten this long after its last failure (default 1 h) */
    int       register_after;        /* citizen registrations per address before spacing (default 20) */
    int       lookup_after;          /* lookup: failed public dossier proofs per address before spacing (default 10) */
    int       argon_slots;           /* Argon2 runs at once: 0 = cores; never more than cores (serve: threads - 1) */
    long long argon_wait_ms;         /* wait for a free Argon2 slot before 503 (default 250 ms: a waiting
                                      * handler holds its worker thread and that thread's other connections) */
    long long cache_ms;              /* principal cache lifetime (default 1000 ms; 0 = no cache): see below */
} auth_policy_t;

extern auth_policy_t auth_policy;     /* set once at start-up, read-only afterwards */

/* The principal cache. Every authenticated request loads its principal (session or token row, account, grants:
 * two queries and a snapshot); auth_session_load()/auth_token_load() keep what they loaded, keyed by the
 * credential's hash, and answer from it while ALL of these hold: no store_write() of this process started or
 * ended since the load began (store_write_count(): any write at all — a sign-out, a password change, a disabled
 * account, a new grant, a touch — invalidates every entry at once), the entry is younger than
 * auth_policy.cache_ms, the session or token is not expired or idle, and no touch of its last use is due. So
 * within one process a revocation takes effect for the very next request, as without the cache; a change made by
 * another process (the `motcua user` CLI on SQLite, another server on the same PostgreSQL) is seen within
 * cache_ms. A memo (a rendered fragment, e.g. the body of GET /api/v1/me) may ride on the entry under the same
 * rules: take auth_memo_stamp() before reading what it is made of, then auth_memo_put(). */
unsigned long long auth_memo_stamp(store_t *st);
/* Append the memo kept for who's credential to out and return true, or false (none, or no longer valid). */
bool auth_memo_get(store_t *st, const principal_t *who, buf_t *out);
void auth_memo_put(store_t *st, const principal_t *who, unsigned long long stamp, const char *data, size_t len);
/* Forget every entry (tests, and a store being closed). */
void auth_cache_clear(void);

const char *role_name(role_t r);
int role_parse(const char *s, role_t *out);   /* 0 or -EINVAL */
/* Whether role r may be held at a unit of this kind. */
bool role_fits_unit_kind(role_t r, const char *kind);

/* Argon2id (t=2, m=19 MiB, p=1): encoded string into out (>= 128 bytes). At most as many runs at once as there
 * are cores (auth_policy.argon_slots); a run waits up to auth_policy.argon_wait_ms for a slot, else -EBUSY. Its memory is mapped for the
 * run and unmapped after it (no per-thread arena keeps 19 MiB). 0, -EBUSY, or -EIO (Argon2 failed: never store
 * out then). */
int auth_password_hash(const char *password, char *out, size_t cap);
/* 1 match, 0 mismatch, -EBUSY no Argon2 slot, -EINVAL malformed encoding or any other Argon2 error. */
int auth_password_verify_rc(const char *encoded, const char *password);
/* True only on a match: any error is false. */
bool auth_password_verify(const char *encoded, const char *password);
int auth_password_check(const char *password);   /* length rules: 0 or -EINVAL */

/* Outcome of a sign-in attempt (or of a current-password check). */
typedef struct signin_result {
    int       status;                /* 0 ok, -EACCES bad credentials, -EAGAIN throttled, -EBUSY no Argon2 slot */
    long long retry_after_ms;        /* with -EAGAIN and -EBUSY */
    char      token[RAND_TOKEN_LEN + 1];
    principal_t who;
} signin_result_t;

/* client_addr: the request's client address (forwarded one with --trust-proxy), "" when unknown. */
int  auth_sign_in(store_t *st, const char *username, const char *password, const char *client_addr,
                  signin_result_t *res);
/* The current password of who, checked under the same throttle as a sign-in (a wrong one counts as a failed
 * sign-in of who's username and of client_addr). res->status as for auth_sign_in (no session is opened). */
int  auth_verify_current_password(store_t *st, const principal_t *who, const char *password,
                                  const char *client_addr, signin_result_t *res);
/* One more citizen registration from client_addr: res->status 0 (go ahead) or -EAGAIN (retry_after_ms). */
int  auth_register_throttle(store_t *st, const char *client_addr, signin_result_t *res);
/* lookup: the per-address throttle of public dossier proofs (code + phone or identifier digits; domain/lookup.h),
 * under key "l:" + SHA-256 of the address in the same table and with the same spacing rule as sign-in
 * (auth_policy.lookup_after failures, then slow_base_ms doubling, capped at addr_max_ms, forgotten after
 * forget_ms). peek reads only; fail counts one failed proof in a write transaction. Both set *retry_after_ms > 0
 * when the client must wait (fail then counts nothing). 0 or a negative errno. */
int  auth_lookup_throttle_peek(store_t *st, const char *client_addr, long long *retry_after_ms);
int  auth_lookup_throttle_fail(store_t *st, const char *client_addr, long long *retry_after_ms);
/* The PIN throttle of a signing key (sign/keystore.h): under key "k:" + SHA-256 of the key id in the same table
 * and with the sign-in's spacing rule (auth_policy.slow_after wrong PINs, then slow_base_ms doubling, capped at
 * account_max_ms), so that a stolen session cannot guess a key's PIN at speed. peek reads only; fail counts one
 * wrong PIN in a write transaction. *retry_after_ms > 0 when the key must wait. 0 or a negative errno. */
int  auth_pin_throttle_peek(store_t *st, const char *key_id, long long *retry_after_ms);
int  auth_pin_throttle_fail(store_t *st, const char *key_id, long long *retry_after_ms);
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
/* True when the unit path s lies at or under prefix (a unit path: the prefix test of every scope check). */
bool auth_path_prefix(const char *prefix, const char *s);
/* True when who can see the unit with this path (descendant or ancestor of a grant). */
bool auth_sees_path(const principal_t *who, const char *unit_path);
/* True when who holds role r at this unit or above it. */
bool auth_role_covers(const principal_t *who, role_t r, const char *unit_path);
#endif

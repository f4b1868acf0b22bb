/* account.h — staff, citizen and system accounts, and the roles staff hold at units.
 *
 * Passwords arrive here already hashed (auth_password_hash runs outside the write transaction: Argon2 is slow by
 * design and must not hold the single writer). Every change appends a ledger event whose payload never contains
 * a password hash. Visibility: an account is visible to a principal holding admin or leader at (or above) the
 * account's home unit; anything else is "not found". */
#ifndef MOTCUA_ACCOUNT_H
#define MOTCUA_ACCOUNT_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

typedef struct role_grant_input {
    role_t      role;
    const char *unit_id;
} role_grant_input_t;

/* Fields of work (lĩnh vực) an officer is qualified for: names of the procedure catalog's fields. */
#define ACCOUNT_FIELDS_MAX 16
#define ACCOUNT_FIELD_LEN 128

typedef struct account_input {
    const char *kind;              /* create: "staff" | "citizen" | "system" */
    const char *username;          /* create only */
    const char *full_name;
    const char *email;
    const char *phone;
    const char *national_id;
    const char *unit_id;           /* staff home unit */
    const char *password_hash;     /* create / set password */
    int         disabled;          /* -1 unchanged */
    int         nroles;            /* -1 unchanged */
    role_grant_input_t roles[AUTH_MAX_GRANTS];
    bool        set_fields;        /* replace the fields of work (staff only): one staff.fields_set event */
    int         nfields;
    const char *fields[ACCOUNT_FIELDS_MAX];
} account_input_t;

typedef struct account {
    char      id[ID_LEN + 1];
    char      kind[8];
    char      username[72];
    char      full_name[808];
    char      email[256];
    char      phone[24];
    char      national_id[16];
    char      unit_id[ID_LEN + 1];
    char      unit_path[AUTH_PATH_MAX];
    bool      disabled;
    long long created_at, updated_at, version;
    int       ngrants;
    grant_t   grants[AUTH_MAX_GRANTS];
    int       nfields;               /* fields of work, by name (staff_fields, ordered by field) */
    char      fields[ACCOUNT_FIELDS_MAX][ACCOUNT_FIELD_LEN];
} account_t;

/* The short form of a unit shown beside an account. */
typedef struct unit_brief {
    char id[ID_LEN + 1];
    char kind[16];
    char name[808];
    char slug[48];
} unit_brief_t;

/* An account with its home unit and the units of its grants (for "who am I"): two queries. */
typedef struct account_profile {
    account_t    a;
    bool         has_home;
    unit_brief_t home;
    unit_brief_t grant_units[AUTH_MAX_GRANTS];
} account_profile_t;

typedef struct account_query {
    const char *under_path;        /* required: accounts whose home unit is in this subtree */
    const char *q;                 /* search in name and username */
    const char *role;              /* optional role filter */
    const char *after_username;    /* cursor */
    long long   limit;
} account_query_t;

typedef int (*account_cb)(const account_t *a, void *arg);

bool account_username_valid(const char *s);
int account_get(db_t *db, const char *id, account_t *out);                  /* -ENOENT */
int account_get_by_username(db_t *db, const char *username, account_t *out);
int account_list(db_t *db, const account_query_t *q, account_cb cb, void *arg);
/* Whether who may see this account (admin or leader covering its home unit; oneself), and whether who may manage
 * it: admin over its home unit and over every unit where it holds a grant, and strictly above its admin grants. */
bool account_visible_to(const principal_t *who, const account_t *a);
bool account_manageable_by(const principal_t *who, const account_t *a);
/* actor NULL = the system (CLI, demo). */
int account_create(db_t *db, const principal_t *actor, const account_input_t *in, account_t *out, derr_t *err);
int account_update(db_t *db, const principal_t *actor, const char *id, long long expected_version,
                   const account_input_t *in, account_t *out, derr_t *err);
/* Sets a new password hash, ends the account's sessions except keep_session_hash (may be NULL) and revokes every
 * API token of the account. An actor using an API token is refused (403); an actor changing its own password must
 * have verified the current one (current_verified), else 403. actor NULL = the system (CLI). */
int account_set_password(db_t *db, const principal_t *actor, const char *id, const char *password_hash,
                         const char *keep_session_hash, bool current_verified, derr_t *err);
/* The account as JSON for viewer (NULL: everything): grants outside the viewer's subtree are left out and only
 * counted in "roles_outside_scope". */
void account_json(jw_t *w, const principal_t *viewer, const account_t *a);
int account_profile(db_t *db, const char *id, account_profile_t *p);     /* -ENOENT */
void unit_brief_json(jw_t *w, const unit_brief_t *u);

/* The projection of staff.fields_set (table staff_fields): registered in event.c. */
struct event_module;
extern const struct event_module staff_event_module;
/* The projection of account.created / citizen.registered / account.updated / account.password_changed (tables
 * accounts, rebuilt in place, and roles): registered in event.c. Credentials (password_hash, sign-in counters),
 * sessions and API tokens are operational state, never in an event. */
struct event_inplace;
extern const struct event_module account_event_module;
extern const struct event_inplace account_inplace;
#endif

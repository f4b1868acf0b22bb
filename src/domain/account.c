/* account.c — staff, citizen and system accounts (see account.h). */
#include "domain/account.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/event.h"
#include "domain/ledger.h"
#include "domain/unit.h"

#include <jansson.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT_COLS                                                                                              \
    "a.id, a.kind, a.username, a.full_name, COALESCE(a.email, ''), COALESCE(a.phone, ''), "                       \
    "COALESCE(a.national_id, ''), COALESCE(a.unit_id, ''), COALESCE(u.path, ''), a.disabled, a.created_at, "      \
    "a.updated_at, a.version"

/* The grants and the fields of work of a. */
static int load_grants(db_t *db, account_t *a)
{
    int rc = auth_load_grants(db, a->id, a->grants, &a->ngrants);
    if (rc < 0) return rc;
    db_stmt_t *s;
    a->nfields = 0;
    rc = db_query(db, &s, "SELECT field FROM staff_fields WHERE account_id = $1 ORDER BY field_fold", "t", a->id);
    while (rc == DB_ROW && a->nfields < ACCOUNT_FIELDS_MAX) {
        str_copy(a->fields[a->nfields++], ACCOUNT_FIELD_LEN, db_col_text(s, 0));
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void row_to_account(db_stmt_t *s, account_t *a)
{
    memset(a, 0, sizeof *a);
    str_copy(a->id, sizeof a->id, db_col_text(s, 0));
    str_copy(a->kind, sizeof a->kind, db_col_text(s, 1));
    str_copy(a->username, sizeof a->username, db_col_text(s, 2));
    str_copy(a->full_name, sizeof a->full_name, db_col_text(s, 3));
    str_copy(a->email, sizeof a->email, db_col_text(s, 4));
    str_copy(a->phone, sizeof a->phone, db_col_text(s, 5));
    str_copy(a->national_id, sizeof a->national_id, db_col_text(s, 6));
    str_copy(a->unit_id, sizeof a->unit_id, db_col_text(s, 7));
    str_copy(a->unit_path, sizeof a->unit_path, db_col_text(s, 8));
    a->disabled = db_col_int(s, 9) != 0;
    a->created_at = db_col_int(s, 10);
    a->updated_at = db_col_int(s, 11);
    a->version = db_col_int(s, 12);
}

static int get_one(db_t *db, const char *sql, const char *key, account_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, sql, "t", key);
    if (rc == DB_ROW) row_to_account(s, out);
    if (s) db_reset(s);
    if (rc != DB_ROW) return rc < 0 ? rc : -ENOENT;
    return load_grants(db, out);
}

int account_get(db_t *db, const char *id, account_t *out)
{
    return get_one(db, "SELECT " ACCOUNT_COLS " FROM accounts a LEFT JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
                   id, out);
}

int account_get_by_username(db_t *db, const char *username, account_t *out)
{
    return get_one(db,
                   "SELECT " ACCOUNT_COLS " FROM accounts a LEFT JOIN units u ON u.id = a.unit_id WHERE a.username = $1",
                   username, out);
}

int account_list(db_t *db, const account_query_t *q, account_cb cb, void *arg)
{
    char *like = domain_like_pattern(q->q);
    char under[AUTH_PATH_MAX + 2];
    snprintf(under, sizeof under, "%s%%", q->under_path);
    db_stmt_t *s = db_prepare(db, "SELECT " ACCOUNT_COLS " FROM accounts a JOIN units u ON u.id = a.unit_id "
                                  "WHERE u.path LIKE $1 "
                                  "AND (CAST($2 AS TEXT) = '' OR a.name_fold LIKE $2 ESCAPE '\\' "
                                  "     OR a.username LIKE $2 ESCAPE '\\') "
                                  "AND (CAST($3 AS TEXT) = '' OR EXISTS (SELECT 1 FROM roles r "
                                  "     WHERE r.account_id = a.id AND r.role = $3)) "
                                  "AND a.username > $4 ORDER BY a.username LIMIT $5");
    if (!s) { free(like); return -EIO; }
    db_bind_text(s, 1, under, DB_NTS);
    db_bind_text(s, 2, like ? like : "", DB_NTS);
    db_bind_text(s, 3, q->role ? q->role : "", DB_NTS);
    db_bind_text(s, 4, q->after_username ? q->after_username : "", DB_NTS);
    db_bind_int(s, 5, q->limit);
    account_t *a = xmalloc(sizeof *a);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        row_to_account(s, a);
        if ((rc = load_grants(db, a)) < 0) break;
        n++;
        if (cb(a, arg) < 0) break;
    }
    free(a);
    db_reset(s);
    free(like);
    return rc < 0 ? rc : n;
}

bool account_visible_to(const principal_t *who, const account_t *a)
{
    if (!strcmp(who->account_id, a->id)) return true;
    if (!a->unit_path[0]) return false;
    return auth_role_covers(who, ROLE_ADMIN, a->unit_path) || auth_role_covers(who, ROLE_LEADER, a->unit_path);
}

/* Admin strictly above this path: an admin grant at a proper ancestor of the unit. */
static bool admin_strictly_above(const principal_t *who, const char *path)
{
    size_t n = strlen(path);
    for (int i = 0; i < who->ngrants; i++) {
        const grant_t *g = &who->grants[i];
        size_t k = strlen(g->unit_path);
        if (g->role == ROLE_ADMIN && k < n && strncmp(g->unit_path, path, k) == 0) return true;
    }
    return false;
}

/* The rule (docs/security.md, "Authority over accounts"): the actor is admin over the account's home unit and over
 * every unit where the account holds a grant; an admin grant of the account needs an admin strictly above it, so
 * that admins of one scope cannot take over one another (nor anyone above them). */
bool account_manageable_by(const principal_t *who, const account_t *a)
{
    if (!a->unit_path[0] || !auth_role_covers(who, ROLE_ADMIN, a->unit_path)) return false;
    for (int i = 0; i < a->ngrants; i++) {
        const grant_t *g = &a->grants[i];
        if (g->role == ROLE_ADMIN ? !admin_strictly_above(who, g->unit_path)
                                  : !auth_role_covers(who, ROLE_ADMIN, g->unit_path))
            return false;
    }
    return true;
}

bool account_username_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '.' || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return isalnum((unsigned char)s[0]);
}

static bool email_valid(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@') || !strchr(at + 1, '.')) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == '"') return false;
    return true;
}

static bool digits_valid(const char *s, size_t lo, size_t hi, bool plus)
{
    size_t n = strlen(s);
    if (n < lo || n > hi) return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(plus && i == 0 && s[i] == '+')) return false;
    return true;
}

static int check_fields(const account_input_t *in, bool create, derr_t *err)
{
    if (create) {
        if (!in->kind || (strcmp(in->kind, "staff") && strcmp(in->kind, "citizen") && strcmp(in->kind, "system")))
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "kind", "kind", "staff | citizen | system", NULL);
        if (!in->username || !account_username_valid(in->username))
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "username", "username", "a-z 0-9 . _ - (3-64)", NULL);
        if (!in->full_name) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "full_name", "full_name", NULL, NULL);
    }
    if (in->full_name) {
        size_t n = strlen(in->full_name);
        if (!utf8_valid(in->full_name, n) || utf8_length(in->full_name, n) < 2 || utf8_length(in->full_name, n) > 200)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "full_name", "full_name", "2", "200");
    }
    if (in->email && *in->email && !email_valid(in->email))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "email", "email", "name@example.vn", NULL);
    if (in->phone && *in->phone && !digits_valid(in->phone, 8, 15, true))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "phone", "phone", "8-15 digits", NULL);
    if (in->national_id && *in->national_id && !digits_valid(in->national_id, 12, 12, false))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "national_id", "national_id", "12 digits", NULL);
    return 0;
}

/* Check a unit reference: it exists, and the actor administers it. */
static int check_unit_ref(db_t *db, const principal_t *actor, const char *field, const char *unit_id, unit_t *u,
                          derr_t *err)
{
    int rc = id_valid(unit_id) ? unit_get(db, unit_id, u) : -ENOENT;
    if (rc == -ENOENT || (rc == 0 && actor && !auth_role_covers(actor, ROLE_ADMIN, u->path)))
        return derr_set(err, -ENOENT, 422, MSG_UNIT_UNKNOWN, field, unit_id, NULL, NULL);
    return rc;
}

static int check_roles(db_t *db, const principal_t *actor, const account_input_t *in, derr_t *err)
{
    unit_t *u = xmalloc(sizeof *u);
    int rc = 0;
    for (int i = 0; i < in->nroles && rc == 0; i++) {
        rc = check_unit_ref(db, actor, "roles", in->roles[i].unit_id, u, err);
        if (rc == 0 && !role_fits_unit_kind(in->roles[i].role, u->kind))
            rc = derr_set(err, -EINVAL, 422, MSG_ROLE_PLACEMENT, "roles", role_name(in->roles[i].role), u->kind, NULL);
    }
    free(u);
    return rc;
}

/* The grants after replacing the ones the actor administers with in->roles; grants outside the actor's scope (say,
 * a national role held by a commune officer) are not the actor's to remove and stay. actor NULL (CLI, demo): all
 * grants. The same grant listed twice is one grant. -E2BIG: more than AUTH_MAX_GRANTS in all. */
static int next_grants(const principal_t *actor, const account_t *current, const account_input_t *in, account_t *next)
{
    int n = 0;
    grant_t *g = next->grants;
    for (int i = 0; actor && i < current->ngrants; i++)
        if (!auth_role_covers(actor, ROLE_ADMIN, current->grants[i].unit_path)) g[n++] = current->grants[i];
    for (int i = 0; i < in->nroles; i++) {
        bool dup = false;
        for (int k = 0; k < n && !dup; k++)
            dup = g[k].role == in->roles[i].role && !strcmp(g[k].unit_id, in->roles[i].unit_id);
        if (dup) continue;
        if (n == AUTH_MAX_GRANTS) return -E2BIG;
        memset(&g[n], 0, sizeof g[n]);
        g[n].role = in->roles[i].role;
        str_copy(g[n].unit_id, sizeof g[n].unit_id, in->roles[i].unit_id);
        n++;
    }
    next->ngrants = n;
    return 0;
}

/* A grant the viewer may see: inside the subtree of one of the viewer's grants (or the viewer's own account). */
static bool grant_in_scope(const principal_t *viewer, const account_t *a, const grant_t *g)
{
    if (!viewer || !strcmp(viewer->account_id, a->id)) return true;
    for (int i = 0; i < viewer->ngrants; i++)
        if (!strncmp(viewer->grants[i].unit_path, g->unit_path, strlen(viewer->grants[i].unit_path))) return true;
    return false;
}

/* write_roles' -E2BIG (too many grants in all) as the caller's 422; other errors as they are. */
static int roles_error(int rc, derr_t *err)
{
    if (rc != -E2BIG) return rc;
    char max[8];
    snprintf(max, sizeof max, "%d", AUTH_MAX_GRANTS);
    return derr_set(err, -EINVAL, 422, MSG_TOO_MANY_ROLES, "roles", max, NULL, NULL);
}

void account_json(jw_t *w, const principal_t *viewer, const account_t *a)
{
    int hidden = 0;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->id);
    jw_kstr(w, "kind", a->kind);
    jw_kstr(w, "username", a->username);
    jw_kstr(w, "full_name", a->full_name);
    jw_kstr(w, "email", a->email[0] ? a->email : NULL);
    jw_kstr(w, "phone", a->phone[0] ? a->phone : NULL);
    jw_kstr(w, "unit_id", a->unit_id[0] ? a->unit_id : NULL);
    jw_kbool(w, "disabled", a->disabled);
    jw_key(w, "roles");
    jw_arr_begin(w);
    for (int i = 0; i < a->ngrants; i++) {
        if (!grant_in_scope(viewer, a, &a->grants[i])) { hidden++; continue; }
        jw_obj_begin(w);
        jw_kstr(w, "role", role_name(a->grants[i].role));
        jw_kstr(w, "unit_id", a->grants[i].unit_id);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "roles_outside_scope", hidden);
    jw_key(w, "fields");
    jw_arr_begin(w);
    for (int i = 0; i < a->nfields; i++) jw_str(w, a->fields[i]);
    jw_arr_end(w);
    jw_kint(w, "created_at", a->created_at);
    jw_kint(w, "updated_at", a->updated_at);
    jw_kint(w, "version", a->version);
    jw_obj_end(w);
}

/* The events' payload: the account as an administrator over everything sees it (account_json with no viewer), and
 * its national_id (events written before it was added leave the row's national_id as it is). Never a password
 * hash. Built as a value and handed to the apply as is (event_record_payload): no parse back on the write path. */
static int record_account(db_t *db, const principal_t *actor, const char *type, const account_t *a)
{
    json_t *v = json_object(), *roles = json_array(), *fields = json_array();
    json_object_set_new(v, "id", json_string(a->id));
    json_object_set_new(v, "kind", json_string(a->kind));
    json_object_set_new(v, "username", json_string(a->username));
    json_object_set_new(v, "full_name", json_string(a->full_name));
    json_object_set_new(v, "email", event_opt_str(a->email));
    json_object_set_new(v, "phone", event_opt_str(a->phone));
    json_object_set_new(v, "unit_id", event_opt_str(a->unit_id));
    json_object_set_new(v, "disabled", json_boolean(a->disabled));
    for (int i = 0; i < a->ngrants; i++) {
        json_t *g = json_object();
        json_object_set_new(g, "role", json_string(role_name(a->grants[i].role)));
        json_object_set_new(g, "unit_id", json_string(a->grants[i].unit_id));
        json_array_append_new(roles, g);
    }
    json_object_set_new(v, "roles", roles);
    json_object_set_new(v, "roles_outside_scope", json_integer(0));
    for (int i = 0; i < a->nfields; i++) json_array_append_new(fields, json_string(a->fields[i]));
    json_object_set_new(v, "fields", fields);
    json_object_set_new(v, "created_at", json_integer(a->created_at));
    json_object_set_new(v, "updated_at", json_integer(a->updated_at));
    json_object_set_new(v, "version", json_integer(a->version));
    json_object_set_new(v, "national_id", event_opt_str(a->national_id));
    event_payload_t p;
    int rc = event_payload_init(&p, v, 0, NULL, NULL);
    if (rc == 0)
        rc = event_record_payload(db, a->unit_id[0] ? a->unit_id : NULL, actor ? actor->account_id : NULL, type,
                                  "account", a->id, &p, NULL, NULL);
    event_payload_free(&p);
    return rc;
}

/* ---- the projection: account.created, citizen.registered and account.updated upsert the row and its roles ---- */

static int apply_account(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *kind = event_str(p, "kind"), *username = event_str(p, "username");
    const char *full_name = event_str(p, "full_name");
    const json_t *roles = json_object_get(p, "roles"), *r;
    if (!id || !kind || !username || !full_name || (roles && !json_is_array(roles))) return -EINVAL;
    bool has_nid = json_object_get(p, "national_id") != NULL;
    char *fold = utf8_fold(full_name, strlen(full_name));
    long long n = db_run(db,
                         "INSERT INTO accounts (id, kind, username, full_name, name_fold, email, phone, national_id, "
                         "unit_id, disabled, created_at, updated_at, version) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                         "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, username = excluded.username, "
                         "full_name = excluded.full_name, name_fold = excluded.name_fold, email = excluded.email, "
                         "phone = excluded.phone, national_id = CASE WHEN $14 = 1 THEN excluded.national_id "
                         "ELSE accounts.national_id END, unit_id = excluded.unit_id, disabled = excluded.disabled, "
                         "created_at = excluded.created_at, updated_at = excluded.updated_at, "
                         "version = excluded.version",
                         "tttttttttiiiii", id, kind, username, full_name, fold ? fold : full_name,
                         event_str(p, "email"), event_str(p, "phone"), event_str(p, "national_id"),
                         event_str(p, "unit_id"), (long long)json_is_true(json_object_get(p, "disabled")),
                         event_int(p, "created_at"), event_int(p, "updated_at"), event_int(p, "version"),
                         (long long)has_nid);
    free(fold);
    /* A new account has no roles yet (a rebuild has emptied them too): only an update replaces them. */
    if (n >= 0 && !strcmp(ev->type, "account.updated"))
        n = db_run(db, "DELETE FROM roles WHERE account_id = $1", "t", id);
    size_t i;
    json_array_foreach(roles, i, r) {
        const char *role = event_str(r, "role"), *unit = event_str(r, "unit_id");
        role_t parsed;
        if (n < 0) break;
        if (!unit || role_parse(role, &parsed) < 0) return -EINVAL;
        n = db_run(db, "INSERT INTO roles (account_id, role, unit_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                   "ttt", id, role, unit);
    }
    return n < 0 ? (int)n : 0;
}

/* account.password_changed: the credential itself is operational state (written by the write path, never in an
 * event); the row's version and updated_at move. Events written before those keys were added: one version more,
 * at the event's instant. */
static int apply_password_changed(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    if (!id) return -EINVAL;
    long long n;
    if (json_is_integer(json_object_get(p, "version")))
        n = db_run(db, "UPDATE accounts SET version = $2, updated_at = $3 WHERE id = $1", "tii", id,
                   event_int(p, "version"), event_int(p, "updated_at"));
    else
        n = db_run(db, "UPDATE accounts SET version = version + 1, updated_at = $2 WHERE id = $1", "ti", id, ev->at);
    if (n < 0) return (int)n;
    return n == 0 ? -ENOENT : 0;
}

static const event_kind_t account_kinds[] = {
    {"account.created", apply_account},
    {"citizen.registered", apply_account},
    {"account.updated", apply_account},
    {"account.password_changed", apply_password_changed},
    {NULL, NULL},
};

static const event_table_t account_tables[] = {
    {"roles", "account_id, role, unit_id"},
    {"accounts", "id"},
    {NULL, NULL},
};

const event_module_t account_event_module = {"account", account_kinds, account_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* In place (event.h): sessions, api_tokens and the credentials (password_hash and the sign-in counters, columns of
 * the row that no event carries) stay; event_digest() reads the projected columns only. */
const event_inplace_t account_inplace = {
    "accounts",
    "id, kind, username, full_name, name_fold, email, phone, national_id, unit_id, disabled, created_at, updated_at, "
    "version",
    "UPDATE accounts SET version = 0",
    "DELETE FROM accounts WHERE version = 0",
};

/* ---- fields of work: staff.fields_set ---- */

/* in->fields: each a field of the procedure catalog (procedures.field_fold, any scope), at most once (by its folded
 * form); only staff accounts have them. 400 shape errors, 422 an unknown field or a citizen account. */
static int check_fields_of_work(db_t *db, const account_input_t *in, const char *kind, derr_t *err)
{
    if (!in->set_fields) return 0;
    if (strcmp(kind, "staff")) return derr_set(err, -EINVAL, 422, MSG_DOSSIER_FIELDS_STAFF, "fields", NULL, NULL, NULL);
    if (in->nfields < 0 || in->nfields > ACCOUNT_FIELDS_MAX) {
        char max[8];
        snprintf(max, sizeof max, "%d", ACCOUNT_FIELDS_MAX);
        return derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "fields", "fields", "0", max);
    }
    char *folds[ACCOUNT_FIELDS_MAX] = {0};
    int rc = 0;
    for (int i = 0; rc == 0 && i < in->nfields; i++) {
        const char *f = in->fields[i];
        size_t n = f ? strlen(f) : 0;
        if (!f || !utf8_valid(f, n) || utf8_length(f, n) < 2 || n >= ACCOUNT_FIELD_LEN) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "fields", "fields[]", "2", "127");
            break;
        }
        folds[i] = utf8_fold(f, n);
        for (int k = 0; k < i; k++)
            if (folds[i] && folds[k] && !strcmp(folds[i], folds[k]))
                rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "fields", "fields", f, NULL);
        if (rc < 0) break;
        db_stmt_t *s;
        int q = db_query(db, &s, "SELECT 1 FROM procedures WHERE field_fold = $1 LIMIT 1", "t", folds[i] ? folds[i] : "");
        if (s) db_reset(s);
        if (q < 0) rc = q;
        else if (q != DB_ROW) rc = derr_set(err, -EINVAL, 422, MSG_DOSSIER_FIELD_UNKNOWN, "fields", f, NULL, NULL);
    }
    for (int i = 0; i < in->nfields && i < ACCOUNT_FIELDS_MAX; i++) free(folds[i]);
    return rc;
}

struct fields_arg {
    const account_t       *a;
    const account_input_t *in;
};

/* account_id and fields; version and updated_at: the account's after the change (a change of the fields alone
 * moves them, with no account.updated event). */
static void fields_payload(jw_t *w, const void *arg)
{
    const struct fields_arg *c = arg;
    jw_obj_begin(w);
    jw_kstr(w, "account_id", c->a->id);
    jw_key(w, "fields");
    jw_arr_begin(w);
    for (int i = 0; i < c->in->nfields; i++) jw_str(w, c->in->fields[i]);
    jw_arr_end(w);
    jw_kint(w, "version", c->a->version);
    jw_kint(w, "updated_at", c->a->updated_at);
    jw_obj_end(w);
}

/* a: the account as it is after the change (its version and updated_at go into the payload). */
static int record_fields(db_t *db, const principal_t *actor, const account_t *a, const account_input_t *in)
{
    struct fields_arg c = {a, in};
    return event_record(db, a->unit_id[0] ? a->unit_id : NULL, actor ? actor->account_id : NULL, "staff.fields_set",
                        "account", a->id, fields_payload, &c, NULL);
}

/* Whether an event written before staff.fields_set carried the account's version came right after the account's
 * own event (account creation, or an update of more than the fields): then the version did not move. Alone it
 * was a change of the fields only, which moved the version. */
static int fields_moved_version(db_t *db, const event_meta_t *ev, bool *moved)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT type, entity FROM events WHERE node = $1 AND seq = $2", "ti", ev->node,
                      ev->seq - 1);
    *moved = true;
    if (rc == DB_ROW) {
        const char *type = db_col_text(s, 0), *entity = db_col_text(s, 1);
        *moved = !(entity && ev->entity && !strcmp(entity, ev->entity) && type &&
                   (!strcmp(type, "account.created") || !strcmp(type, "account.updated") ||
                    !strcmp(type, "citizen.registered")));
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* staff.fields_set: the account's fields of work are exactly the payload's; the account takes the payload's version
 * and updated_at (older payloads: one version more, at the event's instant, when the fields alone changed). */
static int apply_fields_set(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = json_string_value(json_object_get(p, "account_id"));
    json_t *fields = json_object_get(p, "fields"), *f;
    size_t i;
    if (!id || !json_is_array(fields)) return -EINVAL;
    long long n;
    if (json_is_integer(json_object_get(p, "version"))) {
        n = db_run(db, "UPDATE accounts SET version = $2, updated_at = $3 WHERE id = $1", "tii", id,
                   event_int(p, "version"), event_int(p, "updated_at"));
    } else {
        bool moved;
        int rc = ev->node ? fields_moved_version(db, ev, &moved) : (moved = false, 0);
        if (rc < 0) return rc;
        n = moved ? db_run(db, "UPDATE accounts SET version = version + 1, updated_at = $2 WHERE id = $1", "ti", id,
                           ev->at)
                  : 0;
    }
    if (n >= 0) n = db_run(db, "DELETE FROM staff_fields WHERE account_id = $1", "t", id);
    json_array_foreach(fields, i, f) {
        if (n < 0) break;
        const char *name = json_string_value(f);
        if (!name) return -EINVAL;
        char *fold = utf8_fold(name, strlen(name));
        n = db_run(db, "INSERT INTO staff_fields (account_id, field, field_fold) VALUES ($1, $2, $3)", "ttt", id, name,
                   fold ? fold : name);
        free(fold);
    }
    return n < 0 ? (int)n : 0;
}

static const event_kind_t staff_kinds[] = {
    {"staff.fields_set", apply_fields_set},
    {NULL, NULL},
};

static const event_table_t staff_tables[] = {
    {"staff_fields", "account_id, field_fold"},
    {NULL, NULL},
};

const event_module_t staff_event_module = {"staff", staff_kinds, staff_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

int account_create(db_t *db, const principal_t *actor, const account_input_t *in, account_t *out, derr_t *err)
{
    int rc = check_fields(in, true, err);
    if (rc < 0) return rc;
    bool staff = !strcmp(in->kind, "staff") || !strcmp(in->kind, "system");
    unit_t *u = xmalloc(sizeof *u);
    if (staff) {
        if (!in->unit_id) rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "unit_id", "unit_id", NULL, NULL);
        else rc = check_unit_ref(db, actor, "unit_id", in->unit_id, u, err);
        if (rc == 0) rc = check_roles(db, actor, in, err);
    } else if (in->nroles > 0) {
        rc = derr_set(err, -EINVAL, 422, MSG_ROLE_PLACEMENT, "roles", "citizen", "-", NULL);
    }
    free(u);
    if (rc == 0) rc = check_fields_of_work(db, in, in->kind, err);
    if (rc < 0) return rc;
    if (!in->password_hash && strcmp(in->kind, "system") != 0)
        return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "password", "password", NULL, NULL);
    /* The new row, written by the event's apply; the password hash is the write path's (operational state). */
    account_t *a = out;
    memset(a, 0, sizeof *a);
    id_new(a->id);
    str_copy(a->kind, sizeof a->kind, in->kind);
    str_copy(a->username, sizeof a->username, in->username);
    str_copy(a->full_name, sizeof a->full_name, in->full_name);
    if (in->email) str_copy(a->email, sizeof a->email, in->email);
    if (in->phone) str_copy(a->phone, sizeof a->phone, in->phone);
    if (in->national_id) str_copy(a->national_id, sizeof a->national_id, in->national_id);
    if (staff) str_copy(a->unit_id, sizeof a->unit_id, in->unit_id);
    a->created_at = a->updated_at = clock_now_ms();
    a->version = 1;
    if (staff && (rc = next_grants(NULL, a, in, a)) < 0) return roles_error(rc, err);
    char id[ID_LEN + 1];
    memcpy(id, a->id, sizeof id);
    rc = record_account(db, actor, !strcmp(in->kind, "citizen") ? "citizen.registered" : "account.created", a);
    if (rc == -EEXIST) return derr_set(err, -EEXIST, 409, MSG_ALREADY_EXISTS, "username", in->username, NULL, NULL);
    if (rc < 0) return rc;
    if (in->password_hash) {
        long long n = db_run(db, "UPDATE accounts SET password_hash = $2 WHERE id = $1", "tt", id, in->password_hash);
        if (n < 0) return (int)n;
    }
    if ((rc = account_get(db, id, out)) < 0) return rc;
    if (in->set_fields && in->nfields > 0 && (rc = record_fields(db, actor, out, in)) == 0)
        rc = account_get(db, id, out);
    return rc;
}

/* Whether the account holds admin at a national root unit, and whether another enabled account does too. */
static int is_last_root_admin(db_t *db, const char *id, bool *last)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT COUNT(*) FROM roles r JOIN units u ON u.id = r.unit_id JOIN accounts a ON a.id = r.account_id "
                      "WHERE r.role = 'admin' AND u.kind = 'national' AND a.disabled = 0 AND a.id <> $1",
                      "t", id);
    long long others = rc == DB_ROW ? db_col_int(s, 0) : 0;
    if (s) db_reset(s);
    if (rc < 0) return rc;
    *last = others == 0;
    return 0;
}

static bool holds_root_admin(const account_t *a)
{
    for (int i = 0; i < a->ngrants; i++)
        if (a->grants[i].role == ROLE_ADMIN && strchr(a->grants[i].unit_path + 1, '/') &&
            strlen(a->grants[i].unit_path) == ID_LEN + 2)
            return true;
    return false;
}

static int end_access(db_t *db, const char *id, const char *keep_session, long long now)
{
    long long n = db_run(db, "DELETE FROM sessions WHERE account_id = $1 AND token_hash <> $2", "tt", id,
                         keep_session ? keep_session : "");
    if (n >= 0)
        n = db_run(db, "UPDATE api_tokens SET revoked_at = $2 WHERE account_id = $1 AND revoked_at IS NULL", "ti", id,
                   now);
    return n < 0 ? (int)n : 0;
}

int account_update(db_t *db, const principal_t *actor, const char *id, long long expected_version,
                   const account_input_t *in, account_t *out, derr_t *err)
{
    int rc = check_fields(in, false, err);
    if (rc < 0) return rc;
    /* Lock the row before reading it (see unit.c update_unit): racing If-Match writers get one 200. */
    long long lk = id_valid(id) ? db_run(db, "UPDATE accounts SET version = version WHERE id = $1", "t", id) : 0;
    if (lk < 0) return (int)lk;
    rc = id_valid(id) ? account_get(db, id, out) : -ENOENT;
    if (rc == -ENOENT || (rc == 0 && actor && !account_visible_to(actor, out)))
        return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (actor && !account_manageable_by(actor, out)) return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (out->version != expected_version) {
        char v[24];
        snprintf(v, sizeof v, "%lld", out->version);
        return derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, NULL, v, NULL, NULL);
    }
    unit_t *u = xmalloc(sizeof *u);
    if (in->unit_id) rc = check_unit_ref(db, actor, "unit_id", in->unit_id, u, err);
    free(u);
    if (rc == 0 && in->nroles >= 0) rc = check_roles(db, actor, in, err);
    if (rc == 0) rc = check_fields_of_work(db, in, out->kind, err);
    if (rc < 0) return rc;
    /* Never lock everyone out: the last enabled national administrator keeps its role and stays enabled. */
    bool removes_admin = in->disabled == 1;
    if (in->nroles >= 0) {
        bool keeps = false;
        for (int i = 0; i < in->nroles; i++)
            for (int k = 0; k < out->ngrants; k++)
                if (in->roles[i].role == ROLE_ADMIN && out->grants[k].role == ROLE_ADMIN &&
                    !strcmp(in->roles[i].unit_id, out->grants[k].unit_id) && strlen(out->grants[k].unit_path) == ID_LEN + 2)
                    keeps = true;
        removes_admin |= !keeps;
    }
    if (removes_admin && holds_root_admin(out) && !out->disabled) {
        bool last = false;
        if ((rc = is_last_root_admin(db, id, &last)) < 0) return rc;
        if (last) return derr_set(err, -EINVAL, 422, MSG_LAST_ADMIN, "disabled", NULL, NULL, NULL);
    }
    /* The row after the change, written by the event's apply. */
    long long now = clock_now_ms();
    account_t *next = xmalloc(sizeof *next);
    *next = *out;
    if (in->full_name) str_copy(next->full_name, sizeof next->full_name, in->full_name);
    if (in->email) str_copy(next->email, sizeof next->email, in->email);
    if (in->phone) str_copy(next->phone, sizeof next->phone, in->phone);
    if (in->unit_id) str_copy(next->unit_id, sizeof next->unit_id, in->unit_id);
    if (in->disabled >= 0) next->disabled = in->disabled != 0;
    next->updated_at = now;
    next->version++;
    if (in->nroles >= 0 && (rc = next_grants(actor, out, in, next)) < 0) {   /* out: the grants before */
        free(next);
        return roles_error(rc, err);
    }
    /* Only the fields of work changed: their one event (the version moves all the same, for If-Match). */
    bool fields_only = in->set_fields && !in->full_name && !in->email && !in->phone && !in->unit_id &&
                       in->disabled < 0 && in->nroles < 0;
    rc = fields_only ? 0 : record_account(db, actor, "account.updated", next);
    if (rc == 0 && in->disabled == 1) rc = end_access(db, id, NULL, now);
    if (rc == 0 && in->set_fields) rc = record_fields(db, actor, next, in);
    free(next);
    if (rc < 0) return rc;
    return account_get(db, id, out);
}

/* account.password_changed: the account and its new version; never the hash. */
static void password_payload(jw_t *w, const void *arg)
{
    const account_t *a = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->id);
    jw_kint(w, "updated_at", a->updated_at);
    jw_kint(w, "version", a->version);
    jw_obj_end(w);
}

int account_set_password(db_t *db, const principal_t *actor, const char *id, const char *password_hash,
                         const char *keep_session_hash, bool current_verified, derr_t *err)
{
    /* An API token never changes a password (a leaked token must not become a taken account). */
    if (actor && actor->via_token) return derr_set(err, -EACCES, 403, MSG_TOKEN_NO_PASSWORD, NULL, NULL, NULL, NULL);
    /* One's own password only with the current one (PUT /api/v1/me/password), by every route. */
    if (actor && !strcmp(actor->account_id, id) && !current_verified)
        return derr_set(err, -EACCES, 403, MSG_OWN_PASSWORD, NULL, NULL, NULL, NULL);
    account_t *a = xmalloc(sizeof *a);
    int rc = id_valid(id) ? account_get(db, id, a) : -ENOENT;
    if (rc == -ENOENT || (rc == 0 && actor && !account_visible_to(actor, a))) {
        free(a);
        return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    }
    if (rc == 0 && actor && strcmp(actor->account_id, id) != 0 && !account_manageable_by(actor, a))
        rc = derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    long long now = clock_now_ms();
    if (rc == 0) {
        long long n = db_run(db, "UPDATE accounts SET password_hash = $2, failed_logins = 0, locked_until = 0 "
                                 "WHERE id = $1",
                             "tt", id, password_hash);
        if (n < 0) rc = (int)n;
    }
    if (rc == 0) rc = end_access(db, id, keep_session_hash, now);
    if (rc == 0) {
        a->updated_at = now;
        a->version++;
        rc = event_record(db, a->unit_id[0] ? a->unit_id : NULL, actor ? actor->account_id : NULL,
                          "account.password_changed", "account", id, password_payload, a, NULL);
    }
    free(a);
    return rc;
}

/* ---- profile ---- */

static void row_to_brief(db_stmt_t *s, int col, unit_brief_t *u)
{
    str_copy(u->id, sizeof u->id, db_col_text(s, col));
    str_copy(u->kind, sizeof u->kind, db_col_text(s, col + 1));
    str_copy(u->name, sizeof u->name, db_col_text(s, col + 2));
    str_copy(u->slug, sizeof u->slug, db_col_text(s, col + 3));
}

int account_profile(db_t *db, const char *id, account_profile_t *p)
{
    memset(p, 0, sizeof *p);
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT " ACCOUNT_COLS ", COALESCE(u.id, ''), COALESCE(u.kind, ''), COALESCE(u.name, ''), "
                      "COALESCE(u.slug, '') FROM accounts a LEFT JOIN units u ON u.id = a.unit_id WHERE a.id = $1",
                      "t", id);
    if (rc == DB_ROW) {
        row_to_account(s, &p->a);
        p->has_home = p->a.unit_id[0] != '\0';
        if (p->has_home) row_to_brief(s, 13, &p->home);
    }
    if (s) db_reset(s);
    if (rc != DB_ROW) return rc < 0 ? rc : -ENOENT;
    s = db_prepare(db, "SELECT r.role, r.unit_id, u.path, u.id, u.kind, u.name, COALESCE(u.slug, '') "
                       "FROM roles r JOIN units u ON u.id = r.unit_id WHERE r.account_id = $1 ORDER BY u.path, r.role");
    if (!s) return -EIO;
    db_bind_text(s, 1, id, DB_NTS);
    while ((rc = db_step(s)) == DB_ROW && p->a.ngrants < AUTH_MAX_GRANTS) {
        grant_t *g = &p->a.grants[p->a.ngrants];
        if (role_parse(db_col_text(s, 0), &g->role) < 0) continue;
        str_copy(g->unit_id, sizeof g->unit_id, db_col_text(s, 1));
        str_copy(g->unit_path, sizeof g->unit_path, db_col_text(s, 2));
        row_to_brief(s, 3, &p->grant_units[p->a.ngrants]);
        p->a.ngrants++;
    }
    db_reset(s);
    return rc < 0 ? rc : 0;
}

void unit_brief_json(jw_t *w, const unit_brief_t *u)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", u->id);
    jw_kstr(w, "kind", u->kind);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "slug", u->slug[0] ? u->slug : NULL);
    jw_obj_end(w);
}

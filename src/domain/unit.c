/* unit.c — administrative units (see unit.h). */
#include "domain/unit.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/event.h"
#include "domain/ledger.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_COLS                                                                                                 \
    "id, COALESCE(parent_id, ''), kind, name, COALESCE(slug, ''), COALESCE(admin_code, ''), "                     \
    "COALESCE(edi_code, ''), COALESCE(abbr, ''), path, COALESCE(province_id, ''), merged_from, active, "          \
    "created_at, updated_at, version"

static void row_to_unit(db_stmt_t *s, unit_t *u)
{
    memset(u, 0, sizeof *u);
    str_copy(u->id, sizeof u->id, db_col_text(s, 0));
    str_copy(u->parent_id, sizeof u->parent_id, db_col_text(s, 1));
    str_copy(u->kind, sizeof u->kind, db_col_text(s, 2));
    str_copy(u->name, sizeof u->name, db_col_text(s, 3));
    str_copy(u->slug, sizeof u->slug, db_col_text(s, 4));
    str_copy(u->admin_code, sizeof u->admin_code, db_col_text(s, 5));
    str_copy(u->edi_code, sizeof u->edi_code, db_col_text(s, 6));
    str_copy(u->abbr, sizeof u->abbr, db_col_text(s, 7));
    str_copy(u->path, sizeof u->path, db_col_text(s, 8));
    str_copy(u->province_id, sizeof u->province_id, db_col_text(s, 9));
    str_copy(u->merged_from, sizeof u->merged_from, db_col_text(s, 10));
    u->active = db_col_int(s, 11) != 0;
    u->created_at = db_col_int(s, 12);
    u->updated_at = db_col_int(s, 13);
    u->version = db_col_int(s, 14);
}

static int get_one(db_t *db, const char *sql, const char *key, unit_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, sql, "t", key);
    if (rc == DB_ROW) row_to_unit(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : (rc < 0 ? rc : -ENOENT);
}

int unit_get(db_t *db, const char *id, unit_t *out)
{
    return get_one(db, "SELECT " UNIT_COLS " FROM units WHERE id = $1", id, out);
}

int unit_get_by_slug(db_t *db, const char *slug, unit_t *out)
{
    return get_one(db, "SELECT " UNIT_COLS " FROM units WHERE slug = $1", slug, out);
}

int unit_list(db_t *db, const unit_query_t *q, unit_cb cb, void *arg)
{
    char *like = domain_like_pattern(q->q);
    char under[AUTH_PATH_MAX + 2];
    snprintf(under, sizeof under, "%s%%", q->under_path);
    db_stmt_t *s = db_prepare(db, "SELECT " UNIT_COLS " FROM units WHERE path LIKE $1 "
                                  "AND (CAST($2 AS TEXT) = '' OR kind = $2) "
                                  "AND (CAST($3 AS TEXT) = '' OR parent_id = $3) "
                                  "AND (CAST($4 AS TEXT) = '' OR name_fold LIKE $4 ESCAPE '\\' OR slug LIKE $4 ESCAPE '\\') "
                                  "AND path > $5 AND (CAST($7 AS INTEGER) = 0 OR active = 1) ORDER BY path LIMIT $6");
    if (!s) { free(like); return -EIO; }
    db_bind_text(s, 1, under, DB_NTS);
    db_bind_text(s, 2, q->kind ? q->kind : "", DB_NTS);
    db_bind_text(s, 3, q->parent_id ? q->parent_id : "", DB_NTS);
    db_bind_text(s, 4, like ? like : "", DB_NTS);
    db_bind_text(s, 5, q->after_path ? q->after_path : "", DB_NTS);
    db_bind_int(s, 6, q->limit);
    db_bind_int(s, 7, q->active_only ? 1 : 0);
    int rc, n = 0;
    unit_t *u = xmalloc(sizeof *u);
    while ((rc = db_step(s)) == DB_ROW) {
        row_to_unit(s, u);
        n++;
        if (cb(u, arg) < 0) break;
    }
    free(u);
    db_reset(s);
    free(like);
    return rc < 0 ? rc : n;
}

bool unit_slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 40) return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == '.'))
            return false;
    return s[0] != '-' && s[n - 1] != '-';
}

/* Decision 20/2020/QĐ-TTg: A1A2A3.B1B2.C1C2.D1D2D3 — groups of 3, 2, 2 and 3 characters, digits or capitals;
 * the last group starts with the letter of the level-1 body (H for provinces, G for central bodies, ...). */
bool unit_edi_code_valid(const char *s)
{
    static const int groups[] = {3, 2, 2, 3};
    const char *p = s;
    for (int g = 0; g < 4; g++) {
        for (int i = 0; i < groups[g]; i++, p++)
            if (!(isdigit((unsigned char)*p) || isupper((unsigned char)*p))) return false;
        if (g < 3 && *p++ != '.') return false;
    }
    return *p == '\0' && isupper((unsigned char)s[10]);
}

static bool abbr_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 40 || !utf8_valid(s, n)) return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (!(isupper(*p) || isdigit(*p) || *p == '-' || *p >= 0x80)) return false;
    return true;
}

static bool admin_code_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n > 5) return false;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

/* merged_from: a JSON array (at most 50) of {"name": "...", "code": "..."} objects. *out (may be NULL) gets the
 * parsed array when valid (the event's payload holds it). */
static bool merged_from_valid(const char *s, json_t **out)
{
    if (out) *out = NULL;
    if (strlen(s) >= sizeof(((unit_t *)0)->merged_from)) return false;
    json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
    bool ok = j && json_is_array(j) && json_array_size(j) <= 50;
    size_t i;
    json_t *e;
    if (ok) json_array_foreach(j, i, e) {
        const char *k;
        json_t *v;
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "name"))) { ok = false; break; }
        json_object_foreach(e, k, v) {
            if ((strcmp(k, "name") && strcmp(k, "code")) || !json_is_string(v) || json_string_length(v) > 200) ok = false;
        }
    }
    if (ok && out) *out = json_incref(j);
    json_decref(j);
    return ok;
}

static bool parent_kind_ok(const char *kind, const char *parent_kind)
{
    if (!strcmp(kind, "national")) return parent_kind == NULL;
    if (!parent_kind) return false;
    if (!strcmp(kind, "province")) return !strcmp(parent_kind, "national");
    if (!strcmp(kind, "commune") || !strcmp(kind, "ward")) return !strcmp(parent_kind, "province");
    if (!strcmp(kind, "department"))
        return !strcmp(parent_kind, "province") || !strcmp(parent_kind, "commune") || !strcmp(parent_kind, "ward");
    return false;
}

/* *merged: the parsed merged_from when given (the caller's reference), else NULL. */
static int check_input(const unit_input_t *in, bool create, derr_t *err, json_t **merged)
{
    *merged = NULL;
    if (create) {
        static const char *const kinds[] = {"national", "province", "commune", "ward", "department"};
        bool ok = false;
        for (size_t i = 0; i < 5; i++) ok |= in->kind && !strcmp(in->kind, kinds[i]);
        if (!ok) return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "kind", "kind",
                                 "national | province | commune | ward | department", NULL);
        if (!in->name) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "name", "name", NULL, NULL);
    }
    if (in->name) {
        size_t n = strlen(in->name);
        if (!utf8_valid(in->name, n) || utf8_length(in->name, n) < 2 || utf8_length(in->name, n) > 200)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "name", "name", "2", "200");
    }
    if (in->slug && *in->slug && !unit_slug_valid(in->slug))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "slug", "slug", "a-z 0-9 - . (2-40)", NULL);
    if (in->edi_code && *in->edi_code && !unit_edi_code_valid(in->edi_code))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "edi_code", "edi_code", "000.00.00.H00", NULL);
    if (in->abbr && *in->abbr && !abbr_valid(in->abbr))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "abbr", "abbr", "UBND, VP, TTPVHCC ...", NULL);
    if (in->admin_code && *in->admin_code && !admin_code_valid(in->admin_code))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "admin_code", "admin_code", "2-5 digits", NULL);
    if (in->merged_from && !merged_from_valid(in->merged_from, merged))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "merged_from", "merged_from",
                        "[{\"name\": ..., \"code\": ...}]", NULL);
    return 0;
}

void unit_json(jw_t *w, const unit_t *u)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", u->id);
    jw_kstr(w, "parent_id", u->parent_id[0] ? u->parent_id : NULL);
    jw_kstr(w, "kind", u->kind);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "slug", u->slug[0] ? u->slug : NULL);
    jw_kstr(w, "admin_code", u->admin_code[0] ? u->admin_code : NULL);
    jw_kstr(w, "edi_code", u->edi_code[0] ? u->edi_code : NULL);
    jw_kstr(w, "abbr", u->abbr[0] ? u->abbr : NULL);
    jw_kstr(w, "province_id", u->province_id[0] ? u->province_id : NULL);
    jw_key(w, "merged_from");
    jw_raw(w, u->merged_from[0] ? u->merged_from : "[]", u->merged_from[0] ? strlen(u->merged_from) : 2);
    jw_kbool(w, "active", u->active);
    jw_kint(w, "created_at", u->created_at);
    jw_kint(w, "updated_at", u->updated_at);
    jw_kint(w, "version", u->version);
    jw_obj_end(w);
}

/* The events' payload: the unit as the API shows it, and its path (the events written before it was added derive
 * the path from the parent's row). Built as a value and handed to the apply as is (event_record_payload): no
 * parse of the text back on the write path. merged: the parsed merged_from (borrowed), or NULL to parse the
 * unit's text. */
static int record_unit(db_t *db, const principal_t *actor, const char *type, const unit_t *u, json_t *merged)
{
    merged = merged ? json_incref(merged)
                    : json_loads(u->merged_from[0] ? u->merged_from : "[]", JSON_REJECT_DUPLICATES, NULL);
    if (!json_is_array(merged)) {
        json_decref(merged);
        return -EINVAL;
    }
    json_t *v = json_object();
    json_object_set_new(v, "id", json_string(u->id));
    json_object_set_new(v, "parent_id", event_opt_str(u->parent_id));
    json_object_set_new(v, "kind", json_string(u->kind));
    json_object_set_new(v, "name", json_string(u->name));
    json_object_set_new(v, "slug", event_opt_str(u->slug));
    json_object_set_new(v, "admin_code", event_opt_str(u->admin_code));
    json_object_set_new(v, "edi_code", event_opt_str(u->edi_code));
    json_object_set_new(v, "abbr", event_opt_str(u->abbr));
    json_object_set_new(v, "province_id", event_opt_str(u->province_id));
    json_object_set_new(v, "merged_from", merged);
    json_object_set_new(v, "active", json_boolean(u->active));
    json_object_set_new(v, "created_at", json_integer(u->created_at));
    json_object_set_new(v, "updated_at", json_integer(u->updated_at));
    json_object_set_new(v, "version", json_integer(u->version));
    json_object_set_new(v, "path", json_string(u->path));
    event_payload_t p;
    int rc = event_payload_init(&p, v, 0, NULL, NULL);
    if (rc == 0)
        rc = event_record_payload(db, u->id, actor ? actor->account_id : NULL, type, "unit", u->id, &p, NULL, NULL);
    event_payload_free(&p);
    return rc;
}

/* ---- the projection: unit.created and unit.updated upsert the whole row from the payload ---- */

/* The path of a payload written before "path" was added: the parent's path (an earlier event's row) + id + "/". */
static int derived_path(db_t *db, const char *id, const char *parent_id, char *out, size_t cap)
{
    char ppath[AUTH_PATH_MAX] = "/";
    if (parent_id) {
        db_stmt_t *s;
        int rc = db_query(db, &s, "SELECT path FROM units WHERE id = $1", "t", parent_id);
        if (rc == DB_ROW) str_copy(ppath, sizeof ppath, db_col_text(s, 0));
        if (s) db_reset(s);
        if (rc < 0) return rc;
        if (rc != DB_ROW) return -ENOENT;
    }
    int n = snprintf(out, cap, "%s%s/", ppath, id);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int apply_unit(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *kind = event_str(p, "kind"), *name = event_str(p, "name");
    const char *parent = event_str(p, "parent_id"), *path = event_str(p, "path");
    const json_t *merged = json_object_get(p, "merged_from");
    if (!id || !kind || !name || (merged && !json_is_array(merged))) return -EINVAL;
    char derived[AUTH_PATH_MAX];
    int rc = 0;
    if (!path && (rc = derived_path(db, id, parent, derived, sizeof derived)) < 0) return rc;
    char *mtext = merged ? json_dumps(merged, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char *fold = utf8_fold(name, strlen(name));
    long long n = db_run(db,
                         "INSERT INTO units (id, parent_id, kind, name, name_fold, slug, admin_code, edi_code, abbr, "
                         "path, province_id, merged_from, active, created_at, updated_at, version) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) "
                         "ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, kind = excluded.kind, "
                         "name = excluded.name, name_fold = excluded.name_fold, slug = excluded.slug, "
                         "admin_code = excluded.admin_code, edi_code = excluded.edi_code, abbr = excluded.abbr, "
                         "path = excluded.path, province_id = excluded.province_id, "
                         "merged_from = excluded.merged_from, active = excluded.active, "
                         "created_at = excluded.created_at, updated_at = excluded.updated_at, "
                         "version = excluded.version",
                         "ttttttttttttiiii", id, parent, kind, name, fold ? fold : name, event_str(p, "slug"),
                         event_str(p, "admin_code"), event_str(p, "edi_code"), event_str(p, "abbr"),
                         path ? path : derived, event_str(p, "province_id"), mtext ? mtext : "[]",
                         (long long)json_is_true(json_object_get(p, "active")), event_int(p, "created_at"),
                         event_int(p, "updated_at"), event_int(p, "version"));
    free(fold);
    free(mtext);
    if (n < 0) return (int)n;
    /* The event was appended before its unit existed: its province (derived, outside the hash) is the unit's. */
    if (!strcmp(ev->type, "unit.created") && ev->node && event_str(p, "province_id"))
        n = db_run(db, "UPDATE events SET province_id = $3 WHERE node = $1 AND seq = $2 AND province_id IS NULL",
                   "tit", ev->node, ev->seq, event_str(p, "province_id"));
    return n < 0 ? (int)n : 0;
}

static const event_kind_t unit_kinds[] = {
    {"unit.created", apply_unit},
    {"unit.updated", apply_unit},
    {NULL, NULL},
};

static const event_table_t unit_tables[] = {
    {"units", "id"},
    {NULL, NULL},
};

const event_module_t unit_event_module = {"unit", unit_kinds, unit_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* In place (event.h): sessions, tokens, roles, accounts and every dossier reference units. slug and edi_code are
 * unique and may have moved between units in the history: cleared, the replay sets them again in order. */
const event_inplace_t unit_inplace = {
    "units",
    "id, parent_id, kind, name, name_fold, slug, admin_code, edi_code, abbr, path, province_id, merged_from, active, "
    "created_at, updated_at, version",
    "UPDATE units SET version = 0, slug = NULL, edi_code = NULL",
    "DELETE FROM units WHERE version = 0",
};

static int create_unit(db_t *db, const principal_t *actor, const unit_input_t *in, json_t *merged, unit_t *out,
                       derr_t *err)
{
    int rc;
    unit_t *parent = NULL;
    if (in->parent_id && *in->parent_id) {
        parent = xmalloc(sizeof *parent);
        rc = unit_get(db, in->parent_id, parent);
        if (rc < 0 || (actor && !auth_sees_path(actor, parent->path))) {
            free(parent);
            if (rc < 0 && rc != -ENOENT) return rc;
            return derr_set(err, -ENOENT, 422, MSG_UNIT_UNKNOWN, "parent_id", in->parent_id, NULL, NULL);
        }
    }
    if (!parent_kind_ok(in->kind, parent ? parent->kind : NULL)) {
        derr_set(err, -EINVAL, 422, MSG_UNIT_PARENT, "parent_id", in->kind, parent ? parent->kind : "-", NULL);
        free(parent);
        return -EINVAL;
    }
    if (actor && (!parent || !auth_role_covers(actor, ROLE_ADMIN, parent->path))) {
        free(parent);
        return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    }
    unit_t *u = out;
    memset(u, 0, sizeof *u);
    id_new(u->id);
    str_copy(u->kind, sizeof u->kind, in->kind);
    const char *ppath = parent ? parent->path : "/";
    size_t plen = strlen(ppath);
    if (plen + ID_LEN + 2 > sizeof u->path) {
        free(parent);
        return derr_set(err, -EINVAL, 422, MSG_UNIT_PARENT, "parent_id", in->kind, "?", NULL);
    }
    memcpy(u->path, ppath, plen);
    memcpy(u->path + plen, u->id, ID_LEN);
    memcpy(u->path + plen + ID_LEN, "/", 2);
    if (parent) str_copy(u->parent_id, sizeof u->parent_id, parent->id);
    if (!strcmp(in->kind, "province")) str_copy(u->province_id, sizeof u->province_id, u->id);
    else if (parent) str_copy(u->province_id, sizeof u->province_id, parent->province_id);
    free(parent);
    str_copy(u->name, sizeof u->name, in->name);
    if (in->slug) str_copy(u->slug, sizeof u->slug, in->slug);
    if (in->admin_code) str_copy(u->admin_code, sizeof u->admin_code, in->admin_code);
    if (in->edi_code) str_copy(u->edi_code, sizeof u->edi_code, in->edi_code);
    if (in->abbr) str_copy(u->abbr, sizeof u->abbr, in->abbr);
    str_copy(u->merged_from, sizeof u->merged_from, in->merged_from ? in->merged_from : "[]");
    u->active = in->active != 0;
    u->created_at = u->updated_at = clock_now_ms();
    u->version = 1;
    rc = record_unit(db, actor, "unit.created", u, merged);
    if (rc == -EEXIST)
        return derr_set(err, -EEXIST, 409, MSG_ALREADY_EXISTS, in->edi_code ? "slug|edi_code" : "slug",
                        in->slug ? in->slug : in->edi_code, NULL, NULL);
    return rc;
}

static int update_unit(db_t *db, const principal_t *actor, const char *id, long long expected_version,
                       const unit_input_t *in, json_t *merged, unit_t *out, derr_t *err)
{
    /* The row's lock before it is read (a no-op UPDATE): a racing update of another process waits, then reads the
     * committed version, so of two writers with the same If-Match one gets 412 (the apply writes unconditionally). */
    long long lk = db_run(db, "UPDATE units SET version = version WHERE id = $1", "t", id);
    if (lk < 0) return (int)lk;
    int rc = unit_get(db, id, out);
    if (rc == -ENOENT || (rc == 0 && actor && !auth_sees_path(actor, out->path)))
        return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (actor && !auth_role_covers(actor, ROLE_ADMIN, out->path))
        return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (out->version != expected_version) {
        char v[24];
        snprintf(v, sizeof v, "%lld", out->version);
        return derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, NULL, v, NULL, NULL);
    }
    /* The row after the change, written by the event's apply. */
    if (in->name) str_copy(out->name, sizeof out->name, in->name);
    if (in->slug) str_copy(out->slug, sizeof out->slug, in->slug);
    if (in->admin_code) str_copy(out->admin_code, sizeof out->admin_code, in->admin_code);
    if (in->edi_code) str_copy(out->edi_code, sizeof out->edi_code, in->edi_code);
    if (in->abbr) str_copy(out->abbr, sizeof out->abbr, in->abbr);
    if (in->merged_from) str_copy(out->merged_from, sizeof out->merged_from, in->merged_from);
    if (in->active >= 0) out->active = in->active != 0;
    out->updated_at = clock_now_ms();
    out->version++;
    rc = record_unit(db, actor, "unit.updated", out, merged);
    if (rc == -EEXIST) return derr_set(err, -EEXIST, 409, MSG_ALREADY_EXISTS, "slug|edi_code", "slug / edi_code", NULL, NULL);
    if (rc < 0) return rc;
    return unit_get(db, id, out);
}

int unit_create(db_t *db, const principal_t *actor, const unit_input_t *in, unit_t *out, derr_t *err)
{
    json_t *merged;
    int rc = check_input(in, true, err, &merged);
    if (rc == 0) rc = create_unit(db, actor, in, merged, out, err);
    json_decref(merged);
    return rc;
}

int unit_update(db_t *db, const principal_t *actor, const char *id, long long expected_version,
                const unit_input_t *in, unit_t *out, derr_t *err)
{
    json_t *merged;
    int rc = check_input(in, false, err, &merged);
    if (rc == 0) rc = update_unit(db, actor, id, expected_version, in, merged, out, err);
    json_decref(merged);
    return rc;
}

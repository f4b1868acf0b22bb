/* paper.c — uploaded papers: events, projections, visibility and the citizen's list (see paper.h). */
#include "domain/paper.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAPER_COLS                                                                                                  \
    "p.id, p.owner_account_id, p.sha256, p.name, p.media_type, p.size, p.state, COALESCE(p.unit_id, ''), "          \
    "COALESCE(u.path, ''), p.uploaded_at, p.updated_at, p.version"
#define PAPER_FROM " FROM papers p LEFT JOIN units u ON u.id = p.unit_id "

static void row_to_paper(db_stmt_t *s, paper_t *p)
{
    memset(p, 0, sizeof *p);
    str_copy(p->id, sizeof p->id, db_col_text(s, 0));
    str_copy(p->owner_account_id, sizeof p->owner_account_id, db_col_text(s, 1));
    str_copy(p->sha256, sizeof p->sha256, db_col_text(s, 2));
    str_copy(p->name, sizeof p->name, db_col_text(s, 3));
    str_copy(p->media_type, sizeof p->media_type, db_col_text(s, 4));
    p->size = db_col_int(s, 5);
    p->digitized = strcmp(db_col_text(s, 6), "digitized") == 0;
    str_copy(p->unit_id, sizeof p->unit_id, db_col_text(s, 7));
    str_copy(p->unit_path, sizeof p->unit_path, db_col_text(s, 8));
    p->uploaded_at = db_col_int(s, 9);
    p->updated_at = db_col_int(s, 10);
    p->version = db_col_int(s, 11);
}

int paper_get(db_t *db, const char *id, paper_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " PAPER_COLS PAPER_FROM "WHERE p.id = $1", "t", id);
    if (rc == DB_ROW) row_to_paper(s, out);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -ENOENT;
}

int paper_name_check(const char *name, const char *field, derr_t *e)
{
    size_t n = name ? strlen(name) : 0;
    size_t chars = n && utf8_valid(name, n) ? utf8_length(name, n) : 0;
    if (chars < 1 || chars > PAPER_NAME_MAX)
        return derr_set(e, -EINVAL, 400, MSG_FIELD_LENGTH, field, field, "1", "200");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7F || c == '/' || c == '\\')
            return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, field, field, "control character or slash", NULL);
    }
    return 0;
}

/* ---- visibility ---- */

#define VIS_HOOKS_MAX 8
static papers_visible_fn vis_hooks[VIS_HOOKS_MAX];
static int nvis_hooks;

int papers_visibility_add(papers_visible_fn fn)
{
    if (nvis_hooks == VIS_HOOKS_MAX) return -ENOSPC;
    vis_hooks[nvis_hooks++] = fn;
    return 0;
}

void papers_visibility_reset(void) { nvis_hooks = 0; }

/* The base rule: the owner, or staff with a role at the paper's unit or above it. */
static bool base_visible(const principal_t *who, const paper_t *p)
{
    if (!strcmp(p->owner_account_id, who->account_id)) return true;
    if (!p->unit_path[0] || !strcmp(who->kind, "citizen")) return false;
    for (int r = 0; r < ROLE__COUNT; r++)
        if (auth_role_covers(who, (role_t)r, p->unit_path)) return true;
    return false;
}

static int visible_paper(db_t *db, const principal_t *who, const paper_t *p)
{
    if (base_visible(who, p)) return 1;
    for (int i = 0; i < nvis_hooks; i++) {
        int rc = vis_hooks[i](db, who, p);
        if (rc != 0) return rc;
    }
    return 0;
}

int papers_visible(db_t *db, const principal_t *who, const char *paper_id)
{
    if (!id_valid(paper_id)) return 0;
    paper_t *p = xmalloc(sizeof *p);
    int rc = paper_get(db, paper_id, p);
    if (rc == 0) rc = visible_paper(db, who, p);
    else if (rc == -ENOENT) rc = 0;
    free(p);
    return rc;
}

/* ---- events ---- */

static void upload_payload(jw_t *w, const void *arg)
{
    const struct { const principal_t *who; const paper_upload_t *in; } *c = arg;
    const paper_upload_t *in = c->in;
    jw_obj_begin(w);
    jw_kstr(w, "id", in->id);
    jw_kstr(w, "owner", c->who->account_id);
    jw_kstr(w, "sha256", in->sha256);
    jw_kint(w, "size", in->size);
    jw_kstr(w, "media_type", in->media_type);
    jw_kstr(w, "name", in->name);
    jw_kbool(w, "digitized", in->digitized);
    jw_kstr(w, "unit_id", domain_nz(in->unit_id));
    jw_kint(w, "at", in->at);
    jw_obj_end(w);
}

static int apply_uploaded(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *owner = event_str(p, "owner"), *sha = event_str(p, "sha256"), *type = event_str(p, "media_type"),
               *name = event_str(p, "name"), *unit = event_str(p, "unit_id");
    json_t *size = json_object_get(p, "size"), *at = json_object_get(p, "at");
    if (!id || !owner || !sha || !type || !name || !json_is_integer(size) || !json_is_integer(at)) return -EINVAL;
    long long n = db_run(db, "INSERT INTO files (sha256, size, media_type, created_at) VALUES ($1, $2, $3, $4) "
                             "ON CONFLICT (sha256) DO NOTHING",
                         "titi", sha, (long long)json_integer_value(size), type, (long long)json_integer_value(at));
    if (n < 0) return (int)n;
    char *fold = utf8_fold(name, strlen(name));
    n = db_run(db, "INSERT INTO papers (id, owner_account_id, sha256, name, name_fold, media_type, size, state, "
                   "unit_id, uploaded_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 1)",
               "ttttttitti", id, owner, sha, name, fold ? fold : name, type, (long long)json_integer_value(size),
               json_is_true(json_object_get(p, "digitized")) ? "digitized" : "waiting", unit,
               (long long)json_integer_value(at));
    free(fold);
    return n < 0 ? (int)n : 0;
}

static void update_payload(jw_t *w, const void *arg)
{
    const struct { const char *id; const paper_change_t *ch; long long version; } *c = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", c->id);
    if (c->ch->name) jw_kstr(w, "name", c->ch->name);
    if (c->ch->set_digitized) jw_kbool(w, "digitized", c->ch->digitized);
    jw_kint(w, "version", c->version);
    jw_kint(w, "at", c->ch->at);
    jw_obj_end(w);
}

static int apply_updated(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *name = event_str(p, "name");
    json_t *dig = json_object_get(p, "digitized"), *ver = json_object_get(p, "version"), *at = json_object_get(p, "at");
    if (!id || !json_is_integer(ver) || !json_is_integer(at)) return -EINVAL;
    char *fold = name ? utf8_fold(name, strlen(name)) : NULL;
    const char *state = !dig ? NULL : json_is_true(dig) ? "digitized" : "waiting";
    long long n = db_run(db, "UPDATE papers SET name = COALESCE($2, name), name_fold = COALESCE($3, name_fold), "
                             "state = COALESCE($4, state), version = $5, updated_at = $6 WHERE id = $1",
                         "ttttii", id, name, fold, state, (long long)json_integer_value(ver),
                         (long long)json_integer_value(at));
    free(fold);
    if (n < 0) return (int)n;
    return n == 1 ? 0 : -ENOENT;
}

int paper_replica_owned(db_t *db, const char *id, const char *node_id, const char *subtree_path)
{
    if (!id) return 1;
    db_stmt_t *s;
    char unit[ID_LEN + 1] = "";
    bool found = false, has_unit = false;
    int rc = db_query(db, &s, "SELECT unit_id FROM papers WHERE id = $1", "t", id);
    if (rc == DB_ROW) {
        found = true;
        has_unit = !db_col_is_null(s, 0);
        if (has_unit) db_col_copy(s, 0, unit, sizeof unit);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (!found) return 1;
    if (has_unit) return event_unit_in(db, unit, subtree_path);
    char entity[96];
    if (snprintf(entity, sizeof entity, "paper:%s", id) >= (int)sizeof entity) return 0;
    rc = db_query(db, &s, "SELECT 1 FROM events WHERE node = $1 AND entity = $2 AND type = 'paper.uploaded'", "tt",
                  node_id ? node_id : "", entity);
    if (s) db_reset(s);
    return rc < 0 ? rc : rc == DB_ROW;
}

/* The replica guard: an upload names itself as the entity, its unit lies in the node's subtree (or it has none: a
 * citizen's paper) and its owner, when that account is known here, belongs to the subtree; an update touches a
 * paper the node owns (paper_replica_owned) that exists. */
static int paper_guard(db_t *db, const event_meta_t *ev, const json_t *p, const char *subtree)
{
    const char *id = event_str(p, "id");
    if (!event_entity_is(ev, "paper", id)) return 0;
    if (!strcmp(ev->type, "paper.uploaded")) {
        const char *unit = event_str(p, "unit_id");
        if (json_object_get(p, "unit_id") && !json_is_null(json_object_get(p, "unit_id")) && !unit) return 0;
        int rc = unit ? event_unit_in(db, unit, subtree) : 1;
        bool found;
        if (rc == 1)
            rc = event_row_in(db, "SELECT unit_id FROM accounts WHERE id = $1", event_str(p, "owner"), false, subtree,
                              &found);
        if (rc == 1) rc = event_row_in(db, "SELECT id FROM papers WHERE id = $1", id, false, subtree, &found);
        return rc < 0 ? rc : rc == 1 && !found;
    }
    bool found;
    int rc = event_row_in(db, "SELECT id FROM papers WHERE id = $1", id, false, subtree, &found);
    if (rc < 0) return rc;
    if (!found) return 0;
    return paper_replica_owned(db, id, ev->node, subtree);
}

static const event_kind_t paper_kinds[] = {
    {"paper.uploaded", apply_uploaded},
    {"paper.updated", apply_updated},
    {NULL, NULL},
};

static const event_table_t paper_tables[] = {
    {"papers", "id"},
    {"files", "sha256"},
    {NULL, NULL},
};

const event_module_t paper_event_module = {"paper", paper_kinds, paper_tables, paper_guard};

/* ---- writes ---- */

int paper_record_upload(db_t *db, const principal_t *who, const paper_upload_t *in, paper_t *out, derr_t *err)
{
    int rc = paper_name_check(in->name, "name", err);
    if (rc < 0) return rc;
    if (!id_valid(in->id) || !in->sha256 || strlen(in->sha256) != SHA256_HEX_LEN || in->size <= 0 ||
        !in->media_type)
        return -EINVAL;
    struct { const principal_t *who; const paper_upload_t *in; } c = {who, in};
    rc = event_record(db, domain_nz(in->unit_id), who->account_id, "paper.uploaded", "paper", in->id, upload_payload,
                      &c, NULL);
    if (rc < 0) return rc;
    return out ? paper_get(db, in->id, out) : 0;
}

int paper_update(db_t *db, const principal_t *who, const char *id, long long expected_version,
                 const paper_change_t *ch, paper_t *out, derr_t *err)
{
    if (!id_valid(id)) return -ENOENT;
    if (!ch->name && !ch->set_digitized)
        return derr_set(err, -EINVAL, 400, MSG_PAPER_PATCH_EMPTY, NULL, NULL, NULL, NULL);
    int rc = ch->name ? paper_name_check(ch->name, "name", err) : 0;
    if (rc < 0) return rc;
    paper_t *cur = xmalloc(sizeof *cur);
    rc = paper_get(db, id, cur);
    /* Marking a paper digitized is an officer's act on papers of their units: the owner alone is not enough. */
    if (rc == 0 && (strcmp(who->kind, "citizen") == 0 || visible_paper(db, who, cur) != 1)) rc = -ENOENT;
    if (rc == 0 && cur->version != expected_version) {
        char v[24];
        snprintf(v, sizeof v, "%lld", cur->version);
        rc = derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, NULL, v, NULL, NULL);
    }
    if (rc == 0) {
        struct { const char *id; const paper_change_t *ch; long long version; } c = {id, ch, cur->version + 1};
        rc = event_record(db, domain_nz(cur->unit_id), who->account_id, "paper.updated", "paper", id, update_payload,
                          &c, NULL);
    }
    free(cur);
    if (rc < 0) return rc;
    return out ? paper_get(db, id, out) : 0;
}

/* ---- reads ---- */

int paper_list_store(db_t *db, const char *account_id, const char *q, const char *before_id, long long limit,
                     paper_store_cb cb, void *arg)
{
    char *like = domain_like_pattern(q);
    /* Two index lookups OR-ed (papers_owner; the applicant's dossiers by dossiers_applicant), one page by id. */
    db_stmt_t *s = db_prepare(db, "SELECT " PAPER_COLS ", COALESCE((SELECT MIN(d.code) FROM dossiers d "
                                  "WHERE d.result_paper = p.id AND d.applicant_account = $1), '')" PAPER_FROM
                                  "WHERE (p.owner_account_id = $1 OR p.id IN (SELECT d.result_paper FROM dossiers d "
                                  "WHERE d.applicant_account = $1 AND d.result_paper IS NOT NULL)) "
                                  "AND (CAST($2 AS TEXT) = '' OR p.name_fold LIKE $2 ESCAPE '\\') "
                                  "AND (CAST($3 AS TEXT) = '' OR p.id < $3) ORDER BY p.id DESC LIMIT $4");
    if (!s) {
        free(like);
        return -EIO;
    }
    db_bind_text(s, 1, account_id, DB_NTS);
    db_bind_text(s, 2, like ? like : "", DB_NTS);
    db_bind_text(s, 3, before_id ? before_id : "", DB_NTS);
    db_bind_int(s, 4, limit);
    int rc, n = 0;
    paper_t *p = xmalloc(sizeof *p);
    char code[64];
    while ((rc = db_step(s)) == DB_ROW) {
        row_to_paper(s, p);
        str_copy(code, sizeof code, db_col_text(s, 12));
        n++;
        if (cb(p, code, arg) < 0) break;
    }
    free(p);
    db_reset(s);
    free(like);
    return rc < 0 ? rc : n;
}

static void paper_fields(jw_t *w, const paper_t *p, bool reusable)
{
    jw_kstr(w, "id", p->id);
    jw_kstr(w, "sha256", p->sha256);
    jw_kint(w, "size", p->size);
    jw_kstr(w, "media_type", p->media_type);
    jw_kstr(w, "name", p->name);
    jw_kbool(w, "digitized", p->digitized);
    jw_kbool(w, "reusable", reusable);
    jw_kstr(w, "unit_id", domain_nz(p->unit_id));
    jw_kint(w, "uploaded_at", p->uploaded_at);
    jw_kint(w, "version", p->version);
}

void paper_json(jw_t *w, const paper_t *p)
{
    jw_obj_begin(w);
    /* Reusable in a later dossier: a digitized copy, checked by an officer (Decree 45/2020/NĐ-CP as amended). */
    paper_fields(w, p, p->digitized);
    jw_obj_end(w);
}

void paper_store_json(jw_t *w, const paper_t *p, const char *result_of)
{
    bool result = result_of && *result_of;
    jw_obj_begin(w);
    /* A result is the agency's own document (its electronic copy): reusable like a digitized paper. */
    paper_fields(w, p, p->digitized || result);
    jw_kstr(w, "source", result ? "result" : "upload");
    jw_kstr(w, "dossier", result ? result_of : NULL);
    jw_obj_end(w);
}

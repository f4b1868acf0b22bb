/* document_attach.c — attachments of official documents and their extracted text (see document_attach.h). */
#include "domain/document_attach.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACOLS "a.id, a.document_id, d.unit_id, a.n, a.sha256, a.name, a.media_type, a.size, a.source, a.added_by, " \
              "a.added_at, a.text_state, a.text_reason, a.text_chars"

static void row_to_attachment(db_stmt_t *s, document_attachment_t *a)
{
    memset(a, 0, sizeof *a);
    db_col_copy(s, 0, a->id, sizeof a->id);
    db_col_copy(s, 1, a->document_id, sizeof a->document_id);
    db_col_copy(s, 2, a->unit_id, sizeof a->unit_id);
    a->n = db_col_int(s, 3);
    db_col_copy(s, 4, a->sha256, sizeof a->sha256);
    db_col_copy(s, 5, a->name, sizeof a->name);
    db_col_copy(s, 6, a->media_type, sizeof a->media_type);
    a->size = db_col_int(s, 7);
    db_col_copy(s, 8, a->source, sizeof a->source);
    db_col_copy(s, 9, a->added_by, sizeof a->added_by);
    a->added_at = db_col_int(s, 10);
    db_col_copy(s, 11, a->text_state, sizeof a->text_state);
    db_col_copy(s, 12, a->text_reason, sizeof a->text_reason);
    a->text_chars = db_col_int(s, 13);
}

/* ---- events ---- */

static int apply_added(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *doc = event_str(p, "document_id"), *sha = event_str(p, "sha256");
    if (!id || !doc || !sha) return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO document_attachments (id, document_id, n, sha256, name, media_type, size, source, "
                         "added_by, added_at, text_state, search) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
                         "'pending', '')",
                         "ttitttitti", id, doc, event_int(p, "n"), sha, event_str(p, "name"), event_str(p, "media_type"),
                         event_int(p, "size"), event_str(p, "source"), ev->actor, event_int(p, "at"));
    return n < 0 ? (int)n : 0;
}

static int apply_text(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *state = event_str(p, "state"), *text = event_str(p, "text");
    if (!id || !state) return -EINVAL;
    char *fold = text ? utf8_fold(text, strlen(text)) : NULL;
    if (text && !fold) return -EINVAL;
    long long n = db_run(db,
                         "UPDATE document_attachments SET text_state = $2, text_reason = $3, text_chars = $4, "
                         "search = $5, text_at = $6 WHERE id = $1 AND text_state = 'pending'",
                         "tttiti", id, state, event_str(p, "reason"), event_int(p, "chars"), fold ? fold : "", event_int(p, "at"));
    free(fold);
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

/* The replica guard (replication, domain/sync.c): the entity is the attachment's document, a document of the
 * node's subtree at the hub; a new attachment's id is not at the hub yet, a text goes to an attachment of it. */
static int attach_guard(db_t *db, const event_meta_t *ev, const json_t *p, const char *sub)
{
    const char *id = event_str(p, "id"), *doc = event_str(p, "document_id");
    if (!id || !event_entity_is(ev, "document", doc)) return 0;
    bool found;
    int rc = event_row_in(db, "SELECT unit_path FROM documents WHERE id = $1", doc, true, sub, &found);
    if (rc == 1 && !found) rc = 0;
    if (rc != 1) return rc;
    rc = event_row_in(db, "SELECT document_id FROM document_attachments WHERE id = $1", id, true, "", &found);
    if (rc < 0) return rc;
    if (!strcmp(ev->type, DOCUMENT_ATTACH_EVENT_ADDED)) return !found;
    if (!found) return 0;
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT 1 FROM document_attachments WHERE id = $1 AND document_id = $2", "tt", id, doc);
    if (s) db_reset(s);
    return rc < 0 ? rc : rc == DB_ROW;
}

static const event_kind_t kinds[] = {
    {DOCUMENT_ATTACH_EVENT_ADDED, apply_added},
    {DOCUMENT_ATTACH_EVENT_TEXT, apply_text},
    {NULL, NULL},
};
static const event_table_t tables[] = {
    {"document_attachments", "id"},
    {NULL, NULL},
};
const event_module_t document_attach_events = {"document_attach", kinds, tables, attach_guard};

/* ---- writes ---- */

int document_attach_allowed(db_t *db, const principal_t *who, const char *document_id, derr_t *err)
{
    document_t *d = xmalloc(sizeof *d);
    int rc = id_valid(document_id) ? document_get(db, document_id, d) : -ENOENT;
    if (rc == 0 && who && !document_readable(who, d)) rc = -ENOENT;
    if (rc == -ENOENT) derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else if (rc == 0 && who && !document_registrar(who, d))
        rc = derr_set(err, -EACCES, 403, MSG_ATTACH_ROLE, NULL, NULL, NULL, NULL);
    free(d);
    return rc;
}

struct added {
    const document_attach_in_t *in;
    long long                   n;
};

static void added_payload(jw_t *w, const void *arg)
{
    const struct added *a = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->in->id);
    jw_kstr(w, "document_id", a->in->document_id);
    jw_kint(w, "n", a->n);
    jw_kstr(w, "sha256", a->in->sha256);
    jw_kint(w, "size", a->in->size);
    jw_kstr(w, "media_type", a->in->media_type);
    jw_kstr(w, "name", a->in->name);
    jw_kstr(w, "source", a->in->source);
    jw_kint(w, "at", a->in->at);
    jw_obj_end(w);
}

int document_attach(db_t *db, const principal_t *who, const document_attach_in_t *in, document_attachment_t *out,
                    derr_t *err)
{
    int rc = paper_name_check(in->name, "name", err);
    if (rc < 0) return rc;
    if (!id_valid(in->id) || !in->sha256 || strlen(in->sha256) != SHA256_HEX_LEN || in->size <= 0 ||
        !in->media_type || !in->source)
        return -EINVAL;
    if ((rc = document_attach_allowed(db, who, in->document_id, err)) < 0) return rc;
    document_t *d = xmalloc(sizeof *d);
    if ((rc = document_get(db, in->document_id, d)) < 0) goto out;
    db_stmt_t *s;
    long long count = 0, same = 0;
    rc = db_query(db, &s,
                  "SELECT COUNT(*), COALESCE(MAX(n), 0), COALESCE(MAX(CASE WHEN sha256 = $2 THEN n END), 0) "
                  "FROM document_attachments WHERE document_id = $1",
                  "tt", in->document_id, in->sha256);
    struct added a = {in, 1};
    if (rc == DB_ROW) {
        count = db_col_int(s, 0);
        a.n = db_col_int(s, 1) + 1;
        same = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    if (rc < 0) goto out;
    char num[24];
    if (same > 0) {
        snprintf(num, sizeof num, "%lld", same);
        rc = derr_set(err, -EEXIST, 409, MSG_ATTACH_DUPLICATE, NULL, num, NULL, NULL);
        goto out;
    }
    if (count >= DOCUMENT_ATTACH_MAX) {
        snprintf(num, sizeof num, "%d", DOCUMENT_ATTACH_MAX);
        rc = derr_set(err, -EMLINK, 409, MSG_ATTACH_TOO_MANY, NULL, num, NULL, NULL);
        goto out;
    }
    rc = event_record(db, d->unit_id, who ? who->account_id : NULL, DOCUMENT_ATTACH_EVENT_ADDED, "document", d->id,
                      added_payload, &a, NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    if (rc == 0 && out) rc = document_attachment_get(db, d->id, in->id, out);
out:
    free(d);
    return rc;
}

int document_attach_received(db_t *db, const char *document_id, const document_attach_file_t *files, int n,
                             long long at)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < n && i < DOCUMENT_ATTACH_MAX; i++) {
        if (!files[i].sha256) continue;
        bool repeat = false;
        for (int j = 0; j < i; j++) repeat = repeat || (files[j].sha256 && !strcmp(files[j].sha256, files[i].sha256));
        if (repeat) continue;
        derr_t e = {0};
        char fallback[32];
        snprintf(fallback, sizeof fallback, "attachment-%d.pdf", i + 1);
        const char *name = files[i].name && paper_name_check(files[i].name, "name", &e) == 0 ? files[i].name : fallback;
        document_attach_in_t in = {.at = at, .document_id = document_id, .sha256 = files[i].sha256, .name = name,
                                   .media_type = "application/pdf", .source = "edxml", .size = files[i].size};
        id_new(in.id);
        rc = document_attach(db, NULL, &in, NULL, &e);
    }
    return rc;
}

struct text_ev {
    const document_text_in_t *in;
    const char               *doc;
    size_t                    chars;
};

static void text_payload(jw_t *w, const void *arg)
{
    const struct text_ev *t = arg;
    bool has = t->in->text && t->in->len > 0;
    jw_obj_begin(w);
    jw_kstr(w, "id", t->in->id);
    jw_kstr(w, "document_id", t->doc);
    jw_kstr(w, "state", has ? "text" : "none");
    if (has) {
        jw_key(w, "text");
        jw_strn(w, t->in->text, t->in->len);
    }
    jw_kint(w, "chars", (long long)t->chars);
    if (t->in->reason && *t->in->reason) jw_kstr(w, "reason", t->in->reason);
    jw_kint(w, "at", t->in->at);
    jw_obj_end(w);
}

int document_attachment_set_text(db_t *db, const document_text_in_t *in)
{
    if (!in->id || !id_valid(in->id)) return -ENOENT;
    if (in->text && (in->len > DOCUMENT_ATTACH_TEXT_MAX || !utf8_valid(in->text, in->len))) return -EINVAL;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT " ACOLS " FROM document_attachments a JOIN documents d ON d.id = a.document_id "
                      "WHERE a.id = $1",
                      "t", in->id);
    document_attachment_t *a = xmalloc(sizeof *a);
    if (rc == DB_ROW) row_to_attachment(s, a);
    if (s) db_reset(s);
    if (rc != DB_ROW) {
        free(a);
        return rc < 0 ? rc : -ENOENT;
    }
    if (strcmp(a->text_state, "pending") != 0) {
        free(a);
        return 1;
    }
    struct text_ev t = {in, a->document_id, in->text ? utf8_length(in->text, in->len) : 0};
    rc = event_record(db, a->unit_id, NULL, DOCUMENT_ATTACH_EVENT_TEXT, "document", a->document_id, text_payload, &t,
                      NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    free(a);
    return rc;
}

/* ---- reads ---- */

int document_attachment_get(db_t *db, const char *document_id, const char *id, document_attachment_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT " ACOLS " FROM document_attachments a JOIN documents d ON d.id = a.document_id "
                      "WHERE a.id = $1 AND a.document_id = $2",
                      "tt", id, document_id);
    if (rc == DB_ROW) row_to_attachment(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

int document_attachment_next_pending(db_t *db, document_attachment_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT " ACOLS " FROM document_attachments a JOIN documents d ON d.id = a.document_id "
                      "WHERE a.text_state = 'pending' ORDER BY a.added_at, a.id LIMIT 1",
                      "");
    if (rc == DB_ROW) row_to_attachment(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

void document_attachment_json(jw_t *w, const document_attachment_t *a)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", a->id);
    jw_kint(w, "n", a->n);
    jw_kstr(w, "name", a->name);
    jw_kstr(w, "media_type", a->media_type);
    jw_kint(w, "size", a->size);
    jw_kstr(w, "sha256", a->sha256);
    jw_kstr(w, "source", a->source);
    jw_kstr(w, "added_by", a->added_by[0] ? a->added_by : NULL);
    jw_kint(w, "added_at", a->added_at);
    jw_kstr(w, "text_state", a->text_state);
    jw_kstr(w, "text_reason", a->text_reason[0] ? a->text_reason : NULL);
    jw_kint(w, "text_chars", a->text_chars);
    char href[128];
    snprintf(href, sizeof href, "/api/v1/documents/%s/attachments/%s", a->document_id, a->id);
    jw_kstr(w, "href", href);
    jw_obj_end(w);
}

int document_attachments_json(db_t *db, jw_t *w, const char *document_id)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT " ACOLS " FROM document_attachments a JOIN documents d ON d.id = a.document_id "
                      "WHERE a.document_id = $1 ORDER BY a.n",
                      "t", document_id);
    document_attachment_t *a = xmalloc(sizeof *a);
    jw_arr_begin(w);
    while (rc == DB_ROW) {
        row_to_attachment(s, a);
        document_attachment_json(w, a);
        rc = db_step(s);
    }
    jw_arr_end(w);
    if (s) db_reset(s);
    free(a);
    return rc < 0 ? rc : 0;
}

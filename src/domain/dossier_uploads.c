/* dossier_uploads.c — see dossier_uploads.h. */
#include "domain/dossier_uploads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "domain/paper.h"

int dossier_upload_check_one(db_t *db, const principal_t *who, const char *upload, const char *item, derr_t *err)
{
    int v = id_valid(upload) ? papers_visible(db, who, upload) : 0;
    if (v < 0) return v;
    if (v == 0) return derr_set(err, -ENOENT, 404, MSG_DF_UPLOAD_UNKNOWN, "papers", upload, item, NULL);
    return 0;
}

int dossier_result_paper_check(db_t *db, const principal_t *who, const char *paper_id, derr_t *err)
{
    int v = id_valid(paper_id) ? papers_visible(db, who, paper_id) : 0;
    if (v < 0) return v;
    if (v == 0) return derr_set(err, -ENOENT, 404, MSG_DF_UPLOAD_UNKNOWN, "result_paper", paper_id, "result", NULL);
    paper_t *p = xmalloc(sizeof *p);
    int rc = paper_get(db, paper_id, p);
    if (rc == 0 && !p->unit_id[0])
        rc = derr_set(err, -EINVAL, 422, MSG_DF_RESULT_NOT_AGENCY, "result_paper", paper_id, NULL, NULL);
    free(p);
    return rc;
}

int dossier_uploads_check(db_t *db, const principal_t *who, const dossier_intake_t *in, derr_t *err)
{
    for (int i = 0; i < in->npapers; i++) {
        if (!in->uploads[i]) continue;
        int rc = dossier_upload_check_one(db, who, in->uploads[i], in->papers[i].paper, err);
        if (rc < 0) return rc;
    }
    return 0;
}

int dossier_uploads_apply(db_t *db, const char *dossier_id, const json_t *papers)
{
    size_t i;
    json_t *p;
    json_array_foreach(papers, i, p) {
        const char *up = json_string_value(json_object_get(p, "upload"));
        const char *item = json_string_value(json_object_get(p, "paper"));
        if (!up || !item) continue;
        long long n = db_run(db, "INSERT INTO dossier_uploads (dossier_id, paper_id, upload_id) VALUES ($1, $2, $3)",
                             "ttt", dossier_id, item, up);
        if (n < 0) return (int)n;
    }
    return 0;
}

/* A paper the base rule refused: visible when a dossier it is attached to, or whose result document it is
 * (attach_result's result_paper), is visible to who. */
static int visible_through_dossier(db_t *db, const principal_t *who, const paper_t *paper)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT code FROM (SELECT d.code FROM dossier_uploads u JOIN dossiers d "
                              "ON d.id = u.dossier_id WHERE u.upload_id = $1 "
                              "UNION SELECT code FROM dossiers WHERE result_paper = $1) x ORDER BY code LIMIT 20",
                      "t", paper->id);
    char codes[20][DOSSIER_CODE_MAX];
    int n = 0;
    while (rc == DB_ROW && n < 20) {
        str_copy(codes[n++], DOSSIER_CODE_MAX, db_col_text(s, 0));
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    int seen = 0;
    dossier_t *d = xcalloc(1, sizeof *d);
    for (int i = 0; i < n && !seen && rc >= 0; i++) {
        rc = dossier_get(db, codes[i], d);
        if (rc == 0) seen = dossier_visible_to(who, d);
        else if (rc == -ENOENT) rc = 0;
        dossier_free(d);
        memset(d, 0, sizeof *d);
    }
    free(d);
    return rc < 0 ? rc : seen;
}

int dossier_uploads_register(void) { return papers_visibility_add(visible_through_dossier); }

static const event_kind_t kinds[] = {{NULL, NULL}};
static const event_table_t tables[] = {{"dossier_uploads", "dossier_id, paper_id"}, {NULL, NULL}};
const event_module_t dossier_uploads_events = {"dossier-uploads", kinds, tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* unit.h — administrative units: the national root, provinces, communes/wards and their departments.
 *
 * The tree follows the two-tier government of 1 July 2025: national → province → commune/ward → department
 * (provinces may have departments too). Each unit keeps its administrative-unit code, its electronic identifier
 * code (Decision 20/2020/QĐ-TTg, amended by 09/2025: "000.00.06.H56"), the abbreviation used in document symbols
 * (Decree 30/2020), and merged_from: the units it was merged from in 2025, as JSON. path ("/<root>/<prov>/<id>/")
 * is derived from the parent and never changes: units are not moved, so scope prefix tests stay valid. */
#ifndef MOTCUA_UNIT_H
#define MOTCUA_UNIT_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

typedef struct unit {
    char      id[ID_LEN + 1];
    char      parent_id[ID_LEN + 1];
    char      kind[16];
    char      name[808];
    char      slug[48];
    char      admin_code[16];
    char      edi_code[24];
    char      abbr[88];
    char      path[AUTH_PATH_MAX];
    char      province_id[ID_LEN + 1];
    char      merged_from[4096];     /* JSON array */
    bool      active;
    long long created_at, updated_at;
    long long version;
} unit_t;

typedef struct unit_input {
    const char *parent_id;           /* create only */
    const char *kind;                /* create only */
    const char *name;
    const char *slug;
    const char *admin_code;
    const char *edi_code;
    const char *abbr;
    const char *merged_from;         /* JSON array text */
    int         active;              /* -1 = unchanged */
} unit_input_t;

typedef struct unit_query {
    const char *under_path;          /* required: the subtree to list */
    const char *kind;                /* optional */
    const char *parent_id;           /* optional */
    const char *q;                   /* optional search text */
    const char *after_path;          /* cursor: list paths after this one */
    long long   limit;
    bool        active_only;         /* leave inactive units out in the query (a public list's cursor is then
                                      * always a listed unit's path, never an unlisted one's) */
} unit_query_t;

typedef int (*unit_cb)(const unit_t *u, void *arg);

int unit_get(db_t *db, const char *id, unit_t *out);                       /* -ENOENT */
int unit_get_by_slug(db_t *db, const char *slug, unit_t *out);
/* Rows in path order; cb returns < 0 to stop. Returns the number of rows or < 0. */
int unit_list(db_t *db, const unit_query_t *q, unit_cb cb, void *arg);
/* actor NULL = the system (CLI, demo). */
int unit_create(db_t *db, const principal_t *actor, const unit_input_t *in, unit_t *out, derr_t *err);
int unit_update(db_t *db, const principal_t *actor, const char *id, long long expected_version,
                const unit_input_t *in, unit_t *out, derr_t *err);
/* The unit as a JSON object (API responses and event payloads use the same form). */
void unit_json(jw_t *w, const unit_t *u);
/* Validators shared with the CLI. */
bool unit_slug_valid(const char *s);
bool unit_edi_code_valid(const char *s);

/* The projection of unit.created / unit.updated (table units, rebuilt in place): registered in event.c. */
struct event_module;
struct event_inplace;
extern const struct event_module unit_event_module;
extern const struct event_inplace unit_inplace;
#endif

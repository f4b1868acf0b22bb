/* procedure_io.c — import and export of the procedure catalog: JSON arrays and CSV (see procedure.h).
 *
 * An import is all or nothing: every row is parsed and validated before the first one is saved, and the caller's
 * write transaction rolls back if a save fails. CSV follows RFC 4180 (quoted cells may hold commas, quotes doubled,
 * line breaks); the header names the columns, in any order; papers and steps are JSON cells. The shipped file
 * data/procedures-commune.csv is read by the same code. */
#include "domain/procedure.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CSV_COLS_MAX 24
#define IMPORT_ROWS_MAX 5000

/* ---- CSV reading ---- */

typedef struct csv_row {
    int   n;
    char *cell[CSV_COLS_MAX];
} csv_row_t;

static void csv_row_free(csv_row_t *r)
{
    for (int i = 0; i < r->n; i++) free(r->cell[i]);
    r->n = 0;
}

/* The next record from text at *pos: 1 read, 0 end of text, -EINVAL unterminated quote or too many cells. *line
 * advances past the record's line breaks. A UTF-8 byte-order mark at the start is skipped. */
static int csv_next(const char *t, size_t len, size_t *pos, int *line, csv_row_t *r)
{
    size_t i = *pos;
    if (i == 0 && len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) i = 3;
    /* blank lines between records are skipped */
    while (i < len && (t[i] == '\n' || t[i] == '\r')) {
        if (t[i] == '\n') (*line)++;
        i++;
    }
    if (i >= len) {
        *pos = i;
        return 0;
    }
    r->n = 0;
    buf_t cell;
    buf_init(&cell, 0);
    int rc = 1;
    for (;;) {
        buf_reset(&cell);
        if (i < len && t[i] == '"') {
            i++;
            for (;;) {
                if (i >= len) { rc = -EINVAL; break; }
                if (t[i] == '"') {
                    if (i + 1 < len && t[i + 1] == '"') { buf_putc(&cell, '"'); i += 2; continue; }
                    i++;
                    break;
                }
                if (t[i] == '\n') (*line)++;
                buf_putc(&cell, t[i++]);
            }
            if (rc < 0) break;
            if (i < len && t[i] != ',' && t[i] != '\n' && t[i] != '\r') { rc = -EINVAL; break; }
        } else {
            while (i < len && t[i] != ',' && t[i] != '\n' && t[i] != '\r') {
                if (t[i] == '"') { rc = -EINVAL; break; }
                buf_putc(&cell, t[i++]);
            }
            if (rc < 0) break;
        }
        if (r->n >= CSV_COLS_MAX) { rc = -EINVAL; break; }
        r->cell[r->n++] = xstrndup(cell.data ? cell.data : "", cell.len);
        if (i < len && t[i] == ',') { i++; continue; }
        if (i < len && t[i] == '\r') i++;
        if (i < len && t[i] == '\n') { i++; (*line)++; }
        break;
    }
    buf_free(&cell);
    if (rc < 0) csv_row_free(r);
    *pos = i;
    return rc;
}

/* ---- CSV row → API object ---- */

enum { C_CODE, C_NAME, C_FIELD, C_LEVEL, C_TIME_TEXT, C_TIME_RULE, C_TIME_AMOUNT, C_FEE_AMOUNT, C_FEE_TEXT, C_ONLINE,
       C_SUPPLEMENT, C_PAPERS, C_PAPERS_SOURCE, C_STEPS, C_SOURCE, C_SEAL, C__COUNT };
static const char *const csv_names[C__COUNT] = {
    "code", "name", "field", "level", "time_limit_text", "time_rule", "time_amount", "fee_amount", "fee_text",
    "online", "supplement", "papers", "papers_source", "steps", "source", "seal"};

static int csv_header(const csv_row_t *h, int map[C__COUNT], derr_t *e)
{
    for (int c = 0; c < C__COUNT; c++) map[c] = -1;
    for (int i = 0; i < h->n; i++) {
        int c = 0;
        while (c < C__COUNT && strcmp(csv_names[c], h->cell[i])) c++;
        if (c == C__COUNT || map[c] >= 0) {
            char f[48];
            snprintf(f, sizeof f, "%.47s", h->cell[i]);
            return derr_set(e, -EINVAL, 400, c == C__COUNT ? MSG_PROC_CSV_COLUMN : MSG_PROC_DUPLICATE, f, f, f, NULL);
        }
        map[c] = i;
    }
    static const int required[] = {C_CODE, C_NAME, C_FIELD, C_TIME_RULE};
    for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
        if (map[required[k]] < 0)
            return derr_set(e, -EINVAL, 400, MSG_MISSING_FIELD, csv_names[required[k]], csv_names[required[k]],
                            NULL, NULL);
    return 0;
}

static const char *cell(const csv_row_t *r, const int map[C__COUNT], int c)
{
    return map[c] >= 0 && map[c] < r->n ? r->cell[map[c]] : "";
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (*v) json_object_set_new(o, key, json_stringn(v, strlen(v)));
}

/* The API object of one CSV record; NULL with e set when a cell cannot be read. */
static json_t *csv_object(const csv_row_t *r, const int map[C__COUNT], derr_t *e)
{
    for (int i = 0; i < r->n; i++)
        if (!utf8_valid(r->cell[i], strlen(r->cell[i]))) {
            derr_set(e, -EINVAL, 400, MSG_INVALID_UTF8, NULL, NULL, NULL, NULL);
            return NULL;
        }
    json_t *o = json_object(), *t = json_object(), *fee = json_object();
    set_str(o, "code", cell(r, map, C_CODE));
    set_str(o, "name", cell(r, map, C_NAME));
    set_str(o, "field", cell(r, map, C_FIELD));
    set_str(o, "level", cell(r, map, C_LEVEL));
    set_str(o, "supplement", cell(r, map, C_SUPPLEMENT));
    json_object_set_new(o, "time", t);
    json_object_set_new(o, "fee", fee);
    set_str(t, "rule", cell(r, map, C_TIME_RULE));
    set_str(t, "text", cell(r, map, C_TIME_TEXT));
    const char *amount = cell(r, map, C_TIME_AMOUNT);
    if (*amount) {
        char *end;
        double d = strtod(amount, &end);
        if (*end || end == amount) goto bad_amount;
        json_object_set_new(t, "amount", json_real(d));
    }
    set_str(fee, "text", cell(r, map, C_FEE_TEXT));
    const char *fa = cell(r, map, C_FEE_AMOUNT);
    if (*fa) {
        char *end;
        long long v = strtoll(fa, &end, 10);
        if (*end || end == fa) {
            derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "fee.amount", "fee_amount", fa, NULL);
            goto fail;
        }
        json_object_set_new(fee, "amount", json_integer(v));
    }
    const char *on = cell(r, map, C_ONLINE);
    /* The dataset's yes/partial/no (empty: not stated, taken as none) or the API's own names. */
    const char *level = !strcmp(on, "yes") ? "full" : !strcmp(on, "no") || !*on ? "none" : on;
    json_object_set_new(o, "online_level", json_string(level));
    /* The result bears the agency's seal: yes/no (empty: no). */
    const char *seal = cell(r, map, C_SEAL);
    if (*seal && strcmp(seal, "yes") && strcmp(seal, "no")) {
        derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "seal", "seal", "yes | no", NULL);
        goto fail;
    }
    json_object_set_new(o, "seal", json_boolean(!strcmp(seal, "yes")));
    static const int json_cols[] = {C_PAPERS, C_STEPS};
    for (int k = 0; k < 2; k++) {
        const char *v = cell(r, map, json_cols[k]);
        if (!*v) continue;
        json_error_t jerr;
        json_t *a = json_loads(v, JSON_REJECT_DUPLICATES, &jerr);
        if (!a) {
            derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, csv_names[json_cols[k]], csv_names[json_cols[k]], "JSON",
                     NULL);
            goto fail;
        }
        json_object_set_new(o, csv_names[json_cols[k]], a);
    }
    const char *src = cell(r, map, C_SOURCE), *psrc = cell(r, map, C_PAPERS_SOURCE);
    if (*psrc) {
        buf_t b;
        buf_init(&b, 0);
        buf_printf(&b, "%s; giấy tờ: %s", src, psrc);
        json_object_set_new(o, "source", json_stringn(b.data, b.len));
        buf_free(&b);
    } else set_str(o, "source", src);
    return o;
bad_amount:
    derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "time.amount", "time_amount", amount, NULL);
fail:
    json_decref(o);
    return NULL;
}

/* ---- import ---- */

struct parsed {
    int          line;
    procedure_t *p;
};

static void add_error(procedure_import_report_t *rep, int line, const derr_t *e)
{
    if (rep->n_errors < PROCEDURE_IMPORT_ERRORS_MAX) {
        rep->errors[rep->n_errors].line = line;
        rep->errors[rep->n_errors].err = *e;
    }
    rep->n_errors++;
}

static void add_skipped(procedure_import_report_t *rep, int line)
{
    if (rep->n_skipped_lines < (int)(sizeof rep->skipped_lines / sizeof rep->skipped_lines[0]))
        rep->skipped_lines[rep->n_skipped_lines++] = line;
    rep->skipped++;
}

/* One object: skipped (a CSV row with no time rule), parsed into list, or an error recorded; the scan goes on. */
static void take(json_t *o, bool csv, int line, struct parsed *list, int *n, procedure_import_report_t *rep)
{
    json_t *t = json_object_get(o, "time");
    if (csv && json_is_object(t) && !json_object_get(t, "rule") && !json_object_get(t, "amount")) {
        add_skipped(rep, line);
        return;
    }
    procedure_t *p = xmalloc(sizeof *p);
    derr_t e;
    memset(&e, 0, sizeof e);
    if (procedure_from_json(o, true, p, &e) < 0) {
        add_error(rep, line, &e);
        free(p);
        return;
    }
    for (int k = 0; k < *n; k++)
        if (!strcmp(list[k].p->code, p->code)) {
            derr_set(&e, -EINVAL, 422, MSG_PROC_DUPLICATE, "code", "code", p->code, NULL);
            add_error(rep, line, &e);
            free(p);
            return;
        }
    list[*n].line = line;
    list[(*n)++].p = p;
}

/* Parse and validate every row into list (*n rows); errors and skipped rows go to rep. */
static void parse_all(const char *text, size_t len, bool csv, struct parsed *list, int *np,
                      procedure_import_report_t *rep)
{
    int n = 0, rows = 0;
    derr_t e;
    memset(&e, 0, sizeof e);
    if (csv) {
        size_t pos = 0;
        int line = 1, map[C__COUNT];
        csv_row_t h = {0}, r = {0};
        int rc = csv_next(text, len, &pos, &line, &h);
        if (rc <= 0) {
            derr_set(&e, -EINVAL, 400, rc < 0 ? MSG_PROC_CSV : MSG_PROC_IMPORT_EMPTY, NULL, "1", NULL, NULL);
            add_error(rep, 1, &e);
        } else if (csv_header(&h, map, &e) < 0) {
            add_error(rep, 1, &e);
        } else {
            for (;;) {
                int start = line;
                rc = csv_next(text, len, &pos, &line, &r);
                if (rc == 0) break;
                if (rc < 0 || ++rows > IMPORT_ROWS_MAX) {
                    char l[16];
                    snprintf(l, sizeof l, "%d", start);
                    derr_set(&e, -EINVAL, 400, MSG_PROC_CSV, NULL, l, NULL, NULL);
                    add_error(rep, start, &e);
                    break;
                }
                json_t *o = csv_object(&r, map, &e);
                if (!o) add_error(rep, start, &e);
                else take(o, true, start, list, &n, rep);
                json_decref(o);
                csv_row_free(&r);
            }
        }
        csv_row_free(&h);
    } else {
        json_error_t jerr;
        json_t *a = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
        if (!a || !json_is_array(a)) {
            char off[24];
            snprintf(off, sizeof off, "%d", a ? 0 : jerr.position);
            derr_set(&e, -EINVAL, 400, a ? MSG_WRONG_TYPE : MSG_MALFORMED_JSON, NULL, a ? "body" : off,
                     a ? "array" : jerr.text, NULL);
            add_error(rep, 0, &e);
        } else if (json_array_size(a) > IMPORT_ROWS_MAX) {
            char max[16];
            snprintf(max, sizeof max, "%d", IMPORT_ROWS_MAX);
            derr_set(&e, -EINVAL, 422, MSG_PROC_TOO_MANY, NULL, "body", max, NULL);
            add_error(rep, 0, &e);
        } else {
            for (size_t i = 0; i < json_array_size(a); i++) {
                json_t *o = json_array_get(a, i);
                rows++;
                if (!json_is_object(o)) {
                    derr_set(&e, -EINVAL, 400, MSG_BODY_NOT_OBJECT, NULL, NULL, NULL, NULL);
                    add_error(rep, (int)i + 1, &e);
                } else take(o, false, (int)i + 1, list, &n, rep);
            }
        }
        json_decref(a);
    }
    if (!rep->n_errors && n == 0) {
        derr_set(&e, -EINVAL, 422, MSG_PROC_IMPORT_EMPTY, NULL, NULL, NULL, NULL);
        add_error(rep, 0, &e);
    }
    *np = n;
}

int procedure_import_check(const char *text, size_t len, bool csv, procedure_import_report_t *rep)
{
    memset(rep, 0, sizeof *rep);
    struct parsed *list = xcalloc(IMPORT_ROWS_MAX, sizeof *list);
    int n = 0;
    parse_all(text, len, csv, list, &n, rep);
    for (int i = 0; i < n; i++) free(list[i].p);
    free(list);
    return rep->n_errors ? -EINVAL : n;
}

int procedure_import(db_t *db, const principal_t *actor, const char *scope, const char *text, size_t len,
                     bool csv, procedure_import_report_t *rep)
{
    memset(rep, 0, sizeof *rep);
    struct parsed *list = xcalloc(IMPORT_ROWS_MAX, sizeof *list);
    int n = 0;
    derr_t e;
    parse_all(text, len, csv, list, &n, rep);
    int rc = rep->n_errors ? -EINVAL : 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        procedure_saved_t how;
        memset(&e, 0, sizeof e);
        rc = procedure_save(db, actor, scope, list[i].p, -1, NULL, &how, &e);
        if (rc < 0) {
            if (e.status) add_error(rep, list[i].line, &e);
        } else if (how == PROCEDURE_CREATED) rep->created++;
        else if (how == PROCEDURE_UPDATED) rep->updated++;
        else rep->unchanged++;
    }
    if (rc < 0) rep->created = rep->updated = rep->unchanged = 0;
    for (int i = 0; i < n; i++) free(list[i].p);
    free(list);
    return rc;
}

void procedure_import_report_json(jw_t *w, const procedure_import_report_t *rep, lang_t lang)
{
    jw_obj_begin(w);
    jw_kint(w, "created", rep->created);
    jw_kint(w, "updated", rep->updated);
    jw_kint(w, "unchanged", rep->unchanged);
    jw_kint(w, "skipped", rep->skipped);
    jw_key(w, "skipped_lines");
    jw_arr_begin(w);
    for (int i = 0; i < rep->n_skipped_lines; i++) jw_int(w, rep->skipped_lines[i]);
    jw_arr_end(w);
    jw_kint(w, "error_count", rep->n_errors);
    jw_key(w, "errors");
    jw_arr_begin(w);
    int shown = rep->n_errors < PROCEDURE_IMPORT_ERRORS_MAX ? rep->n_errors : PROCEDURE_IMPORT_ERRORS_MAX;
    for (int i = 0; i < shown; i++) {
        const derr_t *e = &rep->errors[i].err;
        jw_obj_begin(w);
        jw_kint(w, "line", rep->errors[i].line);
        jw_kstr(w, "field", e->field[0] ? e->field : NULL);
        jw_kstr(w, "code", msg_name(e->msg));
        buf_t b;
        buf_init(&b, 0);
        const char *args[3] = {e->arg[0], e->arg[1], e->arg[2]};
        msg_format(&b, e->msg, lang, args, 3);
        jw_key(w, "detail");
        jw_strn(w, b.data ? b.data : "", b.len);
        buf_free(&b);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

/* ---- export ---- */

struct export_ctx {
    bool   csv;
    int    n;
    buf_t *out;
    int    rc;
};

static void csv_cell(buf_t *b, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        buf_putc(b, '"');
        for (const char *c = s; *c; c++) {
            if (*c == '"') buf_putc(b, '"');
            buf_putc(b, *c);
        }
        buf_putc(b, '"');
    } else buf_puts(b, s);
    buf_putc(b, last ? '\n' : ',');
}

/* papers or steps of p as compact JSON text (from the API form, so the CSV cell reads back the same). */
static char *json_member(const char *record, size_t len, const char *key)
{
    json_error_t jerr;
    json_t *o = json_loadb(record, len, 0, &jerr);
    char *t = o ? json_dumps(json_object_get(o, key), JSON_COMPACT | JSON_PRESERVE_ORDER)
                : NULL;
    json_decref(o);
    return t ? t : xstrndup("[]", 2);
}

static int export_cb(const procedure_t *p, void *arg)
{
    struct export_ctx *c = arg;
    buf_t rec;
    buf_init(&rec, 0);
    jw_t w;
    jw_init(&w, &rec);
    procedure_json(&w, p);
    if ((c->rc = jw_finish(&w)) < 0) {
        buf_free(&rec);
        return -1;
    }
    if (!c->csv) {
        if (c->n) buf_putc(c->out, ',');
        buf_append(c->out, rec.data, rec.len);
    } else {
        static const char *const rules[] = {"days", "hours", "same_day"};
        static const char *const online[] = {"none", "partial", "full"};
        static const char *const supplement[] = {"resume", "restart"};
        char amount[40], fee[24];
        snprintf(amount, sizeof amount, "%.17g", p->time_amount);
        if (p->fee_amount >= 0) snprintf(fee, sizeof fee, "%lld", p->fee_amount);
        else fee[0] = '\0';
        char *papers = json_member(rec.data, rec.len, "papers"), *steps = json_member(rec.data, rec.len, "steps");
        const char *cells[] = {p->code, p->name, p->field, p->level, p->time_text, rules[p->time_rule], amount, fee,
                               p->fee_text, online[p->online], supplement[p->supplement], papers, steps, p->source,
                               p->seal ? "yes" : "no"};
        size_t nc = sizeof cells / sizeof cells[0];
        for (size_t i = 0; i < nc; i++) csv_cell(c->out, cells[i], i == nc - 1);
        free(papers);
        free(steps);
    }
    buf_free(&rec);
    c->n++;
    return 0;
}

int procedure_export(db_t *db, const char *scope, bool csv, buf_t *out)
{
    struct export_ctx c = {csv, 0, out, 0};
    if (csv) {
        static const char *const head[] = {"code", "name", "field", "level", "time_limit_text", "time_rule",
                                           "time_amount", "fee_amount", "fee_text", "online", "supplement", "papers",
                                           "steps", "source", "seal"};
        size_t nh = sizeof head / sizeof head[0];
        for (size_t i = 0; i < nh; i++) csv_cell(out, head[i], i == nh - 1);
    } else buf_putc(out, '[');
    procedure_query_t q = {.scope = scope ? scope : "", .online = -1, .include_retired = true};
    int rc = procedure_list(db, &q, export_cb, &c);
    if (rc >= 0 && c.rc < 0) rc = c.rc;
    if (!csv) buf_putc(out, ']');
    return rc < 0 ? rc : 0;
}

int procedure_load_shipped(db_t *db, procedure_import_report_t *rep)
{
    size_t len = (size_t)(procedure_data_csv_end - procedure_data_csv);
    return procedure_import(db, NULL, "", procedure_data_csv, len, true, rep);
}

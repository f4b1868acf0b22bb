/* cli_form.c — `motcua form render`: a JSON file → one form's struct (domain/forms.h) → a PDF (or CSV) file.
 *
 * The JSON is mapped onto the structs by descriptor tables (one per struct: field name, kind, offset), so the
 * mapping is declared once and an unknown field is refused by the same loop that fills the known ones. Strings
 * point into the jansson tree, which lives until the form is rendered; arrays are allocated and freed here. The
 * length and count caps are the forms module's own: it validates what this file hands it. */
#include "cli/cli_form.h"
#include "cli/cli_opt.h"

#include "core/buf.h"
#include "core/mem.h"
#include "core/msg.h"
#include "core/pdf.h"
#include "domain/calendar.h"
#include "domain/forms.h"

#include <errno.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORM_JSON_MAX ((size_t)16 << 20) /* bytes of input JSON */
#define FORM_OUT_MAX ((size_t)64 << 20)  /* bytes of output */

/* ---- messages --------------------------------------------------------------------------------------------- */

static int say(int status, msg_id_t id, const char *a0, const char *a1, const char *a2)
{
    return status == 2 ? cli_usage_error(id, a0, a1, a2) : cli_error(status, id, a0, a1, a2);
}

static int say_derr(int status, const derr_t *e)
{
    return say(status, e->msg, e->arg[0], e->arg[1], e->arg[2]);
}

/* ---- JSON → struct ---------------------------------------------------------------------------------------- */

typedef enum { F_STR, F_INT, F_TIME, F_RESULT, F_OBJ, F_STRS, F_ARR } fkind_t;

typedef struct fdesc fdesc_t;
typedef struct ftable {
    const fdesc_t *fields;
    size_t         size;       /* sizeof the struct (for arrays of it) */
} ftable_t;

struct fdesc {
    const char     *name;
    fkind_t         kind;
    size_t          off;
    size_t          count_off; /* F_STRS, F_ARR: offset of the int count */
    const ftable_t *sub;       /* F_OBJ, F_ARR */
};

#define END {NULL, F_STR, 0, 0, NULL}
#define S(T, f) {#f, F_STR, offsetof(T, f), 0, NULL}
#define I(T, f) {#f, F_INT, offsetof(T, f), 0, NULL}
#define TM(T, f) {#f, F_TIME, offsetof(T, f), 0, NULL}

static const fdesc_t agency_f[] = {S(forms_agency_t, superior), S(forms_agency_t, name), S(forms_agency_t, number),
                                   S(forms_agency_t, place), END};
static const ftable_t agency_t = {agency_f, sizeof(forms_agency_t)};
static const fdesc_t party_f[] = {S(forms_party_t, name), S(forms_party_t, identifier), S(forms_party_t, address),
                                  S(forms_party_t, phone), S(forms_party_t, email), END};
static const ftable_t party_t = {party_f, sizeof(forms_party_t)};
static const fdesc_t paper_f[] = {S(forms_paper_t, name), S(forms_paper_t, form), I(forms_paper_t, copies), END};
static const ftable_t paper_t = {paper_f, sizeof(forms_paper_t)};
static const fdesc_t handoff_f[] = {S(forms_handoff_t, from_unit), S(forms_handoff_t, to_unit),
                                    S(forms_handoff_t, giver), S(forms_handoff_t, receiver), TM(forms_handoff_t, at),
                                    TM(forms_handoff_t, step_due),
                                    {"result", F_RESULT, offsetof(forms_handoff_t, result), 0, NULL},
                                    S(forms_handoff_t, notes), END};
static const ftable_t handoff_t = {handoff_f, sizeof(forms_handoff_t)};
static const fdesc_t book_row_f[] = {S(forms_book_row_t, dossier_code), S(forms_book_row_t, procedure),
                                     S(forms_book_row_t, applicant), S(forms_book_row_t, address_phone),
                                     S(forms_book_row_t, lead_agency), TM(forms_book_row_t, received_at),
                                     TM(forms_book_row_t, due_at), TM(forms_book_row_t, returned_at),
                                     S(forms_book_row_t, result_method), S(forms_book_row_t, signed_by), END};
static const ftable_t book_row_t = {book_row_f, sizeof(forms_book_row_t)};

#define AGENCY(T) {"agency", F_OBJ, offsetof(T, agency), 0, &agency_t}
#define PARTY(T) {"applicant", F_OBJ, offsetof(T, applicant), 0, &party_t}

static const fdesc_t receipt_f[] = {
    AGENCY(forms_receipt_t), TM(forms_receipt_t, issued_at), S(forms_receipt_t, dossier_code),
    S(forms_receipt_t, office), PARTY(forms_receipt_t), S(forms_receipt_t, authorization),
    S(forms_receipt_t, request),
    {"papers", F_ARR, offsetof(forms_receipt_t, papers), offsetof(forms_receipt_t, n_papers), &paper_t},
    I(forms_receipt_t, sets), S(forms_receipt_t, statutory_time), TM(forms_receipt_t, received_at),
    TM(forms_receipt_t, due_at), S(forms_receipt_t, result_place), S(forms_receipt_t, book_volume),
    S(forms_receipt_t, book_line), S(forms_receipt_t, submitter_name), S(forms_receipt_t, receiver_name),
    S(forms_receipt_t, lookup_url), END};
static const fdesc_t supplement_f[] = {
    AGENCY(forms_supplement_t), TM(forms_supplement_t, issued_at), S(forms_supplement_t, dossier_code),
    PARTY(forms_supplement_t), S(forms_supplement_t, request),
    {"items", F_STRS, offsetof(forms_supplement_t, items), offsetof(forms_supplement_t, n_items), NULL},
    S(forms_supplement_t, reason), S(forms_supplement_t, contact_name), S(forms_supplement_t, contact_phone),
    S(forms_supplement_t, guide_name), END};
static const fdesc_t refusal_f[] = {
    AGENCY(forms_refusal_t), TM(forms_refusal_t, issued_at), S(forms_refusal_t, office), PARTY(forms_refusal_t),
    S(forms_refusal_t, dossier_code), S(forms_refusal_t, request),
    {"reasons", F_STRS, offsetof(forms_refusal_t, reasons), offsetof(forms_refusal_t, n_reasons), NULL},
    S(forms_refusal_t, submitter_name), S(forms_refusal_t, receiver_name), END};
static const fdesc_t apology_f[] = {
    AGENCY(forms_apology_t), TM(forms_apology_t, issued_at), S(forms_apology_t, recipient), S(forms_apology_t, unit),
    TM(forms_apology_t, received_at), S(forms_apology_t, procedure), S(forms_apology_t, identifier),
    S(forms_apology_t, dossier_code), TM(forms_apology_t, original_due), S(forms_apology_t, reason),
    TM(forms_apology_t, new_due), S(forms_apology_t, head_name), END};
static const fdesc_t stop_f[] = {
    AGENCY(forms_stop_t), TM(forms_stop_t, issued_at), PARTY(forms_stop_t), S(forms_stop_t, unit),
    S(forms_stop_t, dossier_code), S(forms_stop_t, procedure), TM(forms_stop_t, received_at),
    S(forms_stop_t, reason), S(forms_stop_t, legal_basis), S(forms_stop_t, head_name), END};
static const fdesc_t control_f[] = {
    AGENCY(forms_control_sheet_t), TM(forms_control_sheet_t, issued_at), S(forms_control_sheet_t, dossier_code),
    S(forms_control_sheet_t, lead_unit), S(forms_control_sheet_t, coordinating),
    TM(forms_control_sheet_t, received_at), TM(forms_control_sheet_t, due_at),
    {"rows", F_ARR, offsetof(forms_control_sheet_t, rows), offsetof(forms_control_sheet_t, n_rows), &handoff_t},
    END};
static const fdesc_t book_f[] = {
    AGENCY(forms_tracking_book_t), TM(forms_tracking_book_t, issued_at), S(forms_tracking_book_t, field),
    S(forms_tracking_book_t, period), S(forms_tracking_book_t, volume),
    {"rows", F_ARR, offsetof(forms_tracking_book_t, rows), offsetof(forms_tracking_book_t, n_rows), &book_row_t},
    END};

/* Every allocation made while filling, freed after rendering. */
typedef struct allocs {
    void **p;
    int    n, cap;
} allocs_t;

static void *track(allocs_t *a, void *p)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->p = xrealloc(a->p, (size_t)a->cap * sizeof *a->p);
    }
    return a->p[a->n++] = p;
}

static int bad_type(const char *field, const char *type)
{
    return say(2, MSG_WRONG_TYPE, field, type, NULL);
}

static int too_many(const char *field, int max)
{
    char c[16];
    snprintf(c, sizeof c, "%d", max);
    return say(2, MSG_FORMS_TOO_MANY, field, c, NULL);
}

static int fill(const ftable_t *t, json_t *obj, void *dst, allocs_t *al, const char *path);

static int fill_field(const fdesc_t *d, json_t *v, void *dst, allocs_t *al, const char *path)
{
    char *at = (char *)dst + d->off;
    switch (d->kind) {
    case F_STR:
        if (json_is_null(v)) return 0;
        if (!json_is_string(v)) return bad_type(path, "string");
        *(const char **)at = json_string_value(v);
        return 0;
    case F_INT:
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100000)
            return bad_type(path, "integer");
        *(int *)at = (int)json_integer_value(v);
        return 0;
    case F_TIME: {
        long minutes;
        if (json_is_null(v)) return 0;
        if (!json_is_string(v) || calendar_instant_parse(json_string_value(v), &minutes) < 0)
            return say(2, MSG_FIELD_INVALID, path, "YYYY-MM-DDTHH:MM", NULL);
        *(long long *)at = calendar_utc_ms_from_minutes(minutes);
        return 0;
    }
    case F_RESULT: {
        static const char *const names[] = {"pending", "early", "on_time", "late"};
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        for (int i = 0; i < 4; i++)
            if (!strcmp(s, names[i])) {
                *(forms_timeliness_t *)at = (forms_timeliness_t)i;
                return 0;
            }
        return say(2, MSG_FIELD_INVALID, path, "pending | early | on_time | late", NULL);
    }
    case F_OBJ:
        if (!json_is_object(v)) return bad_type(path, "object");
        return fill(d->sub, v, at, al, path);
    case F_STRS: {
        if (!json_is_array(v)) return bad_type(path, "array");
        size_t n = json_array_size(v);
        if (n > FORMS_LIST_MAX) return too_many(path, FORMS_LIST_MAX);
        const char **items = track(al, xcalloc(n ? n : 1, sizeof *items));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_string(e)) return bad_type(path, "array of strings");
            items[i] = json_string_value(e);
        }
        *(const char ***)at = items;
        *(int *)((char *)dst + d->count_off) = (int)n;
        return 0;
    }
    case F_ARR: {
        if (!json_is_array(v)) return bad_type(path, "array");
        size_t n = json_array_size(v);
        if (n > FORMS_BOOK_MAX) return too_many(path, FORMS_BOOK_MAX);  /* the forms check their own caps */
        char *items = track(al, xcalloc(n ? n : 1, d->sub->size));
        for (size_t i = 0; i < n; i++) {
            json_t *e = json_array_get(v, i);
            if (!json_is_object(e)) return bad_type(path, "array of objects");
            int rc = fill(d->sub, e, items + i * d->sub->size, al, path);
            if (rc) return rc;
        }
        *(void **)at = items;
        *(int *)((char *)dst + d->count_off) = (int)n;
        return 0;
    }
    }
    return 2;
}

static int fill(const ftable_t *t, json_t *obj, void *dst, allocs_t *al, const char *path)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        char sub[160];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", key);
        const fdesc_t *d = t->fields;
        while (d->name && strcmp(d->name, key)) d++;
        if (!d->name) return say(2, MSG_UNKNOWN_FIELD, sub, NULL, NULL);
        int rc = fill_field(d, v, dst, al, sub);
        if (rc) return rc;
    }
    return 0;
}

/* ---- forms ------------------------------------------------------------------------------------------------ */

typedef int (*render_fn)(const void *f, buf_t *out, derr_t *err);

typedef struct form_kind {
    const char *name;
    ftable_t    table;
    render_fn   pdf;
    render_fn   csv;  /* or NULL */
} form_kind_t;

/* One adapter per form, so each is called through its own type. */
#define ADAPT(fn, T) \
    static int fn##_any(const void *f, buf_t *out, derr_t *err) { return fn((const T *)f, out, err); }
ADAPT(forms_receipt, forms_receipt_t)
ADAPT(forms_supplement, forms_supplement_t)
ADAPT(forms_refusal, forms_refusal_t)
ADAPT(forms_apology, forms_apology_t)
ADAPT(forms_stop, forms_stop_t)
ADAPT(forms_control_sheet, forms_control_sheet_t)
ADAPT(forms_tracking_book, forms_tracking_book_t)
ADAPT(forms_tracking_book_csv, forms_tracking_book_t)

static const form_kind_t kinds[] = {
    {"receipt", {receipt_f, sizeof(forms_receipt_t)}, forms_receipt_any, NULL},
    {"supplement", {supplement_f, sizeof(forms_supplement_t)}, forms_supplement_any, NULL},
    {"refusal", {refusal_f, sizeof(forms_refusal_t)}, forms_refusal_any, NULL},
    {"apology", {apology_f, sizeof(forms_apology_t)}, forms_apology_any, NULL},
    {"stop", {stop_f, sizeof(forms_stop_t)}, forms_stop_any, NULL},
    {"control-sheet", {control_f, sizeof(forms_control_sheet_t)}, forms_control_sheet_any, NULL},
    {"tracking-book", {book_f, sizeof(forms_tracking_book_t)}, forms_tracking_book_any, forms_tracking_book_csv_any},
};
#define KIND_NAMES "receipt, supplement, refusal, apology, stop, control-sheet, tracking-book"

/* ---- options ---------------------------------------------------------------------------------------------- */

static const char render_usage[] =
    "usage: motcua form render --form NAME --json FILE --out FILE [--csv]\n"
    "Renders one form of Circular 03/2025/TT-VPCP from a JSON file of its fields (see docs/forms.md).\n";

static int write_file(const char *path, const buf_t *b)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -errno;
    size_t w = fwrite(b->data, 1, b->len, f);
    int rc = w == b->len ? 0 : -EIO;
    if (fclose(f) != 0 && !rc) rc = -errno;
    if (rc) remove(path);
    return rc;
}

static int cmd_render(int argc, char **argv)
{
    const char *form = NULL, *json = NULL, *out = NULL;
    bool csv = false;
    const cli_opt_t opts[] = {
        {"form", OPT_STR, "NAME", &form, 0, 0, NULL, KIND_NAMES},
        {"json", OPT_STR, "FILE", &json, 0, 0, NULL, "the form's fields as a JSON object"},
        {"out", OPT_STR, "FILE", &out, 0, 0, NULL, "the PDF (or CSV) to write"},
        {"csv", OPT_FLAG, NULL, &csv, 0, 0, NULL, "tracking-book only: write CSV instead of PDF"},
    };
    cli_prog = "motcua form render";
    int pr = cli_parse(render_usage, opts, NOPTS(opts), argc, argv);
    if (pr == 1) return 0;
    if (pr) return pr;
    if (!form) return say(2, MSG_CLI_REQUIRED, "--form", NULL, NULL);
    if (!json) return say(2, MSG_CLI_REQUIRED, "--json", NULL, NULL);
    if (!out) return say(2, MSG_CLI_REQUIRED, "--out", NULL, NULL);
    const form_kind_t *k = NULL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(kinds[i].name, form)) k = &kinds[i];
    if (!k) return say(2, MSG_FORMS_UNKNOWN_FORM, form, KIND_NAMES, NULL);
    if (csv && !k->csv) return say(2, MSG_CLI_BAD_VALUE, "--csv", form, "tracking-book");

    FILE *in = fopen(json, "rb");
    if (!in) return say(2, MSG_FORMS_READ_FAILED, json, strerror(errno), NULL);
    buf_t text;
    buf_init(&text, FORM_JSON_MAX);
    char chunk[65536];
    size_t got;
    int toobig = 0;
    while ((got = fread(chunk, 1, sizeof chunk, in)) > 0)
        if (buf_append(&text, chunk, got) < 0) { toobig = 1; break; }
    fclose(in);
    if (toobig) {
        buf_free(&text);
        char c[24];
        snprintf(c, sizeof c, "%zu", FORM_JSON_MAX);
        return say(2, MSG_BODY_TOO_LARGE, c, NULL, NULL);
    }
    json_error_t je;
    json_t *root = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, &je);
    buf_free(&text);
    if (!root) {
        char pos[24];
        snprintf(pos, sizeof pos, "%d", je.position);
        return say(2, MSG_MALFORMED_JSON, pos, je.text, NULL);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return say(2, MSG_BODY_NOT_OBJECT, NULL, NULL, NULL);
    }
    void *st = xcalloc(1, k->table.size);
    allocs_t al = {0};
    int status = fill(&k->table, root, st, &al, "");
    if (!status) {
        buf_t pdf;
        buf_init(&pdf, FORM_OUT_MAX);
        derr_t err;
        memset(&err, 0, sizeof err);
        int rc = csv ? k->csv(st, &pdf, &err) : k->pdf(st, &pdf, &err);
        if (rc < 0) status = say_derr(2, &err);
        else if ((rc = write_file(out, &pdf)) < 0) status = say(1, MSG_FORMS_WRITE_FAILED, out, strerror(-rc), NULL);
        buf_free(&pdf);
    }
    for (int i = 0; i < al.n; i++) free(al.p[i]);
    free(al.p);
    free(st);
    json_decref(root);
    pdf_release_thread();
    return status;
}

int cli_form(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(render_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "render")) return cmd_render(argc - 1, argv + 1);
    return say(2, MSG_CLI_BAD_VALUE, "form", argv[1], "render");
}

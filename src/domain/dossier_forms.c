/* dossier_forms.c — see dossier_forms.h. The forms are filled from the projection rows only: the dossier row, its
 * papers and its control-sheet lines (dossier_steps), plus the names of the accounts and units they refer to. */
#include "domain/dossier_forms.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/msg.h"
#include "domain/account.h"
#include "domain/forms.h"
#include "domain/calendar.h"
#include "domain/unit.h"

static const char *const form_names[DF__COUNT] = {"receipt", "supplement", "refusal", "apology", "stop",
                                                  "control-sheet"};

int dossier_form_parse(const char *s, dossier_form_t *out)
{
    for (int i = 0; s && i < DF__COUNT; i++)
        if (!strcmp(s, form_names[i])) {
            *out = (dossier_form_t)i;
            return 0;
        }
    return -EINVAL;
}

const char *dossier_form_name(dossier_form_t f) { return (unsigned)f < DF__COUNT ? form_names[f] : ""; }

static char public_url[FORMS_NAME_MAX / 2];

void dossier_public_url_set(const char *url)
{
    if (!url || str_copy(public_url, sizeof public_url, url) < 0) public_url[0] = '\0';
    size_t n = strlen(public_url);
    while (n && public_url[n - 1] == '/') public_url[--n] = '\0';
}

const char *dossier_public_url(void) { return public_url[0] ? public_url : NULL; }

int dossier_lookup_url(const char *base, const char *code, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/lookup.html?code=%s", base ? base : "", code);
    return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

/* ---- what the rows name ---- */

/* Names of accounts and units, looked up once per id and kept for the whole rendering. */
#define NAMES_MAX 256
typedef struct names {
    int  n;
    char id[NAMES_MAX][ID_LEN + 1];
    char *name[NAMES_MAX];
} names_t;

static const char *name_of(db_t *db, names_t *nm, const char *id, bool unit)
{
    if (!id || !*id) return NULL;
    for (int i = 0; i < nm->n; i++)
        if (!strcmp(nm->id[i], id)) return nm->name[i];
    char *name = NULL;
    if (unit) {
        unit_t *u = xmalloc(sizeof *u);
        if (unit_get(db, id, u) == 0) name = xstrdup(u->name);
        free(u);
    } else {
        account_t *a = xmalloc(sizeof *a);
        if (account_get(db, id, a) == 0) name = xstrdup(a->full_name[0] ? a->full_name : a->username);
        free(a);
    }
    if (nm->n == NAMES_MAX) {       /* more distinct names than any real history has: print the blank line */
        free(name);
        return NULL;
    }
    str_copy(nm->id[nm->n], sizeof nm->id[0], id);
    nm->name[nm->n++] = name;
    return name;
}

static void names_free(names_t *nm)
{
    for (int i = 0; i < nm->n; i++) free(nm->name[i]);
}

typedef struct step_row {
    char     *action, *from, *to, *from_unit, *to_unit, *timing, *note;
    long long at, step_due;
} step_row_t;

typedef struct rows {
    int         n;
    step_row_t  r[FORMS_HANDOFF_MAX];
} rows_t;

static char *dup_or_null(const char *s) { return s ? xstrdup(s) : NULL; }

static int load_steps(db_t *db, const char *dossier_id, rows_t *rs)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT action, from_account, to_account, from_unit, to_unit, at, step_due_at, timing, "
                              "note FROM dossier_steps WHERE dossier_id = $1 ORDER BY n", "t", dossier_id);
    while (rc == DB_ROW && rs->n < FORMS_HANDOFF_MAX) {
        step_row_t *r = &rs->r[rs->n++];
        r->action = dup_or_null(db_col_text(s, 0));
        r->from = dup_or_null(db_col_text(s, 1));
        r->to = dup_or_null(db_col_text(s, 2));
        r->from_unit = dup_or_null(db_col_text(s, 3));
        r->to_unit = dup_or_null(db_col_text(s, 4));
        r->at = db_col_int(s, 5);
        r->step_due = db_col_is_null(s, 6) ? 0 : db_col_int(s, 6);
        r->timing = dup_or_null(db_col_text(s, 7));
        r->note = dup_or_null(db_col_text(s, 8));
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void rows_free(rows_t *rs)
{
    for (int i = 0; i < rs->n; i++) {
        step_row_t *r = &rs->r[i];
        free(r->action), free(r->from), free(r->to), free(r->from_unit), free(r->to_unit), free(r->timing),
            free(r->note);
    }
}

/* The last line of the control sheet recording action, or NULL. */
static const step_row_t *last_action(const rows_t *rs, const char *action)
{
    for (int i = rs->n - 1; i >= 0; i--)
        if (rs->r[i].action && !strcmp(rs->r[i].action, action)) return &rs->r[i];
    return NULL;
}

typedef struct papers {
    int           n;
    forms_paper_t p[FORMS_LIST_MAX];
    char         *names[FORMS_LIST_MAX];
} papers_t;

static int load_papers(db_t *db, const char *dossier_id, papers_t *ps)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT name, copies, form FROM dossier_papers WHERE dossier_id = $1 ORDER BY paper_id",
                      "t", dossier_id);
    while (rc == DB_ROW && ps->n < FORMS_LIST_MAX) {
        const char *form = db_col_text(s, 2);
        ps->names[ps->n] = xstrdup(db_col_text(s, 0) ? db_col_text(s, 0) : "");
        ps->p[ps->n].name = ps->names[ps->n];
        ps->p[ps->n].copies = (int)db_col_int(s, 1);
        msg_id_t m = form && !strcmp(form, "copy") ? MSG_DF_COPY
                     : form && !strcmp(form, "electronic") ? MSG_DF_ELECTRONIC : MSG_DF_ORIGINAL;
        ps->p[ps->n].form = msg_text(m, LANG_VI);
        ps->n++;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void papers_free(papers_t *ps)
{
    for (int i = 0; i < ps->n; i++) free(ps->names[i]);
}

/* ---- filling ---- */

typedef struct fill {
    db_t            *db;
    const dossier_t *d;
    names_t          nm;
    rows_t          *rows;
    papers_t        *papers;
    unit_t          *unit;
    forms_agency_t   agency;
    forms_party_t    applicant;
    char             statutory[64];
    char             authorization[1024];
    char             lookup[FORMS_NAME_MAX];
} fill_t;

static void statutory_time(const dossier_t *d, long day_minutes, char *out, size_t cap)
{
    char n[24];
    buf_t b;
    buf_init(&b, 0);
    const char *args[1] = {n};
    if (d->time_rule == DUE_SAME_DAY) {
        msg_format(&b, MSG_DF_SAME_DAY, LANG_VI, NULL, 0);
    } else if (d->time_rule == DUE_DAYS && day_minutes > 0 && d->work_minutes % day_minutes == 0) {
        snprintf(n, sizeof n, "%02lld", d->work_minutes / day_minutes);
        msg_format(&b, MSG_DF_WORKDAYS, LANG_VI, args, 1);
    } else if (d->work_minutes % 60 == 0) {
        snprintf(n, sizeof n, "%lld", d->work_minutes / 60);
        msg_format(&b, MSG_DF_WORKHOURS, LANG_VI, args, 1);
    }
    str_copy(out, cap, b.data ? b.data : "");
    buf_free(&b);
}

static int not_applicable(const dossier_t *d, dossier_form_t f, derr_t *err)
{
    return derr_set(err, -EBUSY, 409, MSG_DF_NOT_APPLICABLE, "form", form_names[f], dossier_status_name(d->status, LANG_VI),
                    NULL);
}

static forms_timeliness_t timeliness(const char *t)
{
    if (!t) return FORMS_PENDING;
    return !strcmp(t, "early") ? FORMS_EARLY : !strcmp(t, "late") ? FORMS_LATE
                                             : !strcmp(t, "on_time") ? FORMS_ON_TIME : FORMS_PENDING;
}

/* "reason — item; item" (dossier.c's note of request_supplement) split in place into reason and items. */
static int split_supplement(char *note, const char **reason, const char **items, int cap)
{
    int n = 0;
    *reason = note;
    char *dash = note ? strstr(note, " — ") : NULL;
    if (!dash) return 0;
    *dash = '\0';
    char *p = dash + strlen(" — ");
    while (p && *p && n < cap) {
        char *sep = strstr(p, "; ");
        if (sep) *sep = '\0';
        items[n++] = p;
        p = sep ? sep + 2 : NULL;
    }
    return n;
}

int dossier_form_render(db_t *db, const dossier_t *d, dossier_form_t f, const char *lookup_base, long day_minutes,
                        buf_t *out, derr_t *err)
{
    bool ok = false;
    switch (f) {
    case DF_RECEIPT:
    case DF_CONTROL_SHEET: ok = d->accepted_at != 0; break;
    case DF_REFUSAL: ok = d->status == DS_REFUSED; break;
    case DF_STOP: ok = d->status == DS_STOPPED; break;
    case DF_APOLOGY: ok = d->extended != 0; break;
    case DF_SUPPLEMENT: ok = d->supplement_count > 0; break;
    default: return derr_set(err, -EINVAL, 404, MSG_NOT_FOUND, "form", NULL, NULL, NULL);
    }
    if (!ok) return not_applicable(d, f, err);

    fill_t *c = xcalloc(1, sizeof *c);
    c->db = db;
    c->d = d;
    c->rows = xcalloc(1, sizeof *c->rows);
    c->papers = xcalloc(1, sizeof *c->papers);
    c->unit = xcalloc(1, sizeof *c->unit);
    int rc = unit_get(db, d->unit_id, c->unit);
    if (rc == 0) rc = load_steps(db, d->id, c->rows);
    if (rc == 0) rc = load_papers(db, d->id, c->papers);
    if (rc < 0) goto out;
    c->agency = (forms_agency_t){.superior = c->unit->name, .name = msg_text(MSG_DF_DESK, LANG_VI), .number = NULL,
                                 .place = c->unit->name};
    c->applicant = (forms_party_t){.name = d->applicant_name, .identifier = d->id_number, .address = d->address,
                                   .phone = d->phone, .email = domain_nz(d->email)};
    const step_row_t *row;
    switch (f) {
    case DF_RECEIPT: {
        statutory_time(d, day_minutes, c->statutory, sizeof c->statutory);
        const char *submitter = d->applicant_name;
        if (d->representative) {
            json_t *rep = json_loads(d->representative, 0, NULL);
            const char *rn = json_string_value(json_object_get(rep, "name"));
            const char *ri = json_string_value(json_object_get(rep, "id_number"));
            if (rn) {
                snprintf(c->authorization, sizeof c->authorization, "%s (%s)", rn, ri ? ri : "");
                submitter = c->authorization;
            }
            json_decref(rep);
        }
        bool url = lookup_base && dossier_lookup_url(lookup_base, d->code, c->lookup, sizeof c->lookup) == 0;
        forms_receipt_t r = {.agency = c->agency, .issued_at = d->accepted_at, .dossier_code = d->code,
                             .office = c->unit->name, .applicant = c->applicant,
                             .authorization = c->authorization[0] ? c->authorization : NULL,
                             .request = d->procedure_name, .papers = c->papers->p, .n_papers = c->papers->n, .sets = 1,
                             .statutory_time = domain_nz(c->statutory), .received_at = d->received_at,
                             .due_at = d->due_at, .result_place = c->unit->name, .submitter_name = submitter,
                             .receiver_name = name_of(db, &c->nm, d->received_by, false),
                             .lookup_url = url ? c->lookup : NULL};
        rc = forms_receipt(&r, out, err);
        break;
    }
    case DF_SUPPLEMENT: {
        row = last_action(c->rows, "request_supplement");
        if (!row) {
            rc = not_applicable(d, f, err);
            break;
        }
        const char *items[FORMS_LIST_MAX], *reason = NULL;
        char *note = row->note ? xstrdup(row->note) : NULL;
        int n = split_supplement(note, &reason, items, FORMS_LIST_MAX);
        const char *who = name_of(db, &c->nm, row->from, false);
        forms_supplement_t s = {.agency = c->agency, .issued_at = row->at, .dossier_code = d->code,
                                .applicant = c->applicant, .request = d->procedure_name, .items = items, .n_items = n,
                                .reason = reason, .contact_name = who, .contact_phone = NULL, .guide_name = who};
        rc = forms_supplement(&s, out, err);
        free(note);
        break;
    }
    case DF_REFUSAL: {
        row = last_action(c->rows, "refuse");
        const char *reasons[1] = {row && row->note ? row->note : d->reason};
        forms_refusal_t s = {.agency = c->agency, .issued_at = row ? row->at : d->updated_at, .office = c->unit->name,
                             .applicant = c->applicant, .dossier_code = d->code, .request = d->procedure_name,
                             .reasons = reasons, .n_reasons = reasons[0] ? 1 : 0, .submitter_name = d->applicant_name,
                             .receiver_name = row ? name_of(db, &c->nm, row->from, false) : NULL};
        rc = forms_refusal(&s, out, err);
        break;
    }
    case DF_APOLOGY: {
        row = last_action(c->rows, "extend");
        forms_apology_t s = {.agency = c->agency, .issued_at = row ? row->at : d->updated_at,
                             .recipient = d->applicant_name, .unit = c->unit->name, .received_at = d->received_at,
                             .procedure = d->procedure_name, .identifier = d->id_number, .dossier_code = d->code,
                             .original_due = d->original_due_at, .reason = row ? row->note : NULL, .new_due = d->due_at,
                             .head_name = row ? name_of(db, &c->nm, row->from, false) : NULL};
        rc = forms_apology(&s, out, err);
        break;
    }
    case DF_STOP: {
        row = last_action(c->rows, "stop");
        forms_stop_t s = {.agency = c->agency, .issued_at = row ? row->at : d->updated_at, .applicant = c->applicant,
                          .unit = c->unit->name, .dossier_code = d->code, .procedure = d->procedure_name,
                          .received_at = d->received_at, .reason = row && row->note ? row->note : d->reason,
                          .legal_basis = NULL, .head_name = row ? name_of(db, &c->nm, row->from, false) : NULL};
        rc = forms_stop(&s, out, err);
        break;
    }
    case DF_CONTROL_SHEET: {
        forms_handoff_t *h = xcalloc(FORMS_HANDOFF_MAX, sizeof *h);
        int n = 0;
        for (int i = 0; i < c->rows->n; i++) {
            const step_row_t *r = &c->rows->r[i];
            h[n] = (forms_handoff_t){.from_unit = name_of(db, &c->nm, r->from_unit, true),
                                     .to_unit = name_of(db, &c->nm, r->to_unit, true),
                                     .giver = name_of(db, &c->nm, r->from, false),
                                     .receiver = name_of(db, &c->nm, r->to, false), .at = r->at,
                                     .step_due = r->step_due, .result = timeliness(r->timing),
                                     .notes = domain_nz(r->note)};
            n++;
        }
        forms_control_sheet_t s = {.agency = c->agency, .issued_at = d->updated_at, .dossier_code = d->code,
                                   .lead_unit = c->unit->name, .coordinating = NULL, .received_at = d->received_at,
                                   .due_at = d->due_at, .rows = h, .n_rows = n};
        rc = forms_control_sheet(&s, out, err);
        free(h);
        break;
    }
    default: break;
    }
out:
    names_free(&c->nm);
    rows_free(c->rows);
    papers_free(c->papers);
    free(c->rows), free(c->papers), free(c->unit);
    free(c);
    return rc;
}

/* ---- the tracking book ---- */

static bool covers_unit(const principal_t *who, const char *path)
{
    if (strcmp(who->kind, "citizen") == 0) return false;
    for (int i = 0; i < who->ngrants; i++)
        if (!strncmp(who->grants[i].unit_path, path, strlen(who->grants[i].unit_path))) return true;
    return false;
}

/* "YYYY-MM-DD" → the local day number; 0 or -EINVAL. */
static int parse_day(const char *s, long *day)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return -EINVAL;
    return calendar_day_from_ymd(y, m, d, day) < 0 ? -EINVAL : 0;
}

const char *dossier_delivery_method(const char *note, lang_t lang)
{
    /* dossier.c's deliver line: "<received by> (<how>)". */
    if (!note) return NULL;
    if (strstr(note, "(post)")) return msg_text(MSG_DF_BY_POST, lang);
    if (strstr(note, "(online)")) return msg_text(MSG_DF_ONLINE, lang);
    if (strstr(note, "(in_person)")) return msg_text(MSG_DF_IN_PERSON, lang);
    return NULL;
}

int dossier_book_render(db_t *db, const dossier_book_query_t *q, buf_t *out, derr_t *err)
{
    long from, to;
    if (parse_day(q->from, &from) < 0) return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "from", "from", NULL, NULL);
    if (parse_day(q->to, &to) < 0 || to < from)
        return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "to", "to", NULL, NULL);
    char nmax[16];
    if (to - from + 1 > DOSSIER_BOOK_DAYS_MAX) {
        snprintf(nmax, sizeof nmax, "%d", DOSSIER_BOOK_DAYS_MAX);
        return derr_set(err, -EPERM, 422, MSG_DF_BOOK_TOO_LONG, "to", nmax, NULL, NULL);
    }
    unit_t *u = xmalloc(sizeof *u);
    int rc = id_valid(q->unit_id) ? unit_get(db, q->unit_id, u) : -ENOENT;
    if (rc == 0 && !covers_unit(q->who, u->path)) rc = -ENOENT;
    if (rc < 0) {
        free(u);
        return rc == -ENOENT ? derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL) : rc;
    }
    int y, m, d;
    long from_min, to_min;
    calendar_ymd_from_day(from, &y, &m, &d);
    calendar_instant_from_parts(y, m, d, 0, 0, &from_min);
    calendar_ymd_from_day(to + 1, &y, &m, &d);
    calendar_instant_from_parts(y, m, d, 0, 0, &to_min);
    long long from_ms = calendar_utc_ms_from_minutes(from_min), to_ms = calendar_utc_ms_from_minutes(to_min);
    const char *field = q->field && *q->field ? q->field : "";
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT code FROM dossiers WHERE unit_id = $1 AND received_at >= $2 AND received_at < $3 "
                          "AND ($4 = '' OR field = $4) ORDER BY received_at, code LIMIT $5",
                  "tiiti", u->id, from_ms, to_ms, field, (long long)DOSSIER_BOOK_ROWS_MAX + 1);
    int n = 0;
    char (*codes)[DOSSIER_CODE_MAX] = xcalloc(DOSSIER_BOOK_ROWS_MAX + 1, sizeof *codes);
    while (rc == DB_ROW && n <= DOSSIER_BOOK_ROWS_MAX) {
        str_copy(codes[n++], DOSSIER_CODE_MAX, db_col_text(s, 0));
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc >= 0 && n > DOSSIER_BOOK_ROWS_MAX) {
        snprintf(nmax, sizeof nmax, "%d", DOSSIER_BOOK_ROWS_MAX);
        rc = derr_set(err, -EPERM, 422, MSG_DF_BOOK_TOO_MANY, "to", nmax, NULL, NULL);
    }
    dossier_t *ds = rc >= 0 ? xcalloc((size_t)(n ? n : 1), sizeof *ds) : NULL;
    forms_book_row_t *rows = rc >= 0 ? xcalloc((size_t)(n ? n : 1), sizeof *rows) : NULL;
    char (*addr)[1024] = rc >= 0 ? xcalloc((size_t)(n ? n : 1), sizeof *addr) : NULL;
    int got = 0;
    for (int i = 0; rc >= 0 && i < n; i++) {
        rc = dossier_get(db, codes[i], &ds[got]);
        if (rc == -ENOENT) {
            rc = 0;
            continue;
        }
        if (rc < 0) break;
        const dossier_t *x = &ds[got];
        snprintf(addr[got], sizeof addr[0], "%s; %s", x->address, x->phone);
        const char *how = NULL;
        if (x->delivered_at) {
            db_stmt_t *t;
            int r2 = db_query(db, &t, "SELECT note FROM dossier_steps WHERE dossier_id = $1 AND action = 'deliver' "
                                      "ORDER BY n DESC LIMIT 1", "t", x->id);
            if (r2 == DB_ROW) how = dossier_delivery_method(db_col_text(t, 0), LANG_VI);
            if (t) db_reset(t);
        }
        rows[got] = (forms_book_row_t){.dossier_code = x->code, .procedure = x->procedure_name,
                                       .applicant = x->applicant_name, .address_phone = addr[got],
                                       .lead_agency = u->name, .received_at = x->received_at, .due_at = x->due_at,
                                       .returned_at = x->delivered_at, .result_method = how,
                                       .signed_by = domain_nz(x->delivered_to)};
        got++;
    }
    if (rc >= 0) {
        char fd[24], td[24], period[128] = "";
        snprintf(fd, sizeof fd, "%.2s/%.2s/%.4s", q->from + 8, q->from + 5, q->from);
        snprintf(td, sizeof td, "%.2s/%.2s/%.4s", q->to + 8, q->to + 5, q->to);
        buf_t pb;
        buf_init(&pb, 0);
        const char *args[2] = {fd, td};
        msg_format(&pb, MSG_DF_BOOK_PERIOD, LANG_VI, args, 2);
        str_copy(period, sizeof period, pb.data ? pb.data : "");
        buf_free(&pb);
        forms_tracking_book_t b = {.agency = {.superior = u->name, .name = msg_text(MSG_DF_DESK, LANG_VI),
                                              .place = u->name},
                                   .issued_at = to_ms - 1, .field = *field ? field : msg_text(MSG_DF_ALL_FIELDS, LANG_VI),
                                   .period = period, .volume = NULL, .rows = rows, .n_rows = got};
        rc = q->csv ? forms_tracking_book_csv(&b, out, err) : forms_tracking_book(&b, out, err);
    }
    for (int i = 0; ds && i < got; i++) dossier_free(&ds[i]);
    free(ds), free(rows), free(addr), free(codes), free(u);
    return rc;
}

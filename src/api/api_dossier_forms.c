/* api_dossier_forms.c — GET /api/v1/dossiers/{code}/forms/{form}.pdf: the Circular 03/2025 forms of one dossier
 * (domain/dossier_forms.h). Whoever may see the dossier may print its forms; anyone else gets 404. A form that does
 * not apply to the dossier's history is 409 naming its state. */
#include "api/api.h"
#include "core/mem.h"
#include "domain/dossier_forms.h"
#include "domain/holiday_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct form_ctx {
    const principal_t *who;
    const char        *code;
    dossier_form_t     form;
    const char        *base;
    long               day_minutes;
    dossier_t          d;
    buf_t              pdf;
    derr_t             err;
};

static int get_fn(db_t *db, void *arg)
{
    struct form_ctx *c = arg;
    dossier_free(&c->d);
    memset(&c->d, 0, sizeof c->d);
    int rc = dossier_get(db, c->code, &c->d);
    if (rc == 0 && !dossier_visible_to(c->who, &c->d)) rc = -ENOENT;
    return rc;
}

static int render_fn(db_t *db, void *arg)
{
    struct form_ctx *c = arg;
    buf_reset(&c->pdf);
    memset(&c->err, 0, sizeof c->err);
    return dossier_form_render(db, &c->d, c->form, c->base, c->day_minutes, &c->pdf, &c->err);
}

/* The code of a dossier: digits, capitals, '.' and '-' (dossier_code_format). */
static bool code_ok(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 8 || n >= DOSSIER_CODE_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((code[i] >= '0' && code[i] <= '9') || (code[i] >= 'A' && code[i] <= 'Z') || code[i] == '.' ||
              code[i] == '-'))
            return false;
    return true;
}

/* "http://HOST" of the request when no --public-url was given; a Host header with anything but a host name or
 * address and port gives no QR rather than a forged address. */
static bool base_from_host(req_t *r, char *out, size_t cap)
{
    const char *h = req_header(r, "Host");
    size_t n = h ? strlen(h) : 0;
    if (n == 0 || n > 255) return false;
    for (size_t i = 0; i < n; i++)
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
              strchr(".-:[]", h[i])))
            return false;
    int k = snprintf(out, cap, "http://%s", h);
    return k > 0 && (size_t)k < cap;
}

int api_dossier_forms_get(req_t *r)
{
    const char *code = req_param(r, 0), *file = req_param(r, 1);
    char name[32];
    size_t fl = file ? strlen(file) : 0;
    dossier_form_t form;
    if (!code_ok(code)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (fl < 5 || fl - 4 >= sizeof name || strcmp(file + fl - 4, ".pdf"))
        return reply_problem(r, 404, "not-found", MSG_DF_UNKNOWN_FORM, "form", file, DOSSIER_FORM_NAMES, NULL);
    memcpy(name, file, fl - 4);
    name[fl - 4] = '\0';
    if (dossier_form_parse(name, &form) < 0)
        return reply_problem(r, 404, "not-found", MSG_DF_UNKNOWN_FORM, "form", name, DOSSIER_FORM_NAMES, NULL);

    struct form_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->code = code;
    c->form = form;
    char base[300];
    c->base = dossier_public_url();
    if (!c->base && base_from_host(r, base, sizeof base)) c->base = base;
    buf_init(&c->pdf, 0);
    int rc = store_read(r->app->store, get_fn, c);
    if (rc == 0) {
        holiday_calendar_t *hc;
        if (dossier_calendar(r->app->store, c->d.unit_id, &hc) == 0) {
            c->day_minutes = calendar_day_length(holiday_calendar_cal(hc));
            holiday_calendar_release(hc);
        }
        rc = store_read(r->app->store, render_fn, c);
        if (rc < 0) api_reply_derr(r, rc, &c->err);
    } else if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else reply_errno(r, rc);
    if (rc == 0) {
        char cd[160];
        snprintf(cd, sizeof cd, "inline; filename=\"%s-%s.pdf\"", name, code);
        reply_header(r, "Content-Disposition", cd);
        reply_header(r, "Cache-Control", "private, no-store");
        r->status = 200;
        r->replied = true;
        buf_free(&r->out);
        r->out = c->pdf;
        buf_init(&c->pdf, 0);
        r->content_type = "application/pdf";
    }
    buf_free(&c->pdf);
    dossier_free(&c->d);
    free(c);
    return 0;
}

/* ---- GET /api/v1/units/{id}/tracking-book.pdf | .csv?field=&from=YYYY-MM-DD&to=YYYY-MM-DD ---- */

struct book_ctx {
    dossier_book_query_t q;
    buf_t                out;
    derr_t               err;
};

static int book_fn(db_t *db, void *arg)
{
    struct book_ctx *c = arg;
    buf_reset(&c->out);
    memset(&c->err, 0, sizeof c->err);
    return dossier_book_render(db, &c->q, &c->out, &c->err);
}

static bool date_shape(const char *s)
{
    if (!s || strlen(s) != 10) return false;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return false;
    return true;
}

static int tracking_book(req_t *r, bool csv)
{
    const char *from = req_query(r, "from"), *to = req_query(r, "to"), *field = req_query(r, "field");
    if (!date_shape(from)) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "from", "from", NULL, NULL);
    if (!date_shape(to)) return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "to", "to", NULL, NULL);
    if (field && strlen(field) > 127)
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "field", "field", NULL, NULL);
    struct book_ctx *c = xcalloc(1, sizeof *c);
    c->q = (dossier_book_query_t){.who = &r->who, .unit_id = req_param(r, 0), .field = field, .from = from, .to = to,
                                  .csv = csv};
    buf_init(&c->out, 0);
    int rc = store_read(r->app->store, book_fn, c);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else {
        char cd[160];
        snprintf(cd, sizeof cd, "%s; filename=\"tracking-book-%s-%s.%s\"", csv ? "attachment" : "inline", from, to,
                 csv ? "csv" : "pdf");
        reply_header(r, "Content-Disposition", cd);
        reply_header(r, "Cache-Control", "private, no-store");
        r->status = 200;
        r->replied = true;
        buf_free(&r->out);
        r->out = c->out;
        buf_init(&c->out, 0);
        r->content_type = csv ? "text/csv; charset=utf-8" : "application/pdf";
    }
    buf_free(&c->out);
    free(c);
    return 0;
}

int api_units_tracking_book_pdf(req_t *r) { return tracking_book(r, false); }
int api_units_tracking_book_csv(req_t *r) { return tracking_book(r, true); }

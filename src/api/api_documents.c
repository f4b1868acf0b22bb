/* api_documents.c — the official document registers: the document types, registering outgoing and incoming
 * documents, the register list (filters, folded search, pages) and one document.
 *
 * The handlers check the JSON shape and the query parameters; the domain (domain/document.h) checks everything
 * else, the caller's rights included, inside one store_write or store_read. A document the caller may not read is
 * 404, whatever the reason. The clock is read once per request, before the write, and handed to the domain. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/document.h"
#include "domain/dossier.h"
#include "domain/exchange_out.h"
#include "sign/keystore.h"   /* outbox: status messages back */
#include "domain/holiday_store.h"
#include "domain/calendar.h"
#include "domain/unit.h"
#include "api/api_export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bad_param(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, name, name, NULL, NULL);
}

/* ---- types ---- */

int api_document_types(req_t *r)
{
    size_t n;
    const document_type_t *t = document_types(&n);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(&w);
        jw_kstr(&w, "code", t[i].code);
        jw_kstr(&w, "abbr", t[i].abbr);
        jw_kstr(&w, "name_vi", t[i].name_vi);
        jw_kstr(&w, "name_en", t[i].name_en);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kint(&w, "total", (long long)n);
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- registration ---- */

struct reg_ctx {
    const principal_t *who;
    bool               outgoing;
    document_in_t      in;
    document_t         out;
    derr_t             err;
};

static int reg_fn(db_t *db, void *arg)
{
    struct reg_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return c->outgoing ? document_register_outgoing(db, c->who, &c->in, &c->out, &c->err)
                       : document_register_incoming(db, c->who, &c->in, &c->out, &c->err);
}

static int doc_register(req_t *r, bool outgoing)
{
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct reg_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->outgoing = outgoing;
    document_in_t *in = &c->in;
    const field_t common[] = {
        {"type", FT_STRING, true, 1, 23, &in->type, NULL},
        {"unit", FT_STRING, false, ID_LEN, ID_LEN, &in->unit_id, NULL},
        {"summary", FT_STRING, true, 1, DOCUMENT_SUMMARY_MAX, &in->summary, NULL},
        {"signer", FT_STRING, false, 0, DOCUMENT_SIGNER_MAX, &in->signer, NULL},
        {"urgency", FT_STRING, false, 1, 16, &in->urgency, NULL},
        {"confidentiality", FT_STRING, false, 1, 16, &in->confidentiality, NULL},
        {"deadline", FT_STRING, false, 10, 10, &in->deadline, NULL},
        /* outgoing */
        {"department", FT_STRING, false, ID_LEN, ID_LEN, &in->department_id, NULL},
        {"recipients", FT_STRING, true, 1, DOCUMENT_RECIPIENTS_MAX, &in->recipients, NULL},
    };
    const field_t incoming[] = {
        common[0], common[1], common[2], common[3], common[4], common[5], common[6],
        {"agency", FT_STRING, true, 1, DOCUMENT_AGENCY_MAX, &in->agency, NULL},
        {"symbol", FT_STRING, true, 1, DOCUMENT_SYMBOL_MAX, &in->symbol, NULL},
        {"dated", FT_STRING, true, 10, 10, &in->dated, NULL},
    };
    int rc = outgoing ? req_fields(r, body, common, sizeof common / sizeof common[0])
                      : req_fields(r, body, incoming, sizeof incoming / sizeof incoming[0]);
    if (rc < 0) goto out;
    in->now_ms = clock_now_ms();
    rc = store_write(r->app->store, reg_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/api/v1/documents/%s", c->out.id);
    reply_header(r, "Location", loc);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    document_json(&w, &c->out, r->lang);
    api_etag(r, c->out.version);
    api_reply_writer(r, 201, &w, &b);
out:
    json_decref(body);
    free(c);
    return 0;
}

int api_documents_outgoing(req_t *r) { return doc_register(r, true); }
int api_documents_incoming(req_t *r) { return doc_register(r, false); }

/* ---- one document ---- */

struct get_ctx {
    const principal_t *who;
    const char        *id;
    lang_t             lang;
    document_t         d;
    buf_t              b;
    jw_t               w;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    buf_reset(&c->b);                         /* the read may be re-run after a reconnect */
    jw_init(&c->w, &c->b);
    int rc = document_get(db, c->id, &c->d);
    if (rc == 0 && !document_readable(c->who, &c->d)) rc = -ENOENT;
    if (rc == 0) rc = document_json_full(db, &c->w, &c->d, c->lang);
    return rc;
}

/* Reply with the document as GET shows it (with its handling lines). */
static int reply_document(req_t *r, int status, const char *id)
{
    struct get_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    c->lang = r->lang;
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, get_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        if (rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        else reply_errno(r, rc);
    } else {
        api_etag(r, c->d.version);
        api_reply_writer(r, status, &c->w, &c->b);
    }
    free(c);
    return 0;
}

int api_documents_get(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    return reply_document(r, 200, id);
}

/* ---- the register list ---- */

struct list_ctx {
    const principal_t *who;
    document_query_t   q;
    const char        *unit_id;
    char               under[AUTH_PATH_MAX];
    int                unit_rc;           /* 0, or the refusal of the unit parameter (-ENOENT / -EACCES) */
    lang_t             lang;
    long long          limit;
    api_page_t         pg;
};

static int list_cb(const document_t *d, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, d->id)) return -1;
    document_json(&c->pg.w, d, c->lang);
    return 0;
}

static bool reads_path(const principal_t *who, const char *path)
{
    return auth_role_covers(who, ROLE_CLERK, path) || auth_role_covers(who, ROLE_LEADER, path) ||
           auth_role_covers(who, ROLE_OFFICIAL, path);
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    buf_free(&c->pg.b);                       /* the read may be re-run after a reconnect */
    api_page_begin(&c->pg, c->limit);
    c->unit_rc = 0;
    if (c->unit_id) {
        unit_t *u = xmalloc(sizeof *u);
        int rc = unit_get(db, c->unit_id, u);
        if (rc == 0 && !auth_sees_path(c->who, u->path)) rc = -ENOENT;
        if (rc == 0 && !reads_path(c->who, u->path)) rc = -EACCES;
        if (rc == 0) str_copy(c->under, sizeof c->under, u->path);
        free(u);
        if (rc == -ENOENT || rc == -EACCES) {
            c->unit_rc = rc;
            return 0;
        }
        if (rc < 0) return rc;
        c->q.under_path = c->under;
    }
    int rc = document_list(db, c->who, &c->q, list_cb, c);
    return rc < 0 ? rc : 0;
}

int api_documents_list(req_t *r)
{
    page_t p;
    if (req_page(r, &p) < 0) return 0;
    const char *dir = req_query(r, "direction"), *unit = req_query(r, "unit"), *year = req_query(r, "year"),
               *type = req_query(r, "type");
    if (dir && strcmp(dir, "in") && strcmp(dir, "out")) return bad_param(r, "direction");
    if (unit && !id_valid(unit)) return bad_param(r, "unit");
    int y = 0;
    if (year) {
        char *end;
        long v = strtol(year, &end, 10);
        if (*end || end == year || strlen(year) != 4 || v < 1900 || v > 2199) return bad_param(r, "year");
        y = (int)v;
    }
    if (type && !document_type_find(type)) return bad_param(r, "type");
    if (p.cursor && !id_valid(p.cursor)) return bad_param(r, "cursor");
    /* the work lists: view=lead | coordinating, due=soon (within days, 1..60, default 3) | overdue */
    const char *view = req_query(r, "view"), *due = req_query(r, "due"), *days = req_query(r, "days");
    int vw = !view || !strcmp(view, "all") ? DOCUMENT_VIEW_ALL
             : !strcmp(view, "lead")        ? DOCUMENT_VIEW_LEAD
             : !strcmp(view, "coordinating") ? DOCUMENT_VIEW_COORDINATING
                                             : -1;
    if (vw < 0) return bad_param(r, "view");
    int du = !due ? DOCUMENT_DUE_ANY : !strcmp(due, "soon") ? DOCUMENT_DUE_SOON
             : !strcmp(due, "overdue")                   ? DOCUMENT_DUE_OVERDUE
                                                         : -1;
    if (du < 0) return bad_param(r, "due");
    long nd = 3;
    if (days) {
        char *end;
        nd = strtol(days, &end, 10);
        if (*end || end == days || strlen(days) > 2 || nd < 1 || nd > 60 || du != DOCUMENT_DUE_SOON)
            return bad_param(r, "days");
    }
    /* No reading role: only the documents the caller leads (document_list's scope). */
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->lang = r->lang;
    c->unit_id = unit;
    c->limit = p.limit;
    c->q = (document_query_t){.direction = dir, .year = y, .type = type, .q = p.q, .after_id = p.cursor,
                              .limit = p.limit + 1, .view = vw, .due = du, .now_ms = clock_now_ms(),
                              .due_days = (int)nd};
    buf_init(&c->pg.b, 0);
    int rc = store_read(r->app->store, list_fn, c);
    if (rc == 0 && c->unit_rc == -ENOENT) {
        buf_free(&c->pg.b);
        reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit, NULL, NULL);
    } else if (rc == 0 && c->unit_rc == -EACCES) {
        buf_free(&c->pg.b);
        reply_problem(r, 403, "forbidden", MSG_DOC_READ_ROLE, "unit", NULL, NULL, NULL);
    } else api_page_reply(r, &c->pg, rc);
    free(c);
    return 0;
}

/* ---- handling ---- */

struct handle_ctx {
    const principal_t   *who;
    const char          *id;
    document_action_in_t in;
    document_t           out;
    derr_t               err;
    char                 unit_id[ID_LEN + 1];
    char                 deadline[16];
    const exchange_peers_t *peers;   /* outbox */
    const char          *key_id, *pin;   /* outbox: sign the status sent back (optional) */
    buf_t                ack;            /* outbox: the signed status, when key_id was given */
    signer_t            *signer;
    int                  key_rc;
};

static int unit_of_fn(db_t *db, void *arg)
{
    struct handle_ctx *c = arg;
    document_t *d = xmalloc(sizeof *d);
    int rc = document_get(db, c->id, d);
    if (rc == 0) str_copy(c->unit_id, sizeof c->unit_id, d->unit_id);
    free(d);
    return rc;
}

/* deadline_days: the date on which that many working days from now run out on the receiving unit's calendar
 * (its province's days off and working time; domain/calendar.h). 0, or -1 after replying. A document that does
 * not exist is left to the domain (404). */
static int working_days_deadline(req_t *r, struct handle_ctx *c, long long days)
{
    int rc = store_read(r->app->store, unit_of_fn, c);
    if (rc == -ENOENT) return 0;
    holiday_calendar_t *hc = NULL;
    if (rc == 0) rc = dossier_calendar(r->app->store, c->unit_id, &hc);
    long due = 0;
    if (rc == 0) {
        const calendar_t *cal = holiday_calendar_cal(hc);
        rc = calendar_due(cal, calendar_minutes_from_utc_ms(c->in.now_ms), DUE_DAYS,
                          (long)days * calendar_day_length(cal), &due);
        holiday_calendar_release(hc);
    }
    if (rc < 0) return reply_errno(r, rc), -1;
    int y, m, d;
    calendar_ymd_from_day(due / 1440, &y, &m, &d);
    snprintf(c->deadline, sizeof c->deadline, "%04d-%02d-%02d", y % 10000, m % 100, d % 100);
    c->in.deadline = c->deadline;
    return 0;
}

static const char *ack_code(const char *action)
{
    return !strcmp(action, "assign") ? "04" : !strcmp(action, "progress") ? "05" : "06";
}

static int handle_fn(db_t *db, void *arg)
{
    struct handle_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    int rc = document_handle(db, c->who, c->id, &c->in, &c->out, &c->err);
    /* outbox: a document that came through the exchange tells its sender, in the same transaction (edXML status
     * 04 assigned, 05 in progress, 06 done; domain/exchange_out.h) */
    if (rc == 0 && c->peers) {
        const char *code = ack_code(c->in.action);
        int q = exchange_ack_queue(db, c->peers, c->out.id, code, c->in.note, c->who->username, c->in.now_ms,
                                   &c->ack);
        if (q < 0) rc = q;
    }
    return rc;
}

/* outbox: the status message this handling sends back, built and the key unlocked in one read transaction */
static int ack_build_fn(db_t *db, void *arg)
{
    struct handle_ctx *c = arg;
    buf_reset(&c->ack);
    int rc = exchange_ack_build(db, c->peers, c->id, ack_code(c->in.action), c->in.note, c->who->username,
                                c->in.now_ms, &c->ack);
    if (rc != 0) {
        buf_reset(&c->ack);
        return rc < 0 ? rc : 0;
    }
    c->key_rc = keystore_unlock(db, c->who, c->key_id, c->pin, c->in.now_ms / 1000, &c->signer);
    return 0;
}

int api_documents_handling(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct handle_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->id = id;
    c->peers = r->app->exchange_peers;   /* outbox */
    json_t *co = NULL;
    long long days = 0;
    const field_t fields[] = {
        {"action", FT_STRING, true, 1, 16, &c->in.action, NULL},
        {"version", FT_INT, true, 1, 1LL << 40, &c->in.version, NULL},
        {"lead_unit", FT_STRING, false, ID_LEN, ID_LEN, &c->in.lead_unit_id, NULL},
        {"lead_account", FT_STRING, false, ID_LEN, ID_LEN, &c->in.lead_account_id, NULL},
        {"coordinators", FT_ARRAY, false, 0, DOCUMENT_COORDINATORS_MAX, &co, NULL},
        {"deadline", FT_STRING, false, 10, 10, &c->in.deadline, NULL},
        {"deadline_days", FT_INT, false, 1, 90, &days, NULL},
        {"note", FT_STRING, false, 0, DOCUMENT_SUMMARY_MAX, &c->in.note, NULL},
        {"key_id", FT_STRING, false, ID_LEN, ID_LEN, &c->key_id, NULL},
        {"pin", FT_STRING, false, 1, KEYSTORE_PIN_MAX, &c->pin, NULL},
    };
    buf_init(&c->ack, 0);
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    if (!c->key_id != !c->pin) {
        reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, c->key_id ? "pin" : "key_id",
                      c->key_id ? "pin" : "key_id", NULL, NULL);
        goto out;
    }
    size_t i;
    json_t *v;
    json_array_foreach(co, i, v) {
        if (!json_is_string(v)) {
            reply_problem(r, 400, "invalid-field", MSG_WRONG_TYPE, "coordinators", "coordinators", "string[]", NULL);
            goto out;
        }
        c->in.coordinators[c->in.ncoordinators++] = json_string_value(v);
    }
    c->in.now_ms = clock_now_ms();
    if (days && c->in.deadline) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "deadline_days", "deadline_days",
                      "deadline | deadline_days", NULL);
        goto out;
    }
    if (days && working_days_deadline(r, c, days) < 0) goto out;
    /* outbox: with key_id and pin the status sent back to the sender is signed (docs/edxml.md) */
    if (c->key_id && c->peers) {
        int br = store_read(r->app->store, ack_build_fn, c);
        if (br < 0) {
            reply_errno(r, br);
            goto out;
        }
        if (c->ack.len) {
            char cn[256];
            int sr = api_exchange_sign(r, &c->signer, c->key_rc, c->key_id, &c->ack, cn, sizeof cn);
            if (sr < 0) goto out;
        }
    }
    int rc = store_write(r->app->store, handle_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    reply_document(r, 200, c->out.id);
out:
    if (c->pin) explicit_bzero((char *)c->pin, strlen(c->pin));
    signer_close(c->signer);
    buf_free(&c->ack);
    json_decref(body);
    free(c);
    return 0;
}

/* ---- the register as a file ----
 * One unit's register of one year in register order (numbers ascending), with the columns of the register forms
 * of Decree 30/2020 (docs/documents.md) that the rows hold. */

struct book_ctx {
    const principal_t *who;
    const char        *unit_id;
    document_query_t   q;
    char               under[AUTH_PATH_MAX];
    char               unit_name[808];
    int                unit_rc;
    lang_t             lang;
    export_table_t    *t;
    bool               outgoing;
};

static const char *urgency_text(const char *u, lang_t lang)
{
    static const char *const codes[] = {"normal", "urgent", "very_urgent", "flash"};
    static const char *const vi[] = {"Thường", "Khẩn", "Thượng khẩn", "Hỏa tốc"};
    static const char *const en[] = {"Normal", "Urgent", "Very urgent", "Flash"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(u, codes[i])) return lang == LANG_EN ? en[i] : vi[i];
    return u;
}

static int book_cb(const document_t *d, void *arg)
{
    struct book_ctx *c = arg;
    const document_type_t *ty = document_type_find(d->type);
    char what[4200];
    snprintf(what, sizeof what, "%s: %s", ty ? (c->lang == LANG_EN ? ty->name_en : ty->name_vi) : d->type,
             d->summary);
    if (c->outgoing) {
        export_text(c->t, d->symbol);
        export_text(c->t, d->dated);
        export_text(c->t, what);
        export_text(c->t, d->signer);
        export_text(c->t, d->recipients);
        export_text(c->t, urgency_text(d->urgency, c->lang));
        export_text(c->t, d->deadline);
    } else {
        export_text(c->t, d->arrival_date);
        export_int(c->t, d->number);
        export_text(c->t, d->agency);
        export_text(c->t, d->symbol);
        export_text(c->t, d->dated);
        export_text(c->t, what);
        export_text(c->t, urgency_text(d->urgency, c->lang));
        export_text(c->t, d->lead_unit_id[0] ? d->lead_unit_id : d->lead_account_id);
        export_text(c->t, d->deadline);
        export_text(c->t, d->status);
    }
    export_end_row(c->t);
    return 0;
}

static int book_fn(db_t *db, void *arg)
{
    struct book_ctx *c = arg;
    c->unit_rc = 0;
    unit_t *u = xmalloc(sizeof *u);
    int rc = unit_get(db, c->unit_id, u);
    if (rc == 0 && !auth_sees_path(c->who, u->path)) rc = -ENOENT;
    if (rc == 0 && !reads_path(c->who, u->path)) rc = -EACCES;
    if (rc == 0) {
        str_copy(c->under, sizeof c->under, u->path);
        str_copy(c->unit_name, sizeof c->unit_name, u->name);
    }
    free(u);
    if (rc == -ENOENT || rc == -EACCES) {
        c->unit_rc = rc;
        return 0;
    }
    if (rc < 0) return rc;
    c->q.under_path = c->under;
    char title[1024], sub[64];
    bool en = c->lang == LANG_EN;
    snprintf(title, sizeof title, "%s — %s", c->outgoing ? (en ? "Outgoing document register" : "Sổ đăng ký văn bản đi")
                                                         : (en ? "Incoming document register" : "Sổ đăng ký văn bản đến"),
             c->unit_name);
    snprintf(sub, sizeof sub, "%s %d", en ? "Year" : "Năm", c->q.year);
    export_free(c->t);                    /* the read may be re-run after a reconnect */
    c->t = export_new(title, sub);
    static const char *const out_vi[] = {"Số, ký hiệu văn bản", "Ngày tháng văn bản", "Tên loại và trích yếu nội dung",
                                         "Người ký", "Nơi nhận", "Độ khẩn", "Hạn xử lý"};
    static const char *const out_en[] = {"Number and symbol", "Date", "Type and summary", "Signer", "Recipients",
                                         "Urgency", "Deadline"};
    static const char *const in_vi[] = {"Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng",
                                        "Tên loại và trích yếu nội dung", "Độ khẩn", "Đơn vị hoặc người nhận",
                                        "Hạn giải quyết", "Trạng thái"};
    static const char *const in_en[] = {"Arrival date", "Arrival number", "Issuing agency", "Number and symbol", "Date",
                                        "Type and summary", "Urgency", "Assigned to", "Deadline", "Status"};
    int ncols = c->outgoing ? 7 : 10;
    for (int i = 0; i < ncols; i++)
        export_column(c->t, c->outgoing ? (en ? out_en[i] : out_vi[i]) : (en ? in_en[i] : in_vi[i]),
                      !c->outgoing && i == 1);
    rc = document_list(db, c->who, &c->q, book_cb, c);
    return rc < 0 ? rc : 0;
}

static int register_file(req_t *r, export_format_t f);

int api_documents_register_csv(req_t *r) { return register_file(r, EXPORT_CSV); }

int api_documents_register(req_t *r)
{
    export_format_t f;
    if (api_export_format(r, EXPORT_CSV, &f) < 0) return 0;
    return register_file(r, f);
}

static int register_file(req_t *r, export_format_t f)
{
    const char *dir = req_query(r, "direction"), *unit = req_query(r, "unit"), *year = req_query(r, "year");
    if (!dir || (strcmp(dir, "in") && strcmp(dir, "out"))) return bad_param(r, "direction");
    if (unit && !id_valid(unit)) return bad_param(r, "unit");
    long long now = clock_now_ms();
    int y = 0, m, d;
    calendar_ymd_from_day(calendar_minutes_from_utc_ms(now) / 1440, &y, &m, &d);   /* this year, Vietnam time */
    if (year) {
        char *end;
        long v = strtol(year, &end, 10);
        if (*end || strlen(year) != 4 || v < 1900 || v > 2199) return bad_param(r, "year");
        y = (int)v;
    }
    if (!document_reader(&r->who))
        return reply_problem(r, 403, "forbidden", MSG_DOC_READ_ROLE, NULL, NULL, NULL, NULL);
    if (!unit) {
        for (int i = 0; !unit && i < r->who.ngrants; i++)
            if (r->who.grants[i].role == ROLE_CLERK || r->who.grants[i].role == ROLE_LEADER ||
                r->who.grants[i].role == ROLE_OFFICIAL)
                unit = r->who.grants[i].unit_id;
    }
    struct book_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->unit_id = unit;
    c->lang = r->lang;
    c->outgoing = !strcmp(dir, "out");
    c->q = (document_query_t){.direction = dir, .year = y, .limit = EXPORT_ROWS_MAX, .oldest_first = true};
    int rc = store_read(r->app->store, book_fn, c);
    if (rc == 0 && c->unit_rc == -ENOENT) reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit, NULL, NULL);
    else if (rc == 0 && c->unit_rc == -EACCES)
        reply_problem(r, 403, "forbidden", MSG_DOC_READ_ROLE, "unit", NULL, NULL, NULL);
    else if (rc < 0) reply_errno(r, rc);
    else {
        char name[64];
        snprintf(name, sizeof name, "%s-%d", c->outgoing ? "so-van-ban-di" : "so-van-ban-den", y);
        api_send_export(r, c->t, f, name);
    }
    export_free(c->t);
    free(c);
    return 0;
}

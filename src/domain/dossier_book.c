/* dossier_book.c — see dossier_book.h. Two queries in the caller's read snapshot: the dossiers of the period
 * (bounded: DOSSIER_BOOK_LINES_MAX + 1 rows tell "too many" without reading the rest), then the control-sheet lines
 * of the same dossiers in the same order, merged into the first list in one pass. Names of givers, receivers and
 * units come from joins, so the cost does not grow with one query per dossier. */
#include "domain/dossier_book.h"

#include "core/clock.h"
#include "core/mem.h"
#include "core/msg.h"
#include "domain/calendar.h"
#include "domain/dossier.h"
#include "domain/dossier_forms.h"
#include "domain/forms.h"
#include "domain/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BOOK_ROLES ((1u << ROLE_LEADER) | (1u << ROLE_OFFICIAL) | (1u << ROLE_ADMIN))

typedef struct line {
    char     *id, *code, *procedure, *applicant, *address_phone, *lead, *timing, *delivered_to, *reason;
    long long received_at, due_at, resolved_at, delivered_at;
    int       status, extended;
    const char *method;        /* a catalog text, not owned */
    buf_t     handovers;
    int       nhand, more;
} line_t;

static char *dup_col(db_stmt_t *s, int c)
{
    const char *v = db_col_text(s, c);
    return v && *v ? xstrdup(v) : NULL;
}

static void lines_free(line_t *l, int n)
{
    for (int i = 0; i < n; i++) {
        free(l[i].id), free(l[i].code), free(l[i].procedure), free(l[i].applicant), free(l[i].address_phone);
        free(l[i].lead), free(l[i].timing), free(l[i].delivered_to), free(l[i].reason);
        buf_free(&l[i].handovers);
    }
    free(l);
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

/* "YYYY-MM-DD" exactly → day number; 0 or -EINVAL. */
static int parse_day(const char *s, long *day)
{
    if (!s || strlen(s) != 10) return -EINVAL;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return -EINVAL;
    int y = digits(s, 4), m = digits(s + 5, 2), d = digits(s + 8, 2);
    return calendar_day_from_ymd(y, m, d, day) < 0 ? -EINVAL : 0;
}

static long long day_start_ms(long day)
{
    int y, m, d;
    long minutes = 0;
    calendar_ymd_from_day(day, &y, &m, &d);
    calendar_instant_from_parts(y, m, d, 0, 0, &minutes);
    return calendar_utc_ms_from_minutes(minutes);
}

static void day_text(long day, bool iso, char *out, size_t cap)
{
    int y = 0, m = 0, d = 0;
    calendar_ymd_from_day(day, &y, &m, &d);
    if (iso) snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
    else snprintf(out, cap, "%02d/%02d/%04d", d, m, y);
}

/* Scope: 403 without any reading role, 404 for a unit outside the reading grants. */
static int resolve_unit(db_t *db, const dossier_book_req_t *q, unit_t *u, derr_t *err)
{
    const principal_t *who = q->who;
    const char *id = q->unit_id && *q->unit_id ? q->unit_id : NULL;
    int first = -1;
    if (strcmp(who->kind, "staff") == 0)
        for (int i = 0; i < who->ngrants && first < 0; i++)
            if (BOOK_ROLES & (1u << who->grants[i].role)) first = i;
    if (first < 0) return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (!id) id = who->grants[first].unit_id;
    int rc = id_valid(id) ? unit_get(db, id, u) : -ENOENT;
    if (rc < 0 && rc != -ENOENT) return rc;
    bool ok = false;
    for (int i = 0; rc == 0 && i < who->ngrants && !ok; i++)
        ok = (BOOK_ROLES & (1u << who->grants[i].role)) &&
             !strncmp(who->grants[i].unit_path, u->path, strlen(who->grants[i].unit_path));
    if (!ok) {
        char shown[ID_LEN + 8];
        snprintf(shown, sizeof shown, "%.*s", ID_LEN, id_valid(id) ? id : "?");
        return derr_set(err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "unit", shown, NULL, NULL);
    }
    return 0;
}

static const char *timing_text(const line_t *l, long long now_ms, lang_t lang)
{
    if (l->resolved_at && l->timing) {
        if (!strcmp(l->timing, "early")) return msg_text(MSG_BOOK_EARLY, lang);
        if (!strcmp(l->timing, "on_time")) return msg_text(MSG_BOOK_ON_TIME, lang);
        if (!strcmp(l->timing, "late")) return msg_text(MSG_BOOK_LATE, lang);
    }
    if (l->resolved_at || l->status == DS_REFUSED || l->status == DS_WITHDRAWN || l->status == DS_STOPPED) return NULL;
    if (l->due_at && now_ms > l->due_at) return msg_text(MSG_BOOK_OVERDUE, lang);
    return msg_text(MSG_BOOK_PENDING, lang);
}

/* The dossiers of the period; -E2BIG (err 422) past the bound. */
static int load_lines(db_t *db, const char *like, long long from_ms, long long to_ms, line_t **out, int *n,
                      derr_t *err)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT d.id, d.code, d.procedure_name, d.applicant_name, d.address, d.phone, u.name, "
                      "d.received_at, d.due_at, d.resolved_at, d.timing, d.delivered_at, d.delivered_to, d.status, "
                      "d.extended, d.reason FROM dossiers d LEFT JOIN units u ON u.id = d.unit_id "
                      "WHERE d.origin_path LIKE $1 AND d.received_at >= $2 AND d.received_at < $3 "
                      "ORDER BY d.received_at, d.code LIMIT $4",
                      "tiii", like, from_ms, to_ms, (long long)DOSSIER_BOOK_LINES_MAX + 1);
    int cap = 0;
    line_t *l = NULL;
    *n = 0;
    while (rc == DB_ROW) {
        if (*n == DOSSIER_BOOK_LINES_MAX) {
            char lim[16];
            snprintf(lim, sizeof lim, "%d", DOSSIER_BOOK_LINES_MAX);
            rc = derr_set(err, -E2BIG, 422, MSG_BOOK_TOO_MANY, "to", lim, NULL, NULL);
            break;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 256;
            l = xrealloc(l, (size_t)cap * sizeof *l);
        }
        line_t *x = &l[(*n)++];
        memset(x, 0, sizeof *x);
        x->id = dup_col(s, 0), x->code = dup_col(s, 1), x->procedure = dup_col(s, 2), x->applicant = dup_col(s, 3);
        const char *addr = db_col_text(s, 4), *phone = db_col_text(s, 5);
        size_t an = (addr ? strlen(addr) : 0) + (phone ? strlen(phone) : 0) + 4;
        x->address_phone = xmalloc(an);
        snprintf(x->address_phone, an, "%s%s%s", addr ? addr : "", addr && *addr && phone && *phone ? "; " : "",
                 phone ? phone : "");
        x->lead = dup_col(s, 6);
        x->received_at = db_col_int(s, 7);
        x->due_at = db_col_is_null(s, 8) ? 0 : db_col_int(s, 8);
        x->resolved_at = db_col_is_null(s, 9) ? 0 : db_col_int(s, 9);
        x->timing = dup_col(s, 10);
        x->delivered_at = db_col_is_null(s, 11) ? 0 : db_col_int(s, 11);
        x->delivered_to = dup_col(s, 12);
        x->status = (int)db_col_int(s, 13);
        x->extended = (int)db_col_int(s, 14);
        x->reason = dup_col(s, 15);
        buf_init(&x->handovers, 64u << 10);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    *out = l;
    return rc < 0 ? rc : 0;
}

/* The control-sheet actions that pass the dossier from one step, person or unit to the next (form 06's lines
 * "giao ... nhận"): intake, results and delivery have columns of their own. */
static bool is_handover(const char *action)
{
    static const char *const acts[] = {"forward", "assign", "return", "approve", "hand_back"};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
        if (!strcmp(action, acts[i])) return true;
    return false;
}

/* One hand-over line: "02/12/2026 10:05: Giver → Receiver (Đúng hạn)". */
static void add_handover(line_t *x, db_stmt_t *s, lang_t lang)
{
    /* a hand-over to a step rather than a person names the unit whose queue it went to */
    const char *giver = db_col_text(s, 5), *receiver = db_col_text(s, 6);
    const char *from_unit = db_col_text(s, 7), *to_unit = db_col_text(s, 8), *timing = db_col_text(s, 4);
    if (!receiver || !*receiver) receiver = to_unit;
    if (!giver || !*giver) giver = from_unit;
    if (!receiver || !*receiver) receiver = "…";
    if (x->nhand == DOSSIER_BOOK_HANDOVERS_MAX) {
        x->more++;
        return;
    }
    char at[32];
    forms_format_book_time(db_col_int(s, 3), at, sizeof at);
    const char *t = !timing ? NULL : !strcmp(timing, "early") ? msg_text(MSG_BOOK_EARLY, lang)
                  : !strcmp(timing, "on_time") ? msg_text(MSG_BOOK_ON_TIME, lang)
                  : !strcmp(timing, "late") ? msg_text(MSG_BOOK_LATE, lang) : NULL;
    buf_printf(&x->handovers, "%s%s: %s → %s%s%s%s", x->nhand ? "\n" : "", at, giver ? giver : "…", receiver,
               t ? " (" : "", t ? t : "", t ? ")" : "");
    x->nhand++;
}

/* The control-sheet lines of the same dossiers, in the same order: hand-overs and the deliver line's method. */
static int load_steps(db_t *db, const char *like, long long from_ms, long long to_ms, lang_t lang, line_t *l, int n)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT s.dossier_id, s.action, s.note, s.at, s.timing, "
                      "COALESCE(NULLIF(fa.full_name, ''), fa.username), COALESCE(NULLIF(ta.full_name, ''), ta.username), "
                      "fu.name, tu.name FROM dossier_steps s "
                      "JOIN dossiers d ON d.id = s.dossier_id "
                      "LEFT JOIN accounts fa ON fa.id = s.from_account LEFT JOIN accounts ta ON ta.id = s.to_account "
                      "LEFT JOIN units fu ON fu.id = s.from_unit LEFT JOIN units tu ON tu.id = s.to_unit "
                      "WHERE d.origin_path LIKE $1 AND d.received_at >= $2 AND d.received_at < $3 "
                      "ORDER BY d.received_at, d.code, s.n",
                      "tii", like, from_ms, to_ms);
    int j = 0;
    while (rc == DB_ROW) {
        const char *id = db_col_text(s, 0);
        while (j < n && (!id || strcmp(l[j].id, id))) j++;
        if (j == n) break;                         /* a dossier past the list (cannot happen in one snapshot) */
        const char *action = db_col_text(s, 1);
        if (action && !strcmp(action, "deliver")) l[j].method = dossier_delivery_method(db_col_text(s, 2), lang);
        else if (action && is_handover(action)) add_handover(&l[j], s, lang);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void note_text(const line_t *x, lang_t lang, buf_t *b)
{
    buf_reset(b);
    if (x->status == DS_NEW || x->status == DS_REFUSED || x->status == DS_SUPPLEMENT || x->status == DS_PAYMENT ||
        x->status == DS_WITHDRAWN || x->status == DS_STOPPED)
        buf_puts(b, dossier_status_name(x->status, lang));
    if (x->reason && (x->status == DS_REFUSED || x->status == DS_WITHDRAWN || x->status == DS_STOPPED))
        buf_printf(b, "%s%s", b->len ? ": " : "", x->reason);
    if (x->extended) buf_printf(b, "%s%s", b->len ? "; " : "", msg_text(MSG_BOOK_EXTENDED, lang));
}

static export_table_t *fill(const dossier_book_req_t *q, const dossier_book_t *bk, line_t *l, int n)
{
    lang_t lang = q->lang;
    long from, to;
    char fd[16], td[16];
    parse_day(bk->from, &from), parse_day(bk->to, &to);
    day_text(from, false, fd, sizeof fd), day_text(to, false, td, sizeof td);
    buf_t sub;
    buf_init(&sub, 0);
    const char *args[3] = {bk->unit_name, fd, td};
    msg_format(&sub, MSG_BOOK_SUBTITLE, lang, args, 3);
    export_table_t *t = export_new(msg_text(MSG_BOOK_TITLE, lang), sub.data);
    buf_free(&sub);
    static const struct { msg_id_t h; bool num; } cols[] = {
        {MSG_BOOK_COL_NO, true},        {MSG_BOOK_COL_CODE, false},      {MSG_BOOK_COL_PROCEDURE, false},
        {MSG_BOOK_COL_APPLICANT, false}, {MSG_BOOK_COL_ADDRESS, false},  {MSG_BOOK_COL_UNIT, false},
        {MSG_BOOK_COL_RECEIVED, false}, {MSG_BOOK_COL_DUE, false},       {MSG_BOOK_COL_HANDOVERS, false},
        {MSG_BOOK_COL_RESOLVED, false}, {MSG_BOOK_COL_TIMING, false},    {MSG_BOOK_COL_DELIVERED, false},
        {MSG_BOOK_COL_METHOD, false},   {MSG_BOOK_COL_SIGNED, false},    {MSG_BOOK_COL_NOTE, false}};
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) export_column(t, msg_text(cols[c].h, lang), cols[c].num);
    buf_t note;
    buf_init(&note, 0);
    for (int i = 0; i < n; i++) {
        line_t *x = &l[i];
        char rec[32], due[32], res[32], del[32];
        forms_format_book_time(x->received_at, rec, sizeof rec);
        forms_format_book_time(x->due_at, due, sizeof due);
        forms_format_book_time(x->resolved_at, res, sizeof res);
        forms_format_book_time(x->delivered_at, del, sizeof del);
        if (x->more) {
            char k[16];
            snprintf(k, sizeof k, "%d", x->more);
            const char *a[1] = {k};
            buf_putc(&x->handovers, '\n');
            msg_format(&x->handovers, MSG_BOOK_MORE_STEPS, lang, a, 1);
        }
        note_text(x, lang, &note);
        export_int(t, i + 1);
        export_text(t, x->code);
        export_text(t, x->procedure);
        export_text(t, x->applicant);
        export_text(t, x->address_phone);
        export_text(t, x->lead);
        export_text(t, rec);
        export_text(t, due);
        export_text(t, x->handovers.data);
        export_text(t, res);
        export_text(t, timing_text(x, q->now_ms, lang));
        export_text(t, del);
        export_text(t, x->method);
        export_text(t, x->delivered_to);
        export_text(t, note.data);
        export_end_row(t);
    }
    buf_free(&note);
    return t;
}

int dossier_book_build(db_t *db, const dossier_book_req_t *q, dossier_book_t *out, derr_t *err)
{
    memset(out, 0, sizeof *out);
    unit_t *u = xmalloc(sizeof *u);
    int rc = resolve_unit(db, q, u, err);
    if (rc < 0) goto done;
    /* The period: the 1st of this month .. today (Vietnam dates) unless given. */
    time_t now = (time_t)((q->now_ms + VN_OFFSET_MS) / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    long today = 0, month1 = 0, from, to;
    calendar_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, &today);
    calendar_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, 1, &month1);
    if (q->from ? parse_day(q->from, &from) < 0 : (from = month1, 0)) {
        rc = derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "from", "from", NULL, NULL);
        goto done;
    }
    if (q->to ? parse_day(q->to, &to) < 0 : (to = today, 0)) {
        rc = derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "to", "to", NULL, NULL);
        goto done;
    }
    day_text(from, true, out->from, sizeof out->from);
    day_text(to, true, out->to, sizeof out->to);
    if (to < from || to - from + 1 > DOSSIER_BOOK_SPAN_DAYS) {
        char span[16];
        snprintf(span, sizeof span, "%d", DOSSIER_BOOK_SPAN_DAYS);
        rc = derr_set(err, -EINVAL, 400, MSG_BOOK_RANGE, "to", out->from, out->to, span);
        goto done;
    }
    str_copy(out->unit_name, sizeof out->unit_name, u->name);
    char like[AUTH_PATH_MAX + 2];
    snprintf(like, sizeof like, "%s%%", u->path);
    long long from_ms = day_start_ms(from), to_ms = day_start_ms(to + 1);
    line_t *l = NULL;
    int n = 0;
    rc = load_lines(db, like, from_ms, to_ms, &l, &n, err);
    if (rc == 0 && n) rc = load_steps(db, like, from_ms, to_ms, q->lang, l, n);
    if (rc == 0) {
        out->table = fill(q, out, l, n);
        out->rows = n;
    }
    lines_free(l, n);
done:
    free(u);
    return rc;
}

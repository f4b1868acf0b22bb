/* task.c — tasks ("giao việc"): creation, the lifecycle actions, evidence, events and lists (see task.h and
 * docs/tasks.md). */
#include "domain/task.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/account.h"
#include "domain/document.h"
#include "domain/event.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const source_kinds[] = {"document", "meeting", "target", "recommendation", "other", NULL};
static const char *const states[] = {"assigned", "clarification", "in_progress", "done", "closed", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; s && list[i]; i++)
        if (!strcmp(s, list[i])) return true;
    return false;
}

bool task_state_valid(const char *s) { return in_list(s, states); }

/* ---- rows ---- */

#define COLS "id, title, content, source_kind, source_ref, assigner_id, scope_unit_id, scope_path, lead_account_id, " \
             "lead_unit_id, lead_unit_path, deadline, expected_result, criteria, state, percent, result, "          \
             "pending_deadline, created_at, updated_at, version"

static void row_to_task(db_stmt_t *s, task_t *t)
{
    memset(t, 0, sizeof *t);
    db_col_copy(s, 0, t->id, sizeof t->id);
    db_col_copy(s, 1, t->title, sizeof t->title);
    db_col_copy(s, 2, t->content, sizeof t->content);
    db_col_copy(s, 3, t->source_kind, sizeof t->source_kind);
    db_col_copy(s, 4, t->source_ref, sizeof t->source_ref);
    db_col_copy(s, 5, t->assigner_id, sizeof t->assigner_id);
    db_col_copy(s, 6, t->scope_unit_id, sizeof t->scope_unit_id);
    db_col_copy(s, 7, t->scope_path, sizeof t->scope_path);
    db_col_copy(s, 8, t->lead_account_id, sizeof t->lead_account_id);
    db_col_copy(s, 9, t->lead_unit_id, sizeof t->lead_unit_id);
    db_col_copy(s, 10, t->lead_unit_path, sizeof t->lead_unit_path);
    db_col_copy(s, 11, t->deadline, sizeof t->deadline);
    db_col_copy(s, 12, t->expected_result, sizeof t->expected_result);
    db_col_copy(s, 13, t->criteria, sizeof t->criteria);
    db_col_copy(s, 14, t->state, sizeof t->state);
    t->percent = (int)db_col_int(s, 15);
    db_col_copy(s, 16, t->result, sizeof t->result);
    db_col_copy(s, 17, t->pending_deadline, sizeof t->pending_deadline);
    t->created_at = db_col_int(s, 18);
    t->updated_at = db_col_int(s, 19);
    t->version = db_col_int(s, 20);
}

int task_get(db_t *db, const char *id, task_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " COLS " FROM tasks WHERE id = $1", "t", id);
    if (rc == DB_ROW) row_to_task(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

int task_lead_unit(db_t *db, const char *account_id, const char *task_id, char unit_id[ID_LEN + 1])
{
    db_stmt_t *s;
    int rc = account_id ? db_query(db, &s, "SELECT unit_id FROM accounts WHERE id = $1 AND unit_id IS NOT NULL", "t",
                                   account_id)
                        : db_query(db, &s, "SELECT lead_unit_id FROM tasks WHERE id = $1", "t", task_id);
    if (rc == DB_ROW) db_col_copy(s, 0, unit_id, ID_LEN + 1);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

/* ---- scope ---- */

static bool assigns_over(role_t r) { return r == ROLE_LEADER || r == ROLE_OFFICIAL; }

/* The caller's grant (official or leader) whose unit contains path, or NULL. */
static const grant_t *assigning_grant(const principal_t *who, const char *path)
{
    for (int i = 0; i < who->ngrants; i++)
        if (assigns_over(who->grants[i].role) && auth_path_prefix(who->grants[i].unit_path, path))
            return &who->grants[i];
    return NULL;
}

static bool is_lead(const principal_t *who, const task_t *t) { return !strcmp(who->account_id, t->lead_account_id); }
static bool is_assigner(const principal_t *who, const task_t *t) { return !strcmp(who->account_id, t->assigner_id); }

static bool is_coordinator(db_t *db, const principal_t *who, const task_t *t)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT 1 FROM task_coordinators WHERE task_id = $1 AND (ref_id = $2 OR ref_id = $3)",
                      "ttt", t->id, who->account_id, who->unit_id[0] ? who->unit_id : who->account_id);
    if (s) db_reset(s);
    return rc == DB_ROW;
}

/* The leaders and officials covering the task's scope unit (the assigner's leaders among them). */
static bool oversees(const principal_t *who, const task_t *t) { return assigning_grant(who, t->scope_path) != NULL; }

bool task_readable(db_t *db, const principal_t *who, const task_t *t)
{
    return is_assigner(who, t) || is_lead(who, t) || oversees(who, t) || is_coordinator(db, who, t);
}

/* ---- dates ---- */

static int parse_date(const char *s, long *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -EINVAL;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return calendar_day_from_ymd(y, m, d, day) < 0 ? -EINVAL : 0;
}

static void format_day(long day, char out[11])
{
    int y = 0, m = 0, d = 0;
    calendar_ymd_from_day(day, &y, &m, &d);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    str_copy(out, 11, tmp);
}

static long today_of(long long now_ms) { return calendar_minutes_from_utc_ms(now_ms) / 1440; }

/* A deadline: a date, not before today, a working day of the lead's unit (the message names the next one). */
static int check_deadline(const char *field, const char *v, const calendar_t *cal, long long now_ms, derr_t *err)
{
    long day, today = today_of(now_ms);
    char t[11], next[11];
    if (!v || !*v) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
    if (parse_date(v, &day) < 0) return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, field, field, "YYYY-MM-DD", NULL);
    format_day(today, t);
    if (day < today) return derr_set(err, -EINVAL, 422, MSG_TASK_DEADLINE_PAST, field, v, t, NULL);
    int working = 1;
    if (cal && calendar_is_working_day(cal, day, &working) < 0) working = 1;
    if (!working) {
        long d = day + 1;
        for (int w = 0; d < day + 120; d++)
            if (calendar_is_working_day(cal, d, &w) == 0 && w) break;
        format_day(d, next);
        return derr_set(err, -EINVAL, 422, MSG_TASK_DEADLINE_OFF, field, v, next, NULL);
    }
    return 0;
}

static int text_field(const char *v, const char *field, bool required, size_t max, derr_t *err)
{
    if (!v || !*v) return required ? derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL) : 0;
    size_t n = strlen(v);
    char maxs[16];
    snprintf(maxs, sizeof maxs, "%zu", max);
    if (!utf8_valid(v, n) || utf8_length(v, n) > max)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, field, field, required ? "1" : "0", maxs);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, field, field, "control character", NULL);
    return 0;
}

/* ---- events ---- */

static char *search_text(const json_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    static const char *const keys[] = {"title", "content", "expected_result", "source_ref"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = event_str(p, keys[i]);
        char *f = v ? utf8_fold(v, strlen(v)) : NULL;
        if (f) {
            if (b.len) buf_putc(&b, ' ');
            buf_puts(&b, f);
        }
        free(f);
    }
    if (!b.len) buf_puts(&b, "");
    return buf_steal(&b);
}

static int bump(db_t *db, const char *id, const char *set, long long at)
{
    char sql[512];
    snprintf(sql, sizeof sql, "UPDATE tasks SET %s%supdated_at = $2, version = version + 1 WHERE id = $1", set,
             *set ? ", " : "");
    long long n = db_run(db, sql, "ti", id, at);
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

/* One line of task_log from an action's payload (id, n, note, percent, deadline, approve). */
static int log_line(db_t *db, const event_meta_t *ev, const json_t *p, const char *action)
{
    const char *id = event_str(p, "id");
    if (!id) return -EINVAL;
    const json_t *ap = json_object_get(p, "approve");
    long long n = db_run(db,
                         "INSERT INTO task_log (task_id, n, action, actor, percent, note, deadline, approve, at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         "titt" "itt" "ii", id, event_int(p, "n"), action, ev->actor,
                         json_is_integer(json_object_get(p, "percent")) ? event_int(p, "percent") : -1LL,
                         event_str(p, "note"), event_str(p, "deadline"),
                         json_is_boolean(ap) ? (long long)json_is_true(ap) : -1LL, ev->at);
    return n < 0 ? (int)n : 0;
}

static int apply_assigned(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    if (!id) return -EINVAL;
    char *search = search_text(p);
    long long n = db_run(db,
                         "INSERT INTO tasks (id, title, content, source_kind, source_ref, assigner_id, scope_unit_id, "
                         "scope_path, lead_account_id, lead_unit_id, lead_unit_path, deadline, expected_result, criteria, "
                         "state, percent, result, pending_deadline, search, created_at, updated_at, version) VALUES "
                         "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'assigned', 0, NULL, NULL, $15, "
                         "$16, $16, 1)",
                         "tttttttttttttt" "ti", id, event_str(p, "title"), event_str(p, "content"),
                         event_str(p, "source_kind"), event_str(p, "source_ref"), ev->actor, event_str(p, "scope_unit_id"),
                         event_str(p, "scope_path"), event_str(p, "lead_account_id"), event_str(p, "lead_unit_id"),
                         event_str(p, "lead_unit_path"), event_str(p, "deadline"), event_str(p, "expected_result"),
                         event_str(p, "criteria"), search, ev->at);
    free(search);
    if (n < 0) return (int)n;
    const json_t *co = json_object_get(p, "coordinators");
    size_t i;
    json_t *c;
    json_array_foreach(co, i, c) {
        n = db_run(db, "INSERT INTO task_coordinators (task_id, n, kind, ref_id) VALUES ($1, $2, $3, $4)", "titt", id,
                   (long long)i + 1, event_str(c, "kind"), event_str(c, "id"));
        if (n < 0) return (int)n;
    }
    return log_line(db, ev, p, "assigned");
}

static int apply_accepted(db_t *db, const event_meta_t *ev, const json_t *p)
{
    int rc = log_line(db, ev, p, "accepted");
    return rc < 0 ? rc : bump(db, event_str(p, "id"), "state = 'in_progress'", ev->at);
}

static int apply_asked(db_t *db, const event_meta_t *ev, const json_t *p)
{
    int rc = log_line(db, ev, p, "clarification_asked");
    return rc < 0 ? rc : bump(db, event_str(p, "id"), "state = 'clarification'", ev->at);
}

static int apply_answered(db_t *db, const event_meta_t *ev, const json_t *p)
{
    int rc = log_line(db, ev, p, "clarification_answered");
    return rc < 0 ? rc : bump(db, event_str(p, "id"), "state = 'assigned'", ev->at);
}

static int apply_progress(db_t *db, const event_meta_t *ev, const json_t *p)
{
    int rc = log_line(db, ev, p, "progress");
    if (rc < 0) return rc;
    long long n = db_run(db, "UPDATE tasks SET percent = $2 WHERE id = $1", "ti", event_str(p, "id"),
                         event_int(p, "percent"));
    return n < 0 ? (int)n : bump(db, event_str(p, "id"), "", ev->at);
}

static int apply_evidence(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    if (!id) return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO task_files (task_id, n, sha256, name, media_type, size, added_by, at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                         "titttiti", id, event_int(p, "file_n"), event_str(p, "sha256"), event_str(p, "name"),
                         event_str(p, "media_type"), event_int(p, "size"), ev->actor, ev->at);
    if (n < 0) return (int)n;
    int rc = log_line(db, ev, p, "evidence");
    return rc < 0 ? rc : bump(db, id, "", ev->at);
}

static int apply_ext_requested(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    int rc = log_line(db, ev, p, "extension_requested");
    if (rc < 0) return rc;
    long long n = db_run(db,
                         "INSERT INTO task_extensions (task_id, n, requested_deadline, reason, requested_by, "
                         "requested_at, state) VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
                         "tittti", id, event_int(p, "n"), event_str(p, "deadline"), event_str(p, "note"), ev->actor, ev->at);
    if (n < 0) return (int)n;
    n = db_run(db, "UPDATE tasks SET pending_deadline = $2 WHERE id = $1", "tt", id, event_str(p, "deadline"));
    return n < 0 ? (int)n : bump(db, id, "", ev->at);
}

static int apply_ext_decided(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    bool yes = json_is_true(json_object_get(p, "approve"));
    int rc = log_line(db, ev, p, "extension_decided");
    if (rc < 0) return rc;
    long long n = db_run(db,
                         "UPDATE task_extensions SET state = $2, decided_by = $3, decided_at = $4, note = $5 "
                         "WHERE task_id = $1 AND state = 'pending'",
                         "tttit", id, yes ? "approved" : "refused", ev->actor, ev->at, event_str(p, "note"));
    if (n < 0) return (int)n;
    if (yes) n = db_run(db, "UPDATE tasks SET deadline = $2 WHERE id = $1", "tt", id, event_str(p, "deadline"));
    if (n < 0) return (int)n;
    return bump(db, id, "pending_deadline = NULL", ev->at);
}

static int apply_done(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id");
    int rc = log_line(db, ev, p, "done");
    if (rc < 0) return rc;
    long long n = db_run(db, "UPDATE tasks SET result = $2 WHERE id = $1", "tt", id, event_str(p, "note"));
    return n < 0 ? (int)n : bump(db, id, "state = 'done', percent = 100", ev->at);
}

static int apply_judged(db_t *db, const event_meta_t *ev, const json_t *p)
{
    bool yes = json_is_true(json_object_get(p, "approve"));
    int rc = log_line(db, ev, p, yes ? "accepted_result" : "returned");
    return rc < 0 ? rc : bump(db, event_str(p, "id"), yes ? "state = 'closed'" : "state = 'in_progress'", ev->at);
}

static const event_kind_t kinds[] = {
    {TASK_EVENT_ASSIGNED, apply_assigned},
    {TASK_EVENT_ACCEPTED, apply_accepted},
    {TASK_EVENT_ASKED, apply_asked},
    {TASK_EVENT_ANSWERED, apply_answered},
    {TASK_EVENT_PROGRESS, apply_progress},
    {TASK_EVENT_EVIDENCE, apply_evidence},
    {TASK_EVENT_EXT_REQUESTED, apply_ext_requested},
    {TASK_EVENT_EXT_DECIDED, apply_ext_decided},
    {TASK_EVENT_DONE, apply_done},
    {TASK_EVENT_JUDGED, apply_judged},
    {NULL, NULL},
};
static const event_table_t tables[] = {
    {"task_log", "task_id, n"},
    {"task_files", "task_id, n"},
    {"task_extensions", "task_id, n"},
    {"task_coordinators", "task_id, n"},
    {"tasks", "id"},
    {NULL, NULL},
};
const event_module_t task_events = {"task", kinds, tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- creation ---- */

struct created {
    const task_t *t;
    const task_in_t *in;
    const char *kinds[TASK_COORDINATORS_MAX];
};

static void kv(jw_t *w, const char *k, const char *v) { jw_kstr(w, k, v && *v ? v : NULL); }

static void created_payload(jw_t *w, const void *arg)
{
    const struct created *c = arg;
    const task_t *t = c->t;
    jw_obj_begin(w);
    kv(w, "id", t->id);
    jw_kint(w, "n", 1);
    kv(w, "title", t->title);
    kv(w, "content", t->content);
    kv(w, "source_kind", t->source_kind);
    kv(w, "source_ref", t->source_ref);
    kv(w, "scope_unit_id", t->scope_unit_id);
    kv(w, "scope_path", t->scope_path);
    kv(w, "lead_account_id", t->lead_account_id);
    kv(w, "lead_unit_id", t->lead_unit_id);
    kv(w, "lead_unit_path", t->lead_unit_path);
    kv(w, "deadline", t->deadline);
    kv(w, "expected_result", t->expected_result);
    kv(w, "criteria", t->criteria);
    jw_key(w, "coordinators");
    jw_arr_begin(w);
    for (int i = 0; i < c->in->ncoordinators; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "kind", c->kinds[i]);
        jw_kstr(w, "id", c->in->coordinators[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

int task_create(db_t *db, const principal_t *who, const task_in_t *in, task_t *out, derr_t *err)
{
    int rc;
    bool any = false;
    for (int i = 0; i < who->ngrants; i++) any = any || assigns_over(who->grants[i].role);
    if (!any) return derr_set(err, -EACCES, 403, MSG_TASK_ROLE, NULL, NULL, NULL, NULL);
    if ((rc = text_field(in->title, "title", true, TASK_TITLE_MAX, err)) < 0) return rc;
    if ((rc = text_field(in->content, "content", true, TASK_TEXT_MAX, err)) < 0) return rc;
    if ((rc = text_field(in->expected_result, "expected_result", true, TASK_TEXT_MAX, err)) < 0) return rc;
    if ((rc = text_field(in->criteria, "criteria", true, TASK_TEXT_MAX, err)) < 0) return rc;
    if (!in->source_kind || !*in->source_kind)
        return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "source_kind", "source_kind", NULL, NULL);
    if (!in_list(in->source_kind, source_kinds))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "source_kind", "source_kind",
                        "document | meeting | target | recommendation | other", NULL);
    bool from_doc = !strcmp(in->source_kind, "document");
    if ((rc = text_field(in->source_ref, "source_ref", from_doc, TASK_TITLE_MAX, err)) < 0) return rc;
    if (!in->lead_account_id || !*in->lead_account_id)
        return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "lead", "lead", NULL, NULL);
    task_t *t = xcalloc(1, sizeof *t);
    account_t *a = xmalloc(sizeof *a);
    unit_t *u = xmalloc(sizeof *u);
    struct created c = {t, in, {0}};
    if (from_doc) {
        document_t *d = xmalloc(sizeof *d);
        bool ok = id_valid(in->source_ref) && document_get(db, in->source_ref, d) == 0 && document_readable(who, d);
        free(d);
        if (!ok) {
            rc = derr_set(err, -EINVAL, 422, MSG_TASK_SOURCE, "source_ref", in->source_ref, NULL, NULL);
            goto out;
        }
    }
    /* the lead: a staff member (not the caller) whose home unit is inside a unit the caller assigns over */
    const grant_t *g = NULL;
    rc = id_valid(in->lead_account_id) ? account_get(db, in->lead_account_id, a) : -ENOENT;
    if (rc < 0 && rc != -ENOENT) goto out;
    if (rc == 0 && !strcmp(a->kind, "staff") && !a->disabled && a->unit_id[0] &&
        strcmp(a->id, who->account_id) != 0)
        g = assigning_grant(who, a->unit_path);
    if (!g) {
        rc = derr_set(err, -EINVAL, 422, MSG_TASK_LEAD, "lead", "lead", NULL, NULL);
        goto out;
    }
    id_new(t->id);
    str_copy(t->title, sizeof t->title, in->title);
    str_copy(t->content, sizeof t->content, in->content);
    str_copy(t->source_kind, sizeof t->source_kind, in->source_kind);
    str_copy(t->source_ref, sizeof t->source_ref, in->source_ref ? in->source_ref : "");
    str_copy(t->assigner_id, sizeof t->assigner_id, who->account_id);
    str_copy(t->scope_unit_id, sizeof t->scope_unit_id, g->unit_id);
    str_copy(t->scope_path, sizeof t->scope_path, g->unit_path);
    str_copy(t->lead_account_id, sizeof t->lead_account_id, a->id);
    str_copy(t->lead_unit_id, sizeof t->lead_unit_id, a->unit_id);
    str_copy(t->lead_unit_path, sizeof t->lead_unit_path, a->unit_path);
    str_copy(t->expected_result, sizeof t->expected_result, in->expected_result);
    str_copy(t->criteria, sizeof t->criteria, in->criteria);
    for (int i = 0; i < in->ncoordinators; i++) {
        const char *id = in->coordinators[i];
        bool ok = id_valid(id) && strcmp(id, a->id) != 0 && strcmp(id, who->account_id) != 0;
        for (int j = 0; ok && j < i; j++) ok = strcmp(id, in->coordinators[j]) != 0;
        if (ok && account_get(db, id, a) == 0) {
            ok = !strcmp(a->kind, "staff") && !a->disabled && auth_path_prefix(t->scope_path, a->unit_path);
            c.kinds[i] = "account";
        } else if (ok && unit_get(db, id, u) == 0) {
            ok = auth_path_prefix(t->scope_path, u->path);
            c.kinds[i] = "unit";
        } else ok = false;
        if (!ok) {
            rc = derr_set(err, -EINVAL, 422, MSG_TASK_COORDINATOR, "coordinators", "coordinators", NULL, NULL);
            goto out;
        }
    }
    if ((rc = check_deadline("deadline", in->deadline, in->cal, in->now_ms, err)) < 0) goto out;
    str_copy(t->deadline, sizeof t->deadline, in->deadline);
    rc = event_record(db, t->scope_unit_id, who->account_id, TASK_EVENT_ASSIGNED, "task", t->id, created_payload, &c,
                      NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    if (rc == 0) rc = task_get(db, t->id, out);
out:
    free(t);
    free(a);
    free(u);
    return rc;
}

/* ---- actions ---- */

struct acted {
    const char *id;
    long long   n, percent, file_n;
    const char *note, *deadline;
    int         approve;   /* -1 none */
    const task_evidence_in_t *ev;
};

static void acted_payload(jw_t *w, const void *arg)
{
    const struct acted *a = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->id);
    jw_kint(w, "n", a->n);
    if (a->percent >= 0) jw_kint(w, "percent", a->percent);
    kv(w, "note", a->note);
    kv(w, "deadline", a->deadline);
    if (a->approve >= 0) jw_kbool(w, "approve", a->approve == 1);
    if (a->ev) {
        jw_kint(w, "file_n", a->file_n);
        jw_kstr(w, "sha256", a->ev->sha256);
        jw_kstr(w, "name", a->ev->name);
        jw_kstr(w, "media_type", a->ev->media_type);
        jw_kint(w, "size", a->ev->size);
    }
    jw_obj_end(w);
}

static long long next_n(db_t *db, const char *table, const char *id)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(n), 0) FROM %s WHERE task_id = $1", table);
    db_stmt_t *s;
    int rc = db_query(db, &s, sql, "t", id);
    long long n = rc == DB_ROW ? db_col_int(s, 0) + 1 : rc < 0 ? rc : 1;
    if (s) db_reset(s);
    return n;
}

static const char *const action_names[] = {"accept", "ask", "answer", "progress", "extend", "decide", "done",
                                           "judge", NULL};
/* the state each action needs, and who may take it: L lead, A assigner, P lead or co-ordinator */
static const char *const action_state[] = {"assigned", "assigned", "clarification", "in_progress", "in_progress",
                                           "in_progress", "in_progress", "done"};
static const char action_who[] = "LLAPLALA";
static const char *const action_types[] = {TASK_EVENT_ACCEPTED, TASK_EVENT_ASKED, TASK_EVENT_ANSWERED,
                                           TASK_EVENT_PROGRESS, TASK_EVENT_EXT_REQUESTED, TASK_EVENT_EXT_DECIDED,
                                           TASK_EVENT_DONE, TASK_EVENT_JUDGED};

/* Whether who may take action k on t (its state aside). */
static bool may(db_t *db, const principal_t *who, const task_t *t, int k)
{
    char c = action_who[k];
    return c == 'L' ? is_lead(who, t) : c == 'A' ? is_assigner(who, t)
                                                 : is_lead(who, t) || is_coordinator(db, who, t);
}

static int stale(const task_t *t, derr_t *err)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", t->version);
    return derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, "version", v, NULL, NULL);
}

int task_act(db_t *db, const principal_t *who, const char *id, const task_action_in_t *in, task_t *out, derr_t *err)
{
    task_t *t = xmalloc(sizeof *t);
    int rc = id_valid(id) ? task_get(db, id, t) : -ENOENT;
    if (rc == 0 && !task_readable(db, who, t)) rc = -ENOENT;
    if (rc == -ENOENT) derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) goto out;
    int k = 0;
    while (action_names[k] && !(in->action && !strcmp(in->action, action_names[k]))) k++;
    if (!action_names[k]) {
        rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "action", "action",
                      "accept | ask | answer | progress | extend | decide | done | judge", NULL);
        goto out;
    }
    if (!may(db, who, t, k)) {
        char c = action_who[k];
        rc = derr_set(err, -EACCES, 403, MSG_TASK_ACTOR, NULL,
                      c == 'L'   ? "người chủ trì / the lead"
                      : c == 'A' ? "người giao việc / the assigner"
                                 : "người chủ trì hoặc phối hợp / the lead or a co-ordinator",
                      NULL, NULL);
        goto out;
    }
    if (in->version != t->version) {
        rc = stale(t, err);
        goto out;
    }
    bool decide = !strcmp(in->action, "decide");
    bool ok = !strcmp(t->state, action_state[k]) && (!decide || t->pending_deadline[0]) &&
              (strcmp(in->action, "extend") || !t->pending_deadline[0]);
    if (!ok) {
        /* in progress, the extension part failed: one pending (extend) or none (decide) */
        bool ext = !strcmp(t->state, action_state[k]);
        rc = derr_set(err, -EBUSY, 409, !ext ? MSG_TASK_STATE : decide ? MSG_TASK_EXT_NONE : MSG_TASK_EXT_PENDING,
                      "action", t->state, in->action, NULL);
        goto out;
    }
    struct acted a = {t->id, 0, -1, 0, in->note, NULL, -1, NULL};
    bool note_required = !strcmp(in->action, "ask") || !strcmp(in->action, "answer") ||
                         !strcmp(in->action, "progress") || !strcmp(in->action, "extend") ||
                         !strcmp(in->action, "done");
    if ((decide || !strcmp(in->action, "judge"))) {
        if (in->approve < 0) {
            rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "approve", "approve", NULL, NULL);
            goto out;
        }
        a.approve = in->approve;
        note_required = in->approve == 0;   /* a refusal or a return gives its reason */
    }
    if ((rc = text_field(in->note, "note", note_required, TASK_TEXT_MAX, err)) < 0) goto out;
    if (!strcmp(in->action, "progress")) {
        if (in->percent < t->percent || in->percent > 100) {
            char lo[16];
            snprintf(lo, sizeof lo, "%d", t->percent);
            rc = derr_set(err, -EINVAL, 422, MSG_TASK_PERCENT, "percent", lo, NULL, NULL);
            goto out;
        }
        a.percent = in->percent;
    }
    if (!strcmp(in->action, "extend")) {
        if ((rc = check_deadline("deadline", in->deadline, in->cal, in->now_ms, err)) < 0) goto out;
        if (strcmp(in->deadline, t->deadline) <= 0) {
            rc = derr_set(err, -EINVAL, 422, MSG_TASK_EXT_DATE, "deadline", t->deadline, NULL, NULL);
            goto out;
        }
        a.deadline = in->deadline;
    }
    if (decide && in->approve == 1) a.deadline = t->pending_deadline;
    if ((a.n = next_n(db, "task_log", t->id)) < 0) {
        rc = (int)a.n;
        goto out;
    }
    rc = event_record(db, t->scope_unit_id, who->account_id, action_types[k], "task", t->id, acted_payload, &a, NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    if (rc == 0) rc = task_get(db, t->id, out);
out:
    free(t);
    return rc;
}

/* ---- evidence ---- */

static int evidence_check(db_t *db, const principal_t *who, const char *id, task_t *t, derr_t *err)
{
    int rc = id_valid(id) ? task_get(db, id, t) : -ENOENT;
    if (rc == 0 && !task_readable(db, who, t)) rc = -ENOENT;
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (!is_lead(who, t) && !is_coordinator(db, who, t))
        return derr_set(err, -EACCES, 403, MSG_TASK_ACTOR, NULL, "người chủ trì hoặc phối hợp / the lead or a co-ordinator",
                        NULL, NULL);
    if (strcmp(t->state, "in_progress"))
        return derr_set(err, -EBUSY, 409, MSG_TASK_STATE, "state", t->state, "evidence", NULL);
    return 0;
}

int task_evidence_allowed(db_t *db, const principal_t *who, const char *id, derr_t *err)
{
    task_t *t = xmalloc(sizeof *t);
    int rc = evidence_check(db, who, id, t, err);
    free(t);
    return rc;
}

int task_evidence_add(db_t *db, const principal_t *who, const task_evidence_in_t *in, task_t *out, derr_t *err)
{
    task_t *t = xmalloc(sizeof *t);
    int rc = evidence_check(db, who, in->task_id, t, err);
    if (rc == 0 && in->version && in->version != t->version) rc = stale(t, err);
    struct acted a = {t->id, 0, -1, 0, in->name, NULL, -1, in};
    if (rc == 0 && (a.n = next_n(db, "task_log", t->id)) < 0) rc = (int)a.n;
    if (rc == 0 && (a.file_n = next_n(db, "task_files", t->id)) < 0) rc = (int)a.file_n;
    if (rc == 0)
        rc = event_record(db, t->scope_unit_id, who->account_id, TASK_EVENT_EVIDENCE, "task", t->id, acted_payload, &a,
                          NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    if (rc == 0) rc = task_get(db, t->id, out);
    free(t);
    return rc;
}

int task_evidence_get(db_t *db, const principal_t *who, const char *id, long long n, char sha[65], char *name,
                      size_t cap, char media[64], long long *size)
{
    task_t *t = xmalloc(sizeof *t);
    int rc = task_get(db, id, t);
    if (rc == 0 && !task_readable(db, who, t)) rc = -ENOENT;
    free(t);
    if (rc < 0) return rc;
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT sha256, name, media_type, size FROM task_files WHERE task_id = $1 AND n = $2", "ti",
                  id, n);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, sha, 65);
        db_col_copy(s, 1, name, cap);
        db_col_copy(s, 2, media, 64);
        *size = db_col_int(s, 3);
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

/* ---- JSON ---- */

bool task_overdue(const task_t *t, long long now_ms)
{
    long day;
    if (!strcmp(t->state, "done") || !strcmp(t->state, "closed") || parse_date(t->deadline, &day) < 0) return false;
    return day < today_of(now_ms);
}

static void members(jw_t *w, const task_t *t, long long now_ms)
{
    jw_kstr(w, "id", t->id);
    jw_kstr(w, "title", t->title);
    jw_kstr(w, "content", t->content);
    jw_key(w, "source");
    jw_obj_begin(w);
    jw_kstr(w, "kind", t->source_kind);
    kv(w, "ref", t->source_ref);
    jw_obj_end(w);
    jw_kstr(w, "assigner_id", t->assigner_id);
    jw_kstr(w, "scope_unit_id", t->scope_unit_id);
    jw_kstr(w, "lead_account_id", t->lead_account_id);
    jw_kstr(w, "lead_unit_id", t->lead_unit_id);
    jw_kstr(w, "deadline", t->deadline);
    jw_kstr(w, "expected_result", t->expected_result);
    jw_kstr(w, "criteria", t->criteria);
    jw_kstr(w, "state", t->state);
    jw_kint(w, "percent", t->percent);
    kv(w, "result", t->result);
    kv(w, "pending_deadline", t->pending_deadline);
    bool od = task_overdue(t, now_ms);
    jw_kbool(w, "overdue", od);
    jw_kbool(w, "escalated", od);
    jw_kint(w, "created_at", t->created_at);
    jw_kint(w, "updated_at", t->updated_at);
    jw_kint(w, "version", t->version);
}

void task_json(jw_t *w, const task_t *t, long long now_ms)
{
    jw_obj_begin(w);
    members(w, t, now_ms);
    jw_obj_end(w);
}

static void names_of(db_t *db, jw_t *w, const char *account_id)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT full_name FROM accounts WHERE id = $1", "t", account_id);
    jw_kstr(w, "name", rc == DB_ROW ? db_col_text(s, 0) : NULL);
    if (s) db_reset(s);
}

int task_json_full(db_t *db, jw_t *w, const principal_t *who, const task_t *t, long long now_ms)
{
    jw_obj_begin(w);
    members(w, t, now_ms);
    jw_key(w, "lead");
    jw_obj_begin(w);
    jw_kstr(w, "id", t->lead_account_id);
    names_of(db, w, t->lead_account_id);
    jw_obj_end(w);
    jw_key(w, "assigner");
    jw_obj_begin(w);
    jw_kstr(w, "id", t->assigner_id);
    names_of(db, w, t->assigner_id);
    jw_obj_end(w);
    db_stmt_t *s;
    jw_key(w, "coordinators");
    jw_arr_begin(w);
    int rc = db_query(db, &s,
                      "SELECT c.kind, c.ref_id, COALESCE(a.full_name, u.name) FROM task_coordinators c LEFT JOIN "
                      "accounts a ON a.id = c.ref_id LEFT JOIN units u ON u.id = c.ref_id WHERE c.task_id = $1 "
                      "ORDER BY c.n",
                      "t", t->id);
    for (; rc == DB_ROW; rc = db_step(s)) {
        jw_obj_begin(w);
        jw_kstr(w, "kind", db_col_text(s, 0));
        jw_kstr(w, "id", db_col_text(s, 1));
        jw_kstr(w, "name", db_col_text(s, 2));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_key(w, "log");
    jw_arr_begin(w);
    rc = db_query(db, &s,
                  "SELECT n, action, actor, percent, note, deadline, approve, at FROM task_log WHERE task_id = $1 "
                  "ORDER BY n",
                  "t", t->id);
    for (; rc == DB_ROW; rc = db_step(s)) {
        jw_obj_begin(w);
        jw_kint(w, "n", db_col_int(s, 0));
        jw_kstr(w, "action", db_col_text(s, 1));
        jw_kstr(w, "actor", db_col_text(s, 2));
        if (db_col_int(s, 3) >= 0) jw_kint(w, "percent", db_col_int(s, 3));
        jw_kstr(w, "note", db_col_text(s, 4));
        jw_kstr(w, "deadline", db_col_text(s, 5));
        if (db_col_int(s, 6) >= 0) jw_kbool(w, "approve", db_col_int(s, 6) == 1);
        jw_kint(w, "at", db_col_int(s, 7));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_key(w, "files");
    jw_arr_begin(w);
    rc = db_query(db, &s, "SELECT n, name, media_type, size, added_by, at FROM task_files WHERE task_id = $1 ORDER BY n",
                  "t", t->id);
    for (; rc == DB_ROW; rc = db_step(s)) {
        jw_obj_begin(w);
        jw_kint(w, "n", db_col_int(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_kstr(w, "media_type", db_col_text(s, 2));
        jw_kint(w, "size", db_col_int(s, 3));
        jw_kstr(w, "added_by", db_col_text(s, 4));
        jw_kint(w, "at", db_col_int(s, 5));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_key(w, "actions");
    jw_arr_begin(w);
    for (int k = 0; action_names[k]; k++) {
        bool ext = !strcmp(action_names[k], "extend"), dec = !strcmp(action_names[k], "decide");
        if (strcmp(t->state, action_state[k]) || (ext && t->pending_deadline[0]) || (dec && !t->pending_deadline[0]))
            continue;
        if (may(db, who, t, k)) jw_str(w, action_names[k]);
    }
    if (!strcmp(t->state, "in_progress") && (is_lead(who, t) || is_coordinator(db, who, t))) jw_str(w, "evidence");
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* ---- list ---- */

int task_list(db_t *db, const principal_t *who, const task_query_t *q, task_cb cb, void *arg)
{
    bool sqlite = !strcmp(db_engine(db), "sqlite");
    buf_t sql;
    buf_init(&sql, 0);
    const char *args[AUTH_MAX_GRANTS + 16];
    char likes[AUTH_MAX_GRANTS][AUTH_PATH_MAX + 2];
    int na = 0, nl = 0;
    /* readable: assigner, lead, co-ordinator (person or home unit), leaders and officials covering the scope */
    args[na++] = who->account_id;
    args[na++] = who->unit_id[0] ? who->unit_id : who->account_id;
    buf_puts(&sql, "SELECT " COLS " FROM tasks WHERE (assigner_id = $1 OR lead_account_id = $1 OR id IN (SELECT "
                   "task_id FROM task_coordinators WHERE ref_id = $1 OR ref_id = $2)");
    buf_t over;
    buf_init(&over, 0);
    for (int i = 0; i < who->ngrants; i++) {
        if (!assigns_over(who->grants[i].role)) continue;
        /* the task's scope unit inside the grant's unit: scope_path starts with the grant's path */
        snprintf(likes[nl], sizeof likes[nl], "%s%%", who->grants[i].unit_path);
        args[na++] = likes[nl++];
        buf_printf(&over, "%sscope_path LIKE $%d", over.len ? " OR " : "", na);
    }
    if (over.len) buf_printf(&sql, " OR %s", over.data);
    buf_puts(&sql, ")");
    switch (q->view) {
    case TASK_VIEW_ASSIGNED: buf_puts(&sql, " AND assigner_id = $1"); break;
    case TASK_VIEW_LEAD: buf_puts(&sql, " AND lead_account_id = $1"); break;
    case TASK_VIEW_COORDINATING:
        buf_puts(&sql, " AND id IN (SELECT task_id FROM task_coordinators WHERE ref_id = $1 OR ref_id = $2)");
        break;
    case TASK_VIEW_UNIT: buf_puts(&sql, who->unit_id[0] ? " AND lead_unit_id = $2" : " AND 1 = 0"); break;
    case TASK_VIEW_ESCALATED:
        /* overdue tasks of the scopes the caller oversees, assigned by someone else */
        buf_printf(&sql, " AND assigner_id <> $1 AND (%s)", over.len ? over.data : "1 = 0");
        break;
    default: break;
    }
    buf_free(&over);
    char today[11], until[11];
    long day = today_of(q->now_ms);
    format_day(day, today);
    format_day(day + (q->due_days > 0 ? q->due_days : 0), until);
    bool overdue = q->due == TASK_DUE_OVERDUE || q->view == TASK_VIEW_ESCALATED;
    if (q->due == TASK_DUE_SOON) {
        args[na++] = today;
        args[na++] = until;
        buf_printf(&sql, " AND state NOT IN ('done', 'closed') AND deadline >= $%d AND deadline <= $%d", na - 1, na);
    }
    if (overdue) {
        args[na++] = today;
        buf_printf(&sql, " AND state NOT IN ('done', 'closed') AND deadline < $%d", na);
    }
    if (q->state) {
        args[na++] = q->state;
        buf_printf(&sql, " AND state = $%d", na);
    }
    char *needle = NULL;
    if (q->q && *q->q) {
        needle = utf8_fold(q->q, strlen(q->q));
        if (needle && *needle) {
            args[na++] = needle;
            buf_printf(&sql, " AND %s(search, $%d) > 0", sqlite ? "instr" : "strpos", na);
        }
    }
    if (q->after_id && *q->after_id) {
        args[na++] = q->after_id;
        buf_printf(&sql, " AND id < $%d", na);
    }
    buf_printf(&sql, " ORDER BY id DESC LIMIT %lld", q->limit);
    int rc = 0, n = 0;
    db_stmt_t *s = db_prepare(db, sql.data);
    if (!s) rc = -EIO;
    for (int i = 0; rc == 0 && i < na; i++) rc = db_bind_text(s, i + 1, args[i], DB_NTS);
    task_t *t = xmalloc(sizeof *t);
    while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
        rc = 0;
        row_to_task(s, t);
        n++;
        if (cb(t, arg) < 0) break;
    }
    if (rc > 0) rc = 0;
    if (s) db_reset(s);
    free(t);
    free(needle);
    buf_free(&sql);
    return rc < 0 ? rc : n;
}

/* ---- who may be given a task ---- */

int task_assignees(db_t *db, const principal_t *who, const char *q, long long limit, task_assignee_cb cb, void *arg)
{
    bool sqlite = !strcmp(db_engine(db), "sqlite");
    char likes[AUTH_MAX_GRANTS][AUTH_PATH_MAX + 2];
    const char *args[AUTH_MAX_GRANTS + 2];
    int na = 0, rc = 0;
    buf_t scope;
    buf_init(&scope, 0);
    for (int i = 0; i < who->ngrants; i++) {
        if (!assigns_over(who->grants[i].role)) continue;
        snprintf(likes[na], sizeof likes[na], "%s%%", who->grants[i].unit_path);
        args[na] = likes[na];
        na++;
        buf_printf(&scope, "%su.path LIKE $%d", scope.len ? " OR " : "", na);
    }
    if (!na) {
        buf_free(&scope);
        return 0;
    }
    char *needle = q && *q ? utf8_fold(q, strlen(q)) : NULL;
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        buf_t sql;
        buf_init(&sql, 0);
        int nb = na;
        if (pass == 0)
            buf_printf(&sql, "SELECT 'account', a.id, a.full_name, a.unit_id FROM accounts a JOIN units u ON u.id = "
                             "a.unit_id WHERE a.kind = 'staff' AND a.disabled = 0 AND (%s)", scope.data);
        else
            buf_printf(&sql, "SELECT 'unit', u.id, u.name, u.parent_id FROM units u WHERE u.active = 1 AND (%s)",
                       scope.data);
        if (needle && *needle) {
            args[nb++] = needle;
            buf_printf(&sql, " AND %s(%s.name_fold, $%d) > 0", sqlite ? "instr" : "strpos", pass ? "u" : "a", nb);
        }
        buf_printf(&sql, " ORDER BY 3, 2 LIMIT %lld", limit);
        db_stmt_t *s = db_prepare(db, sql.data);
        if (!s) rc = -EIO;
        for (int i = 0; rc == 0 && i < nb; i++) rc = db_bind_text(s, i + 1, args[i], DB_NTS);
        while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
            rc = 0;
            if (cb(db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2), db_col_text(s, 3), arg) < 0) break;
        }
        if (rc > 0) rc = 0;
        if (s) db_reset(s);
        buf_free(&sql);
    }
    free(needle);
    buf_free(&scope);
    return rc;
}

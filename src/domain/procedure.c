/* procedure.c — the procedure catalog (see procedure.h; rules and data sources in docs/procedures.md).
 *
 * The projection is one table, procedures(scope, code, ...): the record itself is kept as the canonical JSON
 * object written by write_record() (no version or instants inside), beside the columns searched on. Both
 * event types carry everything their apply function writes: the new version and the instant are computed before
 * the event is recorded. */
#include "domain/procedure.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/ledger.h"
#include "domain/setup.h"
#include "domain/unit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names of the enumerations ---- */

static const char *const rule_names[] = {"days", "hours", "same_day"};
static const char *const online_names[] = {"none", "partial", "full"};
static const char *const supplement_names[] = {"resume", "restart"};
static const char *const form_names[] = {"original", "copy", "either"};

static int name_index(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (!strcmp(names[i], s)) return (int)i;
    return -1;
}
#define NAME_INDEX(names, s) name_index(names, sizeof names / sizeof names[0], s)

/* ---- the JSON form ---- */

static void write_record(jw_t *w, const procedure_t *p, bool meta)
{
    jw_obj_begin(w);
    if (meta) jw_kstr(w, "scope", p->scope);
    jw_kstr(w, "code", p->code);
    jw_kstr(w, "name", p->name);
    jw_kstr(w, "field", p->field);
    jw_kstr(w, "level", p->level);
    jw_key(w, "time");
    jw_obj_begin(w);
    jw_kstr(w, "rule", rule_names[p->time_rule]);
    jw_key(w, "amount");
    jw_double(w, p->time_amount);
    jw_kstr(w, "text", p->time_text);
    jw_obj_end(w);
    jw_key(w, "fee");
    jw_obj_begin(w);
    jw_key(w, "amount");
    if (p->fee_amount < 0) jw_null(w);
    else jw_int(w, p->fee_amount);
    jw_kstr(w, "text", p->fee_text);
    jw_obj_end(w);
    jw_kstr(w, "online_level", online_names[p->online]);
    jw_kstr(w, "supplement", supplement_names[p->supplement]);
    jw_kbool(w, "seal", p->seal);
    jw_kstr(w, "source", p->source);
    if (meta) jw_kbool(w, "active", p->active);
    jw_key(w, "papers");
    jw_arr_begin(w);
    for (int i = 0; i < p->n_papers; i++) {
        const procedure_paper_t *pp = &p->papers[i];
        jw_obj_begin(w);
        jw_kstr(w, "id", pp->id);
        jw_kstr(w, "name", pp->name);
        jw_kbool(w, "mandatory", pp->mandatory);
        jw_kstr(w, "form", pp->form);
        jw_kint(w, "copies", pp->copies);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "steps");
    jw_arr_begin(w);
    for (int i = 0; i < p->n_steps; i++) {
        const procedure_step_t *s = &p->steps[i];
        jw_obj_begin(w);
        jw_kstr(w, "name", s->name);
        jw_kstr(w, "role", s->role);
        jw_kstr(w, "department", s->department);
        jw_key(w, "budget_days");
        jw_double(w, s->budget_days);
        jw_kbool(w, "inter_agency", s->inter_agency);
        jw_kstr(w, "other_level", s->other_level);
        jw_kbool(w, "counted", s->counted);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (meta) {
        jw_kint(w, "version", p->version);
        jw_kint(w, "created_at", p->created_at);
        jw_kint(w, "updated_at", p->updated_at);
    }
    jw_obj_end(w);
}

void procedure_json(jw_t *w, const procedure_t *p) { write_record(w, p, true); }

/* ---- parsing (shape and bounds; the rules are procedure_validate's) ---- */

static int shape_err(derr_t *e, msg_id_t m, const char *field, const char *a1, const char *a2)
{
    return derr_set(e, -EINVAL, 400, m, field, field, a1, a2);
}

/* Every key of o is one of allowed[]. */
static int only_keys(const json_t *o, const char *const *allowed, const char *prefix, derr_t *e)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        bool ok = false;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, k);
        if (!ok) {
            char f[48];
            snprintf(f, sizeof f, "%s%.40s", prefix, k);
            return derr_set(e, -EINVAL, 400, MSG_UNKNOWN_FIELD, f, f, NULL, NULL);
        }
    }
    return 0;
}

/* A string member into dst[cap]: min..max bytes (max < cap), valid UTF-8. required: absent is an error, else ""
 * is stored. */
static int get_str(const json_t *o, const char *key, const char *field, bool required, size_t min, size_t max,
                   char *dst, size_t cap, derr_t *e)
{
    json_t *v = json_object_get(o, key);
    dst[0] = '\0';
    if (!v || json_is_null(v)) {
        if (required) return derr_set(e, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
        v = NULL;
    }
    if (v && !json_is_string(v)) return shape_err(e, MSG_WRONG_TYPE, field, "string", NULL);
    const char *s = v ? json_string_value(v) : "";
    size_t n = v ? json_string_length(v) : 0;
    char lo[16], hi[16];
    snprintf(lo, sizeof lo, "%zu", min);
    snprintf(hi, sizeof hi, "%zu", max);
    if (n < min || n > max || n >= cap || strlen(s) != n) return shape_err(e, MSG_FIELD_LENGTH, field, lo, hi);
    if (!utf8_valid(s, n)) return derr_set(e, -EINVAL, 400, MSG_INVALID_UTF8, field, NULL, NULL, NULL);
    memcpy(dst, s, n + 1);
    return 0;
}

static int get_bool(const json_t *o, const char *key, const char *field, bool dflt, bool *out, derr_t *e)
{
    json_t *v = json_object_get(o, key);
    if (!v) { *out = dflt; return 0; }
    if (!json_is_boolean(v)) return shape_err(e, MSG_WRONG_TYPE, field, "boolean", NULL);
    *out = json_is_true(v);
    return 0;
}

static int get_number(const json_t *o, const char *key, const char *field, bool required, double dflt, double *out,
                      derr_t *e)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (required) return derr_set(e, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
        *out = dflt;
        return 0;
    }
    if (!json_is_number(v)) return shape_err(e, MSG_WRONG_TYPE, field, "number", NULL);
    *out = json_number_value(v);
    if (!isfinite(*out)) return shape_err(e, MSG_WRONG_TYPE, field, "number", NULL);
    return 0;
}

static int get_enum(const json_t *o, const char *key, const char *field, const char *const *names, size_t n,
                    int dflt, int *out, derr_t *e)
{
    json_t *v = json_object_get(o, key);
    if (!v) {
        if (dflt < 0) return derr_set(e, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
        *out = dflt;
        return 0;
    }
    if (!json_is_string(v)) return shape_err(e, MSG_WRONG_TYPE, field, "string", NULL);
    int i = name_index(names, n, json_string_value(v));
    if (i < 0) {
        char allowed[96] = "";
        for (size_t k = 0; k < n; k++) {
            size_t l = strlen(allowed);
            snprintf(allowed + l, sizeof allowed - l, "%s%s", k ? "|" : "", names[k]);
        }
        return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, field, field, allowed, NULL);
    }
    *out = i;
    return 0;
}

static int parse_paper(const json_t *o, int i, procedure_paper_t *pp, derr_t *e)
{
    char f[48], pre[24];
    snprintf(pre, sizeof pre, "papers[%d].", i);
    if (!json_is_object(o)) {
        snprintf(f, sizeof f, "papers[%d]", i);
        return shape_err(e, MSG_WRONG_TYPE, f, "object", NULL);
    }
    static const char *const keys[] = {"id", "name", "mandatory", "form", "copies", NULL};
    int rc = only_keys(o, keys, pre, e);
    if (rc < 0) return rc;
    snprintf(f, sizeof f, "%sid", pre);
    if ((rc = get_str(o, "id", f, true, 1, sizeof pp->id - 1, pp->id, sizeof pp->id, e)) < 0) return rc;
    snprintf(f, sizeof f, "%sname", pre);
    if ((rc = get_str(o, "name", f, true, 1, sizeof pp->name - 1, pp->name, sizeof pp->name, e)) < 0) return rc;
    snprintf(f, sizeof f, "%smandatory", pre);
    if ((rc = get_bool(o, "mandatory", f, true, &pp->mandatory, e)) < 0) return rc;
    snprintf(f, sizeof f, "%sform", pre);
    int form;
    if ((rc = get_enum(o, "form", f, form_names, 3, 0, &form, e)) < 0) return rc;
    str_copy(pp->form, sizeof pp->form, form_names[form]);
    snprintf(f, sizeof f, "%scopies", pre);
    json_t *c = json_object_get(o, "copies");
    if (c && !json_is_integer(c)) return shape_err(e, MSG_WRONG_TYPE, f, "integer", NULL);
    long long copies = c ? json_integer_value(c) : 1;
    if (copies < 1 || copies > 20) return shape_err(e, MSG_FIELD_RANGE, f, "1", "20");
    pp->copies = (int)copies;
    return 0;
}

static int parse_step(const json_t *o, int i, procedure_step_t *s, derr_t *e)
{
    char f[48], pre[24];
    snprintf(pre, sizeof pre, "steps[%d].", i);
    if (!json_is_object(o)) {
        snprintf(f, sizeof f, "steps[%d]", i);
        return shape_err(e, MSG_WRONG_TYPE, f, "object", NULL);
    }
    static const char *const keys[] = {"name", "role", "department", "budget_days", "inter_agency", "other_level",
                                       "counted", NULL};
    int rc = only_keys(o, keys, pre, e);
    if (rc < 0) return rc;
    snprintf(f, sizeof f, "%sname", pre);
    if ((rc = get_str(o, "name", f, true, 1, sizeof s->name - 1, s->name, sizeof s->name, e)) < 0) return rc;
    snprintf(f, sizeof f, "%srole", pre);
    if ((rc = get_str(o, "role", f, true, 1, sizeof s->role - 1, s->role, sizeof s->role, e)) < 0) return rc;
    snprintf(f, sizeof f, "%sdepartment", pre);
    if ((rc = get_str(o, "department", f, false, 0, sizeof s->department - 1, s->department, sizeof s->department,
                      e)) < 0)
        return rc;
    snprintf(f, sizeof f, "%sbudget_days", pre);
    if ((rc = get_number(o, "budget_days", f, true, 0, &s->budget_days, e)) < 0) return rc;
    snprintf(f, sizeof f, "%sinter_agency", pre);
    if ((rc = get_bool(o, "inter_agency", f, false, &s->inter_agency, e)) < 0) return rc;
    snprintf(f, sizeof f, "%sother_level", pre);
    if ((rc = get_str(o, "other_level", f, false, 0, sizeof s->other_level - 1, s->other_level,
                      sizeof s->other_level, e)) < 0)
        return rc;
    snprintf(f, sizeof f, "%scounted", pre);
    return get_bool(o, "counted", f, true, &s->counted, e);
}

/* Shape and bounds only: what apply() needs to rebuild a row, whatever rules were in force when it was saved. */
static int procedure_parse(const json_t *o, bool allow_meta, procedure_t *p, derr_t *e)
{
    memset(p, 0, sizeof *p);
    p->active = true;
    p->fee_amount = -1;
    if (!json_is_object(o)) return derr_set(e, -EINVAL, 400, MSG_BODY_NOT_OBJECT, NULL, NULL, NULL, NULL);
    static const char *const keys[] = {"code", "name", "field", "level", "time", "fee", "online_level",
                                       "supplement", "seal", "source", "papers", "steps", NULL};
    static const char *const meta_keys[] = {"code", "name", "field", "level", "time", "fee", "online_level",
                                            "supplement", "seal", "source", "papers", "steps", "scope", "active",
                                            "version", "created_at", "updated_at", NULL};
    int rc = only_keys(o, allow_meta ? meta_keys : keys, "", e);
    if (rc < 0) return rc;
    if ((rc = get_str(o, "code", "code", true, 1, sizeof p->code - 1, p->code, sizeof p->code, e)) < 0) return rc;
    if ((rc = get_str(o, "name", "name", true, 1, sizeof p->name - 1, p->name, sizeof p->name, e)) < 0) return rc;
    if ((rc = get_str(o, "field", "field", true, 1, sizeof p->field - 1, p->field, sizeof p->field, e)) < 0)
        return rc;
    if ((rc = get_str(o, "level", "level", false, 0, sizeof p->level - 1, p->level, sizeof p->level, e)) < 0)
        return rc;
    if (!p->level[0]) str_copy(p->level, sizeof p->level, "commune");
    if ((rc = get_str(o, "source", "source", false, 0, sizeof p->source - 1, p->source, sizeof p->source, e)) < 0)
        return rc;

    json_t *t = json_object_get(o, "time");
    if (!t) return derr_set(e, -EINVAL, 400, MSG_MISSING_FIELD, "time", "time", NULL, NULL);
    if (!json_is_object(t)) return shape_err(e, MSG_WRONG_TYPE, "time", "object", NULL);
    static const char *const tkeys[] = {"rule", "amount", "text", NULL};
    if ((rc = only_keys(t, tkeys, "time.", e)) < 0) return rc;
    int rule;
    if ((rc = get_enum(t, "rule", "time.rule", rule_names, 3, -1, &rule, e)) < 0) return rc;
    p->time_rule = (due_rule_t)rule;
    if ((rc = get_number(t, "amount", "time.amount", rule != DUE_SAME_DAY, 0, &p->time_amount, e)) < 0) return rc;
    if ((rc = get_str(t, "text", "time.text", false, 0, sizeof p->time_text - 1, p->time_text, sizeof p->time_text,
                      e)) < 0)
        return rc;

    json_t *fee = json_object_get(o, "fee");
    if (fee) {
        if (!json_is_object(fee)) return shape_err(e, MSG_WRONG_TYPE, "fee", "object", NULL);
        static const char *const fkeys[] = {"amount", "text", NULL};
        if ((rc = only_keys(fee, fkeys, "fee.", e)) < 0) return rc;
        json_t *a = json_object_get(fee, "amount");
        if (a && !json_is_null(a) && !json_is_integer(a))
            return shape_err(e, MSG_WRONG_TYPE, "fee.amount", "integer", NULL);
        p->fee_amount = a && json_is_integer(a) ? json_integer_value(a) : -1;
        if (a && json_is_integer(a) && p->fee_amount < 0)   /* -1 is "no amount" inside; outside it is null */
            return derr_set(e, -EINVAL, 422, MSG_PROC_FEE, "fee.amount", NULL, NULL, NULL);
        if ((rc = get_str(fee, "text", "fee.text", false, 0, sizeof p->fee_text - 1, p->fee_text,
                          sizeof p->fee_text, e)) < 0)
            return rc;
    }
    int online, supplement;
    if ((rc = get_enum(o, "online_level", "online_level", online_names, 3, ONLINE_NONE, &online, e)) < 0) return rc;
    p->online = (online_level_t)online;
    if ((rc = get_enum(o, "supplement", "supplement", supplement_names, 2, SUPPLEMENT_RESUME, &supplement, e)) < 0)
        return rc;
    p->supplement = (supplement_rule_t)supplement;
    if ((rc = get_bool(o, "seal", "seal", false, &p->seal, e)) < 0) return rc;

    char max[8];
    json_t *papers = json_object_get(o, "papers");
    if (papers) {
        if (!json_is_array(papers)) return shape_err(e, MSG_WRONG_TYPE, "papers", "array", NULL);
        snprintf(max, sizeof max, "%d", PROCEDURE_PAPERS_MAX);
        if (json_array_size(papers) > PROCEDURE_PAPERS_MAX)
            return derr_set(e, -EINVAL, 422, MSG_PROC_TOO_MANY, "papers", "papers", max, NULL);
        for (size_t i = 0; i < json_array_size(papers); i++)
            if ((rc = parse_paper(json_array_get(papers, i), (int)i, &p->papers[p->n_papers++], e)) < 0) return rc;
    }
    json_t *steps = json_object_get(o, "steps");
    if (steps) {
        if (!json_is_array(steps)) return shape_err(e, MSG_WRONG_TYPE, "steps", "array", NULL);
        snprintf(max, sizeof max, "%d", PROCEDURE_STEPS_MAX);
        if (json_array_size(steps) > PROCEDURE_STEPS_MAX)
            return derr_set(e, -EINVAL, 422, MSG_PROC_TOO_MANY, "steps", "steps", max, NULL);
        for (size_t i = 0; i < json_array_size(steps); i++)
            if ((rc = parse_step(json_array_get(steps, i), (int)i, &p->steps[p->n_steps++], e)) < 0) return rc;
    }
    if (allow_meta) {
        json_t *a = json_object_get(o, "active");
        if (a && !json_is_boolean(a)) return shape_err(e, MSG_WRONG_TYPE, "active", "boolean", NULL);
    }
    return 0;
}

/* ---- rules ---- */

bool procedure_code_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 1 || n >= PROCEDURE_CODE_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = code[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!alnum && (i == 0 || i == n - 1 || (c != '.' && c != '-'))) return false;
    }
    return true;
}

/* Budgets are compared in 1/1000 of a day, so that 0.1 + 0.2 does not exceed 0.3. */
static long long milli(double d) { return llround(d * 1000.0); }

static void fmt_days(char *out, size_t cap, double d) { snprintf(out, cap, "%g", d); }

int procedure_validate(const procedure_t *p, derr_t *e)
{
    char a[32], b[32];
    if (!procedure_code_valid(p->code)) return derr_set(e, -EINVAL, 400, MSG_PROC_CODE, "code", p->code, NULL, NULL);
    if (strcmp(p->level, "commune") && strcmp(p->level, "province"))
        return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "level", "level", "commune|province", NULL);
    switch (p->time_rule) {
    case DUE_DAYS:
        if (!(p->time_amount > 0 && p->time_amount <= 365))
            return derr_set(e, -EINVAL, 422, MSG_PROC_TIME, "time.amount", "days", "0 < amount <= 365", NULL);
        break;
    case DUE_HOURS:
        if (!(p->time_amount > 0 && p->time_amount <= 2920))
            return derr_set(e, -EINVAL, 422, MSG_PROC_TIME, "time.amount", "hours", "0 < amount <= 2920", NULL);
        break;
    case DUE_SAME_DAY:
        if (p->time_amount != 0)
            return derr_set(e, -EINVAL, 422, MSG_PROC_TIME, "time.amount", "same_day", "amount = 0", NULL);
        break;
    default: return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, "time.rule", "time.rule", "days|hours|same_day", NULL);
    }
    if (p->fee_amount < -1 || p->fee_amount > 1000000000LL)
        return derr_set(e, -EINVAL, 422, MSG_PROC_FEE, "fee.amount", NULL, NULL, NULL);
    if (p->n_papers < 1) return derr_set(e, -EINVAL, 422, MSG_PROC_TOO_FEW, "papers", "papers", "1", NULL);
    for (int i = 0; i < p->n_papers; i++) {
        const procedure_paper_t *pp = &p->papers[i];
        char f[48];
        snprintf(f, sizeof f, "papers[%d].id", i);
        for (const char *c = pp->id; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '_'))
                return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, f, f, "a-z 0-9 - _", NULL);
        for (int k = 0; k < i; k++)
            if (!strcmp(p->papers[k].id, pp->id))
                return derr_set(e, -EINVAL, 422, MSG_PROC_DUPLICATE, f, f, pp->id, NULL);
        if (NAME_INDEX(form_names, pp->form) < 0) {
            snprintf(f, sizeof f, "papers[%d].form", i);
            return derr_set(e, -EINVAL, 400, MSG_FIELD_INVALID, f, f, "original|copy|either", NULL);
        }
    }
    if (p->n_steps < 1) return derr_set(e, -EINVAL, 422, MSG_PROC_TOO_FEW, "steps", "steps", "1", NULL);
    long long counted = 0;
    int n_counted = 0;
    for (int i = 0; i < p->n_steps; i++) {
        const procedure_step_t *s = &p->steps[i];
        char f[48];
        role_t r;
        snprintf(f, sizeof f, "steps[%d].role", i);
        if (role_parse(s->role, &r) < 0) return derr_set(e, -EINVAL, 400, MSG_ROLE_UNKNOWN, f, s->role, NULL, NULL);
        snprintf(f, sizeof f, "steps[%d].budget_days", i);
        if (!(s->budget_days > 0 && s->budget_days <= 365))
            return derr_set(e, -EINVAL, 422, MSG_FIELD_RANGE, f, f, "> 0", "365");
        snprintf(f, sizeof f, "steps[%d].other_level", i);
        if (s->inter_agency ? strcmp(s->other_level, "province") && strcmp(s->other_level, "commune")
                            : s->other_level[0] != '\0')
            return derr_set(e, -EINVAL, 422, MSG_PROC_OTHER_LEVEL, f, NULL, NULL, NULL);
        if (s->counted) counted += milli(s->budget_days), n_counted++;
    }
    if (!n_counted) return derr_set(e, -EINVAL, 422, MSG_PROC_NO_COUNTED, "steps", NULL, NULL, NULL);
    /* The statutory time in working days: hours of the legal clock count 8 to the day; same_day is one day. */
    double limit = p->time_rule == DUE_DAYS ? p->time_amount : p->time_rule == DUE_HOURS ? p->time_amount / 8.0 : 1.0;
    if (counted > milli(limit)) {
        fmt_days(a, sizeof a, (double)counted / 1000.0);
        fmt_days(b, sizeof b, limit);
        return derr_set(e, -EINVAL, 422, MSG_PROC_BUDGET_SUM, "steps", a, b, NULL);
    }
    return 0;
}

int procedure_from_json(const json_t *o, bool allow_meta, procedure_t *out, derr_t *err)
{
    int rc = procedure_parse(o, allow_meta, out, err);
    if (rc < 0) return rc;
    /* Omitted papers or steps: the generic paper and the default template (docs/procedures.md). */
    if (!json_object_get(o, "papers")) procedure_default_papers(out);
    if (!json_object_get(o, "steps")) procedure_default_steps(out);
    return procedure_validate(out, err);
}

/* ---- defaults of the shipped data ---- */

static double hour_floor(double days)
{
    double h = floor(days * 8.0 + 1e-9) / 8.0;
    return h < 0.125 ? 0.125 : h;
}

void procedure_default_steps(procedure_t *p)
{
    double limit = p->time_rule == DUE_DAYS ? p->time_amount : p->time_rule == DUE_HOURS ? p->time_amount / 8.0 : 1.0;
    static const struct { msg_id_t name; const char *role; double share; bool counted; } tpl[] = {
        {MSG_PROC_STEP_RECEIVE, "desk", 0.10, true},
        {MSG_PROC_STEP_PROCESS, "specialist", 0.60, true},
        {MSG_PROC_STEP_APPROVE, "leader", 0.20, true},
        {MSG_PROC_STEP_RETURN, "desk", 0, false},
    };
    memset(p->steps, 0, sizeof p->steps);
    p->n_steps = 4;
    for (int i = 0; i < 4; i++) {
        procedure_step_t *s = &p->steps[i];
        str_copy(s->name, sizeof s->name, msg_text(tpl[i].name, LANG_VI));
        str_copy(s->role, sizeof s->role, tpl[i].role);
        s->counted = tpl[i].counted;
        s->budget_days = tpl[i].counted ? hour_floor(limit * tpl[i].share) : 0.125;
    }
    /* A statutory time under three working hours (none in the shipped data) cannot hold three one-hour steps:
     * then the specialist's step takes what is left after the desk's and the leader's. */
    long long sum = milli(p->steps[0].budget_days + p->steps[1].budget_days + p->steps[2].budget_days);
    if (sum > milli(limit)) {
        p->steps[0].budget_days = p->steps[2].budget_days = limit / 4;
        p->steps[1].budget_days = limit / 2;
    }
}

void procedure_default_papers(procedure_t *p)
{
    memset(p->papers, 0, sizeof p->papers);
    p->n_papers = 1;
    str_copy(p->papers[0].id, sizeof p->papers[0].id, "don-de-nghi");
    str_copy(p->papers[0].name, sizeof p->papers[0].name, msg_text(MSG_PROC_PAPER_GENERIC, LANG_VI));
    p->papers[0].mandatory = true;
    str_copy(p->papers[0].form, sizeof p->papers[0].form, "original");
    p->papers[0].copies = 1;
}

/* ---- the projection ---- */

#define PROC_COLS "scope, code, record, active, version, created_at, updated_at"

/* Parsed records, keyed by their exact stored text: every dossier intake reads its procedure, and parsing the
 * record (a few KB of JSON) cost more than the rest of the read. The parse of a given text is always the same
 * procedure_t (the row's own columns are set after), so a hit is exact whatever database or version the row comes
 * from; a changed record is a different text and misses. A few entries, replaced in turn, shared by the threads. */
#define PCACHE_N 8
#define PCACHE_TEXT_MAX 16384
static struct pcache_entry {
    char        *text;
    size_t       len;
    procedure_t *p;
} pcache[PCACHE_N];
static unsigned pcache_next;
static pthread_mutex_t pcache_mu = PTHREAD_MUTEX_INITIALIZER;

static bool pcache_get(const char *text, size_t len, procedure_t *out)
{
    bool hit = false;
    pthread_mutex_lock(&pcache_mu);
    for (int i = 0; i < PCACHE_N && !hit; i++)
        if (pcache[i].text && pcache[i].len == len && !memcmp(pcache[i].text, text, len)) {
            memcpy(out, pcache[i].p, sizeof *out);
            hit = true;
        }
    pthread_mutex_unlock(&pcache_mu);
    return hit;
}

static void pcache_put(const char *text, size_t len, const procedure_t *p)
{
    if (len > PCACHE_TEXT_MAX) return;
    char *t = xstrndup(text, len);
    procedure_t *c = xmalloc(sizeof *c);
    memcpy(c, p, sizeof *c);
    pthread_mutex_lock(&pcache_mu);
    struct pcache_entry *e = &pcache[pcache_next++ % PCACHE_N];
    char *old_t = e->text;
    procedure_t *old_p = e->p;
    *e = (struct pcache_entry){t, len, c};
    pthread_mutex_unlock(&pcache_mu);
    free(old_t);
    free(old_p);
}

static int row_to_procedure(db_stmt_t *s, procedure_t *p)
{
    const char *text = db_col_text(s, 2);
    size_t len = db_col_len(s, 2);
    if (!text) return -EILSEQ;
    if (!pcache_get(text, len, p)) {
        json_error_t jerr;
        json_t *o = json_loadb(text, len, 0, &jerr);
        derr_t e;
        int rc = o ? procedure_parse(o, false, p, &e) : -EILSEQ;
        json_decref(o);
        if (rc < 0) return -EILSEQ;   /* a row apply wrote and cannot read back: the projection is damaged */
        pcache_put(text, len, p);
    }
    str_copy(p->scope, sizeof p->scope, db_col_text(s, 0));
    p->active = db_col_int(s, 3) != 0;
    p->version = db_col_int(s, 4);
    p->created_at = db_col_int(s, 5);
    p->updated_at = db_col_int(s, 6);
    return 0;
}

int procedure_get_scoped(db_t *db, const char *scope, const char *code, procedure_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " PROC_COLS " FROM procedures WHERE scope = $1 AND code = $2", "tt",
                      scope ? scope : "", code);
    if (rc == DB_ROW) rc = row_to_procedure(s, out);
    else if (rc == DB_DONE) rc = -ENOENT;
    if (s) db_reset(s);
    return rc;
}

int procedure_get(db_t *db, const char *unit_id, const char *code, procedure_t *out)
{
    if (!code) return -ENOENT;
    if (unit_id && *unit_id) {
        unit_t *u = xmalloc(sizeof *u);
        int rc = unit_get(db, unit_id, u);
        if (rc == 0 && u->province_id[0]) {
            rc = procedure_get_scoped(db, u->province_id, code, out);
            if (rc == 0 && out->active) {
                free(u);
                return 0;
            }
        }
        free(u);
        if (rc < 0 && rc != -ENOENT) return rc;
    }
    return procedure_get_scoped(db, "", code, out);
}

int procedure_work_minutes(const procedure_t *p, const calendar_t *cal, long *work)
{
    switch (p->time_rule) {
    case DUE_DAYS: return calendar_work_from_days(cal, p->time_amount, work);
    case DUE_HOURS: return calendar_work_from_hours(p->time_amount, work);
    case DUE_SAME_DAY: *work = 0; return 0;
    }
    return -EINVAL;
}

static char *record_text(const procedure_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    write_record(&w, p, false);
    if (jw_finish(&w) < 0) {
        buf_free(&b);
        return NULL;
    }
    char *t = xstrndup(b.data, b.len);
    buf_free(&b);
    return t;
}

/* The search key: code, name and field folded together, so q matches any of them. */
static char *search_fold(const procedure_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "%s %s %s", p->code, p->name, p->field);
    char *f = utf8_fold(b.data, b.len);
    buf_free(&b);
    return f;
}

static int apply_saved(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    const char *scope = json_string_value(json_object_get(payload, "scope"));
    json_t *jv = json_object_get(payload, "version"), *jat = json_object_get(payload, "at");
    if (!scope || !json_is_integer(jv) || !json_is_integer(jat)) return -EINVAL;
    procedure_t *p = xmalloc(sizeof *p);
    derr_t e;
    int rc = procedure_parse(json_object_get(payload, "record"), false, p, &e);
    char *rec = rc == 0 ? record_text(p) : NULL;
    char *fold = rc == 0 ? search_fold(p) : NULL;
    char *ffold = rc == 0 ? utf8_fold(p->field, strlen(p->field)) : NULL;
    if (rc == 0 && (!rec || !fold || !ffold)) rc = -EILSEQ;
    long long version = json_integer_value(jv), at = json_integer_value(jat);
    if (rc == 0) {
        long long n = db_run(db,
                             "UPDATE procedures SET name = $3, search_fold = $4, field_fold = $5, online = $6, "
                             "record = $7, version = $8, updated_at = $9 WHERE scope = $1 AND code = $2",
                             "tttttitii", scope, p->code, p->name, fold, ffold, (long long)p->online, rec, version, at);
        if (n == 0)
            n = db_run(db,
                       "INSERT INTO procedures (scope, code, name, search_fold, field_fold, online, record, active, "
                       "version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)",
                       "tttttitii", scope, p->code, p->name, fold, ffold, (long long)p->online, rec, version, at);
        if (n < 0) rc = (int)n;
    }
    free(rec);
    free(fold);
    free(ffold);
    free(p);
    return rc;
}

static int apply_retired(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    const char *scope = json_string_value(json_object_get(payload, "scope"));
    const char *code = json_string_value(json_object_get(payload, "code"));
    json_t *ja = json_object_get(payload, "active"), *jv = json_object_get(payload, "version"),
           *jat = json_object_get(payload, "at");
    if (!scope || !code || !json_is_boolean(ja) || !json_is_integer(jv) || !json_is_integer(jat)) return -EINVAL;
    long long n = db_run(db, "UPDATE procedures SET active = $3, version = $4, updated_at = $5 "
                             "WHERE scope = $1 AND code = $2",
                         "ttiii", scope, code, (long long)json_is_true(ja), (long long)json_integer_value(jv),
                         (long long)json_integer_value(jat));
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

static const event_kind_t procedure_kinds[] = {
    {PROCEDURE_EVENT_SAVED, apply_saved},
    {PROCEDURE_EVENT_RETIRED, apply_retired},
    {NULL, NULL},
};
static const event_table_t procedure_tables[] = {{"procedures", "scope, code"}, {NULL, NULL}};
const event_module_t procedure_event_module = {"procedure", procedure_kinds, procedure_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- writes ---- */

/* Who may write scope: the system, a national administrator (national records), an administrator covering the
 * province (its adaptations). Unknown or invisible provinces are 404, like every out-of-scope unit. unit gets
 * the unit the event is filed under: the national root (empty when there is none yet) or the province. */
static int check_scope(db_t *db, const principal_t *actor, const char *scope, char unit[ID_LEN + 1], derr_t *e)
{
    char path[AUTH_PATH_MAX];
    unit[0] = '\0';
    if (!*scope) {
        int rc = setup_find_root(db, unit, path, sizeof path);
        if (rc == -ENOENT && !actor) return 0;
        if (rc < 0) return rc;
        if (!actor) return 0;
    } else {
        unit_t *u = xmalloc(sizeof *u);
        int rc = unit_get(db, scope, u);
        if (rc == 0 && actor && !auth_sees_path(actor, u->path)) rc = -ENOENT;
        if (rc == -ENOENT) {
            free(u);
            return derr_set(e, -ENOENT, 404, MSG_UNIT_UNKNOWN, "scope", scope, NULL, NULL);
        }
        if (rc == 0 && strcmp(u->kind, "province")) {
            rc = derr_set(e, -EINVAL, 422, MSG_PROC_SCOPE, "scope", u->kind, NULL, NULL);
        }
        str_copy(path, sizeof path, u->path);
        str_copy(unit, ID_LEN + 1, u->id);
        free(u);
        if (rc < 0) return rc;
        if (!actor) return 0;
    }
    if (!auth_role_covers(actor, ROLE_ADMIN, path)) return derr_set(e, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    return 0;
}

static int check_version(const procedure_t *cur, int found, long long expected, const char *code, derr_t *e)
{
    if (found < 0 && found != -ENOENT) return found;
    if (expected == 0 && found == 0) return derr_set(e, -EEXIST, 409, MSG_ALREADY_EXISTS, "code", code, NULL, NULL);
    if (expected > 0 && found == -ENOENT) return derr_set(e, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (expected > 0 && cur->version != expected) {
        char v[24];
        snprintf(v, sizeof v, "%lld", cur->version);
        return derr_set(e, -ESTALE, 412, MSG_VERSION_MISMATCH, NULL, v, NULL, NULL);
    }
    return 0;
}

struct saved_payload {
    const char *scope;
    const char *record;
    long long   version, at;
};

static void saved_payload(jw_t *w, const void *arg)
{
    const struct saved_payload *sp = arg;
    jw_obj_begin(w);
    jw_kstr(w, "scope", sp->scope);
    jw_kint(w, "version", sp->version);
    jw_kint(w, "at", sp->at);
    jw_key(w, "record");
    jw_raw(w, sp->record, strlen(sp->record));
    jw_obj_end(w);
}

static void entity_id(char *out, size_t cap, const char *scope, const char *code)
{
    if (*scope) snprintf(out, cap, "%s/%s", scope, code);
    else snprintf(out, cap, "%s", code);
}

int procedure_save(db_t *db, const principal_t *actor, const char *scope, const procedure_t *p,
                   long long expected_version, procedure_t *out, procedure_saved_t *how, derr_t *err)
{
    scope = scope ? scope : "";
    char unit[ID_LEN + 1];
    int rc = procedure_validate(p, err);
    if (rc == 0) rc = check_scope(db, actor, scope, unit, err);
    if (rc < 0) return rc;
    procedure_t *cur = xmalloc(sizeof *cur);
    if (*scope) {
        rc = procedure_get_scoped(db, "", p->code, cur);
        if (rc == -ENOENT) rc = derr_set(err, -EINVAL, 422, MSG_PROC_NO_NATIONAL, "code", p->code, NULL, NULL);
        if (rc < 0) {
            free(cur);
            return rc;
        }
    }
    int found = procedure_get_scoped(db, scope, p->code, cur);
    rc = check_version(cur, found, expected_version, p->code, err);
    char *rec = rc == 0 ? record_text(p) : NULL;
    if (rc == 0 && !rec) rc = -EILSEQ;
    if (rc == 0 && found == 0) {
        char *old = record_text(cur);
        bool same = old && !strcmp(old, rec);
        free(old);
        if (same) {
            if (how) *how = PROCEDURE_UNCHANGED;
            if (out) memcpy(out, cur, sizeof *out);
            free(rec);
            free(cur);
            return 0;
        }
    }
    if (rc == 0) {
        struct saved_payload sp = {scope, rec, found == 0 ? cur->version + 1 : 1, clock_now_ms()};
        char ent[PROCEDURE_CODE_MAX + ID_LEN + 2];
        entity_id(ent, sizeof ent, scope, p->code);
        rc = event_record(db, domain_nz(unit), actor ? actor->account_id : NULL, PROCEDURE_EVENT_SAVED, "procedure",
                          ent, saved_payload, &sp, NULL);
    }
    if (rc == 0 && how) *how = found == 0 ? PROCEDURE_UPDATED : PROCEDURE_CREATED;
    if (rc == 0 && out) rc = procedure_get_scoped(db, scope, p->code, out);
    free(rec);
    free(cur);
    return rc;
}

struct retired_payload {
    const char *scope, *code;
    bool        active;
    long long   version, at;
};

static void retired_payload(jw_t *w, const void *arg)
{
    const struct retired_payload *rp = arg;
    jw_obj_begin(w);
    jw_kstr(w, "scope", rp->scope);
    jw_kstr(w, "code", rp->code);
    jw_kbool(w, "active", rp->active);
    jw_kint(w, "version", rp->version);
    jw_kint(w, "at", rp->at);
    jw_obj_end(w);
}

int procedure_set_active(db_t *db, const principal_t *actor, const char *scope, const char *code, bool active,
                         long long expected_version, procedure_t *out, derr_t *err)
{
    scope = scope ? scope : "";
    char unit[ID_LEN + 1];
    int rc = check_scope(db, actor, scope, unit, err);
    if (rc < 0) return rc;
    procedure_t *cur = xmalloc(sizeof *cur);
    int found = procedure_get_scoped(db, scope, code, cur);
    if (found == -ENOENT) rc = derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else rc = check_version(cur, found, expected_version, code, err);
    if (rc == 0 && cur->active != active) {
        struct retired_payload rp = {scope, code, active, cur->version + 1, clock_now_ms()};
        char ent[PROCEDURE_CODE_MAX + ID_LEN + 2];
        entity_id(ent, sizeof ent, scope, code);
        rc = event_record(db, domain_nz(unit), actor ? actor->account_id : NULL, PROCEDURE_EVENT_RETIRED,
                          "procedure", ent, retired_payload, &rp, NULL);
        if (rc == 0) rc = procedure_get_scoped(db, scope, code, cur);
    }
    if (rc == 0 && out) memcpy(out, cur, sizeof *out);
    free(cur);
    return rc;
}

/* ---- lists ---- */

#define PROC_WHERE                                                                                                \
    " FROM procedures WHERE scope = $1 AND ($2 = 1 OR active = 1) "                                               \
    "AND (CAST($3 AS TEXT) = '' OR search_fold LIKE $3 ESCAPE '\\') "                                            \
    "AND (CAST($4 AS TEXT) = '' OR field_fold = $4) AND ($5 < 0 OR online = $5) "

struct query_args {
    char *like, *field;
};

static int bind_query(db_stmt_t *s, const procedure_query_t *q, struct query_args *a)
{
    a->like = domain_like_pattern(q->q);
    a->field = q->field && *q->field ? utf8_fold(q->field, strlen(q->field)) : NULL;
    if (q->field && *q->field && !a->field) return -EINVAL;
    db_bind_text(s, 1, q->scope ? q->scope : "", DB_NTS);
    db_bind_int(s, 2, q->include_retired ? 1 : 0);
    db_bind_text(s, 3, a->like ? a->like : "", DB_NTS);
    db_bind_text(s, 4, a->field ? a->field : "", DB_NTS);
    db_bind_int(s, 5, q->online);
    return 0;
}

int procedure_list(db_t *db, const procedure_query_t *q, procedure_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, "SELECT " PROC_COLS PROC_WHERE "AND code > $6 ORDER BY code LIMIT $7");
    if (!s) return -EIO;
    struct query_args a = {NULL, NULL};
    int rc = bind_query(s, q, &a), n = 0;
    if (rc == 0) {
        db_bind_text(s, 6, q->after_code ? q->after_code : "", DB_NTS);
        db_bind_int(s, 7, q->limit > 0 ? q->limit : 1000000);
        procedure_t *p = xmalloc(sizeof *p);
        while ((rc = db_step(s)) == DB_ROW) {
            if ((rc = row_to_procedure(s, p)) < 0) break;
            n++;
            if (cb && cb(p, arg) < 0) break;
        }
        free(p);
    }
    db_reset(s);
    free(a.like);
    free(a.field);
    return rc < 0 ? rc : n;
}

int procedure_count(db_t *db, const procedure_query_t *q, long long *total)
{
    db_stmt_t *s = db_prepare(db, "SELECT COUNT(*)" PROC_WHERE);
    if (!s) return -EIO;
    struct query_args a = {NULL, NULL};
    int rc = bind_query(s, q, &a);
    if (rc == 0) rc = db_step(s);
    if (rc == DB_ROW) *total = db_col_int(s, 0), rc = 0;
    else if (rc == DB_DONE) rc = -EIO;
    db_reset(s);
    free(a.like);
    free(a.field);
    return rc;
}

/* ministry.c — hand-offs of dossiers to ministry systems and their outbox (see ministry.h). */
#include "domain/ministry.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/dossier.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- systems ---- */

const char *ministry_kind_name(ministry_kind_t k) { return k == MINISTRY_SOAP ? "soap" : "rest"; }

static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= MINISTRY_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return false;
    return true;
}

int ministry_systems_parse(const char *text, ministry_systems_t *out, char *why, size_t why_len)
{
    memset(out, 0, sizeof *out);
    int line = 0;
    const char *p = text ? text : "";
    while (*p) {
        line++;
        size_t len = strcspn(p, "\n");
        char l[2048];
        if (len >= sizeof l) {
            snprintf(why, why_len, "line %d is too long", line);
            return -EINVAL;
        }
        memcpy(l, p, len);
        l[len] = '\0';
        p += len + (p[len] == '\n');
        char *hash = strchr(l, '#');
        if (hash) *hash = '\0';
        char *words[5];
        int nw = 0;
        for (char *q = l; *q;) {
            while (*q == ' ' || *q == '\t' || *q == '\r') *q++ = '\0';
            if (!*q) break;
            if (nw == 5) break;
            words[nw++] = q;
            while (*q && *q != ' ' && *q != '\t' && *q != '\r') q++;
        }
        if (nw == 0) continue;
        if (nw != 4) {
            snprintf(why, why_len, "line %d: expected \"NAME KIND(rest|soap) URL TOKEN-FILE\"", line);
            return -EINVAL;
        }
        if (out->n == MINISTRY_SYSTEMS_MAX) {
            snprintf(why, why_len, "more than %d systems", MINISTRY_SYSTEMS_MAX);
            return -EINVAL;
        }
        ministry_system_t *e = &out->sys[out->n];
        if (!name_ok(words[0])) {
            snprintf(why, why_len, "line %d: the name must be 1..%d of a-z 0-9 _ -", line, MINISTRY_NAME_MAX - 1);
            return -EINVAL;
        }
        str_copy(e->name, sizeof e->name, words[0]);
        if (!strcmp(words[1], "rest")) e->kind = MINISTRY_REST;
        else if (!strcmp(words[1], "soap")) e->kind = MINISTRY_SOAP;
        else {
            snprintf(why, why_len, "line %d: the kind must be rest or soap", line);
            return -EINVAL;
        }
        if ((strncmp(words[2], "http://", 7) && strncmp(words[2], "https://", 8)) ||
            str_copy(e->url, sizeof e->url, words[2]) < 0 ||
            str_copy(e->token_file, sizeof e->token_file, words[3]) < 0) {
            snprintf(why, why_len, "line %d: the URL must be http(s):// and both fields under %d bytes", line,
                     MINISTRY_URL_MAX);
            return -EINVAL;
        }
        size_t ul = strlen(e->url);
        while (ul > 0 && e->url[ul - 1] == '/') e->url[--ul] = '\0';
        const char *host = e->url + (e->url[4] == 's' ? 8 : 7);
        if (!*host || strchr(host, '@') || strcspn(host, "/?#") == 0) {
            snprintf(why, why_len, "line %d: the URL names no host (or carries credentials)", line);
            return -EINVAL;
        }
        if (ministry_system_find(out, e->name)) {
            snprintf(why, why_len, "line %d: system %s listed twice", line, e->name);
            return -EINVAL;
        }
        out->n++;
    }
    return 0;
}

const ministry_system_t *ministry_system_find(const ministry_systems_t *s, const char *name)
{
    if (!s || !name) return NULL;
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->sys[i].name, name)) return &s->sys[i];
    return NULL;
}

/* ---- events ---- */

static const char *ez(const char *s) { return s ? s : ""; }

static void sent_payload(jw_t *w, const void *arg)
{
    const ministry_handoff_t *h = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", h->id);
    jw_kstr(w, "unit_id", h->unit_id);
    jw_kstr(w, "dossier_id", h->dossier_id);
    jw_kstr(w, "dossier_code", h->dossier_code);
    jw_kstr(w, "system", h->system);
    jw_kstr(w, "kind", h->kind);
    jw_kstr(w, "sha256", h->sha256);
    jw_kstr(w, "sent_by", h->sent_by);
    jw_kint(w, "at", h->created_at);
    jw_kint(w, "ack_due_at", h->ack_due_at);
    jw_obj_end(w);
}

static bool has_int(const json_t *p, const char *k) { return json_is_integer(json_object_get(p, k)); }

static int apply_sent(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *unit = event_str(p, "unit_id"), *dos = event_str(p, "dossier_id"),
               *code = event_str(p, "dossier_code"), *sys = event_str(p, "system"), *kind = event_str(p, "kind"),
               *sha = event_str(p, "sha256");
    if (!id || !unit || !dos || !code || !sys || !kind || !sha || !has_int(p, "at") || !has_int(p, "ack_due_at"))
        return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO ministry_handoffs (id, unit_id, dossier_id, dossier_code, system, kind, sha256, "
                         "state, sent_by, created_at, ack_due_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $10, $9)",
                         "ttttttttii", id, unit, dos, code, sys, kind, sha, event_str(p, "sent_by"),
                         event_int(p, "at"), event_int(p, "ack_due_at"));
    return n < 0 ? (int)n : 0;
}

struct ack_ev {
    const char *id, *receipt;
    long long   at;
    bool        missed;
};

static void ack_payload(jw_t *w, const void *arg)
{
    const struct ack_ev *a = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", a->id);
    jw_kstr(w, "receipt", a->receipt);
    jw_kint(w, "at", a->at);
    jw_kbool(w, "missed", a->missed);
    jw_obj_end(w);
}

static int apply_ack(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *receipt = event_str(p, "receipt");
    if (!id || !receipt || !has_int(p, "at")) return -EINVAL;
    long long n = db_run(db,
                         "UPDATE ministry_handoffs SET state = 'acknowledged', receipt = $2, acknowledged_at = $3, "
                         "ack_missed = $4, updated_at = $3 WHERE id = $1",
                         "ttii", id, receipt, event_int(p, "at"),
                         (long long)json_is_true(json_object_get(p, "missed")));
    return n < 0 ? (int)n : 0;
}

struct result_ev {
    const char   *id, *outcome, *text;
    const json_t *items;
    long long     at;
};

static void result_payload(jw_t *w, const void *arg)
{
    const struct result_ev *r = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "outcome", r->outcome);
    jw_kstr(w, "text", r->text);
    jw_key(w, "items");
    jw_arr_begin(w);
    size_t i;
    json_t *v;
    json_array_foreach(r->items, i, v)
        if (json_is_string(v)) jw_str(w, json_string_value(v));
    jw_arr_end(w);
    jw_kint(w, "at", r->at);
    jw_obj_end(w);
}

static int apply_result(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *outcome = event_str(p, "outcome"), *text = event_str(p, "text");
    json_t *items = json_object_get(p, "items");
    if (!id || !outcome || !text || !json_is_array(items) || !has_int(p, "at") ||
        (strcmp(outcome, "accepted") && strcmp(outcome, "more_requested")))
        return -EINVAL;
    char *it = json_dumps(items, JSON_COMPACT);
    if (!it) return -ENOMEM;
    long long n = db_run(db,
                         "UPDATE ministry_handoffs SET state = $2, result_text = $3, result_items = $4, "
                         "result_at = $5, updated_at = $5 WHERE id = $1",
                         "tttti", id, outcome, text, it, event_int(p, "at"));
    free(it);
    return n < 0 ? (int)n : 0;
}

struct failed_ev {
    const char *id, *reason;
    long long   http_status, at;
};

static void failed_payload(jw_t *w, const void *arg)
{
    const struct failed_ev *f = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", f->id);
    jw_kint(w, "http_status", f->http_status);
    jw_kstr(w, "reason", f->reason);
    jw_kint(w, "at", f->at);
    jw_obj_end(w);
}

static int apply_failed(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id");
    if (!id || !has_int(p, "at")) return -EINVAL;
    long long n = db_run(db,
                         "UPDATE ministry_handoffs SET state = 'failed', http_status = $2, last_error = $3, "
                         "updated_at = $4 WHERE id = $1",
                         "titi", id, event_int(p, "http_status"), ez(event_str(p, "reason")), event_int(p, "at"));
    return n < 0 ? (int)n : 0;
}

static const event_kind_t kinds[] = {
    {"ministry.sent", apply_sent},
    {"ministry.acknowledged", apply_ack},
    {"ministry.result", apply_result},
    {"ministry.failed", apply_failed},
    {NULL, NULL},
};

static const event_table_t tables[] = {
    {"ministry_handoffs", "id"},
    {NULL, NULL},
};

const event_module_t ministry_event_module = {"ministry", kinds, tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- the request ---- */

int ministry_request_json(db_t *db, const char *handoff_id, const char *dossier_id, buf_t *out)
{
    dossier_t *d = xcalloc(1, sizeof *d);
    int rc = dossier_get_by_id(db, dossier_id, d);
    if (rc < 0) {
        free(d);
        return rc;
    }
    buf_reset(out);
    jw_t w;
    jw_init(&w, out);
    jw_obj_begin(&w);
    jw_kstr(&w, "handoff_id", handoff_id);
    jw_kstr(&w, "dossier_code", d->code);
    jw_kstr(&w, "procedure_code", d->procedure_code);
    jw_kstr(&w, "procedure_name", d->procedure_name);
    jw_kstr(&w, "field", d->field);
    jw_kint(&w, "received_at", d->received_at);
    jw_kint(&w, "due_at", d->due_at);
    jw_key(&w, "applicant");
    jw_obj_begin(&w);
    jw_kstr(&w, "kind", d->applicant_kind);
    jw_kstr(&w, "name", d->applicant_name);
    jw_kstr(&w, "id_number", d->id_number);
    jw_kstr(&w, "phone", d->phone);
    jw_kstr(&w, "address", d->address);
    jw_kstr(&w, "email", d->email);
    jw_obj_end(&w);
    jw_kstr(&w, "content", ez(d->content));
    jw_key(&w, "papers");
    jw_arr_begin(&w);
    db_stmt_t *s = NULL;
    rc = db_query(db, &s, "SELECT paper_id, name, copies, form, mandatory FROM dossier_papers WHERE dossier_id = $1 "
                          "ORDER BY paper_id", "t", dossier_id);
    for (; rc == DB_ROW; rc = db_step(s)) {
        jw_obj_begin(&w);
        jw_kstr(&w, "paper_id", db_col_text(s, 0));
        jw_kstr(&w, "name", db_col_text(s, 1));
        jw_kint(&w, "copies", db_col_int(s, 2));
        jw_kstr(&w, "form", db_col_text(s, 3));
        jw_kbool(&w, "mandatory", db_col_int(s, 4) != 0);
        jw_obj_end(&w);
    }
    if (s) db_reset(s);
    jw_arr_end(&w);
    jw_obj_end(&w);
    dossier_free(d);
    free(d);
    if (rc < 0) return rc;
    return out->data ? 0 : -ENOMEM;
}

long long ministry_ack_due(const calendar_t *cal, long long now_ms)
{
    long due = 0;
    if (!cal || calendar_add_working_minutes(cal, calendar_minutes_from_utc_ms(now_ms), MINISTRY_ACK_MINUTES, &due) < 0)
        return now_ms + MINISTRY_ACK_MINUTES * 60000LL;   /* no calendar: two clock hours */
    return calendar_utc_ms_from_minutes(due);
}

/* ---- sending ---- */

static bool acts_on(const principal_t *who, const char *path)
{
    return auth_role_covers(who, ROLE_SPECIALIST, path) || auth_role_covers(who, ROLE_LEADER, path);
}

int ministry_send(db_t *db, const principal_t *who, const char *id, const ministry_send_in_t *in,
                  ministry_handoff_t *out, derr_t *err)
{
    memset(out, 0, sizeof *out);
    dossier_t *d = xcalloc(1, sizeof *d);
    buf_t body;
    buf_init(&body, 1 << 20);
    int rc = dossier_get(db, in->dossier_code, d);
    if (rc == 0 && !dossier_visible_to(who, d)) rc = -ENOENT;
    if (rc == -ENOENT) {
        rc = derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        goto done;
    }
    if (rc < 0) goto done;
    if (!acts_on(who, d->unit_path)) {
        rc = derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
        goto done;
    }
    if (d->status != DS_PROCESSING) {
        rc = derr_set(err, -EBUSY, 409, MSG_MINISTRY_NOT_PROCESSING, NULL, NULL, NULL, NULL);
        goto done;
    }
    db_stmt_t *s = NULL;
    rc = db_query(db, &s, "SELECT system FROM ministry_handoffs WHERE dossier_id = $1 AND state IN "
                          "('queued', 'acknowledged') LIMIT 1", "t", d->id);
    char open_sys[MINISTRY_NAME_MAX] = "";
    if (rc == DB_ROW) str_copy(open_sys, sizeof open_sys, db_col_text(s, 0));
    if (s) db_reset(s);
    if (rc < 0) goto done;
    if (open_sys[0]) {
        rc = derr_set(err, -EBUSY, 409, MSG_MINISTRY_OPEN, NULL, open_sys, NULL, NULL);
        goto done;
    }
    rc = ministry_request_json(db, id, d->id, &body);
    if (rc < 0) goto done;
    str_copy(out->id, sizeof out->id, id);
    str_copy(out->unit_id, sizeof out->unit_id, d->unit_id);
    str_copy(out->dossier_id, sizeof out->dossier_id, d->id);
    str_copy(out->dossier_code, sizeof out->dossier_code, d->code);
    str_copy(out->system, sizeof out->system, in->system->name);
    str_copy(out->kind, sizeof out->kind, ministry_kind_name(in->system->kind));
    str_copy(out->sent_by, sizeof out->sent_by, who->account_id);
    str_copy(out->state, sizeof out->state, "queued");
    sha256_hex(body.data, body.len, out->sha256);
    out->created_at = out->updated_at = in->now_ms;
    out->ack_due_at = ministry_ack_due(in->cal, in->now_ms);
    rc = event_record(db, out->unit_id, who->account_id, "ministry.sent", "ministry_handoff", id, sent_payload, out,
                      NULL);
    if (rc == 0) {
        long long n = db_run(db,
                             "INSERT INTO ministry_outbox (id, kind, system, body, created_at, next_attempt_at) "
                             "VALUES ($1, 'send', $2, $3, $4, $4)",
                             "ttti", id, out->system, body.data, in->now_ms);
        rc = n < 0 ? (int)n : 0;
    }
    if (rc == 0) str_copy(out->unit_path, sizeof out->unit_path, d->unit_path);
done:
    buf_free(&body);
    dossier_free(d);
    free(d);
    return rc;
}

/* ---- reading ---- */

void ministry_handoff_free(ministry_handoff_t *h)
{
    free(h->result_items);
    h->result_items = NULL;
}

#define H_COLS                                                                                                     \
    "h.id, h.unit_id, h.dossier_id, h.dossier_code, h.system, h.kind, h.sha256, h.state, COALESCE(h.sent_by, ''), " \
    "h.receipt, h.result_text, h.result_items, h.last_error, h.created_at, h.ack_due_at, h.acknowledged_at, "     \
    "h.result_at, h.updated_at, h.http_status, h.ack_missed, COALESCE(o.attempts, 0), "                            \
    "CASE WHEN o.state = 'pending' THEN o.next_attempt_at ELSE 0 END, u.path, COALESCE(o.last_error, '') "         \
    "FROM ministry_handoffs h JOIN units u ON u.id = h.unit_id LEFT JOIN ministry_outbox o ON o.id = h.id "

static void h_row(db_stmt_t *s, ministry_handoff_t *h)
{
    memset(h, 0, sizeof *h);
    str_copy(h->id, sizeof h->id, db_col_text(s, 0));
    str_copy(h->unit_id, sizeof h->unit_id, db_col_text(s, 1));
    str_copy(h->dossier_id, sizeof h->dossier_id, db_col_text(s, 2));
    str_copy(h->dossier_code, sizeof h->dossier_code, db_col_text(s, 3));
    str_copy(h->system, sizeof h->system, db_col_text(s, 4));
    str_copy(h->kind, sizeof h->kind, db_col_text(s, 5));
    str_copy(h->sha256, sizeof h->sha256, db_col_text(s, 6));
    str_copy(h->state, sizeof h->state, db_col_text(s, 7));
    str_copy(h->sent_by, sizeof h->sent_by, db_col_text(s, 8));
    str_copy(h->receipt, sizeof h->receipt, db_col_text(s, 9));
    str_copy(h->result_text, sizeof h->result_text, db_col_text(s, 10));
    h->result_items = xstrdup(db_col_text(s, 11) ? db_col_text(s, 11) : "[]");
    str_copy(h->last_error, sizeof h->last_error, db_col_text(s, 12));
    h->created_at = db_col_int(s, 13);
    h->ack_due_at = db_col_int(s, 14);
    h->acknowledged_at = db_col_int(s, 15);
    h->result_at = db_col_int(s, 16);
    h->updated_at = db_col_int(s, 17);
    h->http_status = db_col_int(s, 18);
    h->ack_missed = db_col_int(s, 19) != 0;
    h->attempts = (int)db_col_int(s, 20);
    h->next_attempt_at = db_col_int(s, 21);
    str_copy(h->unit_path, sizeof h->unit_path, db_col_text(s, 22));
    if (!h->last_error[0]) str_copy(h->last_error, sizeof h->last_error, db_col_text(s, 23));
}

int ministry_handoff_get(db_t *db, const char *id, ministry_handoff_t *out)
{
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT " H_COLS "WHERE h.id = $1", "t", id);
    if (rc == DB_ROW) h_row(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

bool ministry_handoff_visible(const principal_t *who, const ministry_handoff_t *h)
{
    return !strcmp(who->kind, "staff") && auth_sees_path(who, h->unit_path);
}

void ministry_handoff_json(jw_t *w, const ministry_handoff_t *h, long long now_ms)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", h->id);
    jw_kstr(w, "dossier_code", h->dossier_code);
    jw_kstr(w, "unit_id", h->unit_id);
    jw_kstr(w, "system", h->system);
    jw_kstr(w, "kind", h->kind);
    jw_kstr(w, "state", h->state);
    jw_kstr(w, "sha256", h->sha256);
    jw_kstr(w, "sent_by", h->sent_by);
    jw_kint(w, "created_at", h->created_at);
    jw_kint(w, "ack_due_at", h->ack_due_at);
    jw_key(w, "receipt");
    if (h->receipt[0]) jw_str(w, h->receipt);
    else jw_null(w);
    jw_key(w, "acknowledged_at");
    if (h->acknowledged_at) jw_int(w, h->acknowledged_at);
    else jw_null(w);
    bool open = !strcmp(h->state, "queued");
    jw_kbool(w, "ack_missed", h->acknowledged_at ? h->ack_missed : open && now_ms > h->ack_due_at);
    jw_key(w, "result");
    if (h->result_at) {
        jw_obj_begin(w);
        jw_kstr(w, "text", h->result_text);
        jw_key(w, "items");
        jw_raw(w, h->result_items, strlen(h->result_items));
        jw_kint(w, "at", h->result_at);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kint(w, "attempts", h->attempts);
    jw_key(w, "next_attempt_at");
    if (h->next_attempt_at) jw_int(w, h->next_attempt_at);
    else jw_null(w);
    jw_kint(w, "http_status", h->http_status);
    jw_kstr(w, "last_error", h->last_error);
    jw_kint(w, "updated_at", h->updated_at);
    jw_obj_end(w);
}

int ministry_handoff_list(db_t *db, const principal_t *who, const char *dossier_code, const char *before,
                          long long limit, ministry_handoff_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, "SELECT " H_COLS "WHERE (CAST($1 AS TEXT) = '' OR h.dossier_code = $1) AND "
                                  "(CAST($2 AS TEXT) = '' OR h.id < $2) ORDER BY h.id DESC");
    if (!s) return -EIO;
    db_bind_text(s, 1, dossier_code ? dossier_code : "", DB_NTS);
    db_bind_text(s, 2, before ? before : "", DB_NTS);
    ministry_handoff_t *rows = NULL;
    size_t nrows = 0, cap = 0;
    int rc = 0;
    while ((long long)nrows < limit && (rc = db_step(s)) == DB_ROW) {
        if (nrows == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        h_row(s, &rows[nrows]);
        if (!ministry_handoff_visible(who, &rows[nrows])) {
            ministry_handoff_free(&rows[nrows]);
            continue;
        }
        nrows++;
    }
    db_reset(s);
    size_t i = 0;
    if (rc >= 0)
        for (; i < nrows; i++)
            if (cb(db, &rows[i], arg) < 0) break;
    for (size_t k = 0; k < nrows; k++) ministry_handoff_free(&rows[k]);
    free(rows);
    return rc < 0 ? rc : (int)nrows;
}

/* ---- the outbox ---- */

void ministry_claim_free(ministry_claim_t *c)
{
    for (int i = 0; i < c->n; i++) free(c->jobs[i].body);
    c->n = 0;
}

#define CLAIMABLE "((state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until < $1))"

int ministry_claim(db_t *db, void *arg)
{
    ministry_claim_t *c = arg;
    ministry_claim_free(c);
    int limit = c->limit < 1 ? 1 : c->limit > MINISTRY_CLAIM_MAX ? MINISTRY_CLAIM_MAX : c->limit;
    long long lease_until = c->now + c->lease_ms;
    long long n = db_run(db,
                         "UPDATE ministry_outbox SET state = 'sending', lease_until = $2, lease_owner = $3, "
                         "attempts = attempts + 1 WHERE id IN (SELECT id FROM ministry_outbox WHERE " CLAIMABLE
                         " ORDER BY next_attempt_at, id LIMIT $4) AND " CLAIMABLE,
                         "iiti", c->now, lease_until, c->owner, (long long)limit);
    if (n <= 0) return (int)n;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT id, kind, system, receipt, body, attempts FROM ministry_outbox "
                      "WHERE lease_owner = $1 AND state = 'sending' AND lease_until = $2 ORDER BY next_attempt_at, id",
                      "ti", c->owner, lease_until);
    while (rc == DB_ROW && c->n < MINISTRY_CLAIM_MAX) {
        ministry_job_t *j = &c->jobs[c->n++];
        str_copy(j->id, sizeof j->id, db_col_text(s, 0));
        str_copy(j->kind, sizeof j->kind, db_col_text(s, 1));
        str_copy(j->system, sizeof j->system, db_col_text(s, 2));
        str_copy(j->receipt, sizeof j->receipt, db_col_text(s, 3));
        const char *b = db_col_text(s, 4);
        j->len = b ? db_col_len(s, 4) : 0;
        j->body = xmalloc(j->len + 1);
        if (j->len) memcpy(j->body, b, j->len);
        j->body[j->len] = '\0';
        j->attempts = (int)db_col_int(s, 5);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void one_line(char *e, size_t cap, const char *src)
{
    str_copy(e, cap, src ? src : "error");
    size_t n = strlen(e);
    while (n && !utf8_valid(e, n)) e[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f) e[i] = ' ';
}

static int handoff_state(db_t *db, const char *id, char *state, size_t cap, char *unit, size_t ucap,
                         long long *ack_due)
{
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT state, unit_id, ack_due_at FROM ministry_handoffs WHERE id = $1", "t", id);
    if (rc == DB_ROW) {
        str_copy(state, cap, db_col_text(s, 0));
        str_copy(unit, ucap, db_col_text(s, 1));
        *ack_due = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

int ministry_record_outcome(db_t *db, void *arg)
{
    ministry_outcome_t *x = arg;
    const ministry_job_t *j = x->job;
    char e[MINISTRY_ERROR_MAX + 1];
    one_line(e, sizeof e, x->error);
    bool poll = !strcmp(j->kind, "poll");
    bool final = x->result == MINISTRY_PERMANENT || (x->result == MINISTRY_RETRY && j->attempts >= x->max_attempts);
    char state[16] = "", unit[ID_LEN + 1] = "";
    long long ack_due = 0;
    int rc = handoff_state(db, j->id, state, sizeof state, unit, sizeof unit, &ack_due);
    if (rc < 0) return rc == -ENOENT ? 0 : rc;
    long long n;
    if (x->result == MINISTRY_OK && !poll) {
        /* the receipt: the row becomes the poll of the result */
        n = db_run(db,
                   "UPDATE ministry_outbox SET kind = 'poll', receipt = $3, state = 'pending', attempts = 0, "
                   "next_attempt_at = $4, last_error = NULL, http_status = $5, lease_until = NULL, lease_owner = NULL "
                   "WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
                   "tttii", j->id, x->owner, x->receipt, x->now + x->poll_every_ms, x->http_status);
        if (n <= 0) return n < 0 ? (int)n : 0;
        if (strcmp(state, "queued")) return 0;
        struct ack_ev a = {.id = j->id, .receipt = x->receipt, .at = x->now, .missed = x->now > ack_due};
        return event_record(db, unit, NULL, "ministry.acknowledged", "ministry_handoff", j->id, ack_payload, &a,
                            NULL);
    }
    if (x->result == MINISTRY_OK && poll && x->poll == MINISTRY_POLL_PENDING) {
        n = db_run(db,
                   "UPDATE ministry_outbox SET state = 'pending', attempts = 0, next_attempt_at = $3, "
                   "last_error = NULL, http_status = $4, lease_until = NULL, lease_owner = NULL "
                   "WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
                   "ttii", j->id, x->owner, x->now + x->poll_every_ms, x->http_status);
        return n < 0 ? (int)n : 0;
    }
    bool done = x->result == MINISTRY_OK;
    const char *ostate = done ? "done" : final ? "failed" : "pending";
    n = db_run(db,
               "UPDATE ministry_outbox SET state = $3, next_attempt_at = $4, last_error = $5, http_status = $6, "
               "done_at = $7, lease_until = NULL, lease_owner = NULL "
               "WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
               "tttitii", j->id, x->owner, ostate, x->next_at, done ? NULL : e, x->http_status,
               done || final ? x->now : 0);
    if (n <= 0 || !(done || final)) return n < 0 ? (int)n : 0;
    if (strcmp(state, "queued") && strcmp(state, "acknowledged")) return 0;
    if (done) {
        json_t *empty = json_array();
        struct result_ev r = {.id = j->id, .outcome = x->poll == MINISTRY_POLL_MORE ? "more_requested" : "accepted",
                              .text = x->text ? x->text : "", .items = x->items ? x->items : empty, .at = x->now};
        rc = event_record(db, unit, NULL, "ministry.result", "ministry_handoff", j->id, result_payload, &r, NULL);
        json_decref(empty);
        return rc;
    }
    struct failed_ev f = {.id = j->id, .reason = e, .http_status = x->http_status, .at = x->now};
    return event_record(db, unit, NULL, "ministry.failed", "ministry_handoff", j->id, failed_payload, &f, NULL);
}

/* ---- the system's answers ---- */

int ministry_parse_receipt(const char *body, size_t n, char *receipt, size_t cap)
{
    json_t *j = body && n ? json_loadb(body, n, 0, NULL) : NULL;
    const char *r = json_string_value(json_object_get(j, "receipt"));
    int rc = -EINVAL;
    size_t rl = r ? strlen(r) : 0;
    if (r && rl > 0 && rl <= MINISTRY_RECEIPT_MAX && rl < cap) {
        rc = 0;
        for (size_t i = 0; i < rl; i++)
            if (r[i] < 0x21 || r[i] > 0x7e) rc = -EINVAL;
        if (rc == 0) memcpy(receipt, r, rl + 1);
    }
    json_decref(j);
    return rc;
}

int ministry_parse_poll(const char *body, size_t n, json_t **root, ministry_poll_state_t *st, const char **text,
                        const json_t **items)
{
    *root = NULL;
    *text = NULL;
    *items = NULL;
    json_t *j = body && n ? json_loadb(body, n, 0, NULL) : NULL;
    const char *s = json_string_value(json_object_get(j, "state"));
    int rc = 0;
    if (s && !strcmp(s, "processing")) {
        *st = MINISTRY_POLL_PENDING;
    } else if (s && !strcmp(s, "done")) {
        *st = MINISTRY_POLL_DONE;
        *text = json_string_value(json_object_get(j, "result"));
        if (!*text) rc = -EINVAL;
    } else if (s && !strcmp(s, "more_papers")) {
        *st = MINISTRY_POLL_MORE;
        const json_t *it = json_object_get(j, "items");
        *text = json_string_value(json_object_get(j, "note"));
        if (!*text) *text = "";
        if (!json_is_array(it) || json_array_size(it) == 0 || json_array_size(it) > 50) rc = -EINVAL;
        size_t i;
        json_t *v;
        json_array_foreach(it, i, v)
            if (!json_is_string(v)) rc = -EINVAL;
        *items = it;
    } else {
        rc = -EINVAL;
    }
    if (rc == 0 && *text && (strlen(*text) > MINISTRY_TEXT_MAX || !utf8_valid(*text, strlen(*text)))) rc = -EINVAL;
    if (rc < 0) {
        json_decref(j);
        *text = NULL;
        *items = NULL;
        return rc;
    }
    *root = j;
    return 0;
}

/* ---- monitoring ---- */

static ministry_gauge_t *gauge_for(ministry_gauges_t *g, const char *system)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->g[i].system, system)) return &g->g[i];
    if (g->n == (int)(sizeof g->g / sizeof g->g[0])) return NULL;
    ministry_gauge_t *x = &g->g[g->n++];
    memset(x, 0, sizeof *x);
    str_copy(x->system, sizeof x->system, system);
    return x;
}

int ministry_gauges(db_t *db, void *arg)
{
    ministry_gauges_t *g = arg;
    memset(g, 0, sizeof *g);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT system, SUM(CASE WHEN state IN ('queued', 'acknowledged') THEN 1 ELSE 0 END), "
                      "SUM(ack_missed), MIN(CASE WHEN state = 'queued' THEN created_at END) "
                      "FROM ministry_handoffs GROUP BY system ORDER BY system", "");
    for (; rc == DB_ROW; rc = db_step(s)) {
        ministry_gauge_t *x = gauge_for(g, db_col_text(s, 0) ? db_col_text(s, 0) : "");
        if (!x) continue;
        x->outbox_depth = db_col_int(s, 1);
        x->ack_missed = db_col_int(s, 2);
        x->oldest_unacked_ms = db_col_text(s, 3) ? db_col_int(s, 3) : 0;
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

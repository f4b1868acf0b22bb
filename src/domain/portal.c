/* portal.c — the National Public Service Portal connector's outbox, record mapping, dead letters, deadlines and
 * reconciliation (see portal.h and docs/portal.md). */
#include "domain/portal.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/utf8.h"
#include "domain/calendar.h"
#include "domain/dossier.h"
#include "domain/holiday_store.h"
#include "domain/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- enqueue ---- */

/* Every dossier event changes a field, a status or a progress entry the portal shows, except a rating. */
bool portal_event_shown(const char *type)
{
    if (!type || strncmp(type, "dossier.", 8)) return false;
    return strcmp(type, "dossier.rated") != 0;
}

int portal_event_applied(db_t *db, const event_meta_t *ev)
{
    if (!portal_event_shown(ev->type) || !ev->entity || strncmp(ev->entity, "dossier:", 8)) return 0;
    const char *dossier_id = ev->entity + 8;
    /* One statement: the meta check, the insert, and the (node, seq) key keeping a replayed batch harmless. */
    long long n = db_run(db,
                         "INSERT INTO portal_outbox (node, seq, dossier_id, unit_id, event_type, changed_at, "
                         "next_attempt_at, push_due_at) SELECT $1, $2, $3, $4, $5, $6, $6, $7 "
                         "WHERE EXISTS (SELECT 1 FROM meta WHERE key = 'portal_enabled' AND value = '1') "
                         "ON CONFLICT (node, seq) DO NOTHING",
                         "titttii", ev->node, ev->seq, dossier_id, ev->unit_id, ev->type, ev->at,
                         ev->at + PORTAL_PUSH_DEADLINE_MS);
    return n < 0 ? (int)n : 0;
}

int portal_set_enabled(db_t *db, void *arg)
{
    const int *on = arg;
    long long n = db_run(db,
                         "INSERT INTO meta (key, value) VALUES ('portal_enabled', $1) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         "t", *on ? "1" : "0");
    return n < 0 ? (int)n : 0;
}

int portal_enabled(db_t *db)
{
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT value FROM meta WHERE key = 'portal_enabled'", "");
    int on = rc == DB_ROW && db_col_text(s, 0) && !strcmp(db_col_text(s, 0), "1");
    if (s) db_reset(s);
    return rc < 0 ? rc : on;
}

/* ---- instants ---- */

void portal_instant(long long ms, char *out, size_t cap)
{
    if (!cap) return;
    out[0] = '\0';
    if (ms <= 0) return;
    long long vn = ms / 1000 + 7 * 3600;   /* Vietnam time, UTC+7, no DST */
    long day = (long)(vn / 86400);
    long sec = (long)(vn % 86400);
    int y, mo, d;
    if (calendar_ymd_from_day(day, &y, &mo, &d) < 0) return;
    snprintf(out, cap, "%04d%02d%02d%02ld%02ld%02ld", y, mo, d, sec / 3600, sec / 60 % 60, sec % 60);
}

long long portal_instant_parse(const char *t)
{
    if (!t || strlen(t) != 14) return -1;
    int v[6], pos[6][2] = {{0, 4}, {4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 2}};
    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < pos[i][1]; k++) {
            char c = t[pos[i][0] + k];
            if (c < '0' || c > '9') return -1;
            v[i] = v[i] * 10 + (c - '0');
        }
    }
    long mins;
    if (v[5] > 59 || calendar_instant_from_parts(v[0], v[1], v[2], v[3], v[4], &mins) < 0) return -1;
    char back[16];
    long long ms = calendar_utc_ms_from_minutes(mins) + v[5] * 1000LL;
    portal_instant(ms, back, sizeof back);
    return strcmp(back, t) ? -1 : ms;   /* 20260230... does not come back the same: refused */
}

/* ---- the record ---- */

static void col(db_stmt_t *s, int c, char *dst, size_t cap) { db_col_copy(s, c, dst, cap); }
static long long col_ms(db_stmt_t *s, int c) { return db_col_is_null(s, c) ? 0 : db_col_int(s, c); }

int portal_record_load(db_t *db, const char *dossier_id, portal_record_t *r)
{
    memset(r, 0, sizeof *r);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT d.id, d.unit_id, d.unit_path, d.code, COALESCE(u.edi_code, ''), u.name, "
                      "d.procedure_code, d.procedure_name, d.field, d.applicant_kind, d.applicant_name, d.id_number, "
                      "d.phone, COALESCE(d.email, ''), d.address, COALESCE(d.content, ''), COALESCE(d.result, ''), "
                      "d.channel, d.status, d.received_at, d.due_at, d.resolved_at, d.delivered_at "
                      "FROM dossiers d JOIN units u ON u.id = d.unit_id WHERE d.id = $1",
                      "t", dossier_id);
    if (rc == DB_ROW) {
        col(s, 0, r->dossier_id, sizeof r->dossier_id);
        col(s, 1, r->unit_id, sizeof r->unit_id);
        col(s, 2, r->unit_path, sizeof r->unit_path);
        col(s, 3, r->code, sizeof r->code);
        col(s, 4, r->agency_code, sizeof r->agency_code);
        col(s, 5, r->agency_name, sizeof r->agency_name);
        col(s, 6, r->procedure_code, sizeof r->procedure_code);
        col(s, 7, r->procedure_name, sizeof r->procedure_name);
        col(s, 8, r->field, sizeof r->field);
        col(s, 9, r->applicant_kind, sizeof r->applicant_kind);
        col(s, 10, r->applicant_name, sizeof r->applicant_name);
        col(s, 11, r->id_number, sizeof r->id_number);
        col(s, 12, r->phone, sizeof r->phone);
        col(s, 13, r->email, sizeof r->email);
        col(s, 14, r->address, sizeof r->address);
        col(s, 15, r->content, sizeof r->content);
        col(s, 16, r->result, sizeof r->result);
        r->channel = (int)db_col_int(s, 17);
        r->status = (int)db_col_int(s, 18);
        r->received_at = col_ms(s, 19);
        r->due_at = col_ms(s, 20);
        r->resolved_at = col_ms(s, 21);
        r->delivered_at = col_ms(s, 22);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW) return -ENOENT;
    rc = db_query(db, &s,
                  "SELECT s.action, s.at, s.step_due_at, s.status_after, COALESCE(s.note, ''), "
                  "COALESCE(ta.full_name, fa.full_name, ''), COALESCE(tu.name, fu.name, '') FROM dossier_steps s "
                  "LEFT JOIN accounts fa ON fa.id = s.from_account LEFT JOIN accounts ta ON ta.id = s.to_account "
                  "LEFT JOIN units fu ON fu.id = s.from_unit LEFT JOIN units tu ON tu.id = s.to_unit "
                  "WHERE s.dossier_id = $1 ORDER BY s.n",
                  "t", dossier_id);
    while (rc == DB_ROW) {
        /* The newest PORTAL_STEPS_MAX entries: older ones were pushed with earlier changes already. */
        if (r->nsteps == PORTAL_STEPS_MAX) {
            memmove(r->steps, r->steps + 1, sizeof r->steps[0] * (PORTAL_STEPS_MAX - 1));
            r->nsteps--;
        }
        portal_step_t *p = &r->steps[r->nsteps++];
        col(s, 0, p->action, sizeof p->action);
        p->at = col_ms(s, 1);
        p->due_at = col_ms(s, 2);
        p->status = (int)db_col_int(s, 3);
        col(s, 4, p->note, sizeof p->note);
        col(s, 5, p->officer, sizeof p->officer);
        col(s, 6, p->department, sizeof p->department);
        if (!strcmp(p->action, "refuse")) r->refused_at = p->at;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void kinst(jw_t *w, const char *k, long long ms)
{
    char t[16];
    portal_instant(ms, t, sizeof t);
    jw_kstr(w, k, t);
}

static void kintstr(jw_t *w, const char *k, long long v)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", v);
    jw_kstr(w, k, t);
}

/* LoaiDoiTuong: 1 citizen, 2 business, 3 state agency, 4 other. motcua records 'person' or an organisation. */
static int applicant_type(const char *kind)
{
    if (!strcmp(kind, "person")) return 1;
    if (!strcmp(kind, "business") || !strcmp(kind, "organization")) return 2;
    if (!strcmp(kind, "agency")) return 3;
    return 4;
}

/* The end of processing (NgayKetThucXuLy): refusal, stop, resolution, return or withdrawal (Decision 766 2.1). */
static long long end_instant(const portal_record_t *r)
{
    if (r->resolved_at) return r->resolved_at;
    if (r->refused_at) return r->refused_at;
    if (r->status == 7 || r->status == 8 || r->status == 10)
        for (int i = r->nsteps - 1; i >= 0; i--)
            if (r->steps[i].status == r->status) return r->steps[i].at;
    return r->delivered_at;
}

void portal_record_json(const portal_record_t *r, jw_t *w)
{
    jw_obj_begin(w);
    jw_kstr(w, "MaHoSo", r->code);
    jw_kstr(w, "SoBienNhan", r->code);
    jw_kstr(w, "MaTTHC", r->procedure_code);
    jw_kstr(w, "TenTTHC", r->procedure_name);
    jw_kstr(w, "MaLinhVuc", "");
    jw_kstr(w, "TenLinhVuc", r->field);
    jw_kstr(w, "MaDonVi", r->agency_code);
    jw_kstr(w, "DonViXuLy", r->agency_name);
    jw_kstr(w, "ChuHoSo", r->applicant_name);
    kintstr(w, "LoaiDoiTuong", applicant_type(r->applicant_kind));
    jw_kstr(w, "MaDoiTuong", r->id_number);
    jw_kstr(w, "SoGiayToChuHoSo", r->id_number);
    jw_kstr(w, "SoDienThoai", r->phone);
    jw_kstr(w, "Email", r->email);
    jw_kstr(w, "ThongTinKhac", r->address);
    jw_kstr(w, "TrichYeuHoSo", r->content);
    kintstr(w, "KenhThucHien", r->channel);
    kintstr(w, "HinhThuc", r->channel == 2 ? 1 : 0);
    kinst(w, "NgayNopHoSo", r->received_at);
    kinst(w, "NgayTiepNhan", r->received_at);
    kinst(w, "NgayHenTra", r->due_at);
    kintstr(w, "TrangThaiHoSo", r->status);
    kinst(w, "NgayKetThucXuLy", end_instant(r));
    kinst(w, "NgayTra", r->delivered_at);
    kinst(w, "NgayTuChoi", r->refused_at);
    jw_kstr(w, "ThongTinTra", r->result);
    jw_kstr(w, "GhiChu", "");
    jw_obj_end(w);
}

void portal_progress_json(const portal_record_t *r, jw_t *w)
{
    jw_arr_begin(w);
    for (int i = 0; i < r->nsteps; i++) {
        const portal_step_t *p = &r->steps[i];
        jw_obj_begin(w);
        jw_kstr(w, "MaHoSo", r->code);
        jw_kstr(w, "NguoiXuLy", p->officer);
        jw_kstr(w, "ChucDanh", "");
        kinst(w, "ThoiDiemXuLy", p->at);
        jw_kstr(w, "PhongBanXuLy", p->department);
        jw_kstr(w, "NoiDungXuLy", p->note[0] ? p->note : p->action);
        kintstr(w, "TrangThai", p->status);
        kinst(w, "NgayBatDau", p->at);
        kinst(w, "NgayKetThucTheoQuyDinh", p->due_at);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* ---- the outbox ---- */

#define CLAIMABLE "(state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until <= $1)"

int portal_claim(db_t *db, void *arg)
{
    portal_claim_t *c = arg;
    c->n = 0;
    int limit = c->limit < 1 ? 1 : c->limit > PORTAL_CLAIM_MAX ? PORTAL_CLAIM_MAX : c->limit;
    long long lease_until = c->now + c->lease_ms;
    /* One candidate row per dossier and claim: its record is the dossier's current one, so two rows of one
     * dossier in flight at once would only race each other. */
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT node, seq, dossier_id FROM portal_outbox WHERE " CLAIMABLE
                      " ORDER BY next_attempt_at, changed_at, node, seq LIMIT 64",
                      "i", c->now);
    struct { char node[ID_LEN + 1], dossier[ID_LEN + 1]; long long seq; } cand[64];
    int nc = 0;
    while (rc == DB_ROW && nc < 64) {
        col(s, 0, cand[nc].node, sizeof cand[nc].node);
        cand[nc].seq = db_col_int(s, 1);
        col(s, 2, cand[nc].dossier, sizeof cand[nc].dossier);
        bool dup = false;
        for (int i = 0; i < nc; i++)
            if (!strcmp(cand[i].dossier, cand[nc].dossier)) dup = true;
        if (!dup) nc++;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    for (int i = 0; i < nc && c->n < limit; i++) {
        long long n = db_run(db,
                             "UPDATE portal_outbox SET state = 'sending', lease_until = $2, lease_owner = $3, "
                             "attempts = attempts + 1, first_push_at = COALESCE(first_push_at, $1), pushed_at = $1 "
                             "WHERE node = $4 AND seq = $5 AND (" CLAIMABLE ")",
                             "iitti", c->now, lease_until, c->owner, cand[i].node, cand[i].seq);
        if (n < 0) return (int)n;
        if (n == 0) continue;
        portal_job_t *j = &c->jobs[c->n++];
        memset(j, 0, sizeof *j);
        str_copy(j->node, sizeof j->node, cand[i].node);
        j->seq = cand[i].seq;
        str_copy(j->dossier_id, sizeof j->dossier_id, cand[i].dossier);
        rc = db_query(db, &s,
                      "SELECT o.attempts, o.changed_at, p.dossier_id FROM portal_outbox o "
                      "LEFT JOIN portal_dossiers p ON p.dossier_id = o.dossier_id WHERE o.node = $1 AND o.seq = $2",
                      "ti", j->node, j->seq);
        if (rc == DB_ROW) {
            j->attempts = (int)db_col_int(s, 0);
            j->changed_at = db_col_int(s, 1);
            j->created = !db_col_is_null(s, 2);
        }
        if (s) db_reset(s);
        if (rc < 0) return rc;
    }
    return 0;
}

/* One line, bounded, valid UTF-8. */
static void one_line(char *e, size_t cap, const char *src)
{
    str_copy(e, cap, src ? src : "error");
    size_t n = strlen(e);
    while (n && !utf8_valid(e, n)) e[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f) e[i] = ' ';
}

int portal_record_outcome(db_t *db, void *arg)
{
    portal_outcome_t *x = arg;
    const portal_job_t *j = x->job;
    char e[PORTAL_ERROR_MAX + 1];
    one_line(e, sizeof e, x->error);
    long long n;
    if (x->created || x->result == PORTAL_OK) {
        n = db_run(db,
                   "INSERT INTO portal_dossiers (dossier_id, created_at, last_acked_at) VALUES ($1, $2, $2) "
                   "ON CONFLICT (dossier_id) DO NOTHING",
                   "ti", j->dossier_id, x->now);
        if (n < 0) return (int)n;
    }
    if (x->result == PORTAL_OK) {
        n = db_run(db,
                   "UPDATE portal_outbox SET state = 'done', acked_at = $3, http_status = $4, last_error = NULL, "
                   "lease_until = NULL, lease_owner = NULL, "
                   "ack_missed = CASE WHEN ack_due_at IS NOT NULL AND $3 > ack_due_at THEN 1 ELSE ack_missed END, "
                   "push_missed = CASE WHEN first_push_at > push_due_at THEN 1 ELSE push_missed END "
                   "WHERE node = $1 AND seq = $2 AND lease_owner = $5 AND state = 'sending'",
                   "tiiit", j->node, j->seq, x->now, (long long)x->http_status, x->owner);
        if (n <= 0) return (int)n;
        char ans[PORTAL_ERROR_MAX + 1];
        one_line(ans, sizeof ans, x->answer ? x->answer : "");
        for (int i = 0; i < (x->answers > 0 ? x->answers : 1) && i < 4; i++) {
            n = db_run(db, "INSERT INTO portal_acks (node, seq, dossier_id, service, answer, at) "
                           "VALUES ($1, $2, $3, $4, $5, $6)",
                       "tittti", j->node, j->seq, j->dossier_id, x->service ? x->service : "", ans, x->now);
            if (n < 0) return (int)n;
        }
        n = db_run(db, "UPDATE portal_dossiers SET last_acked_at = $2 WHERE dossier_id = $1", "ti", j->dossier_id,
                   x->now);
        return n < 0 ? (int)n : 0;
    }
    bool dead = x->result == PORTAL_PERMANENT || j->attempts >= x->max_attempts;
    n = db_run(db,
               "UPDATE portal_outbox SET state = $3, next_attempt_at = $4, last_error = $5, http_status = $6, "
               "lease_until = NULL, lease_owner = NULL WHERE node = $1 AND seq = $2 AND lease_owner = $7 "
               "AND state = 'sending'",
               "tititit", j->node, j->seq, dead ? "dead" : "pending", x->next_at, e, (long long)x->http_status,
               x->owner);
    if (n <= 0 || !dead) return n < 0 ? (int)n : 0;
    char id[ID_LEN + 1];
    id_new(id);
    n = db_run(db,
               "INSERT INTO portal_dead_letters (id, node, seq, dossier_id, unit_id, reason, http_status, attempts, "
               "dead_at) SELECT $1, node, seq, dossier_id, unit_id, $4, $5, attempts, $6 FROM portal_outbox "
               "WHERE node = $2 AND seq = $3",
               "ttitii", id, j->node, j->seq, e, (long long)x->http_status, x->now);
    return n < 0 ? (int)n : 0;
}

int portal_sweep_deadlines(db_t *db, void *arg)
{
    long long now = *(const long long *)arg;
    db_stmt_t *s = NULL;
    int flagged = 0;
    /* Log each newly missed item once (the alert), then flag them all. */
    int rc = db_query(db, &s,
                      "SELECT node, seq, dossier_id, event_type, "
                      "CASE WHEN push_missed = 0 AND ((first_push_at IS NULL AND $1 > push_due_at) "
                      "OR first_push_at > push_due_at) THEN 1 ELSE 0 END FROM portal_outbox "
                      "WHERE (push_missed = 0 AND ((first_push_at IS NULL AND $1 > push_due_at) "
                      "OR first_push_at > push_due_at)) OR (ack_missed = 0 AND ack_due_at IS NOT NULL "
                      "AND ((acked_at IS NULL AND $1 > ack_due_at) OR acked_at > ack_due_at)) LIMIT 200",
                      "i", now);
    while (rc == DB_ROW) {
        char node[ID_LEN + 1], dossier[ID_LEN + 1], type[64];
        col(s, 0, node, sizeof node);
        col(s, 2, dossier, sizeof dossier);
        col(s, 3, type, sizeof type);
        log_warn("portal: deadline missed (Decree 63/2024 art. 7: %s) for %s of dossier %s (event %s:%lld)",
                 db_col_int(s, 4) ? "pushed within 10 minutes" : "acknowledged within 2 working hours", type,
                 dossier, node, db_col_int(s, 1));
        flagged++;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (!flagged) return 0;
    long long n = db_run(db,
                         "UPDATE portal_outbox SET push_missed = 1 WHERE push_missed = 0 AND "
                         "((first_push_at IS NULL AND $1 > push_due_at) OR first_push_at > push_due_at)",
                         "i", now);
    if (n >= 0)
        n = db_run(db,
                   "UPDATE portal_outbox SET ack_missed = 1 WHERE ack_missed = 0 AND ack_due_at IS NOT NULL AND "
                   "((acked_at IS NULL AND $1 > ack_due_at) OR acked_at > ack_due_at)",
                   "i", now);
    return n < 0 ? (int)n : flagged;
}

/* ---- ack_due_at from each unit's calendar ---- */

#define DUE_BATCH 100
struct due_rows {
    int n;
    struct { char node[ID_LEN + 1], unit[ID_LEN + 1]; long long seq, changed, due; } r[DUE_BATCH];
};

static int due_read(db_t *db, void *arg)
{
    struct due_rows *d = arg;
    d->n = 0;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT node, seq, COALESCE(unit_id, ''), changed_at FROM portal_outbox "
                      "WHERE ack_due_at IS NULL ORDER BY unit_id LIMIT 100", "");
    while (rc == DB_ROW && d->n < DUE_BATCH) {
        col(s, 0, d->r[d->n].node, sizeof d->r[d->n].node);
        d->r[d->n].seq = db_col_int(s, 1);
        col(s, 2, d->r[d->n].unit, sizeof d->r[d->n].unit);
        d->r[d->n].changed = db_col_int(s, 3);
        d->n++;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int due_write(db_t *db, void *arg)
{
    struct due_rows *d = arg;
    for (int i = 0; i < d->n; i++) {
        long long n = db_run(db, "UPDATE portal_outbox SET ack_due_at = $3 WHERE node = $1 AND seq = $2",
                             "tii", d->r[i].node, d->r[i].seq, d->r[i].due);
        if (n < 0) return (int)n;
    }
    return 0;
}

int portal_fill_ack_due(store_t *st)
{
    struct due_rows *d = xcalloc(1, sizeof *d);
    int rc = store_read(st, due_read, d);
    holiday_calendar_t *hc = NULL;
    char hc_unit[ID_LEN + 1] = "";
    for (int i = 0; rc == 0 && i < d->n; i++) {
        if (!hc || strcmp(hc_unit, d->r[i].unit)) {
            holiday_calendar_release(hc);
            hc = NULL;
            str_copy(hc_unit, sizeof hc_unit, d->r[i].unit);
            if (d->r[i].unit[0] && dossier_calendar(st, d->r[i].unit, &hc) < 0) hc = NULL;
        }
        long due;
        long from = calendar_minutes_from_utc_ms(d->r[i].changed);
        if (hc && calendar_add_working_minutes(holiday_calendar_cal(hc), from, PORTAL_ACK_WORK_MINUTES, &due) == 0)
            d->r[i].due = calendar_utc_ms_from_minutes(due);
        else
            d->r[i].due = d->r[i].changed + PORTAL_ACK_WORK_MINUTES * 60000LL;   /* no calendar: wall time */
    }
    holiday_calendar_release(hc);
    if (rc == 0 && d->n) rc = store_write(st, due_write, d);
    int n = d->n;
    free(d);
    return rc < 0 ? rc : n;
}

/* ---- monitoring ---- */

int portal_stats(db_t *db, void *arg)
{
    portal_stats_t *o = arg;
    long long now = o->now;
    memset(o, 0, sizeof *o);
    o->now = now;
    int on = portal_enabled(db);
    if (on < 0) return on;
    o->enabled = on == 1;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT COUNT(*), COALESCE(MIN(changed_at), 0) FROM portal_outbox "
                      "WHERE state IN ('pending','sending')", "");
    if (rc == DB_ROW) {
        o->depth = db_col_int(s, 0);
        long long oldest = db_col_int(s, 1);
        o->oldest_unacked_s = o->depth && now > oldest ? (now - oldest) / 1000 : 0;
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    rc = db_query(db, &s,
                  "SELECT COALESCE(SUM(push_missed), 0), COALESCE(SUM(ack_missed), 0), "
                  "COALESCE(SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END), 0) FROM portal_outbox", "");
    if (rc == DB_ROW) {
        o->missed_push = db_col_int(s, 0);
        o->missed_ack = db_col_int(s, 1);
        o->done = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    rc = db_query(db, &s, "SELECT COUNT(*) FROM portal_dead_letters WHERE replayed_at IS NULL", "");
    if (rc == DB_ROW) o->dead = db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- admin ---- */

static bool covers(const principal_t *who, const char *path)
{
    return !who || auth_role_covers(who, ROLE_ADMIN, path);
}

static void kms(jw_t *w, const char *k, db_stmt_t *s, int c)
{
    jw_key(w, k);
    if (db_col_is_null(s, c)) jw_null(w);
    else jw_int(w, db_col_int(s, c));
}

int portal_status_json(db_t *db, const principal_t *who, long long now, jw_t *w)
{
    portal_stats_t st = {.now = now};
    int rc = portal_stats(db, &st);
    if (rc < 0) return rc;
    jw_obj_begin(w);
    jw_kbool(w, "enabled", st.enabled);
    jw_kint(w, "outbox_depth", st.depth);
    jw_kint(w, "oldest_unacked_seconds", st.oldest_unacked_s);
    jw_kint(w, "deadline_missed_push", st.missed_push);
    jw_kint(w, "deadline_missed_ack", st.missed_ack);
    jw_kint(w, "dead_letters", st.dead);
    jw_kint(w, "acknowledged", st.done);
    jw_kstr(w, "deadline_status", st.missed_push + st.missed_ack ? "missed" : "ok");
    jw_key(w, "missed");
    jw_arr_begin(w);
    db_stmt_t *s = NULL;
    rc = db_query(db, &s,
                  "SELECT o.node, o.seq, o.dossier_id, d.code, d.unit_path, o.event_type, o.changed_at, "
                  "o.first_push_at, o.acked_at, o.push_due_at, o.ack_due_at, o.push_missed, o.ack_missed, o.state "
                  "FROM portal_outbox o JOIN dossiers d ON d.id = o.dossier_id "
                  "WHERE o.push_missed = 1 OR o.ack_missed = 1 ORDER BY o.changed_at DESC LIMIT 500", "");
    int shown = 0;
    while (rc == DB_ROW) {
        if (shown < 50 && covers(who, db_col_text(s, 4))) {
            shown++;
            jw_obj_begin(w);
            jw_kstr(w, "node", db_col_text(s, 0));
            jw_kint(w, "seq", db_col_int(s, 1));
            jw_kstr(w, "dossier_id", db_col_text(s, 2));
            jw_kstr(w, "dossier_code", db_col_text(s, 3));
            jw_kstr(w, "event_type", db_col_text(s, 5));
            kms(w, "changed_at", s, 6);
            kms(w, "pushed_at", s, 7);
            kms(w, "acked_at", s, 8);
            kms(w, "push_due_at", s, 9);
            kms(w, "ack_due_at", s, 10);
            jw_kbool(w, "push_missed", db_col_int(s, 11) != 0);
            jw_kbool(w, "ack_missed", db_col_int(s, 12) != 0);
            jw_kstr(w, "state", db_col_text(s, 13));
            jw_obj_end(w);
        }
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

int portal_dossier_items_json(db_t *db, const principal_t *who, const char *code, jw_t *w)
{
    db_stmt_t *s = NULL;
    char id[ID_LEN + 1] = "", path[512] = "";
    int rc = db_query(db, &s, "SELECT id, unit_path FROM dossiers WHERE code = $1", "t", code);
    if (rc == DB_ROW) {
        col(s, 0, id, sizeof id);
        col(s, 1, path, sizeof path);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW || !covers(who, path)) return -ENOENT;
    jw_obj_begin(w);
    jw_kstr(w, "dossier_id", id);
    jw_kstr(w, "dossier_code", code);
    jw_key(w, "items");
    jw_arr_begin(w);
    rc = db_query(db, &s,
                  "SELECT node, seq, event_type, state, attempts, changed_at, first_push_at, pushed_at, acked_at, "
                  "push_due_at, ack_due_at, push_missed, ack_missed, last_error FROM portal_outbox "
                  "WHERE dossier_id = $1 ORDER BY changed_at, node, seq LIMIT 1000",
                  "t", id);
    while (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kstr(w, "node", db_col_text(s, 0));
        jw_kint(w, "seq", db_col_int(s, 1));
        jw_kstr(w, "event_type", db_col_text(s, 2));
        jw_kstr(w, "state", db_col_text(s, 3));
        jw_kint(w, "attempts", db_col_int(s, 4));
        kms(w, "changed_at", s, 5);
        kms(w, "first_pushed_at", s, 6);
        kms(w, "pushed_at", s, 7);
        kms(w, "acked_at", s, 8);
        kms(w, "push_due_at", s, 9);
        kms(w, "ack_due_at", s, 10);
        jw_kbool(w, "push_missed", db_col_int(s, 11) != 0);
        jw_kbool(w, "ack_missed", db_col_int(s, 12) != 0);
        jw_kstr(w, "last_error", db_col_text(s, 13));
        jw_obj_end(w);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

int portal_dead_letters_json(db_t *db, const principal_t *who, int limit, jw_t *w)
{
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT x.id, x.node, x.seq, x.dossier_id, d.code, d.unit_path, x.reason, x.http_status, "
                      "x.attempts, x.dead_at FROM portal_dead_letters x JOIN dossiers d ON d.id = x.dossier_id "
                      "WHERE x.replayed_at IS NULL ORDER BY x.dead_at DESC, x.id DESC", "");
    jw_obj_begin(w);
    jw_key(w, "items");
    jw_arr_begin(w);
    int shown = 0;
    while (rc == DB_ROW) {
        if (shown < limit && covers(who, db_col_text(s, 5))) {
            shown++;
            jw_obj_begin(w);
            jw_kstr(w, "id", db_col_text(s, 0));
            jw_kstr(w, "node", db_col_text(s, 1));
            jw_kint(w, "seq", db_col_int(s, 2));
            jw_kstr(w, "dossier_id", db_col_text(s, 3));
            jw_kstr(w, "dossier_code", db_col_text(s, 4));
            jw_kstr(w, "reason", db_col_text(s, 6));
            kms(w, "http_status", s, 7);
            jw_kint(w, "attempts", db_col_int(s, 8));
            jw_kint(w, "dead_at", db_col_int(s, 9));
            jw_obj_end(w);
        }
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

int portal_replay(db_t *db, const principal_t *who, const char *id, long long now, derr_t *err)
{
    db_stmt_t *s = NULL;
    char node[ID_LEN + 1] = "", path[512] = "";
    long long seq = 0, replayed = 0;
    int rc = db_query(db, &s,
                      "SELECT x.node, x.seq, d.unit_path, COALESCE(x.replayed_at, 0) FROM portal_dead_letters x "
                      "JOIN dossiers d ON d.id = x.dossier_id WHERE x.id = $1",
                      "t", id);
    if (rc == DB_ROW) {
        col(s, 0, node, sizeof node);
        seq = db_col_int(s, 1);
        col(s, 2, path, sizeof path);
        replayed = db_col_int(s, 3);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW || !covers(who, path)) return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (replayed) return derr_set(err, -EEXIST, 409, MSG_PORTAL_REPLAYED, NULL, NULL, NULL, NULL);
    long long n = db_run(db, "UPDATE portal_dead_letters SET replayed_at = $2, replayed_by = $3 WHERE id = $1", "tit",
                         id, now, who ? who->account_id : NULL);
    if (n >= 0)
        n = db_run(db,
                   "UPDATE portal_outbox SET state = 'pending', attempts = 0, next_attempt_at = $3, last_error = NULL "
                   "WHERE node = $1 AND seq = $2 AND state = 'dead'",
                   "tii", node, seq, now);
    return n < 0 ? (int)n : 0;
}

int portal_repush(db_t *db, const principal_t *who, const char *dossier_id, const char *dossier_code, long long now,
                  char id_out[ID_LEN + 1], derr_t *err)
{
    db_stmt_t *s = NULL;
    char path[512] = "", unit[ID_LEN + 1] = "", id[ID_LEN + 1] = "";
    int rc = dossier_id ? db_query(db, &s, "SELECT unit_path, unit_id, id FROM dossiers WHERE id = $1", "t", dossier_id)
                        : db_query(db, &s, "SELECT unit_path, unit_id, id FROM dossiers WHERE code = $1", "t",
                                   dossier_code ? dossier_code : "");
    if (rc == DB_ROW) {
        col(s, 0, path, sizeof path);
        col(s, 1, unit, sizeof unit);
        col(s, 2, id, sizeof id);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW || !covers(who, path)) return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    long long seq = 1;
    rc = db_query(db, &s, "SELECT COALESCE(MAX(seq), 0) + 1 FROM portal_outbox WHERE node = 'repush'", "");
    if (rc == DB_ROW) seq = db_col_int(s, 0);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    long long n = db_run(db,
                         "INSERT INTO portal_outbox (node, seq, dossier_id, unit_id, event_type, changed_at, "
                         "next_attempt_at, push_due_at) VALUES ('repush', $1, $2, $3, 'portal.repush', $4, $4, $5)",
                         "ittii", seq, id, unit, now, now + PORTAL_PUSH_DEADLINE_MS);
    if (n >= 0)
        n = db_run(db, "UPDATE portal_recon_diffs SET repushed_at = $2 WHERE dossier_id = $1 AND repushed_at IS NULL",
                   "ti", id, now);
    if (n >= 0 && id_out) memcpy(id_out, id, sizeof id);
    return n < 0 ? (int)n : 0;
}

/* ---- reconciliation ---- */

int portal_day_range(const char *day, long long *from, long long *to)
{
    int d;
    if (report_date_parse(day, &d) < 0) return -EINVAL;
    long a, b;
    int nx = report_day_add(d, 1);
    if (calendar_instant_from_parts(d / 10000, d / 100 % 100, d % 100, 0, 0, &a) < 0 ||
        calendar_instant_from_parts(nx / 10000, nx / 100 % 100, nx % 100, 0, 0, &b) < 0)
        return -EINVAL;
    *from = calendar_utc_ms_from_minutes(a);
    *to = calendar_utc_ms_from_minutes(b);
    return 0;
}

/* Instants compare to the second: the portal's format carries no milliseconds. */
static bool same_instant(long long a, long long b) { return a / 1000 == b / 1000; }

static int add_diff(db_t *db, portal_recon_t *r, const char *code, const char *dossier_id, const char *unit,
                    const char *kind, const char *field, const char *mine, const char *theirs)
{
    r->differences++;
    long long n = db_run(db,
                         "INSERT INTO portal_recon_diffs (run_id, n, dossier_code, dossier_id, unit_id, kind, field, "
                         "local_value, portal_value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         "tittttttt", r->id, (long long)r->differences, code, domain_nz(dossier_id), domain_nz(unit),
                         kind, field, mine, theirs);
    return n < 0 ? (int)n : 0;
}

static int date_diff(db_t *db, portal_recon_t *r, const char *code, const char *id, const char *unit,
                     const char *field, long long mine, long long theirs)
{
    if (same_instant(mine, theirs)) return 0;
    char a[16], b[16];
    portal_instant(mine, a, sizeof a);
    portal_instant(theirs, b, sizeof b);
    return add_diff(db, r, code, id, unit, "date", field, a, b);
}

int portal_reconcile_store(db_t *db, void *arg)
{
    portal_recon_t *r = arg;
    r->local = r->portal = r->synced = r->differences = 0;
    long long from, to;
    if (portal_day_range(r->day, &from, &to) < 0) return -EINVAL;
    r->portal = r->nseen;
    char *matched = xcalloc((size_t)r->nseen + 1, 1);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT id, code, unit_id, status, received_at, COALESCE(due_at, 0), "
                      "COALESCE(resolved_at, 0) FROM dossiers WHERE received_at >= $1 AND received_at < $2 "
                      "ORDER BY code",
                      "ii", from, to);
    /* Local rows are copied out first: the inserts below use the same connection. */
    struct lrow { char id[ID_LEN + 1], code[64], unit[ID_LEN + 1]; int status; long long rec, due, res; };
    struct lrow *rows = NULL;
    size_t nrows = 0, caprows = 0;
    while (rc == DB_ROW) {
        if (nrows == caprows) {
            caprows = caprows ? caprows * 2 : 64;
            rows = xrealloc(rows, caprows * sizeof *rows);
        }
        struct lrow *l = &rows[nrows++];
        col(s, 0, l->id, sizeof l->id);
        col(s, 1, l->code, sizeof l->code);
        col(s, 2, l->unit, sizeof l->unit);
        l->status = (int)db_col_int(s, 3);
        l->rec = db_col_int(s, 4);
        l->due = db_col_int(s, 5);
        l->res = db_col_int(s, 6);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    for (size_t i = 0; rc >= 0 && i < nrows; i++) {
        struct lrow *l = &rows[i];
        r->local++;
        int k = -1;
        for (int j = 0; j < r->nseen; j++)
            if (!matched[j] && !strcmp(r->seen[j].code, l->code)) {
                k = j;
                break;
            }
        if (k < 0) {
            char st[8];
            snprintf(st, sizeof st, "%d", l->status);
            rc = add_diff(db, r, l->code, l->id, l->unit, "missing", "MaHoSo", st, "");
            continue;
        }
        matched[k] = 1;
        const portal_seen_t *p = &r->seen[k];
        int before = r->differences;
        if (p->status != l->status) {
            char a[8], b[8];
            snprintf(a, sizeof a, "%d", l->status);
            snprintf(b, sizeof b, "%d", p->status);
            rc = add_diff(db, r, l->code, l->id, l->unit, "status", "TrangThaiHoSo", a, b);
        }
        if (rc >= 0) rc = date_diff(db, r, l->code, l->id, l->unit, "NgayTiepNhan", l->rec, p->received_at);
        if (rc >= 0) rc = date_diff(db, r, l->code, l->id, l->unit, "NgayHenTra", l->due, p->due_at);
        if (rc >= 0) rc = date_diff(db, r, l->code, l->id, l->unit, "NgayKetThucXuLy", l->res, p->resolved_at);
        if (r->differences == before) r->synced++;
    }
    for (int j = 0; rc >= 0 && j < r->nseen; j++)
        if (!matched[j]) {
            char st[8];
            snprintf(st, sizeof st, "%d", r->seen[j].status);
            rc = add_diff(db, r, r->seen[j].code, NULL, NULL, "extra", "MaHoSo", "", st);
        }
    free(rows);
    free(matched);
    if (rc < 0) return rc;
    long long n = db_run(db,
                         "INSERT INTO portal_recon_runs (id, day, started_at, finished_at, local_count, portal_count, "
                         "synced_count, differences, run_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         "ttiiiiiit", r->id, r->day, r->started_at, r->now, (long long)r->local, (long long)r->portal,
                         (long long)r->synced, (long long)r->differences, domain_nz(r->run_by));
    return n < 0 ? (int)n : 0;
}

int portal_recon_json(db_t *db, const principal_t *who, const char *run_id, jw_t *w)
{
    db_stmt_t *s = NULL;
    char id[ID_LEN + 1] = "";
    int rc = run_id ? db_query(db, &s, "SELECT id, day, started_at, finished_at, local_count, portal_count, "
                                       "synced_count, differences FROM portal_recon_runs WHERE id = $1", "t", run_id)
                    : db_query(db, &s, "SELECT id, day, started_at, finished_at, local_count, portal_count, "
                                       "synced_count, differences FROM portal_recon_runs "
                                       "ORDER BY finished_at DESC, id DESC LIMIT 1", "");
    if (rc == DB_ROW) {
        col(s, 0, id, sizeof id);
        jw_obj_begin(w);
        jw_kstr(w, "id", id);
        jw_kstr(w, "date", db_col_text(s, 1));
        jw_kint(w, "started_at", db_col_int(s, 2));
        jw_kint(w, "finished_at", db_col_int(s, 3));
        jw_kint(w, "local_count", db_col_int(s, 4));
        jw_kint(w, "portal_count", db_col_int(s, 5));
        jw_kint(w, "synced_count", db_col_int(s, 6));
        jw_kint(w, "differences", db_col_int(s, 7));
        long long den = db_col_int(s, 4) > db_col_int(s, 5) ? db_col_int(s, 4) : db_col_int(s, 5);
        jw_key(w, "sync_ratio");
        report_json_number(w, den > 0 ? (double)db_col_int(s, 6) / (double)den : -1, 4);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW) return -ENOENT;
    jw_key(w, "items");
    jw_arr_begin(w);
    rc = db_query(db, &s,
                  "SELECT x.n, x.dossier_code, x.dossier_id, x.kind, x.field, x.local_value, x.portal_value, "
                  "x.repushed_at, d.unit_path FROM portal_recon_diffs x LEFT JOIN dossiers d ON d.id = x.dossier_id "
                  "WHERE x.run_id = $1 ORDER BY x.n",
                  "t", id);
    while (rc == DB_ROW) {
        /* An extra dossier (on the portal only) has no unit here: only an admin of the whole tree sees it. */
        const char *path = db_col_text(s, 8);
        bool seen = !who || (path ? covers(who, path) : auth_has_role(who, ROLE_ADMIN));
        if (seen) {
            jw_obj_begin(w);
            jw_kint(w, "n", db_col_int(s, 0));
            jw_kstr(w, "dossier_code", db_col_text(s, 1));
            jw_kstr(w, "dossier_id", db_col_text(s, 2));
            jw_kstr(w, "kind", db_col_text(s, 3));
            jw_kstr(w, "field", db_col_text(s, 4));
            jw_kstr(w, "local_value", db_col_text(s, 5));
            jw_kstr(w, "portal_value", db_col_text(s, 6));
            kms(w, "repushed_at", s, 7);
            jw_obj_end(w);
        }
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

int portal_sync_ratio(db_t *db, const char *unit_path, int from_day, int to_day, long long *num, long long *den)
{
    *num = *den = 0;
    char a[16], b[16], like[520];
    snprintf(a, sizeof a, "%04d-%02d-%02d", from_day / 10000, from_day / 100 % 100, from_day % 100);
    snprintf(b, sizeof b, "%04d-%02d-%02d", to_day / 10000, to_day / 100 % 100, to_day % 100);
    snprintf(like, sizeof like, "%s%%", unit_path ? unit_path : "");
    /* The latest run of each day of the period, copied out: the counts below use the connection. */
    struct { char id[ID_LEN + 1], day[16]; } runs[64];
    int n = 0;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT id, day FROM portal_recon_runs WHERE day >= $1 AND day <= $2 "
                      "ORDER BY day, finished_at DESC, id DESC",
                      "tt", a, b);
    while (rc == DB_ROW) {
        const char *day = db_col_text(s, 1);
        if (day && (n == 0 || strcmp(runs[n - 1].day, day))) {
            if (n == 64) break;                  /* at most 64 days of reconciliations per report */
            col(s, 0, runs[n].id, sizeof runs[n].id);
            str_copy(runs[n].day, sizeof runs[n].day, day);
            n++;
        }
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    for (int i = 0; i < n; i++) {
        long long from, to;
        if (portal_day_range(runs[i].day, &from, &to) < 0) continue;
        long long local = 0, bad = 0;
        rc = db_query(db, &s,
                      "SELECT COUNT(*) FROM dossiers WHERE unit_path LIKE $1 AND received_at >= $2 AND received_at < $3",
                      "tii", like, from, to);
        if (rc == DB_ROW) local = db_col_int(s, 0);
        if (s) db_reset(s);
        if (rc < 0) return rc;
        rc = db_query(db, &s,
                      "SELECT COUNT(DISTINCT x.dossier_id) FROM portal_recon_diffs x JOIN dossiers d "
                      "ON d.id = x.dossier_id WHERE x.run_id = $1 AND d.unit_path LIKE $2",
                      "tt", runs[i].id, like);
        if (rc == DB_ROW) bad = db_col_int(s, 0);
        if (s) db_reset(s);
        if (rc < 0) return rc;
        *den += local;
        *num += local > bad ? local - bad : 0;
    }
    return 0;
}

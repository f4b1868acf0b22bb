/* exchange_out.c — the sending side of the edXML exchange and the status messages back (see exchange_out.h). */
#include "domain/exchange_out.h"

#include "core/clock.h"
#include "core/fileio.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- peers ---- */

static void trim_slash(char *u)
{
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/') u[--n] = '\0';
}

int exchange_peers_parse(const char *text, exchange_peers_t *out, char *why, size_t why_len)
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
        char *words[2 + EXCHANGE_PEER_ORGANS];
        int nw = 0;
        for (char *q = l; *q;) {
            while (*q == ' ' || *q == '\t' || *q == '\r') *q++ = '\0';
            if (!*q) break;
            if (nw == (int)(sizeof words / sizeof words[0])) {
                snprintf(why, why_len, "line %d has more than %d organ ids", line, EXCHANGE_PEER_ORGANS);
                return -EINVAL;
            }
            words[nw++] = q;
            while (*q && *q != ' ' && *q != '\t' && *q != '\r') q++;
        }
        if (nw == 0) continue;
        if (nw < 2) {
            snprintf(why, why_len, "line %d: expected \"URL TOKEN-FILE [ORGAN_ID ...]\"", line);
            return -EINVAL;
        }
        if (out->n == EXCHANGE_PEERS_MAX) {
            snprintf(why, why_len, "more than %d peers", EXCHANGE_PEERS_MAX);
            return -EINVAL;
        }
        exchange_peer_t *e = &out->peer[out->n];
        if ((strncmp(words[0], "http://", 7) && strncmp(words[0], "https://", 8)) ||
            str_copy(e->url, sizeof e->url, words[0]) < 0 || str_copy(e->token_file, sizeof e->token_file,
                                                                        words[1]) < 0) {
            snprintf(why, why_len, "line %d: the URL must be http(s):// and both fields under %d bytes", line,
                     EXCHANGE_URL_MAX);
            return -EINVAL;
        }
        trim_slash(e->url);
        const char *host = e->url + (e->url[4] == 's' ? 8 : 7);
        if (!*host || strchr(host, '@') || strcspn(host, "/?#") == 0) {
            snprintf(why, why_len, "line %d: the URL names no host (or carries credentials)", line);
            return -EINVAL;
        }
        for (int i = 2; i < nw; i++) {
            if (!unit_edi_code_valid(words[i]) || str_copy(e->organs[e->n_organs], sizeof e->organs[0], words[i]) < 0) {
                snprintf(why, why_len, "line %d: \"%.64s\" is not an electronic identifier code", line, words[i]);
                return -EINVAL;
            }
            e->n_organs++;
        }
        if (exchange_peer_by_url(out, e->url)) {
            snprintf(why, why_len, "line %d: peer %.200s listed twice", line, e->url);
            return -EINVAL;
        }
        out->n++;
    }
    return 0;
}

void exchange_peers_free(exchange_peers_t *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->peer[i].token) {
            explicit_bzero(p->peer[i].token, strlen(p->peer[i].token));
            free(p->peer[i].token);
            p->peer[i].token = NULL;
        }
    }
    p->n = 0;
}

const exchange_peer_t *exchange_peer_by_url(const exchange_peers_t *p, const char *url)
{
    if (!p || !url) return NULL;
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/') n--;
    for (int i = 0; i < p->n; i++)
        if (strlen(p->peer[i].url) == n && !strncmp(p->peer[i].url, url, n)) return &p->peer[i];
    return NULL;
}

const exchange_peer_t *exchange_peer_by_organ(const exchange_peers_t *p, const char *organ_id)
{
    if (!p || !organ_id) return NULL;
    for (int i = 0; i < p->n; i++)
        for (int j = 0; j < p->peer[i].n_organs; j++)
            if (!strcmp(p->peer[i].organs[j], organ_id)) return &p->peer[i];
    return NULL;
}

/* ---- events ---- */

struct sent_ev {
    const exchange_sent_t *s;
    const char            *by;
};

static void sent_payload(jw_t *w, const void *arg)
{
    const exchange_sent_t *s = ((const struct sent_ev *)arg)->s;
    jw_obj_begin(w);
    jw_kstr(w, "id", s->id);
    jw_kstr(w, "unit_id", s->unit_id);
    jw_kstr(w, "document_id", s->document_id);
    jw_kstr(w, "to_url", s->to_url);
    jw_kstr(w, "to_organ", s->to_organ);
    jw_kstr(w, "edxml_document_id", s->edxml_document_id);
    jw_kstr(w, "sha256", s->sha256);
    jw_kstr(w, "sent_by", ((const struct sent_ev *)arg)->by);
    jw_kint(w, "at", s->created_at);
    jw_obj_end(w);
}

static int apply_sent(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *unit = event_str(p, "unit_id"), *doc = event_str(p, "document_id"),
               *url = event_str(p, "to_url"), *organ = event_str(p, "to_organ"), *did = event_str(p, "edxml_document_id"),
               *sha = event_str(p, "sha256");
    if (!id || !unit || !doc || !url || !organ || !did || !sha || !json_is_integer(json_object_get(p, "at")))
        return -EINVAL;
    long long at = event_int(p, "at");
    long long n = db_run(db,
                         "INSERT INTO exchange_sent (id, unit_id, document_id, to_url, to_organ, edxml_document_id, "
                         "sha256, state, sent_by, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9, $9)",
                         "tttttttti", id, unit, doc, url, organ, did, sha, event_str(p, "sent_by"), at);
    return n < 0 ? (int)n : 0;
}

/* exchange.delivered {id, http_status, status_code?, at}, exchange.rejected_by_peer {id, http_status, reason, at},
 * exchange.failed {id, http_status, reason, at}: the row's final state (and the receiver's 03 as a status). */
struct final_ev {
    const char *id, *status_code, *reason;
    long long   http_status, at;
};

static void final_payload(jw_t *w, const void *arg)
{
    const struct final_ev *f = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", f->id);
    jw_kint(w, "http_status", f->http_status);
    if (f->status_code) jw_kstr(w, "status_code", f->status_code);
    if (f->reason) jw_kstr(w, "reason", f->reason);
    jw_kint(w, "at", f->at);
    jw_obj_end(w);
}

static int apply_final(db_t *db, const json_t *p, const char *state)
{
    const char *id = event_str(p, "id");
    if (!id || !json_is_integer(json_object_get(p, "at"))) return -EINVAL;
    long long at = event_int(p, "at");
    long long n = db_run(db,
                         "UPDATE exchange_sent SET state = $2, http_status = $3, last_error = $4, updated_at = $5 "
                         "WHERE id = $1",
                         "ttiti", id, state, event_int(p, "http_status"), event_str(p, "reason"), at);
    if (n < 0) return (int)n;
    const char *code = event_str(p, "status_code");
    if (code && *code) {
        char sid[ID_LEN + 8];
        snprintf(sid, sizeof sid, "%.26s-%.2s", id, code);   /* one synchronous status per package */
        n = db_run(db,
                   "INSERT INTO exchange_statuses (id, sent_id, code, stamp, description, staff, received_at) "
                   "VALUES ($1, $2, $3, '', $4, '', $5) ON CONFLICT (id) DO NOTHING",
                   "ttt" "ti", sid, id, code, edxml_status_name(code) ? edxml_status_name(code) : "", at);
        if (n < 0) return (int)n;
    }
    return 0;
}

static int apply_delivered(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    return apply_final(db, p, "delivered");
}
static int apply_rejected_by_peer(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    return apply_final(db, p, "rejected");
}
static int apply_failed(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    return apply_final(db, p, "failed");
}

struct status_ev {
    const char           *id, *sent_id;
    const edxml_doc_t    *st;
    const char           *stamp;
    long long             at;
    const exchange_sig_t *sig;
};

static const char *ez(const char *s) { return s ? s : ""; }

static void status_payload(jw_t *w, const void *arg)
{
    const struct status_ev *s = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", s->id);
    jw_kstr(w, "sent_id", s->sent_id);
    jw_kstr(w, "code", s->st->status_code);
    jw_kstr(w, "stamp", s->stamp);
    jw_kstr(w, "description", s->st->description ? s->st->description : "");
    jw_kstr(w, "staff", s->st->staff.staff ? s->st->staff.staff : "");
    jw_kstr(w, "signature", s->sig ? ez(s->sig->signature) : "unsigned");
    jw_kstr(w, "signer_cn", s->sig ? ez(s->sig->signer_cn) : "");
    jw_kint(w, "at", s->at);
    jw_obj_end(w);
}

static int apply_status(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *sent = event_str(p, "sent_id"), *code = event_str(p, "code"), *stamp = event_str(p, "stamp"),
               *desc = event_str(p, "description"), *staff = event_str(p, "staff");
    if (!id || !sent || !code || !stamp || !desc || !staff || !json_is_integer(json_object_get(p, "at")))
        return -EINVAL;
    long long at = event_int(p, "at");
    long long n = db_run(db,
                         "INSERT INTO exchange_statuses (id, sent_id, code, stamp, description, staff, received_at, "
                         "signature, signer_cn) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                         "ttttttitt", id, sent, code, stamp, desc, staff, at, ez(event_str(p, "signature")),
                         ez(event_str(p, "signer_cn")));
    /* 15 / 16: the receiver's answer to this node's recall request */
    if (n >= 0 && (!strcmp(code, "15") || !strcmp(code, "16")))
        n = db_run(db, "UPDATE exchange_sent SET recall_state = $2, updated_at = $3 WHERE id = $1", "tti", sent,
                   !strcmp(code, "15") ? "accepted" : "refused", at);
    return n < 0 ? (int)n : 0;
}

/* exchange.recall_requested {id, sent_id, reason, stamp, staff, signer_cn, at}: this node asks the receiver of a
 * sent package to recall it (status 13, signed here). */
struct recall_req_ev {
    const char *id, *sent_id, *reason, *stamp, *staff, *signer_cn;
    long long   at;
};

static void recall_req_payload(jw_t *w, const void *arg)
{
    const struct recall_req_ev *e = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", e->id);
    jw_kstr(w, "sent_id", e->sent_id);
    jw_kstr(w, "reason", e->reason);
    jw_kstr(w, "stamp", e->stamp);
    jw_kstr(w, "staff", e->staff);
    jw_kstr(w, "signer_cn", e->signer_cn);
    jw_kint(w, "at", e->at);
    jw_obj_end(w);
}

static int apply_recall_requested(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *sent = event_str(p, "sent_id"), *reason = event_str(p, "reason"),
               *stamp = event_str(p, "stamp");
    if (!id || !sent || !reason || !stamp || !json_is_integer(json_object_get(p, "at"))) return -EINVAL;
    long long at = event_int(p, "at");
    long long n = db_run(db,
                         "INSERT INTO exchange_statuses (id, sent_id, code, stamp, description, staff, received_at, "
                         "signature, signer_cn) VALUES ($1, $2, '13', $3, $4, $5, $6, 'signed', $7)",
                         "tttttit", id, sent, stamp, reason, ez(event_str(p, "staff")), at, ez(event_str(p, "signer_cn")));
    if (n >= 0)
        n = db_run(db, "UPDATE exchange_sent SET recall_state = 'requested', recall_reason = $2, updated_at = $3 "
                       "WHERE id = $1", "tti", sent, reason, at);
    return n < 0 ? (int)n : 0;
}

/* exchange.recall_received {id (the exchange_received row), document_id, reason, stamp, staff, signature,
 * signer_cn, at}: the sender of a received package asks this node to recall it. */
struct recall_rcv_ev {
    const char           *id, *document_id, *reason, *stamp, *staff;
    const exchange_sig_t *sig;
    long long             at;
};

static void recall_rcv_payload(jw_t *w, const void *arg)
{
    const struct recall_rcv_ev *e = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", e->id);
    jw_kstr(w, "document_id", e->document_id);
    jw_kstr(w, "reason", e->reason);
    jw_kstr(w, "stamp", e->stamp);
    jw_kstr(w, "staff", e->staff);
    jw_kstr(w, "signature", ez(e->sig->signature));
    jw_kstr(w, "signer_cn", ez(e->sig->signer_cn));
    jw_kint(w, "at", e->at);
    jw_obj_end(w);
}

static int apply_recall_received(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *reason = event_str(p, "reason"), *stamp = event_str(p, "stamp");
    if (!id || !reason || !stamp || !json_is_integer(json_object_get(p, "at"))) return -EINVAL;
    long long n = db_run(db,
                         "UPDATE exchange_received SET recall_state = 'requested', recall_reason = $2, "
                         "recall_stamp = $3, recall_signature = $4, recall_signer_cn = $5, recall_requested_at = $6, "
                         "recall_answer = '', recall_answered_by = '', recall_answered_at = 0 WHERE id = $1",
                         "ttttti", id, reason, stamp, ez(event_str(p, "signature")), ez(event_str(p, "signer_cn")),
                         event_int(p, "at"));
    return n < 0 ? (int)n : 0;
}

/* exchange.recall_answered {id (the exchange_received row), document_id, accepted, reason, by, signer_cn, at}:
 * accepted, the incoming document is marked recalled (it stays in the register). */
struct recall_ans_ev {
    const char *id, *document_id, *reason, *by, *signer_cn;
    bool        accepted;
    long long   at;
};

static void recall_ans_payload(jw_t *w, const void *arg)
{
    const struct recall_ans_ev *e = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", e->id);
    jw_kstr(w, "document_id", e->document_id);
    jw_kbool(w, "accepted", e->accepted);
    jw_kstr(w, "reason", e->reason);
    jw_kstr(w, "by", e->by);
    jw_kstr(w, "signer_cn", e->signer_cn);
    jw_kint(w, "at", e->at);
    jw_obj_end(w);
}

static int apply_recall_answered(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *reason = event_str(p, "reason");
    json_t *acc = json_object_get(p, "accepted");
    if (!id || !reason || !json_is_boolean(acc) || !json_is_integer(json_object_get(p, "at"))) return -EINVAL;
    long long n = db_run(db,
                         "UPDATE exchange_received SET recall_state = $2, recall_answer = $3, recall_answered_by = $4, "
                         "recall_answered_at = $5 WHERE id = $1",
                         "tttti", id, json_is_true(acc) ? "accepted" : "refused", reason, ez(event_str(p, "by")),
                         event_int(p, "at"));
    return n < 0 ? (int)n : 0;
}

static const event_kind_t out_kinds[] = {
    {"exchange.sent", apply_sent},
    {"exchange.delivered", apply_delivered},
    {"exchange.rejected_by_peer", apply_rejected_by_peer},
    {"exchange.failed", apply_failed},
    {"exchange.status_received", apply_status},
    {"exchange.recall_requested", apply_recall_requested},
    {"exchange.recall_received", apply_recall_received},
    {"exchange.recall_answered", apply_recall_answered},
    {NULL, NULL},
};

static const event_table_t out_tables[] = {
    {"exchange_sent", "id"},
    {"exchange_statuses", "id"},
    {NULL, NULL},
};

const event_module_t exchange_out_event_module = {"exchange_out", out_kinds, out_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

/* ---- building the package ---- */

static bool sends_for(const principal_t *who, const char *path)
{
    return auth_role_covers(who, ROLE_CLERK, path) || auth_role_covers(who, ROLE_LEADER, path);
}

/* The type's name as partners write it: the part before " (" ("Quyết định (cá biệt)" -> "Quyết định"). */
static void type_name_of(const char *code, char *out, size_t cap)
{
    const document_type_t *t = document_type_find(code);
    str_copy(out, cap, t ? t->name_vi : "Công văn");
    char *br = strstr(out, " (");
    if (br) *br = '\0';
}

static int priority_of(const char *urgency)
{
    static const char *const u[] = {"normal", "urgent", "very_urgent", "flash"};
    for (int i = 0; i < 4; i++)
        if (!strcmp(urgency, u[i])) return i;
    return 0;
}

struct pkg_ctx {
    document_t d;
    unit_t     u;
};

static int load_sendable(db_t *db, const principal_t *who, const exchange_send_in_t *in, struct pkg_ctx *k,
                         derr_t *err)
{
    int rc = document_get(db, in->document_id, &k->d);
    if (rc == 0 && !document_readable(who, &k->d)) rc = -ENOENT;
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (!sends_for(who, k->d.unit_path)) return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (strcmp(k->d.direction, "out"))
        return derr_set(err, -EBUSY, 409, MSG_OUTBOX_NOT_OUTGOING, NULL, NULL, NULL, NULL);
    if ((rc = unit_get(db, k->d.unit_id, &k->u)) < 0) return rc;
    if (!k->u.edi_code[0]) return derr_set(err, -EINVAL, 422, MSG_OUTBOX_NO_EDI_CODE, NULL, NULL, NULL, NULL);
    return 0;
}

static void attachments_free(edxml_doc_t *e)
{
    for (int i = 0; i < e->n_attachments; i++) {
        edxml_attachment_t *a = &e->attachments[i];
        free(a->content_id);
        free(a->name);
        free(a->data);
    }
    free(e->attachments);
    e->attachments = NULL;
    e->n_attachments = 0;
}

/* The document's PDF attachments, in their order, read from the blob store into e (at most
 * EDXML_MAX_ATTACHMENT bytes in all: beyond, 422). */
static int package_attachments(db_t *db, const exchange_send_in_t *in, const char *document_id, edxml_doc_t *e,
                               derr_t *err)
{
    if (!in->blobs) return 0;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT name, sha256, size FROM document_attachments WHERE document_id = $1 "
                              "ORDER BY n LIMIT $2", "ti", document_id, (long long)EDXML_MAX_ATTACHMENTS);
    size_t total = 0;
    for (; rc == DB_ROW; rc = db_step(s)) {
        long long size = db_col_int(s, 2);
        if (size < 0 || (size_t)size > EDXML_MAX_ATTACHMENT - total) {
            rc = derr_set(err, -E2BIG, 422, MSG_OUTBOX_SIGN, NULL, "the attachments are too large for one package",
                          NULL, NULL);
            break;
        }
        char path[4096];
        buf_t b;
        buf_init(&b, (size_t)size);
        rc = blob_path(in->blobs, db_col_text(s, 1), path, sizeof path);
        if (rc == 0) rc = file_read_all(path, (size_t)size, &b);
        if (rc == 0 && b.len != (size_t)size) rc = -EIO;
        if (rc < 0) {
            buf_free(&b);
            log_error("exchange: attachment %s of document %s cannot be read: %s", db_col_text(s, 1), document_id,
                      strerror(-rc));
            rc = -EIO;
            break;
        }
        total += b.len;
        e->attachments = xrealloc(e->attachments, (size_t)(e->n_attachments + 1) * sizeof *e->attachments);
        edxml_attachment_t *a = &e->attachments[e->n_attachments++];
        memset(a, 0, sizeof *a);
        char cid[32];
        snprintf(cid, sizeof cid, "attachment-%d", e->n_attachments);
        a->content_id = xstrdup(cid);
        a->name = xstrdup(db_col_text(s, 0));
        a->content_type = (char *)"application/pdf";
        a->len = b.len;
        a->data = b.len ? (unsigned char *)buf_steal(&b) : NULL;
        buf_free(&b);
    }
    if (s) db_reset(s);
    if (rc < 0) attachments_free(e);
    return rc < 0 ? rc : 0;
}

int exchange_build_package(db_t *db, const principal_t *who, const exchange_send_in_t *in, buf_t *xml,
                           char *edxml_id, size_t edxml_id_cap, derr_t *err)
{
    struct pkg_ctx *k = xcalloc(1, sizeof *k);
    int rc = load_sendable(db, who, in, k, err);
    if (rc < 0) goto out;
    const document_t *d = &k->d;
    char number[64], notation[256], type_name[128], did[EDXML_MAX_FIELD + 1];
    const char *slash = strchr(d->symbol, '/');
    size_t nl = slash ? (size_t)(slash - d->symbol) : strlen(d->symbol);
    snprintf(number, sizeof number, "%.*s", (int)(nl < sizeof number ? nl : sizeof number - 1), d->symbol);
    str_copy(notation, sizeof notation, slash ? slash + 1 : "");
    type_name_of(d->type, type_name, sizeof type_name);
    edxml_doc_t e;
    memset(&e, 0, sizeof e);
    edxml_organ_t to;
    memset(&to, 0, sizeof to);
    to.organ_id = (char *)in->to_organ;
    e.kind = EDXML_PACKAGE;
    e.from.organ_id = k->u.edi_code;
    e.from.organ_name = k->u.name;
    e.to = &to;
    e.n_to = 1;
    e.code_number = number;
    e.code_notation = notation;
    e.place = k->u.name;
    if (sscanf(d->dated, "%4d-%2d-%2d", &e.promulgation_date.y, &e.promulgation_date.m, &e.promulgation_date.d) != 3)
        memset(&e.promulgation_date, 0, sizeof e.promulgation_date);
    snprintf(did, sizeof did, "%s,%04d/%02d/%02d,%s", k->u.edi_code, e.promulgation_date.y, e.promulgation_date.m,
             e.promulgation_date.d, d->symbol);
    e.document_id = did;
    e.type = 1;
    e.type_name = type_name;
    e.subject = (char *)d->summary;
    e.signer_full_name = (char *)d->signer;
    e.priority = priority_of(d->urgency);
    rc = package_attachments(db, in, d->id, &e, err);
    if (rc < 0) goto out;
    char why[256] = "";
    rc = edxml_build(&e, xml, why, sizeof why);
    attachments_free(&e);
    if (rc < 0) {
        rc = derr_set(err, -EINVAL, 422, MSG_OUTBOX_SIGN, NULL, why, NULL, NULL);
        goto out;
    }
    str_copy(edxml_id, edxml_id_cap, did);
out:
    free(k);
    return rc;
}

/* ---- sending ---- */

static int outbox_insert(db_t *db, const char *id, const char *kind, const char *sent_id, const char *url,
                         const void *xml, size_t n, long long now)
{
    char *body = xmalloc(n + 1);
    memcpy(body, xml, n);
    body[n] = '\0';
    long long r = db_run(db,
                         "INSERT INTO exchange_outbox (id, kind, sent_id, to_url, body, created_at, attempts, "
                         "next_attempt_at, state) VALUES ($1, $2, $3, $4, $5, $6, 0, $6, 'pending')",
                         "ttttti", id, kind, sent_id, url, body, now);
    free(body);
    return r < 0 ? (int)r : 0;
}

int exchange_send(db_t *db, const principal_t *who, const char *id, const exchange_send_in_t *in, const void *xml,
                  size_t n, const char *edxml_id, exchange_sent_t *out, derr_t *err)
{
    memset(out, 0, sizeof *out);
    struct pkg_ctx *k = xcalloc(1, sizeof *k);
    int rc = load_sendable(db, who, in, k, err);
    if (rc < 0) goto done;
    str_copy(out->id, sizeof out->id, id);
    str_copy(out->unit_id, sizeof out->unit_id, k->d.unit_id);
    str_copy(out->document_id, sizeof out->document_id, k->d.id);
    str_copy(out->to_url, sizeof out->to_url, in->to_url);
    trim_slash(out->to_url);
    str_copy(out->to_organ, sizeof out->to_organ, in->to_organ);
    str_copy(out->edxml_document_id, sizeof out->edxml_document_id, edxml_id);
    sha256_hex(xml, n, out->sha256);
    str_copy(out->state, sizeof out->state, "queued");
    out->created_at = out->updated_at = in->now_ms;
    struct sent_ev ev = {out, who->account_id};
    rc = event_record(db, out->unit_id, who->account_id, "exchange.sent", "exchange_sent", id, sent_payload, &ev,
                      NULL);
    if (rc == 0) rc = outbox_insert(db, id, "package", id, out->to_url, xml, n, in->now_ms);
done:
    free(k);
    return rc;
}

/* ---- status messages back ---- */

static void vn_time(long long ms, edxml_time_t *t)
{
    time_t s = (time_t)((ms + VN_OFFSET_MS) / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    t->y = tm.tm_year + 1900;
    t->m = tm.tm_mon + 1;
    t->d = tm.tm_mday;
    t->hh = tm.tm_hour;
    t->mi = tm.tm_min;
    t->ss = tm.tm_sec;
}

/* The status message From unit u about the package DocumentId did of organ rf_organ. */
static int status_build(const unit_t *u, const char *rf_organ, const char *did, const char *code, const char *desc,
                        const char *staff, long long now_ms, buf_t *xml, char *why, size_t why_len)
{
    edxml_doc_t e;
    memset(&e, 0, sizeof e);
    e.kind = EDXML_STATUS;
    e.from.organ_id = (char *)u->edi_code;
    e.from.organ_name = (char *)u->name;
    e.response_for.organ_id = (char *)rf_organ;
    e.response_for.document_id = (char *)did;
    str_copy(e.status_code, sizeof e.status_code, code);
    e.description = (char *)(desc && *desc ? desc : edxml_status_name(code));
    e.staff.staff = (char *)(staff ? staff : "");
    vn_time(now_ms, &e.timestamp);
    buf_reset(xml);
    return edxml_build(&e, xml, why, why_len);
}

/* Where the status of an incoming document goes: its exchange_received row and the peer serving its sender.
 * 0 found, 1 not from the exchange / no peer (logged), < 0 a store error. */
struct ack_target {
    char                   from[64], did[EDXML_MAX_FIELD + 1], unit_id[ID_LEN + 1];
    const exchange_peer_t *peer;
};

static int ack_target(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                      struct ack_target *t)
{
    memset(t, 0, sizeof *t);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT from_organ, edxml_document_id, unit_id FROM exchange_received "
                              "WHERE document_id = $1", "t", document_id);
    if (rc == DB_ROW) {
        str_copy(t->from, sizeof t->from, db_col_text(s, 0));
        str_copy(t->did, sizeof t->did, db_col_text(s, 1));
        str_copy(t->unit_id, sizeof t->unit_id, db_col_text(s, 2));
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (!t->did[0]) return 1;
    t->peer = exchange_peer_by_organ(peers, t->from);
    if (!t->peer) {
        char esc[LOG_ESC_CAP];
        log_warn("exchange: no peer serves %s (--exchange-peers): status %s of document %s not sent back",
                 log_esc(esc, sizeof esc, t->from), code, document_id);
        return 1;
    }
    return 0;
}

static int ack_build_for(db_t *db, const struct ack_target *t, const char *document_id, const char *code,
                         const char *note, const char *staff, long long now_ms, buf_t *xml)
{
    unit_t *u = xmalloc(sizeof *u);
    int rc = unit_get(db, t->unit_id, u);
    if (rc == 0) {
        char why[256] = "";
        if (status_build(u, t->from, t->did, code, note, staff, now_ms, xml, why, sizeof why) < 0) {
            log_error("exchange: cannot build status %s of document %s: %s", code, document_id, why);
            rc = 1;
        }
    }
    free(u);
    return rc;
}

int exchange_ack_build(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                       const char *note, const char *staff, long long now_ms, buf_t *xml)
{
    struct ack_target t;
    int rc = ack_target(db, peers, document_id, code, &t);
    return rc != 0 ? rc : ack_build_for(db, &t, document_id, code, note, staff, now_ms, xml);
}

int exchange_ack_queue(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                       const char *note, const char *staff, long long now_ms, const buf_t *signed_xml)
{
    struct ack_target t;
    int rc = ack_target(db, peers, document_id, code, &t);
    if (rc != 0) return rc;
    char id[ID_LEN + 1];
    id_new(id);
    if (signed_xml && signed_xml->len)
        return outbox_insert(db, id, "status", NULL, t.peer->url, signed_xml->data, signed_xml->len, now_ms);
    buf_t xml;
    buf_init(&xml, EDXML_MAX_TEXT * 4);
    rc = ack_build_for(db, &t, document_id, code, note, staff, now_ms, &xml);
    if (rc == 0) rc = outbox_insert(db, id, "status", NULL, t.peer->url, xml.data, xml.len, now_ms);
    buf_free(&xml);
    return rc;
}

/* ---- status messages received ---- */

static int sent_get_where(db_t *db, const char *sql, const char *a, const char *b, exchange_sent_t *out,
                          char *path, size_t path_cap);

#define SENT_COLS                                                                                                  \
    "x.id, x.unit_id, x.document_id, x.to_url, x.to_organ, x.edxml_document_id, x.sha256, x.state, "              \
    "COALESCE(x.http_status, 0), COALESCE(x.last_error, o.last_error, ''), COALESCE(o.attempts, 0), "            \
    "CASE WHEN o.state = 'pending' THEN o.next_attempt_at ELSE 0 END, x.created_at, x.updated_at, u.path, "        \
    "x.recall_state, x.recall_reason "                                                                             \
    "FROM exchange_sent x JOIN units u ON u.id = x.unit_id LEFT JOIN exchange_outbox o ON o.id = x.id "

static void sent_row(db_stmt_t *s, exchange_sent_t *x, char *path, size_t path_cap)
{
    memset(x, 0, sizeof *x);
    str_copy(x->id, sizeof x->id, db_col_text(s, 0));
    str_copy(x->unit_id, sizeof x->unit_id, db_col_text(s, 1));
    str_copy(x->document_id, sizeof x->document_id, db_col_text(s, 2));
    str_copy(x->to_url, sizeof x->to_url, db_col_text(s, 3));
    str_copy(x->to_organ, sizeof x->to_organ, db_col_text(s, 4));
    str_copy(x->edxml_document_id, sizeof x->edxml_document_id, db_col_text(s, 5));
    str_copy(x->sha256, sizeof x->sha256, db_col_text(s, 6));
    str_copy(x->state, sizeof x->state, db_col_text(s, 7));
    x->http_status = db_col_int(s, 8);
    str_copy(x->last_error, sizeof x->last_error, db_col_text(s, 9));
    x->attempts = (int)db_col_int(s, 10);
    x->next_attempt_at = db_col_int(s, 11);
    x->created_at = db_col_int(s, 12);
    x->updated_at = db_col_int(s, 13);
    if (path) str_copy(path, path_cap, db_col_text(s, 14));
    str_copy(x->recall_state, sizeof x->recall_state, db_col_text(s, 15));
    str_copy(x->recall_reason, sizeof x->recall_reason, db_col_text(s, 16));
}

static int sent_get_where(db_t *db, const char *sql, const char *a, const char *b, exchange_sent_t *out,
                          char *path, size_t path_cap)
{
    db_stmt_t *s;
    int rc = b ? db_query(db, &s, sql, "tt", a, b) : db_query(db, &s, sql, "t", a);
    if (rc == DB_ROW) sent_row(s, out, path, path_cap);
    if (s) db_reset(s);
    return rc < 0 ? rc : rc == DB_ROW ? 0 : -ENOENT;
}

static void stamp_text(const edxml_time_t *t, char *out, size_t cap)
{
    if (!t->y) str_copy(out, cap, "");
    else
        snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d", t->y % 10000, t->m % 100, t->d % 100, t->hh % 100,
                 t->mi % 100, t->ss % 100);
}

int exchange_status_receive(db_t *db, const principal_t *who, const char *id, long long now_ms,
                            const edxml_doc_t *st, const exchange_sig_t *sig, exchange_sent_t *sent,
                            exchange_status_outcome_t *outcome, derr_t *err)
{
    char path[AUTH_PATH_MAX] = "";
    /* The newest package of that DocumentId to that receiver (a resend carries the same DocumentId). */
    int rc = sent_get_where(db, "SELECT " SENT_COLS "WHERE x.edxml_document_id = $1 AND x.to_organ = $2 "
                                "ORDER BY x.id DESC LIMIT 1",
                            st->response_for.document_id, st->from.organ_id, sent, path, sizeof path);
    if (rc == 0 && !sends_for(who, path)) rc = -ENOENT;
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_OUTBOX_NO_SENT, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    char stamp[32];
    stamp_text(&st->timestamp, stamp, sizeof stamp);
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT 1 FROM exchange_statuses x JOIN exchange_sent y ON y.id = x.sent_id "
                          "WHERE y.edxml_document_id = $1 AND y.to_organ = $2 AND x.code = $3 AND x.stamp = $4",
                  "tttt", sent->edxml_document_id, sent->to_organ, st->status_code, stamp);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc == DB_ROW) {
        *outcome = EXCHANGE_STATUS_DUPLICATE;
        return 0;
    }
    struct status_ev ev = {id, sent->id, st, stamp, now_ms, sig};
    rc = event_record(db, sent->unit_id, who->account_id, "exchange.status_received", "exchange_sent", sent->id,
                      status_payload, &ev, NULL);
    if (rc == 0) *outcome = EXCHANGE_STATUS_NEW;
    return rc;
}

/* ---- reading ---- */

int exchange_sent_list(db_t *db, const principal_t *who, const char *document_id, const char *before,
                       long long limit, exchange_sent_cb cb, void *arg)
{
    db_stmt_t *s = db_prepare(db, "SELECT " SENT_COLS "WHERE (CAST($1 AS TEXT) = '' OR x.document_id = $1) AND "
                                  "(CAST($2 AS TEXT) = '' OR x.id < $2) ORDER BY x.id DESC");
    if (!s) return -EIO;
    db_bind_text(s, 1, document_id ? document_id : "", DB_NTS);
    db_bind_text(s, 2, before ? before : "", DB_NTS);
    exchange_sent_t *x = xmalloc(sizeof *x);
    char path[AUTH_PATH_MAX];
    long long n = 0;
    int rc = 0;
    /* Rows are copied out first: the callback queries the statuses on the same connection. */
    exchange_sent_t *rows = NULL;
    size_t nrows = 0, cap = 0;
    while (n < limit && (rc = db_step(s)) == DB_ROW) {
        sent_row(s, x, path, sizeof path);
        if (!sends_for(who, path) && !auth_role_covers(who, ROLE_ADMIN, path)) continue;
        if (nrows == cap) {
            cap = cap ? cap * 2 : 16;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        rows[nrows++] = *x;
        n++;
    }
    db_reset(s);
    free(x);
    if (rc < 0) {
        free(rows);
        return rc;
    }
    for (size_t i = 0; i < nrows; i++)
        if (cb(db, &rows[i], arg) < 0) break;
    free(rows);
    return (int)n;
}

int exchange_sent_get(db_t *db, const char *id, exchange_sent_t *out)
{
    return sent_get_where(db, "SELECT " SENT_COLS "WHERE x.id = $1", id, NULL, out, NULL, 0);
}

int exchange_sent_json(db_t *db, jw_t *w, const exchange_sent_t *x)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", x->id);
    jw_kstr(w, "unit_id", x->unit_id);
    jw_kstr(w, "document_id", x->document_id);
    jw_kstr(w, "to_url", x->to_url);
    jw_kstr(w, "to_organ", x->to_organ);
    jw_kstr(w, "edxml_document_id", x->edxml_document_id);
    jw_kstr(w, "sha256", x->sha256);
    jw_kstr(w, "state", x->state);
    jw_key(w, "http_status");
    if (x->http_status) jw_int(w, x->http_status);
    else jw_null(w);
    jw_kstr(w, "last_error", domain_nz(x->last_error));
    jw_kint(w, "attempts", x->attempts);
    jw_key(w, "next_attempt_at");
    if (x->next_attempt_at) jw_int(w, x->next_attempt_at);
    else jw_null(w);
    jw_kint(w, "created_at", x->created_at);
    jw_kint(w, "updated_at", x->updated_at);
    jw_key(w, "recall_state");
    if (x->recall_state[0]) jw_str(w, x->recall_state);
    else jw_null(w);
    jw_kstr(w, "recall_reason", x->recall_reason);
    jw_key(w, "statuses");
    jw_arr_begin(w);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT code, stamp, description, staff, received_at, signature, signer_cn "
                              "FROM exchange_statuses WHERE sent_id = $1 ORDER BY received_at, code",
                      "t", x->id);
    while (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kstr(w, "code", db_col_text(s, 0));
        jw_kstr(w, "status", edxml_status_name(db_col_text(s, 0)));
        jw_kstr(w, "timestamp", domain_nz(db_col_text(s, 1)));
        jw_kstr(w, "description", db_col_text(s, 2));
        jw_kstr(w, "staff", domain_nz(db_col_text(s, 3)));
        jw_kint(w, "received_at", db_col_int(s, 4));
        /* "" the inbox's synchronous answer; "valid" verified, "unsigned", "unverified" (no trust anchors);
         * "signed" a status this node sent itself (13) */
        jw_key(w, "signature");
        if (db_col_text(s, 5) && *db_col_text(s, 5)) jw_str(w, db_col_text(s, 5));
        else jw_null(w);
        jw_kstr(w, "signer_cn", ez(db_col_text(s, 6)));
        jw_obj_end(w);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

/* ---- recall ---- */

static void now_stamp(long long now_ms, char *out, size_t cap)
{
    edxml_time_t t;
    memset(&t, 0, sizeof t);
    vn_time(now_ms, &t);
    stamp_text(&t, out, cap);
}

struct recall_ctx {
    document_t      d;
    unit_t          u;
    exchange_sent_t sent;
};

/* The sender's checks; k filled. */
static int recall_load(db_t *db, const principal_t *who, const exchange_recall_in_t *in, struct recall_ctx *k,
                       derr_t *err)
{
    int rc = document_get(db, in->document_id, &k->d);
    if (rc == 0 && !document_readable(who, &k->d)) rc = -ENOENT;
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (!sends_for(who, k->d.unit_path)) return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (strcmp(k->d.direction, "out"))
        return derr_set(err, -EBUSY, 409, MSG_OUTBOX_NOT_OUTGOING, NULL, NULL, NULL, NULL);
    rc = sent_get_where(db, "SELECT " SENT_COLS "WHERE x.document_id = $1 ORDER BY x.id DESC LIMIT 1",
                        k->d.id, NULL, &k->sent, NULL, 0);
    if (rc == -ENOENT || (rc == 0 && strcmp(k->sent.state, "delivered")))
        return derr_set(err, -EBUSY, 409, MSG_OUTBOX_NOT_DELIVERED, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (!strcmp(k->sent.recall_state, "requested") || !strcmp(k->sent.recall_state, "accepted"))
        return derr_set(err, -EBUSY, 409, MSG_OUTBOX_RECALL_OPEN, NULL, k->sent.recall_state, NULL, NULL);
    if ((rc = unit_get(db, k->d.unit_id, &k->u)) < 0) return rc;
    if (!k->u.edi_code[0]) return derr_set(err, -EINVAL, 422, MSG_OUTBOX_NO_EDI_CODE, NULL, NULL, NULL, NULL);
    return 0;
}

int exchange_recall_build(db_t *db, const principal_t *who, const exchange_recall_in_t *in, buf_t *xml,
                          exchange_sent_t *sent, derr_t *err)
{
    struct recall_ctx *k = xcalloc(1, sizeof *k);
    int rc = recall_load(db, who, in, k, err);
    if (rc == 0) {
        char why[256] = "";
        /* 13 comes from the sender: ResponseFor names its own package (its OrganId and DocumentId). */
        rc = status_build(&k->u, k->u.edi_code, k->sent.edxml_document_id, "13", in->reason, who->username,
                          in->now_ms, xml, why, sizeof why);
        if (rc < 0) rc = derr_set(err, -EINVAL, 422, MSG_OUTBOX_SIGN, NULL, why, NULL, NULL);
        else *sent = k->sent;
    }
    free(k);
    return rc;
}

int exchange_recall_request(db_t *db, const principal_t *who, const exchange_recall_in_t *in, const void *xml,
                            size_t n, const char *signer_cn, exchange_sent_t *sent, derr_t *err)
{
    struct recall_ctx *k = xcalloc(1, sizeof *k);
    int rc = recall_load(db, who, in, k, err);
    if (rc < 0) goto out;
    char stamp[32];
    now_stamp(in->now_ms, stamp, sizeof stamp);
    struct recall_req_ev ev = {.id = in->id, .sent_id = k->sent.id, .reason = in->reason, .stamp = stamp,
                               .staff = who->username, .signer_cn = ez(signer_cn), .at = in->now_ms};
    rc = event_record(db, k->sent.unit_id, who->account_id, "exchange.recall_requested", "exchange_sent",
                      k->sent.id, recall_req_payload, &ev, NULL);
    if (rc == 0) rc = outbox_insert(db, in->id, "status", NULL, k->sent.to_url, xml, n, in->now_ms);
    if (rc == 0) rc = exchange_sent_get(db, k->sent.id, sent);
out:
    free(k);
    return rc;
}

static bool receives_for(const principal_t *who, const char *path) { return sends_for(who, path); }

struct received_row {
    char id[ID_LEN + 1], unit_id[ID_LEN + 1], document_id[ID_LEN + 1], path[AUTH_PATH_MAX];
    char from_organ[64], did[EDXML_MAX_FIELD + 1], recall_state[12], recall_stamp[32];
};

static int received_where(db_t *db, const char *where, const char *a, const char *b, struct received_row *r)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT r.id, r.unit_id, r.document_id, u.path, r.from_organ, r.edxml_document_id, r.recall_state, "
             "r.recall_stamp FROM exchange_received r JOIN units u ON u.id = r.unit_id WHERE %s", where);
    db_stmt_t *s;
    int rc = b ? db_query(db, &s, sql, "tt", a, b) : db_query(db, &s, sql, "t", a);
    if (rc == DB_ROW) {
        memset(r, 0, sizeof *r);
        str_copy(r->id, sizeof r->id, db_col_text(s, 0));
        str_copy(r->unit_id, sizeof r->unit_id, db_col_text(s, 1));
        str_copy(r->document_id, sizeof r->document_id, db_col_text(s, 2));
        str_copy(r->path, sizeof r->path, db_col_text(s, 3));
        str_copy(r->from_organ, sizeof r->from_organ, db_col_text(s, 4));
        str_copy(r->did, sizeof r->did, db_col_text(s, 5));
        str_copy(r->recall_state, sizeof r->recall_state, db_col_text(s, 6));
        str_copy(r->recall_stamp, sizeof r->recall_stamp, db_col_text(s, 7));
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : rc == DB_ROW ? 0 : -ENOENT;
}

int exchange_recall_receive(db_t *db, const principal_t *who, long long now_ms, const edxml_doc_t *st,
                            const exchange_sig_t *sig, char *document_id, size_t cap,
                            exchange_status_outcome_t *outcome, derr_t *err)
{
    struct received_row *r = xmalloc(sizeof *r);
    int rc = received_where(db, "r.from_organ = $1 AND r.edxml_document_id = $2", st->from.organ_id,
                            st->response_for.document_id, r);
    if (rc == 0 && !receives_for(who, r->path)) rc = -ENOENT;
    if (rc == -ENOENT) {
        rc = derr_set(err, rc, 404, MSG_OUTBOX_NO_RECEIVED, NULL, NULL, NULL, NULL);
        goto out;
    }
    if (rc < 0) goto out;
    str_copy(document_id, cap, r->document_id);
    char stamp[32];
    stamp_text(&st->timestamp, stamp, sizeof stamp);
    if (r->recall_state[0] && !strcmp(r->recall_stamp, stamp)) {
        *outcome = EXCHANGE_STATUS_DUPLICATE;
        goto out;
    }
    if (!strcmp(r->recall_state, "accepted")) {
        rc = derr_set(err, -EBUSY, 409, MSG_OUTBOX_RECALL_OPEN, NULL, r->recall_state, NULL, NULL);
        goto out;
    }
    struct recall_rcv_ev ev = {.id = r->id, .document_id = r->document_id,
                               .reason = st->description ? st->description : "", .stamp = stamp,
                               .staff = st->staff.staff ? st->staff.staff : "", .sig = sig, .at = now_ms};
    rc = event_record(db, r->unit_id, who->account_id, "exchange.recall_received", "exchange", r->id,
                      recall_rcv_payload, &ev, NULL);
    if (rc == 0) *outcome = EXCHANGE_STATUS_NEW;
out:
    free(r);
    return rc;
}

struct answer_ctx {
    document_t          d;
    unit_t              u;
    struct received_row r;
};

static int answer_load(db_t *db, const principal_t *who, const exchange_recall_in_t *in, struct answer_ctx *k,
                       derr_t *err)
{
    int rc = document_get(db, in->document_id, &k->d);
    if (rc == 0 && !document_readable(who, &k->d)) rc = -ENOENT;
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    rc = received_where(db, "r.document_id = $1", k->d.id, NULL, &k->r);
    if (rc == -ENOENT) return derr_set(err, -EBUSY, 409, MSG_OUTBOX_NOT_EXCHANGED, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (!receives_for(who, k->r.path)) return derr_set(err, -EPERM, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (strcmp(k->r.recall_state, "requested"))
        return derr_set(err, -EBUSY, 409, MSG_OUTBOX_NO_RECALL, NULL, NULL, NULL, NULL);
    return unit_get(db, k->r.unit_id, &k->u);
}

int exchange_recall_answer_build(db_t *db, const principal_t *who, const exchange_recall_in_t *in, buf_t *xml,
                                 derr_t *err)
{
    struct answer_ctx *k = xcalloc(1, sizeof *k);
    int rc = answer_load(db, who, in, k, err);
    if (rc == 0) {
        char why[256] = "";
        rc = status_build(&k->u, k->r.from_organ, k->r.did, in->accept ? "15" : "16", in->reason, who->username,
                          in->now_ms, xml, why, sizeof why);
        if (rc < 0) rc = derr_set(err, -EINVAL, 422, MSG_OUTBOX_SIGN, NULL, why, NULL, NULL);
    }
    free(k);
    return rc;
}

int exchange_recall_answer(db_t *db, const principal_t *who, const exchange_peers_t *peers,
                           const exchange_recall_in_t *in, const void *xml, size_t n, const char *signer_cn,
                           derr_t *err)
{
    struct answer_ctx *k = xcalloc(1, sizeof *k);
    int rc = answer_load(db, who, in, k, err);
    if (rc < 0) goto out;
    struct recall_ans_ev ev = {.id = k->r.id, .document_id = k->r.document_id, .reason = ez(in->reason),
                               .by = who->account_id, .signer_cn = ez(signer_cn), .accepted = in->accept,
                               .at = in->now_ms};
    rc = event_record(db, k->r.unit_id, who->account_id, "exchange.recall_answered", "exchange", k->r.id,
                      recall_ans_payload, &ev, NULL);
    if (rc < 0) goto out;
    const exchange_peer_t *peer = exchange_peer_by_organ(peers, k->r.from_organ);
    if (peer) rc = outbox_insert(db, in->id, "status", NULL, peer->url, xml, n, in->now_ms);
    else {
        char esc[LOG_ESC_CAP];
        log_warn("exchange: no peer serves %s (--exchange-peers): the recall answer of document %s not sent back",
                 log_esc(esc, sizeof esc, k->r.from_organ), k->d.id);
    }
out:
    free(k);
    return rc;
}

int exchange_status_unit(db_t *db, const principal_t *who, const edxml_doc_t *st, char *unit_id, size_t cap)
{
    str_copy(unit_id, cap, "");
    if (!st->from.organ_id || !st->response_for.document_id) return 0;
    int rc;
    if (!strcmp(st->status_code, "13")) {
        struct received_row *r = xmalloc(sizeof *r);
        rc = received_where(db, "r.from_organ = $1 AND r.edxml_document_id = $2", st->from.organ_id,
                            st->response_for.document_id, r);
        if (rc == 0 && receives_for(who, r->path)) str_copy(unit_id, cap, r->unit_id);
        free(r);
    } else {
        exchange_sent_t *x = xmalloc(sizeof *x);
        char path[AUTH_PATH_MAX] = "";
        rc = sent_get_where(db, "SELECT " SENT_COLS "WHERE x.edxml_document_id = $1 AND x.to_organ = $2 "
                                "ORDER BY x.id DESC LIMIT 1",
                            st->response_for.document_id, st->from.organ_id, x, path, sizeof path);
        if (rc == 0 && sends_for(who, path)) str_copy(unit_id, cap, x->unit_id);
        free(x);
    }
    return rc == -ENOENT ? 0 : rc;
}

/* ---- one document's exchange ---- */

struct doc_json_ctx {
    jw_t *w;
    int   rc;
};

static int doc_sent_cb(db_t *db, const exchange_sent_t *x, void *arg)
{
    struct doc_json_ctx *c = arg;
    int rc = exchange_sent_json(db, c->w, x);
    if (rc < 0) c->rc = rc;
    return rc;
}

int exchange_document_json(db_t *db, const principal_t *who, const char *document_id, jw_t *w, derr_t *err)
{
    document_t *d = xmalloc(sizeof *d);
    int rc = document_get(db, document_id, d);
    if (rc == 0 && !document_readable(who, d)) rc = -ENOENT;
    free(d);
    if (rc == -ENOENT) return derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) return rc;
    jw_obj_begin(w);
    jw_kstr(w, "document_id", document_id);
    db_stmt_t *s;
    rc = db_query(db, &s,
                  "SELECT id, from_organ, from_name, edxml_document_id, signer_cn, lenient, received_at, "
                  "recall_state, recall_reason, recall_stamp, recall_signature, recall_signer_cn, "
                  "recall_requested_at, recall_answer, recall_answered_by, recall_answered_at "
                  "FROM exchange_received WHERE document_id = $1",
                  "t", document_id);
    bool recalled = false;
    jw_key(w, "received");
    if (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kstr(w, "id", db_col_text(s, 0));
        jw_kstr(w, "from_organ", db_col_text(s, 1));
        jw_kstr(w, "from_name", db_col_text(s, 2));
        jw_kstr(w, "edxml_document_id", db_col_text(s, 3));
        jw_kstr(w, "signer_cn", db_col_text(s, 4));
        jw_kbool(w, "lenient", db_col_int(s, 5) != 0);
        jw_kint(w, "received_at", db_col_int(s, 6));
        const char *state = ez(db_col_text(s, 7));
        recalled = !strcmp(state, "accepted");
        jw_key(w, "recall");
        if (*state) {
            jw_obj_begin(w);
            jw_kstr(w, "state", state);
            jw_kstr(w, "reason", ez(db_col_text(s, 8)));
            jw_kstr(w, "timestamp", ez(db_col_text(s, 9)));
            jw_kstr(w, "signature", ez(db_col_text(s, 10)));
            jw_kstr(w, "signer_cn", ez(db_col_text(s, 11)));
            jw_kint(w, "requested_at", db_col_int(s, 12));
            jw_kstr(w, "answer", ez(db_col_text(s, 13)));
            jw_key(w, "answered_by");
            if (db_col_text(s, 14) && *db_col_text(s, 14)) jw_str(w, db_col_text(s, 14));
            else jw_null(w);
            jw_key(w, "answered_at");
            if (db_col_int(s, 15)) jw_int(w, db_col_int(s, 15));
            else jw_null(w);
            jw_obj_end(w);
        } else jw_null(w);
        jw_obj_end(w);
    } else jw_null(w);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    jw_kbool(w, "recalled", recalled);
    jw_key(w, "sent");
    jw_arr_begin(w);
    /* Everyone who may read the document sees its acknowledgements (the sent list itself is for clerks and
     * leaders): its packages by document id, newest first. */
    s = db_prepare(db, "SELECT " SENT_COLS "WHERE x.document_id = $1 ORDER BY x.id DESC LIMIT 50");
    if (!s) return -EIO;
    db_bind_text(s, 1, document_id, DB_NTS);
    exchange_sent_t *rows = NULL;
    size_t nrows = 0, cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (nrows == cap) {
            cap = cap ? cap * 2 : 8;
            rows = xrealloc(rows, cap * sizeof *rows);
        }
        sent_row(s, &rows[nrows++], NULL, 0);
    }
    db_reset(s);
    struct doc_json_ctx c = {w, 0};
    for (size_t i = 0; rc >= 0 && i < nrows; i++) doc_sent_cb(db, &rows[i], &c);
    free(rows);
    if (rc < 0) return rc;
    if (c.rc < 0) return c.rc;
    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}

/* ---- the outbox ---- */

void exchange_claim_free(exchange_claim_t *c)
{
    for (int i = 0; i < c->n; i++) free(c->jobs[i].body);
    c->n = 0;
}

#define CLAIMABLE "((state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until < $1))"

int exchange_claim(db_t *db, void *arg)
{
    exchange_claim_t *c = arg;
    exchange_claim_free(c);
    int limit = c->limit < 1 ? 1 : c->limit > EXCHANGE_CLAIM_MAX ? EXCHANGE_CLAIM_MAX : c->limit;
    long long lease_until = c->now + c->lease_ms;
    long long n = db_run(db,
                         "UPDATE exchange_outbox SET state = 'sending', lease_until = $2, lease_owner = $3, "
                         "attempts = attempts + 1 WHERE id IN (SELECT id FROM exchange_outbox WHERE " CLAIMABLE
                         " ORDER BY next_attempt_at, id LIMIT $4) AND " CLAIMABLE,
                         "iiti", c->now, lease_until, c->owner, (long long)limit);
    if (n <= 0) return (int)n;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT id, kind, COALESCE(sent_id, ''), to_url, body, attempts FROM exchange_outbox "
                      "WHERE lease_owner = $1 AND state = 'sending' AND lease_until = $2 ORDER BY next_attempt_at, id",
                      "ti", c->owner, lease_until);
    while (rc == DB_ROW && c->n < EXCHANGE_CLAIM_MAX) {
        exchange_job_t *j = &c->jobs[c->n++];
        str_copy(j->id, sizeof j->id, db_col_text(s, 0));
        str_copy(j->kind, sizeof j->kind, db_col_text(s, 1));
        str_copy(j->sent_id, sizeof j->sent_id, db_col_text(s, 2));
        str_copy(j->to_url, sizeof j->to_url, db_col_text(s, 3));
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

/* One line, bounded, valid UTF-8. */
static void one_line(char *e, size_t cap, const char *src)
{
    str_copy(e, cap, src ? src : "error");
    size_t n = strlen(e);
    while (n && !utf8_valid(e, n)) e[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f) e[i] = ' ';
}

int exchange_record_outcome(db_t *db, void *arg)
{
    exchange_delivered_t *x = arg;
    const exchange_job_t *j = x->job;
    char e[EXCHANGE_ERROR_MAX + 1];
    one_line(e, sizeof e, x->error);
    bool final = x->result != EXCHANGE_RETRY || j->attempts >= x->max_attempts;
    const char *state = x->result == EXCHANGE_OK ? "done" : final ? "failed" : "pending";
    long long n = db_run(db,
                         "UPDATE exchange_outbox SET state = $3, next_attempt_at = $4, last_error = $5, "
                         "http_status = $6, done_at = $7, lease_until = NULL, lease_owner = NULL "
                         "WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
                         "tttitii", j->id, x->owner, state, x->next_at, x->result == EXCHANGE_OK ? NULL : e,
                         x->http_status, final ? x->now : 0);
    if (n <= 0 || !final || strcmp(j->kind, "package")) return n < 0 ? (int)n : 0;
    /* The package's user-visible outcome: one event, on the sent row's unit. */
    exchange_sent_t *s = xmalloc(sizeof *s);
    int rc = sent_get_where(db, "SELECT " SENT_COLS "WHERE x.id = $1", j->sent_id, NULL, s, NULL, 0);
    if (rc == 0 && !strcmp(s->state, "queued")) {
        struct final_ev f = {.id = s->id, .http_status = x->http_status, .at = x->now};
        const char *type = "exchange.failed";
        if (x->result == EXCHANGE_OK) {
            type = "exchange.delivered";
            f.status_code = x->status_code && edxml_status_name(x->status_code) ? x->status_code : NULL;
        } else {
            if (x->result == EXCHANGE_REFUSED) type = "exchange.rejected_by_peer";
            f.reason = e;
        }
        rc = event_record(db, s->unit_id, NULL, type, "exchange_sent", s->id, final_payload, &f, NULL);
    }
    free(s);
    return rc == -ENOENT ? 0 : rc;
}

int exchange_counts(db_t *db, void *arg)
{
    exchange_counts_t *out = arg;
    memset(out, 0, sizeof *out);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT state, COUNT(*) FROM exchange_outbox GROUP BY state", "");
    while (rc == DB_ROW) {
        const char *st = db_col_text(s, 0);
        long long k = db_col_int(s, 1);
        if (!st) {
        } else if (!strcmp(st, "pending")) out->pending += k;
        else if (!strcmp(st, "sending")) out->sending += k;
        else if (!strcmp(st, "done")) out->done += k;
        else if (!strcmp(st, "failed")) out->failed += k;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* api_exchange_out.c — the sending side of the edXML exchange over HTTP (domain/exchange_out.h).
 *
 *   POST /api/v1/documents/{id}/send   {to_url, to_organ_id, key_id, pin}: build the outgoing document's edXML
 *                                      package, sign it with the key store's key (the PIN is used once, then wiped)
 *                                      and queue it for the peer: 202 with the sent record (state "queued")
 *   POST /api/v1/exchange/status       an edXML status message (application/xml) from a peer, with an API token of
 *                                      a clerk or leader of the sending unit: 201 recorded, 200 recorded before;
 *                                      verified against --exchange-trust (a bad signature: 422, kept as evidence;
 *                                      unsigned: recorded as unsigned); 13 records a recall request
 *   GET  /api/v1/exchange/sent         packages sent by the caller's units (?document=ID), each with its statuses
 *   GET  /api/v1/exchange/peers        the peers' URLs and organ ids (never the tokens), for the send form
 *   POST /api/v1/documents/{id}/recall {reason, key_id, pin}: signed status 13 queued for the receiver (202)
 *   POST /api/v1/documents/{id}/recall/answer {accept, reason?, key_id, pin}: signed 15 / 16 back to the sender
 *   GET  /api/v1/documents/{id}/exchange  the document's exchange (received package, recall, sent packages)
 *
 * Signing runs on the HTTP worker, between a read transaction (the document, the key) and the write transaction
 * (the event and the outbox row): the writer never runs libxmlsec. */
#include "api/api.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/exchange.h"
#include "domain/exchange_out.h"
#include "domain/unit.h"
#include "sign/keystore.h"
#include "sign/xmldsig.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct send_ctx {
    const principal_t *who;
    exchange_send_in_t in;
    const char        *key_id, *pin;
    buf_t              xml;
    char               edxml_id[EDXML_MAX_FIELD + 1];
    signer_t          *signer;
    int                key_rc;
    char               id[ID_LEN + 1];
    exchange_sent_t    out;
    derr_t             err;
    buf_t              b;
    jw_t               w;
};

static int build_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    buf_reset(&c->xml);
    int rc = exchange_build_package(db, c->who, &c->in, &c->xml, c->edxml_id, sizeof c->edxml_id, &c->err);
    if (rc < 0) return rc;
    signer_close(c->signer);
    c->signer = NULL;
    c->key_rc = keystore_unlock(db, c->who, c->key_id, c->pin, c->in.now_ms / 1000, &c->signer);
    return 0;
}

static int send_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return exchange_send(db, c->who, c->id, &c->in, c->xml.data, c->xml.len, c->edxml_id, &c->out, &c->err);
}

static int sent_json_fn(db_t *db, void *arg)
{
    struct send_ctx *c = arg;
    int rc = exchange_sent_get(db, c->id, &c->out);
    if (rc == 0) rc = exchange_sent_json(db, &c->w, &c->out);
    return rc;
}

static const char *key_reason(int rc)
{
    switch (rc) {
    case -ENOENT: return "not found, or not yours to use";
    case -EACCES: return "wrong PIN";
    case -EKEYEXPIRED: return "the certificate is outside its validity";
    default: return "the stored key cannot be read";
    }
}

int api_exchange_sign(req_t *r, signer_t **signer, int key_rc, const char *key_id, buf_t *xml, char *signer_cn,
                      size_t cap)
{
    if (api_pin_throttled(r, key_id) < 0) {
        signer_close(*signer);
        *signer = NULL;
        return -1;
    }
    if (key_rc < 0) {
        signer_close(*signer);
        *signer = NULL;
        if (key_rc == -EACCES) api_pin_failed(r, key_id);
        reply_problem(r, 422, "signing-key", MSG_OUTBOX_KEY, key_rc == -EACCES ? "pin" : "key_id", key_id,
                      key_reason(key_rc), NULL);
        return -1;
    }
    signer_info_t info;
    signer_get_info(*signer, &info);
    str_copy(signer_cn, cap, info.subject_cn);
    char why[256] = "";
    int rc = xmldsig_sign(*signer, xml, why, sizeof why);
    signer_close(*signer);
    *signer = NULL;
    if (rc < 0) {
        reply_problem(r, rc == -E2BIG ? 413 : 500, "sign-failed", MSG_OUTBOX_SIGN, NULL, why, NULL, NULL);
        return -1;
    }
    return 0;
}

int api_documents_send(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (!r->app->exchange_peers) {
        reply_header(r, "Retry-After", "3600");
        return reply_problem(r, 503, "not-configured", MSG_OUTBOX_NOT_CONFIGURED, NULL, NULL, NULL, NULL);
    }
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct send_ctx *c = xcalloc(1, sizeof *c);
    buf_init(&c->xml, EDXML_MAX_BYTES);
    buf_init(&c->b, 0);
    c->who = &r->who;
    c->in.document_id = id;
    const field_t fields[] = {
        {"to_url", FT_STRING, true, 8, EXCHANGE_URL_MAX - 1, &c->in.to_url, NULL},
        {"to_organ_id", FT_STRING, true, 1, 23, &c->in.to_organ, NULL},
        {"key_id", FT_STRING, true, ID_LEN, ID_LEN, &c->key_id, NULL},
        {"pin", FT_STRING, true, 1, KEYSTORE_PIN_MAX, &c->pin, NULL},
    };
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) < 0) goto out;
    if (!unit_edi_code_valid(c->in.to_organ)) {
        reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, "to_organ_id", "to_organ_id",
                      "000.00.00.H41", NULL);
        goto out;
    }
    if (!exchange_peer_by_url(r->app->exchange_peers, c->in.to_url)) {
        reply_problem(r, 422, "unknown-peer", MSG_OUTBOX_UNKNOWN_PEER, "to_url", c->in.to_url, NULL, NULL);
        goto out;
    }
    c->in.now_ms = clock_now_ms();
    c->in.blobs = r->app->blobs;
    int rc = store_read(r->app->store, build_fn, c);
    api_wipe_json_string(body, "pin");
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    char cn[256];
    if (api_exchange_sign(r, &c->signer, c->key_rc, c->key_id, &c->xml, cn, sizeof cn) < 0) goto out;
    id_new(c->id);
    rc = store_write(r->app->store, send_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    jw_init(&c->w, &c->b);
    rc = store_read(r->app->store, sent_json_fn, c);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    api_reply_writer(r, 202, &c->w, &c->b);
out:
    api_wipe_json_string(body, "pin");
    json_decref(body);
    signer_close(c->signer);
    buf_free(&c->xml);
    buf_free(&c->b);
    free(c);
    return 0;
}

/* ---- status messages from peers ---- */

struct status_ctx {
    const principal_t        *who;
    char                      id[ID_LEN + 1];
    long long                 now;
    exchange_check_t          chk;
    exchange_sig_t            sig;
    const void               *xml;
    size_t                    n;
    msg_id_t                  bad;        /* a signature refused: kept as evidence */
    exchange_sent_t           sent;
    char                      document_id[ID_LEN + 1];   /* 13: the incoming document it recalls */
    exchange_status_outcome_t outcome;
    derr_t                    err;
    buf_t                     b;
    jw_t                      w;
};

static bool is_recall_request(const edxml_doc_t *st) { return !strcmp(st->status_code, "13"); }

static int status_fn(db_t *db, void *arg)
{
    struct status_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    if (c->bad != MSG_OK) {
        char unit_id[ID_LEN + 1] = "";
        if (c->chk.parse_rc == 0 && c->chk.doc.kind == EDXML_STATUS) {
            int rc = exchange_status_unit(db, c->who, &c->chk.doc, unit_id, sizeof unit_id);
            if (rc < 0) return rc;
        }
        return exchange_reject_evidence(db, c->who, c->id, c->now, unit_id[0] ? unit_id : NULL, c->xml, c->n,
                                        &c->chk, c->bad, c->chk.why);
    }
    if (is_recall_request(&c->chk.doc))
        return exchange_recall_receive(db, c->who, c->now, &c->chk.doc, &c->sig, c->document_id,
                                       sizeof c->document_id, &c->outcome, &c->err);
    return exchange_status_receive(db, c->who, c->id, c->now, &c->chk.doc, &c->sig, &c->sent, &c->outcome, &c->err);
}

static int status_json_fn(db_t *db, void *arg)
{
    struct status_ctx *c = arg;
    jw_obj_begin(&c->w);
    jw_kstr(&c->w, "outcome", c->outcome == EXCHANGE_STATUS_NEW ? "recorded" : "duplicate");
    jw_kstr(&c->w, "status_code", c->chk.doc.status_code);
    jw_kstr(&c->w, "signature", c->sig.signature);
    int rc = 0;
    if (c->document_id[0]) {
        jw_key(&c->w, "exchange");
        rc = exchange_document_json(db, c->who, c->document_id, &c->w, &c->err);
    } else {
        rc = exchange_sent_get(db, c->sent.id, &c->sent);
        jw_key(&c->w, "sent");
        if (rc == 0) rc = exchange_sent_json(db, &c->w, &c->sent);
    }
    jw_obj_end(&c->w);
    return rc;
}

static bool xml_type(const char *ct)
{
    if (!ct) return false;
    size_t n = strcspn(ct, "; ");
    return (n == 15 && !strncasecmp(ct, "application/xml", 15)) || (n == 8 && !strncasecmp(ct, "text/xml", 8));
}

int api_exchange_status(req_t *r)
{
    if (!xml_type(req_header(r, "Content-Type")))
        return reply_problem(r, 415, "unsupported-media-type", MSG_EXCHANGE_MEDIA_TYPE, NULL, NULL, NULL, NULL);
    if (!auth_has_role(&r->who, ROLE_CLERK) && !auth_has_role(&r->who, ROLE_LEADER))
        return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    struct status_ctx *c = xcalloc(1, sizeof *c);
    buf_init(&c->b, 0);
    c->who = &r->who;
    c->xml = r->body.data ? r->body.data : "";
    c->n = r->body.len;
    c->bad = MSG_OK;
    /* Status messages are signed like packages (docs/edxml.md): verified against --exchange-trust before the
     * transaction; a wrong signature is refused and kept as evidence; an unsigned one (an older peer) is recorded
     * as unsigned; without trust anchors a signature is checked but its chain cannot be: "unverified". */
    exchange_check(c->xml, c->n, r->app->exchange_trust_pem, &c->chk);
    int vr = c->chk.verify_rc;
    c->sig.signer_cn = "";
    if (vr == 0) {
        c->sig.signature = r->app->exchange_trust_pem ? "valid" : "unverified";
        c->sig.signer_cn = c->chk.who.subject_cn;
    } else if (vr == -ENOENT || vr == -EINVAL) {
        c->sig.signature = "unsigned";   /* -EINVAL: not well-formed, refused below by the parser */
    } else if (vr == -EKEYREJECTED && !r->app->exchange_trust_pem) {
        c->sig.signature = "unverified";
    } else {
        c->bad = vr == -EKEYREVOKED ? MSG_EXCHANGE_REVOKED : vr == -EKEYREJECTED ? MSG_EXCHANGE_UNTRUSTED
                                                                                  : MSG_EXCHANGE_BAD_SIGNATURE;
    }
    int rc;
    if (c->bad == MSG_OK) {
        const char *why = c->chk.parse_why;
        rc = c->chk.parse_rc;
        if (rc == 0 && c->chk.doc.kind != EDXML_STATUS) {
            rc = -EINVAL;
            why = "a document package, not a status message";
        }
        if (rc < 0) {
            reply_problem(r, 422, "not-a-status", MSG_OUTBOX_NOT_STATUS, NULL, why, NULL, NULL);
            goto out;
        }
    }
    id_new(c->id);
    c->now = clock_now_ms();
    rc = store_write(r->app->store, status_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    if (c->bad != MSG_OK) {
        reply_problem(r, 422, "status-signature", c->bad, NULL, c->chk.why, NULL, NULL);
        goto out;
    }
    jw_init(&c->w, &c->b);
    rc = store_read(r->app->store, status_json_fn, c);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    api_reply_writer(r, c->outcome == EXCHANGE_STATUS_NEW ? 201 : 200, &c->w, &c->b);
out:
    edxml_doc_free(&c->chk.doc);
    buf_free(&c->b);
    free(c);
    return 0;
}

/* ---- recall ---- */

struct recall_ctx {
    const principal_t   *who;
    const exchange_peers_t *peers;
    exchange_recall_in_t in;
    bool                 answer;
    const char          *key_id, *pin;
    buf_t                xml;
    signer_t            *signer;
    int                  key_rc;
    char                 signer_cn[256];
    char                 id[ID_LEN + 1];
    exchange_sent_t      sent;
    derr_t               err;
    buf_t                b;
    jw_t                 w;
};

static int recall_build_fn(db_t *db, void *arg)
{
    struct recall_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    int rc = c->answer ? exchange_recall_answer_build(db, c->who, &c->in, &c->xml, &c->err)
                       : exchange_recall_build(db, c->who, &c->in, &c->xml, &c->sent, &c->err);
    if (rc < 0) return rc;
    signer_close(c->signer);
    c->signer = NULL;
    c->key_rc = keystore_unlock(db, c->who, c->key_id, c->pin, c->in.now_ms / 1000, &c->signer);
    return 0;
}

static int recall_write_fn(db_t *db, void *arg)
{
    struct recall_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return c->answer ? exchange_recall_answer(db, c->who, c->peers, &c->in, c->xml.data, c->xml.len, c->signer_cn,
                                              &c->err)
                     : exchange_recall_request(db, c->who, &c->in, c->xml.data, c->xml.len, c->signer_cn, &c->sent,
                                               &c->err);
}

static int recall_json_fn(db_t *db, void *arg)
{
    struct recall_ctx *c = arg;
    if (!c->answer) return exchange_sent_json(db, &c->w, &c->sent);
    return exchange_document_json(db, c->who, c->in.document_id, &c->w, &c->err);
}

static int recall_route(req_t *r, bool answer)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (!r->app->exchange_peers) {
        reply_header(r, "Retry-After", "3600");
        return reply_problem(r, 503, "not-configured", MSG_OUTBOX_NOT_CONFIGURED, NULL, NULL, NULL, NULL);
    }
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct recall_ctx *c = xcalloc(1, sizeof *c);
    buf_init(&c->xml, EDXML_MAX_TEXT * 4);
    buf_init(&c->b, 0);
    c->who = &r->who;
    c->peers = r->app->exchange_peers;
    c->answer = answer;
    c->in.document_id = id;
    const field_t fields[] = {
        {"reason", FT_STRING, !answer, answer ? 0 : 1, EXCHANGE_RECALL_REASON_MAX, &c->in.reason, NULL},
        {"key_id", FT_STRING, true, ID_LEN, ID_LEN, &c->key_id, NULL},
        {"pin", FT_STRING, true, 1, KEYSTORE_PIN_MAX, &c->pin, NULL},
        {"accept", FT_BOOL, true, 0, 0, &c->in.accept, NULL},
    };
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0] - (answer ? 0 : 1)) < 0) goto out;
    if (!c->in.reason) c->in.reason = "";
    c->in.now_ms = clock_now_ms();
    id_new(c->id);
    c->in.id = c->id;
    int rc = store_read(r->app->store, recall_build_fn, c);
    api_wipe_json_string(body, "pin");
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    if (api_exchange_sign(r, &c->signer, c->key_rc, c->key_id, &c->xml, c->signer_cn, sizeof c->signer_cn) < 0)
        goto out;
    rc = store_write(r->app->store, recall_write_fn, c);
    if (rc < 0) {
        api_reply_derr(r, rc, &c->err);
        goto out;
    }
    jw_init(&c->w, &c->b);
    rc = store_read(r->app->store, recall_json_fn, c);
    if (rc < 0) {
        reply_errno(r, rc);
        goto out;
    }
    api_reply_writer(r, answer ? 200 : 202, &c->w, &c->b);
out:
    api_wipe_json_string(body, "pin");
    json_decref(body);
    signer_close(c->signer);
    buf_free(&c->xml);
    buf_free(&c->b);
    free(c);
    return 0;
}

int api_documents_recall(req_t *r) { return recall_route(r, false); }
int api_documents_recall_answer(req_t *r) { return recall_route(r, true); }

/* ---- one document's exchange ---- */

struct doc_ctx {
    const principal_t *who;
    const char        *id;
    derr_t             err;
    buf_t              b;
    jw_t               w;
};

static int doc_json_fn(db_t *db, void *arg)
{
    struct doc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    return exchange_document_json(db, c->who, c->id, &c->w, &c->err);
}

int api_documents_exchange(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct doc_ctx *c = xcalloc(1, sizeof *c);
    buf_init(&c->b, 0);
    c->who = &r->who;
    c->id = id;
    int rc = store_read(r->app->store, doc_json_fn, c);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else api_reply_writer(r, 200, &c->w, &c->b);
    buf_free(&c->b);
    free(c);
    return 0;
}

/* ---- the sent list ---- */

struct list_ctx {
    const principal_t *who;
    const char        *document;
    page_t             p;
    api_page_t         pg;
    int                rc;
};

static int list_cb(db_t *db, const exchange_sent_t *x, void *arg)
{
    struct list_ctx *c = arg;
    if (!api_page_take(&c->pg, x->id)) return -1;
    int rc = exchange_sent_json(db, &c->pg.w, x);
    if (rc < 0) c->rc = rc;
    return rc;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = exchange_sent_list(db, c->who, c->document, c->p.cursor, c->p.limit + 1, list_cb, c);
    return rc < 0 ? rc : c->rc;
}

int api_exchange_sent(req_t *r)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    if (req_page(r, &c->p) < 0) {
        free(c);
        return 0;
    }
    c->document = req_query(r, "document");
    if ((c->p.cursor && !id_valid(c->p.cursor)) || c->p.q || (c->document && !id_valid(c->document))) {
        const char *which = c->p.q ? "q" : c->document && !id_valid(c->document) ? "document" : "cursor";
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, which, which, NULL, NULL);
    }
    c->who = &r->who;
    api_page_begin(&c->pg, c->p.limit);
    api_page_reply(r, &c->pg, store_read(r->app->store, list_fn, c));
    free(c);
    return 0;
}

/* ---- the peers a document may be sent to ---- */

int api_exchange_peers(req_t *r)
{
    if (!auth_has_role(&r->who, ROLE_CLERK) && !auth_has_role(&r->who, ROLE_LEADER))
        return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    /* The peers file's addresses and organ ids only: the tokens never leave the process. */
    const exchange_peers_t *p = r->app->exchange_peers;
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kbool(&w, "configured", p != NULL);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (int i = 0; p && i < p->n; i++) {
        jw_obj_begin(&w);
        jw_kstr(&w, "url", p->peer[i].url);
        jw_key(&w, "organs");
        jw_arr_begin(&w);
        for (int j = 0; j < p->peer[i].n_organs; j++) jw_str(&w, p->peer[i].organs[j]);
        jw_arr_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    api_reply_writer(r, 200, &w, &b);
    buf_free(&b);
    return 0;
}

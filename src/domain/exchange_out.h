/* exchange_out.h — the sending side of the edXML exchange (QCVN 102:2016), issue 12 item 4: outgoing documents sent
 * as signed packages to another node's inbox, and status messages (04 assigned, 05 in progress, 06 done) sent back
 * by the receiver; the outbox both travel through (sync/exchange_sender.h delivers it).
 *
 * Peers. A node sends only to the peers of its `serve --exchange-peers FILE`: lines "URL TOKEN-FILE [ORGAN_ID ...]"
 * ('#' comments): the receiving node's base URL, a file holding an API token of a clerk of the receiving unit on
 * that node (the sender authenticates with it as "Authorization: Bearer"), and the electronic identifier codes of
 * the agencies served there (used to send status messages back to the node a received package came from). Tokens
 * stay in memory, are only handed to libcurl and are never logged nor stored in the database.
 *
 * Sending (exchange_send, one write transaction): the package is built from the OUTGOING document and signed
 * BEFORE the transaction (exchange_build_package + xmldsig); the transaction records exchange.sent (the projection
 * exchange_sent, state 'queued') and one outbox row holding the signed bytes. The sender then records, as the
 * system, exchange.delivered (HTTP 201/200; with the receiver's synchronous 03 "registered" status),
 * exchange.rejected_by_peer (422, the receiver's reason; no retry) or exchange.failed (attempts exhausted or a
 * permanent refusal). Retries are not events (they are the outbox's bookkeeping, shown with the sent row).
 *
 * Status back: on the receiving node, assigning / progressing / completing an incoming document that came through
 * the inbox queues (in the same transaction, exchange_ack_queue) an edXML status message for the peer serving the
 * package's From OrganId, signed when the caller gave a key (exchange_ack_build, signed outside the transaction);
 * the original sender's POST /api/v1/exchange/status authenticates the peer by its token (a clerk or leader of the
 * sending unit), verifies the signature and records exchange.status_received (exchange_status_receive).
 * Recall: the sender's exchange.recall_requested (13), the receiver's exchange.recall_received and
 * exchange.recall_answered (15 accepted: the incoming document marked recalled, never deleted; 16 refused).
 * A package delivered twice is registered once by the inbox; a status delivered twice is recorded once (its sent
 * package, code and Timestamp). */
#ifndef MOTCUA_EXCHANGE_OUT_H
#define MOTCUA_EXCHANGE_OUT_H
#include <stdbool.h>

#include "core/buf.h"
#include "core/json.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/blob.h"
#include "domain/document.h"
#include "domain/domain.h"
#include "domain/edxml.h"
#include "domain/event.h"

#define EXCHANGE_PEERS_MAX    32
#define EXCHANGE_PEER_ORGANS  16
#define EXCHANGE_URL_MAX      512
#define EXCHANGE_ERROR_MAX    300
#define EXCHANGE_RECALL_REASON_MAX 500      /* characters of a recall's reason or answer */

extern const event_module_t exchange_out_event_module;

typedef struct exchange_peer {
    char  url[EXCHANGE_URL_MAX];          /* http(s)://host[:port][/prefix], no trailing slash */
    char  token_file[EXCHANGE_URL_MAX];
    char *token;                          /* secret (malloc'd; wiped by exchange_peers_free) */
    int   n_organs;
    char  organs[EXCHANGE_PEER_ORGANS][32];
} exchange_peer_t;

typedef struct exchange_peers {
    int             n;
    exchange_peer_t peer[EXCHANGE_PEERS_MAX];
} exchange_peers_t;

/* Parse the peers file's text (tokens are not read: the caller fills peer[i].token from token_file). 0, or -EINVAL
 * with the line number and reason in why. */
int exchange_peers_parse(const char *text, exchange_peers_t *out, char *why, size_t why_len);
void exchange_peers_free(exchange_peers_t *p);   /* wipes and frees the tokens */
/* The peer whose url is url (a trailing slash ignored), or NULL. */
const exchange_peer_t *exchange_peer_by_url(const exchange_peers_t *p, const char *url);
const exchange_peer_t *exchange_peer_by_organ(const exchange_peers_t *p, const char *organ_id);

/* ---- sending ---- */
typedef struct exchange_send_in {
    const char *document_id;
    const char *to_url, *to_organ;
    long long   now_ms;
    const blob_store_t *blobs;   /* where the document's attachments are (NULL: the package carries none) */
} exchange_send_in_t;

/* Inside a store_read: check who may send the document (a clerk or leader covering its unit; an outgoing
 * document; the unit has an edi_code) and build its unsigned package into xml (and its DocumentId into edxml_id),
 * with the document's PDF attachments (in->blobs) as the package's attachments.
 * Refusals with err: 404 not readable, 403 role, 409 not outgoing, 422 no edi_code / not buildable. */
int exchange_build_package(db_t *db, const principal_t *who, const exchange_send_in_t *in, buf_t *xml,
                           char *edxml_id, size_t edxml_id_cap, derr_t *err);

typedef struct exchange_sent {
    char      id[ID_LEN + 1], unit_id[ID_LEN + 1], document_id[ID_LEN + 1];
    char      to_url[EXCHANGE_URL_MAX], to_organ[64];
    char      edxml_document_id[EDXML_MAX_FIELD + 1];
    char      sha256[65];
    char      state[12];                  /* queued | delivered | rejected | failed */
    long long http_status;                /* 0 while none */
    char      last_error[EXCHANGE_ERROR_MAX + 1];
    int       attempts;                   /* from the outbox */
    long long next_attempt_at;            /* from the outbox, while queued */
    long long created_at, updated_at;
    char      recall_state[12];           /* "" | requested | accepted | refused */
    char      recall_reason[EXCHANGE_RECALL_REASON_MAX * 4 + 1];
} exchange_sent_t;

/* Inside a store_write: re-check as exchange_build_package, then record exchange.sent and the outbox row with the
 * signed xml. id chosen before the transaction. out filled. */
int exchange_send(db_t *db, const principal_t *who, const char *id, const exchange_send_in_t *in, const void *xml,
                  size_t n, const char *edxml_id, exchange_sent_t *out, derr_t *err);

/* ---- status messages back (receiving node) ---- */
/* Inside a store_read: the unsigned status message (code "04", "05" or "06") that handling document_id would send
 * back, for the caller to sign outside the transaction (xmldsig_sign with the keystore's signer). 0 built, 1
 * nothing to send (not from the exchange, or no peer serves its sender), or a store error. */
int exchange_ack_build(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                       const char *note, const char *staff, long long now_ms, buf_t *xml);
/* Inside the write transaction of a document handling event: when document_id came through the inbox and a peer
 * serves its sender, queue the status message: signed_xml when given (exchange_ack_build's, signed), else built
 * here unsigned. 0 queued, 1 nothing to send (not from the exchange, or no peer: logged), or a store error. */
int exchange_ack_queue(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                       const char *note, const char *staff, long long now_ms, const buf_t *signed_xml);

/* ---- recall (13 requested, 15 accepted, 16 refused) ---- */
typedef struct exchange_recall_in {
    const char *id;                       /* chosen before the transaction: the status row and the outbox row */
    const char *document_id;
    const char *reason;
    bool        accept;                   /* answer only */
    long long   now_ms;
} exchange_recall_in_t;

/* Sender, inside a store_read: check who may recall the document (404 not readable, 403 not a clerk or leader of
 * its unit, 409 not outgoing / its newest package not delivered / a recall pending or accepted) and build the
 * unsigned status 13 (Description = the reason) into xml; sent gets the package it recalls. */
int exchange_recall_build(db_t *db, const principal_t *who, const exchange_recall_in_t *in, buf_t *xml,
                          exchange_sent_t *sent, derr_t *err);
/* Sender, inside a store_write: re-check, record exchange.recall_requested (status 13 on the sent row, its recall
 * state 'requested') and queue the signed xml for the receiver. */
int exchange_recall_request(db_t *db, const principal_t *who, const exchange_recall_in_t *in, const void *xml,
                            size_t n, const char *signer_cn, exchange_sent_t *sent, derr_t *err);

/* Receiver, inside a store_read: check who may answer the recall of document_id (404 not readable, 409 not from
 * the exchange, 403 not a clerk or leader of its unit, 409 no recall pending) and build the unsigned status 15
 * (accept) or 16 into xml (Description = the reason). */
int exchange_recall_answer_build(db_t *db, const principal_t *who, const exchange_recall_in_t *in, buf_t *xml,
                                 derr_t *err);
/* Receiver, inside a store_write: re-check, record exchange.recall_answered (accepted: the registered incoming
 * document is marked recalled, never deleted) and queue the signed xml for the peer serving the sender (none:
 * logged, nothing queued). */
int exchange_recall_answer(db_t *db, const principal_t *who, const exchange_peers_t *peers,
                           const exchange_recall_in_t *in, const void *xml, size_t n, const char *signer_cn,
                           derr_t *err);

/* How a status message received was signed, found before the transaction. */
typedef struct exchange_sig {
    const char *signature;                /* "valid" | "unsigned" | "unverified" (the node has no trust anchors) */
    const char *signer_cn;                /* the signer when valid, else "" */
} exchange_sig_t;

/* ---- status messages received (sending node) ---- */
typedef enum { EXCHANGE_STATUS_NEW = 1, EXCHANGE_STATUS_DUPLICATE = 2 } exchange_status_outcome_t;
/* Inside a store_write: record the parsed status message st (kind EDXML_STATUS) for the exchange_sent row whose
 * edxml_document_id is st's ResponseFor/DocumentId and whose to_organ is st's From/OrganId, visible to who (a
 * clerk or leader covering the sending unit). 404 (-ENOENT) no such row; *outcome new or duplicate. */
int exchange_status_receive(db_t *db, const principal_t *who, const char *id, long long now_ms,
                            const edxml_doc_t *st, const exchange_sig_t *sig, exchange_sent_t *sent,
                            exchange_status_outcome_t *outcome, derr_t *err);
/* Receiver, inside a store_write: record the recall request st (code 13) for the exchange_received row whose
 * from_organ is st's From/OrganId and whose DocumentId is st's ResponseFor/DocumentId, visible to who (a clerk or
 * leader of the receiving unit; 404 otherwise): exchange.recall_received; the same Timestamp again: duplicate;
 * a recall already accepted: 409. document_id gets the incoming document. */
int exchange_recall_receive(db_t *db, const principal_t *who, long long now_ms, const edxml_doc_t *st,
                            const exchange_sig_t *sig, char *document_id, size_t cap,
                            exchange_status_outcome_t *outcome, derr_t *err);

/* The unit of this node that status message st concerns (the sent package's, or for 13 the received one's) when
 * who covers it, else "" in unit_id: where a status refused for its signature is kept as evidence. */
int exchange_status_unit(db_t *db, const principal_t *who, const edxml_doc_t *st, char *unit_id, size_t cap);

/* ---- reading ---- */
typedef int (*exchange_sent_cb)(db_t *db, const exchange_sent_t *s, void *arg);
/* The sent packages who may see (clerk, leader or admin covering the unit), newest first, of one document when
 * document_id is given, ids before `before`, at most limit. Returns the count given to cb or a negative errno. */
int exchange_sent_list(db_t *db, const principal_t *who, const char *document_id, const char *before,
                       long long limit, exchange_sent_cb cb, void *arg);
/* One sent row by id (no scope check; -ENOENT). */
int exchange_sent_get(db_t *db, const char *id, exchange_sent_t *out);
/* One sent row as JSON, with its statuses (oldest first). */
int exchange_sent_json(db_t *db, jw_t *w, const exchange_sent_t *s);
/* The exchange of one document as who may see it (document_readable; 404 otherwise): {document_id, received (the
 * package it came in, with its recall) or null, recalled, sent: [its packages with their statuses]}. */
int exchange_document_json(db_t *db, const principal_t *who, const char *document_id, jw_t *w, derr_t *err);

/* ---- the outbox, used by the sender ---- */
typedef struct exchange_job {
    char   id[ID_LEN + 1];
    char   kind[8];                       /* "package" | "status" */
    char   sent_id[ID_LEN + 1];           /* package: the exchange_sent row */
    char   to_url[EXCHANGE_URL_MAX];
    char  *body;                          /* malloc'd XML */
    size_t len;
    int    attempts;                      /* including this one */
} exchange_job_t;

#define EXCHANGE_CLAIM_MAX 16
typedef struct exchange_claim {
    long long      now, lease_ms;         /* in */
    const char    *owner;                 /* in: random per claim */
    int            limit;                 /* in: 1..EXCHANGE_CLAIM_MAX */
    int            n;                     /* out */
    exchange_job_t jobs[EXCHANGE_CLAIM_MAX];
} exchange_claim_t;
/* store_write callback: claim due rows (pending and due, or sending with an expired lease), one attempt each. */
int exchange_claim(db_t *db, void *arg);
void exchange_claim_free(exchange_claim_t *c);

typedef enum { EXCHANGE_OK = 0, EXCHANGE_RETRY, EXCHANGE_REFUSED, EXCHANGE_PERMANENT } exchange_delivery_t;
typedef struct exchange_delivered {
    const exchange_job_t *job;
    const char           *owner;
    exchange_delivery_t   result;
    long long             http_status;
    const char           *status_code;    /* package delivered: the receiver's answer ("03"), may be NULL */
    const char           *error;          /* refused / retry / permanent: why */
    long long             now, next_at;
    int                   max_attempts;
} exchange_delivered_t;
/* store_write callback (arg exchange_delivered_t *): record one delivery's outcome while owner holds the lease:
 * done / back to pending at next_at / failed; for a package also the user-visible event. */
int exchange_record_outcome(db_t *db, void *arg);

typedef struct exchange_counts { long long pending, sending, done, failed; } exchange_counts_t;
int exchange_counts(db_t *db, void *arg);   /* store_read callback */
#endif

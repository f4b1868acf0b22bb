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
 * the inbox queues (in the same transaction, exchange_ack_queue) an unsigned edXML status message for the peer
 * serving the package's From OrganId; the original sender's POST /api/v1/exchange/status authenticates the peer
 * by its token (a clerk or leader of the sending unit) and records exchange.status_received (exchange_status_receive).
 * A package delivered twice is registered once by the inbox; a status delivered twice is recorded once (its sent
 * package, code and Timestamp). */
#ifndef MOTCUA_EXCHANGE_OUT_H
#define MOTCUA_EXCHANGE_OUT_H
#include <stdbool.h>

#include "core/buf.h"
#include "core/json.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/document.h"
#include "domain/domain.h"
#include "domain/edxml.h"
#include "domain/event.h"

#define EXCHANGE_PEERS_MAX    32
#define EXCHANGE_PEER_ORGANS  16
#define EXCHANGE_URL_MAX      512
#define EXCHANGE_ERROR_MAX    300

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
} exchange_send_in_t;

/* Inside a store_read: check who may send the document (a clerk or leader covering its unit; an outgoing
 * document; the unit has an edi_code) and build its unsigned package into xml (and its DocumentId into edxml_id).
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
} exchange_sent_t;

/* Inside a store_write: re-check as exchange_build_package, then record exchange.sent and the outbox row with the
 * signed xml. id chosen before the transaction. out filled. */
int exchange_send(db_t *db, const principal_t *who, const char *id, const exchange_send_in_t *in, const void *xml,
                  size_t n, const char *edxml_id, exchange_sent_t *out, derr_t *err);

/* ---- status messages back (receiving node) ---- */
/* Inside the write transaction of a document handling event: when document_id came through the inbox and a peer
 * serves its sender, queue the status message (code "04", "05" or "06"). 0 queued, 1 nothing to send (not from the
 * exchange, or no peer: logged), or a store error. */
int exchange_ack_queue(db_t *db, const exchange_peers_t *peers, const char *document_id, const char *code,
                       const char *note, const char *staff, long long now_ms);

/* ---- status messages received (sending node) ---- */
typedef enum { EXCHANGE_STATUS_NEW = 1, EXCHANGE_STATUS_DUPLICATE = 2 } exchange_status_outcome_t;
/* Inside a store_write: record the parsed status message st (kind EDXML_STATUS) for the exchange_sent row whose
 * edxml_document_id is st's ResponseFor/DocumentId and whose to_organ is st's From/OrganId, visible to who (a
 * clerk or leader covering the sending unit). 404 (-ENOENT) no such row; *outcome new or duplicate. */
int exchange_status_receive(db_t *db, const principal_t *who, const char *id, long long now_ms,
                            const edxml_doc_t *st, exchange_sent_t *sent, exchange_status_outcome_t *outcome,
                            derr_t *err);

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

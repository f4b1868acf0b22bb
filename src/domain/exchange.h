/* exchange.h — receiving official documents from other agencies as signed edXML packages (QCVN 102:2016), the
 * inbox side of issue 12 item 4.
 *
 * A package arrives at POST /api/v1/exchange/inbox from another motcua node or another agency's system, with an
 * API token of a clerk of the receiving unit. Its XML-DSig is checked against this node's trust anchors (CA
 * certificates and CRLs, `serve --exchange-trust`), before and outside the write transaction (sign/xmldsig.h); then,
 * in one write transaction:
 *   - the receiver is the unit of this node whose electronic identifier code (edi_code) is one of the package's
 *     To OrganIds; none: rejected "wrong receiver";
 *   - the same package (sender OrganId + DocumentId) received before is answered again as it was (a package
 *     delivered twice is registered once);
 *   - otherwise the document is registered in the unit's incoming register (domain/document.h, as the system) and
 *     one exchange.received event records where it came from, who signed it and, for a partner's package read
 *     leniently, why;
 *   - a package whose signature fails, whose certificate is untrusted, expired or revoked, that is not edXML or is
 *     not for this node is rejected: one exchange.rejected event with the reason, and the bytes kept as evidence.
 * Package bytes are not in the ledger: they are content-addressed in exchange_package_bytes (like papers' blobs),
 * which a rebuild keeps; exchange_received and exchange_rejected are the events' projections. */
#ifndef MOTCUA_EXCHANGE_H
#define MOTCUA_EXCHANGE_H
#include <stdbool.h>

#include "core/json.h"
#include "core/msg.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/document.h"
#include "domain/document_attach.h"   /* attachments */
#include "domain/domain.h"
#include "domain/edxml.h"
#include "domain/event.h"
#include "sign/signer.h"

#define EXCHANGE_REASON_MAX 300

extern const event_module_t exchange_event_module;

/* What the signature check said, computed before the transaction. */
typedef struct exchange_check {
    int           verify_rc;      /* xmldsig_verify(): 0 valid, -EBADMSG, -EKEYREJECTED, -EKEYREVOKED, -ENOENT... */
    signer_info_t who;            /* the signer, when the signature itself checked */
    bool          lenient;
    char          why[EXCHANGE_REASON_MAX];
    int           parse_rc;       /* edxml_parse(): 0 or -EINVAL / -E2BIG */
    char          parse_why[EXCHANGE_REASON_MAX];
    edxml_doc_t   doc;            /* parsed package (parse_rc == 0) */
    /* attachments: the package's PDF files, committed to the blob store before the transaction (api_exchange.c),
     * one entry per doc.attachments[i] (sha256 NULL: not a PDF); attached to the registered document. */
    document_attach_file_t *pdfs;
} exchange_check_t;

/* Verify and parse (no database): fills c; free c->doc with edxml_doc_free(). */
void exchange_check(const void *xml, size_t n, const char *trust_pem, exchange_check_t *c);

typedef enum { EXCHANGE_REGISTERED = 1, EXCHANGE_DUPLICATE = 2, EXCHANGE_REJECTED = 3 } exchange_outcome_t;

typedef struct exchange_result {
    exchange_outcome_t outcome;
    char       id[ID_LEN + 1];            /* the exchange record (received or rejected) */
    char       status_code[3];            /* the edXML status this node answers: "03" registered, "02" refused */
    msg_id_t   msg;                       /* rejected: the reason as a catalog message */
    char       reason[EXCHANGE_REASON_MAX];
    document_t doc;                       /* registered / duplicate: the incoming document */
} exchange_result_t;

/* Record the package in one write transaction (see above). id and now_ms chosen before the transaction. who is the
 * caller (an API token or a session): it must be a clerk or leader covering the receiving unit, else -EPERM
 * (403, nothing recorded). 0 with res filled (any outcome), or a negative errno. */
int exchange_receive(db_t *db, const principal_t *who, const char *id, long long now_ms, const void *xml, size_t n,
                     const exchange_check_t *c, exchange_result_t *res, derr_t *err);

/* Inside a store_write: keep a message refused outside exchange_receive (a status message whose signature failed,
 * docs/edxml.md) as evidence: its bytes and one exchange.rejected event with msg and reason, on unit_id (NULL:
 * listed for national admins only). */
int exchange_reject_evidence(db_t *db, const principal_t *who, const char *id, long long now_ms, const char *unit_id,
                             const void *xml, size_t n, const exchange_check_t *c, msg_id_t msg, const char *reason);

/* One received or rejected package, as the lists show it. */
typedef struct exchange_row {
    bool      rejected;
    char      id[ID_LEN + 1], unit_id[ID_LEN + 1], document_id[ID_LEN + 1];
    char      from_organ[EDXML_MAX_FIELD + 1], from_name[EDXML_MAX_FIELD + 1];
    char      edxml_document_id[EDXML_MAX_FIELD + 1];
    char      sha256[65];
    char      signer_cn[256], signer_serial[80], signer_issuer[256];
    bool      lenient;
    char      code[48];                      /* rejected: the reason's catalog id (MSG_EXCHANGE_...) */
    char      reason[EXCHANGE_REASON_MAX];   /* rejected: why; received leniently: how it was normalised */
    long long at;
} exchange_row_t;

/* The received (or rejected) packages who may see, newest first, at most limit, ids before `before`: those of units
 * where who is clerk, leader or admin; rejections with no receiving unit (not edXML, not for this node) only for
 * national admins. Returns the number given to cb or a negative errno. */
typedef int (*exchange_cb)(const exchange_row_t *x, void *arg);
int exchange_list(db_t *db, const principal_t *who, bool rejected, const char *before, long long limit,
                  exchange_cb cb, void *arg);
void exchange_row_json(jw_t *w, const exchange_row_t *x);
#endif

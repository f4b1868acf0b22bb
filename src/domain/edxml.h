/* edxml.h — edXML packages and status messages of QCVN 102:2016 (electronic exchange of documents between
 * agencies), as a C model, written and read with libxml2.
 *
 * A package (EDXML_PACKAGE) carries one official document: the envelope's MessageHeader (sender, recipients,
 * number and symbol, promulgation, type, subject, signer, ...), the TraceHeaderList (the hops and the business
 * purpose: new, revoke, update, replace) and the attachments (the files, base64 in AttachmentEncoded, listed in
 * the body's manifest). A status message (EDXML_STATUS) answers one package: who answers, for which document,
 * the status code (01 arrived ... 16 recall refused) and when. Element names and layout follow the public samples
 * described in docs/edxml.md (no XSD was published).
 *
 * Reading is hostile-input safe: no network, no DTD (a package with a DOCTYPE is refused, so there is no entity
 * expansion of any kind), a cap on the whole input and on every field, strict base64, and every refusal is a
 * negative errno plus a short English reason naming the element. Every string of a parsed edxml_doc_t is a
 * malloc'd, valid UTF-8, NUL-terminated, whitespace-trimmed value ("" when the element is absent or empty, never
 * NULL); edxml_doc_free() releases them. The signature (XML-DSig) is sign/xmldsig.h's business: edxml_parse does
 * not look at it. */
#ifndef MOTCUA_EDXML_H
#define MOTCUA_EDXML_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/json.h"

#define EDXML_NS "http://www.mic.gov.vn/TBT/QCVN_102_2016"

/* Caps: a whole package, one short field (ids, names, codes), one long text (Subject, Description, reasons),
 * the Content, and the counts of repeated elements. */
#define EDXML_MAX_BYTES       ((size_t)64 << 20)
#define EDXML_MAX_FIELD       1024
#define EDXML_MAX_TEXT        (16 * 1024)
#define EDXML_MAX_CONTENT     (1024 * 1024)
#define EDXML_MAX_TO          64
#define EDXML_MAX_PLACES      256
#define EDXML_MAX_TRACES      64
#define EDXML_MAX_APPENDIXES  64
#define EDXML_MAX_ATTACHMENTS 128
#define EDXML_MAX_ATTACHMENT  ((size_t)48 << 20)   /* decoded bytes, of one attachment and of all together */

typedef enum { EDXML_PACKAGE = 1, EDXML_STATUS = 2 } edxml_kind_t;

/* A calendar date; y == 0 means absent. */
typedef struct edxml_date { int y, m, d; } edxml_date_t;
/* A wall-clock instant in Vietnam time (no zone is carried by the format); y == 0 means absent. */
typedef struct edxml_time { int y, m, d, hh, mi, ss; } edxml_time_t;

/* From / To: an agency, identified by its electronic identifier code (Decision 20/2020/QĐ-TTg). */
typedef struct edxml_organ {
    char *organ_id, *organ_name, *organization_in_charge, *organ_add, *email, *telephone, *fax, *website;
} edxml_organ_t;

typedef struct edxml_staff { char *department, *staff, *email, *mobile; } edxml_staff_t;

/* ResponseFor: the document a package or a status message answers. */
typedef struct edxml_response_for {
    char        *organ_id, *code, *document_id;
    edxml_date_t promulgation_date;
} edxml_response_for_t;

typedef struct edxml_trace { char *organ_id; edxml_time_t timestamp; } edxml_trace_t;

/* Bussiness (sic, as in the standard's samples): why the package travels. doc_type 0 new, 1 revoke, 2 update,
 * 3 replace. */
typedef struct edxml_business {
    char         *document_id, *reason;
    int           doc_type, paper;
    edxml_staff_t staff;
} edxml_business_t;

typedef struct edxml_attachment {
    char          *content_id;        /* without the "cid:" prefix of the XML */
    char          *name, *description, *content_type;
    unsigned char *data;              /* decoded bytes (malloc'd; NULL when len is 0) */
    size_t         len;
} edxml_attachment_t;

/* Status codes of a status message (the two digits as written). */
#define EDXML_STATUS_CODES "01 02 03 04 05 06 13 15 16"

typedef struct edxml_doc {
    edxml_kind_t kind;
    edxml_organ_t from;
    /* package */
    edxml_organ_t *to;        int n_to;
    char *document_id;                                    /* "OrganId,yyyy/mm/dd,Number/Notation" */
    char *code_number, *code_notation;
    char *place;              edxml_date_t promulgation_date;
    int   type, type_detail;  char *type_name;
    char *subject, *content;
    char *signer_competence, *signer_position, *signer_full_name;
    edxml_date_t due_date;
    int   priority;           char *sphere_of_promulgation, *typer_notation;
    int   promulgation_amount, page_amount;
    bool  direction;
    char **appendixes;        int n_appendixes;
    int   steering_type;
    char **to_places;         int n_to_places;
    edxml_response_for_t response_for;                    /* package: optional; status: required */
    edxml_trace_t *traces;    int n_traces;
    bool  has_business;       edxml_business_t business;
    edxml_attachment_t *attachments; int n_attachments;
    /* status */
    edxml_staff_t staff;
    char  status_code[3];     /* "01".."16"; "" in a package */
    char *description;
    edxml_time_t timestamp;
} edxml_doc_t;

/* Release every string, array and attachment of d and zero it (a zeroed or half-filled doc is fine). */
void edxml_doc_free(edxml_doc_t *d);

/* Write d as an edXML document (UTF-8, indented) appended to xml_out. NULL strings are written as empty
 * elements; an empty document_id is composed from from.organ_id, promulgation_date and code. -EINVAL with a
 * reason when d lacks what a reader requires (the same rules as edxml_parse), -E2BIG past xml_out's cap. */
int edxml_build(const edxml_doc_t *d, buf_t *xml_out, char *why, size_t why_len);

/* Read an edXML package or status message. 0 and *out filled (free it with edxml_doc_free), or -EINVAL (not
 * well-formed, DOCTYPE present, wrong root, missing From / To / DocumentId / Code / StatusCode, a bad date or
 * number, bad base64, a manifest entry without its attachment), -E2BIG (input, a field or a count over its cap);
 * why (may be NULL) receives the reason. On failure *out is zeroed. Unknown elements are ignored. */
int edxml_parse(const void *xml, size_t n, edxml_doc_t *out, char *why, size_t why_len);

/* Dates as written by partners: "dd/mm/yyyy", "yyyy/mm/dd" or "yyyy-mm-dd"; instants as one of those dates
 * followed by " hh:mm:ss" or "Thh:mm:ss" (seconds optional). An empty string gives an absent date (0). -EINVAL
 * on anything else, including impossible dates. */
int edxml_date_parse(const char *s, edxml_date_t *out);
int edxml_time_parse(const char *s, edxml_time_t *out);

/* The JSON form (used by `motcua edxml build/read` and later by the exchange API): snake_case keys mirroring
 * edxml_doc_t, dates "yyyy-mm-dd", instants "yyyy-mm-ddThh:mm:ss"; attachments carry "data_base64" on input and
 * "size" + "sha256" (+ "data_base64" when with_data) on output. The fields are listed in docs/edxml.md. */
void edxml_to_json(jw_t *w, const edxml_doc_t *d, bool with_data);
/* load (may be NULL: then "file" is refused) reads an attachment's "file" path into *out (malloc'd). */
typedef int (*edxml_load_fn)(const char *path, unsigned char **out, size_t *len, void *arg);
int edxml_from_json(const json_t *o, edxml_doc_t *out, edxml_load_fn load, void *arg, char *why, size_t why_len);

const char *edxml_status_name(const char *code);   /* "arrived", ...; NULL for an unknown code */

#endif

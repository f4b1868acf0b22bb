/* document_attach.h — PDF attachments of official documents and the text searched in them (issue 12 item 6;
 * docs/documents.md "Attachments").
 *
 * The bytes are in the blob store (domain/blob.h: content-addressed, committed before the write transaction); the
 * rows of document_attachments are the projection of two events, built only by the apply functions below:
 *   document.attachment_added {id, document_id, n, sha256, size, media_type, name, source, at}
 *       → a row in text_state 'pending' (source 'upload': a clerk's upload; 'edxml': a received package's file);
 *   document.attachment_text  {id, document_id, state: "text" | "none", text?, chars, reason?, at}
 *       → the row's text_state, reason, and search = the folded text (utf8_fold, as every search of motcua).
 * The text comes from `pdftotext` run as a child process by the extractor (sync/pdf_extractor.h), outside any
 * write transaction; the extracted text (at most DOCUMENT_ATTACH_TEXT_MAX bytes) is carried by the event, so
 * `motcua rebuild` gives the same rows without running pdftotext again. A row stays 'pending' until its text event
 * is in: an extraction cut short by a crash is simply done again.
 *
 * Who: clerks and leaders covering the document's unit attach; whoever may read the document
 * (document_readable) lists and downloads its attachments; anyone else gets 404. */
#ifndef MOTCUA_DOCUMENT_ATTACH_H
#define MOTCUA_DOCUMENT_ATTACH_H
#include <stdbool.h>
#include <stddef.h>

#include "core/json.h"
#include "core/sha256.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/document.h"
#include "domain/domain.h"
#include "domain/event.h"
#include "domain/paper.h"

#define DOCUMENT_ATTACH_EVENT_ADDED "document.attachment_added"
#define DOCUMENT_ATTACH_EVENT_TEXT  "document.attachment_text"
#define DOCUMENT_ATTACH_MAX         50               /* attachments of one document */
#define DOCUMENT_ATTACH_TEXT_MAX    ((size_t)200 << 10)   /* bytes of extracted text kept per attachment */
#define DOCUMENT_ATTACH_REASON_MAX  200

typedef struct document_attachment {
    char      id[ID_LEN + 1];
    char      document_id[ID_LEN + 1];
    char      unit_id[ID_LEN + 1];                  /* the document's unit */
    long long n;                                     /* 1, 2, ... in the order attached */
    char      sha256[SHA256_HEX_LEN + 1];
    char      name[PAPER_NAME_MAX * 4 + 1];
    char      media_type[32];
    long long size;
    char      source[8];                             /* "upload" | "edxml" */
    char      added_by[ID_LEN + 1];                  /* "" for the system (edXML inbox) */
    long long added_at;
    char      text_state[8];                         /* "pending" | "text" | "none" */
    char      text_reason[DOCUMENT_ATTACH_REASON_MAX * 4 + 1];
    long long text_chars;                            /* characters of text kept */
} document_attachment_t;

/* What an attachment records; id and at are chosen before the write transaction (it may be re-run). */
typedef struct document_attach_in {
    char        id[ID_LEN + 1];
    long long   at;
    const char *document_id, *sha256, *name, *media_type;
    const char *source;                              /* "upload" | "edxml" */
    long long   size;
} document_attach_in_t;

/* Whether who may attach to the document: 0; -ENOENT (not readable: 404) or -EACCES (403) with err filled. */
int document_attach_allowed(db_t *db, const principal_t *who, const char *document_id, derr_t *err);
/* Record an attachment whose bytes are committed (one document.attachment_added event). who NULL is the system
 * (the edXML inbox: no role check). Refusals: 404, 403, 400 bad name, 409 the same file already attached or
 * DOCUMENT_ATTACH_MAX reached. */
int document_attach(db_t *db, const principal_t *who, const document_attach_in_t *in, document_attachment_t *out,
                    derr_t *err);
/* The PDF files of a received edXML package (domain/exchange.h), committed to the blob store before the write
 * transaction, attached by the system (source "edxml") to the document the package registered, in the same
 * transaction: one document.attachment_added event each. Entries whose sha256 is NULL (not a PDF) and repeats of
 * one content are skipped; a name that is not a valid display name becomes "attachment-<n>.pdf". 0 or < 0. */
typedef struct document_attach_file {
    const char *sha256;        /* NULL: not attached */
    char        hex[SHA256_HEX_LEN + 1];
    const char *name;
    long long   size;
} document_attach_file_t;
int document_attach_received(db_t *db, const char *document_id, const document_attach_file_t *files, int n,
                             long long at);
/* One attachment of a document: 0, -ENOENT. No scope check. */
int document_attachment_get(db_t *db, const char *document_id, const char *id, document_attachment_t *out);
/* The attachments of a document in order, as a JSON array. */
int document_attachments_json(db_t *db, jw_t *w, const char *document_id);
void document_attachment_json(jw_t *w, const document_attachment_t *a);

/* The oldest attachment still waiting for its text: 0 with out filled, -ENOENT when none. */
int document_attachment_next_pending(db_t *db, document_attachment_t *out);
/* What the extractor found (text: valid UTF-8 of at most DOCUMENT_ATTACH_TEXT_MAX bytes; NULL = no text, with the
 * reason). Records one document.attachment_text event when the row is still pending: 0; 1 when it is not (another
 * process did it first: nothing written); -ENOENT unknown. */
typedef struct document_text_in {
    const char *id;
    const char *text;         /* NULL or "": no text */
    size_t      len;
    const char *reason;       /* why there is no text, or a note ("truncated") */
    long long   at;
} document_text_in_t;
int document_attachment_set_text(db_t *db, const document_text_in_t *in);

extern const event_module_t document_attach_events;
#endif

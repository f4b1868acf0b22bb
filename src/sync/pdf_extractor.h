/* pdf_extractor.h — the background extractor of attachment text (domain/document_attach.h): takes the oldest
 * attachment in text_state 'pending', runs `pdftotext -enc UTF-8 -nopgbrk <blob file> -` as a child process
 * (core/proc.h: posix_spawn, no shell, bounded time and output; the path is the blob store's, never a client's
 * string), and records what it found in one document.attachment_text event: the text (cleaned to valid UTF-8,
 * runs of blanks collapsed, at most DOCUMENT_ATTACH_TEXT_MAX bytes), or "no text" with the reason (pdftotext's
 * refusal, a timeout, a PDF without a text layer, a blob missing from the store). Nothing of this runs inside a
 * write transaction. A row whose extraction was cut short (a crash, a stop) is still pending and is done again
 * on the next cycle; two processes doing the same row record it once (document_attachment_set_text). */
#ifndef MOTCUA_PDF_EXTRACTOR_H
#define MOTCUA_PDF_EXTRACTOR_H
#include <stddef.h>

#include "core/buf.h"
#include "db/db.h"
#include "domain/blob.h"

typedef struct pdf_extractor_opts {
    const char *program;        /* default "pdftotext" (searched on PATH) */
    long long   timeout_ms;     /* per file (default 30000) */
    long long   poll_ms;        /* idle wait between looks at the queue (default 2000) */
} pdf_extractor_opts_t;

/* Append to out the text of raw[0..n) as it is stored: invalid UTF-8, NUL and control characters dropped, runs of
 * blanks made one space (one line break when they held one), no leading or trailing blank, at most max bytes
 * (cut at a character boundary). Returns 1 when the text was cut, 0 otherwise. */
int pdf_text_clean(const char *raw, size_t n, size_t max, buf_t *out);

/* One cycle: extract the text of the oldest pending attachment. 1 when one was recorded, 0 when none is pending
 * (or pdftotext cannot be started: logged), < 0 on a store error. */
int pdf_extractor_cycle(store_t *st, const blob_store_t *bs, const pdf_extractor_opts_t *o);

typedef struct pdf_extractor pdf_extractor_t;
/* A thread running cycles until pdf_extractor_stop(); st, bs and o must outlive it. */
int  pdf_extractor_start(pdf_extractor_t **out, store_t *st, const blob_store_t *bs, const pdf_extractor_opts_t *o);
void pdf_extractor_stop(pdf_extractor_t *x);   /* NULL is fine */
#endif

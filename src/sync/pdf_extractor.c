/* pdf_extractor.c — see pdf_extractor.h. */
#include "sync/pdf_extractor.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/proc.h"
#include "core/utf8.h"
#include "domain/document_attach.h"
#include "sync/poller.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static size_t seq_len(unsigned char c)
{
    return c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
}

int pdf_text_clean(const char *raw, size_t n, size_t max, buf_t *out)
{
    size_t start = out->len;
    char gap = 0;                                /* a blank seen since the last character: ' ' or '\n' */
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)raw[i];
        size_t k = seq_len(c);
        if (k == 0 || i + k > n || (k > 1 && !utf8_valid(raw + i, k))) {
            i++;                                 /* not UTF-8: dropped */
            continue;
        }
        if (k == 1 && (c < 0x20 || c == 0x7f || c == ' ')) {
            if (c == '\n') gap = '\n';
            else if (c != 0 && !gap) gap = ' ';
            i++;
            continue;
        }
        size_t need = k + (gap && out->len > start ? 1 : 0);
        if (out->len - start + need > max) return 1;
        if (gap && out->len > start && buf_putc(out, gap) < 0) return 1;
        if (buf_append(out, raw + i, k) < 0) return 1;
        gap = 0;
        i += k;
    }
    return 0;
}

struct found {
    const char *id;
    buf_t      *text;
    char        reason[DOCUMENT_ATTACH_REASON_MAX];
};

static int pending_fn(db_t *db, void *arg) { return document_attachment_next_pending(db, arg); }

static int record_fn(db_t *db, void *arg)
{
    const struct found *f = arg;
    document_text_in_t in = {f->id, f->text->len ? f->text->data : NULL, f->text->len, f->reason, clock_now_ms()};
    int rc = document_attachment_set_text(db, &in);
    return rc == 1 ? 0 : rc;
}

static atomic_int missing_logged;

int pdf_extractor_cycle(store_t *st, const blob_store_t *bs, const pdf_extractor_opts_t *o)
{
    document_attachment_t *a = xmalloc(sizeof *a);
    int rc = store_read(st, pending_fn, a);
    if (rc < 0) {
        free(a);
        return rc == -ENOENT ? 0 : rc;
    }
    char path[PATH_MAX];
    buf_t raw, text;
    buf_init(&raw, DOCUMENT_ATTACH_TEXT_MAX * 4 + 16);
    buf_init(&text, DOCUMENT_ATTACH_TEXT_MAX + 16);
    struct found f = {a->id, &text, ""};
    long long timeout = o && o->timeout_ms > 0 ? o->timeout_ms : 30000;
    const char *prog = o && o->program && *o->program ? o->program : "pdftotext";
    if (blob_path(bs, a->sha256, path, sizeof path) < 0 || access(path, R_OK) != 0) {
        snprintf(f.reason, sizeof f.reason, "the file is not in the blob store");
    } else {
        const char *argv[] = {prog, "-enc", "UTF-8", "-nopgbrk", path, "-", NULL};
        proc_result_t pr;
        /* Raw output up to four times the kept text: blanks collapse, and a cut text is still useful. */
        rc = proc_capture(argv, timeout, DOCUMENT_ATTACH_TEXT_MAX * 4, &raw, &pr);
        if (rc < 0) {
            if (!atomic_exchange(&missing_logged, 1))
                log_error("attachments: cannot run %s (%s): attachment text waits until it can", prog, strerror(-rc));
            buf_free(&raw);
            buf_free(&text);
            free(a);
            return 0;
        }
        atomic_store(&missing_logged, 0);
        int cut = 0;
        if (pr.timed_out) snprintf(f.reason, sizeof f.reason, "pdftotext did not finish within %lld s", timeout / 1000);
        else if (!pr.truncated && pr.exit_status != 0)
            snprintf(f.reason, sizeof f.reason, "pdftotext could not read the file (exit status %d%s%.120s)",
                     pr.exit_status, pr.err[0] ? ": " : "", pr.err);
        else cut = pdf_text_clean(raw.data, raw.len, DOCUMENT_ATTACH_TEXT_MAX, &text) || pr.truncated;
        if (!f.reason[0] && text.len == 0) snprintf(f.reason, sizeof f.reason, "no text layer (a scanned image?)");
        else if (!f.reason[0] && cut)
            snprintf(f.reason, sizeof f.reason, "text cut at %zu bytes", (size_t)DOCUMENT_ATTACH_TEXT_MAX);
        if (pr.timed_out || (!pr.truncated && pr.exit_status != 0)) buf_reset(&text);
    }
    rc = store_write(st, record_fn, &f);
    if (rc < 0) log_error("attachments: cannot record the text of %s: %s", a->id, strerror(-rc));
    else log_info("attachments: %s: %zu bytes of text%s%s", a->id, text.len, f.reason[0] ? "; " : "", f.reason);
    buf_free(&raw);
    buf_free(&text);
    free(a);
    return rc < 0 ? rc : 1;
}

struct pdf_extractor {
    store_t                    *st;
    const blob_store_t         *bs;
    const pdf_extractor_opts_t *o;
    poller_t                   *poller;
};

static int extractor_cycle(void *arg)
{
    pdf_extractor_t *x = arg;
    int n = pdf_extractor_cycle(x->st, x->bs, x->o);
    if (n < 0) log_warn("attachments: the text extractor failed: %s", strerror(-n));
    return n;
}

int pdf_extractor_start(pdf_extractor_t **out, store_t *st, const blob_store_t *bs, const pdf_extractor_opts_t *o)
{
    pdf_extractor_t *x = xcalloc(1, sizeof *x);
    x->st = st;
    x->bs = bs;
    x->o = o;
    int rc = poller_start(&x->poller, extractor_cycle, x, o && o->poll_ms > 0 ? o->poll_ms : 2000);
    if (rc < 0) {
        free(x);
        return rc;
    }
    *out = x;
    return 0;
}

void pdf_extractor_stop(pdf_extractor_t *x)
{
    if (!x) return;
    poller_stop(x->poller);
    free(x);
}

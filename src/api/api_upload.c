/* api_upload.c — see api_upload.h. */
#include "api/api_upload.h"
#include "api/api_export.h"
#include "core/log.h"
#include "core/mem.h"
#include "domain/blob.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct upload {
    blob_writer_t          *w;
    const char             *type;
    bool                    head_checked;
    size_t                  max;
    char                    sha[SHA256_HEX_LEN + 1];
    const api_upload_ops_t *ops;
    void                   *ctx;
};

void api_upload_media(const char *ct, char *out, size_t cap)
{
    size_t i = 0;
    while (ct && *ct == ' ') ct++;
    for (; ct && ct[i] && ct[i] != ';' && ct[i] != ' ' && i + 1 < cap; i++) out[i] = (char)tolower((unsigned char)ct[i]);
    out[i] = '\0';
}

static int reply_too_large(req_t *r)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%zu", r->app->paper_max);
    reply_header(r, "Connection", "close");
    return reply_problem(r, 413, "paper-too-large", MSG_PAPER_TOO_LARGE, NULL, lim, NULL, NULL);
}

static int reply_storage(req_t *r, int rc, const char *what)
{
    log_error("uploads: %s failed in %s: %s", what, r->app->blobs ? blob_store_dir(r->app->blobs) : "-",
              strerror(-rc));
    reply_header(r, "Retry-After", "5");
    return reply_problem(r, 503, "paper-storage", MSG_PAPER_STORAGE, NULL, NULL, NULL, NULL);
}

bool api_upload_refuse_length(req_t *r)
{
    const char *cl = req_header(r, "Content-Length");
    if (!cl) return false;
    char *end;
    unsigned long long n = strtoull(cl, &end, 10);
    if (*end == '\0' && n > r->app->paper_max) return reply_too_large(r), true;
    if (*end == '\0' && n == 0)
        return reply_problem(r, 400, "paper-empty", MSG_PAPER_EMPTY, NULL, NULL, NULL, NULL), true;
    return false;
}

/* Whether the bytes seen so far agree with the declared type; replies 415 when they do not. */
static bool head_agrees(req_t *r, struct upload *u, bool final)
{
    size_t n;
    const unsigned char *h = blob_head(u->w, &n);
    if (n < 8 && !final) return true;             /* not enough bytes to judge yet */
    u->head_checked = true;
    const char *found = blob_sniff(h, n);
    if (found && !strcmp(found, u->type)) return true;
    reply_problem(r, 415, "paper-type-mismatch", MSG_PAPER_TYPE_MISMATCH, NULL, u->type,
                  found ? found : "application/octet-stream", NULL);
    return false;
}

static int upload_chunk(req_t *r, const char *data, size_t len)
{
    struct upload *u = r->stream_ctx;
    if (blob_written(u->w) + len > u->max) {
        blob_abort(u->w);
        u->w = NULL;
        return reply_too_large(r), -1;
    }
    int rc = blob_write(u->w, data, len);
    if (rc < 0) {
        blob_abort(u->w);
        u->w = NULL;
        return reply_storage(r, rc, "writing an upload"), -1;
    }
    if (!u->head_checked && !head_agrees(r, u, false)) {
        blob_abort(u->w);
        u->w = NULL;
        return -1;
    }
    return 0;
}

static void upload_end(req_t *r)
{
    struct upload *u = r->stream_ctx;
    /* A refusal removes the temporary file before the answer goes out, so a client that sees the answer
     * never sees the file (releasing the request comes only after the answer is sent). */
    if (blob_written(u->w) == 0) {
        blob_abort(u->w);
        u->w = NULL;
        reply_problem(r, 400, "paper-empty", MSG_PAPER_EMPTY, NULL, NULL, NULL, NULL);
        return;
    }
    if (!u->head_checked && !head_agrees(r, u, true)) {
        blob_abort(u->w);
        u->w = NULL;
        return;
    }
    long long size = (long long)blob_written(u->w);
    int rc = blob_commit(u->w, u->sha);
    u->w = NULL;
    if (rc < 0) {
        reply_storage(r, rc, "committing an upload");
        return;
    }
    u->ops->done(r, u->ctx, u->sha, size);
}

static void upload_release(req_t *r)
{
    struct upload *u = r->stream_ctx;
    if (!u) return;
    blob_abort(u->w);                 /* an unfinished upload: its temporary file goes */
    if (u->ops->release) u->ops->release(u->ctx);
    free(u);
    r->stream_ctx = NULL;
}

static const stream_ops_t upload_ops = {upload_chunk, upload_end, upload_release};

int api_upload_stream(req_t *r, const char *type, const api_upload_ops_t *ops, void *ctx)
{
    if (!r->app->blobs) {
        if (ops->release) ops->release(ctx);
        return reply_storage(r, -ENODEV, "opening the blob store");
    }
    struct upload *u = xcalloc(1, sizeof *u);
    int rc = blob_begin(r->app->blobs, &u->w);
    if (rc < 0) {
        free(u);
        if (ops->release) ops->release(ctx);
        return reply_storage(r, rc, "creating a temporary file");
    }
    u->type = type;
    u->max = r->app->paper_max;
    u->ops = ops;
    u->ctx = ctx;
    req_stream(r, &upload_ops, u);
    return 0;
}

int api_blob_send(req_t *r, const char *sha256, long long expected, const char *name, const char *content_type)
{
    int fd = -1;
    long long size = 0;
    int rc = r->app->blobs ? blob_open_read(r->app->blobs, sha256, &fd, &size) : -ENODEV;
    if (rc == 0 && size != expected) {
        close(fd);
        rc = -EIO;
    }
    if (rc < 0) {
        log_error("uploads: the bytes of sha256 %s cannot be read: %s", sha256, strerror(-rc));
        return reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
    }
    char cd[2048];
    api_disposition("attachment", name, cd, sizeof cd);
    reply_header(r, "Content-Disposition", cd);
    char etag[SHA256_HEX_LEN + 3];
    snprintf(etag, sizeof etag, "\"%s\"", sha256);
    reply_header(r, "ETag", etag);
    reply_header(r, "Cache-Control", "private, no-store");
    r->status = 200;
    r->replied = true;
    r->content_type = content_type;
    r->file_fd = fd;
    r->file_size = size;
    return 0;
}

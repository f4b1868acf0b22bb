/* api_upload.h — streamed uploads into the blob store, and blob downloads, shared by the routes that take files
 * (papers: api_papers.c; document attachments: api_document_attach.c). See docs/papers.md "Streaming".
 *
 * From a ROUTE_STREAM handler, once the route's own checks passed: api_upload_stream() takes the body chunk by
 * chunk into a blob writer (hashed and written to a temporary file, never whole in memory), refusing it as it
 * arrives when it grows past --paper-max (413) or when its first bytes are not the declared type's magic number
 * (415); an empty body is 400. Only a complete, well-typed body is committed (fsync + rename); ops->done then
 * records it and replies. Every refusal removes the temporary file before the answer goes out. */
#ifndef MOTCUA_API_UPLOAD_H
#define MOTCUA_API_UPLOAD_H
#include "api/api.h"

typedef struct api_upload_ops {
    /* The body is committed to the blob store as sha256 (size bytes): record it and reply. */
    void (*done)(req_t *r, void *ctx, const char *sha256, long long size);
    void (*release)(void *ctx);   /* frees ctx; runs once, however the request ends */
} api_upload_ops_t;

/* "image/png; charset=x" → "image/png" (lowercase) into out. */
void api_upload_media(const char *content_type, char *out, size_t cap);
/* The declared Content-Length against --paper-max (413) and zero (400): true when r now holds the refusal. */
bool api_upload_refuse_length(req_t *r);
/* Take the body of r as a file of the declared (canonical, static) type. Returns 0 (r replied, or streaming);
 * on a refusal before streaming, ops->release(ctx) has run. */
int api_upload_stream(req_t *r, const char *type, const api_upload_ops_t *ops, void *ctx);
/* Send the stored blob (streamed from its file) as an attachment download named name. */
int api_blob_send(req_t *r, const char *sha256, long long size, const char *name, const char *content_type);
#endif

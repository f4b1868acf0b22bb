/* reply.c — request accessors, JSON body parsing and validation, responses and problem+json (see http.h). */
#include "http/http.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *req_header(req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *req_cookie(req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *req_query(req_t *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_param(req_t *r, int i)
{
    return i >= 0 && i < r->nparams ? r->params[i] : "";
}

void reply_header(req_t *r, const char *name, const char *value)
{
    if (r->nheaders >= HTTP_MAX_HEADERS) {
        char epath[LOG_ESC_CAP];
        log_error("http: too many response headers for %s", log_esc(epath, sizeof epath, r->path));
        return;
    }
    r->hdr_name[r->nheaders] = xstrdup(name);
    r->hdr_value[r->nheaders] = xstrdup(value);
    r->nheaders++;
}

void reply_reset(req_t *r)
{
    for (int i = 0; i < r->nheaders; i++) {
        free(r->hdr_name[i]);
        free(r->hdr_value[i]);
        r->hdr_name[i] = r->hdr_value[i] = NULL;
    }
    r->nheaders = 0;
    buf_reset(&r->out);
    if (r->file_fd >= 0) close(r->file_fd);
    r->file_fd = -1;
    r->file_size = 0;
    r->content_type = NULL;
    r->status = 0;
    r->replied = false;
}

int reply_json(req_t *r, int status, buf_t *body)
{
    r->status = status;
    r->replied = true;
    buf_free(&r->out);
    r->out = *body;
    buf_init(body, 0);
    r->content_type = "application/json; charset=utf-8";
    return 0;
}

int reply_status(req_t *r, int status)
{
    r->status = status;
    r->replied = true;
    buf_reset(&r->out);
    r->content_type = NULL;
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

int reply_problem(req_t *r, int status, const char *slug, msg_id_t msg, const char *field, const char *a0,
                  const char *a1, const char *a2)
{
    return reply_problem_ext(r, status, slug, msg, field, a0, a1, a2, NULL, NULL, 0);
}

int reply_problem_ext(req_t *r, int status, const char *slug, msg_id_t msg, const char *field, const char *a0,
                      const char *a1, const char *a2, const char *ext_key, const char *ext_json, size_t ext_len)
{
    const char *args[3] = {a0, a1, a2};
    buf_t vi, en, out;
    buf_init(&vi, 4096);
    buf_init(&en, 4096);
    buf_init(&out, 0);
    msg_format(&vi, msg, LANG_VI, args, 3);
    msg_format(&en, msg, LANG_EN, args, 3);
    char type[96];
    snprintf(type, sizeof type, "urn:motcua:problem:%s", slug);
    jw_t w;
    jw_init(&w, &out);
    jw_obj_begin(&w);
    jw_kstr(&w, "type", type);
    jw_kstr(&w, "title", reason(status));
    jw_kint(&w, "status", status);
    jw_key(&w, "detail");
    jw_strn(&w, r->lang == LANG_EN ? en.data : vi.data, r->lang == LANG_EN ? en.len : vi.len);
    jw_kstr(&w, "code", msg_name(msg));
    if (utf8_valid(r->path, strlen(r->path))) jw_kstr(&w, "instance", r->path);
    if (field && utf8_valid(field, strlen(field))) jw_kstr(&w, "field", field);
    jw_key(&w, "messages");
    jw_obj_begin(&w);
    jw_key(&w, "vi");
    jw_strn(&w, vi.data, vi.len);
    jw_key(&w, "en");
    jw_strn(&w, en.data, en.len);
    jw_obj_end(&w);
    if (ext_key) {
        jw_key(&w, ext_key);
        jw_raw(&w, ext_json, ext_len);
    }
    jw_obj_end(&w);
    if (jw_finish(&w) < 0) {
        /* An argument was not valid UTF-8 (it came from the request): say so without echoing it. */
        buf_reset(&out);
        buf_printf(&out, "{\"type\":\"urn:motcua:problem:%s\",\"title\":\"%s\",\"status\":%d}", slug,
                   reason(status), status);
    }
    buf_free(&vi);
    buf_free(&en);
    reply_json(r, status, &out);
    r->content_type = "application/problem+json; charset=utf-8";
    return 0;
}

/* The one errno-to-reply mapping: every handler path (api_reply_derr, the list helper, the server's own store
 * errors) ends here, so an errno means the same status everywhere. A busy store (-EAGAIN: lock or conflict retries
 * used up) and a read-only standby (-EROFS) are 503 with Retry-After, never 500. */
int reply_errno(req_t *r, int err)
{
    switch (err) {
    case -ENOENT: return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    case -EACCES:
    case -EPERM: return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    case -EEXIST: return reply_problem(r, 409, "conflict", MSG_ALREADY_EXISTS, NULL, "?", NULL, NULL);
    case -ESTALE: return reply_problem(r, 412, "version-mismatch", MSG_VERSION_MISMATCH, NULL, "?", NULL, NULL);
    case -EAGAIN:
        reply_header(r, "Retry-After", "1");
        return reply_problem(r, 503, "busy", MSG_UNAVAILABLE, NULL, NULL, NULL, NULL);
    case -EROFS:
        reply_header(r, "Retry-After", "30");
        return reply_problem(r, 503, "read-only", MSG_UNAVAILABLE, NULL, NULL, NULL, NULL);
    case -EIO:
    case -ESHUTDOWN:
    case -ECONNREFUSED:
        reply_header(r, "Retry-After", "5");
        return reply_problem(r, 503, "unavailable", MSG_UNAVAILABLE, NULL, NULL, NULL, NULL);
    default: {
        char epath[LOG_ESC_CAP], emethod[64];
        log_error("http: unexpected error %d on %s %s", err, log_esc(emethod, sizeof emethod, r->method),
                  log_esc(epath, sizeof epath, r->path));
        return reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
    }
    }
}

/* ---- JSON bodies ---- */

int req_json(req_t *r, json_t **out)
{
    *out = NULL;
    const char *ct = req_header(r, "Content-Type");
    if (!ct || strncasecmp(ct, "application/json", 16) != 0 || (ct[16] && ct[16] != ';' && ct[16] != ' '))
        return reply_problem(r, 415, "unsupported-media-type", MSG_UNSUPPORTED_MEDIA, NULL, NULL, NULL, NULL), -1;
    if (r->body.len == 0)
        return reply_problem(r, 400, "body-required", MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL), -1;
    if (!utf8_valid(r->body.data, r->body.len))
        return reply_problem(r, 400, "invalid-utf8", MSG_INVALID_UTF8, NULL, NULL, NULL, NULL), -1;
    json_error_t e;
    json_t *j = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    if (!j) {
        char pos[24];
        snprintf(pos, sizeof pos, "%d", e.position);
        return reply_problem(r, 400, "malformed-json", MSG_MALFORMED_JSON, NULL, pos, e.text, NULL), -1;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return reply_problem(r, 400, "body-not-object", MSG_BODY_NOT_OBJECT, NULL, NULL, NULL, NULL), -1;
    }
    *out = j;
    return 0;
}

static const char *type_name(field_type_t t)
{
    switch (t) {
    case FT_STRING: return "string";
    case FT_INT: return "integer";
    case FT_BOOL: return "boolean";
    case FT_ARRAY: return "array";
    default: return "object";
    }
}

int req_fields(req_t *r, json_t *obj, const field_t *f, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(f[i].name, key) == 0) break;
        if (i == n) return reply_problem(r, 400, "unknown-field", MSG_UNKNOWN_FIELD, key, key, NULL, NULL), -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *val = json_object_get(obj, f[i].name);
        if (f[i].present) *f[i].present = val != NULL;
        if (!val) {
            if (f[i].required)
                return reply_problem(r, 400, "missing-field", MSG_MISSING_FIELD, f[i].name, f[i].name, NULL, NULL),
                       -1;
            continue;
        }
        char lo[24], hi[24];
        snprintf(lo, sizeof lo, "%lld", f[i].min);
        snprintf(hi, sizeof hi, "%lld", f[i].max);
        bool ok;
        switch (f[i].type) {
        case FT_STRING: ok = json_is_string(val); break;
        case FT_INT: ok = json_is_integer(val); break;
        case FT_BOOL: ok = json_is_boolean(val); break;
        case FT_ARRAY: ok = json_is_array(val); break;
        default: ok = json_is_object(val);
        }
        if (!ok)
            return reply_problem(r, 400, "wrong-type", MSG_WRONG_TYPE, f[i].name, f[i].name, type_name(f[i].type),
                                 NULL),
                   -1;
        switch (f[i].type) {
        case FT_STRING: {
            const char *s = json_string_value(val);
            size_t len = json_string_length(val);
            if (strlen(s) != len || !utf8_valid(s, len))    /* embedded NUL (\u0000) or bad text */
                return reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, f[i].name, f[i].name,
                                     "NUL or invalid text", NULL),
                       -1;
            long long chars = (long long)utf8_length(s, len);
            if (chars < f[i].min || chars > f[i].max)
                return reply_problem(r, 400, "field-length", MSG_FIELD_LENGTH, f[i].name, f[i].name, lo, hi), -1;
            if (f[i].out) *(const char **)f[i].out = s;
            break;
        }
        case FT_INT: {
            long long x = json_integer_value(val);
            if (x < f[i].min || x > f[i].max)
                return reply_problem(r, 400, "field-range", MSG_FIELD_RANGE, f[i].name, f[i].name, lo, hi), -1;
            if (f[i].out) *(long long *)f[i].out = x;
            break;
        }
        case FT_BOOL:
            if (f[i].out) *(bool *)f[i].out = json_is_true(val);
            break;
        case FT_ARRAY:
            if ((long long)json_array_size(val) < f[i].min || (long long)json_array_size(val) > f[i].max)
                return reply_problem(r, 400, "field-range", MSG_FIELD_RANGE, f[i].name, f[i].name, lo, hi), -1;
            if (f[i].out) *(json_t **)f[i].out = val;
            break;
        default:
            if (f[i].out) *(json_t **)f[i].out = val;
        }
    }
    return 0;
}

int req_page(req_t *r, page_t *p)
{
    p->limit = 50;
    p->cursor = req_query(r, "cursor");
    p->q = req_query(r, "q");
    const char *l = req_query(r, "limit");
    if (l) {
        char *end;
        errno = 0;
        long long v = strtoll(l, &end, 10);
        if (errno || end == l || *end || v < 1 || v > 200)
            return reply_problem(r, 400, "invalid-parameter", MSG_FIELD_RANGE, "limit", "limit", "1", "200"), -1;
        p->limit = v;
    }
    if (p->cursor && (strlen(p->cursor) > 128 || !utf8_valid(p->cursor, strlen(p->cursor))))
        return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL), -1;
    if (p->q && (!utf8_valid(p->q, strlen(p->q)) || utf8_length(p->q, strlen(p->q)) > 100))
        return reply_problem(r, 400, "invalid-parameter", MSG_FIELD_LENGTH, "q", "q", "0", "100"), -1;
    if (p->q && !*p->q) p->q = NULL;
    if (p->cursor && !*p->cursor) p->cursor = NULL;
    return 0;
}

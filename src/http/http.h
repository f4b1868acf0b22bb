/* http.h — the HTTP layer on libmicrohttpd: server, router, request/response helpers, problem+json.
 *
 * One req_t lives for one request, on one MHD worker thread; handlers run synchronously on that thread and reply
 * through the reply_* functions exactly once. Everything a request reads is bounded: the body by app.body_max
 * (413 beyond), headers by MHD's connection memory limit, path parameters by HTTP_MAX_PARAMS. Every response gets
 * the security headers (CSP, nosniff, frame-ancestors) and one access-log line. Handlers never see SQL: they call
 * domain/ functions with the app's store. */
#ifndef MOTCUA_HTTP_H
#define MOTCUA_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/msg.h"
#include "db/db.h"
#include "domain/auth.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8
/* After a refusal decided from the headers alone (404, 405, 401, 403, 413), at most this much of the body is read
 * and discarded so the client reads the answer instead of a reset; past it the connection is closed. */
#define HTTP_DRAIN_MAX ((size_t)8 << 20)

typedef struct app {
    store_t    *store;
    const char *web_dir;          /* static files root (realpath), or NULL */
    size_t      body_max;         /* request body cap in bytes */
    size_t      big_body_max;     /* the cap of ROUTE_BIG_BODY routes (0 or less than body_max: body_max) */
    bool        secure_cookies;   /* add Secure to the session cookie (behind TLS) */
    bool        trust_proxy;      /* behind a proxy: log the client from X-Forwarded-For, no per-IP cap here */
    int         threads;
    int         header_timeout_s; /* a request's headers must be complete this long after the connection opened or
                                   * the previous answer was sent (0 = 10 s) */
    int         body_timeout_s;   /* ... and its body this long after its headers (0 = 30 s) */
    int         slow_threads;     /* threads of the slow pool (ROUTE_SLOW handlers); 0 = cores - 1, at least 1 */
    /* papers */
    struct blob_store *blobs;     /* where uploaded papers' bytes go (domain/blob.h) */
    size_t      paper_max;        /* upload cap of one paper in bytes (413 beyond) */
    /* metrics: GET /metrics answers a bearer token whose SHA-256 is this (--metrics-token-file), or, without
     * trust_proxy, any loopback peer (api/api_metrics.c) */
    bool          metrics_token_set;
    unsigned char metrics_token_sha256[32];
    /* exchange: the trust anchors (PEM CA certificates and CRLs) edXML packages are verified against
     * (--exchange-trust); NULL: the inbox answers 503 not configured */
    const char   *exchange_trust_pem;
    /* outbox: the peers this node sends edXML packages and status messages to, with their tokens
     * (--exchange-peers, domain/exchange_out.h); NULL: POST /api/v1/documents/{id}/send answers 503 */
    const struct exchange_peers *exchange_peers;
    /* ministry: the systems dossiers are handed off to (--ministry-systems, domain/ministry.h); NULL: POST
     * /api/v1/dossiers/{code}/handoffs answers 503 */
    const struct ministry_systems *ministry_systems;
    /* signed results: the trust anchors (PEM CA certificates and CRLs) of result signatures (--sign-trust): a
     * leader's signature is checked against them before the result is kept, and the public verification of a
     * copy reports a chain to them; NULL: no copy is ever reported valid */
    const char   *sign_trust_pem;
    /* sync: this server's role, "standalone", "node" or "hub" (meta 'role'; serve --role): only a hub answers
     * the sync routes (api/api_sync.c) */
    const char   *sync_role;
    /* portal: the National Public Service Portal's address and token (--portal-url, sync/portal_sender.h), for
     * the admin's reconciliation; NULL: POST /api/v1/portal/reconciliations answers 503 */
    const struct portal_sender_opts *portal;
} app_t;

typedef struct req req_t;
typedef int (*handler_fn)(req_t *r);

enum {
    ROUTE_PUBLIC = 0,             /* no sign-in */
    ROUTE_AUTH = 1,               /* a signed-in principal is required (session cookie or bearer token) */
    ROUTE_STAFF = 2 | 1,          /* ... and it must be a staff/system account */
    ROUTE_SLOW = 4,               /* runs Argon2 (sign-in, password changes): the handler runs on the slow pool, the
                                   * connection suspended meanwhile, so it never holds an HTTP worker thread */
    /* The body is streamed to the handler instead of being buffered: the handler runs as soon as the headers are
     * in (after authentication, before any body byte is read) and either refuses (replies; the body is drained)
     * or calls req_stream() to receive the body chunk by chunk. body_max does not apply: the handler caps it. */
    ROUTE_STREAM = 8,
    /* The body may be up to app.big_body_max rather than body_max (a hub's sync batches, up to 4 MiB): the larger
     * cap is not every route's, so an anonymous client cannot make any route buffer 4 MiB. */
    ROUTE_BIG_BODY = 16,
};

/* The callbacks of a streamed body (ROUTE_STREAM). chunk gets the bytes as MHD delivers them; it returns 0, or
 * < 0 after replying (a refusal: the rest of the body is drained and discarded). end runs once the whole body is
 * in, when nothing was refused, and replies. release always runs once, when the request ends however it ends
 * (an aborted connection included): it frees the handler's context and undoes what was not finished. */
typedef struct stream_ops {
    int  (*chunk)(req_t *r, const char *data, size_t len);
    void (*end)(req_t *r);
    void (*release)(req_t *r);
} stream_ops_t;

typedef struct route {
    const char *method;           /* "GET", "POST", ... */
    const char *pattern;          /* "/api/v1/units/{id}" */
    handler_fn  fn;
    int         flags;
} route_t;

struct req {
    struct MHD_Connection *conn;
    app_t      *app;
    const char *method;
    const char *path;
    lang_t      lang;
    buf_t       body;
    bool        body_too_large;
    int         nparams;
    char        params[HTTP_MAX_PARAMS][128];
    principal_t who;              /* valid when authed */
    bool        authed;
    const route_t *route;         /* the API route, found when the headers came in (NULL: static file or refused) */
    bool        queued;           /* the answer is queued with MHD (nothing more to do) */
    size_t      drained;          /* body bytes read and discarded after an early refusal */
    const stream_ops_t *stream;   /* ROUTE_STREAM: set by req_stream() */
    void       *stream_ctx;
    /* response */
    int         status;
    bool        replied;
    buf_t       out;
    const char *content_type;
    int         nheaders;
    char       *hdr_name[HTTP_MAX_HEADERS];
    char       *hdr_value[HTTP_MAX_HEADERS];
    int         file_fd;          /* static file to send, or -1 */
    long long   file_size;
    long long   t0_us;
    size_t      bytes_out;
    bool        suspended;        /* handed to the slow pool; MHD calls back once it resumes the connection */
    /* req_write_async(): the continuation run on a worker once the commit is in, and its result */
    void      (*cont)(req_t *r, int rc, void *arg);
    void       *cont_arg;
    int         cont_rc;
    bool        cont_pending;     /* the connection is suspended until the writer has committed */
    bool        metered;          /* counted by http_metrics_record() (its answer was queued) */
};

/* ---- server ---- */
/* Serve until SIGTERM/SIGINT, then stop accepting, finish in-flight requests and return 0 (or < 0 at start-up).
 * listen is "HOST:PORT" ("127.0.0.1:8080", "[::1]:8080", port 0 = any free port, printed). */
int http_serve(app_t *app, const char *listen);
/* Block SIGINT and SIGTERM in the calling thread, so every thread it starts afterwards (the store's writer, the
 * senders, the extractor) inherits the mask and only http_serve()'s sigwait takes them: a stop signal the kernel
 * gave to a thread that had not blocked it would kill the process with its default action. Call it first. */
void http_block_stop_signals(void);
/* The route table (api/api.c). */
extern const route_t api_routes[];
extern const size_t api_routes_count;

/* ---- request ---- */
const char *req_header(req_t *r, const char *name);
/* The client address ("-" when unknown): the peer, or with app->trust_proxy the last X-Forwarded-For entry. */
void req_client_addr(const req_t *r, char *out, size_t cap);
/* Whether the socket's peer (never a header) is a loopback address: 127.0.0.0/8, ::1 or ::ffff:127.x.y.z. */
bool req_peer_is_loopback(const req_t *r);
struct sockaddr;
bool sockaddr_is_loopback(const struct sockaddr *sa);
const char *req_cookie(req_t *r, const char *name);
const char *req_query(req_t *r, const char *name);
const char *req_param(req_t *r, int i);            /* path parameter i (0-based) */
/* Parse the body as a JSON object. On failure a 4xx problem has been sent and < 0 is returned. */
int req_json(req_t *r, json_t **out);
/* From a ROUTE_STREAM handler: take the body through ops, with ctx in r->stream_ctx. */
void req_stream(req_t *r, const stream_ops_t *ops, void *ctx);

/* Field specification for validating a JSON object body. Unknown fields, wrong types, out-of-range values and
 * missing required fields are rejected with a 400 problem naming the field. */
typedef enum { FT_STRING, FT_INT, FT_BOOL, FT_ARRAY, FT_OBJECT } field_type_t;
typedef struct field {
    const char  *name;
    field_type_t type;
    bool         required;
    long long    min, max;        /* string: length in characters; int: value; array: element count */
    void        *out;             /* const char ** | long long * | bool * | json_t ** */
    bool        *present;         /* optional: set to true when the field was given */
} field_t;
int req_fields(req_t *r, json_t *obj, const field_t *fields, size_t n);
/* Query parameters for lists: limit (1..200, default 50), cursor (opaque), q (search text, <= 100 chars). */
typedef struct page {
    long long   limit;
    const char *cursor;
    const char *q;
} page_t;
int req_page(req_t *r, page_t *p);

/* Write without holding an HTTP worker while the commit is waited for: queue fn with store_write_async(),
 * suspend the connection and return; once the batch is committed the writer resumes the connection and
 * then(r, rc, arg) runs on an HTTP worker, with rc what store_write() would have returned, and replies. The
 * handler that calls this must return at once and reply nothing itself; whatever fn, arg and then need must
 * live until then runs (then frees them). Called from a handler running on the slow pool, it writes
 * synchronously and calls then at once. Returns 0. */
int req_write_async(req_t *r, db_fn fn, void *arg, void (*then)(req_t *r, int rc, void *arg));

/* ---- response ---- */
void reply_header(req_t *r, const char *name, const char *value);
int  reply_json(req_t *r, int status, buf_t *body);          /* takes body's memory */
int  reply_status(req_t *r, int status);                      /* empty body */
/* RFC 9457 problem+json with the message in both languages; args fill {0} {1} {2}; field may be NULL. */
int  reply_problem(req_t *r, int status, const char *slug, msg_id_t msg, const char *field, const char *a0,
                   const char *a1, const char *a2);
/* reply_problem with one extension member ext_key (RFC 9457 section 3.2) whose value is the JSON text ext_json
 * (the import report of the procedure catalog, for one). */
int  reply_problem_ext(req_t *r, int status, const char *slug, msg_id_t msg, const char *field, const char *a0,
                       const char *a1, const char *a2, const char *ext_key, const char *ext_json, size_t ext_len);
/* Map a negative errno from domain/db code to a problem: -ENOENT 404, -EACCES/-EPERM 403, -EEXIST 409, -ESTALE 412,
 * -EAGAIN (busy) / -EROFS (read-only standby) / -EIO 503 with Retry-After, anything else 500. The only mapping. */
int  reply_errno(req_t *r, int err);
/* Forget everything a handler has replied so far (status, body, headers, file): for a store driver that re-runs a
 * handler (e.g. after a reconnect), so the second run does not add its headers to the first run's. */
void reply_reset(req_t *r);

/* ---- metrics (http/metrics.c) ----
 * Per route of api_routes (the pattern, never the URL) and one "other" row per method for what no route took
 * (static files, refusals before routing): requests by status class and a latency histogram, recorded with
 * relaxed atomics when the answer is queued, so the cost is a few nanoseconds and no lock. */
#define HTTP_METRICS_MAX_ROUTES 256
typedef enum {
    HTTP_REFUSED_NOT_FOUND,       /* no route for the path (404) */
    HTTP_REFUSED_METHOD,          /* a route, not for this method (405) */
    HTTP_REFUSED_TOO_LARGE,       /* declared or read body past the cap (413) */
    HTTP_REFUSED_SHUTTING_DOWN,   /* 503 while stopping */
    HTTP_REFUSED_BUSY,            /* slow pool full (503) */
    HTTP_REFUSED_COUNT
} http_refusal_t;
/* Once, before serving: 0, or -E2BIG when the route table has more than HTTP_METRICS_MAX_ROUTES rows. */
int  http_metrics_init(void);
void http_metrics_record(req_t *r, long long elapsed_us);
void http_metrics_refused(http_refusal_t why);
void http_metrics_aborted(void);             /* a request that ended before any answer was queued */
void http_metrics_cut(int n);                /* connections shut down past their header/body deadline */
/* Requests being handled now (server.c). */
int  http_in_flight(void);
/* Every HTTP family in the text exposition format, then the process's start time and uptime. */
void http_metrics_write(buf_t *b);

/* ---- static files ---- */
int static_serve(req_t *r);                                   /* GET/HEAD of anything outside /api */
#endif

/* server.c — libmicrohttpd daemon, routing, the authentication gate, and graceful shutdown.
 *
 * Threading: MHD runs an epoll thread pool (app.threads workers); each request is handled start to finish on one
 * worker. The main thread only waits for SIGTERM/SIGINT (blocked in every thread, taken with sigwait), then
 * quiesces the daemon (no new connections), waits for in-flight requests to finish (bounded), and stops it.
 * What the headers decide (route, method, credentials, CSRF token, declared length) is refused before any body is
 * read; a refused or oversized body is read and discarded up to HTTP_DRAIN_MAX so the client can read the answer.
 * Other bodies are accumulated into a capped buffer (413 past it), except on ROUTE_STREAM routes, whose handler
 * receives each piece as MHD delivers it (stream_ops_t) and keeps none of it here. Every request has a total
 * deadline for its headers and its body (see "request deadlines"), so slow clients cannot hold the connections.
 * Handlers of ROUTE_SLOW routes (Argon2) run on a pool of their own while their connection is suspended (see
 * "slow pool"). */
#include "http/http.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SESSION_COOKIE AUTH_SESSION_COOKIE

static app_t *the_app;
static atomic_int in_flight;
atomic_int http_stopping;

int http_in_flight(void) { return atomic_load_explicit(&in_flight, memory_order_relaxed); }

static const char *const security_headers[][2] = {
    {"Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                                "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
};

/* ---- routing ---- */

static bool match(const char *pattern, const char *path, req_t *r)
{
    const char *p = pattern, *s = path;
    int np = 0;
    while (*p && *s) {
        if (*p == '{') {
            const char *pe = strchr(p, '}');
            const char *se = s;
            while (*se && *se != '/') se++;
            size_t len = (size_t)(se - s);
            if (!pe || len == 0 || len >= sizeof r->params[0] || np >= HTTP_MAX_PARAMS) return false;
            memcpy(r->params[np], s, len);
            r->params[np][len] = '\0';
            np++;
            p = pe + 1;
            s = se;
            continue;
        }
        if (*p != *s) return false;
        p++;
        s++;
    }
    if (*p || *s) return false;
    r->nparams = np;
    return true;
}

static bool consttime_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb;
    for (size_t i = 0; i < la && i < lb; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static bool is_safe_method(const char *m)
{
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS");
}

/* Load the caller for a route that needs one. Returns 0, or -1 after replying 401/403. */
static int authenticate(req_t *r, int flags)
{
    const char *authz = req_header(r, "Authorization");
    int rc;
    if (authz && strncasecmp(authz, "Bearer ", 7) == 0) {
        rc = auth_token_load(r->app->store, authz + 7, &r->who);
    } else {
        const char *tok = req_cookie(r, SESSION_COOKIE);
        if (!tok) {
            reply_header(r, "WWW-Authenticate", "Bearer realm=\"motcua\"");
            return reply_problem(r, 401, "unauthenticated", MSG_UNAUTHENTICATED, NULL, NULL, NULL, NULL), -1;
        }
        rc = auth_session_load(r->app->store, tok, &r->who);
    }
    if (rc == -ETIMEDOUT) {
        reply_header(r, "WWW-Authenticate", "Bearer realm=\"motcua\"");
        return reply_problem(r, 401, "session-expired", MSG_SESSION_EXPIRED, NULL, NULL, NULL, NULL), -1;
    }
    if (rc == -ENOENT) {
        reply_header(r, "WWW-Authenticate", "Bearer realm=\"motcua\"");
        return reply_problem(r, 401, "unauthenticated", MSG_UNAUTHENTICATED, NULL, NULL, NULL, NULL), -1;
    }
    if (rc < 0) return reply_errno(r, rc), -1;
    if (!r->who.via_token && !is_safe_method(r->method)) {
        const char *csrf = req_header(r, "X-CSRF-Token");
        if (!csrf) return reply_problem(r, 403, "csrf-missing", MSG_CSRF_MISSING, NULL, NULL, NULL, NULL), -1;
        if (!consttime_eq(csrf, r->who.csrf))
            return reply_problem(r, 403, "csrf-mismatch", MSG_CSRF_MISMATCH, NULL, NULL, NULL, NULL), -1;
    }
    if ((flags & ROUTE_STAFF) == ROUTE_STAFF && strcmp(r->who.kind, "citizen") == 0)
        return reply_problem(r, 403, "forbidden", MSG_FORBIDDEN, NULL, NULL, NULL, NULL), -1;
    r->authed = true;
    return 0;
}

struct route_run {
    req_t         *r;
    const route_t *rt;
};

static int route_fn(db_t *db, void *arg)
{
    (void)db;
    struct route_run *x = arg;
    if ((x->rt->flags & ROUTE_AUTH) && !x->r->authed && authenticate(x->r, x->rt->flags) < 0) return 0;
    x->rt->fn(x->r);
    return 0;
}

/* Authenticate (when the route needs it) and run the handler. A GET runs wholly inside one read snapshot: the
 * handler's own reads join it, so a request costs one transaction, not two. Writes never run inside one. */
static void run_route(req_t *r, const route_t *rt)
{
    struct route_run x = {r, rt};
    if ((rt->flags & ROUTE_AUTH) && is_safe_method(r->method)) {
        int rc = store_read(r->app->store, route_fn, &x);
        if (rc < 0 && !r->replied) reply_errno(r, rc);
    } else {
        route_fn(NULL, &x);
    }
    if (r->authed && r->who.touch_due) auth_session_touch(r->app->store, &r->who);   /* best effort */
}

/* Route a request from its method and path alone: sets r->route and returns true, or returns false after replying
 * 404 or 405 (with Allow). Static files (outside /api) are r->route NULL and true for GET/HEAD. */
static bool route_request(req_t *r)
{
    if (strncmp(r->path, "/api/", 5) != 0 && strcmp(r->path, "/healthz") != 0 && strcmp(r->path, "/readyz") != 0 &&
        strcmp(r->path, "/metrics") != 0) {
        if (!strcmp(r->method, "GET") || !strcmp(r->method, "HEAD")) return true;
        http_metrics_refused(HTTP_REFUSED_METHOD);
        reply_header(r, "Allow", "GET, HEAD");
        reply_problem(r, 405, "method-not-allowed", MSG_METHOD_NOT_ALLOWED, NULL, r->method, NULL, NULL);
        return false;
    }
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    char allow[96] = "";
    for (size_t i = 0; i < api_routes_count; i++) {
        const route_t *rt = &api_routes[i];
        if (!match(rt->pattern, r->path, r)) continue;
        if (strcmp(rt->method, method) != 0) {
            size_t n = strlen(allow);
            if (n + strlen(rt->method) + 3 < sizeof allow)
                snprintf(allow + n, sizeof allow - n, "%s%s", n ? ", " : "", rt->method);
            continue;
        }
        r->route = rt;
        return true;
    }
    if (allow[0]) {
        http_metrics_refused(HTTP_REFUSED_METHOD);
        reply_header(r, "Allow", allow);
        reply_problem(r, 405, "method-not-allowed", MSG_METHOD_NOT_ALLOWED, NULL, r->method, NULL, NULL);
        return false;
    }
    http_metrics_refused(HTTP_REFUSED_NOT_FOUND);
    reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    return false;
}

/* Whether the request goes to a ROUTE_STREAM route (which caps its body itself). */
static bool stream_route(req_t *r)
{
    const char *method = strcmp(r->method, "HEAD") == 0 ? "GET" : r->method;
    for (size_t i = 0; i < api_routes_count; i++)
        if ((api_routes[i].flags & ROUTE_STREAM) && !strcmp(api_routes[i].method, method) &&
            match(api_routes[i].pattern, r->path, r))
            return true;
    return false;
}

void req_stream(req_t *r, const stream_ops_t *ops, void *ctx)
{
    r->stream = ops;
    r->stream_ctx = ctx;
}

/* What can be decided when the headers are in, before a byte of the body is read: an unknown route (404), a wrong
 * method (405), a write without valid credentials or CSRF token (401/403; a state-changing route authenticates
 * here, once) and a declared body over the cap (413). A ROUTE_STREAM route's handler runs here too (it refuses, or takes the
 * body through req_stream()). Returns true when r now holds the refusal. */
/* The body cap of r's route: body_max, or big_body_max for a ROUTE_BIG_BODY route. */
static size_t body_cap(const req_t *r)
{
    const app_t *a = r->app;
    bool big = r->route && (r->route->flags & ROUTE_BIG_BODY) && a->big_body_max > a->body_max;
    return big ? a->big_body_max : a->body_max;
}

static bool refuse_early(req_t *r)
{
    if (!route_request(r)) return true;
    r->body.max = body_cap(r);                       /* the buffer was made for the larger of both caps */
    const char *cl = req_header(r, "Content-Length");
    if (cl && !stream_route(r)) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end == '\0' && n > body_cap(r)) {
            char lim[24];
            snprintf(lim, sizeof lim, "%zu", body_cap(r));
            http_metrics_refused(HTTP_REFUSED_TOO_LARGE);
            reply_problem(r, 413, "body-too-large", MSG_BODY_TOO_LARGE, NULL, lim, NULL, NULL);
            reply_header(r, "Connection", "close");
            return true;
        }
    }
    if (atomic_load(&http_stopping)) return false;     /* answered 503 once the request is in */
    const route_t *rt = r->route;
    if (rt && (rt->flags & ROUTE_AUTH) && !is_safe_method(r->method) && authenticate(r, rt->flags) < 0) return true;
    if (rt && (rt->flags & ROUTE_STREAM)) {           /* the handler decides now: refuse, or take the body */
        run_route(r, rt);
        if (!r->replied && !r->stream) reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
        return r->replied;
    }
    return false;
}

static void dispatch(req_t *r)
{
    if (r->stream) {                                  /* ROUTE_STREAM: the body is in */
        r->stream->end(r);
        return;
    }
    if (!r->route) {
        static_serve(r);
        return;
    }
    run_route(r, r->route);
    if (r->cont_pending) return;                 /* waiting for its commit: replied by the continuation */
    if (!r->replied) {
        log_error("http: handler for %s %s did not reply", r->method, r->route->pattern);
        reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
    }
}

/* ---- request deadlines (slow clients) ----
 *
 * MHD's connection timeout only limits idleness: a client that sends one header byte every few seconds keeps its
 * connection for ever, and a thousand of them hold every connection. So each connection carries a deadline: its
 * request's headers must be complete header_timeout after the connection opened (or after the previous answer on
 * a kept-alive connection), its body body_timeout after the headers. A watchdog thread shuts down (shutdown(2),
 * never close: MHD still owns the descriptor) every connection past its deadline; MHD then sees the end of the
 * stream and closes it as usual. A slot is linked when MHD reports the connection started and unlinked, under the
 * same lock the watchdog holds, when MHD reports it closed, which MHD does before closing the descriptor. */

struct conn_slot {
    struct conn_slot *prev, *next;
    int               fd;
    atomic_llong      deadline_us;     /* 0 = none (a handler is running or the answer is being sent) */
};

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn_slot slots = {&slots, &slots, -1, 0};
static long long header_timeout_us, body_timeout_us;
static atomic_int watchdog_stop;

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_slot *s = xcalloc(1, sizeof *s);
        s->fd = ci ? ci->connect_fd : -1;
        atomic_store(&s->deadline_us, clock_mono_us() + header_timeout_us);
        pthread_mutex_lock(&slots_lock);
        s->next = slots.next;
        s->prev = &slots;
        slots.next->prev = s;
        slots.next = s;
        pthread_mutex_unlock(&slots_lock);
        *socket_context = s;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn_slot *s = *socket_context;
        pthread_mutex_lock(&slots_lock);
        s->prev->next = s->next;
        s->next->prev = s->prev;
        pthread_mutex_unlock(&slots_lock);
        free(s);
        *socket_context = NULL;
    }
}

/* Set the deadline of the connection a request arrived on (0 = none). */
static void conn_deadline(struct MHD_Connection *conn, long long deadline_us)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci && ci->socket_context) atomic_store(&((struct conn_slot *)ci->socket_context)->deadline_us, deadline_us);
}

static void *watchdog(void *arg)
{
    (void)arg;
    while (!atomic_load(&watchdog_stop)) {
        usleep(250 * 1000);
        long long now = clock_mono_us();
        int cut = 0;
        pthread_mutex_lock(&slots_lock);
        for (struct conn_slot *s = slots.next; s != &slots; s = s->next) {
            long long d = atomic_load(&s->deadline_us);
            if (d && now > d && s->fd >= 0) {
                shutdown(s->fd, SHUT_RDWR);
                atomic_store(&s->deadline_us, 0);
                cut++;
            }
        }
        pthread_mutex_unlock(&slots_lock);
        if (cut) http_metrics_cut(cut);
        if (cut) log_info("http: closed %d connection(s) whose request headers or body were not in on time", cut);
    }
    return NULL;
}

/* ---- slow pool ----
 *
 * An Argon2 run takes ~50-100 ms of one core. Run on MHD's worker threads, it would stall every other connection
 * sharing that worker (each worker serves many connections), so a flood of sign-ins would starve /api/v1/me. A
 * ROUTE_SLOW handler therefore runs on this pool: the worker suspends the connection (MHD_suspend_connection),
 * queues the request and goes back to serving the others; a pool thread runs the handler, then resumes the
 * connection, and MHD calls on_request again on its worker, which sends the reply. The pool has one thread per core
 * but one (at least one), at a lower scheduling priority (nice +10), so that the HTTP workers keep a core and win
 * the others when they need them; at most SLOW_QUEUE_PER_THREAD requests wait per thread, the next ones are refused
 * at once with 503 and Retry-After rather than queued for seconds. During shutdown queued requests get 503. */

#define SLOW_QUEUE_PER_THREAD 32

struct slow_job {
    req_t           *r;
    struct slow_job *next;
};

static pthread_mutex_t slow_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slow_cond = PTHREAD_COND_INITIALIZER;
static struct slow_job *slow_head, *slow_tail;
static int slow_queued, slow_max, slow_nthreads;
static bool slow_stop;
static pthread_t slow_threads[64];

static void dispatch(req_t *r);

static void *slow_worker(void *arg)
{
    (void)arg;
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);   /* this thread only (Linux: per-thread nice) */
    for (;;) {
        pthread_mutex_lock(&slow_lock);
        while (!slow_head && !slow_stop) pthread_cond_wait(&slow_cond, &slow_lock);
        struct slow_job *j = slow_head;
        if (!j) {
            pthread_mutex_unlock(&slow_lock);
            return NULL;
        }
        slow_head = j->next;
        if (!slow_head) slow_tail = NULL;
        slow_queued--;
        pthread_mutex_unlock(&slow_lock);
        req_t *r = j->r;
        free(j);
        if (atomic_load(&http_stopping)) {
            http_metrics_refused(HTTP_REFUSED_SHUTTING_DOWN);
            reply_header(r, "Connection", "close");
            reply_header(r, "Retry-After", "5");
            reply_problem(r, 503, "shutting-down", MSG_SHUTTING_DOWN, NULL, NULL, NULL, NULL);
        } else {
            dispatch(r);
        }
        MHD_resume_connection(r->conn);          /* r belongs to the worker again from here on */
    }
}

static int slow_start(int threads)
{
    if (threads < 1) threads = 1;
    if (threads > (int)(sizeof slow_threads / sizeof slow_threads[0])) threads = (int)(sizeof slow_threads / sizeof slow_threads[0]);
    slow_stop = false;
    slow_max = threads * SLOW_QUEUE_PER_THREAD;
    for (slow_nthreads = 0; slow_nthreads < threads; slow_nthreads++)
        if (pthread_create(&slow_threads[slow_nthreads], NULL, slow_worker, NULL) != 0) break;
    return slow_nthreads > 0 ? 0 : -EAGAIN;
}

static void slow_join(void)
{
    pthread_mutex_lock(&slow_lock);
    slow_stop = true;
    pthread_cond_broadcast(&slow_cond);
    pthread_mutex_unlock(&slow_lock);
    for (int i = 0; i < slow_nthreads; i++) pthread_join(slow_threads[i], NULL);
    slow_nthreads = 0;
}

/* Queue r for the pool and suspend its connection: true. False when the queue is full (r not queued). */
static bool slow_submit(req_t *r)
{
    pthread_mutex_lock(&slow_lock);
    if (slow_queued >= slow_max || slow_stop) {
        pthread_mutex_unlock(&slow_lock);
        return false;
    }
    /* Suspended before it is queued, so a pool thread can never resume it first. */
    r->suspended = true;
    MHD_suspend_connection(r->conn);
    struct slow_job *j = xcalloc(1, sizeof *j);
    j->r = r;
    if (slow_tail) slow_tail->next = j;
    else slow_head = j;
    slow_tail = j;
    slow_queued++;
    pthread_cond_signal(&slow_cond);
    pthread_mutex_unlock(&slow_lock);
    return true;
}

/* ---- writes that wait for their commit without holding a worker ----
 * A worker that blocks on its commit holds every other connection it serves, and caps a group-commit batch at the
 * number of workers. req_write_async() suspends the connection and queues the write; the writer thread, once the
 * batch is committed, records the result and resumes the connection; MHD then calls on_request again on a worker,
 * which runs the continuation (it may read the store) and sends its reply. */

static void write_done(int rc, void *arg)
{
    req_t *r = arg;
    r->cont_rc = rc;
    MHD_resume_connection(r->conn);              /* r belongs to the worker again from here on */
}

int req_write_async(req_t *r, db_fn fn, void *arg, void (*then)(req_t *r, int rc, void *arg))
{
    if (r->suspended) {                          /* already off the workers (slow pool): just write */
        then(r, store_write(r->app->store, fn, arg), arg);
        return 0;
    }
    r->cont = then;
    r->cont_arg = arg;
    r->cont_pending = true;
    MHD_suspend_connection(r->conn);             /* before the write is queued: the writer cannot resume it first */
    int rc = store_write_async(r->app->store, fn, arg, write_done, r);
    if (rc < 0) {                                /* not queued: carry on here */
        MHD_resume_connection(r->conn);
        r->cont_pending = false;
        then(r, rc, arg);
    }
    return 0;
}

/* The continuation of req_write_async(), on a worker after the resume; the handler's tail as dispatch() has it. */
static void run_continuation(req_t *r)
{
    r->cont_pending = false;
    r->cont(r, r->cont_rc, r->cont_arg);
    if (r->cont_pending) return;                 /* it queued another write */
    if (!r->replied) {
        log_error("http: continuation of %s %s did not reply", r->method, r->route ? r->route->pattern : r->path);
        reply_problem(r, 500, "internal", MSG_INTERNAL, NULL, NULL, NULL, NULL);
    }
}

/* ---- MHD glue ---- */

static enum MHD_Result send_reply(req_t *r)
{
    /* Counted before the answer is queued: a client that has read it and then scrapes /metrics sees it. */
    if (!r->metered) http_metrics_record(r, clock_mono_us() - r->t0_us);
    struct MHD_Response *resp;
    if (r->file_fd >= 0) {
        resp = MHD_create_response_from_fd((uint64_t)r->file_size, r->file_fd);
        r->file_fd = -1;                      /* MHD owns it now */
        r->bytes_out = (size_t)r->file_size;
    } else {
        size_t len = r->out.len;
        char *data = buf_steal(&r->out);
        resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
        r->bytes_out = len;
    }
    if (!resp) return MHD_NO;
    if (r->content_type) MHD_add_response_header(resp, "Content-Type", r->content_type);
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    bool has_cache = false;
    for (int i = 0; i < r->nheaders; i++) {
        MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
        if (!strcasecmp(r->hdr_name[i], "Cache-Control")) has_cache = true;
    }
    if (!has_cache) MHD_add_response_header(resp, "Cache-Control", "no-store");
    r->queued = true;
    enum MHD_Result ret = MHD_queue_response(r->conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static req_t *req_new(struct MHD_Connection *conn, const char *url, const char *method)
{
    req_t *r = xcalloc(1, sizeof *r);
    r->conn = conn;
    r->app = the_app;
    r->method = method;
    r->path = url;
    r->file_fd = -1;
    r->t0_us = clock_mono_us();
    buf_init(&r->body, the_app->big_body_max > the_app->body_max ? the_app->big_body_max : the_app->body_max);
    buf_init(&r->out, 0);
    r->lang = msg_lang_from_header(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language"));
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    req_t *r = *con_cls;
    if (!r) {
        r = req_new(conn, url, method);
        *con_cls = r;
        atomic_fetch_add(&in_flight, 1);
        conn_deadline(conn, clock_mono_us() + body_timeout_us);          /* headers are in: now the body's */
        if (refuse_early(r)) {
            /* A client that waits for "100 Continue" gets the refusal instead and sends no body; one whose body is
             * declared past the drain bound gets it now and a closed connection. Any other body is read and
             * discarded (up to the bound) so the client reads the answer rather than a reset. */
            const char *expect = req_header(r, "Expect");
            const char *cl = req_header(r, "Content-Length");
            char *end = NULL;
            unsigned long long n = cl ? strtoull(cl, &end, 10) : 0;
            if ((expect && strcasecmp(expect, "100-continue") == 0) || (cl && (*end || n > HTTP_DRAIN_MAX)))
                return send_reply(r);
        }
        return MHD_YES;
    }
    if (r->cont_pending && !*upload_size) {     /* resumed by the writer: finish the request */
        run_continuation(r);
        if (r->cont_pending) return MHD_YES;
        return send_reply(r);
    }
    if (r->queued) {                             /* answered already: MHD closes the connection after it */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->replied || r->body_too_large) {   /* refused: discard, within the bound */
            r->drained += *upload_size;
            *upload_size = 0;
            return r->drained > HTTP_DRAIN_MAX ? MHD_NO : MHD_YES;
        }
        if (r->stream) {                         /* ROUTE_STREAM: hand the chunk over, keep nothing */
            r->stream->chunk(r, upload_data, *upload_size);
            *upload_size = 0;
            return MHD_YES;
        }
        if (buf_append(&r->body, upload_data, *upload_size) < 0) {
            r->body_too_large = true;
            r->drained = r->body.len + *upload_size;
            buf_free(&r->body);
        }
        *upload_size = 0;
        return MHD_YES;
    }
    conn_deadline(conn, 0);                      /* the request is in; the handler's time is not the client's */
    if (r->replied) return send_reply(r);        /* the early refusal, its body drained */
    if (r->body_too_large) {
        char lim[24];
        snprintf(lim, sizeof lim, "%zu", body_cap(r));
        http_metrics_refused(HTTP_REFUSED_TOO_LARGE);
        reply_problem(r, 413, "body-too-large", MSG_BODY_TOO_LARGE, NULL, lim, NULL, NULL);
    } else if (atomic_load(&http_stopping) && strcmp(r->path, "/healthz") != 0) {
        http_metrics_refused(HTTP_REFUSED_SHUTTING_DOWN);
        reply_header(r, "Connection", "close");
        reply_header(r, "Retry-After", "5");
        reply_problem(r, 503, "shutting-down", MSG_SHUTTING_DOWN, NULL, NULL, NULL, NULL);
    } else if (r->route && (r->route->flags & ROUTE_SLOW)) {
        if (slow_submit(r)) return MHD_YES;     /* answered when the pool resumes the connection */
        http_metrics_refused(HTTP_REFUSED_BUSY);
        reply_header(r, "Retry-After", "1");
        reply_problem(r, 503, "busy", MSG_SERVER_BUSY, NULL, "1", NULL, NULL);
    } else {
        dispatch(r);
        if (r->cont_pending) return MHD_YES;     /* suspended until its commit is in */
    }
    return send_reply(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    req_t *r = *con_cls;
    if (!r) return;
    char ip[INET6_ADDRSTRLEN];
    req_client_addr(r, ip, sizeof ip);
    /* Path only (never the query string, which could carry a secret); user name, never a token. Every value the
     * client chose is escaped (log_esc), so a decoded "%0A" or a quote cannot start or close a field or a line. */
    char epath[LOG_ESC_CAP], emethod[64], eua[LOG_ESC_CAP], euser[LOG_ESC_CAP];
    log_info("access %s \"%s %s\" %d %zu %lldus user=%s ua=\"%s\"%s", ip, log_esc(emethod, sizeof emethod, r->method),
             log_esc(epath, sizeof epath, r->path), r->status, r->bytes_out, clock_mono_us() - r->t0_us,
             log_esc(euser, sizeof euser, r->authed ? r->who.username : "-"),
             log_esc(eua, sizeof eua, MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent")),
             toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted");
    if (!r->metered) http_metrics_aborted();
    if (r->stream && r->stream->release) r->stream->release(r);
    if (r->file_fd >= 0) close(r->file_fd);
    for (int i = 0; i < r->nheaders; i++) {
        free(r->hdr_name[i]);
        free(r->hdr_value[i]);
    }
    buf_free(&r->body);
    buf_free(&r->out);
    free(r);
    *con_cls = NULL;
    conn_deadline(conn, clock_mono_us() + header_timeout_us);          /* a kept-alive connection's next request */
    atomic_fetch_sub(&in_flight, 1);
}

/* Percent-decoding of the URL path, in place, as MHD's default does, except that %00 stays encoded: a decoded
 * NUL would cut the C string short and "/index.html%00.js" would become "/index.html". Returns the new length. */
static size_t unescape_path(void *cls, struct MHD_Connection *conn, char *uri)
{
    (void)cls;
    (void)conn;
    static const char hexd[] = "0123456789abcdef";
    char *r = uri, *w = uri;
    while (*r) {
        const char *h1, *h2;
        if (r[0] == '%' && r[1] && r[2] && (h1 = strchr(hexd, tolower((unsigned char)r[1]))) &&
            (h2 = strchr(hexd, tolower((unsigned char)r[2]))) && !(r[1] == '0' && r[2] == '0')) {
            *w++ = (char)((h1 - hexd) << 4 | (h2 - hexd));
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - uri);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    char esc[LOG_ESC_CAP];
    log_warn("mhd: %s", log_esc(esc, sizeof esc, line));      /* MHD quotes parts of the request */
}

/* "HOST:PORT" or "[V6]:PORT" into a socket address. */
static int parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[128];
    const char *port;
    if (listen[0] == '[') {
        const char *e = strchr(listen, ']');
        if (!e || e[1] != ':' || (size_t)(e - listen - 1) >= sizeof host) return -EINVAL;
        memcpy(host, listen + 1, (size_t)(e - listen - 1));
        host[e - listen - 1] = '\0';
        port = e + 2;
    } else {
        const char *c = strrchr(listen, ':');
        if (!c || (size_t)(c - listen) >= sizeof host || c == listen) return -EINVAL;
        memcpy(host, listen, (size_t)(c - listen));
        host[c - listen] = '\0';
        port = c + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535) return -EINVAL;
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai) return -EINVAL;
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
    return 0;
}

static void stop_signal_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

void http_block_stop_signals(void)
{
    sigset_t set;
    stop_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int http_serve(app_t *app, const char *listen)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (parse_listen(listen, &ss, &sslen) < 0) {
        log_error("invalid listen address '%s' (expected HOST:PORT)", listen);
        return -EINVAL;
    }
    if (http_metrics_init() < 0) {
        log_error("the route table has more than %d rows: raise HTTP_METRICS_MAX_ROUTES", HTTP_METRICS_MAX_ROUTES);
        return -E2BIG;
    }
    the_app = app;
    sigset_t set;
    stop_signal_set(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);      /* inherited by MHD's threads: only sigwait below sees them */
    signal(SIGPIPE, SIG_IGN);

    header_timeout_us = (app->header_timeout_s > 0 ? app->header_timeout_s : 10) * 1000000LL;
    body_timeout_us = (app->body_timeout_s > 0 ? app->body_timeout_s : 30) * 1000000LL;
    pthread_t wd;
    atomic_store(&watchdog_stop, 0);
    if (pthread_create(&wd, NULL, watchdog, NULL) != 0) {
        log_error("cannot start the request-deadline watchdog");
        return -EAGAIN;
    }

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (slow_start(app->slow_threads > 0 ? app->slow_threads : (int)(cores > 1 ? cores - 1 : 1)) < 0) {
        log_error("cannot start the slow-request pool");
        atomic_store(&watchdog_stop, 1);
        pthread_join(wd, NULL);
        return -EAGAIN;
    }

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_TURBO |
                     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6) flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)app->threads,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)(app->trust_proxy ? 0 : 256),
        /* A connection's memory pool holds the request line and headers and the reply's headers. libmicrohttpd
         * zeroes the used part of it again for every request of a kept-alive connection, so its size is paid per
         * request: 16 KiB (nginx reads headers into 1 KiB, then up to 4 x 8 KiB) is ample for our headers and
         * cookies; a request whose headers do not fit gets 431. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_path, NULL,
        MHD_OPTION_END);
    if (!d) {
        log_error("cannot listen on %s (address in use or not permitted)", listen);
        slow_join();
        atomic_store(&watchdog_stop, 1);
        pthread_join(wd, NULL);
        return -EADDRINUSE;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = di ? di->port : 0;
    char shown[160];
    if (ss.ss_family == AF_INET6) {
        char h[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, h, sizeof h);
        snprintf(shown, sizeof shown, "http://[%s]:%u", h, port);
    } else {
        char h[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, h, sizeof h);
        snprintf(shown, sizeof shown, "http://%s:%u", h, port);
    }
    log_info("motcua %s listening on %s (%d threads, store %s)", MOTCUA_VERSION, shown, app->threads,
             store_engine(app->store));
    printf("listening on %s\n", shown);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {}
    log_info("received %s: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
    atomic_store(&http_stopping, 1);
    MHD_socket lsock = MHD_quiesce_daemon(d);
    if (lsock != MHD_INVALID_SOCKET) close(lsock);
    long long deadline = clock_mono_us() + 10LL * 1000 * 1000;
    while (atomic_load(&in_flight) > 0 && clock_mono_us() < deadline) usleep(10 * 1000);
    if (atomic_load(&in_flight) > 0) log_warn("stopping with %d requests still in flight", atomic_load(&in_flight));
    slow_join();                                 /* every queued request answered (503) and resumed */
    MHD_stop_daemon(d);
    atomic_store(&watchdog_stop, 1);
    pthread_join(wd, NULL);
    log_info("stopped");
    return 0;
}

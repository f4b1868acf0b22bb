/* metrics.c — the HTTP layer's counters for GET /metrics: requests and latency per route, refusals, aborts.
 *
 * Every counter is a relaxed C11 atomic in static storage, indexed by the row of api_routes the request matched
 * (so a label is always the route's pattern, a string of the program, never the URL a client sent) or, for a
 * request no route took (static files, 404/405/413 before routing), by its method in a fixed list under
 * route="other". Recording (http_metrics_record) runs when the answer is queued, on the worker thread: a walk over
 * 14 integer bounds and three atomic additions. A scrape reads each counter once; a request recorded meanwhile
 * may show in one series and not yet in another, never half in one. */
#include "http/http.h"
#include "core/prom.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#define STATUS_CLASSES 5                      /* 1xx .. 5xx */
static const char *const other_methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};
#define OTHER_ROWS (sizeof other_methods / sizeof other_methods[0])

struct route_stats {
    prom_hist_t                latency;
    _Atomic unsigned long long by_class[STATUS_CLASSES];
};

static struct route_stats rows[HTTP_METRICS_MAX_ROUTES + OTHER_ROWS];
static _Atomic unsigned long long refused[HTTP_REFUSED_COUNT];
static _Atomic unsigned long long aborted, cut;
static struct timespec started_wall, started_mono;

int http_metrics_init(void)
{
    if (api_routes_count > HTTP_METRICS_MAX_ROUTES) return -E2BIG;
    clock_gettime(CLOCK_REALTIME, &started_wall);
    clock_gettime(CLOCK_MONOTONIC, &started_mono);
    return 0;
}

static size_t other_row(const char *method)
{
    for (size_t i = 0; i + 1 < OTHER_ROWS; i++)
        if (!strcmp(method, other_methods[i])) return i;
    return OTHER_ROWS - 1;
}

void http_metrics_record(req_t *r, long long elapsed_us)
{
    size_t i;
    if (r->route) i = (size_t)(r->route - api_routes);
    else i = HTTP_METRICS_MAX_ROUTES + other_row(r->method);
    if (i >= HTTP_METRICS_MAX_ROUTES + OTHER_ROWS) return;          /* not a row of the table: cannot happen */
    int cls = r->status / 100;
    if (cls < 1) cls = 1;
    if (cls > STATUS_CLASSES) cls = STATUS_CLASSES;
    prom_hist_observe(&rows[i].latency, elapsed_us);
    atomic_fetch_add_explicit(&rows[i].by_class[cls - 1], 1, memory_order_relaxed);
    r->metered = true;
}

void http_metrics_refused(http_refusal_t why)
{
    if ((unsigned)why < HTTP_REFUSED_COUNT) atomic_fetch_add_explicit(&refused[why], 1, memory_order_relaxed);
}

void http_metrics_aborted(void) { atomic_fetch_add_explicit(&aborted, 1, memory_order_relaxed); }
void http_metrics_cut(int n) { atomic_fetch_add_explicit(&cut, (unsigned long long)n, memory_order_relaxed); }

/* The labels route="...",method="..." of row i into b (reset first). */
static void row_labels(buf_t *b, size_t i)
{
    buf_reset(b);
    if (i < HTTP_METRICS_MAX_ROUTES) {
        prom_label(b, "route", api_routes[i].pattern);
        prom_label(b, "method", api_routes[i].method);
    } else {
        prom_label(b, "route", "other");
        prom_label(b, "method", other_methods[i - HTTP_METRICS_MAX_ROUTES]);
    }
}

static bool row_used(size_t i)
{
    for (int c = 0; c < STATUS_CLASSES; c++)
        if (atomic_load_explicit(&rows[i].by_class[c], memory_order_relaxed)) return true;
    return false;
}

static bool row_exists(size_t i)
{
    return i < api_routes_count || i >= HTTP_METRICS_MAX_ROUTES;
}

void http_metrics_write(buf_t *b)
{
    buf_t lab, lab2;
    buf_init(&lab, 4096);
    buf_init(&lab2, 4096);
    const size_t n = HTTP_METRICS_MAX_ROUTES + OTHER_ROWS;

    prom_family(b, "motcua_http_requests_total", "counter",
                "HTTP requests answered, by route pattern (\"other\": static files and requests refused before "
                "routing), method and status class. Rows appear once used.");
    for (size_t i = 0; i < n; i++) {
        if (!row_exists(i) || !row_used(i)) continue;
        for (int c = 0; c < STATUS_CLASSES; c++) {
            unsigned long long v = atomic_load_explicit(&rows[i].by_class[c], memory_order_relaxed);
            if (!v) continue;
            row_labels(&lab, i);
            char cls[4] = {(char)('1' + c), 'x', 'x', '\0'};
            prom_label(&lab, "status", cls);
            prom_sample_u(b, "motcua_http_requests_total", lab.data, v);
        }
    }

    prom_family(b, "motcua_http_request_duration_seconds", "histogram",
                "Time from a request's headers in to its answer queued, by route pattern and method.");
    for (size_t i = 0; i < n; i++) {
        if (!row_exists(i) || !row_used(i)) continue;
        row_labels(&lab, i);
        prom_hist_write(b, "motcua_http_request_duration_seconds", lab.data, &rows[i].latency);
    }

    static const char *const reasons[HTTP_REFUSED_COUNT] = {"not_found", "method_not_allowed", "body_too_large",
                                                            "shutting_down", "busy"};
    prom_family(b, "motcua_http_requests_refused_total", "counter",
                "Requests refused by the HTTP layer before any handler ran, by reason (also counted in "
                "motcua_http_requests_total).");
    for (int i = 0; i < HTTP_REFUSED_COUNT; i++) {
        buf_reset(&lab2);
        prom_label(&lab2, "reason", reasons[i]);
        prom_sample_u(b, "motcua_http_requests_refused_total", lab2.data,
                      atomic_load_explicit(&refused[i], memory_order_relaxed));
    }
    prom_family(b, "motcua_http_requests_aborted_total", "counter",
                "Requests whose connection ended before an answer was queued.");
    prom_sample_u(b, "motcua_http_requests_aborted_total", NULL, atomic_load_explicit(&aborted, memory_order_relaxed));
    prom_family(b, "motcua_http_connections_cut_total", "counter",
                "Connections shut down because their request headers or body were not in before the deadline.");
    prom_sample_u(b, "motcua_http_connections_cut_total", NULL, atomic_load_explicit(&cut, memory_order_relaxed));
    prom_family(b, "motcua_http_requests_in_flight", "gauge", "Requests being handled now (this one included).");
    prom_sample_u(b, "motcua_http_requests_in_flight", NULL, (unsigned long long)(http_in_flight() > 0 ? http_in_flight() : 0));

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double up = (double)(now.tv_sec - started_mono.tv_sec) + (double)(now.tv_nsec - started_mono.tv_nsec) / 1e9;
    prom_family(b, "motcua_process_start_time_seconds", "gauge", "When the server started, in seconds since the Unix epoch.");
    prom_sample_d(b, "motcua_process_start_time_seconds", NULL,
                  (double)started_wall.tv_sec + (double)started_wall.tv_nsec / 1e9);
    prom_family(b, "motcua_process_uptime_seconds", "gauge", "Seconds since the server started (monotonic clock).");
    prom_sample_d(b, "motcua_process_uptime_seconds", NULL, up);
    buf_free(&lab);
    buf_free(&lab2);
}

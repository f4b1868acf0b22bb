/* test_prom.c — core/prom.h (the exposition format's escaping, the histogram's buckets, sum and count),
 * sockaddr_is_loopback() of http/client_addr.c (the loopback rule of GET /metrics) and the store's error counts
 * (store_error_counts: store failures counted, a callback's own answers and unique violations not). */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/prom.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

Test(prom, label_values_are_escaped)
{
    buf_t b;
    buf_init(&b, 0);
    prom_label(&b, "route", "/a/{id}");
    prom_label(&b, "x", "q\"uote\\back\nline");
    prom_label(&b, "empty", NULL);
    cr_assert_str_eq(b.data, "route=\"/a/{id}\",x=\"q\\\"uote\\\\back\\nline\",empty=\"\"");
    buf_free(&b);
}

Test(prom, help_is_escaped_and_keeps_quotes)
{
    buf_t b;
    buf_init(&b, 0);
    prom_family(&b, "m_total", "counter", "a \"b\" c\\d\ne");
    cr_assert_str_eq(b.data, "# HELP m_total a \"b\" c\\\\d\\ne\n# TYPE m_total counter\n");
    buf_free(&b);
}

Test(prom, samples)
{
    buf_t b;
    buf_init(&b, 0);
    prom_sample_u(&b, "a", NULL, 7);
    prom_sample_u(&b, "b", "", 0);
    prom_sample_u(&b, "c", "k=\"v\"", 18446744073709551615ULL);
    prom_sample_d(&b, "d", NULL, 1.5);
    cr_assert_str_eq(b.data, "a 7\nb 0\nc{k=\"v\"} 18446744073709551615\nd 1.500000\n");
    buf_free(&b);
}

Test(prom, histogram_buckets_sum_and_count)
{
    static prom_hist_t h;                            /* zeroed, as the server's are */
    const long long values[] = {0, 500, 501, 1000, 9999, 10000000, 10000001, 60000000, -5};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) prom_hist_observe(&h, values[i]);
    /* bucket 0 (<= 0.5 ms): 0, 500, -5 (as 0); (0.5, 1] ms: 501, 1000; (5, 10] ms: 9999; (5, 10] s: 10 s;
     * overflow: 10.000001 s and 60 s */
    cr_assert_eq(atomic_load(&h.n[0]), 3);
    cr_assert_eq(atomic_load(&h.n[1]), 2);
    cr_assert_eq(atomic_load(&h.n[4]), 1);
    cr_assert_eq(atomic_load(&h.n[PROM_HIST_BUCKETS - 1]), 1);
    cr_assert_eq(atomic_load(&h.n[PROM_HIST_BUCKETS]), 2);
    buf_t b;
    buf_init(&b, 0);
    prom_hist_write(&b, "t_seconds", "r=\"x\"", &h);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"0.0005\"} 3\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"0.001\"} 5\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"0.005\"} 5\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"0.01\"} 6\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"5\"} 6\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"10\"} 7\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_bucket{r=\"x\",le=\"+Inf\"} 9\n"), "%s", b.data);
    /* 500 + 501 + 1000 + 9999 + 10000000 + 10000001 + 60000000 us */
    cr_assert(strstr(b.data, "t_seconds_sum{r=\"x\"} 80.012001\n"), "%s", b.data);
    cr_assert(strstr(b.data, "t_seconds_count{r=\"x\"} 9\n"), "%s", b.data);
    /* 14 bounds + Inf, sum, count: 17 lines */
    int lines = 0;
    for (const char *p = b.data; *p; p++) lines += *p == '\n';
    cr_assert_eq(lines, PROM_HIST_BUCKETS + 3);
    buf_free(&b);
    /* without labels, le stands alone */
    buf_init(&b, 0);
    prom_hist_write(&b, "u", NULL, &h);
    cr_assert(strstr(b.data, "u_bucket{le=\"+Inf\"} 9\nu_sum 80.012001\nu_count 9\n"), "%s", b.data);
    buf_free(&b);
}

static bool loopback4(const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    cr_assert_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    return sockaddr_is_loopback((const struct sockaddr *)&a);
}

static bool loopback6(const char *ip)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    cr_assert_eq(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
    return sockaddr_is_loopback((const struct sockaddr *)&a);
}

Test(prom, loopback_peers)
{
    cr_assert(loopback4("127.0.0.1"));
    cr_assert(loopback4("127.255.3.4"));
    cr_assert(!loopback4("128.0.0.1"));
    cr_assert(!loopback4("10.0.0.1"));
    cr_assert(!loopback4("0.0.0.0"));
    cr_assert(!loopback4("126.255.255.255"));
    cr_assert(loopback6("::1"));
    cr_assert(loopback6("::ffff:127.0.0.1"));
    cr_assert(!loopback6("::ffff:10.1.2.3"));
    cr_assert(!loopback6("::"));
    cr_assert(!loopback6("::2"));
    cr_assert(!loopback6("2001:db8::1"));
    cr_assert(!loopback6("fe80::1"));
    cr_assert(!sockaddr_is_loopback(NULL));
    struct sockaddr un = {.sa_family = AF_UNIX};
    cr_assert(!sockaddr_is_loopback(&un));
}

/* ---- store errors ---- */

static int bad_sql_fn(db_t *db, void *arg)
{
    (void)arg;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT no_such_column FROM no_such_table", "");
    return rc < 0 ? 0 : -1;                                  /* swallowed: the transaction succeeds */
}

static int unique_fn(db_t *db, void *arg)
{
    (void)arg;
    long long rc = db_run(db, "INSERT INTO meta (key, value) VALUES ('prom-test', 'x')", "");
    if (rc < 0) return (int)rc;
    rc = db_run(db, "INSERT INTO meta (key, value) VALUES ('prom-test', 'y')", "");
    return rc == -EEXIST ? 0 : -1;
}

static int returns_fn(db_t *db, void *arg)
{
    (void)db;
    return *(int *)arg;
}

Test(prom, store_error_counts, .init = tu_open, .fini = tu_close)
{
    store_errors_t e;
    store_error_counts(tu_env.st, &e);
    for (int o = 0; o < STORE_ERR_OPS; o++)
        for (int k = 0; k < STORE_ERR_KINDS; k++) cr_assert_eq(e.n[o][k], 0, "op %d kind %d", o, k);

    cr_assert_eq(store_read(tu_env.st, bad_sql_fn, NULL), 0);
    cr_assert_eq(store_write(tu_env.st, unique_fn, NULL), 0);
    int enoent = -ENOENT, eio = -EIO, conflict = -ECONFLICT;
    cr_assert_eq(store_read(tu_env.st, returns_fn, &enoent), -ENOENT);
    cr_assert_eq(store_write(tu_env.st, returns_fn, &enoent), -ENOENT);
    cr_assert_eq(store_read(tu_env.st, returns_fn, &eio), -EIO);
    cr_assert_eq(store_write(tu_env.st, returns_fn, &eio), -EIO);
    cr_assert_eq(store_write(tu_env.st, returns_fn, &eio), -EIO);
    cr_assert_lt(store_write(tu_env.st, returns_fn, &conflict), 0);

    store_error_counts(tu_env.st, &e);
    cr_assert_eq(e.n[STORE_ERR_STATEMENT][STORE_ERR_OTHER], 1);        /* the bad SQL; not the unique violation */
    cr_assert_eq(e.n[STORE_ERR_STATEMENT][STORE_ERR_IO], 0);
    cr_assert_eq(e.n[STORE_ERR_READ][STORE_ERR_IO], 1);
    cr_assert_eq(e.n[STORE_ERR_WRITE][STORE_ERR_IO], 2);
    cr_assert_eq(e.n[STORE_ERR_WRITE][STORE_ERR_CONFLICT], 1);
    cr_assert_eq(e.n[STORE_ERR_READ][STORE_ERR_OTHER] + e.n[STORE_ERR_WRITE][STORE_ERR_OTHER], 0);
}

/* test_store.c — the db.h storage interface, run against both engines.
 *
 * Every case is written once and registered twice: <case>_sqlite on a fresh database file under /tmp, and <case>_pg
 * against the PostgreSQL server named by MOTCUA_TEST_PG_URL (skipped, saying so, when it is unset). Tests that stop
 * or restart a server also need MOTCUA_TEST_PG_DIR (set by the runner next to the URL, meaning "tests/pg-cluster is
 * usable here"); they start a private cluster of their own, so the shared one never goes down under the tests
 * running beside them. Each Criterion test runs in its own process; on PostgreSQL every case uses its own table
 * names so cases can run in parallel against one database. Transaction callbacks may run on another thread (the
 * SQLite writer), so they never call cr_assert: they record the first failed check (check_fail) and the test
 * thread asserts afterwards. */
#include <criterion/criterion.h>

#include "db/db.h"
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- checks from any thread ---- */

static pthread_mutex_t fail_mu = PTHREAD_MUTEX_INITIALIZER;
static char fail_msg[512];

static void check_fail(int line, const char *expr)
{
    pthread_mutex_lock(&fail_mu);
    if (!fail_msg[0]) snprintf(fail_msg, sizeof fail_msg, "test_store.c:%d: check failed: %s", line, expr);
    pthread_mutex_unlock(&fail_mu);
}

/* In a callback: note a failed condition and go on. */
#define CHECK(cond) do { if (!(cond)) check_fail(__LINE__, #cond); } while (0)
/* In a callback: note a failed condition and leave the callback with an error. */
#define REQUIRE(cond) do { if (!(cond)) { check_fail(__LINE__, #cond); return -EPROTO; } } while (0)
/* On the test thread: no callback has failed a check so far. */
#define ASSERT_CHECKS() cr_assert(fail_msg[0] == '\0', "%s", fail_msg)

/* ---- per-test environment ---- */

typedef struct env {
    store_t    *st;
    const char *engine;            /* "sqlite" or "postgres" */
    char        url[512];
    char        dir[256];          /* SQLite: the temp directory holding the database */
    char        cluster[256];      /* a private PostgreSQL cluster to remove at the end, or "" */
} env_t;

static env_t E;

/* Run argv (no shell) and capture up to cap-1 bytes of its stdout, trailing newline removed. Exit status or -1. */
static int run_capture(char *const argv[], char *out, size_t cap)
{
    int fds[2];
    if (pipe(fds) < 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    char tmp[256];
    ssize_t r;
    while ((r = read(fds[0], tmp, sizeof tmp)) > 0) {
        for (ssize_t i = 0; i < r; i++)
            if (out && n + 1 < cap) out[n++] = tmp[i];
    }
    close(fds[0]);
    if (out) {
        while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) n--;
        out[n] = '\0';
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *cluster_script(void)
{
    const char *s = getenv("MOTCUA_TEST_PG_SCRIPT");
    if (!s || !*s) s = "tests/pg-cluster";
    cr_assert(access(s, X_OK) == 0, "MOTCUA_TEST_PG_DIR is set but %s is not executable (run from the repo root)", s);
    return s;
}

/* tests/pg-cluster CMD DIR [NAME]: exit status, stdout in out. */
static int cluster_cmd(const char *cmd, const char *dir, const char *name, char *out, size_t cap)
{
    char *argv[] = {(char *)cluster_script(), (char *)cmd, (char *)dir, (char *)name, NULL};
    return run_capture(argv, out, cap);
}

static void env_fini(void)
{
    if (E.st) store_close(E.st);
    E.st = NULL;
    if (E.dir[0]) tu_remove_dir(E.dir);
    if (E.cluster[0]) cluster_cmd("stop", E.cluster, NULL, NULL, 0);
}

/* A mkstemp/mkdtemp template: prefix followed by the six placeholder characters. */
static void temp_template(char *out, size_t cap, const char *prefix)
{
    int n = snprintf(out, cap, "%s", prefix);
    cr_assert(n > 0 && (size_t)n + 7 <= cap);
    memset(out + n, 'X', 6);
    out[n + 6] = '\0';
}

static void open_sqlite(void)
{
    memset(&E, 0, sizeof E);
    temp_template(E.dir, sizeof E.dir, "/tmp/motcua-test-store-");
    cr_assert(mkdtemp(E.dir) != NULL, "mkdtemp failed");
    snprintf(E.url, sizeof E.url, "%s/store.db", E.dir);
    store_opts_t o = {.url = E.url, .create = 1};
    int rc = store_open(&E.st, &o);
    cr_assert_eq(rc, 0, "store_open(sqlite) = %d", rc);
    E.engine = "sqlite";
}

static void open_pg_url(const char *url)
{
    snprintf(E.url, sizeof E.url, "%s", url);
    store_opts_t o = {.url = E.url};
    int rc = store_open(&E.st, &o);
    cr_assert_eq(rc, 0, "store_open(postgres) = %d", rc);
    E.engine = "postgres";
}

static void open_pg(void)
{
    memset(&E, 0, sizeof E);
    const char *url = getenv("MOTCUA_TEST_PG_URL");
    if (!url || !*url) cr_skip_test("MOTCUA_TEST_PG_URL not set");
    open_pg_url(url);
}

/* A private cluster for tests that stop or restart the server. */
static void open_pg_private(const char *tag)
{
    memset(&E, 0, sizeof E);
    if (!getenv("MOTCUA_TEST_PG_URL") || !*getenv("MOTCUA_TEST_PG_URL"))
        cr_skip_test("MOTCUA_TEST_PG_URL not set");
    if (!getenv("MOTCUA_TEST_PG_DIR") || !*getenv("MOTCUA_TEST_PG_DIR"))
        cr_skip_test("MOTCUA_TEST_PG_DIR not set (needed to stop and restart a server)");
    snprintf(E.cluster, sizeof E.cluster, "/tmp/motcua-pgt-%ld-%s", (long)getpid(), tag);
    char url[512];
    int rc = cluster_cmd("start", E.cluster, NULL, url, sizeof url);
    cr_assert_eq(rc, 0, "tests/pg-cluster start %s failed (%d)", E.cluster, rc);
    cr_assert(strncmp(url, "postgres://", 11) == 0, "unexpected URL from pg-cluster: %s", url);
    open_pg_url(url);
}

static int is_pg(void) { return strcmp(E.engine, "postgres") == 0; }

/* Each case: static void case_NAME(void), registered as NAME_sqlite and NAME_pg. */
#define STORE_CASE(name)                                                                  \
    static void case_##name(void);                                                        \
    Test(store, name##_sqlite, .fini = env_fini) { open_sqlite(); case_##name(); }        \
    Test(store, name##_pg, .fini = env_fini) { open_pg(); case_##name(); }                \
    static void case_##name(void)

/* ---- small callbacks ---- */

static int exec_fn(db_t *db, void *arg) { return db_exec(db, arg); }

static void exec_ok(const char *sql)
{
    int rc = store_exclusive(E.st, exec_fn, (void *)sql);
    cr_assert_eq(rc, 0, "exec failed (%d): %s", rc, sql);
}

/* A fresh table on either engine (PostgreSQL tables may survive an earlier run). */
static void make_table(const char *name, const char *columns)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (%s)", name, name, columns);
    exec_ok(sql);
}

typedef struct scalar_q {
    const char *sql;
    const char *types;
    const char *a;
    long long   v;
    int         rc;
} scalar_q_t;

static int scalar_fn(db_t *db, void *arg)
{
    scalar_q_t *q = arg;
    db_stmt_t *s;
    int rc = q->types[0] ? db_query(db, &s, q->sql, q->types, q->a) : db_query(db, &s, q->sql, "");
    q->rc = rc;
    if (rc == DB_ROW) q->v = db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* The integer in row 1, column 1 of sql (with one optional text parameter), read in a snapshot. */
static long long scalar(const char *sql, const char *text_arg)
{
    scalar_q_t q = {sql, text_arg ? "t" : "", text_arg, -1, 0};
    int rc = store_read(E.st, scalar_fn, &q);
    cr_assert_eq(rc, 0, "read failed (%d): %s", rc, sql);
    cr_assert_eq(q.rc, DB_ROW, "no row from %s", sql);
    return q.v;
}

typedef struct run_q {
    const char *sql;
    long long   changed;
} run_q_t;

static int run_fn(db_t *db, void *arg)
{
    run_q_t *q = arg;
    q->changed = db_run(db, q->sql, "");
    return q->changed < 0 ? (int)q->changed : 0;
}

static long long write_sql(const char *sql)
{
    run_q_t q = {sql, 0};
    int rc = store_write(E.st, run_fn, &q);
    cr_assert_eq(rc, 0, "write failed (%d): %s", rc, sql);
    return q.changed;
}

/* ---- open / close / ping ---- */

STORE_CASE(open_close_ping)
{
    cr_assert_str_eq(store_engine(E.st), E.engine);
    cr_assert_eq(store_ping(E.st), 0);
    /* A second store on the same database at the same time, then closed first. */
    store_t *two = NULL;
    store_opts_t o = {.url = E.url};
    cr_assert_eq(store_open(&two, &o), 0);
    cr_assert_eq(store_ping(two), 0);
    store_close(two);
    cr_assert_eq(store_ping(E.st), 0);
    /* Empty URL. */
    store_opts_t bad = {.url = ""};
    store_t *none = (store_t *)&bad;   /* any non-NULL value: a failed open must set it to NULL */
    cr_assert_eq(store_open(&none, &bad), -EINVAL);
    cr_assert_null(none);
}

static int db_engine_fn(db_t *db, void *arg)
{
    *(const char **)arg = db_engine(db);
    return 0;
}

STORE_CASE(db_engine_matches)
{
    const char *name = NULL;
    cr_assert_eq(store_read(E.st, db_engine_fn, &name), 0);
    cr_assert_str_eq(name, E.engine);
}

Test(store, open_missing_file_sqlite, .fini = env_fini)
{
    memset(&E, 0, sizeof E);
    store_t *st = NULL;
    store_opts_t o = {.url = "/nonexistent-motcua-dir/none.db", .create = 1};
    int rc = store_open(&st, &o);
    cr_assert(rc < 0, "opening a file in a missing directory succeeded");
    cr_assert_null(st);
}

/* Run store_open with stderr going to a file; returns the open's result and what was logged. */
static int open_capturing_log(const char *url, char *log, size_t cap)
{
    char path[64];
    temp_template(path, sizeof path, "/tmp/motcua-test-log-");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    store_t *st = NULL;
    store_opts_t o = {.url = url};
    int rc = store_open(&st, &o);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (st) store_close(st);
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, log, cap - 1);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

Test(store, open_unreachable_pg_is_eio_without_password_in_log, .fini = env_fini)
{
    memset(&E, 0, sizeof E);
    /* No server needed: port 1 on loopback refuses connections. */
    char log[8192];
    int rc = open_capturing_log("postgres://motcua:Secr3tPassw0rd@127.0.0.1:1/motcua_none", log, sizeof log);
    cr_assert_eq(rc, -EIO, "store_open = %d", rc);
    cr_assert(strstr(log, "cannot connect") != NULL, "no reason logged: %s", log);
    cr_assert(strstr(log, "Secr3tPassw0rd") == NULL, "the password was logged: %s", log);
}

Test(store, open_malformed_pg_url_is_einval_without_password_in_log, .fini = env_fini)
{
    memset(&E, 0, sizeof E);
    char log[8192];
    int rc = open_capturing_log("postgresql://motcua:Hidden%ZZword@127.0.0.1:1/db", log, sizeof log);
    cr_assert_eq(rc, -EINVAL, "store_open = %d", rc);
    cr_assert(strstr(log, "Hidden") == NULL && strstr(log, "ZZword") == NULL, "the password was logged: %s", log);
}

/* ---- DDL ---- */

STORE_CASE(exec_ddl_several_statements)
{
    exec_ok("DROP TABLE IF EXISTS ts_ddl; "
            "CREATE TABLE ts_ddl (k INTEGER PRIMARY KEY, v TEXT NOT NULL); "
            "CREATE INDEX ts_ddl_v ON ts_ddl(v); "
            "INSERT INTO ts_ddl (k, v) VALUES (1, 'one'); "
            "INSERT INTO ts_ddl (k, v) VALUES (2, 'two')");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_ddl", NULL), 2);
    cr_assert_eq(scalar("SELECT k FROM ts_ddl WHERE v = $1", "two"), 2);
}

/* ---- statements and columns ---- */

static const char VI_TEXT[] = "Ủy ban nhân dân xã Đông Hòa — bộ phận một cửa: tiếp nhận hồ sơ ✓";

static int insert_values_fn(db_t *db, void *arg)
{
    (void)arg;
    const char *ins = "INSERT INTO ts_cols (k, t, n) VALUES ($1, $2, $3)";
    db_stmt_t *s = db_prepare(db, ins);
    REQUIRE(s != NULL);
    CHECK(db_bind_int(s, 1, 1) == 0);
    CHECK(db_bind_text(s, 2, VI_TEXT, DB_NTS) == 0);
    CHECK(db_bind_int(s, 3, 1LL << 40) == 0);
    REQUIRE(db_step(s) == DB_DONE);
    db_reset(s);
    CHECK(db_changes(db) == 1);
    /* NULLs: through db_bind_null and through a NULL text; an explicit length takes a prefix. */
    s = db_prepare(db, ins);
    REQUIRE(s != NULL);
    CHECK(db_bind_int(s, 1, 2) == 0);
    CHECK(db_bind_text(s, 2, NULL, 0) == 0);
    CHECK(db_bind_null(s, 3) == 0);
    REQUIRE(db_step(s) == DB_DONE);
    db_reset(s);
    s = db_prepare(db, ins);
    REQUIRE(s != NULL);
    CHECK(db_bind_int(s, 1, 3) == 0);
    CHECK(db_bind_text(s, 2, "abcdef", 3) == 0);
    CHECK(db_bind_int(s, 3, -9223372036854775807LL - 1) == 0);
    REQUIRE(db_step(s) == DB_DONE);
    db_reset(s);
    /* A parameter index the statement does not have. */
    s = db_prepare(db, ins);
    REQUIRE(s != NULL);
    CHECK(db_bind_int(s, 4, 1) < 0);
    CHECK(db_bind_int(s, 0, 1) < 0);
    db_reset(s);
    return 0;
}

static int read_values_fn(db_t *db, void *arg)
{
    (void)arg;
    db_stmt_t *s = db_prepare(db, "SELECT k, t, n FROM ts_cols ORDER BY k");
    REQUIRE(s != NULL);
    CHECK(db_col_count(s) == 3);
    REQUIRE(db_step(s) == DB_ROW);
    CHECK(db_col_count(s) == 3);
    CHECK(db_col_int(s, 0) == 1);
    REQUIRE(db_col_text(s, 1) != NULL);
    CHECK(strcmp(db_col_text(s, 1), VI_TEXT) == 0);
    CHECK(db_col_len(s, 1) == strlen(VI_TEXT));
    CHECK(!db_col_is_null(s, 1));
    CHECK(db_col_int(s, 2) == 1LL << 40);
    REQUIRE(db_step(s) == DB_ROW);
    CHECK(db_col_int(s, 0) == 2);
    CHECK(db_col_is_null(s, 1));
    CHECK(db_col_text(s, 1) == NULL);
    CHECK(db_col_is_null(s, 2));
    CHECK(db_col_text(s, 2) == NULL);
    REQUIRE(db_step(s) == DB_ROW);
    CHECK(db_col_int(s, 0) == 3);
    CHECK(db_col_text(s, 1) && strcmp(db_col_text(s, 1), "abc") == 0);
    CHECK(db_col_len(s, 1) == 3);
    CHECK(db_col_int(s, 2) == -9223372036854775807LL - 1);
    CHECK(db_step(s) == DB_DONE);
    db_reset(s);
    /* The same statement again after reset, with a parameter this time. */
    db_stmt_t *q = NULL;
    REQUIRE(db_query(db, &q, "SELECT t FROM ts_cols WHERE t = $1", "t", VI_TEXT) == DB_ROW);
    CHECK(db_col_len(q, 0) == strlen(VI_TEXT));
    CHECK(db_step(q) == DB_DONE);
    db_reset(q);
    return 0;
}

STORE_CASE(prepare_bind_step_columns)
{
    make_table("ts_cols", "k INTEGER PRIMARY KEY, t TEXT, n BIGINT");
    cr_assert_eq(store_write(E.st, insert_values_fn, NULL), 0);
    ASSERT_CHECKS();
    cr_assert_eq(store_read(E.st, read_values_fn, NULL), 0);
    ASSERT_CHECKS();
    /* The same reads inside a write transaction. */
    cr_assert_eq(store_write(E.st, read_values_fn, NULL), 0);
    ASSERT_CHECKS();
}

/* ---- db_run and db_query ---- */

static int changes_fn(db_t *db, void *arg)
{
    (void)arg;
    for (long long k = 1; k <= 5; k++)
        REQUIRE(db_run(db, "INSERT INTO ts_run (k, v) VALUES ($1, $2)", "it", k, "x") == 1);
    CHECK(db_run(db, "UPDATE ts_run SET v = $1 WHERE k > $2", "ti", "y", 2LL) == 3);
    CHECK(db_changes(db) == 3);
    CHECK(db_run(db, "DELETE FROM ts_run WHERE k > $1", "i", 100LL) == 0);
    CHECK(db_run(db, "UPDATE ts_run SET v = $1 WHERE k = $2", "ni", 1LL) < 0);   /* NOT NULL column */
    return 0;
}

static int changes_after_fn(db_t *db, void *arg)
{
    (void)arg;
    CHECK(db_run(db, "DELETE FROM ts_run WHERE v = $1", "t", "y") == 3);
    CHECK(db_run(db, "DELETE FROM ts_run", "") == 2);
    CHECK(db_run(db, "UPDATE ts_run SET v = $1 WHERE k = $2", "zi", "a", 1LL) == -EINVAL);   /* bad type letter */
    return 0;
}

STORE_CASE(db_run_change_counts)
{
    make_table("ts_run", "k INTEGER PRIMARY KEY, v TEXT NOT NULL");
    /* The NOT NULL violation inside changes_fn makes the whole transaction fail on PostgreSQL (aborted) and only that
     * statement fail on SQLite; so run the counting part and the violation in separate transactions. */
    int rc = store_write(E.st, changes_fn, NULL);
    ASSERT_CHECKS();
    if (is_pg()) {
        cr_assert(rc < 0, "PostgreSQL committed a transaction whose statement failed");
        cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_run", NULL), 0);
        write_sql("INSERT INTO ts_run (k, v) VALUES (1, 'x'), (2, 'x'), (3, 'y'), (4, 'y'), (5, 'y')");
    } else {
        cr_assert_eq(rc, 0);
    }
    cr_assert_eq(store_write(E.st, changes_after_fn, NULL), 0);
    ASSERT_CHECKS();
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_run", NULL), 0);
}

static int query_fn(db_t *db, void *arg)
{
    (void)arg;
    db_stmt_t *s = NULL;
    REQUIRE(db_query(db, &s, "SELECT v, k FROM ts_q WHERE k = $1", "i", 2LL) == DB_ROW);
    CHECK(db_col_text(s, 0) && strcmp(db_col_text(s, 0), "two") == 0);
    CHECK(db_col_int(s, 1) == 2);
    CHECK(db_step(s) == DB_DONE);
    db_reset(s);
    CHECK(db_query(db, &s, "SELECT v, k FROM ts_q WHERE k = $1", "i", 99LL) == DB_DONE);
    db_reset(s);
    /* Several rows: the first from db_query, the rest by stepping. */
    REQUIRE(db_query(db, &s, "SELECT k FROM ts_q WHERE k >= $1 ORDER BY k", "i", 1LL) == DB_ROW);
    long long sum = db_col_int(s, 0);
    while (db_step(s) == DB_ROW) sum += db_col_int(s, 0);
    db_reset(s);
    CHECK(sum == 6);
    /* A NULL parameter matches nothing with =, and IS NULL finds the NULL row. */
    CHECK(db_query(db, &s, "SELECT k FROM ts_q WHERE v = $1", "n") == DB_DONE);
    db_reset(s);
    return 0;
}

STORE_CASE(db_query_rows)
{
    make_table("ts_q", "k INTEGER PRIMARY KEY, v TEXT");
    write_sql("INSERT INTO ts_q (k, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    cr_assert_eq(store_read(E.st, query_fn, NULL), 0);
    ASSERT_CHECKS();
}

/* ---- transactions ---- */

static int unique_fn(db_t *db, void *arg)
{
    int *seen = arg;
    REQUIRE(db_run(db, "INSERT INTO ts_uniq (k, v) VALUES ($1, $2)", "ti", "b", 2LL) == 1);
    long long rc = db_run(db, "INSERT INTO ts_uniq (k, v) VALUES ($1, $2)", "ti", "a", 3LL);
    *seen = (int)rc;
    return (int)rc;
}

STORE_CASE(unique_violation_is_eexist_and_rolls_back)
{
    make_table("ts_uniq", "k TEXT PRIMARY KEY, v INTEGER NOT NULL");
    write_sql("INSERT INTO ts_uniq (k, v) VALUES ('a', 1)");
    int seen = 0;
    int rc = store_write(E.st, unique_fn, &seen);
    ASSERT_CHECKS();
    cr_assert_eq(seen, -EEXIST, "the duplicate insert returned %d", seen);
    cr_assert_eq(rc, -EEXIST, "store_write returned %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_uniq", NULL), 1, "the first insert was not rolled back");
    cr_assert_eq(scalar("SELECT v FROM ts_uniq WHERE k = $1", "a"), 1);
    /* The store is usable afterwards. */
    write_sql("INSERT INTO ts_uniq (k, v) VALUES ('c', 4)");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_uniq", NULL), 2);
}

static int insert_then_fail_fn(db_t *db, void *arg)
{
    REQUIRE(db_run(db, "INSERT INTO ts_rb (k) VALUES ($1)", "i", 1LL) == 1);
    REQUIRE(db_run(db, "UPDATE ts_rb SET k = k + 10", "") == 2);
    return *(int *)arg;
}

STORE_CASE(callback_error_rolls_back_and_positive_commits)
{
    make_table("ts_rb", "k INTEGER PRIMARY KEY");
    write_sql("INSERT INTO ts_rb (k) VALUES (5)");
    int want = -ENOENT;
    cr_assert_eq(store_write(E.st, insert_then_fail_fn, &want), -ENOENT);
    ASSERT_CHECKS();
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_rb", NULL), 1);
    cr_assert_eq(scalar("SELECT k FROM ts_rb", NULL), 5);
    want = 7;   /* a positive result commits and comes back unchanged */
    cr_assert_eq(store_write(E.st, insert_then_fail_fn, &want), 7);
    ASSERT_CHECKS();
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_rb", NULL), 2);
    cr_assert_eq(scalar("SELECT SUM(k) FROM ts_rb", NULL), 11 + 15);
}

/* A read snapshot: a write committed by another thread during the read is invisible to it, visible after it. */
typedef struct snap {
    long long first, second;
    int       writer_rc;
} snap_t;

static int bump_fn(db_t *db, void *arg)
{
    (void)arg;
    long long n = db_run(db, "UPDATE ts_snap SET v = v + 1 WHERE k = 1", "");
    return n == 1 ? 0 : (n < 0 ? (int)n : -EPROTO);
}

static void *writer_thread(void *arg)
{
    snap_t *sn = arg;
    sn->writer_rc = store_write(E.st, bump_fn, NULL);
    return NULL;
}

static int snapshot_fn(db_t *db, void *arg)
{
    snap_t *sn = arg;
    db_stmt_t *s;
    REQUIRE(db_query(db, &s, "SELECT v FROM ts_snap WHERE k = 1", "") == DB_ROW);
    sn->first = db_col_int(s, 0);
    db_reset(s);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, writer_thread, sn) == 0);
    pthread_join(t, NULL);
    REQUIRE(db_query(db, &s, "SELECT v FROM ts_snap WHERE k = 1", "") == DB_ROW);
    sn->second = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

STORE_CASE(read_snapshot_sees_committed_data_only)
{
    make_table("ts_snap", "k INTEGER PRIMARY KEY, v INTEGER NOT NULL");
    write_sql("INSERT INTO ts_snap (k, v) VALUES (1, 10)");
    cr_assert_eq(scalar("SELECT v FROM ts_snap WHERE k = 1", NULL), 10, "a committed write is not visible");
    snap_t sn = {0, 0, -1};
    cr_assert_eq(store_read(E.st, snapshot_fn, &sn), 0);
    ASSERT_CHECKS();
    cr_assert_eq(sn.writer_rc, 0, "the concurrent write failed: %d", sn.writer_rc);
    cr_assert_eq(sn.first, 10);
    cr_assert_eq(sn.second, 10, "the snapshot saw a write committed after it began");
    cr_assert_eq(scalar("SELECT v FROM ts_snap WHERE k = 1", NULL), 11);
}

/* ---- concurrency ---- */

#define WRITERS 8
#define INCREMENTS 200

typedef struct counter_run {
    store_t        *st;
    int             increments;
    int             failures;
    int             last_rc;
    unsigned char  *seen;          /* seen[v] = how many increments returned v */
    pthread_mutex_t *mu;
} counter_run_t;

static int increment_fn(db_t *db, void *arg)
{
    long long *value = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "UPDATE ts_counter SET n = n + 1 WHERE id = 1 RETURNING n", "");
    if (rc == DB_ROW) *value = db_col_int(s, 0);
    if (s) db_reset(s);
    if (rc == DB_DONE) return -ENOENT;
    return rc < 0 ? rc : 0;
}

static void *counter_thread(void *arg)
{
    counter_run_t *r = arg;
    for (int i = 0; i < r->increments; i++) {
        long long v = -1;
        int rc = store_write(r->st, increment_fn, &v);
        pthread_mutex_lock(r->mu);
        if (rc != 0 || v < 1 || v > WRITERS * INCREMENTS) {
            r->failures++;
            r->last_rc = rc;
        } else {
            r->seen[v]++;
        }
        pthread_mutex_unlock(r->mu);
    }
    return NULL;
}

/* n threads each increment the counter `each` times through st; every increment must return a distinct value. */
static void run_counter(store_t *st, int n, int each)
{
    unsigned char seen[WRITERS * INCREMENTS + 1] = {0};
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    counter_run_t runs[WRITERS];
    pthread_t th[WRITERS];
    cr_assert(n <= WRITERS && n * each <= WRITERS * INCREMENTS);
    for (int i = 0; i < n; i++) {
        runs[i] = (counter_run_t){st, each, 0, 0, seen, &mu};
        cr_assert_eq(pthread_create(&th[i], NULL, counter_thread, &runs[i]), 0);
    }
    int failures = 0, last_rc = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(th[i], NULL);
        failures += runs[i].failures;
        if (runs[i].failures) last_rc = runs[i].last_rc;
    }
    cr_assert_eq(failures, 0, "%d increments failed (last rc %d)", failures, last_rc);
    for (int v = 1; v <= n * each; v++) cr_assert_eq(seen[v], 1, "value %d returned %d times", v, seen[v]);
    cr_assert_eq(scalar("SELECT n FROM ts_counter WHERE id = 1", NULL), n * each);
}

STORE_CASE(concurrent_writers_lose_no_update)
{
    make_table("ts_counter", "id INTEGER PRIMARY KEY, n INTEGER NOT NULL");
    write_sql("INSERT INTO ts_counter (id, n) VALUES (1, 0)");
    run_counter(E.st, WRITERS, INCREMENTS);
    cr_assert_eq(scalar("SELECT n FROM ts_counter WHERE id = 1", NULL), 1600);
}

STORE_CASE(small_pool_serves_more_threads)
{
    make_table("ts_counter", "id INTEGER PRIMARY KEY, n INTEGER NOT NULL");
    write_sql("INSERT INTO ts_counter (id, n) VALUES (1, 0)");
    store_t *small = NULL;
    store_opts_t o = {.url = E.url, .pool_size = 2};
    cr_assert_eq(store_open(&small, &o), 0);
    run_counter(small, WRITERS, 50);
    store_close(small);
}

/* ---- statement cache ---- */

static const char REUSE_SQL[] = "INSERT INTO ts_reuse (k) VALUES ($1)";

typedef struct reuse {
    db_stmt_t *first;
    long long  k;
    int        same;
} reuse_t;

static int reuse_fn(db_t *db, void *arg)
{
    reuse_t *r = arg;
    db_stmt_t *s = db_prepare(db, REUSE_SQL);
    REQUIRE(s != NULL);
    if (!r->first) r->first = s;
    if (s == r->first) r->same++;
    db_reset(s);
    REQUIRE(db_run(db, REUSE_SQL, "i", r->k) == 1);
    return 0;
}

static int count_prepared_fn(db_t *db, void *arg)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement = $1", "t", REUSE_SQL);
    if (rc == DB_ROW) *(long long *)arg = db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

typedef struct content_check {
    char      *buf;
    long long  a, b;
} content_check_t;

static int content_fn(db_t *db, void *arg)
{
    content_check_t *cc = arg;
    db_stmt_t *s;
    /* The same address holding different SQL must not find the old statement. */
    snprintf(cc->buf, 64, "SELECT 40 + 1");
    REQUIRE(db_query(db, &s, cc->buf, "") == DB_ROW);
    cc->a = db_col_int(s, 0);
    db_reset(s);
    snprintf(cc->buf, 64, "SELECT 40 + 2");
    REQUIRE(db_query(db, &s, cc->buf, "") == DB_ROW);
    cc->b = db_col_int(s, 0);
    db_reset(s);
    return 0;
}

STORE_CASE(statements_reused_across_calls)
{
    make_table("ts_reuse", "k INTEGER PRIMARY KEY");
    reuse_t r = {0};
    for (r.k = 1; r.k <= 500; r.k++) cr_assert_eq(store_write(E.st, reuse_fn, &r), 0, "write %lld failed", r.k);
    ASSERT_CHECKS();
    cr_assert_eq(r.same, 500, "db_prepare returned another statement %d times", 500 - r.same);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_reuse", NULL), 500);
    if (is_pg()) {
        /* Prepared once on the server, not once per call: the writer's one connection served every write, and a
         * write callback runs on that same connection, so it sees the session's prepared statements. */
        long long prepared = -1;
        cr_assert_eq(store_write(E.st, count_prepared_fn, &prepared), 0);
        cr_assert_eq(prepared, 1, "the write statement is prepared %lld times on the writer's connection", prepared);
    }
    content_check_t cc = {malloc(64), 0, 0};
    cr_assert_eq(store_read(E.st, content_fn, &cc), 0);
    free(cc.buf);
    ASSERT_CHECKS();
    cr_assert_eq(cc.a, 41);
    cr_assert_eq(cc.b, 42, "a statement cached for other SQL at the same address was reused");
}

/* ---- errors ---- */

typedef struct bad_sql {
    int  prepare_null;
    int  exec_rc;
    char prepare_msg[256];
    char exec_msg[256];
    int  good_rc;
} bad_sql_t;

static int bad_sql_fn(db_t *db, void *arg)
{
    bad_sql_t *b = arg;
    b->prepare_null = db_prepare(db, "SELEC nothing FROM nowhere") == NULL;
    snprintf(b->prepare_msg, sizeof b->prepare_msg, "%s", db_errmsg(db) ? db_errmsg(db) : "");
    b->exec_rc = db_exec(db, "CREATE TABLEX ts_bad (k INTEGER)");
    snprintf(b->exec_msg, sizeof b->exec_msg, "%s", db_errmsg(db) ? db_errmsg(db) : "");
    b->good_rc = db_exec(db, "CREATE TABLE ts_bad_ok (k INTEGER)");
    return 0;
}

static int missing_table_fn(db_t *db, void *arg)
{
    (void)arg;
    long long n = db_run(db, "INSERT INTO ts_missing_table (k) VALUES ($1)", "i", 1LL);
    return n < 0 ? (int)n : -EPROTO;
}

STORE_CASE(errmsg_set_on_bad_sql)
{
    exec_ok("DROP TABLE IF EXISTS ts_bad_ok");
    bad_sql_t b = {0};
    cr_assert_eq(store_exclusive(E.st, bad_sql_fn, &b), 0);
    cr_assert(b.prepare_null, "db_prepare accepted bad SQL");
    cr_assert(b.prepare_msg[0] != '\0', "no error message after a bad prepare");
    cr_assert(b.exec_rc < 0, "db_exec accepted bad SQL");
    cr_assert(b.exec_msg[0] != '\0', "no error message after a bad exec");
    cr_assert_eq(b.good_rc, 0, "the connection is unusable after errors");
    /* Inside a write transaction: the error comes back and the store stays usable. */
    int rc = store_write(E.st, missing_table_fn, NULL);
    cr_assert(rc < 0 && rc != -EPROTO, "insert into a missing table gave %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_bad_ok", NULL), 0);
}

/* ---- read-only stores ---- */

STORE_CASE(readonly_store_refuses_writes)
{
    make_table("ts_ro", "k INTEGER PRIMARY KEY");
    write_sql("INSERT INTO ts_ro (k) VALUES (1)");
    store_t *ro = NULL;
    store_opts_t o = {.url = E.url, .readonly = 1};
    cr_assert_eq(store_open(&ro, &o), 0);
    run_q_t q = {"INSERT INTO ts_ro (k) VALUES (2)", 0};
    cr_assert_eq(store_write(ro, run_fn, &q), -EROFS);
    cr_assert_eq(store_exclusive(ro, exec_fn, (void *)"INSERT INTO ts_ro (k) VALUES (3)"), -EROFS);
    scalar_q_t sq = {"SELECT COUNT(*) FROM ts_ro", "", NULL, -1, 0};
    cr_assert_eq(store_read(ro, scalar_fn, &sq), 0);
    cr_assert_eq(sq.v, 1);
    store_close(ro);
}

/* ---- backup ---- */

STORE_CASE(backup_writes_a_restorable_copy)
{
    make_table("ts_backup", "k INTEGER PRIMARY KEY, v TEXT");
    write_sql("INSERT INTO ts_backup (k, v) VALUES (1, 'một'), (2, 'hai'), (3, 'ba')");
    char dest[512];
    snprintf(dest, sizeof dest, "/tmp/motcua-test-backup-%ld.%s", (long)getpid(), is_pg() ? "dump" : "db");
    unlink(dest);
    cr_assert_eq(store_backup(E.st, dest), 0);
    struct stat sb;
    cr_assert(stat(dest, &sb) == 0 && sb.st_size > 0, "no backup file");
    cr_assert(store_backup(E.st, "/nonexistent-motcua-dir/backup") < 0, "backup into a missing directory succeeded");
    if (!is_pg()) {
        store_t *copy = NULL;
        store_opts_t o = {.url = dest};
        cr_assert_eq(store_open(&copy, &o), 0);
        scalar_q_t sq = {"SELECT COUNT(*) FROM ts_backup", "", NULL, -1, 0};
        cr_assert_eq(store_read(copy, scalar_fn, &sq), 0);
        cr_assert_eq(sq.v, 3);
        store_close(copy);
    } else {
        char magic[6] = {0};
        int fd = open(dest, O_RDONLY);
        cr_assert(fd >= 0);
        cr_assert_eq(read(fd, magic, 5), 5);
        close(fd);
        cr_assert_str_eq(magic, "PGDMP", "not a pg_dump custom-format archive");
    }
    unlink(dest);
}

/* ---- group commit: savepoints, nesting ---- */

/* Each case with a time limit: a regression here is a hang (a writer waiting on itself). */
#define STORE_CASE_T(name, secs)                                                                           \
    static void case_##name(void);                                                                         \
    Test(store, name##_sqlite, .fini = env_fini, .timeout = secs) { open_sqlite(); case_##name(); }        \
    Test(store, name##_pg, .fini = env_fini, .timeout = secs) { open_pg(); case_##name(); }                \
    static void case_##name(void)

static int release_own_savepoint_fn(db_t *db, void *arg)
{
    REQUIRE(db_run(db, "INSERT INTO ts_sp (k) VALUES ($1)", "i", 1LL) == 1);
    /* The SQLite writer's per-job savepoint is named "job": releasing it here makes the writer's own ROLLBACK TO /
     * RELEASE fail, and this job's insert would otherwise be committed with the batch. */
    REQUIRE(db_exec(db, "RELEASE job") == 0);
    return *(int *)arg;
}

Test(store, savepoint_release_failure_fails_the_batch_sqlite, .fini = env_fini)
{
    open_sqlite();
    make_table("ts_sp", "k INTEGER PRIMARY KEY");
    int want = -ENOENT;   /* the job fails, and ROLLBACK TO its savepoint fails too */
    cr_assert_eq(store_write(E.st, release_own_savepoint_fn, &want), -ENOENT);
    ASSERT_CHECKS();
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 0, "the failed job's insert was committed");
    want = 0;             /* the job succeeds, but RELEASE of its savepoint fails */
    int rc = store_write(E.st, release_own_savepoint_fn, &want);
    ASSERT_CHECKS();
    cr_assert_eq(rc, -EIO, "store_write returned %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 0, "a batch reported failed was committed");
    /* The writer is usable afterwards. */
    write_sql("INSERT INTO ts_sp (k) VALUES (2)");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 1);
}

static int release_pg_savepoint_fn(db_t *db, void *arg)
{
    REQUIRE(db_run(db, "INSERT INTO ts_sp (k) VALUES ($1)", "i", 1LL) == 1);
    /* The PostgreSQL writer's per-job savepoint. */
    REQUIRE(db_exec(db, "RELEASE SAVEPOINT motcua_job") == 0);
    return *(int *)arg;
}

Test(store, savepoint_release_failure_fails_the_batch_pg, .fini = env_fini)
{
    open_pg();
    make_table("ts_sp", "k INTEGER PRIMARY KEY");
    int want = -ENOENT;
    int rc = store_write(E.st, release_pg_savepoint_fn, &want);
    ASSERT_CHECKS();
    cr_assert(rc < 0, "store_write returned %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 0, "the failed job's insert was committed");
    want = 0;
    rc = store_write(E.st, release_pg_savepoint_fn, &want);
    ASSERT_CHECKS();
    cr_assert(rc < 0, "store_write returned %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 0, "a batch reported failed was committed");
    write_sql("INSERT INTO ts_sp (k) VALUES (2)");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_sp", NULL), 1);
}

typedef struct nested {
    int write_rc, exclusive_rc;
} nested_t;

static int nested_write_fn(db_t *db, void *arg)
{
    nested_t *n = arg;
    REQUIRE(db_run(db, "INSERT INTO ts_nest (k) VALUES ($1)", "i", 1LL) == 1);
    run_q_t q = {"INSERT INTO ts_nest (k) VALUES (2)", 0};
    n->write_rc = store_write(E.st, run_fn, &q);
    n->exclusive_rc = store_exclusive(E.st, exec_fn, (void *)"SELECT 1");
    return 0;
}

STORE_CASE_T(write_inside_write_is_edeadlk, 60)
{
    make_table("ts_nest", "k INTEGER PRIMARY KEY");
    nested_t n = {1, 1};
    cr_assert_eq(store_write(E.st, nested_write_fn, &n), 0);
    ASSERT_CHECKS();
    cr_assert_eq(n.write_rc, -EDEADLK, "store_write inside a write callback returned %d", n.write_rc);
    cr_assert_eq(n.exclusive_rc, -EDEADLK, "store_exclusive inside a write callback returned %d", n.exclusive_rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_nest", NULL), 1);
    cr_assert_eq(scalar("SELECT k FROM ts_nest", NULL), 1);
    /* From the caller's own thread, writes still work. */
    write_sql("INSERT INTO ts_nest (k) VALUES (3)");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_nest", NULL), 2);
}

/* Several concurrent store_write() jobs, queued while the writer is busy so they go into one batch: the failing
 * ones (a unique violation, so on PostgreSQL the server aborts the statement and only the savepoint saves the
 * transaction) are rolled back, the others commit, seen in the database afterwards. */
#define BATCH_JOBS 8
static atomic_int batch_queued;

static int batch_gate_fn(db_t *db, void *arg)
{
    (void)db;
    (void)arg;
    /* Hold the writer until every job thread is about to queue, then a little longer: they pile up behind us. */
    for (int i = 0; i < 10000 && atomic_load(&batch_queued) < BATCH_JOBS; i++) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, NULL);
    }
    struct timespec ts = {0, 200 * 1000000L};
    nanosleep(&ts, NULL);
    return 0;
}

typedef struct batch_job {
    long long k;
    int       rc;
} batch_job_t;

static int batch_job_fn(db_t *db, void *arg)
{
    batch_job_t *j = arg;
    long long n = db_run(db, "INSERT INTO ts_batch (k, v) VALUES ($1, 'job')", "i", j->k);
    if (n < 0) return (int)n;
    /* Odd jobs then collide with the seeded row 0 and fail after having written. */
    if (j->k % 2) {
        n = db_run(db, "INSERT INTO ts_batch (k, v) VALUES (0, 'dup')", "");
        return n < 0 ? (int)n : -EPROTO;
    }
    return 0;
}

static void *batch_job_thread(void *arg)
{
    atomic_fetch_add(&batch_queued, 1);
    batch_job_t *j = arg;
    j->rc = store_write(E.st, batch_job_fn, j);
    return NULL;
}

static void *batch_gate_thread(void *arg)
{
    *(int *)arg = store_write(E.st, batch_gate_fn, NULL);
    return NULL;
}

STORE_CASE_T(batch_with_failing_jobs_commits_the_others, 120)
{
    make_table("ts_batch", "k INTEGER PRIMARY KEY, v TEXT NOT NULL");
    write_sql("INSERT INTO ts_batch (k, v) VALUES (0, 'seed')");
    atomic_store(&batch_queued, 0);
    int gate_rc = 1;
    pthread_t gate, t[BATCH_JOBS];
    batch_job_t jobs[BATCH_JOBS];
    cr_assert_eq(pthread_create(&gate, NULL, batch_gate_thread, &gate_rc), 0);
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);   /* let the gate reach the writer first (not needed for the outcome, only for batching) */
    for (int i = 0; i < BATCH_JOBS; i++) {
        jobs[i] = (batch_job_t){i + 1, 1};
        cr_assert_eq(pthread_create(&t[i], NULL, batch_job_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < BATCH_JOBS; i++) pthread_join(t[i], NULL);
    pthread_join(gate, NULL);
    cr_assert_eq(gate_rc, 0);
    for (int i = 0; i < BATCH_JOBS; i++) {
        if (jobs[i].k % 2) cr_assert_eq(jobs[i].rc, -EEXIST, "job %lld returned %d", jobs[i].k, jobs[i].rc);
        else cr_assert_eq(jobs[i].rc, 0, "job %lld returned %d", jobs[i].k, jobs[i].rc);
    }
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_batch", NULL), 1 + BATCH_JOBS / 2);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_batch WHERE k % 2 = 1", NULL), 0, "a failed job's row was kept");
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_batch WHERE v = 'dup'", NULL), 0);
    cr_assert_eq(scalar("SELECT v = 'seed' FROM ts_batch WHERE k = 0", NULL), 1);
}

/* ---- PostgreSQL only ---- */

static int swallow_fn(db_t *db, void *arg)
{
    (void)arg;
    REQUIRE(db_run(db, "INSERT INTO ts_swallow (k) VALUES ($1)", "i", 2LL) == 1);
    CHECK(db_run(db, "INSERT INTO ts_swallow (k) VALUES ($1)", "i", 1LL) == -EEXIST);
    /* The server aborted the transaction: later statements report the first error. */
    CHECK(db_run(db, "INSERT INTO ts_swallow (k) VALUES ($1)", "i", 3LL) == -EEXIST);
    return 0;   /* ignores the error */
}

Test(store, swallowed_error_rolls_back_pg, .fini = env_fini)
{
    open_pg();
    make_table("ts_swallow", "k INTEGER PRIMARY KEY");
    write_sql("INSERT INTO ts_swallow (k) VALUES (1)");
    cr_assert_eq(store_write(E.st, swallow_fn, NULL), -EEXIST);
    ASSERT_CHECKS();
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_swallow", NULL), 1);
}

static int deadlock_fn(db_t *db, void *arg)
{
    /* Lock row a then row b, or b then a: two such transactions deadlock and one is retried. */
    int order = *(int *)arg;
    long long first = order ? 1 : 2, second = order ? 2 : 1;
    int rc = db_exec(db, "SET LOCAL deadlock_timeout = '50ms'");   /* quick detection; superuser in tests */
    if (rc < 0) return rc;
    long long n = db_run(db, "UPDATE ts_dead SET n = n + 1 WHERE id = $1", "i", first);
    if (n < 0) return (int)n;
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
    n = db_run(db, "UPDATE ts_dead SET n = n + 1 WHERE id = $1", "i", second);
    return n < 0 ? (int)n : 0;
}

static void *deadlock_thread(void *arg)
{
    int *order = arg;
    int rc = 0;
    for (int i = 0; i < 10 && rc == 0; i++) rc = store_write(E.st, deadlock_fn, order);
    order[1] = rc;
    return NULL;
}

Test(store, deadlocks_are_retried_pg, .fini = env_fini)
{
    open_pg();
    make_table("ts_dead", "id INTEGER PRIMARY KEY, n INTEGER NOT NULL");
    write_sql("INSERT INTO ts_dead (id, n) VALUES (1, 0), (2, 0)");
    int a[2] = {0, 0}, b[2] = {1, 0};
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, deadlock_thread, a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, deadlock_thread, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a[1], 0, "thread a: %d", a[1]);
    cr_assert_eq(b[1], 0, "thread b: %d", b[1]);
    cr_assert_eq(scalar("SELECT SUM(n) FROM ts_dead", NULL), 40);
}

static int counted_insert_fn(db_t *db, void *arg)
{
    long long *k = arg;
    long long n = db_run(db, "INSERT INTO ts_restart (k) VALUES ($1)", "i", *k);
    return n < 0 ? (int)n : 0;
}

Test(store, server_restart_reconnects_pg, .fini = env_fini)
{
    open_pg_private("restart");
    make_table("ts_restart", "k INTEGER PRIMARY KEY");
    long long k = 1;
    cr_assert_eq(store_write(E.st, counted_insert_fn, &k), 0);
    cr_assert_eq(cluster_cmd("restart", E.cluster, NULL, NULL, 0), 0, "pg-cluster restart failed");
    /* The old connection is dead; the write reconnects, prepares its statement again and succeeds. */
    k = 2;
    int rc = store_write(E.st, counted_insert_fn, &k);
    cr_assert_eq(rc, 0, "the first write after a restart failed: %d", rc);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_restart", NULL), 2);
    /* Reads and ping too, after another restart. */
    cr_assert_eq(cluster_cmd("restart", E.cluster, NULL, NULL, 0), 0);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_restart", NULL), 2);
    cr_assert_eq(cluster_cmd("restart", E.cluster, NULL, NULL, 0), 0);
    cr_assert_eq(store_ping(E.st), 0);
    k = 3;
    cr_assert_eq(store_write(E.st, counted_insert_fn, &k), 0);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_restart", NULL), 3);
}

Test(store, server_down_is_eio_then_recovers_pg, .fini = env_fini)
{
    open_pg_private("down");
    make_table("ts_down", "k INTEGER PRIMARY KEY");
    cr_assert_eq(store_ping(E.st), 0);
    cr_assert_eq(cluster_cmd("halt", E.cluster, NULL, NULL, 0), 0, "pg-cluster halt failed");
    run_q_t q = {"INSERT INTO ts_down (k) VALUES (1)", 0};
    cr_assert_eq(store_write(E.st, run_fn, &q), -EIO);
    cr_assert_eq(store_write(E.st, run_fn, &q), -EIO);
    scalar_q_t sq = {"SELECT COUNT(*) FROM ts_down", "", NULL, -1, 0};
    cr_assert_eq(store_read(E.st, scalar_fn, &sq), -EIO);
    cr_assert_eq(store_ping(E.st), -EIO);
    cr_assert_eq(store_exclusive(E.st, exec_fn, (void *)"SELECT 1"), -EIO);
    store_t *other = NULL;
    store_opts_t o = {.url = E.url};
    cr_assert_eq(store_open(&other, &o), -EIO);
    cr_assert_null(other);
    /* A thread that never had a connection gets -EIO too. */
    snap_t sn = {0, 0, 0};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, writer_thread, &sn), 0);
    pthread_join(t, NULL);
    cr_assert_eq(sn.writer_rc, -EIO);
    /* The server comes back: the same store works again. */
    cr_assert_eq(cluster_cmd("resume", E.cluster, NULL, NULL, 0), 0, "pg-cluster resume failed");
    cr_assert_eq(store_write(E.st, run_fn, &q), 0);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_down", NULL), 1);
    cr_assert_eq(store_ping(E.st), 0);
}

Test(store, backup_restores_into_new_database_pg, .fini = env_fini)
{
    open_pg_private("backup");
    make_table("ts_backup", "k INTEGER PRIMARY KEY, v TEXT");
    write_sql("INSERT INTO ts_backup (k, v) VALUES (1, 'một'), (2, 'hai')");
    char dest[512];
    snprintf(dest, sizeof dest, "%s/backup.dump", E.cluster);
    cr_assert_eq(store_backup(E.st, dest), 0);
    char url2[512];
    cr_assert_eq(cluster_cmd("newdb", E.cluster, "motcua_restored", url2, sizeof url2), 0);
    char dbarg[600];
    snprintf(dbarg, sizeof dbarg, "--dbname=%s", url2);
    char *argv[] = {"/usr/lib/postgresql/15/bin/pg_restore", "--no-owner", dbarg, dest, NULL};
    cr_assert_eq(run_capture(argv, NULL, 0), 0, "pg_restore failed");
    store_close(E.st);
    E.st = NULL;
    open_pg_url(url2);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_backup WHERE v = $1", "một"), 1);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_backup", NULL), 2);
}

/* A read callback that produced output must not run twice when the connection is lost under it (a GET handler
 * would send its reply twice); one that hands the connection error back is run again after the reconnect. */
typedef struct reread {
    int returns_error;   /* 1: give the connection error back; 0: "reply" with it and return 0 */
    int calls, outputs, first_rc;
} reread_t;

static int reread_fn(db_t *db, void *arg)
{
    reread_t *x = arg;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT COUNT(*) FROM ts_reread", "");
    if (s) db_reset(s);
    if (++x->calls == 1) {
        REQUIRE(rc == DB_ROW);
        cr_assert_eq(cluster_cmd("restart", E.cluster, NULL, NULL, 0), 0, "pg-cluster restart failed");
        rc = db_query(db, &s, "SELECT COUNT(*) FROM ts_reread", "");
        if (s) db_reset(s);
        x->first_rc = rc;
        if (rc < 0 && x->returns_error) return rc;
    }
    x->outputs++;        /* the "reply" */
    return 0;
}

Test(store, read_callback_with_output_is_not_rerun_after_reconnect_pg, .fini = env_fini)
{
    open_pg_private("reread");
    make_table("ts_reread", "k INTEGER PRIMARY KEY");
    reread_t x = {0, 0, 0, 0};
    int rc = store_read(E.st, reread_fn, &x);
    ASSERT_CHECKS();
    cr_assert_eq(x.first_rc, -EIO, "the query after the restart returned %d", x.first_rc);
    cr_assert_eq(x.calls, 1, "the callback ran %d times", x.calls);
    cr_assert_eq(x.outputs, 1);
    cr_assert_eq(rc, -EIO, "store_read returned %d", rc);
    /* The store reconnects on next use. */
    cr_assert_eq(scalar("SELECT COUNT(*) FROM ts_reread", NULL), 0);
    /* Handing the connection error back: run again once on a new connection, and that run answers. */
    reread_t y = {1, 0, 0, 0};
    rc = store_read(E.st, reread_fn, &y);
    ASSERT_CHECKS();
    cr_assert_eq(y.first_rc, -EIO);
    cr_assert_eq(y.calls, 2, "the callback ran %d times", y.calls);
    cr_assert_eq(y.outputs, 1);
    cr_assert_eq(rc, 0, "store_read returned %d", rc);
}

/* ---- store_write_async ---- */

struct async_rec {
    pthread_mutex_t mu;
    pthread_cond_t  cond;
    int             done, ok, failed, calls[64], on_writer[64];
};

struct async_job {
    struct async_rec *rec;
    int               i;
    int               fail;
};

static int async_insert_fn(db_t *db, void *arg)
{
    struct async_job *j = arg;
    long long n = db_run(db, "INSERT INTO async_t (i) VALUES ($1)", "i", (long long)j->i);
    if (n < 0) return (int)n;
    return j->fail ? -EPROTO : 0;        /* a failing job: rolled back alone */
}

static void async_done_cb(int rc, void *arg)
{
    struct async_job *j = arg;
    struct async_rec *r = j->rec;
    pthread_mutex_lock(&r->mu);
    r->calls[j->i]++;
    /* done runs on the writer thread: the store refuses a write from it */
    r->on_writer[j->i] = store_write(E.st, exec_fn, (void *)"SELECT 1") == -EDEADLK;
    if (rc == 0) r->ok++;
    else if (rc == -EPROTO) r->failed++;
    r->done++;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

/* 60 writes queued from one thread without waiting: each done callback runs once, on the writer, after its
 * commit; the failing ones roll back alone; nothing is left half done. */
STORE_CASE(write_async_reports_each_commit_once)
{
    make_table("async_t", "i INTEGER NOT NULL");
    struct async_rec rec = {.mu = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
    struct async_job jobs[60];
    unsigned long long w0 = store_write_count(E.st);
    for (int i = 0; i < 60; i++) {
        jobs[i] = (struct async_job){&rec, i, i % 10 == 3};
        cr_assert_eq(store_write_async(E.st, async_insert_fn, &jobs[i], async_done_cb, &jobs[i]), 0);
    }
    pthread_mutex_lock(&rec.mu);
    while (rec.done < 60) pthread_cond_wait(&rec.cond, &rec.mu);
    pthread_mutex_unlock(&rec.mu);
    cr_assert_eq(rec.ok, 54);
    cr_assert_eq(rec.failed, 6);
    for (int i = 0; i < 60; i++) {
        cr_assert_eq(rec.calls[i], 1, "job %d told %d times", i, rec.calls[i]);
        cr_assert(rec.on_writer[i], "job %d's done did not run on the writer thread", i);
    }
    cr_assert_eq(scalar("SELECT COUNT(*) FROM async_t", NULL), 54);
    cr_assert_eq(scalar("SELECT COUNT(*) FROM async_t WHERE i % 10 = 3", NULL), 0);
    cr_assert(store_write_count(E.st) >= w0 + 120, "every async write moves the write counter at both ends");
}

/* ---- PostgreSQL's read cache (store_opts_t.read_cache, src/db/pg_cache.c) ---- */

typedef struct rc_read {
    const char *sql;
    long long   k;
    char        v[128];
    size_t      len;
    int         rc;
} rc_read_t;

static int rc_read_fn(db_t *db, void *arg)
{
    rc_read_t *q = arg;
    db_stmt_t *s;
    q->rc = db_query(db, &s, q->sql, "i", q->k);
    q->v[0] = '\0';
    q->len = 0;
    if (q->rc == DB_ROW) {
        q->len = db_col_len(s, 0);
        db_col_copy(s, 0, q->v, sizeof q->v);
    }
    if (s) db_reset(s);
    return q->rc < 0 ? q->rc : 0;
}

static rc_read_t rc_get(const char *sql, long long k)
{
    rc_read_t q = {.sql = sql, .k = k};
    cr_assert_eq(store_read(E.st, rc_read_fn, &q), 0);
    cr_assert_eq(q.rc, DB_ROW, "no row for %lld", k);
    return q;
}

static unsigned long long rc_hits(void)
{
    store_cache_stats_t cs;
    store_cache_counts(E.st, &cs);
    return cs.hits;
}

#define RC_SQL "SELECT v FROM ts_rc WHERE k = $1"

/* Open the shared cluster's database with the cache (ways per statement) and wait until its listener listens
 * (the first hit). */
static void rc_open(int ways)
{
    memset(&E, 0, sizeof E);
    const char *url = getenv("MOTCUA_TEST_PG_URL");
    if (!url || !*url) cr_skip_test("MOTCUA_TEST_PG_URL not set");
    snprintf(E.url, sizeof E.url, "%s", url);
    store_opts_t o = {.url = E.url, .read_cache = ways};
    cr_assert_eq(store_open(&E.st, &o), 0);
    E.engine = "postgres";
    store_cache_stats_t cs;
    store_cache_counts(E.st, &cs);
    cr_assert_eq(cs.on, 1);
    make_table("ts_rc", "k INTEGER PRIMARY KEY, v TEXT NOT NULL");
    exec_ok("INSERT INTO ts_rc SELECT g, 'v' || g FROM generate_series(1, 8) g");
    for (int i = 0; i < 500 && rc_hits() == 0; i++) {
        rc_get(RC_SQL, 1);
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    cr_assert(rc_hits() > 0, "the read cache never answered (its listener did not listen)");
}

Test(store, read_cache_off_on_sqlite_and_by_default)
{
    memset(&E, 0, sizeof E);
    open_sqlite();
    store_cache_stats_t cs;
    store_cache_counts(E.st, &cs);
    cr_assert_eq(cs.on, 0);
    store_close(E.st);
    E.st = NULL;
    tu_remove_dir(E.dir);
    E.dir[0] = '\0';
}

Test(store, read_cache_hits_follow_writes_pg, .fini = env_fini)
{
    rc_open(2);
    unsigned long long h = rc_hits();
    cr_assert_str_eq(rc_get(RC_SQL, 1).v, "v1");
    cr_assert_eq(rc_hits(), h + 1, "a repeated read is answered from the cache");
    /* A write of this store: the next read is never stale. */
    write_sql("UPDATE ts_rc SET v = 'w1' WHERE k = 1");
    cr_assert_str_eq(rc_get(RC_SQL, 1).v, "w1");
    /* More keys than ways: every answer is still the row's value, whatever was evicted. */
    for (int round = 0; round < 3; round++)
        for (long long k = 1; k <= 5; k++) {
            char want[32];
            snprintf(want, sizeof want, k == 1 ? "w1" : "v%lld", k);
            cr_assert_str_eq(rc_get(RC_SQL, k).v, want, "key %lld round %d", k, round);
        }
    /* A write of another store (another process, as on a hub): seen once its notification arrived. */
    store_t *other;
    store_opts_t o = {.url = E.url};
    cr_assert_eq(store_open(&other, &o), 0);
    run_q_t q = {"UPDATE ts_rc SET v = 'x2' WHERE k = 2", 0};
    cr_assert_eq(store_write(other, run_fn, &q), 0);
    store_close(other);
    int seen = 0;
    for (int i = 0; i < 200 && !seen; i++) {
        seen = strcmp(rc_get(RC_SQL, 2).v, "x2") == 0;
        if (!seen) nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    cr_assert(seen, "the other store's write was never seen through the cache");
}

/* Results over 64 KiB are not kept; a connection keeps at most 8 MiB (older versions are swept to make room). */
Test(store, read_cache_bounds_pg, .fini = env_fini)
{
    rc_open(64);
    const char *big = "SELECT repeat('b', 70000) || k FROM ts_rc WHERE k = $1";
    unsigned long long h = rc_hits();
    cr_assert_eq(rc_get(big, 1).len, 70001);
    cr_assert_eq(rc_get(big, 1).len, 70001);
    cr_assert_eq(rc_hits(), h, "a result over 64 KiB is never kept");
    /* 3 statements x 64 keys x ~50 KiB is over the 8 MiB of a connection: the last results are not kept. */
    const char *sqls[3] = {"SELECT repeat('a', 50000) || k FROM ts_rc WHERE k = $1",
                           "SELECT repeat('c', 50000) || k FROM ts_rc WHERE k = $1 AND k > 0",
                           "SELECT repeat('d', 50000) || k FROM ts_rc WHERE k = $1 AND k > -1"};
    exec_ok("INSERT INTO ts_rc SELECT g, 'v' || g FROM generate_series(9, 64) g");
    for (int q = 0; q < 3; q++)
        for (long long k = 1; k <= 64; k++) {
            char tail[24];
            snprintf(tail, sizeof tail, "%lld", k);
            cr_assert_eq(rc_get(sqls[q], k).len, 50000 + strlen(tail));
        }
    h = rc_hits();
    rc_get(sqls[2], 64);
    cr_assert_eq(rc_hits(), h, "past the budget nothing more is kept");
    rc_get(sqls[0], 1);
    cr_assert_eq(rc_hits(), h + 1, "what was kept first is still answered");
    /* A write makes everything kept stale: the next result sweeps it away to make room, and is kept. */
    write_sql("UPDATE ts_rc SET v = v WHERE k = 1");
    /* The write's own notification may still arrive and move the version once more: read until a result kept
     * after it is answered (each miss keeps the newest). */
    bool kept = false;
    for (int i = 0; i < 200 && !kept; i++) {
        rc_get(sqls[2], 64);
        h = rc_hits();
        cr_assert_eq(rc_get(sqls[2], 64).len, 50002);
        kept = rc_hits() == h + 1;
        if (!kept) nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
    }
    cr_assert(kept, "after the sweep the newest results are kept again");
}

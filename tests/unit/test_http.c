/* test_http.c — the parts of http/http.h that work without a live connection, on a hand-built req_t: path
 * parameters (req_param), response headers (reply_header and its cap), reply_json / reply_status, RFC 9457
 * problems (reply_problem: both languages, the field, the instance, the fallback when an argument is not UTF-8),
 * the errno mapping (reply_errno) and JSON body validation (req_fields: unknown, missing, wrong type, length in
 * characters, range, NUL in strings). Functions that read headers, cookies or the query string need libmicrohttpd's
 * connection and are covered by the API suite (tests/api). */
#include <criterion/criterion.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/msg.h"
#include "http/http.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static req_t R;
static json_t *held;       /* the body validated last: req_fields hands out pointers into it */

static void req_setup(void)
{
    memset(&R, 0, sizeof R);
    R.method = "POST";
    R.path = "/api/v1/units";
    R.lang = LANG_VI;
    buf_init(&R.body, 0);
    buf_init(&R.out, 0);
    R.file_fd = -1;
}

static void req_teardown(void)
{
    for (int i = 0; i < R.nheaders; i++) {
        free(R.hdr_name[i]);
        free(R.hdr_value[i]);
    }
    buf_free(&R.body);
    buf_free(&R.out);
    json_decref(held);
    held = NULL;
}

TestSuite(http_reply, .init = req_setup, .fini = req_teardown);

/* The response body parsed as JSON (the caller decrefs). */
static json_t *body_json(void)
{
    cr_assert_not_null(R.out.data, "no body");
    json_error_t e;
    json_t *j = json_loadb(R.out.data, R.out.len, 0, &e);
    cr_assert_not_null(j, "body is not JSON (%s): %s", e.text, R.out.data);
    return j;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

Test(http_reply, req_param_bounds)
{
    R.nparams = 2;
    memcpy(R.params[0], "abc", 4);
    memcpy(R.params[1], "xyz", 4);
    memcpy(R.params[2], "stale", 6);
    cr_assert_str_eq(req_param(&R, 0), "abc");
    cr_assert_str_eq(req_param(&R, 1), "xyz");
    cr_assert_str_eq(req_param(&R, 2), "", "beyond nparams");
    cr_assert_str_eq(req_param(&R, -1), "");
    cr_assert_str_eq(req_param(&R, HTTP_MAX_PARAMS), "");
}

Test(http_reply, headers_are_copied_and_capped)
{
    char name[16] = "X-Test", value[16] = "one";
    reply_header(&R, name, value);
    name[0] = 'Y';
    value[0] = 'Z';
    cr_assert_eq(R.nheaders, 1);
    cr_assert_str_eq(R.hdr_name[0], "X-Test", "the name is copied, not referenced");
    cr_assert_str_eq(R.hdr_value[0], "one");
    for (int i = 1; i < HTTP_MAX_HEADERS + 3; i++) reply_header(&R, "X-More", "v");
    cr_assert_eq(R.nheaders, HTTP_MAX_HEADERS, "extra headers are dropped, not overflowed");
}

Test(http_reply, json_takes_the_body)
{
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "{\"ok\":true}");
    cr_assert_eq(reply_json(&R, 201, &b), 0);
    cr_assert(R.replied);
    cr_assert_eq(R.status, 201);
    cr_assert_str_eq(R.out.data, "{\"ok\":true}");
    cr_assert_str_eq(R.content_type, "application/json; charset=utf-8");
    cr_assert_null(b.data, "the caller's buffer was handed over");
    cr_assert_eq(b.len, 0);
    buf_free(&b);
}

Test(http_reply, status_has_an_empty_body)
{
    buf_puts(&R.out, "leftover");
    cr_assert_eq(reply_status(&R, 204), 0);
    cr_assert(R.replied);
    cr_assert_eq(R.status, 204);
    cr_assert_eq(R.out.len, 0);
    cr_assert_null(R.content_type);
}

Test(http_reply, problem_in_both_languages)
{
    cr_assert_eq(reply_problem(&R, 400, "field-length", MSG_FIELD_LENGTH, "name", "name", "2", "200"), 0);
    cr_assert(R.replied);
    cr_assert_eq(R.status, 400);
    cr_assert_str_eq(R.content_type, "application/problem+json; charset=utf-8");
    json_t *j = body_json();
    cr_assert_str_eq(jstr(j, "type"), "urn:motcua:problem:field-length");
    cr_assert_str_eq(jstr(j, "title"), "Bad Request");
    cr_assert_eq(json_integer_value(json_object_get(j, "status")), 400);
    cr_assert_str_eq(jstr(j, "detail"), "Trường \"name\" phải dài từ 2 đến 200 ký tự.", "Vietnamese by default");
    cr_assert_str_eq(jstr(j, "code"), "MSG_FIELD_LENGTH");
    cr_assert_str_eq(jstr(j, "instance"), "/api/v1/units");
    cr_assert_str_eq(jstr(j, "field"), "name");
    json_t *m = json_object_get(j, "messages");
    cr_assert_str_eq(jstr(m, "vi"), "Trường \"name\" phải dài từ 2 đến 200 ký tự.");
    cr_assert_str_eq(jstr(m, "en"), "Field \"name\" must be 2 to 200 characters long.");
    json_decref(j);
}

Test(http_reply, problem_in_english_without_field)
{
    R.lang = LANG_EN;
    cr_assert_eq(reply_problem(&R, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL), 0);
    json_t *j = body_json();
    cr_assert_str_eq(jstr(j, "detail"), "The requested resource was not found.");
    cr_assert_str_eq(jstr(j, "title"), "Not Found");
    cr_assert_null(json_object_get(j, "field"));
    json_decref(j);
}

Test(http_reply, problem_escapes_user_text)
{
    cr_assert_eq(reply_problem(&R, 400, "unknown-field", MSG_UNKNOWN_FIELD, "<b>", "<script>\"x\"</script>", NULL,
                               NULL), 0);
    cr_assert_null(strchr(R.out.data, '<'), "raw < in %s", R.out.data);
    json_t *j = body_json();
    cr_assert_str_eq(jstr(j, "field"), "<b>");
    cr_assert_not_null(strstr(jstr(json_object_get(j, "messages"), "en"), "<script>\"x\"</script>"));
    json_decref(j);
}

Test(http_reply, problem_with_invalid_utf8_argument_falls_back)
{
    cr_assert_eq(reply_problem(&R, 400, "unknown-field", MSG_UNKNOWN_FIELD, NULL, "bad\xFF", NULL, NULL), 0);
    cr_assert_eq(R.status, 400);
    json_t *j = body_json();
    cr_assert_str_eq(jstr(j, "type"), "urn:motcua:problem:unknown-field");
    cr_assert_eq(json_integer_value(json_object_get(j, "status")), 400);
    cr_assert_null(strstr(R.out.data, "\xFF"), "the bad bytes are not echoed");
    json_decref(j);
    /* A field name or path that is not UTF-8 is left out instead of failing the whole problem. */
    req_teardown();
    req_setup();
    R.path = "/api/\xFF";
    cr_assert_eq(reply_problem(&R, 404, "not-found", MSG_NOT_FOUND, "f\xFF", NULL, NULL, NULL), 0);
    j = body_json();
    cr_assert_null(json_object_get(j, "instance"));
    cr_assert_null(json_object_get(j, "field"));
    cr_assert_not_null(json_object_get(j, "messages"));
    json_decref(j);
}

Test(http_reply, unknown_status_title)
{
    cr_assert_eq(reply_problem(&R, 418, "teapot", MSG_INTERNAL, NULL, NULL, NULL, NULL), 0);
    json_t *j = body_json();
    cr_assert_str_eq(jstr(j, "title"), "Error");
    json_decref(j);
}

Test(http_reply, errno_mapping)
{
    static const struct { int err, status; const char *type; bool retry_after; } map[] = {
        {-ENOENT, 404, "urn:motcua:problem:not-found", false},
        {-EACCES, 403, "urn:motcua:problem:forbidden", false},
        {-EPERM, 403, "urn:motcua:problem:forbidden", false},
        {-EEXIST, 409, "urn:motcua:problem:conflict", false},
        {-ESTALE, 412, "urn:motcua:problem:version-mismatch", false},
        {-EAGAIN, 503, "urn:motcua:problem:busy", true},
        {-EROFS, 503, "urn:motcua:problem:read-only", true},
        {-EIO, 503, "urn:motcua:problem:unavailable", true},
        {-ESHUTDOWN, 503, "urn:motcua:problem:unavailable", true},
        {-ECONNREFUSED, 503, "urn:motcua:problem:unavailable", true},
        {-EBADMSG, 500, "urn:motcua:problem:internal", false},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        req_teardown();
        req_setup();
        cr_assert_eq(reply_errno(&R, map[i].err), 0);
        cr_assert_eq(R.status, map[i].status, "errno %d", map[i].err);
        json_t *j = body_json();
        cr_assert_str_eq(jstr(j, "type"), map[i].type, "errno %d", map[i].err);
        json_decref(j);
        bool has = false;
        for (int h = 0; h < R.nheaders; h++)
            if (!strcmp(R.hdr_name[h], "Retry-After")) has = true;
        cr_assert_eq(has, map[i].retry_after, "Retry-After on errno %d", map[i].err);
    }
}

Test(http_reply, reset_forgets_the_first_run)
{
    reply_header(&R, "ETag", "\"1\"");
    reply_errno(&R, -ENOENT);
    reply_reset(&R);
    cr_assert_eq(R.nheaders, 0);
    cr_assert_eq(R.replied, false);
    cr_assert_eq(R.out.len, 0);
    reply_header(&R, "ETag", "\"2\"");
    reply_status(&R, 204);
    cr_assert_eq(R.nheaders, 1);
    cr_assert_str_eq(R.hdr_value[0], "\"2\"");
    cr_assert_eq(R.status, 204);
}

/* ---- log escaping (core/log.h), the rule every request value in a log line follows ---- */

Test(http_log, escape_controls_quotes_and_backslash)
{
    char out[LOG_ESC_CAP];
    cr_assert_str_eq(log_esc(out, sizeof out, "/a\n127.0.0.1 - admin \"GET /x\"\\\r\x1b\x7f"),
                     "/a\\x0a127.0.0.1 - admin \\x22GET /x\\x22\\x5c\\x0d\\x1b\\x7f");
    cr_assert_str_eq(log_esc(out, sizeof out, NULL), "-");
    cr_assert_str_eq(log_esc(out, sizeof out, "Vi\xe1\xbb\x87t"), "Vi\xe1\xbb\x87t");   /* UTF-8 kept */
}

Test(http_log, one_call_is_one_line)
{
    char path[] = "/tmp/motcua-ut-httplog-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    log_set_level(LOG_INFO);
    log_info("a\nb\rc %s", "x\n2026-01-01T00:00:00+07:00 info forged");
    dup2(saved, STDERR_FILENO);
    close(saved);
    char got[512] = "";
    ssize_t n = pread(fd, got, sizeof got - 1, 0);
    close(fd);
    unlink(path);
    cr_assert_gt(n, 0);
    got[n] = '\0';
    cr_assert_eq(strchr(got, '\n'), got + n - 1, "more than one line: %s", got);
    cr_assert(strstr(got, "a\\x0ab\\x0dc x\\x0a2026-01-01T00:00:00+07:00 info forged\n") != NULL, "%s", got);
}

Test(http_log, escape_is_bounded)
{
    char in[3 * LOG_ESC_MAX], out[LOG_ESC_CAP];
    memset(in, '\n', sizeof in - 1);
    in[sizeof in - 1] = '\0';
    log_esc(out, sizeof out, in);
    cr_assert_lt(strlen(out), sizeof out);
    cr_assert_null(strchr(out, '\n'));
    cr_assert(strstr(out, "...") != NULL);
    char small[8];
    log_esc(small, sizeof small, "\n\n\n\n");
    cr_assert_lt(strlen(small), sizeof small);
    cr_assert_null(strchr(small, '\n'));
}

/* ---- req_fields ---- */

struct fields {
    const char *name;
    long long   age;
    bool        active;
    json_t     *tags, *extra;
    bool        name_present, age_present;
};

static int validate(const char *body, struct fields *f)
{
    memset(f, 0, sizeof *f);
    f->age = -1;
    field_t spec[] = {
        {"name", FT_STRING, true, 2, 5, &f->name, &f->name_present},
        {"age", FT_INT, false, 0, 150, &f->age, &f->age_present},
        {"active", FT_BOOL, false, 0, 0, &f->active, NULL},
        {"tags", FT_ARRAY, false, 0, 2, &f->tags, NULL},
        {"extra", FT_OBJECT, false, 0, 0, &f->extra, NULL},
    };
    json_error_t e;
    json_t *obj = json_loads(body, JSON_ALLOW_NUL, &e);
    cr_assert_not_null(obj, "test body does not parse: %s", e.text);
    json_decref(held);
    held = obj;
    return req_fields(&R, obj, spec, sizeof spec / sizeof spec[0]);
}

/* After a refused body: the problem's slug and field. */
static void expect_problem(const char *slug, const char *field)
{
    cr_assert(R.replied, "no problem was sent");
    cr_assert_eq(R.status, 400);
    json_t *j = body_json();
    char type[96];
    snprintf(type, sizeof type, "urn:motcua:problem:%s", slug);
    cr_assert_str_eq(jstr(j, "type"), type);
    cr_assert_str_eq(jstr(j, "field"), field);
    json_decref(j);
}

TestSuite(http_fields, .init = req_setup, .fini = req_teardown);

Test(http_fields, accepts_and_fills_outputs)
{
    struct fields f;
    cr_assert_eq(validate("{\"name\":\"Đồng\",\"age\":150,\"active\":true,\"tags\":[1,2],\"extra\":{}}", &f), 0);
    cr_assert_not(R.replied);
    cr_assert_str_eq(f.name, "Đồng", "4 characters (6 bytes) is within 2..5");
    cr_assert(f.name_present);
    cr_assert_eq(f.age, 150);
    cr_assert(f.age_present);
    cr_assert(f.active);
    cr_assert_eq(json_array_size(f.tags), 2);
    cr_assert(json_is_object(f.extra));
}

Test(http_fields, optional_fields_may_be_absent)
{
    struct fields f;
    cr_assert_eq(validate("{\"name\":\"ab\"}", &f), 0);
    cr_assert_eq(f.age, -1, "untouched when absent");
    cr_assert_not(f.age_present);
    cr_assert_null(f.tags);
}

Test(http_fields, unknown_field)
{
    struct fields f;
    cr_assert_lt(validate("{\"name\":\"ab\",\"nme\":1}", &f), 0);
    expect_problem("unknown-field", "nme");
}

Test(http_fields, missing_required)
{
    struct fields f;
    cr_assert_lt(validate("{\"age\":3}", &f), 0);
    expect_problem("missing-field", "name");
}

Test(http_fields, wrong_types)
{
    static const char *bodies[][2] = {
        {"{\"name\":5}", "name"},
        {"{\"name\":null}", "name"},
        {"{\"name\":\"ab\",\"age\":\"3\"}", "age"},
        {"{\"name\":\"ab\",\"age\":3.0}", "age"},
        {"{\"name\":\"ab\",\"active\":1}", "active"},
        {"{\"name\":\"ab\",\"tags\":{}}", "tags"},
        {"{\"name\":\"ab\",\"extra\":[]}", "extra"},
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        req_teardown();
        req_setup();
        struct fields f;
        cr_assert_lt(validate(bodies[i][0], &f), 0, "%s accepted", bodies[i][0]);
        expect_problem("wrong-type", bodies[i][1]);
    }
}

Test(http_fields, string_length_in_characters)
{
    struct fields f;
    cr_assert_lt(validate("{\"name\":\"a\"}", &f), 0);
    expect_problem("field-length", "name");
    req_teardown();
    req_setup();
    cr_assert_lt(validate("{\"name\":\"Đồng N\"}", &f), 0, "6 characters > 5");
    expect_problem("field-length", "name");
    req_teardown();
    req_setup();
    cr_assert_eq(validate("{\"name\":\"Đồng.\"}", &f), 0, "5 characters, 8 bytes");
}

Test(http_fields, string_with_nul_is_refused)
{
    struct fields f;
    cr_assert_lt(validate("{\"name\":\"a\\u0000b\"}", &f), 0);
    expect_problem("invalid-field", "name");
}

Test(http_fields, integer_and_array_ranges)
{
    struct fields f;
    cr_assert_lt(validate("{\"name\":\"ab\",\"age\":151}", &f), 0);
    expect_problem("field-range", "age");
    req_teardown();
    req_setup();
    cr_assert_lt(validate("{\"name\":\"ab\",\"age\":-1}", &f), 0);
    expect_problem("field-range", "age");
    req_teardown();
    req_setup();
    cr_assert_lt(validate("{\"name\":\"ab\",\"tags\":[1,2,3]}", &f), 0);
    expect_problem("field-range", "tags");
    json_t *j = body_json();
    cr_assert_str_eq(jstr(json_object_get(j, "messages"), "en"), "Field \"tags\" must be between 0 and 2.");
    json_decref(j);
}

/* test_json.c — core/json.h, the streaming JSON writer: exact output bytes for every value kind and nesting,
 * commas, escaping (quotes, controls, < > &, U+2028/2029), UTF-8 validation, the buffer cap, depth and nesting
 * errors, sticky errors, json_escape() across its internal chunk boundary, and that output parses back (jansson)
 * to the same strings. */
#include <criterion/criterion.h>

#include "core/buf.h"
#include "core/json.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static buf_t B;
static jw_t W;

static void json_setup(void)
{
    buf_init(&B, 0);
    jw_init(&W, &B);
}

static void json_teardown(void)
{
    buf_free(&B);
}

/* The output so far ("" before anything was written). */
static const char *out(void) { return B.data ? B.data : ""; }

TestSuite(json, .init = json_setup, .fini = json_teardown);

Test(json, empty_containers)
{
    jw_obj_begin(&W);
    jw_obj_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "{}");
    buf_reset(&B);
    jw_init(&W, &B);
    jw_arr_begin(&W);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "[]");
}

Test(json, nested_values_and_commas)
{
    jw_obj_begin(&W);
    jw_kstr(&W, "a", "x");
    jw_kint(&W, "b", -12);
    jw_kbool(&W, "c", true);
    jw_kbool(&W, "d", false);
    jw_key(&W, "e");
    jw_null(&W);
    jw_key(&W, "f");
    jw_arr_begin(&W);
    jw_int(&W, 1);
    jw_obj_begin(&W);
    jw_obj_end(&W);
    jw_arr_begin(&W);
    jw_arr_end(&W);
    jw_str(&W, NULL);
    jw_arr_end(&W);
    jw_key(&W, "g");
    jw_obj_begin(&W);
    jw_kstr(&W, "h", "");
    jw_obj_end(&W);
    jw_obj_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "{\"a\":\"x\",\"b\":-12,\"c\":true,\"d\":false,\"e\":null,\"f\":[1,{},[],null],"
                            "\"g\":{\"h\":\"\"}}");
}

Test(json, top_level_array_of_scalars)
{
    jw_arr_begin(&W);
    jw_int(&W, LLONG_MIN);
    jw_int(&W, LLONG_MAX);
    jw_int(&W, 0);
    jw_double(&W, 0.5);
    jw_double(&W, -2.0);
    jw_double(&W, NAN);
    jw_double(&W, INFINITY);
    jw_double(&W, 0.1);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "[-9223372036854775808,9223372036854775807,0,0.5,-2,null,null,0.10000000000000001]");
    /* Non-finite numbers must never appear as NaN / inf, which JSON does not have. */
    json_t *j = json_loads(out(), 0, NULL);
    cr_assert_not_null(j);
    cr_assert_eq(json_real_value(json_array_get(j, 7)), 0.1, "0.1 must round-trip exactly");
    json_decref(j);
}

Test(json, strn_writes_exactly_n_bytes)
{
    jw_arr_begin(&W);
    jw_strn(&W, "abcdef", 3);
    jw_strn(&W, "", 0);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "[\"abc\",\"\"]");
}

Test(json, escapes)
{
    jw_arr_begin(&W);
    jw_str(&W, "q\"b\\s/");
    jw_str(&W, "\n\r\t\b\f\x01\x1f\x7f");
    jw_str(&W, "<script>&amp;</script>");
    jw_str(&W, "a\xE2\x80\xA8" "b\xE2\x80\xA9" "c");   /* U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR */
    jw_str(&W, "Việt Nam \xE2\x80\xA7");             /* U+2027 is left alone */
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "[\"q\\\"b\\\\s/\","
                            "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\x7f\","
                            "\"\\u003cscript\\u003e\\u0026amp;\\u003c/script\\u003e\","
                            "\"a\\u2028b\\u2029c\","
                            "\"Việt Nam \xE2\x80\xA7\"]");
}

Test(json, keys_are_escaped_too)
{
    jw_obj_begin(&W);
    jw_kstr(&W, "<k\"ey>", "v");
    jw_obj_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_str_eq(out(), "{\"\\u003ck\\\"ey\\u003e\":\"v\"}");
}

Test(json, raw_is_inserted_as_is_with_separators)
{
    jw_obj_begin(&W);
    jw_key(&W, "p");
    jw_raw(&W, "{\"x\":[1,2]}", 11);
    jw_key(&W, "q");
    jw_raw(&W, "[]", 2);
    jw_obj_end(&W);
    jw_arr_begin(&W);   /* a second top-level value is not valid JSON, but the writer still separates */
    jw_arr_end(&W);
    cr_assert_str_eq(out(), "{\"p\":{\"x\":[1,2]},\"q\":[]},[]");
}

Test(json, invalid_utf8_is_a_sticky_error)
{
    jw_obj_begin(&W);
    jw_kstr(&W, "ok", "fine");
    size_t len = B.len;
    jw_kstr(&W, "bad", "a\xC3(");
    cr_assert_eq(jw_finish(&W), -EILSEQ);
    size_t after = B.len;
    jw_kstr(&W, "later", "x");
    jw_kint(&W, "n", 5);
    jw_raw(&W, "1", 1);
    jw_obj_end(&W);
    cr_assert_eq(jw_finish(&W), -EILSEQ, "the first error must stick");
    cr_assert_eq(B.len, after, "nothing may be written after an error");
    cr_assert_geq(after, len);
    cr_assert_null(strstr(out(), "later"));
}

Test(json, invalid_utf8_key)
{
    jw_obj_begin(&W);
    jw_key(&W, "\xED\xA0\x80");
    jw_int(&W, 1);
    jw_obj_end(&W);
    cr_assert_eq(jw_finish(&W), -EILSEQ);
}

Test(json, embedded_nul_is_rejected)
{
    jw_arr_begin(&W);
    jw_strn(&W, "a\0b", 3);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), -EILSEQ);
}

Test(json, buffer_cap)
{
    buf_t small;
    buf_init(&small, 16);
    jw_t w;
    jw_init(&w, &small);
    jw_obj_begin(&w);
    jw_kstr(&w, "k", "0123456789abcdef");
    jw_obj_end(&w);
    cr_assert_eq(jw_finish(&w), -E2BIG);
    cr_assert_leq(small.len, 16);
    /* Exactly at the cap is fine: {"k":"01234567"} is 16 bytes. */
    buf_reset(&small);
    jw_init(&w, &small);
    jw_obj_begin(&w);
    jw_kstr(&w, "k", "0123456789");
    jw_obj_end(&w);
    cr_assert_eq(jw_finish(&w), -E2BIG);
    buf_reset(&small);
    jw_init(&w, &small);
    jw_obj_begin(&w);
    jw_kstr(&w, "k", "01234567");
    jw_obj_end(&w);
    cr_assert_eq(jw_finish(&w), 0);
    cr_assert_str_eq(small.data, "{\"k\":\"01234567\"}");
    buf_free(&small);
}

Test(json, depth_limit)
{
    for (int i = 0; i < JW_MAX_DEPTH; i++) jw_arr_begin(&W);
    for (int i = 0; i < JW_MAX_DEPTH; i++) jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0, "JW_MAX_DEPTH levels are allowed");
    cr_assert_eq(B.len, 2 * JW_MAX_DEPTH);
    buf_reset(&B);
    jw_init(&W, &B);
    for (int i = 0; i <= JW_MAX_DEPTH; i++) jw_obj_begin(&W);
    cr_assert_eq(jw_finish(&W), -EINVAL);
}

Test(json, unbalanced_nesting)
{
    jw_obj_begin(&W);
    cr_assert_eq(jw_finish(&W), -EINVAL, "unclosed object");
    buf_reset(&B);
    jw_init(&W, &B);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), -EINVAL, "close without open");
    buf_reset(&B);
    jw_init(&W, &B);
    jw_arr_begin(&W);
    jw_arr_end(&W);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), -EINVAL, "one close too many");
}

/* Closing an object with ] (or an array with }) writes "{]", which is not JSON; jw_finish must not return 0. */
Test(json, mismatched_close_is_an_error)
{
    jw_obj_begin(&W);
    jw_arr_end(&W);
    cr_assert_neq(jw_finish(&W), 0, "jw_finish accepted %s", out());
}

/* A key with no value before the object closes gives {"a":}, which is not JSON. */
Test(json, key_without_value_is_an_error)
{
    jw_obj_begin(&W);
    jw_key(&W, "a");
    jw_obj_end(&W);
    cr_assert_neq(jw_finish(&W), 0, "jw_finish accepted %s", out());
}

Test(json, deterministic_output)
{
    buf_t b2;
    buf_init(&b2, 0);
    jw_t w2;
    jw_init(&w2, &b2);
    jw_t *ws[2] = {&W, &w2};
    for (int k = 0; k < 2; k++) {
        jw_obj_begin(ws[k]);
        jw_kstr(ws[k], "name", "Xã Cư Jút");
        jw_kint(ws[k], "seq", 7);
        jw_key(ws[k], "d");
        jw_double(ws[k], 1.0 / 3.0);
        jw_obj_end(ws[k]);
    }
    cr_assert_eq(jw_finish(&W), 0);
    cr_assert_eq(jw_finish(&w2), 0);
    cr_assert_str_eq(B.data, b2.data);
    buf_free(&b2);
}

Test(json, escape_function_direct)
{
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(json_escape(&b, "", 0), 0);
    cr_assert_str_eq(b.data, "\"\"");
    buf_reset(&b);
    cr_assert_eq(json_escape(&b, "a<b", 3), 0);
    cr_assert_str_eq(b.data, "\"a\\u003cb\"");
    buf_reset(&b);
    cr_assert_eq(json_escape(&b, "\xC0\xAF", 2), -EILSEQ);
    cr_assert_eq(b.len, 0, "nothing written for invalid input");
    buf_free(&b);
    buf_init(&b, 8);
    cr_assert_eq(json_escape(&b, "0123456789", 10), -E2BIG);
    buf_free(&b);
}

/* Long strings go through json_escape's 512-byte staging buffer several times: escapes that straddle a flush must
 * come out whole, and the result must parse back to the input. */
Test(json, long_strings_round_trip)
{
    static const char *pieces[] = {"<", "a", "\"", "\xE2\x80\xA8", "đ", "\\", "\x01", "\xF0\x9F\x98\x80", "&", "\n"};
    buf_t in;
    buf_init(&in, 0);
    for (int i = 0; i < 3000; i++) buf_puts(&in, pieces[(i * 7 + i / 3) % 10]);
    for (int shift = 0; shift < 7; shift++) {
        buf_t b;
        buf_init(&b, 0);
        jw_t w;
        jw_init(&w, &b);
        jw_arr_begin(&w);
        jw_strn(&w, in.data + shift, in.len - (size_t)shift);
        jw_arr_end(&w);
        int rc = jw_finish(&w);
        if (shift == 0) cr_assert_eq(rc, 0);
        if (rc == 0) {
            cr_assert_null(strchr(b.data, '<'));
            cr_assert_null(strstr(b.data, "\xE2\x80\xA8"));
            json_error_t e;
            json_t *j = json_loads(b.data, 0, &e);
            cr_assert_not_null(j, "output does not parse (shift %d): %s", shift, e.text);
            const char *s = json_string_value(json_array_get(j, 0));
            cr_assert_eq(json_string_length(json_array_get(j, 0)), in.len - (size_t)shift);
            cr_assert_eq(memcmp(s, in.data + shift, in.len - (size_t)shift), 0, "round trip differs (shift %d)",
                         shift);
            json_decref(j);
        }
        buf_free(&b);
    }
    buf_free(&in);
}

Test(json, every_control_character_round_trips)
{
    char s[32];
    for (int c = 1; c < 32; c++) s[c - 1] = (char)c;
    s[31] = '\0';
    jw_arr_begin(&W);
    jw_str(&W, s);
    jw_arr_end(&W);
    cr_assert_eq(jw_finish(&W), 0);
    for (size_t i = 0; i < B.len; i++) cr_assert_geq((unsigned char)B.data[i], 0x20, "raw control byte in output");
    json_t *j = json_loads(out(), 0, NULL);
    cr_assert_not_null(j);
    cr_assert_str_eq(json_string_value(json_array_get(j, 0)), s);
    json_decref(j);
}

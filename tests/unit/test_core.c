/* test_core.c — the core/ modules other than the JSON writer: mem.h (allocation, str_copy), buf.h (capped buffers),
 * utf8.h (validation, length, Vietnamese folding), sha256.h (published test vectors), rand.h (tokens, base64url,
 * time-ordered ids), msg.h (catalog, placeholders, Accept-Language), clock.h (ISO 8601 in Vietnam time), log.h
 * (line format and levels), and the shared domain helpers of domain.h (derr_set, domain_like_pattern). */
#include <criterion/criterion.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/msg.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "core/utf8.h"
#include "domain/domain.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- mem ---- */

Test(core_mem, xmalloc_xcalloc_xrealloc)
{
    char *p = xmalloc(0);
    cr_assert_not_null(p);
    free(p);
    int *z = xcalloc(16, sizeof *z);
    for (int i = 0; i < 16; i++) cr_assert_eq(z[i], 0);
    for (int i = 0; i < 16; i++) z[i] = i * 3;
    z = xrealloc(z, 1024 * sizeof *z);
    for (int i = 0; i < 16; i++) cr_assert_eq(z[i], i * 3, "realloc lost element %d", i);
    free(z);
}

Test(core_mem, xstrdup_xstrndup)
{
    char *a = xstrdup("Lạng Sơn");
    cr_assert_str_eq(a, "Lạng Sơn");
    char *b = xstrndup("abcdef", 3);
    cr_assert_str_eq(b, "abc");
    char *c = xstrndup("ab\0cd", 5);   /* copies n bytes even past a NUL, and terminates */
    cr_assert_eq(memcmp(c, "ab\0cd", 6), 0);
    free(a);
    free(b);
    free(c);
}

Test(core_mem, str_copy_bounds)
{
    char d[6];
    cr_assert_eq(str_copy(d, sizeof d, "abcde"), 0);       /* exactly fits with the NUL */
    cr_assert_str_eq(d, "abcde");
    memset(d, 'x', sizeof d);
    cr_assert_eq(str_copy(d, sizeof d, "abcdef"), -E2BIG);  /* one too many: truncated, still terminated */
    cr_assert_str_eq(d, "abcde");
    cr_assert_eq(str_copy(d, sizeof d, ""), 0);
    cr_assert_str_eq(d, "");
    d[0] = 'q';
    cr_assert_eq(str_copy(d, 0, "a"), -E2BIG);
    cr_assert_eq(d[0], 'q', "cap 0 must not write");
    cr_assert_eq(str_copy(d, 1, "a"), -E2BIG);
    cr_assert_eq(d[0], '\0');
}

/* ---- buf ---- */

Test(core_buf, append_grows_and_terminates)
{
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(b.max, BUF_DEFAULT_MAX);
    cr_assert_eq(b.len, 0);
    for (int i = 0; i < 1000; i++) cr_assert_eq(buf_append(&b, "0123456789", 10), 0);
    cr_assert_eq(b.len, 10000);
    cr_assert_eq(b.data[b.len], '\0');
    cr_assert_eq(strlen(b.data), 10000);
    cr_assert_eq(memcmp(b.data + 9990, "0123456789", 10), 0);
    cr_assert_eq(buf_append(&b, NULL, 0), 0);
    cr_assert_eq(b.len, 10000);
    buf_free(&b);
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
}

Test(core_buf, cap_is_enforced_and_leaves_buffer_unchanged)
{
    buf_t b;
    buf_init(&b, 8);
    cr_assert_eq(buf_puts(&b, "12345678"), 0);
    cr_assert_eq(b.len, 8);
    cr_assert_eq(buf_putc(&b, '9'), -E2BIG);
    cr_assert_eq(buf_append(&b, "xx", 2), -E2BIG);
    cr_assert_eq(b.len, 8);
    cr_assert_str_eq(b.data, "12345678");
    cr_assert_leq(b.cap, 9, "capacity %zu beyond max + 1", b.cap);
    buf_reset(&b);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(b.data, "");
    cr_assert_eq(buf_putc(&b, 'a'), 0);
    cr_assert_str_eq(b.data, "a");
    /* A huge n must not overflow the size check. */
    cr_assert_eq(buf_append(&b, "z", SIZE_MAX), -E2BIG);
    cr_assert_str_eq(b.data, "a");
    buf_free(&b);
}

Test(core_buf, printf_short_long_and_capped)
{
    buf_t b;
    buf_init(&b, 600);
    cr_assert_eq(buf_printf(&b, "%s=%d;", "n", 42), 0);
    cr_assert_str_eq(b.data, "n=42;");
    /* Longer than the 256-byte fast path. */
    char big[400];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(buf_printf(&b, "[%s]", big), 0);
    cr_assert_eq(b.len, 5 + 401);
    cr_assert_eq(b.data[5], '[');
    cr_assert_eq(b.data[b.len - 1], ']');
    cr_assert_eq(b.data[b.len], '\0');
    size_t before = b.len;
    cr_assert_eq(buf_printf(&b, "%s", big), -E2BIG);   /* 406 + 399 > 600 */
    cr_assert_eq(b.len, before);
    cr_assert_eq(b.data[b.len], '\0');
    buf_free(&b);
}

static int call_vprintf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

Test(core_buf, vprintf_and_steal)
{
    buf_t b;
    buf_init(&b, 100);
    cr_assert_eq(call_vprintf(&b, "%05d|%s", 7, "đ"), 0);
    cr_assert_str_eq(b.data, "00007|đ");
    char *s = buf_steal(&b);
    cr_assert_str_eq(s, "00007|đ");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.max, 100, "steal must keep the cap");
    free(s);
    char *e = buf_steal(&b);   /* nothing written: an empty string, not NULL */
    cr_assert_not_null(e);
    cr_assert_str_eq(e, "");
    free(e);
}

/* ---- utf8 ---- */

Test(core_utf8, valid_text)
{
    static const char *ok[] = {"", "abc", "Đồng Nai", "Mỹ Hòa Hưng", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",
                               "\xEF\xBF\xBF", "\xED\x9F\xBF", "\xEE\x80\x80", "\xC2\x80", "\x7F"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        cr_assert(utf8_valid(ok[i], strlen(ok[i])), "valid case %zu rejected", i);
}

Test(core_utf8, invalid_text)
{
    static const struct { const char *s; size_t n; } bad[] = {
        {"\xC0\x80", 2},             /* overlong NUL */
        {"\xC1\xBF", 2},             /* overlong */
        {"\xE0\x80\x80", 3},         /* overlong 3-byte */
        {"\xE0\x9F\xBF", 3},         /* overlong U+07FF */
        {"\xF0\x8F\xBF\xBF", 4},     /* overlong 4-byte */
        {"\xED\xA0\x80", 3},         /* surrogate U+D800 */
        {"\xED\xBF\xBF", 3},         /* surrogate U+DFFF */
        {"\xF4\x90\x80\x80", 4},     /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 4},
        {"\xFF", 1},
        {"\x80", 1},                 /* stray continuation */
        {"a\xC3", 2},                /* truncated */
        {"\xE1\xBB", 2},             /* truncated 3-byte */
        {"\xC3\x28", 2},             /* bad continuation */
        {"ab\0cd", 5},               /* NUL inside */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_not(utf8_valid(bad[i].s, bad[i].n), "invalid case %zu accepted", i);
    /* Validation stops at n: the bad byte after n is not looked at. */
    cr_assert(utf8_valid("ab\xFF", 2));
}

Test(core_utf8, length_counts_code_points)
{
    cr_assert_eq(utf8_length("", 0), 0);
    cr_assert_eq(utf8_length("abc", 3), 3);
    const char *s = "Đồng Nai";
    cr_assert_eq(strlen(s), 11);   /* Đ 2 bytes, ồ 3 bytes */
    cr_assert_eq(utf8_length(s, strlen(s)), 8);
    cr_assert_eq(utf8_length("\xF0\x9F\x98\x80x", 5), 2);
}

static void assert_fold(const char *in, const char *want)
{
    char *f = utf8_fold(in, strlen(in));
    cr_assert_not_null(f, "fold(%s) returned NULL", in);
    cr_assert_str_eq(f, want, "fold(%s)", in);
    free(f);
}

Test(core_utf8, fold_vietnamese)
{
    assert_fold("Đồng Nai", "dong nai");
    assert_fold("CƯ JÚT", "cu jut");
    assert_fold("Lạng Sơn", "lang son");
    assert_fold("Mỹ Hòa Hưng", "my hoa hung");
    assert_fold("ĐẮK NÔNG đường", "dak nong duong");
    assert_fold("Tỉnh Lâm Đồng", "tinh lam dong");
    assert_fold("", "");
    assert_fold("abc-123", "abc-123");
    /* Decomposed input (o + circumflex + grave) folds like the precomposed form. */
    assert_fold("D\xC6\xB0o\xCC\x82\xCC\x80ng", "duong");
}

Test(core_utf8, fold_rejects_invalid_utf8)
{
    cr_assert_null(utf8_fold("a\xFF", 2));
    cr_assert_null(utf8_fold("\xED\xA0\x80", 3));
}

/* ---- sha256 ---- */

Test(core_sha256, published_vectors)
{
    char hex[SHA256_HEX_LEN + 1];
    sha256_hex("", 0, hex);
    cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    sha256_hex(two, strlen(two), hex);
    cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(core_sha256, streaming_equals_one_shot)
{
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    unsigned char a[SHA256_LEN], b[SHA256_LEN];
    sha256(two, strlen(two), a);
    sha256_ctx_t *c = sha256_new();
    sha256_update(c, two, 5);
    sha256_update(c, "", 0);
    sha256_update(c, two + 5, strlen(two) - 5);
    sha256_final(c, b);
    cr_assert_eq(memcmp(a, b, SHA256_LEN), 0);
    /* A million 'a' (FIPS 180-2 vector), fed in uneven pieces. */
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    c = sha256_new();
    size_t left = 1000000;
    for (size_t k = 1; left; k = k % 997 + 1) {
        size_t n = k < left ? k : left;
        sha256_update(c, chunk, n);
        left -= n;
    }
    sha256_final(c, b);
    char hex[SHA256_HEX_LEN + 1];
    hex_encode(b, SHA256_LEN, hex);
    cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(core_sha256, hex_encode)
{
    const unsigned char in[] = {0x00, 0xff, 0x0a, 0xb5};
    char hex[9];
    hex_encode(in, 4, hex);
    cr_assert_str_eq(hex, "00ff0ab5");
    hex_encode(in, 0, hex);
    cr_assert_str_eq(hex, "");
}

/* ---- rand ---- */

Test(core_rand, base64url_rfc4648_vectors)
{
    static const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *out[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    char b[16];
    for (size_t i = 0; i < 7; i++) {
        base64url_encode((const unsigned char *)in[i], strlen(in[i]), b);
        cr_assert_str_eq(b, out[i], "base64url(%s)", in[i]);
    }
    const unsigned char url[] = {0xfb, 0xff};   /* the two url-safe characters, no padding */
    base64url_encode(url, 2, b);
    cr_assert_str_eq(b, "-_8");
}

Test(core_rand, rand_bytes_fills)
{
    unsigned char a[64] = {0}, b[64] = {0};
    rand_bytes(a, sizeof a);
    rand_bytes(b, sizeof b);
    cr_assert_neq(memcmp(a, b, sizeof a), 0);
    int nonzero = 0;
    for (size_t i = 0; i < sizeof a; i++) nonzero += a[i] != 0;
    cr_assert_gt(nonzero, 40, "64 random bytes with only %d non-zero", nonzero);
}

Test(core_rand, token_shape_and_uniqueness)
{
    char a[RAND_TOKEN_LEN + 1], b[RAND_TOKEN_LEN + 1];
    rand_token(a);
    rand_token(b);
    cr_assert_eq(strlen(a), 43);
    cr_assert_str_neq(a, b);
    for (size_t i = 0; i < 43; i++)
        cr_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]) && a[i],
                  "token character %c is not base64url", a[i]);
}

static long long id_time(const char *id)
{
    static const char cf[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    long long ms = 0;
    for (int i = 0; i < 10; i++) ms = ms * 32 + (strchr(cf, id[i]) - cf);
    return ms;
}

Test(core_rand, id_new_is_valid_and_time_ordered)
{
    char a[ID_LEN + 1], b[ID_LEN + 1];
    long long before = clock_now_ms();
    id_new(a);
    usleep(3000);
    id_new(b);
    long long after = clock_now_ms();
    cr_assert_eq(strlen(a), 26);
    cr_assert(id_valid(a), "%s", a);
    cr_assert(id_valid(b), "%s", b);
    cr_assert_lt(strcmp(a, b), 0, "ids not time-ordered: %s then %s", a, b);
    cr_assert_geq(id_time(a), before);
    cr_assert_leq(id_time(b), after);
    cr_assert_lt(id_time(a), id_time(b));
    /* The random part differs between ids minted in the same millisecond. */
    char c[ID_LEN + 1], d[ID_LEN + 1];
    id_new(c);
    id_new(d);
    cr_assert_neq(memcmp(c + 10, d + 10, 16), 0);
}

Test(core_rand, id_valid_rejects_bad_shapes)
{
    cr_assert(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    cr_assert_not(id_valid(NULL));
    cr_assert_not(id_valid(""));
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FA"));     /* 25 */
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAVX"));   /* 27 */
    cr_assert_not(id_valid("01arz3ndektsv4rrffq69g5fav"));    /* lowercase */
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAI"));    /* I is not Crockford */
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAL"));
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAO"));
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAU"));
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5FA/"));
    cr_assert_not(id_valid("01ARZ3NDEKTSV4RRFFQ69G5F'V"));
}

/* ---- msg ---- */

Test(core_msg, text_and_name)
{
    cr_assert_str_eq(msg_text(MSG_NOT_FOUND, LANG_VI), "Không tìm thấy tài nguyên được yêu cầu.");
    cr_assert_str_eq(msg_text(MSG_NOT_FOUND, LANG_EN), "The requested resource was not found.");
    cr_assert_str_eq(msg_name(MSG_NOT_FOUND), "MSG_NOT_FOUND");
    cr_assert_str_eq(msg_name(MSG_LAST_ADMIN), "MSG_LAST_ADMIN");
    cr_assert_str_eq(msg_text((msg_id_t)MSG_COUNT, LANG_EN), msg_text(MSG_INTERNAL, LANG_EN));
    cr_assert_str_eq(msg_name((msg_id_t)9999), "MSG_INTERNAL");
}

/* Every message exists in both languages, is valid UTF-8, and uses the same placeholders in both. */
Test(core_msg, catalog_is_complete_and_consistent)
{
    for (int id = 0; id < MSG_COUNT; id++) {
        const char *vi = msg_text((msg_id_t)id, LANG_VI), *en = msg_text((msg_id_t)id, LANG_EN);
        cr_assert(vi && *vi && en && *en, "%s is empty", msg_name((msg_id_t)id));
        cr_assert_str_neq(vi, en, "%s: vi and en identical", msg_name((msg_id_t)id));
        cr_assert(utf8_valid(vi, strlen(vi)) && utf8_valid(en, strlen(en)));
        cr_assert_eq(strncmp(msg_name((msg_id_t)id), "MSG_", 4), 0);
        for (char k = '0'; k <= '9'; k++) {
            char ph[4] = {'{', k, '}', '\0'};
            cr_assert_eq(strstr(vi, ph) != NULL, strstr(en, ph) != NULL, "%s: placeholder %s in one language only",
                         msg_name((msg_id_t)id), ph);
        }
    }
}

Test(core_msg, format_fills_placeholders)
{
    buf_t b;
    buf_init(&b, 0);
    const char *args[] = {"name", "2", "200"};
    cr_assert_eq(msg_format(&b, MSG_FIELD_LENGTH, LANG_EN, args, 3), 0);
    cr_assert_str_eq(b.data, "Field \"name\" must be 2 to 200 characters long.");
    buf_reset(&b);
    cr_assert_eq(msg_format(&b, MSG_FIELD_LENGTH, LANG_VI, args, 3), 0);
    cr_assert_str_eq(b.data, "Trường \"name\" phải dài từ 2 đến 200 ký tự.");
    buf_reset(&b);
    /* Missing and NULL arguments become empty. */
    const char *few[] = {NULL};
    cr_assert_eq(msg_format(&b, MSG_FIELD_LENGTH, LANG_EN, few, 1), 0);
    cr_assert_str_eq(b.data, "Field \"\" must be  to  characters long.");
    buf_reset(&b);
    /* No placeholders at all. */
    cr_assert_eq(msg_format(&b, MSG_OK, LANG_EN, NULL, 0), 0);
    cr_assert_str_eq(b.data, "Success.");
    buf_free(&b);
}

Test(core_msg, format_does_not_expand_user_data)
{
    buf_t b;
    buf_init(&b, 0);
    const char *args[] = {"{1}%s%n{", "X"};
    cr_assert_eq(msg_format(&b, MSG_WRONG_TYPE, LANG_EN, args, 2), 0);
    cr_assert_str_eq(b.data, "Field \"{1}%s%n{\" must be of type X.");
    buf_free(&b);
}

Test(core_msg, format_respects_cap)
{
    buf_t b;
    buf_init(&b, 10);
    const char *args[] = {"POST"};
    cr_assert_eq(msg_format(&b, MSG_METHOD_NOT_ALLOWED, LANG_EN, args, 1), -E2BIG);
    cr_assert_leq(b.len, 10);
    buf_free(&b);
}

Test(core_msg, lang_from_header)
{
    cr_assert_eq(msg_lang_from_header(NULL), LANG_VI);
    cr_assert_eq(msg_lang_from_header(""), LANG_VI);
    cr_assert_eq(msg_lang_from_header("en"), LANG_EN);
    cr_assert_eq(msg_lang_from_header("vi"), LANG_VI);
    cr_assert_eq(msg_lang_from_header("EN-us"), LANG_EN);
    cr_assert_eq(msg_lang_from_header("fr-FR, de"), LANG_VI);
    cr_assert_eq(msg_lang_from_header("en-US,en;q=0.9,vi;q=0.8"), LANG_EN);
    cr_assert_eq(msg_lang_from_header("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"), LANG_VI);
    cr_assert_eq(msg_lang_from_header("vi;q=0.5, en;q=0.8"), LANG_EN);
    cr_assert_eq(msg_lang_from_header("en;q=0.3, vi"), LANG_VI);
    cr_assert_eq(msg_lang_from_header("fr, en;q=0.5"), LANG_EN);
    cr_assert_eq(msg_lang_from_header("eng, vie"), LANG_VI, "eng is not an en tag");
    cr_assert_eq(msg_lang_from_header("*"), LANG_VI);
    cr_assert_eq(msg_lang_from_header(";;,,;q="), LANG_VI);
}

/* msg.c documents "ties: first listed". */
Test(core_msg, lang_from_header_tie_goes_to_first_listed)
{
    cr_assert_eq(msg_lang_from_header("en, vi"), LANG_EN, "\"en, vi\" (equal q) should pick en, listed first");
    cr_assert_eq(msg_lang_from_header("vi, en"), LANG_VI);
}

/* RFC 9110 §12.4.2: q=0 means "not acceptable", so it can never win over a language not mentioned at all. */
Test(core_msg, lang_from_header_q0_is_not_acceptable)
{
    cr_assert_eq(msg_lang_from_header("en;q=0"), LANG_VI);
}

/* ---- clock ---- */

Test(core_clock, iso_vn_known_instants)
{
    char s[CLOCK_ISO_LEN];
    clock_iso_vn(0, s);
    cr_assert_str_eq(s, "1970-01-01T07:00:00+07:00");
    clock_iso_vn(1700000000000LL, s);
    cr_assert_str_eq(s, "2023-11-15T05:13:20+07:00");
    clock_iso_vn(1782838800000LL, s);   /* the two-tier government starts: 2026-07-01 00:00 in Vietnam */
    cr_assert_str_eq(s, "2026-07-01T00:00:00+07:00");
    clock_iso_vn(1782838799999LL, s);   /* milliseconds are truncated, not rounded */
    cr_assert_str_eq(s, "2026-06-30T23:59:59+07:00");
    clock_iso_vn(4102444799000LL, s);
    cr_assert_str_eq(s, "2100-01-01T06:59:59+07:00");
    cr_assert_eq(strlen(s), 25);
}

/* Before 1970-01-01T00:00 Vietnam time the seconds must still be floored: 0.5 s before local midnight is 23:59:59
 * of the previous day. */
Test(core_clock, iso_vn_before_local_epoch_floors)
{
    char s[CLOCK_ISO_LEN];
    clock_iso_vn(-VN_OFFSET_MS - 1000, s);
    cr_assert_str_eq(s, "1969-12-31T23:59:59+07:00");
    clock_iso_vn(-VN_OFFSET_MS - 500, s);
    cr_assert_str_eq(s, "1969-12-31T23:59:59+07:00");
}

/* clock_iso_vn computes the date by arithmetic: it must agree with gmtime_r on every day from 1600 to 2500 (leap
 * days, century years, 1970 and year ends included) at a time of day that moves from day to day. */
Test(core_clock, iso_vn_agrees_with_gmtime)
{
    char s[CLOCK_ISO_LEN], want[80];
    const long long day_ms = 86400000LL, from = -11676096000000LL, to = 16725225600000LL; /* 1600 .. 2500 */
    for (long long t = from, k = 0; t < to; t += day_ms, k++) {
        long long ms = t + (k * 3723457) % day_ms;                 /* a different second each day */
        time_t secs = (time_t)((ms + VN_OFFSET_MS) / 1000 - ((ms + VN_OFFSET_MS) % 1000 < 0));
        struct tm tm;
        cr_assert_not_null(gmtime_r(&secs, &tm));
        snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        clock_iso_vn(ms, s);
        cr_assert_str_eq(s, want, "at %lld ms", ms);
    }
    clock_iso_vn(951782400000LL - VN_OFFSET_MS, s);          /* 2000-02-29 00:00 in Vietnam: 2000 is a leap year */
    cr_assert_str_eq(s, "2000-02-29T00:00:00+07:00");
    clock_iso_vn(4107542400000LL - VN_OFFSET_MS, s);         /* 2100 is not: 28 February, then 1 March */
    cr_assert_str_eq(s, "2100-03-01T00:00:00+07:00");
}

Test(core_clock, now_and_monotonic)
{
    long long now = clock_now_ms(), t = (long long)time(NULL) * 1000;
    cr_assert_lt(llabs(now - t), 2000, "clock_now_ms %lld vs time() %lld", now, t);
    long long a = clock_mono_us();
    usleep(5000);
    long long b = clock_mono_us();
    cr_assert_geq(b - a, 5000);
    cr_assert_lt(b - a, 5000000);
}

/* clock.h: "A test hook can offset the wall clock (MOTCUA_CLOCK_OFFSET_MS) so expiry rules are testable without
 * sleeping." */
Test(core_clock, offset_hook_moves_the_wall_clock)
{
    setenv("MOTCUA_CLOCK_OFFSET_MS", "3600000", 1);
    long long now = clock_now_ms(), t = (long long)time(NULL) * 1000;
    cr_assert_lt(llabs(now - t - 3600000), 2000, "clock_now_ms %lld ignores MOTCUA_CLOCK_OFFSET_MS (time() %lld)",
                 now, t);
}

/* ---- log ---- */

/* Run fn with stderr redirected into a file; returns what was written (malloc'd). */
static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/motcua-ut-log-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    off_t n = lseek(fd, 0, SEEK_END);
    char *out = xmalloc((size_t)n + 1);
    cr_assert_eq(pread(fd, out, (size_t)n, 0), n);
    out[n] = '\0';
    close(fd);
    unlink(path);
    return out;
}

static void log_levels(void)
{
    log_set_level(LOG_WARN);
    log_info("hidden %d", 1);
    log_debug("hidden too");
    log_warn("shown %s %d", "warn", 2);
    log_error("shown error");
}

Test(core_log, levels_and_line_format)
{
    char *out = capture_stderr(log_levels);
    cr_assert_null(strstr(out, "hidden"), "%s", out);
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl, "%s", out);
    /* "2026-11-23T21:30:05+07:00 warn shown warn 2\n" */
    cr_assert_eq(nl - out, 25 + strlen(" warn shown warn 2"), "first line: %s", out);
    cr_assert_eq(strncmp(out + 19, "+07:00 warn shown warn 2\n", 25), 0, "%s", out);
    cr_assert_eq(out[4], '-');
    cr_assert_eq(out[10], 'T');
    cr_assert_str_eq(nl + 27, "error shown error\n", "%s", out);
    free(out);
}

static void log_quiet(void)
{
    log_set_quiet(1);
    log_warn("quiet warn");
    log_error("loud error");
    log_set_quiet(0);
    log_info("info again");
    log_debug("no debug");
}

Test(core_log, quiet_keeps_errors_only)
{
    char *out = capture_stderr(log_quiet);
    cr_assert_null(strstr(out, "quiet warn"), "%s", out);
    cr_assert_not_null(strstr(out, " error loud error\n"), "%s", out);
    cr_assert_not_null(strstr(out, " info info again\n"), "%s", out);
    cr_assert_null(strstr(out, "no debug"), "%s", out);
    free(out);
}

static void log_long(void)
{
    log_set_level(LOG_INFO);
    char big[5000];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_info("%s", big);
    log_info("after");
}

Test(core_log, long_lines_are_cut_and_still_end_with_newline)
{
    char *out = capture_stderr(log_long);
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    cr_assert_leq(nl - out + 1, 2048, "line of %td bytes", nl - out + 1);
    cr_assert_eq(nl[-1], 'y');
    cr_assert_not_null(strstr(nl + 1, " info after\n"), "%s", nl + 1);
    free(out);
}

/* ---- domain helpers ---- */

Test(core_domain, derr_set_fills_and_returns_rc)
{
    derr_t e;
    memset(&e, 0x55, sizeof e);
    int rc = derr_set(&e, -EINVAL, 400, MSG_FIELD_LENGTH, "name", "name", "2", NULL);
    cr_assert_eq(rc, -EINVAL);
    cr_assert_eq(e.status, 400);
    cr_assert_eq(e.msg, MSG_FIELD_LENGTH);
    cr_assert_str_eq(e.field, "name");
    cr_assert_str_eq(e.arg[0], "name");
    cr_assert_str_eq(e.arg[1], "2");
    cr_assert_str_eq(e.arg[2], "", "unset argument must be cleared");
    char longf[200];
    memset(longf, 'f', sizeof longf - 1);
    longf[sizeof longf - 1] = '\0';
    derr_set(&e, -EEXIST, 409, MSG_ALREADY_EXISTS, longf, longf, NULL, NULL);
    cr_assert_eq(strlen(e.field), sizeof e.field - 1);
    cr_assert_eq(strlen(e.arg[0]), sizeof e.arg[0] - 1);
    cr_assert_str_eq(e.arg[1], "");
    cr_assert_eq(derr_set(NULL, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL), -ENOENT);
}

Test(core_domain, like_pattern_folds_and_escapes)
{
    cr_assert_null(domain_like_pattern(NULL));
    cr_assert_null(domain_like_pattern(""));
    cr_assert_null(domain_like_pattern("\xFF"));
    char *p = domain_like_pattern("Đồng");
    cr_assert_str_eq(p, "%dong%");
    free(p);
    p = domain_like_pattern("50%_a\\B");
    cr_assert_str_eq(p, "%50\\%\\_a\\\\b%");
    free(p);
}

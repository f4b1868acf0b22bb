/* json.c — streaming JSON writer (see json.h). */
#include "core/json.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void jw_init(jw_t *w, buf_t *b)
{
    memset(w, 0, sizeof *w);
    w->b = b;
}

static void put(jw_t *w, const char *s, size_t n)
{
    if (w->err) return;
    int rc = buf_append(w->b, s, n);
    if (rc < 0) w->err = rc;
}

/* The separator a new value needs at the current position (',' or '\0' for none), the state moved past it. */
static char separator(jw_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return '\0';
    }
    char c = w->need_comma[w->depth] ? ',' : '\0';
    w->need_comma[w->depth] = true;
    return c;
}

/* Emit the separator a new value needs at the current position. */
static void value_prefix(jw_t *w)
{
    char c = separator(w);
    if (c) put(w, &c, 1);
}

static void open_(jw_t *w, char c)
{
    value_prefix(w);
    if (w->depth >= JW_MAX_DEPTH) {
        if (!w->err) w->err = -EINVAL;
        return;
    }
    put(w, &c, 1);
    w->depth++;
    w->need_comma[w->depth] = false;
    w->open_kind[w->depth] = c;
}

static void close_(jw_t *w, char c)
{
    /* Closing with nothing open, the wrong bracket, or right after a key with no value is a caller bug. */
    if (w->depth <= 0 || w->after_key || w->open_kind[w->depth] != (c == '}' ? '{' : '[')) {
        if (!w->err) w->err = -EINVAL;
        return;
    }
    w->depth--;
    put(w, &c, 1);
}

void jw_obj_begin(jw_t *w) { open_(w, '{'); }
void jw_obj_end(jw_t *w) { close_(w, '}'); }
void jw_arr_begin(jw_t *w) { open_(w, '['); }
void jw_arr_end(jw_t *w) { close_(w, ']'); }

/* Bytes written as they are: everything but quote, backslash, control bytes, <, > and & (HTML-safe), and 0xE2,
 * the lead byte of U+2028/2029 (checked where it occurs). */
static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' && c != 0xE2;
}

/* Add s[0..n) to the pending bytes tmp[0..*t), flushing them to b first when they would not fit (a long run then
 * goes to b directly). */
static int pend(buf_t *b, char *tmp, size_t cap, size_t *t, const char *s, size_t n)
{
    int rc = 0;
    if (*t + n > cap) {
        if ((rc = buf_append(b, tmp, *t)) < 0) return rc;
        *t = 0;
        if (n > cap) return buf_append(b, s, n);
    }
    memcpy(tmp + *t, s, n);
    *t += n;
    return 0;
}

/* The JSON string literal of s[0..n) with the byte pre before it and post after it ('\0': none; the writer's comma
 * and a key's colon), in as few appends as possible: one when it fits tmp (most strings do). Nothing is written for
 * invalid UTF-8. */
static int escape_with(buf_t *b, char pre, const char *s, size_t n, char post)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[512];
    size_t t = 0, i = 0;
    if (pre) tmp[t++] = pre;
    tmp[t++] = '"';
    /* ASCII that needs no escape (keys, codes, digits): valid UTF-8 as it is, so one scan and one copy. */
    while (i < n && (unsigned char)s[i] < 0x80 && json_plain((unsigned char)s[i])) i++;
    if (i == n && t + n + 2 <= sizeof tmp) {
        memcpy(tmp + t, s, n);
        t += n;
        tmp[t++] = '"';
        if (post) tmp[t++] = post;
        return buf_append(b, tmp, t);
    }
    if (!utf8_valid(s, n)) return -EILSEQ;
    /* Runs of plain bytes are copied whole: a byte at a time, then three appends per string, were a fifth of the
     * public lookup's instructions. */
    i = 0;
    int rc = 0;
    while (rc >= 0 && i < n) {
        size_t j = i;
        while (j < n && json_plain((unsigned char)s[j])) j++;
        if (j > i && (rc = pend(b, tmp, sizeof tmp, &t, s + i, j - i)) < 0) break;
        if (j == n) break;
        unsigned char c = (unsigned char)s[j];
        char esc[8];
        size_t el = 0;
        i = j + 1;
        if (c == '"' || c == '\\') { esc[0] = '\\'; esc[1] = (char)c; el = 2; }
        else if (c == '\n') { memcpy(esc, "\\n", 2); el = 2; }
        else if (c == '\r') { memcpy(esc, "\\r", 2); el = 2; }
        else if (c == '\t') { memcpy(esc, "\\t", 2); el = 2; }
        else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            el = 6;
        } else if (c == 0xE2 && j + 2 < n && (unsigned char)s[j + 1] == 0x80 &&
                   ((unsigned char)s[j + 2] == 0xA8 || (unsigned char)s[j + 2] == 0xA9)) {
            memcpy(esc, (unsigned char)s[j + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
            el = 6;
            i = j + 3;
        } else {
            esc[0] = (char)c;                          /* 0xE2 of another character */
            el = 1;
        }
        rc = pend(b, tmp, sizeof tmp, &t, esc, el);
    }
    char end[2] = {'"', post};
    if (rc >= 0) rc = pend(b, tmp, sizeof tmp, &t, end, post ? 2 : 1);
    if (rc >= 0) rc = buf_append(b, tmp, t);
    return rc;
}

int json_escape(buf_t *b, const char *s, size_t n) { return escape_with(b, '\0', s, n, '\0'); }

void jw_key(jw_t *w, const char *key)
{
    if (w->depth <= 0 || w->open_kind[w->depth] != '{' || w->after_key) {   /* keys only directly inside objects */
        if (!w->err) w->err = -EINVAL;
        return;
    }
    char sep = separator(w);
    if (w->err) return;
    int rc = escape_with(w->b, sep, key, strlen(key), ':');   /* comma, key and colon in one append */
    if (rc < 0) { w->err = rc; return; }
    w->after_key = true;
}

void jw_strn(jw_t *w, const char *s, size_t n)
{
    char sep = separator(w);
    if (w->err) return;
    int rc = escape_with(w->b, sep, s, n, '\0');
    if (rc < 0) w->err = rc;
}

void jw_str(jw_t *w, const char *s)
{
    if (!s) { jw_null(w); return; }
    jw_strn(w, s, strlen(s));
}

void jw_int(jw_t *w, long long v)
{
    /* Digits by hand: snprintf was 300 instructions per integer (the public lookup writes a dozen). */
    char tmp[24];
    size_t i = sizeof tmp;
    unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    value_prefix(w);
    put(w, tmp + i, sizeof tmp - i);
}

void jw_double(jw_t *w, double v)
{
    char tmp[40];
    int n;
    if (!isfinite(v)) n = snprintf(tmp, sizeof tmp, "null");
    else n = snprintf(tmp, sizeof tmp, "%.17g", v);
    value_prefix(w);
    put(w, tmp, (size_t)n);
}

void jw_bool(jw_t *w, bool v)
{
    value_prefix(w);
    put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(jw_t *w)
{
    value_prefix(w);
    put(w, "null", 4);
}

void jw_raw(jw_t *w, const char *json, size_t n)
{
    value_prefix(w);
    put(w, json, n);
}

int jw_finish(const jw_t *w)
{
    if (w->err) return w->err;
    return w->depth == 0 && !w->after_key ? 0 : -EINVAL;
}

void jw_kstr(jw_t *w, const char *key, const char *s) { jw_key(w, key); jw_str(w, s); }
void jw_kint(jw_t *w, const char *key, long long v) { jw_key(w, key); jw_int(w, v); }
void jw_kbool(jw_t *w, const char *key, bool v) { jw_key(w, key); jw_bool(w, v); }

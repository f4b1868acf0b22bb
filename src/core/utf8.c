/* utf8.c — UTF-8 validation (hand-written, hot path of every request body) and folding (utf8proc). */
#include "core/utf8.h"
#include "core/mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

bool utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c == 0) return false;
        if (c < 0x80) { i++; continue; }
        size_t len;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) return false;
        if (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) return false;
        i += len;
    }
    return true;
}

size_t utf8_length(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

char *utf8_fold(const char *s, size_t n)
{
    if (!utf8_valid(s, n)) return NULL;
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &out,
                                        UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD |
                                            UTF8PROC_COMPAT);
    if (len < 0) return NULL;
    /* đ (U+0111, C4 91) and its case-folded Đ have no decomposition: map to 'd' in place (2 bytes -> 1). */
    size_t w = 0;
    for (size_t r = 0; r < (size_t)len; r++) {
        if (out[r] == 0xC4 && r + 1 < (size_t)len && out[r + 1] == 0x91) {
            out[w++] = 'd';
            r++;
        } else {
            out[w++] = out[r];
        }
    }
    out[w] = '\0';
    char *res = xstrndup((const char *)out, w);
    free(out);
    return res;
}

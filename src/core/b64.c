/* b64.c — base64 (see b64.h). */
#include "core/b64.h"
#include "core/mem.h"

#include <errno.h>
#include <stdlib.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_encode(const unsigned char *p, size_t n, buf_t *out)
{
    char q[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n) v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        q[0] = b64[(v >> 18) & 63];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        int rc = buf_append(out, q, 4);
        if (rc) return rc;
    }
    return 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

int b64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    size_t sig = 0;   /* characters of the alphabet and padding */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c != '=' && b64_value(c) < 0) return -EINVAL;
        sig++;
    }
    if (sig % 4) return -EINVAL;
    if (sig / 4 * 3 > max + 2) return -E2BIG;
    unsigned char *d = sig ? xmalloc(sig / 4 * 3) : NULL;
    size_t len = 0, k = 0, pad = 0;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        if (c == '=') {
            pad++;
            v <<= 6;
        } else {
            if (pad) { free(d); return -EINVAL; }   /* data after padding */
            v = (v << 6) | (unsigned)b64_value(c);
        }
        if (++k == 4) {
            if (pad > 2 || (pad == 1 && (v & 0xff)) || (pad == 2 && (v & 0xffff))) { free(d); return -EINVAL; }
            d[len++] = (unsigned char)(v >> 16);
            if (pad < 2) d[len++] = (unsigned char)(v >> 8);
            if (pad < 1) d[len++] = (unsigned char)v;
            k = 0;
            v = 0;
            if (pad) { /* padding only in the last quantum */
                for (size_t j = i + 1; j < n; j++)
                    if (s[j] != ' ' && s[j] != '\t' && s[j] != '\r' && s[j] != '\n') { free(d); return -EINVAL; }
                break;
            }
        }
    }
    if (len > max) { free(d); return -E2BIG; }
    *out = d;
    *out_len = len;
    return 0;
}

/* rand.c — CSPRNG tokens and time-ordered ids (see rand.h). */
#include "core/rand.h"
#include "core/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void rand_bytes(void *p, size_t n)
{
    unsigned char *o = p;
    while (n > 0) {
        ssize_t r = getrandom(o, n, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            fprintf(stderr, "motcua: getrandom failed\n");
            abort();
        }
        o += r;
        n -= (size_t)r;
    }
}

void base64url_encode(const unsigned char *p, size_t n, char *out)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
        out[o++] = a[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)p[i] << 16;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        out[o++] = a[v >> 6 & 63];
    }
    out[o] = '\0';
}

void rand_token(char out[RAND_TOKEN_LEN + 1])
{
    unsigned char b[32];
    rand_bytes(b, sizeof b);
    base64url_encode(b, sizeof b, out);
}

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void id_new(char out[ID_LEN + 1])
{
    unsigned long long ms = (unsigned long long)clock_now_ms();
    unsigned char r[10];
    rand_bytes(r, sizeof r);
    /* 10 characters of time (50 bits, top 2 always zero for the next few millennia). */
    for (int i = 9; i >= 0; i--) {
        out[i] = crockford[ms & 31];
        ms >>= 5;
    }
    /* 16 characters of randomness: 80 bits, 5 per character. */
    unsigned long long hi = 0, lo = 0;
    for (int i = 0; i < 5; i++) hi = hi << 8 | r[i];
    for (int i = 5; i < 10; i++) lo = lo << 8 | r[i];
    for (int i = 17; i >= 10; i--) { out[i] = crockford[hi & 31]; hi >>= 5; }
    for (int i = 25; i >= 18; i--) { out[i] = crockford[lo & 31]; lo >>= 5; }
    out[ID_LEN] = '\0';
}

int id_valid(const char *s)
{
    if (!s || strlen(s) != ID_LEN) return 0;
    for (size_t i = 0; i < ID_LEN; i++)
        if (!strchr(crockford, s[i]) || s[i] == '\0') return 0;
    return 1;
}

/* buf.c — growable, capped byte buffers (see buf.h). */
#include "core/buf.h"
#include "core/mem.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

/* Make room for `n` more bytes plus the terminator. */
static int reserve(buf_t *b, size_t n)
{
    if (n > b->max || b->len > b->max - n) return -E2BIG;
    size_t need = b->len + n + 1;
    if (need <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap *= 2;
    if (cap > b->max + 1) cap = b->max + 1;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
    assert(b->len + n < b->cap && b->cap <= b->max + 1);   /* room for n bytes and the terminator, never past max */
    return 0;
}

int buf_append(buf_t *b, const void *p, size_t n)
{
    if (reserve(b, n) < 0) return -E2BIG;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    assert(b->len < b->cap);
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(buf_t *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_putc(buf_t *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, cp);
    va_end(cp);
    if (n < 0) return -EINVAL;
    if ((size_t)n < sizeof small) return buf_append(b, small, (size_t)n);
    if (reserve(b, (size_t)n) < 0) return -E2BIG;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *buf_steal(buf_t *b)
{
    char *p = b->data;
    if (!p) p = xstrdup("");
    size_t max = b->max;
    buf_init(b, max);
    return p;
}

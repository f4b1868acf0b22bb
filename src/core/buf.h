/* buf.h — growable byte buffers with a hard size cap.
 *
 * A buf_t grows on demand up to `max` bytes; an append that would pass the cap fails with -E2BIG and leaves the
 * buffer unchanged, so input read into a buffer is bounded by construction. data is always NUL-terminated (the
 * terminator is not counted in len), so a buffer of text can be handed to C string functions directly. */
#ifndef MOTCUA_BUF_H
#define MOTCUA_BUF_H
#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char  *data;
    size_t len;
    size_t cap;
    size_t max;
} buf_t;

#define BUF_DEFAULT_MAX ((size_t)64 << 20)

void buf_init(buf_t *b, size_t max);                 /* max 0 means BUF_DEFAULT_MAX */
void buf_free(buf_t *b);
void buf_reset(buf_t *b);                            /* len = 0, keeps the memory */
int  buf_append(buf_t *b, const void *p, size_t n);  /* 0 or -E2BIG */
int  buf_puts(buf_t *b, const char *s);
int  buf_putc(buf_t *b, char c);
int  buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  buf_vprintf(buf_t *b, const char *fmt, va_list ap);
char *buf_steal(buf_t *b);                           /* hands data to the caller (free()), re-inits b */
#endif

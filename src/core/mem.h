/* mem.h — allocation that never returns NULL.
 *
 * Out-of-memory is not a condition motcua tries to survive (DESIGN.md: "out-of-memory aborts"): every allocation
 * goes through these wrappers, which print one line and abort, so callers never carry NULL checks for memory. */
#ifndef MOTCUA_MEM_H
#define MOTCUA_MEM_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copy `src` into dst[0..cap) always NUL-terminated; returns -E2BIG (and copies a truncated prefix) when it does
 * not fit, 0 otherwise. The bounded replacement for strcpy. */
int str_copy(char *dst, size_t cap, const char *src);
#endif

/* domain.c — shared domain helpers (see domain.h). */
#include "domain/domain.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <stdlib.h>
#include <string.h>

int derr_set(derr_t *e, int rc, int status, msg_id_t msg, const char *field, const char *a0, const char *a1,
             const char *a2)
{
    if (!e) return rc;
    memset(e, 0, sizeof *e);
    e->status = status;
    e->msg = msg;
    if (field) str_copy(e->field, sizeof e->field, field);
    const char *a[3] = {a0, a1, a2};
    for (int i = 0; i < 3; i++)
        if (a[i]) str_copy(e->arg[i], sizeof e->arg[i], a[i]);
    return rc;
}

char *domain_like_pattern(const char *q)
{
    if (!q || !*q) return NULL;
    char *f = utf8_fold(q, strlen(q));
    if (!f) return NULL;
    buf_t b;
    buf_init(&b, 0);
    buf_putc(&b, '%');
    for (const char *p = f; *p; p++) {
        if (*p == '%' || *p == '_' || *p == '\\') buf_putc(&b, '\\');
        buf_putc(&b, *p);
    }
    buf_putc(&b, '%');
    free(f);
    return buf_steal(&b);
}

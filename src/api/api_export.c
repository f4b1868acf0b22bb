/* api_export.c — see api_export.h. */
#include "api/api_export.h"

#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT_NAME_MAX 160   /* bytes of a download's name */

void api_disposition(const char *disposition, const char *name, char *out, size_t cap)
{
    buf_t b;
    buf_init(&b, 4096);
    buf_printf(&b, "%s; filename=\"", disposition);
    size_t mark = b.len;
    for (const unsigned char *p = (const unsigned char *)name; *p;) {
        size_t len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        if (strnlen((const char *)p, len) < len) break;
        char c = '_';
        if (len == 1) {
            if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_') c = (char)*p;
        } else {
            char *f = utf8_fold((const char *)p, len);   /* "ồ" -> "o", "Đ" -> "d"; NULL if not UTF-8 */
            if (f && strlen(f) == 1 && isalnum((unsigned char)f[0])) c = f[0];
            free(f);
        }
        buf_putc(&b, c);
        p += len;
    }
    if (b.len == mark) buf_puts(&b, "download");
    buf_puts(&b, "\"; filename*=UTF-8''");
    static const char hexd[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (isalnum(*p) || *p == '.' || *p == '-' || *p == '_') buf_putc(&b, (char)*p);
        else {
            buf_putc(&b, '%');
            buf_putc(&b, hexd[*p >> 4]);
            buf_putc(&b, hexd[*p & 15]);
        }
    }
    str_copy(out, cap, b.data ? b.data : disposition);
    buf_free(&b);
}

int api_export_format(req_t *r, export_format_t def, export_format_t *f)
{
    const char *s = req_query(r, "format");
    if (!s) {
        *f = def;
        return 0;
    }
    if (export_format_parse(s, f) == 0) return 0;
    char shown[40];
    snprintf(shown, sizeof shown, "%.32s", s);
    if (!utf8_valid(shown, strlen(shown))) str_copy(shown, sizeof shown, "?");
    return reply_problem(r, 400, "invalid-parameter", MSG_EXPORT_FORMAT, "format", shown, EXPORT_FORMAT_NAMES,
                         NULL), -1;
}

int api_send_export(req_t *r, export_table_t *t, export_format_t f, const char *filename_base)
{
    if (f == EXPORT_PDF && export_rows(t) > EXPORT_PDF_ROWS_MAX) {
        char lim[16], got[24];
        snprintf(lim, sizeof lim, "%d", EXPORT_PDF_ROWS_MAX);
        snprintf(got, sizeof got, "%ld", export_rows(t));
        return reply_problem(r, 422, "export-too-big", MSG_EXPORT_PDF_ROWS, "format", lim, got, NULL);
    }
    buf_t out;
    buf_init(&out, 0);
    int rc = export_write_lang(t, f, r->lang, &out);
    if (rc < 0) {
        buf_free(&out);
        if (rc == -E2BIG) {
            char lim[64];
            snprintf(lim, sizeof lim, "%d rows, %d columns", EXPORT_ROWS_MAX, f == EXPORT_PDF ? 16 : EXPORT_COLS_MAX);
            return reply_problem(r, 422, "export-too-big", MSG_EXPORT_TOO_BIG, NULL, lim, NULL, NULL);
        }
        char epath[LOG_ESC_CAP];
        log_error("api: export %s of %s failed (%d)", export_extension(f), log_esc(epath, sizeof epath, r->path), rc);
        return reply_problem(r, 500, "internal", MSG_EXPORT_FAILED, NULL, rc == -EIO ? "EIO" : "EINVAL", NULL, NULL);
    }
    /* The name: the base cut at a character boundary, then ".<extension>". */
    char name[EXPORT_NAME_MAX + 8];
    const char *base = filename_base && *filename_base ? filename_base : "export";
    size_t n = strnlen(base, EXPORT_NAME_MAX);
    while (n && n < strlen(base) && ((unsigned char)base[n] & 0xC0) == 0x80) n--;
    snprintf(name, sizeof name, "%.*s.%s", (int)n, base, export_extension(f));
    if (!utf8_valid(name, strlen(name))) snprintf(name, sizeof name, "export.%s", export_extension(f));
    char cd[EXPORT_NAME_MAX * 4 + 128];
    api_disposition("attachment", name, cd, sizeof cd);
    reply_header(r, "Content-Disposition", cd);
    reply_header(r, "Cache-Control", "private, no-store");
    r->status = 200;
    r->replied = true;
    buf_free(&r->out);
    r->out = out;
    r->content_type = export_media_type(f);
    return 0;
}

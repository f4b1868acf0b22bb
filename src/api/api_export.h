/* api_export.h — answering a GET with a report table as a download (domain/export.h).
 *
 * The table is rendered in the request's language (Accept-Language: the PDF's page numbers and number format)
 * and sent as an attachment: Content-Disposition with an ASCII fallback name and the UTF-8 name (RFC 6266 /
 * RFC 8187), Cache-Control no-store (the files carry personal data); X-Content-Type-Options nosniff is on every
 * answer already (http/server.c). */
#ifndef MOTCUA_API_EXPORT_H
#define MOTCUA_API_EXPORT_H
#include "domain/export.h"
#include "http/http.h"

/* Render t as f and reply 200 with "<filename_base>.<extension>" as the attachment's name; a PDF of more than
 * EXPORT_PDF_ROWS_MAX rows is 422 MSG_EXPORT_PDF_ROWS (field "format"), another table over the export bounds 422
 * MSG_EXPORT_TOO_BIG, any other failure 500 (logged). Returns 0 (the reply is made); t stays the
 * caller's to free. */
int api_send_export(req_t *r, export_table_t *t, export_format_t f, const char *filename_base);

/* The format named by query parameter `format` into *f (def when absent). Returns 0, or -1 after replying 400
 * MSG_EXPORT_FORMAT. */
int api_export_format(req_t *r, export_format_t def, export_format_t *f);

/* `<disposition>; filename="<ASCII>"; filename*=UTF-8''<percent-encoded UTF-8>` for name into out: the ASCII
 * fallback keeps letters, digits, '.', '-' and '_', writes a Vietnamese letter without its marks (đ as d) and any
 * other character as '_', so no quote, semicolon or line break from a name reaches the header. */
void api_disposition(const char *disposition, const char *name, char *out, size_t cap);
#endif

/* export.h — report tables written out as CSV, XLSX or PDF downloads.
 *
 * A caller builds one export_table_t cell by cell (a title, an optional subtitle, one or more sections each with
 * its columns and rows), then export_write() renders the whole file into a buf_t:
 *   CSV   RFC 4180 (quotes only where needed), UTF-8 with a byte-order mark so Excel reads Vietnamese, CRLF;
 *         a text cell starting with = + - @ TAB or CR gets a leading apostrophe (no formula injection); numbers
 *         are plain, ratios "83.33%".
 *   XLSX  libxlsxwriter: one worksheet per section (a valid, unique sheet name), numbers as numbers, ratios as
 *         numbers with a percent format, bold header, widths from the content, header frozen and repeated on print.
 *   PDF   core/pdf.h: A4 landscape, title, subtitle, a heading per section, the header row repeated on every page,
 *         numeric columns right-aligned, long text wrapped, "Trang x/y" / "Page x of y".
 * The builder calls never fail: a misuse (a cell before any column, more cells than columns, a column after the
 * first row) or a bound passed (EXPORT_*_MAX) is remembered, no more cells are taken, and export_write() returns
 * it (-EINVAL or -E2BIG) without writing anything. Texts must be UTF-8 (else -EINVAL) and already in the reader's
 * language; the table copies every string it is given. */
#ifndef MOTCUA_EXPORT_H
#define MOTCUA_EXPORT_H
#include <stdbool.h>

#include "core/buf.h"
#include "core/msg.h"

#define EXPORT_SECTIONS_MAX 64        /* sections (worksheets) of one table */
#define EXPORT_COLS_MAX 64            /* columns of a section (PDF draws at most PDF_MAX_COLS, else -E2BIG) */
#define EXPORT_ROWS_MAX 50000         /* data rows of the whole table */
#define EXPORT_CELLS_MAX 1000000      /* cells of the whole table */
#define EXPORT_CELL_TEXT_MAX 32767    /* bytes of one text cell (Excel's limit is 32,767 characters) */
#define EXPORT_TEXT_MAX (32u << 20)   /* bytes of all the table's texts */
#define EXPORT_PDF_ROWS_MAX 5000      /* data rows of a PDF (~2.5 ms a row to lay out and draw; CSV/XLSX take more) */
#define EXPORT_PDF_CELL_CHARS 600     /* characters of a PDF cell; longer text ends in "…" so a row fits a page */

typedef enum { EXPORT_CSV, EXPORT_XLSX, EXPORT_PDF } export_format_t;
int export_format_parse(const char *s, export_format_t *out);      /* "csv" | "xlsx" | "pdf"; 0 or -EINVAL */
const char *export_media_type(export_format_t f);                  /* text/csv; charset=utf-8 | application/vnd.openxmlformats-officedocument.spreadsheetml.sheet | application/pdf */
const char *export_extension(export_format_t f);                   /* "csv" | "xlsx" | "pdf" */
#define EXPORT_FORMAT_NAMES "csv | xlsx | pdf"

typedef struct export_table export_table_t;
export_table_t *export_new(const char *title, const char *subtitle);      /* texts already in the chosen language; subtitle may be NULL */
void export_section(export_table_t *t, const char *title);                /* starts a new table: XLSX a new worksheet, CSV a blank line + title row, PDF a heading; optional before the first column */
void export_column(export_table_t *t, const char *header, bool numeric);  /* columns of the current section */
void export_text(export_table_t *t, const char *s);                       /* next cell of the current row (NULL = empty) */
void export_int(export_table_t *t, long long v);
void export_ratio(export_table_t *t, double v);                            /* 0..1 shown as a percentage; v < 0 or NaN = empty cell */
void export_end_row(export_table_t *t);                                    /* missing cells of the row are empty */
int  export_write(export_table_t *t, export_format_t f, buf_t *out);       /* the whole file into out; 0 or < 0 */
/* export_write() with the PDF's page numbers (and its number formatting: 1.234 / 83,33% in Vietnamese) in lang;
 * export_write() is export_write_lang(t, f, LANG_VI, out). Appends to out; on error out is as it was. Returns 0,
 * the builder's error, -E2BIG (out's cap; a PDF over EXPORT_PDF_ROWS_MAX rows, PDF_MAX_PAGES pages or
 * PDF_MAX_COLS columns), or -EIO (the XLSX temporary file). */
int  export_write_lang(export_table_t *t, export_format_t f, lang_t lang, buf_t *out);
void export_free(export_table_t *t);

/* Data rows taken so far (all sections); the builder's sticky error (0 when none). */
long export_rows(const export_table_t *t);
int  export_error(const export_table_t *t);

/* One CSV field of text (RFC 4180; the formula guard above) appended to out, without a separator. 0 or -E2BIG. */
int export_csv_field(buf_t *out, const char *s);

/* A valid, Excel-safe worksheet name from title into out (cap >= 128): no [ ] : * ? / \, no leading or trailing
 * apostrophe, at most 31 UTF-16 units, "Sheet<n>" when nothing is left; n is the 1-based sheet number. */
void export_sheet_name(const char *title, int n, char *out, size_t cap);
#endif

/* pdf.h — a small PDF document builder over cairo + pango: A4 pages, wrapped styled text, tables that break
 * across pages, dotted fill lines, vector QR codes and page numbers, written into a buf_t (never a file).
 *
 * A document is drawn by a callback that pdf_render() runs once, and a second time when the document has more than
 * one page and wants page numbers (the first run counted them, so every page can carry "Trang x/y"). The
 * callback must therefore be deterministic.
 * All lengths are PDF points (1/72 inch; PDF_MM(x) converts millimetres); y grows downwards from the top margin.
 * Text is UTF-8, shaped by HarfBuzz through pango, in an embedded (subset) TrueType font, so Vietnamese
 * renders and extracts correctly (reference/documents-facts.md).
 *
 * Threads: pdf_render() may run on several threads at once. Each call creates its own PangoContext from
 * pango_cairo_font_map_get_default(), which pango keeps per thread (pango >= 1.32), and its own cairo surface;
 * nothing is shared between calls but fontconfig's and cairo's internally locked caches, and libqrencode (built
 * with pthreads on Debian) is reentrant. */
#ifndef MOTCUA_PDF_H
#define MOTCUA_PDF_H
#include "core/buf.h"
#include "core/msg.h"

#define PDF_MM(x) ((x) * 72.0 / 25.4)
#define PDF_A4_W 595.2756    /* 210 mm */
#define PDF_A4_H 841.8898    /* 297 mm */
#define PDF_MAX_COLS 16
#define PDF_MAX_PAGES 2000   /* a document past this fails with -E2BIG */

typedef struct pdf pdf_t;

typedef enum { PDF_LEFT, PDF_CENTER, PDF_RIGHT, PDF_JUSTIFY } pdf_align_t;
enum { PDF_REGULAR = 0, PDF_BOLD = 1, PDF_ITALIC = 2, PDF_UNDERLINE = 4 };

typedef struct pdf_doc {
    const char *title;        /* PDF metadata; creator is always "motcua" */
    const char *subject;      /* may be NULL */
    const char *created;      /* ISO 8601 creation date for the metadata, or NULL (then cairo's "now") */
    int         landscape;
    double      margin_top, margin_right, margin_bottom, margin_left;  /* 0: Decree 30/2020 margins 20/15/20/30 mm */
    const char *font;         /* family; NULL: "DejaVu Serif" */
    double      size;         /* default text size in points; 0: 12 */
    int         page_numbers; /* draw "Trang x/y" at the foot of every page when there is more than one */
    lang_t      lang;         /* language of the page numbers; 0: LANG_VI */
} pdf_doc_t;

/* One run of a paragraph: text (UTF-8) in a style (PDF_BOLD | PDF_ITALIC | PDF_UNDERLINE). */
typedef struct pdf_run {
    const char *text;
    int         style;
} pdf_run_t;

typedef struct pdf_col {
    double      weight;       /* the column's share of the table width (the weights need not sum to 1) */
    pdf_align_t align;
} pdf_col_t;

/* The document callback: return 0 or a negative errno (which pdf_render then returns). */
typedef int (*pdf_draw_fn)(pdf_t *p, void *arg);

/* Lays out and renders the document into out (appended). Returns 0, -EINVAL (invalid UTF-8 or arguments),
 * -E2BIG (out's cap or PDF_MAX_PAGES passed, a table row taller than a page), -EIO (cairo failed), or the
 * callback's error. On error out is as it was before the call. */
int pdf_render(buf_t *out, const pdf_doc_t *doc, pdf_draw_fn draw, void *arg);

/* Geometry of the current page's content box. */
double pdf_width(const pdf_t *p);
double pdf_y(const pdf_t *p);        /* distance from the top margin */
double pdf_left(const pdf_t *p);     /* x of the left margin */
int    pdf_page(const pdf_t *p);     /* 1-based number of the current page */
int    pdf_pages(const pdf_t *p);    /* pages of the whole document when known (the numbered pass), else 0 */
double pdf_size(const pdf_t *p);     /* the default text size */

void pdf_space(pdf_t *p, double h);  /* move the cursor down h (no page break) */
void pdf_set_y(pdf_t *p, double y);
int  pdf_new_page(pdf_t *p);
int  pdf_ensure(pdf_t *p, double h); /* a new page unless h fits below the cursor */

/* A paragraph of runs over the full width at the cursor, wrapped, breaking pages between lines; the cursor moves
 * below it. size 0 means the default size. With dots, a dotted leader fills the rest of its last line (the
 * "........" of a form field). */
int pdf_para(pdf_t *p, const pdf_run_t *runs, int n, double size, pdf_align_t align, int dots);
int pdf_text(pdf_t *p, const char *text, int style, double size, pdf_align_t align);

/* A paragraph at (x, cursor + dy) in a box of width w, relative to the left margin, without moving the cursor
 * or breaking pages (headers, signature columns). *h gets its height and *line_w the width of its widest line
 * (either may be NULL). */
int pdf_text_at(pdf_t *p, double x, double dy, double w, const pdf_run_t *runs, int n, double size,
                pdf_align_t align, double *h, double *line_w);

/* A horizontal rule from x (relative to the left margin) of width w at cursor + dy. */
void pdf_rule(pdf_t *p, double x, double dy, double w, double thickness);

/* A QR code of text (byte mode, error correction M) as filled squares, side `side` points, its top-left at
 * (x, cursor + dy); the cursor does not move. -E2BIG when text is too long for a QR code, -EINVAL if empty. */
int pdf_qr(pdf_t *p, double x, double dy, double side, const char *text);

/* Tables: a grid over the full width; the header row is repeated at the top of every page the table continues
 * on. Cells are UTF-8 with '\n' for line breaks; header cells are bold and centred. A row never splits. */
int pdf_table_begin(pdf_t *p, const pdf_col_t *cols, int n, const char *const *header, double size);
int pdf_table_row(pdf_t *p, const char *const *cells, int style);
void pdf_table_end(pdf_t *p);

/* Frees this thread's pango font map (pango would free it at thread exit anyway); the CLI and the tests call it
 * so that leak checkers see pango's objects freed. fontconfig's process-wide caches stay: FcFini() at exit races
 * with pango's own fontconfig initialisation thread and can abort, so the tests suppress fontconfig's leaks
 * instead (tests/cli/lsan-fontconfig.supp). */
void pdf_release_thread(void);
#endif

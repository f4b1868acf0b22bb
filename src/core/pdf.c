/* pdf.c — the document builder of pdf.h over cairo's PDF surface and pango.
 *
 * A pass draws the whole document into a PDF surface whose stream writes into the caller's buf_t. When the
 * document turns out longer than one page and wants page numbers, the pass has counted the pages: the output is
 * cut back and a second pass draws them again with "Trang x/y" (a one-page form costs one pass). Both passes lay
 * text out with the same PangoContext settings (72 dpi, so one pango unit of size is one point; metric hinting
 * off), so page breaks fall in the same places. Errors are sticky: after the first failure every call returns it
 * and draws nothing. */
#include "core/pdf.h"

#include "core/msg.h"
#include "core/utf8.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <string.h>

#define PDF_CELL_PAD 3.0          /* points of padding inside a table cell */
#define PDF_GRID_W 0.5            /* table grid line width */
#define PDF_PARA_MAX (256u << 10) /* bytes of one paragraph: far above any form field */

struct pdf {
    const pdf_doc_t      *doc;
    cairo_surface_t      *surface;   /* NULL in the layout pass */
    cairo_t              *cr;        /* NULL in the layout pass */
    PangoContext         *ctx;
    PangoFontDescription *font;
    double                page_w, page_h, mt, mr, mb, ml, size;
    double                y;         /* from the top margin */
    int                   page, total;
    int                   err;
    /* the table being drawn */
    int                   tcols;
    double                tw[PDF_MAX_COLS];
    pdf_align_t           talign[PDF_MAX_COLS];
    const char           *thead[PDF_MAX_COLS];
    double                tsize;
    int                   in_table;
};

double pdf_width(const pdf_t *p) { return p->page_w - p->ml - p->mr; }
double pdf_y(const pdf_t *p) { return p->y; }
double pdf_left(const pdf_t *p) { return p->ml; }
int pdf_page(const pdf_t *p) { return p->page; }
int pdf_pages(const pdf_t *p) { return p->total; }
double pdf_size(const pdf_t *p) { return p->size; }
static double content_h(const pdf_t *p) { return p->page_h - p->mt - p->mb; }

void pdf_space(pdf_t *p, double h) { p->y += h; }
void pdf_set_y(pdf_t *p, double y) { p->y = y; }

static int fail(pdf_t *p, int rc)
{
    if (!p->err) p->err = rc;
    return p->err;
}

/* ---- layout ----------------------------------------------------------------------------------------------- */

/* A layout of the runs in a box of width w, or NULL with p->err set (invalid UTF-8, too long). */
static PangoLayout *make_layout(pdf_t *p, const pdf_run_t *runs, int n, double size, pdf_align_t align, double w)
{
    if (p->err) return NULL;
    if (n < 0 || w <= 0) { fail(p, -EINVAL); return NULL; }
    buf_t text;
    buf_init(&text, PDF_PARA_MAX);
    PangoAttrList *attrs = pango_attr_list_new();
    for (int i = 0; i < n; i++) {
        const char *s = runs[i].text ? runs[i].text : "";
        size_t len = strlen(s);
        if (!utf8_valid(s, len)) { fail(p, -EINVAL); break; }
        unsigned start = (unsigned)text.len;
        if (buf_append(&text, s, len) < 0) { fail(p, -E2BIG); break; }
        unsigned end = (unsigned)text.len;
        if (start == end) continue;
        PangoAttribute *a;
        if (runs[i].style & PDF_BOLD) {
            a = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
            a->start_index = start, a->end_index = end;
            pango_attr_list_insert(attrs, a);
        }
        if (runs[i].style & PDF_ITALIC) {
            a = pango_attr_style_new(PANGO_STYLE_ITALIC);
            a->start_index = start, a->end_index = end;
            pango_attr_list_insert(attrs, a);
        }
        if (runs[i].style & PDF_UNDERLINE) {
            a = pango_attr_underline_new(PANGO_UNDERLINE_SINGLE);
            a->start_index = start, a->end_index = end;
            pango_attr_list_insert(attrs, a);
        }
    }
    if (p->err) {
        pango_attr_list_unref(attrs);
        buf_free(&text);
        return NULL;
    }
    PangoLayout *l = pango_layout_new(p->ctx);
    PangoFontDescription *fd = pango_font_description_copy(p->font);
    pango_font_description_set_size(fd, (gint)((size > 0 ? size : p->size) * PANGO_SCALE));
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(l, (int)(w * PANGO_SCALE));
    pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(l, align == PDF_CENTER ? PANGO_ALIGN_CENTER
                                  : align == PDF_RIGHT ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
    pango_layout_set_justify(l, align == PDF_JUSTIFY);
    pango_layout_set_text(l, text.data, (int)text.len);
    pango_layout_set_attributes(l, attrs);
    pango_attr_list_unref(attrs);
    buf_free(&text);
    return l;
}

static void dotted(pdf_t *p, double x0, double x1, double y)
{
    if (!p->cr || x1 - x0 < 4) return;
    static const double dash[] = {0.0, 2.6};
    cairo_save(p->cr);
    cairo_set_line_width(p->cr, 0.9);
    cairo_set_line_cap(p->cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_dash(p->cr, dash, 2, 0);
    cairo_move_to(p->cr, x0, y);
    cairo_line_to(p->cr, x1, y);
    cairo_stroke(p->cr);
    cairo_restore(p->cr);
}

/* ---- pages ------------------------------------------------------------------------------------------------ */

static void draw_footer(pdf_t *p)
{
    if (!p->cr || !p->doc->page_numbers || p->total < 2) return;
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", p->page);
    snprintf(b, sizeof b, "%d", p->total);
    const char *args[2] = {a, b};
    buf_t t;
    buf_init(&t, 256);
    msg_format(&t, MSG_FORMS_PAGE, p->doc->lang == LANG_EN ? LANG_EN : LANG_VI, args, 2);
    pdf_run_t r = {t.data, PDF_REGULAR};
    PangoLayout *l = make_layout(p, &r, 1, p->size - 2, PDF_CENTER, pdf_width(p));
    buf_free(&t);
    if (!l) return;
    cairo_move_to(p->cr, p->ml, p->page_h - p->mb + PDF_MM(6));
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
}

static int draw_table_row(pdf_t *p, const char *const *cells, int style, int header);

int pdf_new_page(pdf_t *p)
{
    if (p->err) return p->err;
    draw_footer(p);
    if (p->cr) cairo_show_page(p->cr);
    if (++p->page > PDF_MAX_PAGES) return fail(p, -E2BIG);
    p->y = 0;
    if (p->in_table) return draw_table_row(p, p->thead, PDF_BOLD, 1);
    return p->err;
}

int pdf_ensure(pdf_t *p, double h)
{
    if (p->err) return p->err;
    if (p->y > 0 && p->y + h > content_h(p)) return pdf_new_page(p);
    return 0;
}

/* ---- text ------------------------------------------------------------------------------------------------- */

int pdf_para(pdf_t *p, const pdf_run_t *runs, int n, double size, pdf_align_t align, int dots)
{
    double w = pdf_width(p);
    PangoLayout *l = make_layout(p, runs, n, size, align, w);
    if (!l) return p->err;
    PangoLayoutIter *it = pango_layout_get_iter(l);
    double last_end = 0, last_base = 0;
    do {
        PangoLayoutLine *line = pango_layout_iter_get_line_readonly(it);
        PangoRectangle lr;
        pango_layout_iter_get_line_extents(it, NULL, &lr);
        double lh = (double)lr.height / PANGO_SCALE;
        double base = (double)(pango_layout_iter_get_baseline(it) - lr.y) / PANGO_SCALE;
        if (p->y > 0 && p->y + lh > content_h(p) && pdf_new_page(p) < 0) break;
        double x = p->ml + (double)lr.x / PANGO_SCALE;
        if (p->cr) {
            cairo_move_to(p->cr, x, p->mt + p->y + base);
            pango_cairo_show_layout_line(p->cr, line);
        }
        last_end = x + (double)lr.width / PANGO_SCALE;
        last_base = p->mt + p->y + base;
        p->y += lh;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    g_object_unref(l);
    if (!p->err && dots) dotted(p, last_end + 2, p->ml + w, last_base);
    return p->err;
}

int pdf_text(pdf_t *p, const char *text, int style, double size, pdf_align_t align)
{
    pdf_run_t r = {text, style};
    return pdf_para(p, &r, 1, size, align, 0);
}

int pdf_text_at(pdf_t *p, double x, double dy, double w, const pdf_run_t *runs, int n, double size,
                pdf_align_t align, double *h, double *line_w)
{
    PangoLayout *l = make_layout(p, runs, n, size, align, w);
    if (!l) return p->err;
    PangoRectangle lr;
    pango_layout_get_extents(l, NULL, &lr);
    if (h) *h = (double)lr.height / PANGO_SCALE;
    if (line_w) *line_w = (double)lr.width / PANGO_SCALE;
    if (p->cr) {
        cairo_move_to(p->cr, p->ml + x, p->mt + p->y + dy);
        pango_cairo_show_layout(p->cr, l);
    }
    g_object_unref(l);
    return 0;
}

void pdf_rule(pdf_t *p, double x, double dy, double w, double thickness)
{
    if (p->err || !p->cr) return;
    cairo_set_line_width(p->cr, thickness);
    cairo_move_to(p->cr, p->ml + x, p->mt + p->y + dy);
    cairo_line_to(p->cr, p->ml + x + w, p->mt + p->y + dy);
    cairo_stroke(p->cr);
}

/* ---- QR --------------------------------------------------------------------------------------------------- */

int pdf_qr(pdf_t *p, double x, double dy, double side, const char *text)
{
    if (p->err) return p->err;
    if (!text || !*text || side <= 0) return fail(p, -EINVAL);
    errno = 0;
    QRcode *q = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!q) {
        if (errno == ENOMEM) abort();
        return fail(p, errno == ERANGE ? -E2BIG : -EINVAL);
    }
    if (p->cr) {
        /* A quiet zone of four modules on each side is part of the square (ISO/IEC 18004). */
        double m = side / (q->width + 8);
        double x0 = p->ml + x + 4 * m, y0 = p->mt + p->y + dy + 4 * m;
        cairo_save(p->cr);
        cairo_new_path(p->cr);
        for (int r = 0; r < q->width; r++)
            for (int c = 0; c < q->width; c++)
                if (q->data[r * q->width + c] & 1) cairo_rectangle(p->cr, x0 + c * m, y0 + r * m, m, m);
        cairo_set_source_rgb(p->cr, 0, 0, 0);
        cairo_fill(p->cr);
        cairo_restore(p->cr);
    }
    QRcode_free(q);
    return 0;
}

/* ---- tables ----------------------------------------------------------------------------------------------- */

static int draw_table_row(pdf_t *p, const char *const *cells, int style, int header)
{
    if (p->err) return p->err;
    PangoLayout *ls[PDF_MAX_COLS] = {0};
    double h = 0;
    for (int i = 0; i < p->tcols; i++) {
        pdf_run_t r = {cells[i] ? cells[i] : "", style};
        ls[i] = make_layout(p, &r, 1, p->tsize, header ? PDF_CENTER : p->talign[i], p->tw[i] - 2 * PDF_CELL_PAD);
        if (!ls[i]) break;
        PangoRectangle lr;
        pango_layout_get_extents(ls[i], NULL, &lr);
        double ch = (double)lr.height / PANGO_SCALE + 2 * PDF_CELL_PAD;
        if (ch > h) h = ch;
    }
    if (!p->err && p->y + h > content_h(p)) {
        if (header || p->y == 0) fail(p, -E2BIG);       /* a row taller than a page never fits */
        else pdf_new_page(p);                           /* draws the header again */
        if (!p->err && p->y + h > content_h(p)) fail(p, -E2BIG);
    }
    if (!p->err && p->cr) {
        double x = p->ml, y = p->mt + p->y;
        cairo_set_line_width(p->cr, PDF_GRID_W);
        for (int i = 0; i < p->tcols; i++) {
            if (header) {
                cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
                cairo_rectangle(p->cr, x, y, p->tw[i], h);
                cairo_fill(p->cr);
                cairo_set_source_rgb(p->cr, 0, 0, 0);
            }
            cairo_rectangle(p->cr, x, y, p->tw[i], h);
            cairo_stroke(p->cr);
            cairo_move_to(p->cr, x + PDF_CELL_PAD, y + PDF_CELL_PAD);
            pango_cairo_show_layout(p->cr, ls[i]);
            x += p->tw[i];
        }
    }
    for (int i = 0; i < p->tcols; i++)
        if (ls[i]) g_object_unref(ls[i]);
    if (!p->err) p->y += h;
    return p->err;
}

int pdf_table_begin(pdf_t *p, const pdf_col_t *cols, int n, const char *const *header, double size)
{
    if (p->err) return p->err;
    if (n < 1 || n > PDF_MAX_COLS || p->in_table) return fail(p, -EINVAL);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        if (!(cols[i].weight > 0)) return fail(p, -EINVAL);
        sum += cols[i].weight;
    }
    p->tcols = n;
    p->tsize = size > 0 ? size : p->size;
    for (int i = 0; i < n; i++) {
        p->tw[i] = pdf_width(p) * cols[i].weight / sum;
        p->talign[i] = cols[i].align;
        p->thead[i] = header ? header[i] : "";
    }
    /* Keep the header with at least a few lines of the first row. */
    if (pdf_ensure(p, 6 * p->tsize) < 0) return p->err;
    p->in_table = 1;
    return draw_table_row(p, p->thead, PDF_BOLD, 1);
}

int pdf_table_row(pdf_t *p, const char *const *cells, int style)
{
    if (p->err) return p->err;
    if (!p->in_table || !cells) return fail(p, -EINVAL);
    return draw_table_row(p, cells, style, 0);
}

void pdf_table_end(pdf_t *p)
{
    p->in_table = 0;
    p->tcols = 0;
}

/* ---- the document ----------------------------------------------------------------------------------------- */

struct sink {
    buf_t *out;
    int    full;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int len)
{
    struct sink *s = closure;
    if (buf_append(s->out, data, len) < 0) {
        s->full = 1;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static int run_pass(pdf_t *p, pdf_draw_fn draw, void *arg)
{
    p->page = 1;
    p->y = 0;
    p->err = 0;
    p->in_table = 0;
    int rc = draw(p, arg);
    if (rc < 0) return fail(p, rc);
    return p->err;
}

/* Draws the whole document into a new PDF stream appended to out. */
static int draw_pass(pdf_t *p, buf_t *out, pdf_draw_fn draw, void *arg)
{
    const pdf_doc_t *doc = p->doc;
    struct sink s = {out, 0};
    p->surface = cairo_pdf_surface_create_for_stream(sink_write, &s, p->page_w, p->page_h);
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_TITLE, doc->title ? doc->title : "");
    cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATOR, "motcua");
    if (doc->subject) cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_SUBJECT, doc->subject);
    if (doc->created) cairo_pdf_surface_set_metadata(p->surface, CAIRO_PDF_METADATA_CREATE_DATE, doc->created);
    p->cr = cairo_create(p->surface);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    int rc = run_pass(p, draw, arg);
    if (rc == 0) {
        draw_footer(p);
        cairo_show_page(p->cr);
    }
    cairo_destroy(p->cr);
    p->cr = NULL;
    cairo_surface_finish(p->surface);
    if (rc == 0 && cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) rc = s.full ? -E2BIG : -EIO;
    cairo_surface_destroy(p->surface);
    p->surface = NULL;
    return rc;
}

int pdf_render(buf_t *out, const pdf_doc_t *doc, pdf_draw_fn draw, void *arg)
{
    if (!out || !doc || !draw) return -EINVAL;
    pdf_t p;
    memset(&p, 0, sizeof p);
    p.doc = doc;
    p.page_w = doc->landscape ? PDF_A4_H : PDF_A4_W;
    p.page_h = doc->landscape ? PDF_A4_W : PDF_A4_H;
    /* Decree 30/2020/NĐ-CP Appendix I: top and bottom 20-25 mm, left 30-35 mm, right 15-20 mm. */
    p.mt = doc->margin_top > 0 ? doc->margin_top : PDF_MM(20);
    p.mr = doc->margin_right > 0 ? doc->margin_right : PDF_MM(15);
    p.mb = doc->margin_bottom > 0 ? doc->margin_bottom : PDF_MM(20);
    p.ml = doc->margin_left > 0 ? doc->margin_left : PDF_MM(30);
    p.size = doc->size > 0 ? doc->size : 12;
    if (pdf_width(&p) < 72 || content_h(&p) < 72) return -EINVAL;

    PangoFontMap *fm = pango_cairo_font_map_get_default(); /* per thread; not ours to free */
    p.ctx = pango_font_map_create_context(fm);
    pango_cairo_context_set_resolution(p.ctx, 72.0);
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(p.ctx, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_language(p.ctx, pango_language_from_string("vi"));
    p.font = pango_font_description_from_string(doc->font ? doc->font : "DejaVu Serif");

    /* One drawing pass when the document fits one page (most forms: no page number to print); otherwise the
     * pass has counted the pages and a second one draws them numbered. */
    size_t start = out->len;
    int rc = draw_pass(&p, out, draw, arg);
    if (rc == 0 && p.page > 1 && doc->page_numbers) {
        p.total = p.page;
        out->len = start;
        if (out->data) out->data[start] = '\0';
        rc = draw_pass(&p, out, draw, arg);
        if (rc == 0 && p.page != p.total) rc = -EIO;   /* the callback was not deterministic */
    }
    if (rc != 0) {   /* no partial document is left behind */
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    pango_font_description_free(p.font);
    g_object_unref(p.ctx);
    return rc;
}

void pdf_release_thread(void)
{
    pango_cairo_font_map_set_default(NULL);
}

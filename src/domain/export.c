/* export.c — see export.h. The table keeps every text once in one pool (offsets, not pointers, since the pool
 * moves as it grows) and its cells in one array, section after section, row after row: a closed row always has
 * exactly its section's number of cells, so cell (r, c) of a section is cells[first + r * ncols + c]. The three
 * writers only read the table; each renders the whole file before touching the caller's buffer (CSV and PDF
 * roll back on failure, XLSX is read back from its temporary file only once libxlsxwriter has closed it). */
#include "domain/export.h"

#include "core/mem.h"
#include "core/pdf.h"
#include "core/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

enum { CELL_EMPTY, CELL_TEXT, CELL_INT, CELL_RATIO };

typedef struct cell {
    int kind;
    union {
        size_t    off;     /* CELL_TEXT: the text in the pool */
        long long i;
        double    r;
    } v;
} cell_t;

typedef struct section {
    bool   has_title;
    size_t title;
    int    ncols;
    size_t header[EXPORT_COLS_MAX];
    bool   numeric[EXPORT_COLS_MAX];
    size_t first;          /* index of the section's first cell */
    long   nrows;
} section_t;

struct export_table {
    buf_t      pool;
    size_t     title, subtitle;
    bool       has_subtitle;
    section_t *sec;
    int        nsec;
    cell_t    *cells;
    size_t     ncells, cap;
    int        rowc;       /* cells of the open row */
    long       rows;
    int        err;
};

static const char *const format_names[] = {"csv", "xlsx", "pdf"};

int export_format_parse(const char *s, export_format_t *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, format_names[i])) {
            *out = (export_format_t)i;
            return 0;
        }
    return -EINVAL;
}

const char *export_media_type(export_format_t f)
{
    switch (f) {
    case EXPORT_CSV: return "text/csv; charset=utf-8";
    case EXPORT_XLSX: return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    case EXPORT_PDF: return "application/pdf";
    }
    return "application/octet-stream";
}

const char *export_extension(export_format_t f) { return (unsigned)f < 3 ? format_names[f] : "bin"; }

/* ---- building ----------------------------------------------------------------------------------------------- */

static void fail(export_table_t *t, int rc)
{
    if (!t->err) t->err = rc;
}

static const char *text_at(const export_table_t *t, size_t off) { return t->pool.data + off; }

/* Copies s into the pool; false (and the error set) when it is not UTF-8 or too long. */
static bool pool_add(export_table_t *t, const char *s, size_t *off)
{
    size_t n = strnlen(s, EXPORT_CELL_TEXT_MAX + 1);
    if (n > EXPORT_CELL_TEXT_MAX) return fail(t, -E2BIG), false;
    if (!utf8_valid(s, n)) return fail(t, -EINVAL), false;
    *off = t->pool.len;
    if (buf_append(&t->pool, s, n + 1) < 0) return fail(t, -E2BIG), false;
    return true;
}

export_table_t *export_new(const char *title, const char *subtitle)
{
    export_table_t *t = xcalloc(1, sizeof *t);
    buf_init(&t->pool, EXPORT_TEXT_MAX);
    t->sec = xcalloc(EXPORT_SECTIONS_MAX, sizeof *t->sec);
    pool_add(t, title ? title : "", &t->title);
    if (subtitle && *subtitle) t->has_subtitle = pool_add(t, subtitle, &t->subtitle);
    return t;
}

void export_free(export_table_t *t)
{
    if (!t) return;
    buf_free(&t->pool);
    free(t->sec);
    free(t->cells);
    free(t);
}

long export_rows(const export_table_t *t) { return t->rows; }
int export_error(const export_table_t *t) { return t->err; }

static section_t *current(export_table_t *t) { return t->nsec ? &t->sec[t->nsec - 1] : NULL; }

void export_end_row(export_table_t *t)
{
    section_t *s = current(t);
    if (t->err || !s || s->ncols == 0) return;
    while (t->rowc && t->rowc < s->ncols) {       /* an open row: pad it (an empty end_row adds nothing) */
        t->cells[t->ncells++].kind = CELL_EMPTY;  /* room was reserved by the row's first cell */
        t->rowc++;
    }
    if (t->rowc) {
        s->nrows++;
        t->rows++;
    }
    t->rowc = 0;
}

void export_section(export_table_t *t, const char *title)
{
    if (t->err) return;
    export_end_row(t);
    section_t *s = current(t);
    if (!s || s->ncols > 0) {                     /* a section without columns yet is only retitled */
        if (t->nsec == EXPORT_SECTIONS_MAX) return fail(t, -E2BIG);
        s = &t->sec[t->nsec++];
        s->first = t->ncells;
    }
    s->has_title = title && *title && pool_add(t, title, &s->title);
}

void export_column(export_table_t *t, const char *header, bool numeric)
{
    if (t->err) return;
    if (!current(t)) export_section(t, NULL);
    section_t *s = current(t);
    if (t->err) return;
    if (s->nrows || t->rowc) return fail(t, -EINVAL);
    if (s->ncols == EXPORT_COLS_MAX) return fail(t, -E2BIG);
    if (!pool_add(t, header ? header : "", &s->header[s->ncols])) return;
    s->numeric[s->ncols++] = numeric;
}

/* The next cell of the open row, or NULL (error set). A row's first cell reserves room for the whole row. */
static cell_t *next_cell(export_table_t *t)
{
    section_t *s = current(t);
    if (t->err) return NULL;
    if (!s || s->ncols == 0 || t->rowc == s->ncols) return fail(t, -EINVAL), NULL;
    if (t->rowc == 0) {
        if (t->rows >= EXPORT_ROWS_MAX || t->ncells + (size_t)s->ncols > EXPORT_CELLS_MAX) return fail(t, -E2BIG), NULL;
        if (t->ncells + (size_t)s->ncols > t->cap) {
            size_t cap = t->cap ? t->cap * 2 : 1024;
            while (cap < t->ncells + (size_t)s->ncols) cap *= 2;
            t->cells = xrealloc(t->cells, cap * sizeof *t->cells);
            t->cap = cap;
        }
    }
    t->rowc++;
    cell_t *c = &t->cells[t->ncells++];
    c->kind = CELL_EMPTY;
    return c;
}

void export_text(export_table_t *t, const char *s)
{
    cell_t *c = next_cell(t);
    if (!c || !s || !*s) return;
    if (pool_add(t, s, &c->v.off)) c->kind = CELL_TEXT;
}

void export_int(export_table_t *t, long long v)
{
    cell_t *c = next_cell(t);
    if (!c) return;
    c->kind = CELL_INT;
    c->v.i = v;
}

void export_ratio(export_table_t *t, double v)
{
    cell_t *c = next_cell(t);
    if (!c || !isfinite(v) || v < 0) return;
    c->kind = CELL_RATIO;
    c->v.r = v;
}

/* ---- shared formatting -------------------------------------------------------------------------------------- */

/* "1234567", or with a group separator "1.234.567" / "1,234,567". */
static void fmt_int(long long v, char sep, char *out, size_t cap)
{
    char digits[32];
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = snprintf(digits, sizeof digits, "%llu", u);
    size_t k = 0;
    if (v < 0 && k + 1 < cap) out[k++] = '-';
    for (int i = 0; i < n && k + 2 < cap; i++) {
        out[k++] = digits[i];
        if (sep && (n - 1 - i) % 3 == 0 && i < n - 1) out[k++] = sep;
    }
    out[k] = '\0';
}

/* "83.33%" (CSV, English) or "83,33%" (Vietnamese PDF). */
static void fmt_ratio(double v, char point, char *out, size_t cap)
{
    snprintf(out, cap, "%.2f%%", v * 100.0);
    char *dot = strchr(out, '.');
    if (dot) *dot = point;
}

/* ---- CSV ---------------------------------------------------------------------------------------------------- */

int export_csv_field(buf_t *out, const char *s)
{
    if (!s || !*s) return 0;
    bool guard = strchr("=+-@\t\r", *s) != NULL;
    bool quote = false;
    for (const char *c = s; *c && !quote; c++) quote = *c == ',' || *c == '"' || *c == '\r' || *c == '\n';
    int rc = quote ? buf_putc(out, '"') : 0;
    if (!rc && guard) rc = buf_putc(out, '\'');
    if (!quote) return rc ? rc : buf_puts(out, s);
    for (const char *c = s; *c && !rc; c++) rc = *c == '"' ? buf_puts(out, "\"\"") : buf_putc(out, *c);
    return rc ? rc : buf_putc(out, '"');
}

static int csv_cell(buf_t *out, const export_table_t *t, const cell_t *c)
{
    char tmp[48];
    switch (c->kind) {
    case CELL_TEXT: return export_csv_field(out, text_at(t, c->v.off));
    case CELL_INT: return buf_printf(out, "%lld", c->v.i);
    case CELL_RATIO: fmt_ratio(c->v.r, '.', tmp, sizeof tmp); return buf_puts(out, tmp);
    default: return 0;
    }
}

static int write_csv(const export_table_t *t, buf_t *out)
{
    int rc = buf_puts(out, "\xEF\xBB\xBF");
    if (!rc) rc = export_csv_field(out, text_at(t, t->title));
    if (!rc) rc = buf_puts(out, "\r\n");
    if (!rc && t->has_subtitle) rc = export_csv_field(out, text_at(t, t->subtitle));
    if (!rc && t->has_subtitle) rc = buf_puts(out, "\r\n");
    for (int k = 0; k < t->nsec && !rc; k++) {
        const section_t *s = &t->sec[k];
        if (s->ncols == 0) continue;
        rc = buf_puts(out, "\r\n");
        if (!rc && s->has_title) rc = export_csv_field(out, text_at(t, s->title));
        if (!rc && s->has_title) rc = buf_puts(out, "\r\n");
        for (int c = 0; c < s->ncols && !rc; c++) {
            if (c) rc = buf_putc(out, ',');
            if (!rc) rc = export_csv_field(out, text_at(t, s->header[c]));
        }
        if (!rc) rc = buf_puts(out, "\r\n");
        for (long r = 0; r < s->nrows && !rc; r++) {
            const cell_t *row = &t->cells[s->first + (size_t)r * (size_t)s->ncols];
            for (int c = 0; c < s->ncols && !rc; c++) {
                if (c) rc = buf_putc(out, ',');
                if (!rc) rc = csv_cell(out, t, &row[c]);
            }
            if (!rc) rc = buf_puts(out, "\r\n");
        }
    }
    return rc;
}

/* ---- XLSX --------------------------------------------------------------------------------------------------- */

void export_sheet_name(const char *title, int n, char *out, size_t cap)
{
    size_t k = 0;
    int units = 0;
    const unsigned char *p = (const unsigned char *)(title ? title : "");
    while (*p == '\'' || *p == ' ') p++;
    while (*p && k + 5 < cap) {
        int len = *p < 0x80 ? 1 : *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : 2;
        int u = len == 4 ? 2 : 1;                       /* UTF-16 units: Excel counts those */
        if (units + u > 31) break;
        if (len == 1) {
            char ch = (char)*p;
            out[k++] = strchr("[]:*?/\\", ch) || ch < 0x20 ? ' ' : ch;
        } else {
            for (int i = 0; i < len && p[i]; i++) out[k++] = (char)p[i];
        }
        units += u;
        p += len;
    }
    while (k && (out[k - 1] == '\'' || out[k - 1] == ' ')) k--;
    out[k] = '\0';
    if (k == 0 || !strcasecmp(out, "History")) snprintf(out, cap, "Sheet%d", n);
}

/* Display width of a text in characters: its longest line, in code points. */
static size_t text_width(const char *s)
{
    size_t best = 0, cur = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\n') {
            if (cur > best) best = cur;
            cur = 0;
        } else if ((*p & 0xC0) != 0x80) cur++;
    }
    return cur > best ? cur : best;
}

/* Column widths in characters, from the header's longest word and the cells. */
static void column_widths(const export_table_t *t, const section_t *s, double *w)
{
    for (int c = 0; c < s->ncols; c++) {
        size_t m = 0, cur = 0;
        for (const unsigned char *p = (const unsigned char *)text_at(t, s->header[c]); ; p++) {
            if (!*p || *p == ' ' || *p == '\n') {
                if (cur > m) m = cur;
                cur = 0;
                if (!*p) break;
            } else if ((*p & 0xC0) != 0x80) cur++;
        }
        for (long r = 0; r < s->nrows; r++) {
            const cell_t *x = &t->cells[s->first + (size_t)r * (size_t)s->ncols + (size_t)c];
            char tmp[48] = "";
            if (x->kind == CELL_INT) fmt_int(x->v.i, ',', tmp, sizeof tmp);
            if (x->kind == CELL_RATIO) fmt_ratio(x->v.r, '.', tmp, sizeof tmp);
            size_t n = x->kind == CELL_TEXT ? text_width(text_at(t, x->v.off)) : strlen(tmp);
            if (n > m) m = n;
        }
        double v = (double)m + 2;
        w[c] = v < 6 ? 6 : v > 50 ? 50 : v;
    }
}

/* export_sheet_name(), then " (2)", " (3)" ... on a base cut to fit 31 characters until no earlier sheet has the
 * name (Excel compares sheet names case-insensitively). */
static void sheet_name_unique(const char *title, char (*names)[128], int nsheets, char *name)
{
    export_sheet_name(title, nsheets + 1, name, 128);
    char base[128];
    str_copy(base, sizeof base, name);
    for (int dup = 2;; dup++) {
        bool taken = false;
        for (int j = 0; j < nsheets && !taken; j++) taken = !strcasecmp(names[j], name);
        if (!taken) return;
        char suffix[16];
        int sl = snprintf(suffix, sizeof suffix, " (%d)", dup);
        size_t chars = 0, cut = 0;
        for (const unsigned char *p = (const unsigned char *)base; *p; p++) {
            if ((*p & 0xC0) != 0x80 && ++chars > (size_t)(31 - sl)) break;
            cut = (size_t)(p - (const unsigned char *)base) + 1;
        }
        while (cut && base[cut - 1] == ' ') cut--;
        snprintf(name, 128, "%.*s%s", (int)cut, base, suffix);
    }
}

static int read_back(const char *path, buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -EIO;
    struct stat st;
    int rc = fstat(fd, &st) < 0 ? -EIO : 0;
    if (!rc && (st.st_size < 0 || (size_t)st.st_size > out->max - out->len)) rc = -E2BIG;
    char chunk[65536];
    while (!rc) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = -EIO;
        if (n <= 0) break;
        rc = buf_append(out, chunk, (size_t)n);
    }
    close(fd);
    return rc;
}

static int write_xlsx(const export_table_t *t, buf_t *out)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    char path[4096];
    if (snprintf(path, sizeof path, "%s/motcua-export-XXXXXX", dir) >= (int)sizeof path) return -EIO;
    int fd = mkstemp(path);          /* 0600: the file holds personal data until it is unlinked below */
    if (fd < 0) return -EIO;
    close(fd);
    lxw_workbook_options o = {.constant_memory = LXW_TRUE, .tmpdir = (char *)dir, .use_zip64 = LXW_FALSE};
    lxw_workbook *wb = workbook_new_opt(path, &o);
    int rc = wb ? 0 : -EIO;
    lxw_format *f_title = NULL, *f_sub = NULL, *f_head = NULL, *f_text = NULL, *f_int = NULL, *f_pct = NULL;
    if (!rc) {
        lxw_doc_properties props = {.title = (char *)text_at(t, t->title), .author = "motcua"};
        workbook_set_properties(wb, &props);
        f_title = workbook_add_format(wb);
        format_set_bold(f_title);
        format_set_font_size(f_title, 14);
        f_sub = workbook_add_format(wb);
        format_set_italic(f_sub);
        f_head = workbook_add_format(wb);
        format_set_bold(f_head);
        format_set_text_wrap(f_head);
        format_set_align(f_head, LXW_ALIGN_CENTER);
        format_set_align(f_head, LXW_ALIGN_VERTICAL_CENTER);
        format_set_border(f_head, LXW_BORDER_THIN);
        format_set_bg_color(f_head, 0xEBEBEB);
        f_text = workbook_add_format(wb);
        format_set_text_wrap(f_text);
        format_set_align(f_text, LXW_ALIGN_VERTICAL_TOP);
        f_int = workbook_add_format(wb);
        format_set_num_format(f_int, "#,##0");
        format_set_align(f_int, LXW_ALIGN_VERTICAL_TOP);
        f_pct = workbook_add_format(wb);
        format_set_num_format(f_pct, "0.00%");
        format_set_align(f_pct, LXW_ALIGN_VERTICAL_TOP);
    }
    char (*names)[128] = xcalloc(EXPORT_SECTIONS_MAX, sizeof *names);
    double *w = xcalloc(EXPORT_COLS_MAX, sizeof *w);
    int nsheets = 0;
    for (int k = 0; k < t->nsec && !rc; k++) {
        const section_t *s = &t->sec[k];
        if (s->ncols == 0) continue;
        char *name = names[nsheets];
        sheet_name_unique(s->has_title ? text_at(t, s->title) : text_at(t, t->title), names, nsheets, name);
        nsheets++;
        lxw_worksheet *ws = workbook_add_worksheet(wb, name);
        if (!ws) {
            rc = -EIO;
            break;
        }
        column_widths(t, s, w);
        for (int c = 0; c < s->ncols; c++)
            worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w[c], s->numeric[c] ? f_int : f_text);
        lxw_row_t row = 0;
        worksheet_write_string(ws, row++, 0, text_at(t, t->title), f_title);
        if (t->has_subtitle) worksheet_write_string(ws, row++, 0, text_at(t, t->subtitle), f_sub);
        if (s->has_title && t->nsec > 1) worksheet_write_string(ws, row++, 0, text_at(t, s->title), f_sub);
        lxw_row_t head = row;
        for (int c = 0; c < s->ncols; c++)
            worksheet_write_string(ws, head, (lxw_col_t)c, text_at(t, s->header[c]), f_head);
        row++;
        for (long r = 0; r < s->nrows && !rc; r++, row++) {
            const cell_t *x = &t->cells[s->first + (size_t)r * (size_t)s->ncols];
            for (int c = 0; c < s->ncols; c++) {
                lxw_error e = LXW_NO_ERROR;
                if (x[c].kind == CELL_TEXT) e = worksheet_write_string(ws, row, (lxw_col_t)c, text_at(t, x[c].v.off), f_text);
                else if (x[c].kind == CELL_INT) e = worksheet_write_number(ws, row, (lxw_col_t)c, (double)x[c].v.i, f_int);
                else if (x[c].kind == CELL_RATIO) e = worksheet_write_number(ws, row, (lxw_col_t)c, x[c].v.r, f_pct);
                if (e != LXW_NO_ERROR) rc = -EIO;
            }
        }
        worksheet_freeze_panes(ws, head + 1, 0);
        worksheet_repeat_rows(ws, head, head);
        worksheet_autofilter(ws, head, 0, head + (lxw_row_t)s->nrows, (lxw_col_t)(s->ncols - 1));
        worksheet_set_landscape(ws);
        worksheet_set_paper(ws, 9);            /* A4 */
        worksheet_fit_to_pages(ws, 1, 0);
    }
    if (!rc && nsheets == 0 && !workbook_add_worksheet(wb, NULL)) rc = -EIO;  /* a workbook needs a sheet */
    if (wb && workbook_close(wb) != LXW_NO_ERROR && !rc) rc = -EIO;
    free(names);
    free(w);
    if (!rc) rc = read_back(path, out);
    unlink(path);
    return rc;
}

/* ---- PDF ---------------------------------------------------------------------------------------------------- */

struct pdf_ctx {
    const export_table_t *t;
    lang_t                lang;
    char                  num[PDF_MAX_COLS][48];
    char                 *cut[PDF_MAX_COLS];     /* truncated copies of long cells, EXPORT_PDF_CELL_CHARS + "…" */
};

/* s, or its first EXPORT_PDF_CELL_CHARS characters and "…" in buf. */
static const char *pdf_cell_text(const char *s, char *buf)
{
    size_t chars = 0;
    const char *p = s;
    for (; *p; p++)
        if ((*p & 0xC0) != 0x80 && ++chars > EXPORT_PDF_CELL_CHARS) break;
    if (!*p) return s;
    size_t n = (size_t)(p - s);
    memcpy(buf, s, n);
    memcpy(buf + n, "…", sizeof "…");
    return buf;
}

/* Code points of the longest word (run without a space or line break) of s. */
static size_t longest_word(const char *s)
{
    size_t best = 0, cur = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || *p == '\n') {
            if (cur > best) best = cur;
            cur = 0;
        } else if ((*p & 0xC0) != 0x80) cur++;
    }
    return cur > best ? cur : best;
}

/* Column weights for a table of width avail (points) at size: every column gets room for its longest word (so a
 * dossier code or a date never breaks inside), then the room left goes to the columns whose lines are longer, in
 * proportion to what they lack. Weights are points (a character ~0.62 em, 7 points of padding and grid);
 * pdf_table_begin() scales them to the full width. */
static void pdf_weights(const export_table_t *t, const section_t *s, double avail, double size, pdf_col_t *cols)
{
    double minw[EXPORT_COLS_MAX], want[EXPORT_COLS_MAX], summin = 0, slack = 0;
    for (int c = 0; c < s->ncols; c++) {
        /* the header is bold, about a tenth wider, and must not break inside a word either */
        size_t mw = (longest_word(text_at(t, s->header[c])) * 23 + 19) / 20, wl = mw;
        for (long r = 0; r < s->nrows; r++) {
            const cell_t *x = &t->cells[s->first + (size_t)r * (size_t)s->ncols + (size_t)c];
            char tmp[48] = "";
            const char *v = tmp;
            if (x->kind == CELL_TEXT) v = text_at(t, x->v.off);
            else if (x->kind == CELL_INT) fmt_int(x->v.i, ',', tmp, sizeof tmp);
            else if (x->kind == CELL_RATIO) fmt_ratio(x->v.r, '.', tmp, sizeof tmp);
            size_t w = longest_word(v), l = text_width(v);
            if (w > mw) mw = w;
            if (l > wl) wl = l;
        }
        minw[c] = mw < 2 ? 2 : mw > 26 ? 26 : (double)mw;
        want[c] = wl > 40 ? 40 : (double)wl;
        if (want[c] < minw[c]) want[c] = minw[c];
        summin += minw[c];
        slack += want[c] - minw[c];
    }
    double room = (avail - s->ncols * 7.0) / (0.62 * size) - summin;   /* characters left once every word fits */
    for (int c = 0; c < s->ncols; c++) {
        double w = minw[c];
        if (room > 0 && slack > 0) w += (want[c] - minw[c]) * (room >= slack ? 1.0 : room / slack);
        cols[c] = (pdf_col_t){.weight = w * 0.62 * size + 7.0, .align = s->numeric[c] ? PDF_RIGHT : PDF_LEFT};
    }
}

static int draw_export(pdf_t *p, void *arg)
{
    struct pdf_ctx *x = arg;
    const export_table_t *t = x->t;
    char sep = x->lang == LANG_EN ? ',' : '.', point = x->lang == LANG_EN ? '.' : ',';
    int rc = pdf_text(p, text_at(t, t->title), PDF_BOLD, 14, PDF_CENTER);
    if (!rc && t->has_subtitle) rc = pdf_text(p, text_at(t, t->subtitle), PDF_ITALIC, 10, PDF_CENTER);
    pdf_space(p, 10);
    for (int k = 0; k < t->nsec && !rc; k++) {
        const section_t *s = &t->sec[k];
        if (s->ncols == 0) continue;
        if (s->has_title) {
            if ((rc = pdf_ensure(p, 60))) break;
            if ((rc = pdf_text(p, text_at(t, s->title), PDF_BOLD, 11, PDF_LEFT))) break;
            pdf_space(p, 4);
        }
        pdf_col_t cols[PDF_MAX_COLS];
        const char *cells[PDF_MAX_COLS];
        double size = s->ncols > 10 ? 7 : 8;
        pdf_weights(t, s, pdf_width(p), size, cols);
        for (int c = 0; c < s->ncols; c++) cells[c] = text_at(t, s->header[c]);
        if ((rc = pdf_table_begin(p, cols, s->ncols, cells, size))) break;
        for (long r = 0; r < s->nrows && !rc; r++) {
            const cell_t *row = &t->cells[s->first + (size_t)r * (size_t)s->ncols];
            for (int c = 0; c < s->ncols; c++) {
                cells[c] = "";
                if (row[c].kind == CELL_TEXT) cells[c] = pdf_cell_text(text_at(t, row[c].v.off), x->cut[c]);
                else if (row[c].kind == CELL_INT) fmt_int(row[c].v.i, sep, x->num[c], sizeof x->num[c]), cells[c] = x->num[c];
                else if (row[c].kind == CELL_RATIO) fmt_ratio(row[c].v.r, point, x->num[c], sizeof x->num[c]), cells[c] = x->num[c];
            }
            rc = pdf_table_row(p, cells, PDF_REGULAR);
        }
        pdf_table_end(p);
        pdf_space(p, 10);
    }
    return rc;
}

static int write_pdf(const export_table_t *t, lang_t lang, buf_t *out)
{
    if (t->rows > EXPORT_PDF_ROWS_MAX) return -E2BIG;
    for (int k = 0; k < t->nsec; k++)
        if (t->sec[k].ncols > PDF_MAX_COLS) return -E2BIG;
    struct pdf_ctx *x = xcalloc(1, sizeof *x);
    x->t = t;
    x->lang = lang;
    for (int c = 0; c < PDF_MAX_COLS; c++) x->cut[c] = xmalloc(EXPORT_PDF_CELL_CHARS * 4 + sizeof "…");
    pdf_doc_t d = {.title = text_at(t, t->title), .subject = t->has_subtitle ? text_at(t, t->subtitle) : NULL,
                   .landscape = 1, .margin_top = PDF_MM(15), .margin_right = PDF_MM(12),
                   .margin_bottom = PDF_MM(18), .margin_left = PDF_MM(12), .font = "DejaVu Sans", .size = 9,
                   .page_numbers = 1, .lang = lang};
    int rc = pdf_render(out, &d, draw_export, x);
    for (int c = 0; c < PDF_MAX_COLS; c++) free(x->cut[c]);
    free(x);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------------------------------ */

int export_write_lang(export_table_t *t, export_format_t f, lang_t lang, buf_t *out)
{
    if (!t || !out) return -EINVAL;
    export_end_row(t);
    if (t->err) return t->err;
    size_t start = out->len;
    int rc;
    switch (f) {
    case EXPORT_CSV: rc = write_csv(t, out); break;
    case EXPORT_XLSX: rc = write_xlsx(t, out); break;
    case EXPORT_PDF: rc = write_pdf(t, lang, out); break;
    default: rc = -EINVAL;
    }
    if (rc < 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
    }
    return rc < 0 ? rc : 0;
}

int export_write(export_table_t *t, export_format_t f, buf_t *out) { return export_write_lang(t, f, LANG_VI, out); }

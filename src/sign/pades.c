/* pades.c — PAdES signing by incremental update, and verification of every signature of a PDF (see pades.h).
 *
 * Layout of the update (offsets relative to the original's first byte; the original is never modified):
 *   [original][\n]  S 0 obj <</Type/Sig ... /ByteRange [0 a b c] /Contents <00...00> /M ...>>   (the signature)
 *                   W 0 obj <</Type/Annot/Subtype/Widget/FT/Sig/T .../V S 0 R/P page/Rect ...>> (field + widget)
 *                   [A 0 obj <</Type/XObject/Subtype/Form ...>> stream]                           (appearance)
 *                   page obj (same number, /Annots + W), catalog obj (same number, /AcroForm /Fields + W)
 *                   xref table + trailer, or an xref stream object;  startxref;  %%EOF
 * The /ByteRange numbers are written as fixed-width placeholders and patched once the layout is known; the CMS
 * over [0, a) and [b, b + c) is then hex-encoded into the reserved /Contents. Invariant: a is the offset of the
 * '<' of /Contents and b the offset just after its '>', so exactly the hex string is left out (ETSI EN 319 142-1
 * §5.4.2; ISO 32000-2 §12.8.1). */
#include "sign/pades.h"

#include "core/mem.h"
#include "sign/pdfobj.h"
#include "core/utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define BR_WIDTH 32          /* "%010zu %010zu %010zu" */
#define MAX_FIELDS 4096
#define VN_OFFSET (7 * 3600) /* Vietnam time, UTC+7, no daylight saving */

/* ---- text helpers ---- */

/* The next code point of valid UTF-8 at s[*i]. */
static unsigned utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned c = s[(*i)++];
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    c &= more == 3 ? 0x07 : more == 2 ? 0x0f : more == 1 ? 0x1f : 0x7f;
    while (more-- > 0 && *i < n) c = (c << 6) | (s[(*i)++] & 0x3f);
    return c;
}

/* A text string (§7.9.2.2): plain ASCII as is, anything else as UTF-16BE with its byte order mark; hex encoded. */
static int write_text(buf_t *out, const char *s)
{
    size_t n = strlen(s);
    if (!utf8_valid(s, n)) return -EINVAL;
    int ascii = 1;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || (unsigned char)s[k] > 0x7e) ascii = 0;
    if (ascii) return pdfobj_write_hexstr(out, s, n);
    buf_t u;
    buf_init(&u, 8 * n + 16);
    buf_append(&u, "\xfe\xff", 2);
    for (size_t i = 0; i < n;) {
        unsigned c = utf8_next((const unsigned char *)s, n, &i);
        if (c >= 0x10000) {
            c -= 0x10000;
            unsigned hi = 0xd800 + (c >> 10), lo = 0xdc00 + (c & 0x3ff);
            unsigned char q[4] = {(unsigned char)(hi >> 8), (unsigned char)hi, (unsigned char)(lo >> 8), (unsigned char)lo};
            buf_append(&u, q, 4);
        } else {
            unsigned char q[2] = {(unsigned char)(c >> 8), (unsigned char)c};
            buf_append(&u, q, 2);
        }
    }
    int rc = pdfobj_write_hexstr(out, u.data, u.len);
    buf_free(&u);
    return rc;
}

/* A PDF text string as UTF-8 into dst (UTF-16BE with BOM, or PDFDocEncoding read as ASCII; others become '?'). */
static void text_to_utf8(const unsigned char *p, size_t n, char *dst, size_t cap)
{
    size_t m = 0;
    dst[0] = 0;
    if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
        for (size_t i = 2; i + 1 < n;) {
            unsigned c = (unsigned)p[i] << 8 | p[i + 1];
            i += 2;
            if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
                unsigned lo = (unsigned)p[i] << 8 | p[i + 1];
                if (lo >= 0xdc00 && lo < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00); i += 2; }
                else c = '?';
            } else if (c >= 0xd800 && c < 0xe000) c = '?';
            if (c == 0) c = '?';
            unsigned char e[4];
            int k = c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
            if (k == 1) e[0] = (unsigned char)c;
            else if (k == 2) { e[0] = (unsigned char)(0xc0 | c >> 6); e[1] = (unsigned char)(0x80 | (c & 0x3f)); }
            else if (k == 3) {
                e[0] = (unsigned char)(0xe0 | c >> 12);
                e[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
                e[2] = (unsigned char)(0x80 | (c & 0x3f));
            } else {
                e[0] = (unsigned char)(0xf0 | c >> 18);
                e[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
                e[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
                e[3] = (unsigned char)(0x80 | (c & 0x3f));
            }
            if (m + (size_t)k >= cap) break;
            memcpy(dst + m, e, (size_t)k);
            m += (size_t)k;
        }
    } else {
        for (size_t i = 0; i < n && m + 1 < cap; i++) dst[m++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
    }
    dst[m] = 0;
}

/* UTF-8 folded to printable ASCII for the standard Helvetica font: marks stripped, đ/Đ to d/D, others '?'. */
static void ascii_fold(const char *s, char *dst, size_t cap)
{
    size_t m = 0;
    utf8proc_uint8_t *f = NULL;
    if (utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s), &f,
                     UTF8PROC_NULLTERM | UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK) < 0)
        f = NULL;
    const unsigned char *p = f ? f : (const unsigned char *)"";
    size_t n = strlen((const char *)p);
    for (size_t i = 0; i < n && m + 1 < cap;) {
        unsigned c = utf8_next(p, n, &i);
        dst[m++] = c == 0x111 ? 'd' : c == 0x110 ? 'D' : c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    dst[m] = 0;
    free(f);
}

/* A literal string of ASCII text for a content stream: ( ) \ escaped. */
static void put_literal(buf_t *b, const char *s)
{
    buf_putc(b, '(');
    for (; *s; s++) {
        if (*s == '(' || *s == ')' || *s == '\\') buf_putc(b, '\\');
        buf_putc(b, *s);
    }
    buf_putc(b, ')');
}

static void vn_time(time_t t, struct tm *tm) { t += VN_OFFSET; gmtime_r(&t, tm); }

/* ---- appearance ---- */

/* A point value without locale or exponent surprises. */
static int num(buf_t *b, double v)
{
    if (!isfinite(v)) v = 0;
    return buf_printf(b, "%.2f", v);
}

static void circle(buf_t *b, double cx, double cy, double r)
{
    const double k = 0.5523 * r;   /* four Bézier quarter arcs */
    num(b, cx + r); buf_putc(b, ' '); num(b, cy); buf_puts(b, " m ");
    double pts[4][6] = {
        {cx + r, cy + k, cx + k, cy + r, cx, cy + r}, {cx - k, cy + r, cx - r, cy + k, cx - r, cy},
        {cx - r, cy - k, cx - k, cy - r, cx, cy - r}, {cx + k, cy - r, cx + r, cy - k, cx + r, cy}};
    for (int q = 0; q < 4; q++) {
        for (int j = 0; j < 6; j++) { num(b, pts[q][j]); buf_putc(b, ' '); }
        buf_puts(b, "c ");
    }
}

/* The content of the Form XObject of the widget, in a w x h box. */
static void appearance(buf_t *b, const pades_opts_t *o, const signer_info_t *who, double w, double h)
{
    char name[160], org[160], when[40], line[256];
    ascii_fold(o->name ? o->name : who->subject_cn, name, sizeof name);
    ascii_fold(who->subject_o[0] ? who->subject_o : who->subject_cn, org, sizeof org);
    struct tm tm;
    vn_time(o->when ? o->when : time(NULL), &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
    buf_puts(b, "q 0 0 ");
    num(b, w); buf_putc(b, ' '); num(b, h);
    buf_puts(b, " re W n\n");
    if (o->look == PADES_SEAL) {
        double r = (w < h ? w : h) / 2 - 1.5;
        buf_puts(b, "0.85 0 0 RG 0.85 0 0 rg 2 w ");
        circle(b, w / 2, h / 2, r);
        buf_puts(b, "S 0.8 w ");
        circle(b, w / 2, h / 2, r * 0.72);
        buf_puts(b, "S\n");
        double fs = r / 5 > 4 ? r / 5 : 4;
        buf_puts(b, "BT /F1 ");
        num(b, fs);
        buf_puts(b, " Tf ");
        size_t len = strlen(org);
        if ((double)len * fs * 0.5 > 1.3 * r) len = (size_t)(1.3 * r / (fs * 0.5));
        org[len] = 0;
        num(b, w / 2 - (double)len * fs * 0.25);
        buf_putc(b, ' ');
        num(b, h / 2 - fs / 3);
        buf_puts(b, " Td ");
        put_literal(b, org);
        buf_puts(b, " Tj ET Q\n");
        return;
    }
    if (o->look == PADES_COPY) {   /* the copy's box sits on the page's header: an opaque background */
        buf_puts(b, "1 g 0 0 ");
        num(b, w); buf_putc(b, ' '); num(b, h);
        buf_puts(b, " re f\n");
    }
    buf_puts(b, "0 0 0.75 RG 0 0 0.75 rg 1.2 w 0.6 0.6 ");
    num(b, w - 1.2); buf_putc(b, ' '); num(b, h - 1.2);
    buf_puts(b, " re S\n");
    const char *lines[5];
    char l0[256], l1[256], l2[256], l3[256];
    int nl = 0;
    if (o->look == PADES_COPY) lines[nl++] = "BAN SAO DIEN TU / CERTIFIED COPY";
    else lines[nl++] = "Ky boi / Signed by:";
    snprintf(l0, sizeof l0, "%s", name);
    lines[nl++] = l0;
    snprintf(l1, sizeof l1, "%s", when);
    lines[nl++] = l1;
    if (o->reason && o->look != PADES_COPY) {
        ascii_fold(o->reason, line, sizeof line);
        snprintf(l2, sizeof l2, "%s", line);
        lines[nl++] = l2;
    }
    if (o->location && o->look != PADES_COPY) {
        ascii_fold(o->location, line, sizeof line);
        snprintf(l3, sizeof l3, "%s", line);
        lines[nl++] = l3;
    }
    double fs = (h - 6) / (nl * 1.25);
    if (fs > 10) fs = 10;
    if (fs < 3) fs = 3;
    buf_puts(b, "BT /F1 ");
    num(b, fs);
    buf_puts(b, " Tf ");
    num(b, fs * 1.25);
    buf_puts(b, " TL 4 ");
    num(b, h - 3 - fs);
    buf_puts(b, " Td\n");
    for (int k = 0; k < nl; k++) {
        put_literal(b, lines[k]);
        buf_puts(b, k + 1 < nl ? " Tj T*\n" : " Tj\n");
    }
    buf_puts(b, "ET Q\n");
}

/* ---- the update ---- */

typedef struct xrow { long num; int gen; size_t off; } xrow_t;

static int cmp_row(const void *a, const void *b)
{
    const xrow_t *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

/* Writes dict's pairs but skip1/skip2 (keys without '/'). */
static int write_pairs(buf_t *b, const pdfobj_t *dict, const char *skip1, const char *skip2)
{
    int rc = 0;
    for (size_t k = 0; dict && k < dict->u.dict.n && rc == 0; k++) {
        const pdfobj_pair_t *p = &dict->u.dict.pairs[k];
        if ((skip1 && !strcmp(p->key, skip1)) || (skip2 && !strcmp(p->key, skip2))) continue;
        rc = pdfobj_write_name(b, p->key);
        if (rc == 0) rc = buf_putc(b, ' ');
        if (rc == 0) rc = pdfobj_write(b, p->val);
    }
    return rc;
}

/* The items of an array (already resolved) followed by a reference to num. */
static int write_array_plus(buf_t *b, const pdfobj_t *arr, long num)
{
    int rc = buf_putc(b, '[');
    for (size_t k = 0; arr && k < arr->u.arr.n && rc == 0; k++) {
        rc = pdfobj_write(b, arr->u.arr.items[k]);
        if (rc == 0) rc = buf_putc(b, ' ');
    }
    return rc ? rc : buf_printf(b, "%ld 0 R]", num);
}

static int name_taken(pdfdoc_t *d, const pdfobj_t *fields, const char *t)
{
    for (size_t k = 0; fields && k < fields->u.arr.n && k < MAX_FIELDS; k++) {
        const pdfobj_t *f = pdfdoc_resolve(d, fields->u.arr.items[k]);
        const pdfobj_t *ft = pdfdoc_get_key(d, f, "T");
        if (ft && ft->kind == PDFOBJ_STRING) {
            char u[256];
            text_to_utf8(ft->u.str.p, ft->u.str.n, u, sizeof u);
            if (!strcmp(u, t)) return 1;
        }
    }
    return 0;
}

static int write_xref_table(buf_t *out, size_t base, xrow_t *rows, int nrows)
{
    int rc = buf_puts(out, "xref\n");
    for (int i = 0; i < nrows && rc == 0;) {
        int j = i;
        while (j + 1 < nrows && rows[j + 1].num == rows[j].num + 1) j++;
        rc = buf_printf(out, "%ld %d\n", rows[i].num, j - i + 1);
        for (int k = i; k <= j && rc == 0; k++) rc = buf_printf(out, "%010zu %05d n\r\n", rows[k].off, rows[k].gen);
        i = j + 1;
    }
    (void)base;
    return rc;
}

static int write_trailer_keys(buf_t *out, const pdfobj_t *trailer, long size, size_t prev)
{
    int rc = buf_printf(out, "/Size %ld", size);
    static const char *keep[] = {"Root", "Info", "ID"};
    for (int k = 0; k < 3 && rc == 0; k++) {
        const pdfobj_t *v = pdfobj_get(trailer, keep[k]);
        if (!v) continue;
        rc = buf_printf(out, "/%s ", keep[k]);
        if (rc == 0) rc = pdfobj_write(out, v);
    }
    return rc ? rc : buf_printf(out, "/Prev %zu", prev);
}

int pades_sign(signer_t *s, const void *pdf, size_t len, const pades_opts_t *opts, buf_t *out)
{
    pades_opts_t o = opts ? *opts : (pades_opts_t){0};
    if (!s || !pdf || !out) return -EINVAL;
    if (o.reserve == 0) o.reserve = PADES_DEFAULT_RESERVE;
    if (o.reserve < 1024 || o.reserve > PADES_MAX_RESERVE) return -EINVAL;
    if (o.look == PADES_SIGNER || (o.look == PADES_SEAL && !o.copy_box)) {
        if (!(o.w >= 8 && o.h >= 8 && o.w <= 14400 && o.h <= 14400 && fabs(o.x) <= 14400 && fabs(o.y) <= 14400))
            return -EINVAL;
    } else if (o.look != PADES_INVISIBLE && o.look != PADES_COPY) return -EINVAL;
    const char *texts[4] = {o.reason, o.location, o.name, o.field};
    for (int k = 0; k < 4; k++)
        if (texts[k] && (strlen(texts[k]) > 1000 || !utf8_valid(texts[k], strlen(texts[k])))) return -EINVAL;
    if (o.when == 0) o.when = time(NULL);

    pdfdoc_t *d;
    int rc = pdfdoc_open(&d, pdf, len);
    if (rc < 0) return rc;
    const pdfobj_t *trailer = pdfdoc_trailer(d), *cat;
    long cat_num;
    int cat_gen;
    pdfpage_t page;
    size_t len0 = out->len;
    buf_t app, der;
    buf_init(&app, 1 << 20);
    buf_init(&der, 1 << 20);
    if (pdfobj_get(trailer, "Encrypt")) { rc = -ENOTSUP; goto fail; }
    if (pdfdoc_catalog(d, &cat, &cat_num, &cat_gen) < 0 || pdfdoc_first_page(d, &page) < 0) { rc = -EBADMSG; goto fail; }
    const pdfobj_t *acro = pdfdoc_get_key(d, cat, "AcroForm");
    if (acro && acro->kind != PDFOBJ_DICT) acro = NULL;
    const pdfobj_t *fields = pdfdoc_get_key(d, acro, "Fields");
    if (fields && fields->kind != PDFOBJ_ARRAY) { rc = -EBADMSG; goto fail; }
    const pdfobj_t *annots = pdfdoc_get_key(d, page.dict, "Annots");
    if (annots && annots->kind != PDFOBJ_ARRAY) { rc = -EBADMSG; goto fail; }

    signer_info_t who;
    signer_get_info(s, &who);
    char tname[128];
    if (o.field) {
        if (name_taken(d, fields, o.field)) { rc = -EEXIST; goto fail; }
        snprintf(tname, sizeof tname, "%s", o.field);
    } else {
        for (int k = (fields ? (int)fields->u.arr.n : 0) + 1;; k++) {
            snprintf(tname, sizeof tname, "Signature%d", k);
            if (!name_taken(d, fields, tname)) break;
        }
    }
    /* the box on page 1, and the copy's place at its top right */
    double x = o.x, y = o.y, w = o.w, h = o.h;
    if (o.look == PADES_COPY || (o.look == PADES_SEAL && o.copy_box)) {
        w = PADES_COPY_W;
        h = PADES_COPY_H;
        x = page.media[2] - w - 24;
        y = page.media[3] - h - 24;
    }
    if (o.look == PADES_SEAL) {   /* a square whose right edge is at a third of the box: it covers that third */
        double side = h > w / 3 ? h : w / 3;
        x = x + w / 3 - side;
        y = y + h / 2 - side / 2;
        w = h = side;
    }
    int visible = o.look != PADES_INVISIBLE;
    long sig_num = pdfdoc_size(d), wid_num = sig_num + 1, ap_num = visible ? sig_num + 2 : 0;
    long next = sig_num + (visible ? 3 : 2);
    xrow_t rows[8];
    int nrows = 0;

    if (buf_append(out, pdf, len) < 0) { rc = -E2BIG; goto fail; }
    if (len && out->data[out->len - 1] != '\n' && out->data[out->len - 1] != '\r' && buf_putc(out, '\n') < 0) {
        rc = -E2BIG;
        goto fail;
    }
#define REL (out->len - len0)
#define P(e) do { if (rc == 0) rc = (e); } while (0)
    /* the signature dictionary */
    rows[nrows++] = (xrow_t){sig_num, 0, REL};
    struct tm tm;
    vn_time(o.when, &tm);
    char mdate[40];
    strftime(mdate, sizeof mdate, "D:%Y%m%d%H%M%S+07'00'", &tm);
    rc = buf_printf(out, "%ld 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/ByteRange [0 ",
                    sig_num);
    size_t br_pos = REL;
    if (rc == 0) rc = buf_puts(out, "0000000000 0000000000 0000000000]\n/Contents ");
    size_t ct_pos = REL;
    if (rc == 0) rc = buf_putc(out, '<');
    for (size_t k = 0; k < 2 * o.reserve && rc == 0; k += 64) rc = buf_append(out, "0000000000000000000000000000000000000000000000000000000000000000", 2 * o.reserve - k < 64 ? 2 * o.reserve - k : 64);
    if (rc == 0) rc = buf_putc(out, '>');
    size_t ct_end = REL;
    if (rc == 0) rc = buf_printf(out, "\n/M (%s)/Name ", mdate);
    if (rc == 0) rc = write_text(out, o.name ? o.name : who.subject_cn);
    if (o.reason) { P(buf_puts(out, "/Reason ")); P(write_text(out, o.reason)); }
    if (o.location) { P(buf_puts(out, "/Location ")); P(write_text(out, o.location)); }
    if (rc == 0) rc = buf_puts(out, ">>\nendobj\n");
    /* the field, merged with its widget */
    rows[nrows++] = (xrow_t){wid_num, 0, REL};
    if (rc == 0) rc = buf_printf(out, "%ld 0 obj\n<</Type/Annot/Subtype/Widget/FT/Sig/F 132/T ", wid_num);
    if (rc == 0) rc = write_text(out, tname);
    if (rc == 0) rc = buf_printf(out, "/V %ld 0 R/P %ld %d R/Rect [", sig_num, page.num, page.gen);
    if (visible) {
        P(num(out, x)); P(buf_putc(out, ' ')); P(num(out, y)); P(buf_putc(out, ' '));
        P(num(out, x + w)); P(buf_putc(out, ' ')); P(num(out, y + h));
        P(buf_printf(out, "]/AP <</N %ld 0 R>>", ap_num));
    } else P(buf_puts(out, "0 0 0 0]"));
    if (rc == 0) rc = buf_puts(out, ">>\nendobj\n");
    if (visible && rc == 0) {
        appearance(&app, &o, &who, w, h);
        rows[nrows++] = (xrow_t){ap_num, 0, REL};
        rc = buf_printf(out, "%ld 0 obj\n<</Type/XObject/Subtype/Form/BBox [0 0 ", ap_num);
        P(num(out, w)); P(buf_putc(out, ' ')); P(num(out, h));
        if (rc == 0)
            rc = buf_printf(out, "]/Resources <</Font <</F1 <</Type/Font/Subtype/Type1/BaseFont/Helvetica"
                                 "/Encoding/WinAnsiEncoding>>>>>>/Length %zu>>\nstream\n", app.len);
        if (rc == 0) rc = buf_append(out, app.data, app.len);
        if (rc == 0) rc = buf_puts(out, "\nendstream\nendobj\n");
    }
    /* the page, with the widget in /Annots */
    rows[nrows++] = (xrow_t){page.num, page.gen, REL};
    if (rc == 0) rc = buf_printf(out, "%ld %d obj\n<<", page.num, page.gen);
    if (rc == 0) rc = write_pairs(out, page.dict, "Annots", NULL);
    if (rc == 0) rc = buf_puts(out, "/Annots ");
    if (rc == 0) rc = write_array_plus(out, annots, wid_num);
    if (rc == 0) rc = buf_puts(out, ">>\nendobj\n");
    /* the catalog, with the field in /AcroForm /Fields (an indirect /AcroForm is now direct) */
    if (page.num != cat_num) rows[nrows++] = (xrow_t){cat_num, cat_gen, REL};
    else { rc = -EBADMSG; }
    if (rc == 0) rc = buf_printf(out, "%ld %d obj\n<<", cat_num, cat_gen);
    if (rc == 0) rc = write_pairs(out, cat, "AcroForm", NULL);
    if (rc == 0 && !pdfobj_get(cat, "Extensions"))   /* ETSI EN 319 142-1 §5.6: the ESIC extension of PDF 1.7 */
        rc = buf_puts(out, "/Extensions <</ESIC <</BaseVersion/1.7/ExtensionLevel 2>>>>");
    if (rc == 0) rc = buf_puts(out, "/AcroForm <<");
    if (rc == 0) rc = write_pairs(out, acro, "Fields", "SigFlags");
    if (rc == 0) rc = buf_puts(out, "/Fields ");
    if (rc == 0) rc = write_array_plus(out, fields, wid_num);
    if (rc == 0) rc = buf_puts(out, "/SigFlags 3>>>>\nendobj\n");
    if (rc < 0) goto fail;
    /* the cross-reference section, of the kind the file uses */
    size_t prev = pdfdoc_startxref(d), xref_at;
    if (pdfdoc_xref_is_stream(d)) {
        long xnum = next++;
        xref_at = REL;
        rows[nrows++] = (xrow_t){xnum, 0, xref_at};
        qsort(rows, (size_t)nrows, sizeof *rows, cmp_row);
        unsigned char bin[8 * 7];
        for (int k = 0; k < nrows; k++) {
            if (rows[k].off > 0xffffffffu) { rc = -E2BIG; goto fail; }
            unsigned char *r = bin + 7 * k;
            r[0] = 1;
            for (int q = 0; q < 4; q++) r[1 + q] = (unsigned char)(rows[k].off >> (24 - 8 * q));
            r[5] = (unsigned char)(rows[k].gen >> 8);
            r[6] = (unsigned char)rows[k].gen;
        }
        rc = buf_printf(out, "%ld 0 obj\n<</Type/XRef/W [1 4 2]/Index [", xnum);
        for (int i = 0; i < nrows && rc == 0;) {
            int j = i;
            while (j + 1 < nrows && rows[j + 1].num == rows[j].num + 1) j++;
            rc = buf_printf(out, "%s%ld %d", i ? " " : "", rows[i].num, j - i + 1);
            i = j + 1;
        }
        if (rc == 0) rc = buf_puts(out, "]");
        if (rc == 0) rc = write_trailer_keys(out, trailer, next, prev);
        if (rc == 0) rc = buf_printf(out, "/Length %d>>\nstream\n", 7 * nrows);
        if (rc == 0) rc = buf_append(out, bin, (size_t)(7 * nrows));
        if (rc == 0) rc = buf_puts(out, "\nendstream\nendobj\n");
    } else {
        qsort(rows, (size_t)nrows, sizeof *rows, cmp_row);
        xref_at = REL;
        rc = write_xref_table(out, len0, rows, nrows);
        if (rc == 0) rc = buf_puts(out, "trailer\n<<");
        if (rc == 0) rc = write_trailer_keys(out, trailer, next, prev);
        if (rc == 0) rc = buf_puts(out, ">>\n");
    }
    if (rc == 0) rc = buf_printf(out, "startxref\n%zu\n%%%%EOF\n", xref_at);
    if (rc < 0) goto fail;
    /* the byte range, then the CMS over it */
    size_t total = REL, a = ct_pos, b = ct_end, c = total - ct_end;
    if (total > 9999999999u) { rc = -E2BIG; goto fail; }
    char br[BR_WIDTH + 1];
    snprintf(br, sizeof br, "%010zu %010zu %010zu", a, b, c);
    memcpy(out->data + len0 + br_pos, br, BR_WIDTH);
    const unsigned char *base = (const unsigned char *)out->data + len0;
    sign_range_t r[2] = {{base, a}, {base + b, c}};
    if ((rc = signer_cms_detached(s, r, 2, &der)) < 0) goto fail;
    if (der.len > o.reserve) { rc = -ENOSPC; goto fail; }
    static const char hx[] = "0123456789abcdef";
    char *hole = out->data + len0 + a + 1;
    for (size_t k = 0; k < der.len; k++) {
        hole[2 * k] = hx[(unsigned char)der.data[k] >> 4];
        hole[2 * k + 1] = hx[(unsigned char)der.data[k] & 15];
    }
#undef REL
#undef P
    buf_free(&app);
    buf_free(&der);
    pdfdoc_close(d);
    return 0;
fail:
    out->len = len0;
    if (out->data) out->data[len0] = 0;
    buf_free(&app);
    buf_free(&der);
    pdfdoc_close(d);
    return rc == -E2BIG || rc == -ENOSPC || rc == -ENOTSUP || rc == -EEXIST || rc == -EINVAL ? rc
           : rc == -EBADMSG ? rc : -EIO;
}

/* ---- verification ---- */

msg_id_t pades_status_msg(pades_status_t st)
{
    switch (st) {
    case PADES_OK: return MSG_SIGN_ST_VALID;
    case PADES_ERR_BYTERANGE: return MSG_SIGN_ST_BYTERANGE;
    case PADES_ERR_NOT_WHOLE: return MSG_SIGN_ST_NOT_WHOLE;
    case PADES_ERR_DIGEST: return MSG_SIGN_ST_DIGEST;
    case PADES_ERR_UNTRUSTED: return MSG_SIGN_ST_UNTRUSTED;
    case PADES_ERR_REVOKED: return MSG_SIGN_ST_REVOKED;
    case PADES_ERR_CMS: return MSG_SIGN_ST_CMS;
    case PADES_ERR_SUBFILTER: return MSG_SIGN_ST_SUBFILTER;
    }
    return MSG_SIGN_ST_CMS;
}

const char *pades_status_name(pades_status_t st)
{
    switch (st) {
    case PADES_OK: return "valid";
    case PADES_ERR_BYTERANGE: return "bad byte range";
    case PADES_ERR_NOT_WHOLE: return "not whole document";
    case PADES_ERR_DIGEST: return "digest mismatch";
    case PADES_ERR_UNTRUSTED: return "certificate not trusted";
    case PADES_ERR_REVOKED: return "certificate revoked";
    case PADES_ERR_CMS: return "not a CMS signature";
    case PADES_ERR_SUBFILTER: return "unsupported signature type";
    }
    return "?";
}

/* The length of the DER object at p (trailing zero padding of /Contents is not part of it). */
static size_t der_length(const unsigned char *p, size_t n)
{
    if (n < 2 || p[0] != 0x30) return n;
    if (p[1] < 0x80) return 2u + p[1] <= n ? 2u + p[1] : n;
    int k = p[1] & 0x7f;
    if (k < 1 || k > 4 || n < 2u + (size_t)k) return n;
    size_t l = 0;
    for (int i = 0; i < k; i++) l = (l << 8) | p[2 + i];
    return l <= n - 2 - (size_t)k ? l + 2 + (size_t)k : n;
}

static void set_why(pades_result_t *r, const char *s) { snprintf(r->why, sizeof r->why, "%s", s); }

static void check_one(pdfdoc_t *d, const pdfobj_t *field, const pdfobj_t *v, const char *trust, pades_result_t *r)
{
    size_t len;
    const unsigned char *p = pdfdoc_data(d, &len);
    const pdfobj_t *t = pdfdoc_get_key(d, field, "T");
    if (t && t->kind == PDFOBJ_STRING) text_to_utf8(t->u.str.p, t->u.str.n, r->field, sizeof r->field);
    const pdfobj_t *sf = pdfdoc_get_key(d, v, "SubFilter");
    if (sf && sf->kind == PDFOBJ_NAME) snprintf(r->subfilter, sizeof r->subfilter, "%s", sf->u.name);
    const pdfobj_t *m = pdfdoc_get_key(d, v, "M");
    if (m && m->kind == PDFOBJ_STRING) text_to_utf8(m->u.str.p, m->u.str.n, r->m, sizeof r->m);
    if (!pdfobj_is_name(sf, "ETSI.CAdES.detached") && !pdfobj_is_name(sf, "adbe.pkcs7.detached")) {
        r->status = PADES_ERR_SUBFILTER;
        set_why(r, "only ETSI.CAdES.detached and adbe.pkcs7.detached are checked");
        return;
    }
    const pdfobj_t *br = pdfdoc_get_key(d, v, "ByteRange"), *ct = pdfobj_get(v, "Contents");
    long long q[4];
    int ok = br && br->kind == PDFOBJ_ARRAY && br->u.arr.n == 4 && ct && ct->kind == PDFOBJ_STRING && ct->in_file;
    for (int k = 0; ok && k < 4; k++) {
        const pdfobj_t *e = br->u.arr.items[k];
        ok = e->kind == PDFOBJ_INT && e->u.i >= 0 && (unsigned long long)e->u.i <= len;
        if (ok) q[k] = e->u.i;
    }
    ok = ok && q[0] == 0 && q[1] < q[2] && (unsigned long long)q[2] + (unsigned long long)q[3] <= len &&
         ct->off == (size_t)q[1] && ct->end == (size_t)q[2] && p[q[1]] == '<' && p[q[2] - 1] == '>';
    if (!ok) {
        r->status = PADES_ERR_BYTERANGE;
        set_why(r, "the /ByteRange does not start at 0 or does not leave out exactly the /Contents string");
        return;
    }
    r->covered_to = (size_t)(q[2] + q[3]);
    r->whole = r->covered_to == len;
    sign_range_t rg[2] = {{p, (size_t)q[1]}, {p + q[2], (size_t)q[3]}};
    char why[160];
    int rc = signer_cms_verify(ct->u.str.p, der_length(ct->u.str.p, ct->u.str.n), rg, 2, trust, &r->who,
                               &r->signed_at, why, sizeof why);
    set_why(r, why);
    r->status = rc == 0 ? PADES_OK : rc == -EBADMSG ? PADES_ERR_DIGEST : rc == -EKEYREVOKED ? PADES_ERR_REVOKED
              : rc == -EKEYREJECTED ? PADES_ERR_UNTRUSTED : PADES_ERR_CMS;
}

struct walk {
    pdfdoc_t       *d;
    const char     *trust;
    pades_result_t *res;
    size_t          max, n, visits;
};

static void walk_fields(struct walk *w, const pdfobj_t *arr, int depth)
{
    if (!arr || arr->kind != PDFOBJ_ARRAY || depth > 16) return;
    for (size_t k = 0; k < arr->u.arr.n && w->visits < MAX_FIELDS; k++) {
        w->visits++;
        const pdfobj_t *f = pdfdoc_resolve(w->d, arr->u.arr.items[k]);
        if (!f || f->kind != PDFOBJ_DICT) continue;
        const pdfobj_t *v = pdfdoc_get_key(w->d, f, "V");
        if (pdfobj_is_name(pdfdoc_get_key(w->d, f, "FT"), "Sig") && v && v->kind == PDFOBJ_DICT) {
            if (w->n < w->max) {
                pades_result_t *r = &w->res[w->n];
                memset(r, 0, sizeof *r);
                check_one(w->d, f, v, w->trust, r);
            }
            w->n++;
        }
        walk_fields(w, pdfdoc_get_key(w->d, f, "Kids"), depth + 1);
    }
}

int pades_verify(const void *pdf, size_t len, const char *trust_pem, pades_result_t *res, size_t max, size_t *n)
{
    *n = 0;
    pdfdoc_t *d;
    int rc = pdfdoc_open(&d, pdf, len);
    if (rc < 0) return rc;
    const pdfobj_t *cat;
    if (pdfdoc_catalog(d, &cat, NULL, NULL) < 0) { pdfdoc_close(d); return -EBADMSG; }
    struct walk w = {d, trust_pem, res, max, 0, 0};
    walk_fields(&w, pdfdoc_get_key(d, pdfdoc_get_key(d, cat, "AcroForm"), "Fields"), 0);
    /* the signature that reaches furthest must reach the end: anything after it was added without a signature */
    size_t kept = w.n < max ? w.n : max, last = kept;
    for (size_t k = 0; k < kept; k++)
        if (res[k].covered_to && (last == kept || res[k].covered_to > res[last].covered_to)) last = k;
    if (last < kept && !res[last].whole && res[last].status == PADES_OK) {
        res[last].status = PADES_ERR_NOT_WHOLE;
        set_why(&res[last], "bytes were added after the last signature (not the whole document)");
    }
    *n = w.n;
    pdfdoc_close(d);
    return 0;
}

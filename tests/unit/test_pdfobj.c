/* test_pdfobj.c — the bounded PDF reader: classic xref tables, xref streams with PNG predictors, object streams,
 * incremental updates (/Prev), hybrid files (/XRefStm), the page tree, the writer; and malformed input of every
 * kind (truncations, flipped bytes, loops, deep nesting) refused without a crash.
 * Inputs: the PDFs of tests/data/pdf/, written byte by byte by tests/data/pdf/make_pdfs.py. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sign/pdfobj.h"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc((size_t)len + 1);
    cr_assert_eq(fread(p, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return p;
}

static char *decoded(pdfdoc_t *d, long num)
{
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, num, &o, NULL), 0);
    cr_assert_eq(o->kind, PDFOBJ_STREAM);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(pdfdoc_stream_decode(d, o, &b), 0);
    return buf_steal(&b);
}

Test(pdfobj, classic_table)
{
    size_t n;
    unsigned char *p = slurp("tests/data/pdf/table.pdf", &n);
    pdfdoc_t *d;
    cr_assert_eq(pdfdoc_open(&d, p, n), 0);
    cr_assert_eq(pdfdoc_xref_is_stream(d), 0);
    cr_assert_eq(pdfdoc_size(d), 8);
    cr_assert(memcmp(p + pdfdoc_startxref(d), "xref", 4) == 0);
    const pdfobj_t *cat;
    long cn;
    int cg;
    cr_assert_eq(pdfdoc_catalog(d, &cat, &cn, &cg), 0);
    cr_assert_eq(cn, 1);
    cr_assert(pdfobj_is_name(pdfobj_get(cat, "Type"), "Catalog"));
    pdfpage_t pg;
    cr_assert_eq(pdfdoc_first_page(d, &pg), 0);
    cr_assert_eq(pg.num, 3);
    cr_assert_eq(pg.gen, 0);
    cr_assert_float_eq(pg.media[2], 595, 1e-9);
    cr_assert_float_eq(pg.media[3], 842, 1e-9);   /* inherited from /Pages */
    const pdfobj_t *annots = pdfdoc_get_key(d, pg.dict, "Annots");   /* by reference */
    cr_assert(annots && annots->kind == PDFOBJ_ARRAY && annots->u.arr.n == 0);
    const pdfobj_t *info = pdfdoc_get_key(d, pdfdoc_trailer(d), "Info");
    const pdfobj_t *title = pdfobj_get(info, "Title"), *prod = pdfobj_get(info, "Producer");
    cr_assert_eq(title->kind, PDFOBJ_STRING);
    cr_assert_str_eq((const char *)title->u.str.p, "Classic (table) test");   /* escapes decoded */
    cr_assert_str_eq((const char *)prod->u.str.p, "motcua");                  /* hex string */
    const pdfobj_t *id = pdfobj_get(pdfdoc_trailer(d), "ID");
    cr_assert(id && id->kind == PDFOBJ_ARRAY && id->u.arr.n == 2 && id->u.arr.items[0]->u.str.n == 16);
    char *c = decoded(d, 4);
    cr_assert(strstr(c, "(Hello classic xref table) Tj"));
    free(c);
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, 0, &o, NULL), -ENOENT);
    cr_assert_eq(pdfdoc_get(d, 8, &o, NULL), -ENOENT);
    cr_assert_eq(pdfdoc_get(d, 999999, &o, NULL), -ENOENT);
    /* the offsets of objects parsed from the file */
    cr_assert_eq(title->in_file, 1);
    cr_assert_eq(p[title->off], '(');
    cr_assert_eq(p[title->end - 1], ')');
    pdfdoc_close(d);
    pdfdoc_close(NULL);
    free(p);
}

Test(pdfobj, xref_stream_and_object_stream)
{
    size_t n;
    unsigned char *p = slurp("tests/data/pdf/xrefstm.pdf", &n);
    pdfdoc_t *d;
    cr_assert_eq(pdfdoc_open(&d, p, n), 0);
    cr_assert_eq(pdfdoc_xref_is_stream(d), 1);
    cr_assert_eq(pdfdoc_size(d), 8);
    const pdfobj_t *cat;
    cr_assert_eq(pdfdoc_catalog(d, &cat, NULL, NULL), 0);   /* in object stream 6 */
    cr_assert_eq(cat->in_file, 0);
    cr_assert(pdfobj_is_name(pdfobj_get(cat, "Type"), "Catalog"));
    pdfpage_t pg;
    cr_assert_eq(pdfdoc_first_page(d, &pg), 0);
    cr_assert_eq(pg.num, 3);
    cr_assert_float_eq(pg.media[2], 612, 1e-9);
    cr_assert_float_eq(pg.media[3], 792, 1e-9);
    const pdfobj_t *font;
    cr_assert_eq(pdfdoc_get(d, 5, &font, NULL), 0);
    cr_assert(pdfobj_is_name(pdfobj_get(font, "BaseFont"), "Helvetica"));
    char *c = decoded(d, 4);   /* FlateDecode */
    cr_assert(strstr(c, "(Hello xref stream) Tj"), "%s", c);
    free(c);
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, 0, &o, NULL), -ENOENT);   /* free, generation 255 */
    pdfdoc_close(d);
    free(p);
}

Test(pdfobj, incremental_update_and_hybrid)
{
    size_t n;
    unsigned char *p = slurp("tests/data/pdf/updated.pdf", &n);
    pdfdoc_t *d;
    cr_assert_eq(pdfdoc_open(&d, p, n), 0);
    char *c = decoded(d, 4);   /* the newest revision of object 4 */
    cr_assert(strstr(c, "Hello updated revision"), "%s", c);
    free(c);
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, 5, &o, NULL), 0);   /* from the older section, through /Prev */
    pdfdoc_close(d);
    free(p);

    p = slurp("tests/data/pdf/hybrid.pdf", &n);
    cr_assert_eq(pdfdoc_open(&d, p, n), 0);
    cr_assert_eq(pdfdoc_xref_is_stream(d), 0);
    cr_assert_eq(pdfdoc_get(d, 5, &o, NULL), 0, "object 5 is listed only by the /XRefStm stream");
    cr_assert(pdfobj_is_name(pdfobj_get(o, "Type"), "Font"));
    pdfdoc_close(d);
    free(p);
}

/* Parses one object from text through a minimal file around it. */
static pdfdoc_t *doc_with(const char *obj1, unsigned char **keep)
{
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "%PDF-1.7\n");
    size_t o1 = b.len;
    buf_printf(&b, "1 0 obj\n%s\nendobj\n", obj1);
    size_t x = b.len;
    buf_printf(&b, "xref\n0 2\n0000000000 65535 f\r\n%010zu 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R>>\n"
                   "startxref\n%zu\n%%%%EOF\n", o1, x);
    size_t n = b.len;
    *keep = (unsigned char *)buf_steal(&b);
    pdfdoc_t *d = NULL;
    cr_assert_eq(pdfdoc_open(&d, *keep, n), 0);
    return d;
}

Test(pdfobj, syntax_and_writer_round_trip)
{
    unsigned char *k1, *k2;
    pdfdoc_t *d = doc_with("<</A#20B (x\\(y\\)\\101\\\nz) /N /a#2Fb /R -1.50 /I +7 /Ar [1 0 R true false null <41 4>]"
                           "/D <<>> %comment\n /E []>>", &k1);
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), 0);
    cr_assert_eq(o->kind, PDFOBJ_DICT);
    const pdfobj_t *s = pdfobj_get(o, "A B");
    cr_assert(s && s->kind == PDFOBJ_STRING);
    cr_assert_str_eq((const char *)s->u.str.p, "x(y)Az");
    cr_assert(pdfobj_is_name(pdfobj_get(o, "N"), "a/b"));
    double v;
    cr_assert_eq(pdfobj_number(pdfobj_get(o, "R"), &v), 0);
    cr_assert_float_eq(v, -1.5, 1e-12);
    cr_assert_eq(pdfobj_get(o, "I")->u.i, 7);
    const pdfobj_t *ar = pdfobj_get(o, "Ar");
    cr_assert_eq(ar->u.arr.n, 5);
    cr_assert_eq(ar->u.arr.items[0]->kind, PDFOBJ_REF);
    cr_assert_eq(ar->u.arr.items[4]->u.str.n, 2);
    cr_assert_eq(ar->u.arr.items[4]->u.str.p[1], 0x40);   /* an odd final digit is followed by 0 */
    cr_assert_null(pdfdoc_resolve(d, pdfobj_get(o, "Nope")));
    buf_t w1, w2;
    buf_init(&w1, 0);
    buf_init(&w2, 0);
    cr_assert_eq(pdfobj_write(&w1, o), 0);
    pdfdoc_t *d2 = doc_with(w1.data, &k2);
    const pdfobj_t *o2;
    cr_assert_eq(pdfdoc_get(d2, 1, &o2, NULL), 0);
    cr_assert_eq(pdfobj_write(&w2, o2), 0);
    cr_assert_str_eq(w1.data, w2.data);
    cr_assert(strstr(w1.data, "/A#20B <78287929417A>"), "%s", w1.data);
    cr_assert(strstr(w1.data, "/N /a#2Fb"), "%s", w1.data);
    cr_assert(strstr(w1.data, "/R -1.50"), "%s", w1.data);
    buf_free(&w1);
    buf_free(&w2);
    pdfdoc_close(d);
    pdfdoc_close(d2);
    free(k1);
    free(k2);
}

Test(pdfobj, malformed_headers_and_xref)
{
    pdfdoc_t *d = (pdfdoc_t *)1;
    cr_assert_eq(pdfdoc_open(&d, "", 0), -EINVAL);
    cr_assert_null(d);
    const char *nohdr = "hello world, this is not a pdf\nstartxref\n0\n%%EOF\n";
    cr_assert_eq(pdfdoc_open(&d, nohdr, strlen(nohdr)), -EINVAL);
    const char *nosx = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    cr_assert_eq(pdfdoc_open(&d, nosx, strlen(nosx)), -EINVAL);
    const char *far = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\nstartxref\n99999\n%%EOF\n";
    cr_assert_eq(pdfdoc_open(&d, far, strlen(far)), -EBADMSG);
    const char *notx = "%PDF-1.7\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n";   /* points at an object */
    cr_assert_eq(pdfdoc_open(&d, notx, strlen(notx)), -EBADMSG);
    /* a /Prev that points at itself */
    char loop[256];
    int n = snprintf(loop, sizeof loop, "%%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1/Root 1 0 R"
                                        "/Prev 9>>\nstartxref\n9\n%%%%EOF\n");
    cr_assert_eq(pdfdoc_open(&d, loop, (size_t)n), -EBADMSG);
    /* no /Root */
    n = snprintf(loop, sizeof loop, "%%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1>>\nstartxref\n9\n"
                                    "%%%%EOF\n");
    cr_assert_eq(pdfdoc_open(&d, loop, (size_t)n), -EBADMSG);
    /* a huge /Size */
    n = snprintf(loop, sizeof loop, "%%PDF-1.7\nxref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 99999999999/Root 1 0 R>>"
                                    "\nstartxref\n9\n%%%%EOF\n");
    cr_assert_eq(pdfdoc_open(&d, loop, (size_t)n), -EBADMSG);
}

Test(pdfobj, deep_nesting_and_reference_loops)
{
    char deep[4096];
    size_t k = 0;
    for (int i = 0; i < 1000; i++) deep[k++] = '[';
    for (int i = 0; i < 1000; i++) deep[k++] = ']';
    deep[k] = 0;
    unsigned char *keep;
    pdfdoc_t *d = doc_with(deep, &keep);
    const pdfobj_t *o;
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), -EBADMSG);
    pdfdoc_close(d);
    free(keep);
    /* a stream whose /Length is itself, and a reference to itself */
    d = doc_with("<</Length 1 0 R>>\nstream\nabc\nendstream", &keep);
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), -EBADMSG);
    pdfdoc_close(d);
    free(keep);
    d = doc_with("1 0 R", &keep);
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), 0);
    cr_assert_null(pdfdoc_resolve(d, o));
    pdfpage_t pg;
    cr_assert_eq(pdfdoc_first_page(d, &pg), -EBADMSG);
    pdfdoc_close(d);
    free(keep);
    /* a page tree that loops: /Kids of the root is the root */
    d = doc_with("<</Type/Catalog/Pages 1 0 R/Kids [1 0 R]>>", &keep);
    cr_assert_eq(pdfdoc_first_page(d, &pg), -EBADMSG);
    pdfdoc_close(d);
    free(keep);
    /* a corrupt Flate stream and an unknown filter */
    d = doc_with("<</Length 5/Filter/FlateDecode>>\nstream\nabcde\nendstream", &keep);
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), 0);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_eq(pdfdoc_stream_decode(d, o, &b), -EBADMSG);
    cr_assert_eq(b.len, 0);
    pdfdoc_close(d);
    free(keep);
    d = doc_with("<</Length 5/Filter/LZWDecode>>\nstream\nabcde\nendstream", &keep);
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), 0);
    cr_assert_eq(pdfdoc_stream_decode(d, o, &b), -ENOTSUP);
    pdfdoc_close(d);
    free(keep);
    /* a wrong /Length: the data runs to "endstream" */
    d = doc_with("<</Length 999>>\nstream\nabcde\nendstream", &keep);
    cr_assert_eq(pdfdoc_get(d, 1, &o, NULL), 0);
    cr_assert_eq(pdfdoc_stream_decode(d, o, &b), 0);
    cr_assert_str_eq(b.data, "abcde");
    buf_free(&b);
    pdfdoc_close(d);
    free(keep);
}

/* Every prefix, and every file with one byte changed, opens or fails cleanly; whatever opens can be walked. */
static void walk_all(const unsigned char *p, size_t n)
{
    pdfdoc_t *d;
    int rc = pdfdoc_open(&d, p, n);
    cr_assert(rc == 0 || rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG, "rc %d", rc);
    if (rc) return;
    pdfpage_t pg;
    (void)pdfdoc_first_page(d, &pg);
    for (long k = 0; k < pdfdoc_size(d) + 2; k++) {
        const pdfobj_t *o;
        if (pdfdoc_get(d, k, &o, NULL) == 0 && o->kind == PDFOBJ_STREAM) {
            buf_t b;
            buf_init(&b, 0);
            (void)pdfdoc_stream_decode(d, o, &b);
            buf_free(&b);
        }
    }
    pdfdoc_close(d);
}

Test(pdfobj, truncations_and_flips_never_crash)
{
    const char *files[] = {"tests/data/pdf/table.pdf", "tests/data/pdf/xrefstm.pdf", "tests/data/pdf/updated.pdf",
                           "tests/data/pdf/hybrid.pdf"};
    for (size_t f = 0; f < sizeof files / sizeof *files; f++) {
        size_t n;
        unsigned char *p = slurp(files[f], &n);
        for (size_t cut = 0; cut <= n; cut++) {
            unsigned char *q = malloc(cut + 1);   /* exactly cut bytes: ASan sees any read past them */
            memcpy(q, p, cut);
            walk_all(q, cut);
            free(q);
        }
        unsigned char *q = malloc(n);
        for (size_t i = 0; i < n; i++) {
            memcpy(q, p, n);
            q[i] ^= (unsigned char)(0x5a + i);
            walk_all(q, n);
        }
        free(q);
        free(p);
    }
}

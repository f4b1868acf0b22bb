/* fuzz_pdfobj.c — libFuzzer target: the bounded PDF reader (sign/pdfobj.h) and the signature walk of pades_verify.
 *
 * Any input either opens or is refused with -EINVAL / -EBADMSG / -E2BIG; what opens is walked as a signer would:
 * the catalog, the first page and its /Annots, every object and every stream decoded, each direct object written
 * back by pdfobj_write and parsed again to the same bytes (the writer emits only syntax the reader accepts). Then
 * pades_verify reads the same bytes (no trust anchors) and must not crash either. The seeds are the hand-made
 * PDFs of tests/data/pdf/ (a signed PDF is larger than the 4 KiB inputs scripts/fuzz runs with). */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sign/pades.h"
#include "sign/pdfobj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* o written, wrapped in a one-object file, read back and written again: the same text. */
static void round_trip(const pdfobj_t *o)
{
    buf_t w;
    buf_init(&w, 1 << 20);
    if (pdfobj_write(&w, o) < 0 || w.len == 0) { buf_free(&w); return; }
    buf_t f;
    buf_init(&f, 4 << 20);
    buf_puts(&f, "%PDF-1.7\n");
    size_t o1 = f.len;
    buf_puts(&f, "1 0 obj\n");
    buf_append(&f, w.data, w.len);
    buf_puts(&f, "\nendobj\n");
    size_t x = f.len;
    buf_printf(&f, "xref\n0 2\n0000000000 65535 f\r\n%010zu 00000 n\r\ntrailer\n<</Size 2/Root 1 0 R>>\nstartxref\n%zu\n"
                   "%%%%EOF\n", o1, x);
    pdfdoc_t *d;
    if (o->kind != PDFOBJ_REF && pdfdoc_open(&d, f.data, f.len) == 0) {
        const pdfobj_t *back;
        int rc = pdfdoc_get(d, 1, &back, NULL);
        assert(rc == 0);
        buf_t w2;
        buf_init(&w2, 1 << 20);
        assert(pdfobj_write(&w2, back) == 0);
        assert(w2.len == w.len && memcmp(w2.data, w.data, w.len) == 0);
        buf_free(&w2);
        pdfdoc_close(d);
    }
    buf_free(&f);
    buf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pdfdoc_t *d;
    int rc = pdfdoc_open(&d, data, size);
    assert(rc == 0 || rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG);
    if (rc == 0) {
        const pdfobj_t *cat;
        if (pdfdoc_catalog(d, &cat, NULL, NULL) == 0) round_trip(cat);
        pdfpage_t pg;
        if (pdfdoc_first_page(d, &pg) == 0) {
            assert(pg.dict && pg.num > 0);
            (void)pdfdoc_get_key(d, pg.dict, "Annots");
        }
        long n = pdfdoc_size(d);
        for (long k = 0; k < n && k < 256; k++) {
            const pdfobj_t *o;
            if (pdfdoc_get(d, k, &o, NULL) < 0) continue;
            if (o->kind == PDFOBJ_STREAM) {
                buf_t b;
                buf_init(&b, 0);
                (void)pdfdoc_stream_decode(d, o, &b);
                buf_free(&b);
            } else {
                round_trip(o);
            }
        }
        pdfdoc_close(d);
    }
    pades_result_t r[4];
    size_t nr = 0;
    rc = pades_verify(data, size, NULL, r, 4, &nr);
    assert(rc == 0 || rc == -EINVAL || rc == -EBADMSG || rc == -E2BIG);
    return 0;
}

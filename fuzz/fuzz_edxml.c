/* fuzz_edxml.c — libFuzzer target: the edXML reader (domain/edxml.h) and the XML-DSig verifier (sign/xmldsig.h).
 *
 * The first byte picks the target. Even: edxml_parse either refuses with a reason or yields a document that
 * edxml_build writes back and edxml_parse reads again to the same key fields (whatever is read can be sent on).
 * Odd: xmldsig_verify without trust anchors never crashes, returns one of its documented codes, and says why
 * when it refuses. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "domain/edxml.h"
#include "sign/xmldsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    char why[512];
    if (data[0] % 2 == 0) {
        edxml_doc_t d, e;
        int rc = edxml_parse(s, n, &d, why, sizeof why);
        if (rc) {
            assert(rc == -EINVAL || rc == -E2BIG);
            assert(why[0]);
            return 0;
        }
        buf_t x;
        buf_init(&x, 0);
        rc = edxml_build(&d, &x, why, sizeof why);
        assert(rc == 0);
        rc = edxml_parse(x.data, x.len, &e, why, sizeof why);
        assert(rc == 0);
        assert(e.kind == d.kind && e.n_to == d.n_to && e.n_attachments == d.n_attachments);
        assert(!strcmp(e.from.organ_id, d.from.organ_id) && !strcmp(e.document_id, d.document_id));
        assert(!strcmp(e.subject, d.subject) && !strcmp(e.status_code, d.status_code));
        for (int i = 0; i < d.n_attachments; i++)
            assert(e.attachments[i].len == d.attachments[i].len &&
                   (d.attachments[i].len == 0 ||
                    !memcmp(e.attachments[i].data, d.attachments[i].data, d.attachments[i].len)));
        edxml_doc_free(&e);
        edxml_doc_free(&d);
        buf_free(&x);
        return 0;
    }
    signer_info_t who;
    bool lenient = false;
    int rc = xmldsig_verify(s, n, NULL, &who, &lenient, why, sizeof why);
    assert(rc == 0 || rc == -ENOENT || rc == -EBADMSG || rc == -EKEYREJECTED || rc == -EINVAL || rc == -E2BIG ||
           rc == -EIO);
    assert(rc == 0 ? (!lenient || why[0]) : (why[0] && !lenient));
    return 0;
}

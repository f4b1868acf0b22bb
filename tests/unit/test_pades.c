/* test_pades.c — pades_sign / pades_verify: the update is appended to untouched bytes, the byte range leaves out
 * exactly /Contents, a second signature keeps the first, every failure leaves the output as it was, and the
 * verifier tells a changed byte, an unknown CA, appended bytes and a forged byte range apart.
 * (End to end with pdfsig and openssl: tests/cli/test_pades.sh.) */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/mem.h"
#include "testcerts.h"
#include "sign/pades.h"
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

struct pki { EVP_PKEY *cak, *k; X509 *ca, *leaf; signer_t *s; char *trust; };

static void pki_make(struct pki *k, int rsa, const char *cn)
{
    k->cak = EVP_EC_gen("P-256");
    k->ca = tc_cert(k->cak, "pades test CA", NULL, NULL, 1, 1, -1, 30);
    k->k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    k->leaf = tc_cert(k->k, cn, k->ca, k->cak, 2, 0, -1, 30);
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, k->ca);
    PKCS12 *p12 = PKCS12_create("pw", "x", k->k, k->leaf, chain, 0, 0, 0, 0, 0);
    sk_X509_free(chain);
    unsigned char *der = NULL;
    int n = i2d_PKCS12(p12, &der);
    PKCS12_free(p12);
    cr_assert_eq(signer_from_pkcs12(der, (size_t)n, "pw", &k->s), 0);
    OPENSSL_free(der);
    k->trust = tc_pem(k->ca);
}

static void pki_free(struct pki *k)
{
    signer_close(k->s);
    EVP_PKEY_free(k->cak); EVP_PKEY_free(k->k); X509_free(k->ca); X509_free(k->leaf);
    free(k->trust);
}

static void sign_file(const char *path, int xref_stream)
{
    struct pki k;
    pki_make(&k, 0, "Lê Thị Bình");
    size_t n;
    unsigned char *p = slurp(path, &n);
    buf_t out;
    buf_init(&out, 0);
    buf_puts(&out, "junk before");   /* pades_sign appends: offsets are relative to the PDF's own start */
    size_t pre = out.len;
    pades_opts_t o = {.reason = "Phê duyệt", .location = "Hà Nội", .look = PADES_SIGNER, .x = 50, .y = 50,
                      .w = 160, .h = 50, .when = 1764720000};
    cr_assert_eq(pades_sign(k.s, p, n, &o, &out), 0);
    const unsigned char *q = (const unsigned char *)out.data + pre;
    size_t qn = out.len - pre;
    cr_assert(memcmp(q, p, n) == 0, "the original bytes are a prefix");
    cr_assert(strstr((const char *)q + n, "/M (D:20251203070000+07'00')"), "the /M time in Vietnam time");
    /* the new xref is of the original's kind */
    pdfdoc_t *d;
    cr_assert_eq(pdfdoc_open(&d, q, qn), 0);
    cr_assert_eq(pdfdoc_xref_is_stream(d), xref_stream);
    cr_assert_eq(pdfdoc_startxref(d) > n, 1);
    pdfpage_t pg;
    cr_assert_eq(pdfdoc_first_page(d, &pg), 0);
    const pdfobj_t *annots = pdfdoc_get_key(d, pg.dict, "Annots");
    cr_assert_eq(annots->u.arr.n, 1);
    pdfdoc_close(d);

    pades_result_t r[4];
    size_t nr;
    cr_assert_eq(pades_verify(q, qn, k.trust, r, 4, &nr), 0);
    cr_assert_eq(nr, 1);
    cr_assert_eq(r[0].status, PADES_OK, "%s", r[0].why);
    cr_assert_eq(r[0].whole, 1);
    cr_assert_str_eq(r[0].field, "Signature1");
    cr_assert_str_eq(r[0].subfilter, "ETSI.CAdES.detached");
    cr_assert_str_eq(r[0].who.subject_cn, "Lê Thị Bình");
    cr_assert_gt(r[0].signed_at, 0);

    /* a second signature (RSA) keeps the first */
    struct pki k2;
    pki_make(&k2, 1, "Signer Two");
    buf_t out2;
    buf_init(&out2, 0);
    cr_assert_eq(pades_sign(k2.s, q, qn, NULL, &out2), 0);
    cr_assert(memcmp(out2.data, q, qn) == 0);
    cr_assert_eq(pades_verify(out2.data, out2.len, NULL, r, 4, &nr), 0);
    cr_assert_eq(nr, 2);
    cr_assert_eq(r[0].status, PADES_OK, "%s", r[0].why);
    cr_assert_eq(r[0].whole, 0);
    cr_assert_eq(r[1].status, PADES_OK, "%s", r[1].why);
    cr_assert_eq(r[1].whole, 1);
    cr_assert_str_eq(r[1].field, "Signature2");
    /* trust: the first CA only knows the first signer */
    cr_assert_eq(pades_verify(out2.data, out2.len, k.trust, r, 4, &nr), 0);
    cr_assert_eq(r[0].status, PADES_OK);
    cr_assert_eq(r[1].status, PADES_ERR_UNTRUSTED);
    /* max smaller than the count */
    cr_assert_eq(pades_verify(out2.data, out2.len, NULL, r, 1, &nr), 0);
    cr_assert_eq(nr, 2);
    buf_free(&out2);
    pki_free(&k2);

    /* one changed byte of the signed range */
    unsigned char *t = malloc(qn);
    memcpy(t, q, qn);
    t[7] ^= 1;
    cr_assert_eq(pades_verify(t, qn, k.trust, r, 4, &nr), 0);
    cr_assert_eq(r[0].status, PADES_ERR_DIGEST);
    /* bytes of /Contents are not signed, but they are the signature: changing one breaks the CMS */
    memcpy(t, q, qn);
    const char *ct = memmem(t + n, qn - n, "/Contents <", 11);   /* t is not NUL-terminated */
    cr_assert(ct);
    t[ct - (const char *)t + 20] ^= 1;
    cr_assert_eq(pades_verify(t, qn, k.trust, r, 4, &nr), 0);
    cr_assert_neq(r[0].status, PADES_OK);
    free(t);
    /* appended bytes: the last signature no longer covers the whole file */
    t = malloc(qn + 8);
    memcpy(t, q, qn);
    memcpy(t + qn, "% more\n", 7);
    cr_assert_eq(pades_verify(t, qn + 7, k.trust, r, 4, &nr), 0);
    cr_assert_eq(r[0].status, PADES_ERR_NOT_WHOLE);
    free(t);
    buf_free(&out);
    free(p);
    pki_free(&k);
}

Test(pades, sign_verify_classic_table) { sign_file("tests/data/pdf/table.pdf", 0); }
Test(pades, sign_verify_xref_stream) { sign_file("tests/data/pdf/xrefstm.pdf", 1); }
Test(pades, sign_verify_hybrid) { sign_file("tests/data/pdf/hybrid.pdf", 0); }

Test(pades, forged_byte_range_is_refused)
{
    struct pki k;
    pki_make(&k, 0, "x");
    size_t n;
    unsigned char *p = slurp("tests/data/pdf/table.pdf", &n);
    buf_t out;
    buf_init(&out, 0);
    cr_assert_eq(pades_sign(k.s, p, n, NULL, &out), 0);
    /* shift the second range by one digit: same length, no longer the /Contents string's bounds */
    char *br = strstr(out.data, "/ByteRange [0 ");
    cr_assert(br);
    char *second = br + strlen("/ByteRange [0 ") + 11;   /* "0000000abc " then b */
    second[9] = second[9] == '9' ? '8' : (char)(second[9] + 1);
    pades_result_t r[2];
    size_t nr;
    cr_assert_eq(pades_verify(out.data, out.len, k.trust, r, 2, &nr), 0);
    cr_assert_eq(nr, 1);
    cr_assert_eq(r[0].status, PADES_ERR_BYTERANGE, "%d %s", r[0].status, r[0].why);
    buf_free(&out);
    free(p);
    pki_free(&k);
}

Test(pades, failures_leave_the_output_unchanged)
{
    struct pki k;
    pki_make(&k, 1, "RSA signer");
    size_t n;
    unsigned char *p = slurp("tests/data/pdf/table.pdf", &n);
    buf_t out;
    buf_init(&out, 0);
    buf_puts(&out, "keep");
    /* no room: an RSA CMS with its chain needs more than 1024 bytes */
    pades_opts_t o = {.reserve = 1024};
    cr_assert_eq(pades_sign(k.s, p, n, &o, &out), -ENOSPC);
    cr_assert_eq(out.len, 4);
    cr_assert_str_eq(out.data, "keep");
    /* not a PDF, a truncated PDF, bad options */
    cr_assert_eq(pades_sign(k.s, "not a pdf at all, no", 20, NULL, &out), -EINVAL);
    cr_assert_lt(pades_sign(k.s, p, n / 2, NULL, &out), 0);
    o = (pades_opts_t){.look = PADES_SIGNER, .w = 1, .h = 1};
    cr_assert_eq(pades_sign(k.s, p, n, &o, &out), -EINVAL);
    o = (pades_opts_t){.reason = "\xff\xfe bad utf-8"};
    cr_assert_eq(pades_sign(k.s, p, n, &o, &out), -EINVAL);
    cr_assert_eq(out.len, 4);
    /* an encrypted document */
    buf_t enc;
    buf_init(&enc, 0);
    char *tr = memmem(p, n, "/Info 6 0 R", 11);   /* the file's bytes are not NUL-terminated */
    cr_assert(tr);
    buf_append(&enc, p, (size_t)(tr - (char *)p));
    buf_puts(&enc, "/Encrypt 6 0 R");
    buf_append(&enc, tr + 11, n - (size_t)(tr + 11 - (char *)p));
    cr_assert_eq(pades_sign(k.s, enc.data, enc.len, NULL, &out), -ENOTSUP);
    cr_assert_eq(out.len, 4);
    /* a field name already taken */
    buf_t one;
    buf_init(&one, 0);
    o = (pades_opts_t){.field = "Chữ ký 1"};
    cr_assert_eq(pades_sign(k.s, p, n, &o, &one), 0);
    cr_assert_eq(pades_sign(k.s, one.data, one.len, &o, &out), -EEXIST);
    cr_assert_eq(out.len, 4);
    pades_result_t r[2];
    size_t nr;
    cr_assert_eq(pades_verify(one.data, one.len, k.trust, r, 2, &nr), 0);
    cr_assert_str_eq(r[0].field, "Chữ ký 1");   /* UTF-16BE text string read back */
    /* unsigned, and not a PDF */
    cr_assert_eq(pades_verify(p, n, k.trust, r, 2, &nr), 0);
    cr_assert_eq(nr, 0);
    cr_assert_eq(pades_verify("garbage", 7, k.trust, r, 2, &nr), -EINVAL);
    cr_assert_str_eq(pades_status_name(PADES_ERR_NOT_WHOLE), "not whole document");
    buf_free(&one);
    buf_free(&enc);
    buf_free(&out);
    free(p);
    pki_free(&k);
}

/* signed results: every status has its own message in both languages (the lookup page shows them). */
Test(pades, status_msg_names_every_status)
{
    const pades_status_t all[] = {PADES_OK, PADES_ERR_BYTERANGE, PADES_ERR_NOT_WHOLE, PADES_ERR_DIGEST,
                                  PADES_ERR_UNTRUSTED, PADES_ERR_REVOKED, PADES_ERR_CMS, PADES_ERR_SUBFILTER};
    size_t n = sizeof all / sizeof all[0];
    cr_assert_eq(pades_status_msg(PADES_OK), MSG_SIGN_ST_VALID);
    for (size_t i = 0; i < n; i++) {
        cr_assert(msg_text(pades_status_msg(all[i]), LANG_VI)[0] && msg_text(pades_status_msg(all[i]), LANG_EN)[0]);
        for (size_t j = 0; j < i; j++) cr_assert_neq(pades_status_msg(all[i]), pades_status_msg(all[j]));
    }
}

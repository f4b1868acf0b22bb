/* test_signer.c — signer_t: PKCS#12 unlock, CAdES detached CMS over byte ranges, verification outcomes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/mem.h"
#include "testcerts.h"
#include "sign/signer.h"

static EVP_PKEY *new_key(int ec) { return ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048); }

struct fixture { EVP_PKEY *ca_key, *key; X509 *ca, *leaf; unsigned char *p12; int p12_len; };

static void make(struct fixture *f, int ec, long from, long to)
{
    f->ca_key = new_key(1);
    f->ca = tc_cert(f->ca_key, "motcua test CA", NULL, NULL, 1, 1, -1, 3650);
    f->key = new_key(ec);
    f->leaf = tc_cert(f->key, "Nguyễn Văn Lãnh Đạo", f->ca, f->ca_key, 7, 0, from, to);
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, f->ca);
    PKCS12 *p12 = PKCS12_create("mật-khẩu 1234", "leader", f->key, f->leaf, chain, 0, 0, 0, 0, 0);
    sk_X509_free(chain);
    f->p12 = NULL;
    f->p12_len = i2d_PKCS12(p12, &f->p12);
    PKCS12_free(p12);
    cr_assert_gt(f->p12_len, 0);
}

static void unmake(struct fixture *f)
{
    EVP_PKEY_free(f->ca_key); EVP_PKEY_free(f->key); X509_free(f->ca); X509_free(f->leaf); OPENSSL_free(f->p12);
}

static void sign_and_verify(int ec)
{
    struct fixture f;
    make(&f, ec, -1, 365);
    signer_t *s = NULL;
    cr_assert_eq(signer_from_pkcs12(f.p12, (size_t)f.p12_len, "wrong", &s), -EACCES);
    cr_assert_null(s);
    cr_assert_eq(signer_from_pkcs12("not a p12", 9, "x", &s), -EINVAL);
    cr_assert_eq(signer_from_pkcs12(f.p12, (size_t)f.p12_len, "mật-khẩu 1234", &s), 0);
    signer_info_t in;
    signer_get_info(s, &in);
    cr_assert_str_eq(in.subject_cn, "Nguyễn Văn Lãnh Đạo");
    cr_assert_str_eq(in.issuer_cn, "motcua test CA");
    cr_assert_str_eq(in.serial_hex, "07");
    cr_assert_eq(strlen(in.sha256_hex), 64);
    cr_assert_eq(in.key_type, ec ? SIGNER_KEY_EC : SIGNER_KEY_RSA);

    unsigned char doc[] = "%PDF-1.7 part one|<hole>|part two %%EOF";
    sign_range_t r[2] = {{doc, 17}, {doc + 24, sizeof doc - 1 - 24}};
    buf_t cms;
    buf_init(&cms, 0);
    cr_assert_eq(signer_cms_detached(s, r, 2, &cms), 0);
    cr_assert_gt(cms.len, 300);

    char *trust = tc_pem(f.ca);
    signer_info_t who;
    time_t at = 0;
    char why[128];
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, r, 2, trust, &who, &at, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(who.subject_cn, "Nguyễn Văn Lãnh Đạo");
    cr_assert_gt(at, time(NULL) - 300);
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, r, 2, NULL, NULL, NULL, NULL, 0), 0);

    /* one changed byte in the signed ranges */
    doc[3] ^= 1;
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, r, 2, trust, &who, &at, why, sizeof why), -EBADMSG);
    doc[3] ^= 1;
    /* the bytes of the hole are not signed */
    doc[19] ^= 1;
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, r, 2, trust, NULL, NULL, NULL, 0), 0);
    /* another anchor: not trusted */
    EVP_PKEY *k2 = new_key(1);
    X509 *other = tc_cert(k2, "another CA", NULL, NULL, 9, 1, -1, 10);
    char *trust2 = tc_pem(other);
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, r, 2, trust2, NULL, NULL, why, sizeof why), -EKEYREJECTED);
    cr_assert_gt(strlen(why), 0);
    /* garbage */
    cr_assert_eq(signer_cms_verify("\x30\x03\x02\x01\x01", 5, r, 2, trust, NULL, NULL, why, sizeof why), -EINVAL);

    buf_t pem;
    buf_init(&pem, 0);
    cr_assert_eq(signer_cert_pem(s, &pem), 0);
    cr_assert(strstr(pem.data, "BEGIN CERTIFICATE"));
    buf_t der;
    buf_init(&der, 0);
    cr_assert_eq(signer_cert_der(s, &der), 0);
    cr_assert_eq((unsigned char)der.data[0], 0x30);
    buf_free(&pem); buf_free(&der); buf_free(&cms);
    free(trust); free(trust2);
    X509_free(other); EVP_PKEY_free(k2);
    signer_close(s);
    signer_close(NULL);
    unmake(&f);
}

Test(signer, rsa_sign_verify_tamper) { sign_and_verify(0); }
Test(signer, ec_sign_verify_tamper) { sign_and_verify(1); }

Test(signer, expired_certificate_rejected_by_chain)
{
    struct fixture f;
    make(&f, 1, -30, -1);
    signer_t *s = NULL;
    cr_assert_eq(signer_from_pkcs12(f.p12, (size_t)f.p12_len, "mật-khẩu 1234", &s), 0);
    sign_range_t r = {(const unsigned char *)"abc", 3};
    buf_t cms;
    buf_init(&cms, 0);
    cr_assert_eq(signer_cms_detached(s, &r, 1, &cms), 0);
    char *trust = tc_pem(f.ca);
    char why[128];
    cr_assert_eq(signer_cms_verify(cms.data, cms.len, &r, 1, trust, NULL, NULL, why, sizeof why), -EKEYREJECTED);
    cr_assert(strstr(why, "expired"), "%s", why);
    free(trust);
    buf_free(&cms);
    signer_close(s);
    unmake(&f);
}

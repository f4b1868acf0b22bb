/* signer.c — signer_t: an unlocked private key with its certificate chain, and the CMS it makes and checks.
 *
 * This file and the rest of src/sign/ are the only places that hold key material (see signer.h). A signer made
 * from a PKCS#12 bundle keeps the EVP_PKEY in memory only as long as the caller holds the signer; signer_close
 * frees it (OpenSSL cleanses private key memory when it frees the key). */
#include "sign/signer_internal.h"

#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>

signer_t *signer_adopt(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain)
{
    signer_t *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->key = key;
    s->cert = cert;
    s->chain = chain ? chain : sk_X509_new_null();
    if (!s->chain) abort();
    return s;
}

void signer_close(signer_t *s)
{
    if (!s) return;
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    free(s);
}

int signer_from_pkcs12(const void *p12_bytes, size_t len, const char *pass, signer_t **out)
{
    *out = NULL;
    if (!p12_bytes || len == 0 || len > (size_t)INT32_MAX) return -EINVAL;
    const unsigned char *p = p12_bytes;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
    if (!p12) { ERR_clear_error(); return -EINVAL; }
    if (!pass) pass = "";
    if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, pass, -1)) {
        PKCS12_free(p12);
        ERR_clear_error();
        return -EACCES;
    }
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    int ok = PKCS12_parse(p12, pass, &key, &cert, &ca);
    PKCS12_free(p12);
    if (!ok || !key || !cert || X509_check_private_key(cert, key) != 1) {
        EVP_PKEY_free(key);
        X509_free(cert);
        sk_X509_pop_free(ca, X509_free);
        ERR_clear_error();
        return ok ? -EINVAL : -EACCES;
    }
    *out = signer_adopt(key, cert, ca);
    return 0;
}

static void name_entry(X509_NAME *name, int nid, char *dst, size_t cap)
{
    dst[0] = 0;
    int i = name ? X509_NAME_get_index_by_NID(name, nid, -1) : -1;
    if (i < 0) return;
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0) { ERR_clear_error(); return; }
    size_t m = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    memcpy(dst, utf8, m);
    dst[m] = 0;
    OPENSSL_free(utf8);
}

static time_t asn1_time_t(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
    return timegm(&tm);
}

void signer_info_of(X509 *cert, signer_info_t *o)
{
    memset(o, 0, sizeof *o);
    if (!cert) return;
    name_entry(X509_get_subject_name(cert), NID_commonName, o->subject_cn, sizeof o->subject_cn);
    name_entry(X509_get_subject_name(cert), NID_organizationName, o->subject_o, sizeof o->subject_o);
    name_entry(X509_get_issuer_name(cert), NID_commonName, o->issuer_cn, sizeof o->issuer_cn);
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex) {
        size_t m = strlen(hex) < sizeof o->serial_hex - 1 ? strlen(hex) : sizeof o->serial_hex - 1;
        memcpy(o->serial_hex, hex, m);
        o->serial_hex[m] = 0;
    }
    OPENSSL_free(hex);
    BN_free(bn);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdn = 0;
    if (X509_digest(cert, EVP_sha256(), md, &mdn) == 1 && mdn == 32)
        for (unsigned i = 0; i < 32; i++) {
            static const char hx[] = "0123456789abcdef";
            o->sha256_hex[2 * i] = hx[md[i] >> 4];
            o->sha256_hex[2 * i + 1] = hx[md[i] & 15];
        }
    o->not_before = asn1_time_t(X509_get0_notBefore(cert));
    o->not_after = asn1_time_t(X509_get0_notAfter(cert));
    EVP_PKEY *pub = X509_get0_pubkey(cert);
    int id = pub ? EVP_PKEY_get_base_id(pub) : 0;
    o->key_type = id == EVP_PKEY_EC ? SIGNER_KEY_EC : id == EVP_PKEY_RSA ? SIGNER_KEY_RSA : 0;
    ERR_clear_error();
}

void signer_get_info(const signer_t *s, signer_info_t *out) { signer_info_of(s->cert, out); }

int signer_bio_drain(BIO *b, buf_t *out)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    int rc = n >= 0 ? buf_append(out, p, (size_t)n) : -EIO;
    BIO_free(b);
    return rc;
}

int signer_cert_der(const signer_t *s, buf_t *out)
{
    unsigned char *der = NULL;
    int n = i2d_X509(s->cert, &der);
    if (n <= 0) return -EIO;
    int rc = buf_append(out, der, (size_t)n);
    OPENSSL_free(der);
    return rc;
}

int signer_cert_pem(const signer_t *s, buf_t *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) abort();
    if (!PEM_write_bio_X509(b, s->cert)) { BIO_free(b); return -EIO; }
    return signer_bio_drain(b, out);
}

/* One memory BIO over the ranges, in order (a copy: the ranges of a PDF are not contiguous). */
static BIO *ranges_bio(const sign_range_t *r, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) abort();
    for (size_t i = 0; i < n; i++) {
        for (size_t off = 0; off < r[i].n;) {
            size_t chunk = r[i].n - off > (1u << 30) ? (1u << 30) : r[i].n - off;
            if (BIO_write(b, r[i].p + off, (int)chunk) != (int)chunk) abort();
            off += chunk;
        }
    }
    return b;
}

int signer_cms_detached(signer_t *s, const sign_range_t *r, size_t n, buf_t *der_out)
{
    const unsigned flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP | CMS_CADES;
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, flags);
    if (!cms) abort();
    int rc = -EIO;
    BIO *data = NULL;
    if (!CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), flags)) goto done;
    for (int i = 0; i < sk_X509_num(s->chain); i++)
        if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i))) goto done;
    data = ranges_bio(r, n);
    if (!CMS_final(cms, data, NULL, flags)) goto done;
    unsigned char *der = NULL;
    int len = i2d_CMS_ContentInfo(cms, &der);
    if (len <= 0) goto done;
    rc = buf_append(der_out, der, (size_t)len);
    OPENSSL_free(der);
done:
    ERR_clear_error();
    BIO_free(data);
    CMS_ContentInfo_free(cms);
    return rc;
}

static void set_why(char *why, size_t cap, const char *text)
{
    if (!why || !cap) return;
    size_t m = strlen(text) < cap - 1 ? strlen(text) : cap - 1;
    memcpy(why, text, m);
    why[m] = 0;
}

X509_STORE *signer_trust_store(const char *pem, int *has_crl)
{
    X509_STORE *st = X509_STORE_new();
    if (!st) abort();
    *has_crl = 0;
    BIO *b = BIO_new_mem_buf(pem, -1);
    STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    for (int i = 0; infos && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *xi = sk_X509_INFO_value(infos, i);
        if (xi->x509) X509_STORE_add_cert(st, xi->x509);
        if (xi->crl) { X509_STORE_add_crl(st, xi->crl); *has_crl = 1; }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    if (*has_crl) X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK);
    ERR_clear_error();
    return st;
}

int signer_cms_verify(const void *der, size_t der_len, const sign_range_t *r, size_t n, const char *trust_pem,
                      signer_info_t *who, time_t *signed_at, char *why, size_t why_len)
{
    if (who) memset(who, 0, sizeof *who);
    if (signed_at) *signed_at = 0;
    set_why(why, why_len, "");
    if (!der || der_len == 0 || der_len > (size_t)INT32_MAX) { set_why(why, why_len, "no signature"); return -EINVAL; }
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len);
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        set_why(why, why_len, "not a CMS SignedData");
        return -EINVAL;
    }
    int rc = 0;
    X509_STORE *st = NULL;
    X509_STORE_CTX *ctx = NULL;
    STACK_OF(X509) *certs = NULL, *signers = NULL;
    BIO *data = ranges_bio(r, n);
    /* 1. the digest and the signature, with the certificate the CMS carries */
    if (CMS_verify(cms, NULL, NULL, data, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        rc = -EBADMSG;
        set_why(why, why_len, "the document was changed after signing, or the signature is not valid");
        goto done;
    }
    signers = CMS_get0_signers(cms);
    X509 *signer = signers && sk_X509_num(signers) > 0 ? sk_X509_value(signers, 0) : NULL;
    if (!signer) { rc = -EBADMSG; set_why(why, why_len, "no signer certificate"); goto done; }
    if (who) signer_info_of(signer, who);
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_num(sis) > 0 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    int ai = si ? CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1) : -1;
    if (ai >= 0 && signed_at) {
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, ai), 0);
        if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME))
            *signed_at = asn1_time_t(t->value.utctime);
    }
    /* 2. the chain, against the trust anchors (and their CRLs) */
    if (trust_pem) {
        int has_crl = 0;
        st = signer_trust_store(trust_pem, &has_crl);
        certs = CMS_get1_certs(cms);
        ctx = X509_STORE_CTX_new();
        if (!ctx || !X509_STORE_CTX_init(ctx, st, signer, certs)) abort();
        if (X509_verify_cert(ctx) != 1) {
            int err = X509_STORE_CTX_get_error(ctx);
            rc = err == X509_V_ERR_CERT_REVOKED ? -EKEYREVOKED : -EKEYREJECTED;
            set_why(why, why_len, X509_verify_cert_error_string(err));
        }
    }
done:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    sk_X509_pop_free(certs, X509_free);
    sk_X509_free(signers);
    BIO_free(data);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* signer.h — the one component of motcua that holds private keys.
 *
 * Official-use certificates (Decree 68/2024/NĐ-CP) and e-signatures (Decree 23/2025/NĐ-CP) are made here and only
 * here: every other module gets an opaque signer_t from a key store and asks it for a signature over bytes it
 * describes (byte ranges of a PDF, an XML document); no other module ever sees key bytes, an EVP_PKEY or a
 * PKCS#12 password after the call that unlocks it (tests/cli/test_sign_isolation.sh greps for it).
 *
 * Back ends: a key store implements signer_backend_t.unlock; the PKCS#12 one (keys encrypted at rest, unlocked
 * with the owner's PIN) is built in; a PKCS#11 token or a remote signing service implements the same call later
 * and yields the same signer_t, so nothing above this header changes. */
#ifndef MOTCUA_SIGNER_H
#define MOTCUA_SIGNER_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "core/buf.h"

typedef struct signer signer_t;

/* A contiguous piece of the bytes to sign (a PDF's /ByteRange is two of them). */
typedef struct sign_range {
    const unsigned char *p;
    size_t               n;
} sign_range_t;

/* Who a certificate names, for the signature's appearance and the lookup page. */
typedef struct signer_info {
    char    subject_cn[256];    /* commonName of the signer (UTF-8), "" when absent */
    char    subject_o[256];     /* organizationName, "" when absent */
    char    issuer_cn[256];
    char    serial_hex[80];
    char    sha256_hex[65];     /* SHA-256 fingerprint of the DER certificate */
    time_t  not_before, not_after;
    int     key_type;           /* SIGNER_KEY_RSA or SIGNER_KEY_EC */
} signer_info_t;

enum { SIGNER_KEY_RSA = 1, SIGNER_KEY_EC = 2 };

/* A key store back end: turn (key id, PIN) into an unlocked signer, or a negative errno (-EACCES wrong PIN,
 * -ENOENT no such key, -EKEYEXPIRED certificate outside its validity). */
typedef struct signer_backend {
    const char *name;
    int (*unlock)(void *ctx, const char *key_id, const char *pin, signer_t **out);
    void *ctx;
} signer_backend_t;

/* A signer from a PKCS#12 bundle in memory (key, certificate, optional chain), decrypted with pass. The bundle's
 * bytes and pass are not kept. -EACCES on a wrong password, -EINVAL on a bundle that is not PKCS#12 or holds no
 * key matching its certificate. */
int  signer_from_pkcs12(const void *p12, size_t len, const char *pass, signer_t **out);
void signer_close(signer_t *s);   /* frees the key (cleansed); NULL is fine */

void signer_get_info(const signer_t *s, signer_info_t *out);
/* The signer's certificate, DER or PEM, appended to out. */
int  signer_cert_der(const signer_t *s, buf_t *out);
int  signer_cert_pem(const signer_t *s, buf_t *out);

/* A CAdES detached CMS SignedData (DER) over the concatenation of the ranges: SHA-256, the signer's certificate
 * and chain embedded, the signing-certificate-v2 attribute (CMS_CADES). Appended to der_out. */
int  signer_cms_detached(signer_t *s, const sign_range_t *r, size_t n, buf_t *der_out);

/* Verification of a detached CMS over ranges against the PEM trust anchors in trust_pem (may hold several
 * certificates and CRLs; NULL: signature and digest only, no chain). On success fills *who with the signer's
 * certificate and *signed_at with the signingTime attribute (0 when absent). Returns 0 valid, -EBADMSG digest or
 * signature mismatch, -EKEYREJECTED chain not trusted, -EKEYREVOKED revoked by a CRL in trust_pem, -EINVAL not
 * a CMS SignedData. why (may be NULL) receives a short English reason. */
int  signer_cms_verify(const void *der, size_t der_len, const sign_range_t *r, size_t n, const char *trust_pem,
                       signer_info_t *who, time_t *signed_at, char *why, size_t why_len);
#endif

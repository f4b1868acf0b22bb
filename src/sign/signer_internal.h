/* signer_internal.h — the key itself, for the files of src/sign/ only (PAdES, XML-DSig, key stores).
 * Including this header outside src/sign/ is a build-time policy violation (tests/cli/test_sign_isolation.sh). */
#ifndef MOTCUA_SIGNER_INTERNAL_H
#define MOTCUA_SIGNER_INTERNAL_H
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "sign/signer.h"

struct signer {
    EVP_PKEY       *key;
    X509           *cert;
    STACK_OF(X509) *chain;   /* may be empty, never NULL */
};

/* Takes ownership of key, cert and chain (chain may be NULL). */
signer_t *signer_adopt(EVP_PKEY *key, X509 *cert, STACK_OF(X509) *chain);
void      signer_info_of(X509 *cert, signer_info_t *out);
/* Trust anchors (certificates) and CRLs from PEM text, CRL checking on when there is a CRL (*has_crl). */
X509_STORE *signer_trust_store(const char *pem, int *has_crl);
/* Append a memory BIO's bytes to out, then free the BIO. 0 or a negative errno. */
int       signer_bio_drain(BIO *b, buf_t *out);
#endif

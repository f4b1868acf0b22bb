/* testcerts.h — throw-away certificates for the signing tests (test_signer.c, test_pades.c, test_edxml.c), made
 * with the OpenSSL API so the tests depend on nothing outside them. Names start with tc_. */
#ifndef MOTCUA_TESTCERTS_H
#define MOTCUA_TESTCERTS_H
#include <openssl/evp.h>
#include <openssl/x509.h>

/* A certificate for key named cn, valid from from_days to to_days around now, signed by issuer_key (issuer NULL:
 * self-signed), basicConstraints CA:TRUE (critical) when ca. */
X509 *tc_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial, int ca, long from_days,
              long to_days);
/* The certificate as PEM, malloc'd and NUL-terminated. */
char *tc_pem(X509 *x);
#endif

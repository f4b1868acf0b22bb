/* sha256.c — SHA-256 via OpenSSL EVP (see sha256.h). */
#include "core/sha256.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* The digest, fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up again on every use (a third of a
 * short hash's instructions, callgrind of the public lookup, which hashes the client address). */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void sha256_md_init(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!sha256_md) {
        fprintf(stderr, "motcua: cannot initialise SHA-256\n");
        abort();
    }
}

static const EVP_MD *md_sha256(void)
{
    pthread_once(&sha256_once, sha256_md_init);
    return sha256_md;
}

struct sha256_ctx {
    EVP_MD_CTX *md;
};

sha256_ctx_t *sha256_new(void)
{
    sha256_ctx_t *c = malloc(sizeof *c);
    if (!c || !(c->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(c->md, md_sha256(), NULL) != 1) {
        fprintf(stderr, "motcua: cannot initialise SHA-256\n");
        abort();
    }
    return c;
}

void sha256_update(sha256_ctx_t *c, const void *p, size_t n)
{
    if (EVP_DigestUpdate(c->md, p, n) != 1) abort();
}

void sha256_final(sha256_ctx_t *c, unsigned char out[SHA256_LEN])
{
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(c->md, out, &len) != 1 || len != SHA256_LEN) abort();
    EVP_MD_CTX_free(c->md);
    free(c);
}

void sha256(const void *p, size_t n, unsigned char out[SHA256_LEN])
{
    unsigned int len = 0;
    if (EVP_Digest(p, n, out, &len, md_sha256(), NULL) != 1 || len != SHA256_LEN) abort();
}

void hex_encode(const unsigned char *p, size_t n, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[p[i] >> 4];
        hex[2 * i + 1] = digits[p[i] & 15];
    }
    hex[2 * n] = '\0';
}

void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1])
{
    unsigned char d[SHA256_LEN];
    sha256(p, n, d);
    hex_encode(d, SHA256_LEN, hex);
}

/* nodekey.c — Ed25519 node keys with OpenSSL EVP (see nodekey.h). */
#include "sign/nodekey.h"
#include "core/b64.h"
#include "core/fileio.h"
#include "core/mem.h"

#include <errno.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct nodekey {
    EVP_PKEY *pkey;
};

int nodekey_generate(const char *path)
{
    if (access(path, F_OK) == 0) return -EEXIST;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (!k) return -EIO;
    BIO *b = BIO_new(BIO_s_mem());
    int rc = -EIO;
    if (b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL)) {
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0) rc = file_write_atomic(path, data, (size_t)n, 0600, 1);
        if (data && n > 0) OPENSSL_cleanse(data, (size_t)n);
    }
    BIO_free(b);
    EVP_PKEY_free(k);
    return rc;
}

int nodekey_load(const char *path, nodekey_t **out)
{
    buf_t pem;
    buf_init(&pem, 64 * 1024);
    int rc = file_read_all(path, 64 * 1024, &pem);
    if (rc < 0) {
        buf_free(&pem);
        return rc;
    }
    BIO *b = pem.len ? BIO_new_mem_buf(pem.data, (int)pem.len) : NULL;
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (pem.data) OPENSSL_cleanse(pem.data, pem.cap);
    buf_free(&pem);
    if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
        EVP_PKEY_free(k);
        return -EINVAL;
    }
    nodekey_t *nk = xcalloc(1, sizeof *nk);
    nk->pkey = k;
    *out = nk;
    return 0;
}

void nodekey_free(nodekey_t *k)
{
    if (!k) return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

/* base64 of n raw bytes into out (cap bytes, NUL-terminated). */
static int b64_fixed(const unsigned char *p, size_t n, char *out, size_t cap)
{
    buf_t b;
    buf_init(&b, cap);
    int rc = b64_encode(p, n, &b);
    if (rc == 0 && b.len < cap) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    } else if (rc == 0) rc = -E2BIG;
    buf_free(&b);
    return rc;
}

int nodekey_public_b64(const nodekey_t *k, char out[NODEKEY_PUB_B64_LEN + 1])
{
    unsigned char raw[32];
    size_t n = sizeof raw;
    if (!EVP_PKEY_get_raw_public_key(k->pkey, raw, &n) || n != sizeof raw) return -EIO;
    return b64_fixed(raw, n, out, NODEKEY_PUB_B64_LEN + 1);
}

int nodekey_sign_b64(const nodekey_t *k, const void *msg, size_t n, char out[NODEKEY_SIG_B64_LEN + 1])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned char sig[64];
    size_t sl = sizeof sig;
    int ok = c && EVP_DigestSignInit(c, NULL, NULL, NULL, k->pkey) == 1 &&
             EVP_DigestSign(c, sig, &sl, msg, n) == 1 && sl == sizeof sig;
    EVP_MD_CTX_free(c);
    return ok ? b64_fixed(sig, sl, out, NODEKEY_SIG_B64_LEN + 1) : -EIO;
}

/* The decoded bytes of s when it is base64 of exactly want bytes; NULL otherwise. */
static unsigned char *decode_exact(const char *s, size_t want)
{
    if (!s) return NULL;
    size_t len = strnlen(s, 4 * want);
    unsigned char *p = NULL;
    size_t n = 0;
    if (b64_decode(s, len, want, &p, &n) < 0 || n != want) {
        free(p);
        return NULL;
    }
    return p;
}

int nodekey_public_valid(const char *pub_b64)
{
    unsigned char *raw = decode_exact(pub_b64, 32);
    EVP_PKEY *k = raw ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32) : NULL;
    int ok = k != NULL;
    EVP_PKEY_free(k);
    free(raw);
    return ok;
}

int nodekey_verify_b64(const char *pub_b64, const void *msg, size_t n, const char *sig_b64)
{
    unsigned char *raw = decode_exact(pub_b64, 32), *sig = decode_exact(sig_b64, 64);
    EVP_PKEY *k = raw ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32) : NULL;
    EVP_MD_CTX *c = k && sig ? EVP_MD_CTX_new() : NULL;
    int ok = c && EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 && EVP_DigestVerify(c, sig, 64, msg, n) == 1;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(k);
    free(raw);
    free(sig);
    return ok;
}

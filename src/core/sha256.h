/* sha256.h — SHA-256 through OpenSSL's EVP interface, and lowercase hex. */
#ifndef MOTCUA_SHA256_H
#define MOTCUA_SHA256_H
#include <stddef.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

typedef struct sha256_ctx sha256_ctx_t;

sha256_ctx_t *sha256_new(void);
void sha256_update(sha256_ctx_t *c, const void *p, size_t n);
void sha256_final(sha256_ctx_t *c, unsigned char out[SHA256_LEN]);   /* also frees c */

void sha256(const void *p, size_t n, unsigned char out[SHA256_LEN]);
/* hex must hold 2*n+1 bytes. */
void hex_encode(const unsigned char *p, size_t n, char *hex);
/* SHA-256 of s[0..n) as 64 hex digits plus NUL. */
void sha256_hex(const void *p, size_t n, char hex[SHA256_HEX_LEN + 1]);
#endif

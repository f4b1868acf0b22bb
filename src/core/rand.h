/* rand.h — secrets and identifiers from the kernel's CSPRNG.
 *
 * Tokens (sessions, CSRF, API tokens) are 32 random bytes in base64url (43 characters). Entity ids are 26-character
 * ULID-style strings: 48 bits of milliseconds then 80 random bits in Crockford base32, so they sort by creation time
 * (keyset pagination) and can be minted on any node without coordination (replication to the hub never collides). */
#ifndef MOTCUA_RAND_H
#define MOTCUA_RAND_H
#include <stddef.h>

#define RAND_TOKEN_LEN 43
#define ID_LEN 26

void rand_bytes(void *p, size_t n);                   /* aborts if the kernel cannot supply randomness */
void rand_token(char out[RAND_TOKEN_LEN + 1]);
void id_new(char out[ID_LEN + 1]);
int  id_valid(const char *s);                         /* 1 when s has the shape of an id */
void base64url_encode(const unsigned char *p, size_t n, char *out); /* out holds 4*ceil(n/3)+1 */
#endif

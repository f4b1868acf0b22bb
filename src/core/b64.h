/* b64.h — base64 of RFC 4648 section 4 (the standard alphabet, with padding): edXML attachments, PKCS#12 bundles
 * sent as JSON. (Tokens use base64url without padding: core/rand.h.) */
#ifndef MOTCUA_B64_H
#define MOTCUA_B64_H
#include <stddef.h>

#include "core/buf.h"

/* Append the base64 of p[0..n) to out: 0, or -E2BIG when out's cap is reached. */
int b64_encode(const unsigned char *p, size_t n, buf_t *out);
/* Decode s[0..n) (whitespace between characters allowed; padding only at the end, no bits set past the data) into
 * a malloc'd *out of *out_len bytes (NULL, 0 for empty input): 0, -EINVAL not base64, -E2BIG more than max bytes. */
int b64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len);
#endif

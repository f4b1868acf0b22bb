/* nodekey.h — the Ed25519 key pair of a replication node (docs/architecture.md, "Replication"): made on the node
 * by `motcua node enroll`, the private key kept in a PEM file (PKCS#8, mode 0600) that never leaves the node, the
 * public key registered at the hub as base64 of its 32 raw bytes. The node signs its requests to the hub with it
 * (api/api_sync.c checks them). All private key material stays in src/sign/. */
#ifndef MOTCUA_NODEKEY_H
#define MOTCUA_NODEKEY_H
#include <stddef.h>

#include "core/buf.h"

#define NODEKEY_PUB_B64_LEN 44        /* base64 of 32 bytes, with padding */
#define NODEKEY_SIG_B64_LEN 88        /* base64 of a 64-byte signature */

typedef struct nodekey nodekey_t;     /* a loaded private key */

/* Make a new key pair and write its private key to path (0600; -EEXIST when path exists). 0 or a negative errno. */
int  nodekey_generate(const char *path);
/* Load the private key of path: 0, -ENOENT, -EINVAL (not an Ed25519 PEM private key) or another negative errno. */
int  nodekey_load(const char *path, nodekey_t **out);
void nodekey_free(nodekey_t *k);       /* NULL is fine */
/* The public key as base64 (NODEKEY_PUB_B64_LEN + 1 bytes). */
int  nodekey_public_b64(const nodekey_t *k, char out[NODEKEY_PUB_B64_LEN + 1]);
/* Sign msg: the base64 signature into out (NODEKEY_SIG_B64_LEN + 1 bytes). 0 or a negative errno. */
int  nodekey_sign_b64(const nodekey_t *k, const void *msg, size_t n, char out[NODEKEY_SIG_B64_LEN + 1]);
/* 1 when pub_b64 is the base64 of a 32-byte Ed25519 public key, else 0. */
int  nodekey_public_valid(const char *pub_b64);
/* Verify the base64 signature sig_b64 of msg under the base64 public key pub_b64: 1 valid, 0 not (any malformed
 * input included). */
int  nodekey_verify_b64(const char *pub_b64, const void *msg, size_t n, const char *sig_b64);
#endif

/* lookup_memo.h — the memo of successful public lookups (GET /api/v1/public/lookup; docs/lookup.md "Memo").
 *
 * A lookup that passed its proof is answered again from memory, without the throttle peek, the proof's query or
 * the public view, while ALL of these hold: the same client key, code and proof (one keyed SHA-256 over all three:
 * the phone or digits are never kept in clear), no store_write() of this process started or ended since the read
 * that produced the answer began (store_write_count(), as the principal cache of auth.h), and the entry is younger
 * than lookup_memo_ms. The throttle's state changes only through writes and the passing of time only lifts a
 * wait, so "this client was not throttled" read then is still true; the dossier's public view changes only
 * through writes too. Failed proofs are never kept: each still reaches the write that counts it.
 *
 * Bounded: LOOKUP_MEMO_SLOTS direct-mapped slots (slot = first bytes of the key), one entry each, replaced on
 * collision, bodies of at most LOOKUP_MEMO_BODY_MAX bytes; each slot has its own lock, held only to copy. */
#ifndef MOTCUA_LOOKUP_MEMO_H
#define MOTCUA_LOOKUP_MEMO_H
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "db/db.h"

#define LOOKUP_MEMO_SLOTS 256
#define LOOKUP_MEMO_BODY_MAX 65536
#define LOOKUP_MEMO_KEY_LEN 32

/* Lifetime of an entry in ms (--lookup-cache-ms, default 1000; 0 = no memo). Set at start-up, read-only after. */
extern long long lookup_memo_ms;

/* The key of (client key, code, proof kind, proof): SHA-256 under a per-process random secret, so the table
 * holds nothing from which a phone could be recovered offline. */
void lookup_memo_key(const char *client_key, const char *code, char proof_kind, const char *proof,
                     unsigned char key[LOOKUP_MEMO_KEY_LEN]);
/* Append the memoised body for key to out and return true when it is valid at now (ms), else false. */
bool lookup_memo_get(store_t *st, const unsigned char key[LOOKUP_MEMO_KEY_LEN], long long now, buf_t *out);
/* Keep body under key, when nothing was written since stamp (store_write_count() taken before the read that made
 * body began) and the body is small enough. at: the time of that read (ms). */
void lookup_memo_put(store_t *st, const unsigned char key[LOOKUP_MEMO_KEY_LEN], unsigned long long stamp,
                     long long at, const char *body, size_t len);
/* Forget every entry (tests, and a store being closed). */
void lookup_memo_clear(void);
#endif

/* lookup_memo.c — the memo of successful public lookups (see lookup_memo.h). */
#include "domain/lookup_memo.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/sha256.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

long long lookup_memo_ms = 1000;

struct memo_entry {
    const store_t     *st;
    unsigned char      key[LOOKUP_MEMO_KEY_LEN];
    unsigned long long stamp;          /* store_write_count() before the read that made the body */
    long long          at;
    size_t             len;
    char              *body;
};

static struct memo_slot {
    pthread_mutex_t   mu;
    struct memo_entry e;               /* e.body == NULL: empty */
} slots[LOOKUP_MEMO_SLOTS];
static unsigned char  secret[32];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void memo_init(void)
{
    for (int i = 0; i < LOOKUP_MEMO_SLOTS; i++) pthread_mutex_init(&slots[i].mu, NULL);
    rand_bytes(secret, sizeof secret);
}

/* Each part with its length first, so no two different triples hash the same bytes. */
static void put_part(sha256_ctx_t *c, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                            (unsigned char)n};
    sha256_update(c, len, sizeof len);
    if (n) sha256_update(c, s, n);
}

void lookup_memo_key(const char *client_key, const char *code, char proof_kind, const char *proof,
                     unsigned char key[LOOKUP_MEMO_KEY_LEN])
{
    pthread_once(&once, memo_init);
    sha256_ctx_t *c = sha256_new();
    sha256_update(c, secret, sizeof secret);
    put_part(c, client_key);
    put_part(c, code);
    sha256_update(c, &proof_kind, 1);
    put_part(c, proof);
    sha256_final(c, key);
}

/* Constant-time equality of two keys (the key depends on the proof: no timing should tell how much matched). */
static bool key_eq(const unsigned char *a, const unsigned char *b)
{
    unsigned char d = 0;
    for (int i = 0; i < LOOKUP_MEMO_KEY_LEN; i++) d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

static struct memo_slot *slot_of(const unsigned char *key)
{
    pthread_once(&once, memo_init);
    unsigned v = (unsigned)key[0] << 8 | key[1];
    return &slots[v % LOOKUP_MEMO_SLOTS];
}

bool lookup_memo_get(store_t *st, const unsigned char key[LOOKUP_MEMO_KEY_LEN], long long now, buf_t *out)
{
    if (lookup_memo_ms <= 0) return false;
    struct memo_slot *sl = slot_of(key);
    bool hit = false;
    pthread_mutex_lock(&sl->mu);
    const struct memo_entry *e = &sl->e;
    if (e->body && e->st == st && key_eq(e->key, key) && e->stamp == store_write_count(st) && now >= e->at &&
        now - e->at < lookup_memo_ms)
        hit = buf_append(out, e->body, e->len) == 0;
    pthread_mutex_unlock(&sl->mu);
    return hit;
}

void lookup_memo_put(store_t *st, const unsigned char key[LOOKUP_MEMO_KEY_LEN], unsigned long long stamp,
                     long long at, const char *body, size_t len)
{
    if (lookup_memo_ms <= 0 || len > LOOKUP_MEMO_BODY_MAX) return;
    /* Copied outside the lock; a write that ended since stamp makes the entry useless: keep nothing then. */
    if (stamp != store_write_count(st)) return;
    char *copy = xmalloc(len ? len : 1);
    memcpy(copy, body, len);
    struct memo_slot *sl = slot_of(key);
    pthread_mutex_lock(&sl->mu);
    char *old = sl->e.body;
    sl->e.st = st;
    memcpy(sl->e.key, key, LOOKUP_MEMO_KEY_LEN);
    sl->e.stamp = stamp;
    sl->e.at = at;
    sl->e.len = len;
    sl->e.body = copy;
    pthread_mutex_unlock(&sl->mu);
    free(old);
}

void lookup_memo_clear(void)
{
    pthread_once(&once, memo_init);
    for (int i = 0; i < LOOKUP_MEMO_SLOTS; i++) {
        pthread_mutex_lock(&slots[i].mu);
        free(slots[i].e.body);
        memset(&slots[i].e, 0, sizeof slots[i].e);
        pthread_mutex_unlock(&slots[i].mu);
    }
}

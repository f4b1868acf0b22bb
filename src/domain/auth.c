/* auth.c — passwords, sessions, API tokens, throttling and scopes (see auth.h). */
#include "domain/auth.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "core/utf8.h"

#include <argon2.h>
#include <assert.h>
#include <stdatomic.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

auth_policy_t auth_policy = {
    .session_ttl_ms = 8LL * 3600 * 1000,
    .session_idle_ms = 2LL * 3600 * 1000,
    .slow_after = 3,
    .slow_base_ms = 1000,
    .account_max_ms = 30 * 1000,
    .addr_after = 20,
    .addr_max_ms = 15LL * 60 * 1000,
    .forget_ms = 3600LL * 1000,
    .register_after = 20,
    .lookup_after = 10,     /* lookup */
    .argon_slots = 0,
    .argon_wait_ms = 250,
    .cache_ms = 1000,
};

static const char *const role_names[ROLE__COUNT] = {"desk", "specialist", "leader", "clerk", "official", "admin"};

const char *role_name(role_t r) { return (unsigned)r < ROLE__COUNT ? role_names[r] : "?"; }

int role_parse(const char *s, role_t *out)
{
    for (int i = 0; i < ROLE__COUNT; i++)
        if (s && strcmp(s, role_names[i]) == 0) { *out = (role_t)i; return 0; }
    return -EINVAL;
}

bool role_fits_unit_kind(role_t r, const char *kind)
{
    bool commune = !strcmp(kind, "commune") || !strcmp(kind, "ward");
    switch (r) {
    case ROLE_DESK:
    case ROLE_SPECIALIST:
    case ROLE_LEADER:
    case ROLE_CLERK: return commune || !strcmp(kind, "department") || !strcmp(kind, "province");
    case ROLE_OFFICIAL: return !strcmp(kind, "province") || !strcmp(kind, "national");
    case ROLE_ADMIN: return true;
    default: return false;
    }
}

/* ---- passwords ---- */

#define ARGON_T 2
#define ARGON_M (19 * 1024)
#define ARGON_P 1

int auth_password_check(const char *pw)
{
    size_t n = strlen(pw);
    if (!utf8_valid(pw, n)) return -EINVAL;
    size_t chars = utf8_length(pw, n);
    return chars >= AUTH_PASSWORD_MIN && chars <= AUTH_PASSWORD_MAX ? 0 : -EINVAL;
}

/* Argon2's 19 MiB block is mapped for one run and unmapped after it: from malloc, glibc's per-thread arena of each
 * worker would keep it resident for ever after that thread's first sign-in. */
static int argon_alloc(uint8_t **memory, size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return ARGON2_MEMORY_ALLOCATION_ERROR;
    *memory = p;
    return ARGON2_OK;
}

static void argon_free(uint8_t *memory, size_t n)
{
    if (memory) munmap(memory, n);
}

/* At most one Argon2 run per core at once; the others wait briefly for a slot, then give up (-EBUSY), so that a
 * flood of sign-ins cannot take every worker thread and starve the other requests. */
static sem_t argon_slots;
static pthread_once_t argon_once = PTHREAD_ONCE_INIT;

static void argon_slots_init(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    if (auth_policy.argon_slots > 0 && auth_policy.argon_slots < n) n = auth_policy.argon_slots;
    if (sem_init(&argon_slots, 0, (unsigned)n) < 0) abort();
}

static int argon_enter(void)
{
    pthread_once(&argon_once, argon_slots_init);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    long long ns = until.tv_nsec + (auth_policy.argon_wait_ms % 1000) * 1000000LL;
    until.tv_sec += (time_t)(auth_policy.argon_wait_ms / 1000 + ns / 1000000000LL);
    until.tv_nsec = (long)(ns % 1000000000LL);
    while (sem_timedwait(&argon_slots, &until) < 0) {
        if (errno == EINTR) continue;
        return -EBUSY;
    }
    return 0;
}

static void argon_leave(void) { sem_post(&argon_slots); }

/* Standard base64 without padding, as in Argon2's encoded strings. */
static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const uint8_t *p, size_t n, buf_t *out)
{
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < n) v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < n) v |= p[i + 2];
        size_t chars = n - i >= 3 ? 4 : n - i + 1;
        for (size_t k = 0; k < chars; k++) buf_putc(out, b64_chars[(v >> (18 - 6 * k)) & 63]);
    }
}

/* Decodes s[0..len) into out (cap bytes): the byte count, or -1 on a bad character or overflow. */
static long b64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        const char *c = memchr(b64_chars, s[i], 64);
        if (!c || !s[i]) return -1;
        acc = (acc << 6) | (uint32_t)(c - b64_chars);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) return -1;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)n;
}

/* "<name>=<digits>" at *p, advancing past it: 0 or -1. */
static int parse_param(const char **p, const char *name, uint32_t *out)
{
    size_t k = strlen(name);
    if (strncmp(*p, name, k) != 0 || (*p)[k] != '=') return -1;
    const char *q = *p + k + 1;
    uint64_t v = 0;
    if (*q < '0' || *q > '9') return -1;
    while (*q >= '0' && *q <= '9') {
        v = v * 10 + (uint64_t)(*q++ - '0');
        if (v > UINT32_MAX) return -1;
    }
    *out = (uint32_t)v;
    *p = q;
    return 0;
}

#define ARGON_SALT_LEN 16
#define ARGON_HASH_LEN 32
#define ARGON_MAX_LEN 64

static int hash_unlocked(const char *pw, char *out, size_t cap)
{
    uint8_t salt[ARGON_SALT_LEN], hash[ARGON_HASH_LEN];
    rand_bytes(salt, sizeof salt);
    argon2_context ctx = {
        .out = hash, .outlen = sizeof hash, .pwd = (uint8_t *)(uintptr_t)pw, .pwdlen = (uint32_t)strlen(pw),
        .salt = salt, .saltlen = sizeof salt, .t_cost = ARGON_T, .m_cost = ARGON_M, .lanes = ARGON_P,
        .threads = ARGON_P, .version = ARGON2_VERSION_13, .allocate_cbk = argon_alloc, .free_cbk = argon_free,
    };
    int rc = argon2_ctx(&ctx, Argon2_id);
    if (rc != ARGON2_OK) {
        log_error("argon2: %s", argon2_error_message(rc));
        return -EIO;
    }
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "$argon2id$v=%d$m=%d,t=%d,p=%d$", ARGON2_VERSION_13, ARGON_M, ARGON_T, ARGON_P);
    b64_encode(salt, sizeof salt, &b);
    buf_putc(&b, '$');
    b64_encode(hash, sizeof hash, &b);
    rc = b.len < cap ? 0 : -EIO;
    if (rc == 0) memcpy(out, b.data, b.len + 1);
    buf_free(&b);
    return rc;
}

int auth_password_hash(const char *pw, char *out, size_t cap)
{
    if (cap) out[0] = '\0';
    int rc = argon_enter();
    if (rc < 0) return rc;
    rc = hash_unlocked(pw, out, cap);
    argon_leave();
    if (rc < 0 && cap) out[0] = '\0';
    return rc;
}

int auth_password_verify_rc(const char *encoded, const char *pw)
{
    if (!encoded || !*encoded) return 0;
    /* $argon2id$v=19$m=M,t=T,p=P$SALT$HASH */
    const char *p = encoded;
    uint32_t v, m, t, par;
    if (strncmp(p, "$argon2id$", 10) != 0) return -EINVAL;
    p += 10;
    if (parse_param(&p, "v", &v) < 0 || *p++ != '$') return -EINVAL;
    if (parse_param(&p, "m", &m) < 0 || *p++ != ',') return -EINVAL;
    if (parse_param(&p, "t", &t) < 0 || *p++ != ',') return -EINVAL;
    if (parse_param(&p, "p", &par) < 0 || *p++ != '$') return -EINVAL;
    const char *dollar = strchr(p, '$');
    if (!dollar) return -EINVAL;
    uint8_t salt[ARGON_MAX_LEN], want[ARGON_MAX_LEN], got[ARGON_MAX_LEN];
    long saltlen = b64_decode(p, (size_t)(dollar - p), salt, sizeof salt);
    long hashlen = b64_decode(dollar + 1, strlen(dollar + 1), want, sizeof want);
    /* Bounded costs: a stored encoding cannot make one verification take gigabytes or minutes. */
    if (saltlen < 8 || hashlen < 16 || m > 256 * 1024 || t < 1 || t > 16 || par < 1 || par > 16) return -EINVAL;
    int rc = argon_enter();
    if (rc < 0) return rc;
    argon2_context ctx = {
        .out = got, .outlen = (uint32_t)hashlen, .pwd = (uint8_t *)(uintptr_t)pw, .pwdlen = (uint32_t)strlen(pw),
        .salt = salt, .saltlen = (uint32_t)saltlen, .t_cost = t, .m_cost = m, .lanes = par, .threads = par,
        .version = v, .allocate_cbk = argon_alloc, .free_cbk = argon_free,
    };
    rc = argon2id_verify_ctx(&ctx, (const char *)want);
    argon_leave();
    if (rc == ARGON2_OK) return 1;
    if (rc == ARGON2_VERIFY_MISMATCH) return 0;
    log_error("argon2 verify: %s", argon2_error_message(rc));
    return -EINVAL;
}

bool auth_password_verify(const char *encoded, const char *pw)
{
    return auth_password_verify_rc(encoded, pw) == 1;
}

/* A real hash of a random password, verified against when the username is unknown so that unknown and known
 * usernames take the same time. Built once. */
static char dummy[160];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    char pw[RAND_TOKEN_LEN + 1];
    rand_token(pw);
    if (hash_unlocked(pw, dummy, sizeof dummy) < 0) abort();
}

static const char *dummy_hash(void)
{
    pthread_once(&dummy_once, dummy_init);
    return dummy;
}

/* ---- principals ---- */

static int load_grants(db_t *db, const char *account_id, principal_t *who);

int auth_load_principal(db_t *db, const char *account_id, principal_t *who)
{
    memset(who, 0, sizeof *who);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT id, kind, username, COALESCE(unit_id, ''), disabled FROM accounts WHERE id = $1",
                      "t", account_id);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    int disabled = (int)db_col_int(s, 4);
    str_copy(who->account_id, sizeof who->account_id, db_col_text(s, 0));
    str_copy(who->kind, sizeof who->kind, db_col_text(s, 1));
    str_copy(who->username, sizeof who->username, db_col_text(s, 2));
    str_copy(who->unit_id, sizeof who->unit_id, db_col_text(s, 3));
    db_reset(s);
    if (disabled) return -ENOENT;
    return load_grants(db, account_id, who);
}

bool auth_has_role(const principal_t *who, role_t r)
{
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == r) return true;
    return false;
}

bool auth_path_prefix(const char *prefix, const char *s)
{
    return strncmp(prefix, s, strlen(prefix)) == 0;
}

bool auth_sees_path(const principal_t *who, const char *path)
{
    if (!path) return false;
    for (int i = 0; i < who->ngrants; i++)
        if (auth_path_prefix(who->grants[i].unit_path, path) || auth_path_prefix(path, who->grants[i].unit_path)) return true;
    return false;
}

bool auth_role_covers(const principal_t *who, role_t r, const char *path)
{
    if (!path) return false;
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == r && auth_path_prefix(who->grants[i].unit_path, path)) return true;
    return false;
}

/* ---- sign-in throttling ---- */

#define THROTTLE_KEYS 2
#define THROTTLE_KEY_MAX 80

/* The keys one attempt is counted under: its username's (a hash, so that any name, known or not, has a key of
 * one size and no name is stored) and its client address's. */
struct throttle {
    int       nkeys;
    char      key[THROTTLE_KEYS][THROTTLE_KEY_MAX];
    int       after[THROTTLE_KEYS];
    long long cap_ms[THROTTLE_KEYS];
    long long now;
    long long wait_ms;                 /* out: > 0 when the attempt must wait */
};

static void throttle_add(struct throttle *t, const char *prefix, const char *value, int after, long long cap_ms)
{
    assert(t->nkeys < THROTTLE_KEYS);
    char hex[65];
    sha256_hex(value, strlen(value), hex);
    snprintf(t->key[t->nkeys], THROTTLE_KEY_MAX, "%s%s", prefix, hex);
    t->after[t->nkeys] = after;
    t->cap_ms[t->nkeys] = cap_ms;
    t->nkeys++;
}

static void throttle_init(struct throttle *t, const char *username, const char *client_addr)
{
    memset(t, 0, sizeof *t);
    t->now = clock_now_ms();
    if (username) throttle_add(t, "u:", username, auth_policy.slow_after, auth_policy.account_max_ms);
    throttle_add(t, "a:", client_addr ? client_addr : "", auth_policy.addr_after, auth_policy.addr_max_ms);
}

static long long spacing_ms(int failures, int after, long long cap_ms)
{
    if (failures < after) return 0;
    int shift = failures - after;
    long long d = auth_policy.slow_base_ms << (shift > 20 ? 20 : shift);
    return d > cap_ms ? cap_ms : d;
}

/* The failure counts of t's keys (0 for a key forgotten or never seen) and, in t->wait_ms, how long the attempt
 * must still wait (0: it may go ahead). */
static int throttle_check(db_t *db, struct throttle *t, int failures[THROTTLE_KEYS])
{
    t->wait_ms = 0;
    for (int i = 0; i < t->nkeys; i++) {
        db_stmt_t *s;
        int rc = db_query(db, &s, "SELECT failures, last_failed_at FROM signin_throttle WHERE key = $1", "t",
                          t->key[i]);
        long long last = 0;
        failures[i] = 0;
        if (rc == DB_ROW) {
            failures[i] = (int)db_col_int(s, 0);
            last = db_col_int(s, 1);
        }
        if (s) db_reset(s);
        if (rc < 0) return rc;
        if (t->now - last >= auth_policy.forget_ms) failures[i] = 0;
        long long wait = last + spacing_ms(failures[i], t->after[i], t->cap_ms[i]) - t->now;
        if (failures[i] >= t->after[i] && wait > t->wait_ms) t->wait_ms = wait;
    }
    return 0;
}

/* In a read snapshot: a flood of attempts that must wait is answered without taking the writer. */
static int throttle_peek_fn(db_t *db, void *arg)
{
    int failures[THROTTLE_KEYS];
    return throttle_check(db, arg, failures);
}

/* In the write transaction: refuse the attempt when any key asks it to wait, else count it as a failure under
 * every key before Argon2 runs (so parallel guesses are all counted); success gives the count back. */
static int throttle_take_fn(db_t *db, void *arg)
{
    struct throttle *t = arg;
    int failures[THROTTLE_KEYS];
    static _Atomic long long last_sweep;  /* once a minute, whichever writer comes first */
    if (t->now - last_sweep > 60000) {
        long long n = db_run(db, "DELETE FROM signin_throttle WHERE last_failed_at < $1", "i",
                             t->now - auth_policy.forget_ms);
        if (n < 0) return (int)n;
        last_sweep = t->now;
    }
    int rc = throttle_check(db, t, failures);
    if (rc < 0 || t->wait_ms > 0) return rc;
    for (int i = 0; i < t->nkeys; i++) {
        long long n = db_run(db,
                             "INSERT INTO signin_throttle (key, failures, last_failed_at) VALUES ($1, $2, $3) "
                             "ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
                             "last_failed_at = excluded.last_failed_at",
                             "tii", t->key[i], (long long)failures[i] + 1, t->now);
        if (n < 0) return (int)n;
    }
    return 0;
}

/* Give back one counted attempt on every key; clear_first also forgets the first key (the username's, after its
 * right password). */
struct throttle_give {
    const struct throttle *t;
    bool                   clear_first;
};

static int throttle_give_db(db_t *db, const struct throttle_give *g)
{
    for (int i = 0; i < g->t->nkeys; i++) {
        long long n = i == 0 && g->clear_first
            ? db_run(db, "DELETE FROM signin_throttle WHERE key = $1", "t", g->t->key[i])
            : db_run(db, "UPDATE signin_throttle SET failures = failures - 1 WHERE key = $1 AND failures > 0", "t",
                     g->t->key[i]);
        if (n < 0) return (int)n;
    }
    return 0;
}

static int throttle_give_fn(db_t *db, void *arg) { return throttle_give_db(db, arg); }

static int throttle_take(store_t *st, struct throttle *t, signin_result_t *res)
{
    int rc = store_read(st, throttle_peek_fn, t);
    if (rc == 0 && t->wait_ms == 0) rc = store_write(st, throttle_take_fn, t);
    if (rc < 0) return rc;
    if (t->wait_ms > 0) {
        res->status = -EAGAIN;
        res->retry_after_ms = t->wait_ms;
    }
    return 0;
}

/* Argon2 found no free slot: the attempt was not tried, so it is not a failure. */
static int throttle_busy(store_t *st, struct throttle *t, signin_result_t *res)
{
    struct throttle_give g = {t, false};
    int rc = store_write(st, throttle_give_fn, &g);
    if (rc < 0) return rc;
    res->status = -EBUSY;
    res->retry_after_ms = 1000;
    return 0;
}

int auth_register_throttle(store_t *st, const char *client_addr, signin_result_t *res)
{
    memset(res, 0, sizeof *res);
    struct throttle t;
    memset(&t, 0, sizeof t);
    t.now = clock_now_ms();
    throttle_add(&t, "r:", client_addr ? client_addr : "", auth_policy.register_after, auth_policy.addr_max_ms);
    return throttle_take(st, &t, res);
}

/* lookup: public dossier proofs, one key per client address */
/* One throttle key (prefix + SHA-256 of value): peek (write 0) or count a failure (write 1). */
static int throttle_one(store_t *st, const char *prefix, const char *value, int after, long long cap_ms, int write,
                        long long *retry_after_ms)
{
    struct throttle t;
    memset(&t, 0, sizeof t);
    t.now = clock_now_ms();
    throttle_add(&t, prefix, value ? value : "", after, cap_ms);
    int rc = write ? store_write(st, throttle_take_fn, &t) : store_read(st, throttle_peek_fn, &t);
    *retry_after_ms = rc == 0 ? t.wait_ms : 0;
    return rc;
}

int auth_lookup_throttle_peek(store_t *st, const char *client_addr, long long *retry_after_ms)
{
    return throttle_one(st, "l:", client_addr, auth_policy.lookup_after, auth_policy.addr_max_ms, 0, retry_after_ms);
}

int auth_lookup_throttle_fail(store_t *st, const char *client_addr, long long *retry_after_ms)
{
    return throttle_one(st, "l:", client_addr, auth_policy.lookup_after, auth_policy.addr_max_ms, 1, retry_after_ms);
}
/* end lookup */

int auth_pin_throttle_peek(store_t *st, const char *key_id, long long *retry_after_ms)
{
    return throttle_one(st, "k:", key_id, auth_policy.slow_after, auth_policy.account_max_ms, 0, retry_after_ms);
}

int auth_pin_throttle_fail(store_t *st, const char *key_id, long long *retry_after_ms)
{
    return throttle_one(st, "k:", key_id, auth_policy.slow_after, auth_policy.account_max_ms, 1, retry_after_ms);
}

/* ---- sign-in ---- */

struct account_row {
    const char *username;
    int         found;
    char        id[ID_LEN + 1];
    char        hash[160];
    int         disabled;
};

static int load_account(db_t *db, void *arg)
{
    struct account_row *a = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT id, COALESCE(password_hash, ''), disabled FROM accounts WHERE username = $1",
                      "t", a->username);
    if (rc == DB_ROW) {
        a->found = 1;
        str_copy(a->id, sizeof a->id, db_col_text(s, 0));
        str_copy(a->hash, sizeof a->hash, db_col_text(s, 1));
        a->disabled = (int)db_col_int(s, 2);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static void session_hash(const char *token, char out[65])
{
    sha256_hex(token, strlen(token), out);
}

struct open_session {
    signin_result_t        *res;
    const char             *id;
    long long               now;
    const struct throttle  *t;
};

static int open_session(db_t *db, void *arg)
{
    struct open_session *o = arg;
    struct throttle_give g = {o->t, true};
    int rc = throttle_give_db(db, &g);
    if (rc < 0) return rc;
    char hash[65], csrf[RAND_TOKEN_LEN + 1];
    rand_token(o->res->token);
    rand_token(csrf);
    session_hash(o->res->token, hash);
    long long n = db_run(db,
                         "INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
                         "VALUES ($1, $2, $3, $4, $5, $4)",
                         "tttii", hash, o->id, csrf, o->now, o->now + auth_policy.session_ttl_ms);
    if (n < 0) return (int)n;
    /* Sweep this account's expired sessions while we hold the write lock anyway. */
    n = db_run(db, "DELETE FROM sessions WHERE account_id = $1 AND expires_at < $2", "ti", o->id, o->now);
    if (n < 0) return (int)n;
    rc = auth_load_principal(db, o->id, &o->res->who);
    if (rc < 0) return rc;
    memcpy(o->res->who.csrf, csrf, sizeof csrf);
    memcpy(o->res->who.session_hash, hash, sizeof hash);
    return 0;
}

/* Known and unknown usernames take the same path: the same throttle keys and queries, one Argon2 run (against a
 * dummy hash for an unknown name), one write; only the last write differs, after the answer's work is done. */
int auth_sign_in(store_t *st, const char *username, const char *password, const char *client_addr,
                 signin_result_t *res)
{
    memset(res, 0, sizeof *res);
    struct throttle t;
    throttle_init(&t, username, client_addr);
    int rc = throttle_take(st, &t, res);
    if (rc < 0 || res->status) return rc;
    struct account_row a = {.username = username};
    rc = store_read(st, load_account, &a);
    if (rc < 0) return rc;
    const char *dummy_h = dummy_hash();
    /* Argon2 runs outside any transaction: it is slow by design and must not hold the writer. */
    int ok = auth_password_verify_rc(a.found && a.hash[0] ? a.hash : dummy_h, password);
    if (ok == -EBUSY) return throttle_busy(st, &t, res);
    if (!a.found || a.disabled || ok != 1) {
        res->status = -EACCES;             /* already counted by throttle_take */
        return 0;
    }
    struct open_session o = {res, a.id, t.now, &t};
    rc = store_write(st, open_session, &o);
    if (rc < 0) return rc;
    res->status = 0;
    return 0;
}

struct current_hash {
    const char *id;
    char        hash[160];
};

static int current_hash_fn(db_t *db, void *arg)
{
    struct current_hash *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COALESCE(password_hash, '') FROM accounts WHERE id = $1", "t", c->id);
    if (rc == DB_ROW) str_copy(c->hash, sizeof c->hash, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : (rc < 0 ? rc : -ENOENT);
}

int auth_verify_current_password(store_t *st, const principal_t *who, const char *password,
                                 const char *client_addr, signin_result_t *res)
{
    memset(res, 0, sizeof *res);
    struct throttle t;
    throttle_init(&t, who->username, client_addr);
    int rc = throttle_take(st, &t, res);
    if (rc < 0 || res->status) return rc;
    struct current_hash c = {.id = who->account_id};
    rc = store_read(st, current_hash_fn, &c);
    if (rc < 0) return rc;
    int ok = auth_password_verify_rc(c.hash, password);
    if (ok == -EBUSY) return throttle_busy(st, &t, res);
    if (ok != 1) {
        res->status = -EACCES;
        return 0;
    }
    struct throttle_give g = {&t, true};
    return store_write(st, throttle_give_fn, &g);
}

/* ---- sessions ---- */

struct session_ctx {
    const char  *hash;
    principal_t *who;
    long long    now;
    long long    expires_at, last_seen;   /* as loaded, for the cache */
};

int auth_load_grants(db_t *db, const char *account_id, grant_t grants[AUTH_MAX_GRANTS], int *ngrants)
{
    db_stmt_t *s = db_prepare(db, "SELECT r.role, r.unit_id, u.path FROM roles r JOIN units u ON u.id = r.unit_id "
                                  "WHERE r.account_id = $1 ORDER BY u.path, r.role");
    if (!s) return -EIO;
    db_bind_text(s, 1, account_id, DB_NTS);
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        if (n == AUTH_MAX_GRANTS) { rc = -EOVERFLOW; break; }
        grant_t *g = &grants[n];
        /* A role name this build does not know (a newer schema) is skipped: it grants nothing here. */
        if (role_parse(db_col_text(s, 0), &g->role) < 0) continue;
        str_copy(g->unit_id, sizeof g->unit_id, db_col_text(s, 1));
        if (str_copy(g->unit_path, sizeof g->unit_path, db_col_text(s, 2)) < 0) { rc = -EOVERFLOW; break; }
        n++;
    }
    db_reset(s);
    *ngrants = n;
    if (rc == -EOVERFLOW) log_error("auth: account %s holds more than %d grants; refusing to load it", account_id,
                                    AUTH_MAX_GRANTS);
    return rc < 0 ? rc : 0;
}

/* Grants of an account, with their units' paths, into who. */
static int load_grants(db_t *db, const char *account_id, principal_t *who)
{
    return auth_load_grants(db, account_id, who->grants, &who->ngrants);
}


/* ---- the principal cache (see auth.h) ----
 * Direct-mapped: slot = first 32 bits of the credential's hash (uniformly random: it is a SHA-256 of a random
 * token), one entry per slot, replaced on collision; each slot has its own lock, held only to copy in or out. */

#define CACHE_SLOTS 512

struct cache_entry {
    const store_t     *st;
    char               key[66];       /* 's' or 't' + the credential's hash */
    unsigned long long stamp;         /* store_write_count() before the load */
    long long          loaded_at;
    long long          expires_at;    /* session or token expiry */
    long long          last_seen;     /* session last_seen / token last_used_at as loaded */
    principal_t        who;
    char              *memo;
    size_t             memo_len;
    unsigned long long memo_stamp;
    long long          memo_at;
};

static struct cache_slot {
    pthread_mutex_t     mu;
    struct cache_entry *e;
} cache_slots[CACHE_SLOTS];
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++) pthread_mutex_init(&cache_slots[i].mu, NULL);
}

static struct cache_slot *cache_slot(const char *hash)
{
    pthread_once(&cache_once, cache_init);
    unsigned v = 0;
    for (int i = 0; i < 8 && hash[i]; i++) {
        char c = hash[i];
        v = v << 4 | (unsigned)(c >= 'a' ? c - 'a' + 10 : c - '0');
    }
    return &cache_slots[v % CACHE_SLOTS];
}

static void cache_key(char out[66], char kind, const char *hash)
{
    out[0] = kind;
    str_copy(out + 1, 65, hash);
}

static long long touch_every_ms(bool token)
{
    if (token) return 60000;
    return auth_policy.session_idle_ms / 4 < 60000 ? auth_policy.session_idle_ms / 4 : 60000;
}

/* The cached principal for credential (kind, hash) into who: true when valid now. */
static bool cache_get(store_t *st, char kind, const char *hash, long long now, principal_t *who)
{
    if (auth_policy.cache_ms <= 0) return false;
    char key[66];
    cache_key(key, kind, hash);
    struct cache_slot *sl = cache_slot(hash);
    bool hit = false;
    pthread_mutex_lock(&sl->mu);
    struct cache_entry *e = sl->e;
    if (e && e->st == st && !strcmp(e->key, key) && e->stamp == store_write_count(st) &&
        now - e->loaded_at < auth_policy.cache_ms && now >= e->loaded_at && now < e->expires_at &&
        (kind == 't' || now - e->last_seen < auth_policy.session_idle_ms) &&
        now - e->last_seen <= touch_every_ms(kind == 't')) {
        memcpy(who, &e->who, sizeof *who);
        hit = true;
    }
    pthread_mutex_unlock(&sl->mu);
    return hit;
}

static void cache_put(store_t *st, char kind, const char *hash, unsigned long long stamp, long long now,
                      long long expires_at, long long last_seen, const principal_t *who)
{
    if (auth_policy.cache_ms <= 0 || who->touch_due) return;   /* a due touch is a write: load again after it */
    struct cache_slot *sl = cache_slot(hash);
    pthread_mutex_lock(&sl->mu);
    struct cache_entry *e = sl->e;
    if (!e) e = sl->e = xcalloc(1, sizeof *e);
    free(e->memo);
    e->memo = NULL;
    e->memo_len = 0;
    e->st = st;
    cache_key(e->key, kind, hash);
    e->stamp = stamp;
    e->loaded_at = now;
    e->expires_at = expires_at;
    e->last_seen = last_seen;
    memcpy(&e->who, who, sizeof *who);
    pthread_mutex_unlock(&sl->mu);
}

static const char *who_cache_key(const principal_t *who, char *kind)
{
    *kind = who->via_token ? 't' : 's';
    return who->via_token ? who->token_hash : who->session_hash;
}

unsigned long long auth_memo_stamp(store_t *st) { return store_write_count(st); }

bool auth_memo_get(store_t *st, const principal_t *who, buf_t *out)
{
    char kind;
    const char *hash = who_cache_key(who, &kind);
    if (auth_policy.cache_ms <= 0 || !hash[0]) return false;
    char key[66];
    cache_key(key, kind, hash);
    long long now = clock_now_ms();
    struct cache_slot *sl = cache_slot(hash);
    bool hit = false;
    pthread_mutex_lock(&sl->mu);
    struct cache_entry *e = sl->e;
    if (e && e->memo && e->st == st && !strcmp(e->key, key) && e->memo_stamp == store_write_count(st) &&
        now - e->memo_at < auth_policy.cache_ms && now >= e->memo_at)
        hit = buf_append(out, e->memo, e->memo_len) == 0;
    pthread_mutex_unlock(&sl->mu);
    return hit;
}

void auth_memo_put(store_t *st, const principal_t *who, unsigned long long stamp, const char *data, size_t len)
{
    char kind;
    const char *hash = who_cache_key(who, &kind);
    if (auth_policy.cache_ms <= 0 || !hash[0]) return;
    char key[66];
    cache_key(key, kind, hash);
    struct cache_slot *sl = cache_slot(hash);
    pthread_mutex_lock(&sl->mu);
    struct cache_entry *e = sl->e;
    if (e && e->st == st && !strcmp(e->key, key) && stamp == store_write_count(st)) {
        free(e->memo);
        e->memo = xmalloc(len ? len : 1);
        memcpy(e->memo, data, len);
        e->memo_len = len;
        e->memo_stamp = stamp;
        e->memo_at = clock_now_ms();
    }
    pthread_mutex_unlock(&sl->mu);
}

void auth_cache_clear(void)
{
    pthread_once(&cache_once, cache_init);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        pthread_mutex_lock(&cache_slots[i].mu);
        if (cache_slots[i].e) free(cache_slots[i].e->memo);
        free(cache_slots[i].e);
        cache_slots[i].e = NULL;
        pthread_mutex_unlock(&cache_slots[i].mu);
    }
}

/* One query for the session and its account (this runs on every authenticated request), one for the grants. */
static int session_fn(db_t *db, void *arg)
{
    struct session_ctx *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT s.account_id, s.csrf, s.expires_at, s.last_seen, a.kind, a.username, "
                      "COALESCE(a.unit_id, ''), a.disabled FROM sessions s JOIN accounts a ON a.id = s.account_id "
                      "WHERE s.token_hash = $1",
                      "t", c->hash);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    principal_t *who = c->who;
    memset(who, 0, sizeof *who);
    str_copy(who->account_id, sizeof who->account_id, db_col_text(s, 0));
    str_copy(who->csrf, sizeof who->csrf, db_col_text(s, 1));
    long long expires = db_col_int(s, 2), last_seen = db_col_int(s, 3);
    str_copy(who->kind, sizeof who->kind, db_col_text(s, 4));
    str_copy(who->username, sizeof who->username, db_col_text(s, 5));
    str_copy(who->unit_id, sizeof who->unit_id, db_col_text(s, 6));
    int disabled = (int)db_col_int(s, 7);
    db_reset(s);
    if (disabled) return -ENOENT;
    if (c->now >= expires || c->now - last_seen >= auth_policy.session_idle_ms) return -ETIMEDOUT;
    /* last_seen is written at most once a minute, but well within the idle limit when that is shorter, so a
     * session in use never idles out. */
    who->touch_due = c->now - last_seen > touch_every_ms(false);
    c->expires_at = expires;
    c->last_seen = last_seen;
    str_copy(who->session_hash, sizeof who->session_hash, c->hash);
    return load_grants(db, who->account_id, who);
}

static int touch_fn(db_t *db, void *arg)
{
    const principal_t *who = arg;
    long long n = who->via_token
        ? db_run(db, "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1", "ti", who->token_id, clock_now_ms())
        : db_run(db, "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1", "ti", who->session_hash,
                 clock_now_ms());
    return n < 0 ? (int)n : 0;
}

int auth_session_touch(store_t *st, const principal_t *who)
{
    if (who->via_token ? !who->token_id[0] : !who->session_hash[0]) return 0;
    return store_write(st, touch_fn, (void *)who);
}

int auth_session_load(store_t *st, const char *token, principal_t *who)
{
    if (!token || strlen(token) != RAND_TOKEN_LEN) return -ENOENT;
    char hash[65];
    session_hash(token, hash);
    struct session_ctx c = {hash, who, clock_now_ms(), 0, 0};
    if (cache_get(st, 's', hash, c.now, who)) return 0;
    unsigned long long stamp = store_write_count(st);
    int rc = store_read(st, session_fn, &c);
    if (rc == 0) cache_put(st, 's', hash, stamp, c.now, c.expires_at, c.last_seen, who);
    return rc;
}

static int sign_out_fn(db_t *db, void *arg)
{
    long long n = db_run(db, "DELETE FROM sessions WHERE token_hash = $1", "t", (const char *)arg);
    return n < 0 ? (int)n : 0;
}

int auth_sign_out(store_t *st, const principal_t *who)
{
    if (!who->session_hash[0]) return -ENOENT;
    return store_write(st, sign_out_fn, (void *)who->session_hash);
}

/* ---- API tokens ---- */

static int token_fn(db_t *db, void *arg)
{
    struct session_ctx *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT account_id, expires_at, revoked_at, id, COALESCE(last_used_at, 0) FROM api_tokens "
                      "WHERE token_hash = $1",
                      "t", c->hash);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    char account[ID_LEN + 1], id[ID_LEN + 1];
    str_copy(account, sizeof account, db_col_text(s, 0));
    long long expires = db_col_int(s, 1);
    int revoked = !db_col_is_null(s, 2);
    str_copy(id, sizeof id, db_col_text(s, 3));
    long long last_used = db_col_int(s, 4);
    db_reset(s);
    if (revoked) return -ENOENT;
    if (c->now >= expires) return -ETIMEDOUT;
    rc = auth_load_principal(db, account, c->who);
    if (rc < 0) return rc;
    c->who->via_token = true;
    memcpy(c->who->token_id, id, sizeof id);
    str_copy(c->who->token_hash, sizeof c->who->token_hash, c->hash);
    c->who->touch_due = c->now - last_used > touch_every_ms(true);
    c->expires_at = expires;
    c->last_seen = last_used;
    return 0;
}

int auth_token_load(store_t *st, const char *token, principal_t *who)
{
    if (!token || strncmp(token, "mct_", 4) != 0 || strlen(token) != 4 + RAND_TOKEN_LEN) return -ENOENT;
    char hash[65];
    sha256_hex(token, strlen(token), hash);
    struct session_ctx c = {hash, who, clock_now_ms(), 0, 0};
    if (cache_get(st, 't', hash, c.now, who)) return 0;
    unsigned long long stamp = store_write_count(st);
    int rc = store_read(st, token_fn, &c);
    if (rc == 0) cache_put(st, 't', hash, stamp, c.now, c.expires_at, c.last_seen, who);
    return rc;
}

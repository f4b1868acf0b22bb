/* test_auth.c — domain/auth.h and domain/token.h: role names and placement, password rules and Argon2id hashes,
 * sign-in (success, wrong password, unknown and disabled accounts, slow-down, exponential spacing, the capped
 * account wait with no lock, unknown names throttled alike, per-address spacing, the current-password check, the
 * citizen registration limit), sessions (load, expiry by lifetime and by inactivity, touch, sign-out, sweep), API
 * tokens (create, load, list, revoke, expiry), principals loaded from the store, and the scope tests
 * auth_has_role / auth_sees_path / auth_role_covers on hand-built principals. Throttling uses a small auth_policy
 * set in each test; every test runs in its own process, so the policy never leaks. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "domain/auth.h"
#include "domain/token.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PW "correct horse"

/* The fixture: root / province P / communes A (with department D) and B; alice (desk at A, home D) and bob
 * (leader at B), both with the password PW (one Argon2 hash, shared). */
static unit_t root, prov, ca, cb, dep;
static account_t alice, bob;
static char pw_hash[160];

static void auth_setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &prov);
    tu_make_unit(prov.id, "commune", "Xã Cư Jút", "cujut", &ca);
    tu_make_unit(prov.id, "commune", "Xã Thuận An", "thuanan", &cb);
    tu_make_unit(ca.id, "department", "Văn phòng", "cujut.vp", &dep);
    cr_assert_eq(auth_password_hash(PW, pw_hash, sizeof pw_hash), 0);
    derr_t e = {0};
    account_input_t in = {.kind = "staff", .username = "alice", .full_name = "Nguyễn Thị Alice", .unit_id = dep.id,
                          .password_hash = pw_hash, .disabled = -1, .nroles = 1};
    in.roles[0].role = ROLE_DESK;
    in.roles[0].unit_id = ca.id;
    cr_assert_eq(tu_account_create(NULL, &in, &alice, &e), 0, "alice: %s", e.field);
    in.username = "bob";
    in.full_name = "Trần Văn Bob";
    in.unit_id = cb.id;
    in.roles[0].role = ROLE_LEADER;
    in.roles[0].unit_id = cb.id;
    cr_assert_eq(tu_account_create(NULL, &in, &bob, &e), 0, "bob: %s", e.field);
}

static signin_result_t sign_in(const char *user, const char *pw)
{
    signin_result_t r;
    int rc = auth_sign_in(tu_env.st, user, pw, "192.0.2.1", &r);
    cr_assert_eq(rc, 0, "auth_sign_in store error %d", rc);
    return r;
}

/* The throttle's failure count of a username (its key is "u:" + SHA-256 of the name), 0 without a row. */
static long long failed_logins(const char *user)
{
    char key[80] = "u:";
    sha256_hex(user, strlen(user), key + 2);
    return tu_int("SELECT COALESCE(MAX(failures), 0) FROM signin_throttle WHERE key = $1", key);
}

/* ---- roles ---- */

Test(auth_roles, names_round_trip)
{
    static const char *names[] = {"desk", "specialist", "leader", "clerk", "official", "admin"};
    cr_assert_eq(ROLE__COUNT, 6);
    for (int r = 0; r < ROLE__COUNT; r++) {
        cr_assert_str_eq(role_name((role_t)r), names[r]);
        role_t back = ROLE__COUNT;
        cr_assert_eq(role_parse(names[r], &back), 0);
        cr_assert_eq(back, r);
    }
    role_t x = ROLE_ADMIN;
    cr_assert_eq(role_parse("Admin", &x), -EINVAL);
    cr_assert_eq(role_parse("", &x), -EINVAL);
    cr_assert_eq(role_parse(NULL, &x), -EINVAL);
    cr_assert_eq(role_parse("admins", &x), -EINVAL);
    cr_assert_eq(x, ROLE_ADMIN, "a failed parse leaves out alone");
    cr_assert_str_eq(role_name(ROLE__COUNT), "?");
    cr_assert_str_eq(role_name((role_t)-1), "?");
}

Test(auth_roles, placement_by_unit_kind)
{
    static const char *kinds[] = {"national", "province", "commune", "ward", "department"};
    /* rows: desk specialist leader clerk official admin; columns: kinds above */
    static const bool fits[ROLE__COUNT][5] = {
        {false, true, true, true, true},
        {false, true, true, true, true},
        {false, true, true, true, true},
        {false, true, true, true, true},
        {true, true, false, false, false},
        {true, true, true, true, true},
    };
    for (int r = 0; r < ROLE__COUNT; r++)
        for (int k = 0; k < 5; k++)
            cr_assert_eq(role_fits_unit_kind((role_t)r, kinds[k]), fits[r][k], "%s at %s", role_name((role_t)r),
                         kinds[k]);
    cr_assert_not(role_fits_unit_kind(ROLE_DESK, "village"));
    cr_assert_not(role_fits_unit_kind(ROLE__COUNT, "commune"));
}

/* ---- passwords ---- */

Test(auth_password, length_rules_count_characters)
{
    cr_assert_eq(auth_password_check("abc"), -EINVAL);
    cr_assert_eq(auth_password_check(""), -EINVAL);
    cr_assert_eq(auth_password_check("abcd"), 0);
    cr_assert_eq(auth_password_check("đđđ"), -EINVAL, "3 characters (6 bytes) is too short");
    cr_assert_eq(auth_password_check("đđđđ"), 0);
    char s[4 * 130 + 1];
    memset(s, 'a', 128);
    s[128] = '\0';
    cr_assert_eq(auth_password_check(s), 0);
    s[128] = 'a';
    s[129] = '\0';
    cr_assert_eq(auth_password_check(s), -EINVAL);
    s[0] = '\0';
    for (int i = 0; i < 128; i++) memcpy(s + 3 * i, "ệ", 4);   /* 128 characters, 384 bytes */
    cr_assert_eq(auth_password_check(s), 0);
    cr_assert_eq(auth_password_check("abc\xFF"), -EINVAL);
}

Test(auth_password, hash_and_verify)
{
    char a[160], b[160];
    cr_assert_eq(auth_password_hash("mật khẩu", a, sizeof a), 0);
    cr_assert_eq(auth_password_hash("mật khẩu", b, sizeof b), 0);
    cr_assert_eq(strncmp(a, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0, "%s", a);
    cr_assert_str_neq(a, b, "each hash has its own salt");
    cr_assert(auth_password_verify(a, "mật khẩu"));
    cr_assert(auth_password_verify(b, "mật khẩu"));
    cr_assert_not(auth_password_verify(a, "mat khau"));
    cr_assert_not(auth_password_verify(a, ""));
    cr_assert_not(auth_password_verify(NULL, "x"));
    cr_assert_not(auth_password_verify("", "x"));
    cr_assert_not(auth_password_verify("$argon2id$garbage", "x"));
    char tiny[16];
    cr_assert_eq(auth_password_hash("x", tiny, sizeof tiny), -EIO);
    cr_assert_str_eq(tiny, "", "a failed hash leaves no partial encoding to store");
}

/* ---- sign-in ---- */

TestSuite(auth_signin, .init = auth_setup, .fini = tu_close);

/* Argon2 runs are bounded: with one slot and no wait, of four hashes started together some answer -EBUSY with an
 * empty buffer, and every one that succeeded is a real encoding. */
struct busy_arg {
    pthread_barrier_t *start;
    char               out[160];
    int                rc;
};

static void *busy_hash(void *p)
{
    struct busy_arg *a = p;
    pthread_barrier_wait(a->start);
    a->rc = auth_password_hash("busy-pass", a->out, sizeof a->out);
    return NULL;
}

Test(auth_password, argon2_runs_are_bounded)
{
    auth_policy.argon_slots = 1;
    auth_policy.argon_wait_ms = 1;
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 4);
    struct busy_arg a[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        a[i].start = &start;
        pthread_create(&t[i], NULL, busy_hash, &a[i]);
    }
    int busy = 0, ok = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        if (a[i].rc == -EBUSY) {
            busy++;
            cr_assert_str_eq(a[i].out, "");
        } else {
            cr_assert_eq(a[i].rc, 0);
            cr_assert(auth_password_verify(a[i].out, "busy-pass"));
            ok++;
        }
    }
    pthread_barrier_destroy(&start);
    cr_assert_geq(ok, 1);
    cr_assert_geq(busy, 1, "four simultaneous runs on one slot: some must be refused");
}

/* No truncation: two passwords sharing a long prefix are different passwords. */
Test(auth_password, long_shared_prefix_is_told_apart)
{
    char a[160];
    cr_assert_eq(auth_password_hash("abcdefgh-1", a, sizeof a), 0);
    cr_assert(auth_password_verify(a, "abcdefgh-1"));
    cr_assert_not(auth_password_verify(a, "abcdefgh-2"));
    char longpw[AUTH_PASSWORD_MAX + 1];
    memset(longpw, 'x', AUTH_PASSWORD_MAX);
    longpw[AUTH_PASSWORD_MAX] = '\0';
    cr_assert_eq(auth_password_hash(longpw, a, sizeof a), 0);
    longpw[AUTH_PASSWORD_MAX - 1] = 'y';
    cr_assert_not(auth_password_verify(a, longpw), "the last of 128 characters counts");
}

/* Any Argon2 error is a failure, never a success: malformed encodings, a wrong variant, absurd costs. */
Test(auth_password, argon2_errors_are_never_success)
{
    char a[160];
    cr_assert_eq(auth_password_hash("secret-1", a, sizeof a), 0);
    cr_assert_eq(auth_password_verify_rc(a, "secret-1"), 1);
    cr_assert_eq(auth_password_verify_rc(a, "secret-2"), 0);
    char bad[200];
    snprintf(bad, sizeof bad, "%s", a);
    bad[strlen(bad) - 3] = '*';                                      /* not base64 */
    cr_assert_lt(auth_password_verify_rc(bad, "secret-1"), 0);
    cr_assert_not(auth_password_verify(bad, "secret-1"));
    cr_assert_lt(auth_password_verify_rc("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x"), 0);
    cr_assert_lt(auth_password_verify_rc("$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x"),
                 0);
    cr_assert_lt(auth_password_verify_rc("$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x"), 0,
                 "an Argon2 error (memory too little) is an error");
    cr_assert_not(auth_password_verify("$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x"));
}

Test(auth_signin, success_opens_a_session)
{
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(strlen(r.token), RAND_TOKEN_LEN);
    cr_assert_str_eq(r.who.account_id, alice.id);
    cr_assert_str_eq(r.who.username, "alice");
    cr_assert_str_eq(r.who.kind, "staff");
    cr_assert_str_eq(r.who.unit_id, dep.id);
    cr_assert_eq(r.who.ngrants, 1);
    cr_assert_eq(r.who.grants[0].role, ROLE_DESK);
    cr_assert_str_eq(r.who.grants[0].unit_id, ca.id);
    cr_assert_str_eq(r.who.grants[0].unit_path, ca.path);
    cr_assert_eq(strlen(r.who.csrf), RAND_TOKEN_LEN);
    cr_assert_not(r.who.via_token);
    char want[65];
    sha256_hex(r.token, strlen(r.token), want);
    cr_assert_str_eq(r.who.session_hash, want);
    /* Only the hash is stored, never the token. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = $1", want), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = $1", r.token), 0);
    long long exp = tu_int("SELECT expires_at - created_at FROM sessions WHERE token_hash = $1", want);
    cr_assert_eq(exp, auth_policy.session_ttl_ms);
}

Test(auth_signin, wrong_password_unknown_user_disabled)
{
    signin_result_t r = sign_in("alice", "wrong password");
    cr_assert_eq(r.status, -EACCES);
    cr_assert_str_eq(r.token, "");
    cr_assert_eq(failed_logins("alice"), 1);
    r = sign_in("nobody", PW);
    cr_assert_eq(r.status, -EACCES);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions", NULL), 0);
    cr_assert_eq(tu_exec("UPDATE accounts SET disabled = 1 WHERE username = 'bob'"), 0);
    r = sign_in("bob", PW);
    cr_assert_eq(r.status, -EACCES, "a disabled account cannot sign in with the right password");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions", NULL), 0);
}

Test(auth_signin, account_without_password_cannot_sign_in)
{
    cr_assert_eq(tu_exec("UPDATE accounts SET password_hash = NULL WHERE username = 'bob'"), 0);
    cr_assert_eq(sign_in("bob", "").status, -EACCES);
    cr_assert_eq(sign_in("bob", PW).status, -EACCES);
}

Test(auth_signin, slow_down_after_failures)
{
    auth_policy.slow_after = 1;
    auth_policy.slow_base_ms = 1500;
    cr_assert_eq(sign_in("alice", "nope").status, -EACCES);
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, -EAGAIN, "a second attempt right away must wait, even with the right password");
    cr_assert(r.retry_after_ms > 0 && r.retry_after_ms <= 1500, "retry_after %lld", r.retry_after_ms);
    cr_assert_str_eq(r.token, "");
    cr_assert_eq(failed_logins("alice"), 1, "a refused-too-soon attempt is not counted as a failure");
    usleep((useconds_t)(r.retry_after_ms + 50) * 1000);
    r = sign_in("alice", PW);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(failed_logins("alice"), 0, "success resets the counter");
    /* Other accounts are not slowed by alice's failures. */
    cr_assert_eq(sign_in("bob", PW).status, 0);
}

Test(auth_signin, spacing_doubles_per_failure)
{
    auth_policy.slow_after = 1;
    auth_policy.slow_base_ms = 1000;
    cr_assert_eq(sign_in("alice", "nope").status, -EACCES);
    usleep(1100 * 1000);
    cr_assert_eq(sign_in("alice", "nope").status, -EACCES);
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, -EAGAIN);
    cr_assert(r.retry_after_ms > 1000 && r.retry_after_ms <= 2000, "second spacing should be ~2000 ms, got %lld",
              r.retry_after_ms);
}

/* No hard lock: however many failures a username has, its owner waits at most account_max_ms. */
Test(auth_signin, account_spacing_is_capped_and_never_locks)
{
    auth_policy.slow_after = 1;
    auth_policy.slow_base_ms = 1000;
    auth_policy.account_max_ms = 2000;
    char key[80] = "u:";
    sha256_hex("alice", 5, key + 2);
    cr_assert_eq(tu_execf("INSERT INTO signin_throttle (key, failures, last_failed_at) VALUES ('%s', 500, %lld)", key,
                          clock_now_ms()), 0);
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, -EAGAIN);
    cr_assert(r.retry_after_ms > 1000 && r.retry_after_ms <= 2000, "retry_after %lld", r.retry_after_ms);
    usleep((useconds_t)(r.retry_after_ms + 50) * 1000);
    cr_assert_eq(sign_in("alice", PW).status, 0, "after the capped wait the right password works");
}

/* An unknown username is throttled exactly like a known one: same status, same wait. */
Test(auth_signin, unknown_names_throttled_like_known_ones)
{
    auth_policy.slow_after = 2;
    auth_policy.slow_base_ms = 5000;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(sign_in("alice", "nope").status, -EACCES);
        cr_assert_eq(sign_in("nobody.here", "nope").status, -EACCES);
    }
    signin_result_t k = sign_in("alice", "nope"), u = sign_in("nobody.here", "nope");
    cr_assert_eq(k.status, -EAGAIN);
    cr_assert_eq(u.status, -EAGAIN, "an unknown name must be throttled too (else 429 vs 401 tells names apart)");
    cr_assert_eq((k.retry_after_ms + 999) / 1000, (u.retry_after_ms + 999) / 1000, "%lld vs %lld",
                 k.retry_after_ms, u.retry_after_ms);
    cr_assert_eq(failed_logins("nobody.here"), 2);
}

/* Failures from one client address space out that address's attempts on every name. */
Test(auth_signin, client_address_is_throttled_across_names)
{
    auth_policy.slow_after = 100;
    auth_policy.addr_after = 3;
    auth_policy.slow_base_ms = 5000;
    const char *names[] = {"n1", "n2", "n3"};
    for (int i = 0; i < 3; i++) cr_assert_eq(sign_in(names[i], "nope").status, -EACCES);
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, -EAGAIN, "the address made 3 failures: its next attempt waits");
    signin_result_t other;
    cr_assert_eq(auth_sign_in(tu_env.st, "alice", PW, "198.51.100.9", &other), 0);
    cr_assert_eq(other.status, 0, "another address is not held back");
}

/* The current-password check of a signed-in caller counts as a sign-in attempt of its username. */
Test(auth_signin, wrong_current_password_counts_as_failed_sign_in)
{
    auth_policy.slow_after = 1;
    auth_policy.slow_base_ms = 5000;
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, 0);
    signin_result_t v;
    cr_assert_eq(auth_verify_current_password(tu_env.st, &r.who, PW, "192.0.2.7", &v), 0);
    cr_assert_eq(v.status, 0);
    cr_assert_eq(auth_verify_current_password(tu_env.st, &r.who, "nope", "192.0.2.7", &v), 0);
    cr_assert_eq(v.status, -EACCES);
    cr_assert_eq(failed_logins("alice"), 1);
    cr_assert_eq(sign_in("alice", PW).status, -EAGAIN, "the failure spaces out the next sign-in");
    cr_assert_eq(auth_verify_current_password(tu_env.st, &r.who, PW, "192.0.2.7", &v), 0);
    cr_assert_eq(v.status, -EAGAIN);
}

Test(auth_signin, citizen_registrations_are_spaced_per_address)
{
    auth_policy.register_after = 2;
    auth_policy.slow_base_ms = 5000;
    signin_result_t r;
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(auth_register_throttle(tu_env.st, "192.0.2.5", &r), 0);
        cr_assert_eq(r.status, 0);
    }
    cr_assert_eq(auth_register_throttle(tu_env.st, "192.0.2.5", &r), 0);
    cr_assert_eq(r.status, -EAGAIN);
    cr_assert(r.retry_after_ms > 0 && r.retry_after_ms <= 5000);
    cr_assert_eq(auth_register_throttle(tu_env.st, "192.0.2.6", &r), 0);
    cr_assert_eq(r.status, 0, "another address is not held back");
}

Test(auth_signin, sweeps_expired_sessions_of_the_account)
{
    cr_assert_eq(tu_execf("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
                          "VALUES ('old', '%s', 'c', 1, 2, 1), ('bobs', '%s', 'c', 1, 2, 1)",
                          alice.id, bob.id), 0);
    cr_assert_eq(sign_in("alice", PW).status, 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = 'old'", NULL), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = 'bobs'", NULL), 1,
                 "other accounts' sessions are left alone");
}

/* ---- sessions ---- */

TestSuite(auth_session, .init = auth_setup, .fini = tu_close);

Test(auth_session, load_returns_the_principal)
{
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(r.status, 0);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    cr_assert_str_eq(who.account_id, alice.id);
    cr_assert_str_eq(who.csrf, r.who.csrf);
    cr_assert_str_eq(who.session_hash, r.who.session_hash);
    cr_assert_eq(who.ngrants, 1);
    cr_assert_str_eq(who.grants[0].unit_path, ca.path);
    cr_assert_not(who.via_token);
}

Test(auth_session, unknown_or_malformed_tokens)
{
    principal_t who;
    char t[RAND_TOKEN_LEN + 1];
    rand_token(t);
    cr_assert_eq(auth_session_load(tu_env.st, t, &who), -ENOENT);
    cr_assert_eq(auth_session_load(tu_env.st, NULL, &who), -ENOENT);
    cr_assert_eq(auth_session_load(tu_env.st, "", &who), -ENOENT);
    cr_assert_eq(auth_session_load(tu_env.st, "short", &who), -ENOENT);
    signin_result_t r = sign_in("alice", PW);
    char longer[RAND_TOKEN_LEN + 2];
    snprintf(longer, sizeof longer, "%sx", r.token);
    cr_assert_eq(auth_session_load(tu_env.st, longer, &who), -ENOENT);
    /* The stored hash itself is not a token. */
    cr_assert_eq(auth_session_load(tu_env.st, r.who.session_hash, &who), -ENOENT);
}

Test(auth_session, expires_after_its_lifetime)
{
    auth_policy.session_ttl_ms = 2000;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    usleep(2100 * 1000);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ETIMEDOUT);
}

Test(auth_session, expires_after_inactivity)
{
    auth_policy.session_idle_ms = 2000;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    usleep(2100 * 1000);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ETIMEDOUT);
}

Test(auth_session, touch_pushes_last_seen_when_due)
{
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    cr_assert_not(who.touch_due, "a fresh session needs no touch");
    long long old = clock_now_ms() - 10LL * 60 * 1000;
    cr_assert_eq(tu_execf("UPDATE sessions SET last_seen = %lld", old), 0);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    cr_assert(who.touch_due, "last_seen ten minutes old: touch due");
    cr_assert_eq(tu_int("SELECT last_seen FROM sessions", NULL), old, "loading alone writes nothing");
    cr_assert_eq(auth_session_touch(tu_env.st, &who), 0);
    long long seen = tu_int("SELECT last_seen FROM sessions", NULL);
    cr_assert_gt(seen, old + 9LL * 60 * 1000, "last_seen not touched: %lld", seen);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    cr_assert_not(who.touch_due);
    /* A principal without a session (API token) has nothing to touch. */
    principal_t none;
    tu_principal(&none, alice.id, "staff");
    cr_assert_eq(auth_session_touch(tu_env.st, &none), 0);
    cr_assert_eq(tu_int("SELECT last_seen FROM sessions", NULL), seen);
}

Test(auth_session, disabled_account_loses_its_session)
{
    signin_result_t r = sign_in("alice", PW);
    cr_assert_eq(tu_exec("UPDATE accounts SET disabled = 1 WHERE username = 'alice'"), 0);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ENOENT);
}

Test(auth_session, sign_out_ends_only_that_session)
{
    signin_result_t a = sign_in("alice", PW), b = sign_in("alice", PW);
    cr_assert_str_neq(a.token, b.token);
    cr_assert_eq(auth_sign_out(tu_env.st, &a.who), 0);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, a.token, &who), -ENOENT);
    cr_assert_eq(auth_session_load(tu_env.st, b.token, &who), 0);
    principal_t none;
    tu_principal(&none, alice.id, "staff");
    cr_assert_eq(auth_sign_out(tu_env.st, &none), -ENOENT, "no session to end");
}

/* ---- principals ---- */

Test(auth_principal, load_orders_grants_and_refuses_disabled, .init = auth_setup, .fini = tu_close)
{
    cr_assert_eq(tu_execf("INSERT INTO roles (account_id, role, unit_id) VALUES ('%s', 'admin', '%s'), "
                          "('%s', 'clerk', '%s'), ('%s', 'bogus', '%s')",
                          alice.id, prov.id, alice.id, ca.id, alice.id, root.id), 0);
    principal_t who;
    cr_assert_eq(tu_load_principal(alice.id, &who), 0);
    cr_assert_eq(who.ngrants, 3, "unknown role names are skipped");
    cr_assert_eq(who.grants[0].role, ROLE_ADMIN);
    cr_assert_str_eq(who.grants[0].unit_path, prov.path);
    cr_assert_eq(who.grants[1].role, ROLE_CLERK);   /* same unit A: ordered by role name */
    cr_assert_eq(who.grants[2].role, ROLE_DESK);
    cr_assert_str_eq(who.grants[2].unit_id, ca.id);
    cr_assert_eq(tu_load_principal("01ARZ3NDEKTSV4RRFFQ69G5FAV", &who), -ENOENT);
    cr_assert_eq(tu_exec("UPDATE accounts SET disabled = 1 WHERE username = 'alice'"), 0);
    cr_assert_eq(tu_load_principal(alice.id, &who), -ENOENT);
}

/* An account holding more grants than AUTH_MAX_GRANTS (only possible by editing the database by hand) fails to
 * load instead of losing grants silently (docs/security.md section 1): 16 load, the 17th makes it -EOVERFLOW. */
Test(auth_principal, more_grants_than_the_maximum_fail_to_load, .init = auth_setup, .fini = tu_close)
{
    static const char *const roles[] = {"desk", "specialist", "leader", "clerk", "official", "admin"};
    const char *units[] = {root.id, prov.id, ca.id, cb.id, dep.id};
    int have = 1;   /* alice: desk at ca */
    for (size_t u = 0; u < 5 && have < AUTH_MAX_GRANTS + 1; u++)
        for (size_t r = 0; r < 6 && have < AUTH_MAX_GRANTS + 1; r++) {
            if (u == 2 && r == 0) continue;
            cr_assert_eq(tu_execf("INSERT INTO roles (account_id, role, unit_id) VALUES ('%s', '%s', '%s')", alice.id,
                                  roles[r], units[u]), 0);
            have++;
            principal_t who;
            int rc = tu_load_principal(alice.id, &who);
            if (have <= AUTH_MAX_GRANTS) {
                cr_assert_eq(rc, 0, "%d grants load", have);
                cr_assert_eq(who.ngrants, have);
            } else {
                cr_assert_eq(rc, -EOVERFLOW, "%d grants: refused, not truncated (got %d)", have, rc);
            }
        }
    cr_assert_eq(have, AUTH_MAX_GRANTS + 1);
}

/* ---- scopes on hand-built principals ---- */

Test(auth_scope, has_role)
{
    principal_t p;
    tu_principal(&p, "P", "staff");
    cr_assert_not(auth_has_role(&p, ROLE_DESK));
    tu_grant(&p, ROLE_DESK, "A", "/R/P/A/");
    tu_grant(&p, ROLE_LEADER, "B", "/R/P/B/");
    cr_assert(auth_has_role(&p, ROLE_DESK));
    cr_assert(auth_has_role(&p, ROLE_LEADER));
    cr_assert_not(auth_has_role(&p, ROLE_ADMIN));
}

Test(auth_scope, sees_subtree_and_ancestors_not_siblings)
{
    principal_t p;
    tu_principal(&p, "P", "staff");
    cr_assert_not(auth_sees_path(&p, "/R/"), "no grants: sees nothing");
    tu_grant(&p, ROLE_DESK, "A", "/R/P/A/");
    cr_assert(auth_sees_path(&p, "/R/P/A/"));
    cr_assert(auth_sees_path(&p, "/R/P/A/D/"));
    cr_assert(auth_sees_path(&p, "/R/P/"));
    cr_assert(auth_sees_path(&p, "/R/"));
    cr_assert_not(auth_sees_path(&p, "/R/P/B/"));
    cr_assert_not(auth_sees_path(&p, "/R/P/B/D/"));
    cr_assert_not(auth_sees_path(&p, "/R/Q/"));
    cr_assert_not(auth_sees_path(&p, "/R/P/AB/"), "a longer sibling id sharing a prefix");
    cr_assert_not(auth_sees_path(&p, NULL));
    tu_grant(&p, ROLE_LEADER, "Q", "/R/Q/");
    cr_assert(auth_sees_path(&p, "/R/Q/X/"));
}

Test(auth_scope, role_covers_subtree_only)
{
    principal_t p;
    tu_principal(&p, "P", "staff");
    tu_grant(&p, ROLE_ADMIN, "P", "/R/P/");
    tu_grant(&p, ROLE_DESK, "A", "/R/P/A/");
    cr_assert(auth_role_covers(&p, ROLE_ADMIN, "/R/P/"));
    cr_assert(auth_role_covers(&p, ROLE_ADMIN, "/R/P/A/"));
    cr_assert(auth_role_covers(&p, ROLE_ADMIN, "/R/P/B/D/"));
    cr_assert_not(auth_role_covers(&p, ROLE_ADMIN, "/R/"), "an ancestor is visible but not covered");
    cr_assert_not(auth_role_covers(&p, ROLE_ADMIN, "/R/Q/"));
    cr_assert_not(auth_role_covers(&p, ROLE_ADMIN, "/R/PP/"));
    cr_assert(auth_role_covers(&p, ROLE_DESK, "/R/P/A/D/"));
    cr_assert_not(auth_role_covers(&p, ROLE_DESK, "/R/P/B/"));
    cr_assert_not(auth_role_covers(&p, ROLE_LEADER, "/R/P/A/"));
    cr_assert_not(auth_role_covers(&p, ROLE_ADMIN, NULL));
}

/* ---- API tokens ---- */

TestSuite(auth_token, .init = auth_setup, .fini = tu_close);

static principal_t alice_principal(void)
{
    principal_t p;
    cr_assert_eq(tu_load_principal(alice.id, &p), 0);
    return p;
}

Test(auth_token, create_and_load)
{
    principal_t p = alice_principal();
    api_token_t t;
    char secret[TOKEN_SECRET_LEN + 1];
    derr_t e = {0};
    cr_assert_eq(tu_token_create(&p, "Cổng DVC", 30, &t, secret, &e), 0);
    cr_assert_eq(strncmp(secret, "mct_", 4), 0);
    cr_assert_eq(strlen(secret), TOKEN_SECRET_LEN);
    cr_assert(id_valid(t.id));
    cr_assert_str_eq(t.name, "Cổng DVC");
    cr_assert_eq(t.expires_at - t.created_at, 30LL * 86400000);
    char hash[65];
    sha256_hex(secret, strlen(secret), hash);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1", hash), 1, "only the hash is stored");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'token.created' AND entity = 'token:' || $1", t.id),
                 1);
    principal_t who;
    cr_assert_eq(auth_token_load(tu_env.st, secret, &who), 0);
    cr_assert_str_eq(who.account_id, alice.id);
    cr_assert(who.via_token);
    cr_assert_eq(who.ngrants, 1);
    /* Malformed tokens. */
    cr_assert_eq(auth_token_load(tu_env.st, secret + 4, &who), -ENOENT, "without the mct_ prefix");
    cr_assert_eq(auth_token_load(tu_env.st, NULL, &who), -ENOENT);
    char other[TOKEN_SECRET_LEN + 1];
    memcpy(other, secret, sizeof other);
    other[10] = other[10] == 'A' ? 'B' : 'A';
    cr_assert_eq(auth_token_load(tu_env.st, other, &who), -ENOENT);
    /* A session cookie value is not an API token and vice versa. */
    cr_assert_eq(auth_session_load(tu_env.st, secret, &who), -ENOENT);
}

Test(auth_token, create_validates_name_and_days)
{
    principal_t p = alice_principal();
    api_token_t t;
    char secret[TOKEN_SECRET_LEN + 1];
    derr_t e = {0};
    cr_assert_eq(tu_token_create(&p, "", 30, &t, secret, &e), -EINVAL);
    cr_assert_str_eq(e.field, "name");
    char longname[4 * 101 + 1] = "";
    for (int i = 0; i < 101; i++) memcpy(longname + 3 * i, "ệ", 4);
    cr_assert_eq(tu_token_create(&p, longname, 30, &t, secret, &e), -EINVAL);
    longname[3 * 100] = '\0';
    cr_assert_eq(tu_token_create(&p, longname, 30, &t, secret, &e), 0, "100 characters is allowed");
    cr_assert_eq(tu_token_create(&p, "x", 0, &t, secret, &e), -EINVAL);
    cr_assert_str_eq(e.field, "expires_in_days");
    cr_assert_eq(e.status, 400);
    cr_assert_eq(tu_token_create(&p, "x", 731, &t, secret, &e), -EINVAL);
    cr_assert_eq(tu_token_create(&p, "x", 730, &t, secret, &e), 0);
    cr_assert_eq(tu_token_create(&p, "x", 1, &t, secret, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM api_tokens", NULL), 3);
}

struct token_list_ctx {
    const principal_t *who;
    int                n, stop_after;
    api_token_t        seen[8];
    int                rc;
};

static int token_cb_collect(const api_token_t *t, void *arg)
{
    struct token_list_ctx *c = arg;
    if (c->n < 8) c->seen[c->n] = *t;
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? -1 : 0;
}

static int token_list_fn(db_t *db, void *arg)
{
    struct token_list_ctx *c = arg;
    c->rc = token_list(db, c->who, token_cb_collect, c);
    return c->rc < 0 ? c->rc : 0;
}

Test(auth_token, list_and_revoke)
{
    principal_t p = alice_principal(), q;
    cr_assert_eq(tu_load_principal(bob.id, &q), 0);
    api_token_t t1, t2, t3;
    char s1[TOKEN_SECRET_LEN + 1], s2[TOKEN_SECRET_LEN + 1], s3[TOKEN_SECRET_LEN + 1];
    derr_t e = {0};
    cr_assert_eq(tu_token_create(&p, "one", 10, &t1, s1, &e), 0);
    cr_assert_eq(tu_token_create(&p, "two", 10, &t2, s2, &e), 0);
    cr_assert_eq(tu_token_create(&q, "bobs", 10, &t3, s3, &e), 0);
    struct token_list_ctx c = {.who = &p};
    cr_assert_eq(store_read(tu_env.st, token_list_fn, &c), 0);
    cr_assert_eq(c.rc, 2, "only alice's tokens");
    cr_assert_str_eq(c.seen[0].id, t1.id, "ordered by id (creation)");
    cr_assert_str_eq(c.seen[1].id, t2.id);
    cr_assert_str_eq(c.seen[1].name, "two");
    cr_assert_eq(c.seen[0].revoked_at, 0);
    /* Revoking someone else's token is "not found". */
    cr_assert_eq(tu_token_revoke(&p, t3.id, &e), -ENOENT);
    cr_assert_eq(e.status, 404);
    principal_t who;
    cr_assert_eq(auth_token_load(tu_env.st, s3, &who), 0);
    cr_assert_eq(tu_token_revoke(&p, t1.id, &e), 0);
    cr_assert_eq(auth_token_load(tu_env.st, s1, &who), -ENOENT);
    cr_assert_eq(auth_token_load(tu_env.st, s2, &who), 0);
    cr_assert_eq(tu_token_revoke(&p, t1.id, &e), -ENOENT, "already revoked");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'token.revoked'", NULL), 1);
    struct token_list_ctx c2 = {.who = &p, .stop_after = 1};
    cr_assert_eq(store_read(tu_env.st, token_list_fn, &c2), 0);
    cr_assert_eq(c2.n, 1, "the callback stops the listing");
    cr_assert_gt(c2.seen[0].revoked_at, 0);
}

Test(auth_token, expiry_and_disabled_account)
{
    principal_t p = alice_principal();
    api_token_t t;
    char s[TOKEN_SECRET_LEN + 1];
    derr_t e = {0};
    cr_assert_eq(tu_token_create(&p, "x", 1, &t, s, &e), 0);
    principal_t who;
    cr_assert_eq(tu_execf("UPDATE api_tokens SET expires_at = %lld", clock_now_ms() - 1), 0);
    cr_assert_eq(auth_token_load(tu_env.st, s, &who), -ETIMEDOUT);
    cr_assert_eq(tu_execf("UPDATE api_tokens SET expires_at = %lld", clock_now_ms() + 60000), 0);
    cr_assert_eq(auth_token_load(tu_env.st, s, &who), 0);
    cr_assert_eq(tu_exec("UPDATE accounts SET disabled = 1 WHERE username = 'alice'"), 0);
    cr_assert_eq(auth_token_load(tu_env.st, s, &who), -ENOENT);
}

Test(auth_token, json_form)
{
    api_token_t t = {.created_at = 10, .expires_at = 20};
    str_copy(t.id, sizeof t.id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    str_copy(t.name, sizeof t.name, "<CI>");
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    token_json(&w, &t);
    cr_assert_eq(jw_finish(&w), 0);
    cr_assert_str_eq(b.data, "{\"id\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\",\"name\":\"\\u003cCI\\u003e\",\"created_at\":10,"
                             "\"expires_at\":20,\"revoked_at\":null,\"last_used_at\":null}");
    buf_reset(&b);
    t.revoked_at = 30;
    t.last_used_at = 25;
    jw_init(&w, &b);
    token_json(&w, &t);
    cr_assert_eq(jw_finish(&w), 0);
    cr_assert_not_null(strstr(b.data, "\"revoked_at\":30,\"last_used_at\":25}"), "%s", b.data);
    buf_free(&b);
}

/* ---- the principal cache ---- */

/* A second store on the same database file stands for another process (the `motcua user` CLI, another server):
 * its writes do not move this store's write counter. */
static store_t *other_process(void)
{
    store_t *o = NULL;
    cr_assert_eq(store_open(&o, &(store_opts_t){.url = tu_env.path}), 0);
    return o;
}

static int delete_sessions_fn(db_t *db, void *arg)
{
    (void)arg;
    long long n = db_run(db, "DELETE FROM sessions", "");
    return n < 0 ? (int)n : 0;
}

Test(auth_session, cache_serves_within_its_lifetime_and_never_after_a_local_write)
{
    auth_policy.cache_ms = 60000;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    /* Another process ends the session: the cache still answers (a change it cannot see) ... */
    store_t *o = other_process();
    cr_assert_eq(store_write(o, delete_sessions_fn, NULL), 0);
    memset(&who, 0, sizeof who);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0, "the cached principal answers");
    cr_assert_str_eq(who.account_id, alice.id);
    cr_assert_eq(who.ngrants, 1);
    cr_assert_str_eq(who.csrf, r.who.csrf);
    /* ... until any write of this process, after which the row is read again (and is gone). */
    cr_assert_eq(tu_exec("SELECT 1"), 0);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ENOENT);
    store_close(o);
}

Test(auth_session, cache_entries_expire_after_cache_ms)
{
    auth_policy.cache_ms = 300;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    store_t *o = other_process();
    cr_assert_eq(store_write(o, delete_sessions_fn, NULL), 0);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    usleep(400 * 1000);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ENOENT, "a revocation elsewhere is seen after cache_ms");
    store_close(o);
}

Test(auth_session, no_cache_when_disabled)
{
    auth_policy.cache_ms = 0;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    store_t *o = other_process();
    cr_assert_eq(store_write(o, delete_sessions_fn, NULL), 0);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ENOENT);
    store_close(o);
}

Test(auth_session, cached_session_still_expires)
{
    auth_policy.cache_ms = 60000;
    auth_policy.session_ttl_ms = 1500;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    usleep(1600 * 1000);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), -ETIMEDOUT);
}

Test(auth_session, memo_rides_on_the_entry_under_the_same_rules)
{
    auth_policy.cache_ms = 60000;
    signin_result_t r = sign_in("alice", PW);
    principal_t who;
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    buf_t b;
    buf_init(&b, 0);
    cr_assert_not(auth_memo_get(tu_env.st, &who, &b));
    unsigned long long stamp = auth_memo_stamp(tu_env.st);
    auth_memo_put(tu_env.st, &who, stamp, "abc", 3);
    cr_assert(auth_memo_get(tu_env.st, &who, &b));
    cr_assert_eq(b.len, 3);
    cr_assert_eq(memcmp(b.data, "abc", 3), 0);
    /* a memo made of reads that a write overlapped is not kept */
    unsigned long long old = auth_memo_stamp(tu_env.st);
    cr_assert_eq(tu_exec("SELECT 1"), 0);
    cr_assert_eq(auth_session_load(tu_env.st, r.token, &who), 0);
    auth_memo_put(tu_env.st, &who, old, "stale", 5);
    buf_reset(&b);
    cr_assert_not(auth_memo_get(tu_env.st, &who, &b));
    /* and a write drops it */
    auth_memo_put(tu_env.st, &who, auth_memo_stamp(tu_env.st), "abc", 3);
    cr_assert(auth_memo_get(tu_env.st, &who, &b));
    cr_assert_eq(tu_exec("SELECT 1"), 0);
    buf_reset(&b);
    cr_assert_not(auth_memo_get(tu_env.st, &who, &b));
    buf_free(&b);
    auth_cache_clear();
}

/* test_keystore.c — keystore_unlock(): who may use which key (a person's own, a unit's seal by its leaders and
 * clerks), wrong PINs, validity at the signing instant, removed keys and a damaged stored bundle. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "core/buf.h"
#include "core/clock.h"
#include "core/fileio.h"
#include "sign/ca.h"
#include "sign/keystore.h"
#include "sign/signer.h"
#include "testutil.h"

static unit_t nat, prov, com;
static principal_t leader, clerk, desk, admin;
static char cadir[256];

static void load(const char *username, principal_t *p)
{
    account_t a;
    cr_assert_eq(tu_account_by_username(username, &a), 0);
    cr_assert_eq(tu_load_principal(a.id, p), 0);
}

static void setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Quốc gia", "vn", &nat);
    tu_make_unit(nat.id, "province", "Tỉnh Thử", "tinh", &prov);
    tu_make_unit(prov.id, "commune", "Xã Thử", "xa", &com);
    account_t a;
    tu_make_staff("ks.leader", "Lãnh Đạo", com.id, ROLE_LEADER, com.id, &a);
    tu_make_staff("ks.clerk", "Văn Thư", com.id, ROLE_CLERK, com.id, &a);
    tu_make_staff("ks.desk", "Một Cửa", com.id, ROLE_DESK, com.id, &a);
    tu_make_staff("ks.admin", "Quản Trị", com.id, ROLE_ADMIN, com.id, &a);
    load("ks.leader", &leader);
    load("ks.clerk", &clerk);
    load("ks.desk", &desk);
    load("ks.admin", &admin);
    snprintf(cadir, sizeof cadir, "%s/ca", tu_env.dir);
    ca_name_t n = {.cn = "CA"};
    cr_assert_eq(ca_init(cadir, "ca-pass", &n, CA_KEY_EC, 0), 0);
}

static char *bundle_b64(const char *cn, int kind)
{
    buf_t p12;
    buf_init(&p12, 1u << 20);
    ca_issue_opts_t o = {.name = {.cn = cn}, .key_type = CA_KEY_EC, .kind = kind};
    cr_assert_eq(ca_issue(cadir, "ca-pass", &o, "1234", &p12, NULL), 0);
    char *b = malloc(p12.len * 2 + 8);
    EVP_EncodeBlock((unsigned char *)b, (const unsigned char *)p12.data, (int)p12.len);
    buf_free(&p12);
    return b;
}

struct imp { const principal_t *who; keystore_import_t in; signing_key_t k; derr_t err; int rc; };

static int imp_fn(db_t *db, void *arg)
{
    struct imp *c = arg;
    c->rc = keystore_import(db, c->who, &c->in, &c->k, &c->err);
    return c->rc;
}

static void import_key(const principal_t *who, const char *kind, const char *unit, const char *b64, signing_key_t *out)
{
    struct imp c = {.who = who, .in = {.kind = kind, .unit_id = unit, .label = "k", .pkcs12_b64 = b64, .pin = "1234"}};
    id_new(c.in.id);
    c.in.at = clock_now_ms();
    store_write(tu_env.st, imp_fn, &c);
    cr_assert_eq(c.rc, 0, "import: %d (%s)", c.rc, c.err.field);
    *out = c.k;
}

struct unl { const principal_t *who; const char *id, *pin; long long at; int rc; int verified; };

static int unl_fn(db_t *db, void *arg)
{
    struct unl *c = arg;
    signer_t *s = NULL;
    c->rc = keystore_unlock(db, c->who, c->id, c->pin, c->at, &s);
    if (s) {
        static const char doc[] = "văn bản";
        sign_range_t r = {(const unsigned char *)doc, sizeof doc - 1};
        buf_t cms;
        buf_init(&cms, 1u << 20);
        c->verified = signer_cms_detached(s, &r, 1, &cms) == 0 &&
                      signer_cms_verify(cms.data, cms.len, &r, 1, NULL, NULL, NULL, NULL, 0) == 0;
        buf_free(&cms);
        signer_close(s);
    }
    return 0;
}

static int unlock_as(const principal_t *who, const char *id, const char *pin, long long at, int *verified)
{
    struct unl c = {who, id, pin, at ? at : (long long)time(NULL), 0, 0};
    store_read(tu_env.st, unl_fn, &c);
    if (verified) *verified = c.verified;
    return c.rc;
}

TestSuite(keystore, .init = setup, .fini = tu_close);

Test(keystore, personal_key_by_its_holder_only)
{
    char *b = bundle_b64("Lãnh Đạo", CA_KIND_PERSON);
    signing_key_t k;
    import_key(&leader, "person", NULL, b, &k);
    cr_assert_str_eq(k.account_id, leader.account_id);
    cr_assert_str_eq(k.unit_id, com.id);
    int ok = 0;
    cr_assert_eq(unlock_as(&leader, k.id, "1234", 0, &ok), 0);
    cr_assert(ok, "the unlocked signer signs and its signature verifies");
    cr_assert_eq(unlock_as(&leader, k.id, "9999", 0, NULL), -EACCES);
    cr_assert_eq(unlock_as(&clerk, k.id, "1234", 0, NULL), -ENOENT);
    cr_assert_eq(unlock_as(&admin, k.id, "1234", 0, NULL), -ENOENT, "an admin manages keys, never uses them");
    cr_assert_eq(unlock_as(&leader, k.id, "1234", k.not_after + 1, NULL), -EKEYEXPIRED);
    cr_assert_eq(unlock_as(&leader, k.id, "1234", k.not_before - 1, NULL), -EKEYEXPIRED);
    cr_assert_eq(unlock_as(&leader, "01M000000000000000000000ZZ", "1234", 0, NULL), -ENOENT);
    /* A damaged stored bundle is an I/O error, not a wrong PIN. */
    cr_assert_eq(tu_execf("UPDATE signing_key_bundles SET bundle = 'AAAA' WHERE sha256 = '%s'", k.bundle_sha256), 0);
    cr_assert_eq(unlock_as(&leader, k.id, "1234", 0, NULL), -EIO);
    cr_assert_eq(tu_execf("DELETE FROM signing_key_bundles WHERE sha256 = '%s'", k.bundle_sha256), 0);
    cr_assert_eq(unlock_as(&leader, k.id, "1234", 0, NULL), -EIO);
    free(b);
}

static int rm_fn(db_t *db, void *arg)
{
    struct { const principal_t *who; const char *id; derr_t err; int rc; } *c = arg;
    c->rc = keystore_remove(db, c->who, c->id, clock_now_ms(), &c->err);
    return c->rc;
}

Test(keystore, seal_by_leaders_and_clerks)
{
    char *b = bundle_b64("UBND Xã Thử", CA_KIND_SEAL);
    signing_key_t k;
    import_key(&admin, "seal", com.id, b, &k);
    cr_assert_eq(k.account_id[0], 0);
    int ok = 0;
    cr_assert_eq(unlock_as(&leader, k.id, "1234", 0, &ok), 0);
    cr_assert(ok);
    cr_assert_eq(unlock_as(&clerk, k.id, "1234", 0, &ok), 0);
    cr_assert_eq(unlock_as(&desk, k.id, "1234", 0, NULL), -ENOENT);
    cr_assert_eq(unlock_as(&admin, k.id, "1234", 0, NULL), -ENOENT);
    struct { const principal_t *who; const char *id; derr_t err; int rc; } c = {&leader, k.id, {0}, 0};
    store_write(tu_env.st, rm_fn, &c);
    cr_assert_eq(c.rc, -EPERM, "a leader uses the seal but does not remove it");
    c.who = &admin;
    store_write(tu_env.st, rm_fn, &c);
    cr_assert_eq(c.rc, 0);
    cr_assert_eq(unlock_as(&leader, k.id, "1234", 0, NULL), -ENOENT, "a removed seal is not used");
    free(b);
}

/* test_ca.c — the local CA (sign/ca.c): what it issues unlocks as a signer, verifies under its certificate, stops
 * verifying once revoked (the CRL) or expired, and its files refuse wrong passwords and double initialisation. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "sign/ca.h"
#include "sign/signer.h"
#include "testutil.h"

static char dir[256];

static void setup(void)
{
    char tmpl[] = "/tmp/motcua-ca-test.XXXXXX";   /* mkdtemp's template */
    cr_assert_not_null(mkdtemp(tmpl));
    cr_assert_lt(snprintf(dir, sizeof dir, "%s/ca", tmpl), (int)sizeof dir);
}

static void teardown(void)
{
    char parent[256];
    snprintf(parent, sizeof parent, "%.*s", (int)(strlen(dir) - 3), dir);
    tu_remove_dir(dir);      /* the CA's files (one level deep), then the directory above it */
    tu_remove_dir(parent);
}

/* ca.pem + crl.pem, as a verifier's trust anchors. */
static char *trust(void)
{
    buf_t b;
    buf_init(&b, 1u << 20);
    char p[320];
    snprintf(p, sizeof p, "%s/ca.pem", dir);
    cr_assert_eq(file_read_all(p, 1u << 20, &b), 0);
    snprintf(p, sizeof p, "%s/crl.pem", dir);
    cr_assert_eq(file_read_all(p, 1u << 20, &b), 0);
    buf_putc(&b, '\0');
    return buf_steal(&b);
}

static int sign_and_verify(const buf_t *p12, const char *pass, char *why, size_t why_len)
{
    signer_t *s;
    cr_assert_eq(signer_from_pkcs12(p12->data, p12->len, pass, &s), 0);
    static const char doc[] = "Quyết định 15/QĐ-UBND";
    sign_range_t r = {(const unsigned char *)doc, sizeof doc - 1};
    buf_t cms;
    buf_init(&cms, 1u << 20);
    cr_assert_eq(signer_cms_detached(s, &r, 1, &cms), 0);
    signer_close(s);
    char *t = trust();
    signer_info_t who;
    time_t at;
    int rc = signer_cms_verify(cms.data, cms.len, &r, 1, t, &who, &at, why, why_len);
    free(t);
    buf_free(&cms);
    return rc;
}

TestSuite(ca, .init = setup, .fini = teardown);

Test(ca, issues_signers_that_verify_then_revoke)
{
    ca_name_t n = {.cn = "CA thử nghiệm", .org = "UBND xã Hòa Bình"};
    cr_assert_eq(ca_init(dir, "ca-pass", &n, CA_KEY_EC, 0), 0);
    cr_assert_eq(ca_init(dir, "other", &n, CA_KEY_RSA, 0), -EEXIST);
    struct stat st;
    char p[320];
    snprintf(p, sizeof p, "%s/ca.key", dir);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);

    for (int ec = 0; ec <= 1; ec++) {
        ca_issue_opts_t o = {.name = {.cn = "Nguyễn Thị Văn Thư", .email = "vanthu@hoabinh.gov.vn"},
                             .key_type = ec ? CA_KEY_EC : CA_KEY_RSA};
        buf_t p12;
        buf_init(&p12, 1u << 20);
        ca_cert_info_t info;
        cr_assert_eq(ca_issue(dir, "ca-pass", &o, "pin-1234", &p12, &info), 0);
        cr_assert_eq(strlen(info.serial_hex), 32);
        char why[160] = "";
        cr_assert_eq(sign_and_verify(&p12, "pin-1234", why, sizeof why), 0, "%s", why);
        signer_t *s;
        cr_assert_eq(signer_from_pkcs12(p12.data, p12.len, "wrong", &s), -EACCES);
        signer_info_t si;
        cr_assert_eq(signer_from_pkcs12(p12.data, p12.len, "pin-1234", &s), 0);
        signer_get_info(s, &si);
        cr_assert_str_eq(si.serial_hex, info.serial_hex);
        cr_assert_str_eq(si.issuer_cn, "CA thử nghiệm");
        cr_assert_eq(si.key_type, ec ? SIGNER_KEY_EC : SIGNER_KEY_RSA);
        signer_close(s);

        cr_assert_eq(ca_revoke(dir, "wrong", info.serial_hex, CA_REASON_KEY_COMPROMISE, 0), -EACCES);
        cr_assert_eq(sign_and_verify(&p12, "pin-1234", why, sizeof why), 0, "a wrong password revoked nothing");
        cr_assert_eq(ca_revoke(dir, "ca-pass", info.serial_hex, CA_REASON_KEY_COMPROMISE, 0), 0);
        cr_assert_eq(ca_revoke(dir, "ca-pass", info.serial_hex, CA_REASON_KEY_COMPROMISE, 0), -EALREADY);
        cr_assert_eq(sign_and_verify(&p12, "pin-1234", why, sizeof why), -EKEYREVOKED, "%s", why);
        buf_free(&p12);
    }
    cr_assert_eq(ca_revoke(dir, "ca-pass", "ABCDEF", 0, 0), -ESRCH);
    cr_assert_eq(ca_revoke(dir, "ca-pass", "not-hex", 0, 0), -EINVAL);
    cr_assert_eq(ca_revoke(dir, "ca-pass", "ABCDEF", 2, 0), -EINVAL);   /* CA compromise is not ours to say */
}

Test(ca, expired_and_bad_input)
{
    ca_name_t n = {.cn = "CA"};
    cr_assert_eq(ca_issue(dir, "x", &(ca_issue_opts_t){.name = {.cn = "A"}}, "p", &(buf_t){0}, NULL), -ENOENT);
    cr_assert_eq(ca_init(dir, "ca-pass", &n, CA_KEY_RSA, 0), 0);
    buf_t p12;
    buf_init(&p12, 1u << 20);
    ca_issue_opts_t old = {.name = {.cn = "Hết Hạn"}, .days = 1, .not_before = time(NULL) - 3 * 86400};
    cr_assert_eq(ca_issue(dir, "ca-pass", &old, "pin", &p12, NULL), 0);
    char why[160] = "";
    cr_assert_eq(sign_and_verify(&p12, "pin", why, sizeof why), -EKEYREJECTED, "%s", why);
    size_t len = p12.len;
    const char *bad[] = {"", "tab\there", "new\nline", "\xc3\x28"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ca_issue_opts_t o = {.name = {.cn = bad[i]}};
        cr_assert_eq(ca_issue(dir, "ca-pass", &o, "pin", &p12, NULL), -EINVAL, "cn %zu", i);
    }
    char longname[CA_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    cr_assert_eq(ca_issue(dir, "ca-pass", &(ca_issue_opts_t){.name = {.cn = longname}}, "pin", &p12, NULL), -EINVAL);
    const char *emails[] = {"no-at", "a@b@c", "a,email:evil@x@y", "@x", "a@"};
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        ca_issue_opts_t o = {.name = {.cn = "A", .email = emails[i]}};
        cr_assert_eq(ca_issue(dir, "ca-pass", &o, "pin", &p12, NULL), -EINVAL, "email %s", emails[i]);
    }
    cr_assert_eq(ca_issue(dir, "wrong", &(ca_issue_opts_t){.name = {.cn = "A"}}, "pin", &p12, NULL), -EACCES);
    cr_assert_eq(p12.len, len, "a refused issue appends nothing");
    buf_free(&p12);
}

struct worker { int errors; };

static void *issue_many(void *arg)
{
    struct worker *w = arg;
    for (int i = 0; i < 4; i++) {
        buf_t p12;
        buf_init(&p12, 1u << 20);
        ca_issue_opts_t o = {.name = {.cn = "Song song"}, .key_type = CA_KEY_EC};
        if (ca_issue(dir, "ca-pass", &o, "pin", &p12, NULL)) w->errors++;
        buf_free(&p12);
    }
    return NULL;
}

static int count_fn(const ca_cert_info_t *c, void *arg)
{
    (void)c;
    ++*(int *)arg;
    return 0;
}

Test(ca, parallel_issues_are_all_recorded)
{
    ca_name_t n = {.cn = "CA"};
    cr_assert_eq(ca_init(dir, "ca-pass", &n, CA_KEY_EC, 0), 0);
    pthread_t t[3];
    struct worker w[3] = {{0}};
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, issue_many, &w[i]);
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(w[i].errors, 0);
    }
    int count = 0;
    cr_assert_eq(ca_list(dir, count_fn, &count), 0);
    cr_assert_eq(count, 12, "every issue is in the index (flock serialises them): %d", count);
    cr_assert_eq(ca_crl(dir, "ca-pass", 7), 0);
    cr_assert_eq(ca_crl(dir, "nope", 7), -EACCES);
}

/* cli_ca.c — `motcua ca` (see cli_ca.h; the CA itself is sign/ca.c, the only place that touches its keys). */
#include "cli/cli_ca.h"
#include "cli/cli_opt.h"

#include "core/buf.h"
#include "core/fileio.h"
#include "core/msg.h"
#include "sign/ca.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: motcua ca init|issue|revoke|crl|list --dir DIR [options]\n"
    "init    create a CA in DIR: an encrypted key (ca.key), its certificate (ca.pem), an empty CRL (crl.pem)\n"
    "issue   issue a signing certificate (an officer, or --seal for a unit) as a PKCS#12 bundle\n"
    "revoke  revoke a certificate by its serial and sign the CRL again\n"
    "crl     sign the CRL again (a new number and next update)\n"
    "list    the certificates issued, one per line: serial, status, valid until, kind, name\n";

static const char key_range[] = "rsa|ec";

/* The failure of a sign/ca.c call, as the user should read it; returns the exit status. */
static int ca_fail(int rc, const char *dir, const char *serial)
{
    switch (rc) {
    case -EEXIST: return cli_error(1, MSG_CA_EXISTS, dir, NULL, NULL);
    case -ENOENT: return cli_error(1, MSG_CA_NONE, dir, NULL, NULL);
    case -EACCES: return cli_error(1, MSG_CA_BAD_PASS, NULL, NULL, NULL);
    case -EINVAL: return cli_error(1, MSG_CA_BAD_NAME, NULL, NULL, NULL);
    case -ESRCH: return cli_error(1, MSG_CA_NO_SERIAL, serial, NULL, NULL);
    case -EALREADY: return cli_error(1, MSG_CA_ALREADY_REVOKED, serial, NULL, NULL);
    default: return cli_error(1, MSG_CA_FAILED, strerror(-rc), NULL, NULL);
    }
}

static int key_type_of(const char *s, int *out)
{
    if (!s || !strcmp(s, "rsa")) *out = CA_KEY_RSA;
    else if (!strcmp(s, "ec")) *out = CA_KEY_EC;
    else return cli_usage_error(MSG_CLI_BAD_VALUE, "--key", s, key_range);
    return 0;
}

static int need(const char *v, const char *flag)
{
    return v ? 0 : cli_usage_error(MSG_CLI_REQUIRED, flag, NULL, NULL);
}

static void say(msg_id_t id, const char *a0, const char *a1, const char *a2)
{
    const char *args[3] = {a0, a1, a2};
    buf_t en, vi;
    buf_init(&en, 1024);
    buf_init(&vi, 1024);
    msg_format(&en, id, LANG_EN, args, 3);
    msg_format(&vi, id, LANG_VI, args, 3);
    printf("%s\n%s\n", en.data ? en.data : "", vi.data ? vi.data : "");
    buf_free(&en);
    buf_free(&vi);
}

static void iso_day(time_t t, char out[32])
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int print_cert(const ca_cert_info_t *c, void *arg)
{
    (void)arg;
    char until[32];
    iso_day(c->not_after, until);
    printf("%s\t%s\t%s\t%s\t%s\n", c->serial_hex, c->revoked_at ? "revoked" : "valid", until,
           c->kind == CA_KIND_SEAL ? "seal" : "person", c->subject_cn);
    return 0;
}

int cli_ca(int argc, char **argv)
{
    cli_prog = "motcua ca";
    static const char *const cmds[] = {"init", "issue", "revoke", "crl", "list"};
    int which = -1;
    for (int i = 0; argc >= 2 && i < 5; i++)
        if (!strcmp(argv[1], cmds[i])) which = i;
    if (which < 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(usage, stdout);
            return 0;
        }
        fputs(usage, stderr);
        return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, "init|issue|revoke|crl|list", NULL, NULL)
                        : cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], "init|issue|revoke|crl|list");
    }
    static char prog[32];
    snprintf(prog, sizeof prog, "motcua ca %s", cmds[which]);
    cli_prog = prog;

    const char *dir = NULL, *pass_file = NULL, *name = NULL, *org = NULL, *ou = NULL, *email = NULL, *locality = NULL,
               *key = NULL, *out = NULL, *p12_pass_file = NULL, *serial = NULL, *reason = NULL;
    long days = 0, crl_days = 0;
    bool seal = false;
    const cli_opt_t o_init[] = {
        {"dir", OPT_STR, "DIR", &dir, 0, 0, NULL, "the CA's directory (created, mode 0700)"},
        {"pass-file", OPT_STR, "FILE", &pass_file, 0, 0, NULL, "file whose first line encrypts the CA key"},
        {"name", OPT_STR, "TEXT", &name, 0, 0, NULL, "the CA's common name"},
        {"org", OPT_STR, "TEXT", &org, 0, 0, NULL, "its organization"},
        {"key", OPT_STR, "rsa|ec", &key, 0, 0, NULL, "RSA-2048 (default) or EC P-256"},
        {"days", OPT_LONG, "N", &days, 1, 36500, "1..36500", "validity in days (default 3650)"},
    };
    const cli_opt_t o_issue[] = {
        {"dir", OPT_STR, "DIR", &dir, 0, 0, NULL, "the CA's directory"},
        {"pass-file", OPT_STR, "FILE", &pass_file, 0, 0, NULL, "file holding the CA key's password"},
        {"cn", OPT_STR, "TEXT", &name, 0, 0, NULL, "the holder: an officer's full name, or the unit's for --seal"},
        {"org", OPT_STR, "TEXT", &org, 0, 0, NULL, "organization (the unit)"},
        {"ou", OPT_STR, "TEXT", &ou, 0, 0, NULL, "organizational unit (the department)"},
        {"email", OPT_STR, "ADDR", &email, 0, 0, NULL, "e-mail address (also as subjectAltName)"},
        {"locality", OPT_STR, "TEXT", &locality, 0, 0, NULL, "locality (commune, province)"},
        {"seal", OPT_FLAG, NULL, &seal, 0, 0, NULL, "a unit's seal rather than a person's signature"},
        {"key", OPT_STR, "rsa|ec", &key, 0, 0, NULL, "RSA-2048 (default) or EC P-256"},
        {"days", OPT_LONG, "N", &days, 1, 3650, "1..3650", "validity in days (default 730)"},
        {"out", OPT_STR, "FILE", &out, 0, 0, NULL, "the PKCS#12 bundle to write (mode 0600; never overwritten)"},
        {"p12-pass-file", OPT_STR, "FILE", &p12_pass_file, 0, 0, NULL, "file holding the bundle's own password"},
    };
    const cli_opt_t o_revoke[] = {
        {"dir", OPT_STR, "DIR", &dir, 0, 0, NULL, "the CA's directory"},
        {"pass-file", OPT_STR, "FILE", &pass_file, 0, 0, NULL, "file holding the CA key's password"},
        {"serial", OPT_STR, "HEX", &serial, 0, 0, NULL, "the certificate's serial, as issue and list print it"},
        {"reason", OPT_STR, "REASON", &reason, 0, 0, NULL,
         "unspecified|keyCompromise|affiliationChanged|superseded|cessationOfOperation"},
        {"crl-days", OPT_LONG, "N", &crl_days, 1, 3650, "1..3650", "the CRL's next update in days (default 30)"},
    };
    const cli_opt_t o_crl[] = {
        {"dir", OPT_STR, "DIR", &dir, 0, 0, NULL, "the CA's directory"},
        {"pass-file", OPT_STR, "FILE", &pass_file, 0, 0, NULL, "file holding the CA key's password"},
        {"crl-days", OPT_LONG, "N", &crl_days, 1, 3650, "1..3650", "the CRL's next update in days (default 30)"},
    };
    const cli_opt_t o_list[] = {
        {"dir", OPT_STR, "DIR", &dir, 0, 0, NULL, "the CA's directory"},
    };
    const cli_opt_t *opts[] = {o_init, o_issue, o_revoke, o_crl, o_list};
    const int nopts[] = {NOPTS(o_init), NOPTS(o_issue), NOPTS(o_revoke), NOPTS(o_crl), NOPTS(o_list)};
    int pr = cli_parse(usage, opts[which], nopts[which], argc - 1, argv + 1);
    if (pr) return pr == 1 ? 0 : pr;
    if ((pr = need(dir, "--dir"))) return pr;
    if (which == 4) {
        int rc = ca_list(dir, print_cert, NULL);
        return rc ? ca_fail(rc, dir, NULL) : 0;
    }
    if ((pr = need(pass_file, "--pass-file"))) return pr;
    int key_type = CA_KEY_RSA, reason_code = CA_REASON_UNSPECIFIED;
    if (which == 0 && ((pr = need(name, "--name")) || (pr = key_type_of(key, &key_type)))) return pr;
    if (which == 1 && ((pr = need(name, "--cn")) || (pr = need(out, "--out")) ||
                       (pr = need(p12_pass_file, "--p12-pass-file")) || (pr = key_type_of(key, &key_type))))
        return pr;
    if (which == 2) {
        if ((pr = need(serial, "--serial"))) return pr;
        if (reason && (reason_code = ca_reason_parse(reason)) < 0)
            return cli_usage_error(MSG_CLI_BAD_VALUE, "--reason", reason,
                                   "unspecified|keyCompromise|affiliationChanged|superseded|cessationOfOperation");
    }

    char *pass = cli_read_secret_file(pass_file);
    if (!pass) return 1;
    int rc, status = 0;
    if (which == 0) {
        ca_name_t n = {.cn = name, .org = org};
        rc = ca_init(dir, pass, &n, key_type, (int)days);
        if (!rc) say(MSG_CA_CREATED, dir, NULL, NULL);
    } else if (which == 1) {
        if (access(out, F_OK) == 0) {   /* before issuing: a serial is never spent on a bundle that cannot be saved */
            cli_wipe_free(pass);
            return cli_error(1, MSG_CA_OUT_EXISTS, out, NULL, NULL);
        }
        char *p12_pass = cli_read_secret_file(p12_pass_file);
        if (!p12_pass) {
            cli_wipe_free(pass);
            return 1;
        }
        ca_issue_opts_t io = {.name = {.cn = name, .org = org, .ou = ou, .email = email, .locality = locality},
                              .key_type = key_type, .kind = seal ? CA_KIND_SEAL : CA_KIND_PERSON, .days = (int)days};
        ca_cert_info_t info;
        buf_t p12;
        buf_init(&p12, 1u << 20);
        rc = ca_issue(dir, pass, &io, p12_pass, &p12, &info);
        cli_wipe_free(p12_pass);
        if (!rc) {
            int w = file_write_atomic(out, p12.data, p12.len, 0600, 1);
            if (w == -EEXIST) status = cli_error(1, MSG_CA_OUT_EXISTS, out, NULL, NULL);
            else if (w) status = cli_error(1, MSG_CA_FAILED, strerror(-w), NULL, NULL);
            /* A bundle that could not be written must not stay valid: nobody holds its key. */
            if (w) ca_revoke(dir, pass, info.serial_hex, CA_REASON_CESSATION, 0);
            else {
                char until[32];
                iso_day(info.not_after, until);
                say(MSG_CA_ISSUED, info.serial_hex, info.subject_cn, out);
                printf("serial\t%s\nsha256\t%s\nnot_after\t%s\n", info.serial_hex, info.sha256_hex, until);
            }
        }
        buf_free(&p12);
    } else if (which == 2) {
        rc = ca_revoke(dir, pass, serial, reason_code, (int)crl_days);
        if (!rc) say(MSG_CA_REVOKED, serial, NULL, NULL);
    } else {
        rc = ca_crl(dir, pass, (int)crl_days);
        if (!rc) say(MSG_CA_CRL_SIGNED, dir, NULL, NULL);
    }
    cli_wipe_free(pass);
    if (rc) return ca_fail(rc, dir, serial);
    return status;
}

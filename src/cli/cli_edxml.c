/* cli_edxml.c — `motcua edxml build|read|verify` (see cli_edxml.h).
 *
 * The key of build is unlocked by sign/signer.h from the PKCS#12 file and its pass file; this file only ever holds
 * the opaque signer_t. Reasons from the edXML reader and the verifier are English sentences; they are printed
 * inside catalog messages so that every failure reads in Vietnamese and English. */
#include "cli/cli_edxml.h"
#include "cli/cli_opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/fileio.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/msg.h"
#include "domain/edxml.h"
#include "sign/signer.h"
#include "sign/xmldsig.h"

static int read_or_fail(const char *path, buf_t *out)
{
    int rc = file_read_all(path, out->max, out);
    if (rc) cli_error(1, MSG_EDXML_CANNOT_READ, path, rc == -EFBIG ? "file too large" : strerror(-rc), NULL);
    return rc;
}

/* An attachment's "file": relative paths are relative to the JSON file's directory (arg). */
static int load_attachment(const char *path, unsigned char **out, size_t *len, void *arg)
{
    const char *base = arg;
    char full[4096];
    if (path[0] != '/' && base && *base) {
        if (snprintf(full, sizeof full, "%s/%s", base, path) >= (int)sizeof full) return -ENAMETOOLONG;
        path = full;
    }
    buf_t b;
    buf_init(&b, EDXML_MAX_ATTACHMENT);
    int rc = file_read_all(path, b.max, &b);
    if (rc) { buf_free(&b); return rc; }
    *len = b.len;
    *out = (unsigned char *)buf_steal(&b);
    return 0;
}

static const char usage[] =
    "usage: motcua edxml build --json FILE --out FILE [--p12 FILE --pass-file FILE]\n"
    "       motcua edxml read --in FILE [--data]\n"
    "       motcua edxml verify --in FILE --trust FILE\n"
    "build   write the edXML package (QCVN 102:2016) described by a JSON file (docs/edxml.md); with --p12,\n"
    "        sign it (enveloped XML-DSig, the certificate and chain in KeyInfo)\n"
    "read    print a package or status message as JSON (--data: with the attachments' bytes in base64)\n"
    "verify  check the signature against the trust anchors and CRLs of a PEM file; exit 0 valid, 1 invalid\n";

static int cmd_build(int argc, char **argv)
{
    const char *json_path = NULL, *out_path = NULL, *p12_path = NULL, *pass_path = NULL;
    const cli_opt_t opts[] = {
        {"json", OPT_STR, "FILE", &json_path, 0, 0, NULL, "the JSON description of the package or status message"},
        {"out", OPT_STR, "FILE", &out_path, 0, 0, NULL, "the edXML file to write"},
        {"p12", OPT_STR, "FILE", &p12_path, 0, 0, NULL, "sign with this PKCS#12 key and certificate"},
        {"pass-file", OPT_STR, "FILE", &pass_path, 0, 0, NULL, "file whose first line is the PKCS#12 password"},
    };
    int pr = cli_parse(usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!json_path) return cli_usage_error(MSG_CLI_REQUIRED, "--json FILE", NULL, NULL);
    if (!out_path) return cli_usage_error(MSG_CLI_REQUIRED, "--out FILE", NULL, NULL);
    if (p12_path && !pass_path) return cli_usage_error(MSG_CLI_REQUIRED, "--pass-file FILE (with --p12)", NULL, NULL);
    if (pass_path && !p12_path) return cli_usage_error(MSG_CLI_REQUIRED, "--p12 FILE (with --pass-file)", NULL, NULL);

    int ret = 1;
    buf_t js, xml, p12;
    buf_init(&js, EDXML_MAX_BYTES);
    buf_init(&xml, EDXML_MAX_BYTES);
    buf_init(&p12, 1 << 20);
    json_t *o = NULL;
    edxml_doc_t d = {0};
    signer_t *s = NULL;
    char why[512] = "";
    if (read_or_fail(json_path, &js)) goto out;
    json_error_t je;
    o = json_loadb(js.data, js.len, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        snprintf(why, sizeof why, "line %d: %s", je.line, je.text);
        cli_error(1, MSG_EDXML_BAD_JSON, why, NULL, NULL);
        goto out;
    }
    char base[4096];
    str_copy(base, sizeof base, json_path);
    char *slash = strrchr(base, '/');
    if (slash) *slash = 0;
    else str_copy(base, sizeof base, ".");
    if (edxml_from_json(o, &d, load_attachment, base, why, sizeof why)) {
        cli_error(1, MSG_EDXML_BAD_JSON, why, NULL, NULL);
        goto out;
    }
    if (edxml_build(&d, &xml, why, sizeof why)) {
        cli_error(1, MSG_EDXML_BAD_JSON, why, NULL, NULL);
        goto out;
    }
    if (p12_path) {
        if (read_or_fail(p12_path, &p12)) goto out;
        char *pass = cli_read_secret_file(pass_path);
        if (!pass) goto out;
        int rc = signer_from_pkcs12(p12.data, p12.len, pass, &s);
        cli_wipe_free(pass);
        if (rc) {
            cli_error(1, MSG_EDXML_KEY, p12_path, rc == -EACCES ? "wrong password" : "not a PKCS#12 key and certificate",
                      NULL);
            goto out;
        }
        if ((rc = xmldsig_sign(s, &xml, why, sizeof why)) != 0) {
            cli_error(1, MSG_EDXML_SIGN_FAILED, why, NULL, NULL);
            goto out;
        }
    }
    int rc = file_write_atomic(out_path, xml.data, xml.len, 0644, 0);
    if (rc) { cli_error(1, MSG_EDXML_CANNOT_WRITE, out_path, strerror(-rc), NULL); goto out; }
    printf("%s written (%zu bytes, %d attachment%s%s)\n", out_path, xml.len, d.n_attachments,
           d.n_attachments == 1 ? "" : "s", s ? ", signed" : ", not signed");
    ret = 0;
out:
    signer_close(s);
    edxml_doc_free(&d);
    json_decref(o);
    buf_free(&js);
    buf_free(&xml);
    if (p12.data) explicit_bzero(p12.data, p12.len);
    buf_free(&p12);
    return ret;
}

static int cmd_read(int argc, char **argv)
{
    const char *in = NULL;
    bool data = false;
    const cli_opt_t opts[] = {
        {"in", OPT_STR, "FILE", &in, 0, 0, NULL, "the edXML file to read"},
        {"data", OPT_FLAG, NULL, &data, 0, 0, NULL, "include the attachments' bytes (data_base64)"},
    };
    int pr = cli_parse(usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!in) return cli_usage_error(MSG_CLI_REQUIRED, "--in FILE", NULL, NULL);
    buf_t x, out;
    buf_init(&x, EDXML_MAX_BYTES);
    buf_init(&out, (size_t)128 << 20);
    int ret = 1;
    edxml_doc_t d;
    char why[512] = "";
    if (read_or_fail(in, &x)) goto done;
    if (edxml_parse(x.data, x.len, &d, why, sizeof why)) {
        cli_error(1, MSG_EDXML_BAD_PACKAGE, why, NULL, NULL);
        goto done;
    }
    jw_t w;
    jw_init(&w, &out);
    edxml_to_json(&w, &d, data);
    edxml_doc_free(&d);
    if (jw_finish(&w)) { cli_error(1, MSG_EDXML_BAD_PACKAGE, "the JSON form is too large", NULL, NULL); goto done; }
    fwrite(out.data, 1, out.len, stdout);
    fputc('\n', stdout);
    ret = 0;
done:
    buf_free(&x);
    buf_free(&out);
    return ret;
}

static void print_time(const char *label, time_t t)
{
    struct tm tm;
    char s[32] = "";
    if (gmtime_r(&t, &tm)) strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%s%s\n", label, s);
}

static int cmd_verify(int argc, char **argv)
{
    const char *in = NULL, *trust = NULL;
    const cli_opt_t opts[] = {
        {"in", OPT_STR, "FILE", &in, 0, 0, NULL, "the signed edXML file"},
        {"trust", OPT_STR, "FILE", &trust, 0, 0, NULL, "PEM file of the trusted CA certificates and their CRLs"},
    };
    int pr = cli_parse(usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!in) return cli_usage_error(MSG_CLI_REQUIRED, "--in FILE", NULL, NULL);
    if (!trust) return cli_usage_error(MSG_CLI_REQUIRED, "--trust FILE", NULL, NULL);
    buf_t x, t;
    buf_init(&x, EDXML_MAX_BYTES);
    buf_init(&t, 16 << 20);
    int ret = 1;
    if (read_or_fail(in, &x) || read_or_fail(trust, &t)) goto done;
    signer_info_t who;
    bool lenient = false;
    char why[600] = "";
    int rc = xmldsig_verify(x.data, x.len, t.data ? t.data : "", &who, &lenient, why, sizeof why);
    if (who.sha256_hex[0]) {
        printf("signer: %s\n", who.subject_cn);
        if (who.subject_o[0]) printf("organization: %s\n", who.subject_o);
        printf("issuer: %s\nserial: %s\nsha256: %s\n", who.issuer_cn, who.serial_hex, who.sha256_hex);
        print_time("not_before: ", who.not_before);
        print_time("not_after: ", who.not_after);
        printf("key: %s\n", who.key_type == SIGNER_KEY_EC ? "EC" : who.key_type == SIGNER_KEY_RSA ? "RSA" : "?");
    }
    if (rc == 0) {
        printf("result: valid\n");
        if (lenient) {
            printf("lenient: %s\n", why);
            cli_error(0, MSG_EDXML_SIG_LENIENT, why, NULL, NULL);
        }
        ret = 0;
    } else {
        const char *code = rc == -ENOENT ? "unsigned" : rc == -EBADMSG ? "bad-signature" : rc == -EKEYREJECTED ? "untrusted"
                         : rc == -EKEYREVOKED ? "revoked" : "malformed";
        printf("result: invalid (%s)\nwhy: %s\n", code, why);
        cli_error(1, MSG_EDXML_SIG_INVALID, why, NULL, NULL);
    }
done:
    buf_free(&x);
    buf_free(&t);
    return ret;
}

int cli_edxml(int argc, char **argv)
{
    cli_prog = "motcua edxml";
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc >= 2) { fputs(usage, stdout); return 0; }
        fputs(usage, stderr);
        return cli_usage_error(MSG_CLI_REQUIRED, "build|read|verify", NULL, NULL);
    }
    int rc;
    if (!strcmp(argv[1], "build")) { cli_prog = "motcua edxml build"; rc = cmd_build(argc - 1, argv + 1); }
    else if (!strcmp(argv[1], "read")) { cli_prog = "motcua edxml read"; rc = cmd_read(argc - 1, argv + 1); }
    else if (!strcmp(argv[1], "verify")) { cli_prog = "motcua edxml verify"; rc = cmd_verify(argc - 1, argv + 1); }
    else return cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], "build, read, verify");
    xmldsig_shutdown();
    return rc;
}

/* cli_sign.c — `motcua sign pdf` and `motcua sign verify-pdf` (see cli_sign.h).
 *
 * The key bundles are opened through sign/signer.h only (this file never sees key material): the password file's
 * first line unlocks the bundle, and the password is wiped as soon as the signer exists. The signed PDF is written
 * to a temporary file beside --out and renamed over it, so a failure never leaves a partial or unsigned output.
 * With --seal-p12 the document gets two signatures in two incremental updates: the signer's, then the agency's
 * seal, whose red image covers the left third of the signer's blue one (Decree 30/2020/NĐ-CP, Appendix I). */
#include "cli/cli_sign.h"
#include "cli/cli_opt.h"

#include "core/buf.h"
#include "core/fileio.h"
#include "core/mem.h"
#include "core/msg.h"
#include "sign/pades.h"
#include "sign/signer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIGN_PDF_MAX ((size_t)128 << 20)   /* bytes of a PDF to sign or verify */
#define SIGN_KEY_MAX ((size_t)1 << 20)     /* bytes of a PKCS#12 bundle or a PEM trust file */
#define SIGN_MAX_RESULTS 64

static int read_or_say(const char *path, size_t max, buf_t *b)
{
    buf_init(b, max);
    int rc = file_read_all(path, max, b);
    if (rc < 0) {
        buf_free(b);
        cli_error(1, MSG_SIGN_READ, path, strerror(-rc), NULL);
    }
    return rc;
}

/* A signer from a bundle file and a password file; NULL after a message. */
static signer_t *open_signer(const char *p12_path, const char *pass_path)
{
    buf_t p12;
    if (read_or_say(p12_path, SIGN_KEY_MAX, &p12) < 0) return NULL;
    char *pass = cli_read_secret_file(pass_path);
    if (!pass) { buf_free(&p12); return NULL; }
    signer_t *s = NULL;
    int rc = signer_from_pkcs12(p12.data, p12.len, pass, &s);
    cli_wipe_free(pass);
    memset(p12.data, 0, p12.len);
    buf_free(&p12);
    if (rc == -EACCES) cli_error(1, MSG_SIGN_P12_PASS, p12_path, NULL, NULL);
    else if (rc < 0) cli_error(1, MSG_SIGN_P12_BAD, p12_path, NULL, NULL);
    return rc < 0 ? NULL : s;
}

static int parse_box(const char *s, double v[4])
{
    char *end;
    const char *p = s;
    for (int k = 0; k < 4; k++) {
        errno = 0;
        v[k] = strtod(p, &end);
        if (errno || end == p) return -1;
        if (k < 3 && *end != ',') return -1;
        p = end + (k < 3);
    }
    if (*end) return -1;
    return v[2] >= 8 && v[3] >= 8 && v[2] <= 14400 && v[3] <= 14400 && v[0] >= -14400 && v[0] <= 14400 &&
                   v[1] >= -14400 && v[1] <= 14400
               ? 0 : -1;
}

static int say_sign_error(int rc, const char *in, const char *out, size_t reserve)
{
    char n[32];
    switch (rc) {
    case -EINVAL:
    case -EBADMSG: return cli_error(1, MSG_SIGN_NOT_PDF, in, rc == -EINVAL ? "no PDF header or startxref" : "broken cross-reference data", NULL);
    case -ENOTSUP: return cli_error(1, MSG_SIGN_ENCRYPTED, in, NULL, NULL);
    case -ENOSPC:
        snprintf(n, sizeof n, "%zu", reserve);
        return cli_error(1, MSG_SIGN_NO_ROOM, n, NULL, NULL);
    case -E2BIG: return cli_error(1, MSG_SIGN_WRITE, out, strerror(E2BIG), NULL);
    default: return cli_error(1, MSG_SIGN_FAILED, in, strerror(-rc), NULL);
    }
}

static const char pdf_usage[] =
    "usage: motcua sign pdf --in FILE --out FILE --p12 FILE --pass-file FILE [options]\n"
    "Sign a PDF (PAdES, ETSI.CAdES.detached) in an incremental update: the original bytes are kept as they are.\n";

static int cmd_pdf(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *p12 = NULL, *pass = NULL, *reason = NULL, *location = NULL,
               *seal_p12 = NULL, *seal_pass = NULL, *visible = NULL, *field = NULL;
    bool copy = false;
    long reserve = PADES_DEFAULT_RESERVE;
    const cli_opt_t opts[] = {
        {"in", OPT_STR, "FILE", &in, 0, 0, NULL, "the PDF to sign"},
        {"out", OPT_STR, "FILE", &out, 0, 0, NULL, "the signed PDF to write (may be --in)"},
        {"p12", OPT_STR, "FILE", &p12, 0, 0, NULL, "the signer's PKCS#12 bundle (key and certificate chain)"},
        {"pass-file", OPT_STR, "FILE", &pass, 0, 0, NULL, "file whose first line is the bundle's password"},
        {"reason", OPT_STR, "TEXT", &reason, 0, 0, NULL, "the reason of the signature (UTF-8)"},
        {"location", OPT_STR, "TEXT", &location, 0, 0, NULL, "where it was signed (UTF-8)"},
        {"field", OPT_STR, "NAME", &field, 0, 0, NULL, "the new signature field's name (default SignatureN)"},
        {"seal-p12", OPT_STR, "FILE", &seal_p12, 0, 0, NULL,
         "then seal with the agency's bundle, in a second signature (red, over a third of the signer's box)"},
        {"seal-pass-file", OPT_STR, "FILE", &seal_pass, 0, 0, NULL, "the seal bundle's password file"},
        {"visible", OPT_STR, "X,Y,W,H", &visible, 0, 0, NULL,
         "draw the signer's blue box on page 1 (points from the lower left corner; W, H >= 8)"},
        {"copy", OPT_FLAG, NULL, &copy, 0, 0, NULL,
         "a copy's signature: a box at the top right of page 1 with the time in ISO 8601 (+07:00)"},
        {"reserve", OPT_LONG, "BYTES", &reserve, 4096, PADES_MAX_RESERVE, "4096..262144",
         "room reserved for the CMS signature (default 16384)"},
    };
    int pr = cli_parse(pdf_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!in) return cli_usage_error(MSG_CLI_REQUIRED, "--in", NULL, NULL);
    if (!out) return cli_usage_error(MSG_CLI_REQUIRED, "--out", NULL, NULL);
    if (!p12) return cli_usage_error(MSG_CLI_REQUIRED, "--p12", NULL, NULL);
    if (!pass) return cli_usage_error(MSG_CLI_REQUIRED, "--pass-file", NULL, NULL);
    if (seal_p12 && !seal_pass) return cli_usage_error(MSG_CLI_REQUIRED, "--seal-pass-file (with --seal-p12)", NULL, NULL);
    if (seal_pass && !seal_p12) return cli_usage_error(MSG_CLI_REQUIRED, "--seal-p12 (with --seal-pass-file)", NULL, NULL);
    double box[4] = {0, 0, 0, 0};
    if (visible && copy) return cli_usage_error(MSG_CLI_BAD_VALUE, "--visible", visible, "not with --copy");
    if (visible && parse_box(visible, box) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--visible", visible, "X,Y,W,H in points, W and H 8..14400");

    buf_t pdf;
    if (read_or_say(in, SIGN_PDF_MAX, &pdf) < 0) return 1;
    signer_t *s = open_signer(p12, pass), *seal = NULL;
    if (!s || (seal_p12 && !(seal = open_signer(seal_p12, seal_pass)))) {
        signer_close(s);
        buf_free(&pdf);
        return 1;
    }
    pades_opts_t o = {.reason = reason, .location = location, .field = field, .reserve = (size_t)reserve,
                      .look = copy ? PADES_COPY : visible ? PADES_SIGNER : PADES_INVISIBLE,
                      .x = box[0], .y = box[1], .w = box[2], .h = box[3], .when = time(NULL)};
    buf_t one, two;
    buf_init(&one, SIGN_PDF_MAX + ((size_t)4 << 20));
    buf_init(&two, SIGN_PDF_MAX + ((size_t)8 << 20));
    int status = 0, rc = pades_sign(s, pdf.data, pdf.len, &o, &one);
    if (rc == -EEXIST) status = cli_error(1, MSG_SIGN_FIELD_EXISTS, field, NULL, NULL);
    else if (rc < 0) status = say_sign_error(rc, in, out, o.reserve);
    buf_t *result = &one;
    if (status == 0 && seal) {
        pades_opts_t so = o;
        so.field = NULL;
        so.reason = NULL;
        so.look = copy ? PADES_SEAL : visible ? PADES_SEAL : PADES_INVISIBLE;
        so.copy_box = copy;
        rc = pades_sign(seal, one.data, one.len, &so, &two);
        if (rc < 0) status = say_sign_error(rc, in, out, o.reserve);
        result = &two;
    }
    if (status == 0 && (rc = file_write_atomic(out, result->data, result->len, 0644, 0)) < 0)
        status = cli_error(1, MSG_SIGN_WRITE, out, strerror(-rc), NULL);
    if (status == 0) {
        signer_info_t who, sw;
        signer_get_info(s, &who);
        if (seal) signer_get_info(seal, &sw);
        printf("signed %s: %s%s%s\n", out, who.subject_cn, seal ? ", sealed by " : "", seal ? sw.subject_cn : "");
    }
    signer_close(s);
    signer_close(seal);
    buf_free(&pdf);
    buf_free(&one);
    buf_free(&two);
    return status;
}

static const char verify_usage[] =
    "usage: motcua sign verify-pdf --in FILE --trust FILE\n"
    "Check every signature of a PDF against the trust anchors (PEM certificates, optional CRLs); one line per\n"
    "signature; exit 0 when all are valid, 1 otherwise.\n";

static int cmd_verify(int argc, char **argv)
{
    const char *in = NULL, *trust = NULL;
    const cli_opt_t opts[] = {
        {"in", OPT_STR, "FILE", &in, 0, 0, NULL, "the signed PDF"},
        {"trust", OPT_STR, "FILE", &trust, 0, 0, NULL, "PEM trust anchors (CA certificates) and CRLs"},
    };
    int pr = cli_parse(verify_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!in) return cli_usage_error(MSG_CLI_REQUIRED, "--in", NULL, NULL);
    if (!trust) return cli_usage_error(MSG_CLI_REQUIRED, "--trust", NULL, NULL);
    buf_t pem, pdf;
    if (read_or_say(trust, SIGN_KEY_MAX, &pem) < 0) return 1;
    if (!strstr(pem.data ? pem.data : "", "-----BEGIN CERTIFICATE-----")) {
        buf_free(&pem);
        return cli_error(1, MSG_SIGN_NO_TRUST, trust, NULL, NULL);
    }
    if (read_or_say(in, SIGN_PDF_MAX, &pdf) < 0) { buf_free(&pem); return 1; }
    pades_result_t *res = xcalloc(SIGN_MAX_RESULTS, sizeof *res);
    size_t n = 0;
    int rc = pades_verify(pdf.data, pdf.len, pem.data, res, SIGN_MAX_RESULTS, &n), status = 0;
    if (rc < 0) status = say_sign_error(rc, in, NULL, 0);
    else if (n == 0) status = cli_error(1, MSG_SIGN_NONE, in, NULL, NULL);
    size_t valid = 0;
    for (size_t k = 0; rc == 0 && k < n && k < SIGN_MAX_RESULTS; k++) {
        const pades_result_t *r = &res[k];
        char when[40] = "-";
        if (r->signed_at) {
            time_t t = r->signed_at + 7 * 3600;
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S+07:00", &tm);
        }
        if (r->status == PADES_OK) valid++;
        printf("%zu\t%s\t%s / %s\t%s\tsigner=%s\tissuer=%s\tserial=%s\tsigned=%s\t%s\t%s\n", k + 1, r->field,
               msg_text(pades_status_msg(r->status), LANG_EN), msg_text(pades_status_msg(r->status), LANG_VI), r->subfilter,
               r->who.subject_cn, r->who.issuer_cn, r->who.serial_hex, when,
               r->whole ? "whole document" : "partial (a later revision follows)", r->status ? r->why : "");
    }
    if (rc == 0 && n > SIGN_MAX_RESULTS) status = 1;
    if (rc == 0 && n > 0) {
        char a[24], b[24];
        snprintf(a, sizeof a, "%zu", valid);
        snprintf(b, sizeof b, "%zu", n);
        buf_t en, vi;
        buf_init(&en, 512);
        buf_init(&vi, 512);
        const char *args[2] = {a, b};
        msg_format(&en, MSG_SIGN_SUMMARY, LANG_EN, args, 2);
        msg_format(&vi, MSG_SIGN_SUMMARY, LANG_VI, args, 2);
        printf("%s / %s\n", en.data, vi.data);
        buf_free(&en);
        buf_free(&vi);
        if (valid != n) status = 1;
    }
    free(res);
    buf_free(&pem);
    buf_free(&pdf);
    return status;
}

static const char usage[] =
    "usage: motcua sign pdf|verify-pdf [options]   (motcua sign ACTION --help for each)\n"
    "  pdf         sign a PDF (PAdES) with a PKCS#12 bundle, optionally sealed and visible\n"
    "  verify-pdf  check every signature of a PDF against trust anchors\n";

int cli_sign(int argc, char **argv)
{
    cli_prog = "motcua sign";
    if (argc < 2 || (strcmp(argv[1], "pdf") && strcmp(argv[1], "verify-pdf"))) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(usage, stdout);
            return 0;
        }
        fputs(usage, stderr);
        return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, "ACTION (pdf, verify-pdf)", NULL, NULL)
                        : cli_usage_error(MSG_CLI_BAD_VALUE, "ACTION", argv[1], "pdf, verify-pdf");
    }
    if (!strcmp(argv[1], "pdf")) {
        cli_prog = "motcua sign pdf";
        return cmd_pdf(argc - 1, argv + 1);
    }
    cli_prog = "motcua sign verify-pdf";
    return cmd_verify(argc - 1, argv + 1);
}

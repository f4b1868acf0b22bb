/* sign_speed.c — PAdES signatures per second (sign/pades.h) for one PKCS#12 signer, on one core.
 *
 * usage: sign_speed BUNDLE.p12 PASSWORD INPUT.pdf SECONDS
 * Unlocks the bundle once, then signs INPUT.pdf again and again for SECONDS (each signature: parse the PDF, lay out
 * the incremental update, SHA-256 over the whole file, one private-key operation, hex into /Contents) and prints
 * "<signatures/s> <bytes of output>". The first result is checked with pades_verify, so a broken build cannot post
 * a figure. bench/run_sign makes the keys and compares with `openssl speed`. */
#include "sign/pades.h"
#include "sign/signer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    buf_t b;
    buf_init(&b, 0);
    char tmp[65536];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_append(&b, tmp, k) < 0) exit(1);
    fclose(f);
    *n = b.len;
    return buf_steal(&b);
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: sign_speed BUNDLE.p12 PASSWORD INPUT.pdf SECONDS\n"); return 2; }
    size_t p12n, pdfn;
    char *p12 = slurp(argv[1], &p12n), *pdf = slurp(argv[3], &pdfn);
    double secs = strtod(argv[4], NULL);
    signer_t *s;
    if (signer_from_pkcs12(p12, p12n, argv[2], &s) < 0) { fprintf(stderr, "cannot unlock %s\n", argv[1]); return 1; }
    buf_t out;
    buf_init(&out, 0);
    pades_opts_t o = {.reason = "benchmark"};
    if (pades_sign(s, pdf, pdfn, &o, &out) < 0) { fprintf(stderr, "cannot sign %s\n", argv[3]); return 1; }
    pades_result_t r;
    size_t nr;
    if (pades_verify(out.data, out.len, NULL, &r, 1, &nr) < 0 || nr != 1 || r.status != PADES_OK) {
        fprintf(stderr, "the signature does not verify\n");
        return 1;
    }
    size_t size = out.len;
    long count = 0;
    double t0 = now(), t;
    do {
        buf_reset(&out);
        if (pades_sign(s, pdf, pdfn, &o, &out) < 0) return 1;
        count++;
        t = now();
    } while (t - t0 < secs);
    printf("%.1f %zu\n", (double)count / (t - t0), size);
    buf_free(&out);
    signer_close(s);
    free(p12);
    free(pdf);
    return 0;
}

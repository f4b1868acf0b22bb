/* cli_demo.c — `motcua demo --dossiers N` (see cli_demo.h; the generator is domain/demo_gen.c). */
#include "cli/cli_demo.h"
#include "cli/cli_opt.h"
#include "core/buf.h"
#include "core/clock.h"
#include "domain/calendar.h"
#include "domain/dossier.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_demo_range(const char *from, const char *to, long *from_day, long *to_day)
{
    long first, today = calendar_minutes_from_utc_ms(clock_now_ms()) / CALENDAR_MINUTES_PER_DAY;
    demo_gen_parse_day(DEMO_GEN_FIRST_DAY, &first);
    *from_day = first;
    *to_day = today;
    if (from && (demo_gen_parse_day(from, from_day) < 0 || *from_day < first))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--from", from, DEMO_GEN_FIRST_DAY " .. YYYY-MM-DD");
    if (to && (demo_gen_parse_day(to, to_day) < 0 || *to_day > today))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--to", to, "YYYY-MM-DD, " DEMO_GEN_FIRST_DAY " .. today");
    if (*from_day >= *to_day) return cli_usage_error(MSG_DEMO_RANGE, NULL, NULL, NULL);
    return 0;
}

struct progress {
    bool      tty;
    long long t0_us, last_us;
};

static void say(FILE *f, msg_id_t id, const char *a0, const char *a1, const char *a2, const char *a3)
{
    const char *args[4] = {a0, a1, a2, a3};
    buf_t en, vi;
    buf_init(&en, 256);
    buf_init(&vi, 256);
    msg_format(&en, id, LANG_EN, args, 4);
    msg_format(&vi, id, LANG_VI, args, 4);
    fprintf(f, "%s: %s / %s\n", cli_prog, en.data ? en.data : "", vi.data ? vi.data : "");
    buf_free(&en);
    buf_free(&vi);
}

static void on_progress(long long done, long long total, void *arg)
{
    struct progress *p = arg;
    long long now = clock_mono_us();
    double s = (double)(now - p->t0_us) / 1e6;
    if (p->tty) {
        int width = 30, fill = total ? (int)(width * done / total) : width;
        char bar[32];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = '\0';
        fprintf(stderr, "\r[%s] %3lld%%  %lld / %lld  %.1f s", bar, total ? 100 * done / total : 100, done, total, s);
        if (done >= total) fputc('\n', stderr);
        fflush(stderr);
        return;
    }
    if (now - p->last_us < 5000000 && done < total) return;   /* a plain line every 5 s, and the last */
    p->last_us = now;
    char a[24], b[24], c[24];
    snprintf(a, sizeof a, "%lld", done);
    snprintf(b, sizeof b, "%lld", total);
    snprintf(c, sizeof c, "%.1f", s);
    say(stderr, MSG_DEMO_PROGRESS, a, b, c, NULL);
    fflush(stderr);
}

int cli_demo_generate(store_t *st, const demo_gen_opts_t *o, derr_t *err)
{
    /* A bulk load allocates and frees the same few sizes millions of times on the writer thread: glibc's default
     * trimming would hand the arena's top back to the kernel (madvise) after every batch of frees and fault it in
     * again, a fifth of the run's time in the kernel when measured. This process ends after the run. */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    struct progress p = {.tty = isatty(2) != 0, .t0_us = clock_mono_us()};
    p.last_us = p.t0_us;
    demo_gen_report_t rep;
    int rc = demo_gen_run(st, o, on_progress, &p, &rep, err);
    double s = (double)(clock_mono_us() - p.t0_us) / 1e6;
    char a[24], b[24], c[24], d[24];
    if (rc < 0) {
        if (p.tty) fputc('\n', stderr);
        snprintf(a, sizeof a, "%lld", rep.dossiers);
        say(stderr, MSG_DEMO_FAILED, a, NULL, NULL, NULL);
        return rc;
    }
    /* The statuses, by the portal's names. */
    printf("%s:", cli_prog);
    for (int i = 1; i <= 10; i++)
        if (rep.status[i]) printf(" %s %lld;", dossier_status_name(i, LANG_EN), rep.status[i]);
    printf("\n%s:", cli_prog);
    for (int i = 1; i <= 10; i++)
        if (rep.status[i]) printf(" %s %lld;", dossier_status_name(i, LANG_VI), rep.status[i]);
    printf("\n");
    snprintf(a, sizeof a, "%lld", rep.events);
    snprintf(b, sizeof b, "%lld", rep.desk);
    snprintf(c, sizeof c, "%lld", rep.online);
    snprintf(d, sizeof d, "%lld", rep.post);
    say(stdout, MSG_DEMO_SUMMARY, a, b, c, d);
    snprintf(a, sizeof a, "%lld", rep.early);
    snprintf(b, sizeof b, "%lld", rep.on_time);
    snprintf(c, sizeof c, "%lld", rep.late);
    say(stdout, MSG_DEMO_TIMING, a, b, c, NULL);
    snprintf(a, sizeof a, "%lld", rep.dossiers);
    snprintf(b, sizeof b, "%.1f", s);
    snprintf(c, sizeof c, "%.0f", s > 0 ? (double)rep.dossiers * 60.0 / s : 0.0);
    say(stdout, MSG_DEMO_DONE, a, b, c, NULL);
    fflush(stdout);
    return 0;
}

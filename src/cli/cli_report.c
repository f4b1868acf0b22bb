/* cli_report.c — `motcua report check|rebuild` (see cli_report.h).
 *
 * check recounts every dossier's cells in one read transaction and prints each row of report_counts that differs
 * from the recount (tab-separated: what, unit, dimension, kind, bucket, metric, stored, recount); rebuild empties
 * report_counts and refills it from the recount in one write transaction (the projections it counts are the
 * ledger's: `motcua rebuild` replays the ledger into all of them, report_counts included). */
#include "cli/cli_report.h"
#include "cli/cli_opt.h"

#include "core/clock.h"
#include "core/msg.h"
#include "db/db.h"
#include "domain/report.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void progress(long long done, long long total, void *arg)
{
    (void)arg;
    int pct = total > 0 ? (int)(done * 100 / total) : 100;
    int bar = pct / 5;
    fprintf(stderr, "\r[%.*s%*s] %3d%%  %lld / %lld dossiers", bar, "####################", 20 - bar, "", pct, done, total);
    if (done >= total) fputc('\n', stderr);
}

struct ctx {
    long long diffs, dossiers, rows;
    bool      tty;
};

static int check_fn(db_t *db, void *arg)
{
    struct ctx *c = arg;
    return report_check(db, stdout, &c->diffs, &c->dossiers, c->tty ? progress : NULL, NULL);
}

static int rebuild_fn(db_t *db, void *arg)
{
    struct ctx *c = arg;
    return report_rebuild(db, &c->dossiers, &c->rows, c->tty ? progress : NULL, NULL);
}

static const char usage[] =
    "usage: motcua report check|rebuild [--db PATH|URL]\n"
    "check    recount every dossier and compare with the dashboards' counts; print every difference\n"
    "         (exit 1 on any)\n"
    "rebuild  empty the dashboards' counts and refill them from the recount, in one transaction\n";

int cli_report(int argc, char **argv, const char *db)
{
    cli_prog = "motcua report";
    if (argc < 2 || (strcmp(argv[1], "check") && strcmp(argv[1], "rebuild"))) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(usage, stdout);
            return 0;
        }
        fputs(usage, stderr);
        return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, "check|rebuild", NULL, NULL)
                        : cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], "check|rebuild");
    }
    bool check = !strcmp(argv[1], "check");
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "SQLite file or postgres:// URL"},
    };
    cli_prog = check ? "motcua report check" : "motcua report rebuild";
    int pr = cli_parse(usage, opts, NOPTS(opts), argc - 1, argv + 1);
    if (pr) return pr == 1 ? 0 : pr;
    store_t *st;
    store_opts_t o = {.url = db, .create = 0};
    if (store_open(&st, &o) < 0) {
        fprintf(stderr, "%s: cannot open the database %s\n", cli_prog, db);
        return 1;
    }
    struct ctx c = {.tty = isatty(2)};
    long long t0 = clock_mono_us();
    int rc = check ? store_read(st, check_fn, &c) : store_write(st, rebuild_fn, &c);
    store_close(st);
    double secs = (double)(clock_mono_us() - t0) / 1e6;
    if (rc < 0) {
        fprintf(stderr, "%s: failed: %s%s\n", cli_prog, strerror(-rc), check ? "" : "; nothing was changed");
        return 1;
    }
    if (check) {
        printf("%lld dossiers recounted in %.1f s: %lld difference%s\n", c.dossiers, secs, c.diffs, c.diffs == 1 ? "" : "s");
        return c.diffs ? 1 : 0;
    }
    printf("%lld dossiers recounted in %.1f s: %lld rows written\n", c.dossiers, secs, c.rows);
    return 0;
}

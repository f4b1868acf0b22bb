/* cli_portal.c — `serve --portal-*` options and `motcua portal enable|disable|status|reconcile` (see
 * cli_portal.h and docs/portal.md). */
#include "cli/cli_portal.h"
#include "cli/cli_opt.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "db/db.h"
#include "domain/portal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int portal_cli_finish(struct portal_cli *p)
{
    if (!p->url) return 0;
    if (strncmp(p->url, "http://", 7) && strncmp(p->url, "https://", 8))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--portal-url", p->url, "http://... | https://...");
    if (!p->token_file) return cli_usage_error(MSG_CLI_REQUIRED, "--portal-token-file", NULL, NULL);
    p->token = cli_read_secret_file(p->token_file);
    if (!p->token) return 1;
    p->o = (portal_sender_opts_t){.url = p->url, .token = p->token, .retry_base_ms = p->retry_ms,
                                  .max_attempts = (int)p->max_attempts, .poll_ms = p->poll_ms,
                                  .lease_ms = p->lease_ms, .timeout_ms = p->timeout_ms};
    return 0;
}

void portal_cli_free(struct portal_cli *p)
{
    cli_wipe_free(p->token);
    p->token = NULL;
}

static const char usage[] =
    "usage: motcua portal enable|disable|status|reconcile [options]\n"
    "  enable / disable   switch the National Public Service Portal connector of this database on or off\n"
    "  status [--json]    outbox depth, oldest unacknowledged item, deadlines missed, dead letters\n"
    "  reconcile --date YYYY-MM-DD --portal-url URL --portal-token-file F\n"
    "                     compare the portal's view of that day with this database and store the differences\n";

struct status_ctx {
    portal_stats_t st;
    buf_t         *out;
    bool           json;
};

static int status_fn(db_t *db, void *arg)
{
    struct status_ctx *c = arg;
    if (c->json) {
        jw_t w;
        jw_init(&w, c->out);
        int rc = portal_status_json(db, NULL, c->st.now, &w);
        return rc < 0 ? rc : jw_finish(&w);
    }
    return portal_stats(db, &c->st);
}

struct recon_ctx {
    const char *id;
    buf_t      *out;
};

static int recon_fn(db_t *db, void *arg)
{
    struct recon_ctx *c = arg;
    buf_reset(c->out);
    jw_t w;
    jw_init(&w, c->out);
    int rc = portal_recon_json(db, NULL, c->id, &w);
    return rc < 0 ? rc : jw_finish(&w);
}

int cli_portal(int argc, char **argv, const char *db)
{
    cli_prog = "motcua portal";
    const char *sub = argc >= 2 ? argv[1] : NULL;
    if (!sub || (strcmp(sub, "enable") && strcmp(sub, "disable") && strcmp(sub, "status") &&
                 strcmp(sub, "reconcile"))) {
        if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
            fputs(usage, stdout);
            return 0;
        }
        fputs(usage, stderr);
        return sub ? cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", sub, "enable|disable|status|reconcile")
                   : cli_usage_error(MSG_CLI_REQUIRED, "enable|disable|status|reconcile", NULL, NULL);
    }
    static char label[48];
    snprintf(label, sizeof label, "motcua portal %s", sub);
    cli_prog = label;
    const char *date = NULL;
    bool json = false;
    struct portal_cli pc = {0};
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "SQLite file or postgres:// URL"},
        {"date", OPT_STR, "YYYY-MM-DD", &date, 0, 0, NULL, "reconcile: the day (Vietnam time) to compare"},
        {"json", OPT_FLAG, NULL, &json, 0, 0, NULL, "status: as JSON, with the items that missed a deadline"},
        PORTAL_CLI_OPTS(&pc),
    };
    int pr = cli_parse(usage, opts, NOPTS(opts), argc - 1, argv + 1);
    if (pr) return pr == 1 ? 0 : pr;
    bool recon = !strcmp(sub, "reconcile");
    long long from, to;
    if (recon && !date) return cli_usage_error(MSG_CLI_REQUIRED, "--date", NULL, NULL);
    if (recon && portal_day_range(date, &from, &to) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--date", date, "YYYY-MM-DD");
    if (recon && !pc.url) return cli_usage_error(MSG_CLI_REQUIRED, "--portal-url", NULL, NULL);
    if ((pr = portal_cli_finish(&pc)) != 0) return pr;
    store_t *st;
    store_opts_t o = {.url = db};
    if (store_open(&st, &o) < 0) {
        fprintf(stderr, "%s: cannot open the database %s\n", cli_prog, db);
        portal_cli_free(&pc);
        return 1;
    }
    int rc = 0, status = 0;
    if (!strcmp(sub, "enable") || !strcmp(sub, "disable")) {
        int on = !strcmp(sub, "enable");
        rc = store_write(st, portal_set_enabled, &on);
        if (rc == 0) printf("portal connector %s\n", on ? "enabled" : "disabled");
    } else if (!strcmp(sub, "status")) {
        buf_t out;
        buf_init(&out, 0);
        struct status_ctx c = {.st = {.now = clock_now_ms()}, .out = &out, .json = json};
        rc = store_read(st, status_fn, &c);
        if (rc == 0 && json) printf("%s\n", out.data);
        else if (rc == 0)
            printf("enabled %s\noutbox_depth %lld\noldest_unacked_seconds %lld\ndeadline_missed_push %lld\n"
                   "deadline_missed_ack %lld\ndead_letters %lld\nacknowledged %lld\n",
                   c.st.enabled ? "yes" : "no", c.st.depth, c.st.oldest_unacked_s, c.st.missed_push,
                   c.st.missed_ack, c.st.dead, c.st.done);
        buf_free(&out);
    } else {
        char id[ID_LEN + 1] = "", err[512] = "";
        rc = portal_reconcile(st, &pc.o, date, NULL, id, sizeof id, err, sizeof err);
        if (rc < 0) {
            cli_error(1, MSG_PORTAL_UNREACHABLE, err, NULL, NULL);
            status = 1;
        } else {
            buf_t out;
            buf_init(&out, 0);
            struct recon_ctx rc_ctx = {id, &out};
            rc = store_read(st, recon_fn, &rc_ctx);
            if (rc == 0) printf("%s\n", out.data);
            buf_free(&out);
        }
    }
    if (rc < 0 && !status) {
        fprintf(stderr, "%s: %s\n", cli_prog, strerror(-rc));
        status = 1;
    }
    store_close(st);
    portal_cli_free(&pc);
    return status;
}

/* cli_portal.h — the National Public Service Portal connector on the command line: `serve --portal-url URL
 * --portal-token-file F` (the sender's options) and `motcua portal enable|disable|status|reconcile`. */
#ifndef MOTCUA_CLI_PORTAL_H
#define MOTCUA_CLI_PORTAL_H
#include "sync/portal_sender.h"

struct portal_cli {
    const char           *url, *token_file;
    long                  retry_ms, max_attempts, poll_ms, lease_ms, timeout_ms;
    char                 *token;
    portal_sender_opts_t  o;
};

#define PORTAL_CLI_OPTS(p)                                                                                          \
    {"portal-url", OPT_STR, "URL", &(p)->url, 0, 0, NULL,                                                          \
     "the National Public Service Portal's service address: dossier changes are pushed there (enables the "       \
     "connector on this database)"},                                                                                \
    {"portal-token-file", OPT_STR, "FILE", &(p)->token_file, 0, 0, NULL,                                           \
     "file whose first line is the portal session token (required with --portal-url)"},                           \
    {"portal-retry-ms", OPT_LONG, "MS", &(p)->retry_ms, 10, 3600000, "10..3600000",                                \
     "first retry delay of a portal push, doubling up to an hour (default 30000)"},                                 \
    {"portal-max-attempts", OPT_LONG, "N", &(p)->max_attempts, 1, 1000, "1..1000",                                 \
     "attempts of a portal push before it becomes a dead letter (default 10)"},                                     \
    {"portal-poll-ms", OPT_LONG, "MS", &(p)->poll_ms, 10, 600000, "10..600000",                                    \
     "idle wait of the portal sender between looks at its outbox (default 2000)"},                                \
    {"portal-lease-ms", OPT_LONG, "MS", &(p)->lease_ms, 1000, 3600000, "1000..3600000",                            \
     "how long a push in flight is held before another sender may take it over (default 120000)"},                \
    {"portal-timeout-ms", OPT_LONG, "MS", &(p)->timeout_ms, 100, 600000, "100..600000",                            \
     "time allowed for one request to the portal (default 30000)"}

/* After parsing: read the token. 0 (nothing to do without --portal-url), or an exit status after the error. */
int portal_cli_finish(struct portal_cli *p);
void portal_cli_free(struct portal_cli *p);   /* wipes the token */

/* `motcua portal enable|disable|status|reconcile` (argv[0] "portal"); db the default database. */
int cli_portal(int argc, char **argv, const char *db);
#endif

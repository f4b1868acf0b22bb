/* cli_ministry.h — `serve --ministry-systems FILE` and the ministry adapter's options (domain/ministry.h,
 * sync/ministry_sender.h): the systems file read once at start, each token read with cli_read_secret_file(). */
#ifndef MOTCUA_CLI_MINISTRY_H
#define MOTCUA_CLI_MINISTRY_H
#include "domain/ministry.h"
#include "sync/ministry_sender.h"

struct ministry_cli {
    const char            *file;
    long                   retry_ms, max_attempts, poll_ms, result_poll_ms, timeout_ms, lease_ms;
    ministry_systems_t     systems;
    ministry_sender_opts_t o;
};

#define MINISTRY_CLI_OPTS(p)                                                                                        \
    {"ministry-systems", OPT_STR, "FILE", &(p)->file, 0, 0, NULL,                                                   \
     "ministry systems dossiers are handed off to: lines \"NAME KIND(rest|soap) URL TOKEN-FILE\" (without it "     \
     "POST /api/v1/dossiers/{code}/handoffs answers 503)"},                                                         \
    {"ministry-retry-ms", OPT_LONG, "MS", &(p)->retry_ms, 10, 3600000, "10..3600000",                              \
     "first retry delay of a hand-off, doubling up to an hour (default 30000)"},                                    \
    {"ministry-max-attempts", OPT_LONG, "N", &(p)->max_attempts, 1, 1000, "1..1000",                               \
     "attempts of a hand-off (or of one poll of its result) before it fails (default 10)"},                        \
    {"ministry-poll-ms", OPT_LONG, "MS", &(p)->poll_ms, 10, 600000, "10..600000",                                  \
     "idle wait of the ministry adapter between looks at its outbox (default 2000)"},                              \
    {"ministry-result-poll-ms", OPT_LONG, "MS", &(p)->result_poll_ms, 10, 86400000, "10..86400000",                \
     "wait between two polls of a hand-off's result (default 60000)"},                                              \
    {"ministry-timeout-ms", OPT_LONG, "MS", &(p)->timeout_ms, 100, 600000, "100..600000",                          \
     "time allowed to one request to a ministry system (default 60000)"},                                           \
    {"ministry-lease-ms", OPT_LONG, "MS", &(p)->lease_ms, 1000, 3600000, "1000..3600000",                          \
     "how long a request in flight is held before another adapter may take it over, e.g. after a crash "           \
     "(default 120000)"}

/* After parsing: read the file and the tokens. 0 (nothing to do without --ministry-systems), or an exit status
 * after printing the error in both languages. */
int ministry_cli_finish(struct ministry_cli *p);
void ministry_cli_free(struct ministry_cli *p);
#endif

/* cli_peers.h — `serve --exchange-peers FILE` and the edXML sender's options (domain/exchange_out.h,
 * sync/exchange_sender.h): the peers file read once at start, each peer's token read with cli_read_secret_file(). */
#ifndef MOTCUA_CLI_PEERS_H
#define MOTCUA_CLI_PEERS_H
#include "domain/exchange_out.h"
#include "sync/exchange_sender.h"

struct peers_cli {
    const char            *file;
    long                   retry_ms, max_attempts, poll_ms, lease_ms;
    exchange_peers_t       peers;
    exchange_sender_opts_t o;
};

#define PEERS_CLI_OPTS(p)                                                                                           \
    {"exchange-peers", OPT_STR, "FILE", &(p)->file, 0, 0, NULL,                                                     \
     "edXML peers this node sends to: lines \"URL TOKEN-FILE [ORGAN_ID ...]\" (without it POST "                  \
     "/api/v1/documents/{id}/send answers 503 and no status goes back)"},                                           \
    {"exchange-retry-ms", OPT_LONG, "MS", &(p)->retry_ms, 10, 3600000, "10..3600000",                              \
     "first retry delay of an edXML delivery, doubling up to an hour (default 30000)"},                             \
    {"exchange-max-attempts", OPT_LONG, "N", &(p)->max_attempts, 1, 1000, "1..1000",                               \
     "attempts of an edXML delivery before it fails (default 10)"},                                                 \
    {"exchange-poll-ms", OPT_LONG, "MS", &(p)->poll_ms, 10, 600000, "10..600000",                                  \
     "idle wait of the edXML sender between looks at its outbox (default 2000)"},                                 \
    {"exchange-lease-ms", OPT_LONG, "MS", &(p)->lease_ms, 1000, 3600000, "1000..3600000",                          \
     "how long a delivery in flight is held before another sender may take it over, e.g. after a crash "          \
     "(default 120000)"}

/* After parsing: read the file and the tokens. 0 (nothing to do without --exchange-peers), or an exit status
 * after printing the error in both languages. */
int peers_cli_finish(struct peers_cli *p);
void peers_cli_free(struct peers_cli *p);
#endif

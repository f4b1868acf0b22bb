/* cli_peers.c — reading `serve --exchange-peers FILE` (see cli_peers.h). */
#include "cli/cli_peers.h"
#include "cli/cli_opt.h"
#include "core/buf.h"
#include "core/fileio.h"

#include <stdio.h>
#include <string.h>

int peers_cli_finish(struct peers_cli *p)
{
    if (!p->file) return 0;
    buf_t text;
    buf_init(&text, 1 << 20);
    int rc = file_read_all(p->file, 1 << 20, &text);
    if (rc < 0) {
        buf_free(&text);
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--exchange-peers", p->file, "a readable peers file");
    }
    char why[300] = "";
    rc = exchange_peers_parse(text.data ? text.data : "", &p->peers, why, sizeof why);
    buf_free(&text);
    if (rc < 0) return cli_usage_error(MSG_CLI_BAD_VALUE, "--exchange-peers", p->file, why);
    for (int i = 0; i < p->peers.n; i++) {
        p->peers.peer[i].token = cli_read_secret_file(p->peers.peer[i].token_file);
        if (!p->peers.peer[i].token) {
            peers_cli_free(p);
            return 1;
        }
    }
    p->o.peers = &p->peers;
    p->o.retry_base_ms = p->retry_ms;
    p->o.max_attempts = (int)p->max_attempts;
    p->o.poll_ms = p->poll_ms;
    p->o.lease_ms = p->lease_ms;
    return 0;
}

void peers_cli_free(struct peers_cli *p)
{
    for (int i = 0; i < p->peers.n; i++) {
        cli_wipe_free(p->peers.peer[i].token);
        p->peers.peer[i].token = NULL;
    }
    p->peers.n = 0;
}

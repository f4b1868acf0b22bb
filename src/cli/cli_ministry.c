/* cli_ministry.c — reading `serve --ministry-systems FILE` (see cli_ministry.h). */
#include "cli/cli_ministry.h"
#include "cli/cli_opt.h"
#include "core/buf.h"
#include "core/fileio.h"

#include <stdio.h>
#include <string.h>

int ministry_cli_finish(struct ministry_cli *p)
{
    if (!p->file) return 0;
    buf_t text;
    buf_init(&text, 1 << 20);
    int rc = file_read_all(p->file, 1 << 20, &text);
    if (rc < 0) {
        buf_free(&text);
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--ministry-systems", p->file, "a readable systems file");
    }
    char why[300] = "";
    rc = ministry_systems_parse(text.data ? text.data : "", &p->systems, why, sizeof why);
    buf_free(&text);
    if (rc < 0) return cli_usage_error(MSG_CLI_BAD_VALUE, "--ministry-systems", p->file, why);
    for (int i = 0; i < p->systems.n; i++) {
        p->systems.sys[i].token = cli_read_secret_file(p->systems.sys[i].token_file);
        if (!p->systems.sys[i].token) {
            ministry_cli_free(p);
            return 1;
        }
    }
    p->o.systems = &p->systems;
    p->o.retry_base_ms = p->retry_ms;
    p->o.max_attempts = (int)p->max_attempts;
    p->o.poll_ms = p->poll_ms;
    p->o.result_poll_ms = p->result_poll_ms;
    p->o.timeout_ms = p->timeout_ms;
    p->o.lease_ms = p->lease_ms;
    return 0;
}

void ministry_cli_free(struct ministry_cli *p)
{
    for (int i = 0; i < p->systems.n; i++) {
        cli_wipe_free(p->systems.sys[i].token);
        p->systems.sys[i].token = NULL;
    }
    p->systems.n = 0;
}

/* cli_opt.c — the option parser and the usage messages of every subcommand (see cli_opt.h). */
#include "cli/cli_opt.h"
#include "core/buf.h"

#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *cli_prog = "motcua";

static void say(const char *tail_en, const char *tail_vi, msg_id_t id, const char *a0, const char *a1,
                const char *a2)
{
    const char *args[3] = {a0, a1, a2};
    buf_t en, vi;
    buf_init(&en, 4096);
    buf_init(&vi, 4096);
    msg_format(&en, id, LANG_EN, args, 3);
    msg_format(&vi, id, LANG_VI, args, 3);
    fprintf(stderr, "%s: error: %s%s\n%s: lỗi: %s%s\n", cli_prog, en.data ? en.data : "", tail_en, cli_prog,
            vi.data ? vi.data : "", tail_vi);
    buf_free(&en);
    buf_free(&vi);
}

int cli_usage_error(msg_id_t id, const char *a0, const char *a1, const char *a2)
{
    char en[160], vi[160];
    snprintf(en, sizeof en, " (see '%s --help')", cli_prog);
    snprintf(vi, sizeof vi, " (xem '%s --help')", cli_prog);
    say(en, vi, id, a0, a1, a2);
    return 2;
}

int cli_error(int status, msg_id_t id, const char *a0, const char *a1, const char *a2)
{
    say("", "", id, a0, a1, a2);
    return status;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* usage is printed first (its own lines), then one aligned line per option. */
void cli_help(const char *usage, const cli_opt_t *opts, int n)
{
    fputs(usage, stdout);
    for (int i = 0; i < n; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].meta ? " " : "", opts[i].meta ? opts[i].meta : "");
        printf("  %-28s %s\n", left, opts[i].help);
    }
}

int cli_parse_positional(const char *usage, const cli_opt_t *opts, int n, int argc, char **argv, int *first)
{
    assert(n <= CLI_MAX_OPTS);
    struct option lo[CLI_MAX_OPTS + 2];
    /* Long options answer OPT_VAL_BASE + their index, above every character a short option can be. */
    enum { OPT_VAL_BASE = 256 };
    for (int i = 0; i < n; i++)
        lo[i] = (struct option){opts[i].name, opts[i].kind == OPT_FLAG ? no_argument : required_argument, NULL,
                                OPT_VAL_BASE + i};
    lo[n] = (struct option){"help", no_argument, NULL, OPT_VAL_BASE + n};
    lo[n + 1] = (struct option){0, 0, 0, 0};
    optind = 1;
    opterr = 0; /* getopt's own message is English only; ours follows */
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        c -= OPT_VAL_BASE;
        if (c == n) {
            cli_help(usage, opts, n);
            return 1;
        }
        if (c < 0 || c > n) {
            /* optopt: the character of an unknown short option ("-2026" reads as -2, and optind has not moved
             * past it yet), OPT_VAL_BASE + the index of a long option missing its value, 0 for an unknown one */
            char sh[3] = {'-', (char)optopt, '\0'};
            return cli_usage_error(MSG_CLI_UNKNOWN_OPTION, optopt > 0 && optopt < OPT_VAL_BASE ? sh : argv[optind - 1],
                                   NULL, NULL);
        }
        const cli_opt_t *o = &opts[c];
        char flag[64];
        snprintf(flag, sizeof flag, "--%s", o->name);
        switch (o->kind) {
        case OPT_FLAG: *(bool *)o->target = true; break;
        case OPT_STR: *(const char **)o->target = optarg; break;
        case OPT_LONG:
            if (cli_parse_long(optarg, o->min, o->max, (long *)o->target) < 0)
                return cli_usage_error(MSG_CLI_BAD_VALUE, flag, optarg, o->range);
            break;
        case OPT_LIST: {
            cli_list_t *l = o->target;
            if (l->n >= l->cap) return cli_usage_error(MSG_CLI_BAD_VALUE, flag, optarg, o->range);
            l->items[l->n++] = optarg;
            break;
        }
        }
    }
    if (first) *first = optind;
    else if (optind < argc) return cli_usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    return 0;
}

int cli_parse(const char *usage, const cli_opt_t *opts, int n, int argc, char **argv)
{
    return cli_parse_positional(usage, opts, n, argc, argv, NULL);
}

char *cli_read_secret_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        cli_error(1, MSG_CLI_SECRET_UNREADABLE, path, NULL, NULL);
        return NULL;
    }
    char *b = calloc(1, 4097);
    if (!b) abort();
    size_t n = fread(b, 1, 4096, f);
    fclose(f);
    b[n] = '\0';
    b[strcspn(b, "\r\n")] = '\0';
    if (!b[0]) {
        cli_error(1, MSG_CLI_SECRET_EMPTY, path, NULL, NULL);
        free(b);
        return NULL;
    }
    return b;
}

void cli_wipe_free(char *s)
{
    if (s) explicit_bzero(s, strlen(s));
    free(s);
}

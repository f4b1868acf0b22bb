/* cli_opt.h — the one option parser of every motcua subcommand, and its bilingual messages.
 *
 * Each subcommand describes its options in a table, one row per option with the help text beside it: the name,
 * what it takes (a flag, a string, a number in [min, max], or a repeatable string), where the value goes, and the
 * help line. --help is generated from the table; a usage error (unknown option, bad value, stray argument) prints
 * the message of the catalog in both languages, names the command (cli_prog) and makes the command exit 2. */
#ifndef MOTCUA_CLI_OPT_H
#define MOTCUA_CLI_OPT_H
#include <stdbool.h>

#include "core/msg.h"

typedef enum { OPT_FLAG, OPT_STR, OPT_LONG, OPT_LIST } opt_kind_t;

typedef struct cli_list {
    const char **items;
    int          n, cap;
} cli_list_t;

typedef struct cli_opt {
    const char *name;           /* without the leading "--" */
    opt_kind_t  kind;
    const char *meta;           /* the value's placeholder in --help; NULL for a flag */
    void       *target;         /* bool * / const char ** / long * / cli_list_t * */
    long        min, max;       /* OPT_LONG: the accepted range */
    const char *range;          /* the accepted values, named in the usage error */
    const char *help;
} cli_opt_t;

#define CLI_MAX_OPTS 64
#define NOPTS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The command being run, as messages name it: "motcua serve", "motcua procedure import" (set by main). */
extern const char *cli_prog;

/* A usage error in both languages, from the catalog, then a pointer to --help; returns 2 (the exit status). */
int cli_usage_error(msg_id_t id, const char *a0, const char *a1, const char *a2);
/* Any other error in both languages ("<prog>: error: ... / <prog>: lỗi: ..."); returns status. */
int cli_error(int status, msg_id_t id, const char *a0, const char *a1, const char *a2);
/* s as a number in [min, max]: 0, or -1 when it is not one. */
int cli_parse_long(const char *s, long min, long max, long *out);

/* Print usage, then one aligned line per option of opts (the --help text). */
void cli_help(const char *usage, const cli_opt_t *opts, int n);
/* Parse argv[1..] against opts. 0: parsed, every argument was an option; 1: --help printed; 2: usage error
 * printed. */
int cli_parse(const char *usage, const cli_opt_t *opts, int n, int argc, char **argv);
/* cli_parse() that accepts positional arguments: *first gets the index of the first one (argc when none). */
int cli_parse_positional(const char *usage, const cli_opt_t *opts, int n, int argc, char **argv, int *first);
/* The first line of a file holding a secret (a password, a token), malloc'd; NULL (after a message) when the file
 * cannot be read or is empty. At most 4096 bytes are read. Free it with cli_wipe_free(). */
char *cli_read_secret_file(const char *path);
void  cli_wipe_free(char *s);   /* zero the string, then free it; NULL is fine */
#endif

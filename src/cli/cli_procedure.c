/* cli_procedure.c — `motcua procedure import|export` (see cli_procedure.h).
 *
 * Options are one table per subcommand, parsed by cli_parse_positional() (cli/cli_opt.h). import opens (or creates) the database, applies the
 * migrations and the national root like `motcua init`, and imports as the system in one write transaction. */
#include "cli/cli_procedure.h"
#include "cli/cli_opt.h"

#include "core/buf.h"
#include "core/mem.h"
#include "core/msg.h"
#include "db/db.h"
#include "domain/procedure.h"
#include "domain/setup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMPORT_FILE_MAX ((size_t)32 << 20)

static void print_error(int line, const derr_t *e)
{
    buf_t vi, en;
    buf_init(&vi, 4096);
    buf_init(&en, 4096);
    const char *args[3] = {e->arg[0], e->arg[1], e->arg[2]};
    msg_format(&vi, e->msg, LANG_VI, args, 3);
    msg_format(&en, e->msg, LANG_EN, args, 3);
    fprintf(stderr, "line %d: %s%s%s / %s\n", line, e->field[0] ? e->field : "", e->field[0] ? ": " : "",
            en.data ? en.data : "", vi.data ? vi.data : "");
    buf_free(&vi);
    buf_free(&en);
}

static int read_file(const char *path, buf_t *out)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return -errno;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = buf_append(out, chunk, n);
    if (ferror(f)) rc = -EIO;
    if (f != stdin) fclose(f);
    return rc;
}

struct import_ctx {
    const char                *scope;
    buf_t                     *text;
    bool                       csv;
    procedure_import_report_t  rep;
};

static int import_fn(db_t *db, void *arg)
{
    struct import_ctx *c = arg;
    return procedure_import(db, NULL, c->scope, c->text->data, c->text->len, c->csv, &c->rep);
}

static const char import_usage[] =
    "usage: motcua procedure import [--db PATH|URL] [--scope PROVINCE_ID] [--format csv|json] FILE\n"
    "Import procedures from FILE ('-' for stdin): CSV with a header line (data/procedures-commune.csv is one) or\n"
    "a JSON array of records (FILE ending in .json). All or nothing; rows without a time limit are skipped.\n"
    "Without --scope the records are national; with it, that province's adaptations.\n";

static int cmd_import(int argc, char **argv, const char *db)
{
    const char *scope = "", *format = NULL;
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "SQLite file or postgres:// URL"},
        {"scope", OPT_STR, "PROVINCE_ID", &scope, 0, 0, NULL, "import a province's adaptations"},
        {"format", OPT_STR, "csv|json", &format, 0, 0, NULL, "the file's format (default: by its name)"},
    };
    cli_prog = "motcua procedure import";
    int first, pr = cli_parse_positional(import_usage, opts, NOPTS(opts), argc, argv, &first);
    if (pr) return pr == 1 ? 0 : pr;
    if (first >= argc) return cli_usage_error(MSG_CLI_REQUIRED, "FILE", NULL, NULL);
    if (first + 1 < argc) return cli_usage_error(MSG_CLI_UNEXPECTED, argv[first + 1], NULL, NULL);
    if (format && strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--format", format, "csv|json");
    const char *file = argv[first];
    size_t fl = strlen(file);
    bool csv = format ? !strcmp(format, "csv") : !(fl > 5 && !strcmp(file + fl - 5, ".json"));
    buf_t text;
    buf_init(&text, IMPORT_FILE_MAX);
    int rc = read_file(file, &text);
    if (rc < 0) {
        fprintf(stderr, "motcua procedure import: cannot read %s: %s\n", file, strerror(-rc));
        buf_free(&text);
        return 1;
    }
    store_t *st;
    store_opts_t o = {.url = db, .create = 1};
    if (store_open(&st, &o) < 0) {
        fprintf(stderr, "motcua procedure import: cannot open the database %s\n", db);
        buf_free(&text);
        return 1;
    }
    setup_result_t res;
    derr_t e;
    memset(&e, 0, sizeof e);
    struct import_ctx *c = xcalloc(1, sizeof *c);
    c->scope = scope;
    c->text = &text;
    c->csv = csv;
    rc = setup_init(st, "motcua", NULL, NULL, &res, &e);
    if (rc == 0) rc = store_write(st, import_fn, c);
    store_close(st);
    int status = 0;
    if (rc < 0) {
        int shown = c->rep.n_errors < PROCEDURE_IMPORT_ERRORS_MAX ? c->rep.n_errors : PROCEDURE_IMPORT_ERRORS_MAX;
        for (int i = 0; i < shown; i++) print_error(c->rep.errors[i].line, &c->rep.errors[i].err);
        if (!c->rep.n_errors) fprintf(stderr, "motcua procedure import: %s\n", strerror(-rc));
        fprintf(stderr, "motcua procedure import: refused, nothing was saved (%d errors)\n", c->rep.n_errors);
        status = 1;
    } else {
        printf("created %d, updated %d, unchanged %d, skipped %d (no time limit)\n", c->rep.created, c->rep.updated,
               c->rep.unchanged, c->rep.skipped);
    }
    free(c);
    buf_free(&text);
    return status;
}

struct export_ctx {
    const char *scope;
    bool        csv;
    buf_t       out;
};

static int export_fn(db_t *db, void *arg)
{
    struct export_ctx *c = arg;
    buf_reset(&c->out);
    return procedure_export(db, c->scope, c->csv, &c->out);
}

static const char export_usage[] =
    "usage: motcua procedure export [--db PATH|URL] [--scope PROVINCE_ID] [--format csv|json]\n"
    "Write the catalog (retired records too) to stdout: CSV (default) in the columns import reads, or JSON.\n";

static int cmd_export(int argc, char **argv, const char *db)
{
    const char *scope = "", *format = "csv";
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "SQLite file or postgres:// URL"},
        {"scope", OPT_STR, "PROVINCE_ID", &scope, 0, 0, NULL, "export a province's adaptations"},
        {"format", OPT_STR, "csv|json", &format, 0, 0, NULL, "output format (default csv)"},
    };
    cli_prog = "motcua procedure export";
    int first, pr = cli_parse_positional(export_usage, opts, NOPTS(opts), argc, argv, &first);
    if (pr) return pr == 1 ? 0 : pr;
    if (first < argc) return cli_usage_error(MSG_CLI_UNEXPECTED, argv[first], NULL, NULL);
    if (strcmp(format, "csv") && strcmp(format, "json"))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--format", format, "csv|json");
    store_t *st;
    store_opts_t o = {.url = db, .readonly = 1};
    if (store_open(&st, &o) < 0) {
        fprintf(stderr, "motcua procedure export: cannot open the database %s\n", db);
        return 1;
    }
    struct export_ctx *c = xcalloc(1, sizeof *c);
    c->scope = scope;
    c->csv = !strcmp(format, "csv");
    buf_init(&c->out, 0);
    int rc = store_read(st, export_fn, c);
    store_close(st);
    if (rc == 0 && c->out.len) fwrite(c->out.data, 1, c->out.len, stdout);
    if (rc == 0 && !c->csv) fputc('\n', stdout);
    if (rc < 0) fprintf(stderr, "motcua procedure export: %s\n", strerror(-rc));
    buf_free(&c->out);
    free(c);
    return rc < 0 ? 1 : 0;
}

int cli_procedure(int argc, char **argv, const char *default_db)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (!strcmp(sub, "import")) return cmd_import(argc - 1, argv + 1, default_db);
    if (!strcmp(sub, "export")) return cmd_export(argc - 1, argv + 1, default_db);
    fputs("usage: motcua procedure import|export [options]   (motcua procedure import --help)\n",
          strcmp(sub, "--help") ? stderr : stdout);
    return strcmp(sub, "--help") ? 2 : 0;
}

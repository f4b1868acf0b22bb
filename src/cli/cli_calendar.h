/* cli_calendar.h — `motcua calendar ...`: the legal clock from the command line (lunar dates, holidays, dues).
 *
 * Output is one value per line on stdout; exit status 0 on success, 2 on any refusal (a message of the catalog,
 * core/msg_calendar.h, on stderr in English and Vietnamese, naming the option or value). Options are parsed by
 * cli/cli_opt.h from one table per subcommand. Without --db the command reads no files: it uses the statutory
 * rules and the shipped 2025/2026 decisions; holidays, due and workdays take --db PATH|URL (the stored decisions)
 * and --province SLUG|ID (that province's own days off). */
#ifndef MOTCUA_CLI_CALENDAR_H
#define MOTCUA_CLI_CALENDAR_H

/* argv[0] is "calendar"; argv[1] the subcommand. Returns the process exit status. */
int cli_calendar(int argc, char **argv);

#endif

/* cli_calendar.h — `motcua calendar ...`: the legal clock from the command line (lunar dates, holidays, dues).
 *
 * Output is one value per line on stdout; exit status 0 on success, 2 on bad input (message on stderr in
 * English and Vietnamese). The command reads no files and needs no database: it uses the statutory rules and
 * the shipped 2025/2026 decisions. */
#ifndef MOTCUA_CLI_CALENDAR_H
#define MOTCUA_CLI_CALENDAR_H

/* argv[0] is "calendar"; argv[1] the subcommand. Returns the process exit status. */
int cli_calendar(int argc, char **argv);

#endif

/* cli_report.h — `motcua report check|rebuild`: the dashboards' counts against a full recount (domain/report.h).
 * Exit codes: 0 done (check: no difference), 1 a difference (check) or the store failed, 2 a usage error. */
#ifndef MOTCUA_CLI_REPORT_H
#define MOTCUA_CLI_REPORT_H

/* argv[0] is "report"; argv[1] the subcommand. default_db: the database when --db is not given. */
int cli_report(int argc, char **argv, const char *default_db);

#endif

/* cli_procedure.h — `motcua procedure import|export`: the procedure catalog from the command line.
 *
 * import reads a CSV file (the shipped data/procedures-commune.csv is one) or a JSON array (FILE ending in .json,
 * or --format json), all or nothing, and prints the report; export writes the catalog to stdout. Exit status 0 on
 * success, 1 when the import is refused or the store fails, 2 on a usage error (bilingual message on stderr). */
#ifndef MOTCUA_CLI_PROCEDURE_H
#define MOTCUA_CLI_PROCEDURE_H

/* argv[0] is "procedure"; argv[1] the subcommand. default_db: the database when --db is not given. */
int cli_procedure(int argc, char **argv, const char *default_db);

#endif

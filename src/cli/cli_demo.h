/* cli_demo.h — `motcua demo --dossiers N`: the range options and the run with its progress (cli/main.c parses the
 * options and loads the demo units first). */
#ifndef MOTCUA_CLI_DEMO_H
#define MOTCUA_CLI_DEMO_H
#include "db/db.h"
#include "domain/demo_gen.h"

/* --from / --to (NULL: 2025-07-01 / today, Vietnam time) into calendar days: 0, or 2 after a usage error (from
 * before 2025-07-01, to after today, from not before to, not a date). */
int cli_demo_range(const char *from, const char *to, long *from_day, long *to_day);

/* Generate the dossiers, with a progress bar on a terminal (stderr) or a plain line every few seconds otherwise,
 * then print the counts and one final line: dossiers, seconds, dossiers per minute. 0 or the negative errno (err
 * says why when the domain refused something; the caller prints it). */
int cli_demo_generate(store_t *st, const demo_gen_opts_t *o, derr_t *err);
#endif

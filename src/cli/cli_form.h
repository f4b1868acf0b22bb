/* cli_form.h — `motcua form render --form NAME --json FILE --out FILE [--csv]`: renders one form of Circular
 * 03/2025 (domain/forms.h) from a JSON file holding the form's struct fields, for trying the layouts and for
 * tests/cli/test_forms.sh.
 *
 * The JSON is parsed strictly: an unknown field, a wrong type, a too long string or too many items is refused
 * (exit 2, a message naming the field in English and Vietnamese on stderr, no output file). Instants are
 * "YYYY-MM-DDTHH:MM" in Vietnam time. Exit 0 on success, 1 when the output cannot be written. */
#ifndef MOTCUA_CLI_FORM_H
#define MOTCUA_CLI_FORM_H

/* argv[0] is "form"; argv[1] the subcommand ("render"). Returns the process exit status. */
int cli_form(int argc, char **argv);
#endif

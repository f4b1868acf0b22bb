/* cli_sign.h — `motcua sign pdf` (PAdES signature of a PDF by incremental update, sign/pades.h) and
 * `motcua sign verify-pdf` (one line per signature).
 * Exit codes: 0 signed / every signature valid; 1 the input could not be read or signed, or a signature is not
 * valid (or there is none); 2 a usage error, named in Vietnamese and English. No output file is left on error. */
#ifndef MOTCUA_CLI_SIGN_H
#define MOTCUA_CLI_SIGN_H

/* argv[0] is "sign"; argv[1] the action (pdf, verify-pdf). */
int cli_sign(int argc, char **argv);

#endif

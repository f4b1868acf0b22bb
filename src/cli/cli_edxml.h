/* cli_edxml.h — `motcua edxml build|read|verify`: edXML packages (QCVN 102:2016) from the command line.
 *
 *   build  --json F --out F [--p12 F --pass-file F]  a JSON description (docs/edxml.md) -> an edXML package,
 *                                                    signed (XML-DSig) when a PKCS#12 key is given
 *   read   --in F [--data]                           the package or status message as JSON on stdout
 *   verify --in F --trust F                          the signer and valid / invalid with the reason
 * Exit codes: 0 done (verify: valid), 1 failed (verify: invalid or unsigned), 2 usage error (both languages).
 * The output file of build is written whole or not at all (a temporary file renamed into place). */
#ifndef MOTCUA_CLI_EDXML_H
#define MOTCUA_CLI_EDXML_H

/* argv[0] is "edxml"; argv[1] the subcommand. Returns the process exit status. */
int cli_edxml(int argc, char **argv);

#endif

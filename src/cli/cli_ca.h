/* cli_ca.h — `motcua ca init|issue|revoke|crl|list`: the local certification authority (sign/ca.h).
 * Exit codes: 0 done, 1 the command failed (wrong password, no CA, unknown serial, a file not written), 2 a usage
 * error. Passwords are only ever read from files (--pass-file, --p12-pass-file), never from the command line. */
#ifndef MOTCUA_CLI_CA_H
#define MOTCUA_CLI_CA_H

/* argv[0] is "ca"; argv[1] the subcommand. */
int cli_ca(int argc, char **argv);

#endif

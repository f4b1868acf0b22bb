/* cli_sync.h — `motcua node token|enroll` and `motcua sync status` (domain/sync.h, docs/deploy.md "A hub and its
 * nodes"). */
#ifndef MOTCUA_CLI_SYNC_H
#define MOTCUA_CLI_SYNC_H
#include <stddef.h>

/* motcua node token --db HUB --unit UNIT [--ttl-hours 72] | node enroll --db NODE --hub URL --token-file FILE
 * [--name NAME] [--node-key FILE]; argv[0] is "node". Returns the exit status. */
int cli_node(int argc, char **argv, const char *db);
/* motcua sync status --db X [--json]; argv[0] is "sync". */
int cli_sync(int argc, char **argv, const char *db);
/* The node key file of database db (<db>.nodekey) into out; -EINVAL for a PostgreSQL URL (give --node-key). */
int cli_sync_default_key(const char *db, char *out, size_t cap);
#endif

/* migrate.h — versioned schema migrations compiled into the binary.
 *
 * Migrations are numbered from 1 and applied in order, each in its own write transaction together with its row
 * in schema_migrations, so a crash leaves the schema at a whole version. The SQL is written once for SQLite and
 * PostgreSQL (TEXT, BIGINT, INTEGER; ids are text minted by the application, never engine sequences). */
#ifndef MOTCUA_MIGRATE_H
#define MOTCUA_MIGRATE_H
#include "db/db.h"

/* Apply every migration newer than the store's version. Returns the number applied (>= 0) or < 0. */
int migrate_up(store_t *st);
/* The store's schema version (0 for an empty store), or < 0. */
int migrate_version(store_t *st);
/* The newest version this binary knows. */
int migrate_latest(void);
/* How many migrations this binary knows (what migrate_up applies to an empty store): versions may have gaps while
 * numbers reserved for parallel work are not merged yet. */
int migrate_count(void);
#endif

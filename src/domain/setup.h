/* setup.h — bringing a database to life: schema, node identity, the national root, the first administrator,
 * and the demo data set.
 *
 * setup_init() is idempotent: on an existing database it only applies newer migrations. The demo data (the
 * communes of the field reports, see docs) is loaded once; a real deployment never calls setup_demo(). */
#ifndef MOTCUA_SETUP_H
#define MOTCUA_SETUP_H
#include "db/db.h"
#include "domain/domain.h"

typedef struct setup_result {
    int  migrations_applied;
    int  admin_created;          /* 1 when this call created the first administrator */
    int  admin_exists;           /* an enabled national administrator exists now */
    int  demo_loaded;            /* setup_demo: 1 when loaded by this call, 0 when it was there already */
    int  accounts_created;
} setup_result_t;

/* Apply migrations, create the node identity and the national root unit. When admin_password is not NULL and no
 * account named admin_username exists, create it as administrator of the root. */
int setup_init(store_t *st, const char *node_name, const char *admin_username, const char *admin_password,
               setup_result_t *res, derr_t *err);
/* setup_init (with admin/demo) and the demo units and staff; every demo password is "demo". */
int setup_demo(store_t *st, setup_result_t *res, derr_t *err);

/* The national root unit's id (ID_LEN + 1 bytes) and, when path is not NULL, its path (cap bytes): the one lookup
 * of the root, for setup and the holiday store. 0, -ENOENT (no root yet) or < 0. */
int setup_find_root(db_t *db, char *id, char *path, size_t cap);

/* The demo sign-ins, for printing: NULL-terminated list of usernames. */
extern const char *const setup_demo_usernames[];
#endif

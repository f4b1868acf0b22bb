/* db_driver.h — what an engine driver provides to store.c (private to src/db/).
 *
 * store.c owns the public functions of db.h and dispatches to a driver through this table. A db_t is the common
 * head of every driver's connection struct (drivers embed it first); a db_stmt the head of their statements. */
#ifndef MOTCUA_DB_DRIVER_H
#define MOTCUA_DB_DRIVER_H
#include "db/db.h"

typedef struct db_driver db_driver_t;

struct db {
    const db_driver_t *drv;
    store_t           *store;
    int                err;          /* set by a driver's prepare when it fails for a reason other than bad SQL */
};

struct db_stmt {
    db_t *db;
};

struct db_driver {
    const char *name;
    /* store level */
    int  (*open)(store_t **out, const store_opts_t *opts);
    void (*close)(store_t *st);
    int  (*write)(store_t *st, db_fn fn, void *arg);
    int  (*write_async)(store_t *st, db_fn fn, void *arg, db_done_fn done, void *done_arg);
    int  (*read)(store_t *st, db_fn fn, void *arg);
    int  (*exclusive)(store_t *st, db_fn fn, void *arg);
    int  (*ping)(store_t *st);
    int  (*backup)(store_t *st, const char *dest);
    /* connection level */
    db_stmt_t *(*prepare)(db_t *db, const char *sql);
    int  (*bind_text)(db_stmt_t *st, int idx, const char *s, size_t len);
    int  (*bind_int)(db_stmt_t *st, int idx, long long v);
    int  (*bind_null)(db_stmt_t *st, int idx);
    int  (*step)(db_stmt_t *st);
    void (*reset)(db_stmt_t *st);
    int  (*col_count)(db_stmt_t *st);
    const char *(*col_text)(db_stmt_t *st, int col);
    size_t (*col_len)(db_stmt_t *st, int col);
    long long (*col_int)(db_stmt_t *st, int col);
    int  (*col_is_null)(db_stmt_t *st, int col);
    long long (*changes)(db_t *db);
    int  (*exec)(db_t *db, const char *sql);
    const char *(*errmsg)(db_t *db);
};

/* The store head: every driver's store struct embeds this first. */
struct store {
    const db_driver_t *drv;
    unsigned long      generation;   /* unique per open store, keys thread-local connections */
    _Atomic unsigned long long writes; /* store_write()/store_exclusive() calls ended (store_write_count) */
    _Atomic unsigned long long errors[STORE_ERR_OPS][STORE_ERR_KINDS];   /* store_error_counts() */
    int                        cache_on;      /* PostgreSQL's read cache is configured (store_cache_counts) */
    _Atomic unsigned long long cache_hits, cache_misses;
};

extern const db_driver_t db_sqlite_driver;
extern const db_driver_t db_pg_driver;

/* Thread-local connection cache shared by drivers: the connection this thread uses for `st`, or NULL. */
db_t *store_tls_get(const store_t *st);
void  store_tls_set(const store_t *st, db_t *db);
unsigned long store_next_generation(void);
/* A driver's writer thread calls this once at its start: store_write()/store_exclusive() from any callback it runs
 * then return -EDEADLK instead of waiting on the writer forever. */
void store_mark_writer_thread(void);
#endif

/* testutil.h — shared helpers for the unit tests: a fresh SQLite store per test, raw SQL for inspecting and
 * tampering with it, hand-built principals, and synchronous wrappers around the domain writes.
 *
 * Criterion runs every test in its own process, so one global environment (tu_env) per process is enough: open it
 * in a test's .init with tu_open() and remove it in .fini with tu_close(). store_write() callbacks run on the SQLite
 * writer thread, where cr_assert must not be called; the wrappers below therefore only carry results back, and the
 * tests assert on their own thread. Every non-static name here starts with tu_ (one test binary links all files). */
#ifndef MOTCUA_TESTUTIL_H
#define MOTCUA_TESTUTIL_H
#include <stddef.h>

#include "db/db.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/token.h"
#include "domain/unit.h"

typedef struct tu_env {
    store_t *st;
    char     dir[128];        /* the temporary directory holding the database */
    char     path[192];       /* the database file */
} tu_env_t;

extern tu_env_t tu_env;

/* A fresh temp directory and an open store; migrate=1 also applies the migrations and creates the node. */
void tu_open_store(int migrate);
void tu_open(void);            /* tu_open_store(1): for Test(..., .init = tu_open) */
void tu_close(void);           /* close the store, remove the directory */

/* Raw SQL on the writer (several statements allowed). Returns 0 or < 0. */
int tu_exec(const char *sql);
/* Formatted tu_exec (snprintf into a 4 KiB buffer). */
int tu_execf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The integer in the first column of the first row of sql (bound to $1 = arg when arg is not NULL); -999999 when
 * the query fails or yields no row. */
long long tu_int(const char *sql, const char *arg);
/* The text of the first column of the first row into out; 0, -ENOENT (no row or NULL), or < 0. */
int tu_text(const char *sql, const char *arg, char *out, size_t cap);

/* A principal with no grants. */
void tu_principal(principal_t *p, const char *account_id, const char *kind);
/* Add a grant to p. */
void tu_grant(principal_t *p, role_t r, const char *unit_id, const char *unit_path);

/* Domain writes, each in its own write transaction; they return the domain function's result. */
int tu_unit_create(const principal_t *actor, const unit_input_t *in, unit_t *out, derr_t *err);
int tu_unit_update(const principal_t *actor, const char *id, long long version, const unit_input_t *in,
                   unit_t *out, derr_t *err);
int tu_account_create(const principal_t *actor, const account_input_t *in, account_t *out, derr_t *err);
int tu_account_update(const principal_t *actor, const char *id, long long version, const account_input_t *in,
                      account_t *out, derr_t *err);
int tu_set_password(const principal_t *actor, const char *id, const char *hash, const char *keep, derr_t *err);
int tu_token_create(const principal_t *who, const char *name, int days, api_token_t *out,
                    char secret[TOKEN_SECRET_LEN + 1], derr_t *err);
int tu_token_revoke(const principal_t *who, const char *id, derr_t *err);

/* Domain reads on this thread's read connection. */
int tu_unit_get(const char *id, unit_t *out);
int tu_unit_by_slug(const char *slug, unit_t *out);
int tu_account_get(const char *id, account_t *out);
int tu_account_by_username(const char *username, account_t *out);
int tu_load_principal(const char *account_id, principal_t *who);

/* A unit created by the system (actor NULL) with just kind, name and slug (slug may be NULL); aborts the test
 * process with a message when the creation fails, since every later check would be meaningless. */
void tu_make_unit(const char *parent_id, const char *kind, const char *name, const char *slug, unit_t *out);
/* A staff account created by the system at home unit `unit` with one role at `role_unit` (role -1: none), with a
 * placeholder password hash; aborts when creation fails. */
void tu_make_staff(const char *username, const char *full_name, const char *unit, int role, const char *role_unit,
                   account_t *out);

/* Remove a directory tree (files one level deep, as SQLite leaves them). */
void tu_remove_dir(const char *dir);
#endif

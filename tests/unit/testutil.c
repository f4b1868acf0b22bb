/* testutil.c — shared helpers for the unit tests (see testutil.h). Test code only: nothing here is linked into
 * motcua itself. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/mem.h"
#include "db/migrate.h"
#include "domain/ledger.h"
#include "domain/lookup_memo.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

tu_env_t tu_env;

void tu_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[512];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static int init_node_fn(db_t *db, void *arg)
{
    (void)arg;
    return ledger_init_node(db, "unit-test");
}

void tu_open_store(int migrate)
{
    tu_close();     /* a second open in one test (suite and test .init both set) must not leak the first */
    memset(&tu_env, 0, sizeof tu_env);
    lookup_memo_clear();   /* a new store may get the address of the last one: its memoised lookups must go */
    snprintf(tu_env.dir, sizeof tu_env.dir, "/tmp/motcua-ut-XXXXXX");
    cr_assert_not_null(mkdtemp(tu_env.dir), "mkdtemp failed");
    snprintf(tu_env.path, sizeof tu_env.path, "%s/test.db", tu_env.dir);
    int rc = store_open(&tu_env.st, &(store_opts_t){.url = tu_env.path, .create = 1});
    cr_assert_eq(rc, 0, "store_open(%s) = %d", tu_env.path, rc);
    if (!migrate) return;
    rc = migrate_up(tu_env.st);
    cr_assert_eq(rc, migrate_count(), "migrate_up = %d", rc);
    rc = store_write(tu_env.st, init_node_fn, NULL);
    cr_assert_eq(rc, 0, "ledger_init_node = %d", rc);
}

void tu_open(void) { tu_open_store(1); }

void tu_close(void)
{
    if (tu_env.st) store_close(tu_env.st);
    tu_env.st = NULL;
    if (tu_env.dir[0]) tu_remove_dir(tu_env.dir);
    tu_env.dir[0] = '\0';
}

/* ---- raw SQL ---- */

static int exec_fn(db_t *db, void *arg)
{
    return db_exec(db, (const char *)arg);
}

int tu_exec(const char *sql)
{
    return store_write(tu_env.st, exec_fn, (void *)sql);
}

int tu_execf(const char *fmt, ...)
{
    char sql[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof sql) return -E2BIG;
    return tu_exec(sql);
}

struct query_ctx {
    const char *sql, *arg;
    long long   v;
    char       *out;
    size_t      cap;
    int         rc;
};

static int query_fn(db_t *db, void *p)
{
    struct query_ctx *q = p;
    db_stmt_t *s = NULL;
    int rc = q->arg ? db_query(db, &s, q->sql, "t", q->arg) : db_query(db, &s, q->sql, "");
    if (rc == DB_ROW) {
        if (q->out) {
            const char *t = db_col_text(s, 0);
            if (t) rc = str_copy(q->out, q->cap, t) < 0 ? -E2BIG : 0;
            else rc = -ENOENT;
        } else {
            q->v = db_col_int(s, 0);
            rc = 0;
        }
    } else if (rc == DB_DONE) {
        rc = -ENOENT;
    }
    if (s) db_reset(s);
    return rc;
}

long long tu_int(const char *sql, const char *arg)
{
    struct query_ctx q = {.sql = sql, .arg = arg};
    int rc = store_read(tu_env.st, query_fn, &q);
    return rc < 0 ? -999999 : q.v;
}

int tu_text(const char *sql, const char *arg, char *out, size_t cap)
{
    struct query_ctx q = {.sql = sql, .arg = arg, .out = out, .cap = cap};
    if (cap) out[0] = '\0';
    return store_read(tu_env.st, query_fn, &q);
}

/* ---- principals ---- */

void tu_principal(principal_t *p, const char *account_id, const char *kind)
{
    memset(p, 0, sizeof *p);
    str_copy(p->account_id, sizeof p->account_id, account_id);
    str_copy(p->kind, sizeof p->kind, kind);
    str_copy(p->username, sizeof p->username, account_id);
}

void tu_grant(principal_t *p, role_t r, const char *unit_id, const char *unit_path)
{
    cr_assert_lt(p->ngrants, AUTH_MAX_GRANTS);
    grant_t *g = &p->grants[p->ngrants++];
    g->role = r;
    str_copy(g->unit_id, sizeof g->unit_id, unit_id);
    str_copy(g->unit_path, sizeof g->unit_path, unit_path);
}

/* ---- domain writes ---- */

struct wctx {
    int                     op;
    const principal_t      *actor;
    const char             *id, *hash, *keep, *name;
    long long               version;
    int                     days;
    const unit_input_t     *uin;
    unit_t                 *uout;
    const account_input_t  *ain;
    account_t              *aout;
    api_token_t            *tout;
    char                   *secret;
    derr_t                 *err;
};

enum { OP_UNIT_CREATE, OP_UNIT_UPDATE, OP_ACC_CREATE, OP_ACC_UPDATE, OP_SET_PW, OP_TOKEN_CREATE, OP_TOKEN_REVOKE };

static int write_fn(db_t *db, void *p)
{
    struct wctx *c = p;
    switch (c->op) {
    case OP_UNIT_CREATE: return unit_create(db, c->actor, c->uin, c->uout, c->err);
    case OP_UNIT_UPDATE: return unit_update(db, c->actor, c->id, c->version, c->uin, c->uout, c->err);
    case OP_ACC_CREATE: return account_create(db, c->actor, c->ain, c->aout, c->err);
    case OP_ACC_UPDATE: return account_update(db, c->actor, c->id, c->version, c->ain, c->aout, c->err);
    case OP_SET_PW: return account_set_password(db, c->actor, c->id, c->hash, c->keep, true, c->err);
    case OP_TOKEN_CREATE: return token_create(db, c->actor, c->name, c->days, c->tout, c->secret, c->err);
    case OP_TOKEN_REVOKE: return token_revoke(db, c->actor, c->id, c->err);
    default: return -EINVAL;
    }
}

static int run(struct wctx *c)
{
    derr_t scratch;
    if (!c->err) c->err = &scratch;
    return store_write(tu_env.st, write_fn, c);
}

int tu_unit_create(const principal_t *actor, const unit_input_t *in, unit_t *out, derr_t *err)
{
    return run(&(struct wctx){.op = OP_UNIT_CREATE, .actor = actor, .uin = in, .uout = out, .err = err});
}

int tu_unit_update(const principal_t *actor, const char *id, long long version, const unit_input_t *in,
                   unit_t *out, derr_t *err)
{
    return run(&(struct wctx){.op = OP_UNIT_UPDATE, .actor = actor, .id = id, .version = version, .uin = in,
                              .uout = out, .err = err});
}

int tu_account_create(const principal_t *actor, const account_input_t *in, account_t *out, derr_t *err)
{
    return run(&(struct wctx){.op = OP_ACC_CREATE, .actor = actor, .ain = in, .aout = out, .err = err});
}

int tu_account_update(const principal_t *actor, const char *id, long long version, const account_input_t *in,
                      account_t *out, derr_t *err)
{
    return run(&(struct wctx){.op = OP_ACC_UPDATE, .actor = actor, .id = id, .version = version, .ain = in,
                              .aout = out, .err = err});
}

int tu_set_password(const principal_t *actor, const char *id, const char *hash, const char *keep, derr_t *err)
{
    return run(&(struct wctx){.op = OP_SET_PW, .actor = actor, .id = id, .hash = hash, .keep = keep, .err = err});
}

int tu_token_create(const principal_t *who, const char *name, int days, api_token_t *out,
                    char secret[TOKEN_SECRET_LEN + 1], derr_t *err)
{
    return run(&(struct wctx){.op = OP_TOKEN_CREATE, .actor = who, .name = name, .days = days, .tout = out,
                              .secret = secret, .err = err});
}

int tu_token_revoke(const principal_t *who, const char *id, derr_t *err)
{
    return run(&(struct wctx){.op = OP_TOKEN_REVOKE, .actor = who, .id = id, .err = err});
}

/* ---- domain reads ---- */

struct rctx {
    int          op;
    const char  *key;
    unit_t      *u;
    account_t   *a;
    principal_t *p;
};

static int read_fn(db_t *db, void *p)
{
    struct rctx *c = p;
    switch (c->op) {
    case 0: return unit_get(db, c->key, c->u);
    case 1: return unit_get_by_slug(db, c->key, c->u);
    case 2: return account_get(db, c->key, c->a);
    case 3: return account_get_by_username(db, c->key, c->a);
    case 4: return auth_load_principal(db, c->key, c->p);
    default: return -EINVAL;
    }
}

int tu_unit_get(const char *id, unit_t *out) { return store_read(tu_env.st, read_fn, &(struct rctx){0, id, out, 0, 0}); }
int tu_unit_by_slug(const char *slug, unit_t *out)
{
    return store_read(tu_env.st, read_fn, &(struct rctx){1, slug, out, 0, 0});
}
int tu_account_get(const char *id, account_t *out)
{
    return store_read(tu_env.st, read_fn, &(struct rctx){2, id, 0, out, 0});
}
int tu_account_by_username(const char *username, account_t *out)
{
    return store_read(tu_env.st, read_fn, &(struct rctx){3, username, 0, out, 0});
}
int tu_load_principal(const char *account_id, principal_t *who)
{
    return store_read(tu_env.st, read_fn, &(struct rctx){4, account_id, 0, 0, who});
}

/* ---- fixtures ---- */

void tu_make_unit(const char *parent_id, const char *kind, const char *name, const char *slug, unit_t *out)
{
    derr_t e = {0};
    unit_input_t in = {.parent_id = parent_id, .kind = kind, .name = name, .slug = slug, .active = 1};
    int rc = tu_unit_create(NULL, &in, out, &e);
    cr_assert_eq(rc, 0, "fixture: unit_create(%s %s) = %d (field %s)", kind, name, rc, e.field);
}

void tu_make_staff(const char *username, const char *full_name, const char *unit, int role, const char *role_unit,
                   account_t *out)
{
    derr_t e = {0};
    account_input_t in = {.kind = "staff", .username = username, .full_name = full_name, .unit_id = unit,
                          .password_hash = "$argon2id$placeholder", .disabled = -1, .nroles = role >= 0 ? 1 : 0};
    if (role >= 0) {
        in.roles[0].role = (role_t)role;
        in.roles[0].unit_id = role_unit;
    }
    int rc = tu_account_create(NULL, &in, out, &e);
    cr_assert_eq(rc, 0, "fixture: account_create(%s) = %d (field %s)", username, rc, e.field);
}

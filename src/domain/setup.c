/* setup.c — init and demo data (see setup.h).
 *
 * Demo units follow the provinces of the 2025 reorganisation (Resolution 202/2025/QH15: Lâm Đồng absorbed Đắk
 * Nông and Bình Thuận; Gia Lai absorbed Bình Định; An Giang absorbed Kiên Giang; Lạng Sơn is unchanged) and the
 * communes named in the field reports. Electronic identifier codes follow the shape of Decision 20/2020/QĐ-TTg but
 * are ILLUSTRATIVE, as are the merged_from lists of the communes: replace them with the province's published
 * values in a real deployment. Old province codes in merged_from are the statistical codes of Decision 124/2004. */
#include "domain/setup.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/migrate.h"
#include "domain/report.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/ledger.h"
#include "domain/procedure.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- init ---- */

struct init_ctx {
    const char     *node_name;
    const char     *admin_username;
    const char     *admin_hash;
    setup_result_t *res;
    derr_t         *err;
};

int setup_find_root(db_t *db, char *id, char *path, size_t cap)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT id, path FROM units WHERE kind = 'national' ORDER BY path LIMIT 1", "");
    if (rc == DB_ROW) {
        rc = str_copy(id, ID_LEN + 1, db_col_text(s, 0));
        if (rc == 0 && path) rc = str_copy(path, cap, db_col_text(s, 1));
        if (rc == 0) rc = DB_ROW;
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -ENOENT;
}

static int find_root(db_t *db, unit_t *root)
{
    char id[ID_LEN + 1];
    int rc = setup_find_root(db, id, NULL, 0);
    return rc < 0 ? rc : unit_get(db, id, root);
}

static int init_fn(db_t *db, void *arg)
{
    struct init_ctx *c = arg;
    int rc = ledger_init_node(db, c->node_name);
    if (rc < 0) return rc;
    unit_t *root = xmalloc(sizeof *root);
    rc = find_root(db, root);
    if (rc == -ENOENT) {
        unit_input_t in = {.kind = "national", .name = "Việt Nam", .slug = "vn", .active = 1};
        rc = unit_create(db, NULL, &in, root, c->err);
    }
    if (rc == 0 && c->admin_hash) {
        account_t *a = xmalloc(sizeof *a);
        rc = account_get_by_username(db, c->admin_username, a);
        if (rc == -ENOENT) {
            account_input_t in = {.kind = "staff", .username = c->admin_username, .full_name = "Quản trị hệ thống",
                                  .unit_id = root->id, .password_hash = c->admin_hash, .disabled = -1, .nroles = 1};
            in.roles[0].role = ROLE_ADMIN;
            in.roles[0].unit_id = root->id;
            rc = account_create(db, NULL, &in, a, c->err);
            if (rc == 0) c->res->admin_created = 1;
        }
        free(a);
    }
    if (rc == 0) {
        db_stmt_t *s;
        int q = db_query(db, &s,
                         "SELECT COUNT(*) FROM roles r JOIN units u ON u.id = r.unit_id JOIN accounts a ON a.id = "
                         "r.account_id WHERE r.role = 'admin' AND u.kind = 'national' AND a.disabled = 0",
                         "");
        if (q == DB_ROW) c->res->admin_exists = db_col_int(s, 0) > 0;
        if (s) db_reset(s);
        if (q < 0) rc = q;
    }
    free(root);
    return rc;
}

/* report: a database that had dossiers before migration 12 gets its dashboards' counts once, from a recount. */
static int report_backfill_fn(db_t *db, void *arg)
{
    (void)arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM report_counts LIMIT 1) a), "
                              "(SELECT COUNT(*) FROM (SELECT 1 FROM dossiers LIMIT 1) b)", "");
    bool need = rc == DB_ROW && db_col_int(s, 0) == 0 && db_col_int(s, 1) > 0;
    db_reset(s);
    if (rc < 0) return rc;
    return need ? report_rebuild(db, NULL, NULL, NULL, NULL) : 0;
}

int setup_init(store_t *st, const char *node_name, const char *admin_username, const char *admin_password,
               setup_result_t *res, derr_t *err)
{
    memset(res, 0, sizeof *res);
    memset(err, 0, sizeof *err);    /* callers print it on any failure, also one that never filled it */
    int rc = migrate_up(st);
    if (rc < 0) return rc;
    res->migrations_applied = rc;
    if (rc > 0 && (rc = store_write(st, report_backfill_fn, NULL)) < 0) return rc;
    char hash[160];
    if (admin_password) {
        if (auth_password_check(admin_password) < 0) {
            char lo[8], hi[8];
            snprintf(lo, sizeof lo, "%d", AUTH_PASSWORD_MIN);
            snprintf(hi, sizeof hi, "%d", AUTH_PASSWORD_MAX);
            return derr_set(err, -EINVAL, 400, MSG_WEAK_PASSWORD, "password", lo, hi, NULL);
        }
        if ((rc = auth_password_hash(admin_password, hash, sizeof hash)) < 0) return rc;
    }
    struct init_ctx c = {node_name ? node_name : "motcua", admin_username ? admin_username : "admin",
                         admin_password ? hash : NULL, res, err};
    return store_write(st, init_fn, &c);
}

/* ---- demo ---- */

struct demo_commune {
    const char *slug, *name, *kind, *admin_code, *merged_from;
};

struct demo_province {
    const char *slug, *name, *admin_code, *edi, *merged_from;
    struct demo_commune communes[3];
};

static const struct demo_province provinces[] = {
    {"lamdong", "Tỉnh Lâm Đồng", "68", "000.00.00.H41",
     "[{\"name\":\"tỉnh Lâm Đồng\",\"code\":\"68\"},{\"name\":\"tỉnh Đắk Nông\",\"code\":\"67\"},"
     "{\"name\":\"tỉnh Bình Thuận\",\"code\":\"60\"}]",
     {{"cujut", "Xã Cư Jút", "commune", "24616",
       "[{\"name\":\"thị trấn Ea T'ling\"},{\"name\":\"xã Tâm Thắng\"},{\"name\":\"xã Trúc Sơn\"}]"},
      {"thuanan", "Xã Thuận An", "commune", "24640",
       "[{\"name\":\"xã Thuận An\"},{\"name\":\"xã Đức Minh\"},{\"name\":\"xã Đắk Sắk\"}]"},
      {NULL, NULL, NULL, NULL, NULL}}},
    {"langson", "Tỉnh Lạng Sơn", "20", "000.00.00.H39", "[{\"name\":\"tỉnh Lạng Sơn\",\"code\":\"20\"}]",
     {{"locbinh", "Xã Lộc Bình", "commune", "06325",
       "[{\"name\":\"thị trấn Lộc Bình\"},{\"name\":\"xã Khánh Xuân\"},{\"name\":\"xã Đồng Bục\"}]"},
      {NULL, NULL, NULL, NULL, NULL}}},
    {"gialai", "Tỉnh Gia Lai", "64", "000.00.00.H21",
     "[{\"name\":\"tỉnh Gia Lai\",\"code\":\"64\"},{\"name\":\"tỉnh Bình Định\",\"code\":\"52\"}]",
     {{"ialy", "Xã Ia Ly", "commune", "23596",
       "[{\"name\":\"thị trấn Ia Ly\"},{\"name\":\"xã Ia Mơ Nông\"},{\"name\":\"xã Ia Kreng\"}]"},
      {NULL, NULL, NULL, NULL, NULL}}},
    {"angiang", "Tỉnh An Giang", "89", "000.00.00.H01",
     "[{\"name\":\"tỉnh An Giang\",\"code\":\"89\"},{\"name\":\"tỉnh Kiên Giang\",\"code\":\"91\"}]",
     {{"myhoahung", "Xã Mỹ Hòa Hưng", "commune", "30307", "[{\"name\":\"xã Mỹ Hòa Hưng\"}]"},
      {NULL, NULL, NULL, NULL, NULL}}},
};

static const struct {
    const char *suffix, *name, *abbr;
} departments[] = {
    {"vp", "Văn phòng HĐND và UBND", "VP"},
    {"pkt", "Phòng Kinh tế", "PKT"},
    {"pvhxh", "Phòng Văn hóa - Xã hội", "PVHXH"},
    {"ttpvhcc", "Trung tâm Phục vụ hành chính công", "TTPVHCC"},
};

const char *const setup_demo_usernames[] = {
    "admin", "lamdong.official", "cujut.desk", "cujut.specialist", "cujut.leader", "cujut.clerk",
    "thuanan.desk", "thuanan.specialist", "thuanan.leader", "thuanan.clerk",
    "langson.official", "locbinh.desk", "locbinh.specialist", "locbinh.leader", "locbinh.clerk",
    "gialai.official", "ialy.desk", "ialy.specialist", "ialy.leader", "ialy.clerk",
    "angiang.official", "myhoahung.desk", "myhoahung.specialist", "myhoahung.leader", "myhoahung.clerk",
    NULL,
};

static const char *const family[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"};
static const char *const given[] = {"Văn An", "Thị Bình", "Minh Châu", "Thị Dung", "Quốc Hùng", "Thu Hà",
                                    "Đức Long", "Thị Mai", "Hữu Nam", "Ngọc Lan", "Văn Phúc", "Thị Quyên"};

#define DEMO_HASHES 32

struct demo_ctx {
    char            hashes[DEMO_HASHES][160];
    int             used;
    setup_result_t *res;
    derr_t         *err;
};

static int demo_account(db_t *db, struct demo_ctx *c, const char *username, const char *home, role_t role,
                        const char *role_unit)
{
    account_t *a = xmalloc(sizeof *a);
    int rc = account_get_by_username(db, username, a);
    if (rc == 0 || rc != -ENOENT) {
        free(a);
        return rc;
    }
    char name[96];
    int k = c->used;
    snprintf(name, sizeof name, "%s %s", family[k % 10], given[(k * 7) % 12]);
    account_input_t in = {.kind = "staff", .username = username, .full_name = name, .unit_id = home,
                          .password_hash = c->hashes[c->used % DEMO_HASHES], .disabled = -1, .nroles = 1};
    in.roles[0].role = role;
    in.roles[0].unit_id = role_unit;
    c->used++;
    rc = account_create(db, NULL, &in, a, c->err);
    if (rc == 0) c->res->accounts_created++;
    free(a);
    return rc;
}

/* Get the unit by slug, or create it. */
static int demo_unit(db_t *db, const unit_input_t *in, unit_t *out, derr_t *err)
{
    int rc = unit_get_by_slug(db, in->slug, out);
    if (rc != -ENOENT) return rc;
    return unit_create(db, NULL, in, out, err);
}

static int demo_fn(db_t *db, void *arg)
{
    struct demo_ctx *c = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT value FROM meta WHERE key = 'demo_loaded'", "");
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc == DB_ROW) return 0;
    unit_t *root = xmalloc(sizeof *root), *prov = xmalloc(sizeof *prov), *com = xmalloc(sizeof *com),
           *dep = xmalloc(sizeof *dep);
    rc = find_root(db, root);
    if (rc == 0) rc = demo_account(db, c, "admin", root->id, ROLE_ADMIN, root->id);
    for (size_t p = 0; rc == 0 && p < sizeof provinces / sizeof provinces[0]; p++) {
        const struct demo_province *dp = &provinces[p];
        unit_input_t pin = {.parent_id = root->id, .kind = "province", .name = dp->name, .slug = dp->slug,
                            .admin_code = dp->admin_code, .edi_code = dp->edi, .abbr = "UBND",
                            .merged_from = dp->merged_from, .active = 1};
        rc = demo_unit(db, &pin, prov, c->err);
        char uname[80];
        snprintf(uname, sizeof uname, "%s.official", dp->slug);
        if (rc == 0) rc = demo_account(db, c, uname, prov->id, ROLE_OFFICIAL, prov->id);
        for (int k = 0; rc == 0 && dp->communes[k].slug; k++) {
            const struct demo_commune *dc = &dp->communes[k];
            char edi[24];
            snprintf(edi, sizeof edi, "000.00.%02d.%s", k + 1, dp->edi + 10);
            unit_input_t cin = {.parent_id = prov->id, .kind = dc->kind, .name = dc->name, .slug = dc->slug,
                                .admin_code = dc->admin_code, .edi_code = edi, .abbr = "UBND",
                                .merged_from = dc->merged_from, .active = 1};
            rc = demo_unit(db, &cin, com, c->err);
            char homes[4][ID_LEN + 1];
            for (size_t d = 0; rc == 0 && d < 4; d++) {
                char slug[48], dedi[24];
                snprintf(slug, sizeof slug, "%s.%s", dc->slug, departments[d].suffix);
                snprintf(dedi, sizeof dedi, "000.%02zu.%02d.%s", d + 1, k + 1, dp->edi + 10);
                unit_input_t din = {.parent_id = com->id, .kind = "department", .name = departments[d].name,
                                    .slug = slug, .edi_code = dedi, .abbr = departments[d].abbr, .active = 1};
                rc = demo_unit(db, &din, dep, c->err);
                if (rc == 0) memcpy(homes[d], dep->id, sizeof homes[d]);
            }
            static const struct { const char *suffix; role_t role; int home; } staff[] = {
                {"desk", ROLE_DESK, 3}, {"specialist", ROLE_SPECIALIST, 1}, {"leader", ROLE_LEADER, 0},
                {"clerk", ROLE_CLERK, 0}};
            for (size_t r = 0; rc == 0 && r < 4; r++) {
                snprintf(uname, sizeof uname, "%s.%s", dc->slug, staff[r].suffix);
                rc = demo_account(db, c, uname, homes[staff[r].home], staff[r].role, com->id);
            }
        }
    }
    if (rc == 0) {
        /* The shipped procedure catalog (data/procedures-commune.csv), national records. */
        procedure_import_report_t *rep = xmalloc(sizeof *rep);
        rc = procedure_load_shipped(db, rep);
        if (rc < 0 && rep->n_errors) *c->err = rep->errors[0].err;
        free(rep);
    }
    if (rc == 0) {
        long long n = db_run(db, "INSERT INTO meta (key, value) VALUES ('demo_loaded', '1')", "");
        if (n < 0) rc = (int)n;
        else c->res->demo_loaded = 1;
    }
    if (rc == 0) c->res->admin_exists = 1;   /* "admin" holds the national admin role now */
    free(root);
    free(prov);
    free(com);
    free(dep);
    return rc;
}

static int demo_loaded_fn(db_t *db, void *arg)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT value FROM meta WHERE key = 'demo_loaded'", "");
    if (s) db_reset(s);
    if (rc < 0) return rc;
    *(int *)arg = rc == DB_ROW;
    return 0;
}

int setup_demo(store_t *st, setup_result_t *res, derr_t *err)
{
    int rc = setup_init(st, "demo", NULL, NULL, res, err);
    if (rc < 0) return rc;
    int loaded = 0;
    if ((rc = store_read(st, demo_loaded_fn, &loaded)) < 0) return rc;
    if (loaded) return 0;              /* nothing to do: skip the password hashing too */
    struct demo_ctx *c = xcalloc(1, sizeof *c);
    c->res = res;
    c->err = err;
    /* Hash outside the write transaction; every account gets its own salt. */
    for (int i = 0; i < DEMO_HASHES && rc == 0; i++) rc = auth_password_hash("demo", c->hashes[i], sizeof c->hashes[i]);
    if (rc == 0) rc = store_write(st, demo_fn, c);
    free(c);
    return rc;
}

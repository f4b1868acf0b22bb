/* test_blob.c — domain/blob.h and domain/paper.h: content addressing (the name is the SHA-256 of the bytes),
 * dedupe (the same content twice is one file), the atomic rename (nothing under sha256/ until the commit, nothing
 * left in tmp/ after it), abort and the sweep of stale temporary files, magic-number detection, and the paper
 * projections: an upload is one event whose replay (event_rebuild) gives the same rows, visibility by owner and
 * unit scope, the extension hook, and the version check of an update. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/sha256.h"
#include "domain/blob.h"
#include "domain/event.h"
#include "domain/paper.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>
#include <utime.h>

static char bdir[256];
static blob_store_t *bs;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void blob_setup(void)
{
    snprintf(bdir, sizeof bdir, "/tmp/motcua-blob-test.XXXXXX");
    cr_assert_not_null(mkdtemp(bdir));
    char d[300];
    snprintf(d, sizeof d, "%s/store", bdir);
    cr_assert_eq(blob_store_open(&bs, d), 0);
}

static void blob_teardown(void)
{
    blob_store_close(bs);
    nftw(bdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Files directly in dir (0 when it is empty). */
static int count_files(const char *sub)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", blob_store_dir(bs), sub);
    DIR *d = opendir(p);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

static void put(const void *p, size_t n, char hex[65])
{
    blob_writer_t *w;
    cr_assert_eq(blob_begin(bs, &w), 0);
    /* In two pieces, as the network delivers them. */
    cr_assert_eq(blob_write(w, p, n / 2), 0);
    cr_assert_eq(blob_write(w, (const char *)p + n / 2, n - n / 2), 0);
    cr_assert_eq(blob_written(w), n);
    cr_assert_eq(blob_commit(w, hex), 0);
}

TestSuite(blob, .init = blob_setup, .fini = blob_teardown);

Test(blob, named_by_sha256_and_readable)
{
    const char data[] = "%PDF-1.7 hello";
    char hex[65], want[65], path[600];
    put(data, sizeof data - 1, hex);
    sha256_hex(data, sizeof data - 1, want);
    cr_assert_str_eq(hex, want);
    cr_assert_eq(blob_path(bs, hex, path, sizeof path), 0);
    char tail[100];
    snprintf(tail, sizeof tail, "/sha256/%.2s/%.2s/%s", hex, hex + 2, hex);
    cr_assert(strstr(path, tail) != NULL, "path %s", path);
    int fd;
    long long size;
    cr_assert_eq(blob_open_read(bs, hex, &fd, &size), 0);
    cr_assert_eq(size, (long long)sizeof data - 1);
    char back[64] = {0};
    cr_assert_eq(read(fd, back, sizeof back), (ssize_t)(sizeof data - 1));
    close(fd);
    cr_assert_str_eq(back, data);
}

Test(blob, same_content_stored_once)
{
    const char data[] = "\x89PNG\r\n\x1a\n same bytes";
    char h1[65], h2[65];
    put(data, sizeof data - 1, h1);
    put(data, sizeof data - 1, h2);
    cr_assert_str_eq(h1, h2);
    char sub[16];
    snprintf(sub, sizeof sub, "sha256/%.2s/%.2s", h1, h1 + 2);
    cr_assert_eq(count_files(sub), 1);
    cr_assert_eq(count_files("tmp"), 0, "the second copy's temporary file was removed");
    char h3[65];
    put("%PDF-other", 10, h3);
    cr_assert_str_neq(h1, h3);
}

Test(blob, nothing_visible_before_commit)
{
    blob_writer_t *w;
    cr_assert_eq(blob_begin(bs, &w), 0);
    cr_assert_eq(blob_write(w, "%PDF-partial", 12), 0);
    cr_assert_eq(count_files("tmp"), 1);
    cr_assert_eq(count_files("sha256"), 0, "no blob under sha256/ before the rename");
    char hex[65], want[65];
    sha256_hex("%PDF-partial", 12, want);
    int fd;
    long long size;
    cr_assert_eq(blob_open_read(bs, want, &fd, &size), -ENOENT);
    cr_assert_eq(blob_commit(w, hex), 0);
    cr_assert_eq(count_files("tmp"), 0, "the rename moved the temporary file");
    cr_assert_eq(blob_open_read(bs, want, &fd, &size), 0);
    close(fd);
}

Test(blob, abort_removes_temporary_file)
{
    blob_writer_t *w;
    cr_assert_eq(blob_begin(bs, &w), 0);
    cr_assert_eq(blob_write(w, "%PDF-x", 6), 0);
    cr_assert_eq(count_files("tmp"), 1);
    blob_abort(w);
    cr_assert_eq(count_files("tmp"), 0);
    cr_assert_eq(count_files("sha256"), 0);
    blob_abort(NULL);
}

Test(blob, sweep_removes_only_stale_temporary_files)
{
    blob_writer_t *old, *fresh;
    cr_assert_eq(blob_begin(bs, &old), 0);
    cr_assert_eq(blob_begin(bs, &fresh), 0);
    /* Age the first one by two hours. */
    char p[600];
    DIR *d;
    snprintf(p, sizeof p, "%s/tmp", blob_store_dir(bs));
    cr_assert_not_null(d = opendir(p));
    struct dirent *e;
    char first[1024] = "";
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && !first[0]) snprintf(first, sizeof first, "%s/%s", p, e->d_name);
    closedir(d);
    struct utimbuf t = {time(NULL) - 7200, time(NULL) - 7200};
    cr_assert_eq(utime(first, &t), 0);
    cr_assert_eq(blob_sweep_tmp(bs, 3600), 1);
    cr_assert_eq(count_files("tmp"), 1, "the fresh upload's file stays");
    cr_assert_eq(blob_sweep_tmp(bs, 3600), 0);
    blob_abort(old);     /* its file is gone already: abort copes */
    blob_abort(fresh);
    cr_assert_eq(count_files("tmp"), 0);
}

Test(blob, sniff_magic_numbers)
{
    cr_assert_str_eq(blob_sniff((const unsigned char *)"%PDF-1.4", 8), "application/pdf");
    cr_assert_str_eq(blob_sniff((const unsigned char *)"\xFF\xD8\xFF\xE0", 4), "image/jpeg");
    cr_assert_str_eq(blob_sniff((const unsigned char *)"\x89PNG\r\n\x1a\n", 8), "image/png");
    cr_assert_null(blob_sniff((const unsigned char *)"\x89PNG\r\n\x1a", 7), "a PNG needs all 8 bytes");
    cr_assert_null(blob_sniff((const unsigned char *)"MZ\x90\x00\x03", 5), "a Windows executable");
    cr_assert_null(blob_sniff((const unsigned char *)"%PDF", 4));
    cr_assert_null(blob_sniff((const unsigned char *)"hello PDF", 9));
    cr_assert_null(blob_sniff((const unsigned char *)"", 0));
    cr_assert(blob_type_accepted("image/png"));
    cr_assert_not(blob_type_accepted("image/gif"));
    cr_assert_not(blob_type_accepted(NULL));
}

Test(blob, paths_and_defaults)
{
    char p[600];
    cr_assert_eq(blob_path(bs, "abc", p, sizeof p), -EINVAL);
    cr_assert_eq(blob_path(bs, "../../../../etc/passwd/0000000000000000000000000000000000000000000000", p, sizeof p),
                 -EINVAL);
    cr_assert_eq(blob_path(bs, "ABCDEF0000000000000000000000000000000000000000000000000000000000", p, sizeof p),
                 -EINVAL, "uppercase is not a blob name");
    blob_store_t *nested;
    snprintf(p, sizeof p, "%s/a/b/c/", bdir);
    cr_assert_eq(blob_store_open(&nested, p), 0, "missing parents are created");
    cr_assert(strstr(blob_store_dir(nested), "/a/b/c") != NULL && blob_store_dir(nested)[strlen(blob_store_dir(nested)) - 1] == 'c');
    blob_store_close(nested);
    cr_assert_eq(blob_default_dir("/srv/m.db", p, sizeof p), 0);
    cr_assert_str_eq(p, "/srv/m.db.blobs");
    cr_assert_eq(blob_default_dir("postgres://h/db", p, sizeof p), 0);
    cr_assert_str_eq(p, "var/blobs");
}

/* ---- papers ---- */

static unit_t prov, comA, comB;
static principal_t citizen, other_citizen, deskA, deskB, official;

static void paper_setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &prov);
    unit_t root = prov;
    tu_make_unit(root.id, "province", "Tỉnh A", "pa", &prov);
    tu_make_unit(prov.id, "commune", "Xã A", "xa", &comA);
    tu_make_unit(prov.id, "commune", "Xã B", "xb", &comB);
    tu_principal(&citizen, "01CITIZEN00000000000000000", "citizen");
    tu_principal(&other_citizen, "01CITIZEN00000000000000001", "citizen");
    tu_principal(&deskA, "01DESKA0000000000000000000", "staff");
    tu_grant(&deskA, ROLE_DESK, comA.id, comA.path);
    tu_principal(&deskB, "01DESKB0000000000000000000", "staff");
    tu_grant(&deskB, ROLE_DESK, comB.id, comB.path);
    tu_principal(&official, "01OFFICIAL0000000000000000", "staff");
    tu_grant(&official, ROLE_OFFICIAL, prov.id, prov.path);
    papers_visibility_reset();
}

static void paper_teardown(void)
{
    papers_visibility_reset();
    tu_close();
}

struct up_ctx {
    const principal_t *who;
    paper_upload_t     in;
    paper_t            out;
    derr_t             err;
    const char        *id;
    long long          version;
    paper_change_t     ch;
    int                vis;
};

static int up_fn(db_t *db, void *arg)
{
    struct up_ctx *c = arg;
    return paper_record_upload(db, c->who, &c->in, &c->out, &c->err);
}

static int upd_fn(db_t *db, void *arg)
{
    struct up_ctx *c = arg;
    return paper_update(db, c->who, c->id, c->version, &c->ch, &c->out, &c->err);
}

static int vis_fn(db_t *db, void *arg)
{
    struct up_ctx *c = arg;
    c->vis = papers_visible(db, c->who, c->id);
    return c->vis < 0 ? c->vis : 0;
}

static int visible(const principal_t *who, const char *id)
{
    struct up_ctx c = {.who = who, .id = id};
    cr_assert_eq(store_read(tu_env.st, vis_fn, &c), 0);
    return c.vis;
}

static void upload(const principal_t *who, const char *unit_id, const char *sha_seed, const char *name, paper_t *out)
{
    struct up_ctx *c = calloc(1, sizeof *c);
    char sha[65];
    sha256_hex(sha_seed, strlen(sha_seed), sha);
    c->who = who;
    id_new(c->in.id);
    c->in.at = 1750000000000LL;
    c->in.sha256 = sha;
    c->in.name = name;
    c->in.media_type = "application/pdf";
    c->in.unit_id = unit_id;
    c->in.size = 1234;
    c->in.digitized = strcmp(who->kind, "citizen") != 0;
    int rc = store_write(tu_env.st, up_fn, c);
    cr_assert_eq(rc, 0, "upload: %d", rc);
    *out = c->out;
    free(c);
}

TestSuite(paper, .init = paper_setup, .fini = paper_teardown);

Test(paper, upload_is_one_event_and_rebuild_gives_the_same_rows)
{
    paper_t a, b, c;
    upload(&citizen, NULL, "one", "Giấy khai sinh.pdf", &a);
    upload(&deskA, comA.id, "two", "CCCD.pdf", &b);
    upload(&citizen, NULL, "one", "Bản sao.pdf", &c);      /* same content again: one files row */
    cr_assert_str_eq(a.sha256, c.sha256);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM files", NULL), 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM papers", NULL), 3);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'paper.uploaded'", NULL), 3);
    cr_assert_not(a.digitized);
    cr_assert(b.digitized);
    cr_assert_str_eq(b.unit_id, comA.id);
    struct up_ctx *u = calloc(1, sizeof *u);
    u->who = &deskA;
    u->id = b.id;
    u->version = 1;
    u->ch = (paper_change_t){.name = "CCCD mặt trước.pdf", .set_digitized = true, .digitized = false, .at = 1750000001000LL};
    cr_assert_eq(store_write(tu_env.st, upd_fn, u), 0);
    cr_assert_eq(u->out.version, 2);
    free(u);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    cr_assert_eq(tu_exec("UPDATE papers SET name = 'tampered'"), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    /* the 4 paper events, and the fixture's units and accounts (apply-based too) */
    cr_assert_eq(rep.applied, 4 + tu_int("SELECT COUNT(*) FROM events WHERE type LIKE 'unit.%' OR type LIKE 'account.%'",
                                         NULL));
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after, "the rebuilt projections are the recorded ones");
    char name[256];
    cr_assert_eq(tu_text("SELECT name FROM papers WHERE id = $1", b.id, name, sizeof name), 0);
    cr_assert_str_eq(name, "CCCD mặt trước.pdf");
}

Test(paper, visibility_owner_and_scope)
{
    paper_t mine, desk;
    upload(&citizen, NULL, "c", "a.pdf", &mine);
    upload(&deskA, comA.id, "d", "b.pdf", &desk);
    cr_assert_eq(visible(&citizen, mine.id), 1);
    cr_assert_eq(visible(&other_citizen, mine.id), 0);
    cr_assert_eq(visible(&deskA, mine.id), 0, "a citizen's own upload belongs to no unit");
    cr_assert_eq(visible(&deskA, desk.id), 1);
    cr_assert_eq(visible(&official, desk.id), 1, "the province above the commune");
    cr_assert_eq(visible(&deskB, desk.id), 0, "another commune");
    cr_assert_eq(visible(&citizen, desk.id), 0);
    cr_assert_eq(visible(&deskA, "01NOSUCHPAPER0000000000000"), 0);
    cr_assert_eq(visible(&deskA, "bad id"), 0);
}

static int hook_b_sees_all(db_t *db, const principal_t *who, const paper_t *p)
{
    (void)db, (void)p;
    return strcmp(who->account_id, deskB.account_id) == 0;
}

Test(paper, visibility_extension_hook)
{
    paper_t desk;
    upload(&deskA, comA.id, "d", "b.pdf", &desk);
    cr_assert_eq(visible(&deskB, desk.id), 0);
    cr_assert_eq(papers_visibility_add(hook_b_sees_all), 0);
    cr_assert_eq(visible(&deskB, desk.id), 1, "a registered rule widens the base one");
    cr_assert_eq(visible(&other_citizen, desk.id), 0);
}

Test(paper, update_checks_version_scope_and_input)
{
    paper_t desk;
    upload(&deskA, comA.id, "d", "b.pdf", &desk);
    struct up_ctx *u = calloc(1, sizeof *u);
    u->id = desk.id;
    u->ch = (paper_change_t){.set_digitized = true, .digitized = false, .at = 1};
    u->who = &deskA;
    u->version = 5;
    cr_assert_eq(store_write(tu_env.st, upd_fn, u), -ESTALE);
    cr_assert_eq(u->err.status, 412);
    u->who = &deskB;
    u->version = 1;
    cr_assert_eq(store_write(tu_env.st, upd_fn, u), -ENOENT, "another commune's paper is not found");
    u->who = &deskA;
    u->ch = (paper_change_t){.at = 1};
    cr_assert_eq(store_write(tu_env.st, upd_fn, u), -EINVAL, "nothing to change");
    u->ch = (paper_change_t){.name = "a/b.pdf", .at = 1};
    cr_assert_eq(store_write(tu_env.st, upd_fn, u), -EINVAL, "a slash in a name");
    cr_assert_str_eq(u->err.field, "name");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'paper.updated'", NULL), 0, "nothing recorded");
    free(u);
}

Test(paper, name_rules)
{
    derr_t e = {0};
    cr_assert_eq(paper_name_check("Giấy khai sinh.pdf", "name", &e), 0);
    cr_assert_eq(paper_name_check("", "name", &e), -EINVAL);
    cr_assert_eq(paper_name_check("a\nb", "name", &e), -EINVAL);
    cr_assert_eq(paper_name_check("\xC3\x28", "name", &e), -EINVAL, "invalid UTF-8");
    char longname[260];
    memset(longname, 'a', 201);
    longname[201] = '\0';
    cr_assert_eq(paper_name_check(longname, "name", &e), -EINVAL);
    longname[200] = '\0';
    cr_assert_eq(paper_name_check(longname, "name", &e), 0);
}

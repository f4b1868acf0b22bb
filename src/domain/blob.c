/* blob.c — content-addressed blob files (see blob.h). */
#include "domain/blob.h"
#include "core/mem.h"
#include "core/rand.h"
#include "db/db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_PREFIX "up-"

/* The directory's name is kept shorter than PATH_MAX by the longest suffix we add (sha256/ab/cd/<64 hex>). */
#define BLOB_DIR_MAX (PATH_MAX - 256)

struct blob_store {
    char dir[BLOB_DIR_MAX];
};

struct blob_writer {
    blob_store_t  *bs;
    int            fd;
    char           tmp[PATH_MAX];
    sha256_ctx_t  *h;
    size_t         n;
    unsigned char  head[8];
    size_t         nhead;
};

static int mkdir_p1(const char *path)
{
    if (mkdir(path, 0750) == 0 || errno == EEXIST) return 0;
    return -errno;
}

/* mkdir -p: every missing component of path. */
static int mkdir_parents(const char *path)
{
    char p[BLOB_DIR_MAX];
    if (str_copy(p, sizeof p, path) < 0) return -ENAMETOOLONG;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = '\0';
        int rc = mkdir_p1(p);
        *s = '/';
        if (rc < 0) return rc;
    }
    return mkdir_p1(p);
}

int blob_store_open(blob_store_t **out, const char *dir)
{
    *out = NULL;
    if (!dir || !*dir) return -EINVAL;
    blob_store_t *bs = xcalloc(1, sizeof *bs);
    if (str_copy(bs->dir, sizeof bs->dir, dir) < 0) {
        free(bs);
        return -ENAMETOOLONG;
    }
    size_t n = strlen(bs->dir);
    while (n > 1 && bs->dir[n - 1] == '/') bs->dir[--n] = '\0';
    char p[PATH_MAX];
    int rc = mkdir_parents(bs->dir);
    snprintf(p, sizeof p, "%s/tmp", bs->dir);
    if (rc == 0) rc = mkdir_p1(p);
    snprintf(p, sizeof p, "%s/sha256", bs->dir);
    if (rc == 0) rc = mkdir_p1(p);
    if (rc < 0) {
        free(bs);
        return rc;
    }
    *out = bs;
    return 0;
}

void blob_store_close(blob_store_t *bs) { free(bs); }

const char *blob_store_dir(const blob_store_t *bs) { return bs->dir; }

int blob_default_dir(const char *db_url, char *out, size_t cap)
{
    if (!db_url || store_url_is_pg(db_url)) return str_copy(out, cap, "var/blobs") < 0 ? -ENAMETOOLONG : 0;
    int n = snprintf(out, cap, "%s.blobs", db_url);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

const char *blob_sniff(const unsigned char *h, size_t n)
{
    if (n >= 5 && memcmp(h, "%PDF-", 5) == 0) return "application/pdf";
    if (n >= 3 && h[0] == 0xFF && h[1] == 0xD8 && h[2] == 0xFF) return "image/jpeg";
    static const unsigned char png[8] = {0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A};
    if (n >= 8 && memcmp(h, png, 8) == 0) return "image/png";
    return NULL;
}

int blob_type_accepted(const char *t)
{
    return t && (!strcmp(t, "application/pdf") || !strcmp(t, "image/jpeg") || !strcmp(t, "image/png"));
}

int blob_begin(blob_store_t *bs, blob_writer_t **out)
{
    *out = NULL;
    blob_writer_t *w = xcalloc(1, sizeof *w);
    char id[ID_LEN + 1];
    id_new(id);
    snprintf(w->tmp, sizeof w->tmp, "%s/tmp/" TMP_PREFIX "%s", bs->dir, id);
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (w->fd < 0) {
        int e = -errno;
        free(w);
        return e;
    }
    w->bs = bs;
    w->h = sha256_new();
    *out = w;
    return 0;
}

int blob_write(blob_writer_t *w, const void *p, size_t n)
{
    const unsigned char *b = p;
    if (w->nhead < sizeof w->head) {
        size_t k = sizeof w->head - w->nhead;
        if (k > n) k = n;
        memcpy(w->head + w->nhead, b, k);
        w->nhead += k;
    }
    sha256_update(w->h, b, n);
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(w->fd, b + off, n - off);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        off += (size_t)k;
    }
    w->n += n;
    return 0;
}

size_t blob_written(const blob_writer_t *w) { return w->n; }

const unsigned char *blob_head(const blob_writer_t *w, size_t *n)
{
    *n = w->nhead;
    return w->head;
}

static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = fsync(fd) < 0 ? -errno : 0;
    close(fd);
    return rc;
}

static int hex_ok(const char *hex)
{
    if (!hex || strlen(hex) != SHA256_HEX_LEN) return 0;
    for (const char *p = hex; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

int blob_path(const blob_store_t *bs, const char *hex, char *out, size_t cap)
{
    if (!hex_ok(hex)) return -EINVAL;
    int n = snprintf(out, cap, "%s/sha256/%.2s/%.2s/%s", bs->dir, hex, hex + 2, hex);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int blob_commit(blob_writer_t *w, char hex[SHA256_HEX_LEN + 1])
{
    unsigned char d[SHA256_LEN];
    sha256_final(w->h, d);
    w->h = NULL;
    hex_encode(d, SHA256_LEN, hex);
    int rc = fsync(w->fd) < 0 ? -errno : 0;
    if (close(w->fd) < 0 && rc == 0) rc = -errno;
    w->fd = -1;
    char dir1[PATH_MAX], dir2[PATH_MAX], dst[PATH_MAX];
    snprintf(dir1, sizeof dir1, "%s/sha256/%.2s", w->bs->dir, hex);
    snprintf(dir2, sizeof dir2, "%s/sha256/%.2s/%.2s", w->bs->dir, hex, hex + 2);
    if (rc == 0) rc = blob_path(w->bs, hex, dst, sizeof dst);
    if (rc == 0) rc = mkdir_p1(dir1);
    if (rc == 0) rc = mkdir_p1(dir2);
    struct stat st;
    if (rc == 0 && stat(dst, &st) == 0 && st.st_size == (off_t)w->n) {
        unlink(w->tmp);                      /* the same content is stored already: keep one copy */
    } else if (rc == 0) {
        if (rename(w->tmp, dst) < 0) rc = -errno;
        /* The new name and the directories that hold it must reach the disk too. */
        if (rc == 0) rc = fsync_dir(dir2);
        if (rc == 0) rc = fsync_dir(dir1);
    }
    if (rc < 0) unlink(w->tmp);
    free(w);
    return rc;
}

void blob_abort(blob_writer_t *w)
{
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    unlink(w->tmp);
    if (w->h) {
        unsigned char d[SHA256_LEN];
        sha256_final(w->h, d);
    }
    free(w);
}

int blob_open_read(const blob_store_t *bs, const char *hex, int *fd, long long *size)
{
    char p[PATH_MAX];
    int rc = blob_path(bs, hex, p, sizeof p);
    if (rc < 0) return rc;
    int f = open(p, O_RDONLY | O_CLOEXEC);
    if (f < 0) return -errno;
    struct stat st;
    if (fstat(f, &st) < 0) {
        rc = -errno;
        close(f);
        return rc;
    }
    *fd = f;
    *size = (long long)st.st_size;
    return 0;
}

int blob_sweep_tmp(blob_store_t *bs, long long max_age_s)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/tmp", bs->dir);
    DIR *d = opendir(p);
    if (!d) return -errno;
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0) continue;
        char f[PATH_MAX];
        int n = snprintf(f, sizeof f, "%s/%s", p, e->d_name);
        if (n < 0 || (size_t)n >= sizeof f) continue;
        struct stat st;
        if (lstat(f, &st) == 0 && S_ISREG(st.st_mode) && (long long)(now - st.st_mtime) >= max_age_s &&
            unlink(f) == 0)
            removed++;
    }
    closedir(d);
    return removed;
}

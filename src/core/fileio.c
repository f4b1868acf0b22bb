/* fileio.c — whole small files (see fileio.h). */
#include "core/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, size_t max, buf_t *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = errno ? -errno : -EINVAL;
        close(fd);
        return S_ISDIR(st.st_mode) ? -EISDIR : e;
    }
    size_t total = 0;
    char chunk[16384];
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = -errno;
            break;
        }
        if (r == 0) break;
        if (total + (size_t)r > max) {
            rc = -EFBIG;
            break;
        }
        total += (size_t)r;
        if (buf_append(out, chunk, (size_t)r) < 0) {
            rc = -EFBIG;
            break;
        }
    }
    close(fd);
    return rc;
}

static int fsync_dir_of(const char *path)
{
    char copy[4096];
    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy) return -ENAMETOOLONG;
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return -errno;
    int rc = fsync(dfd) < 0 ? -errno : 0;
    close(dfd);
    return rc;
}

int file_write_atomic(const char *path, const void *p, size_t n, mode_t mode, int excl)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", path) >= (int)sizeof tmp) return -ENAMETOOLONG;
    if (excl && access(path, F_OK) == 0) return -EEXIST;
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = 0;
    const unsigned char *q = p;
    size_t left = n;
    while (left && !rc) {
        ssize_t w = write(fd, q, left);
        if (w < 0) {
            if (errno != EINTR) rc = -errno;
            continue;
        }
        q += w;
        left -= (size_t)w;
    }
    if (!rc && fchmod(fd, mode) < 0) rc = -errno;
    if (!rc && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && !rc) rc = -errno;
    /* excl: link() refuses an existing name atomically, where rename() would replace it. */
    if (!rc && excl) {
        if (link(tmp, path) < 0) rc = -errno;
        unlink(tmp);
    } else if (!rc && rename(tmp, path) < 0) {
        rc = -errno;
    }
    if (rc) {
        unlink(tmp);
        return rc;
    }
    return fsync_dir_of(path);
}

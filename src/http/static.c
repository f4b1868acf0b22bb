/* static.c — files of the web UI from app.web_dir, safely.
 *
 * Traversal is refused twice: any path with a "..", a backslash, a NUL or a hidden segment is 404 before touching
 * the disk, the last component is opened without following a symlink, and the opened file's real path (every
 * directory symlink on the way resolved, as the kernel names the open file) must lie under the web root's real
 * path, so no symlinked file or directory can lead out of it.
 * HTML is served "no-cache" (always revalidated); other assets are cacheable for an hour. Every file has an ETag
 * from its size and mtime, so revalidation costs a 304. */
#include "http/http.h"
#include "core/mem.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *content_type(const char *path)
{
    static const char *const map[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".json", "application/json; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".pdf", "application/pdf"},
    };
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(dot, map[i][0])) return map[i][1];
    return "application/octet-stream";
}

static bool path_is_safe(const char *p)
{
    if (p[0] != '/' || strlen(p) > 512) return false;
    if (strchr(p, '\\')) return false;
    for (const char *s = p; *s; s++) {
        if (s[0] == '/' && s[1] == '.') return false;     /* "..", ".hidden", "/./" */
        if ((unsigned char)*s < 0x20) return false;
    }
    return true;
}

/* The real path of the file fd has open (every directory symlink on the way resolved): the kernel's own name for
 * it, so a link swapped after the open cannot fool the check; realpath of the name where /proc is not mounted. */
static int opened_path(int fd, const char *name, char *out, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, cap - 1);
    if (n > 0 && (size_t)n < cap - 1) {
        out[n] = '\0';
        return 0;
    }
    char tmp[PATH_MAX];
    if (cap < sizeof tmp || !realpath(name, tmp)) return -ENOENT;
    memcpy(out, tmp, strlen(tmp) + 1);
    return 0;
}

static int not_found(req_t *r)
{
    return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
}

int static_serve(req_t *r)
{
    const char *root = r->app->web_dir;
    if (!root || !path_is_safe(r->path)) return not_found(r);
    char rel[600], full[PATH_MAX];
    snprintf(rel, sizeof rel, "%s", strcmp(r->path, "/") == 0 ? "/index.html" : r->path);
    if (snprintf(full, sizeof full, "%s%s", root, rel) >= (int)sizeof full) return not_found(r);
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return not_found(r);
    struct stat st;
    char real[PATH_MAX];
    size_t rl = strlen(root);
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || opened_path(fd, full, real, sizeof real) < 0 ||
        strncmp(real, root, rl) != 0 || real[rl] != '/') {
        close(fd);
        return not_found(r);
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec);
    const char *ct = content_type(rel);
    reply_header(r, "ETag", etag);
    reply_header(r, "Cache-Control", strncmp(ct, "text/html", 9) == 0 ? "no-cache" : "public, max-age=3600");
    const char *inm = req_header(r, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        return reply_status(r, 304);
    }
    r->status = 200;
    r->replied = true;
    r->content_type = ct;
    r->file_fd = fd;
    r->file_size = st.st_size;
    return 0;
}

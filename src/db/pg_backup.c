/* pg_backup.c — PostgreSQL driver: store_backup() through pg_dump in custom format, the password passed in the
 * environment, never on the command line (see pg.c for the whole driver). */
#include "db/pg_internal.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/rand.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- backup ---- */

/* Find an executable `name` along PATH (then the PostgreSQL 15 directory); 0 and the path in out, or -ENOENT. */
static int find_program(const char *name, char *out, size_t cap)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/lib/postgresql/15/bin", path && *path ? path : "/usr/bin:/bin");
    const char *p = dirs;
    while (*p) {
        const char *end = strchr(p, ':');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n > 0 && (size_t)snprintf(out, cap, "%.*s/%s", (int)n, p, name) < cap && access(out, X_OK) == 0)
            return 0;
        p += n;
        if (*p == ':') p++;
    }
    return -ENOENT;
}

/* The store's connection parameters as a conninfo string without the password, which goes to *password. */
static int conninfo_without_password(const char *url, buf_t *out, char **password)
{
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        PQfreemem(perr);
        return -EINVAL;
    }
    *password = NULL;
    int rc = 0;
    for (PQconninfoOption *o = opts; o->keyword && rc == 0; o++) {
        if (!o->val || !*o->val) continue;
        if (!strcmp(o->keyword, "password")) {
            *password = xstrdup(o->val);
            continue;
        }
        rc = buf_printf(out, "%s%s='", out->len ? " " : "", o->keyword);
        for (const char *v = o->val; *v && rc == 0; v++) {
            if (*v == '\'' || *v == '\\') rc = buf_putc(out, '\\');
            if (rc == 0) rc = buf_putc(out, *v);
        }
        if (rc == 0) rc = buf_putc(out, '\'');
    }
    PQconninfoFree(opts);
    return rc;
}

int pg_backup(store_t *st, const char *dest)
{
    pg_store_t *ps = (pg_store_t *)st;
    char prog[1024];
    if (find_program("pg_dump", prog, sizeof prog) < 0) {
        log_error("postgres: backup needs pg_dump, which is not installed");
        return -EIO;
    }
    buf_t conninfo;
    buf_init(&conninfo, 64 * 1024);
    char *password = NULL;
    if (conninfo_without_password(ps->url, &conninfo, &password) < 0) {
        buf_free(&conninfo);
        return -EINVAL;
    }
    char *dbarg = xmalloc(conninfo.len + 16);
    snprintf(dbarg, conninfo.len + 16, "--dbname=%s", conninfo.data);
    buf_free(&conninfo);

    /* The child's environment: ours, with PGPASSWORD replaced when the URL carries a password (argv is visible to
     * every local user through ps; the environment is not). Built before fork: the child only calls execve. */
    size_t nenv = 0;
    while (environ[nenv]) nenv++;
    char **envp = xcalloc(nenv + 2, sizeof *envp);
    size_t k = 0;
    for (size_t i = 0; i < nenv; i++)
        if (!(password && !strncmp(environ[i], "PGPASSWORD=", 11))) envp[k++] = environ[i];
    char *pwenv = NULL;
    if (password) {
        size_t n = strlen(password) + 12;
        pwenv = xmalloc(n);
        snprintf(pwenv, n, "PGPASSWORD=%s", password);
        envp[k++] = pwenv;
    }
    envp[k] = NULL;

    size_t dn = strlen(dest) + 8;
    char *filearg = xmalloc(dn);
    snprintf(filearg, dn, "--file=%s", dest);
    char *argv[] = {prog, "--format=custom", "--no-password", filearg, dbarg, NULL};

    int rc = -EIO;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = devnull < 0 ? -1 : fork();
    if (pid == 0) {
        dup2(devnull, 0);
        execve(prog, argv, envp);
        _exit(127);
    }
    if (devnull >= 0) close(devnull);
    if (pid > 0) {
        int status = 0;
        pid_t w;
        do w = waitpid(pid, &status, 0); while (w < 0 && errno == EINTR);
        if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) rc = 0;
        else if (w == pid && WIFEXITED(status))
            log_error("postgres: pg_dump of %s failed (exit status %d)", ps->target, WEXITSTATUS(status));
        else
            log_error("postgres: pg_dump of %s did not finish", ps->target);
    } else {
        log_error("postgres: cannot start pg_dump: %s", strerror(errno));
    }
    if (rc < 0) unlink(dest);

    if (pwenv) {
        explicit_bzero(pwenv, strlen(pwenv));
        free(pwenv);
    }
    if (password) {
        explicit_bzero(password, strlen(password));
        free(password);
    }
    free(envp);
    free(filearg);
    free(dbarg);
    return rc;
}

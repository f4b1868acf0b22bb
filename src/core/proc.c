/* proc.c — see proc.h. */
#include "core/proc.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PROC_AS_LIMIT  ((rlim_t)1 << 30)   /* address space of the child: 1 GiB */

static long long mono_ms(void) { return clock_mono_us() / 1000; }

/* Keep the first line of stderr, printable ASCII only (it ends up in a stored reason). */
static void keep_err(proc_result_t *res, size_t *n, const char *p, size_t len, bool *line_done)
{
    for (size_t i = 0; i < len && !*line_done; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n') {
            *line_done = *n > 0;
            continue;
        }
        if (*n + 1 >= sizeof res->err) {
            *line_done = true;
            break;
        }
        res->err[(*n)++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        res->err[*n] = '\0';
    }
}

int proc_capture(const char *const argv[], long long timeout_ms, size_t max_out, buf_t *out, proc_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->exit_status = -1;
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) < 0) return -errno;
    if (pipe2(pe, O_CLOEXEC) < 0) {
        int e = errno;
        close(po[0]);
        close(po[1]);
        return -e;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, po[1], 1);
    posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);             /* the server's threads block signals: the child must not */
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int src = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, &at, (char *const *)argv, environ)
                                   : posix_spawnp(&pid, argv[0], &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(po[1]);
    close(pe[1]);
    if (src != 0) {
        close(po[0]);
        close(pe[0]);
        return -src;
    }
    /* Bound what the child may take (set right after the start: the tool has not parsed anything yet). */
    long long cpu_s = timeout_ms / 1000 + 1;
    struct rlimit as = {PROC_AS_LIMIT, PROC_AS_LIMIT}, cpu = {(rlim_t)cpu_s, (rlim_t)cpu_s + 1};
    prlimit(pid, RLIMIT_AS, &as, NULL);
    prlimit(pid, RLIMIT_CPU, &cpu, NULL);

    long long deadline = mono_ms() + timeout_ms;
    struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    size_t errn = 0;
    bool err_done = false, kill_it = false;
    char chunk[16384];
    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        long long left = deadline - mono_ms();
        if (left <= 0) {
            res->timed_out = true;
            kill_it = true;
            break;
        }
        int pr = poll(pf, 2, (int)(left > 1000 ? 1000 : left));
        if (pr < 0 && errno == EINTR) continue;
        if (pr < 0) {
            kill_it = true;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            size_t want = sizeof chunk;
            if (i == 0 && max_out - (out->len < max_out ? out->len : max_out) < want)
                want = max_out > out->len ? max_out - out->len : 0;
            ssize_t n = want ? read(pf[i].fd, chunk, want) : 0;
            if (n < 0 && errno == EINTR) continue;
            if (i == 0 && want == 0) {
                res->truncated = true;
                kill_it = true;
            }
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                continue;
            }
            if (i == 0) {
                if (buf_append(out, chunk, (size_t)n) < 0) {
                    res->truncated = true;
                    kill_it = true;
                }
            } else keep_err(res, &errn, chunk, (size_t)n, &err_done);
        }
        if (kill_it) break;
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0) close(pf[i].fd);
    if (kill_it) kill(pid, SIGKILL);
    int status = 0;
    pid_t w;
    do w = waitpid(pid, &status, 0); while (w < 0 && errno == EINTR);
    if (w == pid && WIFEXITED(status) && !kill_it) res->exit_status = WEXITSTATUS(status);
    return 0;
}

/* proc.h — run a helper program as a child process and capture its output, bounded in time and size.
 *
 * For tools kept out of our binary on purpose (pdftotext: poppler never links into motcua). The child is started
 * with posix_spawn(3) — no shell, argv as given, every descriptor but 0/1/2 closed, standard input /dev/null — and
 * limited (address space, CPU seconds). Its standard output is read into a buffer up to max_out bytes: past that
 * the reading stops and the child is killed (the output is then "truncated", not an error). A child still running
 * at the deadline is killed (SIGKILL) and reaped. */
#ifndef MOTCUA_PROC_H
#define MOTCUA_PROC_H
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

typedef struct proc_result {
    int  exit_status;      /* the child's exit status (0..255), or -1 when it was killed or did not exit */
    bool timed_out;        /* killed at the deadline */
    bool truncated;        /* output reached max_out: reading stopped, the child was killed */
    char err[256];         /* the first line of its standard error (printable ASCII only), "" when none */
} proc_result_t;

/* Run argv[0] (searched on PATH when it has no '/') with argv, appending at most max_out bytes of its standard
 * output to out. 0 once the child ran (see res for how it ended), -ENOENT when the program cannot be started, or
 * another negative errno. */
int proc_capture(const char *const argv[], long long timeout_ms, size_t max_out, buf_t *out, proc_result_t *res);
#endif

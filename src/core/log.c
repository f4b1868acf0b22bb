/* log.c — single-write log lines (see log.h). */
#include "core/log.h"
#include "core/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

static log_level_t min_level = LOG_INFO;

void log_set_level(log_level_t lvl) { min_level = lvl; }
void log_set_quiet(int quiet) { min_level = quiet ? LOG_ERROR : LOG_INFO; }

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (lvl < min_level) return;
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    char ts[CLOCK_ISO_LEN];
    clock_iso_vn(clock_now_ms(), ts);
    int n = snprintf(line, sizeof line, "%s %s ", ts, names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* log.c — single-write log lines that cannot be split or forged (see log.h). */
#include "core/log.h"
#include "core/clock.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static log_level_t min_level = LOG_INFO;

void log_set_level(log_level_t lvl) { min_level = lvl; }
void log_set_quiet(int quiet) { min_level = quiet ? LOG_ERROR : LOG_INFO; }

static const char hexd[] = "0123456789abcdef";

/* Append src[0..n) to out at *len (cap bytes), writing control bytes (and with quotes, '"' and '\\') as \xNN.
 * Stops before a byte that would not fit; returns the number of input bytes written. */
static size_t put_escaped(char *out, size_t cap, size_t *len, const char *src, size_t n, bool quotes)
{
    size_t o = *len, i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        bool esc = c < 0x20 || c == 0x7f || (quotes && (c == '"' || c == '\\'));
        if (esc) {
            if (o + 4 >= cap) break;
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hexd[c >> 4];
            out[o++] = hexd[c & 15];
        } else {
            if (o + 1 >= cap) break;
            out[o++] = (char)c;
        }
    }
    *len = o;
    return i;
}

const char *log_esc(char *out, size_t cap, const char *s)
{
    if (!s) s = "-";
    size_t n = 0;
    while (n < LOG_ESC_MAX && s[n]) n++;
    size_t len = 0;
    size_t done = put_escaped(out, cap - 4, &len, s, n, true);
    if (s[done]) {                 /* cut: say so */
        out[len++] = '.';
        out[len++] = '.';
        out[len++] = '.';
    }
    out[len] = '\0';
    return out;
}

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (lvl < min_level) return;
    static const char *names[] = {"debug", "info", "warn", "error"};
    char msg[2048], line[2048];
    char ts[CLOCK_ISO_LEN];
    clock_iso_vn(clock_now_ms(), ts);
    int n = snprintf(line, sizeof line, "%s %s ", ts, names[lvl]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t mlen = m < 0 ? 0 : (size_t)m;
    if (mlen > sizeof msg - 1) mlen = sizeof msg - 1;
    size_t len = (size_t)n;
    put_escaped(line, sizeof line - 1, &len, msg, mlen, false);    /* one call, one line */
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* log.h — one-line logs to stderr: "2026-11-23T21:30:05+07:00 level message".
 *
 * Lines are written with a single write(2) so concurrent threads never interleave. Never pass secrets (passwords,
 * tokens, cookies) to these functions: the callers log names and ids only.
 *
 * A log line cannot be forged: log_msg writes every control byte of the formatted line (newline, CR, ESC, DEL...)
 * as \xNN, so one call is always one line; and every value that came from a request (path, user agent, user name,
 * anything a client chose) is passed through log_esc first, which also escapes '"' and '\\' so a value cannot close
 * the quoted field it sits in. */
#ifndef MOTCUA_LOG_H
#define MOTCUA_LOG_H
#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Longest value log_esc keeps (bytes of input); longer values end in "...". */
#define LOG_ESC_MAX 200
/* Room for an escaped value of LOG_ESC_MAX input bytes (4 output bytes per input byte, "...", NUL). */
#define LOG_ESC_CAP (4 * LOG_ESC_MAX + 4)

void log_set_level(log_level_t lvl);
void log_set_quiet(int quiet);        /* suppress everything below LOG_ERROR (used by CLI commands) */
void log_msg(log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Escape s (NULL gives "-") into out (cap bytes, at least 8): bytes < 0x20, 0x7f, '"' and '\\' become \xNN,
 * at most LOG_ESC_MAX input bytes are kept. Returns out, always NUL-terminated. */
const char *log_esc(char *out, size_t cap, const char *s);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#endif

/* log.h — one-line logs to stderr: "2026-11-23T21:30:05+07:00 level message".
 *
 * Lines are written with a single write(2) so concurrent threads never interleave. Never pass secrets (passwords,
 * tokens, cookies) to these functions: the callers log names and ids only. */
#ifndef MOTCUA_LOG_H
#define MOTCUA_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

void log_set_level(log_level_t lvl);
void log_set_quiet(int quiet);        /* suppress everything below LOG_ERROR (used by CLI commands) */
void log_msg(log_level_t lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
#endif

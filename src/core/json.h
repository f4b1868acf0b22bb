/* json.h — a small streaming JSON writer into a capped buf_t.
 *
 * The writer tracks nesting and commas itself, so callers just emit keys and values in order. Strings are checked
 * to be valid UTF-8 and escaped (including <, >, & and U+2028/2029 so output is safe to embed in HTML). The first
 * error (invalid UTF-8, buffer cap, nesting too deep) sticks in w->err and later calls do nothing; check
 * jw_finish() once at the end. Output is deterministic: the same calls give the same bytes, which the ledger
 * relies on for its canonical event form. */
#ifndef MOTCUA_JSON_H
#define MOTCUA_JSON_H
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

#define JW_MAX_DEPTH 32

typedef struct jw {
    buf_t        *b;
    int           depth;
    int           err;
    bool          need_comma[JW_MAX_DEPTH + 1];
    char          open_kind[JW_MAX_DEPTH + 1];   /* '{' or '[' per level, to catch mismatched closes */
    bool          after_key;
} jw_t;

void jw_init(jw_t *w, buf_t *b);
void jw_obj_begin(jw_t *w);
void jw_obj_end(jw_t *w);
void jw_arr_begin(jw_t *w);
void jw_arr_end(jw_t *w);
void jw_key(jw_t *w, const char *key);
void jw_str(jw_t *w, const char *s);           /* NULL writes null */
void jw_strn(jw_t *w, const char *s, size_t n);
void jw_int(jw_t *w, long long v);
void jw_double(jw_t *w, double v);
void jw_bool(jw_t *w, bool v);
void jw_null(jw_t *w);
void jw_raw(jw_t *w, const char *json, size_t n); /* an already-serialized JSON value, inserted as is */
int  jw_finish(const jw_t *w);                  /* 0, -EILSEQ (bad UTF-8), -E2BIG (cap) or -EINVAL (nesting) */

/* Key/value shorthands. */
void jw_kstr(jw_t *w, const char *key, const char *s);
void jw_kint(jw_t *w, const char *key, long long v);
void jw_kbool(jw_t *w, const char *key, bool v);

/* Append the JSON string literal for s[0..n) to b (quotes included). 0, -EILSEQ or -E2BIG. */
int json_escape(buf_t *b, const char *s, size_t n);
#endif

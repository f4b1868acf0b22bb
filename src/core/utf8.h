/* utf8.h — UTF-8 validation and Vietnamese search folding.
 *
 * Folding maps text to the form used for search keys: NFD-decomposed, combining marks removed, case-folded, and
 * đ/Đ mapped to d (they have no Unicode decomposition, so NFD alone leaves them). "Đồng Nai" folds to "dong nai". */
#ifndef MOTCUA_UTF8_H
#define MOTCUA_UTF8_H
#include <stdbool.h>
#include <stddef.h>

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF) with no NUL. */
bool utf8_valid(const char *s, size_t n);

/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s, size_t n);

/* The folded form of s[0..n) in a new malloc'd string; NULL when s is not valid UTF-8. */
char *utf8_fold(const char *s, size_t n);
#endif

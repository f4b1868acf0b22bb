/* domain.h — what every domain module shares: the validation-error record returned beside -EINVAL & co.
 *
 * Domain functions validate their inputs themselves (the API layer only checks JSON shape), and describe a
 * refusal in a derr_t: which field, which catalog message, and up to three arguments, so the HTTP layer can
 * answer with a problem naming the field in both languages without knowing the rule. */
#ifndef MOTCUA_DOMAIN_H
#define MOTCUA_DOMAIN_H
#include "core/msg.h"

typedef struct derr {
    int      status;        /* HTTP status to use: 400 bad value, 409 conflict, 412 stale, 422 rule, 404 */
    msg_id_t msg;
    char     field[48];
    char     arg[3][128];
} derr_t;

/* Fill e and return rc (a negative errno), for one-line refusals: return derr_set(e, -EINVAL, 400, ...). */
int derr_set(derr_t *e, int rc, int status, msg_id_t msg, const char *field, const char *a0, const char *a1,
             const char *a2);

/* The Vietnamese-folded, lowercase form of a search text, as a LIKE pattern "%...%" with % and _ escaped by \.
 * Returns a malloc'd string, or NULL when q is NULL or empty. */
char *domain_like_pattern(const char *q);

/* s, or NULL when s is NULL or empty: optional text columns store NULL, never ''. */
static inline const char *domain_nz(const char *s) { return s && *s ? s : NULL; }
#endif

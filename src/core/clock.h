/* clock.h — wall and monotonic time, and ISO 8601 in Vietnam time.
 *
 * Stored instants are milliseconds since the Unix epoch (UTC). Vietnam has had no DST since 1975: local time is
 * always UTC+7, so formatting needs no tz database. A test hook can offset the wall clock (MOTCUA_CLOCK_OFFSET_MS)
 * so expiry rules are testable without sleeping. */
#ifndef MOTCUA_CLOCK_H
#define MOTCUA_CLOCK_H
#include <stddef.h>

#define VN_OFFSET_MS (7LL * 3600 * 1000)
#define CLOCK_ISO_LEN 30

long long clock_now_ms(void);        /* wall clock, UTC ms */
long long clock_mono_us(void);       /* monotonic microseconds */
/* "2026-11-23T21:30:05+07:00" into out (CLOCK_ISO_LEN bytes). */
void clock_iso_vn(long long utc_ms, char out[CLOCK_ISO_LEN]);
#endif

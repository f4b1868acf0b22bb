/* clock.c — time sources and ISO 8601 formatting (see clock.h). */
#include "core/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* MOTCUA_CLOCK_OFFSET_MS moves the wall clock (tests of expiry and deadlines); read once. */
static long long offset_ms;
static pthread_once_t offset_once = PTHREAD_ONCE_INIT;

static void offset_init(void)
{
    const char *e = getenv("MOTCUA_CLOCK_OFFSET_MS");
    if (!e || !*e) return;
    char *end;
    errno = 0;
    long long v = strtoll(e, &end, 10);
    if (errno == 0 && *end == '\0') offset_ms = v;
}

long long clock_now_ms(void)
{
    pthread_once(&offset_once, offset_init);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + offset_ms;
}

long long clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Two digits of v (< 100) at p. */
static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10);
    p[1] = (char)('0' + v % 10);
}

/* By arithmetic on days (the proleptic Gregorian calendar, as gmtime) rather than gmtime_r + snprintf, which were
 * 2,000 instructions per instant: a public lookup formats eight of them. Same digits as before (year modulo 10000). */
void clock_iso_vn(long long utc_ms, char out[CLOCK_ISO_LEN])
{
    long long local = utc_ms + VN_OFFSET_MS;
    long long secs = local / 1000 - (local % 1000 < 0);     /* floor, also before 1970 */
    long long days = secs / 86400 - (secs % 86400 < 0);
    unsigned sod = (unsigned)(secs - days * 86400);
    /* The civil date of a day count: eras of 400 years (146097 days) from 0000-03-01, years starting in March. */
    long long z = days + 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                            /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;   /* [0, 399] */
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                 /* [0, 365] */
    unsigned mp = (5 * doy + 2) / 153;                                      /* March = 0 */
    unsigned mday = doy - (153 * mp + 2) / 5 + 1, mon = mp < 10 ? mp + 3 : mp - 9;
    long long year = (long long)yoe + era * 400 + (mon <= 2);
    unsigned y = (unsigned)year % 10000u;
    static const char form[] = "0000-00-00T00:00:00+07:00";
    _Static_assert(sizeof form <= CLOCK_ISO_LEN, "CLOCK_ISO_LEN");
    memcpy(out, form, sizeof form);
    put2(out, y / 100);
    put2(out + 2, y % 100);
    put2(out + 5, mon);
    put2(out + 8, mday);
    put2(out + 11, sod / 3600);
    put2(out + 14, sod / 60 % 60);
    put2(out + 17, sod % 60);
}

/* clock.c — time sources and ISO 8601 formatting (see clock.h). */
#include "core/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

void clock_iso_vn(long long utc_ms, char out[CLOCK_ISO_LEN])
{
    long long local = utc_ms + VN_OFFSET_MS;
    long long secs = local / 1000 - (local % 1000 < 0);     /* floor, also before 1970 */
    time_t t = (time_t)secs;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, CLOCK_ISO_LEN, "%04u-%02u-%02uT%02u:%02u:%02u+07:00", (unsigned)(tm.tm_year + 1900) % 10000u,
             (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
             (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u);
}

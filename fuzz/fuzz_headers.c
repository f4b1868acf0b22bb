/* fuzz_headers.c — libFuzzer target: the small parsers of request text: Accept-Language and the legal clock's
 * instant syntax (YYYY-MM-DDTHH:MM) used by the CLI and the calendar API, and clock_iso_vn against gmtime_r. Any input:
 * a defined answer, no crash. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <time.h>

#include "core/clock.h"
#include "core/msg.h"
#include "domain/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    lang_t l = msg_lang_from_header(s);
    assert(l == LANG_VI || l == LANG_EN);
    long instant = 0;
    if (calendar_instant_parse(s, &instant) == 0) {
        char back[32];
        assert(calendar_instant_format(instant, back, sizeof back) == 0);
        long again = 0;
        assert(calendar_instant_parse(back, &again) == 0 && again == instant);
    }
    /* clock_iso_vn (day arithmetic) against gmtime_r + snprintf, the code it replaced, for any instant of years
     * 0001..9999 (UTC+7; the year modulo 10000 as before). */
    if (size >= 8) {
        long long ms;
        memcpy(&ms, data, sizeof ms);
        const long long lo = -62135596800000LL, span = 315537897600000LL;   /* 0001-01-01 .. 9999-12-31 */
        ms = lo + (long long)((unsigned long long)ms % (unsigned long long)span);
        char got[CLOCK_ISO_LEN], want[64];
        clock_iso_vn(ms, got);
        long long local = ms + 7LL * 3600 * 1000;
        time_t t = (time_t)(local / 1000 - (local % 1000 < 0));
        struct tm tm;
        assert(gmtime_r(&t, &tm));
        snprintf(want, sizeof want, "%04u-%02u-%02uT%02u:%02u:%02u+07:00", (unsigned)(tm.tm_year + 1900) % 10000u,
                 (unsigned)(tm.tm_mon + 1), (unsigned)tm.tm_mday, (unsigned)tm.tm_hour, (unsigned)tm.tm_min,
                 (unsigned)tm.tm_sec);
        assert(strlen(got) < CLOCK_ISO_LEN && strcmp(got, want) == 0);
    }
    free(s);
    return 0;
}

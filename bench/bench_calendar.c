/* bench_calendar.c — throughput of calendar_due() on one core.
 *
 * Builds the default calendar (statutory rules + shipped decisions, 07:30–11:30 / 13:30–17:30), prepares a
 * table of varied inputs (instants spread over 2025–2027 at odd minutes, all three rules, 0.25 to 30 working
 * days), then times at least 10 million calls with clock_gettime(CLOCK_MONOTONIC). A checksum of the results
 * is printed so the calls cannot be optimised away. Target: >= 5 M ops/s. */
#include "domain/calendar.h"
#include "domain/holiday.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_INPUTS 4096u /* power of two: index with a mask */
#define BENCH_OPS 20000000L

typedef struct bench_input {
    long from;
    long work;
    due_rule_t rule;
} bench_input_t;

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
    holiday_set_t *set;
    calendar_t *cal;
    if (holiday_set_new(&set, HOLIDAY_DEFAULT) < 0 || calendar_open(&cal, set, NULL) < 0) {
        fputs("bench_calendar: cannot build the calendar\n", stderr);
        return 1;
    }
    static bench_input_t in[BENCH_INPUTS];
    long start;
    calendar_instant_from_parts(2025, 1, 1, 0, 0, &start);
    static const long works[] = { 120, 240, 480, 960, 1440, 2400, 4800, 7200, 14400 };
    unsigned seed = 12345u;
    for (unsigned i = 0; i < BENCH_INPUTS; i++) {
        seed = seed * 1103515245u + 12345u;
        long offset = (long)((seed >> 8) % (3u * 365u * 1440u)); /* any minute of 2025–2027 */
        in[i].from = start + offset;
        in[i].work = works[(seed >> 4) % (sizeof works / sizeof works[0])];
        in[i].rule = (due_rule_t)((seed >> 2) % 3u);
    }
    double t0 = bench_now();
    long sum = 0, failures = 0;
    for (long n = 0; n < BENCH_OPS; n++) {
        const bench_input_t *p = &in[(unsigned long)n & (BENCH_INPUTS - 1)];
        long due;
        if (calendar_due(cal, p->from + (n >> 12), p->rule, p->work, &due) == 0)
            sum += due & 0xff;
        else
            failures++;
    }
    double secs = bench_now() - t0;
    printf("calendar_due: %ld ops in %.3f s = %.1f M ops/s\n", BENCH_OPS, secs, (double)BENCH_OPS / secs / 1e6);
    printf("checksum %ld, failures %ld\n", sum, failures);
    calendar_close(cal);
    holiday_set_free(set);
    return failures ? 1 : 0;
}

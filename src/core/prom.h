/* prom.h — the Prometheus text exposition format (version 0.0.4) and a lock-free latency histogram.
 *
 * A prom_hist_t is a fixed array of atomic counters, one per bucket (not cumulative) plus an overflow bucket,
 * and the sum in microseconds: observing a value is one comparison walk over PROM_HIST_BUCKETS integer bounds
 * and two relaxed atomic additions, no lock and no floating point, so the HTTP workers can record every request.
 * The cumulative _bucket series, _sum (seconds) and _count are computed when the histogram is written, from one
 * read of each bucket, so a scrape's _count always equals its le="+Inf" bucket.
 * Label values are escaped as the format asks (backslash, double quote, line feed); HELP text too (backslash,
 * line feed). Callers never put a client's string into a label: only fixed strings of the program. */
#ifndef MOTCUA_PROM_H
#define MOTCUA_PROM_H
#include <stdatomic.h>

#include "core/buf.h"

/* Upper bounds in microseconds: 0.5 ms .. 10 s. */
#define PROM_HIST_BUCKETS 14
extern const long long prom_hist_bounds_us[PROM_HIST_BUCKETS];

typedef struct prom_hist {
    _Atomic unsigned long long n[PROM_HIST_BUCKETS + 1];   /* [i]: values <= bounds[i] and > bounds[i-1]; last: > */
    _Atomic unsigned long long sum_us;
} prom_hist_t;

/* Count one value of us microseconds (negative counts as 0). */
void prom_hist_observe(prom_hist_t *h, long long us);

/* "# HELP name help" and "# TYPE name type" (type: counter, gauge, histogram). */
void prom_family(buf_t *b, const char *name, const char *type, const char *help);
/* Append key="value" to a label list being built in b (a comma first when b is not empty), value escaped. */
void prom_label(buf_t *b, const char *key, const char *value);
/* One sample line: name{labels} value. labels is a list built with prom_label (NULL or "" for none). */
void prom_sample_u(buf_t *b, const char *name, const char *labels, unsigned long long v);
void prom_sample_d(buf_t *b, const char *name, const char *labels, double v);
/* name_bucket{labels,le="..."} (cumulative, then le="+Inf"), name_sum{labels} in seconds, name_count{labels}. */
void prom_hist_write(buf_t *b, const char *name, const char *labels, const prom_hist_t *h);
#endif

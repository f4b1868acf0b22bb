/* prom.c — the Prometheus text exposition format and the lock-free histogram (see prom.h). */
#include "core/prom.h"

#include <stdio.h>
#include <string.h>

const long long prom_hist_bounds_us[PROM_HIST_BUCKETS] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
/* The same bounds as the le label writes them (seconds, shortest exact form). */
static const char *const bound_text[PROM_HIST_BUCKETS] = {
    "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

void prom_hist_observe(prom_hist_t *h, long long us)
{
    if (us < 0) us = 0;
    int i = 0;
    while (i < PROM_HIST_BUCKETS && us > prom_hist_bounds_us[i]) i++;
    atomic_fetch_add_explicit(&h->n[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)us, memory_order_relaxed);
}

/* text with '\\' and '\n' escaped, and '"' too when quote (label values; HELP keeps quotes as they are). */
static void put_escaped(buf_t *b, const char *s, int quote)
{
    for (; *s; s++) {
        if (*s == '\\') buf_puts(b, "\\\\");
        else if (*s == '\n') buf_puts(b, "\\n");
        else if (*s == '"' && quote) buf_puts(b, "\\\"");
        else buf_putc(b, *s);
    }
}

void prom_family(buf_t *b, const char *name, const char *type, const char *help)
{
    buf_printf(b, "# HELP %s ", name);
    put_escaped(b, help, 0);
    buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

void prom_label(buf_t *b, const char *key, const char *value)
{
    if (b->len) buf_putc(b, ',');
    buf_printf(b, "%s=\"", key);
    put_escaped(b, value ? value : "", 1);
    buf_putc(b, '"');
}

static void sample_head(buf_t *b, const char *name, const char *suffix, const char *labels, const char *le)
{
    buf_puts(b, name);
    if (suffix) buf_puts(b, suffix);
    int has = labels && *labels;
    if (has || le) {
        buf_putc(b, '{');
        if (has) buf_puts(b, labels);
        if (le) buf_printf(b, "%sle=\"%s\"", has ? "," : "", le);
        buf_putc(b, '}');
    }
    buf_putc(b, ' ');
}

void prom_sample_u(buf_t *b, const char *name, const char *labels, unsigned long long v)
{
    sample_head(b, name, NULL, labels, NULL);
    buf_printf(b, "%llu\n", v);
}

void prom_sample_d(buf_t *b, const char *name, const char *labels, double v)
{
    sample_head(b, name, NULL, labels, NULL);
    buf_printf(b, "%.6f\n", v);
}

void prom_hist_write(buf_t *b, const char *name, const char *labels, const prom_hist_t *h)
{
    unsigned long long n[PROM_HIST_BUCKETS + 1], cum = 0;
    for (int i = 0; i <= PROM_HIST_BUCKETS; i++)
        n[i] = atomic_load_explicit(&((prom_hist_t *)h)->n[i], memory_order_relaxed);
    unsigned long long sum = atomic_load_explicit(&((prom_hist_t *)h)->sum_us, memory_order_relaxed);
    for (int i = 0; i < PROM_HIST_BUCKETS; i++) {
        cum += n[i];
        sample_head(b, name, "_bucket", labels, bound_text[i]);
        buf_printf(b, "%llu\n", cum);
    }
    cum += n[PROM_HIST_BUCKETS];
    sample_head(b, name, "_bucket", labels, "+Inf");
    buf_printf(b, "%llu\n", cum);
    sample_head(b, name, "_sum", labels, NULL);
    buf_printf(b, "%llu.%06llu\n", sum / 1000000, sum % 1000000);
    sample_head(b, name, "_count", labels, NULL);
    buf_printf(b, "%llu\n", cum);
}

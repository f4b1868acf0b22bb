/* holiday.c — statutory holidays (Labour Code 2019 art. 112), the shipped 2025/2026 decisions, and a runtime
 * set of entries that a province's administrator edits.
 *
 * Invariants: every entry stored in a set has a valid Gregorian date within 1900..2199 and owns copies of its
 * strings; decided[y] is 1 exactly when the set holds a HOLIDAY_DAY_OFF entry of year y. Rule generation is
 * deterministic: the same set and year always resolve to the same sorted list. */
#include "domain/holiday.h"
#include "core/mem.h"

#include "domain/lunar.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HOLIDAY_YEARS (LUNAR_MAX_YEAR - LUNAR_MIN_YEAR + 1)
#define HOLIDAY_NAME_MAX 512 /* bytes of a name or source, without the terminator */
#define HOLIDAY_RULE_MAX 32  /* statutory days of one year, compensation included, with room to spare */
#define HOLIDAY_STATUTORY_EXTRA_MAX 8

#define SRC_LC_112 "Bộ luật Lao động 2019, Điều 112 khoản 1"
#define SRC_LC_111 "Bộ luật Lao động 2019, Điều 111 khoản 3 (nghỉ bù)"
#define SRC_LC2012 "Bộ luật Lao động 2012, Điều 115 (áp dụng 2013–2020)"
#define SRC_LC2007 "Luật sửa đổi Bộ luật Lao động 2007, Điều 73 (áp dụng trước 2013)"

typedef struct holiday_statutory {
    int month, day, from_year;
    char *name_vi, *name_en, *source;
} holiday_statutory_t;

struct holiday_set {
    unsigned flags;
    holiday_entry_t *items; /* owned entries, strings owned */
    size_t count, cap;
    holiday_statutory_t extra[HOLIDAY_STATUTORY_EXTRA_MAX];
    size_t extra_count;
    unsigned char decided[HOLIDAY_YEARS];
};

/* The shipped decisions. Each entry names the text that fixes it; facts checked against the government's
 * announcements as reported by the press (see docs/legal-clock.md for the links). */
static const holiday_entry_t holiday_builtin_table[] = {
    /* 2025 */
    { 2025, 1, 1, HOLIDAY_DAY_OFF, "Tết Dương lịch", "New Year's Day", SRC_LC_112 " điểm a" },
    { 2025, 1, 27, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024 (28 tháng Chạp – mùng 3 Tết Ất Tỵ)" },
    { 2025, 1, 28, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024" },
    { 2025, 1, 29, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024" },
    { 2025, 1, 30, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024" },
    { 2025, 1, 31, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024" },
    { 2025, 4, 7, HOLIDAY_DAY_OFF, "Giỗ Tổ Hùng Vương", "Hung Kings' Commemoration Day", SRC_LC_112 " điểm d" },
    { 2025, 4, 26, HOLIDAY_WORKING_DAY, "Làm bù cho ngày 02/5", "Make-up working Saturday for 2 May",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024 (hoán đổi 02/5 sang 26/4)" },
    { 2025, 4, 30, HOLIDAY_DAY_OFF, "Ngày Chiến thắng", "Reunification Day", SRC_LC_112 " điểm c" },
    { 2025, 5, 1, HOLIDAY_DAY_OFF, "Ngày Quốc tế lao động", "International Labour Day", SRC_LC_112 " điểm c" },
    { 2025, 5, 2, HOLIDAY_DAY_OFF, "Nghỉ hoán đổi (làm bù 26/4)", "Swapped day off (worked on 26 April)",
      "Công văn 8726/VPCP-KGVX ngày 26/11/2024 (hoán đổi 02/5 sang 26/4)" },
    { 2025, 9, 1, HOLIDAY_DAY_OFF, "Quốc khánh (ngày liền kề)", "National Day (adjacent day)",
      SRC_LC_112 " điểm đ; Bộ Nội vụ thông báo lịch nghỉ Quốc khánh 2025 (30/8–02/9)" },
    { 2025, 9, 2, HOLIDAY_DAY_OFF, "Quốc khánh", "National Day", SRC_LC_112 " điểm đ" },
    /* 2026 */
    { 2026, 1, 1, HOLIDAY_DAY_OFF, "Tết Dương lịch", "New Year's Day", SRC_LC_112 " điểm a" },
    { 2026, 1, 2, HOLIDAY_DAY_OFF, "Nghỉ hoán đổi (làm bù 10/01)", "Swapped day off (worked on 10 January)",
      "Công văn 12729/VPCP-KGVX ngày 25/12/2025 (hoán đổi 02/01 sang 10/01)" },
    { 2026, 1, 10, HOLIDAY_WORKING_DAY, "Làm bù cho ngày 02/01", "Make-up working Saturday for 2 January",
      "Công văn 12729/VPCP-KGVX ngày 25/12/2025 (hoán đổi 02/01 sang 10/01)" },
    { 2026, 2, 16, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)",
      "Thông báo 9441/TB-BNV ngày 16/10/2025 (29 tháng Chạp – mùng 4 Tết Bính Ngọ)" },
    { 2026, 2, 17, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)", "Thông báo 9441/TB-BNV ngày 16/10/2025" },
    { 2026, 2, 18, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)", "Thông báo 9441/TB-BNV ngày 16/10/2025" },
    { 2026, 2, 19, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)", "Thông báo 9441/TB-BNV ngày 16/10/2025" },
    { 2026, 2, 20, HOLIDAY_DAY_OFF, "Tết Nguyên đán", "Lunar New Year (Tết)", "Thông báo 9441/TB-BNV ngày 16/10/2025" },
    { 2026, 4, 26, HOLIDAY_DAY_OFF, "Giỗ Tổ Hùng Vương", "Hung Kings' Commemoration Day", SRC_LC_112 " điểm d" },
    { 2026, 4, 27, HOLIDAY_DAY_OFF, "Nghỉ bù Giỗ Tổ Hùng Vương", "Compensatory day off for Hung Kings' Day",
      SRC_LC_111 "; 26/4/2026 là Chủ nhật" },
    { 2026, 4, 30, HOLIDAY_DAY_OFF, "Ngày Chiến thắng", "Reunification Day", SRC_LC_112 " điểm c" },
    { 2026, 5, 1, HOLIDAY_DAY_OFF, "Ngày Quốc tế lao động", "International Labour Day", SRC_LC_112 " điểm c" },
    { 2026, 8, 22, HOLIDAY_WORKING_DAY, "Làm bù cho ngày 31/8", "Make-up working Saturday for 31 August",
      "Thông báo 9441/TB-BNV ngày 16/10/2025 (hoán đổi 31/8 sang 22/8)" },
    { 2026, 8, 31, HOLIDAY_DAY_OFF, "Nghỉ hoán đổi (làm bù 22/8)", "Swapped day off (worked on 22 August)",
      "Thông báo 9441/TB-BNV ngày 16/10/2025 (hoán đổi 31/8 sang 22/8)" },
    { 2026, 9, 1, HOLIDAY_DAY_OFF, "Quốc khánh (ngày liền kề)", "National Day (adjacent day)",
      "Thông báo 9441/TB-BNV ngày 16/10/2025" },
    { 2026, 9, 2, HOLIDAY_DAY_OFF, "Quốc khánh", "National Day", "Thông báo 9441/TB-BNV ngày 16/10/2025" },
};

const holiday_entry_t *holiday_builtin(size_t *count)
{
    if (count)
        *count = sizeof holiday_builtin_table / sizeof holiday_builtin_table[0];
    return holiday_builtin_table;
}

/* A bounded copy of a NUL-terminated string; NULL stays NULL. Aborts on out-of-memory. */
static int holiday_strdup(const char *s, char **out)
{
    *out = NULL;
    if (!s)
        return 0;
    size_t n = strnlen(s, HOLIDAY_NAME_MAX + 1);
    if (n > HOLIDAY_NAME_MAX)
        return -EINVAL;
    *out = xstrndup(s, n);
    return 0;
}

int holiday_set_new(holiday_set_t **out, unsigned flags)
{
    if (!out || (flags & ~HOLIDAY_DEFAULT))
        return -EINVAL;
    holiday_set_t *s = xcalloc(1, sizeof *s);
    s->flags = flags;
    if (flags & HOLIDAY_BUILTIN) {
        size_t n;
        const holiday_entry_t *t = holiday_builtin(&n);
        for (size_t i = 0; i < n; i++) {
            int rc = holiday_set_add(s, &t[i]);
            if (rc < 0) {
                holiday_set_free(s);
                return rc;
            }
        }
    }
    *out = s;
    return 0;
}

void holiday_set_free(holiday_set_t *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free((char *)set->items[i].name_vi);
        free((char *)set->items[i].name_en);
        free((char *)set->items[i].source);
    }
    for (size_t i = 0; i < set->extra_count; i++) {
        free(set->extra[i].name_vi);
        free(set->extra[i].name_en);
        free(set->extra[i].source);
    }
    free(set->items);
    free(set);
}

int holiday_set_add(holiday_set_t *set, const holiday_entry_t *e)
{
    if (!set || !e || !e->name_vi || e->name_vi[0] == '\0')
        return -EINVAL;
    if (e->kind != HOLIDAY_DAY_OFF && e->kind != HOLIDAY_WORKING_DAY && e->kind != HOLIDAY_EXTRA_DAY_OFF)
        return -EINVAL;
    int rc = lunar_solar_valid(e->year, e->month, e->day);
    if (rc < 0)
        return rc;
    holiday_entry_t copy = { e->year, e->month, e->day, e->kind, NULL, NULL, NULL };
    char *vi, *en, *src;
    if ((rc = holiday_strdup(e->name_vi, &vi)) < 0)
        return rc;
    if ((rc = holiday_strdup(e->name_en, &en)) < 0) {
        free(vi);
        return rc;
    }
    if ((rc = holiday_strdup(e->source, &src)) < 0) {
        free(vi);
        free(en);
        return rc;
    }
    copy.name_vi = vi;
    copy.name_en = en;
    copy.source = src;
    if (set->count == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        set->items = xrealloc(set->items, cap * sizeof *set->items);
        set->cap = cap;
    }
    set->items[set->count++] = copy;
    if (e->kind == HOLIDAY_DAY_OFF)
        set->decided[e->year - LUNAR_MIN_YEAR] = 1;
    return 0;
}

int holiday_set_add_statutory(holiday_set_t *set, int month, int day, int from_year, const char *name_vi,
                              const char *name_en, const char *source)
{
    if (!set || !name_vi || name_vi[0] == '\0')
        return -EINVAL;
    /* 2000 is a leap year, so 29/2 passes here; such a day is skipped in years that lack it. */
    int rc = lunar_solar_valid(2000, month, day);
    if (rc < 0)
        return rc;
    if (from_year < LUNAR_MIN_YEAR || from_year > LUNAR_MAX_YEAR)
        return -ERANGE;
    if (set->extra_count == HOLIDAY_STATUTORY_EXTRA_MAX)
        return -ENOMEM;
    holiday_statutory_t st = { month, day, from_year, NULL, NULL, NULL };
    if ((rc = holiday_strdup(name_vi, &st.name_vi)) < 0 || (rc = holiday_strdup(name_en, &st.name_en)) < 0
        || (rc = holiday_strdup(source, &st.source)) < 0) {
        free(st.name_vi);
        free(st.name_en);
        free(st.source);
        return rc;
    }
    set->extra[set->extra_count++] = st;
    return 0;
}

int holiday_set_is_decided(const holiday_set_t *set, int year)
{
    if (!set || year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR)
        return 0;
    return set->decided[year - LUNAR_MIN_YEAR];
}

/* ---- statutory rules ---------------------------------------------------------------------------------- */

typedef struct holiday_rule_day {
    long jdn;
    const char *name_vi, *name_en, *source;
    const char *comp_vi, *comp_en; /* name of the compensatory day if this one falls on a weekend */
} holiday_rule_day_t;

typedef struct holiday_rule_list {
    holiday_rule_day_t d[HOLIDAY_RULE_MAX];
    size_t n;
} holiday_rule_list_t;

static void holiday_rule_push(holiday_rule_list_t *l, long jdn, const char *vi, const char *en, const char *src,
                              const char *comp_vi, const char *comp_en)
{
    if (l->n == HOLIDAY_RULE_MAX)
        abort(); /* the rules of one year never come near the bound */
    holiday_rule_day_t *r = &l->d[l->n++];
    r->jdn = jdn;
    r->name_vi = vi;
    r->name_en = en;
    r->source = src;
    r->comp_vi = comp_vi;
    r->comp_en = comp_en;
}

static int holiday_rule_has(const holiday_rule_list_t *l, long jdn)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->d[i].jdn == jdn)
            return 1;
    return 0;
}

static int holiday_rule_cmp(const void *a, const void *b)
{
    long x = ((const holiday_rule_day_t *)a)->jdn, y = ((const holiday_rule_day_t *)b)->jdn;
    return (x > y) - (x < y);
}

/* The statutory days off of `year` and their compensatory days, in date order. */
static int holiday_rules_year(const holiday_set_t *set, int year, holiday_rule_list_t *l)
{
    l->n = 0;
    const char *src_tet = year >= 2021 ? SRC_LC_112 " điểm b" : (year >= 2013 ? SRC_LC2012 : SRC_LC2007);
    const char *src_fixed = year >= 2021 ? SRC_LC_112 : (year >= 2013 ? SRC_LC2012 : SRC_LC2007);
    const char *comp_src = SRC_LC_111;

    holiday_rule_push(l, lunar_jdn_from_ymd(year, 1, 1), "Tết Dương lịch", "New Year's Day", src_fixed,
                      "Nghỉ bù Tết Dương lịch", "Compensatory day off for New Year's Day");

    /* Tết: the last day of the old lunar year and the first days of the new one (5 days in all from 2013,
     * 4 before). The year's decision usually places them; this is the default when it does not. */
    lunar_date_t tet = { year, 1, 1, 0 };
    int y, m, d;
    int rc = lunar_to_solar(&tet, &y, &m, &d);
    if (rc < 0)
        return rc;
    long t = lunar_jdn_from_ymd(y, m, d);
    int after = year >= 2013 ? 4 : 3;
    for (long j = t - 1; j < t + after; j++)
        holiday_rule_push(l, j, "Tết Nguyên đán", "Lunar New Year (Tết)", src_tet, "Nghỉ bù Tết Nguyên đán",
                          "Compensatory day off for Tết");

    if (year >= 2007) {
        lunar_date_t hk = { year, 3, 10, 0 };
        if ((rc = lunar_to_solar(&hk, &y, &m, &d)) < 0)
            return rc;
        holiday_rule_push(l, lunar_jdn_from_ymd(y, m, d), "Giỗ Tổ Hùng Vương", "Hung Kings' Commemoration Day",
                          src_fixed, "Nghỉ bù Giỗ Tổ Hùng Vương", "Compensatory day off for Hung Kings' Day");
    }
    holiday_rule_push(l, lunar_jdn_from_ymd(year, 4, 30), "Ngày Chiến thắng", "Reunification Day", src_fixed,
                      "Nghỉ bù Ngày Chiến thắng", "Compensatory day off for Reunification Day");
    holiday_rule_push(l, lunar_jdn_from_ymd(year, 5, 1), "Ngày Quốc tế lao động", "International Labour Day",
                      src_fixed, "Nghỉ bù Ngày Quốc tế lao động", "Compensatory day off for Labour Day");
    long nd = lunar_jdn_from_ymd(year, 9, 2);
    holiday_rule_push(l, nd, "Quốc khánh", "National Day", src_fixed, "Nghỉ bù Quốc khánh",
                      "Compensatory day off for National Day");
    if (year >= 2021) {
        /* Art. 112(1)(đ): 2/9 and one day before or after. Default choice: the side that joins a weekend,
         * Tuesday or Wednesday → the day before (Mon/Tue), as decided in 2025 and 2026. */
        static const int side[7] = { +1, -1, -1, +1, -1, -1, +1 }; /* by weekday of 2/9, Monday first */
        holiday_rule_push(l, nd + side[lunar_weekday(nd)], "Quốc khánh (ngày liền kề)",
                          "National Day (adjacent day)", SRC_LC_112 " điểm đ", "Nghỉ bù Quốc khánh",
                          "Compensatory day off for National Day");
    }
    for (size_t i = 0; i < set->extra_count; i++) {
        const holiday_statutory_t *st = &set->extra[i];
        if (year < st->from_year || lunar_solar_valid(year, st->month, st->day) < 0)
            continue;
        holiday_rule_push(l, lunar_jdn_from_ymd(year, st->month, st->day), st->name_vi,
                          st->name_en ? st->name_en : st->name_vi, st->source ? st->source : "", st->name_vi,
                          st->name_en ? st->name_en : st->name_vi);
    }
    qsort(l->d, l->n, sizeof l->d[0], holiday_rule_cmp);

    /* Art. 111(3): a holiday on the weekly rest day (Saturday, Sunday) moves to the next working day. */
    size_t statutory = l->n;
    for (size_t i = 0; i < statutory; i++) {
        if (lunar_weekday(l->d[i].jdn) < 5)
            continue;
        long c = l->d[i].jdn + 1;
        while (lunar_weekday(c) >= 5 || holiday_rule_has(l, c))
            c++;
        holiday_rule_push(l, c, l->d[i].comp_vi, l->d[i].comp_en, comp_src, l->d[i].comp_vi, l->d[i].comp_en);
    }
    qsort(l->d, l->n, sizeof l->d[0], holiday_rule_cmp);
    return 0;
}

static int holiday_entry_cmp(const void *a, const void *b)
{
    const holiday_entry_t *x = a, *y = b;
    long jx = lunar_jdn_from_ymd(x->year, x->month, x->day), jy = lunar_jdn_from_ymd(y->year, y->month, y->day);
    if (jx != jy)
        return (jx > jy) - (jx < jy);
    return ((int)x->kind > (int)y->kind) - ((int)x->kind < (int)y->kind);
}

int holiday_set_year(const holiday_set_t *set, int year, holiday_entry_t **entries, size_t *count)
{
    if (!set || !entries || !count)
        return -EINVAL;
    if (year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR)
        return -ERANGE;
    holiday_rule_list_t rules = { .n = 0 };
    int decided = set->decided[year - LUNAR_MIN_YEAR];
    if (!decided && (set->flags & HOLIDAY_RULES)) {
        int rc = holiday_rules_year(set, year, &rules);
        if (rc < 0)
            return rc;
    }
    size_t n = rules.n;
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].year == year)
            n++;
    holiday_entry_t *out = xmalloc((n ? n : 1) * sizeof *out);
    size_t k = 0;
    for (size_t i = 0; i < rules.n; i++) {
        int y, m, d;
        lunar_ymd_from_jdn(rules.d[i].jdn, &y, &m, &d);
        out[k++] = (holiday_entry_t){ y, m, d, HOLIDAY_DAY_OFF, rules.d[i].name_vi, rules.d[i].name_en,
                                      rules.d[i].source };
    }
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].year == year)
            out[k++] = set->items[i];
    qsort(out, k, sizeof *out, holiday_entry_cmp);
    *entries = out;
    *count = k;
    return 0;
}

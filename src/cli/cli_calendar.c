/* cli_calendar.c — `motcua calendar lunar|solar|holidays|due|workdays`.
 *
 * Every argument is parsed strictly (whole string, bounded length, range-checked); anything else ends with
 * exit status 2 and a bilingual message on stderr. Results go to stdout, one per line. The holiday set and the
 * calendar are built per invocation from the statutory rules and the shipped decisions, or, with --db, from what
 * the store holds (stored national decisions, and with --province that province's own days off). */
#include "cli/cli_calendar.h"

#include "core/rand.h"
#include "db/db.h"
#include "domain/calendar.h"
#include "domain/holiday.h"
#include "domain/holiday_store.h"
#include "domain/lunar.h"
#include "domain/unit.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_OK 0
#define CLI_BAD_INPUT 2
#define CLI_ARG_MAX 64 /* longest argument we accept */

static int cli_fail(const char *en, const char *vi, const char *arg)
{
    if (arg)
        fprintf(stderr, "error: %s: '%.*s'\nlỗi: %s: '%.*s'\n", en, CLI_ARG_MAX, arg, vi, CLI_ARG_MAX, arg);
    else
        fprintf(stderr, "error: %s\nlỗi: %s\n", en, vi);
    return CLI_BAD_INPUT;
}

static int cli_is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

static int cli_parse_year(const char *s, int *year)
{
    char *end;
    if (strnlen(s, CLI_ARG_MAX + 1) > CLI_ARG_MAX || s[0] < '0' || s[0] > '9')
        return -EINVAL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end != '\0')
        return -EINVAL;
    if (v < LUNAR_MIN_YEAR || v > LUNAR_MAX_YEAR)
        return -ERANGE;
    *year = (int)v;
    return 0;
}

static int cli_parse_positive(const char *s, double *out)
{
    char *end;
    if (strnlen(s, CLI_ARG_MAX + 1) > CLI_ARG_MAX || s[0] == '\0')
        return -EINVAL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end != '\0' || !isfinite(v) || v <= 0)
        return -EINVAL;
    *out = v;
    return 0;
}

/* --db and --province, taken out of the arguments before a subcommand parses them. */
static const char *opt_db;
static const char *opt_province;

struct load_ctx {
    const char     *province;       /* slug or id, or NULL */
    holiday_set_t **set;
    int             unknown;        /* the province does not exist */
};

static int load_fn(db_t *db, void *arg)
{
    struct load_ctx *c = arg;
    char prov[ID_LEN + 1] = "";
    if (c->province) {
        unit_t *u = malloc(sizeof *u);
        if (!u) abort();
        int rc = id_valid(c->province) ? unit_get(db, c->province, u) : unit_get_by_slug(db, c->province, u);
        if (rc == 0 && u->province_id[0]) memcpy(prov, u->province_id, sizeof prov);
        free(u);
        if (rc == -ENOENT || (rc == 0 && !prov[0])) { c->unknown = 1; return -ENOENT; }
        if (rc < 0) return rc;
    }
    return holiday_store_load(db, prov[0] ? prov : NULL, c->set);
}

static int cli_default_calendar(holiday_set_t **set, calendar_t **cal)
{
    int rc;
    if (opt_db) {
        store_t *st;
        store_opts_t o = {.url = opt_db, .readonly = 1};
        if (store_open(&st, &o) < 0) {
            cli_fail("cannot open the database", "không mở được cơ sở dữ liệu", opt_db);
            return -EIO;
        }
        struct load_ctx c = {opt_province, set, 0};
        rc = store_read(st, load_fn, &c);
        store_close(st);
        if (c.unknown) {
            cli_fail("no such province (or unit) in the database", "không có tỉnh (đơn vị) này", opt_province);
            return -ENOENT;
        }
    } else {
        rc = holiday_set_new(set, HOLIDAY_DEFAULT);
    }
    if (rc < 0)
        return rc;
    rc = calendar_open(cal, *set, NULL);
    if (rc < 0) {
        holiday_set_free(*set);
        *set = NULL;
    }
    return rc;
}

static int cli_bad_date(const char *arg, int rc)
{
    if (rc == -ERANGE)
        return cli_fail("date outside the supported range 1900-01-01..2199-12-31",
                        "ngày nằm ngoài phạm vi hỗ trợ 1900-01-01..2199-12-31", arg);
    return cli_fail("not a valid date (expected YYYY-MM-DD)", "ngày không hợp lệ (định dạng YYYY-MM-DD)", arg);
}

/* ---- subcommands ------------------------------------------------------------------------------------------ */

static int cli_lunar(int argc, char **argv)
{
    if (argc == 2 && cli_is_help(argv[1])) {
        puts("usage: motcua calendar lunar YYYY-MM-DD\n"
             "Prints the Vietnamese lunar date (UTC+7) of a Gregorian date, as YYYY-MM-DD, with L after a\n"
             "leap month (2023-02L-15). Range 1900-01-01..2199-12-31.");
        return CLI_OK;
    }
    if (argc != 2)
        return cli_fail("usage: motcua calendar lunar YYYY-MM-DD", "cách dùng: motcua calendar lunar YYYY-MM-DD",
                        NULL);
    int y, m, d;
    int rc = lunar_solar_parse(argv[1], &y, &m, &d);
    if (rc < 0)
        return cli_bad_date(argv[1], rc);
    lunar_date_t ld;
    if ((rc = lunar_from_solar(y, m, d, &ld)) < 0)
        return cli_bad_date(argv[1], rc);
    printf("%04d-%02d%s-%02d\n", ld.year, ld.month, ld.leap ? "L" : "", ld.day);
    return CLI_OK;
}

static int cli_solar(int argc, char **argv)
{
    if (argc == 2 && cli_is_help(argv[1])) {
        puts("usage: motcua calendar solar YYYY-MM-DD [--leap]\n"
             "Prints the Gregorian date of a Vietnamese lunar date. --leap (or YYYY-MML-DD) selects the leap\n"
             "month; a leap month the year lacks, or a day the month lacks, is an error.");
        return CLI_OK;
    }
    int leap_flag = 0;
    const char *date = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--leap") == 0)
            leap_flag = 1;
        else if (!date)
            date = argv[i];
        else
            return cli_fail("unexpected argument", "tham số không mong đợi", argv[i]);
    }
    if (!date)
        return cli_fail("usage: motcua calendar solar YYYY-MM-DD [--leap]",
                        "cách dùng: motcua calendar solar YYYY-MM-DD [--leap]", NULL);
    lunar_date_t ld;
    if (lunar_parse(date, &ld) < 0)
        return cli_fail("not a lunar date (expected YYYY-MM-DD or YYYY-MML-DD)",
                        "ngày âm lịch không hợp lệ (định dạng YYYY-MM-DD hoặc YYYY-MML-DD)", date);
    ld.leap = ld.leap || leap_flag;
    int y, m, d;
    int rc = lunar_to_solar(&ld, &y, &m, &d);
    if (rc == -ERANGE)
        return cli_fail("lunar date outside the supported range (Gregorian 1900..2199)",
                        "ngày âm lịch nằm ngoài phạm vi hỗ trợ (dương lịch 1900..2199)", date);
    if (rc < 0)
        return cli_fail("this lunar date does not exist (no such leap month or day)",
                        "ngày âm lịch này không tồn tại (không có tháng nhuận hoặc ngày này)", date);
    printf("%04d-%02d-%02d\n", y, m, d);
    return CLI_OK;
}

static int cli_holidays(int argc, char **argv)
{
    if (argc == 2 && cli_is_help(argv[1])) {
        puts("usage: motcua calendar holidays YEAR\n"
             "Prints YYYY-MM-DD<TAB>name for every Monday-Friday that is not a working day in YEAR: public\n"
             "holidays (Labour Code 2019 art. 112), compensatory and swapped days, from the year's decision\n"
             "when motcua ships it (2025, 2026) or the statutory rules otherwise.");
        return CLI_OK;
    }
    if (argc != 2)
        return cli_fail("usage: motcua calendar holidays YEAR", "cách dùng: motcua calendar holidays NĂM", NULL);
    int year;
    int rc = cli_parse_year(argv[1], &year);
    if (rc < 0)
        return cli_fail("not a year in 1900..2199", "năm không hợp lệ (1900..2199)", argv[1]);
    holiday_set_t *set;
    calendar_t *cal;
    if ((rc = cli_default_calendar(&set, &cal)) < 0)
        return cli_fail("cannot build the calendar", "không dựng được lịch làm việc", NULL);
    holiday_entry_t *e;
    size_t n;
    if ((rc = holiday_set_year(set, year, &e, &n)) < 0) {
        calendar_close(cal);
        holiday_set_free(set);
        return cli_fail("cannot list the holidays", "không liệt kê được ngày nghỉ", argv[1]);
    }
    long first, last;
    calendar_day_from_ymd(year, 1, 1, &first);
    calendar_day_from_ymd(year, 12, 31, &last);
    for (long day = first; day <= last; day++) {
        int working, y, m, d;
        calendar_is_working_day(cal, day, &working);
        calendar_ymd_from_day(day, &y, &m, &d);
        if (working || lunar_weekday(lunar_jdn_from_ymd(y, m, d)) >= 5)
            continue;
        const char *name = "Ngày nghỉ";
        for (size_t i = 0; i < n; i++)
            if (e[i].month == m && e[i].day == d && e[i].kind != HOLIDAY_WORKING_DAY) {
                name = e[i].name_vi;
                break;
            }
        printf("%04d-%02d-%02d\t%s\n", y, m, d, name);
    }
    free(e);
    calendar_close(cal);
    holiday_set_free(set);
    return CLI_OK;
}

static int cli_due(int argc, char **argv)
{
    static const char usage_en[] = "usage: motcua calendar due --from YYYY-MM-DDTHH:MM (--days N | --hours N | --same-day)";
    static const char usage_vi[] = "cách dùng: motcua calendar due --from YYYY-MM-DDTHH:MM (--days N | --hours N | --same-day)";
    if (argc == 2 && cli_is_help(argv[1])) {
        printf("%s\n%s\n", usage_en,
               "Prints the due instant (YYYY-MM-DDTHH:MM, Vietnam time) of a dossier received at --from.\n"
               "--days N: N working days (fractions allowed) of 8 h; received after 15:00 or outside working\n"
               "  time: from the next working session (Decree 63/2024/ND-CP art. 7).\n"
               "--hours N: N working hours from receipt; no 15:00 rule.\n"
               "--same-day: end of the day of receipt; after 15:00: end of the next working day.\n"
               "Working time 07:30-11:30, 13:30-17:30, Monday-Friday plus make-up Saturdays, minus days off.");
        return CLI_OK;
    }
    const char *from = NULL;
    int rules = 0;
    due_rule_t rule = DUE_DAYS;
    double amount = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--from") == 0 && i + 1 < argc && !from) {
            from = argv[++i];
        } else if ((strcmp(a, "--days") == 0 || strcmp(a, "--hours") == 0) && i + 1 < argc) {
            rule = a[2] == 'd' ? DUE_DAYS : DUE_HOURS;
            rules++;
            if (cli_parse_positive(argv[++i], &amount) < 0)
                return cli_fail("the amount of time must be a positive number", "thời hạn phải là số dương",
                                argv[i]);
        } else if (strcmp(a, "--same-day") == 0) {
            rule = DUE_SAME_DAY;
            rules++;
        } else {
            return cli_fail(usage_en, usage_vi, NULL);
        }
    }
    if (!from || rules != 1)
        return cli_fail(usage_en, usage_vi, NULL);
    long t;
    int rc = calendar_instant_parse(from, &t);
    if (rc == -ERANGE)
        return cli_bad_date(from, rc);
    if (rc < 0)
        return cli_fail("not a valid instant (expected YYYY-MM-DDTHH:MM)",
                        "thời điểm không hợp lệ (định dạng YYYY-MM-DDTHH:MM)", from);
    holiday_set_t *set;
    calendar_t *cal;
    if ((rc = cli_default_calendar(&set, &cal)) < 0)
        return cli_fail("cannot build the calendar", "không dựng được lịch làm việc", NULL);
    long work = 0, due;
    if (rule == DUE_DAYS)
        rc = calendar_work_from_days(cal, amount, &work);
    else if (rule == DUE_HOURS)
        rc = calendar_work_from_hours(amount, &work);
    if (rc == 0)
        rc = calendar_due(cal, t, rule, work, &due);
    char buf[32];
    if (rc == 0)
        rc = calendar_instant_format(due, buf, sizeof buf);
    calendar_close(cal);
    holiday_set_free(set);
    if (rc == -ERANGE)
        return cli_fail("the due instant falls outside 1900..2199", "hạn giải quyết nằm ngoài phạm vi 1900..2199",
                        NULL);
    if (rc < 0)
        return cli_fail("the amount of time is too small or too large", "thời hạn quá nhỏ hoặc quá lớn", NULL);
    puts(buf);
    return CLI_OK;
}

static int cli_workdays(int argc, char **argv)
{
    if (argc == 2 && cli_is_help(argv[1])) {
        puts("usage: motcua calendar workdays FROM TO\n"
             "Prints the number of working days in the closed range FROM..TO (YYYY-MM-DD, FROM <= TO).");
        return CLI_OK;
    }
    if (argc != 3)
        return cli_fail("usage: motcua calendar workdays FROM TO", "cách dùng: motcua calendar workdays TỪ ĐẾN",
                        NULL);
    int y, m, d;
    long first, last;
    int rc = lunar_solar_parse(argv[1], &y, &m, &d);
    if (rc < 0)
        return cli_bad_date(argv[1], rc);
    calendar_day_from_ymd(y, m, d, &first);
    if ((rc = lunar_solar_parse(argv[2], &y, &m, &d)) < 0)
        return cli_bad_date(argv[2], rc);
    calendar_day_from_ymd(y, m, d, &last);
    if (first > last)
        return cli_fail("FROM is after TO", "ngày bắt đầu sau ngày kết thúc", NULL);
    holiday_set_t *set;
    calendar_t *cal;
    if ((rc = cli_default_calendar(&set, &cal)) < 0)
        return cli_fail("cannot build the calendar", "không dựng được lịch làm việc", NULL);
    long count = 0;
    rc = calendar_workdays(cal, first, last, &count);
    calendar_close(cal);
    holiday_set_free(set);
    if (rc < 0)
        return cli_fail("cannot count the working days", "không đếm được số ngày làm việc", NULL);
    printf("%ld\n", count);
    return CLI_OK;
}

static void cli_usage(FILE *to)
{
    fputs("usage: motcua calendar <command> [arguments]\n"
          "  lunar YYYY-MM-DD                      Gregorian -> Vietnamese lunar date\n"
          "  solar YYYY-MM-DD [--leap]             Vietnamese lunar -> Gregorian date\n"
          "  holidays YEAR                         weekdays off in YEAR, with their names\n"
          "  due --from YYYY-MM-DDTHH:MM (--days N | --hours N | --same-day)\n"
          "                                        due instant of a dossier\n"
          "  workdays FROM TO                      working days in a closed date range\n"
          "Options for holidays, due and workdays: --db PATH|URL uses the decisions stored in a motcua database\n"
          "(as edited by administrators); --province SLUG|ID adds that province's own days off (needs --db).\n"
          "Each command takes --help.\n",
          to);
}

int cli_calendar(int argc, char **argv)
{
    /* Take the store options out wherever they stand; the subcommands see the rest unchanged. */
    char *rest[64];
    int n = 0;
    opt_db = opt_province = NULL;
    for (int i = 0; i < argc; i++) {
        if ((strcmp(argv[i], "--db") == 0 || strcmp(argv[i], "--province") == 0)) {
            if (i + 1 >= argc || strnlen(argv[i + 1], 512) >= 512)
                return cli_fail("option needs a value", "tuỳ chọn cần giá trị", argv[i]);
            if (argv[i][2] == 'd') opt_db = argv[++i];
            else opt_province = argv[++i];
            continue;
        }
        if (n == 63)
            return cli_fail("too many arguments", "quá nhiều tham số", NULL);
        rest[n++] = argv[i];
    }
    rest[n] = NULL;
    if (opt_province && !opt_db)
        return cli_fail("--province needs --db", "--province cần --db", opt_province);
    argc = n;
    argv = rest;
    if (argc < 2) {
        cli_usage(stderr);
        return cli_fail("missing command", "thiếu lệnh", NULL);
    }
    const char *cmd = argv[1];
    if (cli_is_help(cmd)) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "lunar") == 0)
        return cli_lunar(argc - 1, argv + 1);
    if (strcmp(cmd, "solar") == 0)
        return cli_solar(argc - 1, argv + 1);
    if (strcmp(cmd, "holidays") == 0)
        return cli_holidays(argc - 1, argv + 1);
    if (strcmp(cmd, "due") == 0)
        return cli_due(argc - 1, argv + 1);
    if (strcmp(cmd, "workdays") == 0)
        return cli_workdays(argc - 1, argv + 1);
    cli_usage(stderr);
    return cli_fail("unknown command", "lệnh không tồn tại", cmd);
}

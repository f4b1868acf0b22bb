/* cli_calendar.c — `motcua calendar lunar|solar|holidays|due|workdays`.
 *
 * Every subcommand describes its options in a cli_opt_t table (cli/cli_opt.h: --help is generated from it) and
 * takes its dates as positional arguments. Every argument is parsed strictly (whole string, range-checked);
 * anything else ends with exit status 2 and a message of the catalog (core/msg_calendar.h) in English and
 * Vietnamese on stderr, naming the option or the value. Results go to stdout, one per line. The holiday set and
 * the calendar are built per invocation from the statutory rules and the shipped decisions, or, with --db, from
 * what the store holds (stored national decisions, and with --province that province's own days off). */
#include "cli/cli_calendar.h"
#include "cli/cli_opt.h"

#include "core/msg.h"
#include "db/db.h"
#include "domain/calendar.h"
#include "domain/holiday.h"
#include "domain/holiday_store.h"
#include "domain/lunar.h"
#include "domain/unit.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLI_OK 0
#define CLI_BAD_INPUT 2 /* every refusal of this command, usage or value */

/* --db and --province, the options of holidays, due and workdays. */
typedef struct {
    const char *db;
    const char *province;
} cal_store_t;

#define CAL_STORE_OPTS(s)                                                                                            \
    {"db", OPT_STR, "PATH|URL", &(s).db, 0, 0, NULL, "use the days off stored in this database (SQLite or postgres://)"}, \
    {"province", OPT_STR, "SLUG|ID", &(s).province, 0, 0, NULL,                                                       \
     "add the own days off of this province (or of a unit in it); needs --db"}

/* Parse argv (argv[0] the subcommand) against opts and take exactly `want` positional arguments, named meta[k] in
 * the usage error when missing, into pos[]. 0: parsed; 1: --help printed; 2: usage error printed. */
static int cal_parse(const char *usage, const cli_opt_t *opts, int n, int argc, char **argv, int want,
                     const char *const *meta, const char **pos)
{
    int first;
    int pr = cli_parse_positional(usage, opts, n, argc, argv, &first);
    if (pr)
        return pr;
    int have = argc - first;
    if (have < want)
        return cli_usage_error(MSG_CLI_REQUIRED, meta[have], NULL, NULL);
    if (have > want)
        return cli_usage_error(MSG_CLI_UNEXPECTED, argv[first + want], NULL, NULL);
    for (int k = 0; k < want; k++)
        pos[k] = argv[first + k];
    return 0;
}

static int cal_check_store(const cal_store_t *s)
{
    if (s->province && !s->db)
        return cli_usage_error(MSG_CALENDAR_NEEDS_DB, "--province", NULL, NULL);
    return 0;
}

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

/* The holiday set and the calendar of s (the shipped ones without --db). 0, or the exit status after the
 * message. */
static int cal_open(const cal_store_t *s, holiday_set_t **set, calendar_t **cal)
{
    int rc;
    if (s->db) {
        store_t *st;
        store_opts_t o = {.url = s->db, .readonly = 1};
        if (store_open(&st, &o) < 0)
            return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_NO_DB, s->db, NULL, NULL);
        struct load_ctx c = {s->province, set, 0};
        rc = store_read(st, load_fn, &c);
        store_close(st);
        if (c.unknown)
            return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_NO_PROVINCE, s->province, NULL, NULL);
    } else {
        rc = holiday_set_new(set, HOLIDAY_DEFAULT);
    }
    if (rc == 0 && (rc = calendar_open(cal, *set, NULL)) < 0) {
        holiday_set_free(*set);
        *set = NULL;
    }
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_BUILD, strerror(-rc), NULL, NULL);
    return 0;
}

static void cal_close(holiday_set_t *set, calendar_t *cal)
{
    calendar_close(cal);
    holiday_set_free(set);
}

/* A Gregorian date YYYY-MM-DD in 1900..2199 as a day number; 0, or the exit status after the message. */
static int cal_day(const char *arg, int *y, int *m, int *d, long *day)
{
    int rc = lunar_solar_parse(arg, y, m, d);
    if (rc == -ERANGE)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_DATE_RANGE, arg, NULL, NULL);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_BAD_DATE, arg, NULL, NULL);
    if (day)
        calendar_day_from_ymd(*y, *m, *d, day);
    return 0;
}

/* ---- subcommands (argv[0] is the subcommand) ---------------------------------------------------------------- */

static int cli_lunar(int argc, char **argv)
{
    static const char usage[] =
        "usage: motcua calendar lunar YYYY-MM-DD\n"
        "Prints the Vietnamese lunar date (UTC+7) of a Gregorian date, as YYYY-MM-DD, with L after a\n"
        "leap month (2023-02L-15). Range 1900-01-01..2199-12-31.\n";
    static const char *const meta[] = {"YYYY-MM-DD"};
    const char *date;
    int pr = cal_parse(usage, NULL, 0, argc, argv, 1, meta, &date);
    if (pr)
        return pr == 1 ? CLI_OK : pr;
    int y, m, d;
    if ((pr = cal_day(date, &y, &m, &d, NULL)))
        return pr;
    lunar_date_t ld;
    int rc = lunar_from_solar(y, m, d, &ld);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, rc == -ERANGE ? MSG_CALENDAR_DATE_RANGE : MSG_CALENDAR_BAD_DATE, date, NULL,
                         NULL);
    printf("%04d-%02d%s-%02d\n", ld.year, ld.month, ld.leap ? "L" : "", ld.day);
    return CLI_OK;
}

static int cli_solar(int argc, char **argv)
{
    static const char usage[] =
        "usage: motcua calendar solar YYYY-MM-DD [--leap]\n"
        "Prints the Gregorian date of a Vietnamese lunar date. --leap (or YYYY-MML-DD) selects the leap\n"
        "month; a leap month the year lacks, or a day the month lacks, is an error.\n";
    static const char *const meta[] = {"YYYY-MM-DD"};
    bool leap = false;
    const cli_opt_t opts[] = {
        {"leap", OPT_FLAG, NULL, &leap, 0, 0, NULL, "the date is in the leap month (same as YYYY-MML-DD)"},
    };
    const char *date;
    int pr = cal_parse(usage, opts, NOPTS(opts), argc, argv, 1, meta, &date);
    if (pr)
        return pr == 1 ? CLI_OK : pr;
    lunar_date_t ld;
    if (lunar_parse(date, &ld) < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_BAD_LUNAR, date, NULL, NULL);
    ld.leap = ld.leap || leap;
    int y, m, d;
    int rc = lunar_to_solar(&ld, &y, &m, &d);
    if (rc == -ERANGE)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_LUNAR_RANGE, date, NULL, NULL);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CAL_LUNAR_MISSING, date, NULL, NULL);
    printf("%04d-%02d-%02d\n", y, m, d);
    return CLI_OK;
}

static int cli_holidays(int argc, char **argv)
{
    static const char usage[] =
        "usage: motcua calendar holidays YEAR [--db PATH|URL [--province SLUG|ID]]\n"
        "Prints YYYY-MM-DD<TAB>name for every Monday-Friday that is not a working day in YEAR (1900..2199):\n"
        "public holidays (Labour Code 2019 art. 112), compensatory and swapped days, from the year's decision\n"
        "when motcua ships it (2025, 2026) or the statutory rules otherwise.\n";
    static const char *const meta[] = {"YEAR"};
    cal_store_t s = {0};
    const cli_opt_t opts[] = {CAL_STORE_OPTS(s)};
    const char *year_s;
    int pr = cal_parse(usage, opts, NOPTS(opts), argc, argv, 1, meta, &year_s);
    if (pr)
        return pr == 1 ? CLI_OK : pr;
    long year;
    if (cli_parse_long(year_s, LUNAR_MIN_YEAR, LUNAR_MAX_YEAR, &year) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, "YEAR", year_s, "1900..2199");
    if ((pr = cal_check_store(&s)))
        return pr;
    holiday_set_t *set;
    calendar_t *cal;
    if ((pr = cal_open(&s, &set, &cal)))
        return pr;
    holiday_entry_t *e;
    size_t n;
    if (holiday_set_year(set, (int)year, &e, &n) < 0) {
        cal_close(set, cal);
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_LIST, year_s, NULL, NULL);
    }
    long first, last;
    calendar_day_from_ymd((int)year, 1, 1, &first);
    calendar_day_from_ymd((int)year, 12, 31, &last);
    for (long day = first; day <= last; day++) {
        int working, y, m, d;
        calendar_is_working_day(cal, day, &working);
        calendar_ymd_from_day(day, &y, &m, &d);
        if (working || lunar_weekday(lunar_jdn_from_ymd(y, m, d)) >= 5)
            continue;
        const char *name = "Ngày nghỉ"; /* data, as the decisions name days off: Vietnamese only */
        for (size_t i = 0; i < n; i++)
            if (e[i].month == m && e[i].day == d && e[i].kind != HOLIDAY_WORKING_DAY) {
                name = e[i].name_vi;
                break;
            }
        printf("%04d-%02d-%02d\t%s\n", y, m, d, name);
    }
    free(e);
    cal_close(set, cal);
    return CLI_OK;
}

static int cli_due(int argc, char **argv)
{
    static const char usage[] =
        "usage: motcua calendar due --from YYYY-MM-DDTHH:MM (--days N | --hours N | --same-day)\n"
        "                           [--db PATH|URL [--province SLUG|ID]]\n"
        "Prints the due instant (YYYY-MM-DDTHH:MM, Vietnam time) of a dossier received at --from.\n"
        "--days: received after 15:00 or outside working time, the time runs from the next working session\n"
        "(Decree 63/2024/ND-CP art. 7); --hours has no 15:00 rule. Working time 07:30-11:30, 13:30-17:30,\n"
        "Monday-Friday plus make-up Saturdays, minus days off.\n";
    static const char rules[] = "--days, --hours, --same-day";
    cal_store_t s = {0};
    const char *from = NULL, *days = NULL, *hours = NULL;
    bool same_day = false;
    const cli_opt_t opts[] = {
        {"from", OPT_STR, "YYYY-MM-DDTHH:MM", &from, 0, 0, NULL, "when the dossier was received (Vietnam time)"},
        {"days", OPT_STR, "N", &days, 0, 0, NULL, "N working days of 8 h (fractions allowed: 0.5)"},
        {"hours", OPT_STR, "N", &hours, 0, 0, NULL, "N working hours from receipt (fractions allowed)"},
        {"same-day", OPT_FLAG, NULL, &same_day, 0, 0, NULL,
         "end of the day of receipt; after 15:00, end of the next working day"},
        CAL_STORE_OPTS(s),
    };
    int pr = cli_parse(usage, opts, NOPTS(opts), argc, argv);
    if (pr)
        return pr == 1 ? CLI_OK : pr;
    if (!from)
        return cli_usage_error(MSG_CLI_REQUIRED, "--from", NULL, NULL);
    if ((days != NULL) + (hours != NULL) + same_day != 1)
        return cli_usage_error(MSG_CALENDAR_ONE_RULE, rules, NULL, NULL);
    const char *flag = days ? "--days" : "--hours", *amount_s = days ? days : hours;
    double amount = 0;
    if (!same_day && calendar_amount_parse(amount_s, &amount) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, flag, amount_s, "> 0");
    if ((pr = cal_check_store(&s)))
        return pr;
    long t;
    int rc = calendar_instant_parse(from, &t);
    if (rc == -ERANGE)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_DATE_RANGE, from, NULL, NULL);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_BAD_INSTANT, "--from", from, NULL);
    holiday_set_t *set;
    calendar_t *cal;
    if ((pr = cal_open(&s, &set, &cal)))
        return pr;
    due_rule_t rule = same_day ? DUE_SAME_DAY : days ? DUE_DAYS : DUE_HOURS;
    long work = 0, due;
    rc = 0;
    if (rule == DUE_DAYS)
        rc = calendar_work_from_days(cal, amount, &work);
    else if (rule == DUE_HOURS)
        rc = calendar_work_from_hours(amount, &work);
    int amount_rc = rc;
    if (rc == 0)
        rc = calendar_due(cal, t, rule, work, &due);
    char buf[32];
    if (rc == 0)
        rc = calendar_instant_format(due, buf, sizeof buf);
    cal_close(set, cal);
    if (amount_rc < 0 || (rc < 0 && rc != -ERANGE && !same_day))
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_AMOUNT, flag, amount_s, NULL);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_DUE_RANGE, NULL, NULL, NULL);
    puts(buf);
    return CLI_OK;
}

static int cli_workdays(int argc, char **argv)
{
    static const char usage[] =
        "usage: motcua calendar workdays FROM TO [--db PATH|URL [--province SLUG|ID]]\n"
        "Prints the number of working days in the closed range FROM..TO (YYYY-MM-DD, FROM <= TO).\n";
    static const char *const meta[] = {"FROM", "TO"};
    cal_store_t s = {0};
    const cli_opt_t opts[] = {CAL_STORE_OPTS(s)};
    const char *pos[2];
    int pr = cal_parse(usage, opts, NOPTS(opts), argc, argv, 2, meta, pos);
    if (pr)
        return pr == 1 ? CLI_OK : pr;
    if ((pr = cal_check_store(&s)))
        return pr;
    int y, m, d;
    long first, last;
    if ((pr = cal_day(pos[0], &y, &m, &d, &first)) || (pr = cal_day(pos[1], &y, &m, &d, &last)))
        return pr;
    if (first > last)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_FROM_AFTER_TO, pos[0], pos[1], NULL);
    holiday_set_t *set;
    calendar_t *cal;
    if ((pr = cal_open(&s, &set, &cal)))
        return pr;
    long count = 0;
    int rc = calendar_workdays(cal, first, last, &count);
    cal_close(set, cal);
    if (rc < 0)
        return cli_error(CLI_BAD_INPUT, MSG_CALENDAR_COUNT, NULL, NULL, NULL);
    printf("%ld\n", count);
    return CLI_OK;
}

static const char cal_usage[] =
    "usage: motcua calendar <command> [arguments]   (motcua calendar <command> --help for each)\n"
    "  lunar YYYY-MM-DD                      Gregorian -> Vietnamese lunar date\n"
    "  solar YYYY-MM-DD [--leap]             Vietnamese lunar -> Gregorian date\n"
    "  holidays YEAR                         weekdays off in YEAR, with their names\n"
    "  due --from YYYY-MM-DDTHH:MM (--days N | --hours N | --same-day)\n"
    "                                        due instant of a dossier\n"
    "  workdays FROM TO                      working days in a closed date range\n"
    "Options of holidays, due and workdays: --db PATH|URL uses the days off stored in a motcua database\n"
    "(as edited by administrators); --province SLUG|ID adds that province's own days off (needs --db).\n";

int cli_calendar(int argc, char **argv)
{
    static const char cmds_range[] = "lunar|solar|holidays|due|workdays";
    static const char *const cmds[] = {"lunar", "solar", "holidays", "due", "workdays"};
    static int (*const run[])(int, char **) = {cli_lunar, cli_solar, cli_holidays, cli_due, cli_workdays};
    cli_prog = "motcua calendar";
    int which = -1;
    for (int i = 0; argc >= 2 && i < NOPTS(cmds); i++)
        if (!strcmp(argv[1], cmds[i]))
            which = i;
    if (which < 0) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(cal_usage, stdout);
            return CLI_OK;
        }
        fputs(cal_usage, stderr);
        return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, cmds_range, NULL, NULL)
                        : cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], cmds_range);
    }
    static char prog[40];
    snprintf(prog, sizeof prog, "motcua calendar %s", cmds[which]);
    cli_prog = prog;
    return run[which](argc - 1, argv + 1);
}

/* demo_gen.h — realistic dossier histories for the demo data set (motcua demo --dossiers N).
 *
 * Every change goes through the domain's own functions — dossier_receive(), dossier_act(), lookup_rate(),
 * lookup_complaint_file() / _answer(), account_create(), procedure_save() — each acting on a clock of the past
 * (now_ms of dossier_intake_t / dossier_action_in_t) and on the acting unit's calendar, so every row is built from
 * a ledger event by its apply function: `motcua verify` holds and a rebuild gives the same rows.
 *
 * Deterministic: the dossiers of one (unit, day) cell and the history of each dossier are drawn from generators
 * seeded by (seed, unit, day, index) only — units taken in slug order, never by their random ids — so the same
 * seed and range on the same demo units give the same dossier codes and statuses, on any database and however the
 * work is cut into transactions (ids and the ledger's own instants still differ). The
 * histories stop at 00:00 of the `to` day (Vietnam time): a history that would go on past it stays open there.
 *
 * docs/demo.md gives the proportions. Writes run in transactions of `batch` dossiers (thousands of events each),
 * so per-event work of the apply functions and the commit are amortised. */
#ifndef MOTCUA_DEMO_GEN_H
#define MOTCUA_DEMO_GEN_H
#include "db/db.h"
#include "domain/domain.h"

#define DEMO_GEN_MAX 50000000LL        /* dossiers per run */
#define DEMO_GEN_FIRST_DAY "2025-07-01" /* the two-tier local government starts; no history before it */

typedef struct demo_gen_opts {
    long long          dossiers;        /* 1 .. DEMO_GEN_MAX */
    unsigned long long seed;
    long               from_day, to_day;/* calendar days (calendar.h): histories in [from 00:00, to 00:00) */
    int                batch;           /* dossiers per write transaction; 0 = the default */
} demo_gen_opts_t;

typedef struct demo_gen_report {
    long long dossiers;                 /* generated */
    long long events;                   /* ledger events recorded (this node's chain grew by that much) */
    long long status[11];               /* final status 1..10 */
    long long early, on_time, late;     /* resolved dossiers by the timing approve gave them */
    long long online, desk, post;
    long long supplements, extensions, payments, forwards, ratings, complaints, skipped;
    int       units;                    /* communes / wards used */
} demo_gen_report_t;

/* Called after each committed transaction with the dossiers done so far. */
typedef void (*demo_gen_progress_fn)(long long done, long long total, void *arg);

/* Generate o->dossiers histories across every active commune or ward that has a desk officer, a specialist and a
 * leader (the demo units of setup_demo). 0, or a negative errno with err filled when the domain refused something
 * (then the transaction in progress rolled back; earlier ones stay committed). */
int demo_gen_run(store_t *st, const demo_gen_opts_t *o, demo_gen_progress_fn progress, void *arg,
                 demo_gen_report_t *rep, derr_t *err);

/* "YYYY-MM-DD" into a calendar day: 0, or -EINVAL. */
int demo_gen_parse_day(const char *s, long *day);
#endif

/* test_event.c — domain/event.h: an event recorded is applied from its own payload in the same transaction, a
 * failing apply rolls the append back too, an unregistered type is refused, a rebuild empties the projections and
 * replays the ledger to the same rows (same digest), a damaged stored payload stops the rebuild and changes
 * nothing, and the digest tells different projections apart; a payload prepared outside the transaction is stored
 * with its holes filled exactly as it is applied. The module under test is a small one defined here. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/json.h"
#include "domain/event.h"

#include <stdio.h>
#include <string.h>

/* ---- a test projection: counters keyed by name, and a log of which events built them ---- */

static int apply_set(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *name = json_string_value(json_object_get(p, "name"));
    json_t *v = json_object_get(p, "value");
    if (!name || !json_is_integer(v)) return -EINVAL;
    if (json_integer_value(v) < 0) return -ERANGE;   /* lets a test make an apply fail */
    long long n = db_run(db,
                         "INSERT INTO test_counters (name, value, seq, at) VALUES ($1, $2, $3, $4) "
                         "ON CONFLICT (name) DO UPDATE SET value = excluded.value, seq = excluded.seq, at = excluded.at",
                         "tiii", name, (long long)json_integer_value(v), ev->seq, ev->at);
    if (n < 0) return (int)n;
    n = db_run(db, "INSERT INTO test_log (node, seq, entity) VALUES ($1, $2, $3)", "tit", ev->node, ev->seq,
               ev->entity);
    return n < 0 ? (int)n : 0;
}

static const event_kind_t test_kinds[] = {{"test.set", apply_set}, {NULL, NULL}};
static const event_table_t test_tables[] = {{"test_log", "node, seq"}, {"test_counters", "name"}, {NULL, NULL}};
static const event_module_t test_module = {"test", test_kinds, test_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};
static const event_module_t *const test_registry[] = {&test_module, NULL};

static void setup(void)
{
    tu_open();
    cr_assert_eq(tu_exec("CREATE TABLE test_counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL, seq BIGINT, "
                         "at BIGINT);"
                         "CREATE TABLE test_log (node TEXT, seq BIGINT, entity TEXT);"),
                 0);
    event_use_modules(test_registry);
}

static void teardown(void)
{
    event_use_modules(NULL);
    tu_close();
}

TestSuite(event, .init = setup, .fini = teardown);

struct set_arg {
    const char *type;
    const char *name;
    long long   value;
    long long   seq;
};

static void set_payload(jw_t *w, const void *arg)
{
    const struct set_arg *a = arg;
    jw_obj_begin(w);
    jw_kstr(w, "name", a->name);
    jw_kint(w, "value", a->value);
    jw_obj_end(w);
}

static int record_fn(db_t *db, void *arg)
{
    struct set_arg *a = arg;
    return event_record(db, NULL, NULL, a->type, "counter", a->name, set_payload, a, &a->seq);
}

static int record(const char *type, const char *name, long long value)
{
    struct set_arg a = {type, name, value, 0};
    return store_write(tu_env.st, record_fn, &a);
}

Test(event, record_applies_in_the_same_transaction)
{
    cr_assert_eq(record("test.set", "a", 5), 0);
    cr_assert_eq(record("test.set", "a", 7), 0);
    cr_assert_eq(record("test.set", "b", 1), 0);
    cr_assert_eq(tu_int("SELECT value FROM test_counters WHERE name = 'a'", NULL), 7);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM test_log", NULL), 3);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'test.set'", NULL), 3);
    /* the projection carries the event's own sequence and instant */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM test_counters c JOIN events e ON e.seq = c.seq AND e.at = c.at "
                        "AND e.entity = 'counter:' || c.name",
                        NULL),
                 2);
}

Test(event, failing_apply_rolls_back_the_append)
{
    cr_assert_eq(record("test.set", "a", 5), 0);
    long long before = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(record("test.set", "a", -1), -ERANGE);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), before);
    cr_assert_eq(tu_int("SELECT value FROM test_counters WHERE name = 'a'", NULL), 5);
}

Test(event, unregistered_type_is_refused)
{
    long long before = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(record("test.unknown", "a", 5), -ENOSYS);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), before);
    cr_assert_null(event_find("test.unknown"));
    cr_assert_null(event_find(NULL));
    cr_assert_not_null(event_find("test.set"));
}

struct prog {
    long long calls, last_done, last_total;
};

static void progress(long long done, long long total, void *arg)
{
    struct prog *p = arg;
    p->calls++;
    p->last_done = done;
    p->last_total = total;
}

static int plain_fn(db_t *db, void *arg)
{
    struct set_arg a = {"test.plain", "p", 1, 0};
    (void)arg;
    return ledger_append_json(db, NULL, NULL, a.type, "counter", a.name, set_payload, &a);
}

Test(event, rebuild_gives_the_same_rows)
{
    char name[16];
    for (int i = 0; i < 2600; i++) {   /* more than two keyset pages */
        snprintf(name, sizeof name, "c%d", i % 300);
        cr_assert_eq(record("test.set", name, i), 0);
    }
    cr_assert_eq(store_write(tu_env.st, plain_fn, NULL), 0);   /* an event with no apply function */
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    /* damage the projection: the rebuild must restore it from the events alone */
    cr_assert_eq(tu_exec("UPDATE test_counters SET value = 0; DELETE FROM test_log WHERE seq % 2 = 0;"
                         "INSERT INTO test_counters (name, value) VALUES ('stray', 1);"),
                 0);
    char damaged[65];
    cr_assert_eq(event_digest(tu_env.st, damaged), 0);
    cr_assert_str_neq(damaged, before);
    event_rebuild_report_t rep;
    struct prog p = {0};
    cr_assert_eq(event_rebuild(tu_env.st, &rep, progress, &p), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(after, before);
    cr_assert_eq(rep.applied, 2600);
    cr_assert_eq(rep.events, tu_int("SELECT COUNT(*) FROM events", NULL));
    cr_assert_eq(rep.events, rep.applied + 1, "the plain event is read and skipped");
    cr_assert(p.calls >= 1);
    cr_assert_eq(p.last_done, rep.events);
    cr_assert_eq(p.last_total, rep.events);
    cr_assert_eq(tu_int("SELECT value FROM test_counters WHERE name = 'c299'", NULL), 2399);
}

Test(event, damaged_payload_stops_the_rebuild_and_changes_nothing)
{
    cr_assert_eq(record("test.set", "a", 5), 0);
    cr_assert_eq(record("test.set", "b", 6), 0);
    cr_assert_eq(tu_exec("UPDATE events SET payload = '{\"name\":' WHERE entity = 'counter:b'"), 0);
    cr_assert_eq(tu_exec("UPDATE test_counters SET value = 42 WHERE name = 'a'"), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), -EILSEQ);
    cr_assert_str_eq(rep.failed_type, "test.set");
    cr_assert_str_eq(rep.failed_entity, "counter:b");
    /* all or nothing: the projection is as it was */
    cr_assert_eq(tu_int("SELECT value FROM test_counters WHERE name = 'a'", NULL), 42);
}

Test(event, digest_tells_projections_apart)
{
    char d1[65], d2[65], d3[65];
    cr_assert_eq(event_digest(tu_env.st, d1), 0);
    cr_assert_eq(record("test.set", "a", 5), 0);
    cr_assert_eq(event_digest(tu_env.st, d2), 0);
    cr_assert_str_neq(d1, d2);
    cr_assert_eq(tu_exec("UPDATE test_counters SET value = 6"), 0);
    cr_assert_eq(event_digest(tu_env.st, d3), 0);
    cr_assert_str_neq(d2, d3);
    cr_assert_eq(strlen(d3), 64);
}

/* ---- a payload prepared outside the transaction, with holes the transaction fills ---- */

struct prepared_arg {
    event_payload_t p;
    long long       value;
};

static int record_prepared_fn(db_t *db, void *arg)
{
    struct prepared_arg *a = arg;
    json_t *const fills[] = {json_integer(a->value)};
    int rc = event_record_payload(db, NULL, NULL, "test.set", "counter", "held", &a->p, fills, NULL);
    json_decref(fills[0]);
    return rc;
}

Test(event, prepared_payload_is_stored_as_applied)
{
    /* the name holds characters the writer escapes; "value" is a hole with a placeholder */
    json_t *v = json_pack("{s:s, s:i, s:[s, b, n]}", "name", "Nguyễn \"<&>\"", "value", 0, "extra", "x", 1);
    json_t *const objs[] = {v};
    static const char *const keys[] = {"value"};
    struct prepared_arg a = {.value = 42};
    cr_assert_eq(event_payload_init(&a.p, v, 1, objs, keys), 0);
    cr_assert_eq(store_write(tu_env.st, record_prepared_fn, &a), 0);
    cr_assert_eq(tu_int("SELECT value FROM test_counters WHERE name = 'Nguyễn \"<&>\"'", NULL), 42);
    /* the stored bytes are the value with the hole filled: what a replay applies */
    char stored[512];
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE type = 'test.set'", NULL, stored, sizeof stored), 0);
    json_t *back = json_loads(stored, JSON_REJECT_DUPLICATES, NULL);
    cr_assert_not_null(back, "%s", stored);
    cr_assert(json_equal(back, a.p.value), "%s", stored);
    cr_assert_eq(json_integer_value(json_object_get(back, "value")), 42);
    json_decref(back);
    event_payload_free(&a.p);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
}

Test(event, prepared_payload_refuses_bad_holes)
{
    event_payload_t p;
    json_t *v = json_pack("{s:s, s:i}", "name", "a", "value", 0);
    json_t *const objs[] = {v, v};
    static const char *const missing[] = {"nope"};
    cr_assert_eq(event_payload_init(&p, v, 1, objs, missing), -EINVAL);   /* not a member */
    event_payload_free(&p);
    v = json_pack("{s:s, s:i}", "name", "a", "value", 0);
    json_t *const objs2[] = {v, v};
    static const char *const backwards[] = {"value", "name"};
    cr_assert_eq(event_payload_init(&p, v, 2, objs2, backwards), -EINVAL);   /* not in text order */
    event_payload_free(&p);
}

/* event.c — record, apply and replay events through the projection registry (see event.h). */
#include "domain/event.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "domain/domain.h"
#include "domain/procedure.h"
#include "domain/paper.h"   /* papers */
#include "domain/dossier.h"
#include "domain/lookup.h"   /* lookup */
#include "domain/dossier_uploads.h"   /* dforms */
#include "domain/task.h"   /* tasks */
#include "domain/dossier_result.h"    /* signed results */
#include "domain/report.h"   /* report */
#include "domain/document.h" /* document registers */
#include "domain/document_attach.h" /* document attachments */

#include "domain/exchange.h"
#include "domain/exchange_out.h"
#include "domain/ministry.h"
#include "domain/account.h"   /* assign: staff fields of work */
#include "domain/portal.h"    /* portal: the connector hook */
#include "domain/account.h"   /* assign: staff fields of work; accounts and roles */
#include "domain/holiday_store.h"   /* calendar: holiday entries and working time */
#include "domain/unit.h"   /* units */
#include "sign/keystore.h"
#include "domain/sync.h"     /* sync: hub and nodes */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The built-in registry: one line per module that owns projections. */
static const event_module_t *const builtin[] = {
    /* catalog: procedures */
    &procedure_event_module,
    /* papers */
    &paper_event_module,
    /* dossier */
    &dossier_events,
    /* end dossier */
    /* lookup: ratings and complaints */
    &lookup_events,
    /* dforms: uploaded papers of dossiers (a table refilled by the dossier's apply) */
    &dossier_uploads_events,
    /* signed results: the result documents of dossiers (a table refilled by the dossier applies) */
    &dossier_result_events,
    /* report: the dashboards' counts (refilled by the dossier applies) */
    &report_events,
    /* document: the official document registers */
    &document_events,
    /* document attachments and their text */
    &document_attach_events,
    /* keystore: officers' keys and units' seals (sign/keystore.c) */
    &keystore_event_module,
    /* exchange: the edXML inbox */
    &exchange_event_module,
    /* outbox: the sending side of the edXML exchange */
    &exchange_out_event_module,
    /* assign: the fields of work of staff (domain/account.c) */
    &staff_event_module,
    /* sync: enrolment tokens and the nodes of a hub (domain/sync.c) */
    &sync_event_module,
    /* tasks ("giao việc") */
    &task_events,
    /* accounts and their roles (domain/account.c; accounts rebuilt in place) */
    &account_event_module,
    /* units (domain/unit.c; rebuilt in place) */
    &unit_event_module,
    /* calendar: holiday entries and working time (domain/holiday_store.c) */
    &calendar_event_module,
    /* ministry: hand-offs of dossiers to ministry systems */
    &ministry_event_module,
    NULL};

static const event_module_t *const *registry = builtin;

/* The tables rebuilt in place (event.h): children first, the order their sweeps run in. */
static const event_inplace_t *const inplace[] = {&account_inplace, &unit_inplace, NULL};

static const event_inplace_t *inplace_of(const char *table)
{
    for (const event_inplace_t *const *p = inplace; *p; p++)
        if (!strcmp((*p)->table, table)) return *p;
    return NULL;
}

/* Whether a registered module lists the table. */
static bool registered(const char *table)
{
    for (const event_module_t *const *m = registry; *m; m++)
        for (const event_table_t *t = (*m)->tables; t && t->name; t++)
            if (!strcmp(t->name, table)) return true;
    return false;
}

const event_module_t *const *event_modules(void) { return registry; }

void event_use_modules(const event_module_t *const *list) { registry = list ? list : builtin; }

event_apply_fn event_find(const char *type)
{
    if (!type) return NULL;
    for (const event_module_t *const *m = registry; *m; m++)
        for (const event_kind_t *k = (*m)->kinds; k && k->type; k++)
            if (!strcmp(k->type, type)) return k->apply;
    return NULL;
}

const char *event_str(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long event_int(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (long long)json_integer_value(v) : 0;
}

/* The module owning type and its apply function, or NULL. */
static const event_module_t *find_module(const char *type, event_apply_fn *fn)
{
    *fn = NULL;
    if (!type) return NULL;
    for (const event_module_t *const *m = registry; *m; m++)
        for (const event_kind_t *k = (*m)->kinds; k && k->type; k++)
            if (!strcmp(k->type, type)) {
                *fn = k->apply;
                return *m;
            }
    return NULL;
}

json_t *event_opt_str(const char *s) { return s && *s ? json_string(s) : json_null(); }

/* The connectors' hook, run once for every event applied on this database (recorded here or replicated), after
 * its apply function and in its transaction; never during a rebuild, which must not send history again. They
 * only queue (keyed by the event's node and seq), never send. */
static int connectors_applied(db_t *db, const event_meta_t *ev)
{
    return portal_event_applied(db, ev);   /* portal: the National Public Service Portal's outbox */
}

/* Apply without the connectors' hook: what a rebuild replays. */
static int apply_stored(db_t *db, const event_meta_t *ev, const char *payload, size_t payload_len)
{
    event_apply_fn fn = event_find(ev->type);
    if (!fn) return 0;
    json_error_t jerr;
    json_t *p = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!p) return -EILSEQ;   /* a stored payload that does not parse: the ledger itself is damaged */
    int rc = fn(db, ev, p);
    json_decref(p);
    return rc;
}

int event_apply(db_t *db, const event_meta_t *ev, const char *payload, size_t payload_len)
{
    int rc = apply_stored(db, ev, payload, payload_len);
    if (rc == 0 && event_find(ev->type)) rc = connectors_applied(db, ev);
    return rc;
}

int event_apply_replica(db_t *db, const event_meta_t *ev, const char *payload, size_t payload_len,
                        const char *subtree_path)
{
    /* Every payload, applied or kept, is a JSON object, as every ledger's are: a kept one is read later too. */
    json_error_t jerr;
    json_t *p = json_loadb(payload, payload_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(p)) {
        json_decref(p);
        return -EILSEQ;
    }
    event_apply_fn fn;
    const event_module_t *m = find_module(ev->type, &fn);
    if (!m || !fn || !m->replica_guard) {
        json_decref(p);
        return EVENT_REPLICA_KEPT;
    }
    int rc = m->replica_guard(db, ev, p, subtree_path);
    if (rc == 0) rc = -EPERM;
    else if (rc > 0) rc = fn(db, ev, p);
    json_decref(p);
    if (rc >= 0) rc = connectors_applied(db, ev);   /* portal: a replicated change is pushed like a local one */
    return rc < 0 ? rc : EVENT_REPLICA_APPLIED;
}

bool event_replica_applies(const char *type)
{
    event_apply_fn fn;
    const event_module_t *m = find_module(type, &fn);
    return m && fn && m->replica_guard;
}

int event_unit_in(db_t *db, const char *unit_id, const char *subtree_path)
{
    if (!unit_id || !subtree_path || !*subtree_path) return 0;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT path FROM units WHERE id = $1", "t", unit_id);
    int ok = rc == DB_ROW && auth_path_prefix(subtree_path, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc < 0 ? rc : ok;
}

int event_unit_path_in(db_t *db, const char *unit_id, const char *unit_path, const char *subtree_path)
{
    if (!unit_id || !unit_path || !subtree_path || !*subtree_path) return 0;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT path FROM units WHERE id = $1", "t", unit_id);
    int ok = rc == DB_ROW && !strcmp(db_col_text(s, 0), unit_path) && auth_path_prefix(subtree_path, unit_path);
    if (s) db_reset(s);
    return rc < 0 ? rc : ok;
}

bool event_entity_is(const event_meta_t *ev, const char *kind, const char *id)
{
    if (!ev->entity || !id) return false;
    size_t k = strlen(kind);
    return !strncmp(ev->entity, kind, k) && ev->entity[k] == ':' && !strcmp(ev->entity + k + 1, id);
}

int event_row_in(db_t *db, const char *sql, const char *key, bool is_path, const char *subtree_path, bool *found)
{
    *found = false;
    if (!key) return 1;
    db_stmt_t *s;
    int rc = db_query(db, &s, sql, "t", key);
    char value[AUTH_PATH_MAX + 1] = "";
    bool null = true;
    if (rc == DB_ROW) {
        *found = true;
        null = db_col_is_null(s, 0);
        if (!null) db_col_copy(s, 0, value, sizeof value);   /* a cut path still starts as the whole one */
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (!*found) return 1;
    if (null) return 0;
    if (is_path) return subtree_path && *subtree_path && auth_path_prefix(subtree_path, value);
    return event_unit_in(db, value, subtree_path);
}

int event_record(db_t *db, const char *unit_id, const char *actor_id, const char *type, const char *entity_kind,
                 const char *entity_id, ledger_payload_fn fn, const void *arg, long long *seq_out)
{
    if (!event_find(type)) return -ENOSYS;
    buf_t payload;
    ledger_appended_t at;
    int rc = ledger_append_json_to(db, unit_id, actor_id, type, entity_kind, entity_id, fn, arg, &payload, &at);
    if (rc < 0) return rc;
    char entity[96];
    snprintf(entity, sizeof entity, "%s:%s", entity_kind, entity_id);   /* fitted: ledger_append_json_to checked */
    event_meta_t m = {.node = at.node, .seq = at.seq, .at = at.at, .unit_id = domain_nz(unit_id),
                      .actor = domain_nz(actor_id), .type = type, .entity = entity};
    rc = event_apply(db, &m, payload.data, payload.len);
    buf_free(&payload);
    if (rc == 0 && seq_out) *seq_out = at.seq;
    return rc;
}

/* ---- payloads prepared outside the write transaction ----
 * The value is serialised with the json writer (the same bytes event_record()'s payload functions produce for the
 * same values), walking objects in their insertion order; a hole is written as nothing and its offset kept. */

static void write_value(jw_t *w, const json_t *v, event_payload_t *p)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *m;
        jw_obj_begin(w);
        json_object_foreach((json_t *)v, key, m) {
            jw_key(w, key);
            int h = -1;
            for (int i = 0; p && i < p->nholes; i++)
                if (p->hole[i].obj == v && !strcmp(p->hole[i].key, key)) h = i;
            if (h >= 0) {
                jw_raw(w, "", 0);              /* the separator state of a value, no bytes */
                p->hole[h].at = w->b->len;
            } else write_value(w, m, p);
        }
        jw_obj_end(w);
        break;
    }
    case JSON_ARRAY: {
        size_t i;
        json_t *m;
        jw_arr_begin(w);
        json_array_foreach(v, i, m) write_value(w, m, p);
        jw_arr_end(w);
        break;
    }
    case JSON_STRING: jw_strn(w, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: jw_int(w, (long long)json_integer_value(v)); break;
    case JSON_REAL: jw_double(w, json_real_value(v)); break;
    case JSON_TRUE: jw_bool(w, true); break;
    case JSON_FALSE: jw_bool(w, false); break;
    case JSON_NULL: jw_null(w); break;
    }
}

int event_payload_init(event_payload_t *p, json_t *value, int nholes, json_t *const objs[], const char *const keys[])
{
    memset(p, 0, sizeof *p);
    buf_init(&p->text, 0);
    p->value = value;
    if (!json_is_object(value) || nholes < 0 || nholes > EVENT_HOLES_MAX) return -EINVAL;
    p->nholes = nholes;
    for (int i = 0; i < nholes; i++) {
        if (!json_is_object(objs[i]) || !json_object_get(objs[i], keys[i])) return -EINVAL;
        p->hole[i].obj = objs[i];
        p->hole[i].key = keys[i];
        p->hole[i].at = (size_t)-1;
    }
    jw_t w;
    jw_init(&w, &p->text);
    write_value(&w, value, p);
    int rc = jw_finish(&w);
    for (int i = 0; rc == 0 && i < nholes; i++)
        if (p->hole[i].at == (size_t)-1) rc = -EINVAL;     /* a hole outside the value */
    for (int i = 1; rc == 0 && i < nholes; i++)
        if (p->hole[i].at < p->hole[i - 1].at) rc = -EINVAL;   /* holes must be given in text order */
    return rc;
}

void event_payload_free(event_payload_t *p)
{
    if (!p) return;
    json_decref(p->value);
    buf_free(&p->text);
    memset(p, 0, sizeof *p);
}

int event_record_payload(db_t *db, const char *unit_id, const char *actor_id, const char *type,
                         const char *entity_kind, const char *entity_id, event_payload_t *p, json_t *const fills[],
                         long long *seq_out)
{
    event_apply_fn fn = event_find(type);
    if (!fn) return -ENOSYS;
    char entity[96];
    int n = snprintf(entity, sizeof entity, "%s:%s", entity_kind, entity_id);
    if (n < 0 || (size_t)n >= sizeof entity) return -ENAMETOOLONG;
    /* The text with every hole's value written in, and the same values set in the object apply reads. */
    buf_t text;
    buf_init(&text, 0);
    size_t from = 0;
    int rc = 0;
    for (int i = 0; i < p->nholes && rc == 0; i++) {
        if (!fills[i] || json_object_set(p->hole[i].obj, p->hole[i].key, fills[i]) < 0) rc = -ENOMEM;
        else if ((rc = buf_append(&text, p->text.data + from, p->hole[i].at - from)) == 0) {
            jw_t one;                            /* a lone value: no separator state of its own */
            jw_init(&one, &text);
            write_value(&one, fills[i], NULL);
            rc = jw_finish(&one);
            from = p->hole[i].at;
        }
    }
    if (rc == 0) rc = buf_append(&text, p->text.data + from, p->text.len - from);
#if defined(__SANITIZE_ADDRESS__)
    /* Test builds check the promise apply relies on: the stored bytes parse back to the applied value. */
    if (rc == 0) {
        json_t *back = json_loadb(text.data, text.len, JSON_REJECT_DUPLICATES, NULL);
        if (!back || !json_equal(back, p->value)) rc = -EILSEQ;
        json_decref(back);
    }
#endif
    if (rc < 0) {
        buf_free(&text);
        return rc;
    }
    ledger_event_t ev = {.unit_id = unit_id && *unit_id ? unit_id : NULL,
                         .actor = actor_id && *actor_id ? actor_id : NULL, .type = type, .entity = entity,
                         .payload = text.data, .payload_len = text.len};
    ledger_appended_t at;
    rc = ledger_append_to(db, &ev, &at);
    buf_free(&text);
    if (rc < 0) return rc;
    event_meta_t m = {.node = at.node, .seq = at.seq, .at = at.at, .unit_id = domain_nz(unit_id),
                      .actor = domain_nz(actor_id), .type = type, .entity = entity};
    rc = fn(db, &m, p->value);
    if (rc == 0) rc = connectors_applied(db, &m);
    if (rc == 0 && seq_out) *seq_out = at.seq;
    return rc;
}

/* ---- rebuild ----
 * Events are read in keyset pages ordered by (at, node, seq) and copied out before they are applied, so the
 * apply functions may use the connection freely while the replay walks the ledger. */

#define REBUILD_PAGE 1000

struct stored_event {
    char     *node, *unit_id, *actor, *type, *entity, *payload;
    size_t    payload_len;
    long long seq, at;
};

static char *dup_col(db_stmt_t *s, int col) { return db_col_is_null(s, col) ? NULL : xstrdup(db_col_text(s, col)); }

struct rebuild_ctx {
    event_rebuild_report_t *rep;
    event_progress_fn       progress;
    void                   *arg;
};

static int empty_tables(db_t *db)
{
    for (const event_module_t *const *m = registry; *m; m++)
        for (const event_table_t *t = (*m)->tables; t && t->name; t++) {
            char sql[128];
            snprintf(sql, sizeof sql, "DELETE FROM %s", t->name);
            const event_inplace_t *ip = inplace_of(t->name);
            long long n = db_run(db, ip ? ip->mark : sql, "");
            if (n < 0) return (int)n;
        }
    return 0;
}

/* The rows of in-place tables that no replayed event made again. */
static int sweep_tables(db_t *db)
{
    for (const event_inplace_t *const *p = inplace; *p; p++) {
        long long n = registered((*p)->table) ? db_run(db, (*p)->sweep, "") : 0;
        if (n < 0) return (int)n;
    }
    return 0;
}

static int rebuild_fn(db_t *db, void *arg)
{
    struct rebuild_ctx *c = arg;
    event_rebuild_report_t *rep = c->rep;
    memset(rep, 0, sizeof *rep);
    int rc = empty_tables(db);
    if (rc < 0) return rc;
    db_stmt_t *s;
    long long total = 0;
    rc = db_query(db, &s, "SELECT COUNT(*) FROM events", "");
    if (rc == DB_ROW) total = db_col_int(s, 0);
    if (s) db_reset(s);
    if (rc < 0) return rc;

    /* The chains of enrolled nodes (a hub's replicas, named by its sync.node_enrolled events): their events are
     * replayed as they were applied when they arrived, only those of a module with a replica guard (a refused
     * event never entered the ledger, so the guard need not run again). */
    char (*replicas)[ID_LEN + 1] = NULL;
    size_t nreplicas = 0, creplicas = 0;
    rc = db_query(db, &s, "SELECT entity FROM events WHERE type = 'sync.node_enrolled' ORDER BY entity", "");
    while (rc == DB_ROW) {
        const char *ent = db_col_text(s, 0);
        if (ent && !strncmp(ent, "sync_node:", 10)) {
            if (nreplicas == creplicas) {
                creplicas = creplicas ? creplicas * 2 : 8;
                replicas = xrealloc(replicas, creplicas * sizeof *replicas);
            }
            str_copy(replicas[nreplicas++], ID_LEN + 1, ent + 10);
        }
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) {
        free(replicas);
        return rc;
    }
    rc = 0;

    struct stored_event *page = xcalloc(REBUILD_PAGE, sizeof *page);
    long long last_at = -1, last_seq = -1;
    char last_node[ID_LEN + 1] = "";
    for (;;) {
        size_t n = 0;
        rc = db_query(db, &s,
                      "SELECT node, seq, at, unit_id, actor, type, entity, payload FROM events "
                      "WHERE at > $1 OR (at = $1 AND (node > $2 OR (node = $2 AND seq > $3))) "
                      "ORDER BY at, node, seq LIMIT 1000",
                      "iti", last_at, last_node, last_seq);
        while (rc == DB_ROW && n < REBUILD_PAGE) {
            struct stored_event *e = &page[n++];
            e->node = dup_col(s, 0);
            e->seq = db_col_int(s, 1);
            e->at = db_col_int(s, 2);
            e->unit_id = dup_col(s, 3);
            e->actor = dup_col(s, 4);
            e->type = dup_col(s, 5);
            e->entity = dup_col(s, 6);
            e->payload_len = db_col_len(s, 7);
            e->payload = xstrndup(db_col_text(s, 7), e->payload_len);
            rc = db_step(s);
        }
        if (s) db_reset(s);
        if (rc >= 0) rc = 0;
        for (size_t i = 0; i < n; i++) {
            struct stored_event *e = &page[i];
            if (rc == 0) {
                event_meta_t m = {.node = e->node, .seq = e->seq, .at = e->at, .unit_id = e->unit_id,
                                  .actor = e->actor, .type = e->type, .entity = e->entity};
                rep->events++;
                bool replica = false;
                for (size_t r = 0; r < nreplicas && !replica && e->node; r++) replica = !strcmp(replicas[r], e->node);
                if (replica ? event_replica_applies(e->type) : event_find(e->type) != NULL) {
                    rc = apply_stored(db, &m, e->payload, e->payload_len);   /* no connector hook */
                    if (rc == 0) rep->applied++;
                    else {
                        str_copy(rep->failed_type, sizeof rep->failed_type, e->type);
                        str_copy(rep->failed_entity, sizeof rep->failed_entity, e->entity ? e->entity : "");
                        rep->failed_seq = e->seq;
                    }
                }
                if (c->progress && rep->events % 5000 == 0) c->progress(rep->events, total, c->arg);
            }
            if (i == n - 1) {
                last_at = e->at;
                last_seq = e->seq;
                str_copy(last_node, sizeof last_node, e->node ? e->node : "");
            }
            free(e->node), free(e->unit_id), free(e->actor), free(e->type), free(e->entity), free(e->payload);
        }
        if (rc < 0 || n < REBUILD_PAGE) break;
    }
    free(page);
    free(replicas);
    if (rc == 0) rc = sweep_tables(db);
    if (rc == 0 && c->progress) c->progress(rep->events, total, c->arg);
    return rc;
}

int event_rebuild(store_t *st, event_rebuild_report_t *rep, event_progress_fn progress, void *arg)
{
    struct rebuild_ctx c = {rep, progress, arg};
    return store_write(st, rebuild_fn, &c);
}

/* ---- digest ---- */

static int digest_fn(db_t *db, void *arg)
{
    sha256_ctx_t *h = sha256_new();
    int rc = 0;
    for (const event_module_t *const *m = registry; *m && rc >= 0; m++)
        for (const event_table_t *t = (*m)->tables; t && t->name && rc >= 0; t++) {
            char sql[512];
            const event_inplace_t *ip = inplace_of(t->name);
            snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s", ip ? ip->columns : "*", t->name,
                     t->order_by);
            sha256_update(h, t->name, strlen(t->name));
            sha256_update(h, "\n", 1);
            db_stmt_t *s = db_prepare(db, sql);
            if (!s) {
                rc = -EINVAL;
                break;
            }
            while ((rc = db_step(s)) == DB_ROW) {
                int cols = db_col_count(s);
                for (int i = 0; i < cols; i++) {
                    if (i) sha256_update(h, "\t", 1);
                    if (db_col_is_null(s, i)) sha256_update(h, "\\N", 2);
                    else sha256_update(h, db_col_text(s, i), db_col_len(s, i));
                }
                sha256_update(h, "\n", 1);
            }
            db_reset(s);
        }
    unsigned char d[SHA256_LEN];
    sha256_final(h, d);
    if (rc >= 0) hex_encode(d, SHA256_LEN, arg);
    return rc < 0 ? rc : 0;
}

int event_digest(store_t *st, char out[65]) { return store_read(st, digest_fn, out); }

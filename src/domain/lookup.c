/* lookup.c — public lookup, ratings and complaints (see lookup.h; docs/one-stop.md "Lookup, rating, complaints"). */
#include "domain/lookup.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/dossier.h"
#include "domain/event.h"
#include "domain/lookup_memo.h"
#include "domain/report.h"   /* report */

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- proof ---- */

#define PROOF_MAX 24

/* Constant-time equality of two strings of at most PROOF_MAX bytes: always compares PROOF_MAX bytes. */
static bool proof_eq(const char *a, const char *b)
{
    char x[PROOF_MAX] = {0}, y[PROOF_MAX] = {0};
    size_t la = strlen(a), lb = strlen(b);
    memcpy(x, a, la < PROOF_MAX ? la : PROOF_MAX);
    memcpy(y, b, lb < PROOF_MAX ? lb : PROOF_MAX);
    unsigned char d = (unsigned char)((la != lb) | (la >= PROOF_MAX) | (lb >= PROOF_MAX));
    for (size_t i = 0; i < PROOF_MAX; i++) d |= (unsigned char)(x[i] ^ y[i]);
    return d == 0;
}

struct prove_ctx {
    const char *code;
    const char *phone;               /* normalised, or NULL */
    const char *id4;
    bool        match;
    char        id[ID_LEN + 1];
    /* The read in which the proof is checked (prove_read). */
    store_t    *st;
    const char *client_addr;
    long long   retry_after_ms;
    /* lookup_public only: where the public JSON goes on a match (NULL: proof only). */
    buf_t      *b;
    jw_t       *w;
    lang_t      lang;
    bool        memo_hit;            /* lookup_public: the body in b came from the memo (lookup_memo.h) */
};

/* The public columns of a dossier, its unit's name and its rating (docs/lookup.md "What is public"), read by
 * public_json from a given column on: only these, not the whole dossier row (dossier_get, ~50 columns). */
#define PUBLIC_COLS "d.code, d.procedure_code, d.procedure_name, u.name, d.status, d.received_at, d.accepted_at, " \
                    "d.due_at, d.resolved_at, d.delivered_at, CASE WHEN d.result IS NULL THEN 0 ELSE 1 END, d.plan, " \
                    "r.satisfied, r.rated_at"
#define PUBLIC_FROM " FROM dossiers d LEFT JOIN units u ON u.id = d.unit_id " \
                    "LEFT JOIN dossier_ratings r ON r.dossier_id = d.id "
static int public_json(db_t *db, jw_t *w, db_stmt_t *s, int col0, const char *dossier_id);

/* One query by code whatever the code; with no row the comparison runs against a dummy that never matches. For
 * lookup_public the same query also reads the public columns (one statement less per lookup), which are written
 * out only once the proof matched. */
static int prove_fn(db_t *db, struct prove_ctx *c)
{
    db_stmt_t *s;
    int rc = c->w ? db_query(db, &s, "SELECT d.id, d.phone, d.id_number, " PUBLIC_COLS PUBLIC_FROM "WHERE d.code = $1",
                             "t", c->code)
                  : db_query(db, &s, "SELECT id, phone, id_number FROM dossiers WHERE code = $1", "t", c->code);
    char id[ID_LEN + 1] = "", phone[PROOF_MAX] = "\x01", idn[PROOF_MAX] = "\x01\x01\x01\x01";
    bool found = rc == DB_ROW;
    if (found) {
        str_copy(id, sizeof id, db_col_text(s, 0));
        str_copy(phone, sizeof phone, db_col_text(s, 1) ? db_col_text(s, 1) : "\x01");
        str_copy(idn, sizeof idn, db_col_text(s, 2) ? db_col_text(s, 2) : "\x01\x01\x01\x01");
    }
    if (rc < 0) {
        if (s) db_reset(s);
        return rc;
    }
    /* The last 4 digits of the identifier, separators skipped (a tax code's branch "0100109106-001" -> "6001"). */
    char last4[5] = "\x01\x01\x01\x01";
    int k = 4;
    for (size_t n = strlen(idn); n > 0 && k > 0; n--)
        if (idn[n - 1] >= '0' && idn[n - 1] <= '9') last4[--k] = idn[n - 1];
    if (k > 0) memcpy(last4, "\x01\x01\x01\x01", 4);
    bool eq = c->phone ? proof_eq(c->phone, phone) : proof_eq(c->id4, last4);
    c->match = found & eq;
    memcpy(c->id, id, sizeof id);
    if (!c->match || !c->w) {
        if (s) db_reset(s);
        return 0;
    }
    buf_reset(c->b);
    jw_init(c->w, c->b);
    return public_json(db, c->w, s, 3, c->id);            /* resets s */
}

/* One read snapshot for the whole successful path: the throttle peek (a nested store_read, which joins this one),
 * the proof and, for lookup_public, the public view. Re-runnable (PostgreSQL may run it again after a reconnect):
 * it starts from scratch and writes into the caller's buffer only. */
static int prove_read(db_t *db, void *arg)
{
    struct prove_ctx *c = arg;
    c->match = false;
    c->retry_after_ms = 0;
    int rc = auth_lookup_throttle_peek(c->st, c->client_addr, &c->retry_after_ms);
    if (rc < 0 || c->retry_after_ms > 0) return rc;
    return prove_fn(db, c);
}

/* Validate the proof, check it (and build the public view when c->w is set) in one read, and count a failure in
 * one write after it. The return values of lookup_prove. */
static int prove_run(store_t *st, const lookup_proof_t *p, const char *client_addr, struct prove_ctx *c,
                     long long *retry_after_ms, derr_t *err)
{
    *retry_after_ms = 0;
    bool has_phone = p->phone && *p->phone, has_id4 = p->id4 && *p->id4;
    if (!p->code || !*p->code || strlen(p->code) >= DOSSIER_CODE_MAX)
        return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "code", "code", NULL, NULL);
    if (has_phone == has_id4) return derr_set(err, -EINVAL, 400, MSG_LOOKUP_PROOF, has_phone ? "id4" : "phone", NULL, NULL, NULL);
    char phone[PROOF_MAX];
    if (has_phone && dossier_phone_normalize(p->phone, phone, sizeof phone) < 0)
        return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "phone", "phone", NULL, NULL);
    if (has_id4 && (strlen(p->id4) != 4 || strspn(p->id4, "0123456789") != 4))
        return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "id4", "id4", NULL, NULL);
    c->code = p->code;
    c->phone = has_phone ? phone : NULL;
    c->id4 = p->id4;
    c->st = st;
    c->client_addr = client_addr;
    /* lookup_public: a proof that passed for this client, code and proof while nothing was written since is
     * answered from the memo (lookup_memo.h explains why the throttle need not be peeked again). The stamp and
     * the time are taken before the read, so an answer that overlapped a write is never kept. */
    unsigned char key[LOOKUP_MEMO_KEY_LEN];
    unsigned long long stamp = store_write_count(st);
    long long at = 0;
    bool memo = c->w && lookup_memo_ms > 0;
    if (memo) {
        lookup_memo_key(client_addr, p->code, has_phone ? 'p' : 'i', has_phone ? phone : p->id4, key);
        at = clock_now_ms();
        buf_reset(c->b);
        if (lookup_memo_get(st, key, at, c->b)) {
            c->memo_hit = c->match = true;
            return 0;
        }
    }
    int rc = store_read(st, prove_read, c);
    c->phone = NULL;                                   /* phone[] ends here */
    if (rc < 0) return rc;
    if (c->retry_after_ms > 0) {
        *retry_after_ms = c->retry_after_ms;
        return 0;
    }
    if (c->match && c->w) {
        /* Finished here so that a memo hit and a fresh read hand the caller the same thing: the whole body. */
        rc = jw_finish(c->w);
        if (rc < 0) return rc;
        if (memo) lookup_memo_put(st, key, stamp, at, c->b->data, c->b->len);
    }
    if (c->match) return 0;
    /* Failed proofs are never memoised: each reaches the write that counts it. */
    rc = auth_lookup_throttle_fail(st, client_addr, retry_after_ms);
    if (rc < 0 || *retry_after_ms > 0) return rc;
    return -ENOENT;
}

int lookup_prove(store_t *st, const lookup_proof_t *p, const char *client_addr, char dossier_id[ID_LEN + 1],
                 long long *retry_after_ms, derr_t *err)
{
    dossier_id[0] = '\0';
    struct prove_ctx c = {0};
    int rc = prove_run(st, p, client_addr, &c, retry_after_ms, err);
    if (rc == 0 && *retry_after_ms == 0) memcpy(dossier_id, c.id, ID_LEN + 1);
    return rc;
}

int lookup_public(store_t *st, const lookup_proof_t *p, const char *client_addr, lang_t lang, buf_t *b,
                  long long *retry_after_ms, derr_t *err)
{
    struct prove_ctx c = {0};
    jw_t w;
    c.b = b;
    c.w = &w;
    c.lang = lang;
    return prove_run(st, p, client_addr, &c, retry_after_ms, err);
}

/* ---- public JSON ---- */

static const msg_id_t status_text[10] = {
    MSG_LOOKUP_STATUS_1, MSG_LOOKUP_STATUS_2, MSG_LOOKUP_STATUS_3, MSG_LOOKUP_STATUS_4, MSG_LOOKUP_STATUS_5,
    MSG_LOOKUP_STATUS_6, MSG_LOOKUP_STATUS_7, MSG_LOOKUP_STATUS_8, MSG_LOOKUP_STATUS_9, MSG_LOOKUP_STATUS_10};

static void kinstant(jw_t *w, const char *k, long long ms)
{
    jw_key(w, k);
    if (!ms) {
        jw_null(w);
        return;
    }
    char iso[CLOCK_ISO_LEN];
    clock_iso_vn(ms, iso);
    jw_str(w, iso);
}

static void kboth(jw_t *w, const char *k, const char *vi, const char *en)
{
    jw_key(w, k);
    jw_obj_begin(w);
    jw_kstr(w, "vi", vi);
    jw_kstr(w, "en", en);
    jw_obj_end(w);
}

static void complaint_row(db_stmt_t *s, int col0, complaint_t *c)
{
    complaint_clear(c);
    str_copy(c->id, sizeof c->id, db_col_text(s, col0));
    str_copy(c->dossier_id, sizeof c->dossier_id, db_col_text(s, col0 + 1));
    c->text = xstrdup(db_col_text(s, col0 + 2) ? db_col_text(s, col0 + 2) : "");
    str_copy(c->status, sizeof c->status, db_col_text(s, col0 + 3));
    c->filed_at = db_col_int(s, col0 + 4);
    c->answer = db_col_text(s, col0 + 5) ? xstrdup(db_col_text(s, col0 + 5)) : NULL;
    str_copy(c->answered_by, sizeof c->answered_by, db_col_text(s, col0 + 6) ? db_col_text(s, col0 + 6) : "");
    c->answered_at = db_col_is_null(s, col0 + 7) ? 0 : db_col_int(s, col0 + 7);
    c->version = db_col_int(s, col0 + 8);
    str_copy(c->dossier_code, sizeof c->dossier_code, db_col_text(s, col0 + 9) ? db_col_text(s, col0 + 9) : "");
}

#define COMPLAINT_COLS "c.id, c.dossier_id, c.text, c.status, c.filed_at, c.answer, c.answered_by, c.answered_at, " \
                       "c.version, d.code"

/* ---- the step names of a plan ----
 * The public steps name each line of the control sheet after its step in the dossier's plan (the process template
 * copied at intake, JSON text). Parsing that text with jansson for every lookup was a third of the lookup's
 * instructions (about 110,000 for a 4-step plan, callgrind), for a text that is the same for all dossiers of one
 * procedure version and never changes once copied. So the names are parsed once per distinct plan text and kept in
 * a small process-wide table keyed by the whole text (a hash, then a byte comparison: a dossier can never be shown
 * another plan's names); a plan edited later is another text, hence another entry. Bounded: PLAN_CACHE_N entries
 * of at most PLAN_CACHE_TEXT_MAX bytes, replaced in turn; a longer plan is parsed each time. */

#define PLAN_CACHE_N 32
#define PLAN_CACHE_TEXT_MAX 65536

/* One allocation: n, then n offsets into the names (PLAN_NO_NAME: that step has no name), then the names. */
typedef struct plan_names {
    size_t   n;
    size_t   size;                   /* bytes of the whole block */
    size_t   off[];
} plan_names_t;
#define PLAN_NO_NAME ((size_t)-1)

static struct plan_cache_entry {
    uint64_t      hash;
    size_t        len;
    char         *text;
    plan_names_t *names;
} plan_cache[PLAN_CACHE_N];
static unsigned        plan_cache_next;
static pthread_mutex_t plan_cache_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t plan_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;               /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static const char *plan_name(const plan_names_t *p, long long step)
{
    if (!p || step < 0 || (unsigned long long)step >= p->n || p->off[step] == PLAN_NO_NAME) return NULL;
    return (const char *)&p->off[p->n] + p->off[step];
}

static plan_names_t *plan_names_parse(const char *text, size_t len)
{
    json_t *plan = json_loadb(text, len, 0, NULL);
    size_t n = json_is_array(plan) ? json_array_size(plan) : 0, chars = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *name = json_object_get(json_array_get(plan, i), "name");
        if (json_is_string(name)) chars += json_string_length(name) + 1;
    }
    size_t size = sizeof(plan_names_t) + n * sizeof(size_t) + chars;
    plan_names_t *p = xmalloc(size);
    p->n = n;
    p->size = size;
    char *names = (char *)&p->off[n];
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *name = json_object_get(json_array_get(plan, i), "name");
        if (!json_is_string(name)) {
            p->off[i] = PLAN_NO_NAME;
            continue;
        }
        size_t l = json_string_length(name);
        memcpy(names + at, json_string_value(name), l);     /* a name with a NUL in it stops there, as before */
        names[at + l] = '\0';
        p->off[i] = at;
        at += l + 1;
    }
    json_decref(plan);
    return p;
}

/* The names of plan's steps, for the caller to free(): a copy of the cached ones (a copy, so that no lock is held
 * while the caller queries the store), parsed on a miss. */
static plan_names_t *plan_names_get(const char *text)
{
    size_t len = strlen(text);
    if (len > PLAN_CACHE_TEXT_MAX) return plan_names_parse(text, len);
    uint64_t h = plan_hash(text, len);
    plan_names_t *copy = NULL;
    pthread_mutex_lock(&plan_cache_mu);
    for (int i = 0; i < PLAN_CACHE_N && !copy; i++) {
        const struct plan_cache_entry *e = &plan_cache[i];
        if (e->text && e->hash == h && e->len == len && !memcmp(e->text, text, len)) {
            copy = xmalloc(e->names->size);
            memcpy(copy, e->names, e->names->size);
        }
    }
    pthread_mutex_unlock(&plan_cache_mu);
    if (copy) return copy;
    plan_names_t *p = plan_names_parse(text, len);      /* outside the lock: the slow part */
    struct plan_cache_entry fresh = {h, len, xmalloc(len + 1), xmalloc(p->size)};
    memcpy(fresh.text, text, len + 1);
    memcpy(fresh.names, p, p->size);
    pthread_mutex_lock(&plan_cache_mu);
    struct plan_cache_entry *e = &plan_cache[plan_cache_next++ % PLAN_CACHE_N];
    struct plan_cache_entry old = *e;
    *e = fresh;
    pthread_mutex_unlock(&plan_cache_mu);
    free(old.text);
    free(old.names);
    return p;
}

/* Public: the step history without officers, units or notes: what was done, at which step of the process, when,
 * and the status it led to. */
static int public_steps(db_t *db, jw_t *w, const char *dossier_id, const char *plan_text)
{
    plan_names_t *names = plan_names_get(plan_text);
    db_stmt_t *s;
    jw_key(w, "steps");
    jw_arr_begin(w);
    int rc = db_query(db, &s, "SELECT n, action, step, at, status_after FROM dossier_steps WHERE dossier_id = $1 "
                              "ORDER BY n", "t", dossier_id);
    while (rc == DB_ROW) {
        long long step = db_col_int(s, 2), st = db_col_int(s, 4);
        jw_obj_begin(w);
        jw_kint(w, "n", db_col_int(s, 0));
        jw_kstr(w, "action", db_col_text(s, 1));
        jw_kint(w, "step", step);
        jw_kstr(w, "step_name", plan_name(names, step));
        kinstant(w, "at", db_col_int(s, 3));
        jw_kint(w, "status", st);
        kboth(w, "status_name", dossier_status_name((int)st, LANG_VI), dossier_status_name((int)st, LANG_EN));
        jw_obj_end(w);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    free(names);
    return rc < 0 ? rc : 0;
}

static long long col_instant(db_stmt_t *s, int col) { return db_col_is_null(s, col) ? 0 : db_col_int(s, col); }

int lookup_json(db_t *db, jw_t *w, const char *dossier_id, lang_t lang)
{
    (void)lang;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " PUBLIC_COLS PUBLIC_FROM "WHERE d.id = $1", "t", dossier_id);
    if (rc != DB_ROW) {
        if (s) db_reset(s);
        return rc < 0 ? rc : -ENOENT;
    }
    return public_json(db, w, s, 0, dossier_id);
}

/* The public view from the PUBLIC_COLS of the row s is on (from column col0), then the steps and complaints;
 * resets s. */
static int public_json(db_t *db, jw_t *w, db_stmt_t *s, int col0, const char *dossier_id)
{
    int status = (int)db_col_int(s, col0 + 4);
    bool has_result = db_col_int(s, col0 + 10) != 0, rated = !db_col_is_null(s, col0 + 12);
    bool satisfied = rated && db_col_int(s, col0 + 12) != 0;
    long long rated_at = rated ? col_instant(s, col0 + 13) : 0;
    jw_obj_begin(w);
    jw_kstr(w, "code", db_col_text(s, col0 + 0));
    jw_key(w, "procedure");
    jw_obj_begin(w);
    jw_kstr(w, "code", db_col_text(s, col0 + 1));
    jw_kstr(w, "name", db_col_text(s, col0 + 2));
    jw_obj_end(w);
    jw_kstr(w, "unit", db_col_text(s, col0 + 3));
    jw_kint(w, "status", status);
    kboth(w, "status_name", dossier_status_name(status, LANG_VI), dossier_status_name(status, LANG_EN));
    int si = status >= 1 && status <= 10 ? status - 1 : 0;
    kboth(w, "status_text", msg_text(status_text[si], LANG_VI), msg_text(status_text[si], LANG_EN));
    kinstant(w, "received_at", col_instant(s, col0 + 5));
    kinstant(w, "accepted_at", col_instant(s, col0 + 6));
    kinstant(w, "due_at", col_instant(s, col0 + 7));
    kinstant(w, "resolved_at", col_instant(s, col0 + 8));
    kinstant(w, "delivered_at", col_instant(s, col0 + 9));
    jw_kbool(w, "result_ready", status == DS_RETURNED || (status == DS_RESOLVED && has_result));
    char *plan = xstrdup(db_col_text(s, col0 + 11) ? db_col_text(s, col0 + 11) : "[]");
    db_reset(s);
    int rc = public_steps(db, w, dossier_id, plan);
    free(plan);
    if (rc < 0) return rc;
    /* The rating, when there is one. */
    jw_key(w, "rating");
    if (rated) {
        jw_obj_begin(w);
        jw_kbool(w, "satisfied", satisfied);
        kinstant(w, "rated_at", rated_at);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "can_rate", status == DS_RETURNED && !rated);
    /* The applicant's complaints and their answers. */
    jw_key(w, "complaints");
    jw_arr_begin(w);
    rc = db_query(db, &s, "SELECT " COMPLAINT_COLS " FROM complaints c JOIN dossiers d ON d.id = c.dossier_id "
                          "WHERE c.dossier_id = $1 ORDER BY c.id", "t", dossier_id);
    complaint_t c = {0};
    while (rc == DB_ROW) {
        complaint_row(s, 0, &c);
        complaint_json(w, &c, false);
        rc = db_step(s);
    }
    complaint_clear(&c);
    if (s) db_reset(s);
    jw_arr_end(w);
    jw_obj_end(w);
    return rc < 0 ? rc : 0;
}

/* ---- complaints: shared ---- */

void complaint_clear(complaint_t *c)
{
    free(c->text);
    free(c->answer);
    memset(c, 0, sizeof *c);
}

void complaint_json(jw_t *w, const complaint_t *c, bool staff)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", c->id);
    if (staff) jw_kstr(w, "dossier", c->dossier_code);
    jw_kstr(w, "status", c->status);
    jw_kstr(w, "text", c->text);
    kinstant(w, "filed_at", c->filed_at);
    jw_kstr(w, "answer", c->answer);
    kinstant(w, "answered_at", c->answered_at);
    if (staff) {
        jw_kstr(w, "answered_by", domain_nz(c->answered_by));
        jw_kint(w, "version", c->version);
    }
    jw_obj_end(w);
}

static bool blank(const char *s)
{
    for (; s && *s; s++)
        if (!isspace((unsigned char)*s)) return false;
    return true;
}

/* ---- ratings ---- */

struct rating_payload {
    const char      *dossier_id, *unit_id;
    const lookup_rating_t *in;
};

static void rating_payload(jw_t *w, const void *arg)
{
    const struct rating_payload *p = arg;
    jw_obj_begin(w);
    jw_kstr(w, "dossier_id", p->dossier_id);
    jw_kstr(w, "unit_id", p->unit_id);
    jw_kbool(w, "satisfied", p->in->satisfied);
    jw_kstr(w, "comment", domain_nz(p->in->comment));
    jw_kstr(w, "by", domain_nz(p->in->by_account));
    jw_kint(w, "at", p->in->now_ms);
    jw_obj_end(w);
}

int lookup_rate(db_t *db, const char *dossier_id, const lookup_rating_t *in, derr_t *err)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT d.status, d.unit_id, (SELECT COUNT(*) FROM dossier_ratings r "
                              "WHERE r.dossier_id = d.id) FROM dossiers d WHERE d.id = $1", "t", dossier_id);
    int status = 0;
    long long rated = 0;
    char unit[ID_LEN + 1] = "";
    if (rc == DB_ROW) {
        status = (int)db_col_int(s, 0);
        str_copy(unit, sizeof unit, db_col_text(s, 1));
        rated = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW) return -ENOENT;
    if (status != DS_RETURNED)
        return derr_set(err, -EBUSY, 409, MSG_LOOKUP_NOT_DELIVERED, "status", dossier_status_name(status, LANG_VI),
                        NULL, NULL);
    if (rated) return derr_set(err, -EEXIST, 409, MSG_LOOKUP_ALREADY_RATED, NULL, NULL, NULL, NULL);
    struct rating_payload p = {dossier_id, unit, in};
    return event_record(db, unit, domain_nz(in->by_account), "dossier.rated", "dossier", dossier_id, rating_payload, &p,
                        NULL);
}

int lookup_owned(db_t *db, const principal_t *who, const char *code, char dossier_id[ID_LEN + 1])
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT id FROM dossiers WHERE code = $1 AND applicant_account = $2", "tt", code,
                      who->account_id);
    if (rc == DB_ROW) str_copy(dossier_id, ID_LEN + 1, db_col_text(s, 0));
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW && !strcmp(who->kind, "citizen") ? 0 : -ENOENT;
}

/* Run a prepared statement to completion. */
static int step_done(db_stmt_t *s)
{
    int rc = db_step(s);
    db_reset(s);
    return rc < 0 ? rc : 0;
}

static int rated_rows(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    json_t *sat = json_object_get(payload, "satisfied");
    if (!event_str(payload, "dossier_id") || !event_str(payload, "unit_id") || !json_is_boolean(sat)) return -EINVAL;
    db_stmt_t *s = db_prepare(db, "INSERT INTO dossier_ratings (dossier_id, unit_id, satisfied, comment, by_account, "
                                  "rated_at) VALUES ($1, $2, $3, $4, $5, $6)");
    if (!s) return -EIO;
    db_bind_text(s, 1, event_str(payload, "dossier_id"), DB_NTS);
    db_bind_text(s, 2, event_str(payload, "unit_id"), DB_NTS);
    db_bind_int(s, 3, json_is_true(sat));
    db_bind_text(s, 4, event_str(payload, "comment"), DB_NTS);
    db_bind_text(s, 5, event_str(payload, "by"), DB_NTS);
    db_bind_int(s, 6, json_integer_value(json_object_get(payload, "at")));
    return step_done(s);
}

/* ---- complaints ---- */

struct filed_payload {
    const char *id, *dossier_id, *text, *by;
    long long   at;
};

static void filed_payload(jw_t *w, const void *arg)
{
    const struct filed_payload *p = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", p->id);
    jw_kstr(w, "dossier_id", p->dossier_id);
    jw_kstr(w, "text", p->text);
    jw_kstr(w, "by", domain_nz(p->by));
    jw_kint(w, "at", p->at);
    jw_obj_end(w);
}

static int complaint_load(db_t *db, const char *id, complaint_t *out, char *unit_path, size_t cap, char *unit_id)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " COMPLAINT_COLS ", d.unit_path, d.unit_id FROM complaints c "
                              "JOIN dossiers d ON d.id = c.dossier_id WHERE c.id = $1", "t", id);
    if (rc == DB_ROW) {
        complaint_row(s, 0, out);
        if (unit_path) str_copy(unit_path, cap, db_col_text(s, 10));
        if (unit_id) str_copy(unit_id, ID_LEN + 1, db_col_text(s, 11));
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -ENOENT;
}

int lookup_complaint_file(db_t *db, const char *dossier_id, const char *id, const char *text, const char *by_account,
                          long long now_ms, complaint_t *out, derr_t *err)
{
    if (blank(text)) return derr_set(err, -EINVAL, 400, MSG_LOOKUP_TEXT_EMPTY, "text", "text", NULL, NULL);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT unit_id FROM dossiers WHERE id = $1", "t", dossier_id);
    char unit[ID_LEN + 1] = "";
    if (rc == DB_ROW) str_copy(unit, sizeof unit, db_col_text(s, 0));
    if (s) db_reset(s);
    if (rc < 0) return rc;
    if (rc != DB_ROW) return -ENOENT;
    struct filed_payload p = {id, dossier_id, text, by_account, now_ms};
    rc = event_record(db, unit, domain_nz(by_account), "complaint.filed", "complaint", id, filed_payload, &p, NULL);
    if (rc < 0) return rc;
    return complaint_load(db, id, out, NULL, 0, NULL);
}

static int filed_rows(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    if (!event_str(payload, "id") || !event_str(payload, "dossier_id") || !event_str(payload, "text")) return -EINVAL;
    db_stmt_t *s = db_prepare(db, "INSERT INTO complaints (id, dossier_id, text, status, by_account, filed_at) "
                                  "VALUES ($1, $2, $3, 'open', $4, $5)");
    if (!s) return -EIO;
    db_bind_text(s, 1, event_str(payload, "id"), DB_NTS);
    db_bind_text(s, 2, event_str(payload, "dossier_id"), DB_NTS);
    db_bind_text(s, 3, event_str(payload, "text"), DB_NTS);
    db_bind_text(s, 4, event_str(payload, "by"), DB_NTS);
    db_bind_int(s, 5, json_integer_value(json_object_get(payload, "at")));
    return step_done(s);
}

static bool covers_any(const principal_t *who, const char *path)
{
    for (int r = 0; r < ROLE__COUNT; r++)
        if (auth_role_covers(who, (role_t)r, path)) return true;
    return false;
}

struct answered_payload {
    const char *id, *answer, *by;
    long long   at;
};

static void answered_payload(jw_t *w, const void *arg)
{
    const struct answered_payload *p = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", p->id);
    jw_kstr(w, "answer", p->answer);
    jw_kstr(w, "by", p->by);
    jw_kint(w, "at", p->at);
    jw_obj_end(w);
}

int lookup_complaint_answer(db_t *db, const principal_t *who, const char *id, const char *answer, long long now_ms,
                            complaint_t *out, derr_t *err)
{
    char path[AUTH_PATH_MAX] = "", unit[ID_LEN + 1] = "";
    int rc = complaint_load(db, id, out, path, sizeof path, unit);
    if (rc < 0) return rc;
    if (strcmp(who->kind, "citizen") == 0 || !covers_any(who, path)) return -ENOENT;
    if (!auth_role_covers(who, ROLE_LEADER, path) && !auth_role_covers(who, ROLE_DESK, path))
        return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    if (strcmp(out->status, "open"))
        return derr_set(err, -EBUSY, 409, MSG_LOOKUP_ALREADY_ANSWERED, "status", NULL, NULL, NULL);
    if (blank(answer)) return derr_set(err, -EINVAL, 400, MSG_LOOKUP_TEXT_EMPTY, "answer", "answer", NULL, NULL);
    struct answered_payload p = {id, answer, who->account_id, now_ms};
    rc = event_record(db, unit, who->account_id, "complaint.answered", "complaint", id, answered_payload, &p, NULL);
    if (rc < 0) return rc;
    return complaint_load(db, id, out, NULL, 0, NULL);
}

static int apply_answered(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    if (!event_str(payload, "id") || !event_str(payload, "answer")) return -EINVAL;
    db_stmt_t *s = db_prepare(db, "UPDATE complaints SET status = 'answered', answer = $2, answered_by = $3, "
                                  "answered_at = $4, version = version + 1 WHERE id = $1 AND status = 'open'");
    if (!s) return -EIO;
    db_bind_text(s, 1, event_str(payload, "id"), DB_NTS);
    db_bind_text(s, 2, event_str(payload, "answer"), DB_NTS);
    db_bind_text(s, 3, event_str(payload, "by"), DB_NTS);
    db_bind_int(s, 4, json_integer_value(json_object_get(payload, "at")));
    int rc = step_done(s);
    if (rc < 0) return rc;
    return db_changes(db) == 1 ? 0 : -ENOENT;
}

int lookup_complaint_list(db_t *db, const principal_t *who, const char *status, const char *after_id, long long limit,
                          complaint_cb cb, void *arg)
{
    /* Scope: the caller's grant paths, OR-ed (as the dossier work lists). */
    buf_t sql;
    buf_init(&sql, 0);
    const char *args[AUTH_MAX_GRANTS + 2];
    char likes[AUTH_MAX_GRANTS][AUTH_PATH_MAX + 2];
    int na = 0;
    buf_printf(&sql, "SELECT " COMPLAINT_COLS " FROM complaints c JOIN dossiers d ON d.id = c.dossier_id WHERE (");
    bool staff = strcmp(who->kind, "citizen") != 0;
    for (int i = 0; staff && i < who->ngrants; i++) {
        snprintf(likes[i], sizeof likes[i], "%s%%", who->grants[i].unit_path);
        args[na++] = likes[i];
        buf_printf(&sql, "%sd.unit_path LIKE $%d", i ? " OR " : "", na);
    }
    if (!staff || !who->ngrants) buf_puts(&sql, "1 = 0");
    buf_puts(&sql, ")");
    args[na++] = status ? status : "";
    buf_printf(&sql, " AND ($%d = '' OR c.status = $%d)", na, na);
    args[na++] = after_id ? after_id : "";
    buf_printf(&sql, " AND ($%d = '' OR c.id < $%d) ORDER BY c.id DESC LIMIT %lld", na, na, limit);
    db_stmt_t *s = db_prepare(db, sql.data);
    buf_free(&sql);
    if (!s) return -EIO;
    for (int i = 0; i < na; i++) db_bind_text(s, i + 1, args[i], DB_NTS);
    complaint_t c = {0};
    int rc, n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        complaint_row(s, 0, &c);
        n++;
        if (cb(&c, arg) < 0) break;
    }
    complaint_clear(&c);
    db_reset(s);
    return rc < 0 ? rc : n;
}

/* report: a rating or a complaint changes its dossier's cells (report.h) */
static int tracked(db_t *db, const event_meta_t *ev, const json_t *payload, event_apply_fn rows)
{
    return report_tracked(db, ev, payload, "dossier_id", rows);
}

static int apply_rated(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    return tracked(db, ev, payload, rated_rows);
}

static int apply_filed(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    return tracked(db, ev, payload, filed_rows);
}

/* The replica guard (replication, domain/sync.c): a rating or a complaint of a dossier the node's subtree owns at
 * the hub; a complaint's id is the entity's, a new one is not at the hub yet, an answered one is of such a dossier. */
static int lookup_guard(db_t *db, const event_meta_t *ev, const json_t *p, const char *sub)
{
    static const char *const dossier_sql = "SELECT unit_path FROM dossiers WHERE id = $1";
    bool found;
    int rc;
    if (!strcmp(ev->type, "dossier.rated")) {
        const char *dossier = event_str(p, "dossier_id");
        if (!event_entity_is(ev, "dossier", dossier)) return 0;
        rc = event_row_in(db, dossier_sql, dossier, true, sub, &found);
        if (rc == 1 && !found) rc = 0;
        return rc == 1 ? event_unit_in(db, event_str(p, "unit_id"), sub) : rc;
    }
    const char *id = event_str(p, "id");
    if (!event_entity_is(ev, "complaint", id)) return 0;
    if (!strcmp(ev->type, "complaint.filed")) {
        rc = event_row_in(db, "SELECT id FROM complaints WHERE id = $1", id, true, "", &found);
        if (rc < 0) return rc;
        if (found) return 0;
        rc = event_row_in(db, dossier_sql, event_str(p, "dossier_id"), true, sub, &found);
        return rc == 1 && !found ? 0 : rc;
    }
    rc = event_row_in(db, "SELECT d.unit_path FROM complaints c JOIN dossiers d ON d.id = c.dossier_id WHERE c.id = $1",
                      id, true, sub, &found);
    return rc == 1 && !found ? 0 : rc;
}

static const event_kind_t kinds[] = {
    {"dossier.rated", apply_rated},
    {"complaint.filed", apply_filed},
    {"complaint.answered", apply_answered},
    {NULL, NULL},
};

static const event_table_t tables[] = {
    {"complaints", "id"},
    {"dossier_ratings", "dossier_id"},
    {NULL, NULL},
};

const event_module_t lookup_events = {"lookup", kinds, tables, lookup_guard};

/* document.h — the registers of official documents (sổ đăng ký văn bản đi / đến) under Decree 30/2020/NĐ-CP on
 * clerical work (docs/documents.md).
 *
 * Two registers per unit and year: outgoing documents (văn bản đi), numbered per issuing unit per year from 01 on
 * 1 January (Vietnam local date; Article 15), the symbol built as Appendix I lays it out ("15/QĐ-UBND", for a
 * công văn "123/UBND-VP"); and incoming documents (văn bản đến), each given the receiving unit's arrival number of
 * the year (Article 22). Every registration is ONE ledger event (document.outgoing_registered,
 * document.incoming_registered) whose payload carries the whole row, number and symbol included; the number is
 * taken inside the same write transaction from the unit's counter row (document_counters), so numbers are never
 * skipped or reused, whichever process writes. The apply functions build documents and document_counters from the
 * payload alone, so `motcua rebuild` gives the same rows.
 *
 * Scope: clerks (văn thư) and leaders whose grant covers the unit register; clerks, leaders and officials whose
 * grant covers it read. A document outside the caller's reading scope is -ENOENT (404), never a hint. */
#ifndef MOTCUA_DOCUMENT_H
#define MOTCUA_DOCUMENT_H
#include <stdbool.h>

#include "core/json.h"
#include "core/msg.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

#define DOCUMENT_SUMMARY_MAX    1000   /* characters of the summary (trích yếu) */
#define DOCUMENT_AGENCY_MAX     300    /* characters of the issuing agency / recipients */
#define DOCUMENT_RECIPIENTS_MAX 1000
#define DOCUMENT_SYMBOL_MAX     64     /* characters of a number and symbol ("15/QĐ-UBND") */
#define DOCUMENT_SIGNER_MAX     200

#define DOCUMENT_EVENT_OUTGOING "document.outgoing_registered"
#define DOCUMENT_EVENT_INCOMING "document.incoming_registered"

/* ---- the document types of Decree 30/2020, Article 7 and Appendix III ---- */
typedef struct document_type {
    const char *code;        /* stable API code: "quyet-dinh" */
    const char *abbr;        /* Appendix III abbreviation "QĐ"; NULL for công văn and thư công */
    const char *name_vi;     /* "Quyết định (cá biệt)" */
    const char *name_en;
} document_type_t;

/* The types in the decree's order; *n gets their count. */
const document_type_t *document_types(size_t *n);
const document_type_t *document_type_find(const char *code);   /* NULL when unknown */

/* ---- enumerations ---- */
/* Urgency (độ khẩn, Article 8 / Appendix I): normal, urgent (khẩn), very_urgent (thượng khẩn), flash (hỏa tốc).
 * Confidentiality (độ mật): normal, confidential (mật), secret (tối mật), top_secret (tuyệt mật). */
bool document_urgency_valid(const char *s);
bool document_confidentiality_valid(const char *s);

/* The symbol "<number, at least 2 digits>/<type abbr>-<unit abbr>", or for a type without an abbreviation
 * (công văn, thư công) "<number>/<unit abbr>-<department abbr>". 0, or -EINVAL (missing part) / -E2BIG. */
int document_symbol_format(long long number, const char *type_abbr, const char *unit_abbr, const char *dept_abbr,
                           char *out, size_t cap);

/* ---- registration ---- */
typedef struct document_in {
    const char *type;            /* a document_type_t code (required) */
    const char *unit_id;         /* the registering unit; NULL: the caller's first clerk (else leader) grant */
    const char *department_id;   /* outgoing: the drafting department (required for công văn) */
    const char *recipients;      /* outgoing: nơi nhận (required) */
    const char *agency;          /* incoming: the issuing agency (required) */
    const char *symbol;          /* incoming: the number and symbol as written on it (required) */
    const char *dated;           /* incoming: its date YYYY-MM-DD, not after the arrival (required) */
    const char *summary;         /* trích yếu (required) */
    const char *signer;          /* optional */
    const char *urgency;         /* NULL: "normal" */
    const char *confidentiality; /* NULL: "normal" */
    const char *deadline;        /* handling deadline YYYY-MM-DD, not before today; optional */
    long long   now_ms;          /* the caller's clock: the registration instant (its local date and year) */
} document_in_t;

typedef struct document {
    char      id[ID_LEN + 1];
    char      direction[4];              /* "in" | "out" */
    char      unit_id[ID_LEN + 1];
    char      unit_path[AUTH_PATH_MAX];
    int       year;
    long long number;                    /* outgoing number / arrival number in the unit's register of the year */
    char      symbol[256];               /* outgoing: built; incoming: as written */
    char      type[24];
    char      department_id[ID_LEN + 1];
    char      agency[1024];              /* incoming: issuing agency */
    char      recipients[4096];          /* outgoing */
    char      dated[11];                 /* YYYY-MM-DD: issuance (outgoing: the registration date) */
    char      arrival_date[11];          /* incoming: YYYY-MM-DD */
    char      summary[4096];
    char      urgency[16], confidentiality[16];
    char      signer[808];
    char      deadline[11];
    char      status[16];                /* outgoing "issued"; incoming registered -> assigned -> in_progress -> done */
    char      lead_unit_id[ID_LEN + 1];  /* incoming, once assigned: the lead department, or */
    char      lead_account_id[ID_LEN + 1]; /* ... the lead person */
    char      coordinators[8 * (ID_LEN + 3) + 4]; /* incoming: the co-ordinating departments of the latest
                                                   * assignment, a JSON array of ids ("[]" when none) */
    char      dossier_code[64];          /* incoming: the dossier it started ("" when none) */
    char      registered_by[ID_LEN + 1];
    long long created_at, updated_at, version;
} document_t;

/* Register an outgoing document: number, symbol and row in one document.outgoing_registered event. who NULL is
 * the system (unit_id then required). Refusals (with *err): 400 bad field, 403 role, 404 unit outside scope,
 * 422 a rule (unit kind, missing abbreviation, công văn without department). */
int document_register_outgoing(db_t *db, const principal_t *who, const document_in_t *in, document_t *out,
                               derr_t *err);
/* Register an incoming document (the API and, later, the edXML exchange inbox: who NULL = the system). The same
 * document (issuing agency, number and symbol, date; compared folded) registered twice in one unit: -EEXIST with
 * a 409 in *err, nothing written. */
int document_register_incoming(db_t *db, const principal_t *who, const document_in_t *in, document_t *out,
                               derr_t *err);

/* ---- handling (incoming documents; Article 24) ----
 * assign: a leader covering the unit names the lead (a department of the unit, or a staff member whose home unit
 * is inside it), up to DOCUMENT_COORDINATORS_MAX co-ordinating departments and a deadline; again while not done
 * (reassignment). progress / done: the lead person, staff of the lead department, or a clerk or leader covering
 * the unit. Each is ONE event (document.assigned, document.progress, document.done) carrying the state after it.
 * Refusals: 404 not readable, 403 role, 409 wrong state or an outgoing document, 412 stale version, 422 lead or
 * co-ordinator not of the unit, 400 bad field. */
#define DOCUMENT_COORDINATORS_MAX 8
#define DOCUMENT_EVENT_ASSIGNED "document.assigned"
#define DOCUMENT_EVENT_PROGRESS "document.progress"
#define DOCUMENT_EVENT_DONE     "document.done"
typedef struct document_action_in {
    const char *action;                  /* "assign" | "progress" | "done" */
    long long   version;                 /* the version the caller saw */
    const char *lead_unit_id, *lead_account_id;   /* assign: exactly one */
    int         ncoordinators;
    const char *coordinators[DOCUMENT_COORDINATORS_MAX];
    const char *deadline;                /* assign: YYYY-MM-DD not before today; NULL keeps the current one */
    const char *note;                    /* progress: required; otherwise optional */
    long long   now_ms;
} document_action_in_t;
int document_handle(db_t *db, const principal_t *who, const char *id, const document_action_in_t *in,
                    document_t *out, derr_t *err);

/* ---- a document starts a dossier (issue 12 item 2) ----
 * An incoming document (a citizen's petition, another agency's request) starts a dossier of a procedure of its
 * unit through the one intake (dossier_receive, channel desk, in->unit_id = the document's unit) and, in the same
 * transaction, ONE document.dossier_started event links the two (a row of document_dossiers, migration 23). Who: a clerk, desk officer or leader covering the document's unit (403), a reader of it
 * (else 404). One dossier per document: a second is -EEXIST, 409 naming the dossier. An outgoing document: 409.
 * The intake's own refusals (400, 404 procedure, 422 papers) pass through; nothing is written on any refusal. */
#define DOCUMENT_EVENT_DOSSIER "document.dossier_started"
struct dossier_intake;
struct dossier;
int document_start_dossier(db_t *db, const principal_t *who, const char *id, struct dossier_intake *in,
                           struct dossier *out, derr_t *err);
/* The dossier code a document started ("" when none): *code gets it (cap bytes). 0 or < 0. */
int document_dossier_code(db_t *db, const char *document_id, char *code, size_t cap);
/* The document that started a dossier (by the dossier's code): its id and symbol, -ENOENT when none. */
int document_of_dossier(db_t *db, const char *dossier_code, char id[ID_LEN + 1], char *symbol, size_t cap);

/* ---- reading ---- */
int document_get(db_t *db, const char *id, document_t *out);            /* no scope check; -ENOENT */
/* Clerks, leaders and officials covering the unit, the lead of an assigned document (the lead person, or staff
 * whose home unit is the lead department), and staff whose home unit is one of its co-ordinating departments. */
bool document_readable(const principal_t *who, const document_t *d);
/* Clerks and leaders covering the unit: those who register in its registers (and attach files to its documents). */
bool document_registrar(const principal_t *who, const document_t *d);
/* Whether who's home unit is one of d's co-ordinating departments (d->coordinators). */
bool document_coordinator(const principal_t *who, const document_t *d);
/* Whether who holds a reading role (clerk, leader, official) anywhere. */
bool document_reader(const principal_t *who);
void document_json(jw_t *w, const document_t *d, lang_t lang);         /* one object */
/* The handling lines of a document (assigned / progress / done), oldest first, as a JSON array. */
int document_handling_json(db_t *db, jw_t *w, const char *id);
/* document_json() with its "handling" and "attachments" arrays (GET /api/v1/documents/{id}). */
int document_json_full(db_t *db, jw_t *w, const document_t *d, lang_t lang);

typedef struct document_query {
    const char *direction;       /* "in" | "out" | NULL */
    const char *under_path;      /* a unit's path: its subtree only; NULL any */
    int         year;            /* 0 any */
    const char *type;            /* NULL any */
    const char *q;               /* folded substring of symbol, summary, agency, recipients, signer */
    const char *after_id;        /* cursor: rows with id below it (above it when oldest_first) */
    long long   limit;
    bool        oldest_first;    /* register order (numbers ascending) instead of newest first */
    /* Work lists (docs/documents.md, "Work lists"): DOCUMENT_VIEW_ALL every readable row; _LEAD the open
     * (assigned, in progress) documents who leads; _COORDINATING the open ones who's home department
     * co-ordinates. due: DOCUMENT_DUE_SOON a deadline from today to today + due_days; _OVERDUE a deadline before
     * today (both: open documents only). Today is now_ms's Vietnam local date. */
    enum { DOCUMENT_VIEW_ALL, DOCUMENT_VIEW_LEAD, DOCUMENT_VIEW_COORDINATING } view;
    enum { DOCUMENT_DUE_ANY, DOCUMENT_DUE_SOON, DOCUMENT_DUE_OVERDUE } due;
    long long   now_ms;
    int         due_days;
} document_query_t;
typedef int (*document_cb)(const document_t *d, void *arg);   /* < 0 stops */
/* Rows readable by who (document_readable), newest first. Returns the rows read or < 0. */
int document_list(db_t *db, const principal_t *who, const document_query_t *q, document_cb cb, void *arg);

extern const struct event_module document_events;
#endif

/* migrate.c — the schema, version by version (see migrate.h).
 *
 * Conventions every table follows: ids are 26-character text ids (core/rand.h); instants are BIGINT milliseconds
 * since the epoch, UTC; booleans are INTEGER 0/1; JSON is TEXT; records that users edit carry `version` for
 * optimistic concurrency (If-Match / 412). name_fold columns hold the Vietnamese-folded name for search. */
#include "db/migrate.h"
#include "core/clock.h"
#include "core/log.h"

#include <stdio.h>
#include <string.h>

struct migration {
    int         version;
    const char *name;
    const char *sql;    /* both engines (NULL: none) */
    const char *pg_sql; /* PostgreSQL only, run after sql (NULL: none): indexes that only PostgreSQL needs */
};

static const struct migration migrations[] = {
    {1, "foundation",
     /* This database's identity as a node of the replication graph, and small settings. */
     "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
     /* Units: national root, provinces, communes/wards, departments. path is the chain of ids from the root,
      * "/<root>/<province>/<commune>/", so "is U inside my scope" is one prefix test. */
     "CREATE TABLE units (\n"
     "  id TEXT PRIMARY KEY, parent_id TEXT REFERENCES units(id), kind TEXT NOT NULL,\n"
     "  name TEXT NOT NULL, name_fold TEXT NOT NULL, slug TEXT UNIQUE, admin_code TEXT, edi_code TEXT UNIQUE,\n"
     "  abbr TEXT, path TEXT NOT NULL, province_id TEXT, merged_from TEXT NOT NULL DEFAULT '[]',\n"
     "  active INTEGER NOT NULL DEFAULT 1, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
     "  version INTEGER NOT NULL DEFAULT 1,\n"
     "  CHECK (kind IN ('national','province','commune','ward','department')));\n"
     "CREATE INDEX units_parent ON units(parent_id);\n"
     "CREATE INDEX units_path ON units(path);\n"
     /* Accounts: staff, citizens and systems share sign-in; staff have roles, citizens none. */
     "CREATE TABLE accounts (\n"
     "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, username TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,\n"
     "  name_fold TEXT NOT NULL, email TEXT, phone TEXT, national_id TEXT, unit_id TEXT REFERENCES units(id),\n"
     "  password_hash TEXT, disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0,\n"
     "  last_failed_at BIGINT NOT NULL DEFAULT 0, locked_until BIGINT NOT NULL DEFAULT 0,\n"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 1,\n"
     "  CHECK (kind IN ('staff','citizen','system')));\n"
     "CREATE INDEX accounts_unit ON accounts(unit_id);\n"
     "CREATE TABLE roles (\n"
     "  account_id TEXT NOT NULL REFERENCES accounts(id), role TEXT NOT NULL, unit_id TEXT NOT NULL REFERENCES units(id),\n"
     "  PRIMARY KEY (account_id, role, unit_id));\n"
     "CREATE INDEX roles_unit ON roles(unit_id);\n"
     /* Sessions and API tokens store only the SHA-256 of the secret. */
     "CREATE TABLE sessions (\n"
     "  token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), csrf TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, last_seen BIGINT NOT NULL);\n"
     "CREATE INDEX sessions_account ON sessions(account_id);\n"
     "CREATE TABLE api_tokens (\n"
     "  id TEXT PRIMARY KEY, account_id TEXT NOT NULL REFERENCES accounts(id), name TEXT NOT NULL,\n"
     "  token_hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,\n"
     "  revoked_at BIGINT, last_used_at BIGINT);\n"
     "CREATE INDEX api_tokens_account ON api_tokens(account_id);\n"
     /* The ledger: one hash chain per origin node; ledger_head holds each chain's last (seq, hash) and is the row
      * every writer locks (UPDATE ... RETURNING) to take the next sequence number. */
     "CREATE TABLE events (\n"
     "  node TEXT NOT NULL, seq BIGINT NOT NULL, at BIGINT NOT NULL, unit_id TEXT, actor TEXT, type TEXT NOT NULL,\n"
     "  entity TEXT, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,\n"
     "  PRIMARY KEY (node, seq));\n"
     "CREATE INDEX events_entity ON events(entity);\n"
     "CREATE INDEX events_unit ON events(unit_id, at);\n"
     "CREATE TABLE ledger_head (\n"
     "  node TEXT PRIMARY KEY, is_self INTEGER NOT NULL DEFAULT 0, seq BIGINT NOT NULL, hash TEXT NOT NULL);\n", NULL},
    {2, "calendar",
     /* Holiday decisions as data (domain/holiday_store.c). scope_unit_id is '' for national entries (not NULL, so
      * the unique key holds on both engines), else a province's id; date is 'YYYY-MM-DD'. working_time: a unit's
      * sessions and cutoff in minutes after local midnight; units without a row inherit an ancestor's or the
      * default 07:30-11:30, 13:30-17:30, cutoff 15:00. */
     "CREATE TABLE holiday_entries (\n"
     "  id TEXT PRIMARY KEY, scope_unit_id TEXT NOT NULL DEFAULT '', date TEXT NOT NULL, kind TEXT NOT NULL,\n"
     "  name_vi TEXT NOT NULL, name_en TEXT NOT NULL DEFAULT '', source TEXT NOT NULL DEFAULT '',\n"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 1,\n"
     "  UNIQUE (scope_unit_id, date), CHECK (kind IN ('day_off','working_day','extra_day_off')));\n"
     "CREATE INDEX holiday_entries_date ON holiday_entries(date);\n"
     "CREATE TABLE working_time (\n"
     "  unit_id TEXT PRIMARY KEY REFERENCES units(id), morning_start INTEGER NOT NULL, morning_end INTEGER NOT NULL,\n"
     "  afternoon_start INTEGER NOT NULL, afternoon_end INTEGER NOT NULL, cutoff INTEGER NOT NULL,\n"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 1);\n", NULL},
    {3, "pg-prefix-indexes", NULL,
     /* "Inside unit U" is `path LIKE '<U's path>%'`. PostgreSQL turns a LIKE prefix into an index range only with
      * a C-collated or text_pattern_ops index; databases are usually created with a linguistic collation (even
      * C.UTF-8 does not count as C), so units_path alone leaves the unit and staff lists on a sequential scan.
      * units_path stays: it serves ORDER BY path and the `path > cursor` pagination. SQLite needs nothing here:
      * its LIKE is case-insensitive and would need a NOCASE index, which slows the unfiltered listing down, and a
      * commune node holds only a few hundred units. */
     "CREATE INDEX units_path_prefix ON units (path text_pattern_ops);\n"},
    {4, "events-province",
     /* The province of each event, the key a hub serving several provinces partitions the growing tables by
      * (docs/deploy.md). Filled at append time from the event's unit; NULL for national and account-level events.
      * Existing events get it from their unit. Not part of the hashed canonical form: it is derived. */
     "ALTER TABLE events ADD COLUMN province_id TEXT;\n"
     "UPDATE events SET province_id = (SELECT u.province_id FROM units u WHERE u.id = events.unit_id);\n"
     "CREATE INDEX events_province ON events(province_id, at);\n",
     NULL},
    {5, "signin-throttle",
     /* Failed sign-ins counted per key, whether or not an account has that name, so that the throttle answers the
      * same for known and unknown usernames: "u:" + SHA-256 of the username, "a:" + the client address (the
      * forwarded one with --trust-proxy). Rows whose last failure is older than the forget window are swept.
      * The accounts.failed_logins/last_failed_at/locked_until columns are no longer read. */
     "CREATE TABLE signin_throttle (key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_failed_at BIGINT NOT NULL);\n"
     "CREATE INDEX signin_throttle_last ON signin_throttle(last_failed_at);\n",
     NULL},
    {6, "procedures",
     /* The procedure catalog (domain/procedure.c), a projection of procedure.* events. scope is '' for the
      * national record, else the province whose adaptation the row is. record is the canonical JSON of the
      * record (papers and steps inside); search_fold = folded "code name field" for q, field_fold for the field filter.
      * PostgreSQL: code in the C collation, so that ORDER BY code and the code cursor follow the bytes as on
      * SQLite (a linguistic collation ignores the dots of 1.001193). */
     "CREATE TABLE procedures (\n"
     "  scope TEXT NOT NULL DEFAULT '', code TEXT NOT NULL, name TEXT NOT NULL, search_fold TEXT NOT NULL,\n"
     "  field_fold TEXT NOT NULL, online INTEGER NOT NULL, record TEXT NOT NULL, active INTEGER NOT NULL,\n"
     "  version BIGINT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
     "  PRIMARY KEY (scope, code));\n"
     "CREATE INDEX procedures_field ON procedures(scope, field_fold);\n",
     "ALTER TABLE procedures ALTER COLUMN code TYPE TEXT COLLATE \"C\";\n"},
    /* ---- notify: migration 8 ---- */
    {8, "outbox",
     /* The notification outbox (domain/notify.h): operational state, not a projection (a rebuild leaves it alone).
      * One row per message, unique per dedupe key; state pending -> sending (leased) -> sent | failed, or back to
      * pending with a later next_attempt_at after a temporary failure. lease_owner is the random token of the
      * claim that holds the lease; message_id the Message-ID / Idempotency-Key the delivery carried. */
     "CREATE TABLE notify_outbox (\n"
     "  id TEXT PRIMARY KEY, dedupe_key TEXT NOT NULL UNIQUE, channel TEXT NOT NULL, recipient TEXT NOT NULL,\n"
     "  template TEXT NOT NULL, lang TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,\n"
     "  state TEXT NOT NULL DEFAULT 'pending', lease_until BIGINT, lease_owner TEXT, sent_at BIGINT,\n"
     "  last_error TEXT, message_id TEXT);\n"
     "CREATE INDEX notify_outbox_due ON notify_outbox(state, next_attempt_at);\n"
     "CREATE INDEX notify_outbox_owner ON notify_outbox(lease_owner);\n",
     NULL},
    /* ---- papers (uploads) ---- */
    {9, "papers",
     /* Uploaded papers (domain/paper.c): projections of paper.uploaded / paper.updated events. files has one row
      * per stored content (its bytes are the blob DIR/sha256/ab/cd/<sha256>, outside the database); papers one
      * row per upload, owned by the account that uploaded it, in the unit it was uploaded at (NULL for a
      * citizen). state is 'digitized' (checked by an officer, reusable) or 'waiting'. */
     "CREATE TABLE files (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, media_type TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL);\n"
     "CREATE TABLE papers (\n"
     "  id TEXT PRIMARY KEY, owner_account_id TEXT NOT NULL, sha256 TEXT NOT NULL REFERENCES files(sha256),\n"
     "  name TEXT NOT NULL, name_fold TEXT NOT NULL, media_type TEXT NOT NULL, size BIGINT NOT NULL,\n"
     "  state TEXT NOT NULL, unit_id TEXT, uploaded_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
     "  version INTEGER NOT NULL DEFAULT 1, CHECK (state IN ('digitized','waiting')));\n"
     "CREATE INDEX papers_owner ON papers(owner_account_id, id);\n"
     "CREATE INDEX papers_sha256 ON papers(sha256);\n"
     "CREATE INDEX papers_unit ON papers(unit_id);\n",
     NULL},
};

#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

int migrate_latest(void) { return migrations[N_MIGRATIONS - 1].version; }
int migrate_count(void) { return (int)N_MIGRATIONS; }

/* Several motcua processes may start at once on one PostgreSQL database: serialise their migrations with a
 * transaction-scoped advisory lock (released at commit). SQLite's single writer already serialises them. */
static int lock_migrations(db_t *db)
{
    if (strcmp(db_engine(db), "postgres") != 0) return 0;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT pg_advisory_xact_lock(7370281)", "");
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int ensure_table(db_t *db, void *arg)
{
    (void)arg;
    int rc = lock_migrations(db);
    if (rc < 0) return rc;
    return db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                       "applied_at BIGINT NOT NULL)");
}

static int read_version(db_t *db, void *arg)
{
    int *v = arg;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", "");
    if (rc == DB_ROW) *v = (int)db_col_int(s, 0);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int apply_one(db_t *db, void *arg)
{
    const struct migration *m = arg;
    int cur = 0;
    int rc = lock_migrations(db);
    if (rc == 0) rc = read_version(db, &cur);
    if (rc < 0) return rc;
    if (cur >= m->version) return 0;            /* another process got there first */
    if (m->sql) rc = db_exec(db, m->sql);
    if (rc >= 0 && m->pg_sql && strcmp(db_engine(db), "postgres") == 0) rc = db_exec(db, m->pg_sql);
    if (rc < 0) {
        log_error("migration %d (%s) failed: %s", m->version, m->name, db_errmsg(db));
        return rc;
    }
    long long n = db_run(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", "iti",
                         (long long)m->version, m->name, clock_now_ms());
    return n < 0 ? (int)n : 1;
}

int migrate_version(store_t *st)
{
    int rc = store_write(st, ensure_table, NULL);
    if (rc < 0) return rc;
    int v = 0;
    rc = store_write(st, read_version, &v);
    return rc < 0 ? rc : v;
}

int migrate_up(store_t *st)
{
    int v = migrate_version(st);
    if (v < 0) return v;
    if (v > migrate_latest()) {
        log_error("the database schema (version %d) is newer than this motcua (version %d)", v, migrate_latest());
        return -EPROTO;
    }
    int applied = 0;
    for (size_t i = 0; i < N_MIGRATIONS; i++) {
        if (migrations[i].version <= v) continue;
        int rc = store_write(st, apply_one, (void *)&migrations[i]);
        if (rc < 0) return rc;
        applied += rc;
    }
    return applied;
}

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
    /* ---- dossier (migration 7) ---- */
    {7, "dossiers",
     /* Dossiers and everything built from their events (domain/dossier.h): the projection rows of dossier.*
      * events, written only by the apply functions. unit_id/unit_path name the owning unit (an inter-agency
      * forward moves them; origin_path, the receiving unit's, never moves: that unit keeps reading it); plan is the process template copied at intake (JSON); instants are ms UTC. search
      * holds the folded code, applicant name, identifier and phone; dossier_search indexes it (SQLite: an FTS5
      * trigram table kept by triggers; PostgreSQL: a view over dossiers with a pg_trgm GIN index), so that
      * `id IN (SELECT id FROM dossier_search WHERE search LIKE '%...%')` is one SQL text served by an index on
      * both engines. */
     "CREATE TABLE dossiers (\n"
     "  id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, unit_id TEXT NOT NULL, unit_path TEXT NOT NULL,\n"
     "  origin_path TEXT NOT NULL,\n"
     "  procedure_code TEXT NOT NULL, procedure_version INTEGER NOT NULL, procedure_name TEXT NOT NULL,\n"
     "  field TEXT NOT NULL, channel INTEGER NOT NULL, status INTEGER NOT NULL, step INTEGER NOT NULL,\n"
     "  plan TEXT NOT NULL, time_rule INTEGER NOT NULL, work_minutes BIGINT NOT NULL,\n"
     "  supplement_rule INTEGER NOT NULL, assignee_id TEXT, department TEXT,\n"
     "  applicant_kind TEXT NOT NULL, applicant_name TEXT NOT NULL, name_fold TEXT NOT NULL,\n"
     "  id_number TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL, email TEXT, representative TEXT,\n"
     "  content TEXT, applicant_account TEXT, received_by TEXT, received_at BIGINT NOT NULL,\n"
     "  accepted_at BIGINT, due_at BIGINT, original_due_at BIGINT, step_started_at BIGINT, step_due_at BIGINT,\n"
     "  paused_at BIGINT, supplement_count INTEGER NOT NULL DEFAULT 0, extended INTEGER NOT NULL DEFAULT 0,\n"
     "  fee_amount BIGINT, paid_amount BIGINT, result TEXT, resolved_at BIGINT, timing TEXT,\n"
     "  delivered_at BIGINT, delivered_to TEXT, reason TEXT, search TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 1,\n"
     "  CHECK (status BETWEEN 1 AND 10), CHECK (channel BETWEEN 1 AND 3));\n"
     "CREATE INDEX dossiers_unit ON dossiers(unit_path, status, due_at);\n"
     "CREATE INDEX dossiers_origin ON dossiers(origin_path);\n"
     "CREATE INDEX dossiers_assignee ON dossiers(assignee_id, status);\n"
     "CREATE INDEX dossiers_applicant ON dossiers(applicant_account);\n"
     "CREATE INDEX dossiers_due ON dossiers(status, due_at);\n"
     /* The process control sheet: every action and hand-off, numbered per dossier. */
     "CREATE TABLE dossier_steps (\n"
     "  dossier_id TEXT NOT NULL, n INTEGER NOT NULL, action TEXT NOT NULL, step INTEGER NOT NULL,\n"
     "  from_account TEXT, to_account TEXT, from_unit TEXT, to_unit TEXT, at BIGINT NOT NULL,\n"
     "  step_due_at BIGINT, finished_step INTEGER, timing TEXT, status_before INTEGER NOT NULL,\n"
     "  status_after INTEGER NOT NULL, note TEXT, PRIMARY KEY (dossier_id, n));\n"
     "CREATE TABLE dossier_papers (\n"
     "  dossier_id TEXT NOT NULL, paper_id TEXT NOT NULL, name TEXT NOT NULL, copies INTEGER NOT NULL,\n"
     "  form TEXT NOT NULL, mandatory INTEGER NOT NULL, PRIMARY KEY (dossier_id, paper_id));\n"
     /* The day's sequence per receiving agency (electronic identifier code) for dossier codes. */
     "CREATE TABLE dossier_counters (agency TEXT NOT NULL, day TEXT NOT NULL, seq INTEGER NOT NULL,\n"
     "  PRIMARY KEY (agency, day));\n"
     /* Idempotency-Key of intakes: (caller, key) -> the dossier the first request created. */
     "CREATE TABLE dossier_idempotency (actor TEXT NOT NULL, key TEXT NOT NULL, dossier_id TEXT NOT NULL,\n"
     "  PRIMARY KEY (actor, key));\n",
     "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
     "CREATE INDEX dossiers_search_trgm ON dossiers USING gin (search gin_trgm_ops);\n"
     "CREATE VIEW dossier_search AS SELECT id, search FROM dossiers;\n"},
    /* ---- end dossier ---- */
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
    /* ---- lookup (migration 10) ---- */
    {10, "lookup",
     /* Ratings and complaints (domain/lookup.h): projections of dossier.rated, complaint.filed and
      * complaint.answered, written only by their apply functions. One rating per dossier (the primary key);
      * by_account is the signed-in citizen who rated, NULL for a rating proven by code + phone. A complaint is
      * scoped by its dossier's current owning unit (joined at read time); status open -> answered. */
     "CREATE TABLE dossier_ratings (dossier_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, satisfied INTEGER NOT NULL,\n"
     "  comment TEXT, by_account TEXT, rated_at BIGINT NOT NULL);\n"
     "CREATE INDEX dossier_ratings_unit ON dossier_ratings(unit_id, rated_at);\n"
     "CREATE TABLE complaints (\n"
     "  id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL, text TEXT NOT NULL, status TEXT NOT NULL,\n"
     "  by_account TEXT, filed_at BIGINT NOT NULL, answer TEXT, answered_by TEXT, answered_at BIGINT,\n"
     "  version INTEGER NOT NULL DEFAULT 1, CHECK (status IN ('open','answered')));\n"
     "CREATE INDEX complaints_dossier ON complaints(dossier_id, id);\n"
     "CREATE INDEX complaints_status ON complaints(status, id);\n",
     NULL},
    /* ---- end lookup ---- */
    /* ---- dforms: migration 11 ---- */
    {11, "dossier-uploads",
     /* The uploaded paper (papers.id) given for a checklist item of a dossier at intake: a projection of
      * dossier.received / dossier.submitted_online (their payload's papers[].upload), written by the dossier's
      * apply (domain/dossier_uploads.h); it makes the paper visible to whoever may see the
      * dossier (papers_visibility_add). */
     "CREATE TABLE dossier_uploads (dossier_id TEXT NOT NULL, paper_id TEXT NOT NULL, upload_id TEXT NOT NULL,\n"
     "  PRIMARY KEY (dossier_id, paper_id));\n"
     "CREATE INDEX dossier_uploads_upload ON dossier_uploads(upload_id);\n",
     NULL},
    /* ---- end dforms ---- */
    /* ---- report: migration 12 ---- */
    {12, "report-counts",
     /* The dashboards' read model (domain/report.h): counts per receiving unit, dimension ("" | "f:<field>" |
      * "p:<procedure>" | "o:<officer>"), kind (0 = a day, bucket yyyymmdd; 1 = a month, bucket yyyymm) and
      * metric, written only by the dossier applies (a difference of the dossier's cells) and by report rebuild.
      * Rows never hold 0. */
     "CREATE TABLE report_counts (unit_id TEXT NOT NULL, dim TEXT NOT NULL, kind INTEGER NOT NULL,\n"
     "  bucket INTEGER NOT NULL, metric INTEGER NOT NULL, n BIGINT NOT NULL,\n"
     "  PRIMARY KEY (unit_id, dim, kind, bucket, metric));\n",
     NULL},
    /* ---- end report ---- */
    /* ---- document: migration 13 ---- */
    {13, "document",
     /* The official document registers (domain/document.h, Decree 30/2020/NĐ-CP): projections of
      * document.outgoing_registered / document.incoming_registered, written only by their apply. direction 'out'
      * (number = the issuing unit's number of the year, symbol built) or 'in' (number = the receiving unit's
      * arrival number of the year, symbol as written on the document); dates are 'YYYY-MM-DD' Vietnam local;
      * dedupe_key (incoming only: folded agency|symbol|date) makes a second registration of one document in a unit
      * impossible; search is the folded text of ?q=. document_counters holds the last number of each register
      * (unit, direction, year): the row a registration locks to take the next number. PostgreSQL: id in the C
      * collation so that ORDER BY id and the id cursor follow the bytes as on SQLite. */
     "CREATE TABLE documents (\n"
     "  id TEXT PRIMARY KEY, direction TEXT NOT NULL, unit_id TEXT NOT NULL, unit_path TEXT NOT NULL,\n"
     "  year INTEGER NOT NULL, number BIGINT NOT NULL, symbol TEXT NOT NULL, type_code TEXT NOT NULL,\n"
     "  department_id TEXT, agency TEXT, recipients TEXT, dated TEXT NOT NULL, arrival_date TEXT,\n"
     "  summary TEXT NOT NULL, urgency TEXT NOT NULL, confidentiality TEXT NOT NULL, signer TEXT, deadline TEXT,\n"
     "  status TEXT NOT NULL, lead_unit_id TEXT, lead_account_id TEXT,\n"
     "  dedupe_key TEXT, registered_by TEXT, search TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, version INTEGER NOT NULL DEFAULT 1,\n"
     "  CHECK (direction IN ('in','out')), CHECK (number >= 1),\n"
     "  CHECK (status IN ('issued','registered','assigned','in_progress','done')),\n"
     "  CHECK (urgency IN ('normal','urgent','very_urgent','flash')),\n"
     "  CHECK (confidentiality IN ('normal','confidential','secret','top_secret')),\n"
     "  UNIQUE (unit_id, direction, year, number));\n"
     "CREATE UNIQUE INDEX documents_dedupe ON documents(unit_id, dedupe_key);\n"
     "CREATE INDEX documents_unit ON documents(unit_path, direction, year);\n"
     "CREATE TABLE document_counters (unit_id TEXT NOT NULL, direction TEXT NOT NULL, year INTEGER NOT NULL,\n"
     "  last BIGINT NOT NULL, PRIMARY KEY (unit_id, direction, year));\n"
     /* The handling of an incoming document (Decree 30/2020 Article 24: the leader assigns the lead and the
      * co-ordinating units or persons with a deadline; progress and completion are reported): one row per
      * document.assigned / document.progress / document.done event, numbered per document. */
     "CREATE TABLE document_handling (document_id TEXT NOT NULL, n INTEGER NOT NULL, action TEXT NOT NULL,\n"
     "  actor TEXT, lead_unit_id TEXT, lead_account_id TEXT, coordinators TEXT NOT NULL, deadline TEXT, note TEXT,\n"
     "  at BIGINT NOT NULL, PRIMARY KEY (document_id, n), CHECK (action IN ('assigned','progress','done')));\n",
     "ALTER TABLE documents ALTER COLUMN id TYPE TEXT COLLATE \"C\";\n"},
    /* ---- end document ---- */
    /* ---- keystore: migration 14 ---- */
    {14, "signing-keys",
     /* Officers' signing keys and units' seals (sign/keystore.h). signing_keys is the projection of the
      * signing_key.imported / .removed events; signing_key_bundles holds each PKCS#12 bundle once, as imported
      * (base64, still encrypted under its holder's PIN), addressed by its SHA-256: like the papers' blobs it is
      * beside the projections, not in the ledger, and a rebuild leaves it alone. */
     "CREATE TABLE signing_keys (\n"
     "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, account_id TEXT, unit_id TEXT NOT NULL, label TEXT NOT NULL,\n"
     "  subject_cn TEXT NOT NULL, subject_o TEXT NOT NULL, issuer_cn TEXT NOT NULL, serial_hex TEXT NOT NULL,\n"
     "  cert_sha256 TEXT NOT NULL, key_type TEXT NOT NULL, not_before BIGINT NOT NULL, not_after BIGINT NOT NULL,\n"
     "  bundle_sha256 TEXT NOT NULL, state TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL,\n"
     "  removed_at BIGINT);\n"
     "CREATE INDEX signing_keys_account ON signing_keys(account_id, state);\n"
     "CREATE INDEX signing_keys_unit ON signing_keys(unit_id, kind, state);\n"
     "CREATE TABLE signing_key_bundles (sha256 TEXT PRIMARY KEY, bundle TEXT NOT NULL, created_at BIGINT NOT NULL);\n",
     NULL},
    /* ---- end keystore ---- */
    /* ---- exchange: migration 15 ---- */
    {15, "exchange",
     /* The edXML inbox (domain/exchange.h): exchange_received and exchange_rejected are the projections of the
      * exchange.received / .rejected events (one per package: the same sender OrganId + DocumentId is received
      * once); exchange_package_bytes keeps each package once, base64, by its SHA-256, beside the projections (the
      * evidence of what arrived), and a rebuild leaves it alone. */
     "CREATE TABLE exchange_received (\n"
     "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, document_id TEXT NOT NULL, from_organ TEXT NOT NULL,\n"
     "  from_name TEXT NOT NULL, edxml_document_id TEXT NOT NULL, sha256 TEXT NOT NULL, signer_cn TEXT NOT NULL,\n"
     "  signer_serial TEXT NOT NULL, signer_issuer TEXT NOT NULL, lenient INTEGER NOT NULL, lenient_why TEXT NOT NULL,\n"
     "  received_at BIGINT NOT NULL, UNIQUE (from_organ, edxml_document_id));\n"
     "CREATE TABLE exchange_rejected (\n"
     "  id TEXT PRIMARY KEY, unit_id TEXT, from_organ TEXT NOT NULL, edxml_document_id TEXT NOT NULL,\n"
     "  sha256 TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, signer_cn TEXT NOT NULL,\n"
     "  rejected_at BIGINT NOT NULL);\n"
     "CREATE TABLE exchange_package_bytes (sha256 TEXT PRIMARY KEY, bytes TEXT NOT NULL, created_at BIGINT NOT NULL);\n",
     NULL},
    /* ---- end exchange ---- */
    /* ---- outbox: migration 16 ---- */
    {16, "exchange-outbox",
     /* The sending side of the edXML exchange (domain/exchange_out.h). exchange_sent is the projection of
      * exchange.sent / .delivered / .rejected_by_peer / .failed (one row per package sent: state queued ->
      * delivered | rejected | failed); exchange_statuses the projection of exchange.status_received and of the
      * receiver's synchronous 03 in exchange.delivered (one row per status code and timestamp of a package).
      * exchange_outbox is OPERATIONAL state like notify_outbox (not a projection; a rebuild leaves it alone): the
      * signed bytes of a package ('package') or of a status message sent back ('status') with delivery bookkeeping
      * (attempts, lease, backoff, last error). */
     "CREATE TABLE exchange_sent (\n"
     "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, document_id TEXT NOT NULL, to_url TEXT NOT NULL,\n"
     "  to_organ TEXT NOT NULL, edxml_document_id TEXT NOT NULL, sha256 TEXT NOT NULL, state TEXT NOT NULL,\n"
     "  http_status INTEGER, last_error TEXT, sent_by TEXT, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
     "  CHECK (state IN ('queued','delivered','rejected','failed')));\n"
     "CREATE INDEX exchange_sent_doc ON exchange_sent(document_id);\n"
     "CREATE INDEX exchange_sent_edxml ON exchange_sent(edxml_document_id, to_organ);\n"
     "CREATE TABLE exchange_statuses (\n"
     "  id TEXT PRIMARY KEY, sent_id TEXT NOT NULL, code TEXT NOT NULL, stamp TEXT NOT NULL, description TEXT NOT NULL,\n"
     "  staff TEXT NOT NULL, received_at BIGINT NOT NULL, UNIQUE (sent_id, code, stamp));\n"
     "CREATE TABLE exchange_outbox (\n"
     "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, sent_id TEXT, to_url TEXT NOT NULL, body TEXT NOT NULL,\n"
     "  created_at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at BIGINT NOT NULL,\n"
     "  state TEXT NOT NULL DEFAULT 'pending', lease_until BIGINT, lease_owner TEXT, done_at BIGINT,\n"
     "  http_status INTEGER, last_error TEXT, CHECK (kind IN ('package','status')),\n"
     "  CHECK (state IN ('pending','sending','done','failed')));\n"
     "CREATE INDEX exchange_outbox_due ON exchange_outbox(state, next_attempt_at);\n",
     /* PostgreSQL: ids in the C collation, so ORDER BY id and the id cursor follow the bytes as on SQLite. */
     "ALTER TABLE exchange_sent ALTER COLUMN id TYPE TEXT COLLATE \"C\";\n"},
    /* ---- end outbox ---- */
    /* ---- document search: migration 17 ---- */
    {17, "document-search",
     /* The index of documents.search (issue 12 item 6), as for dossiers (migration 7): SQLite an FTS5 trigram table
      * kept by triggers (sqlite_extra below), PostgreSQL a view over documents with a pg_trgm GIN index, so that
      * `id IN (SELECT id FROM document_search WHERE search LIKE '%...%')` is one SQL text served by an index on both
      * engines. */
     NULL,
     "CREATE INDEX documents_search_trgm ON documents USING gin (search gin_trgm_ops);\n"
     "CREATE VIEW document_search AS SELECT id, search FROM documents;\n"},
    /* ---- end document search ---- */
    /* ---- papers: migration 18 ---- */
    {18, "dossier-result-paper",
     /* The result document of a dossier (attach_result's result_paper: a papers.id), a mutable column of the
      * dossier projection like result; indexed so the papers' visibility hook and the citizen's data store
      * (GET /api/v1/me/papers) find the dossiers a paper is the result of. */
     "ALTER TABLE dossiers ADD COLUMN result_paper TEXT;\n"
     "CREATE INDEX dossiers_result_paper ON dossiers(result_paper);\n",
     NULL},
    /* ---- end papers ---- */
    /* ---- assign: migration 19 ---- */
    {19, "staff-fields",
     /* The fields of work (lĩnh vực: the procedure catalog's field names) an officer is qualified for: the
      * projection of staff.fields_set (domain/account.c), read by the assignee suggestion of a dossier;
      * field_fold is utf8_fold(field), compared with procedures.field_fold. */
     "CREATE TABLE staff_fields (account_id TEXT NOT NULL, field TEXT NOT NULL, field_fold TEXT NOT NULL,\n"
     "  PRIMARY KEY (account_id, field_fold));\n"
     "CREATE INDEX staff_fields_fold ON staff_fields(field_fold);\n",
     NULL},
    /* ---- end assign ---- */
    /* ---- signed results: migration 20 ---- */
    {20, "dossier-results",
     /* The signed result of a dossier (domain/dossier_result.h): the copy the leader's signed approve made (a paper of
      * its own, then the dossier's result_paper), the SHA-256 of the PDF it was made from, the instant and the
      * signers; a projection of dossier.approved. signed_sha256 is indexed: the public verification finds a copy by
      * its SHA-256. */
     "CREATE TABLE dossier_results (dossier_id TEXT PRIMARY KEY, signed_paper_id TEXT NOT NULL,\n"
     "  signed_sha256 TEXT NOT NULL, from_sha256 TEXT NOT NULL, signed_at BIGINT NOT NULL, signers TEXT NOT NULL);\n"
     "CREATE INDEX dossier_results_signed ON dossier_results(signed_sha256);\n",
     NULL},
    /* ---- end signed results ---- */
    /* ---- exchange recall: migration 21 ---- */
    {21, "exchange-recall",
     /* Signed status messages and recall (docs/edxml.md, "Recall"): how each status received was signed
      * (signature '' for the inbox's synchronous answer, 'valid', 'unsigned' or 'unverified'; the signer's name);
      * on the sender the recall's state of a sent package (exchange.recall_requested, then 15/16 received), on the
      * receiver the recall request and its answer (exchange.recall_received, exchange.recall_answered): all
      * projections of events. */
     "ALTER TABLE exchange_statuses ADD COLUMN signature TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_statuses ADD COLUMN signer_cn TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_sent ADD COLUMN recall_state TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_sent ADD COLUMN recall_reason TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_state TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_reason TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_stamp TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_signature TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_signer_cn TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_requested_at BIGINT NOT NULL DEFAULT 0;\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_answer TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_answered_by TEXT NOT NULL DEFAULT '';\n"
     "ALTER TABLE exchange_received ADD COLUMN recall_answered_at BIGINT NOT NULL DEFAULT 0;\n"
     "CREATE INDEX exchange_received_doc ON exchange_received(document_id);\n",
     NULL},
    /* ---- end exchange recall ---- */
    /* ---- document attachments: migration 22 ---- */
    {22, "document-attachments",
     /* PDF attachments of documents (domain/document_attach.h): the projection of document.attachment_added and
      * document.attachment_text. The bytes are in the blob store (sha256); text_state 'pending' rows are the queue
      * of the text extractor (sync/pdf_extractor.h); search holds the folded text pdftotext found (at most 200 KB),
      * indexed like documents.search (SQLite: the FTS5 trigram table document_attachment_search kept by triggers;
      * PostgreSQL: a pg_trgm GIN index and a view of the same name), its id column being the document's id. */
     "CREATE TABLE document_attachments (\n"
     "  id TEXT PRIMARY KEY, document_id TEXT NOT NULL, n INTEGER NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,\n"
     "  media_type TEXT NOT NULL, size BIGINT NOT NULL, source TEXT NOT NULL, added_by TEXT, added_at BIGINT NOT NULL,\n"
     "  text_state TEXT NOT NULL, text_reason TEXT, text_chars BIGINT NOT NULL DEFAULT 0, text_at BIGINT,\n"
     "  search TEXT NOT NULL, UNIQUE (document_id, n), UNIQUE (document_id, sha256),\n"
     "  CHECK (text_state IN ('pending','text','none')), CHECK (source IN ('upload','edxml')));\n"
     "CREATE INDEX document_attachments_pending ON document_attachments(added_at) WHERE text_state = 'pending';\n",
     /* PostgreSQL: ids in the C collation like documents.id, so that a.document_id = documents.id uses the index */
     "ALTER TABLE document_attachments ALTER COLUMN id TYPE TEXT COLLATE \"C\";\n"
     "ALTER TABLE document_attachments ALTER COLUMN document_id TYPE TEXT COLLATE \"C\";\n"
     "CREATE INDEX document_attachments_search_trgm ON document_attachments USING gin (search gin_trgm_ops);\n"
     "CREATE VIEW document_attachment_search AS SELECT document_id AS id, search FROM document_attachments;\n"},
    /* ---- end document attachments ---- */
    /* ---- document starts a dossier: migration 23 ---- */
    {23, "document-dossier",
     /* An incoming document that started a dossier (document_start_dossier): the projection of
      * document.dossier_started, one row per document (the key holds "one dossier per document" on both engines
      * under concurrency) and per dossier. */
     "CREATE TABLE document_dossiers (document_id TEXT PRIMARY KEY, dossier_id TEXT NOT NULL UNIQUE,\n"
     "  dossier_code TEXT NOT NULL UNIQUE, actor TEXT, at BIGINT NOT NULL);\n",
     NULL},
    /* ---- end document starts a dossier ---- */
    /* ---- sync: node roles, enrolment, node -> hub replication: migration 24 ---- */
    {24, "sync",
     /* A provincial hub and its commune nodes (domain/sync.h). sync_enrolments: one-time enrolment tokens, kept as
      * the SHA-256 of the token, for one unit, used once (used_at, node_id). sync_nodes: the nodes enrolled at this
      * hub with their Ed25519 public key (base64 of the 32 raw bytes) and the unit whose subtree they own; state
      * 'flagged' after a refused batch until an admin clears it. Both are projections of sync.* events. Beside
      * them, records of what arrived: sync_refused, the refused batches as evidence (the body as received), and
      * sync_node_seen, what each node last said its own chain holds (for the lag) and when it was last heard.
      * Each node's chain head at the hub is its ledger_head row. */
     "CREATE TABLE sync_enrolments (\n"
     "  token_hash TEXT PRIMARY KEY, unit_id TEXT NOT NULL, created_by TEXT, created_at BIGINT NOT NULL,\n"
     "  expires_at BIGINT NOT NULL, used_at BIGINT, node_id TEXT);\n"
     "CREATE TABLE sync_nodes (\n"
     "  node_id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, unit_path TEXT NOT NULL, public_key TEXT NOT NULL,\n"
     "  name TEXT NOT NULL, enrolled_at BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'active', flagged_reason TEXT,\n"
     "  flagged_at BIGINT, CHECK (state IN ('active','flagged')));\n"
     "CREATE INDEX sync_nodes_path ON sync_nodes(unit_path);\n"
     "CREATE TABLE sync_node_seen (\n"
     "  node_id TEXT PRIMARY KEY, node_head_seq BIGINT NOT NULL DEFAULT 0, node_head_at BIGINT NOT NULL DEFAULT 0,\n"
     "  last_seen_at BIGINT NOT NULL DEFAULT 0, last_batch_at BIGINT NOT NULL DEFAULT 0);\n"
     "CREATE TABLE sync_refused (\n"
     "  id TEXT PRIMARY KEY, node TEXT NOT NULL, at BIGINT NOT NULL, bad_seq BIGINT NOT NULL,\n"
     "  reason TEXT NOT NULL, body TEXT NOT NULL);\n"
     "CREATE INDEX sync_refused_node ON sync_refused(node, at);\n",
     NULL},
    /* ---- end sync ---- */
    /* ---- portal: migration 25 ---- */
    {25, "portal",
     /* The National Public Service Portal connector (domain/portal.h, docs/portal.md). All OPERATIONAL state like
      * notify_outbox (not projections: a rebuild neither empties nor refills them):
      *   portal_outbox      one row per applied dossier event the portal shows, keyed by the event's (node, seq)
      *                      (node 'repush' for an admin's re-push), with delivery bookkeeping and the Decree
      *                      63/2024 art. 7 instants: changed_at (the event), first_push_at / pushed_at (first and
      *                      last request), acked_at (the portal's success answer), push_due_at (changed + 10 min),
      *                      ack_due_at (changed + 2 working hours, filled by the sender from the unit's calendar);
      *                      push_missed / ack_missed are set once when a deadline passes (the alert);
      *   portal_acks        every success answer of the portal (an answer given twice is two rows, one ack);
      *   portal_dossiers    dossiers the portal accepted a create of (later pushes are updates);
      *   portal_dead_letters rows whose attempts ran out or the portal refused for good, until replayed;
      *   portal_recon_runs / portal_recon_diffs  the daily reconciliation and each difference found. */
     "CREATE TABLE portal_outbox (\n"
     "  node TEXT NOT NULL, seq BIGINT NOT NULL, dossier_id TEXT NOT NULL, unit_id TEXT, event_type TEXT NOT NULL,\n"
     "  changed_at BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0,\n"
     "  next_attempt_at BIGINT NOT NULL, lease_until BIGINT, lease_owner TEXT, first_push_at BIGINT,\n"
     "  pushed_at BIGINT, acked_at BIGINT, push_due_at BIGINT NOT NULL, ack_due_at BIGINT,\n"
     "  push_missed INTEGER NOT NULL DEFAULT 0, ack_missed INTEGER NOT NULL DEFAULT 0, http_status INTEGER,\n"
     "  last_error TEXT, PRIMARY KEY (node, seq), CHECK (state IN ('pending','sending','done','dead')));\n"
     "CREATE INDEX portal_outbox_due ON portal_outbox(state, next_attempt_at);\n"
     "CREATE INDEX portal_outbox_dossier ON portal_outbox(dossier_id);\n"
     "CREATE TABLE portal_acks (node TEXT NOT NULL, seq BIGINT NOT NULL, dossier_id TEXT NOT NULL,\n"
     "  service TEXT NOT NULL, answer TEXT NOT NULL, at BIGINT NOT NULL);\n"
     "CREATE INDEX portal_acks_item ON portal_acks(node, seq);\n"
     "CREATE TABLE portal_dossiers (dossier_id TEXT PRIMARY KEY, created_at BIGINT NOT NULL,\n"
     "  last_acked_at BIGINT NOT NULL);\n"
     "CREATE TABLE portal_dead_letters (\n"
     "  id TEXT PRIMARY KEY, node TEXT NOT NULL, seq BIGINT NOT NULL, dossier_id TEXT NOT NULL, unit_id TEXT,\n"
     "  reason TEXT NOT NULL, http_status INTEGER, attempts INTEGER NOT NULL, dead_at BIGINT NOT NULL,\n"
     "  replayed_at BIGINT, replayed_by TEXT);\n"
     "CREATE INDEX portal_dead_open ON portal_dead_letters(replayed_at, dead_at);\n"
     "CREATE TABLE portal_recon_runs (\n"
     "  id TEXT PRIMARY KEY, day TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT NOT NULL,\n"
     "  local_count INTEGER NOT NULL, portal_count INTEGER NOT NULL, synced_count INTEGER NOT NULL,\n"
     "  differences INTEGER NOT NULL, run_by TEXT);\n"
     "CREATE INDEX portal_recon_runs_day ON portal_recon_runs(day, finished_at);\n"
     "CREATE TABLE portal_recon_diffs (\n"
     "  run_id TEXT NOT NULL, n INTEGER NOT NULL, dossier_code TEXT NOT NULL, dossier_id TEXT, unit_id TEXT,\n"
     "  kind TEXT NOT NULL, field TEXT NOT NULL, local_value TEXT NOT NULL, portal_value TEXT NOT NULL,\n"
     "  repushed_at BIGINT, PRIMARY KEY (run_id, n),\n"
     "  CHECK (kind IN ('missing','extra','status','date')));\n",
     NULL},
    /* ---- end portal ---- */
    /* ---- tasks: migration 26 ---- */
    {26, "tasks",
     /* Tasks ("giao việc", domain/task.h): the projections of the task.* events. scope_path is the path of the
      * unit over which the assigner assigned (an official's province, a leader's commune): its leaders and
      * officials read the task. task_coordinators: persons (kind account) and units; task_log: every action in
      * order (percent / approve -1 when none); task_files: evidence in the blob store; task_extensions: requests
      * and their decisions. Dates are YYYY-MM-DD on the lead unit's legal clock. */
     "CREATE TABLE tasks (\n"
     "  id TEXT PRIMARY KEY, title TEXT NOT NULL, content TEXT NOT NULL, source_kind TEXT NOT NULL, source_ref TEXT,\n"
     "  assigner_id TEXT NOT NULL, scope_unit_id TEXT NOT NULL, scope_path TEXT NOT NULL, lead_account_id TEXT NOT NULL,\n"
     "  lead_unit_id TEXT NOT NULL, lead_unit_path TEXT NOT NULL, deadline TEXT NOT NULL, expected_result TEXT NOT NULL,\n"
     "  criteria TEXT NOT NULL, state TEXT NOT NULL, percent INTEGER NOT NULL DEFAULT 0, result TEXT,\n"
     "  pending_deadline TEXT, search TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,\n"
     "  version INTEGER NOT NULL DEFAULT 1,\n"
     "  CHECK (state IN ('assigned','clarification','in_progress','done','closed')),\n"
     "  CHECK (percent BETWEEN 0 AND 100));\n"
     "CREATE INDEX tasks_assigner ON tasks(assigner_id);\n"
     "CREATE INDEX tasks_lead ON tasks(lead_account_id);\n"
     "CREATE INDEX tasks_lead_unit ON tasks(lead_unit_id);\n"
     "CREATE INDEX tasks_scope ON tasks(scope_path);\n"
     "CREATE TABLE task_coordinators (task_id TEXT NOT NULL, n INTEGER NOT NULL, kind TEXT NOT NULL,\n"
     "  ref_id TEXT NOT NULL, PRIMARY KEY (task_id, n), UNIQUE (task_id, ref_id), CHECK (kind IN ('account','unit')));\n"
     "CREATE INDEX task_coordinators_ref ON task_coordinators(ref_id);\n"
     "CREATE TABLE task_log (task_id TEXT NOT NULL, n INTEGER NOT NULL, action TEXT NOT NULL, actor TEXT,\n"
     "  percent INTEGER NOT NULL DEFAULT -1, note TEXT, deadline TEXT, approve INTEGER NOT NULL DEFAULT -1,\n"
     "  at BIGINT NOT NULL, PRIMARY KEY (task_id, n));\n"
     "CREATE TABLE task_files (task_id TEXT NOT NULL, n INTEGER NOT NULL, sha256 TEXT NOT NULL, name TEXT NOT NULL,\n"
     "  media_type TEXT NOT NULL, size BIGINT NOT NULL, added_by TEXT, at BIGINT NOT NULL, PRIMARY KEY (task_id, n));\n"
     "CREATE TABLE task_extensions (task_id TEXT NOT NULL, n INTEGER NOT NULL, requested_deadline TEXT NOT NULL,\n"
     "  reason TEXT, requested_by TEXT, requested_at BIGINT NOT NULL, state TEXT NOT NULL, decided_by TEXT,\n"
     "  decided_at BIGINT, note TEXT, PRIMARY KEY (task_id, n),\n"
     "  CHECK (state IN ('pending','approved','refused')));\n",
     NULL},
    /* ---- end tasks ---- */
    /* ---- ministry adapter: migration 27 ---- */
    {27, "ministry-adapter",
     /* Inter-agency processing with ministry systems (domain/ministry.h). ministry_handoffs is the projection of
      * ministry.sent / .acknowledged / .result / .failed (one row per hand-off of a dossier to an external system:
      * state queued -> acknowledged -> accepted | more_requested, or failed), with the Decree 63/2024 two-working-hour
      * acknowledgement (ack_due_at on the legal clock, acknowledged_at, ack_missed). ministry_outbox is OPERATIONAL
      * state like exchange_outbox (a rebuild leaves it alone): the request body of a hand-off ('send') and then the
      * polling of its result ('poll'), with attempts, lease and backoff. */
     "CREATE TABLE ministry_handoffs (\n"
     "  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, dossier_id TEXT NOT NULL, dossier_code TEXT NOT NULL,\n"
     "  system TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT NOT NULL, state TEXT NOT NULL, sent_by TEXT,\n"
     "  created_at BIGINT NOT NULL, ack_due_at BIGINT NOT NULL, receipt TEXT NOT NULL DEFAULT '',\n"
     "  acknowledged_at BIGINT NOT NULL DEFAULT 0, ack_missed INTEGER NOT NULL DEFAULT 0,\n"
     "  result_text TEXT NOT NULL DEFAULT '', result_items TEXT NOT NULL DEFAULT '[]',\n"
     "  result_at BIGINT NOT NULL DEFAULT 0, http_status INTEGER NOT NULL DEFAULT 0,\n"
     "  last_error TEXT NOT NULL DEFAULT '', updated_at BIGINT NOT NULL,\n"
     "  CHECK (state IN ('queued','acknowledged','accepted','more_requested','failed')));\n"
     "CREATE INDEX ministry_handoffs_dossier ON ministry_handoffs(dossier_id);\n"
     "CREATE TABLE ministry_outbox (\n"
     "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, system TEXT NOT NULL, body TEXT NOT NULL,\n"
     "  receipt TEXT NOT NULL DEFAULT '', created_at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,\n"
     "  next_attempt_at BIGINT NOT NULL, state TEXT NOT NULL DEFAULT 'pending', lease_until BIGINT,\n"
     "  lease_owner TEXT, done_at BIGINT, http_status INTEGER, last_error TEXT,\n"
     "  CHECK (kind IN ('send','poll')), CHECK (state IN ('pending','sending','done','failed')));\n"
     "CREATE INDEX ministry_outbox_due ON ministry_outbox(state, next_attempt_at);\n",
     "ALTER TABLE ministry_handoffs ALTER COLUMN id TYPE TEXT COLLATE \"C\";\n"},
    /* ---- end ministry adapter ---- */
};

/* SQLite-only statements of a migration, run after its sql (the PostgreSQL ones are pg_sql above). */
static const struct {
    int         version;
    const char *sql;
} sqlite_extra[] = {
    /* dossier: the FTS5 trigram index of dossiers.search, kept by triggers (see migration 7). */
    {7,
     "CREATE VIRTUAL TABLE dossier_search USING fts5(id UNINDEXED, search, tokenize = 'trigram');\n"
     "CREATE TRIGGER dossiers_search_ins AFTER INSERT ON dossiers BEGIN\n"
     "  INSERT INTO dossier_search (rowid, id, search) VALUES (new.rowid, new.id, new.search); END;\n"
     "CREATE TRIGGER dossiers_search_upd AFTER UPDATE OF search ON dossiers BEGIN\n"
     "  DELETE FROM dossier_search WHERE rowid = old.rowid;\n"
     "  INSERT INTO dossier_search (rowid, id, search) VALUES (new.rowid, new.id, new.search); END;\n"
     "CREATE TRIGGER dossiers_search_del AFTER DELETE ON dossiers BEGIN\n"
     "  DELETE FROM dossier_search WHERE rowid = old.rowid; END;\n"},
    /* document search: the same for documents.search, filled with the rows already there */
    {17,
     "CREATE VIRTUAL TABLE document_search USING fts5(id UNINDEXED, search, tokenize = 'trigram');\n"
     "INSERT INTO document_search (rowid, id, search) SELECT rowid, id, search FROM documents;\n"
     "CREATE TRIGGER documents_search_ins AFTER INSERT ON documents BEGIN\n"
     "  INSERT INTO document_search (rowid, id, search) VALUES (new.rowid, new.id, new.search); END;\n"
     "CREATE TRIGGER documents_search_upd AFTER UPDATE OF search ON documents BEGIN\n"
     "  DELETE FROM document_search WHERE rowid = old.rowid;\n"
     "  INSERT INTO document_search (rowid, id, search) VALUES (new.rowid, new.id, new.search); END;\n"
     "CREATE TRIGGER documents_search_del AFTER DELETE ON documents BEGIN\n"
     "  DELETE FROM document_search WHERE rowid = old.rowid; END;\n"},
    /* document attachments: the FTS5 trigram index of document_attachments.search (id = the document's id) */
    {22,
     "CREATE VIRTUAL TABLE document_attachment_search USING fts5(id UNINDEXED, search, tokenize = 'trigram');\n"
     "CREATE TRIGGER document_attachments_search_ins AFTER INSERT ON document_attachments BEGIN\n"
     "  INSERT INTO document_attachment_search (rowid, id, search) VALUES (new.rowid, new.document_id, new.search); END;\n"
     "CREATE TRIGGER document_attachments_search_upd AFTER UPDATE OF search ON document_attachments BEGIN\n"
     "  DELETE FROM document_attachment_search WHERE rowid = old.rowid;\n"
     "  INSERT INTO document_attachment_search (rowid, id, search) VALUES (new.rowid, new.document_id, new.search); END;\n"
     "CREATE TRIGGER document_attachments_search_del AFTER DELETE ON document_attachments BEGIN\n"
     "  DELETE FROM document_attachment_search WHERE rowid = old.rowid; END;\n"},
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
    for (size_t i = 0; rc >= 0 && i < sizeof sqlite_extra / sizeof sqlite_extra[0]; i++)
        if (sqlite_extra[i].version == m->version && strcmp(db_engine(db), "sqlite") == 0)
            rc = db_exec(db, sqlite_extra[i].sql);
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

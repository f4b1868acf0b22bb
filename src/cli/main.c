/* main.c — the motcua command line: serve, init, demo, user, verify, calendar, version.
 *
 * Exit codes: 0 success, 1 the command failed (store unreachable, ledger broken, ...), 2 usage error (unknown
 * option, bad value) with a message naming it. Passwords are never taken from the environment and never echoed;
 * --password-stdin reads one line. Every subcommand's options are one table (cli_opt_t) parsed by cli_parse(), which
 * also prints --help from it. */
#include "cli/cli_calendar.h"
#include "cli/cli_demo.h"
#include "cli/cli_edxml.h"
#include "cli/cli_form.h"
#include "cli/cli_opt.h"
#include "cli/cli_procedure.h"
#include "cli/cli_report.h"
#include "cli/cli_ca.h"
#include "cli/cli_peers.h"   /* outbox */
#include "cli/cli_portal.h"   /* portal */
#include "cli/cli_ministry.h"   /* ministry */
#include "core/fileio.h"
#include "cli/cli_sign.h"
#include "cli/cli_sync.h"   /* sync: hub and nodes */
#include "cli/docmod.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sha256.h"
#include "db/db.h"
#include "db/migrate.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/blob.h"
#include "domain/event.h"
#include "domain/ledger.h"
#include "domain/setup.h"
#include "domain/unit.h"
#include "domain/lookup_memo.h"     /* lookup */
#include "http/http.h"
#include "domain/notify.h"
#include "domain/dossier_forms.h"   /* dforms */
#include "domain/dossier_uploads.h" /* dforms */
#include "sync/notify_sender.h"
#include "sync/pdf_extractor.h"   /* attachments */
#include "domain/sync.h"          /* sync */
#include "sync/sync_shipper.h"    /* sync */

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DB "var/motcua.db"



/* A byte count with an optional K, M or G suffix (powers of 1024): "64M" = 67108864. */
static int parse_size(const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || v < 0) return -1;
    int shift = 0;
    if (*end == 'K' || *end == 'k') shift = 10, end++;
    else if (*end == 'M' || *end == 'm') shift = 20, end++;
    else if (*end == 'G' || *end == 'g') shift = 30, end++;
    if (*end || v > (max >> shift) || (v << shift) < min) return -1;
    *out = v << shift;
    return 0;
}

static const char *default_db(void)
{
    const char *e = getenv("MOTCUA_DB");
    return e && *e ? e : DEFAULT_DB;
}

/* PostgreSQL's read cache for the store open_store() opens (serve --pg-read-cache; 0 = off). */
static int store_read_cache;

static int open_store(store_t **st, const char *db, int create, int readonly)
{
    if (create && !store_url_is_pg(db)) {
        /* Make the parent directory of a new SQLite file (var/ on first run). */
        char dir[PATH_MAX];
        str_copy(dir, sizeof dir, db);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) { *slash = '\0'; mkdir(dir, 0750); }
    }
    if (!create && !store_url_is_pg(db) && access(db, F_OK) != 0) {
        fprintf(stderr, "%s: database %s does not exist (create it with 'motcua init --db %s')\n", cli_prog, db, db);
        return 1;
    }
    store_opts_t o = {.url = db, .create = create, .readonly = readonly, .read_cache = store_read_cache};
    if (store_open(st, &o) < 0) {
        fprintf(stderr, "%s: cannot open the database %s\n", cli_prog, db);
        return 1;
    }
    return 0;
}

static void print_derr(int rc, const derr_t *e)
{
    if (e->status) {
        buf_t vi, en;
        buf_init(&vi, 4096);
        buf_init(&en, 4096);
        const char *args[3] = {e->arg[0], e->arg[1], e->arg[2]};
        msg_format(&vi, e->msg, LANG_VI, args, 3);
        msg_format(&en, e->msg, LANG_EN, args, 3);
        fprintf(stderr, "%s: %s%s%s / %s\n", cli_prog, e->field[0] ? e->field : "", e->field[0] ? ": " : "", en.data,
                vi.data);
        buf_free(&vi);
        buf_free(&en);
    } else if (rc == -EPROTO) {
        fprintf(stderr, "%s: the database schema is newer than this motcua (version %d): run a newer motcua\n"
                        "%s: lược đồ cơ sở dữ liệu mới hơn bản motcua này (phiên bản %d): hãy dùng bản motcua mới hơn\n",
                cli_prog, migrate_latest(), cli_prog, migrate_latest());
    } else {
        fprintf(stderr, "%s: failed: %s\n", cli_prog, strerror(-rc));
    }
}

/* Read a password: from stdin (one line) when not a terminal or when asked, else prompt without echo. */
static int read_password(const char *prompt, char *out, size_t cap, int force_stdin)
{
    int tty = isatty(STDIN_FILENO) && !force_stdin;
    struct termios old, noecho;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &noecho);
    }
    char *ok = fgets(out, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (!ok) return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

#define DB_OPT(t) {"db", OPT_STR, "PATH|URL", (t), 0, 0, NULL, \
                   "SQLite file or postgres:// URL (default $MOTCUA_DB or " DEFAULT_DB ")"}

/* ---- notify: the sender's options, shared by serve and notify send ---- */

struct notify_cli {
    notify_sender_opts_t o;
    const char          *password_file, *token_file;
    bool                 starttls;
    char                *password, *token;   /* read from the files; wiped and freed by notify_cli_free */
};

#define NOTIFY_SENDER_OPTS(n)                                                                                       \
    {"smtp-url", OPT_STR, "smtp://HOST:PORT", &(n)->o.smtp_url, 0, 0, NULL,                                         \
     "deliver e-mail notifications through this SMTP server (smtps:// for implicit TLS)"},                          \
    {"smtp-from", OPT_STR, "ADDR", &(n)->o.smtp_from, 0, 0, NULL, "sender address of notification e-mail"},          \
    {"smtp-user", OPT_STR, "NAME", &(n)->o.smtp_user, 0, 0, NULL, "SMTP user name (AUTH)"},                          \
    {"smtp-password-file", OPT_STR, "FILE", &(n)->password_file, 0, 0, NULL, "file holding the SMTP password"},     \
    {"smtp-starttls", OPT_FLAG, NULL, &(n)->starttls, 0, 0, NULL, "require STARTTLS on the SMTP connection"},        \
    {"sms-url", OPT_STR, "URL", &(n)->o.sms_url, 0, 0, NULL, "deliver SMS notifications by POSTing JSON here"},      \
    {"sms-token-file", OPT_STR, "FILE", &(n)->token_file, 0, 0, NULL, "file holding the SMS gateway's bearer token"}

/* The first line of a secret file, at most 4 KiB; NULL (message printed) when unreadable or empty. */

static void notify_cli_free(struct notify_cli *n)
{
    cli_wipe_free(n->password);
    cli_wipe_free(n->token);
    n->password = n->token = NULL;
}

/* After parsing: read the secret files, check the combination. 0 ok, 1 or 2 an exit status (message printed). */
static int notify_cli_finish(struct notify_cli *n)
{
    n->o.smtp_starttls = n->starttls;
    if (n->o.smtp_url && (!n->o.smtp_from || !notify_recipient_valid(NOTIFY_EMAIL, n->o.smtp_from)))
        return cli_usage_error(MSG_CLI_REQUIRED, "--smtp-from ADDR (with --smtp-url)", NULL, NULL);
    if (n->password_file && !(n->o.smtp_password = n->password = cli_read_secret_file(n->password_file))) return 1;
    if (n->token_file && !(n->o.sms_token = n->token = cli_read_secret_file(n->token_file))) return 1;
    return 0;
}

/* ---- serve ---- */

static const char serve_usage[] =
    "usage: motcua serve [options]\n"
    "Serve the web UI and the JSON API until SIGTERM/SIGINT.\n";

/* Trust anchors read once from a PEM file (certificates and CRLs are public: no wiping); path NULL: none. */
static int read_trust(const char *path, buf_t *out)
{
    if (!path) return 0;
    int rc = file_read_all(path, 16u << 20, out);
    if (rc == 0 && (!out->data || !strstr(out->data, "-----BEGIN CERTIFICATE-----"))) rc = -EINVAL;
    return rc;
}

/* sync: the role serve runs as. want NULL: the database's; "hub": made the database's (a node cannot become a
 * hub); "node": the database must be an enrolled node (-ENOENT otherwise). */
struct serve_role {
    const char *want;
    char       *role;            /* 16 bytes */
    char        hub_url[512];
};

static int serve_role_fn(db_t *db, void *arg)
{
    struct serve_role *r = arg;
    int rc = sync_role(db, r->role, 16);
    if (rc < 0) return rc;
    if (r->want && !strcmp(r->want, "hub")) {
        if (!strcmp(r->role, "node")) return -ENOENT;
        if (strcmp(r->role, "hub") && (rc = sync_meta_set(db, "role", "hub")) < 0) return rc;
        str_copy(r->role, 16, "hub");
    }
    if (r->want && !strcmp(r->want, "node") && strcmp(r->role, "node")) return -ENOENT;
    if (!strcmp(r->role, "node") && sync_meta_get(db, "hub_url", r->hub_url, sizeof r->hub_url) < 0) return -ENOENT;
    return 0;
}

static int cmd_serve(int argc, char **argv)
{
    const char *db = default_db(), *listen = "127.0.0.1:8080", *web = NULL;
    long threads = 0, body_max = 1 << 20, ttl = 0, idle = 0, slow_after = 0, slow_ms = 0, account_max = 0,
         addr_after = 0, register_after = 0, header_timeout = 10, body_timeout = 30, slow_threads = 0,
         auth_cache_ms = -1, lookup_after = 0, lookup_cache_ms = -1 /* lookup */, pg_read_cache = 0;
    bool secure = false, trust_proxy = false;
    struct notify_cli ncli = {0};
    const char *blob_dir = NULL, *paper_max_s = "10M";        /* papers */
    const char *public_url = NULL;                           /* dforms */
    const char *metrics_token_file = NULL;                   /* metrics */
    const char *exchange_trust = NULL;                       /* exchange */
    const char *sign_trust = NULL;                           /* signed results */
    struct peers_cli pcli = {0};                             /* outbox */
    struct portal_cli portal = {0};                          /* portal */
    struct ministry_cli mcli = {0};                          /* ministry */
    const char *pdftotext = "pdftotext";                     /* attachments */
    long pdftotext_timeout = 30;                             /* attachments */
    const char *role_opt = NULL, *node_key = NULL;           /* sync */
    long sync_poll = 0, sync_batch = 0, sync_retry = 0;      /* sync */
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"listen", OPT_STR, "HOST:PORT", &listen, 0, 0, NULL,
         "address to listen on (default 127.0.0.1:8080; port 0 picks a free port)"},
        {"threads", OPT_LONG, "N", &threads, 1, 256, "1..256",
         "HTTP worker threads (default: cores with SQLite, 4 x cores with PostgreSQL, max 16)"},
        {"slow-threads", OPT_LONG, "N", &slow_threads, 1, 64, "1..64",
         "threads that run Argon2 (sign-in, passwords) off the HTTP workers, at low priority (default cores - 1)"},
        {"web", OPT_STR, "DIR", &web, 0, 0, NULL, "static files of the web UI (default ./web when present)"},
        {"body-max", OPT_LONG, "BYTES", &body_max, 1024, 64L << 20, "1024..67108864",
         "request body limit (default 1048576)"},
        {"header-timeout", OPT_LONG, "S", &header_timeout, 1, 3600, "1..3600 seconds",
         "whole-request-header deadline from the connection or the previous answer (default 10)"},
        {"body-timeout", OPT_LONG, "S", &body_timeout, 1, 3600, "1..3600 seconds",
         "whole-request-body deadline from the end of the headers (default 30)"},
        {"secure-cookies", OPT_FLAG, NULL, &secure, 0, 0, NULL, "mark the session cookie Secure (behind a TLS proxy)"},
        {"trust-proxy", OPT_FLAG, NULL, &trust_proxy, 0, 0, NULL,
         "behind haproxy/nginx: log the client from X-Forwarded-For; per-IP limits are the proxy's"},
        {"session-ttl", OPT_LONG, "SECONDS", &ttl, 1, 30L * 86400, "1..2592000 seconds",
         "session lifetime (default 28800)"},
        {"session-idle", OPT_LONG, "SECONDS", &idle, 1, 30L * 86400, "1..2592000 seconds",
         "inactivity limit of a session (default 7200)"},
        {"login-slow-after", OPT_LONG, "N", &slow_after, 1, 1000, "1..1000",
         "failed sign-ins before attempts are spaced out (default 3)"},
        {"login-slow-ms", OPT_LONG, "MS", &slow_ms, 1, 60000, "1..60000",
         "first spacing, doubling per further failure (default 1000)"},
        {"login-account-max", OPT_LONG, "S", &account_max, 1, 3600, "1..3600",
         "cap of one username's spacing, there is no lock (default 30)"},
        {"login-addr-after", OPT_LONG, "N", &addr_after, 1, 100000, "1..100000",
         "failed sign-ins from one client address before its spacing (default 20)"},
        {"register-after", OPT_LONG, "N", &register_after, 1, 100000, "1..100000",
         "citizen registrations per client address before spacing (default 20)"},
        {"auth-cache-ms", OPT_LONG, "MS", &auth_cache_ms, 0, 60000, "0..60000",
         "how long a loaded session may answer again without a query while this process writes nothing; a"
         " revocation by another process is seen within it (default 1000; 0 = off)"},
        {"pg-read-cache", OPT_LONG, "N", &pg_read_cache, 0, 64, "0..64",
         "PostgreSQL: keep up to N results per statement and connection inside read snapshots, dropped by every "
         "write any motcua process commits (NOTIFY); for a hub's processes, when nothing else writes to the "
         "database (default 0 = off)"},
        /* lookup */
        {"lookup-after", OPT_LONG, "N", &lookup_after, 1, 100000, "1..100000",
         "failed public dossier lookups from one client address before its spacing (default 10)"},
        {"lookup-cache-ms", OPT_LONG, "MS", &lookup_cache_ms, 0, 60000, "0..60000",
         "how long a passed public lookup may be answered again from memory while this process writes nothing; a"
         " change by another process is seen within it (default 1000; 0 = off)"},
        /* notify */
        NOTIFY_SENDER_OPTS(&ncli),
        /* papers */
        {"blob-dir", OPT_STR, "DIR", &blob_dir, 0, 0, NULL,
         "uploaded papers' bytes (default <db>.blobs for SQLite, var/blobs for PostgreSQL; share it between the "
         "processes of one PostgreSQL database)"},
        {"paper-max", OPT_STR, "BYTES[K|M|G]", &paper_max_s, 0, 0, NULL,
         "upload limit of one paper, 1K..1G (default 10M)"},
        /* dforms */
        {"public-url", OPT_STR, "URL", &public_url, 0, 0, NULL,
         "public address of this service, for the lookup QR of receipts and notifications (default: http://HOST "
         "of the request; notifications then carry no link)"},
        /* metrics */
        {"metrics-token-file", OPT_STR, "FILE", &metrics_token_file, 0, 0, NULL,
         "file whose first line is the bearer token that may read GET /metrics from anywhere (at least 16 "
         "characters; without it only loopback peers may, and nobody with --trust-proxy)"},
        /* exchange */
        {"exchange-trust", OPT_STR, "FILE", &exchange_trust, 0, 0, NULL,
         "PEM file of the CA certificates and CRLs that signed edXML packages are verified against (without it "
         "POST /api/v1/exchange/inbox answers 503)"},
        /* outbox */
        PEERS_CLI_OPTS(&pcli),
        /* portal */
        PORTAL_CLI_OPTS(&portal),
        /* ministry */
        MINISTRY_CLI_OPTS(&mcli),
        /* signed results */
        {"sign-trust", OPT_STR, "FILE", &sign_trust, 0, 0, NULL,
         "PEM file of the CA certificates and CRLs that signed results are checked against when a leader signs "
         "and when POST /api/v1/lookup/verify checks a copy (without it a copy is never reported valid)"},
        /* attachments */
        {"pdftotext", OPT_STR, "PROGRAM", &pdftotext, 0, 0, NULL,
         "the pdftotext program (poppler-utils) that reads the text of attached PDFs for search (default pdftotext)"},
        {"pdftotext-timeout", OPT_LONG, "S", &pdftotext_timeout, 1, 600, "1..600 seconds",
         "time allowed to read one attached PDF's text (default 30)"},
        /* sync */
        {"role", OPT_STR, "node|hub", &role_opt, 0, 0, NULL,
         "serve as a provincial hub (answers /api/v1/sync/*) or as an enrolled commune node (ships its events to "
         "the hub); default: the database's role, standalone when none"},
        {"node-key", OPT_STR, "FILE", &node_key, 0, 0, NULL, "a node's private key (default <db>.nodekey)"},
        {"sync-poll-ms", OPT_LONG, "MS", &sync_poll, 10, 600000, "10..600000",
         "a node's idle wait between looks at its ledger (default 1000)"},
        {"sync-batch", OPT_LONG, "N", &sync_batch, 1, SYNC_BATCH_MAX_EVENTS, "1..1000",
         "events per batch a node sends (default 500)"},
        {"sync-retry-ms", OPT_LONG, "MS", &sync_retry, 10, 3600000, "10..3600000",
         "a node's first wait after a failed request, doubling up to a minute (default 1000)"},
    };
    int pr = cli_parse(serve_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if ((pr = notify_cli_finish(&ncli)) != 0) { notify_cli_free(&ncli); return pr; }
    if ((pr = peers_cli_finish(&pcli)) != 0) { notify_cli_free(&ncli); return pr; }   /* outbox */
    if ((pr = portal_cli_finish(&portal)) != 0) { notify_cli_free(&ncli); return pr; }   /* portal */
    if ((pr = ministry_cli_finish(&mcli)) != 0) { notify_cli_free(&ncli); peers_cli_free(&pcli); return pr; }
    if (public_url && strncmp(public_url, "http://", 7) && strncmp(public_url, "https://", 8))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--public-url", public_url, "http://... | https://...");
    if (role_opt && strcmp(role_opt, "node") && strcmp(role_opt, "hub"))      /* sync */
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--role", role_opt, "node|hub");
    dossier_public_url_set(public_url);                      /* dforms */
    if (dossier_uploads_register() < 0) log_warn("papers: cannot register the dossier visibility rule");   /* dforms */
    long long paper_max = 0;
    if (parse_size(paper_max_s, 1024, 1LL << 30, &paper_max) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--paper-max", paper_max_s, "1K..1G");
    /* metrics: only the token's digest is kept; the token itself is wiped at once */
    unsigned char metrics_sha[SHA256_LEN] = {0};
    if (metrics_token_file) {
        char *tok = cli_read_secret_file(metrics_token_file);
        if (!tok) { notify_cli_free(&ncli); return 1; }
        size_t tl = strlen(tok);
        if (tl < 16) {
            cli_wipe_free(tok);
            notify_cli_free(&ncli);
            return cli_usage_error(MSG_CLI_BAD_VALUE, "--metrics-token-file", metrics_token_file, "16..4096");
        }
        sha256(tok, tl, metrics_sha);
        cli_wipe_free(tok);
    }
    /* exchange: the trust anchors, read once (certificates and CRLs are public: no wiping) */
    buf_t trust, strust;
    buf_init(&trust, 16u << 20);
    buf_init(&strust, 16u << 20);
    const char *bad_trust = read_trust(exchange_trust, &trust) < 0 ? "--exchange-trust"
                          : read_trust(sign_trust, &strust) < 0   ? "--sign-trust" : NULL;   /* signed results */
    if (bad_trust) {
        buf_free(&trust);
        buf_free(&strust);
        notify_cli_free(&ncli);
        return cli_usage_error(MSG_CLI_BAD_VALUE, bad_trust, strcmp(bad_trust, "--sign-trust") ? exchange_trust : sign_trust,
                               "a readable PEM file of CA certificates");
    }
    if (ttl) auth_policy.session_ttl_ms = ttl * 1000;
    if (idle) auth_policy.session_idle_ms = idle * 1000;
    if (slow_after) auth_policy.slow_after = (int)slow_after;
    if (slow_ms) auth_policy.slow_base_ms = slow_ms;
    if (account_max) auth_policy.account_max_ms = account_max * 1000;
    if (addr_after) auth_policy.addr_after = (int)addr_after;
    if (register_after) auth_policy.register_after = (int)register_after;
    if (auth_cache_ms >= 0) auth_policy.cache_ms = auth_cache_ms;
    if (lookup_after) auth_policy.lookup_after = (int)lookup_after;   /* lookup */
    if (lookup_cache_ms >= 0) lookup_memo_ms = lookup_cache_ms;      /* lookup */
    if (threads == 0) {
        /* SQLite work is CPU-bound: one worker per core. PostgreSQL requests mostly wait on round trips to the
         * server: more workers keep the cores busy (each has its own connection; the pool allows 16). */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores < 1) cores = 1;
        threads = store_url_is_pg(db) ? (cores * 4 > 16 ? 16 : cores * 4) : cores;
    }
    /* Argon2 runs on the slow pool (http/server.c), never on the HTTP workers; one run per pool thread. */
    if (slow_threads == 0) {
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        slow_threads = cores > 1 ? cores - 1 : 1;
    }
    auth_policy.argon_slots = (int)slow_threads;
    char webreal[PATH_MAX];
    if (!web && access("web/index.html", R_OK) == 0) web = "web";
    if (web && !realpath(web, webreal)) {
        fprintf(stderr, "%s: web directory %s not found\n", cli_prog, web);
        buf_free(&trust);
        buf_free(&strust);
        notify_cli_free(&ncli);
        return 1;
    }
    /* The documents module is loaded on the first PDF, spreadsheet or edXML package (cli/docmod.c): a server
     * whose install lacks it would fail then, so it does not start. */
    char docmod_file[PATH_MAX];
    if (docmod_check(docmod_file, sizeof docmod_file) != 0) {
        buf_free(&trust);
        notify_cli_free(&ncli);
        return cli_error(1, MSG_CLI_DOCMOD_MISSING, DOCMOD_FILE, NULL, NULL);
    }
    store_t *st;
    store_read_cache = (int)pg_read_cache;
    http_block_stop_signals();      /* before the store's writer and the senders start their threads */
    if (open_store(&st, db, 0, 0)) {
        buf_free(&trust);
        buf_free(&strust);
        notify_cli_free(&ncli);
        return 1;
    }
    setup_result_t res;
    derr_t err = {0};
    int rc = setup_init(st, NULL, NULL, NULL, &res, &err);
    if (rc < 0) {
        print_derr(rc, &err);
        store_close(st);
        buf_free(&trust);
        buf_free(&strust);
        notify_cli_free(&ncli);
        return 1;
    }
    /* notify: the outbox sender runs beside the HTTP server when a channel is configured. */
    notify_sender_t *sender = NULL;
    if (notify_sender_configured(&ncli.o) && notify_sender_start(&sender, st, &ncli.o) < 0)
        log_error("notify: cannot start the sender thread");
    /* outbox: the edXML sender runs beside the HTTP server when peers are configured. */
    exchange_sender_t *xsender = NULL;
    if (pcli.file && exchange_sender_start(&xsender, st, &pcli.o) < 0)
        log_error("exchange: cannot start the sender thread");
    /* sync: the role, and a node's shipper */
    static char role[16];
    struct serve_role sr = {.want = role_opt, .role = role};
    rc = store_write(st, serve_role_fn, &sr);
    if (rc < 0) {
        if (rc == -ENOENT) cli_error(1, MSG_SYNC_NOT_ENROLLED, NULL, NULL, NULL);
        else fprintf(stderr, "%s: cannot read or set the role: %s\n", cli_prog, strerror(-rc));
        notify_sender_stop(sender);
        exchange_sender_stop(xsender);
        store_close(st);
        return 1;
    }
    /* A batch is up to 4 MiB: the cap of the batch route only (ROUTE_BIG_BODY), every other keeps --body-max. */
    size_t big_body_max = !strcmp(role, "hub") ? SYNC_BATCH_MAX_BYTES + (64u << 10) : 0;
    char keybuf[PATH_MAX];
    sync_shipper_opts_t sopts = {.hub_url = sr.hub_url, .key_path = node_key, .poll_ms = sync_poll,
                                 .retry_ms = sync_retry, .batch = (int)sync_batch};
    sync_shipper_t *shipper = NULL;
    if (!strcmp(role, "node")) {
        if (!node_key && cli_sync_default_key(db, keybuf, sizeof keybuf) == 0) sopts.key_path = keybuf;
        if ((rc = sync_shipper_start(&shipper, st, &sopts)) < 0)
            log_error("sync: cannot start the shipper (key %s): %s", sopts.key_path ? sopts.key_path : "-",
                      strerror(-rc));
        else log_info("sync: node of hub %s", sr.hub_url);
    }
    /* portal: --portal-url enables the connector on this database and runs its sender beside the server */
    portal_sender_t *psender = NULL;
    if (portal.url) {
        int on = 1;
        if (store_write(st, portal_set_enabled, &on) < 0 || portal_sender_start(&psender, st, &portal.o) < 0)
            log_error("portal: cannot start the sender thread");
    }
    /* ministry: the adapter runs beside the HTTP server when systems are configured. */
    ministry_sender_t *msender = NULL;
    if (mcli.file && ministry_sender_start(&msender, st, &mcli.o) < 0)
        log_error("ministry: cannot start the adapter thread");
    if (!res.admin_exists) log_warn("no administrator exists yet: create one with 'motcua init --db %s'", db);
    char blob_default[PATH_MAX];
    if (!blob_dir && blob_default_dir(db, blob_default, sizeof blob_default) == 0) blob_dir = blob_default;
    blob_store_t *blobs = NULL;
    if (!blob_dir || (rc = blob_store_open(&blobs, blob_dir)) < 0) {
        fprintf(stderr, "%s: cannot open the blob directory %s: %s\n", cli_prog, blob_dir ? blob_dir : "-",
                strerror(rc < 0 ? -rc : ENAMETOOLONG));
        store_close(st);
        return 1;
    }
    /* Temporary files of uploads cut short by a crash: older than the longest body deadline, so no upload of
     * another process sharing the directory is still writing them. */
    int swept = blob_sweep_tmp(blobs, 3600 + (long long)body_timeout);
    if (swept > 0) log_info("papers: removed %d stale temporary upload file(s)", swept);
    app_t app = {.store = st, .web_dir = web ? webreal : NULL, .body_max = (size_t)body_max, .big_body_max = big_body_max,
                 .secure_cookies = secure, .trust_proxy = trust_proxy, .threads = (int)threads,
                 .header_timeout_s = (int)header_timeout, .body_timeout_s = (int)body_timeout,
                 .slow_threads = (int)slow_threads,
                 .blobs = blobs, .paper_max = (size_t)paper_max,
                 .metrics_token_set = metrics_token_file != NULL,                     /* metrics */
                 .exchange_trust_pem = exchange_trust ? trust.data : NULL,            /* exchange */
                 .exchange_peers = pcli.file ? &pcli.peers : NULL,                    /* outbox */
                 .sign_trust_pem = sign_trust ? strust.data : NULL,                   /* signed results */
                 .portal = portal.url ? &portal.o : NULL,                             /* portal */
                 .ministry_systems = mcli.file ? &mcli.systems : NULL,                /* ministry */
                 .sync_role = role};                                                  /* sync */
    memcpy(app.metrics_token_sha256, metrics_sha, sizeof app.metrics_token_sha256);
    explicit_bzero(metrics_sha, sizeof metrics_sha);
    /* attachments: the text of attached PDFs is read by a background thread (sync/pdf_extractor.h) */
    pdf_extractor_opts_t xopts = {.program = pdftotext, .timeout_ms = pdftotext_timeout * 1000};
    pdf_extractor_t *extractor = NULL;
    if (pdf_extractor_start(&extractor, st, blobs, &xopts) < 0) log_error("attachments: cannot start the text extractor");
    rc = http_serve(&app, listen);
    sync_shipper_stop(shipper);      /* sync */
    pdf_extractor_stop(extractor);   /* attachments */
    notify_sender_stop(sender);
    exchange_sender_stop(xsender);   /* outbox */
    portal_sender_stop(psender);     /* portal */
    portal_cli_free(&portal);
    ministry_sender_stop(msender);   /* ministry */
    peers_cli_free(&pcli);
    ministry_cli_free(&mcli);
    blob_store_close(blobs);
    store_close(st);
    buf_free(&trust);
    buf_free(&strust);
    notify_cli_free(&ncli);
    return rc < 0 ? 1 : 0;
}

/* ---- init / demo ---- */

static const char init_usage[] =
    "usage: motcua init [--db PATH|URL] [--admin-username NAME] [--admin-password P | --admin-password-stdin]\n"
    "                   [--node-name NAME]\n"
    "Create the database or apply newer migrations. On a database with no administrator, create the first one:\n"
    "the password is taken from --admin-password, or read from standard input (prompted on a terminal).\n";

static int cmd_init(int argc, char **argv)
{
    const char *db = default_db(), *user = "admin", *pw = NULL, *node = "motcua";
    bool from_stdin = false;
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"admin-username", OPT_STR, "NAME", &user, 0, 0, NULL, "the first administrator's username (default admin)"},
        {"admin-password", OPT_STR, "P", &pw, 0, 0, NULL, "the first administrator's password"},
        {"admin-password-stdin", OPT_FLAG, NULL, &from_stdin, 0, 0, NULL, "read that password from standard input"},
        {"node-name", OPT_STR, "NAME", &node, 0, 0, NULL, "this node's name in the ledger (default motcua)"},
    };
    int pr = cli_parse(init_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!account_username_valid(user)) return cli_usage_error(MSG_CLI_BAD_VALUE, "--admin-username", user, "a-z 0-9 . _ -, 3-64");
    store_t *st;
    if (open_store(&st, db, 1, 0)) return 1;
    setup_result_t res;
    derr_t err = {0};
    int rc = setup_init(st, node, NULL, NULL, &res, &err);
    char buf[AUTH_PASSWORD_MAX * 4 + 2];
    if (rc == 0 && !res.admin_exists) {
        if (!pw) {
            if (read_password("Password for the first administrator: ", buf, sizeof buf, from_stdin) < 0 || !buf[0]) {
                fprintf(stderr, "%s: a password for the first administrator is required\n", cli_prog);
                store_close(st);
                return 2;
            }
            pw = buf;
        }
        rc = setup_init(st, node, user, pw, &res, &err);
    }
    if (rc < 0) {
        print_derr(rc, &err);
        store_close(st);
        return err.status == 400 ? 2 : 1;
    }
    printf("database %s ready: schema version %d (%d migration(s) applied)%s\n", db, migrate_latest(),
           res.migrations_applied, res.admin_created ? ", administrator created" : "");
    store_close(st);
    return 0;
}

static const char demo_usage[] =
    "usage: motcua demo [--db PATH|URL] [--dossiers N [--seed S] [--from YYYY-MM-DD] [--to YYYY-MM-DD]]\n"
    "Create the database if needed and load the demo units and staff (every password: demo). Idempotent.\n"
    "With --dossiers, then add N dossier histories through the domain's own actions (docs/demo.md).\n";

static int cmd_demo(int argc, char **argv)
{
    const char *db = default_db(), *from = NULL, *to = NULL;
    long dossiers = 0, seed = 1, batch = 0;
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"dossiers", OPT_LONG, "N", &dossiers, 1, (long)DEMO_GEN_MAX, "1..50000000",
         "also generate N dossier histories (received, processed, resolved, delivered, rated)"},
        {"seed", OPT_LONG, "S", &seed, 0, LONG_MAX, "0..9223372036854775807",
         "seed of the histories (default 1): the same seed gives the same dossiers"},
        {"from", OPT_STR, "YYYY-MM-DD", &from, 0, 0, NULL, "first day of the histories (default " DEMO_GEN_FIRST_DAY ")"},
        {"to", OPT_STR, "YYYY-MM-DD", &to, 0, 0, NULL, "the histories stop at 00:00 of this day (default today)"},
        {"batch", OPT_LONG, "N", &batch, 1, 100000, "1..100000", "dossiers per write transaction (default 2000)"},
    };
    int pr = cli_parse(demo_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    demo_gen_opts_t o = {.dossiers = dossiers, .seed = (unsigned long long)seed, .batch = (int)batch};
    if ((from || to || seed != 1 || batch) && !dossiers) return cli_usage_error(MSG_CLI_REQUIRED, "--dossiers N", NULL, NULL);
    if (dossiers && (pr = cli_demo_range(from, to, &o.from_day, &o.to_day)) != 0) return pr;
    store_t *st;
    if (open_store(&st, db, 1, 0)) return 1;
    setup_result_t res;
    derr_t err = {0};
    int rc = setup_demo(st, &res, &err);
    if (rc == 0)
        printf("demo data %s in %s (%d accounts created)\n", res.demo_loaded ? "loaded" : "already present", db,
               res.accounts_created);
    if (rc == 0 && dossiers) {
        fflush(stdout);
        rc = cli_demo_generate(st, &o, &err);
    }
    store_close(st);
    if (rc < 0) {
        print_derr(rc, &err);
        return 1;
    }
    return 0;
}

/* ---- user ---- */

static const char user_usage[] =
    "usage: motcua user add --username NAME --full-name NAME --unit SLUG|ID [--role ROLE[@SLUG|ID]]...\n"
    "                       [--kind staff|system] [--email E] [--phone P] [--password P | --password-stdin] [--db ..]\n"
    "       motcua user passwd --username NAME [--password P | --password-stdin] [--db ..]\n"
    "       motcua user disable --username NAME [--db ..]\n"
    "Roles: desk, specialist, leader, clerk, official, admin. A role without @unit is held at --unit.\n";

struct user_ctx {
    const char     *action;
    const char     *username;
    const char     *unit_ref;
    const char     *role_refs[AUTH_MAX_GRANTS];
    int             nroles;
    account_input_t in;
    const char     *hash;
    account_t       a;
    unit_t          u;
    derr_t          err;
    char            unit_ids[AUTH_MAX_GRANTS + 1][ID_LEN + 1];
};

static int resolve_unit(db_t *db, const char *ref, unit_t *u)
{
    if (id_valid(ref)) return unit_get(db, ref, u);
    return unit_get_by_slug(db, ref, u);
}

static int user_fn(db_t *db, void *arg)
{
    struct user_ctx *c = arg;
    int rc;
    if (!strcmp(c->action, "add")) {
        if ((rc = resolve_unit(db, c->unit_ref, &c->u)) < 0)
            return derr_set(&c->err, rc, rc == -ENOENT ? 404 : 0, MSG_UNIT_UNKNOWN, "unit", c->unit_ref, NULL, NULL);
        memcpy(c->unit_ids[AUTH_MAX_GRANTS], c->u.id, ID_LEN + 1);
        c->in.unit_id = c->unit_ids[AUTH_MAX_GRANTS];
        for (int i = 0; i < c->nroles; i++) {
            char role[32];
            str_copy(role, sizeof role, c->role_refs[i]);
            char *at = strchr(role, '@');
            const char *uref = at ? strchr(c->role_refs[i], '@') + 1 : c->unit_ref;
            if (at) *at = '\0';
            if (role_parse(role, &c->in.roles[i].role) < 0)
                return derr_set(&c->err, -EINVAL, 400, MSG_ROLE_UNKNOWN, "role", role, NULL, NULL);
            unit_t *u = xmalloc(sizeof *u);
            rc = resolve_unit(db, uref, u);
            if (rc == 0) memcpy(c->unit_ids[i], u->id, ID_LEN + 1);
            free(u);
            if (rc < 0) return derr_set(&c->err, rc, rc == -ENOENT ? 404 : 0, MSG_UNIT_UNKNOWN, "role", uref, NULL, NULL);
            c->in.roles[i].unit_id = c->unit_ids[i];
        }
        c->in.nroles = c->nroles;
        return account_create(db, NULL, &c->in, &c->a, &c->err);
    }
    if ((rc = account_get_by_username(db, c->username, &c->a)) < 0)
        return derr_set(&c->err, rc, rc == -ENOENT ? 404 : 0, MSG_NOT_FOUND, "username", NULL, NULL, NULL);
    if (!strcmp(c->action, "passwd")) return account_set_password(db, NULL, c->a.id, c->hash, NULL, true, &c->err);
    account_input_t in = {.disabled = 1, .nroles = -1};
    return account_update(db, NULL, c->a.id, c->a.version, &in, &c->a, &c->err);
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc < 2) fputs(user_usage, stderr);
        else cli_help(user_usage, NULL, 0);
        return argc < 2 ? 2 : 0;
    }
    struct user_ctx *c = xcalloc(1, sizeof *c);
    c->action = argv[1];
    if (strcmp(c->action, "add") && strcmp(c->action, "passwd") && strcmp(c->action, "disable")) {
        free(c);
        return cli_usage_error(MSG_CLI_BAD_VALUE, "action", argv[1], "add, passwd, disable");
    }
    const char *db = default_db(), *pw = NULL;
    bool from_stdin = false;
    int ret = 0;
    c->in.kind = "staff";
    c->in.disabled = -1;
    cli_list_t roles = {c->role_refs, 0, AUTH_MAX_GRANTS};
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"username", OPT_STR, "NAME", &c->username, 0, 0, NULL, "the account's username"},
        {"full-name", OPT_STR, "NAME", &c->in.full_name, 0, 0, NULL, "add: the full name"},
        {"unit", OPT_STR, "SLUG|ID", &c->unit_ref, 0, 0, NULL, "add: the unit the account belongs to"},
        {"role", OPT_LIST, "ROLE[@SLUG|ID]", &roles, 0, 0, "16 roles at most", "add: a role, repeatable"},
        {"kind", OPT_STR, "staff|system", &c->in.kind, 0, 0, NULL, "add: the account kind (default staff)"},
        {"email", OPT_STR, "E", &c->in.email, 0, 0, NULL, "add: e-mail address"},
        {"phone", OPT_STR, "P", &c->in.phone, 0, 0, NULL, "add: phone number"},
        {"password", OPT_STR, "P", &pw, 0, 0, NULL, "add, passwd: the password"},
        {"password-stdin", OPT_FLAG, NULL, &from_stdin, 0, 0, NULL, "add, passwd: read the password from standard input"},
    };
    argc--;
    argv++;
    int pr = cli_parse(user_usage, opts, NOPTS(opts), argc, argv);
    if (pr) { ret = pr == 1 ? 0 : pr; goto out; }
    c->in.username = c->username;
    c->nroles = roles.n;
    if (!c->username) { ret = cli_usage_error(MSG_CLI_REQUIRED, "--username", NULL, NULL); goto out; }
    if (!strcmp(c->action, "add") && (!c->in.full_name || !c->unit_ref)) {
        ret = cli_usage_error(MSG_CLI_REQUIRED, "--full-name, --unit", NULL, NULL);
        goto out;
    }
    char pwbuf[AUTH_PASSWORD_MAX * 4 + 2], hash[160];
    bool need_pw = !strcmp(c->action, "passwd") || (!strcmp(c->action, "add") && strcmp(c->in.kind, "system"));
    if (need_pw) {
        if (!pw) {
            if (read_password("Password: ", pwbuf, sizeof pwbuf, from_stdin) < 0) { ret = cli_usage_error(MSG_CLI_REQUIRED, "password", NULL, NULL); goto out; }
            pw = pwbuf;
        }
        if (auth_password_check(pw) < 0) { ret = cli_usage_error(MSG_WEAK_PASSWORD, "4", "128", NULL); goto out; }
        if (auth_password_hash(pw, hash, sizeof hash) < 0) { ret = 1; goto out; }
        c->hash = c->in.password_hash = hash;
    }
    store_t *st;
    if (open_store(&st, db, 0, 0)) { ret = 1; goto out; }
    int rc = migrate_up(st);
    if (rc >= 0) rc = store_write(st, user_fn, c);
    store_close(st);
    if (rc < 0) {
        print_derr(rc, &c->err);
        ret = c->err.status == 400 ? 2 : 1;
        goto out;
    }
    printf("%s: %s done\n", c->username, c->action);
out:
    free(c);
    return ret;
}

/* ---- verify / version ---- */

static const char verify_usage[] =
    "usage: motcua verify [--db PATH|URL] [--expect-head SEQ:HASH]\n"
    "Recompute every event hash chain against its recorded head. Prints the count and this database's head\n"
    "(node, seq, hash): write it down as an anchor. Exit 1 naming the first broken event.\n";

static int cmd_verify(int argc, char **argv)
{
    const char *db = default_db(), *expect_text = NULL;
    ledger_expect_t expect;
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"expect-head", OPT_STR, "SEQ:HASH", &expect_text, 0, 0, NULL,
         "a head written down earlier: fail unless the own chain still holds event SEQ with that hash"},
    };
    int pr = cli_parse(verify_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    int have_expect = expect_text != NULL;
    if (have_expect && ledger_parse_expect(expect_text, &expect) < 0)
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--expect-head", expect_text, "SEQ:HASH (64 hex digits)");
    store_t *st;
    if (open_store(&st, db, 0, 1)) return 1;
    ledger_report_t rep;
    int rc = ledger_verify_expect(st, have_expect ? &expect : NULL, &rep);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot read the ledger: %s\n", cli_prog, strerror(-rc));
        return 1;
    }
    if (rep.broken) {
        printf("ledger BROKEN: node %s event %lld: %s (%lld events verified before it)\n", rep.node, rep.seq,
               rep.reason, rep.events);
        printf("sổ cái HỎNG: nút %s sự kiện %lld: chuỗi băm không khớp hoặc bị cắt/ghi lại "
               "(đã kiểm %lld sự kiện trước đó)\n", rep.node, rep.seq, rep.events);
        return 1;
    }
    printf("ledger OK: %lld events in %lld chain(s)\n", rep.events, rep.chains);
    if (have_expect) printf("expected head %lld found with its hash\n", expect.seq);
    if (rep.head_node[0]) printf("head: node %s seq %lld hash %s\n", rep.head_node, rep.head_seq, rep.head_hash);
    return 0;
}

static const char rebuild_usage[] =
    "usage: motcua rebuild [--db PATH|URL] [--check]   (also: motcua dossier rebuild)\n"
    "Empty every projection (dossiers, their steps and counters, the procedure catalog, ...) and rebuild it from\n"
    "the ledger's events through the same apply functions that built it, in one transaction. Prints the digest\n"
    "of the projections before and after; with --check, exit 1 when they differ.\n";

static void rebuild_progress(long long done, long long total, void *arg)
{
    (void)arg;
    fprintf(stderr, "\r%lld / %lld events", done, total);
    if (done == total) fputc('\n', stderr);
}

static int cmd_rebuild(int argc, char **argv)
{
    const char *db = default_db();
    bool check = false;
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"check", OPT_FLAG, NULL, &check, 0, 0, NULL, "fail unless the rebuilt rows equal the rows before"},
    };
    int pr = cli_parse(rebuild_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    store_t *st;
    if (open_store(&st, db, 0, 0)) return 1;
    char before[65], after[65];
    event_rebuild_report_t rep = {0};
    int rc = event_digest(st, before);
    if (rc == 0) rc = event_rebuild(st, &rep, isatty(2) ? rebuild_progress : NULL, NULL);
    if (rc == 0) rc = event_digest(st, after);
    store_close(st);
    if (rc < 0) {
        if (rep.failed_type[0])
            fprintf(stderr, "%s: event %lld (%s, %s) could not be applied: %s; nothing was changed\n", cli_prog,
                    rep.failed_seq, rep.failed_type, rep.failed_entity, strerror(-rc));
        else fprintf(stderr, "%s: rebuild failed: %s; nothing was changed\n", cli_prog, strerror(-rc));
        return 1;
    }
    printf("rebuilt from %lld events (%lld applied)\nbefore %s\nafter  %s\n%s\n", rep.events, rep.applied, before,
           after, strcmp(before, after) ? "projections CHANGED" : "projections identical");
    return check && strcmp(before, after) ? 1 : 0;
}

static const char backup_usage[] =
    "usage: motcua backup [--db PATH|URL] --to FILE\n"
    "Copy a consistent snapshot of a live database: SQLite through its online backup API (FILE is a\n"
    "database file), PostgreSQL through pg_dump in custom format (restore with pg_restore).\n"
    "The server may keep running. FILE must not exist.\n";

static int cmd_backup(int argc, char **argv)
{
    const char *db = default_db(), *to = NULL;
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        {"to", OPT_STR, "FILE", &to, 0, 0, NULL, "the new file to write the snapshot to"},
    };
    int pr = cli_parse(backup_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!to || !*to) return cli_usage_error(MSG_CLI_REQUIRED, "--to FILE", NULL, NULL);
    if (access(to, F_OK) == 0) {
        fprintf(stderr, "%s: %s already exists; choose a new file\n", cli_prog, to);
        return 1;
    }
    store_t *st;
    if (open_store(&st, db, 0, 0)) return 1;
    int rc = store_backup(st, to);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: backup failed: %s\n", cli_prog, strerror(-rc));
        return 1;
    }
    printf("backup of %s written to %s\n", store_url_is_pg(db) ? "the PostgreSQL database" : db, to);
    return 0;
}

/* ---- notify: the outbox from the command line ---- */

static const char notify_usage[] =
    "usage: motcua notify send [--once [--max-wait-s S]] [sender options] [--db ..]\n"
    "       motcua notify enqueue --channel email|sms --to ADDR --template T --key KEY [--lang vi|en]\n"
    "                             [--code C] [--procedure P] [--due D] [--amount A] [--reason R] [--url U]\n"
    "                             [--agency NAME] [--db ..]\n"
    "       motcua notify status [--db ..]\n"
    "send delivers the outbox (with --once: until nothing is pending, then exit; else until SIGTERM).\n"
    "enqueue queues one message (operations and tests). status prints the rows per state.\n"
    "Templates: received, supplement, payment, extended, result_ready, refused.\n";

static volatile sig_atomic_t notify_stop_flag;
static void notify_on_signal(int sig) { (void)sig; notify_stop_flag = 1; }

struct notify_enqueue_ctx {
    notify_msg_t m;
    derr_t       err;
};

static int notify_enqueue_fn(db_t *db, void *arg)
{
    struct notify_enqueue_ctx *x = arg;
    return notify_enqueue(db, &x->m, &x->err);
}

static int cmd_notify(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(notify_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *action = argv[1];
    if (strcmp(action, "send") && strcmp(action, "enqueue") && strcmp(action, "status"))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "action", action, "send, enqueue, status");
    const char *db = default_db(), *channel = "email", *to = NULL, *tmpl = NULL, *key = NULL, *lang = "vi";
    const char *a[NOTIFY_NARGS] = {0};
    bool once = false;
    long max_wait = 600, retry_base = 0, retry_cap = 0, max_attempts = 0, lease = 0, batch = 0, poll = 0;
    struct notify_cli n = {0};
    const cli_opt_t opts[] = {
        DB_OPT(&db),
        NOTIFY_SENDER_OPTS(&n),
        {"once", OPT_FLAG, NULL, &once, 0, 0, NULL, "send: deliver until nothing is pending, then exit"},
        {"max-wait-s", OPT_LONG, "S", &max_wait, 1, 86400, "1..86400", "send --once: give up after S seconds (600)"},
        {"retry-base-ms", OPT_LONG, "MS", &retry_base, 1, 86400000, "1..86400000", "send: first retry delay (30000)"},
        {"retry-cap-ms", OPT_LONG, "MS", &retry_cap, 1, 86400000, "1..86400000", "send: longest delay (3600000)"},
        {"max-attempts", OPT_LONG, "N", &max_attempts, 1, 1000, "1..1000", "send: attempts before failed (10)"},
        {"lease-s", OPT_LONG, "S", &lease, 1, 3600, "1..3600", "send: lease of a claimed message (60)"},
        {"batch", OPT_LONG, "N", &batch, 1, NOTIFY_CLAIM_MAX, "1..32", "send: messages per claim (8)"},
        {"poll-ms", OPT_LONG, "MS", &poll, 10, 600000, "10..600000", "send: idle wait between claims (2000)"},
        {"channel", OPT_STR, "email|sms", &channel, 0, 0, NULL, "enqueue: the channel"},
        {"to", OPT_STR, "ADDR", &to, 0, 0, NULL, "enqueue: e-mail address or phone number"},
        {"template", OPT_STR, "T", &tmpl, 0, 0, NULL, "enqueue: the template"},
        {"key", OPT_STR, "KEY", &key, 0, 0, NULL, "enqueue: the dedupe key (one message per key)"},
        {"lang", OPT_STR, "vi|en", &lang, 0, 0, NULL, "enqueue: the language (default vi)"},
        {"code", OPT_STR, "C", &a[NOTIFY_ARG_CODE], 0, 0, NULL, "enqueue: dossier code"},
        {"procedure", OPT_STR, "P", &a[NOTIFY_ARG_PROCEDURE], 0, 0, NULL, "enqueue: procedure name"},
        {"due", OPT_STR, "D", &a[NOTIFY_ARG_DUE], 0, 0, NULL, "enqueue: due date / appointment"},
        {"amount", OPT_STR, "A", &a[NOTIFY_ARG_AMOUNT], 0, 0, NULL, "enqueue: amount to pay"},
        {"reason", OPT_STR, "R", &a[NOTIFY_ARG_REASON], 0, 0, NULL, "enqueue: reason"},
        {"url", OPT_STR, "U", &a[NOTIFY_ARG_URL], 0, 0, NULL, "enqueue: lookup address"},
        {"agency", OPT_STR, "NAME", &a[NOTIFY_ARG_AGENCY], 0, 0, NULL, "enqueue: the agency's name"},
    };
    int pr = cli_parse(notify_usage, opts, NOPTS(opts), argc - 1, argv + 1);
    if (pr) return pr == 1 ? 0 : pr;
    struct notify_enqueue_ctx *x = NULL;
    if (!strcmp(action, "enqueue")) {
        x = xcalloc(1, sizeof *x);
        if (notify_channel_parse(channel, &x->m.channel) < 0) pr = cli_usage_error(MSG_CLI_BAD_VALUE, "--channel", channel, "email, sms");
        else if (!tmpl || notify_template_parse(tmpl, &x->m.tmpl) < 0)
            pr = cli_usage_error(MSG_CLI_BAD_VALUE, "--template", tmpl ? tmpl : "", "received, supplement, payment, extended, result_ready, refused");
        else if (strcmp(lang, "vi") && strcmp(lang, "en")) pr = cli_usage_error(MSG_CLI_BAD_VALUE, "--lang", lang, "vi, en");
        else if (!to || !key) pr = cli_usage_error(MSG_CLI_REQUIRED, "--to, --key", NULL, NULL);
        if (pr) { free(x); return pr; }
        x->m.recipient = to;
        x->m.dedupe_key = key;
        x->m.lang = strcmp(lang, "en") ? LANG_VI : LANG_EN;
        for (int i = 0; i < NOTIFY_NARGS; i++) x->m.args[i] = a[i];
    } else if (!strcmp(action, "send")) {
        if ((pr = notify_cli_finish(&n)) != 0) { notify_cli_free(&n); return pr; }
        if (!notify_sender_configured(&n.o)) {
            notify_cli_free(&n);
            return cli_usage_error(MSG_CLI_REQUIRED, "--smtp-url or --sms-url", NULL, NULL);
        }
        n.o.retry_base_ms = retry_base;
        n.o.retry_cap_ms = retry_cap;
        n.o.max_attempts = (int)max_attempts;
        n.o.lease_ms = lease * 1000;
        n.o.batch = (int)batch;
        n.o.poll_ms = poll;
    }
    store_t *st;
    if (open_store(&st, db, 0, 0)) { free(x); notify_cli_free(&n); return 1; }
    int rc = migrate_up(st), ret = 0;
    if (rc >= 0 && x) {
        rc = store_write(st, notify_enqueue_fn, x);
        if (rc < 0) { print_derr(rc, &x->err); ret = x->err.status == 400 ? 2 : 1; }
        else printf("%s\n", rc == 1 ? "already queued" : "queued");
    } else if (rc >= 0 && !strcmp(action, "status")) {
        notify_counts_t k = {0};
        rc = store_read(st, notify_counts, &k);
        if (rc >= 0) printf("pending %lld\nsending %lld\nsent %lld\nfailed %lld\n", k.pending, k.sending, k.sent, k.failed);
    } else if (rc >= 0) {
        log_set_quiet(0);
        notify_stats_t stats = {0};
        if (once) {
            rc = notify_sender_drain(st, &n.o, max_wait * 1000, &stats);
        } else {
            signal(SIGTERM, notify_on_signal);
            signal(SIGINT, notify_on_signal);
            while (!notify_stop_flag && rc >= 0) {
                int got = notify_sender_cycle(st, &n.o, &stats);
                if (got < 0) log_warn("notify: cannot claim messages: %s", strerror(-got));
                if (got <= 0 && !notify_stop_flag) usleep((useconds_t)(n.o.poll_ms > 0 ? n.o.poll_ms : 2000) * 1000);
            }
        }
        printf("claimed %lld, sent %lld, retried %lld, failed %lld\n", stats.claimed, stats.sent, stats.retried,
               stats.failed);
        if (rc == -ETIMEDOUT) fprintf(stderr, "%s: messages still pending after %ld s\n", cli_prog, max_wait);
    }
    if (rc < 0 && !ret) {
        if (!x) fprintf(stderr, "%s: failed: %s\n", cli_prog, strerror(-rc));
        ret = 1;
    }
    store_close(st);
    free(x);
    notify_cli_free(&n);
    return ret;
}

static const char main_help[] =
    "usage: motcua COMMAND [options]   (motcua COMMAND --help for each)\n"
    "  serve      serve the web UI and the JSON API\n"
    "  init       create or migrate a database; create the first administrator\n"
    "  demo       load the demo units and staff (--dossiers N: and dossier histories)\n"
    "  user       add, passwd, disable a staff account\n"
    "  verify     check the hash chains of the ledger\n"
    "  backup     copy a consistent snapshot of a live database\n"
    "  rebuild    rebuild every projection from the ledger (also: dossier rebuild)\n"
    "  calendar   the legal clock: lunar dates, holidays, deadlines\n"
    "  notify     the notification outbox: send, enqueue, status\n"
    "  form       render a form of Circular 03/2025 (receipt, ...) to PDF\n"
    "  procedure  import or export the procedure catalog (CSV, JSON)\n"
    "  report     check or rebuild the dashboards' counts against a full recount\n"
    "  ca         a local certification authority: init, issue, revoke, crl, list\n"
    "  edxml      build, read or verify (XML-DSig) edXML packages of QCVN 102:2016\n"
    "  sign       sign a PDF (PAdES) or verify its signatures\n"
    "  node       a hub's enrolment tokens; enrol a node with its hub\n"
    "  sync       the replication status of a hub or a node\n"
    "  version    print the version\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(main_help, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    static char label[64];
    snprintf(label, sizeof label, "motcua %s", cmd);
    cli_prog = label;
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        fputs(main_help, stdout);
        return 0;
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("motcua %s\n", MOTCUA_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") != 0) log_set_quiet(1);
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 1, argv + 1);
    if (!strcmp(cmd, "init")) return cmd_init(argc - 1, argv + 1);
    if (!strcmp(cmd, "demo")) return cmd_demo(argc - 1, argv + 1);
    if (!strcmp(cmd, "user")) return cmd_user(argc - 1, argv + 1);
    if (!strcmp(cmd, "verify")) return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(cmd, "backup")) return cmd_backup(argc - 1, argv + 1);
    if (!strcmp(cmd, "rebuild")) return cmd_rebuild(argc - 1, argv + 1);
    if (!strcmp(cmd, "dossier") && argc > 2 && !strcmp(argv[2], "rebuild")) return cmd_rebuild(argc - 2, argv + 2);
    if (!strcmp(cmd, "calendar")) return cli_calendar(argc - 1, argv + 1);
    if (!strcmp(cmd, "notify")) return cmd_notify(argc - 1, argv + 1);
    if (!strcmp(cmd, "form")) return cli_form(argc - 1, argv + 1); /* forms: PDF forms of Circular 03/2025 */
    if (!strcmp(cmd, "procedure")) return cli_procedure(argc - 1, argv + 1, default_db());
    if (!strcmp(cmd, "report")) return cli_report(argc - 1, argv + 1, default_db()); /* report: check, rebuild */
    if (!strcmp(cmd, "ca")) return cli_ca(argc - 1, argv + 1);                        /* ca: the local CA */
    if (!strcmp(cmd, "edxml")) return cli_edxml(argc - 1, argv + 1); /* edxml: build, read, verify */
    if (!strcmp(cmd, "sign")) return cli_sign(argc - 1, argv + 1); /* sign: PAdES pdf, verify-pdf */
    if (!strcmp(cmd, "node")) return cli_node(argc - 1, argv + 1, default_db());   /* sync: token, enroll */
    if (!strcmp(cmd, "sync")) return cli_sync(argc - 1, argv + 1, default_db());   /* sync: status */
    if (!strcmp(cmd, "portal")) return cli_portal(argc - 1, argv + 1, default_db()); /* portal connector */
    fprintf(stderr, "motcua: unknown command '%s'\n%s", cmd, main_help);
    return 2;
}

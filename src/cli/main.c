/* main.c — the motcua command line: serve, init, demo, user, verify, calendar, version.
 *
 * Exit codes: 0 success, 1 the command failed (store unreachable, ledger broken, ...), 2 usage error (unknown
 * option, bad value) with a message naming it. Passwords are never taken from the environment and never echoed;
 * --password-stdin reads one line. */
#include "cli/cli_calendar.h"
#include "core/log.h"
#include "core/mem.h"
#include "db/db.h"
#include "db/migrate.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/ledger.h"
#include "domain/setup.h"
#include "domain/unit.h"
#include "http/http.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DB "var/motcua.db"

static const char *prog_cmd = "motcua";

/* A usage error in both languages, from the catalog, then a pointer to --help; exit status 2. */
static int usage_error(msg_id_t id, const char *a0, const char *a1, const char *a2)
{
    const char *args[3] = {a0, a1, a2};
    buf_t en, vi;
    buf_init(&en, 4096);
    buf_init(&vi, 4096);
    msg_format(&en, id, LANG_EN, args, 3);
    msg_format(&vi, id, LANG_VI, args, 3);
    fprintf(stderr, "%s: error: %s (see '%s --help')\n%s: lỗi: %s (xem '%s --help')\n", prog_cmd, en.data, prog_cmd,
            prog_cmd, vi.data, prog_cmd);
    buf_free(&en);
    buf_free(&vi);
    return 2;
}

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

static const char *default_db(void)
{
    const char *e = getenv("MOTCUA_DB");
    return e && *e ? e : DEFAULT_DB;
}

static int open_store(store_t **st, const char *db, int create, int readonly)
{
    if (create && strncmp(db, "postgres", 8) != 0) {
        /* Make the parent directory of a new SQLite file (var/ on first run). */
        char dir[PATH_MAX];
        str_copy(dir, sizeof dir, db);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) { *slash = '\0'; mkdir(dir, 0750); }
    }
    if (!create && strncmp(db, "postgres", 8) != 0 && access(db, F_OK) != 0) {
        fprintf(stderr, "%s: database %s does not exist (create it with 'motcua init --db %s')\n", prog_cmd, db, db);
        return 1;
    }
    store_opts_t o = {.url = db, .create = create, .readonly = readonly};
    if (store_open(st, &o) < 0) {
        fprintf(stderr, "%s: cannot open the database %s\n", prog_cmd, db);
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
        fprintf(stderr, "%s: %s%s%s / %s\n", prog_cmd, e->field[0] ? e->field : "", e->field[0] ? ": " : "", en.data,
                vi.data);
        buf_free(&vi);
        buf_free(&en);
    } else {
        fprintf(stderr, "%s: failed: %s\n", prog_cmd, strerror(-rc));
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

/* ---- serve ---- */

static const char serve_help[] =
    "usage: motcua serve [options]\n"
    "Serve the web UI and the JSON API until SIGTERM/SIGINT.\n"
    "  --db PATH|URL          SQLite file or postgres:// URL (default $MOTCUA_DB or " DEFAULT_DB ")\n"
    "  --listen HOST:PORT     address to listen on (default 127.0.0.1:8080; port 0 picks a free port)\n"
    "  --threads N            HTTP worker threads (default: cores with SQLite, 4 x cores with PostgreSQL, max 16)\n"
    "  --web DIR              static files of the web UI (default ./web when present)\n"
    "  --body-max BYTES       request body limit (default 1048576)\n"
    "  --header-timeout S     whole-request-header deadline from the connection or the previous answer (default 10)\n"
    "  --body-timeout S       whole-request-body deadline from the end of the headers (default 30)\n"
    "  --secure-cookies       mark the session cookie Secure (behind a TLS proxy)\n"
    "  --trust-proxy          behind haproxy/nginx: log the client from X-Forwarded-For; per-IP limits are the proxy's\n"
    "  --session-ttl SECONDS  session lifetime (default 28800)\n"
    "  --session-idle SECONDS inactivity limit of a session (default 7200)\n"
    "  --login-slow-after N   failed sign-ins before attempts are spaced out (default 3)\n"
    "  --login-slow-ms MS     first spacing, doubling per failure up to 30 s (default 1000)\n"
    "  --login-lock-after N   failed sign-ins before the account locks (default 10)\n"
    "  --login-lock-seconds S lock duration (default 900)\n";

static int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},          {"listen", required_argument, 0, 'l'},
        {"threads", required_argument, 0, 't'},     {"web", required_argument, 0, 'w'},
        {"body-max", required_argument, 0, 'b'},    {"secure-cookies", no_argument, 0, 's'},
        {"trust-proxy", no_argument, 0, 'P'},
        {"header-timeout", required_argument, 0, 'H'}, {"body-timeout", required_argument, 0, 'B'},
        {"session-ttl", required_argument, 0, 'T'}, {"session-idle", required_argument, 0, 'I'},
        {"login-slow-after", required_argument, 0, 'A'}, {"login-slow-ms", required_argument, 0, 'M'},
        {"login-lock-after", required_argument, 0, 'L'}, {"login-lock-seconds", required_argument, 0, 'S'},
        {"help", no_argument, 0, 'h'},              {0, 0, 0, 0}};
    const char *db = default_db(), *listen = "127.0.0.1:8080", *web = NULL;
    long threads = 0, body_max = 1 << 20, header_timeout = 10, body_timeout = 30, v;
    bool secure = false, trust_proxy = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'l': listen = optarg; break;
        case 'w': web = optarg; break;
        case 's': secure = true; break;
        case 'P': trust_proxy = true; break;
        case 't': if (parse_long(optarg, 1, 256, &threads) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--threads", optarg, "1..256"); break;
        case 'b': if (parse_long(optarg, 1024, 64L << 20, &body_max) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--body-max", optarg, "1024..67108864"); break;
        case 'H': if (parse_long(optarg, 1, 3600, &header_timeout) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--header-timeout", optarg, "1..3600 seconds"); break;
        case 'B': if (parse_long(optarg, 1, 3600, &body_timeout) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--body-timeout", optarg, "1..3600 seconds"); break;
        case 'T': if (parse_long(optarg, 1, 30L * 86400, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--session-ttl", optarg, "1..2592000 seconds"); auth_policy.session_ttl_ms = v * 1000; break;
        case 'I': if (parse_long(optarg, 1, 30L * 86400, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--session-idle", optarg, "1..2592000 seconds"); auth_policy.session_idle_ms = v * 1000; break;
        case 'A': if (parse_long(optarg, 1, 1000, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--login-slow-after", optarg, "1..1000"); auth_policy.slow_after = (int)v; break;
        case 'M': if (parse_long(optarg, 1, 60000, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--login-slow-ms", optarg, "1..60000"); auth_policy.slow_base_ms = v; break;
        case 'L': if (parse_long(optarg, 1, 1000, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--login-lock-after", optarg, "1..1000"); auth_policy.lock_after = (int)v; break;
        case 'S': if (parse_long(optarg, 1, 86400, &v) < 0) return usage_error(MSG_CLI_BAD_VALUE, "--login-lock-seconds", optarg, "1..86400"); auth_policy.lock_ms = v * 1000; break;
        case 'h': fputs(serve_help, stdout); return 0;
        default: return usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL);
        }
    }
    if (optind < argc) return usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    if (threads == 0) {
        /* SQLite work is CPU-bound: one worker per core. PostgreSQL requests mostly wait on round trips to the
         * server: more workers keep the cores busy (each has its own connection; the pool allows 16). */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        if (cores < 1) cores = 1;
        threads = strncmp(db, "postgres", 8) == 0 ? (cores * 4 > 16 ? 16 : cores * 4) : cores;
    }
    char webreal[PATH_MAX];
    if (!web && access("web/index.html", R_OK) == 0) web = "web";
    if (web && !realpath(web, webreal)) {
        fprintf(stderr, "%s: web directory %s not found\n", prog_cmd, web);
        return 1;
    }
    store_t *st;
    if (open_store(&st, db, 0, 0)) return 1;
    setup_result_t res;
    derr_t err;
    int rc = setup_init(st, NULL, NULL, NULL, &res, &err);
    if (rc < 0) {
        print_derr(rc, &err);
        store_close(st);
        return 1;
    }
    if (!res.admin_exists) log_warn("no administrator exists yet: create one with 'motcua init --db %s'", db);
    app_t app = {.store = st, .web_dir = web ? webreal : NULL, .body_max = (size_t)body_max,
                 .secure_cookies = secure, .trust_proxy = trust_proxy, .threads = (int)threads,
                 .header_timeout_s = (int)header_timeout, .body_timeout_s = (int)body_timeout};
    rc = http_serve(&app, listen);
    store_close(st);
    return rc < 0 ? 1 : 0;
}

/* ---- init / demo ---- */

static const char init_help[] =
    "usage: motcua init [--db PATH|URL] [--admin-username NAME] [--admin-password P | --admin-password-stdin]\n"
    "                   [--node-name NAME]\n"
    "Create the database or apply newer migrations. On a database with no administrator, create the first one:\n"
    "the password is taken from --admin-password, or read from standard input (prompted on a terminal).\n";

static int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},       {"admin-username", required_argument, 0, 'u'},
        {"admin-password", required_argument, 0, 'p'}, {"admin-password-stdin", no_argument, 0, 'P'},
        {"node-name", required_argument, 0, 'n'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = default_db(), *user = "admin", *pw = NULL, *node = "motcua";
    int from_stdin = 0, c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'u': user = optarg; break;
        case 'p': pw = optarg; break;
        case 'P': from_stdin = 1; break;
        case 'n': node = optarg; break;
        case 'h': fputs(init_help, stdout); return 0;
        default: return usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL);
        }
    }
    if (optind < argc) return usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    if (!account_username_valid(user)) return usage_error(MSG_CLI_BAD_VALUE, "--admin-username", user, "a-z 0-9 . _ -, 3-64");
    store_t *st;
    if (open_store(&st, db, 1, 0)) return 1;
    setup_result_t res;
    derr_t err = {0};
    int rc = setup_init(st, node, NULL, NULL, &res, &err);
    char buf[AUTH_PASSWORD_MAX * 4 + 2];
    if (rc == 0 && !res.admin_exists) {
        if (!pw) {
            if (read_password("Password for the first administrator: ", buf, sizeof buf, from_stdin) < 0 || !buf[0]) {
                fprintf(stderr, "%s: a password for the first administrator is required\n", prog_cmd);
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

static const char demo_help[] =
    "usage: motcua demo [--db PATH|URL]\n"
    "Create the database if needed and load the demo units and staff (every password: demo). Idempotent.\n";

static int cmd_demo(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = default_db();
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h': fputs(demo_help, stdout); return 0;
        default: return usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL);
        }
    }
    if (optind < argc) return usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    store_t *st;
    if (open_store(&st, db, 1, 0)) return 1;
    setup_result_t res;
    derr_t err = {0};
    int rc = setup_demo(st, &res, &err);
    store_close(st);
    if (rc < 0) {
        print_derr(rc, &err);
        return 1;
    }
    printf("demo data %s in %s (%d accounts created)\n", res.demo_loaded ? "loaded" : "already present", db,
           res.accounts_created);
    return 0;
}

/* ---- user ---- */

static const char user_help[] =
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
        fputs(user_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct user_ctx *c = xcalloc(1, sizeof *c);
    c->action = argv[1];
    if (strcmp(c->action, "add") && strcmp(c->action, "passwd") && strcmp(c->action, "disable")) {
        free(c);
        return usage_error(MSG_CLI_BAD_VALUE, "action", argv[1], "add, passwd, disable");
    }
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},        {"username", required_argument, 0, 'u'},
        {"full-name", required_argument, 0, 'f'}, {"unit", required_argument, 0, 'U'},
        {"role", required_argument, 0, 'r'},      {"kind", required_argument, 0, 'k'},
        {"email", required_argument, 0, 'e'},     {"phone", required_argument, 0, 'p'},
        {"password", required_argument, 0, 'w'},  {"password-stdin", no_argument, 0, 'W'},
        {"help", no_argument, 0, 'h'},            {0, 0, 0, 0}};
    const char *db = default_db(), *pw = NULL;
    int from_stdin = 0, ch, ret = 0;
    c->in.kind = "staff";
    c->in.disabled = -1;
    argc--;
    argv++;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (ch) {
        case 'd': db = optarg; break;
        case 'u': c->username = c->in.username = optarg; break;
        case 'f': c->in.full_name = optarg; break;
        case 'U': c->unit_ref = optarg; break;
        case 'r':
            if (c->nroles >= AUTH_MAX_GRANTS) { ret = usage_error(MSG_CLI_BAD_VALUE, "--role", optarg, "16 roles at most"); goto out; }
            c->role_refs[c->nroles++] = optarg;
            break;
        case 'k': c->in.kind = optarg; break;
        case 'e': c->in.email = optarg; break;
        case 'p': c->in.phone = optarg; break;
        case 'w': pw = optarg; break;
        case 'W': from_stdin = 1; break;
        case 'h': fputs(user_help, stdout); goto out;
        default: ret = usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL); goto out;
        }
    }
    if (optind < argc) { ret = usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL); goto out; }
    if (!c->username) { ret = usage_error(MSG_CLI_REQUIRED, "--username", NULL, NULL); goto out; }
    if (!strcmp(c->action, "add") && (!c->in.full_name || !c->unit_ref)) {
        ret = usage_error(MSG_CLI_REQUIRED, "--full-name, --unit", NULL, NULL);
        goto out;
    }
    char pwbuf[AUTH_PASSWORD_MAX * 4 + 2], hash[160];
    bool need_pw = !strcmp(c->action, "passwd") || (!strcmp(c->action, "add") && strcmp(c->in.kind, "system"));
    if (need_pw) {
        if (!pw) {
            if (read_password("Password: ", pwbuf, sizeof pwbuf, from_stdin) < 0) { ret = usage_error(MSG_CLI_REQUIRED, "password", NULL, NULL); goto out; }
            pw = pwbuf;
        }
        if (auth_password_check(pw) < 0) { ret = usage_error(MSG_WEAK_PASSWORD, "4", "128", NULL); goto out; }
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

static int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = default_db();
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'h':
            puts("usage: motcua verify [--db PATH|URL]\n"
                 "Recompute every event hash chain. Prints the count; exit 1 naming the first broken event.");
            return 0;
        default: return usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL);
        }
    }
    if (optind < argc) return usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    store_t *st;
    if (open_store(&st, db, 0, 1)) return 1;
    ledger_report_t rep;
    int rc = ledger_verify(st, &rep);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot read the ledger: %s\n", prog_cmd, strerror(-rc));
        return 1;
    }
    if (rep.broken) {
        printf("ledger BROKEN: node %s event %lld: %s (%lld events verified before it)\n", rep.node, rep.seq,
               rep.reason, rep.events);
        return 1;
    }
    printf("ledger OK: %lld events in %lld chain(s)\n", rep.events, rep.chains);
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'}, {"to", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *db = default_db(), *to = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': to = optarg; break;
        case 'h':
            puts("usage: motcua backup [--db PATH|URL] --to FILE\n"
                 "Copy a consistent snapshot of a live database: SQLite through its online backup API (FILE is a\n"
                 "database file), PostgreSQL through pg_dump in custom format (restore with pg_restore).\n"
                 "The server may keep running. FILE must not exist.");
            return 0;
        default: return usage_error(MSG_CLI_UNKNOWN_OPTION, argv[optind - 1], NULL, NULL);
        }
    }
    if (optind < argc) return usage_error(MSG_CLI_UNEXPECTED, argv[optind], NULL, NULL);
    if (!to || !*to) return usage_error(MSG_CLI_REQUIRED, "--to FILE", NULL, NULL);
    if (access(to, F_OK) == 0) {
        fprintf(stderr, "%s: %s already exists; choose a new file\n", prog_cmd, to);
        return 1;
    }
    store_t *st;
    if (open_store(&st, db, 0, 0)) return 1;
    int rc = store_backup(st, to);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: backup failed: %s\n", prog_cmd, strerror(-rc));
        return 1;
    }
    printf("backup of %s written to %s\n", strncmp(db, "postgres", 8) == 0 ? "the PostgreSQL database" : db, to);
    return 0;
}

static const char main_help[] =
    "usage: motcua COMMAND [options]   (motcua COMMAND --help for each)\n"
    "  serve      serve the web UI and the JSON API\n"
    "  init       create or migrate a database; create the first administrator\n"
    "  demo       load the demo units and staff\n"
    "  user       add, passwd, disable a staff account\n"
    "  verify     check the hash chains of the ledger\n"
    "  backup     copy a consistent snapshot of a live database\n"
    "  calendar   the legal clock: lunar dates, holidays, deadlines\n"
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
    prog_cmd = label;
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
    if (!strcmp(cmd, "calendar")) return cli_calendar(argc - 1, argv + 1);
    fprintf(stderr, "motcua: unknown command '%s'\n%s", cmd, main_help);
    return 2;
}

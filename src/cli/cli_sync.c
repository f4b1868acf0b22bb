/* cli_sync.c — enrolment tokens, enrolling a node, the sync status (see cli_sync.h). */
#include "cli/cli_sync.h"
#include "cli/cli_opt.h"

#include "core/clock.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/msg.h"
#include "db/db.h"
#include "db/migrate.h"
#include "domain/ledger.h"
#include "domain/sync.h"
#include "domain/unit.h"
#include "sign/nodekey.h"
#include "sync/sync_shipper.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_sync_default_key(const char *db, char *out, size_t cap)
{
    if (store_url_is_pg(db)) return -EINVAL;
    int n = snprintf(out, cap, "%s.nodekey", db);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int open_db(store_t **st, const char *db, int create)
{
    store_opts_t o = {.url = db, .create = create};
    if (!create && !store_url_is_pg(db) && access(db, F_OK) != 0) {
        fprintf(stderr, "%s: database %s does not exist\n", cli_prog, db);
        return 1;
    }
    if (store_open(st, &o) < 0) {
        fprintf(stderr, "%s: cannot open the database %s\n", cli_prog, db);
        return 1;
    }
    int rc = migrate_up(*st);
    if (rc < 0) {
        fprintf(stderr, "%s: cannot migrate the database %s: %s\n", cli_prog, db, strerror(-rc));
        store_close(*st);
        return 1;
    }
    return 0;
}

static void print_err(const derr_t *e, int rc)
{
    if (!e->status) {
        fprintf(stderr, "%s: failed: %s\n", cli_prog, strerror(-rc));
        return;
    }
    buf_t vi, en;
    buf_init(&vi, 4096);
    buf_init(&en, 4096);
    const char *args[3] = {e->arg[0], e->arg[1], e->arg[2]};
    msg_format(&vi, e->msg, LANG_VI, args, 3);
    msg_format(&en, e->msg, LANG_EN, args, 3);
    fprintf(stderr, "%s: %s / %s\n", cli_prog, en.data ? en.data : "", vi.data ? vi.data : "");
    buf_free(&vi);
    buf_free(&en);
}

/* ---- node token ---- */

struct token_cli {
    const char  *unit;
    char         unit_id[ID_LEN + 1];
    sync_token_t t;
};

static int token_fn(db_t *db, void *arg)
{
    struct token_cli *c = arg;
    unit_t *u = xmalloc(sizeof *u);
    int rc = id_valid(c->unit) ? 0 : unit_get_by_slug(db, c->unit, u);   /* a slug is accepted too */
    if (rc == 0 && !id_valid(c->unit)) str_copy(c->unit_id, sizeof c->unit_id, u->id);
    free(u);
    if (rc == -ENOENT) return derr_set(&c->t.err, rc, 404, MSG_UNIT_UNKNOWN, "unit", c->unit, NULL, NULL);
    return rc < 0 ? rc : sync_token_create(db, &c->t);
}

static const char node_usage[] =
    "usage: motcua node token --db HUB --unit UNIT_ID [--ttl-hours 72]\n"
    "       motcua node enroll --db NODE --hub URL --token-file FILE [--name NAME] [--node-key FILE]\n"
    "token   on the hub: print a one-time enrolment token for the node of a unit (only its SHA-256 is kept)\n"
    "enroll  on the node: make the node's key pair, enrol with the hub and take its seed\n";

static int node_token(int argc, char **argv, const char *db)
{
    struct token_cli c = {0};
    long ttl = SYNC_TOKEN_TTL_HOURS;
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "the hub's database"},
        {"unit", OPT_STR, "UNIT_ID", &c.unit, 0, 0, NULL, "the unit (id or slug) whose node enrols"},
        {"ttl-hours", OPT_LONG, "N", &ttl, 1, 24 * 30, "1..720", "how long the token may be used (default 72)"},
    };
    cli_prog = "motcua node token";
    int pr = cli_parse(node_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!c.unit) return cli_usage_error(MSG_CLI_REQUIRED, "--unit UNIT_ID", NULL, NULL);
    store_t *st;
    if (open_db(&st, db, 0)) return 1;
    str_copy(c.unit_id, sizeof c.unit_id, c.unit);
    c.t.unit_id = c.unit_id;
    c.t.ttl_ms = ttl * 3600000LL;
    c.t.now = clock_now_ms();
    int rc = store_write(st, token_fn, &c);
    store_close(st);
    if (rc < 0) {
        print_err(&c.t.err, rc);
        return 1;
    }
    printf("%s\n", c.t.token);
    explicit_bzero(c.t.token, sizeof c.t.token);
    return 0;
}

/* ---- node enroll ---- */

static int init_fn(db_t *db, void *arg) { return ledger_init_node(db, arg); }

static int dossiers_fn(db_t *db, void *arg) { return sync_count_dossiers(db, arg); }

static int node_enroll(int argc, char **argv, const char *db)
{
    const char *hub = NULL, *token_file = NULL, *name = "node", *key_path = NULL;
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "the node's database (created when missing)"},
        {"hub", OPT_STR, "URL", &hub, 0, 0, NULL, "the hub's address, http(s)://HOST:PORT"},
        {"token-file", OPT_STR, "FILE", &token_file, 0, 0, NULL, "file holding the enrolment token"},
        {"name", OPT_STR, "NAME", &name, 0, 0, NULL, "this node's name at the hub (default node)"},
        {"node-key", OPT_STR, "FILE", &key_path, 0, 0, NULL, "the node's private key (default <db>.nodekey)"},
    };
    cli_prog = "motcua node enroll";
    int pr = cli_parse(node_usage, opts, NOPTS(opts), argc, argv);
    if (pr) return pr == 1 ? 0 : pr;
    if (!hub) return cli_usage_error(MSG_CLI_REQUIRED, "--hub URL", NULL, NULL);
    if (!token_file) return cli_usage_error(MSG_CLI_REQUIRED, "--token-file FILE", NULL, NULL);
    if (strncmp(hub, "http://", 7) && strncmp(hub, "https://", 8))
        return cli_usage_error(MSG_CLI_BAD_VALUE, "--hub", hub, "http://... | https://...");
    if (strlen(name) < 1 || strlen(name) > 100) return cli_usage_error(MSG_CLI_BAD_VALUE, "--name", name, "1..100");
    char keybuf[4096];
    if (!key_path) {
        if (cli_sync_default_key(db, keybuf, sizeof keybuf) < 0)
            return cli_usage_error(MSG_CLI_REQUIRED, "--node-key FILE (with a PostgreSQL database)", NULL, NULL);
        key_path = keybuf;
    }
    char hub_url[512];
    if (str_copy(hub_url, sizeof hub_url, hub) < 0) return cli_usage_error(MSG_CLI_BAD_VALUE, "--hub", hub, "URL");
    size_t hl = strlen(hub_url);
    while (hl > 0 && hub_url[hl - 1] == '/') hub_url[--hl] = '\0';
    char *token = cli_read_secret_file(token_file);
    if (!token) return 1;
    store_t *st;
    if (open_db(&st, db, 1)) {
        cli_wipe_free(token);
        return 1;
    }
    int ret = 1;
    nodekey_t *key = NULL;
    json_t *answer = NULL;
    long long dossiers = 0;
    int rc = store_write(st, init_fn, (void *)name);
    if (rc == 0) rc = store_read(st, dossiers_fn, &dossiers);
    if (rc < 0) {
        fprintf(stderr, "%s: failed: %s\n", cli_prog, strerror(-rc));
        goto out;
    }
    if (dossiers > 0) {
        cli_error(1, MSG_SYNC_HAS_DOSSIERS, NULL, NULL, NULL);
        goto out;
    }
    rc = nodekey_generate(key_path);
    if ((rc < 0 && rc != -EEXIST) || nodekey_load(key_path, &key) < 0) {
        cli_error(1, MSG_SYNC_KEY_FILE, key_path, NULL, NULL);
        goto out;
    }
    char pub[NODEKEY_PUB_B64_LEN + 1], node_id[ID_LEN + 1];
    if (nodekey_public_b64(key, pub) < 0) {
        cli_error(1, MSG_SYNC_KEY_FILE, key_path, NULL, NULL);
        goto out;
    }
    id_new(node_id);
    buf_t body, url, resp;
    buf_init(&body, 0);
    buf_init(&url, 0);
    buf_init(&resp, 0);
    jw_t w;
    jw_init(&w, &body);
    jw_obj_begin(&w);
    jw_kstr(&w, "token", token);
    jw_kstr(&w, "node_id", node_id);
    jw_kstr(&w, "name", name);
    jw_kstr(&w, "public_key", pub);
    jw_obj_end(&w);
    buf_printf(&url, "%s/api/v1/sync/enroll", hub_url);
    long status = 0;
    char err[256] = "";
    rc = jw_finish(&w);
    if (rc == 0) rc = sync_http("POST", url.data, NULL, body.data, body.len, 120000, NULL, &status, &resp, NULL, err,
                                sizeof err);
    if (body.data) explicit_bzero(body.data, body.len);
    buf_free(&body);
    buf_free(&url);
    if (rc < 0) {
        cli_error(1, MSG_SYNC_HUB_UNREACHABLE, hub_url, err, NULL);
        buf_free(&resp);
        goto out;
    }
    answer = resp.data ? json_loadb(resp.data, resp.len, 0, NULL) : NULL;
    if (status != 201 || !answer) {
        const char *detail = json_string_value(json_object_get(answer, "detail"));
        char code[16];
        snprintf(code, sizeof code, "%ld", status);
        cli_error(1, MSG_SYNC_HUB_REFUSED, code, detail ? detail : "-", NULL);
        buf_free(&resp);
        goto out;
    }
    buf_free(&resp);
    sync_import_t im = {.answer = answer, .hub_url = hub_url, .node_id = node_id, .name = name};
    rc = store_write(st, sync_import, &im);
    if (rc < 0) {
        print_err(&im.err, rc);
        goto out;
    }
    printf("enrolled node %s with %s for unit %s (%lld seed rows); key %s\n", node_id, hub_url,
           json_string_value(json_object_get(answer, "unit_id")), im.rows, key_path);
    ret = 0;
out:
    json_decref(answer);
    nodekey_free(key);
    cli_wipe_free(token);
    store_close(st);
    return ret;
}

int cli_node(int argc, char **argv, const char *db)
{
    cli_prog = "motcua node";
    if (argc >= 2 && !strcmp(argv[1], "token")) return node_token(argc - 1, argv + 1, db);
    if (argc >= 2 && !strcmp(argv[1], "enroll")) return node_enroll(argc - 1, argv + 1, db);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(node_usage, stdout);
        return 0;
    }
    fputs(node_usage, stderr);
    return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, "token|enroll", NULL, NULL)
                    : cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], "token|enroll");
}

/* ---- sync status ---- */

struct status_cli {
    bool          json;
    char          role[16];
    long long     now;
    buf_t        *out;
    jw_t          w;
    sync_totals_t totals;
    sync_self_t   self;
};

static int node_cb(const sync_node_t *n, void *arg)
{
    struct status_cli *c = arg;
    if (c->json) sync_node_json(&c->w, n);
    else
        buf_printf(c->out, "%-26s %-20.20s %-7s seq %-8lld lag %lld events %lld s%s%s\n", n->node_id, n->name,
                   n->state, n->seq, n->lag_events, n->lag_seconds, n->flagged_reason[0] ? "  " : "",
                   n->flagged_reason);
    return 0;
}

static int status_fn(db_t *db, void *arg)
{
    struct status_cli *c = arg;
    buf_reset(c->out);
    int rc = sync_role(db, c->role, sizeof c->role);
    if (rc < 0) return rc;
    jw_init(&c->w, c->out);
    if (c->json) {
        jw_obj_begin(&c->w);
        jw_kstr(&c->w, "role", c->role);
    }
    if (!strcmp(c->role, "node")) {
        if ((rc = sync_self_status(db, c->now, &c->self)) < 0) return rc;
        if (c->json) {
            jw_kstr(&c->w, "node_id", c->self.node_id);
            jw_kstr(&c->w, "hub_url", c->self.hub_url);
            jw_kint(&c->w, "head_seq", c->self.head_seq);
            jw_kint(&c->w, "acked_seq", c->self.acked_seq);
            jw_kint(&c->w, "acked_at", c->self.acked_at);
            jw_kint(&c->w, "lag_events", c->self.lag_events);
            jw_kint(&c->w, "lag_seconds", c->self.lag_seconds);
        } else
            buf_printf(c->out, "role node %s, hub %s\nown chain %lld events, hub acknowledged %lld: lag %lld events "
                               "%lld s\n", c->self.node_id, c->self.hub_url, c->self.head_seq, c->self.acked_seq,
                       c->self.lag_events, c->self.lag_seconds);
    } else {
        if (c->json) {
            jw_key(&c->w, "nodes");
            jw_arr_begin(&c->w);
        } else buf_printf(c->out, "role %s\n", c->role);
        rc = sync_status_each(db, "", c->now, node_cb, c);
        if (rc == 0) rc = sync_totals(db, "", &c->totals);
        if (rc < 0) return rc;
        if (c->json) {
            jw_arr_end(&c->w);
            jw_kint(&c->w, "flagged_nodes", c->totals.flagged);
            jw_kint(&c->w, "refused_batches", c->totals.refused);
        } else
            buf_printf(c->out, "%lld nodes, %lld flagged, %lld refused batches\n", c->totals.nodes, c->totals.flagged,
                       c->totals.refused);
    }
    if (c->json) jw_obj_end(&c->w);
    return c->json ? jw_finish(&c->w) : 0;
}

static const char sync_usage[] =
    "usage: motcua sync status [--db PATH|URL] [--json]\n"
    "On a hub: every enrolled node with the hub's checkpoint of its chain, its lag (events, seconds) and its state;\n"
    "on a node: its own chain, what the hub acknowledged, and the lag.\n";

int cli_sync(int argc, char **argv, const char *db)
{
    cli_prog = "motcua sync";
    if (argc < 2 || strcmp(argv[1], "status")) {
        if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
            fputs(sync_usage, stdout);
            return 0;
        }
        fputs(sync_usage, stderr);
        return argc < 2 ? cli_usage_error(MSG_CLI_REQUIRED, "status", NULL, NULL)
                        : cli_usage_error(MSG_CLI_BAD_VALUE, "COMMAND", argv[1], "status");
    }
    cli_prog = "motcua sync status";
    bool json = false;
    const cli_opt_t opts[] = {
        {"db", OPT_STR, "PATH|URL", &db, 0, 0, NULL, "SQLite file or postgres:// URL"},
        {"json", OPT_FLAG, NULL, &json, 0, 0, NULL, "print JSON (the shape of GET /api/v1/sync/status)"},
    };
    int pr = cli_parse(sync_usage, opts, NOPTS(opts), argc - 1, argv + 1);
    if (pr) return pr == 1 ? 0 : pr;
    store_t *st;
    if (open_db(&st, db, 0)) return 1;
    buf_t out;
    buf_init(&out, 0);
    struct status_cli c = {.json = json, .now = clock_now_ms(), .out = &out};
    int rc = store_read(st, status_fn, &c);
    store_close(st);
    if (rc < 0) {
        fprintf(stderr, "%s: failed: %s\n", cli_prog, strerror(-rc));
        buf_free(&out);
        return 1;
    }
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    if (json) fputc('\n', stdout);
    buf_free(&out);
    return 0;
}

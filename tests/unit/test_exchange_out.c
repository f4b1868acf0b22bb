/* test_exchange_out.c — domain/exchange_out.h: the peers file (good lines, every refusal), the package built from an
 * outgoing document, exchange_send (one event + one outbox row), the outbox's lease claim and outcomes (retry with
 * backoff, attempts exhausted -> exchange.failed, 422 -> exchange.rejected_by_peer without retry, 2xx ->
 * exchange.delivered with the receiver's 03, a stale lease owner changes nothing), status messages received (new,
 * duplicate, no such package, another unit's caller), and the status queued back for a document that came through
 * the inbox (and none for one that did not, or with no peer); a rebuild keeps the outbox and rebuilds the sent rows;
 * the recall (13 requested, received, 15 accepted: wrong state 409, another unit 404) rebuilt to the same rows.
 * Suite store_exchange_out: two stores racing for the outbox on PostgreSQL (MOTCUA_TEST_PG_URL). */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/rand.h"
#include "db/migrate.h"
#include "domain/event.h"
#include "domain/document.h"
#include "domain/edxml.h"
#include "domain/exchange.h"
#include "domain/exchange_out.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unit_t root, prov, ca, cb;
static principal_t clerk_a, clerk_b, desk_a;

#define NOW_MS 1803949200000LL   /* 2027-03-02 08:00 in Vietnam */

static void make(const char *parent, const char *kind, const char *name, const char *slug, const char *edi,
                 unit_t *out)
{
    unit_input_t in = {.parent_id = parent, .kind = kind, .name = name, .slug = slug, .abbr = "UBND",
                       .edi_code = edi, .active = 1};
    derr_t e;
    int rc = tu_unit_create(NULL, &in, out, &e);
    cr_assert_eq(rc, 0, "unit %s: %d %s", slug, rc, e.field);
}

static void setup(void)
{
    tu_open();
    make(NULL, "national", "Việt Nam", "vn", NULL, &root);
    make(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", "000.00.00.H41", &prov);
    make(prov.id, "commune", "Xã Cư Jút", "cujut", "000.00.01.H41", &ca);
    make(prov.id, "commune", "Xã Thuận An", "thuanan", "000.00.02.H41", &cb);
    tu_principal(&clerk_a, "01M00000000000000000000CLK", "staff");
    tu_grant(&clerk_a, ROLE_CLERK, ca.id, ca.path);
    tu_principal(&clerk_b, "01M00000000000000000000CLB", "staff");
    tu_grant(&clerk_b, ROLE_CLERK, cb.id, cb.path);
    tu_principal(&desk_a, "01M00000000000000000000DSK", "staff");
    tu_grant(&desk_a, ROLE_DESK, ca.id, ca.path);
}

TestSuite(exchange_out, .init = setup, .fini = tu_close);

/* ---- peers ---- */

Test(exchange_out, peers_file)
{
    exchange_peers_t p;
    char why[300] = "";
    const char *text = "# peers of this node\n"
                       "\n"
                       "http://127.0.0.1:8081/  /etc/motcua/tok-b   000.00.00.H41 000.01.00.H41 # the province\n"
                       "https://hub.example.vn/motcua\t/etc/motcua/tok-hub\r\n";
    cr_assert_eq(exchange_peers_parse(text, &p, why, sizeof why), 0, "%s", why);
    cr_assert_eq(p.n, 2);
    cr_assert_str_eq(p.peer[0].url, "http://127.0.0.1:8081");
    cr_assert_str_eq(p.peer[0].token_file, "/etc/motcua/tok-b");
    cr_assert_eq(p.peer[0].n_organs, 2);
    cr_assert_str_eq(p.peer[1].url, "https://hub.example.vn/motcua");
    cr_assert_eq(p.peer[1].n_organs, 0);
    cr_assert_eq(exchange_peer_by_url(&p, "http://127.0.0.1:8081"), &p.peer[0]);
    cr_assert_eq(exchange_peer_by_url(&p, "http://127.0.0.1:8081//"), &p.peer[0]);
    cr_assert_null(exchange_peer_by_url(&p, "http://127.0.0.1:808"));
    cr_assert_null(exchange_peer_by_url(&p, "http://127.0.0.1:80811"));
    cr_assert_eq(exchange_peer_by_organ(&p, "000.01.00.H41"), &p.peer[0]);
    cr_assert_null(exchange_peer_by_organ(&p, "000.00.01.H41"));
    p.peer[0].token = xstrdup("secret-token");
    exchange_peers_free(&p);
    cr_assert_eq(p.n, 0);
    cr_assert_null(p.peer[0].token);
    cr_assert_eq(exchange_peers_parse("", &p, why, sizeof why), 0);
    cr_assert_eq(p.n, 0);
}

Test(exchange_out, peers_file_refusals)
{
    exchange_peers_t p;
    static const struct { const char *text, *why; } bad[] = {
        {"http://a.vn\n", "line 1: expected"},
        {"# c\nftp://a.vn tok\n", "line 2: the URL must be http(s)://"},
        {"http://a.vn tok not-an-organ\n", "not an electronic identifier code"},
        {"http://a.vn tok\nhttp://a.vn/ tok2\n", "listed twice"},
        {"http:// tok\n", "names no host"},
        {"https:/// tok\n", "names no host"},
        {"http://user:pw@a.vn tok\n", "names no host"},
        {"http://a.vn tok 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 "
         "000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41 "
         "000.00.00.H41 000.00.00.H41 000.00.00.H41 000.00.00.H41\n", "more than 16 organ ids"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char why[300] = "";
        cr_assert_eq(exchange_peers_parse(bad[i].text, &p, why, sizeof why), -EINVAL, "case %zu", i);
        cr_assert(strstr(why, bad[i].why), "case %zu: %s", i, why);
    }
}

/* ---- sending ---- */

struct ctx {
    const principal_t *who;
    document_in_t      in;
    document_t         doc;
    exchange_send_in_t send;
    buf_t              xml;
    char               edxml_id[EDXML_MAX_FIELD + 1];
    char               id[ID_LEN + 1];
    exchange_sent_t    sent;
    derr_t             err;
    int                rc;
};

static int reg_fn(db_t *db, void *arg)
{
    struct ctx *c = arg;
    return document_register_outgoing(db, c->who, &c->in, &c->doc, &c->err);
}

static int build_fn(db_t *db, void *arg)
{
    struct ctx *c = arg;
    buf_reset(&c->xml);
    memset(&c->err, 0, sizeof c->err);
    c->rc = exchange_build_package(db, c->who, &c->send, &c->xml, c->edxml_id, sizeof c->edxml_id, &c->err);
    return 0;
}

static int send_fn(db_t *db, void *arg)
{
    struct ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return exchange_send(db, c->who, c->id, &c->send, c->xml.data, c->xml.len, c->edxml_id, &c->sent, &c->err);
}

/* An outgoing document of Cư Jút, its package built and sent (queued) to the province. */
static struct ctx *sent_one(void)
{
    struct ctx *c = xcalloc(1, sizeof *c);
    buf_init(&c->xml, 0);
    c->who = &clerk_a;
    c->in = (document_in_t){.type = "bao-cao", .unit_id = ca.id, .recipients = "UBND tỉnh",
                            .summary = "Về việc báo cáo tháng 11", .signer = "Nguyễn Văn A", .urgency = "urgent",
                            .now_ms = NOW_MS};
    cr_assert_eq(store_write(tu_env.st, reg_fn, c), 0, "%d", c->err.status);
    c->send = (exchange_send_in_t){.document_id = c->doc.id, .to_url = "http://b.example/",
                                   .to_organ = "000.00.00.H41", .now_ms = NOW_MS};
    cr_assert_eq(store_read(tu_env.st, build_fn, c), 0);
    cr_assert_eq(c->rc, 0, "build: %d", c->err.status);
    id_new(c->id);
    cr_assert_eq(store_write(tu_env.st, send_fn, c), 0, "send: %d", c->err.status);
    return c;
}

static void ctx_free(struct ctx *c)
{
    buf_free(&c->xml);
    free(c);
}

Test(exchange_out, package_from_the_outgoing_document)
{
    long long ev = tu_int("SELECT COUNT(*) FROM events", NULL);
    struct ctx *c = sent_one();
    edxml_doc_t d;
    char why[256] = "";
    cr_assert_eq(edxml_parse(c->xml.data, c->xml.len, &d, why, sizeof why), 0, "%s", why);
    cr_assert_eq(d.kind, EDXML_PACKAGE);
    cr_assert_str_eq(d.from.organ_id, "000.00.01.H41");
    cr_assert_str_eq(d.from.organ_name, "Xã Cư Jút");
    cr_assert_eq(d.n_to, 1);
    cr_assert_str_eq(d.to[0].organ_id, "000.00.00.H41");
    cr_assert_str_eq(d.code_number, "01");
    cr_assert_str_eq(d.code_notation, "BC-UBND");
    cr_assert_str_eq(d.type_name, "Báo cáo");
    cr_assert_str_eq(d.subject, "Về việc báo cáo tháng 11");
    cr_assert_str_eq(d.signer_full_name, "Nguyễn Văn A");
    cr_assert_eq(d.priority, 1);
    cr_assert_str_eq(d.document_id, c->edxml_id);
    cr_assert_str_eq(c->edxml_id, "000.00.01.H41,2027/03/02,01/BC-UBND");
    edxml_doc_free(&d);
    /* exchange.sent + the registration: two events; one queued row, one pending outbox row with the bytes. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev + 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_sent WHERE state = 'queued' AND id = $1", c->id), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending' AND kind = 'package' "
                        "AND id = $1", c->id), 1);
    char body[64];
    cr_assert_eq(tu_text("SELECT substr(body, 1, 5) FROM exchange_outbox WHERE id = $1", c->id, body, sizeof body), 0);
    cr_assert_str_eq(body, "<?xml");
    cr_assert_str_eq(c->sent.to_url, "http://b.example", "the trailing slash is dropped");
    ctx_free(c);
}

Test(exchange_out, who_may_send_and_what)
{
    struct ctx *c = sent_one();
    long long ev = tu_int("SELECT COUNT(*) FROM events", NULL);
    /* Another commune's clerk: 404; a desk officer: 403; an unknown document: 404. */
    c->who = &clerk_b;
    cr_assert_eq(store_read(tu_env.st, build_fn, c), 0);
    cr_assert_eq(c->rc, -ENOENT);
    cr_assert_eq(store_write(tu_env.st, send_fn, c), -ENOENT);
    c->who = &desk_a;
    cr_assert_eq(store_read(tu_env.st, build_fn, c), 0);
    cr_assert(c->rc == -EPERM || c->rc == -ENOENT, "%d", c->rc);
    c->who = &clerk_a;
    c->send.document_id = "01M00000000000000000000XXX";
    cr_assert_eq(store_read(tu_env.st, build_fn, c), 0);
    cr_assert_eq(c->rc, -ENOENT);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev, "refusals record nothing");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox", NULL), 1);
    ctx_free(c);
}

/* ---- the outbox ---- */

static int claim(long long now, const char *owner, exchange_claim_t *c)
{
    exchange_claim_free(c);
    c->now = now;
    c->lease_ms = 1000;
    c->owner = owner;
    c->limit = 4;
    int rc = store_write(tu_env.st, exchange_claim, c);
    return rc < 0 ? rc : c->n;
}

static int outcome(const exchange_job_t *j, const char *owner, exchange_delivery_t r, long long http,
                   const char *code, const char *err, long long now, long long next_at, int max)
{
    exchange_delivered_t x = {.job = j, .owner = owner, .result = r, .http_status = http, .status_code = code,
                              .error = err, .now = now, .next_at = next_at, .max_attempts = max};
    return store_write(tu_env.st, exchange_record_outcome, &x);
}

Test(exchange_out, retries_then_failed)
{
    struct ctx *c = sent_one();
    exchange_claim_t *k = xcalloc(1, sizeof *k), *k2 = xcalloc(1, sizeof *k2);
    cr_assert_eq(claim(NOW_MS, "owner-1", k), 1);
    cr_assert_str_eq(k->jobs[0].id, c->id);
    cr_assert_str_eq(k->jobs[0].kind, "package");
    cr_assert_eq(k->jobs[0].attempts, 1);
    cr_assert_eq(k->jobs[0].len, c->xml.len);
    cr_assert_eq(memcmp(k->jobs[0].body, c->xml.data, c->xml.len), 0);
    /* Leased: nobody else gets it. */
    cr_assert_eq(claim(NOW_MS + 10, "owner-2", k2), 0);
    /* A stale owner's outcome changes nothing. */
    cr_assert_eq(outcome(&k->jobs[0], "owner-x", EXCHANGE_OK, 201, "03", "", NOW_MS, 0, 3), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'sending'", NULL), 1);
    /* A network error: back to pending at next_at, with the error. */
    long long ev = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(outcome(&k->jobs[0], "owner-1", EXCHANGE_RETRY, 0, NULL, "Couldn't connect\nto server", NOW_MS,
                         NOW_MS + 500, 2), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'pending' AND next_attempt_at = "
                        "1803949200500", NULL), 1);
    char e[128];
    cr_assert_eq(tu_text("SELECT last_error FROM exchange_outbox", NULL, e, sizeof e), 0);
    cr_assert_str_eq(e, "Couldn't connect to server", "one line");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev, "a retry is not an event");
    cr_assert_eq(claim(NOW_MS + 499, "owner-2", k2), 0, "not due yet");
    cr_assert_eq(claim(NOW_MS + 500, "owner-2", k2), 1);
    cr_assert_eq(k2->jobs[0].attempts, 2);
    /* The last attempt fails too: failed, and exchange.failed makes the sent row failed. */
    cr_assert_eq(outcome(&k2->jobs[0], "owner-2", EXCHANGE_RETRY, 503, NULL, "HTTP 503", NOW_MS + 600,
                         NOW_MS + 1600, 2), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'failed'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'exchange.failed'", NULL), 1);
    cr_assert_eq(tu_text("SELECT state FROM exchange_sent WHERE id = $1", c->id, e, sizeof e), 0);
    cr_assert_str_eq(e, "failed");
    cr_assert_eq(claim(NOW_MS + 100000, "owner-3", k2), 0, "a failed row is never claimed again");
    exchange_counts_t n;
    cr_assert_eq(store_read(tu_env.st, exchange_counts, &n), 0);
    cr_assert_eq(n.failed, 1);
    cr_assert_eq(n.pending + n.sending + n.done, 0);
    exchange_claim_free(k);
    exchange_claim_free(k2);
    free(k);
    free(k2);
    ctx_free(c);
}

Test(exchange_out, expired_lease_claimed_again_refusal_and_delivery)
{
    struct ctx *a = sent_one(), *b = sent_one();
    exchange_claim_t *k = xcalloc(1, sizeof *k), *k2 = xcalloc(1, sizeof *k2);
    cr_assert_eq(claim(NOW_MS, "owner-1", k), 2);
    /* owner-1 dies: after its lease, owner-2 claims both again. */
    cr_assert_eq(claim(NOW_MS + 1001, "owner-2", k2), 2);
    cr_assert_eq(k2->jobs[0].attempts, 2);
    const exchange_job_t *ja = !strcmp(k2->jobs[0].id, a->id) ? &k2->jobs[0] : &k2->jobs[1];
    const exchange_job_t *jb = ja == &k2->jobs[0] ? &k2->jobs[1] : &k2->jobs[0];
    /* 422: rejected at once, whatever the attempts left, with the receiver's reason. */
    cr_assert_eq(outcome(ja, "owner-2", EXCHANGE_REFUSED, 422, NULL, "MSG_EXCHANGE_UNTRUSTED: not trusted",
                         NOW_MS + 1100, NOW_MS + 2000, 10), 0);
    char s[128];
    cr_assert_eq(tu_text("SELECT state || ' ' || http_status || ' ' || last_error FROM exchange_sent WHERE id = $1",
                         a->id, s, sizeof s), 0);
    cr_assert_str_eq(s, "rejected 422 MSG_EXCHANGE_UNTRUSTED: not trusted");
    /* 201 with the receiver's 03: delivered, the status recorded. */
    cr_assert_eq(outcome(jb, "owner-2", EXCHANGE_OK, 201, "03", "", NOW_MS + 1200, 0, 10), 0);
    cr_assert_eq(tu_text("SELECT state || ' ' || http_status FROM exchange_sent WHERE id = $1", b->id, s, sizeof s), 0);
    cr_assert_str_eq(s, "delivered 201");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_statuses WHERE code = '03' AND sent_id = $1", b->id), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'done'", NULL), 1);
    exchange_counts_t n;
    cr_assert_eq(store_read(tu_env.st, exchange_counts, &n), 0);
    cr_assert_eq(n.done, 1);
    cr_assert_eq(n.failed, 1);
    /* owner-1 comes back late: its outcome changes nothing. */
    cr_assert_eq(outcome(&k->jobs[0], "owner-1", EXCHANGE_OK, 201, "03", "", NOW_MS + 1300, 0, 10), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'exchange.delivered'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'exchange.rejected_by_peer'", NULL), 1);
    exchange_claim_free(k);
    exchange_claim_free(k2);
    free(k);
    free(k2);
    ctx_free(a);
    ctx_free(b);
}

/* ---- status messages received ---- */

struct st_ctx {
    const principal_t        *who;
    edxml_doc_t               st;
    exchange_sent_t           sent;
    exchange_status_outcome_t outcome;
    derr_t                    err;
};

static int st_fn(db_t *db, void *arg)
{
    struct st_ctx *c = arg;
    char id[ID_LEN + 1];
    id_new(id);
    return exchange_status_receive(db, c->who, id, NOW_MS, &c->st, NULL, &c->sent, &c->outcome, &c->err);
}

Test(exchange_out, status_received_once)
{
    struct ctx *c = sent_one();
    struct st_ctx *s = xcalloc(1, sizeof *s);
    s->who = &clerk_a;
    s->st.kind = EDXML_STATUS;
    s->st.from.organ_id = "000.00.00.H41";
    s->st.response_for.document_id = c->edxml_id;
    memcpy(s->st.status_code, "04", 3);
    s->st.description = "Đã phân công";
    s->st.timestamp = (edxml_time_t){2027, 3, 2, 9, 0, 0};
    long long ev = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(store_write(tu_env.st, st_fn, s), 0);
    cr_assert_eq(s->outcome, EXCHANGE_STATUS_NEW);
    cr_assert_str_eq(s->sent.id, c->id);
    cr_assert_eq(store_write(tu_env.st, st_fn, s), 0);
    cr_assert_eq(s->outcome, EXCHANGE_STATUS_DUPLICATE);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev + 1);
    char stamp[32];
    cr_assert_eq(tu_text("SELECT stamp FROM exchange_statuses WHERE code = '04'", NULL, stamp, sizeof stamp), 0);
    cr_assert_str_eq(stamp, "2027-03-02T09:00:00");
    /* Another unit's clerk, another sender organ, another document: 404, nothing recorded. */
    s->who = &clerk_b;
    cr_assert_eq(store_write(tu_env.st, st_fn, s), -ENOENT);
    s->who = &clerk_a;
    s->st.from.organ_id = "000.00.02.H41";
    cr_assert_eq(store_write(tu_env.st, st_fn, s), -ENOENT);
    s->st.from.organ_id = "000.00.00.H41";
    s->st.response_for.document_id = "000.00.01.H41,2027/03/02,99/BC-UBND";
    cr_assert_eq(store_write(tu_env.st, st_fn, s), -ENOENT);
    cr_assert_eq(s->err.status, 404);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev + 1);
    free(s);
    ctx_free(c);
}

/* ---- status messages queued back ---- */

struct ack_ctx {
    const exchange_peers_t *peers;
    const char             *doc, *code;
    int                     rc;
};

static int ack_fn(db_t *db, void *arg)
{
    struct ack_ctx *a = arg;
    a->rc = exchange_ack_queue(db, a->peers, a->doc, a->code, "Giao phòng chuyên môn", "lanhdao", NOW_MS, NULL);
    return a->rc < 0 ? a->rc : 0;
}

Test(exchange_out, status_queued_back_for_exchanged_documents)
{
    exchange_peers_t p;
    char why[200];
    cr_assert_eq(exchange_peers_parse("http://a.example tok 000.00.09.H41\n", &p, why, sizeof why), 0);
    cr_assert_eq(tu_execf("INSERT INTO exchange_received (id, unit_id, document_id, from_organ, from_name, "
                          "edxml_document_id, sha256, signer_cn, signer_serial, signer_issuer, lenient, lenient_why, "
                          "received_at) VALUES ('01M0000000000000000000RCV1', '%s', '01M0000000000000000000DOC1', "
                          "'000.00.09.H41', 'Xã X', '000.00.09.H41,2027/03/01,05/BC-UBND', 'x', 'cn', '1', 'ca', 0, "
                          "'', 1)", prov.id), 0);
    struct ack_ctx a = {&p, "01M0000000000000000000DOC1", "04", 0};
    cr_assert_eq(store_write(tu_env.st, ack_fn, &a), 0);
    cr_assert_eq(a.rc, 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE kind = 'status' AND to_url = "
                        "'http://a.example' AND state = 'pending'", NULL), 1);
    char body[8192];
    cr_assert_eq(tu_text("SELECT body FROM exchange_outbox WHERE kind = 'status'", NULL, body, sizeof body), 0);
    edxml_doc_t d;
    cr_assert_eq(edxml_parse(body, strlen(body), &d, why, sizeof why), 0, "%s", why);
    cr_assert_eq(d.kind, EDXML_STATUS);
    cr_assert_str_eq(d.status_code, "04");
    cr_assert_str_eq(d.from.organ_id, "000.00.00.H41");
    cr_assert_str_eq(d.response_for.document_id, "000.00.09.H41,2027/03/01,05/BC-UBND");
    cr_assert_str_eq(d.description, "Giao phòng chuyên môn");
    cr_assert_eq(d.timestamp.y, 2027);
    cr_assert_eq(d.timestamp.hh, 8, "Vietnam time");
    edxml_doc_free(&d);
    /* Not from the exchange, or no peer for the sender: nothing queued. */
    a.doc = "01M0000000000000000000DOC2";
    cr_assert_eq(store_write(tu_env.st, ack_fn, &a), 0);
    cr_assert_eq(a.rc, 1);
    exchange_peers_t none = {0};
    a.peers = &none;
    a.doc = "01M0000000000000000000DOC1";
    cr_assert_eq(store_write(tu_env.st, ack_fn, &a), 0);
    cr_assert_eq(a.rc, 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox", NULL), 1);
    exchange_peers_free(&p);
}

/* ---- the outbox is not a projection; the sent rows are ---- */

Test(exchange_out, rebuild_keeps_the_outbox_and_rebuilds_the_sent_rows)
{
    struct ctx *c = sent_one();
    exchange_claim_t *k = xcalloc(1, sizeof *k);
    cr_assert_eq(claim(NOW_MS, "owner-1", k), 1);
    cr_assert_eq(outcome(&k->jobs[0], "owner-1", EXCHANGE_OK, 201, "03", "", NOW_MS + 5, 0, 10), 0);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep = {0};
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE state = 'done'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_sent WHERE state = 'delivered' AND http_status = 201", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_statuses WHERE code = '03'", NULL), 1);
    for (const event_module_t *const *m = event_modules(); *m; m++)
        for (const event_table_t *t = (*m)->tables; t->name; t++)
            cr_assert_str_neq(t->name, "exchange_outbox", "the outbox is registered as a projection");
    exchange_claim_free(k);
    free(k);
    ctx_free(c);
}

/* ---- recall: 13, then 15, both sides in one database (the sender Cư Jút, the receiver the province) ---- */

struct rc_ctx {
    const principal_t   *who;
    exchange_peers_t     peers;
    exchange_recall_in_t in;
    buf_t                xml;
    exchange_sent_t      sent;
    exchange_check_t     chk;
    exchange_result_t    res;
    edxml_doc_t          st;
    exchange_sig_t       sig;
    char                 doc[ID_LEN + 1];
    exchange_status_outcome_t outcome;
    derr_t               err;
    int                  rc;
};

static int rc_receive_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    char id[ID_LEN + 1];
    id_new(id);
    return exchange_receive(db, c->who, id, NOW_MS, c->xml.data, c->xml.len, &c->chk, &c->res, &c->err);
}
static int rc_build_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    c->rc = exchange_recall_build(db, c->who, &c->in, &c->xml, &c->sent, &c->err);
    return 0;
}
static int rc_request_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return exchange_recall_request(db, c->who, &c->in, c->xml.data, c->xml.len, "Văn thư", &c->sent, &c->err);
}
static int rc_got_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return exchange_recall_receive(db, c->who, NOW_MS + 10, &c->st, &c->sig, c->doc, sizeof c->doc, &c->outcome,
                                   &c->err);
}
static int rc_answer_build_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    c->rc = exchange_recall_answer_build(db, c->who, &c->in, &c->xml, &c->err);
    return 0;
}
static int rc_answer_fn(db_t *db, void *arg)
{
    struct rc_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return exchange_recall_answer(db, c->who, &c->peers, &c->in, c->xml.data, c->xml.len, "Văn thư tỉnh", &c->err);
}

Test(exchange_out, recall_requested_received_accepted_and_rebuilt)
{
    principal_t clerk_p;
    tu_principal(&clerk_p, "01M00000000000000000000CLP", "staff");
    tu_grant(&clerk_p, ROLE_CLERK, prov.id, prov.path);
    struct ctx *c = sent_one();
    struct rc_ctx *r = xcalloc(1, sizeof *r);
    buf_init(&r->xml, 0);
    char why[200];
    cr_assert_eq(exchange_peers_parse("http://a.example tok 000.00.01.H41\n", &r->peers, why, sizeof why), 0);
    /* The recall of a package not delivered yet: 409. */
    r->who = &clerk_a;
    char rid[ID_LEN + 1];
    id_new(rid);
    r->in = (exchange_recall_in_t){.id = rid, .document_id = c->doc.id, .reason = "Sai số liệu", .now_ms = NOW_MS + 1000};
    cr_assert_eq(store_read(tu_env.st, rc_build_fn, r), 0);
    cr_assert_eq(r->rc, -EBUSY);
    cr_assert_eq(r->err.status, 409);
    /* Delivered; the province receives it (as its inbox would, the signature taken as checked). */
    exchange_claim_t *k = xcalloc(1, sizeof *k);
    cr_assert_eq(claim(NOW_MS, "owner-1", k), 1);
    cr_assert_eq(outcome(&k->jobs[0], "owner-1", EXCHANGE_OK, 201, "03", "", NOW_MS + 5, 0, 10), 0);
    exchange_claim_free(k);
    free(k);
    buf_append(&r->xml, c->xml.data, c->xml.len);
    cr_assert_eq(edxml_parse(r->xml.data, r->xml.len, &r->chk.doc, why, sizeof why), 0, "%s", why);
    str_copy(r->chk.who.subject_cn, sizeof r->chk.who.subject_cn, "Văn thư");
    r->who = &clerk_p;
    cr_assert_eq(store_write(tu_env.st, rc_receive_fn, r), 0, "%d", r->err.status);
    cr_assert_eq(r->res.outcome, EXCHANGE_REGISTERED);
    char incoming[ID_LEN + 1];
    str_copy(incoming, sizeof incoming, r->res.doc.id);
    edxml_doc_free(&r->chk.doc);
    /* Another commune's clerk may not recall it (404); Cư Jút's clerk does: one event, 13, the outbox row. */
    r->who = &clerk_b;
    cr_assert_eq(store_read(tu_env.st, rc_build_fn, r), 0);
    cr_assert_eq(r->err.status, 404);
    r->who = &clerk_a;
    long long ev = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(store_read(tu_env.st, rc_build_fn, r), 0);
    cr_assert_eq(r->rc, 0, "%d", r->err.status);
    cr_assert_eq(store_write(tu_env.st, rc_request_fn, r), 0);
    cr_assert_str_eq(r->sent.recall_state, "requested");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), ev + 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_statuses WHERE code = '13' AND signature = 'signed'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE kind = 'status'", NULL), 1);
    cr_assert_eq(store_read(tu_env.st, rc_build_fn, r), 0);
    cr_assert_eq(r->err.status, 409, "a recall pending");
    /* The province records the 13 (once); another unit's clerk: 404. */
    cr_assert_eq(edxml_parse(r->xml.data, r->xml.len, &r->st, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(r->st.status_code, "13");
    r->sig = (exchange_sig_t){"valid", "Văn thư"};
    r->who = &clerk_b;
    cr_assert_eq(store_write(tu_env.st, rc_got_fn, r), -ENOENT);
    r->who = &clerk_p;
    cr_assert_eq(store_write(tu_env.st, rc_got_fn, r), 0);
    cr_assert_eq(r->outcome, EXCHANGE_STATUS_NEW);
    cr_assert_str_eq(r->doc, incoming);
    cr_assert_eq(store_write(tu_env.st, rc_got_fn, r), 0);
    cr_assert_eq(r->outcome, EXCHANGE_STATUS_DUPLICATE);
    edxml_doc_free(&r->st);
    /* Answers: another unit 404, the receiving clerk accepts (15 queued for the peer serving Cư Jút), again 409. */
    r->in.document_id = incoming;
    r->in.accept = true;
    r->in.reason = "Đồng ý";
    r->who = &clerk_b;
    cr_assert_eq(store_read(tu_env.st, rc_answer_build_fn, r), 0);
    cr_assert_eq(r->err.status, 404);
    r->who = &clerk_p;
    cr_assert_eq(store_read(tu_env.st, rc_answer_build_fn, r), 0);
    cr_assert_eq(r->rc, 0, "%d", r->err.status);
    id_new(rid);
    cr_assert_eq(store_write(tu_env.st, rc_answer_fn, r), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_received WHERE recall_state = 'accepted'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM documents WHERE id = $1", incoming), 1, "not deleted");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_outbox WHERE kind = 'status' AND to_url = 'http://a.example'",
                        NULL), 1);
    cr_assert_eq(store_read(tu_env.st, rc_answer_build_fn, r), 0);
    cr_assert_eq(r->err.status, 409);
    /* The rebuild gives the same rows. */
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep = {0};
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM exchange_received WHERE recall_state = 'accepted' AND "
                        "recall_signature = 'valid'", NULL), 1);
    exchange_peers_free(&r->peers);
    buf_free(&r->xml);
    free(r);
    ctx_free(c);
}

/* ---- PostgreSQL: two stores (as two processes would) race for the rows ---- */

static store_t *pg_a, *pg_b;

static int pg_reset_fn(db_t *db, void *arg)
{
    (void)arg;
    return db_exec(db, "DELETE FROM exchange_outbox WHERE to_url = 'http://race.example'");
}

static int pg_fill_fn(db_t *db, void *arg)
{
    (void)arg;
    for (int i = 0; i < 40; i++) {
        char id[ID_LEN + 1];
        id_new(id);
        long long n = db_run(db, "INSERT INTO exchange_outbox (id, kind, to_url, body, created_at, attempts, "
                                 "next_attempt_at, state) VALUES ($1, 'status', 'http://race.example', '<x/>', 1, 0, 1, "
                                 "'pending')", "t", id);
        if (n < 0) return (int)n;
    }
    return 0;
}

static void pg_init(void)
{
    const char *url = getenv("MOTCUA_TEST_PG_URL");
    if (!url || !*url) cr_skip_test("MOTCUA_TEST_PG_URL not set");
    cr_assert_eq(store_open(&pg_a, &(store_opts_t){.url = url}), 0);
    cr_assert_eq(store_open(&pg_b, &(store_opts_t){.url = url}), 0);
    cr_assert_geq(migrate_up(pg_a), 0);
    cr_assert_eq(store_write(pg_a, pg_reset_fn, NULL), 0);
}

static void pg_fini(void)
{
    if (pg_a) store_write(pg_a, pg_reset_fn, NULL);
    if (pg_a) store_close(pg_a);
    if (pg_b) store_close(pg_b);
    pg_a = pg_b = NULL;
}

struct racer {
    store_t *st;
    char     ids[64][ID_LEN + 1];
    int      n;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    exchange_claim_t *c = xcalloc(1, sizeof *c);
    char owner[RAND_TOKEN_LEN + 1];
    for (;;) {
        rand_token(owner);
        exchange_claim_free(c);
        c->now = clock_now_ms();
        c->lease_ms = 600000;
        c->owner = owner;
        c->limit = 2;
        if (store_write(r->st, exchange_claim, c) < 0 || c->n == 0) break;
        for (int i = 0; i < c->n && r->n < 64; i++)
            if (!strcmp(c->jobs[i].to_url, "http://race.example")) memcpy(r->ids[r->n++], c->jobs[i].id, ID_LEN + 1);
    }
    exchange_claim_free(c);
    free(c);
    return NULL;
}

Test(store_exchange_out, two_stores_never_claim_one_row_pg, .init = pg_init, .fini = pg_fini)
{
    cr_assert_eq(store_write(pg_a, pg_fill_fn, NULL), 0);
    struct racer *a = xcalloc(1, sizeof *a), *b = xcalloc(1, sizeof *b);
    a->st = pg_a;
    b->st = pg_b;
    pthread_t ta, tb;
    cr_assert_eq(pthread_create(&ta, NULL, race, a), 0);
    cr_assert_eq(pthread_create(&tb, NULL, race, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a->n + b->n, 40, "%d + %d", a->n, b->n);
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) cr_assert_str_neq(a->ids[i], b->ids[j], "claimed twice");
    free(a);
    free(b);
}

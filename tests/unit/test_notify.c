/* test_notify.c — domain/notify.h: enqueue with its dedupe key, refusal of bad messages (nothing written), the
 * templates in both languages, the lease claim (two claimers never hold one row; an expired lease is claimed
 * again), outcomes (sent, retry, failed, a stale lease owner changes nothing), the backoff schedule, the RFC 5322
 * message (headers, RFC 2047 subject, quoted-printable body, no header injection), and that a rebuild leaves the
 * outbox alone. Suite notify on SQLite; suite store_notify repeats the cross-store claim race on PostgreSQL
 * (MOTCUA_TEST_PG_URL, run by scripts/check's unit-postgres). */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/mem.h"
#include "core/rand.h"
#include "db/migrate.h"
#include "domain/event.h"
#include "domain/notify.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(notify, .init = tu_open, .fini = tu_close);

/* ---- helpers: writes through store_write, results carried back to the test thread ---- */

struct enq {
    notify_msg_t m;
    derr_t       err;
};

static int enq_fn(db_t *db, void *arg)
{
    struct enq *e = arg;
    return notify_enqueue(db, &e->m, &e->err);
}

static int enq_null_err_fn(db_t *db, void *arg) { return notify_enqueue(db, arg, NULL); }

static void msg_init(notify_msg_t *m, notify_channel_t ch, const char *to, const char *key)
{
    memset(m, 0, sizeof *m);
    m->channel = ch;
    m->recipient = to;
    m->tmpl = NOTIFY_RECEIVED;
    m->dedupe_key = key;
    m->at = 1000;
    m->args[NOTIFY_ARG_CODE] = "000.00.06.H56-261202-0001";
    m->args[NOTIFY_ARG_PROCEDURE] = "Đăng ký khai sinh";
    m->args[NOTIFY_ARG_DUE] = "16/12/2026";
    m->args[NOTIFY_ARG_AGENCY] = "UBND xã Đồng Tâm";
}

static int enqueue_on(store_t *st, notify_msg_t *m, derr_t *err)
{
    struct enq e = {.m = *m};
    int rc = store_write(st, enq_fn, &e);
    if (err) *err = e.err;
    return rc;
}

static int enqueue(notify_msg_t *m, derr_t *err) { return enqueue_on(tu_env.st, m, err); }

static void enqueue_n(store_t *st, const char *tag, int n)
{
    for (int i = 0; i < n; i++) {
        char key[64], to[64];
        snprintf(key, sizeof key, "%s:%d", tag, i);
        snprintf(to, sizeof to, "a%d@example.vn", i);
        notify_msg_t m;
        msg_init(&m, NOTIFY_EMAIL, to, key);
        cr_assert_eq(enqueue_on(st, &m, NULL), 0, "enqueue %s", key);
    }
}

static int claim_on(store_t *st, notify_claim_t *c, long long now, const char *owner, int limit)
{
    c->now = now;
    c->lease_ms = 60000;
    c->owner = owner;
    c->limit = limit;
    c->channels = 3;
    return store_write(st, notify_claim, c);
}

struct mark {
    const char *id, *owner;
    int         ok, permanent, max;
    long long   next_at;
};

static int mark_fn(db_t *db, void *arg)
{
    struct mark *x = arg;
    if (x->ok) return notify_mark_sent(db, x->id, "<mid@x.vn>", 5000);
    return notify_mark_failed(db, x->id, x->owner, 5000, x->next_at, x->permanent, x->max, "smtp: 451\r\ntry later");
}

static long long count_state(const char *state)
{
    return tu_int("SELECT COUNT(*) FROM notify_outbox WHERE state = $1", state);
}

/* ---- enqueue ---- */

Test(notify, enqueue_renders_and_dedupes)
{
    notify_msg_t m;
    msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "node1:7:email");
    cr_assert_eq(enqueue(&m, NULL), 0);
    cr_assert_eq(enqueue(&m, NULL), 1, "the same dedupe key again is 'already there'");
    m.recipient = "other@example.vn";   /* even with another recipient: the key decides */
    cr_assert_eq(enqueue(&m, NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox", NULL), 1);
    char s[512];
    cr_assert_eq(tu_text("SELECT subject FROM notify_outbox", NULL, s, sizeof s), 0);
    cr_assert_str_eq(s, "Hồ sơ 000.00.06.H56-261202-0001 đã được tiếp nhận");
    cr_assert_eq(tu_text("SELECT body FROM notify_outbox", NULL, s, sizeof s), 0);
    cr_assert(strstr(s, "UBND xã Đồng Tâm đã tiếp nhận hồ sơ 000.00.06.H56-261202-0001 (Đăng ký khai sinh)"), "%s", s);
    cr_assert(strstr(s, "Ngày hẹn trả kết quả: 16/12/2026."), "%s", s);
    cr_assert_eq(tu_int("SELECT next_attempt_at FROM notify_outbox", NULL), 1000);
    cr_assert_eq(tu_int("SELECT created_at FROM notify_outbox", NULL), 1000);
    cr_assert_eq(count_state("pending"), 1);
    cr_assert_eq(tu_text("SELECT recipient FROM notify_outbox", NULL, s, sizeof s), 0);
    cr_assert_str_eq(s, "an@example.vn");
}

Test(notify, enqueue_sms_has_no_subject_and_a_short_text)
{
    notify_msg_t m;
    msg_init(&m, NOTIFY_SMS, "+84912345678", "n:1:sms");
    m.tmpl = NOTIFY_SUPPLEMENT;
    m.args[NOTIFY_ARG_REASON] = "thiếu tờ khai";
    cr_assert_eq(enqueue(&m, NULL), 0);
    char s[700];
    cr_assert_eq(tu_text("SELECT body FROM notify_outbox", NULL, s, sizeof s), 0);
    cr_assert(strstr(s, "cần bổ sung: thiếu tờ khai"), "%s", s);
    cr_assert_leq(strlen(s), NOTIFY_SMS_MAX);
    cr_assert_eq(tu_int("SELECT LENGTH(subject) FROM notify_outbox", NULL), 0);
}

Test(notify, bad_messages_are_refused_and_nothing_is_written)
{
    static const struct { notify_channel_t ch; const char *to; } bad_to[] = {
        {NOTIFY_EMAIL, "an@example.vn\r\nBcc: x@y.vn"}, {NOTIFY_EMAIL, "an@example.vn\n"}, {NOTIFY_EMAIL, "nobody"},
        {NOTIFY_EMAIL, "a@b@c.vn"}, {NOTIFY_EMAIL, "<an@example.vn>"}, {NOTIFY_EMAIL, "a b@example.vn"},
        {NOTIFY_EMAIL, ""}, {NOTIFY_EMAIL, NULL}, {NOTIFY_SMS, "0912"}, {NOTIFY_SMS, "0912345678\r\n"},
        {NOTIFY_SMS, "09123abc45"}, {NOTIFY_SMS, "+1234567890123456"},
    };
    for (size_t i = 0; i < sizeof bad_to / sizeof bad_to[0]; i++) {
        notify_msg_t m;
        derr_t err = {0};
        msg_init(&m, bad_to[i].ch, bad_to[i].to, "k");
        cr_assert_eq(enqueue(&m, &err), -EINVAL, "recipient %zu", i);
        cr_assert_str_eq(err.field, "recipient");
        cr_assert_eq(err.status, 400);
        cr_assert_eq(err.msg, MSG_NOTIFY_BAD_RECIPIENT);
    }
    static const char *const bad_arg[] = {"X\r\nBcc: evil@x.vn", "X\n", "tab\there", "\xc3\x28", "\x7f"};
    for (size_t i = 0; i < sizeof bad_arg / sizeof bad_arg[0]; i++) {
        notify_msg_t m;
        derr_t err = {0};
        msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "k");
        m.args[NOTIFY_ARG_CODE] = bad_arg[i];
        cr_assert_eq(enqueue(&m, &err), -EINVAL, "arg %zu", i);
        cr_assert_str_eq(err.field, "code");
        cr_assert_eq(err.msg, MSG_NOTIFY_BAD_TEXT);
    }
    char *longarg = xmalloc(NOTIFY_ARG_MAX + 2);
    memset(longarg, 'a', NOTIFY_ARG_MAX + 1);
    longarg[NOTIFY_ARG_MAX + 1] = '\0';
    notify_msg_t m;
    derr_t err = {0};
    msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "k");
    m.args[NOTIFY_ARG_REASON] = longarg;
    cr_assert_eq(enqueue(&m, &err), -EINVAL, "an argument past the cap");
    free(longarg);
    msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "");
    cr_assert_eq(enqueue(&m, &err), -EINVAL, "an empty dedupe key");
    cr_assert_str_eq(err.field, "dedupe_key");
    msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "k\n1");
    cr_assert_eq(enqueue(&m, &err), -EINVAL, "a dedupe key with a newline");
    msg_init(&m, NOTIFY_EMAIL, "an@example.vn", "k");
    m.tmpl = NOTIFY_TEMPLATE_COUNT;
    cr_assert_eq(enqueue(&m, &err), -EINVAL, "an unknown template");
    msg_init(&m, NOTIFY_EMAIL, "bad", "k");
    cr_assert_eq(store_write(tu_env.st, enq_null_err_fn, &m), -EINVAL, "err may be NULL");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox", NULL), 0, "nothing was written");
}

Test(notify, templates_are_filled_in_both_languages)
{
    static const char *const en_words[NOTIFY_TEMPLATE_COUNT] = {"received", "supplemented", "pay", "apologises",
                                                                 "ready", "refused"};
    static const char *const vi_words[NOTIFY_TEMPLATE_COUNT] = {"tiếp nhận", "bổ sung", "nộp phí", "xin lỗi",
                                                                 "đã có kết quả", "từ chối"};
    for (int t = 0; t < NOTIFY_TEMPLATE_COUNT; t++)
        for (int lang = 0; lang < 2; lang++)
            for (int ch = 0; ch < 2; ch++) {
                notify_msg_t m;
                msg_init(&m, (notify_channel_t)ch, ch ? "0912345678" : "an@example.vn", "k");
                m.tmpl = (notify_template_t)t;
                m.lang = (lang_t)lang;
                m.args[NOTIFY_ARG_AMOUNT] = "8.000 đồng";
                m.args[NOTIFY_ARG_REASON] = "REASON-X";
                m.args[NOTIFY_ARG_URL] = "https://motcua.test/t";
                buf_t s, b;
                buf_init(&s, 0);
                buf_init(&b, 0);
                derr_t err = {0};
                cr_assert_eq(notify_render(&m, &s, &b, &err), 0);
                const char *name = notify_template_name(m.tmpl);
                cr_assert(strstr(b.data, "000.00.06.H56-261202-0001"), "%s/%d/%d: %s", name, lang, ch, b.data);
                cr_assert(!strchr(b.data, '{'), "%s: a placeholder left: %s", name, b.data);
                if (ch == NOTIFY_EMAIL) {
                    cr_assert(strstr(s.data, "000.00.06.H56-261202-0001"), "%s subject: %s", name, s.data);
                    cr_assert(!strpbrk(s.data, "\r\n"));
                    cr_assert(strstr(b.data, lang ? en_words[t] : vi_words[t]), "%s/%d: %s", name, lang, b.data);
                    cr_assert(strstr(b.data, "https://motcua.test/t"), "%s: %s", name, b.data);
                } else {
                    cr_assert_eq(s.len, 0);
                    cr_assert_leq(b.len, 160 * 2, "%s SMS stays short: %zu", name, b.len);
                }
                if (t == NOTIFY_PAYMENT) cr_assert(strstr(b.data, "8.000 đồng"), "%s", b.data);
                if (t == NOTIFY_SUPPLEMENT || t == NOTIFY_REFUSED) cr_assert(strstr(b.data, "REASON-X"), "%s", b.data);
                if (t == NOTIFY_EXTENDED && ch == NOTIFY_EMAIL) cr_assert(strstr(b.data, "REASON-X"), "%s", b.data);
                buf_free(&s);
                buf_free(&b);
            }
    for (int t = 0; t < NOTIFY_TEMPLATE_COUNT; t++) {
        notify_template_t back;
        cr_assert_eq(notify_template_parse(notify_template_name((notify_template_t)t), &back), 0);
        cr_assert_eq((int)back, t);
    }
    notify_template_t x;
    cr_assert_eq(notify_template_parse("nope", &x), -EINVAL);
    notify_channel_t c;
    cr_assert_eq(notify_channel_parse("sms", &c), 0);
    cr_assert_eq(c, NOTIFY_SMS);
    cr_assert_eq(notify_channel_parse("fax", &c), -EINVAL);
}

Test(notify, dedupe_key_names_node_seq_channel)
{
    char k[NOTIFY_KEY_MAX];
    cr_assert_eq(notify_dedupe_key(k, sizeof k, "node-a", 42, NOTIFY_SMS), 0);
    cr_assert_str_eq(k, "node-a:42:sms");
    char small[8];
    cr_assert_eq(notify_dedupe_key(small, sizeof small, "node-a", 42, NOTIFY_EMAIL), -E2BIG);
}

/* ---- claim, lease, outcome ---- */

Test(notify, claims_never_overlap_and_an_expired_lease_is_reclaimed)
{
    enqueue_n(tu_env.st, "c", 5);
    notify_claim_t *a = xcalloc(1, sizeof *a), *b = xcalloc(1, sizeof *b), *c = xcalloc(1, sizeof *c);
    cr_assert_eq(claim_on(tu_env.st, a, 2000, "owner-a", 3), 0);
    cr_assert_eq(a->n, 3);
    cr_assert_eq(claim_on(tu_env.st, b, 2000, "owner-b", 3), 0);
    cr_assert_eq(b->n, 2, "only the two unclaimed rows are left");
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) cr_assert_str_neq(a->rows[i].id, b->rows[j].id);
    cr_assert_eq(a->rows[0].attempts, 1);
    cr_assert(strstr(a->rows[0].subject, "tiếp nhận"));
    cr_assert_eq(claim_on(tu_env.st, c, 2000 + 59999, "owner-c", 10), 0);
    cr_assert_eq(c->n, 0, "a live lease is not claimed again");
    cr_assert_eq(count_state("sending"), 5);
    cr_assert_eq(claim_on(tu_env.st, c, 2000 + 60001, "owner-c", 10), 0);
    cr_assert_eq(c->n, 5, "expired leases are claimed again");
    cr_assert_eq(c->rows[0].attempts, 2, "each claim counts an attempt");
    /* The first owner lost its lease: its failure report changes nothing; a success still counts. */
    struct mark x = {.id = a->rows[0].id, .owner = "owner-a", .next_at = 9999, .max = 10};
    cr_assert_eq(store_write(tu_env.st, mark_fn, &x), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox WHERE lease_owner = 'owner-c'", NULL), 5);
    x.ok = 1;
    cr_assert_eq(store_write(tu_env.st, mark_fn, &x), 0);
    cr_assert_eq(count_state("sent"), 1);
    char mid[64];
    cr_assert_eq(tu_text("SELECT message_id FROM notify_outbox WHERE state = 'sent'", NULL, mid, sizeof mid), 0);
    cr_assert_str_eq(mid, "<mid@x.vn>");
    notify_claim_free(a);
    notify_claim_free(b);
    notify_claim_free(c);
    free(a);
    free(b);
    free(c);
}

Test(notify, outcomes_retry_fail_and_respect_the_channel_mask)
{
    enqueue_n(tu_env.st, "o", 3);
    notify_msg_t m;
    msg_init(&m, NOTIFY_SMS, "0912345678", "o:sms");
    cr_assert_eq(enqueue(&m, NULL), 0);
    notify_claim_t *c = xcalloc(1, sizeof *c);
    c->now = 2000;
    c->lease_ms = 60000;
    c->owner = "own-sms";
    c->limit = 10;
    c->channels = 1 << NOTIFY_SMS;
    cr_assert_eq(store_write(tu_env.st, notify_claim, c), 0);
    cr_assert_eq(c->n, 1, "an SMS-only sender claims the SMS only");
    cr_assert_eq(c->rows[0].channel, NOTIFY_SMS);
    c->channels = 0;
    cr_assert_eq(store_write(tu_env.st, notify_claim, c), 0);
    cr_assert_eq(c->n, 0, "no channel, no claim");
    cr_assert_eq(claim_on(tu_env.st, c, 2000, "own", 10), 0);
    cr_assert_eq(c->n, 3);
    /* temporary failure: back to pending at next_at, error on one line */
    struct mark x = {.id = c->rows[0].id, .owner = "own", .next_at = 7000, .max = 10};
    cr_assert_eq(store_write(tu_env.st, mark_fn, &x), 0);
    cr_assert_eq(tu_int("SELECT next_attempt_at FROM notify_outbox WHERE id = $1", c->rows[0].id), 7000);
    char e[400];
    cr_assert_eq(tu_text("SELECT last_error FROM notify_outbox WHERE id = $1", c->rows[0].id, e, sizeof e), 0);
    cr_assert_str_eq(e, "smtp: 451  try later");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox WHERE state = 'pending' AND lease_owner IS NULL", NULL),
                 1);
    /* permanent: failed at once */
    struct mark y = {.id = c->rows[1].id, .owner = "own", .next_at = 7000, .permanent = 1, .max = 10};
    cr_assert_eq(store_write(tu_env.st, mark_fn, &y), 0);
    /* attempts exhausted: failed */
    struct mark z = {.id = c->rows[2].id, .owner = "own", .next_at = 7000, .max = 1};
    cr_assert_eq(store_write(tu_env.st, mark_fn, &z), 0);
    cr_assert_eq(count_state("failed"), 2);
    /* the retried row is not due before next_at, then it is */
    cr_assert_eq(claim_on(tu_env.st, c, 6999, "own2", 10), 0);
    cr_assert_eq(c->n, 0);
    cr_assert_eq(claim_on(tu_env.st, c, 7000, "own2", 10), 0);
    cr_assert_eq(c->n, 1);
    cr_assert_eq(c->rows[0].attempts, 2);
    notify_counts_t k = {0};
    cr_assert_eq(store_read(tu_env.st, notify_counts, &k), 0);
    cr_assert_eq(k.sending, 2);   /* the SMS and the retried e-mail */
    cr_assert_eq(k.failed, 2);
    k.channels = 1 << NOTIFY_EMAIL;
    cr_assert_eq(store_read(tu_env.st, notify_counts, &k), 0);
    cr_assert_eq(k.sending, 1);
    notify_claim_free(c);
    free(c);
}

/* Two threads claiming at once from one store: every row is claimed exactly once. */
struct racer {
    store_t *st;
    char     ids[64][27];
    int      n;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    notify_claim_t *c = xcalloc(1, sizeof *c);
    char owner[RAND_TOKEN_LEN + 1];
    for (;;) {
        rand_token(owner);
        c->now = clock_now_ms();
        c->lease_ms = 600000;
        c->owner = owner;
        c->limit = 2;
        c->channels = 3;
        if (store_write(r->st, notify_claim, c) < 0 || c->n == 0) break;
        for (int i = 0; i < c->n && r->n < 64; i++) memcpy(r->ids[r->n++], c->rows[i].id, 27);
    }
    notify_claim_free(c);
    free(c);
    return NULL;
}

static void race_two(store_t *s1, store_t *s2, int n)
{
    struct racer *a = xcalloc(1, sizeof *a), *b = xcalloc(1, sizeof *b);
    a->st = s1;
    b->st = s2;
    pthread_t ta, tb;
    pthread_create(&ta, NULL, race, a);
    pthread_create(&tb, NULL, race, b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    cr_assert_eq(a->n + b->n, n, "claimed %d + %d of %d", a->n, b->n, n);
    for (int i = 0; i < a->n; i++)
        for (int j = 0; j < b->n; j++) cr_assert_str_neq(a->ids[i], b->ids[j], "row claimed twice");
    free(a);
    free(b);
}

Test(notify, two_claimers_at_once_never_share_a_row)
{
    enqueue_n(tu_env.st, "r", 40);
    race_two(tu_env.st, tu_env.st, 40);
}

/* ---- backoff ---- */

Test(notify, backoff_doubles_with_equal_jitter_up_to_the_cap)
{
    cr_assert_eq(notify_backoff_ms(1, 1000, 60000, 0), 500);
    cr_assert_eq(notify_backoff_ms(1, 1000, 60000, 500), 1000);
    cr_assert_eq(notify_backoff_ms(2, 1000, 60000, 0), 1000);
    cr_assert_eq(notify_backoff_ms(3, 1000, 60000, 0), 2000);
    cr_assert_eq(notify_backoff_ms(4, 1000, 60000, 2000), 6000, "d - d/2 + r mod (d/2 + 1)");
    cr_assert_eq(notify_backoff_ms(4, 1000, 60000, 4001), 4000, "r wraps at d/2 + 1");
    cr_assert_eq(notify_backoff_ms(40, 1000, 60000, 0), 30000, "capped, lower half");
    cr_assert_eq(notify_backoff_ms(1000, 1000, 60000, 30000), 60000, "capped, no overflow");
    for (unsigned r = 0; r < 5000; r += 7) {
        long long d = notify_backoff_ms(5, 1000, 3600000, r * 2654435761u);
        cr_assert(d >= 8000 && d <= 16000, "attempt 5: %lld", d);
    }
    cr_assert_eq(notify_backoff_ms(0, 1000, 60000, 0), 500, "no failure yet counts as the first");
}

/* ---- the e-mail message ---- */

/* The header's value (up to the next unfolded line), or NULL. */
static char *header(const char *msg, const char *name)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\r\n%s: ", name);
    const char *p = strstr(msg, pat);
    if (!p) return NULL;
    p += strlen(pat);
    buf_t b;
    buf_init(&b, 0);
    for (;;) {
        const char *e = strstr(p, "\r\n");
        buf_append(&b, p, (size_t)(e - p));
        if (e[2] != ' ' && e[2] != '\t') break;
        p = e + 2;
    }
    return buf_steal(&b);
}

/* Decode RFC 2047 B-encoded UTF-8 words separated by folding whitespace. */
static char *decode_words(const char *v)
{
    buf_t out;
    buf_init(&out, 0);
    const char *p = v;
    while ((p = strstr(p, "=?UTF-8?B?"))) {
        p += 10;
        const char *e = strstr(p, "?=");
        cr_assert(e);
        cr_assert_leq(e - p + 12, 75, "an encoded-word is at most 75 characters");
        cr_assert_eq((e - p) % 4, 0);
        unsigned char dec[128];
        int n = EVP_DecodeBlock(dec, (const unsigned char *)p, (int)(e - p));
        cr_assert_geq(n, 0);
        while (n > 0 && e - p >= 1 && e[-1] == '=') { n--; e--; }   /* padding counted by EVP */
        buf_append(&out, dec, (size_t)n);
        p = strstr(p, "?=") + 2;
    }
    return buf_steal(&out);
}

Test(notify, email_message_has_the_headers_and_an_encoded_subject)
{
    const char *subject = "Hồ sơ 000.00.06.H56-261202-0001 đã được tiếp nhận — Ộ Ệ Ặ ữ ỹ, một tiêu đề khá dài để gấp dòng";
    const char *body = "Kính gửi Quý ông/bà,\n\nDòng có dấu = bằng và khoảng trắng cuối   \n"
                       "Một dòng rất dài: 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789 0123456789\n"
                       ".dòng bắt đầu bằng dấu chấm";
    buf_t m;
    buf_init(&m, 0);
    /* 2026-12-02 00:57:42 UTC = 07:57:42 in Vietnam, a Wednesday */
    cr_assert_eq(notify_build_email(&m, "notify@motcua.vn", "an@example.vn", subject, body,
                                    "<01ABC@motcua.vn>", 1796173062000LL), 0);
    cr_assert(!strncmp(m.data, "Date: Wed, 02 Dec 2026 07:57:42 +0700\r\n", 39), "%.60s", m.data);
    char *from = header(m.data, "From"), *to = header(m.data, "To"), *mid = header(m.data, "Message-ID");
    char *ct = header(m.data, "Content-Type"), *cte = header(m.data, "Content-Transfer-Encoding");
    char *mime = header(m.data, "MIME-Version"), *subj = header(m.data, "Subject");
    cr_assert_str_eq(from, "<notify@motcua.vn>");
    cr_assert_str_eq(to, "<an@example.vn>");
    cr_assert_str_eq(mid, "<01ABC@motcua.vn>");
    cr_assert_str_eq(ct, "text/plain; charset=UTF-8");
    cr_assert_str_eq(cte, "quoted-printable");
    cr_assert_str_eq(mime, "1.0");
    char *dec = decode_words(subj);
    cr_assert_str_eq(dec, subject, "the subject decodes back");
    /* every byte on the wire is 7-bit, every line at most 78 characters, lines end in CRLF */
    size_t col = 0;
    for (size_t i = 0; i < m.len; i++) {
        cr_assert_lt((unsigned char)m.data[i], 0x80, "8-bit byte at %zu", i);
        if (m.data[i] == '\n') {
            cr_assert_eq(m.data[i - 1], '\r');
            col = 0;
        } else if (++col > 78) cr_assert_fail("line longer than 78 at %zu", i);
    }
    const char *b = strstr(m.data, "\r\n\r\n") + 4;
    cr_assert(strstr(b, "c=C3=B3 d=E1=BA=A5u =3D b=E1=BA=B1ng"), "%s", b);
    cr_assert(strstr(b, "cu=E1=BB=91i  =20\r\n"), "trailing space encoded: %s", b);
    cr_assert(strstr(b, "=\r\n"), "a soft line break in the long line");
    free(from); free(to); free(mid); free(ct); free(cte); free(mime); free(subj); free(dec);
    buf_free(&m);
}

Test(notify, email_header_injection_is_refused)
{
    buf_t m;
    buf_init(&m, 0);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn\r\nBcc: e@v.vn", "S", "B", "<1@m.vn>", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn\n", "a@x.vn", "S", "B", "<1@m.vn>", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn", "S\r\nBcc: e@v.vn", "B", "<1@m.vn>", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn", "S\nX", "B", "<1@m.vn>", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn", "S", "B", "<1@m.vn>\r\nX: y", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn", "S", "B", "1@m.vn", 0), -EINVAL);
    cr_assert_eq(notify_build_email(&m, "n@motcua.vn", "a@x.vn", "S", "\xff", "<1@m.vn>", 0), -EINVAL);
    cr_assert_eq(m.len, 0, "nothing was written");
    char id[64];
    cr_assert_eq(notify_message_id(id, sizeof id, "01ABC", "notify@motcua.vn"), 0);
    cr_assert_str_eq(id, "<01ABC@motcua.vn>");
    cr_assert_eq(notify_message_id(id, sizeof id, "01ABC", NULL), 0);
    cr_assert_str_eq(id, "<01ABC@motcua.invalid>");
    buf_free(&m);
}

/* ---- the outbox is not a projection ---- */

Test(notify, rebuild_leaves_the_outbox_alone)
{
    enqueue_n(tu_env.st, "rb", 3);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep = {0};
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox", NULL), 3);
    for (const event_module_t *const *m = event_modules(); *m; m++)
        for (const event_table_t *t = (*m)->tables; t->name; t++)
            cr_assert_str_neq(t->name, "notify_outbox", "the outbox is registered as a projection");
}

/* ---- PostgreSQL: two stores (as two processes would) race for the rows ---- */

static store_t *pg_a, *pg_b;

static int pg_reset_fn(db_t *db, void *arg)
{
    (void)arg;
    return db_exec(db, "DELETE FROM notify_outbox");
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

Test(store_notify, two_stores_never_claim_one_row_pg, .init = pg_init, .fini = pg_fini)
{
    enqueue_n(pg_a, "pg", 60);
    notify_msg_t m;
    msg_init(&m, NOTIFY_EMAIL, "x@example.vn", "pg:0");
    cr_assert_eq(enqueue_on(pg_b, &m, NULL), 1, "dedupe across stores");
    race_two(pg_a, pg_b, 60);
}

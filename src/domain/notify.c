/* notify.c — the notification outbox: enqueue, claim with a lease, outcome, and the e-mail message (see notify.h).
 *
 * Invariants: a row's subject and body are rendered at enqueue time from the catalog (so a later catalog change
 * never alters a queued message) and were checked there: recipient shaped for its channel, no control byte in any
 * argument, bounded sizes. The claim re-checks its condition in the UPDATE's own WHERE: on PostgreSQL (READ
 * COMMITTED) a row another claimer updated first is re-evaluated against that condition and skipped, on SQLite
 * the writer is alone; so one row has at most one live lease. */
#include "domain/notify.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/rand.h"
#include "core/utf8.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const channel_names[] = {"email", "sms"};
static const char *const template_names[NOTIFY_TEMPLATE_COUNT] = {"received", "supplement", "payment",
                                                                  "extended", "result_ready", "refused"};
static const char *const state_names[] = {"pending", "sending", "sent", "failed"};

const char *notify_channel_name(notify_channel_t c) { return (unsigned)c < 2 ? channel_names[c] : "email"; }

int notify_channel_parse(const char *s, notify_channel_t *out)
{
    for (int i = 0; s && i < 2; i++)
        if (!strcmp(s, channel_names[i])) { *out = (notify_channel_t)i; return 0; }
    return -EINVAL;
}

const char *notify_template_name(notify_template_t t)
{
    return (unsigned)t < NOTIFY_TEMPLATE_COUNT ? template_names[t] : "received";
}

int notify_template_parse(const char *s, notify_template_t *out)
{
    for (int i = 0; s && i < NOTIFY_TEMPLATE_COUNT; i++)
        if (!strcmp(s, template_names[i])) { *out = (notify_template_t)i; return 0; }
    return -EINVAL;
}

int notify_dedupe_key(char *out, size_t cap, const char *node, long long seq, notify_channel_t c)
{
    int n = snprintf(out, cap, "%s:%lld:%s", node ? node : "", seq, notify_channel_name(c));
    return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

/* No byte below 0x20, no DEL. */
static int has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 1;
    return 0;
}

int notify_recipient_valid(notify_channel_t c, const char *s)
{
    if (!s) return 0;
    size_t n = strlen(s);
    if (c == NOTIFY_SMS) {
        size_t i = s[0] == '+' ? 1 : 0, digits = n - i;
        if (digits < 8 || digits > 15) return 0;
        for (; i < n; i++)
            if (s[i] < '0' || s[i] > '9') return 0;
        return 1;
    }
    if (n < 3 || n > NOTIFY_RECIPIENT_MAX) return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || !at[1] || at - s > 64) return 0;
    if (!strchr(at + 1, '.') || at[1] == '.' || s[n - 1] == '.') return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch >= 0x7f || strchr("<>()[]\\,;:\"", ch)) return 0;
    }
    return 1;
}

/* The three catalog entries of a template follow each other: subject, body, SMS. */
static msg_id_t template_msg(notify_template_t t, int part)
{
    return (msg_id_t)(MSG_NOTIFY_RECEIVED_SUBJECT + 3 * (int)t + part);
}

int notify_render(const notify_msg_t *m, buf_t *subject, buf_t *body, derr_t *err)
{
    derr_t scratch;
    if (!err) err = &scratch;
    static const char *const arg_names[NOTIFY_NARGS] = {"code", "procedure", "due", "amount", "reason", "url",
                                                        "agency"};
    if ((unsigned)m->tmpl >= NOTIFY_TEMPLATE_COUNT)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "template", "template", NULL, NULL);
    for (int k = 0; k < NOTIFY_NARGS; k++) {
        const char *a = m->args[k];
        if (!a) continue;
        size_t n = strlen(a);
        if (n > NOTIFY_ARG_MAX || has_control(a, n) || !utf8_valid(a, n))
            return derr_set(err, -EINVAL, 400, MSG_NOTIFY_BAD_TEXT, arg_names[k], arg_names[k], NULL, NULL);
    }
    lang_t lang = m->lang == LANG_EN ? LANG_EN : LANG_VI;
    int rc = 0;
    if (m->channel == NOTIFY_EMAIL) {
        rc = msg_format(subject, template_msg(m->tmpl, 0), lang, m->args, NOTIFY_NARGS);
        if (rc == 0) rc = msg_format(body, template_msg(m->tmpl, 1), lang, m->args, NOTIFY_NARGS);
    } else {
        rc = msg_format(body, template_msg(m->tmpl, 2), lang, m->args, NOTIFY_NARGS);
    }
    size_t body_max = m->channel == NOTIFY_EMAIL ? NOTIFY_BODY_MAX : NOTIFY_SMS_MAX;
    if (rc < 0 || subject->len > NOTIFY_SUBJECT_MAX || body->len > body_max)
        return derr_set(err, -EINVAL, 400, MSG_NOTIFY_BAD_TEXT, "body", "body", NULL, NULL);
    return 0;
}

int notify_enqueue(db_t *db, const notify_msg_t *m, derr_t *err)
{
    derr_t scratch;
    if (!err) err = &scratch;
    if ((unsigned)m->channel > NOTIFY_SMS)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "channel", "channel", NULL, NULL);
    if (!notify_recipient_valid(m->channel, m->recipient))
        return derr_set(err, -EINVAL, 400, MSG_NOTIFY_BAD_RECIPIENT, "recipient", m->recipient ? m->recipient : "",
                        notify_channel_name(m->channel), NULL);
    size_t kl = m->dedupe_key ? strlen(m->dedupe_key) : 0;
    if (kl == 0 || kl >= NOTIFY_KEY_MAX || has_control(m->dedupe_key, kl) || !utf8_valid(m->dedupe_key, kl))
        return derr_set(err, -EINVAL, 400, MSG_NOTIFY_BAD_TEXT, "dedupe_key", "dedupe_key", NULL, NULL);
    buf_t subject, body;
    buf_init(&subject, NOTIFY_SUBJECT_MAX * 2);
    buf_init(&body, NOTIFY_BODY_MAX * 2);
    int rc = notify_render(m, &subject, &body, err);
    if (rc == 0) {
        char id[ID_LEN + 1];
        id_new(id);
        long long at = m->at > 0 ? m->at : clock_now_ms();
        long long n = db_run(db,
                             "INSERT INTO notify_outbox (id, dedupe_key, channel, recipient, template, lang, subject, "
                             "body, created_at, attempts, next_attempt_at, state) "
                             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $9, 'pending') "
                             "ON CONFLICT (dedupe_key) DO NOTHING",
                             "tttttttti", id, m->dedupe_key, notify_channel_name(m->channel), m->recipient,
                             notify_template_name(m->tmpl), m->lang == LANG_EN ? "en" : "vi", subject.data ? subject.data : "",
                             body.data ? body.data : "",
                             at);
        rc = n < 0 ? (int)n : n == 0 ? 1 : 0;
    }
    buf_free(&subject);
    buf_free(&body);
    return rc;
}

/* ---- claim and outcome ---- */

void notify_claim_free(notify_claim_t *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->rows[i].recipient);
        free(c->rows[i].subject);
        free(c->rows[i].body);
    }
    c->n = 0;
}

#define CLAIMABLE "((state = 'pending' AND next_attempt_at <= $1) OR (state = 'sending' AND lease_until < $1))"

int notify_claim(db_t *db, void *arg)
{
    notify_claim_t *c = arg;
    notify_claim_free(c);
    int limit = c->limit < 1 ? 1 : c->limit > NOTIFY_CLAIM_MAX ? NOTIFY_CLAIM_MAX : c->limit;
    /* A mask of no channel claims nothing; one channel is bound twice. */
    if (!(c->channels & 3)) return 0;
    const char *ch1 = (c->channels & 1) ? "email" : "sms", *ch2 = (c->channels & 2) ? "sms" : "email";
    long long lease_until = c->now + c->lease_ms;
    long long n = db_run(db,
                         "UPDATE notify_outbox SET state = 'sending', lease_until = $2, lease_owner = $3, "
                         "attempts = attempts + 1 WHERE id IN (SELECT id FROM notify_outbox WHERE " CLAIMABLE
                         " AND (channel = $4 OR channel = $5) ORDER BY next_attempt_at, id LIMIT $6) AND " CLAIMABLE,
                         "iittti", c->now, lease_until, c->owner, ch1, ch2, (long long)limit);
    if (n <= 0) return (int)n;
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s,
                      "SELECT id, channel, recipient, subject, body, attempts FROM notify_outbox "
                      "WHERE lease_owner = $1 AND state = 'sending' AND lease_until = $2 ORDER BY next_attempt_at, id",
                      "ti", c->owner, lease_until);
    while (rc == DB_ROW && c->n < NOTIFY_CLAIM_MAX) {
        notify_row_t *r = &c->rows[c->n++];
        str_copy(r->id, sizeof r->id, db_col_text(s, 0));
        notify_channel_t ch = NOTIFY_EMAIL;
        notify_channel_parse(db_col_text(s, 1), &ch);
        r->channel = ch;
        r->recipient = xstrdup(db_col_text(s, 2) ? db_col_text(s, 2) : "");
        r->subject = xstrdup(db_col_text(s, 3) ? db_col_text(s, 3) : "");
        r->body = xstrdup(db_col_text(s, 4) ? db_col_text(s, 4) : "");
        r->attempts = (int)db_col_int(s, 5);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

int notify_mark_sent(db_t *db, const char *id, const char *message_id, long long now)
{
    long long n = db_run(db,
                         "UPDATE notify_outbox SET state = 'sent', sent_at = $2, message_id = $3, lease_until = NULL, "
                         "lease_owner = NULL, last_error = NULL WHERE id = $1 AND state <> 'sent'",
                         "tit", id, now, message_id);
    return n < 0 ? (int)n : 0;
}

int notify_mark_failed(db_t *db, const char *id, const char *owner, long long now, long long next_at, int permanent,
                       int max_attempts, const char *error)
{
    (void)now;
    /* One line, bounded, valid UTF-8 (cut at a character boundary). */
    char e[NOTIFY_ERROR_MAX + 1];
    str_copy(e, sizeof e, error ? error : "error");
    size_t n = strlen(e);
    while (n && !utf8_valid(e, n)) e[--n] = '\0';
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == 0x7f) e[i] = ' ';
    long long r = db_run(db,
                         "UPDATE notify_outbox SET state = CASE WHEN $4 = 1 OR attempts >= $5 THEN 'failed' "
                         "ELSE 'pending' END, next_attempt_at = $3, last_error = $6, lease_until = NULL, "
                         "lease_owner = NULL WHERE id = $1 AND lease_owner = $2 AND state = 'sending'",
                         "ttiiit", id, owner, next_at, (long long)(permanent ? 1 : 0), (long long)max_attempts, e);
    return r < 0 ? (int)r : 0;
}

long long notify_backoff_ms(int attempts, long long base_ms, long long cap_ms, unsigned r)
{
    if (base_ms < 1) base_ms = 1;
    if (cap_ms < base_ms) cap_ms = base_ms;
    long long d = base_ms;
    for (int i = 1; i < attempts && d < cap_ms; i++) d *= 2;
    if (d > cap_ms) d = cap_ms;
    long long half = d / 2;
    return d - half + (long long)((unsigned long long)r % (unsigned long long)(half + 1));
}

int notify_counts(db_t *db, void *arg)
{
    notify_counts_t *out = arg;
    out->pending = out->sending = out->sent = out->failed = 0;
    long long *slot[4] = {&out->pending, &out->sending, &out->sent, &out->failed};
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT channel, state, COUNT(*) FROM notify_outbox GROUP BY channel, state", "");
    while (rc == DB_ROW) {
        notify_channel_t ch;
        const char *st = db_col_text(s, 1);
        if (notify_channel_parse(db_col_text(s, 0), &ch) == 0 && (!out->channels || (out->channels & (1 << ch))))
            for (int i = 0; i < 4; i++)
                if (st && !strcmp(st, state_names[i])) *slot[i] += db_col_int(s, 2);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- the e-mail message ---- */

int notify_message_id(char *out, size_t cap, const char *id, const char *from)
{
    const char *at = from ? strrchr(from, '@') : NULL;
    const char *domain = at && at[1] ? at + 1 : "motcua.invalid";
    int n = snprintf(out, cap, "<%s@%s>", id, domain);
    return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

/* RFC 2047 encoded-words of UTF-8 text, base64, at most 39 input bytes each (a word of 64 characters, so the line
 * "Subject: <word>" stays within 78), never splitting a character; words on folded lines. */
static int put_encoded_words(buf_t *out, const char *s)
{
    size_t n = strlen(s), i = 0;
    int rc = 0, first = 1;
    while (i < n && rc == 0) {
        size_t take = n - i > 39 ? 39 : n - i;
        while (take > 1 && i + take < n && ((unsigned char)s[i + take] & 0xc0) == 0x80) take--;
        unsigned char enc[64];
        int el = EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)take);
        rc = buf_printf(out, "%s=?UTF-8?B?%.*s?=", first ? "" : "\r\n ", el, (const char *)enc);
        first = 0;
        i += take;
    }
    return rc;
}

/* Quoted-printable (RFC 2045 §6.7) of text whose lines end in \n (or \r\n): CRLF line ends, soft breaks keeping
 * every line at most 76 characters, trailing spaces encoded. */
static int put_quoted_printable(buf_t *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    size_t col = 0;
    for (const char *p = s; *p && rc == 0; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch == '\r' && p[1] == '\n') continue;
        if (ch == '\n') { rc = buf_puts(out, "\r\n"); col = 0; continue; }
        char tok[4];
        size_t tl;
        int at_eol = p[1] == '\0' || p[1] == '\n' || (p[1] == '\r' && p[2] == '\n');
        if ((ch >= 33 && ch <= 126 && ch != '=') || ((ch == ' ' || ch == '\t') && !at_eol)) {
            tok[0] = (char)ch;
            tl = 1;
        } else {
            tok[0] = '=';
            tok[1] = hex[ch >> 4];
            tok[2] = hex[ch & 15];
            tl = 3;
        }
        if (col + tl > 75) { rc = buf_puts(out, "=\r\n"); col = 0; }
        if (rc == 0) rc = buf_append(out, tok, tl);
        col += tl;
    }
    return rc;
}

static int message_id_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 5 || n > 250 || s[0] != '<' || s[n - 1] != '>' || !strchr(s, '@')) return 0;
    for (size_t i = 1; i + 1 < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '<' || s[i] == '>') return 0;
    return 1;
}

int notify_build_email(buf_t *out, const char *from, const char *to, const char *subject, const char *body,
                       const char *message_id, long long date_ms)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (!notify_recipient_valid(NOTIFY_EMAIL, from) || !notify_recipient_valid(NOTIFY_EMAIL, to) ||
        !message_id_valid(message_id) || !subject || !body || strpbrk(subject, "\r\n") ||
        has_control(subject, strlen(subject)) || !utf8_valid(subject, strlen(subject)) ||
        !utf8_valid(body, strlen(body)))
        return -EINVAL;
    time_t t = (time_t)((date_ms + VN_OFFSET_MS) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    int rc = buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0700\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: ",
                        days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                        tm.tm_sec, from, to);
    if (rc == 0) rc = put_encoded_words(out, subject);
    if (rc == 0)
        rc = buf_printf(out, "\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\nAuto-Submitted: auto-generated\r\n\r\n",
                        message_id);
    if (rc == 0) rc = put_quoted_printable(out, body);
    if (rc == 0) rc = buf_puts(out, "\r\n");
    return rc;
}

/* notify.h — the notification outbox: e-mail and SMS messages written in the transaction of the event that causes
 * them, claimed and delivered later by the sender (sync/notify_sender.h).
 *
 * The outbox (table notify_outbox) is OPERATIONAL state, not a projection: it is not listed in the event registry,
 * a rebuild neither empties nor refills it, and its rows carry delivery bookkeeping (attempts, lease, errors) that
 * no event describes. Two invariants a caller must know:
 *   - one row per dedupe key: notify_enqueue() inserts with ON CONFLICT (dedupe_key) DO NOTHING, so a callback that
 *     PostgreSQL re-runs, or the same event enqueued twice, gives one message;
 *   - a row is delivered by whoever holds its lease: notify_claim() moves due rows to 'sending' with lease_until and
 *     a random lease owner in one UPDATE whose WHERE re-checks the claim condition, so two senders (threads or
 *     processes, SQLite or PostgreSQL) never claim one row at once; an expired lease is claimed again.
 *
 * How the dossier module calls it — inside its store_write callback, right after event_record() succeeded (never
 * from an apply function: a rebuild must not re-send history; the dedupe key makes a retry harmless anyway):
 *
 *     long long seq;
 *     int rc = event_record(db, unit_id, actor, "dossier.received", "dossier", d->id, payload_fn, d, &seq);
 *     if (rc == 0 && d->applicant_email) {
 *         char key[NOTIFY_KEY_MAX];
 *         notify_dedupe_key(key, sizeof key, node_id, seq, NOTIFY_EMAIL);      // "<node>:<seq>:email"
 *         notify_msg_t m = {.channel = NOTIFY_EMAIL, .recipient = d->applicant_email, .tmpl = NOTIFY_RECEIVED,
 *                           .lang = LANG_VI, .dedupe_key = key, .at = received_at_ms};
 *         m.args[NOTIFY_ARG_CODE] = d->code;   m.args[NOTIFY_ARG_PROCEDURE] = proc_name;
 *         m.args[NOTIFY_ARG_DUE] = due_text;   m.args[NOTIFY_ARG_URL] = lookup_url;
 *         m.args[NOTIFY_ARG_AGENCY] = unit_name;
 *         rc = notify_enqueue(db, &m, &err);   // 0 enqueued, 1 already there, < 0 rolls the action back
 *     }
 *
 * A refused message (bad recipient, CR/LF in a text) is -EINVAL with err naming the field: the caller decides
 * whether that fails its action or is skipped (an applicant's badly typed e-mail should not block a receipt: check
 * notify_recipient_valid() first and skip). */
#ifndef MOTCUA_NOTIFY_H
#define MOTCUA_NOTIFY_H
#include "core/buf.h"
#include "core/msg.h"
#include "db/db.h"
#include "domain/domain.h"

typedef enum { NOTIFY_EMAIL = 0, NOTIFY_SMS = 1 } notify_channel_t;

/* Which event a message announces (docs/notifications.md maps each to the dossier action). */
typedef enum {
    NOTIFY_RECEIVED = 0,      /* receipt and appointment */
    NOTIFY_SUPPLEMENT,        /* request to supplement the dossier */
    NOTIFY_PAYMENT,           /* payment requested */
    NOTIFY_EXTENDED,          /* apology and new appointment */
    NOTIFY_RESULT_READY,      /* result ready to be collected */
    NOTIFY_REFUSED,           /* refusal */
    NOTIFY_TEMPLATE_COUNT
} notify_template_t;

/* Template arguments, the {k} placeholders of the catalog texts (core/msg_notify.h). */
typedef enum {
    NOTIFY_ARG_CODE = 0, NOTIFY_ARG_PROCEDURE, NOTIFY_ARG_DUE, NOTIFY_ARG_AMOUNT, NOTIFY_ARG_REASON, NOTIFY_ARG_URL,
    NOTIFY_ARG_AGENCY, NOTIFY_NARGS
} notify_arg_t;

/* Bounds, in bytes. */
#define NOTIFY_RECIPIENT_MAX 254      /* RFC 5321 path limit */
#define NOTIFY_ARG_MAX 500
#define NOTIFY_SUBJECT_MAX 400
#define NOTIFY_BODY_MAX 8000
#define NOTIFY_SMS_MAX 640            /* about four concatenated Unicode SMS */
#define NOTIFY_KEY_MAX 160
#define NOTIFY_ERROR_MAX 300          /* last_error is cut to this */

typedef struct notify_msg {
    notify_channel_t  channel;
    const char       *recipient;      /* e-mail address, or phone number (digits, optional leading +) */
    notify_template_t tmpl;
    lang_t            lang;           /* LANG_VI by default (zero) */
    const char       *args[NOTIFY_NARGS];   /* NULL: empty */
    const char       *dedupe_key;     /* unique per message: notify_dedupe_key() */
    long long         at;             /* ms since the epoch: created_at and the first attempt (the event's instant) */
} notify_msg_t;

const char *notify_channel_name(notify_channel_t c);            /* "email" / "sms" */
int notify_channel_parse(const char *s, notify_channel_t *out);  /* 0 or -EINVAL */
const char *notify_template_name(notify_template_t t);          /* "received", "supplement", ... */
int notify_template_parse(const char *s, notify_template_t *out);

/* "<node>:<seq>:<channel>" into out; 0 or -E2BIG. */
int notify_dedupe_key(char *out, size_t cap, const char *node, long long seq, notify_channel_t c);
/* 1 when s is acceptable as a recipient of channel c (no control bytes, no spaces, shape of an address/number). */
int notify_recipient_valid(notify_channel_t c, const char *s);

/* The subject (e-mail only; empty for SMS) and body of m's template in m's language, filled with m's args.
 * -EINVAL with err set when an argument has a control byte (CR, LF, ...), is not UTF-8 or is too long. */
int notify_render(const notify_msg_t *m, buf_t *subject, buf_t *body, derr_t *err);

/* Inside a store_write callback: validate, render and insert m as a pending row. 0 inserted, 1 the dedupe key was
 * already there (nothing changed), -EINVAL (err set; err may be NULL), or a store error. */
int notify_enqueue(db_t *db, const notify_msg_t *m, derr_t *err);

/* ---- used by the sender ---- */

typedef struct notify_row {
    char      id[27];
    notify_channel_t channel;
    char     *recipient;
    char     *subject;
    char     *body;
    int       attempts;       /* including this one */
} notify_row_t;

#define NOTIFY_CLAIM_MAX 32

typedef struct notify_claim {
    long long    now;                 /* in: ms */
    long long    lease_ms;            /* in */
    const char  *owner;               /* in: random per claim (rand_token) */
    int          limit;               /* in: 1..NOTIFY_CLAIM_MAX */
    int          channels;            /* in: bit mask of (1 << notify_channel_t) the sender can deliver */
    int          n;                   /* out */
    notify_row_t rows[NOTIFY_CLAIM_MAX];
} notify_claim_t;

/* store_write callback (arg: notify_claim_t *): claim up to limit rows that are pending and due, or whose lease
 * expired, oldest due first; each claim counts one attempt. Re-runnable: it frees what a previous run filled. */
int notify_claim(db_t *db, void *arg);
void notify_claim_free(notify_claim_t *c);

/* The delivery succeeded: state 'sent' (whoever holds the lease now: the message is out). message_id is the
 * Message-ID / Idempotency-Key it carried. */
int notify_mark_sent(db_t *db, const char *id, const char *message_id, long long now);
/* The delivery failed: back to 'pending' at next_at, or 'failed' when permanent or attempts >= max_attempts. Only
 * while owner still holds the lease (else another sender has it and its outcome counts). error is cut and made
 * one line. */
int notify_mark_failed(db_t *db, const char *id, const char *owner, long long now, long long next_at, int permanent,
                       int max_attempts, const char *error);

/* Delay before attempt (attempts + 1) after `attempts` failures: base * 2^(attempts-1), capped at cap, then the
 * upper half randomised ("equal jitter": from d/2 to d) with r in [0, 2^32). */
long long notify_backoff_ms(int attempts, long long base_ms, long long cap_ms, unsigned r);

/* Counts of rows per state (store_read callback, arg notify_counts_t *), of the channels in the mask (0: all). */
typedef struct notify_counts {
    int       channels;       /* in: bit mask of (1 << notify_channel_t); 0 counts every channel */
    long long pending, sending, sent, failed;
} notify_counts_t;
int notify_counts(db_t *db, void *arg);

/* The RFC 5322 message (CRLF line ends) of an e-mail: Date (Vietnam time), From, To, Subject (RFC 2047 UTF-8
 * base64 encoded-words, folded), Message-ID, MIME-Version, Content-Type text/plain; charset=UTF-8,
 * Content-Transfer-Encoding quoted-printable, then the body. -EINVAL when from, to or message_id holds a control
 * byte or is not an address, or the subject has a CR/LF (header injection); -E2BIG past out's cap. */
int notify_build_email(buf_t *out, const char *from, const char *to, const char *subject, const char *body,
                       const char *message_id, long long date_ms);
/* "<id@domain>" where domain is the part of from after '@' (or "motcua.invalid"). 0 or -E2BIG. */
int notify_message_id(char *out, size_t cap, const char *id, const char *from);
#endif

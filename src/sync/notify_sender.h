/* notify_sender.h — delivers the notification outbox (domain/notify.h): e-mail over SMTP and SMS through an HTTP
 * gateway, both with libcurl, with leases, retries and exponential backoff.
 *
 * Guarantee: at least once, with a stable id. Every delivery of one outbox row carries the same Message-ID
 * ("<outbox-id@from-domain>") or Idempotency-Key (the outbox id), so a receiver can drop a repeat; a repeat happens
 * only when the sender dies (or its lease expires) after the server accepted the message and before 'sent' was
 * committed. A row is claimed under a lease in its own write transaction (notify_claim), so two senders — threads
 * of one process or processes on one PostgreSQL or SQLite database — never hold one row at once.
 * Secrets (SMTP password, SMS token) are only handed to libcurl; neither they nor message bodies are logged. */
#ifndef MOTCUA_NOTIFY_SENDER_H
#define MOTCUA_NOTIFY_SENDER_H
#include "db/db.h"

typedef struct notify_sender_opts {
    const char *smtp_url;       /* smtp://host:port (or smtps://); NULL: e-mail rows stay queued */
    const char *smtp_from;      /* envelope and From: address; required with smtp_url */
    const char *smtp_user;      /* NULL: no authentication */
    const char *smtp_password;  /* secret */
    int         smtp_starttls;  /* require STARTTLS */
    const char *sms_url;        /* http(s)://gateway/...; NULL: SMS rows stay queued */
    const char *sms_token;      /* secret, sent as Authorization: Bearer */
    int         batch;          /* rows per claim (default 8) */
    long long   lease_ms;       /* default 60000 */
    long long   retry_base_ms;  /* first retry delay (default 30000), doubling */
    long long   retry_cap_ms;   /* longest delay (default 3600000) */
    int         max_attempts;   /* then 'failed' (default 10) */
    long long   poll_ms;        /* idle wait between claims (default 2000) */
    long long   timeout_ms;     /* per delivery (default 30000) */
} notify_sender_opts_t;

typedef struct notify_stats {
    long long claimed, sent, retried, failed;
} notify_stats_t;

typedef struct notify_sender notify_sender_t;

/* 1 when o names at least one channel, and smtp_from is set with smtp_url. */
int notify_sender_configured(const notify_sender_opts_t *o);

/* One claim and the delivery of what it got. Returns the number of rows claimed (>= 0) or a store error. */
int notify_sender_cycle(store_t *st, const notify_sender_opts_t *o, notify_stats_t *stats);

/* Deliver until no row of a configured channel is pending or sending (sent or failed, retries included), or
 * max_wait_ms passed (-ETIMEDOUT). */
int notify_sender_drain(store_t *st, const notify_sender_opts_t *o, long long max_wait_ms, notify_stats_t *stats);

/* A thread running cycles until notify_sender_stop(); the options (and their strings) must outlive it. */
int notify_sender_start(notify_sender_t **out, store_t *st, const notify_sender_opts_t *o);
void notify_sender_stop(notify_sender_t *s);   /* wakes, joins and frees; NULL is fine */
#endif

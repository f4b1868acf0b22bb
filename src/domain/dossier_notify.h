/* dossier_notify.h — the messages a dossier action sends to its applicant (domain/notify.h's outbox).
 *
 * Called by dossier.c inside its store_write callback, right after event_record() succeeded (never from an apply
 * function: a rebuild re-sends nothing), with the state before and after the action and the event's sequence.
 * Which action sends which template (docs/one-stop.md, "Notifications"):
 *   intake at the desk or by post (accepted at once), accept of an online dossier  → received
 *   request_supplement → supplement;  request_payment → payment;  extend → extended;
 *   attach_result (the first result) → result_ready;  refuse → refused.
 * One e-mail when the applicant gave a valid address, one SMS to the applicant's phone; each with the dedupe key
 * "<node>:<seq>:<channel>" of the event, so a re-run callback enqueues nothing more. An invalid recipient is
 * skipped (a badly typed address does not block the action); store errors roll the action back. */
#ifndef MOTCUA_DOSSIER_NOTIFY_H
#define MOTCUA_DOSSIER_NOTIFY_H
#include "db/db.h"
#include "domain/dossier.h"

/* before: NULL for an intake; action: the dossier_action_t, ignored for an intake. 0 or a store error. */
int dossier_notify_after(db_t *db, const dossier_t *before, const dossier_t *after, int action, long long seq);
#endif

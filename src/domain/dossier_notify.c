/* dossier_notify.c — see dossier_notify.h. */
#include "domain/dossier_notify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/utf8.h"
#include "domain/dossier_forms.h"
#include "domain/forms.h"
#include "domain/ledger.h"
#include "domain/notify.h"
#include "domain/unit.h"

/* Copy src, cut at a character boundary when it does not fit. */
static void copy_cut(char *dst, size_t cap, const char *src)
{
    if (str_copy(dst, cap, src) == 0) return;
    size_t n = strlen(dst);
    while (n && !utf8_valid(dst, n)) dst[--n] = '\0';
}

/* "50.000 đồng": thousands separated by dots, as Vietnamese amounts are written. */
static void amount_text(long long v, char *out, size_t cap)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", v < 0 ? 0 : v);
    size_t n = strlen(digits), k = 0;
    char tmp[48];
    for (size_t i = 0; i < n && k + 2 < sizeof tmp; i++) {
        if (i && (n - i) % 3 == 0) tmp[k++] = '.';
        tmp[k++] = digits[i];
    }
    tmp[k] = '\0';
    snprintf(out, cap, "%s đồng", tmp);
}

static int which(const dossier_t *before, const dossier_t *after, int action, notify_template_t *t)
{
    if (!before) {
        *t = NOTIFY_RECEIVED;
        return after->status == DS_ACCEPTED;       /* an online submission waits for its acceptance */
    }
    switch (action) {
    case DA_ACCEPT: *t = NOTIFY_RECEIVED; return 1;
    case DA_REQUEST_SUPPLEMENT: *t = NOTIFY_SUPPLEMENT; return 1;
    case DA_REQUEST_PAYMENT: *t = NOTIFY_PAYMENT; return 1;
    case DA_EXTEND: *t = NOTIFY_EXTENDED; return 1;
    case DA_ATTACH_RESULT: *t = NOTIFY_RESULT_READY; return before->result == NULL;
    case DA_REFUSE: *t = NOTIFY_REFUSED; return 1;
    default: return 0;
    }
}

int dossier_notify_after(db_t *db, const dossier_t *before, const dossier_t *after, int action, long long seq)
{
    notify_template_t t;
    if (!which(before, after, action, &t)) return 0;
    bool email = after->email[0] && notify_recipient_valid(NOTIFY_EMAIL, after->email);
    bool sms = after->phone[0] && notify_recipient_valid(NOTIFY_SMS, after->phone);
    if (!email && !sms) return 0;
    char node[ID_LEN + 1];
    int rc = ledger_self_node(db, node, sizeof node);
    if (rc < 0) return rc;
    unit_t *u = xmalloc(sizeof *u);
    if (unit_get(db, after->unit_id, u) < 0) u->name[0] = '\0';
    char due[128] = "", amount[64] = "", url[FORMS_NAME_MAX] = "";
    if (after->due_at) forms_format_instant(after->due_at, due, sizeof due);
    if (after->fee_amount >= 0) amount_text(after->fee_amount, amount, sizeof amount);
    if (dossier_public_url() && dossier_lookup_url(dossier_public_url(), after->code, url, sizeof url) < 0) url[0] = 0;
    /* Texts longer than a template argument are cut at a character boundary. */
    char reason[NOTIFY_ARG_MAX], proc[NOTIFY_ARG_MAX];
    copy_cut(reason, sizeof reason, after->reason ? after->reason : "");
    copy_cut(proc, sizeof proc, after->procedure_name);
    for (char *s = reason; *s; s++)
        if (*s == '\r' || *s == '\n' || *s == '\t') *s = ' ';
    notify_msg_t m = {.tmpl = t, .lang = LANG_VI, .at = after->updated_at};
    m.args[NOTIFY_ARG_CODE] = after->code;
    m.args[NOTIFY_ARG_PROCEDURE] = proc;
    m.args[NOTIFY_ARG_DUE] = due;
    m.args[NOTIFY_ARG_AMOUNT] = amount;
    m.args[NOTIFY_ARG_REASON] = reason;
    m.args[NOTIFY_ARG_URL] = url;
    m.args[NOTIFY_ARG_AGENCY] = u->name;
    for (int c = 0; c < 2 && rc >= 0; c++) {
        if (!(c == NOTIFY_EMAIL ? email : sms)) continue;
        char key[NOTIFY_KEY_MAX];
        if ((rc = notify_dedupe_key(key, sizeof key, node, seq, (notify_channel_t)c)) < 0) break;
        m.channel = (notify_channel_t)c;
        m.recipient = c == NOTIFY_EMAIL ? after->email : after->phone;
        m.dedupe_key = key;
        derr_t err = {0};
        rc = notify_enqueue(db, &m, &err);
        if (rc == -EINVAL) rc = 0;                 /* a text the outbox refuses does not block the action */
    }
    free(u);
    return rc < 0 ? rc : 0;
}

/* dossier_forms.h — the forms of Circular 03/2025/TT-VPCP (domain/forms.h) filled from a dossier's projection
 * rows (dossiers, dossier_papers, dossier_steps) and the accounts and units they name.
 *
 * Which form applies (else -EBUSY, err 409 MSG_DF_NOT_APPLICABLE naming the state):
 *   receipt, control-sheet  the dossier was accepted (accepted_at set);
 *   supplement              a request_supplement step exists (its note: "reason — item; item");
 *   refusal                 status refused (3);   stop  status stopped (8);
 *   apology                 the dossier was extended (its extend step gives the reason).
 * The receipt's QR is the public lookup address dossier_lookup_url(). Read-only: call inside store_read. */
#ifndef MOTCUA_DOSSIER_FORMS_H
#define MOTCUA_DOSSIER_FORMS_H
#include "core/buf.h"
#include "db/db.h"
#include "domain/domain.h"
#include "domain/dossier.h"

typedef enum { DF_RECEIPT, DF_SUPPLEMENT, DF_REFUSAL, DF_APOLOGY, DF_STOP, DF_CONTROL_SHEET, DF__COUNT } dossier_form_t;

/* "receipt" | "supplement" | "refusal" | "apology" | "stop" | "control-sheet"; 0 or -EINVAL. */
int dossier_form_parse(const char *s, dossier_form_t *out);
const char *dossier_form_name(dossier_form_t f);
#define DOSSIER_FORM_NAMES "receipt | supplement | refusal | apology | stop | control-sheet"

/* The public base address ("https://dichvucong.example.vn", no trailing slash) set once at start-up by
 * `motcua serve --public-url`; NULL when not configured. */
void dossier_public_url_set(const char *url);
const char *dossier_public_url(void);
/* "<base>/lookup.html?code=<code>" (the public lookup page, web/lookup.html) into out; 0 or -E2BIG. */
int dossier_lookup_url(const char *base, const char *code, char *out, size_t cap);

/* Render form f of dossier d as PDF into out. day_minutes: the working day's length of the unit's calendar (for
 * the statutory time printed on the receipt). 0, -EBUSY (err 409), or a store / forms error (err set). */
int dossier_form_render(db_t *db, const dossier_t *d, dossier_form_t f, const char *lookup_base, long day_minutes,
                        buf_t *out, derr_t *err);
/* How the result was handed over, from the note of a deliver line of the control sheet ("<received by> (<how>)"):
 * "Trực tiếp" / "Bưu chính" / "Trực tuyến" in lang, or NULL. */
const char *dossier_delivery_method(const char *note, lang_t lang);
/* ---- the tracking book (Mẫu số 07; the report version over a unit's subtree is domain/dossier_book.h) ---- */
#define DOSSIER_BOOK_DAYS_MAX 31
#define DOSSIER_BOOK_ROWS_MAX 2000
typedef struct dossier_book_query {
    const principal_t *who;
    const char        *unit_id;
    const char        *field;       /* lĩnh vực, or NULL: every field */
    const char        *from, *to;   /* "YYYY-MM-DD" Vietnam dates, inclusive */
    bool               csv;
} dossier_book_query_t;
/* The dossiers received by the unit in the period, oldest first, as the tracking book in PDF or CSV. Staff holding
 * a role at the unit or above only (else -ENOENT, 404); a bad date 400; a period over DOSSIER_BOOK_DAYS_MAX days or
 * more than DOSSIER_BOOK_ROWS_MAX dossiers 422. Inside store_read. */
int dossier_book_render(db_t *db, const dossier_book_query_t *q, buf_t *out, derr_t *err);
#endif

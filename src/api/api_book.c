/* api_book.c — GET /api/v1/reports/book?unit=&from=&to=&format=pdf|csv|xlsx: the tracking book (sổ theo dõi hồ
 * sơ) of a unit's subtree as a download (domain/dossier_book.h, api/api_export.h). The book is read in one snapshot
 * and rendered after it, so a long PDF does not hold a store connection. */
#include "api/api.h"
#include "api/api_export.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier_book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct book_ctx {
    dossier_book_req_t q;
    dossier_book_t     b;
    derr_t             err;
};

static int book_fn(db_t *db, void *arg)
{
    struct book_ctx *c = arg;
    export_free(c->b.table);
    memset(&c->err, 0, sizeof c->err);
    return dossier_book_build(db, &c->q, &c->b, &c->err);
}

int api_reports_book(req_t *r)
{
    export_format_t f;
    if (api_export_format(r, EXPORT_PDF, &f) < 0) return 0;
    struct book_ctx *c = xcalloc(1, sizeof *c);
    c->q = (dossier_book_req_t){.who = &r->who, .unit_id = req_query(r, "unit"), .from = req_query(r, "from"),
                                .to = req_query(r, "to"), .lang = r->lang, .now_ms = clock_now_ms()};
    int rc = store_read(r->app->store, book_fn, c);
    if (rc < 0) api_reply_derr(r, rc, &c->err);
    else {
        char base[96];
        snprintf(base, sizeof base, "%s-%s-%s", msg_text(MSG_BOOK_FILE, r->lang), c->b.from, c->b.to);
        api_send_export(r, c->b.table, f, base);
    }
    export_free(c->b.table);
    free(c);
    return 0;
}

/* test_forms.c — the PDF builder (core/pdf.h) and the forms of Circular 03/2025 (domain/forms.h).
 *
 * What a unit test can see of a PDF is its bytes and the builder's geometry: each form must produce a complete
 * PDF, every refused input must leave the output empty and name the field, and a table that runs over a page must
 * start the next page with its header row (measured through the cursor). The text itself (every field value, the
 * national header, embedded fonts, the QR code) is checked on real files by tests/cli/test_forms.sh with poppler
 * and zbar. Each test ends with pdf_release_thread() so LeakSanitizer sees pango's font map freed. */
#include <criterion/criterion.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "core/pdf.h"
#include "domain/forms.h"

#define T0 1764641700000LL /* 2025-12-02 09:15 Vietnam time (02:15 UTC) */
#define HOUR 3600000LL

static void fini(void) { pdf_release_thread(); }

static const forms_agency_t AGENCY = {"UBND XÃ ĐỒNG TIẾN", "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG", "125", "Đồng Tiến"};
static const forms_party_t PARTY = {"Nguyễn Thị Ộ Ệ", "034186001234", "Thôn Đặng Xá, xã Đồng Tiến", "0912345678",
                                    "o.e@example.vn"};
static const forms_paper_t PAPERS[2] = {{"Tờ khai đăng ký khai sinh", "original", 1}, {"Giấy chứng sinh", "Bản sao", 1}};

static forms_receipt_t receipt(void)
{
    forms_receipt_t r = {.agency = AGENCY, .dossier_code = "000.00.06.H56-251202-0007", .applicant = PARTY,
                         .request = "Đăng ký khai sinh", .papers = PAPERS, .n_papers = 2, .sets = 1,
                         .statutory_time = "03 ngày làm việc", .received_at = T0, .due_at = T0 + 72 * HOUR,
                         .result_place = "Quầy số 3", .book_volume = "02", .book_line = "0457",
                         .submitter_name = "Nguyễn Thị Ộ Ệ", .receiver_name = "Lương Thị Ưởng",
                         .lookup_url = "https://motcua.example.vn/tra-cuu/000.00.06.H56-251202-0007"};
    return r;
}

static void assert_pdf(const buf_t *b)
{
    cr_assert_gt(b->len, 1000);
    cr_assert_eq(memcmp(b->data, "%PDF-", 5), 0);
    cr_assert_not_null(memmem(b->data, b->len, "%%EOF", 5));
    cr_assert_not_null(memmem(b->data, b->len, "motcua", 6), "the Creator metadata is missing");
    cr_assert_not_null(memmem(b->data, b->len, "/FontFile2", 10), "the font is not embedded");
}

Test(forms, receipt_renders, .fini = fini)
{
    forms_receipt_t r = receipt();
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    cr_assert_eq(forms_receipt(&r, &out, &e), 0);
    assert_pdf(&out);
    buf_free(&out);
}

Test(forms, every_form_renders, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    const char *items[2] = {"Bản sao Giấy chứng nhận quyền sử dụng đất", "Căn cước của bên được ủy quyền"};
    forms_supplement_t s = {.agency = AGENCY, .issued_at = T0, .applicant = PARTY, .request = "Chứng thực",
                            .items = items, .n_items = 2, .reason = "Thiếu giấy tờ", .contact_name = "Phạm Thị Ơn",
                            .contact_phone = "02213855123", .guide_name = "Phạm Thị Ơn"};
    cr_assert_eq(forms_supplement(&s, &out, &e), 0);
    assert_pdf(&out);
    buf_reset(&out);
    forms_refusal_t rf = {.agency = AGENCY, .issued_at = T0, .applicant = PARTY, .request = "Cấp giấy phép",
                          .reasons = items, .n_reasons = 1};
    cr_assert_eq(forms_refusal(&rf, &out, &e), 0);
    assert_pdf(&out);
    buf_reset(&out);
    forms_apology_t a = {.agency = AGENCY, .issued_at = T0, .recipient = "Bà Nguyễn Thị Ộ Ệ", .unit = "UBND xã",
                         .received_at = T0, .procedure = "Đăng ký khai sinh", .original_due = T0 + 24 * HOUR,
                         .reason = "Cần xác minh", .new_due = T0 + 96 * HOUR, .head_name = "Đặng Văn Ưng"};
    cr_assert_eq(forms_apology(&a, &out, &e), 0);
    assert_pdf(&out);
    buf_reset(&out);
    forms_stop_t st = {.agency = AGENCY, .issued_at = T0, .applicant = PARTY, .unit = "UBND xã",
                       .dossier_code = "000.00.06.H56-251202-0007", .reason = "Đang có tranh chấp"};
    cr_assert_eq(forms_stop(&st, &out, &e), 0);
    assert_pdf(&out);
    buf_reset(&out);
    forms_handoff_t h = {"Bộ phận Một cửa", "Phòng Kinh tế", "Lương Thị Ưởng", "Ngô Văn Ộ", T0, T0 + HOUR,
                         FORMS_ON_TIME, NULL};
    forms_control_sheet_t c = {.agency = AGENCY, .issued_at = T0, .dossier_code = "X", .received_at = T0,
                               .rows = &h, .n_rows = 1};
    cr_assert_eq(forms_control_sheet(&c, &out, &e), 0);
    assert_pdf(&out);
    buf_reset(&out);
    forms_book_row_t br = {"000.00.06.H56-251202-0007", "Đăng ký khai sinh", "Nguyễn Thị Ộ Ệ", "0912345678",
                           "UBND xã", T0, T0 + HOUR, 0, "Trực tiếp", NULL};
    forms_tracking_book_t b = {.agency = AGENCY, .issued_at = T0, .field = "Hộ tịch", .rows = &br, .n_rows = 1};
    cr_assert_eq(forms_tracking_book(&b, &out, &e), 0);
    assert_pdf(&out);
    buf_free(&out);
}

static int count_pages(const buf_t *b)
{
    /* each page object is "/Type /Page" followed by a non-'s' character ("/Type /Pages" is the tree) */
    int pages = 0;
    for (const char *s = b->data; (s = memmem(s, b->len - (size_t)(s - b->data), "/Type /Page", 11)); s += 11)
        if (s[11] != 's') pages++;
    return pages;
}

Test(forms, long_control_sheet_runs_over_pages, .fini = fini)
{
    static forms_handoff_t rows[60];
    for (int i = 0; i < 60; i++)
        rows[i] = (forms_handoff_t){"Bộ phận Một cửa", "Phòng Kinh tế", "Lương Thị Ưởng", "Ngô Văn Ộ",
                                    T0 + i * HOUR, T0 + (i + 1) * HOUR, (forms_timeliness_t)(i % 4), "Bước"};
    forms_control_sheet_t c = {.agency = AGENCY, .issued_at = T0, .dossier_code = "000.00.06.H56-251202-0007",
                               .received_at = T0, .due_at = T0 + 96 * HOUR, .rows = rows, .n_rows = 60};
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    cr_assert_eq(forms_control_sheet(&c, &out, &e), 0);
    assert_pdf(&out);
    cr_assert_geq(count_pages(&out), 3, "%d pages for 60 hand-offs", count_pages(&out));
    buf_free(&out);
}

Test(forms, blank_form_renders, .fini = fini)
{
    /* Every field missing: the printed form with its dotted lines, as the paper form. */
    forms_receipt_t r;
    memset(&r, 0, sizeof r);
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    cr_assert_eq(forms_receipt(&r, &out, &e), 0);
    assert_pdf(&out);
    buf_free(&out);
}

Test(forms, same_input_same_bytes, .fini = fini)
{
    forms_receipt_t r = receipt();
    r.issued_at = T0;
    buf_t a, b;
    buf_init(&a, 0);
    buf_init(&b, 0);
    derr_t e;
    cr_assert_eq(forms_receipt(&r, &a, &e), 0);
    cr_assert_eq(forms_receipt(&r, &b, &e), 0);
    cr_assert_eq(a.len, b.len);
    cr_assert_eq(memcmp(a.data, b.data, a.len), 0, "rendering is not deterministic");
    buf_free(&a);
    buf_free(&b);
}

/* ---- bounded inputs --------------------------------------------------------------------------------------- */

static void assert_refused(int rc, int want, const derr_t *e, const char *field, const buf_t *out)
{
    cr_assert_eq(rc, want, "rc %d, want %d", rc, want);
    cr_assert_str_eq(e->field, field);
    cr_assert_eq(e->status, 400);
    cr_assert_eq(out->len, 0, "a refused form wrote output");
}

Test(forms, too_long_strings_refused, .fini = fini)
{
    char big[FORMS_TEXT_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    forms_receipt_t r = receipt();
    r.dossier_code = big;
    assert_refused(forms_receipt(&r, &out, &e), -E2BIG, &e, "dossier_code", &out);
    cr_assert_eq(e.msg, MSG_FORMS_TOO_LONG);
    r = receipt();
    r.request = big;
    assert_refused(forms_receipt(&r, &out, &e), -E2BIG, &e, "request", &out);
    r = receipt();
    r.applicant.address = big;
    assert_refused(forms_receipt(&r, &out, &e), -E2BIG, &e, "applicant.address", &out);
    r = receipt();
    r.agency.name = big;
    assert_refused(forms_receipt(&r, &out, &e), -E2BIG, &e, "agency.name", &out);
    /* exactly at the cap is accepted */
    big[FORMS_NAME_MAX] = '\0';
    r = receipt();
    r.result_place = big;
    cr_assert_eq(forms_receipt(&r, &out, &e), 0);
    buf_free(&out);
}

Test(forms, bad_values_refused, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    forms_receipt_t r = receipt();
    r.applicant.name = "Nguy\xe1\xbb";   /* a truncated UTF-8 sequence */
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "applicant.name", &out);
    r = receipt();
    r.due_at = -5;
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "due_at", &out);
    r = receipt();
    r.received_at = FORMS_TIME_MAX + 1;
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "received_at", &out);
    r = receipt();
    r.sets = 100;
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "sets", &out);
    forms_paper_t bad[1] = {{"Tờ khai", "Bản chính", 1000}};
    r = receipt();
    r.papers = bad, r.n_papers = 1;
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "papers.copies", &out);
    r = receipt();
    r.papers = NULL, r.n_papers = 2;
    assert_refused(forms_receipt(&r, &out, &e), -EINVAL, &e, "papers", &out);
    forms_handoff_t h = {.result = (forms_timeliness_t)9};
    forms_control_sheet_t c = {.rows = &h, .n_rows = 1};
    assert_refused(forms_control_sheet(&c, &out, &e), -EINVAL, &e, "rows.result", &out);
    buf_free(&out);
}

Test(forms, too_many_items_refused, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    static forms_paper_t many[FORMS_LIST_MAX + 1];
    forms_receipt_t r = receipt();
    r.papers = many, r.n_papers = FORMS_LIST_MAX + 1;
    assert_refused(forms_receipt(&r, &out, &e), -E2BIG, &e, "papers", &out);
    cr_assert_eq(e.msg, MSG_FORMS_TOO_MANY);
    static const char *items[FORMS_LIST_MAX + 1];
    forms_supplement_t s = {.items = items, .n_items = FORMS_LIST_MAX + 1};
    assert_refused(forms_supplement(&s, &out, &e), -E2BIG, &e, "items", &out);
    static forms_handoff_t rows[FORMS_HANDOFF_MAX + 1];
    forms_control_sheet_t c = {.rows = rows, .n_rows = FORMS_HANDOFF_MAX + 1};
    assert_refused(forms_control_sheet(&c, &out, &e), -E2BIG, &e, "rows", &out);
    forms_tracking_book_t b = {.rows = NULL, .n_rows = FORMS_BOOK_MAX + 1};
    assert_refused(forms_tracking_book_csv(&b, &out, &e), -E2BIG, &e, "rows", &out);
    buf_free(&out);
}

Test(forms, null_arguments_refused)
{
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    forms_receipt_t r = receipt();
    cr_assert_eq(forms_receipt(NULL, &out, &e), -EINVAL);
    cr_assert_eq(forms_receipt(&r, NULL, &e), -EINVAL);
    cr_assert_eq(forms_tracking_book_csv(NULL, &out, NULL), -EINVAL);
    cr_assert_eq(out.len, 0);
    buf_free(&out);
}

Test(forms, output_cap_refused, .fini = fini)
{
    forms_receipt_t r = receipt();
    buf_t out;
    buf_init(&out, 2000);   /* far below a receipt (fonts are embedded) */
    derr_t e;
    cr_assert_eq(forms_receipt(&r, &out, &e), -E2BIG);
    cr_assert_eq(e.status, 413);
    buf_free(&out);
}

/* ---- dates -------------------------------------------------------------------------------------------------- */

Test(forms, date_formats)
{
    char s[96];
    forms_format_date(T0, s, sizeof s);
    cr_assert_str_eq(s, "ngày 02 tháng 12 năm 2025");
    /* 2026-01-05 08:00 Vietnam = 01:00 UTC: day and month below 10 and 3 take a 0 (Decree 30/2020) */
    forms_format_date(1767574800000LL, s, sizeof s);
    cr_assert_str_eq(s, "ngày 05 tháng 01 năm 2026");
    /* 2026-03-15 23:30 Vietnam is 16:30 UTC: the local date, and March without a 0 */
    forms_format_date(1773592200000LL, s, sizeof s);
    cr_assert_str_eq(s, "ngày 15 tháng 3 năm 2026");
    forms_format_instant(T0, s, sizeof s);
    cr_assert_str_eq(s, "09 giờ 15 phút, ngày 02 tháng 12 năm 2025");
    forms_format_instant(0, s, sizeof s);
    cr_assert_str_eq(s, "… giờ … phút, ngày … tháng … năm …");
}

/* ---- CSV ---------------------------------------------------------------------------------------------------- */

Test(forms, book_csv)
{
    forms_book_row_t rows[2] = {
        {"000.00.06.H56-251202-0007", "Đăng ký \"khai sinh\"", "Nguyễn Thị Ộ Ệ", "=HYPERLINK(1)", "UBND xã", T0,
         T0 + HOUR, 0, "Trực tiếp", NULL},
        {"B", "C", "D", "+84912345678", "E", T0, 0, T0 + 2 * HOUR, "Bưu chính", "Đỗ Văn Bặc"}};
    forms_tracking_book_t b = {.agency = AGENCY, .field = "Hộ tịch", .rows = rows, .n_rows = 2};
    buf_t out;
    buf_init(&out, 0);
    derr_t e;
    cr_assert_eq(forms_tracking_book_csv(&b, &out, &e), 0);
    cr_assert_eq(memcmp(out.data, "\xEF\xBB\xBF\"STT\",\"Mã hồ sơ\"", 20), 0);
    cr_assert_not_null(strstr(out.data, "\r\n\"1\",\"000.00.06.H56-251202-0007\",\"Đăng ký \"\"khai sinh\"\"\","
                                        "\"Nguyễn Thị Ộ Ệ\",\"'=HYPERLINK(1)\",\"UBND xã\",\"02/12/2025 09:15\","
                                        "\"02/12/2025 10:15\",\"\",\"Trực tiếp\",\"\"\r\n"), "%s", out.data);
    cr_assert_not_null(strstr(out.data, "\"'+84912345678\""));
    cr_assert_not_null(strstr(out.data, ",\"02/12/2025 11:15\",\"Bưu chính\",\"Đỗ Văn Bặc\"\r\n"));
    buf_free(&out);
}

/* ---- the builder -------------------------------------------------------------------------------------------- */

struct table_probe {
    int    rows;
    double header_h, row_h;  /* measured on page 1 */
    int    breaks, repeated; /* rows that started a page, and those that found the header above them */
    int    pages_seen;
};

static int draw_table(pdf_t *p, void *arg)
{
    struct table_probe *t = arg;
    static const pdf_col_t cols[3] = {{1, PDF_LEFT}, {2, PDF_LEFT}, {1, PDF_CENTER}};
    static const char *const head[3] = {"Tên đơn vị", "Thời gian giao nhận hồ sơ", "Ghi chú"};
    t->breaks = t->repeated = 0;
    pdf_text(p, "Bảng", PDF_BOLD, 0, PDF_CENTER);
    double y0 = pdf_y(p);
    int rc = pdf_table_begin(p, cols, 3, head, 0);
    if (rc) return rc;
    t->header_h = pdf_y(p) - y0;
    for (int i = 0; i < t->rows; i++) {
        int page = pdf_page(p);
        double before = pdf_y(p);
        const char *cells[3] = {"Bộ phận Một cửa", "10 giờ 05 phút, ngày 02/12/2026", "Đúng hạn"};
        if ((rc = pdf_table_row(p, cells, PDF_REGULAR))) return rc;
        if (i == 0) t->row_h = pdf_y(p) - before;
        if (pdf_page(p) != page) {
            t->breaks++;
            /* the row sits below a header of the same height as on page 1 */
            if (pdf_y(p) > t->row_h + 0.5 * t->header_h && pdf_y(p) < t->row_h + t->header_h + 0.01) t->repeated++;
        }
    }
    pdf_table_end(p);
    t->pages_seen = pdf_pages(p);
    return 0;
}

Test(pdf, table_breaks_pages_and_repeats_header, .fini = fini)
{
    struct table_probe t = {.rows = 120};
    buf_t out;
    buf_init(&out, 0);
    pdf_doc_t d = {.title = "t", .page_numbers = 1};
    cr_assert_eq(pdf_render(&out, &d, draw_table, &t), 0);
    cr_assert_gt(t.header_h, 0);
    cr_assert_geq(t.breaks, 2, "120 rows fit on one page?");
    cr_assert_eq(t.repeated, t.breaks, "the header row was not repeated on %d of %d pages", t.breaks - t.repeated,
                 t.breaks);
    cr_assert_eq(t.pages_seen, t.breaks + 1);
    buf_free(&out);
}

static int draw_giant_row(pdf_t *p, void *arg)
{
    (void)arg;
    static const pdf_col_t cols[1] = {{1, PDF_LEFT}};
    static char cell[12000];
    for (size_t i = 0; i + 2 < sizeof cell; i += 2) cell[i] = 'x', cell[i + 1] = '\n';
    const char *cells[1] = {cell};
    int rc = pdf_table_begin(p, cols, 1, cells, 0) ? -1 : pdf_table_row(p, cells, 0);
    pdf_table_end(p);
    return rc;
}

Test(pdf, row_taller_than_a_page_refused, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    pdf_doc_t d = {.title = "t"};
    cr_assert_eq(pdf_render(&out, &d, draw_giant_row, NULL), -E2BIG);
    buf_free(&out);
}

static int draw_bad(pdf_t *p, void *arg)
{
    return pdf_text(p, (const char *)arg, 0, 0, PDF_LEFT);
}

static int draw_qr(pdf_t *p, void *arg)
{
    return pdf_qr(p, 0, 0, 80, (const char *)arg);
}

Test(pdf, bad_input_refused, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    pdf_doc_t d = {.title = "t"};
    cr_assert_eq(pdf_render(&out, &d, draw_bad, "\xc3\x28"), -EINVAL);
    cr_assert_eq(out.len, 0);
    cr_assert_eq(pdf_render(&out, &d, draw_qr, ""), -EINVAL);
    static char huge[8000];
    memset(huge, 'A', sizeof huge - 1);
    cr_assert_eq(pdf_render(&out, &d, draw_qr, huge), -E2BIG);
    cr_assert_eq(pdf_render(&out, &d, draw_qr, "https://motcua.example.vn/tra-cuu/X"), 0);
    cr_assert_eq(memcmp(out.data, "%PDF-", 5), 0);
    buf_free(&out);
}

static int draw_paras(pdf_t *p, void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++) {
        int rc = pdf_text(p, "Độc lập - Tự do - Hạnh phúc. Ngày 02 tháng 12 năm 2026.", 0, 0, PDF_JUSTIFY);
        if (rc) return rc;
    }
    return 0;
}

Test(pdf, paragraphs_break_pages, .fini = fini)
{
    buf_t out;
    buf_init(&out, 0);
    pdf_doc_t d = {.title = "t", .page_numbers = 1};
    int n = 200;
    cr_assert_eq(pdf_render(&out, &d, draw_paras, &n), 0);
    cr_assert_geq(count_pages(&out), 3, "%d pages", count_pages(&out));
    buf_free(&out);
}

/* ---- threads ------------------------------------------------------------------------------------------------ */

static void *render_thread(void *arg)
{
    buf_t *out = arg;
    forms_receipt_t r = receipt();
    r.issued_at = T0;
    derr_t e;
    long rc = forms_receipt(&r, out, &e);
    pdf_release_thread();
    return (void *)rc;
}

Test(pdf, renders_on_several_threads, .fini = fini)
{
    enum { N = 4 };
    pthread_t th[N];
    buf_t out[N];
    for (int i = 0; i < N; i++) {
        buf_init(&out[i], 0);
        cr_assert_eq(pthread_create(&th[i], NULL, render_thread, &out[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        cr_assert_eq((long)rc, 0);
    }
    for (int i = 1; i < N; i++) {
        cr_assert_eq(out[i].len, out[0].len);
        cr_assert_eq(memcmp(out[i].data, out[0].data, out[0].len), 0, "thread %d rendered different bytes", i);
    }
    for (int i = 0; i < N; i++) buf_free(&out[i]);
}

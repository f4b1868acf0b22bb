/* forms.c — Mẫu số 01-07 of Circular 03/2025/TT-VPCP drawn with core/pdf.h, and the tracking book as CSV.
 *
 * The labels below are the fixed texts of the legal forms, not interface messages, so they are constants here
 * and not in the message catalog (only the QR caption and page numbers, which the forms do not prescribe, are).
 * Their wording follows the reproduction of the Circular's forms in Bộ Y tế QĐ 3621/QĐ-BYT (24/11/2025, BM.01-
 * BM.06); the Circular's own text was not readable here and Mẫu số 05 was not found at all (docs/forms.md).
 * Every input is checked (validate_*) before the first drawing call, so a refusal leaves out untouched. */
#include "domain/forms.h"

#include "core/clock.h"
#include "core/msg.h"
#include "core/pdf.h"
#include "core/utf8.h"
#include "domain/domain.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- fixed legal texts ------------------------------------------------------------------------------------- */
static const char NATION[] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
static const char MOTTO[] = "Độc lập - Tự do - Hạnh phúc";
static const char BLANK[] = "……………";
static const char SIGN_NOTE[] = "(Ký và ghi rõ họ tên)";
static const char L_SUBMITTER[] = "NGƯỜI NỘP HỒ SƠ";
static const char L_RECEIVER[] = "NGƯỜI TIẾP NHẬN HỒ SƠ";
static const char L_RECEIVER_E[] = "(Chữ ký số của người tiếp nhận hồ sơ nếu là biểu mẫu điện tử)";
static const char L_HEAD[] = "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ";
static const char L_HEAD_E[] = "(Chữ ký số của Thủ trưởng cơ quan, đơn vị nếu là biểu mẫu điện tử)";
static const char L_CODE[] = "Mã hồ sơ: ";
static const char L_ADDRESS[] = "Địa chỉ: ";
static const char L_PHONE[] = "Số điện thoại: ";
static const char L_EMAIL[] = "Email: ";
static const char L_IDENT[] = "Số định danh cá nhân/tổ chức: ";
static const char L_REQUEST[] = "Nội dung yêu cầu giải quyết: ";
static const char L_REASON[] = "Lý do: ";

/* ---- formatting --------------------------------------------------------------------------------------------- */

static int vn_tm(long long utc_ms, struct tm *tm)
{
    if (utc_ms <= 0) return -1;
    time_t t = (time_t)((utc_ms + VN_OFFSET_MS) / 1000);
    return gmtime_r(&t, tm) ? 0 : -1;
}

void forms_format_date(long long utc_ms, char *out, size_t cap)
{
    struct tm tm;
    if (vn_tm(utc_ms, &tm) < 0) {
        snprintf(out, cap, "ngày … tháng … năm …");
        return;
    }
    /* Decree 30/2020/NĐ-CP, Appendix I: days below 10 and months below 3 are written with a leading 0. */
    int m = tm.tm_mon + 1;
    snprintf(out, cap, "ngày %02d tháng %s%d năm %d", tm.tm_mday, m < 3 ? "0" : "", m, tm.tm_year + 1900);
}

void forms_format_instant(long long utc_ms, char *out, size_t cap)
{
    struct tm tm;
    if (vn_tm(utc_ms, &tm) < 0) {
        snprintf(out, cap, "… giờ … phút, ngày … tháng … năm …");
        return;
    }
    snprintf(out, cap, "%02d giờ %02d phút, ngày %02d tháng %02d năm %d", tm.tm_hour, tm.tm_min, tm.tm_mday,
             tm.tm_mon + 1, tm.tm_year + 1900);
}

/* "10 giờ 05 phút, ngày 02/12/2026": the table cells of Mẫu số 06. */
static void format_instant_short(long long utc_ms, char *out, size_t cap)
{
    struct tm tm;
    if (vn_tm(utc_ms, &tm) < 0) {
        snprintf(out, cap, "… giờ … phút, ngày …/…/…");
        return;
    }
    snprintf(out, cap, "%02d giờ %02d phút, ngày %02d/%02d/%d", tm.tm_hour, tm.tm_min, tm.tm_mday, tm.tm_mon + 1,
             tm.tm_year + 1900);
}

void forms_format_book_time(long long utc_ms, char *out, size_t cap)
{
    struct tm tm;
    if (vn_tm(utc_ms, &tm) < 0) {
        if (cap) out[0] = '\0';
        return;
    }
    snprintf(out, cap, "%02d/%02d/%d %02d:%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min);
}

static const char *or_blank(const char *s) { return domain_nz(s) ? s : BLANK; }

/* ---- validation --------------------------------------------------------------------------------------------- */

static int chk_str(derr_t *e, const char *field, const char *s, size_t cap)
{
    if (!s) return 0;
    if (strnlen(s, cap + 1) > cap) {
        char c[24];
        snprintf(c, sizeof c, "%zu", cap);
        return derr_set(e, -E2BIG, 400, MSG_FORMS_TOO_LONG, field, field, c, NULL);
    }
    if (!utf8_valid(s, strlen(s))) return derr_set(e, -EINVAL, 400, MSG_FORMS_BAD_TEXT, field, field, NULL, NULL);
    return 0;
}
#define NAME(e, f, s) do { int r_ = chk_str((e), (f), (s), FORMS_NAME_MAX); if (r_) return r_; } while (0)
#define TEXT(e, f, s) do { int r_ = chk_str((e), (f), (s), FORMS_TEXT_MAX); if (r_) return r_; } while (0)

static int chk_time(derr_t *e, const char *field, long long t)
{
    if (t < FORMS_TIME_MIN || t > FORMS_TIME_MAX)
        return derr_set(e, -EINVAL, 400, MSG_FORMS_BAD_TIME, field, field, NULL, NULL);
    return 0;
}
#define TIME(e, f, t) do { int r_ = chk_time((e), (f), (t)); if (r_) return r_; } while (0)

static int chk_count(derr_t *e, const char *field, int n, int max, const void *items)
{
    char c[24];
    snprintf(c, sizeof c, "%d", max);
    if (n > max) return derr_set(e, -E2BIG, 400, MSG_FORMS_TOO_MANY, field, field, c, NULL);
    if (n < 0 || (n > 0 && !items))
        return derr_set(e, -EINVAL, 400, MSG_FIELD_RANGE, field, field, "0", c);
    return 0;
}
#define COUNT(e, f, n, max, items) do { int r_ = chk_count((e), (f), (n), (max), (items)); if (r_) return r_; } while (0)

static int chk_int(derr_t *e, const char *field, int v, int max)
{
    char c[24];
    snprintf(c, sizeof c, "%d", max);
    if (v < 0 || v > max) return derr_set(e, -EINVAL, 400, MSG_FIELD_RANGE, field, field, "0", c);
    return 0;
}

static int chk_agency(derr_t *e, const forms_agency_t *a)
{
    NAME(e, "agency.superior", a->superior);
    NAME(e, "agency.name", a->name);
    NAME(e, "agency.number", a->number);
    NAME(e, "agency.place", a->place);
    return 0;
}

static int chk_party(derr_t *e, const forms_party_t *p)
{
    NAME(e, "applicant.name", p->name);
    NAME(e, "applicant.identifier", p->identifier);
    NAME(e, "applicant.address", p->address);
    NAME(e, "applicant.phone", p->phone);
    NAME(e, "applicant.email", p->email);
    return 0;
}

static int chk_list(derr_t *e, const char *field, const char *const *items, int n)
{
    COUNT(e, field, n, FORMS_LIST_MAX, items);
    for (int i = 0; i < n; i++) TEXT(e, field, items[i]);
    return 0;
}

/* ---- building blocks ---------------------------------------------------------------------------------------- */

/* "Label: value" with the value in bold, or "Label: ......" (a dotted leader) when the value is missing. */
static int field(pdf_t *p, const char *label, const char *value)
{
    pdf_run_t r[2] = {{label, PDF_REGULAR}, {value, PDF_BOLD}};
    int rc = domain_nz(value) ? pdf_para(p, r, 2, 0, PDF_LEFT, 0) : pdf_para(p, r, 1, 0, PDF_LEFT, 1);
    pdf_space(p, 2);
    return rc;
}

/* Two fields on one line (phone and e-mail). */
static int field2(pdf_t *p, const char *l1, const char *v1, const char *l2, const char *v2)
{
    pdf_run_t r[4] = {{l1, PDF_REGULAR}, {or_blank(v1), domain_nz(v1) ? PDF_BOLD : PDF_REGULAR},
                      {"      ", PDF_REGULAR}, {l2, PDF_REGULAR}};
    pdf_run_t all[5] = {r[0], r[1], r[2], r[3], {or_blank(v2), domain_nz(v2) ? PDF_BOLD : PDF_REGULAR}};
    int rc = pdf_para(p, all, 5, 0, PDF_LEFT, 0);
    pdf_space(p, 2);
    return rc;
}

static int para(pdf_t *p, const char *text, int style)
{
    int rc = pdf_text(p, text, style, 0, PDF_JUSTIFY);
    pdf_space(p, 2);
    return rc;
}

/* Mẫu số, then the two header columns: the agency (left) and the national header with the date line (right). */
static int header(pdf_t *p, const forms_agency_t *a, const char *form_no, const char *symbol, long long date)
{
    double w = pdf_width(p), h, lw, size = pdf_size(p);
    pdf_run_t no = {form_no, PDF_BOLD};
    int rc = pdf_text_at(p, 0, 0, w, &no, 1, size - 1, PDF_RIGHT, &h, NULL);
    if (rc) return rc;
    pdf_space(p, h + 4);

    double lcol = w * 0.40, rcol = w - lcol;
    pdf_run_t left[3] = {{or_blank(a->superior), PDF_REGULAR}, {"\n", PDF_REGULAR}, {or_blank(a->name), PDF_BOLD}};
    double lh;
    if ((rc = pdf_text_at(p, 0, 0, lcol, left, 3, size - 1, PDF_CENTER, &lh, NULL))) return rc;
    pdf_rule(p, lcol * 0.35, lh + 2, lcol * 0.30, 0.6);
    char num[FORMS_NAME_MAX + 64];
    snprintf(num, sizeof num, "Số: %s/%s", domain_nz(a->number) ? a->number : "…", symbol);
    pdf_run_t nr = {num, PDF_REGULAR};
    double nh;
    if ((rc = pdf_text_at(p, 0, lh + 8, lcol, &nr, 1, size - 1, PDF_CENTER, &nh, NULL))) return rc;
    lh += 8 + nh;

    pdf_run_t nation = {NATION, PDF_BOLD}, motto = {MOTTO, PDF_BOLD};
    double h1, h2;
    if ((rc = pdf_text_at(p, lcol, 0, rcol, &nation, 1, size - 1.5, PDF_CENTER, &h1, NULL))) return rc;
    if ((rc = pdf_text_at(p, lcol, h1, rcol, &motto, 1, size, PDF_CENTER, &h2, &lw))) return rc;
    pdf_rule(p, lcol + (rcol - lw) / 2, h1 + h2 + 1, lw, 0.6);  /* the underline of the motto */
    char d[64], line[FORMS_NAME_MAX + 80];
    forms_format_date(date, d, sizeof d);
    snprintf(line, sizeof line, "%s, %s", domain_nz(a->place) ? a->place : "…", d);
    pdf_run_t dl = {line, PDF_ITALIC};
    double h3;
    if ((rc = pdf_text_at(p, lcol, h1 + h2 + 8, rcol, &dl, 1, size - 0.5, PDF_CENTER, &h3, NULL))) return rc;
    double rh = h1 + h2 + 8 + h3;
    pdf_space(p, (lh > rh ? lh : rh) + 18);
    return 0;
}

static int title(pdf_t *p, const char *t)
{
    int rc = pdf_text(p, t, PDF_BOLD, pdf_size(p) + 1, PDF_CENTER);
    pdf_space(p, 10);
    return rc;
}

/* The header block and the form's title. */
static int opening(pdf_t *p, const forms_agency_t *a, const char *form_no, const char *symbol, long long date,
                   const char *name)
{
    int rc = header(p, a, form_no, symbol, date);
    return rc ? rc : title(p, name);
}

/* The applicant's lines shared by Mẫu số 01, 03 and 05: the name under the form's label, then the identifier,
 * the address, the phone and the e-mail. */
static void party(pdf_t *p, const char *label, const forms_party_t *a)
{
    field(p, label, a->name);
    field(p, L_IDENT, a->identifier);
    field(p, L_ADDRESS, a->address);
    field2(p, L_PHONE, a->phone, L_EMAIL, a->email);
}

/* Signature columns: each a bold title, "(Ký và ghi rõ họ tên)", an optional note, room to sign, the name. One
 * column sits in the right half, as on the forms. */
static int signatures(pdf_t *p, int n, const char *const *titles, const char *const *notes, const char *const *names)
{
    double w = pdf_width(p), size = pdf_size(p);
    int rc = pdf_ensure(p, 130);
    if (rc) return rc;
    pdf_space(p, 10);
    double colw = n == 1 ? w / 2 : w / n, x0 = n == 1 ? w / 2 : 0, th = 0, maxh = 0;
    for (int i = 0; i < n; i++) {
        pdf_run_t r[5] = {{titles[i], PDF_BOLD}, {"\n", 0}, {SIGN_NOTE, PDF_ITALIC}, {notes[i] ? "\n" : "", 0},
                          {notes[i] ? notes[i] : "", PDF_REGULAR}};
        double h;
        if ((rc = pdf_text_at(p, x0 + i * colw, 0, colw, r, 5, size - 1, PDF_CENTER, &h, NULL))) return rc;
        if (h > th) th = h;
    }
    maxh = th + 60;
    for (int i = 0; i < n; i++) {   /* the names on one line, below the tallest title */
        double nh = 0;
        if (domain_nz(names[i])) {
            pdf_run_t nm = {names[i], PDF_BOLD};
            if ((rc = pdf_text_at(p, x0 + i * colw, th + 60, colw, &nm, 1, size, PDF_CENTER, &nh, NULL))) return rc;
        }
        if (th + 60 + nh > maxh) maxh = th + 60 + nh;
    }
    pdf_space(p, maxh + 6);
    return 0;
}

/* Renders a validated form: the metadata (title, the date of issue as creation date), the page, the drawing. */
static int render(buf_t *out, derr_t *err, const char *title, long long date, int landscape, pdf_draw_fn draw,
                  const void *form)
{
    char iso[CLOCK_ISO_LEN];
    pdf_doc_t d = {.title = title, .subject = "Thông tư 03/2025/TT-VPCP", .page_numbers = 1, .landscape = landscape};
    if (landscape) d.margin_left = PDF_MM(15);   /* the book's eleven columns need the width */
    if (date > 0) {
        clock_iso_vn(date, iso);
        d.created = iso;
    }
    int rc = pdf_render(out, &d, draw, (void *)form);
    if (rc == 0) return 0;
    const char *what = rc == -E2BIG ? "E2BIG" : rc == -EINVAL ? "EINVAL" : "EIO";
    return derr_set(err, rc, rc == -E2BIG ? 413 : rc == -EINVAL ? 400 : 500, MSG_FORMS_RENDER_FAILED, NULL, what,
                    NULL, NULL);
}

/* The office line of Mẫu số 01 and 03: its name, or the form's blank line. */
static void office(pdf_t *p, const char *name)
{
    if (domain_nz(name)) field(p, "", name);
    else field(p, "Trung tâm Phục vụ hành chính công/Bộ phận Tiếp nhận và Trả kết quả: ", NULL);
}

/* The paper's form as printed: the dossier module's codes (original, copy, electronic) in the words of the
 * forms, any other text as given. */
static const char *paper_form(const char *form)
{
    static const char *const codes[3][2] = {
        {"original", "Bản chính"}, {"copy", "Bản sao"}, {"electronic", "Bản điện tử"}};
    if (!domain_nz(form)) return "";
    for (int i = 0; i < 3; i++)
        if (!strcmp(form, codes[i][0])) return codes[i][1];
    return form;
}

/* ---- Mẫu số 01 ---------------------------------------------------------------------------------------------- */

static int draw_receipt(pdf_t *p, void *arg)
{
    const forms_receipt_t *f = arg;
    long long date = f->issued_at ? f->issued_at : f->received_at;
    int rc = opening(p, &f->agency, "Mẫu số 01", "TTPVHCC", date, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ");
    if (rc) return rc;
    field(p, L_CODE, f->dossier_code);
    office(p, f->office);
    party(p, "Tiếp nhận hồ sơ của Ông (Bà)/Tổ chức: ", &f->applicant);
    if (domain_nz(f->authorization)) field(p, "Thông tin ủy quyền: ", f->authorization);
    else
        pdf_text(p, "(Trường hợp ủy quyền thì cung cấp thêm thông tin của người ủy quyền, bao gồm: họ và tên, địa chỉ, "
                    "số định danh cá nhân, số điện thoại, email, giấy tờ ủy quyền).", PDF_ITALIC, pdf_size(p) - 1,
                 PDF_JUSTIFY), pdf_space(p, 2);
    field(p, L_REQUEST, f->request);
    pdf_text(p, "Thành phần hồ sơ nộp gồm:", PDF_REGULAR, 0, PDF_LEFT), pdf_space(p, 2);
    for (int i = 0; i < f->n_papers; i++) {
        const forms_paper_t *pp = &f->papers[i];
        char line[FORMS_NAME_MAX * 2 + 64], cnt[16] = "";
        if (pp->copies > 0) snprintf(cnt, sizeof cnt, "%02d", pp->copies);
        const char *kind = paper_form(pp->form);
        if (kind[0] || cnt[0])   /* "1. Tờ khai (Bản chính: 01)", "1. Tờ khai (Bản sao)", "1. Tờ khai (01)" */
            snprintf(line, sizeof line, "%d. %s (%s%s%s)", i + 1, or_blank(pp->name), kind,
                     kind[0] && cnt[0] ? ": " : "", cnt);
        else
            snprintf(line, sizeof line, "%d. %s", i + 1, or_blank(pp->name));
        pdf_text(p, line, PDF_REGULAR, 0, PDF_LEFT);
        pdf_space(p, 2);
    }
    if (f->n_papers == 0) field(p, "1. ", NULL);
    char n[16];
    snprintf(n, sizeof n, "%02d", f->sets);
    pdf_run_t sets[3] = {{"Số lượng hồ sơ: ", 0}, {f->sets ? n : "…", PDF_BOLD}, {" (bộ)", 0}};
    pdf_para(p, sets, 3, 0, PDF_LEFT, 0), pdf_space(p, 2);
    field(p, "Thời gian giải quyết hồ sơ theo quy định là: ", f->statutory_time);
    char t[96];
    forms_format_instant(f->received_at, t, sizeof t);
    field(p, "Thời gian nhận hồ sơ: ", t);
    forms_format_instant(f->due_at, t, sizeof t);
    field(p, "Thời gian trả kết quả giải quyết hồ sơ: ", t);
    field(p, "Đăng ký nhận kết quả tại: ", f->result_place);
    pdf_run_t book[4] = {{"Vào Sổ theo dõi hồ sơ, Quyển số: ", 0}, {or_blank(f->book_volume), PDF_BOLD},
                         {", Số thứ tự: ", 0}, {or_blank(f->book_line), PDF_BOLD}};
    pdf_para(p, book, 4, 0, PDF_LEFT, 0), pdf_space(p, 6);
    if ((rc = pdf_ensure(p, 90))) return rc;
    if (domain_nz(f->lookup_url)) {
        double side = PDF_MM(28), h;
        if ((rc = pdf_qr(p, 0, 0, side, f->lookup_url))) return rc;
        buf_t cap;
        buf_init(&cap, 4096);
        const char *args[1] = {f->lookup_url};
        msg_format(&cap, MSG_FORMS_QR_CAPTION, LANG_VI, args, 1);
        pdf_run_t c = {cap.data, PDF_ITALIC};
        rc = pdf_text_at(p, side + 6, side / 2 - 12, pdf_width(p) - side - 6, &c, 1, pdf_size(p) - 3, PDF_LEFT, &h,
                         NULL);
        buf_free(&cap);
        if (rc) return rc;
        pdf_space(p, side);
    }
    const char *titles[2] = {L_SUBMITTER, L_RECEIVER}, *notes[2] = {NULL, L_RECEIVER_E};
    const char *names[2] = {f->submitter_name, f->receiver_name};
    return signatures(p, 2, titles, notes, names);
}

int forms_receipt(const forms_receipt_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency)) || (rc = chk_party(err, &f->applicant))) return rc;
    TIME(err, "issued_at", f->issued_at);
    TIME(err, "received_at", f->received_at);
    TIME(err, "due_at", f->due_at);
    NAME(err, "dossier_code", f->dossier_code);
    NAME(err, "office", f->office);
    TEXT(err, "authorization", f->authorization);
    TEXT(err, "request", f->request);
    COUNT(err, "papers", f->n_papers, FORMS_LIST_MAX, f->papers);
    for (int i = 0; i < f->n_papers; i++) {
        NAME(err, "papers.name", f->papers[i].name);
        NAME(err, "papers.form", f->papers[i].form);
        if ((rc = chk_int(err, "papers.copies", f->papers[i].copies, 999))) return rc;
    }
    if ((rc = chk_int(err, "sets", f->sets, 99))) return rc;
    TEXT(err, "statutory_time", f->statutory_time);
    NAME(err, "result_place", f->result_place);
    NAME(err, "book_volume", f->book_volume);
    NAME(err, "book_line", f->book_line);
    NAME(err, "submitter_name", f->submitter_name);
    NAME(err, "receiver_name", f->receiver_name);
    NAME(err, "lookup_url", f->lookup_url);
    return render(out, err, "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", f->issued_at ? f->issued_at : f->received_at, 0, draw_receipt, f);
}

/* ---- Mẫu số 02 ---------------------------------------------------------------------------------------------- */

static void numbered(pdf_t *p, const char *const *items, int n)
{
    char num[16];
    for (int i = 0; i < n; i++) {
        snprintf(num, sizeof num, "%d. ", i + 1);
        pdf_run_t r[2] = {{num, 0}, {items[i] ? items[i] : "", 0}};
        pdf_para(p, r, 2, 0, PDF_JUSTIFY, 0);
        pdf_space(p, 2);
    }
    if (n == 0) field(p, "1. ", NULL);
}

static int draw_supplement(pdf_t *p, void *arg)
{
    const forms_supplement_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 02", "PBS-TTPVHCC", f->issued_at, "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ");
    if (rc) return rc;
    if (domain_nz(f->dossier_code)) field(p, L_CODE, f->dossier_code);
    field(p, "Hồ sơ của: ", f->applicant.name);
    field(p, L_REQUEST, f->request);
    field(p, L_ADDRESS, f->applicant.address);
    field2(p, L_PHONE, f->applicant.phone, L_EMAIL, f->applicant.email);
    pdf_text(p, "Yêu cầu hoàn thiện hồ sơ gồm những nội dung sau:", PDF_REGULAR, 0, PDF_LEFT), pdf_space(p, 2);
    numbered(p, f->items, f->n_items);
    field(p, L_REASON, f->reason);
    pdf_run_t r[5] = {{"Trong quá trình hoàn thiện hồ sơ nếu có vướng mắc, Ông/Bà liên hệ với ", 0},
                      {or_blank(f->contact_name), PDF_BOLD}, {" số điện thoại ", 0},
                      {or_blank(f->contact_phone), PDF_BOLD}, {" để được hướng dẫn./.", 0}};
    pdf_para(p, r, 5, 0, PDF_JUSTIFY, 0);
    const char *titles[1] = {"NGƯỜI HƯỚNG DẪN"};
    const char *notes[1] = {"(Chữ ký số của Người hướng dẫn nếu là biểu mẫu điện tử)"};
    const char *names[1] = {f->guide_name};
    return signatures(p, 1, titles, notes, names);
}

int forms_supplement(const forms_supplement_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency)) || (rc = chk_party(err, &f->applicant))) return rc;
    TIME(err, "issued_at", f->issued_at);
    NAME(err, "dossier_code", f->dossier_code);
    TEXT(err, "request", f->request);
    if ((rc = chk_list(err, "items", f->items, f->n_items))) return rc;
    TEXT(err, "reason", f->reason);
    NAME(err, "contact_name", f->contact_name);
    NAME(err, "contact_phone", f->contact_phone);
    NAME(err, "guide_name", f->guide_name);
    return render(out, err, "Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ", f->issued_at, 0, draw_supplement, f);
}

/* ---- Mẫu số 03 ---------------------------------------------------------------------------------------------- */

static int draw_refusal(pdf_t *p, void *arg)
{
    const forms_refusal_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 03", "PTC-TTPVHCC", f->issued_at, "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ");
    if (rc) return rc;
    office(p, f->office);
    party(p, "Tiếp nhận hồ sơ của: ", &f->applicant);
    field(p, "Mã hồ sơ (nếu có): ", f->dossier_code);
    field(p, L_REQUEST, f->request);
    para(p, "Qua xem xét, Bộ phận Tiếp nhận và Trả kết quả thông báo không tiếp nhận, giải quyết hồ sơ này với lý do "
            "cụ thể như sau:", 0);
    numbered(p, f->reasons, f->n_reasons);
    para(p, "Xin thông báo cho Ông/Bà được biết và thực hiện./.", 0);
    const char *titles[2] = {L_SUBMITTER, L_RECEIVER}, *notes[2] = {NULL, L_RECEIVER_E};
    const char *names[2] = {f->submitter_name, f->receiver_name};
    return signatures(p, 2, titles, notes, names);
}

int forms_refusal(const forms_refusal_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency)) || (rc = chk_party(err, &f->applicant))) return rc;
    TIME(err, "issued_at", f->issued_at);
    NAME(err, "office", f->office);
    NAME(err, "dossier_code", f->dossier_code);
    TEXT(err, "request", f->request);
    if ((rc = chk_list(err, "reasons", f->reasons, f->n_reasons))) return rc;
    NAME(err, "submitter_name", f->submitter_name);
    NAME(err, "receiver_name", f->receiver_name);
    return render(out, err, "Phiếu từ chối tiếp nhận giải quyết hồ sơ", f->issued_at, 0, draw_refusal, f);
}

/* ---- Mẫu số 04 ---------------------------------------------------------------------------------------------- */

static int draw_apology(pdf_t *p, void *arg)
{
    const forms_apology_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 04", "PXL", f->issued_at, "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT");
    if (rc) return rc;
    const char *unit = or_blank(f->unit);
    char d[64], t[96];
    field(p, "Kính gửi: ", f->recipient);
    forms_format_date(f->received_at, d, sizeof d);
    d[0] = 'N';  /* "Ngày …" opens the sentence; the date text starts with the ASCII 'n' */
    pdf_run_t r1[9] = {{d, 0}, {", ", 0}, {unit, PDF_BOLD},
                       {" tiếp nhận giải quyết hồ sơ đề nghị giải quyết thủ tục hành chính ", 0},
                       {or_blank(f->procedure), PDF_BOLD}, {" của Ông/Bà/Tổ chức; số định danh: ", 0},
                       {or_blank(f->identifier), PDF_BOLD}, {"; mã số hồ sơ: ", 0}, {or_blank(f->dossier_code), PDF_BOLD}};
    pdf_para(p, r1, 9, 0, PDF_JUSTIFY, 0), pdf_space(p, 2);
    forms_format_instant(f->original_due, t, sizeof t);
    field(p, "Thời gian hẹn trả kết quả giải quyết hồ sơ: ", t);
    pdf_run_t r2[3] = {{"Tuy nhiên đến nay, ", 0}, {unit, PDF_BOLD},
                       {" chưa trả kết quả giải quyết hồ sơ của Ông/Bà/Tổ chức đúng thời hạn quy định ghi trên Giấy "
                        "tiếp nhận hồ sơ và hẹn trả kết quả.", 0}};
    pdf_para(p, r2, 3, 0, PDF_JUSTIFY, 0), pdf_space(p, 2);
    field(p, L_REASON, f->reason);
    pdf_run_t r3[2] = {{unit, PDF_BOLD},
                       {" xin trân trọng gửi lời xin lỗi đến Ông (Bà)/Tổ chức vì sự chậm trễ trong quá trình giải "
                        "quyết hồ sơ có thể gây phiền hà, tốn kém về chi phí, công sức của Ông (Bà)/Tổ chức.", 0}};
    pdf_para(p, r3, 2, 0, PDF_JUSTIFY, 0), pdf_space(p, 2);
    forms_format_date(f->new_due, d, sizeof d);
    pdf_run_t r4[4] = {{unit, PDF_BOLD},
                       {" xin lỗi Ông/Bà/Tổ chức và sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà/Tổ chức vào ", 0},
                       {d, PDF_BOLD}, {".", 0}};
    pdf_para(p, r4, 4, 0, PDF_JUSTIFY, 0), pdf_space(p, 2);
    para(p, "Mong nhận được sự thông cảm của Ông/Bà/Tổ chức vì sự chậm trễ này./.", 0);
    const char *titles[1] = {L_HEAD}, *notes[1] = {L_HEAD_E}, *names[1] = {f->head_name};
    return signatures(p, 1, titles, notes, names);
}

int forms_apology(const forms_apology_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency))) return rc;
    TIME(err, "issued_at", f->issued_at);
    TIME(err, "received_at", f->received_at);
    TIME(err, "original_due", f->original_due);
    TIME(err, "new_due", f->new_due);
    NAME(err, "recipient", f->recipient);
    NAME(err, "unit", f->unit);
    TEXT(err, "procedure", f->procedure);
    NAME(err, "identifier", f->identifier);
    NAME(err, "dossier_code", f->dossier_code);
    TEXT(err, "reason", f->reason);
    NAME(err, "head_name", f->head_name);
    return render(out, err, "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết", f->issued_at, 0, draw_apology, f);
}

/* ---- Mẫu số 05 ---------------------------------------------------------------------------------------------- */
/* The Circular's Mẫu số 05 was not found in any reproduction (reference/one-stop-facts.md): its fields here are
 * the dossier's identity, the reason and the rule relied on, in the wording of the other forms. */

static int draw_stop(pdf_t *p, void *arg)
{
    const forms_stop_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 05", "TB-TTPVHCC", f->issued_at, "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ");
    if (rc) return rc;
    field(p, "Kính gửi: ", f->applicant.name);
    pdf_run_t r[2] = {{or_blank(f->unit), PDF_BOLD}, {" thông báo dừng giải quyết hồ sơ sau đây:", 0}};
    pdf_para(p, r, 2, 0, PDF_JUSTIFY, 0), pdf_space(p, 2);
    field(p, L_CODE, f->dossier_code);
    field(p, "Tên thủ tục hành chính: ", f->procedure);
    party(p, "Tổ chức, cá nhân nộp hồ sơ: ", &f->applicant);
    char t[96];
    forms_format_instant(f->received_at, t, sizeof t);
    field(p, "Thời gian nhận hồ sơ: ", t);
    field(p, "Lý do dừng giải quyết hồ sơ: ", f->reason);
    if (domain_nz(f->legal_basis)) field(p, "Căn cứ: ", f->legal_basis);
    para(p, "Xin thông báo để Ông/Bà/Tổ chức được biết./.", 0);
    const char *titles[1] = {L_HEAD}, *notes[1] = {L_HEAD_E}, *names[1] = {f->head_name};
    return signatures(p, 1, titles, notes, names);
}

int forms_stop(const forms_stop_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency)) || (rc = chk_party(err, &f->applicant))) return rc;
    TIME(err, "issued_at", f->issued_at);
    TIME(err, "received_at", f->received_at);
    NAME(err, "unit", f->unit);
    NAME(err, "dossier_code", f->dossier_code);
    TEXT(err, "procedure", f->procedure);
    TEXT(err, "reason", f->reason);
    TEXT(err, "legal_basis", f->legal_basis);
    NAME(err, "head_name", f->head_name);
    return render(out, err, "Thông báo dừng giải quyết hồ sơ", f->issued_at, 0, draw_stop, f);
}

/* ---- Mẫu số 06 ---------------------------------------------------------------------------------------------- */

static const char *timeliness(forms_timeliness_t r)
{
    switch (r) {
    case FORMS_EARLY: return "Trước hạn";
    case FORMS_ON_TIME: return "Đúng hạn";
    case FORMS_LATE: return "Quá hạn";
    default: return "";
    }
}

static int draw_control(pdf_t *p, void *arg)
{
    const forms_control_sheet_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 06", "PKS-TTPVHCC", f->issued_at, "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ");
    if (rc) return rc;
    char t[96];
    field(p, "Mã số hồ sơ: ", f->dossier_code);
    field(p, "Cơ quan (bộ phận) giải quyết hồ sơ: ", f->lead_unit);
    field(p, "Cơ quan phối hợp giải quyết hồ sơ: ", f->coordinating);
    forms_format_instant(f->received_at, t, sizeof t);
    field(p, "Ngày nhận: ", t);
    forms_format_instant(f->due_at, t, sizeof t);
    field(p, "Hẹn trả kết quả vào: ", t);
    pdf_space(p, 4);
    static const pdf_col_t cols[4] = {{30, PDF_LEFT}, {30, PDF_LEFT}, {20, PDF_CENTER}, {20, PDF_LEFT}};
    static const char *const head[4] = {"Tên đơn vị", "Thời gian giao nhận hồ sơ",
                                        "Kết quả giải quyết hồ sơ (trước hạn/đúng hạn/quá hạn)", "Ghi chú"};
    if ((rc = pdf_table_begin(p, cols, 4, head, pdf_size(p) - 2))) return rc;
    for (int i = 0; i < f->n_rows && !rc; i++) {
        const forms_handoff_t *h = &f->rows[i];
        char unit[FORMS_NAME_MAX * 2 + 40], when[FORMS_NAME_MAX * 2 + 160], res[160];
        snprintf(unit, sizeof unit, "1. Giao: %s\n2. Nhận: %s", or_blank(h->from_unit), or_blank(h->to_unit));
        format_instant_short(h->at, t, sizeof t);
        snprintf(when, sizeof when, "%s\nNgười giao: %s\nNgười nhận: %s", t, or_blank(h->giver), or_blank(h->receiver));
        if (h->step_due > 0) {
            format_instant_short(h->step_due, t, sizeof t);
            snprintf(res, sizeof res, "%s\n(hạn: %s)", timeliness(h->result), t);
        } else {
            snprintf(res, sizeof res, "%s", timeliness(h->result));
        }
        const char *cells[4] = {unit, when, res, h->notes};
        rc = pdf_table_row(p, cells, PDF_REGULAR);
    }
    pdf_table_end(p);
    if (rc) return rc;
    pdf_space(p, 8);
    pdf_text(p, "Ghi chú:", PDF_ITALIC, pdf_size(p) - 1, PDF_LEFT);
    pdf_text(p, "- Kết quả giải quyết hồ sơ do bên nhận nhập thông tin/ghi khi nhận bàn giao hồ sơ.", 0,
             pdf_size(p) - 1, PDF_JUSTIFY);
    return pdf_text(p, "- Việc lưu vết được thực hiện tự động theo chức năng của Hệ thống thông tin giải quyết thủ "
                       "tục hành chính và thể hiện trên mẫu phiếu điện tử.", 0, pdf_size(p) - 1, PDF_JUSTIFY);
}

int forms_control_sheet(const forms_control_sheet_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_agency(err, &f->agency))) return rc;
    TIME(err, "issued_at", f->issued_at);
    TIME(err, "received_at", f->received_at);
    TIME(err, "due_at", f->due_at);
    NAME(err, "dossier_code", f->dossier_code);
    NAME(err, "lead_unit", f->lead_unit);
    TEXT(err, "coordinating", f->coordinating);
    COUNT(err, "rows", f->n_rows, FORMS_HANDOFF_MAX, f->rows);
    for (int i = 0; i < f->n_rows; i++) {
        const forms_handoff_t *h = &f->rows[i];
        NAME(err, "rows.from_unit", h->from_unit);
        NAME(err, "rows.to_unit", h->to_unit);
        NAME(err, "rows.giver", h->giver);
        NAME(err, "rows.receiver", h->receiver);
        TIME(err, "rows.at", h->at);
        TIME(err, "rows.step_due", h->step_due);
        if (h->result < FORMS_PENDING || h->result > FORMS_LATE)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "rows.result", "rows.result",
                            "early | on_time | late | pending", NULL);
        TEXT(err, "rows.notes", h->notes);
    }
    return render(out, err, "Phiếu kiểm soát quá trình giải quyết hồ sơ", f->issued_at, 0, draw_control, f);
}

/* ---- Mẫu số 07 ---------------------------------------------------------------------------------------------- */

static const char *const BOOK_HEAD[11] = {
    "STT", "Mã hồ sơ", "Tên TTHC", "Tên tổ chức, cá nhân", "Địa chỉ/SĐT", "Cơ quan chủ trì giải quyết",
    "Nhận hồ sơ", "Hẹn trả kết quả", "Trả kết quả", "Phương thức nhận kết quả", "Ký nhận"};

static int draw_book(pdf_t *p, void *arg)
{
    const forms_tracking_book_t *f = arg;
    int rc = opening(p, &f->agency, "Mẫu số 07", "STD-TTPVHCC", f->issued_at, "SỔ THEO DÕI HỒ SƠ");
    if (rc) return rc;
    pdf_run_t r[6] = {{"Lĩnh vực: ", 0}, {or_blank(f->field), PDF_BOLD}, {"      Quyển số: ", 0},
                      {or_blank(f->volume), PDF_BOLD}, {domain_nz(f->period) ? "      " : "", 0},
                      {domain_nz(f->period) ? f->period : "", PDF_BOLD}};
    pdf_para(p, r, 6, 0, PDF_CENTER, 0), pdf_space(p, 8);
    /* The dossier code column holds a 25-character code on one line (Decision 20/2020 identifiers). */
    static const pdf_col_t cols[11] = {{4, PDF_CENTER}, {18, PDF_LEFT}, {13, PDF_LEFT},   {11, PDF_LEFT},
                                       {11, PDF_LEFT},  {9, PDF_LEFT},  {7.5, PDF_CENTER}, {7.5, PDF_CENTER},
                                       {7.5, PDF_CENTER}, {7, PDF_LEFT}, {6.5, PDF_LEFT}};
    /* "Nhận và trả kết quả" groups the columns Nhận hồ sơ … Ký nhận on the paper form. */
    if ((rc = pdf_table_begin(p, cols, 11, BOOK_HEAD, pdf_size(p) - 3.5))) return rc;
    for (int i = 0; i < f->n_rows && !rc; i++) {
        const forms_book_row_t *b = &f->rows[i];
        char no[16], rec[64], due[64], ret[64];
        snprintf(no, sizeof no, "%d", i + 1);
        forms_format_book_time(b->received_at, rec, sizeof rec);
        forms_format_book_time(b->due_at, due, sizeof due);
        forms_format_book_time(b->returned_at, ret, sizeof ret);
        const char *cells[11] = {no, b->dossier_code, b->procedure, b->applicant, b->address_phone, b->lead_agency,
                                 rec, due, ret, b->result_method, b->signed_by};
        rc = pdf_table_row(p, cells, PDF_REGULAR);
    }
    pdf_table_end(p);
    if (rc) return rc;
    pdf_space(p, 8);
    pdf_text(p, "Ghi chú:", PDF_ITALIC, pdf_size(p) - 1, PDF_LEFT);
    pdf_text(p, "- Sổ theo dõi hồ sơ được lập theo từng lĩnh vực hoặc nhóm lĩnh vực tại Bộ phận Một cửa.", 0,
             pdf_size(p) - 1, PDF_JUSTIFY);
    return pdf_text(p, "- Trường hợp áp dụng Sổ theo dõi hồ sơ điện tử thì theo dõi trực tiếp trên Hệ thống thông tin "
                       "giải quyết thủ tục hành chính, không cần thực hiện in sổ giấy nhưng phải đảm bảo đầy đủ thông "
                       "tin theo quy định.", 0, pdf_size(p) - 1, PDF_JUSTIFY);
}

static int chk_book(const forms_tracking_book_t *f, derr_t *err)
{
    int rc;
    if ((rc = chk_agency(err, &f->agency))) return rc;
    TIME(err, "issued_at", f->issued_at);
    NAME(err, "field", f->field);
    NAME(err, "period", f->period);
    NAME(err, "volume", f->volume);
    COUNT(err, "rows", f->n_rows, FORMS_BOOK_MAX, f->rows);
    for (int i = 0; i < f->n_rows; i++) {
        const forms_book_row_t *b = &f->rows[i];
        NAME(err, "rows.dossier_code", b->dossier_code);
        TEXT(err, "rows.procedure", b->procedure);
        NAME(err, "rows.applicant", b->applicant);
        NAME(err, "rows.address_phone", b->address_phone);
        NAME(err, "rows.lead_agency", b->lead_agency);
        TIME(err, "rows.received_at", b->received_at);
        TIME(err, "rows.due_at", b->due_at);
        TIME(err, "rows.returned_at", b->returned_at);
        NAME(err, "rows.result_method", b->result_method);
        NAME(err, "rows.signed_by", b->signed_by);
    }
    return 0;
}

int forms_tracking_book(const forms_tracking_book_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_book(f, err))) return rc;
    return render(out, err, "Sổ theo dõi hồ sơ", f->issued_at, 1, draw_book, f);
}

static int csv_cell(buf_t *out, const char *s, int last)
{
    int rc = buf_putc(out, '"');
    if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@')) rc = rc ? rc : buf_putc(out, '\'');
    for (const char *c = s ? s : ""; *c && !rc; c++)
        rc = *c == '"' ? buf_puts(out, "\"\"") : buf_putc(out, *c);
    if (!rc) rc = buf_putc(out, '"');
    if (!rc) rc = buf_puts(out, last ? "\r\n" : ",");
    return rc;
}

int forms_tracking_book_csv(const forms_tracking_book_t *f, buf_t *out, derr_t *err)
{
    int rc;
    if (!f || !out) return derr_set(err, -EINVAL, 400, MSG_BODY_REQUIRED, NULL, NULL, NULL, NULL);
    if ((rc = chk_book(f, err))) return rc;
    rc = buf_puts(out, "\xEF\xBB\xBF");
    for (int i = 0; i < 11 && !rc; i++) rc = csv_cell(out, BOOK_HEAD[i], i == 10);
    for (int i = 0; i < f->n_rows && !rc; i++) {
        const forms_book_row_t *b = &f->rows[i];
        char no[16], rec[64], due[64], ret[64];
        snprintf(no, sizeof no, "%d", i + 1);
        forms_format_book_time(b->received_at, rec, sizeof rec);
        forms_format_book_time(b->due_at, due, sizeof due);
        forms_format_book_time(b->returned_at, ret, sizeof ret);
        const char *cells[11] = {no, b->dossier_code, b->procedure, b->applicant, b->address_phone, b->lead_agency,
                                 rec, due, ret, b->result_method, b->signed_by};
        for (int c = 0; c < 11 && !rc; c++) rc = csv_cell(out, cells[c], c == 10);
    }
    if (rc == 0) return 0;
    return derr_set(err, rc, 413, MSG_FORMS_RENDER_FAILED, NULL, "E2BIG", NULL, NULL);
}

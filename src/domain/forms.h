/* forms.h — the forms of Circular 03/2025/TT-VPCP, Appendix I (Mẫu số 01-07), rendered to PDF (and the tracking
 * book to CSV) from plain structs the dossier module fills.
 *
 * Every function validates its input before drawing anything: each string must be valid UTF-8 and at most its
 * cap (FORMS_NAME_MAX for names, codes, addresses; FORMS_TEXT_MAX for contents and reasons), each list at most
 * its cap; a refusal is -E2BIG (too long, too many) or -EINVAL (bad UTF-8, bad instant) with err naming the
 * field. NULL or "" strings print as the form's blank dotted line. Instants are UTC milliseconds (clock.h) and
 * print in Vietnam time (UTC+7); 0 means "not known" and prints the blank "… giờ … phút, ngày … tháng … năm …".
 * The PDF is appended to out (whose cap bounds it). Thread-safe (see core/pdf.h). Layout sources: docs/forms.md. */
#ifndef MOTCUA_FORMS_H
#define MOTCUA_FORMS_H
#include "core/buf.h"
#include "domain/domain.h"

#define FORMS_NAME_MAX 1024       /* bytes: names, codes, addresses, phone, e-mail, places, URLs */
#define FORMS_TEXT_MAX 4096       /* bytes: contents of requests, procedures, reasons, notes, statutory time */
#define FORMS_LIST_MAX 60         /* papers, items to supplement, reasons */
#define FORMS_HANDOFF_MAX 1000    /* rows of a control sheet */
#define FORMS_BOOK_MAX 5000       /* rows of a tracking book */
#define FORMS_TIME_MIN 0LL        /* instants accepted: 1970 .. 2199 (UTC ms) */
#define FORMS_TIME_MAX 7258118400000LL

/* The left column of every form: ĐƠN VỊ CHỦ QUẢN / BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ, the number, the place. */
typedef struct forms_agency {
    const char *superior;   /* the superior agency, e.g. "UBND XÃ ĐỒNG TIẾN" */
    const char *name;       /* the agency that issues the form, e.g. "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG" */
    const char *number;     /* "Số: …" after the fixed prefix, e.g. "125" (the symbol is the form's own) */
    const char *place;      /* the place of the date line, e.g. "Đồng Tiến" */
} forms_agency_t;

/* The applicant (organisation or person) and, when any, whom they authorised. */
typedef struct forms_party {
    const char *name;
    const char *identifier; /* personal identification number or organisation code */
    const char *address;
    const char *phone;
    const char *email;
} forms_party_t;

typedef struct forms_paper {
    const char *name;       /* "Tờ khai đăng ký khai sinh" */
    const char *form;       /* "original" | "copy" | "electronic" (printed Bản chính, Bản sao, Bản điện tử) or a text */
    int         copies;     /* 0..999; 0 prints no count */
} forms_paper_t;

/* Mẫu số 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả. */
typedef struct forms_receipt {
    forms_agency_t       agency;
    long long            issued_at;       /* date line; 0: received_at */
    const char          *dossier_code;
    const char          *office;          /* "Trung tâm Phục vụ hành chính công xã Đồng Tiến" */
    forms_party_t        applicant;
    const char          *authorization;   /* the authorised person's details and paper, or NULL */
    const char          *request;         /* Nội dung yêu cầu giải quyết (the procedure) */
    const forms_paper_t *papers;
    int                  n_papers;
    int                  sets;            /* Số lượng hồ sơ (bộ), 0..99 */
    const char          *statutory_time;  /* "05 ngày làm việc" */
    long long            received_at;
    long long            due_at;          /* appointment to return the result */
    const char          *result_place;
    const char          *book_volume;     /* Sổ theo dõi hồ sơ, Quyển số */
    const char          *book_line;       /* Số thứ tự */
    const char          *submitter_name;  /* NGƯỜI NỘP HỒ SƠ */
    const char          *receiver_name;   /* NGƯỜI TIẾP NHẬN HỒ SƠ */
    const char          *lookup_url;      /* printed as a QR code; NULL: no QR */
} forms_receipt_t;

/* Mẫu số 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ. */
typedef struct forms_supplement {
    forms_agency_t     agency;
    long long          issued_at;
    const char        *dossier_code;
    forms_party_t      applicant;
    const char        *request;
    const char *const *items;           /* the contents to supplement or complete */
    int                n_items;
    const char        *reason;
    const char        *contact_name;    /* whom to contact while completing the dossier */
    const char        *contact_phone;
    const char        *guide_name;      /* NGƯỜI HƯỚNG DẪN */
} forms_supplement_t;

/* Mẫu số 03 Phiếu từ chối tiếp nhận giải quyết hồ sơ. */
typedef struct forms_refusal {
    forms_agency_t     agency;
    long long          issued_at;
    const char        *office;
    forms_party_t      applicant;
    const char        *dossier_code;    /* if any */
    const char        *request;
    const char *const *reasons;
    int                n_reasons;
    const char        *submitter_name;
    const char        *receiver_name;
} forms_refusal_t;

/* Mẫu số 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết. */
typedef struct forms_apology {
    forms_agency_t agency;
    long long      issued_at;
    const char    *recipient;          /* Kính gửi: the applicant */
    const char    *unit;               /* (tên cơ quan, đơn vị) that is late */
    long long      received_at;
    const char    *procedure;
    const char    *identifier;         /* the applicant's identifier */
    const char    *dossier_code;
    long long      original_due;
    const char    *reason;
    long long      new_due;
    const char    *head_name;          /* THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ */
} forms_apology_t;

/* Mẫu số 05 Thông báo dừng giải quyết hồ sơ (fields not read in the Circular: see docs/forms.md). */
typedef struct forms_stop {
    forms_agency_t agency;
    long long      issued_at;
    forms_party_t  applicant;
    const char    *unit;               /* the agency that stops resolving */
    const char    *dossier_code;
    const char    *procedure;
    long long      received_at;
    const char    *reason;
    const char    *legal_basis;        /* the rule the stop rests on, or NULL */
    const char    *head_name;
} forms_stop_t;

typedef enum { FORMS_PENDING = 0, FORMS_EARLY, FORMS_ON_TIME, FORMS_LATE } forms_timeliness_t;

typedef struct forms_handoff {
    const char        *from_unit;      /* 1. Giao: */
    const char        *to_unit;        /* 2. Nhận: */
    const char        *giver;          /* Người giao */
    const char        *receiver;       /* Người nhận */
    long long          at;             /* instant of the hand-over */
    long long          step_due;       /* when the giving step was due, or 0 */
    forms_timeliness_t result;
    const char        *notes;
} forms_handoff_t;

/* Mẫu số 06 Phiếu kiểm soát quá trình giải quyết hồ sơ. */
typedef struct forms_control_sheet {
    forms_agency_t         agency;
    long long              issued_at;
    const char            *dossier_code;
    const char            *lead_unit;        /* Cơ quan (bộ phận) giải quyết hồ sơ */
    const char            *coordinating;     /* Cơ quan phối hợp giải quyết hồ sơ, or NULL */
    long long              received_at;
    long long              due_at;
    const forms_handoff_t *rows;
    int                    n_rows;
} forms_control_sheet_t;

typedef struct forms_book_row {
    const char *dossier_code;
    const char *procedure;
    const char *applicant;
    const char *address_phone;
    const char *lead_agency;
    long long   received_at;
    long long   due_at;
    long long   returned_at;       /* 0: not yet */
    const char *result_method;     /* Phương thức nhận kết quả: "Trực tiếp", "Bưu chính", "Trực tuyến" */
    const char *signed_by;         /* Ký nhận: who signed for the result (electronic book), or NULL */
} forms_book_row_t;

/* Mẫu số 07 Sổ theo dõi hồ sơ: one book per field (lĩnh vực) or group of fields, per unit and period. */
typedef struct forms_tracking_book {
    forms_agency_t          agency;
    long long               issued_at;
    const char             *field;          /* Lĩnh vực */
    const char             *period;         /* "Tháng 11 năm 2026" */
    const char             *volume;         /* Quyển số */
    const forms_book_row_t *rows;
    int                     n_rows;
} forms_tracking_book_t;

int forms_receipt(const forms_receipt_t *f, buf_t *out, derr_t *err);
int forms_supplement(const forms_supplement_t *f, buf_t *out, derr_t *err);
int forms_refusal(const forms_refusal_t *f, buf_t *out, derr_t *err);
int forms_apology(const forms_apology_t *f, buf_t *out, derr_t *err);
int forms_stop(const forms_stop_t *f, buf_t *out, derr_t *err);
int forms_control_sheet(const forms_control_sheet_t *f, buf_t *out, derr_t *err);
int forms_tracking_book(const forms_tracking_book_t *f, buf_t *out, derr_t *err);
/* The same book as CSV (RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read the diacritics;
 * a cell starting with = + - @ gets a leading ' so it cannot run as a formula). */
int forms_tracking_book_csv(const forms_tracking_book_t *f, buf_t *out, derr_t *err);

/* "14 giờ 30 phút, ngày 02 tháng 12 năm 2026" (Vietnam time) or the blank dotted form for 0. */
void forms_format_instant(long long utc_ms, char *out, size_t cap);
/* "02/12/2026 10:05" (Vietnam time), the tracking book's cells; "" for 0. */
void forms_format_book_time(long long utc_ms, char *out, size_t cap);
/* "ngày 02 tháng 12 năm 2026": a day below 10 and a month below 3 take a leading 0 (Decree 30/2020, App. I). */
void forms_format_date(long long utc_ms, char *out, size_t cap);
#endif

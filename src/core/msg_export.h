/* msg_export.h — catalog messages of the report exports (domain/export.h, api/api_export.h) and of the tracking
 * book report (domain/dossier_book.h); included by core/msg.h. One X(id, vietnamese, english) per message. */
#ifndef MOTCUA_MSG_EXPORT_H
#define MOTCUA_MSG_EXPORT_H

#define MSG_LIST_EXPORT(X)                                                                                         \
    X(MSG_EXPORT_FORMAT, "Định dạng \"{0}\" không được hỗ trợ (cho phép: {1}).",                                 \
      "Format \"{0}\" is not supported (allowed: {1}).")                                                         \
    X(MSG_EXPORT_TOO_BIG, "Bảng xuất vượt quá giới hạn ({0}); hãy thu hẹp phạm vi.",                              \
      "The export exceeds its limits ({0}); narrow the request.")                                                \
    X(MSG_EXPORT_PDF_ROWS, "Tệp PDF có tối đa {0} dòng (bảng này có {1}); hãy thu hẹp phạm vi hoặc tải CSV, XLSX.", \
      "A PDF holds at most {0} rows (this table has {1}); narrow the request or download CSV or XLSX.")        \
    X(MSG_EXPORT_FAILED, "Không tạo được tệp xuất ({0}).", "The export file could not be produced ({0}).")      \
    X(MSG_BOOK_TITLE, "SỔ THEO DÕI HỒ SƠ", "DOSSIER TRACKING BOOK")                                               \
    X(MSG_BOOK_SUBTITLE, "{0} — từ ngày {1} đến ngày {2}", "{0} — from {1} to {2}")                               \
    X(MSG_BOOK_FILE, "so-theo-doi-ho-so", "tracking-book")                                                       \
    X(MSG_BOOK_RANGE, "Khoảng thời gian từ {0} đến {1} không hợp lệ: ngày kết thúc không được trước ngày bắt đầu " \
      "và dài tối đa {2} ngày.", "The range {0} to {1} is invalid: it must not end before it starts and spans at " \
      "most {2} days.")                                                                                          \
    X(MSG_BOOK_TOO_MANY, "Khoảng thời gian này có hơn {0} hồ sơ; hãy chọn khoảng ngắn hơn.",                       \
      "More than {0} dossiers in this range; choose a shorter range.")                                           \
    X(MSG_BOOK_COL_NO, "STT", "No.")                                                                              \
    X(MSG_BOOK_COL_CODE, "Mã hồ sơ", "Dossier code")                                                              \
    X(MSG_BOOK_COL_PROCEDURE, "Tên thủ tục hành chính", "Procedure")                                              \
    X(MSG_BOOK_COL_APPLICANT, "Tên tổ chức, cá nhân", "Applicant")                                                \
    X(MSG_BOOK_COL_ADDRESS, "Địa chỉ, số điện thoại", "Address, phone")                                          \
    X(MSG_BOOK_COL_UNIT, "Cơ quan chủ trì giải quyết", "Lead agency")                                             \
    X(MSG_BOOK_COL_RECEIVED, "Nhận hồ sơ", "Received")                                                            \
    X(MSG_BOOK_COL_DUE, "Hẹn trả kết quả", "Due")                                                                 \
    X(MSG_BOOK_COL_HANDOVERS, "Chuyển giao hồ sơ", "Hand-overs")                                                  \
    X(MSG_BOOK_COL_RESOLVED, "Có kết quả", "Resolved")                                                            \
    X(MSG_BOOK_COL_TIMING, "Kết quả giải quyết", "Result timing")                                                 \
    X(MSG_BOOK_COL_DELIVERED, "Trả kết quả", "Returned")                                                          \
    X(MSG_BOOK_COL_METHOD, "Phương thức nhận kết quả", "How the result was received")                            \
    X(MSG_BOOK_COL_SIGNED, "Ký nhận", "Received by")                                                              \
    X(MSG_BOOK_COL_NOTE, "Ghi chú", "Notes")                                                                      \
    X(MSG_BOOK_EARLY, "Trước hạn", "Early")                                                                       \
    X(MSG_BOOK_ON_TIME, "Đúng hạn", "On time")                                                                    \
    X(MSG_BOOK_LATE, "Quá hạn", "Late")                                                                           \
    X(MSG_BOOK_PENDING, "Đang giải quyết", "In progress")                                                         \
    X(MSG_BOOK_OVERDUE, "Đang giải quyết, đã quá hạn", "In progress, overdue")                                    \
    X(MSG_BOOK_EXTENDED, "Đã gia hạn", "Extended")                                                                \
    X(MSG_BOOK_MORE_STEPS, "… và {0} lần chuyển khác", "… and {0} more hand-overs")
#endif

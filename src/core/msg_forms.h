/* msg_forms.h — catalog messages of the PDF forms of Circular 03/2025 (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last.
 * The forms' own labels are fixed legal texts and live in domain/forms.c; only the rest is here. */
#ifndef MOTCUA_MSG_FORMS_H
#define MOTCUA_MSG_FORMS_H

#define MSG_LIST_FORMS(X)                                                                                           \
    X(MSG_FORMS_PAGE, "Trang {0}/{1}", "Page {0}/{1}")                                                         \
    X(MSG_FORMS_QR_CAPTION, "Quét mã để tra cứu tình trạng hồ sơ:\n{0}", "Scan to look the dossier up:\n{0}")    \
    X(MSG_FORMS_TOO_LONG, "Trường \"{0}\" dài quá {1} byte.", "Field \"{0}\" is longer than {1} bytes.")        \
    X(MSG_FORMS_TOO_MANY, "Trường \"{0}\" có quá {1} mục.", "Field \"{0}\" has more than {1} items.")           \
    X(MSG_FORMS_BAD_TEXT, "Trường \"{0}\" không phải văn bản UTF-8 hợp lệ.", "Field \"{0}\" is not valid UTF-8 text.") \
    X(MSG_FORMS_BAD_TIME, "Trường \"{0}\" không phải thời điểm hợp lệ.", "Field \"{0}\" is not a valid instant.") \
    X(MSG_FORMS_UNKNOWN_FORM, "Không có mẫu \"{0}\" (các mẫu: {1}).", "No form \"{0}\" (forms: {1}).")        \
    X(MSG_FORMS_READ_FAILED, "Không đọc được tệp {0}: {1}", "Cannot read the file {0}: {1}")                     \
    X(MSG_FORMS_WRITE_FAILED, "Không ghi được tệp {0}: {1}", "Cannot write the file {0}: {1}")                   \
    X(MSG_FORMS_RENDER_FAILED, "Không tạo được biểu mẫu: {0}", "The form could not be rendered: {0}")
#endif

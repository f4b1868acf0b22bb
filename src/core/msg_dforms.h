/* msg_dforms.h — catalog messages of the dossier forms, notifications and papers wiring (domain/dossier_forms.h,
 * domain/dossier_notify.h; included by core/msg.h). One X(id, vietnamese, english) per message. */
#ifndef MOTCUA_MSG_DFORMS_H
#define MOTCUA_MSG_DFORMS_H

#define MSG_LIST_DFORMS(X)                                                                                         \
    X(MSG_DF_NOT_APPLICABLE, "Mẫu \"{0}\" không áp dụng cho hồ sơ ở trạng thái \"{1}\".",                        \
      "Form \"{0}\" does not apply to a dossier in state \"{1}\".")                                              \
    X(MSG_DF_UNKNOWN_FORM, "Mẫu không tồn tại: \"{0}\" (cho phép: {1}).", "No such form: \"{0}\" (allowed: {1}).") \
    X(MSG_DF_DESK, "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ", "ONE-STOP DESK")                                           \
    X(MSG_DF_ORIGINAL, "Bản chính", "Original")                                                                   \
    X(MSG_DF_COPY, "Bản sao", "Copy")                                                                             \
    X(MSG_DF_ELECTRONIC, "Bản điện tử", "Electronic copy")                                                        \
    X(MSG_DF_WORKDAYS, "{0} ngày làm việc", "{0} working days")                                                   \
    X(MSG_DF_WORKHOURS, "{0} giờ làm việc", "{0} working hours")                                                  \
    X(MSG_DF_SAME_DAY, "Trong ngày", "Same day")                                                                  \
    X(MSG_DF_UPLOAD_UNKNOWN, "Giấy tờ đã tải lên \"{0}\" (mục \"{1}\") không tồn tại hoặc bạn không được dùng.",  \
      "Uploaded paper \"{0}\" (item \"{1}\") does not exist or is not yours to use.")                        \
    X(MSG_DF_RESULT_NOT_AGENCY, "Giấy tờ \"{0}\" không do cơ quan tải lên: kết quả phải là văn bản của cơ quan giải quyết.", \
      "Paper \"{0}\" was not uploaded by an agency: a result must be the resolving agency's document.")        \
    X(MSG_DF_ATTACH_NEEDS_UPLOAD, "Mục \"{0}\": hãy chọn giấy tờ đã tải lên để đính kèm.",                    \
      "Item \"{0}\": choose an uploaded paper to attach.")                                                     \
    X(MSG_DF_BOOK_PERIOD, "Từ ngày {0} đến ngày {1}", "From {0} to {1}")                                        \
    X(MSG_DF_BOOK_TOO_LONG, "Kỳ của sổ theo dõi dài quá {0} ngày.", "The tracking book's period exceeds {0} days.")  \
    X(MSG_DF_BOOK_TOO_MANY, "Kỳ này có hơn {0} hồ sơ: hãy chọn kỳ ngắn hơn hoặc một lĩnh vực.",                   \
      "More than {0} dossiers in this period: choose a shorter period or one field.")                          \
    X(MSG_DF_ALL_FIELDS, "Tất cả lĩnh vực", "All fields")                                                        \
    X(MSG_DF_IN_PERSON, "Trực tiếp", "In person")                                                                 \
    X(MSG_DF_BY_POST, "Bưu chính", "By post")                                                                     \
    X(MSG_DF_ONLINE, "Trực tuyến", "Online")

#endif

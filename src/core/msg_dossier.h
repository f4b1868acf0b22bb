/* msg_dossier.h — catalog messages of dossiers: intake, actions, lookup (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_DOSSIER_H
#define MOTCUA_MSG_DOSSIER_H

#define MSG_LIST_DOSSIER(X)                                                                                        \
    X(MSG_DS_1, "Mới tiếp nhận trực tuyến", "New (online, not yet accepted)")                                    \
    X(MSG_DS_2, "Đã tiếp nhận", "Accepted")                                                                     \
    X(MSG_DS_3, "Từ chối tiếp nhận", "Refused")                                                                  \
    X(MSG_DS_4, "Đang xử lý", "Processing")                                                                     \
    X(MSG_DS_5, "Yêu cầu bổ sung hồ sơ", "Supplement requested")                                                \
    X(MSG_DS_6, "Chờ nộp phí, lệ phí", "Payment requested")                                                     \
    X(MSG_DS_7, "Công dân rút hồ sơ", "Withdrawn by the applicant")                                             \
    X(MSG_DS_8, "Dừng giải quyết", "Stopped")                                                                   \
    X(MSG_DS_9, "Đã giải quyết", "Resolved")                                                                    \
    X(MSG_DS_10, "Đã trả kết quả", "Result returned")                                                          \
    X(MSG_DOSSIER_PAPERS_MISSING, "Hồ sơ thiếu giấy tờ bắt buộc: {0}. Cán bộ tiếp nhận hướng dẫn bổ sung.",       \
      "Mandatory papers are missing: {0}. The desk issues the supplement guidance.")                            \
    X(MSG_DOSSIER_PAPER_UNKNOWN, "Giấy tờ \"{0}\" không thuộc thủ tục này.",                                      \
      "Paper \"{0}\" is not part of this procedure.")                                                           \
    X(MSG_DOSSIER_ID_NUMBER, "Số định danh cá nhân phải gồm 12 chữ số theo cấu trúc: mã tỉnh nơi đăng ký khai sinh, "\
      "mã thế kỷ và giới tính, hai số cuối năm sinh, sáu số ngẫu nhiên.",                                        \
      "A citizen identity number is 12 digits: the province code of birth registration, the century/sex digit, "\
      "two digits of the birth year and six random digits.")                                                     \
    X(MSG_DOSSIER_TAX_CODE, "Mã số thuế phải gồm 10 chữ số (hoặc 10 chữ số, dấu gạch ngang và 3 chữ số) với chữ số "\
      "kiểm tra đúng.", "A tax code is 10 digits (or 10 digits, a dash and 3 digits) with a valid check digit.") \
    X(MSG_DOSSIER_PHONE, "Số điện thoại không hợp lệ: cần số di động 10 chữ số (03x, 05x, 07x, 08x, 09x) hoặc số "\
      "cố định bắt đầu bằng 02.", "Invalid phone number: a 10-digit mobile number (03x, 05x, 07x, 08x, 09x) or " \
      "a landline starting with 02 is required.")                                                              \
    X(MSG_DOSSIER_EMAIL, "Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.")                         \
    X(MSG_DOSSIER_PROCEDURE_UNKNOWN, "Thủ tục \"{0}\" không tồn tại hoặc không còn áp dụng.",                    \
      "Procedure \"{0}\" does not exist or is no longer in force.")                                              \
    X(MSG_DOSSIER_ONLINE_CITIZEN, "Hồ sơ trực tuyến phải do công dân đã đăng nhập nộp; cán bộ tiếp nhận tại quầy "\
      "hoặc qua bưu chính.", "Online dossiers are submitted by a signed-in citizen; staff receive at the desk "   \
      "or by post.")                                                                                           \
    X(MSG_DOSSIER_NOT_ONLINE, "Thủ tục \"{0}\" chưa được cung cấp trực tuyến; vui lòng nộp hồ sơ tại Bộ phận "  \
      "Một cửa.",                                                                                               \
      "Procedure \"{0}\" is not offered online; please apply at the one-stop desk.")                            \
    X(MSG_DOSSIER_UNIT_REQUIRED, "Cần chọn đơn vị tiếp nhận hồ sơ (trường \"unit\").",                             \
      "Choose the receiving unit (field \"unit\").")                                                            \
    X(MSG_DOSSIER_WRONG_STATE, "Hồ sơ đang ở trạng thái \"{0}\": không thể thực hiện \"{1}\". Thao tác được phép: {2}.",\
      "The dossier is in status \"{0}\": \"{1}\" is not possible. Allowed actions: {2}.")                      \
    X(MSG_DOSSIER_SUPPLEMENT_ONCE, "Chỉ được yêu cầu bổ sung, hoàn thiện hồ sơ một lần.",                         \
      "A supplement may be requested only once per dossier.")                                                   \
    X(MSG_DOSSIER_EXTEND_ONCE, "Hồ sơ chỉ được gia hạn thời gian giải quyết một lần.",                             \
      "A dossier's resolution time may be extended only once.")                                                 \
    X(MSG_DOSSIER_EXTEND_LATE, "Phải đề nghị gia hạn chậm nhất một ngày làm việc trước hạn trả kết quả ({0}).",     \
      "An extension must be requested at least one working day before the due date ({0}).")                     \
    X(MSG_DOSSIER_LAST_STEP, "Hồ sơ đang ở bước cuối của quy trình; hãy phê duyệt kết quả.",                       \
      "The dossier is at the last step of its process; approve it instead.")                                    \
    X(MSG_DOSSIER_FIRST_STEP, "Hồ sơ đang ở bước đầu tiên; không có bước trước để trả lại.",                        \
      "The dossier is at its first step; there is no previous step to return it to.")                           \
    X(MSG_DOSSIER_NO_RESULT, "Chưa đính kèm kết quả giải quyết.", "No result has been attached yet.")          \
    X(MSG_DOSSIER_ASSIGNEE, "Người nhận \"{0}\" không phải cán bộ đang hoạt động giữ vai trò {1} thuộc {2}.",      \
      "\"{0}\" is not an active officer holding the role {1} in {2}.")                                         \
    X(MSG_DOSSIER_FIELD_UNKNOWN, "Lĩnh vực \"{0}\" không có trong danh mục thủ tục.",                              \
      "Field \"{0}\" is not in the procedure catalog.")                                                           \
    X(MSG_DOSSIER_FIELDS_STAFF, "Chỉ tài khoản cán bộ mới có lĩnh vực chuyên môn.",                               \
      "Only staff accounts have fields of work.")                                                               \
    X(MSG_DOSSIER_TARGET_UNIT, "Đơn vị nhận \"{0}\" không phải là đơn vị cấp {1} phù hợp cho bước liên thông.",    \
      "Unit \"{0}\" is not a suitable unit of level {1} for the inter-agency step.")                             \
    X(MSG_DOSSIER_PAYMENT_AMOUNT, "Số tiền phải bằng số đã yêu cầu ({0} đồng).",                                   \
      "The amount must equal the amount requested ({0} VND).")                                                  \
    X(MSG_DOSSIER_HAND_BACK_STEP,                                                                                 \
      "Chỉ chuyển trả hồ sơ về đơn vị tiếp nhận khi đã xong bước liên thông cuối cùng tại đơn vị khác.",          \
      "A dossier is handed back to the receiving unit only after its last inter-agency step at another unit.")
#endif

/* msg_procedure.h — catalog messages of the procedure catalog (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_PROCEDURE_H
#define MOTCUA_MSG_PROCEDURE_H

#define MSG_LIST_PROCEDURE(X)                                                                                      \
    X(MSG_PROC_CODE, "Mã thủ tục \"{0}\" không hợp lệ: dùng mã quốc gia dạng 1.001193 hoặc mã địa phương gồm chữ, số, dấu chấm, gạch ngang (tối đa 31 ký tự).", \
      "Procedure code \"{0}\" is invalid: use a national code such as 1.001193 or a local code of letters, digits, dots and dashes (at most 31 characters).") \
    X(MSG_PROC_TIME, "Thời hạn giải quyết không hợp lệ với cách tính \"{0}\": {1}.",                              \
      "The time limit does not fit the rule \"{0}\": {1}.")                                                       \
    X(MSG_PROC_BUDGET_SUM, "Tổng thời gian các bước được tính ({0} ngày làm việc) vượt thời hạn giải quyết ({1} ngày làm việc).", \
      "The counted steps' budgets ({0} working days) exceed the time limit ({1} working days).")                 \
    X(MSG_PROC_TOO_MANY, "Trường \"{0}\" có tối đa {1} mục.", "Field \"{0}\" holds at most {1} items.")        \
    X(MSG_PROC_TOO_FEW, "Trường \"{0}\" cần ít nhất {1} mục.", "Field \"{0}\" needs at least {1} items.")      \
    X(MSG_PROC_DUPLICATE, "Giá trị \"{1}\" của trường \"{0}\" bị trùng.", "Field \"{0}\" repeats the value \"{1}\".") \
    X(MSG_PROC_NO_COUNTED, "Quy trình phải có ít nhất một bước được tính vào thời hạn giải quyết.",              \
      "The process needs at least one step counted in the time limit.")                                          \
    X(MSG_PROC_OTHER_LEVEL, "Bước liên thông phải ghi cấp xử lý \"province\" hoặc \"commune\"; bước khác để trống.", \
      "An inter-agency step names the other level (\"province\" or \"commune\"); other steps leave it empty.")   \
    X(MSG_PROC_SCOPE, "Bản điều chỉnh chỉ thuộc về một tỉnh/thành phố, không phải đơn vị loại \"{0}\".",        \
      "An adaptation belongs to a province, not to a unit of kind \"{0}\".")                                     \
    X(MSG_PROC_NO_NATIONAL, "Thủ tục {0} chưa có trong danh mục quốc gia nên không thể điều chỉnh.",              \
      "Procedure {0} is not in the national catalog, so it cannot be adapted.")                                  \
    X(MSG_PROC_FEE, "Số tiền phí, lệ phí phải từ 0 đến 1.000.000.000 đồng (để trống khi chỉ có nội dung mô tả).",                             \
      "A fee amount is 0 to 1,000,000,000 VND (null when only a text applies).")                                                    \
    X(MSG_PROC_IMPORT_EMPTY, "Nội dung nhập không có thủ tục nào.", "The import holds no procedure.")            \
    X(MSG_PROC_CSV, "Dòng CSV không đọc được: {0}.", "The CSV line cannot be read: {0}.")                       \
    X(MSG_PROC_CSV_COLUMN, "Cột \"{0}\" không được chấp nhận.", "Column \"{0}\" is not allowed.")              \
    X(MSG_PROC_IMPORT_FAILED, "Không nhập được: {0} lỗi, không có thay đổi nào được lưu.",                       \
      "Import refused: {0} errors, nothing was saved.")                                                           \
    X(MSG_PROC_SKIPPED_NO_TIME, "Bỏ qua: nguồn không nêu thời hạn giải quyết.",                                  \
      "Skipped: the source states no time limit.")                                                               \
    X(MSG_PROC_PAPER_GENERIC, "Tờ khai / đơn đề nghị theo mẫu", "Declaration / application form as prescribed")  \
    X(MSG_PROC_STEP_RECEIVE, "Tiếp nhận, kiểm tra hồ sơ", "Receive and check the dossier")                      \
    X(MSG_PROC_STEP_PROCESS, "Thẩm định, đề xuất kết quả", "Examine and propose the result")                   \
    X(MSG_PROC_STEP_APPROVE, "Phê duyệt, ký kết quả", "Approve and sign the result")                            \
    X(MSG_PROC_STEP_RETURN, "Trả kết quả", "Return the result")
#endif

/* msg_report.h — catalog messages of the dashboards and reports (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_REPORT_H
#define MOTCUA_MSG_REPORT_H

#define MSG_LIST_REPORT(X)                                                                                          \
    X(MSG_REPORT_RANGE, "Kỳ báo cáo không hợp lệ: \"{0}\" phải không sau \"{1}\", dài tối đa {2} ngày, từ năm 2000 " \
      "đến hết năm sau.",                                                                                       \
      "Invalid period: \"{0}\" must not be after \"{1}\", span at most {2} days, between 2000 and the end of next " \
      "year.")                                                                                                  \
    X(MSG_REPORT_DATE, "Tham số \"{0}\" phải là một ngày dạng {1}.", "Parameter \"{0}\" must be a date as {1}.")  \
    X(MSG_REPORT_ONE_FILTER, "Chỉ lọc theo một trong: lĩnh vực (field), thủ tục (procedure) hoặc cán bộ (officer).", \
      "Filter by one of field, procedure or officer at most.")                                                  \
    X(MSG_REPORT_ROLE, "Số liệu của đơn vị này dành cho lãnh đạo, cán bộ tỉnh và quản trị; bạn chỉ xem được số liệu " \
      "của chính mình (officer = mã tài khoản của bạn).",                                                       \
      "This unit's figures are for leaders, province officials and administrators; you may see your own figures " \
      "only (officer = your account id).")
#endif

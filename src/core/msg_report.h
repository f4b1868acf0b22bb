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
      "only (officer = your account id).")                                                                      \
    /* the labels of the exports (CSV, XLSX, PDF): figures in report_figure_t order, shares, groups, columns */ \
    X(MSG_REPORT_FIG_CARRIED_OVER, "Kỳ trước chuyển sang", "Carried over") \
    X(MSG_REPORT_FIG_RECEIVED_ONLINE, "Mới tiếp nhận trực tuyến", "Received online") \
    X(MSG_REPORT_FIG_RECEIVED_DESK, "Mới tiếp nhận trực tiếp", "Received at the desk") \
    X(MSG_REPORT_FIG_RECEIVED_POST, "Mới tiếp nhận qua bưu chính", "Received by post") \
    X(MSG_REPORT_FIG_RECEIVED, "Tổng số mới tiếp nhận", "Received") \
    X(MSG_REPORT_FIG_TO_HANDLE, "Tổng số phải giải quyết", "To handle") \
    X(MSG_REPORT_FIG_RESOLVED_EARLY, "Đã giải quyết trước hạn", "Resolved early") \
    X(MSG_REPORT_FIG_RESOLVED_ON_TIME, "Đã giải quyết đúng hạn", "Resolved on time") \
    X(MSG_REPORT_FIG_RESOLVED_LATE, "Đã giải quyết quá hạn", "Resolved late") \
    X(MSG_REPORT_FIG_RESOLVED, "Tổng số đã giải quyết", "Resolved") \
    X(MSG_REPORT_FIG_IN_PROGRESS_ON_TIME, "Đang giải quyết trong hạn", "In progress, on time") \
    X(MSG_REPORT_FIG_IN_PROGRESS_OVERDUE, "Đang giải quyết quá hạn", "In progress, overdue") \
    X(MSG_REPORT_FIG_IN_PROGRESS, "Tổng số đang giải quyết", "In progress") \
    X(MSG_REPORT_FIG_SUPPLEMENT_REQUESTS, "Yêu cầu bổ sung hồ sơ", "Supplement requests") \
    X(MSG_REPORT_FIG_REFUSED, "Không được tiếp nhận, từ chối", "Refused") \
    X(MSG_REPORT_FIG_WITHDRAWN, "Rút hồ sơ", "Withdrawn") \
    X(MSG_REPORT_FIG_STOPPED, "Dừng giải quyết", "Stopped") \
    X(MSG_REPORT_FIG_DELIVERED, "Đã trả kết quả", "Results delivered") \
    X(MSG_REPORT_FIG_EXTENDED, "Gia hạn (thư xin lỗi)", "Extended (apology letter)") \
    X(MSG_REPORT_FIG_DIGITIZED, "Có thành phần được số hóa", "With digitized papers") \
    X(MSG_REPORT_FIG_RATED, "Lượt đánh giá", "Ratings") \
    X(MSG_REPORT_FIG_SATISFIED, "Hài lòng", "Satisfied") \
    X(MSG_REPORT_FIG_COMPLAINTS, "Phản ánh, kiến nghị", "Complaints") \
    X(MSG_REPORT_SHARE_ON_TIME, "Tỷ lệ đúng hạn", "On-time share") \
    X(MSG_REPORT_SHARE_ONLINE, "Tỷ lệ trực tuyến", "Online share") \
    X(MSG_REPORT_SHARE_DIGITIZED, "Tỷ lệ số hóa", "Digitized share") \
    X(MSG_REPORT_SHARE_SATISFACTION, "Tỷ lệ hài lòng", "Satisfaction share") \
    X(MSG_REPORT_SHARE_ONLINE_PAYMENT, "Tỷ lệ thanh toán trực tuyến", "Online payment share") \
    X(MSG_REPORT_GROUP_TRANSPARENCY, "Công khai, minh bạch", "Transparency") \
    X(MSG_REPORT_GROUP_PROGRESS, "Tiến độ, kết quả giải quyết", "Progress and results") \
    X(MSG_REPORT_GROUP_ONLINE, "Cung cấp dịch vụ trực tuyến", "Online service") \
    X(MSG_REPORT_GROUP_PAYMENT, "Thanh toán trực tuyến", "Online payment") \
    X(MSG_REPORT_GROUP_DIGITIZATION, "Số hóa hồ sơ", "Digitization") \
    X(MSG_REPORT_GROUP_SATISFACTION, "Mức độ hài lòng", "Satisfaction") \
    X(MSG_REPORT_COL_FIGURE, "Chỉ tiêu", "Figure") \
    X(MSG_REPORT_COL_VALUE, "Số lượng", "Count") \
    X(MSG_REPORT_COL_NUMERATOR, "Tử số", "Numerator") \
    X(MSG_REPORT_COL_DENOMINATOR, "Mẫu số", "Denominator") \
    X(MSG_REPORT_COL_RATIO, "Tỷ lệ", "Ratio") \
    X(MSG_REPORT_COL_SCORE, "Điểm", "Score") \
    X(MSG_REPORT_COL_MAX, "Điểm tối đa", "Max") \
    X(MSG_REPORT_COL_ROW, "Tiêu chí", "Row") \
    X(MSG_REPORT_COL_GROUP, "Nhóm", "Group") \
    X(MSG_REPORT_COL_UNIT, "Đơn vị", "Unit") \
    X(MSG_REPORT_COL_RANK, "Xếp hạng", "Rank") \
    X(MSG_REPORT_COL_MONTH, "Tháng", "Month") \
    X(MSG_REPORT_COL_OFFICER, "Cán bộ", "Officer") \
    X(MSG_REPORT_COL_FIELD, "Lĩnh vực", "Field") \
    X(MSG_REPORT_COL_OPEN, "Đang giải quyết", "Open") \
    X(MSG_REPORT_COL_DUE_SOON, "Sắp đến hạn", "Due soon") \
    X(MSG_REPORT_COL_OVERDUE, "Quá hạn", "Overdue") \
    X(MSG_REPORT_COL_NOTE, "Ghi chú", "Note") \
    X(MSG_REPORT_NOT_MEASURED, "Chưa đo được trên hệ thống này", "Not measured here") \
    X(MSG_REPORT_NOT_FOR_COMMUNES, "Không áp dụng cho cấp xã", "Not for communes") \
    X(MSG_REPORT_TITLE_INDICATORS, "Báo cáo kết quả giải quyết thủ tục hành chính", "Report on the handling of administrative procedures") \
    X(MSG_REPORT_TITLE_OVERVIEW, "Tổng hợp kết quả theo đơn vị", "Results by unit") \
    X(MSG_REPORT_TITLE_WORKLOAD, "Khối lượng công việc của cán bộ", "Officer workload") \
    X(MSG_REPORT_TITLE_TREND, "Kết quả theo tháng", "Results by month") \
    X(MSG_REPORT_SECTION_FIGURES, "Số liệu hồ sơ", "Dossier figures") \
    X(MSG_REPORT_SECTION_SHARES, "Các tỷ lệ", "Shares") \
    X(MSG_REPORT_SECTION_INDEX, "Bộ chỉ số Quyết định 766/QĐ-TTg", "Decision 766/QĐ-TTg index") \
    X(MSG_REPORT_PERIOD, "{0}: từ ngày {1} đến ngày {2}", "{0}: from {1} to {2}")
#endif

/* msg_calendar.h — catalog messages of `motcua calendar` (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. The calendar's API
 * messages (MSG_CAL_*) stay in core/msg.h; MSG_CAL_LUNAR_MISSING there serves the CLI too. */
#ifndef MOTCUA_MSG_CALENDAR_H
#define MOTCUA_MSG_CALENDAR_H

#define MSG_LIST_CALENDAR(X)                                                                                        \
    X(MSG_CALENDAR_BAD_DATE, "Ngày không hợp lệ (định dạng YYYY-MM-DD): \"{0}\"",                                    \
      "Not a valid date (expected YYYY-MM-DD): \"{0}\"")                                                          \
    X(MSG_CALENDAR_DATE_RANGE, "Ngày nằm ngoài phạm vi hỗ trợ 1900-01-01..2199-12-31: \"{0}\"",                     \
      "Date outside the supported range 1900-01-01..2199-12-31: \"{0}\"")                                         \
    X(MSG_CALENDAR_BAD_LUNAR, "Ngày âm lịch không hợp lệ (định dạng YYYY-MM-DD hoặc YYYY-MML-DD): \"{0}\"",          \
      "Not a lunar date (expected YYYY-MM-DD or YYYY-MML-DD): \"{0}\"")                                           \
    X(MSG_CALENDAR_LUNAR_RANGE, "Ngày âm lịch nằm ngoài phạm vi hỗ trợ (dương lịch 1900..2199): \"{0}\"",           \
      "Lunar date outside the supported range (Gregorian 1900..2199): \"{0}\"")                                   \
    X(MSG_CALENDAR_BAD_INSTANT, "Thời điểm không hợp lệ cho {0} (định dạng YYYY-MM-DDTHH:MM): \"{1}\"",              \
      "Not a valid instant for {0} (expected YYYY-MM-DDTHH:MM): \"{1}\"")                                         \
    X(MSG_CALENDAR_ONE_RULE, "Cần đúng một trong các tuỳ chọn {0}", "Exactly one of {0} is required")              \
    X(MSG_CALENDAR_NEEDS_DB, "{0} cần --db", "{0} needs --db")                                                     \
    X(MSG_CALENDAR_AMOUNT, "Thời hạn quá nhỏ hoặc quá lớn: {0} \"{1}\"", "The amount of time is too small or too large: {0} \"{1}\"") \
    X(MSG_CALENDAR_DUE_RANGE, "Hạn giải quyết nằm ngoài phạm vi 1900..2199", "The due instant falls outside 1900..2199") \
    X(MSG_CALENDAR_FROM_AFTER_TO, "Ngày bắt đầu {0} sau ngày kết thúc {1}", "FROM {0} is after TO {1}")             \
    X(MSG_CALENDAR_NO_DB, "Không mở được cơ sở dữ liệu {0}", "Cannot open the database {0}")                        \
    X(MSG_CALENDAR_NO_PROVINCE, "Không có tỉnh (hoặc đơn vị) \"{0}\" trong cơ sở dữ liệu",                          \
      "No province (or unit) \"{0}\" in the database")                                                            \
    X(MSG_CALENDAR_BUILD, "Không dựng được lịch làm việc: {0}", "Cannot build the calendar: {0}")                  \
    X(MSG_CALENDAR_LIST, "Không liệt kê được ngày nghỉ năm {0}", "Cannot list the days off of {0}")               \
    X(MSG_CALENDAR_COUNT, "Không đếm được số ngày làm việc", "Cannot count the working days")
#endif

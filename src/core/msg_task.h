/* msg_task.h — catalog messages of tasks ("giao việc"; included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_TASK_H
#define MOTCUA_MSG_TASK_H

#define MSG_LIST_TASK(X)                                                                                            \
    X(MSG_TASK_ROLE, "Chỉ cán bộ quản lý cấp tỉnh hoặc lãnh đạo xã, phường mới được giao việc.",                         \
      "Only province officials or commune leaders may assign tasks.")                                            \
    X(MSG_TASK_LEAD, "\"{0}\" phải là một cán bộ (không phải chính bạn) thuộc đơn vị bạn được giao việc.",             \
      "\"{0}\" must be a staff member (not yourself) of a unit you may assign tasks to.")                        \
    X(MSG_TASK_COORDINATOR, "\"{0}\": người hoặc đơn vị phối hợp phải thuộc phạm vi bạn được giao việc, khác người chủ trì, " \
      "mỗi người hoặc đơn vị một lần.",                                                                          \
      "\"{0}\": co-ordinators must be staff or units you may assign tasks to, other than the lead, each once.")   \
    X(MSG_TASK_SOURCE, "Không tìm thấy văn bản nguồn \"{0}\" trong phạm vi của bạn.",                                  \
      "The source document \"{0}\" was not found in your scope.")                                              \
    X(MSG_TASK_DEADLINE_PAST, "Thời hạn {0} đã qua; sớm nhất là hôm nay ({1}).",                                      \
      "The deadline {0} is in the past; the earliest is today ({1}).")                                         \
    X(MSG_TASK_DEADLINE_OFF, "Ngày {0} không phải ngày làm việc của đơn vị chủ trì; ngày làm việc kế tiếp là {1}.",   \
      "{0} is not a working day of the lead's unit; the next working day is {1}.")                             \
    X(MSG_TASK_EXT_DATE, "Thời hạn mới phải sau thời hạn hiện tại ({0}).",                                            \
      "The new deadline must be after the current one ({0}).")                                                 \
    X(MSG_TASK_STATE, "Nhiệm vụ đang ở trạng thái \"{0}\": không thể {1}.", "The task is \"{0}\": it cannot {1}.")      \
    X(MSG_TASK_ACTOR, "Chỉ {0} mới được thực hiện thao tác này.", "Only {0} may do this to the task.")              \
    X(MSG_TASK_PERCENT, "Tỷ lệ hoàn thành phải từ {0} (lần báo cáo trước) đến 100.",                                  \
      "The percentage must be from {0} (the last report) to 100.")                                             \
    X(MSG_TASK_EXT_PENDING, "Đã có một đề nghị gia hạn đang chờ người giao việc quyết định.",                          \
      "An extension request is already waiting for the assigner's decision.")                                  \
    X(MSG_TASK_EXT_NONE, "Không có đề nghị gia hạn nào đang chờ quyết định.", "No extension request is waiting for a decision.")
#endif

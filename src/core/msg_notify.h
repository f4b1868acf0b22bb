/* msg_notify.h — catalog messages of notifications: e-mail and SMS texts (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last.
 *
 * Every template has a subject, an e-mail body and a short SMS text. Placeholders (domain/notify.h, notify_arg_t):
 * {0} dossier code, {1} procedure name, {2} due date or appointment, {3} amount, {4} reason, {5} lookup address,
 * {6} the agency's name. An argument the caller leaves out is replaced by nothing. */
#ifndef MOTCUA_MSG_NOTIFY_H
#define MOTCUA_MSG_NOTIFY_H

#define MSG_LIST_NOTIFY(X)                                                                                          \
    X(MSG_NOTIFY_RECEIVED_SUBJECT, "Hồ sơ {0} đã được tiếp nhận", "Dossier {0} has been received")                  \
    X(MSG_NOTIFY_RECEIVED_BODY,                                                                                     \
      "Kính gửi Quý ông/bà,\n\n{6} đã tiếp nhận hồ sơ {0} ({1}).\nNgày hẹn trả kết quả: {2}.\n"                     \
      "Tra cứu tình trạng hồ sơ tại: {5}\n\nTrân trọng.",                                                           \
      "Dear applicant,\n\n{6} has received dossier {0} ({1}).\nThe result is appointed for: {2}.\n"                \
      "Look the dossier up at: {5}\n\nKind regards.")                                                               \
    X(MSG_NOTIFY_RECEIVED_SMS, "Hồ sơ {0} đã được tiếp nhận. Hẹn trả kết quả: {2}. Tra cứu: {5}",                   \
      "Dossier {0} received. Result appointed for {2}. Look up: {5}")                                               \
    X(MSG_NOTIFY_SUPPLEMENT_SUBJECT, "Hồ sơ {0} cần bổ sung, hoàn thiện", "Dossier {0} needs to be supplemented")   \
    X(MSG_NOTIFY_SUPPLEMENT_BODY,                                                                                   \
      "Kính gửi Quý ông/bà,\n\nHồ sơ {0} ({1}) cần được bổ sung, hoàn thiện.\nNội dung cần bổ sung: {4}\n"            \
      "Thời hạn giải quyết tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.\nTra cứu tại: {5}\n\nTrân trọng.",           \
      "Dear applicant,\n\nDossier {0} ({1}) needs to be supplemented.\nWhat is needed: {4}\n"                       \
      "The time limit is paused until the supplement is received.\nLook it up at: {5}\n\nKind regards.")          \
    X(MSG_NOTIFY_SUPPLEMENT_SMS, "Hồ sơ {0} cần bổ sung: {4}. Tra cứu: {5}",                                         \
      "Dossier {0} needs a supplement: {4}. Look up: {5}")                                                          \
    X(MSG_NOTIFY_PAYMENT_SUBJECT, "Hồ sơ {0}: đề nghị nộp phí, lệ phí", "Dossier {0}: payment requested")           \
    X(MSG_NOTIFY_PAYMENT_BODY,                                                                                      \
      "Kính gửi Quý ông/bà,\n\nĐề nghị Quý ông/bà nộp phí, lệ phí {3} cho hồ sơ {0} ({1}).\n"                        \
      "Tra cứu tại: {5}\n\nTrân trọng.",                                                                            \
      "Dear applicant,\n\nPlease pay the fee of {3} for dossier {0} ({1}).\nLook it up at: {5}\n\nKind regards.") \
    X(MSG_NOTIFY_PAYMENT_SMS, "Hồ sơ {0}: đề nghị nộp phí, lệ phí {3}. Tra cứu: {5}",                                \
      "Dossier {0}: please pay {3}. Look up: {5}")                                                                  \
    X(MSG_NOTIFY_EXTENDED_SUBJECT, "Hồ sơ {0}: xin lỗi và hẹn lại ngày trả kết quả",                                  \
      "Dossier {0}: apology and a new appointment")                                                                 \
    X(MSG_NOTIFY_EXTENDED_BODY,                                                                                     \
      "Kính gửi Quý ông/bà,\n\n{6} xin lỗi vì hồ sơ {0} ({1}) chưa giải quyết được đúng hạn.\nLý do: {4}\n"           \
      "Ngày hẹn trả kết quả mới: {2}.\nTra cứu tại: {5}\n\nTrân trọng.",                                            \
      "Dear applicant,\n\n{6} apologises that dossier {0} ({1}) could not be resolved on time.\nReason: {4}\n"       \
      "New appointment: {2}.\nLook it up at: {5}\n\nKind regards.")                                                 \
    X(MSG_NOTIFY_EXTENDED_SMS, "Xin lỗi: hồ sơ {0} được hẹn lại ngày trả kết quả {2}. Tra cứu: {5}",                  \
      "Sorry: dossier {0} is rescheduled to {2}. Look up: {5}")                                                     \
    X(MSG_NOTIFY_RESULT_READY_SUBJECT, "Hồ sơ {0} đã có kết quả", "The result of dossier {0} is ready")             \
    X(MSG_NOTIFY_RESULT_READY_BODY,                                                                                 \
      "Kính gửi Quý ông/bà,\n\nHồ sơ {0} ({1}) đã có kết quả. Mời Quý ông/bà nhận kết quả tại {6}.\n"                 \
      "Tra cứu tại: {5}\n\nTrân trọng.",                                                                            \
      "Dear applicant,\n\nThe result of dossier {0} ({1}) is ready. Please collect it at {6}.\n"                    \
      "Look it up at: {5}\n\nKind regards.")                                                                        \
    X(MSG_NOTIFY_RESULT_READY_SMS, "Hồ sơ {0} đã có kết quả, mời nhận tại {6}. Tra cứu: {5}",                        \
      "Dossier {0}: the result is ready at {6}. Look up: {5}")                                                      \
    X(MSG_NOTIFY_REFUSED_SUBJECT, "Hồ sơ {0} bị từ chối tiếp nhận, giải quyết", "Dossier {0} has been refused")     \
    X(MSG_NOTIFY_REFUSED_BODY,                                                                                      \
      "Kính gửi Quý ông/bà,\n\n{6} từ chối tiếp nhận, giải quyết hồ sơ {0} ({1}).\nLý do: {4}\n"                      \
      "Tra cứu tại: {5}\n\nTrân trọng.",                                                                            \
      "Dear applicant,\n\n{6} has refused dossier {0} ({1}).\nReason: {4}\nLook it up at: {5}\n\nKind regards.")  \
    X(MSG_NOTIFY_REFUSED_SMS, "Hồ sơ {0} bị từ chối: {4}. Tra cứu: {5}", "Dossier {0} refused: {4}. Look up: {5}") \
    X(MSG_NOTIFY_BAD_RECIPIENT, "Người nhận \"{0}\" không hợp lệ cho kênh {1}.",                                     \
      "Recipient \"{0}\" is not valid for channel {1}.")                                                           \
    X(MSG_NOTIFY_BAD_TEXT, "Nội dung thông báo \"{0}\" chứa ký tự điều khiển, không phải UTF-8 hoặc quá dài.",         \
      "Notification text \"{0}\" holds control characters, is not UTF-8 or is too long.")
#endif

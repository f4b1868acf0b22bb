/* msg_lookup.h — catalog messages of the public lookup, ratings and complaints (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_LOOKUP_H
#define MOTCUA_MSG_LOOKUP_H

#define MSG_LIST_LOOKUP(X)                                                                                          \
    X(MSG_LOOKUP_NOT_FOUND, "Không tìm thấy hồ sơ với mã hồ sơ và số điện thoại (hoặc 4 số cuối giấy tờ) đã nhập.",   \
      "No dossier matches this code and phone number (or last 4 digits of the identifier).")                    \
    X(MSG_LOOKUP_PROOF, "Cần đúng một trong hai: \"phone\" (số điện thoại) hoặc \"id4\" (4 số cuối giấy tờ).",        \
      "Give exactly one of \"phone\" (phone number) or \"id4\" (last 4 digits of the identifier).")               \
    X(MSG_LOOKUP_SLOW_DOWN, "Tra cứu sai quá nhiều lần từ địa chỉ này; vui lòng chờ {0} giây rồi thử lại.",          \
      "Too many failed lookups from this address; wait {0} seconds and try again.")                             \
    X(MSG_LOOKUP_STATUS_1, "Hồ sơ nộp trực tuyến đã được gửi, đang chờ bộ phận một cửa tiếp nhận.",                  \
      "The online dossier was sent and is waiting for the one-stop desk to accept it.")                         \
    X(MSG_LOOKUP_STATUS_2, "Hồ sơ đã được tiếp nhận và chờ chuyển xử lý.",                                           \
      "The dossier was received and is waiting to be passed on for processing.")                                \
    X(MSG_LOOKUP_STATUS_3, "Hồ sơ không được tiếp nhận; xem lý do trong phiếu từ chối.",                               \
      "The dossier was not accepted; see the reasons in the refusal notice.")                                   \
    X(MSG_LOOKUP_STATUS_4, "Hồ sơ đang được giải quyết.", "The dossier is being processed.")                       \
    X(MSG_LOOKUP_STATUS_5, "Hồ sơ cần bổ sung giấy tờ; vui lòng xem phiếu yêu cầu bổ sung.",                          \
      "The dossier needs more papers; see the supplement request.")                                             \
    X(MSG_LOOKUP_STATUS_6, "Hồ sơ đang chờ nộp phí, lệ phí.", "The dossier is waiting for the fee to be paid.")    \
    X(MSG_LOOKUP_STATUS_7, "Hồ sơ đã được rút theo yêu cầu của người nộp.",                                          \
      "The dossier was withdrawn at the applicant's request.")                                                  \
    X(MSG_LOOKUP_STATUS_8, "Việc giải quyết hồ sơ đã dừng; xem thông báo dừng giải quyết.",                            \
      "Processing of the dossier was stopped; see the stop notice.")                                            \
    X(MSG_LOOKUP_STATUS_9, "Hồ sơ đã giải quyết xong.", "The dossier has been resolved.")                          \
    X(MSG_LOOKUP_STATUS_10, "Đã trả kết quả cho người nộp.", "The result was handed to the applicant.")             \
    X(MSG_LOOKUP_NOT_DELIVERED, "Chỉ đánh giá được sau khi đã nhận kết quả (trạng thái hiện tại: {0}).",               \
      "The service can be rated only once the result was handed over (current status: {0}).")                   \
    X(MSG_LOOKUP_ALREADY_RATED, "Hồ sơ này đã được đánh giá.", "This dossier has already been rated.")             \
    X(MSG_LOOKUP_TEXT_EMPTY, "Trường \"{0}\" không được để trống.", "Field \"{0}\" must not be blank.")            \
    X(MSG_LOOKUP_ALREADY_ANSWERED, "Phản ánh, kiến nghị này đã được trả lời.",                                      \
      "This complaint has already been answered.")                                                              \
    X(MSG_LOOKUP_COMPLAINT_STATUS, "Tham số \"status\" phải là open hoặc answered.",                                 \
      "Parameter \"status\" must be open or answered.")
#endif

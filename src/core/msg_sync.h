/* msg_sync.h — catalog messages of the hub and its nodes (domain/sync.c, api/api_sync.c, cli/cli_sync.c; included
 * by core/msg.h; see there). One X(id, vietnamese, english) per message, each line ending with a backslash but
 * the last. */
#ifndef MOTCUA_MSG_SYNC_H
#define MOTCUA_MSG_SYNC_H

#define MSG_LIST_SYNC(X)                                                                                            \
    X(MSG_SYNC_NOT_HUB, "Máy chủ này không phải máy chủ tổng (hub) của tỉnh.",                                     \
      "This server is not a provincial hub.")                                                                      \
    X(MSG_SYNC_UNIT_KIND, "Chỉ đơn vị cấp xã, phường, tỉnh hoặc phòng ban mới có máy trạm đồng bộ, không phải đơn vị loại \"{0}\".", \
      "Only a commune, ward, province or department has a sync node, not a unit of kind \"{0}\".")              \
    X(MSG_SYNC_TOKEN_INVALID, "Mã ghi danh không đúng.", "The enrolment token is not valid.")                    \
    X(MSG_SYNC_TOKEN_USED, "Mã ghi danh đã được sử dụng.", "The enrolment token has already been used.")          \
    X(MSG_SYNC_TOKEN_EXPIRED, "Mã ghi danh đã hết hạn.", "The enrolment token has expired.")                     \
    X(MSG_SYNC_NODE_EXISTS, "Máy trạm {0} đã được ghi danh.", "Node {0} is already enrolled.")                    \
    X(MSG_SYNC_PUBLIC_KEY, "Khóa công khai phải là khóa Ed25519 (32 byte, base64).",                             \
      "The public key must be an Ed25519 key (32 bytes, base64).")                                                \
    X(MSG_SYNC_SIG_MISSING, "Yêu cầu của máy trạm phải có tiêu đề {0}.", "A node request needs the {0} header.")  \
    X(MSG_SYNC_NODE_UNKNOWN, "Máy trạm {0} chưa được ghi danh tại máy chủ tổng.",                                 \
      "Node {0} is not enrolled at this hub.")                                                                     \
    X(MSG_SYNC_SIG_BAD, "Chữ ký của yêu cầu không đúng.", "The request signature is not valid.")                 \
    X(MSG_SYNC_TIME_STALE, "Đồng hồ của máy trạm ({0}) lệch quá 15 phút so với máy chủ tổng ({1}): lệch {2} phút.", \
      "The node's clock ({0}) is more than 15 minutes off the hub's ({1}): {2} minutes off.")                    \
    X(MSG_SYNC_BATCH_TOO_LARGE, "Một lô có tối đa {0} sự kiện và {1} byte.",                                     \
      "A batch holds at most {0} events and {1} bytes.")                                                          \
    X(MSG_SYNC_BATCH_NODE, "Lô sự kiện phải là của chính máy trạm ký yêu cầu ({0}).",                            \
      "The batch must be the signing node's own chain ({0}).")                                                    \
    X(MSG_SYNC_EVENT_FIELD, "Sự kiện thứ {0} của lô: trường \"{1}\" thiếu hoặc sai kiểu.",                       \
      "Event {0} of the batch: field \"{1}\" is missing or of the wrong type.")                                  \
    X(MSG_SYNC_GAP, "Thiếu sự kiện: máy chủ tổng đang chờ sự kiện số {0}; hãy gửi lại từ điểm đã nhận.",          \
      "Events are missing: the hub expects event {0}; send again from the checkpoint.")                          \
    X(MSG_SYNC_FLAGGED, "Máy trạm {0} đang bị đánh dấu vì một lô bị từ chối; quản trị viên phải xử lý trước.",  \
      "Node {0} is flagged after a refused batch; an administrator must clear it first.")                       \
    X(MSG_SYNC_NOT_FLAGGED, "Máy trạm {0} không bị đánh dấu.", "Node {0} is not flagged.")                        \
    X(MSG_SYNC_CHAIN_BROKEN, "Lô bị từ chối: sự kiện {0} không nối tiếp chuỗi băm mà máy chủ tổng đang giữ.",      \
      "Batch refused: event {0} does not continue the hash chain the hub holds.")                                \
    X(MSG_SYNC_HASH_BAD, "Lô bị từ chối: mã băm của sự kiện {0} không khớp với nội dung.",                        \
      "Batch refused: the hash of event {0} does not match its content.")                                        \
    X(MSG_SYNC_SEQ_CONFLICT, "Lô bị từ chối: máy chủ tổng đã có một sự kiện {0} khác.",                           \
      "Batch refused: the hub already holds a different event {0}.")                                             \
    X(MSG_SYNC_OWNERSHIP, "Lô bị từ chối: sự kiện {0} thuộc đơn vị nằm ngoài phạm vi của máy trạm.",               \
      "Batch refused: event {0} belongs to a unit outside the node's scope.")                                    \
    X(MSG_SYNC_APPLY_FAILED, "Lô bị từ chối: không áp dụng được sự kiện {0} tại máy chủ tổng.",                   \
      "Batch refused: event {0} cannot be applied at the hub.")                                                  \
    X(MSG_SYNC_HAS_DOSSIERS, "Cơ sở dữ liệu này đã có hồ sơ nên không thể nhận dữ liệu khởi tạo từ máy chủ tổng.",  \
      "This database already holds dossiers, so it cannot take the hub's seed.")                                 \
    X(MSG_SYNC_NOT_ENROLLED, "Cơ sở dữ liệu này chưa ghi danh với máy chủ tổng (motcua node enroll).",             \
      "This database is not enrolled with a hub (motcua node enroll).")                                          \
    X(MSG_SYNC_HUB_REFUSED, "Máy chủ tổng từ chối ghi danh (HTTP {0}): {1}",                                     \
      "The hub refused the enrolment (HTTP {0}): {1}")                                                           \
    X(MSG_SYNC_HUB_UNREACHABLE, "Không kết nối được máy chủ tổng {0}: {1}", "Cannot reach the hub {0}: {1}")      \
    X(MSG_SYNC_KEY_FILE, "Không tạo hoặc đọc được tệp khóa của máy trạm {0}", "Cannot make or read the node key file {0}")
#endif

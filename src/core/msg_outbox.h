/* msg_outbox.h — catalog messages of the sending side of the edXML exchange (domain/exchange_out.c,
 * api/api_exchange_out.c; included by core/msg.h; see there). One X(id, vietnamese, english) per message. */
#ifndef MOTCUA_MSG_OUTBOX_H
#define MOTCUA_MSG_OUTBOX_H

#define MSG_LIST_OUTBOX(X)                                                                                          \
    X(MSG_OUTBOX_NOT_CONFIGURED, "Hệ thống này chưa cấu hình gửi văn bản điện tử (--exchange-peers).",             \
      "This system is not set up to send electronic documents (--exchange-peers).")                              \
    X(MSG_OUTBOX_UNKNOWN_PEER, "Địa chỉ nhận \"{0}\" không có trong danh sách đơn vị kết nối (--exchange-peers).",  \
      "The receiving address \"{0}\" is not one of the configured peers (--exchange-peers).")                    \
    X(MSG_OUTBOX_NOT_OUTGOING, "Chỉ gửi được văn bản đi đã đăng ký.", "Only registered outgoing documents can be sent.") \
    X(MSG_OUTBOX_NO_EDI_CODE, "Đơn vị phát hành chưa có mã định danh điện tử (edi_code).",                         \
      "The issuing unit has no electronic identifier code (edi_code).")                                          \
    X(MSG_OUTBOX_KEY, "Không mở được khóa ký \"{0}\": {1}.", "The signing key \"{0}\" cannot be used: {1}.")       \
    X(MSG_OUTBOX_SIGN, "Không ký được gói tin edXML: {0}", "The edXML package cannot be signed: {0}")              \
    X(MSG_OUTBOX_NOT_STATUS, "Nội dung không phải thông điệp trạng thái edXML hợp lệ: {0}",                        \
      "The body is not a valid edXML status message: {0}")                                                       \
    X(MSG_OUTBOX_NO_SENT, "Không có văn bản đã gửi nào khớp với thông điệp trạng thái này.",                       \
      "No sent document matches this status message.")                                                          \
    X(MSG_OUTBOX_NOT_DELIVERED, "Chỉ thu hồi được văn bản đã gửi đến nơi nhận.",                                  \
      "Only a document delivered to its receiver can be recalled.")                                             \
    X(MSG_OUTBOX_RECALL_OPEN, "Văn bản này đã có đề nghị thu hồi đang chờ hoặc đã được đồng ý.",                   \
      "A recall of this document is already pending or was accepted.")                                          \
    X(MSG_OUTBOX_NO_RECALL, "Văn bản này không có đề nghị thu hồi đang chờ trả lời.",                             \
      "This document has no recall request waiting for an answer.")                                             \
    X(MSG_OUTBOX_NOT_EXCHANGED, "Văn bản này không đến qua trục liên thông văn bản điện tử.",                      \
      "This document did not arrive through the electronic exchange.")                                          \
    X(MSG_OUTBOX_NO_RECEIVED, "Không có văn bản đến nào khớp với đề nghị thu hồi này.",                            \
      "No received document matches this recall request.")

#endif

/* msg_exchange.h — catalog messages of the edXML inbox (domain/exchange.c; included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_EXCHANGE_H
#define MOTCUA_MSG_EXCHANGE_H

#define MSG_LIST_EXCHANGE(X)                                                                                        \
    X(MSG_EXCHANGE_NOT_EDXML, "Gói tin không phải edXML hợp lệ: {0}", "The package is not valid edXML: {0}")         \
    X(MSG_EXCHANGE_NOT_PACKAGE, "Đây là thông điệp trạng thái, không phải gói văn bản.",                            \
      "This is a status message, not a document package.")                                                        \
    X(MSG_EXCHANGE_UNSIGNED, "Gói tin không có chữ ký số.", "The package carries no digital signature.")            \
    X(MSG_EXCHANGE_BAD_SIGNATURE, "Chữ ký số không hợp lệ (nội dung đã bị thay đổi?): {0}",                         \
      "The digital signature does not verify (was the content changed?): {0}")                                    \
    X(MSG_EXCHANGE_UNTRUSTED, "Chứng thư số của người ký không được tin cậy hoặc đã hết hạn: {0}",                   \
      "The signer's certificate is not trusted or has expired: {0}")                                              \
    X(MSG_EXCHANGE_REVOKED, "Chứng thư số của người ký đã bị thu hồi: {0}", "The signer's certificate is revoked: {0}") \
    X(MSG_EXCHANGE_WRONG_RECEIVER, "Gói tin không gửi cho đơn vị nào của hệ thống này.",                              \
      "The package is not addressed to any unit of this system.")                                                 \
    X(MSG_EXCHANGE_INCOMPLETE, "Gói tin thiếu thông tin để vào sổ văn bản đến: {0}",                                 \
      "The package lacks what the incoming register needs: {0}")                                                  \
    X(MSG_EXCHANGE_NOT_CONFIGURED, "Hệ thống này chưa cấu hình nhận văn bản điện tử (--exchange-trust).",            \
      "This system is not set up to receive electronic documents (--exchange-trust).")                            \
    X(MSG_EXCHANGE_MEDIA_TYPE, "Gói tin phải gửi với Content-Type application/xml.",                                \
      "The package must be sent as Content-Type application/xml.")
#endif

/* msg_ca.h — catalog messages of `motcua ca` (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_CA_H
#define MOTCUA_MSG_CA_H

#define MSG_LIST_CA(X)                                                                                              \
    X(MSG_CA_EXISTS, "Thư mục {0} đã có một CA; không ghi đè", "{0} already holds a CA; it is not overwritten")      \
    X(MSG_CA_NONE, "Thư mục {0} không có CA (chạy 'motcua ca init' trước)",                                         \
      "{0} holds no CA (run 'motcua ca init' first)")                                                              \
    X(MSG_CA_BAD_PASS, "Sai mật khẩu của khóa CA, hoặc tệp khóa bị hỏng", "Wrong CA key password, or a damaged key file") \
    X(MSG_CA_BAD_NAME,                                                                                              \
      "Tên không hợp lệ: tối đa 200 byte UTF-8, không có ký tự điều khiển; thư điện tử dạng ten@mien",              \
      "Invalid name: at most 200 bytes of UTF-8 without control characters; e-mail as name@domain")                 \
    X(MSG_CA_NO_SERIAL, "Không có chứng thư số nào mang số hiệu {0}", "No certificate has the serial {0}")           \
    X(MSG_CA_ALREADY_REVOKED, "Chứng thư số {0} đã bị thu hồi", "Certificate {0} is already revoked")               \
    X(MSG_CA_OUT_EXISTS, "Tệp {0} đã tồn tại; không ghi đè", "{0} already exists; it is not overwritten")           \
    X(MSG_CA_FAILED, "Không thực hiện được: {0}", "Failed: {0}")                                                  \
    X(MSG_CA_CREATED, "Đã tạo CA trong {0}", "CA created in {0}")                                                 \
    X(MSG_CA_ISSUED, "Đã cấp chứng thư số {0} cho \"{1}\", lưu ở {2}", "Certificate {0} issued to \"{1}\", saved to {2}") \
    X(MSG_CA_REVOKED, "Đã thu hồi chứng thư số {0}; danh sách thu hồi (CRL) đã được ký lại",                        \
      "Certificate {0} revoked; the revocation list (CRL) is signed again")                                       \
    X(MSG_CA_CRL_SIGNED, "Đã ký lại danh sách thu hồi {0}", "Revocation list {0} signed again")
#endif

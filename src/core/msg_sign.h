/* msg_sign.h — catalog messages of PDF signing and verification (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_SIGN_H
#define MOTCUA_MSG_SIGN_H

#define MSG_LIST_SIGN(X)                                                                                            \
    X(MSG_SIGN_READ, "Không đọc được tệp {0}: {1}", "Cannot read the file {0}: {1}")                             \
    X(MSG_SIGN_WRITE, "Không ghi được tệp {0}: {1}", "Cannot write the file {0}: {1}")                           \
    X(MSG_SIGN_NOT_PDF, "Tệp {0} không phải PDF hoặc đã bị hỏng ({1}).", "{0} is not a PDF or is damaged ({1}).") \
    X(MSG_SIGN_ENCRYPTED, "Tệp {0} đã được mã hoá; chưa hỗ trợ ký tệp PDF mã hoá.",                              \
      "{0} is encrypted; signing encrypted PDFs is not supported.")                                            \
    X(MSG_SIGN_P12_PASS, "Mật khẩu của gói khoá {0} không đúng.", "Wrong password for the key bundle {0}.")      \
    X(MSG_SIGN_P12_BAD, "Tệp {0} không phải gói PKCS#12 chứa một khoá và chứng thư khớp với nó.",                \
      "{0} is not a PKCS#12 bundle holding a key and its matching certificate.")                               \
    X(MSG_SIGN_NO_ROOM, "Chữ ký lớn hơn chỗ dành sẵn {0} byte (chuỗi chứng thư quá dài).",                       \
      "The signature is larger than the {0} bytes reserved for it (certificate chain too long).")              \
    X(MSG_SIGN_FAILED, "Không ký được tệp {0}: {1}", "Cannot sign {0}: {1}")                                    \
    X(MSG_SIGN_FIELD_EXISTS, "Biểu mẫu đã có trường chữ ký tên \"{0}\".", "The form already has a signature field \"{0}\".") \
    X(MSG_SIGN_NONE, "Tệp {0} không có chữ ký nào.", "{0} has no signature.")                                  \
    X(MSG_SIGN_NO_TRUST, "Tệp {0} không chứa chứng thư tin cậy (PEM) nào.", "{0} holds no PEM trust anchor.")   \
    X(MSG_SIGN_SUMMARY, "{0}/{1} chữ ký hợp lệ.", "{0} of {1} signatures valid.")                              \
    X(MSG_SIGN_ST_VALID, "hợp lệ", "valid")                                                                    \
    X(MSG_SIGN_ST_BYTERANGE, "vùng ký (ByteRange) sai", "bad byte range")                                      \
    X(MSG_SIGN_ST_NOT_WHOLE, "không ký toàn bộ tài liệu", "not whole document")                                \
    X(MSG_SIGN_ST_DIGEST, "tài liệu đã bị thay đổi sau khi ký", "digest mismatch: changed after signing")       \
    X(MSG_SIGN_ST_UNTRUSTED, "chứng thư không được tin cậy hoặc đã hết hạn", "certificate not trusted or expired") \
    X(MSG_SIGN_ST_REVOKED, "chứng thư đã bị thu hồi", "certificate revoked")                                   \
    X(MSG_SIGN_ST_CMS, "không phải chữ ký CMS", "not a CMS signature")                                         \
    X(MSG_SIGN_ST_SUBFILTER, "loại chữ ký không được hỗ trợ", "unsupported signature type")
#endif

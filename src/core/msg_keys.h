/* msg_keys.h — catalog messages of the key store (sign/keystore.c; included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_KEYS_H
#define MOTCUA_MSG_KEYS_H

#define MSG_LIST_KEYS(X)                                                                                            \
    X(MSG_KEYS_BAD_PIN, "Mã PIN không mở được tệp chứng thư số (PKCS#12).",                                         \
      "The PIN does not open the certificate bundle (PKCS#12).")                                                   \
    X(MSG_KEYS_NOT_PKCS12,                                                                                          \
      "Tệp không phải gói chứng thư số PKCS#12 có khóa bí mật khớp với chứng thư số.",                              \
      "The file is not a PKCS#12 bundle holding a private key that matches its certificate.")                      \
    X(MSG_KEYS_EXPIRED, "Chứng thư số đã hết hạn hoặc chưa có hiệu lực.",                                           \
      "The certificate has expired or is not valid yet.")                                                          \
    X(MSG_KEYS_NO_SIGNING_USAGE, "Chứng thư số không được phép dùng để ký (keyUsage).",                             \
      "The certificate may not be used for signing (keyUsage).")                                                   \
    X(MSG_KEYS_DUPLICATE, "Chứng thư số này đã có trong kho khóa.", "This certificate is already in the key store.") \
    X(MSG_KEYS_NO_HOME_UNIT, "Tài khoản không thuộc đơn vị nào nên không thể thêm khóa cá nhân.",                   \
      "The account has no home unit, so it cannot hold a personal key.")                                          \
    X(MSG_KEYS_PIN_SLOW_DOWN, "Mã PIN của khóa {0} đã sai quá nhiều lần; vui lòng chờ {1} giây rồi thử lại.",         \
      "Too many wrong PINs for key {0}; wait {1} seconds and try again.")
#endif

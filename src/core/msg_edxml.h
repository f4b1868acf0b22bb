/* msg_edxml.h — catalog messages of the edXML packages and their XML signatures (included by core/msg.h).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_EDXML_H
#define MOTCUA_MSG_EDXML_H

#define MSG_LIST_EDXML(X)                                                                                           \
    X(MSG_EDXML_CANNOT_READ, "Không đọc được tệp {0}: {1}.", "Cannot read {0}: {1}.")                             \
    X(MSG_EDXML_CANNOT_WRITE, "Không ghi được tệp {0}: {1}.", "Cannot write {0}: {1}.")                           \
    X(MSG_EDXML_BAD_JSON, "Mô tả JSON của gói edXML không hợp lệ: {0}.", "Invalid JSON description of the edXML package: {0}.") \
    X(MSG_EDXML_BAD_PACKAGE, "Gói edXML không hợp lệ: {0}.", "Invalid edXML package: {0}.")                      \
    X(MSG_EDXML_KEY, "Không mở được khoá ký {0}: {1}.", "Cannot unlock the signing key {0}: {1}.")               \
    X(MSG_EDXML_SIGN_FAILED, "Không ký được gói edXML: {0}.", "Cannot sign the edXML package: {0}.")              \
    X(MSG_EDXML_SIG_INVALID, "Chữ ký số không hợp lệ: {0}.", "The signature is not valid: {0}.")                 \
    X(MSG_EDXML_SIG_LENIENT, "Chữ ký số hợp lệ sau khi chuẩn hoá gói của đối tác: {0}.",                          \
      "The signature is valid after normalising the partner's package: {0}.")
#endif

/* msg_signres.h — catalog messages of signed results and the public verification of a copy (included by
 * core/msg.h; see there). One X(id, vietnamese, english) per message, each line ending with a backslash but the
 * last. */
#ifndef MOTCUA_MSG_SIGNRES_H
#define MOTCUA_MSG_SIGNRES_H

#define MSG_LIST_SIGNRES(X)                                                                                         \
    X(MSG_SIGNRES_NO_PDF, "Hồ sơ chưa có tệp PDF kết quả để ký; đính kèm bằng attach_result có \"result_paper\".", \
      "The dossier has no result PDF to sign; attach one with attach_result and \"result_paper\".")             \
    X(MSG_SIGNRES_SIGNED_ALREADY, "Kết quả của hồ sơ đã được ký số; không thay được tệp kết quả.",                   \
      "The dossier's result is signed already; its file cannot be replaced.")                                   \
    X(MSG_SIGNRES_CHANGED, "Tệp kết quả vừa được thay trong lúc ký; hãy ký lại.",                                    \
      "The result file was replaced while it was being signed; sign again.")                                    \
    X(MSG_SIGNRES_KEY, "Không dùng được khoá ký {0}: không có khoá này, hoặc không phải khoá của bạn.",              \
      "Signing key {0} cannot be used: there is no such key, or it is not yours to use.")                       \
    X(MSG_SIGNRES_KEY_KIND, "Khoá {0} không phải khoá cá nhân của bạn.", "Key {0} is not your personal key.")                                    \
    X(MSG_SIGNRES_PIN, "Mã PIN của khoá {0} không đúng.", "Wrong PIN for key {0}.")                                \
    X(MSG_SIGNRES_EXPIRED, "Chứng thư số của khoá {0} đã hết hạn hoặc chưa có hiệu lực.",                             \
      "The certificate of key {0} is expired or not yet valid.")                                                \
    X(MSG_SIGNRES_REVOKED, "Chứng thư số của khoá {0} đã bị thu hồi.", "The certificate of key {0} is revoked.")   \
    X(MSG_SIGNRES_UNTRUSTED, "Chứng thư số của khoá {0} không dẫn tới tổ chức chứng thực mà máy chủ tin cậy.",       \
      "The certificate of key {0} does not chain to a certification authority this server trusts.")             \
    X(MSG_SIGNRES_SEAL_NEEDED, "Thủ tục này yêu cầu đóng dấu của cơ quan: cần \"seal_key_id\" và \"seal_pin\".",      \
      "This procedure requires the agency's seal: give \"seal_key_id\" and \"seal_pin\".")                       \
    X(MSG_SIGNRES_SIGN_NEEDED, "\"{0}\" chỉ dùng khi ký số (\"sign\": true).",                                       \
      "\"{0}\" is only for signing (\"sign\": true).")                                                          \
    X(MSG_SIGNRES_BAD_PDF, "Không ký được tệp kết quả: {0}.", "The result file cannot be signed: {0}.")            \
    X(MSG_SIGNRES_KEY_NOT_SEAL, "Khoá {0} không phải con dấu của đơn vị giải quyết hồ sơ.",                         \
      "Key {0} is not the seal of the unit handling the dossier.")                                                  \
    X(MSG_VERIFY_TYPE, "Hãy gửi tệp PDF (Content-Type: application/pdf).",                                          \
      "Send a PDF file (Content-Type: application/pdf).")                                                       \
    X(MSG_VERIFY_EMPTY, "Tệp gửi lên rỗng.", "The uploaded file is empty.")                                        \
    X(MSG_VERIFY_NOT_PDF, "Tệp gửi lên không phải là PDF đọc được ({0}).", "The uploaded file is not a readable PDF ({0}).") \
    X(MSG_VERIFY_VALID, "Tệp có chữ ký số hợp lệ, phủ toàn bộ tài liệu, của tổ chức chứng thực được tin cậy.",      \
      "The file carries valid signatures covering the whole document, from a trusted certification authority.") \
    X(MSG_VERIFY_UNSIGNED, "Tệp không có chữ ký số nào.", "The file carries no signature.")                         \
    X(MSG_VERIFY_INVALID, "Có chữ ký không hợp lệ: {0}.", "A signature is not valid: {0}.")                        \
    X(MSG_VERIFY_NO_TRUST, "Máy chủ chưa được cấu hình tổ chức chứng thực tin cậy; chỉ kiểm tra được tính toàn vẹn.", \
      "This server has no trusted certification authority configured; only the integrity could be checked.")    \
    X(MSG_VERIFY_ISSUED, "Đây là kết quả do hệ thống này cấp cho hồ sơ {0}.",                                       \
      "This is the result this system issued for dossier {0}.")                                                 \
    X(MSG_VERIFY_NOT_ISSUED, "Tệp không trùng với kết quả nào hệ thống này đã cấp (so theo mã băm SHA-256).",        \
      "The file matches no result this system issued (compared by SHA-256).")
#endif

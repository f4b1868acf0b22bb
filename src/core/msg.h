/* msg.h — the message catalog: every user-facing text, in Vietnamese and English.
 *
 * One X-macro list gives each message an id, a Vietnamese text and an English text, so a message cannot exist in
 * one language only. Texts may hold {0} {1} {2} placeholders, filled by msg_format() with caller-supplied strings
 * (never a printf format, so user data cannot act as a format). Vietnamese is the default language. */
#ifndef MOTCUA_MSG_H
#define MOTCUA_MSG_H
#include <stddef.h>

#include "core/buf.h"

typedef enum { LANG_VI = 0, LANG_EN = 1 } lang_t;

#define MSG_LIST_CORE(X)                                                                                            \
    X(MSG_OK, "Thành công.", "Success.")                                                                         \
    X(MSG_NOT_FOUND, "Không tìm thấy tài nguyên được yêu cầu.", "The requested resource was not found.")        \
    X(MSG_METHOD_NOT_ALLOWED, "Phương thức {0} không được hỗ trợ cho địa chỉ này.",                            \
      "Method {0} is not allowed for this resource.")                                                            \
    X(MSG_BODY_TOO_LARGE, "Nội dung yêu cầu vượt quá giới hạn {0} byte.",                                       \
      "The request body exceeds the limit of {0} bytes.")                                                        \
    X(MSG_UNSUPPORTED_MEDIA, "Nội dung yêu cầu phải có kiểu application/json.",                                  \
      "The request body must be application/json.")                                                              \
    X(MSG_MALFORMED_JSON, "Nội dung JSON không hợp lệ (vị trí {0}): {1}.",                                       \
      "Malformed JSON (at offset {0}): {1}.")                                                                    \
    X(MSG_INVALID_UTF8, "Nội dung có ký tự không phải UTF-8 hợp lệ.", "The body contains invalid UTF-8.")      \
    X(MSG_BODY_NOT_OBJECT, "Nội dung yêu cầu phải là một đối tượng JSON.",                                      \
      "The request body must be a JSON object.")                                                                 \
    X(MSG_BODY_REQUIRED, "Yêu cầu này cần có nội dung JSON.", "This request needs a JSON body.")                \
    X(MSG_UNKNOWN_FIELD, "Trường \"{0}\" không được chấp nhận.", "Field \"{0}\" is not allowed.")               \
    X(MSG_MISSING_FIELD, "Thiếu trường bắt buộc \"{0}\".", "Required field \"{0}\" is missing.")               \
    X(MSG_WRONG_TYPE, "Trường \"{0}\" phải có kiểu {1}.", "Field \"{0}\" must be of type {1}.")                \
    X(MSG_FIELD_LENGTH, "Trường \"{0}\" phải dài từ {1} đến {2} ký tự.",                                        \
      "Field \"{0}\" must be {1} to {2} characters long.")                                                      \
    X(MSG_FIELD_RANGE, "Trường \"{0}\" phải nằm trong khoảng từ {1} đến {2}.",                                  \
      "Field \"{0}\" must be between {1} and {2}.")                                                             \
    X(MSG_FIELD_INVALID, "Giá trị của trường \"{0}\" không hợp lệ: {1}.",                                       \
      "Field \"{0}\" has an invalid value: {1}.")                                                               \
    X(MSG_PARAM_INVALID, "Tham số \"{0}\" không hợp lệ.", "Parameter \"{0}\" is invalid.")                      \
    X(MSG_UNAUTHENTICATED, "Bạn cần đăng nhập để thực hiện thao tác này.",                                      \
      "You must sign in to do this.")                                                                            \
    X(MSG_SESSION_EXPIRED, "Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.",                               \
      "Your session has expired; please sign in again.")                                                        \
    X(MSG_CSRF_MISSING, "Thiếu mã chống giả mạo yêu cầu (X-CSRF-Token).",                                      \
      "The anti-forgery token (X-CSRF-Token) is missing.")                                                       \
    X(MSG_CSRF_MISMATCH, "Mã chống giả mạo yêu cầu không đúng.", "The anti-forgery token is wrong.")           \
    X(MSG_FORBIDDEN, "Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this.")         \
    X(MSG_BAD_CREDENTIALS, "Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password.")          \
    X(MSG_RATE_LIMITED, "Quá nhiều yêu cầu từ địa chỉ này; vui lòng chờ {0} giây rồi thử lại.",                  \
      "Too many requests from this address; wait {0} seconds and try again.")                                    \
    X(MSG_SERVER_BUSY, "Hệ thống đang bận; vui lòng thử lại sau {0} giây.",                                      \
      "The server is busy; try again in {0} seconds.")                                                          \
    X(MSG_SLOW_DOWN, "Đăng nhập sai nhiều lần; vui lòng chờ {0} giây rồi thử lại.",                              \
      "Too many failed sign-ins; wait {0} seconds and try again.")                                               \
    X(MSG_ALREADY_EXISTS, "{0} đã tồn tại.", "{0} already exists.")                                             \
    X(MSG_VERSION_MISMATCH, "Dữ liệu đã bị người khác thay đổi (phiên bản hiện tại {0}); hãy tải lại.",          \
      "The record was changed by someone else (current version {0}); reload it.")                               \
    X(MSG_PRECONDITION_REQUIRED, "Cần gửi tiêu đề If-Match với phiên bản của bản ghi.",                          \
      "Send an If-Match header with the record's version.")                                                     \
    X(MSG_INTERNAL, "Lỗi hệ thống; sự cố đã được ghi nhận.", "Internal error; it has been logged.")            \
    X(MSG_UNAVAILABLE, "Hệ thống lưu trữ tạm thời không sẵn sàng; vui lòng thử lại.",                            \
      "The store is temporarily unavailable; please try again.")                                                \
    X(MSG_WEAK_PASSWORD, "Mật khẩu phải dài từ {0} đến {1} ký tự.", "The password must be {0} to {1} characters long.") \
    X(MSG_UNIT_UNKNOWN, "Đơn vị \"{0}\" không tồn tại hoặc nằm ngoài phạm vi của bạn.",                           \
      "Unit \"{0}\" does not exist or is outside your scope.")                                                    \
    X(MSG_ROLE_UNKNOWN, "Vai trò \"{0}\" không tồn tại.", "Role \"{0}\" does not exist.")                        \
    X(MSG_ROLE_PLACEMENT, "Vai trò \"{0}\" không thể gán tại đơn vị loại \"{1}\".",                               \
      "Role \"{0}\" cannot be held at a unit of kind \"{1}\".")                                                  \
    X(MSG_UNIT_PARENT, "Đơn vị loại \"{0}\" không thể trực thuộc đơn vị loại \"{1}\".",                          \
      "A unit of kind \"{0}\" cannot belong to a unit of kind \"{1}\".")                                        \
    X(MSG_TOO_MANY_ROLES, "Một tài khoản giữ tối đa {0} vai trò.", "An account holds at most {0} roles.")       \
    X(MSG_OWN_PASSWORD, "Đổi mật khẩu của chính mình tại /api/v1/me/password, kèm mật khẩu hiện tại.",             \
      "Change your own password at /api/v1/me/password, with your current password.")                          \
    X(MSG_TOKEN_NO_PASSWORD, "Mã truy cập API không được dùng để đổi mật khẩu; hãy đăng nhập.",                   \
      "An API token cannot change a password; sign in instead.")                                                \
    X(MSG_LAST_ADMIN, "Không thể vô hiệu hoá quản trị viên cuối cùng.", "The last administrator cannot be disabled.") \
    X(MSG_SIGNED_OUT, "Đã đăng xuất.", "Signed out.")                                                          \
    X(MSG_HEALTH_OK, "Hệ thống hoạt động bình thường.", "The service is running.")                           \
    X(MSG_NOT_READY, "Hệ thống chưa sẵn sàng: không truy cập được kho dữ liệu.",                                 \
      "Not ready: the store cannot be reached.")                                                                \
    X(MSG_SHUTTING_DOWN, "Hệ thống đang dừng.", "The service is shutting down.")                             \
    X(MSG_CAL_RANGE, "Tham số \"{0}\" nằm ngoài phạm vi hỗ trợ 1900-01-01..2199-12-31.",                          \
      "Parameter \"{0}\" is outside the supported range 1900-01-01..2199-12-31.")                                \
    X(MSG_CAL_LUNAR_MISSING, "Ngày âm lịch {0} không tồn tại (không có tháng nhuận hoặc ngày này).",              \
      "The lunar date {0} does not exist (no such leap month or day).")                                          \
    X(MSG_CAL_SCOPE, "Phạm vi lịch phải là cấp quốc gia hoặc một tỉnh/thành phố, không phải đơn vị loại \"{0}\".", \
      "A calendar scope must be national or a province, not a unit of kind \"{0}\".")                           \
    X(MSG_CAL_KIND_SCOPE, "Loại ngày \"{0}\" chỉ dùng cho lịch quốc gia; lịch tỉnh dùng extra_day_off hoặc working_day.", \
      "Kind \"{0}\" is for the national calendar only; a province uses extra_day_off or working_day.")         \
    X(MSG_CAL_WORKING_TIME, "Giờ làm việc không hợp lệ: cần {0}.", "Invalid working time: {0} is required.") \
    X(MSG_CLI_UNKNOWN_OPTION, "Tuỳ chọn không hợp lệ hoặc thiếu giá trị: {0}", "Unknown option or missing value: {0}") \
    X(MSG_CLI_UNEXPECTED, "Tham số thừa: {0}", "Unexpected argument: {0}")                                       \
    X(MSG_CLI_BAD_VALUE, "Giá trị không hợp lệ cho {0}: \"{1}\" (cho phép: {2})",                               \
      "Invalid value for {0}: \"{1}\" (allowed: {2})")                                                         \
    X(MSG_CLI_REQUIRED, "Thiếu {0}", "{0} is required")                                                         \
    X(MSG_CLI_SECRET_UNREADABLE, "Không đọc được tệp bí mật {0}", "Cannot read the secret file {0}")              \
    X(MSG_CLI_SECRET_EMPTY, "Tệp bí mật {0} trống", "The secret file {0} is empty")                             \
    X(MSG_CLI_DOCMOD_MISSING, "Không tìm thấy mô-đun văn bản {0} hợp lệ cạnh tệp chạy hay trong ../lib/motcua/ (cài đặt thiếu tệp)", \
      "No valid documents module {0} next to the executable nor in ../lib/motcua/ (incomplete install)")

/* Each domain area keeps its messages in its own header (one list per area, so areas are added side by side). */
#include "core/msg_procedure.h"
#include "core/msg_dossier.h"
#include "core/msg_forms.h"
#include "core/msg_notify.h"
#include "core/msg_papers.h"
#include "core/msg_lookup.h"
#include "core/msg_report.h"   /* report */
#include "core/msg_dforms.h"   /* dforms */
#include "core/msg_export.h"   /* export */
#include "core/msg_demo.h"     /* demo dossiers */
#include "core/msg_ca.h"       /* motcua ca */
#include "core/msg_keys.h"     /* keystore */
#include "core/msg_edxml.h"    /* edxml */
#include "core/msg_document.h" /* document registers */
#include "core/msg_exchange.h" /* exchange inbox */
#include "core/msg_sign.h"     /* sign: PAdES */
#include "core/msg_calendar.h" /* motcua calendar */
#include "core/msg_outbox.h"   /* exchange outbox */
#include "core/msg_signres.h"  /* signed results */
#include "core/msg_attach.h"   /* document attachments */
#include "core/msg_sync.h"     /* sync: hub and nodes */
#include "core/msg_portal.h"   /* portal connector */
#include "core/msg_task.h"     /* tasks */
#include "core/msg_ministry.h" /* ministry adapter */

/* One module per line after the first ones, so that branches adding a module do not touch the same line. */
#define MSG_LIST(X) MSG_LIST_CORE(X) MSG_LIST_PROCEDURE(X) MSG_LIST_DOSSIER(X) MSG_LIST_FORMS(X) MSG_LIST_NOTIFY(X) \
    MSG_LIST_PAPERS(X) MSG_LIST_LOOKUP(X) MSG_LIST_DFORMS(X) \
    MSG_LIST_REPORT(X) MSG_LIST_EXPORT(X) MSG_LIST_DEMO(X) \
    MSG_LIST_CA(X) \
    MSG_LIST_KEYS(X) \
    MSG_LIST_EDXML(X) \
    MSG_LIST_DOCUMENT(X) \
    MSG_LIST_EXCHANGE(X) \
    MSG_LIST_SIGN(X) \
    MSG_LIST_CALENDAR(X) \
    MSG_LIST_OUTBOX(X) \
    MSG_LIST_SIGNRES(X) \
    MSG_LIST_ATTACH(X) \
    MSG_LIST_SYNC(X) \
    MSG_LIST_PORTAL(X) \
    MSG_LIST_TASK(X) \
    MSG_LIST_MINISTRY(X)

#define MSG_ENUM(id, vi, en) id,
typedef enum { MSG_LIST(MSG_ENUM) MSG_COUNT } msg_id_t;
#undef MSG_ENUM

const char *msg_text(msg_id_t id, lang_t lang);
const char *msg_name(msg_id_t id);   /* "MSG_NOT_FOUND" */
/* Append the text of `id` in `lang` to out, replacing {k} with args[k] (k < nargs); 0 or -E2BIG. */
int msg_format(buf_t *out, msg_id_t id, lang_t lang, const char *const *args, size_t nargs);
/* LANG_EN when an Accept-Language value prefers English over Vietnamese, else LANG_VI. */
lang_t msg_lang_from_header(const char *accept_language);
#endif

/* msg_portal.h — catalog messages of the National Public Service Portal connector (domain/portal.c,
 * api/api_portal.c, cli/cli_portal.c; included by core/msg.h; see there). One X(id, vietnamese, english) per
 * message. */
#ifndef MOTCUA_MSG_PORTAL_H
#define MOTCUA_MSG_PORTAL_H

#define MSG_LIST_PORTAL(X)                                                                                          \
    X(MSG_PORTAL_NOT_CONFIGURED, "Hệ thống này chưa cấu hình kết nối Cổng Dịch vụ công quốc gia (--portal-url).",   \
      "This system is not set up to connect to the National Public Service Portal (--portal-url).")             \
    X(MSG_PORTAL_REPLAYED, "Mục này đã được gửi lại trước đó.", "This item was replayed already.")              \
    X(MSG_PORTAL_UNREACHABLE, "Không lấy được dữ liệu từ Cổng Dịch vụ công quốc gia: {0}",                         \
      "The National Public Service Portal's data could not be fetched: {0}")                                    \
    X(MSG_PORTAL_PAGE_TITLE, "Đồng bộ Cổng Dịch vụ công quốc gia", "National Public Service Portal sync")
#endif

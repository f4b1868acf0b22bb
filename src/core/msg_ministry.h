/* msg_ministry.h — catalog messages of inter-agency processing with ministry systems (domain/ministry.c,
 * api/api_ministry.c; included by core/msg.h; see there). One X(id, vietnamese, english) per message. */
#ifndef MOTCUA_MSG_MINISTRY_H
#define MOTCUA_MSG_MINISTRY_H

#define MSG_LIST_MINISTRY(X)                                                                                        \
    X(MSG_MINISTRY_NOT_CONFIGURED, "Hệ thống này chưa cấu hình liên thông với hệ thống của bộ, ngành "              \
      "(--ministry-systems).", "This system is not set up to hand dossiers off to ministry systems "                 \
      "(--ministry-systems).")                                                                                      \
    X(MSG_MINISTRY_UNKNOWN_SYSTEM, "Hệ thống \"{0}\" không có trong danh sách hệ thống liên thông.",                 \
      "The system \"{0}\" is not one of the configured ministry systems.")                                         \
    X(MSG_MINISTRY_NOT_PROCESSING, "Chỉ chuyển liên thông được hồ sơ đang giải quyết.",                             \
      "Only a dossier being processed can be handed off to another system.")                                      \
    X(MSG_MINISTRY_OPEN, "Hồ sơ đang chờ kết quả liên thông từ hệ thống \"{0}\".",                                  \
      "The dossier is already waiting for a result from the system \"{0}\".")

#endif

/* msg_notify.h — catalog messages of notifications: e-mail and SMS texts (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_NOTIFY_H
#define MOTCUA_MSG_NOTIFY_H

#define MSG_LIST_NOTIFY(X)
#endif

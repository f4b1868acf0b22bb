/* msg_dossier.h — catalog messages of dossiers: intake, actions, lookup (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_DOSSIER_H
#define MOTCUA_MSG_DOSSIER_H

#define MSG_LIST_DOSSIER(X)
#endif

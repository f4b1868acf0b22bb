/* msg_lookup.h — catalog messages of the public lookup, ratings and complaints (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_LOOKUP_H
#define MOTCUA_MSG_LOOKUP_H

#define MSG_LIST_LOOKUP(X)
#endif

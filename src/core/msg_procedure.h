/* msg_procedure.h — catalog messages of the procedure catalog (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_PROCEDURE_H
#define MOTCUA_MSG_PROCEDURE_H

#define MSG_LIST_PROCEDURE(X)
#endif

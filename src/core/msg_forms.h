/* msg_forms.h — catalog messages of the PDF forms of Circular 03/2025 (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_FORMS_H
#define MOTCUA_MSG_FORMS_H

#define MSG_LIST_FORMS(X)
#endif

/* msg_papers.h — catalog messages of uploaded papers (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_PAPERS_H
#define MOTCUA_MSG_PAPERS_H

#define MSG_LIST_PAPERS(X)
#endif

/* msg_attach.h — messages of document attachments (domain/document_attach.h). The upload refusals shared with
 * papers (too large, empty, type mismatch, storage) use msg_papers.h. */
#ifndef MOTCUA_MSG_ATTACH_H
#define MOTCUA_MSG_ATTACH_H
#define MSG_LIST_ATTACH(X)                                                                                         \
    X(MSG_ATTACH_TYPE, "Chỉ đính kèm được tệp PDF (application/pdf) vào văn bản; kiểu \"{0}\" không được chấp nhận.", \
      "Only PDF files (application/pdf) can be attached to a document; type \"{0}\" is not accepted.")             \
    X(MSG_ATTACH_ROLE, "Chỉ văn thư hoặc lãnh đạo của đơn vị mới được đính kèm tệp vào văn bản.",                   \
      "Only the unit's clerks or leaders may attach files to its documents.")                                    \
    X(MSG_ATTACH_DUPLICATE, "Tệp này đã được đính kèm vào văn bản (tệp đính kèm số {0}).",                          \
      "This file is already attached to the document (attachment {0}).")                                         \
    X(MSG_ATTACH_TOO_MANY, "Văn bản đã có {0} tệp đính kèm, số tối đa cho phép.",                                   \
      "The document already has {0} attachments, the most allowed.")
#endif

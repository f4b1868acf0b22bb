/* msg_papers.h — catalog messages of uploaded papers (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_PAPERS_H
#define MOTCUA_MSG_PAPERS_H

#define MSG_LIST_PAPERS(X)                                                                                          \
    X(MSG_PAPER_TYPE_UNSUPPORTED, "Giấy tờ phải là tệp PDF, JPEG hoặc PNG; kiểu \"{0}\" không được chấp nhận.",       \
      "A paper must be a PDF, JPEG or PNG file; type \"{0}\" is not accepted.")                                  \
    X(MSG_PAPER_TYPE_MISMATCH, "Nội dung tệp không phải là {0} như đã khai báo (nhận ra: {1}).",                    \
      "The file's bytes are not the declared {0} (found: {1}).")                                                 \
    X(MSG_PAPER_TOO_LARGE, "Tệp giấy tờ vượt quá giới hạn {0} byte.", "The paper exceeds the limit of {0} bytes.") \
    X(MSG_PAPER_EMPTY, "Tệp giấy tờ rỗng: cần gửi nội dung tệp.", "The paper is empty: send the file's bytes.")   \
    X(MSG_PAPER_STORAGE, "Không lưu được tệp giấy tờ; vui lòng thử lại sau.",                                     \
      "The paper could not be stored; please try again later.")                                                   \
    X(MSG_PAPER_PATCH_EMPTY, "Cần ít nhất một trong các trường \"name\" hoặc \"digitized\".",                       \
      "Give at least one of the fields \"name\" or \"digitized\".")
#endif

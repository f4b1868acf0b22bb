/* msg_document.h — catalog messages of the official document registers (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_DOCUMENT_H
#define MOTCUA_MSG_DOCUMENT_H

#define MSG_LIST_DOCUMENT(X)                                                                                        \
    X(MSG_DOC_ROLE, "Chỉ văn thư hoặc lãnh đạo của đơn vị mới được {0} văn bản của đơn vị này.",                       \
      "Only the unit's clerks or leaders may {0} its official documents.")                                       \
    X(MSG_DOC_READ_ROLE, "Chỉ văn thư, lãnh đạo hoặc cán bộ quản lý của đơn vị mới được xem sổ văn bản.",                \
      "Only the unit's clerks, leaders or officials may read its document registers.")                          \
    X(MSG_DOC_TYPE_UNKNOWN, "Loại văn bản \"{0}\" không có trong danh mục (GET /api/v1/document-types).",              \
      "Document type \"{0}\" is not in the list (GET /api/v1/document-types).")                                   \
    X(MSG_DOC_UNIT_KIND, "Đơn vị loại \"{0}\" không có sổ văn bản riêng; đăng ký tại xã, phường hoặc tỉnh.",              \
      "A unit of kind \"{0}\" keeps no document register of its own; register at the commune, ward or province.") \
    X(MSG_DOC_UNIT_ABBR, "Đơn vị \"{0}\" chưa có chữ viết tắt để ghi ký hiệu văn bản.",                                \
      "Unit \"{0}\" has no abbreviation for document symbols yet.")                                              \
    X(MSG_DOC_DEPARTMENT, "Công văn cần đơn vị soạn thảo (\"department\"): một phòng, ban trực thuộc đơn vị ban hành, " \
      "có chữ viết tắt.",                                                                                       \
      "A công văn needs its drafting department (\"department\"): a department of the issuing unit with an "      \
      "abbreviation.")                                                                                           \
    X(MSG_DOC_DATE, "Trường \"{0}\" phải là ngày dạng YYYY-MM-DD, {1}.", "Field \"{0}\" must be a YYYY-MM-DD date, {1}.") \
    X(MSG_DOC_DUPLICATE, "Văn bản này đã được đăng ký vào sổ văn bản đến của đơn vị (số đến {0}/{1}).",                  \
      "This document is already in the unit's incoming register (arrival number {0} of {1}).")                   \
    X(MSG_DOC_STATE, "Văn bản đang ở trạng thái \"{0}\": không thể {1}.", "The document is \"{0}\": it cannot be {1}.")  \
    X(MSG_DOC_HANDLE_ROLE, "Chỉ {0} mới được thực hiện thao tác này với văn bản.", "Only {0} may do this to the document.") \
    X(MSG_DOC_LEAD, "\"{0}\" phải là một phòng, ban của đơn vị nhận văn bản hoặc một cán bộ của đơn vị đó.",             \
      "\"{0}\" must be a department of the receiving unit or a staff member of that unit.")                     \
    X(MSG_DOC_DOSSIER_EXISTS, "Văn bản này đã khởi tạo hồ sơ {0}.", "This document has already started dossier {0}.") \
    X(MSG_DOC_DOSSIER_ROLE, "Chỉ văn thư, cán bộ một cửa hoặc lãnh đạo của đơn vị nhận văn bản mới được khởi tạo hồ sơ từ văn bản.", \
      "Only a clerk, desk officer or leader of the receiving unit may start a dossier from the document.")
#endif

/* msg_demo.h — catalog messages of `motcua demo --dossiers` (included by core/msg.h; see there).
 * One X(id, vietnamese, english) per message, each line ending with a backslash but the last. */
#ifndef MOTCUA_MSG_DEMO_H
#define MOTCUA_MSG_DEMO_H

#define MSG_LIST_DEMO(X)                                                                                            \
    X(MSG_DEMO_PROGRESS, "{0} / {1} hồ sơ, {2} giây", "{0} / {1} dossiers, {2} s")                                \
    X(MSG_DEMO_DONE, "đã tạo {0} hồ sơ trong {1} giây ({2} hồ sơ/phút)",                                          \
      "{0} dossiers generated in {1} s ({2} per minute)")                                                         \
    X(MSG_DEMO_SUMMARY, "{0} sự kiện; tiếp nhận trực tiếp {1}, trực tuyến {2}, bưu chính {3}",                      \
      "{0} events; received at the desk {1}, online {2}, by post {3}")                                             \
    X(MSG_DEMO_TIMING, "đã giải quyết: trước hạn {0}, đúng hạn {1}, quá hạn {2}",                                   \
      "resolved: early {0}, on time {1}, late {2}")                                                               \
    X(MSG_DEMO_FAILED, "không tạo được hồ sơ minh họa sau {0} hồ sơ", "demo dossiers stopped after {0} dossiers") \
    X(MSG_DEMO_RANGE, "--from phải trước --to", "--from must be before --to")
#endif

/* msg.c — the message catalog (see msg.h). */
#include "core/msg.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct msg_entry {
    const char *name;
    const char *text[2];
};

#define MSG_ROW(id, vi, en) {#id, {vi, en}},
static const struct msg_entry catalog[MSG_COUNT] = {MSG_LIST(MSG_ROW)};
#undef MSG_ROW

const char *msg_text(msg_id_t id, lang_t lang)
{
    if ((unsigned)id >= MSG_COUNT) id = MSG_INTERNAL;
    return catalog[id].text[lang == LANG_EN ? 1 : 0];
}

const char *msg_name(msg_id_t id)
{
    if ((unsigned)id >= MSG_COUNT) return "MSG_INTERNAL";
    return catalog[id].name;
}

int msg_format(buf_t *out, msg_id_t id, lang_t lang, const char *const *args, size_t nargs)
{
    const char *t = msg_text(id, lang);
    int rc = 0;
    while (*t && rc == 0) {
        const char *brace = strchr(t, '{');
        if (!brace) return buf_puts(out, t);
        if (brace[1] >= '0' && brace[1] <= '9' && brace[2] == '}') {
            size_t k = (size_t)(brace[1] - '0');
            rc = buf_append(out, t, (size_t)(brace - t));
            if (rc == 0) rc = buf_puts(out, k < nargs && args[k] ? args[k] : "");
            t = brace + 3;
        } else {
            rc = buf_append(out, t, (size_t)(brace - t) + 1);
            t = brace + 1;
        }
    }
    return rc;
}

/* Accept-Language: "en-US,en;q=0.9,vi;q=0.8". Pick whichever of vi / en has the higher q; q=0 means "not
 * acceptable"; on equal q the one listed first wins; neither listed: Vietnamese. */
lang_t msg_lang_from_header(const char *h)
{
    if (!h) return LANG_VI;
    double q_vi = -1, q_en = -1;
    int pos_vi = -1, pos_en = -1, pos = 0;
    const char *p = h;
    while (*p) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        const char *tag = p;
        while (*p && *p != ',' && *p != ';') p++;
        size_t tl = (size_t)(p - tag);
        while (tl && tag[tl - 1] == ' ') tl--;
        double q = 1.0;
        if (*p == ';') {
            const char *qs = strstr(p, "q=");
            const char *comma = strchr(p, ',');
            if (qs && (!comma || qs < comma)) q = strtod(qs + 2, NULL);
            while (*p && *p != ',') p++;
        }
        bool is_vi = tl >= 2 && tolower((unsigned char)tag[0]) == 'v' && tolower((unsigned char)tag[1]) == 'i' &&
                     (tl == 2 || tag[2] == '-');
        bool is_en = tl >= 2 && tolower((unsigned char)tag[0]) == 'e' && tolower((unsigned char)tag[1]) == 'n' &&
                     (tl == 2 || tag[2] == '-');
        if (q > 0 && is_vi && q > q_vi) { q_vi = q; if (pos_vi < 0) pos_vi = pos; }
        if (q > 0 && is_en && q > q_en) { q_en = q; if (pos_en < 0) pos_en = pos; }
        pos++;
    }
    if (q_en < 0) return LANG_VI;
    if (q_vi < 0) return LANG_EN;
    if (q_en != q_vi) return q_en > q_vi ? LANG_EN : LANG_VI;
    return pos_en < pos_vi ? LANG_EN : LANG_VI;
}

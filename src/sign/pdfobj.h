/* pdfobj.h — a bounded reader of PDF objects (ISO 32000-2 §7): enough structure to sign any well-formed PDF.
 *
 * pdfdoc_open() finds startxref, reads every cross-reference section of the file (classic tables §7.5.4 and xref
 * streams §7.5.8, following /Prev and /XRefStm, FlateDecode with the PNG predictors), and keeps the newest entry
 * of each object number. Objects are parsed on demand (also out of object streams §7.5.7) into an arena owned by
 * the document, so every pointer handed out lives until pdfdoc_close().
 *
 * Every input byte is untrusted: nesting is bounded (PDFOBJ_MAX_DEPTH), decoded streams and the arena are capped,
 * no read passes the end of the input, reference loops are refused. Malformed input gives -EBADMSG (or -EINVAL for
 * what is not a PDF at all), never a crash. The input bytes are borrowed, not copied: keep them alive. */
#ifndef MOTCUA_PDFOBJ_H
#define MOTCUA_PDFOBJ_H
#include <stddef.h>

#include "core/buf.h"

#define PDFOBJ_MAX_DEPTH    64            /* nesting of arrays/dicts, and chains of references */
#define PDFOBJ_MAX_OBJECTS  (1L << 22)    /* highest object number + 1 accepted from /Size and xref sections */
#define PDFOBJ_MAX_STREAM   ((size_t)32 << 20)   /* decoded size of one xref or object stream */
#define PDFOBJ_MAX_ARENA    ((size_t)256 << 20)  /* everything one document may allocate */

typedef enum {
    PDFOBJ_NULL, PDFOBJ_BOOL, PDFOBJ_INT, PDFOBJ_REAL, PDFOBJ_STRING, PDFOBJ_NAME,
    PDFOBJ_ARRAY, PDFOBJ_DICT, PDFOBJ_REF, PDFOBJ_STREAM
} pdfobj_kind_t;

typedef struct pdfobj pdfobj_t;

typedef struct pdfobj_pair {
    const char     *key;      /* the name without '/', #xx decoded, NUL-terminated */
    const pdfobj_t *val;
} pdfobj_pair_t;

struct pdfobj {
    pdfobj_kind_t kind;
    /* Where the object's text lies in the input ([off, end)), when it was parsed from the file itself rather than
     * from a decoded object stream (in_file 0). A signature's /Contents is checked against its /ByteRange with it. */
    size_t off, end;
    int    in_file;
    union {
        int       b;
        long long i;
        struct { double v; const char *text; } real;           /* text: the token as written */
        struct { const unsigned char *p; size_t n; } str;     /* decoded bytes (literal or hex); NUL-terminated */
        const char *name;                                      /* without '/', decoded, NUL-terminated */
        struct { const pdfobj_t *const *items; size_t n; } arr;
        struct { const pdfobj_pair_t *pairs; size_t n; } dict;
        struct { long num; int gen; } ref;
        struct { const pdfobj_t *dict; size_t data_off, data_len; } stream;  /* raw bytes, in the input */
    } u;
};

typedef struct pdfdoc pdfdoc_t;

/* A page of the page tree: its object number and generation, its dictionary, the inherited /MediaBox. */
typedef struct pdfpage {
    long            num;
    int             gen;
    const pdfobj_t *dict;
    double          media[4];   /* llx lly urx ury; A4 when no /MediaBox is found */
} pdfpage_t;

/* Opens data[0..len): 0, -EINVAL (no %PDF header or no startxref), -EBADMSG (broken cross-reference data or
 * trailer), -E2BIG (past the caps). */
int  pdfdoc_open(pdfdoc_t **out, const void *data, size_t len);
void pdfdoc_close(pdfdoc_t *d);   /* NULL is fine */

const pdfobj_t *pdfdoc_trailer(const pdfdoc_t *d);   /* the newest trailer (or xref stream dictionary) */
size_t pdfdoc_startxref(const pdfdoc_t *d);          /* offset of the newest cross-reference section */
int    pdfdoc_xref_is_stream(const pdfdoc_t *d);     /* 1 when the newest section is an xref stream */
long   pdfdoc_size(const pdfdoc_t *d);               /* the trailer's /Size (highest object number + 1) */
const unsigned char *pdfdoc_data(const pdfdoc_t *d, size_t *len);

/* Object num (newest version): 0 and *out, -ENOENT when free or absent, -EBADMSG when it cannot be parsed.
 * *gen (may be NULL) gets its generation. */
int pdfdoc_get(pdfdoc_t *d, long num, const pdfobj_t **out, int *gen);
/* o itself, or the object a reference points to (followed through chains of references); NULL for a missing or
 * broken object (a reference to nothing is the null object, §7.3.10). */
const pdfobj_t *pdfdoc_resolve(pdfdoc_t *d, const pdfobj_t *o);

/* The value of key in a dictionary (or a stream's dictionary), not resolved; NULL when absent or o is not one. */
const pdfobj_t *pdfobj_get(const pdfobj_t *o, const char *key);
/* pdfobj_get() then pdfdoc_resolve(). */
const pdfobj_t *pdfdoc_get_key(pdfdoc_t *d, const pdfobj_t *o, const char *key);
int pdfobj_is_name(const pdfobj_t *o, const char *name);   /* o is the name /name */
/* A number (integer or real) as double: 0, or -EINVAL. */
int pdfobj_number(const pdfobj_t *o, double *v);

/* The decoded bytes of a stream (no filter or /FlateDecode, with PNG predictors), appended to out, at most
 * PDFOBJ_MAX_STREAM: 0, -ENOTSUP (another filter), -EBADMSG (corrupt data), -E2BIG. */
int pdfdoc_stream_decode(pdfdoc_t *d, const pdfobj_t *stream, buf_t *out);

/* The document catalog (/Root), and the first page of its page tree: 0 or -EBADMSG. */
int pdfdoc_catalog(pdfdoc_t *d, const pdfobj_t **catalog, long *num, int *gen);
int pdfdoc_first_page(pdfdoc_t *d, pdfpage_t *page);

/* Serializes a direct object as PDF syntax (strings as hex, names #-escaped): 0, -EINVAL for a stream (which
 * cannot be direct), -E2BIG from out. */
int pdfobj_write(buf_t *out, const pdfobj_t *o);
/* Writes a name ("/Name", escaped) or a string s[0..n) as a hex string. */
int pdfobj_write_name(buf_t *out, const char *name);
int pdfobj_write_hexstr(buf_t *out, const void *s, size_t n);
#endif

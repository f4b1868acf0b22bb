/* pdfobj.c — the bounded PDF object reader (see pdfobj.h; syntax from ISO 32000-2 §7.2-7.5).
 *
 * Invariants: a lexer never reads at or past its n; every allocation of a document comes from its arena, whose
 * total is capped; parsing depth and reference chains are bounded by PDFOBJ_MAX_DEPTH; an object number being
 * loaded is marked busy, so a /Length or an object stream that refers back to itself is refused. */
#include "sign/pdfobj.h"

#include "core/mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define MAX_SECTIONS 512
#define MAX_PAGE_NODES 100000

typedef struct xent {
    unsigned char set, type;   /* type 0 free, 1 in the file, 2 in an object stream */
    int           gen;
    size_t        a;           /* type 1: offset; type 2: the object stream's number */
    long          idx;         /* type 2: index inside the object stream */
} xent_t;

typedef struct chunk {
    struct chunk *next;
    size_t        used, cap;
    max_align_t   data[];
} chunk_t;

typedef struct objstm {
    struct objstm       *next;
    long                 num;
    const unsigned char *data;
    size_t               len, first;
    long                 n;
    const long          *nums;
    const size_t        *offs;
} objstm_t;

struct pdfdoc {
    const unsigned char *p;
    size_t               n;
    xent_t              *x;
    const pdfobj_t     **cache;
    unsigned char       *busy;
    long                 nx;        /* entries allocated in x, cache, busy */
    const pdfobj_t      *trailer;
    size_t               startxref;
    int                  xref_stream;
    long                 size;
    chunk_t             *chunks;
    size_t               arena_total;
    int                  oom;       /* the arena cap was hit */
    objstm_t            *stms;
    int                  depth;     /* nested pdfdoc_get() calls */
};

/* ---- arena ---- */

static void *arena_alloc(pdfdoc_t *d, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0) n = 16;
    chunk_t *c = d->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        if (d->arena_total + cap > PDFOBJ_MAX_ARENA) { d->oom = 1; return NULL; }
        c = xmalloc(sizeof *c + cap);
        c->cap = cap;
        c->used = 0;
        c->next = d->chunks;
        d->chunks = c;
        d->arena_total += cap;
    }
    void *r = (unsigned char *)c->data + c->used;
    c->used += n;
    return r;
}

static void *arena_dup(pdfdoc_t *d, const void *p, size_t n)
{
    unsigned char *r = arena_alloc(d, n + 1);
    if (!r) return NULL;
    if (n) memcpy(r, p, n);
    r[n] = 0;
    return r;
}

/* ---- lexer ---- */

typedef struct lex {
    const unsigned char *p;
    size_t               n, i;
    int                  in_file;
} lex_t;

static int is_ws(int c) { return c == 0 || c == 9 || c == 10 || c == 12 || c == 13 || c == 32; }
static int is_delim(int c) { return c && strchr("()<>[]{}/%", c) != NULL; }
static int is_regular(int c) { return !is_ws(c) && !is_delim(c); }

static void skip_ws(lex_t *l)
{
    while (l->i < l->n) {
        unsigned char c = l->p[l->i];
        if (is_ws(c)) l->i++;
        else if (c == '%') {
            while (l->i < l->n && l->p[l->i] != '\n' && l->p[l->i] != '\r') l->i++;
        } else break;
    }
}

/* The regular-character token at the cursor (not consumed): its length. */
static size_t word_len(const lex_t *l)
{
    size_t k = 0;
    while (l->i + k < l->n && is_regular(l->p[l->i + k])) k++;
    return k;
}

static int word_is(const lex_t *l, const char *w)
{
    size_t k = word_len(l), m = strlen(w);
    return k == m && memcmp(l->p + l->i, w, m) == 0;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A non-negative integer token (digits only) at the cursor, consumed: 0 or -1. */
static int lex_uint(lex_t *l, long long max, long long *out)
{
    skip_ws(l);
    size_t k = word_len(l);
    if (k == 0 || k > 19) return -1;
    long long v = 0;
    for (size_t j = 0; j < k; j++) {
        int c = l->p[l->i + j];
        if (c < '0' || c > '9') return -1;
        if (v > (max - (c - '0')) / 10) return -1;
        v = v * 10 + (c - '0');
    }
    l->i += k;
    *out = v;
    return 0;
}

/* ---- parser ---- */

static pdfobj_t *new_obj(pdfdoc_t *d, pdfobj_kind_t kind, const lex_t *l, size_t off)
{
    pdfobj_t *o = arena_alloc(d, sizeof *o);
    if (!o) return NULL;
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->in_file = l->in_file;
    o->off = off;
    o->end = l->i;
    return o;
}

static pdfobj_t *parse_value(pdfdoc_t *d, lex_t *l, int depth);

static const char *parse_name_text(pdfdoc_t *d, lex_t *l)
{
    /* l->p[l->i] == '/' */
    l->i++;
    size_t k = word_len(l);
    char tmp[256];
    size_t m = 0;
    for (size_t j = 0; j < k; j++) {
        int c = l->p[l->i + j];
        if (c == '#' && j + 2 < k && hexval(l->p[l->i + j + 1]) >= 0 && hexval(l->p[l->i + j + 2]) >= 0) {
            c = hexval(l->p[l->i + j + 1]) * 16 + hexval(l->p[l->i + j + 2]);
            j += 2;
        }
        if (c == 0 || m >= sizeof tmp - 1) return NULL;   /* §7.3.5: at most 127 bytes; NUL never allowed */
        tmp[m++] = (char)c;
    }
    l->i += k;
    return arena_dup(d, tmp, m);
}

static pdfobj_t *parse_literal(pdfdoc_t *d, lex_t *l, size_t off)
{
    l->i++;   /* '(' */
    buf_t b;
    buf_init(&b, l->n - l->i + 1);
    int nest = 1;
    while (l->i < l->n) {
        unsigned char c = l->p[l->i++];
        if (c == '(') nest++;
        else if (c == ')' && --nest == 0) break;
        else if (c == '\\') {
            if (l->i >= l->n) break;
            c = l->p[l->i++];
            switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '\r':
                if (l->i < l->n && l->p[l->i] == '\n') l->i++;
                continue;
            case '\n': continue;
            default:
                if (c >= '0' && c <= '7') {
                    int v = c - '0';
                    for (int k = 0; k < 2 && l->i < l->n && l->p[l->i] >= '0' && l->p[l->i] <= '7'; k++)
                        v = v * 8 + (l->p[l->i++] - '0');
                    c = (unsigned char)(v & 0xff);
                }
            }
        } else if (c == '\r') {   /* an unescaped end of line is read as LF (§7.3.4.2) */
            if (l->i < l->n && l->p[l->i] == '\n') l->i++;
            c = '\n';
        }
        buf_putc(&b, (char)c);
    }
    if (nest != 0) { buf_free(&b); return NULL; }
    pdfobj_t *o = new_obj(d, PDFOBJ_STRING, l, off);
    if (o) {
        o->u.str.p = arena_dup(d, b.data ? b.data : "", b.len);
        o->u.str.n = b.len;
        if (!o->u.str.p) o = NULL;
    }
    buf_free(&b);
    return o;
}

static pdfobj_t *parse_hex(pdfdoc_t *d, lex_t *l, size_t off)
{
    l->i++;   /* '<' */
    size_t start = l->i;
    while (l->i < l->n && l->p[l->i] != '>') {
        if (!is_ws(l->p[l->i]) && hexval(l->p[l->i]) < 0) return NULL;
        l->i++;
    }
    if (l->i >= l->n) return NULL;
    size_t stop = l->i++;
    unsigned char *s = arena_alloc(d, (stop - start) / 2 + 2);
    if (!s) return NULL;
    size_t m = 0;
    int hi = -1;
    for (size_t j = start; j < stop; j++) {
        int v = hexval(l->p[j]);
        if (v < 0) continue;
        if (hi < 0) hi = v;
        else { s[m++] = (unsigned char)(hi * 16 + v); hi = -1; }
    }
    if (hi >= 0) s[m++] = (unsigned char)(hi * 16);   /* an odd final digit is followed by 0 (§7.3.4.3) */
    s[m] = 0;
    pdfobj_t *o = new_obj(d, PDFOBJ_STRING, l, off);
    if (o) { o->u.str.p = s; o->u.str.n = m; }
    return o;
}

/* A growable list of pointers outside the arena, copied into it when complete. */
typedef struct plist { void **v; size_t n, cap; } plist_t;

static void plist_push(plist_t *pl, void *p)
{
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? pl->cap * 2 : 8;
        pl->v = xrealloc(pl->v, pl->cap * sizeof *pl->v);
    }
    pl->v[pl->n++] = p;
}

static pdfobj_t *parse_array(pdfdoc_t *d, lex_t *l, int depth, size_t off)
{
    l->i++;   /* '[' */
    plist_t pl = {0};
    pdfobj_t *o = NULL;
    for (;;) {
        skip_ws(l);
        if (l->i >= l->n) goto done;
        if (l->p[l->i] == ']') { l->i++; break; }
        pdfobj_t *v = parse_value(d, l, depth + 1);
        if (!v) goto done;
        plist_push(&pl, v);
    }
    o = new_obj(d, PDFOBJ_ARRAY, l, off);
    if (o && pl.n) {
        const pdfobj_t **items = arena_alloc(d, pl.n * sizeof *items);
        if (!items) { o = NULL; goto done; }
        for (size_t k = 0; k < pl.n; k++) items[k] = pl.v[k];
        o->u.arr.items = items;
        o->u.arr.n = pl.n;
    }
done:
    free(pl.v);
    return o;
}

static pdfobj_t *parse_dict(pdfdoc_t *d, lex_t *l, int depth, size_t off)
{
    l->i += 2;   /* "<<" */
    plist_t keys = {0}, vals = {0};
    pdfobj_t *o = NULL;
    for (;;) {
        skip_ws(l);
        if (l->i + 1 < l->n && l->p[l->i] == '>' && l->p[l->i + 1] == '>') { l->i += 2; break; }
        if (l->i >= l->n || l->p[l->i] != '/') goto done;
        const char *k = parse_name_text(d, l);
        if (!k) goto done;
        pdfobj_t *v = parse_value(d, l, depth + 1);
        if (!v) goto done;
        plist_push(&keys, (void *)k);
        plist_push(&vals, v);
    }
    o = new_obj(d, PDFOBJ_DICT, l, off);
    if (o && keys.n) {
        pdfobj_pair_t *pairs = arena_alloc(d, keys.n * sizeof *pairs);
        if (!pairs) { o = NULL; goto done; }
        for (size_t k = 0; k < keys.n; k++) pairs[k] = (pdfobj_pair_t){keys.v[k], vals.v[k]};
        o->u.dict.pairs = pairs;
        o->u.dict.n = keys.n;
    }
done:
    free(keys.v);
    free(vals.v);
    return o;
}

static pdfobj_t *parse_number(pdfdoc_t *d, lex_t *l, size_t off)
{
    size_t k = word_len(l);
    if (k == 0 || k > 63) return NULL;
    char tok[64];
    memcpy(tok, l->p + l->i, k);
    tok[k] = 0;
    int dots = 0, digits = 0;
    for (size_t j = 0; j < k; j++) {
        char c = tok[j];
        if (c == '.') dots++;
        else if (c >= '0' && c <= '9') digits++;
        else if (!((c == '+' || c == '-') && j == 0)) return NULL;
    }
    if (!digits || dots > 1) return NULL;
    l->i += k;
    if (dots == 0) {
        char *end;
        errno = 0;
        long long v = strtoll(tok, &end, 10);
        if (errno || *end) return NULL;
        /* "num gen R" is a reference */
        if (v >= 0 && tok[0] != '+' && tok[0] != '-') {
            size_t save = l->i;
            long long gen;
            if (lex_uint(l, 65535, &gen) == 0) {
                skip_ws(l);
                if (word_is(l, "R") && v <= PDFOBJ_MAX_OBJECTS) {
                    l->i++;
                    pdfobj_t *o = new_obj(d, PDFOBJ_REF, l, off);
                    if (o) { o->u.ref.num = (long)v; o->u.ref.gen = (int)gen; }
                    return o;
                }
            }
            l->i = save;
        }
        pdfobj_t *o = new_obj(d, PDFOBJ_INT, l, off);
        if (o) o->u.i = v;
        return o;
    }
    pdfobj_t *o = new_obj(d, PDFOBJ_REAL, l, off);
    if (!o) return NULL;
    o->u.real.v = strtod(tok, NULL);
    o->u.real.text = arena_dup(d, tok, k);
    return o->u.real.text ? o : NULL;
}

static pdfobj_t *parse_value(pdfdoc_t *d, lex_t *l, int depth)
{
    if (depth > PDFOBJ_MAX_DEPTH) return NULL;
    skip_ws(l);
    if (l->i >= l->n) return NULL;
    size_t off = l->i;
    unsigned char c = l->p[l->i];
    if (c == '/') {
        const char *name = parse_name_text(d, l);
        if (!name) return NULL;
        pdfobj_t *o = new_obj(d, PDFOBJ_NAME, l, off);
        if (o) o->u.name = name;
        return o;
    }
    if (c == '(') return parse_literal(d, l, off);
    if (c == '<') {
        if (l->i + 1 < l->n && l->p[l->i + 1] == '<') return parse_dict(d, l, depth, off);
        return parse_hex(d, l, off);
    }
    if (c == '[') return parse_array(d, l, depth, off);
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') return parse_number(d, l, off);
    if (word_is(l, "true") || word_is(l, "false")) {
        int t = l->p[l->i] == 't';
        l->i += t ? 4 : 5;
        pdfobj_t *o = new_obj(d, PDFOBJ_BOOL, l, off);
        if (o) o->u.b = t;
        return o;
    }
    if (word_is(l, "null")) {
        l->i += 4;
        return new_obj(d, PDFOBJ_NULL, l, off);
    }
    return NULL;
}

/* ---- indirect objects ---- */

static int ensure_x(pdfdoc_t *d, long num)
{
    if (num < 0 || num >= PDFOBJ_MAX_OBJECTS) return -EBADMSG;
    if (num < d->nx) return 0;
    long nx = d->nx ? d->nx : 64;
    while (nx <= num) nx *= 2;
    if (nx > PDFOBJ_MAX_OBJECTS) nx = PDFOBJ_MAX_OBJECTS;
    d->x = xrealloc(d->x, (size_t)nx * sizeof *d->x);
    d->cache = xrealloc(d->cache, (size_t)nx * sizeof *d->cache);
    d->busy = xrealloc(d->busy, (size_t)nx);
    memset(d->x + d->nx, 0, (size_t)(nx - d->nx) * sizeof *d->x);
    memset(d->cache + d->nx, 0, (size_t)(nx - d->nx) * sizeof *d->cache);
    memset(d->busy + d->nx, 0, (size_t)(nx - d->nx));
    d->nx = nx;
    return 0;
}

static const pdfobj_t *resolve_depth(pdfdoc_t *d, const pdfobj_t *o);

static size_t find_mem(const unsigned char *p, size_t n, size_t from, const char *w)
{
    size_t m = strlen(w);
    for (size_t i = from; i + m <= n; i++)
        if (p[i] == (unsigned char)w[0] && memcmp(p + i, w, m) == 0) return i;
    return (size_t)-1;
}

/* "num gen obj <value> [stream ... endstream] endobj" at off of the file: the value, *num and *gen filled. */
static const pdfobj_t *parse_indirect(pdfdoc_t *d, size_t off, long *num, int *gen)
{
    if (off >= d->n) return NULL;
    lex_t l = {d->p, d->n, off, 1};
    long long n, g;
    if (lex_uint(&l, PDFOBJ_MAX_OBJECTS - 1, &n) < 0 || lex_uint(&l, 65535, &g) < 0) return NULL;
    skip_ws(&l);
    if (!word_is(&l, "obj")) return NULL;
    l.i += 3;
    pdfobj_t *v = parse_value(d, &l, 0);
    if (!v) return NULL;
    *num = (long)n;
    *gen = (int)g;
    if (v->kind != PDFOBJ_DICT) return v;
    skip_ws(&l);
    if (!word_is(&l, "stream")) return v;
    l.i += 6;
    if (l.i < l.n && l.p[l.i] == '\r') l.i++;
    if (l.i < l.n && l.p[l.i] == '\n') l.i++;
    size_t data = l.i, len = (size_t)-1;
    const pdfobj_t *lo = pdfobj_get(v, "Length");
    if (lo && lo->kind == PDFOBJ_REF) {
        if (lo->u.ref.num == n) return NULL;   /* its own length */
        lo = resolve_depth(d, lo);
    }
    if (lo && lo->kind == PDFOBJ_INT && lo->u.i >= 0 && (unsigned long long)lo->u.i <= d->n - data) {
        lex_t e = {d->p, d->n, data + (size_t)lo->u.i, 1};
        skip_ws(&e);
        if (word_is(&e, "endstream")) len = (size_t)lo->u.i;
    }
    if (len == (size_t)-1) {   /* a wrong /Length: the data ends at the end-of-line before "endstream" */
        size_t e = find_mem(d->p, d->n, data, "endstream");
        if (e == (size_t)-1) return NULL;
        len = e - data;
        if (len && d->p[data + len - 1] == '\n') len--;
        if (len && d->p[data + len - 1] == '\r') len--;
    }
    pdfobj_t *s = arena_alloc(d, sizeof *s);
    if (!s) return NULL;
    memset(s, 0, sizeof *s);
    s->kind = PDFOBJ_STREAM;
    s->in_file = 1;
    s->off = v->off;
    s->end = data + len;
    s->u.stream.dict = v;
    s->u.stream.data_off = data;
    s->u.stream.data_len = len;
    return s;
}

static objstm_t *load_objstm(pdfdoc_t *d, long num)
{
    for (objstm_t *s = d->stms; s; s = s->next)
        if (s->num == num) return s;
    const pdfobj_t *o;
    if (pdfdoc_get(d, num, &o, NULL) < 0 || o->kind != PDFOBJ_STREAM) return NULL;
    if (!pdfobj_is_name(pdfobj_get(o, "Type"), "ObjStm")) return NULL;
    const pdfobj_t *no = resolve_depth(d, pdfobj_get(o, "N")), *fo = resolve_depth(d, pdfobj_get(o, "First"));
    if (!no || !fo || no->kind != PDFOBJ_INT || fo->kind != PDFOBJ_INT || no->u.i < 0 || no->u.i > 1000000 ||
        fo->u.i < 0)
        return NULL;
    buf_t b;
    buf_init(&b, PDFOBJ_MAX_STREAM);
    if (pdfdoc_stream_decode(d, o, &b) < 0 || (unsigned long long)fo->u.i > b.len) { buf_free(&b); return NULL; }
    objstm_t *s = arena_alloc(d, sizeof *s);
    long *nums = arena_alloc(d, (size_t)no->u.i * sizeof *nums + 1);
    size_t *offs = arena_alloc(d, (size_t)no->u.i * sizeof *offs + 1);
    const unsigned char *data = arena_dup(d, b.data ? b.data : "", b.len);
    if (!s || !nums || !offs || !data) { buf_free(&b); return NULL; }
    s->len = b.len;
    buf_free(&b);
    lex_t l = {data, (size_t)fo->u.i, 0, 0};
    for (long k = 0; k < no->u.i; k++) {
        long long on, oo;
        if (lex_uint(&l, PDFOBJ_MAX_OBJECTS - 1, &on) < 0 || lex_uint(&l, (long long)s->len, &oo) < 0) return NULL;
        nums[k] = (long)on;
        offs[k] = (size_t)oo;
    }
    s->num = num;
    s->data = data;
    s->first = (size_t)fo->u.i;
    s->n = no->u.i;
    s->nums = nums;
    s->offs = offs;
    s->next = d->stms;
    d->stms = s;
    return s;
}

int pdfdoc_get(pdfdoc_t *d, long num, const pdfobj_t **out, int *gen)
{
    *out = NULL;
    if (num <= 0 || num >= d->nx || !d->x[num].set || d->x[num].type == 0) return -ENOENT;
    xent_t *e = &d->x[num];
    if (gen) *gen = e->gen;
    if (d->cache[num]) { *out = d->cache[num]; return 0; }
    if (d->busy[num] || d->depth >= PDFOBJ_MAX_DEPTH) return -EBADMSG;
    d->busy[num] = 1;
    d->depth++;
    const pdfobj_t *o = NULL;
    if (e->type == 1) {
        long n;
        int g;
        o = parse_indirect(d, e->a, &n, &g);
        if (o && (n != num || g != d->x[num].gen)) o = NULL;
    } else {
        long sn = (long)d->x[num].a, idx = d->x[num].idx;
        objstm_t *s = sn > 0 && sn < d->nx && d->x[sn].type == 1 ? load_objstm(d, sn) : NULL;
        if (s) {
            long k = idx >= 0 && idx < s->n && s->nums[idx] == num ? idx : -1;
            for (long j = 0; k < 0 && j < s->n; j++)
                if (s->nums[j] == num) k = j;
            if (k >= 0 && s->offs[k] <= s->len - s->first) {
                lex_t l = {s->data, s->len, s->first + s->offs[k], 0};
                o = parse_value(d, &l, 0);
                if (o && o->kind == PDFOBJ_REF) o = NULL;   /* §7.5.7: never a bare reference */
            }
        }
    }
    d->depth--;
    d->busy[num] = 0;
    if (!o) return -EBADMSG;
    d->cache[num] = o;
    *out = o;
    return 0;
}

static const pdfobj_t *resolve_depth(pdfdoc_t *d, const pdfobj_t *o)
{
    for (int k = 0; o && o->kind == PDFOBJ_REF; k++) {
        if (k >= PDFOBJ_MAX_DEPTH) return NULL;
        const pdfobj_t *t;
        if (pdfdoc_get(d, o->u.ref.num, &t, NULL) < 0) return NULL;
        o = t;
    }
    return o;
}

const pdfobj_t *pdfdoc_resolve(pdfdoc_t *d, const pdfobj_t *o) { return resolve_depth(d, o); }

const pdfobj_t *pdfobj_get(const pdfobj_t *o, const char *key)
{
    if (o && o->kind == PDFOBJ_STREAM) o = o->u.stream.dict;
    if (!o || o->kind != PDFOBJ_DICT) return NULL;
    for (size_t k = 0; k < o->u.dict.n; k++)
        if (!strcmp(o->u.dict.pairs[k].key, key)) return o->u.dict.pairs[k].val;
    return NULL;
}

const pdfobj_t *pdfdoc_get_key(pdfdoc_t *d, const pdfobj_t *o, const char *key)
{
    return resolve_depth(d, pdfobj_get(o, key));
}

int pdfobj_is_name(const pdfobj_t *o, const char *name)
{
    return o && o->kind == PDFOBJ_NAME && !strcmp(o->u.name, name);
}

int pdfobj_number(const pdfobj_t *o, double *v)
{
    if (o && o->kind == PDFOBJ_INT) { *v = (double)o->u.i; return 0; }
    if (o && o->kind == PDFOBJ_REAL) { *v = o->u.real.v; return 0; }
    return -EINVAL;
}

/* ---- streams ---- */

static int inflate_into(const unsigned char *p, size_t n, buf_t *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK) return -EBADMSG;
    unsigned char tmp[16384];
    int rc = 0, zr = Z_OK;
    size_t off = 0;
    while (zr != Z_STREAM_END) {
        if (z.avail_in == 0 && off < n) {
            size_t c = n - off > (1u << 30) ? (1u << 30) : n - off;
            z.next_in = (unsigned char *)(uintptr_t)(p + off);
            z.avail_in = (uInt)c;
            off += c;
        }
        z.next_out = tmp;
        z.avail_out = sizeof tmp;
        zr = inflate(&z, Z_NO_FLUSH);
        size_t got = sizeof tmp - z.avail_out;
        if (got && buf_append(out, tmp, got) < 0) { rc = -E2BIG; break; }
        if (zr == Z_BUF_ERROR && z.avail_in == 0 && off >= n) break;   /* data without its end marker */
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) { rc = -EBADMSG; break; }
    }
    inflateEnd(&z);
    return rc;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the PNG row filters (§7.4.4.4, predictors 10-15) in place; out->len shrinks to the pixel data. */
static int png_unpredict(buf_t *b, long columns, long colors, long bpc)
{
    size_t bits = (size_t)columns * (size_t)colors * (size_t)bpc;
    size_t row = (bits + 7) / 8, bpp = (size_t)(colors * bpc + 7) / 8;
    if (row == 0) return -EBADMSG;
    unsigned char *p = (unsigned char *)b->data;
    size_t rows = b->len / (row + 1), w = 0;
    unsigned char *prev = xcalloc(1, row);
    for (size_t r = 0; r < rows; r++) {
        const unsigned char *in = p + r * (row + 1);
        int f = in[0];
        unsigned char *cur = p + w;
        for (size_t k = 0; k < row; k++) {
            int x = in[1 + k], a = k >= bpp ? cur[k - bpp] : 0, up = prev[k], c = k >= bpp ? prev[k - bpp] : 0;
            switch (f) {
            case 0: break;
            case 1: x += a; break;
            case 2: x += up; break;
            case 3: x += (a + up) / 2; break;
            case 4: x += paeth(a, up, c); break;
            default: free(prev); return -EBADMSG;
            }
            cur[k] = (unsigned char)x;
        }
        memcpy(prev, cur, row);
        w += row;
    }
    free(prev);
    b->len = w;
    b->data[w] = 0;
    return 0;
}

static long param_long(pdfdoc_t *d, const pdfobj_t *parms, const char *key, long dflt, long min, long max, int *bad)
{
    const pdfobj_t *v = resolve_depth(d, pdfobj_get(parms, key));
    if (!v) return dflt;
    if (v->kind != PDFOBJ_INT || v->u.i < min || v->u.i > max) { *bad = 1; return dflt; }
    return (long)v->u.i;
}

int pdfdoc_stream_decode(pdfdoc_t *d, const pdfobj_t *s, buf_t *out)
{
    if (!s || s->kind != PDFOBJ_STREAM || !s->in_file) return -EINVAL;
    const unsigned char *raw = d->p + s->u.stream.data_off;
    size_t n = s->u.stream.data_len;
    const pdfobj_t *f = resolve_depth(d, pdfobj_get(s, "Filter"));
    const pdfobj_t *parms = resolve_depth(d, pdfobj_get(s, "DecodeParms"));
    if (f && f->kind == PDFOBJ_ARRAY) {
        if (f->u.arr.n > 1) return -ENOTSUP;
        f = f->u.arr.n ? resolve_depth(d, f->u.arr.items[0]) : NULL;
        if (parms && parms->kind == PDFOBJ_ARRAY) parms = parms->u.arr.n ? resolve_depth(d, parms->u.arr.items[0]) : NULL;
    }
    size_t len0 = out->len;
    size_t max0 = out->max;
    if (out->max - out->len > PDFOBJ_MAX_STREAM) out->max = out->len + PDFOBJ_MAX_STREAM;
    int rc;
    if (!f) {
        rc = buf_append(out, raw, n) < 0 ? -E2BIG : 0;
        out->max = max0;
        return rc;
    }
    if (!pdfobj_is_name(f, "FlateDecode") && !pdfobj_is_name(f, "Fl")) { out->max = max0; return -ENOTSUP; }
    buf_t tmp;
    buf_init(&tmp, out->max - out->len);
    rc = inflate_into(raw, n, &tmp);
    out->max = max0;
    if (rc == 0 && parms && parms->kind == PDFOBJ_DICT) {
        int bad = 0;
        long pred = param_long(d, parms, "Predictor", 1, 1, 15, &bad);
        long colors = param_long(d, parms, "Colors", 1, 1, 32, &bad);
        long bpc = param_long(d, parms, "BitsPerComponent", 8, 1, 16, &bad);
        long cols = param_long(d, parms, "Columns", 1, 1, 1L << 20, &bad);
        if (bad || (bpc != 1 && bpc != 2 && bpc != 4 && bpc != 8 && bpc != 16)) rc = -EBADMSG;
        else if (pred >= 10) rc = tmp.len ? png_unpredict(&tmp, cols, colors, bpc) : 0;
        else if (pred != 1) rc = -ENOTSUP;   /* TIFF predictor 2: no xref or object stream uses it */
    }
    if (rc == 0 && tmp.len && buf_append(out, tmp.data, tmp.len) < 0) rc = -E2BIG;
    buf_free(&tmp);
    if (rc < 0) out->len = len0;
    return rc;
}

/* ---- cross-reference sections ---- */

static void set_entry(pdfdoc_t *d, long num, int type, size_t a, long gen_or_idx)
{
    if (ensure_x(d, num) < 0 || d->x[num].set) return;   /* the newest section read first wins */
    xent_t *e = &d->x[num];
    e->set = 1;
    e->type = (unsigned char)type;
    e->a = a;
    if (type == 2) { e->idx = gen_or_idx; e->gen = 0; }
    else e->gen = (int)gen_or_idx;
}

static int read_table(pdfdoc_t *d, size_t off, const pdfobj_t **trailer)
{
    lex_t l = {d->p, d->n, off + 4, 1};
    for (;;) {
        skip_ws(&l);
        if (word_is(&l, "trailer")) { l.i += 7; break; }
        long long start, count;
        if (lex_uint(&l, PDFOBJ_MAX_OBJECTS, &start) < 0 || lex_uint(&l, PDFOBJ_MAX_OBJECTS, &count) < 0 ||
            start + count > PDFOBJ_MAX_OBJECTS)
            return -EBADMSG;
        for (long long k = 0; k < count; k++) {
            long long o, g;
            if (lex_uint(&l, (long long)d->n, &o) < 0 || lex_uint(&l, 65535, &g) < 0) return -EBADMSG;
            skip_ws(&l);
            if (word_is(&l, "n")) set_entry(d, (long)(start + k), 1, (size_t)o, (long)g);
            else if (word_is(&l, "f")) { if (start + k > 0) set_entry(d, (long)(start + k), 0, 0, (long)g); }
            else return -EBADMSG;
            l.i++;
        }
    }
    const pdfobj_t *t = parse_value(d, &l, 0);
    if (!t || t->kind != PDFOBJ_DICT) return d->oom ? -E2BIG : -EBADMSG;
    *trailer = t;
    return 0;
}

static int read_xref_stream(pdfdoc_t *d, size_t off, const pdfobj_t **trailer)
{
    long num;
    int gen;
    const pdfobj_t *s = parse_indirect(d, off, &num, &gen);
    if (!s || s->kind != PDFOBJ_STREAM || !pdfobj_is_name(pdfobj_get(s, "Type"), "XRef"))
        return d->oom ? -E2BIG : -EBADMSG;
    const pdfobj_t *w = pdfobj_get(s, "W"), *idx = pdfobj_get(s, "Index"), *size = pdfobj_get(s, "Size");
    if (!w || w->kind != PDFOBJ_ARRAY || w->u.arr.n != 3 || !size || size->kind != PDFOBJ_INT || size->u.i < 0 ||
        size->u.i > PDFOBJ_MAX_OBJECTS)
        return -EBADMSG;
    int wd[3];
    for (int k = 0; k < 3; k++) {
        const pdfobj_t *v = w->u.arr.items[k];
        if (v->kind != PDFOBJ_INT || v->u.i < 0 || v->u.i > 8) return -EBADMSG;
        wd[k] = (int)v->u.i;
    }
    size_t row = (size_t)(wd[0] + wd[1] + wd[2]);
    if (row == 0) return -EBADMSG;
    buf_t b;
    buf_init(&b, PDFOBJ_MAX_STREAM);
    int rc = pdfdoc_stream_decode(d, s, &b);
    if (rc < 0) { buf_free(&b); return rc == -E2BIG ? -E2BIG : -EBADMSG; }
    long long pairs_default[2] = {0, size->u.i};
    size_t npairs = 1;
    if (idx) {
        if (idx->kind != PDFOBJ_ARRAY || idx->u.arr.n % 2 || idx->u.arr.n == 0) { buf_free(&b); return -EBADMSG; }
        npairs = idx->u.arr.n / 2;
    }
    const unsigned char *p = (const unsigned char *)b.data;
    size_t pos = 0;
    rc = 0;
    for (size_t k = 0; k < npairs && rc == 0; k++) {
        long long start = pairs_default[0], count = pairs_default[1];
        if (idx) {
            const pdfobj_t *a = idx->u.arr.items[2 * k], *c = idx->u.arr.items[2 * k + 1];
            if (a->kind != PDFOBJ_INT || c->kind != PDFOBJ_INT || a->u.i < 0 || c->u.i < 0 ||
                a->u.i + c->u.i > PDFOBJ_MAX_OBJECTS) { rc = -EBADMSG; break; }
            start = a->u.i;
            count = c->u.i;
        }
        for (long long j = 0; j < count; j++) {
            if (b.len - pos < row) { rc = -EBADMSG; break; }
            unsigned long long f[3] = {1, 0, 0};
            for (int q = 0; q < 3; q++) {
                if (wd[q] == 0) continue;
                unsigned long long v = 0;
                for (int z = 0; z < wd[q]; z++) v = (v << 8) | p[pos++];
                f[q] = v;
            }
            long on = (long)(start + j);
            if (f[0] == 0) { if (on > 0) set_entry(d, on, 0, 0, 0); }
            else if (f[0] == 1) {
                if (f[1] >= d->n || f[2] > 65535) { rc = -EBADMSG; break; }
                set_entry(d, on, 1, (size_t)f[1], (long)f[2]);
            } else if (f[0] == 2) {
                if (f[1] >= PDFOBJ_MAX_OBJECTS || f[2] > 1000000) { rc = -EBADMSG; break; }
                set_entry(d, on, 2, (size_t)f[1], (long)f[2]);
            }   /* other types: ignored, as §7.5.8.3 asks */
        }
    }
    buf_free(&b);
    if (rc == 0) *trailer = s->u.stream.dict;
    return rc;
}

static int read_section(pdfdoc_t *d, size_t off, const pdfobj_t **trailer, int *is_stream)
{
    if (off >= d->n) return -EBADMSG;
    lex_t l = {d->p, d->n, off, 1};
    skip_ws(&l);
    if (word_is(&l, "xref")) { *is_stream = 0; return read_table(d, l.i, trailer); }
    *is_stream = 1;
    return read_xref_stream(d, l.i, trailer);
}

static int offset_of(const pdfobj_t *o, size_t n, size_t *off)
{
    if (!o || o->kind != PDFOBJ_INT || o->u.i < 0 || (unsigned long long)o->u.i >= n) return -EBADMSG;
    *off = (size_t)o->u.i;
    return 0;
}

int pdfdoc_open(pdfdoc_t **out, const void *data, size_t len)
{
    *out = NULL;
    const unsigned char *p = data;
    if (!p || len < 16) return -EINVAL;
    size_t hdr = find_mem(p, len < 1024 ? len : 1024, 0, "%PDF-");
    if (hdr == (size_t)-1) return -EINVAL;
    size_t from = len > 2048 ? len - 2048 : 0, sx = (size_t)-1;
    for (size_t i = find_mem(p, len, from, "startxref"); i != (size_t)-1; i = find_mem(p, len, i + 1, "startxref"))
        sx = i;
    if (sx == (size_t)-1) return -EINVAL;
    pdfdoc_t *d = xcalloc(1, sizeof *d);
    d->p = p;
    d->n = len;
    lex_t l = {p, len, sx + 9, 1};
    long long x;
    int rc = lex_uint(&l, (long long)len - 1, &x) < 0 ? -EBADMSG : 0;
    size_t seen[MAX_SECTIONS];
    size_t nseen = 0, off = (size_t)x;
    d->startxref = off;
    for (int first = 1; rc == 0; first = 0) {
        for (size_t k = 0; k < nseen; k++)
            if (seen[k] == off) rc = -EBADMSG;   /* a /Prev loop */
        if (rc || nseen == MAX_SECTIONS) { rc = -EBADMSG; break; }
        seen[nseen++] = off;
        const pdfobj_t *t = NULL;
        int is_stream = 0;
        if ((rc = read_section(d, off, &t, &is_stream)) < 0) break;
        if (first) { d->trailer = t; d->xref_stream = is_stream; }
        const pdfobj_t *xs = pdfobj_get(t, "XRefStm");
        size_t xo;
        if (!is_stream && xs && offset_of(xs, len, &xo) == 0) {   /* a hybrid file (§7.5.8.4) */
            const pdfobj_t *ignored;
            (void)read_xref_stream(d, xo, &ignored);
        }
        const pdfobj_t *prev = pdfobj_get(t, "Prev");
        if (!prev) break;
        if ((rc = offset_of(prev, len, &off)) < 0) break;
    }
    if (rc == 0) {
        const pdfobj_t *size = pdfobj_get(d->trailer, "Size");
        if (!size || size->kind != PDFOBJ_INT || size->u.i < 1 || size->u.i > PDFOBJ_MAX_OBJECTS) rc = -EBADMSG;
        else d->size = (long)size->u.i;
        if (rc == 0 && pdfobj_get(d->trailer, "Root") == NULL) rc = -EBADMSG;
    }
    if (rc < 0) {
        if (d->oom) rc = -E2BIG;
        pdfdoc_close(d);
        return rc;
    }
    *out = d;
    return 0;
}

void pdfdoc_close(pdfdoc_t *d)
{
    if (!d) return;
    for (chunk_t *c = d->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(d->x);
    free(d->cache);
    free(d->busy);
    free(d);
}

const pdfobj_t *pdfdoc_trailer(const pdfdoc_t *d) { return d->trailer; }
size_t pdfdoc_startxref(const pdfdoc_t *d) { return d->startxref; }
int pdfdoc_xref_is_stream(const pdfdoc_t *d) { return d->xref_stream; }
long pdfdoc_size(const pdfdoc_t *d) { return d->size; }
const unsigned char *pdfdoc_data(const pdfdoc_t *d, size_t *len)
{
    if (len) *len = d->n;
    return d->p;
}

/* ---- catalog and pages ---- */

int pdfdoc_catalog(pdfdoc_t *d, const pdfobj_t **catalog, long *num, int *gen)
{
    const pdfobj_t *r = pdfobj_get(d->trailer, "Root");
    if (!r || r->kind != PDFOBJ_REF) return -EBADMSG;
    const pdfobj_t *c;
    int g = 0;
    if (pdfdoc_get(d, r->u.ref.num, &c, &g) < 0 || c->kind != PDFOBJ_DICT) return -EBADMSG;
    *catalog = c;
    if (num) *num = r->u.ref.num;
    if (gen) *gen = g;
    return 0;
}

static void media_of(const pdfobj_t *node, pdfdoc_t *d, double m[4])
{
    const pdfobj_t *mb = resolve_depth(d, pdfobj_get(node, "MediaBox"));
    if (!mb || mb->kind != PDFOBJ_ARRAY || mb->u.arr.n != 4) return;
    double v[4];
    for (int k = 0; k < 4; k++)
        if (pdfobj_number(resolve_depth(d, mb->u.arr.items[k]), &v[k]) < 0) return;
    memcpy(m, v, sizeof v);
}

/* Depth-first: 1 found (page filled), 0 none under node, or -EBADMSG. */
static int first_leaf(pdfdoc_t *d, const pdfobj_t *node, long num, int gen, double media[4], int depth, long *visits,
                      pdfpage_t *page)
{
    if (depth > PDFOBJ_MAX_DEPTH || ++*visits > MAX_PAGE_NODES) return -EBADMSG;
    if (!node || node->kind != PDFOBJ_DICT) return -EBADMSG;
    double m[4];
    memcpy(m, media, sizeof m);
    media_of(node, d, m);
    const pdfobj_t *kids = resolve_depth(d, pdfobj_get(node, "Kids"));
    if (pdfobj_is_name(pdfobj_get(node, "Type"), "Page") || !kids) {
        if (num <= 0) return -EBADMSG;   /* the root of the tree is /Pages, never a page */
        page->num = num;
        page->gen = gen;
        page->dict = node;
        memcpy(page->media, m, sizeof m);
        return 1;
    }
    if (kids->kind != PDFOBJ_ARRAY) return -EBADMSG;
    for (size_t k = 0; k < kids->u.arr.n; k++) {
        const pdfobj_t *r = kids->u.arr.items[k], *kid;
        int g;
        if (r->kind != PDFOBJ_REF || pdfdoc_get(d, r->u.ref.num, &kid, &g) < 0) return -EBADMSG;
        int rc = first_leaf(d, kid, r->u.ref.num, g, m, depth + 1, visits, page);
        if (rc != 0) return rc;
    }
    return 0;
}

int pdfdoc_first_page(pdfdoc_t *d, pdfpage_t *page)
{
    memset(page, 0, sizeof *page);
    const pdfobj_t *cat;
    if (pdfdoc_catalog(d, &cat, NULL, NULL) < 0) return -EBADMSG;
    const pdfobj_t *pages = resolve_depth(d, pdfobj_get(cat, "Pages"));
    double media[4] = {0, 0, 595.2756, 841.8898};
    long visits = 0;
    int rc = first_leaf(d, pages, 0, 0, media, 0, &visits, page);
    return rc == 1 ? 0 : -EBADMSG;
}

/* ---- writer ---- */

int pdfobj_write_name(buf_t *out, const char *name)
{
    int rc = buf_putc(out, '/');
    for (const unsigned char *s = (const unsigned char *)name; *s && rc == 0; s++) {
        if (*s < 0x21 || *s > 0x7e || *s == '#' || is_delim(*s)) rc = buf_printf(out, "#%02X", *s);
        else rc = buf_putc(out, (char)*s);
    }
    return rc;
}

int pdfobj_write_hexstr(buf_t *out, const void *s, size_t n)
{
    static const char hx[] = "0123456789ABCDEF";
    const unsigned char *p = s;
    int rc = buf_putc(out, '<');
    for (size_t k = 0; k < n && rc == 0; k++) {
        char two[2] = {hx[p[k] >> 4], hx[p[k] & 15]};
        rc = buf_append(out, two, 2);
    }
    return rc ? rc : buf_putc(out, '>');
}

static int write_depth(buf_t *out, const pdfobj_t *o, int depth)
{
    if (depth > PDFOBJ_MAX_DEPTH + 1) return -EINVAL;
    switch (o->kind) {
    case PDFOBJ_NULL: return buf_puts(out, "null");
    case PDFOBJ_BOOL: return buf_puts(out, o->u.b ? "true" : "false");
    case PDFOBJ_INT: return buf_printf(out, "%lld", o->u.i);
    case PDFOBJ_REAL: return buf_puts(out, o->u.real.text);
    case PDFOBJ_STRING: return pdfobj_write_hexstr(out, o->u.str.p, o->u.str.n);
    case PDFOBJ_NAME: return pdfobj_write_name(out, o->u.name);
    case PDFOBJ_REF: return buf_printf(out, "%ld %d R", o->u.ref.num, o->u.ref.gen);
    case PDFOBJ_ARRAY: {
        int rc = buf_putc(out, '[');
        for (size_t k = 0; k < o->u.arr.n && rc == 0; k++) {
            if (k) rc = buf_putc(out, ' ');
            if (rc == 0) rc = write_depth(out, o->u.arr.items[k], depth + 1);
        }
        return rc ? rc : buf_putc(out, ']');
    }
    case PDFOBJ_DICT: {
        int rc = buf_puts(out, "<<");
        for (size_t k = 0; k < o->u.dict.n && rc == 0; k++) {
            rc = pdfobj_write_name(out, o->u.dict.pairs[k].key);
            if (rc == 0) rc = buf_putc(out, ' ');
            if (rc == 0) rc = write_depth(out, o->u.dict.pairs[k].val, depth + 1);
        }
        return rc ? rc : buf_puts(out, ">>");
    }
    case PDFOBJ_STREAM: return -EINVAL;
    }
    return -EINVAL;
}

int pdfobj_write(buf_t *out, const pdfobj_t *o) { return write_depth(out, o, 0); }

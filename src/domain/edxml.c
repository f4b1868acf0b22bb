/* edxml.c — edXML packages and status messages of QCVN 102:2016: the model, its XML and its JSON (edxml.h).
 *
 * Writing builds a libxml2 tree (every element in the edXML namespace, declared once as the default namespace of
 * the root) and serialises it indented; reading walks the tree of core/xmlsafe.c by local names, accepting the
 * elements in the edXML namespace or in none (partners differ), ignoring what it does not know. Both sides apply
 * the same caps and the same rules of what is required, so whatever edxml_build writes edxml_parse reads back. */
#include "domain/edxml.h"
#include "core/b64.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "core/mem.h"
#include "core/sha256.h"
#include "core/xmlsafe.h"

/* ---- small things ---- */

static void whyf(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void whyf(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || !cap || why[0]) return;   /* the first reason wins */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

static const char *nz(const char *s) { return s ? s : ""; }

static const struct { const char *code, *name; } status_names[] = {
    {"01", "arrived"},    {"02", "refused"},       {"03", "accepted"},       {"04", "assigned"},
    {"05", "processing"}, {"06", "finished"},      {"13", "recall requested"}, {"15", "recall agreed"},
    {"16", "recall refused"},
};

const char *edxml_status_name(const char *code)
{
    if (!code) return NULL;
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (!strcmp(code, status_names[i].code)) return status_names[i].name;
    return NULL;
}

/* ---- dates ---- */

static int days_in(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return dm[m - 1];
}

/* Exactly `w` digits at *p (advanced). */
static int digits(const char **p, int w, int *v)
{
    int x = 0;
    for (int i = 0; i < w; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9') return -1;
        x = x * 10 + ((*p)[i] - '0');
    }
    *p += w;
    *v = x;
    return 0;
}

/* One or two digits (dd/mm/yyyy is also written d/m/yyyy). */
static int digits12(const char **p, int *v)
{
    if (**p < '0' || **p > '9') return -1;
    int x = **p - '0';
    (*p)++;
    if (**p >= '0' && **p <= '9') { x = x * 10 + (**p - '0'); (*p)++; }
    *v = x;
    return 0;
}

static int date_at(const char **pp, edxml_date_t *o)
{
    const char *p = *pp;
    int a, b, c;
    if (p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] >= '0' &&
        p[3] <= '9') {   /* yyyy/mm/dd or yyyy-mm-dd */
        digits(&p, 4, &a);
        char sep = *p;
        if (sep != '/' && sep != '-') return -1;
        p++;
        if (digits12(&p, &b) || *p != sep) return -1;
        p++;
        if (digits12(&p, &c)) return -1;
        o->y = a, o->m = b, o->d = c;
    } else {             /* dd/mm/yyyy */
        if (digits12(&p, &a) || *p != '/') return -1;
        p++;
        if (digits12(&p, &b) || *p != '/') return -1;
        p++;
        if (digits(&p, 4, &c)) return -1;
        o->y = c, o->m = b, o->d = a;
    }
    if (o->y < 1900 || o->y > 2199 || o->m < 1 || o->m > 12 || o->d < 1 || o->d > days_in(o->y, o->m)) return -1;
    *pp = p;
    return 0;
}

int edxml_date_parse(const char *s, edxml_date_t *out)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s) return 0;
    edxml_date_t d;
    if (date_at(&s, &d) || *s) return -EINVAL;
    *out = d;
    return 0;
}

int edxml_time_parse(const char *s, edxml_time_t *out)
{
    memset(out, 0, sizeof *out);
    if (!s || !*s) return 0;
    edxml_date_t d;
    if (date_at(&s, &d)) return -EINVAL;
    edxml_time_t t = {d.y, d.m, d.d, 0, 0, 0};
    if (*s == ' ' || *s == 'T') {
        s++;
        if (digits12(&s, &t.hh) || *s != ':') return -EINVAL;
        s++;
        if (digits(&s, 2, &t.mi)) return -EINVAL;
        if (*s == ':') { s++; if (digits(&s, 2, &t.ss)) return -EINVAL; }
        if (t.hh > 23 || t.mi > 59 || t.ss > 59) return -EINVAL;
    }
    if (*s) return -EINVAL;
    *out = t;
    return 0;
}

static void date_xml(const edxml_date_t *d, char out[16])
{
    if (!d->y) { out[0] = 0; return; }
    snprintf(out, 16, "%02u/%02u/%04u", (unsigned)d->d % 100u, (unsigned)d->m % 100u, (unsigned)d->y % 10000u);
}

static void date_iso(const edxml_date_t *d, char out[16])
{
    if (!d->y) { out[0] = 0; return; }
    snprintf(out, 16, "%04u-%02u-%02u", (unsigned)d->y % 10000u, (unsigned)d->m % 100u, (unsigned)d->d % 100u);
}

static void time_xml(const edxml_time_t *t, char out[24])
{
    if (!t->y) { out[0] = 0; return; }
    snprintf(out, 24, "%04u/%02u/%02u %02u:%02u:%02u", (unsigned)t->y % 10000u, (unsigned)t->m % 100u,
             (unsigned)t->d % 100u, (unsigned)t->hh % 100u, (unsigned)t->mi % 100u, (unsigned)t->ss % 100u);
}

static void time_iso(const edxml_time_t *t, char out[24])
{
    if (!t->y) { out[0] = 0; return; }
    snprintf(out, 24, "%04u-%02u-%02uT%02u:%02u:%02u", (unsigned)t->y % 10000u, (unsigned)t->m % 100u,
             (unsigned)t->d % 100u, (unsigned)t->hh % 100u, (unsigned)t->mi % 100u, (unsigned)t->ss % 100u);
}

/* ---- freeing ---- */

static void organ_free(edxml_organ_t *o)
{
    free(o->organ_id); free(o->organ_name); free(o->organization_in_charge); free(o->organ_add);
    free(o->email); free(o->telephone); free(o->fax); free(o->website);
}

static void staff_free(edxml_staff_t *s) { free(s->department); free(s->staff); free(s->email); free(s->mobile); }

static void strv_free(char **v, int n)
{
    for (int i = 0; i < n; i++) free(v[i]);
    free(v);
}

void edxml_doc_free(edxml_doc_t *d)
{
    if (!d) return;
    organ_free(&d->from);
    for (int i = 0; i < d->n_to; i++) organ_free(&d->to[i]);
    free(d->to);
    free(d->document_id); free(d->code_number); free(d->code_notation); free(d->place); free(d->type_name);
    free(d->subject); free(d->content); free(d->signer_competence); free(d->signer_position);
    free(d->signer_full_name); free(d->sphere_of_promulgation); free(d->typer_notation);
    strv_free(d->appendixes, d->n_appendixes);
    strv_free(d->to_places, d->n_to_places);
    free(d->response_for.organ_id); free(d->response_for.code); free(d->response_for.document_id);
    for (int i = 0; i < d->n_traces; i++) free(d->traces[i].organ_id);
    free(d->traces);
    free(d->business.document_id); free(d->business.reason); staff_free(&d->business.staff);
    for (int i = 0; i < d->n_attachments; i++) {
        edxml_attachment_t *a = &d->attachments[i];
        free(a->content_id); free(a->name); free(a->description); free(a->content_type); free(a->data);
    }
    free(d->attachments);
    staff_free(&d->staff);
    free(d->description);
    memset(d, 0, sizeof *d);
}

/* ---- the rules both directions share ---- */

static int check_required(const edxml_doc_t *d, const char *document_id, char *why, size_t wl)
{
    if (!*nz(d->from.organ_id)) { whyf(why, wl, "From/OrganId is missing"); return -EINVAL; }
    if (d->kind == EDXML_STATUS) {
        if (!*nz(d->response_for.document_id)) { whyf(why, wl, "ResponseFor/DocumentId is missing"); return -EINVAL; }
        if (!edxml_status_name(d->status_code)) {
            whyf(why, wl, "StatusCode \"%s\" is not one of %s", d->status_code, EDXML_STATUS_CODES);
            return -EINVAL;
        }
        return 0;
    }
    if (d->kind != EDXML_PACKAGE) { whyf(why, wl, "unknown kind of edXML message"); return -EINVAL; }
    if (d->n_to < 1) { whyf(why, wl, "To is missing"); return -EINVAL; }
    for (int i = 0; i < d->n_to; i++)
        if (!*nz(d->to[i].organ_id)) { whyf(why, wl, "To[%d]/OrganId is missing", i + 1); return -EINVAL; }
    if (!*nz(document_id)) { whyf(why, wl, "DocumentId is missing"); return -EINVAL; }
    if (!*nz(d->code_number) && !*nz(d->code_notation)) {
        whyf(why, wl, "Code (CodeNumber, CodeNotation) is missing");
        return -EINVAL;
    }
    return 0;
}

/* ---- writing ---- */

struct wctx {
    xmlNsPtr ns;
    char    *why;
    size_t   wl;
    int      rc;
};

/* Text an XML 1.0 document can carry: no control characters but TAB, LF, CR. */
static int xml_text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') return 0;
    return 1;
}

static xmlNodePtr put(struct wctx *w, xmlNodePtr parent, const char *name, const char *value, size_t cap)
{
    value = nz(value);
    if (strlen(value) > cap) {
        whyf(w->why, w->wl, "%s is longer than %zu bytes", name, cap);
        if (!w->rc) w->rc = -E2BIG;
        value = "";
    } else if (!xml_text_ok(value)) {
        whyf(w->why, w->wl, "%s holds a control character", name);
        if (!w->rc) w->rc = -EINVAL;
        value = "";
    }
    xmlNodePtr n = xmlNewTextChild(parent, w->ns, (const xmlChar *)name, (const xmlChar *)value);
    if (!n) abort();
    return n;
}

static xmlNodePtr elem(struct wctx *w, xmlNodePtr parent, const char *name)
{
    xmlNodePtr n = xmlNewChild(parent, w->ns, (const xmlChar *)name, NULL);
    if (!n) abort();
    return n;
}

static void put_int(struct wctx *w, xmlNodePtr parent, const char *name, int v)
{
    char s[16];
    snprintf(s, sizeof s, "%d", v);
    put(w, parent, name, s, sizeof s);
}

static void put_organ(struct wctx *w, xmlNodePtr parent, const char *name, const edxml_organ_t *o)
{
    xmlNodePtr n = elem(w, parent, name);
    put(w, n, "OrganId", o->organ_id, EDXML_MAX_FIELD);
    put(w, n, "OrganizationInCharge", o->organization_in_charge, EDXML_MAX_FIELD);
    put(w, n, "OrganName", o->organ_name, EDXML_MAX_FIELD);
    put(w, n, "OrganAdd", o->organ_add, EDXML_MAX_FIELD);
    put(w, n, "Email", o->email, EDXML_MAX_FIELD);
    put(w, n, "Telephone", o->telephone, EDXML_MAX_FIELD);
    put(w, n, "Fax", o->fax, EDXML_MAX_FIELD);
    put(w, n, "Website", o->website, EDXML_MAX_FIELD);
}

static void put_staff(struct wctx *w, xmlNodePtr parent, const edxml_staff_t *s)
{
    xmlNodePtr n = elem(w, parent, "StaffInfo");
    put(w, n, "Department", s->department, EDXML_MAX_FIELD);
    put(w, n, "Staff", s->staff, EDXML_MAX_FIELD);
    put(w, n, "Email", s->email, EDXML_MAX_FIELD);
    put(w, n, "Mobile", s->mobile, EDXML_MAX_FIELD);
}

static void put_response_for(struct wctx *w, xmlNodePtr parent, const edxml_response_for_t *r)
{
    char ds[16];
    xmlNodePtr n = elem(w, parent, "ResponseFor");
    put(w, n, "OrganId", r->organ_id, EDXML_MAX_FIELD);
    put(w, n, "Code", r->code, EDXML_MAX_FIELD);
    date_xml(&r->promulgation_date, ds);
    put(w, n, "PromulgationDate", ds, sizeof ds);
    put(w, n, "DocumentId", r->document_id, EDXML_MAX_FIELD);
}

int edxml_build(const edxml_doc_t *d, buf_t *xml_out, char *why, size_t why_len)
{
    if (why && why_len) why[0] = 0;
    /* DocumentId: "OrganId,yyyy/mm/dd,Number/Notation" when the caller leaves it empty */
    char composed[3 * EDXML_MAX_FIELD + 64] = "";
    const char *document_id = d->document_id;
    if (d->kind == EDXML_PACKAGE && !*nz(document_id) && *nz(d->from.organ_id) && d->promulgation_date.y &&
        strlen(nz(d->from.organ_id)) + strlen(nz(d->code_number)) + strlen(nz(d->code_notation)) < 3 * EDXML_MAX_FIELD) {
        snprintf(composed, sizeof composed, "%s,%04d/%02d/%02d,%s%s%s", d->from.organ_id,
                 d->promulgation_date.y % 10000, d->promulgation_date.m % 100, d->promulgation_date.d % 100,
                 nz(d->code_number), *nz(d->code_notation) ? "/" : "", nz(d->code_notation));
        document_id = composed;
    }
    int rc = check_required(d, document_id, why, why_len);
    if (rc) return rc;
    if (d->n_to > EDXML_MAX_TO || d->n_to_places > EDXML_MAX_PLACES || d->n_traces > EDXML_MAX_TRACES ||
        d->n_appendixes > EDXML_MAX_APPENDIXES || d->n_attachments > EDXML_MAX_ATTACHMENTS) {
        whyf(why, why_len, "too many To, places, traces, appendixes or attachments");
        return -E2BIG;
    }
    size_t total = 0;
    for (int i = 0; i < d->n_attachments; i++) {
        total += d->attachments[i].len;
        if (!*nz(d->attachments[i].content_id)) { whyf(why, why_len, "Attachment[%d]/ContentId is missing", i + 1); return -EINVAL; }
        for (int j = 0; j < i; j++)
            if (!strcmp(d->attachments[j].content_id, d->attachments[i].content_id)) {
                whyf(why, why_len, "ContentId \"%s\" is used twice", d->attachments[i].content_id);
                return -EINVAL;
            }
    }
    if (total > EDXML_MAX_ATTACHMENT) { whyf(why, why_len, "the attachments are larger than %zu bytes", EDXML_MAX_ATTACHMENT); return -E2BIG; }

    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = xmlNewNode(NULL, (const xmlChar *)"edXML");
    if (!doc || !root) abort();
    xmlDocSetRootElement(doc, root);
    struct wctx w = {.ns = xmlNewNs(root, (const xmlChar *)EDXML_NS, NULL), .why = why, .wl = why_len};
    if (!w.ns) abort();
    xmlSetNs(root, w.ns);
    xmlNodePtr env = elem(&w, root, "edXMLEnvelope");
    xmlNodePtr hdr = elem(&w, env, "edXMLHeader");
    xmlNodePtr mh = elem(&w, hdr, "MessageHeader");
    char ds[24];
    put_organ(&w, mh, "From", &d->from);
    if (d->kind == EDXML_STATUS) {
        put_response_for(&w, mh, &d->response_for);
        put_staff(&w, mh, &d->staff);
        put(&w, mh, "StatusCode", d->status_code, 2);
        put(&w, mh, "Description", d->description, EDXML_MAX_TEXT);
        time_xml(&d->timestamp, ds);
        put(&w, mh, "Timestamp", ds, sizeof ds);
    } else {
        for (int i = 0; i < d->n_to; i++) put_organ(&w, mh, "To", &d->to[i]);
        put(&w, mh, "DocumentId", document_id, EDXML_MAX_FIELD);
        xmlNodePtr code = elem(&w, mh, "Code");
        put(&w, code, "CodeNumber", d->code_number, EDXML_MAX_FIELD);
        put(&w, code, "CodeNotation", d->code_notation, EDXML_MAX_FIELD);
        xmlNodePtr pi = elem(&w, mh, "PromulgationInfo");
        put(&w, pi, "Place", d->place, EDXML_MAX_FIELD);
        date_xml(&d->promulgation_date, ds);
        put(&w, pi, "PromulgationDate", ds, sizeof ds);
        xmlNodePtr dt = elem(&w, mh, "DocumentType");
        put_int(&w, dt, "Type", d->type);
        put_int(&w, dt, "TypeDetail", d->type_detail);
        put(&w, dt, "TypeName", d->type_name, EDXML_MAX_FIELD);
        put(&w, mh, "Subject", d->subject, EDXML_MAX_TEXT);
        put(&w, mh, "Content", d->content, EDXML_MAX_CONTENT);
        xmlNodePtr si = elem(&w, mh, "SignerInfo");
        put(&w, si, "Competence", d->signer_competence, EDXML_MAX_FIELD);
        put(&w, si, "Position", d->signer_position, EDXML_MAX_FIELD);
        put(&w, si, "FullName", d->signer_full_name, EDXML_MAX_FIELD);
        date_xml(&d->due_date, ds);
        put(&w, mh, "DueDate", ds, sizeof ds);
        xmlNodePtr oi = elem(&w, mh, "OtherInfo");
        put_int(&w, oi, "Priority", d->priority);
        put(&w, oi, "SphereOfPromulgation", d->sphere_of_promulgation, EDXML_MAX_FIELD);
        put(&w, oi, "TyperNotation", d->typer_notation, EDXML_MAX_FIELD);
        put_int(&w, oi, "PromulgationAmount", d->promulgation_amount);
        put_int(&w, oi, "PageAmount", d->page_amount);
        put(&w, oi, "Direction", d->direction ? "true" : "false", 8);
        xmlNodePtr ap = elem(&w, oi, "Appendixes");
        for (int i = 0; i < d->n_appendixes; i++) put(&w, ap, "Appendix", d->appendixes[i], EDXML_MAX_FIELD);
        put_int(&w, mh, "SteeringType", d->steering_type);
        xmlNodePtr tp = elem(&w, mh, "ToPlaces");
        for (int i = 0; i < d->n_to_places; i++) put(&w, tp, "Place", d->to_places[i], EDXML_MAX_FIELD);
        if (*nz(d->response_for.document_id)) put_response_for(&w, mh, &d->response_for);
        xmlNodePtr tl = elem(&w, hdr, "TraceHeaderList");
        for (int i = 0; i < d->n_traces; i++) {
            xmlNodePtr th = elem(&w, tl, "TraceHeader");
            put(&w, th, "OrganId", d->traces[i].organ_id, EDXML_MAX_FIELD);
            time_xml(&d->traces[i].timestamp, ds);
            put(&w, th, "Timestamp", ds, sizeof ds);
        }
        if (d->has_business) {
            xmlNodePtr bu = elem(&w, tl, "Bussiness");
            put(&w, bu, "DocumentId", d->business.document_id, EDXML_MAX_FIELD);
            put_int(&w, bu, "BussinessDocType", d->business.doc_type);
            put(&w, bu, "BussinessDocReason", d->business.reason, EDXML_MAX_TEXT);
            put_int(&w, bu, "Paper", d->business.paper);
            put_staff(&w, bu, &d->business.staff);
        }
        xmlNodePtr body = elem(&w, env, "edXMLBody");
        xmlNodePtr man = elem(&w, body, "edXMLManifest");
        xmlNewProp(man, (const xmlChar *)"version", (const xmlChar *)"1.0");
        char cid[EDXML_MAX_FIELD + 8];
        for (int i = 0; i < d->n_attachments; i++) {
            const edxml_attachment_t *a = &d->attachments[i];
            xmlNodePtr r = elem(&w, man, "Reference");
            snprintf(cid, sizeof cid, "cid:%.*s", EDXML_MAX_FIELD, a->content_id);
            put(&w, r, "ContentId", cid, sizeof cid);
            put(&w, r, "ContentType", a->content_type, EDXML_MAX_FIELD);
            put(&w, r, "Description", a->description, EDXML_MAX_TEXT);
            put(&w, r, "AttachmentName", a->name, EDXML_MAX_FIELD);
        }
        if (d->n_attachments) {
            xmlNodePtr ae = elem(&w, root, "AttachmentEncoded");
            buf_t b64s;
            buf_init(&b64s, EDXML_MAX_BYTES);
            for (int i = 0; i < d->n_attachments && !w.rc; i++) {
                const edxml_attachment_t *a = &d->attachments[i];
                xmlNodePtr at = elem(&w, ae, "Attachment");
                snprintf(cid, sizeof cid, "cid:%.*s", EDXML_MAX_FIELD, a->content_id);
                put(&w, at, "ContentId", cid, sizeof cid);
                put(&w, at, "AttachmentName", a->name, EDXML_MAX_FIELD);
                put(&w, at, "Description", a->description, EDXML_MAX_TEXT);
                put(&w, at, "ContentType", a->content_type, EDXML_MAX_FIELD);
                buf_reset(&b64s);
                if (b64_encode(a->data, a->len, &b64s)) { w.rc = -E2BIG; whyf(why, why_len, "attachments too large"); }
                put(&w, at, "ContentTransferEncoded", b64s.data ? b64s.data : "", EDXML_MAX_BYTES);
            }
            buf_free(&b64s);
        }
    }
    rc = w.rc;
    if (!rc) {
        xmlChar *mem = NULL;
        int len = 0;
        xmlDocDumpFormatMemoryEnc(doc, &mem, &len, "UTF-8", 1);
        if (!mem || len <= 0) abort();
        rc = buf_append(xml_out, mem, (size_t)len);
        if (rc) whyf(why, why_len, "the package is larger than the output limit");
        xmlFree(mem);
    }
    xmlFreeDoc(doc);
    return rc;
}

/* ---- reading ---- */

struct rctx {
    char  *why;
    size_t wl;
    int    rc;
    char   path[96];   /* the parent element, for reasons */
};

static void rfail(struct rctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void rfail(struct rctx *c, int rc, const char *fmt, ...)
{
    if (c->rc) return;
    c->rc = rc;
    if (c->why && c->wl) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->wl, fmt, ap);
        va_end(ap);
    }
}

/* An element of ours: in the edXML namespace or, as some partners write, in none. */
static int is(const xmlNode *n, const char *name)
{
    return xmlsafe_is(n, EDXML_NS, name) || xmlsafe_is(n, NULL, name);
}

static xmlNodePtr child(const xmlNode *parent, const char *name)
{
    if (!parent) return NULL;
    for (xmlNodePtr n = parent->children; n; n = n->next)
        if (is(n, name)) return n;
    return NULL;
}

static xmlNodePtr next_named(xmlNodePtr n, const char *name)
{
    for (n = n ? n->next : NULL; n; n = n->next)
        if (is(n, name)) return n;
    return NULL;
}

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The text of an element (its text and CDATA children), trimmed, at most cap bytes; "" when n is NULL. */
static char *text(struct rctx *c, const xmlNode *n, const char *name, size_t cap)
{
    if (!n) return xstrdup("");
    size_t total = 0;
    for (xmlNodePtr t = n->children; t; t = t->next)
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content)
            total += strlen((const char *)t->content);
    char *s = xmalloc(total + 1);
    size_t len = 0;
    for (xmlNodePtr t = n->children; t; t = t->next)
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content) {
            size_t l = strlen((const char *)t->content);
            memcpy(s + len, t->content, l);
            len += l;
        }
    s[len] = 0;
    size_t a = 0;
    while (a < len && is_ws(s[a])) a++;
    while (len > a && is_ws(s[len - 1])) len--;
    if (len - a > cap) {
        rfail(c, -E2BIG, "%s%s%s is longer than %zu bytes", c->path, c->path[0] ? "/" : "", name, cap);
        free(s);
        return xstrdup("");
    }
    memmove(s, s + a, len - a);
    s[len - a] = 0;
    return s;
}

static char *field(struct rctx *c, const xmlNode *parent, const char *name, size_t cap)
{
    return text(c, child(parent, name), name, cap);
}

static int number(struct rctx *c, const xmlNode *parent, const char *name, int lo, int hi)
{
    char *s = field(c, parent, name, 16);
    int v = 0;
    if (*s) {
        char *end;
        errno = 0;
        long x = strtol(s, &end, 10);
        if (errno || *end || x < lo || x > hi) rfail(c, -EINVAL, "%s/%s \"%s\" is not a number in %d..%d", c->path, name, s, lo, hi);
        else v = (int)x;
    }
    free(s);
    return v;
}

static edxml_date_t date(struct rctx *c, const xmlNode *parent, const char *name)
{
    char *s = field(c, parent, name, 32);
    edxml_date_t d;
    if (edxml_date_parse(s, &d)) rfail(c, -EINVAL, "%s/%s \"%s\" is not a date (dd/mm/yyyy or yyyy/mm/dd)", c->path, name, s);
    free(s);
    return d;
}

static edxml_time_t instant(struct rctx *c, const xmlNode *parent, const char *name)
{
    char *s = field(c, parent, name, 32);
    edxml_time_t t;
    if (edxml_time_parse(s, &t))
        rfail(c, -EINVAL, "%s/%s \"%s\" is not a date and time (yyyy/mm/dd hh:mm:ss)", c->path, name, s);
    free(s);
    return t;
}

static void at(struct rctx *c, const char *path) { snprintf(c->path, sizeof c->path, "%s", path); }

static void read_organ(struct rctx *c, const xmlNode *n, edxml_organ_t *o)
{
    o->organ_id = field(c, n, "OrganId", EDXML_MAX_FIELD);
    o->organ_name = field(c, n, "OrganName", EDXML_MAX_FIELD);
    o->organization_in_charge = field(c, n, "OrganizationInCharge", EDXML_MAX_FIELD);
    o->organ_add = field(c, n, "OrganAdd", EDXML_MAX_FIELD);
    o->email = field(c, n, "Email", EDXML_MAX_FIELD);
    o->telephone = field(c, n, "Telephone", EDXML_MAX_FIELD);
    o->fax = field(c, n, "Fax", EDXML_MAX_FIELD);
    o->website = field(c, n, "Website", EDXML_MAX_FIELD);
}

static void read_staff(struct rctx *c, const xmlNode *n, edxml_staff_t *s)
{
    s->department = field(c, n, "Department", EDXML_MAX_FIELD);
    s->staff = field(c, n, "Staff", EDXML_MAX_FIELD);
    s->email = field(c, n, "Email", EDXML_MAX_FIELD);
    s->mobile = field(c, n, "Mobile", EDXML_MAX_FIELD);
}

static void read_response_for(struct rctx *c, const xmlNode *n, edxml_response_for_t *r)
{
    at(c, "ResponseFor");
    r->organ_id = field(c, n, "OrganId", EDXML_MAX_FIELD);
    r->code = field(c, n, "Code", EDXML_MAX_FIELD);
    r->promulgation_date = date(c, n, "PromulgationDate");
    r->document_id = field(c, n, "DocumentId", EDXML_MAX_FIELD);
}

/* Every `name` child of parent, as strings; empty ones skipped. */
static char **strings(struct rctx *c, const xmlNode *parent, const char *name, int max, int *n_out)
{
    *n_out = 0;
    int n = 0;
    for (xmlNodePtr e = child(parent, name); e; e = next_named(e, name)) n++;
    if (n > max) { rfail(c, -E2BIG, "more than %d %s elements", max, name); return NULL; }
    if (!n) return NULL;
    char **v = xcalloc((size_t)n, sizeof *v);
    int k = 0;
    for (xmlNodePtr e = child(parent, name); e; e = next_named(e, name)) {
        char *s = text(c, e, name, EDXML_MAX_FIELD);
        if (*s) v[k++] = s;
        else free(s);
    }
    *n_out = k;
    if (!k) { free(v); return NULL; }
    return v;
}

static char *strip_cid(char *s)
{
    if (!strncmp(s, "cid:", 4)) memmove(s, s + 4, strlen(s + 4) + 1);
    return s;
}

static void read_attachments(struct rctx *c, const xmlNode *root, const xmlNode *body, edxml_doc_t *d)
{
    /* AttachmentEncoded sits beside the envelope in the samples; inside the body is accepted too */
    const xmlNode *ae = child(root, "AttachmentEncoded");
    if (!ae) ae = child(body, "AttachmentEncoded");
    int n = 0;
    for (xmlNodePtr e = child(ae, "Attachment"); e; e = next_named(e, "Attachment")) n++;
    if (n > EDXML_MAX_ATTACHMENTS) { rfail(c, -E2BIG, "more than %d attachments", EDXML_MAX_ATTACHMENTS); return; }
    if (n) d->attachments = xcalloc((size_t)n, sizeof *d->attachments);
    size_t total = 0;
    for (xmlNodePtr e = child(ae, "Attachment"); e && !c->rc; e = next_named(e, "Attachment")) {
        edxml_attachment_t *a = &d->attachments[d->n_attachments++];
        snprintf(c->path, sizeof c->path, "Attachment[%d]", d->n_attachments);
        a->content_id = strip_cid(field(c, e, "ContentId", EDXML_MAX_FIELD + 4));
        a->name = field(c, e, "AttachmentName", EDXML_MAX_FIELD);
        a->description = field(c, e, "Description", EDXML_MAX_TEXT);
        a->content_type = field(c, e, "ContentType", EDXML_MAX_FIELD);
        if (!*a->content_id) { rfail(c, -EINVAL, "%s/ContentId is missing", c->path); break; }
        if (strlen(a->content_id) > EDXML_MAX_FIELD) { rfail(c, -E2BIG, "%s/ContentId is too long", c->path); break; }
        for (int j = 0; j < d->n_attachments - 1; j++)
            if (!strcmp(d->attachments[j].content_id, a->content_id)) {
                rfail(c, -EINVAL, "ContentId \"cid:%s\" is used twice", a->content_id);
                break;
            }
        const xmlNode *enc = child(e, "ContentTransferEncoded");
        if (!enc) { rfail(c, -EINVAL, "%s/ContentTransferEncoded is missing", c->path); break; }
        char *s = text(c, enc, "ContentTransferEncoded", EDXML_MAX_BYTES);
        int rc = b64_decode(s, strlen(s), EDXML_MAX_ATTACHMENT - total, &a->data, &a->len);
        free(s);
        if (rc == -E2BIG) rfail(c, rc, "the attachments are larger than %zu bytes", EDXML_MAX_ATTACHMENT);
        else if (rc) rfail(c, rc, "%s (cid:%s): ContentTransferEncoded is not valid base64", c->path, a->content_id);
        total += a->len;
    }
    if (c->rc) return;
    /* the manifest: every Reference names an attachment that is here */
    const xmlNode *man = child(body, "edXMLManifest");
    int k = 0;
    for (xmlNodePtr r = child(man, "Reference"); r && !c->rc; r = next_named(r, "Reference")) {
        if (++k > EDXML_MAX_ATTACHMENTS) { rfail(c, -E2BIG, "more than %d manifest references", EDXML_MAX_ATTACHMENTS); break; }
        at(c, "edXMLManifest/Reference");
        char *cid = strip_cid(field(c, r, "ContentId", EDXML_MAX_FIELD + 4));
        edxml_attachment_t *a = NULL;
        for (int i = 0; i < d->n_attachments; i++)
            if (!strcmp(d->attachments[i].content_id, cid)) a = &d->attachments[i];
        if (!a) rfail(c, -EINVAL, "the manifest lists cid:%s but no Attachment carries it", cid);
        free(cid);
        if (!a) break;
        /* what the attachment itself leaves empty, the manifest tells */
        char **slots[3] = {&a->name, &a->description, &a->content_type};
        const char *names[3] = {"AttachmentName", "Description", "ContentType"};
        for (int i = 0; i < 3; i++)
            if (!**slots[i]) {
                free(*slots[i]);
                *slots[i] = field(c, r, names[i], i == 1 ? EDXML_MAX_TEXT : EDXML_MAX_FIELD);
            }
    }
}

int edxml_parse(const void *xml, size_t n, edxml_doc_t *d, char *why, size_t why_len)
{
    memset(d, 0, sizeof *d);
    if (why && why_len) why[0] = 0;
    xmlDocPtr doc = NULL;
    int rc = xmlsafe_read(xml, n, EDXML_MAX_BYTES, &doc, why, why_len);
    if (rc) return rc;
    struct rctx c = {.why = why, .wl = why_len};
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr env = child(root, "edXMLEnvelope"), hdr = child(env, "edXMLHeader"), mh = child(hdr, "MessageHeader");
    xmlNodePtr body = child(env, "edXMLBody");
    if (!is(root, "edXML")) rfail(&c, -EINVAL, "the root element is not edXML");
    else if (!mh) rfail(&c, -EINVAL, "edXMLEnvelope/edXMLHeader/MessageHeader is missing");
    if (c.rc) goto out;
    xmlNodePtr from = child(mh, "From");
    if (!from) { rfail(&c, -EINVAL, "From is missing"); goto out; }
    at(&c, "From");
    read_organ(&c, from, &d->from);
    xmlNodePtr sc = child(mh, "StatusCode");
    if (sc) {
        d->kind = EDXML_STATUS;
        char *code = text(&c, sc, "StatusCode", 8);
        if (strlen(code) < sizeof d->status_code) memcpy(d->status_code, code, strlen(code) + 1);
        else rfail(&c, -EINVAL, "StatusCode \"%s\" is not one of %s", code, EDXML_STATUS_CODES);
        free(code);
        xmlNodePtr rf = child(mh, "ResponseFor");
        if (!rf) rfail(&c, -EINVAL, "ResponseFor is missing");
        read_response_for(&c, rf, &d->response_for);
        at(&c, "StaffInfo");
        read_staff(&c, child(mh, "StaffInfo"), &d->staff);
        at(&c, "MessageHeader");
        d->description = field(&c, mh, "Description", EDXML_MAX_TEXT);
        d->timestamp = instant(&c, mh, "Timestamp");
    } else {
        d->kind = EDXML_PACKAGE;
        int n_to = 0;
        for (xmlNodePtr t = child(mh, "To"); t; t = next_named(t, "To")) n_to++;
        if (n_to > EDXML_MAX_TO) { rfail(&c, -E2BIG, "more than %d To elements", EDXML_MAX_TO); goto out; }
        if (n_to) d->to = xcalloc((size_t)n_to, sizeof *d->to);
        for (xmlNodePtr t = child(mh, "To"); t; t = next_named(t, "To")) {
            snprintf(c.path, sizeof c.path, "To[%d]", d->n_to + 1);
            read_organ(&c, t, &d->to[d->n_to++]);
        }
        at(&c, "MessageHeader");
        d->document_id = field(&c, mh, "DocumentId", EDXML_MAX_FIELD);
        xmlNodePtr code = child(mh, "Code");
        if (!code) rfail(&c, -EINVAL, "Code is missing");
        at(&c, "Code");
        d->code_number = field(&c, code, "CodeNumber", EDXML_MAX_FIELD);
        d->code_notation = field(&c, code, "CodeNotation", EDXML_MAX_FIELD);
        xmlNodePtr pi = child(mh, "PromulgationInfo");
        at(&c, "PromulgationInfo");
        d->place = field(&c, pi, "Place", EDXML_MAX_FIELD);
        d->promulgation_date = date(&c, pi, "PromulgationDate");
        xmlNodePtr dt = child(mh, "DocumentType");
        at(&c, "DocumentType");
        d->type = number(&c, dt, "Type", 0, 9999);
        d->type_detail = number(&c, dt, "TypeDetail", 0, 9999);
        d->type_name = field(&c, dt, "TypeName", EDXML_MAX_FIELD);
        at(&c, "MessageHeader");
        d->subject = field(&c, mh, "Subject", EDXML_MAX_TEXT);
        d->content = field(&c, mh, "Content", EDXML_MAX_CONTENT);
        xmlNodePtr si = child(mh, "SignerInfo");
        at(&c, "SignerInfo");
        d->signer_competence = field(&c, si, "Competence", EDXML_MAX_FIELD);
        d->signer_position = field(&c, si, "Position", EDXML_MAX_FIELD);
        d->signer_full_name = field(&c, si, "FullName", EDXML_MAX_FIELD);
        at(&c, "MessageHeader");
        d->due_date = date(&c, mh, "DueDate");
        d->steering_type = number(&c, mh, "SteeringType", 0, 9999);
        xmlNodePtr oi = child(mh, "OtherInfo");
        at(&c, "OtherInfo");
        d->priority = number(&c, oi, "Priority", 0, 9999);
        d->sphere_of_promulgation = field(&c, oi, "SphereOfPromulgation", EDXML_MAX_FIELD);
        d->typer_notation = field(&c, oi, "TyperNotation", EDXML_MAX_FIELD);
        d->promulgation_amount = number(&c, oi, "PromulgationAmount", 0, 1000000);
        d->page_amount = number(&c, oi, "PageAmount", 0, 1000000);
        char *dir = field(&c, oi, "Direction", 8);
        if (!strcmp(dir, "true") || !strcmp(dir, "1")) d->direction = true;
        else if (*dir && strcmp(dir, "false") && strcmp(dir, "0"))
            rfail(&c, -EINVAL, "OtherInfo/Direction \"%s\" is not true or false", dir);
        free(dir);
        d->appendixes = strings(&c, child(oi, "Appendixes"), "Appendix", EDXML_MAX_APPENDIXES, &d->n_appendixes);
        d->to_places = strings(&c, child(mh, "ToPlaces"), "Place", EDXML_MAX_PLACES, &d->n_to_places);
        xmlNodePtr rf = child(mh, "ResponseFor");
        if (rf) read_response_for(&c, rf, &d->response_for);
        else d->response_for.organ_id = xstrdup(""), d->response_for.code = xstrdup(""),
             d->response_for.document_id = xstrdup("");
        xmlNodePtr tl = child(hdr, "TraceHeaderList");
        int n_tr = 0;
        for (xmlNodePtr t = child(tl, "TraceHeader"); t; t = next_named(t, "TraceHeader")) n_tr++;
        if (n_tr > EDXML_MAX_TRACES) { rfail(&c, -E2BIG, "more than %d TraceHeader elements", EDXML_MAX_TRACES); goto out; }
        if (n_tr) d->traces = xcalloc((size_t)n_tr, sizeof *d->traces);
        for (xmlNodePtr t = child(tl, "TraceHeader"); t; t = next_named(t, "TraceHeader")) {
            edxml_trace_t *tr = &d->traces[d->n_traces++];
            snprintf(c.path, sizeof c.path, "TraceHeader[%d]", d->n_traces);
            tr->organ_id = field(&c, t, "OrganId", EDXML_MAX_FIELD);
            tr->timestamp = instant(&c, t, "Timestamp");
        }
        xmlNodePtr bu = child(tl, "Bussiness");
        d->has_business = bu != NULL;
        at(&c, "Bussiness");
        d->business.document_id = field(&c, bu, "DocumentId", EDXML_MAX_FIELD);
        d->business.doc_type = number(&c, bu, "BussinessDocType", 0, 3);
        d->business.reason = field(&c, bu, "BussinessDocReason", EDXML_MAX_TEXT);
        d->business.paper = number(&c, bu, "Paper", 0, 9999);
        read_staff(&c, child(bu, "StaffInfo"), &d->business.staff);
        if (!c.rc) read_attachments(&c, root, body, d);
    }
    /* a status message leaves the package's strings NULL: make them "" as promised */
    char **fill[] = {&d->document_id, &d->code_number, &d->code_notation, &d->place, &d->type_name, &d->subject,
                     &d->content, &d->signer_competence, &d->signer_position, &d->signer_full_name,
                     &d->sphere_of_promulgation, &d->typer_notation, &d->description,
                     &d->business.document_id, &d->business.reason, &d->business.staff.department,
                     &d->business.staff.staff, &d->business.staff.email, &d->business.staff.mobile,
                     &d->staff.department, &d->staff.staff, &d->staff.email, &d->staff.mobile,
                     &d->response_for.organ_id, &d->response_for.code, &d->response_for.document_id};
    for (size_t i = 0; i < sizeof fill / sizeof fill[0]; i++)
        if (!*fill[i]) *fill[i] = xstrdup("");
    if (!c.rc) {
        char reason[256] = "";
        if (check_required(d, d->document_id, reason, sizeof reason) != 0) rfail(&c, -EINVAL, "%s", reason);
    }
out:
    xmlFreeDoc(doc);
    if (c.rc) edxml_doc_free(d);
    return c.rc;
}

/* ---- JSON ---- */

static void j_organ(jw_t *w, const char *key, const edxml_organ_t *o)
{
    if (key) jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "organ_id", nz(o->organ_id));
    jw_kstr(w, "organ_name", nz(o->organ_name));
    jw_kstr(w, "organization_in_charge", nz(o->organization_in_charge));
    jw_kstr(w, "organ_add", nz(o->organ_add));
    jw_kstr(w, "email", nz(o->email));
    jw_kstr(w, "telephone", nz(o->telephone));
    jw_kstr(w, "fax", nz(o->fax));
    jw_kstr(w, "website", nz(o->website));
    jw_obj_end(w);
}

static void j_staff(jw_t *w, const char *key, const edxml_staff_t *s)
{
    jw_key(w, key);
    jw_obj_begin(w);
    jw_kstr(w, "department", nz(s->department));
    jw_kstr(w, "staff", nz(s->staff));
    jw_kstr(w, "email", nz(s->email));
    jw_kstr(w, "mobile", nz(s->mobile));
    jw_obj_end(w);
}

static void j_date(jw_t *w, const char *key, const edxml_date_t *d)
{
    char s[16];
    date_iso(d, s);
    jw_kstr(w, key, s);
}

static void j_time(jw_t *w, const char *key, const edxml_time_t *t)
{
    char s[24];
    time_iso(t, s);
    jw_kstr(w, key, s);
}

static void j_response_for(jw_t *w, const edxml_response_for_t *r)
{
    jw_key(w, "response_for");
    jw_obj_begin(w);
    jw_kstr(w, "organ_id", nz(r->organ_id));
    jw_kstr(w, "code", nz(r->code));
    j_date(w, "promulgation_date", &r->promulgation_date);
    jw_kstr(w, "document_id", nz(r->document_id));
    jw_obj_end(w);
}

static void j_strings(jw_t *w, const char *key, char **v, int n)
{
    jw_key(w, key);
    jw_arr_begin(w);
    for (int i = 0; i < n; i++) jw_str(w, v[i]);
    jw_arr_end(w);
}

void edxml_to_json(jw_t *w, const edxml_doc_t *d, bool with_data)
{
    jw_obj_begin(w);
    jw_kstr(w, "kind", d->kind == EDXML_STATUS ? "status" : "package");
    j_organ(w, "from", &d->from);
    if (d->kind == EDXML_STATUS) {
        j_response_for(w, &d->response_for);
        j_staff(w, "staff", &d->staff);
        jw_kstr(w, "status_code", d->status_code);
        jw_kstr(w, "status", nz(edxml_status_name(d->status_code)));
        jw_kstr(w, "description", nz(d->description));
        j_time(w, "timestamp", &d->timestamp);
        jw_obj_end(w);
        return;
    }
    jw_key(w, "to");
    jw_arr_begin(w);
    for (int i = 0; i < d->n_to; i++) j_organ(w, NULL, &d->to[i]);
    jw_arr_end(w);
    jw_kstr(w, "document_id", nz(d->document_id));
    jw_key(w, "code");
    jw_obj_begin(w);
    jw_kstr(w, "number", nz(d->code_number));
    jw_kstr(w, "notation", nz(d->code_notation));
    jw_obj_end(w);
    jw_key(w, "promulgation");
    jw_obj_begin(w);
    jw_kstr(w, "place", nz(d->place));
    j_date(w, "date", &d->promulgation_date);
    jw_obj_end(w);
    jw_key(w, "document_type");
    jw_obj_begin(w);
    jw_kint(w, "type", d->type);
    jw_kint(w, "type_detail", d->type_detail);
    jw_kstr(w, "type_name", nz(d->type_name));
    jw_obj_end(w);
    jw_kstr(w, "subject", nz(d->subject));
    jw_kstr(w, "content", nz(d->content));
    jw_key(w, "signer");
    jw_obj_begin(w);
    jw_kstr(w, "competence", nz(d->signer_competence));
    jw_kstr(w, "position", nz(d->signer_position));
    jw_kstr(w, "full_name", nz(d->signer_full_name));
    jw_obj_end(w);
    j_date(w, "due_date", &d->due_date);
    jw_key(w, "other");
    jw_obj_begin(w);
    jw_kint(w, "priority", d->priority);
    jw_kstr(w, "sphere_of_promulgation", nz(d->sphere_of_promulgation));
    jw_kstr(w, "typer_notation", nz(d->typer_notation));
    jw_kint(w, "promulgation_amount", d->promulgation_amount);
    jw_kint(w, "page_amount", d->page_amount);
    jw_kbool(w, "direction", d->direction);
    j_strings(w, "appendixes", d->appendixes, d->n_appendixes);
    jw_obj_end(w);
    jw_kint(w, "steering_type", d->steering_type);
    j_strings(w, "to_places", d->to_places, d->n_to_places);
    if (*nz(d->response_for.document_id)) j_response_for(w, &d->response_for);
    jw_key(w, "trace");
    jw_arr_begin(w);
    for (int i = 0; i < d->n_traces; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "organ_id", nz(d->traces[i].organ_id));
        j_time(w, "timestamp", &d->traces[i].timestamp);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (d->has_business) {
        jw_key(w, "business");
        jw_obj_begin(w);
        jw_kstr(w, "document_id", nz(d->business.document_id));
        jw_kint(w, "doc_type", d->business.doc_type);
        jw_kstr(w, "reason", nz(d->business.reason));
        jw_kint(w, "paper", d->business.paper);
        j_staff(w, "staff", &d->business.staff);
        jw_obj_end(w);
    }
    jw_key(w, "attachments");
    jw_arr_begin(w);
    for (int i = 0; i < d->n_attachments; i++) {
        const edxml_attachment_t *a = &d->attachments[i];
        jw_obj_begin(w);
        jw_kstr(w, "content_id", nz(a->content_id));
        jw_kstr(w, "name", nz(a->name));
        jw_kstr(w, "description", nz(a->description));
        jw_kstr(w, "content_type", nz(a->content_type));
        jw_kint(w, "size", (long long)a->len);
        char hex[SHA256_HEX_LEN + 1];
        sha256_hex(a->data ? (const void *)a->data : (const void *)"", a->len, hex);
        jw_kstr(w, "sha256", hex);
        if (with_data) {
            buf_t b;
            buf_init(&b, EDXML_MAX_BYTES);
            if (b64_encode(a->data, a->len, &b) == 0) jw_kstr(w, "data_base64", b.data ? b.data : "");
            buf_free(&b);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

struct jctx {
    char  *why;
    size_t wl;
    int    rc;
    const char *path;
};

static void jfail(struct jctx *c, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void jfail(struct jctx *c, int rc, const char *fmt, ...)
{
    if (c->rc) return;
    c->rc = rc;
    if (c->why && c->wl) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->why, c->wl, fmt, ap);
        va_end(ap);
    }
}

static char *jstr(struct jctx *c, const json_t *o, const char *key, size_t cap)
{
    const json_t *v = o ? json_object_get(o, key) : NULL;
    if (!v || json_is_null(v)) return xstrdup("");
    if (!json_is_string(v)) { jfail(c, -EINVAL, "%s%s must be a string", c->path, key); return xstrdup(""); }
    size_t l = json_string_length(v);
    const char *s = json_string_value(v);
    if (strlen(s) != l) { jfail(c, -EINVAL, "%s%s holds a NUL character", c->path, key); return xstrdup(""); }
    if (l > cap) { jfail(c, -E2BIG, "%s%s is longer than %zu bytes", c->path, key, cap); return xstrdup(""); }
    return xstrdup(s);
}

static int jint(struct jctx *c, const json_t *o, const char *key, int lo, int hi)
{
    const json_t *v = o ? json_object_get(o, key) : NULL;
    if (!v || json_is_null(v)) return 0;
    long long x;
    if (json_is_integer(v)) x = json_integer_value(v);
    else if (json_is_string(v)) {
        char *end;
        errno = 0;
        x = strtoll(json_string_value(v), &end, 10);
        if (errno || *end || end == json_string_value(v)) { jfail(c, -EINVAL, "%s%s must be a number", c->path, key); return 0; }
    } else { jfail(c, -EINVAL, "%s%s must be a number", c->path, key); return 0; }
    if (x < lo || x > hi) { jfail(c, -EINVAL, "%s%s must be in %d..%d", c->path, key, lo, hi); return 0; }
    return (int)x;
}

static edxml_date_t jdate(struct jctx *c, const json_t *o, const char *key)
{
    char *s = jstr(c, o, key, 32);
    edxml_date_t d;
    if (edxml_date_parse(s, &d)) jfail(c, -EINVAL, "%s%s \"%s\" is not a date (yyyy-mm-dd)", c->path, key, s);
    free(s);
    return d;
}

static edxml_time_t jtime(struct jctx *c, const json_t *o, const char *key)
{
    char *s = jstr(c, o, key, 32);
    edxml_time_t t;
    if (edxml_time_parse(s, &t)) jfail(c, -EINVAL, "%s%s \"%s\" is not a date and time (yyyy-mm-ddThh:mm:ss)", c->path, key, s);
    free(s);
    return t;
}

/* Unknown keys are refused (a misspelt key would otherwise vanish silently). */
static void jkeys(struct jctx *c, const json_t *o, const char *where, const char *const *allowed)
{
    if (!o || !json_is_object(o) || c->rc) return;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
        (void)v;
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++) ok = !strcmp(*a, k);
        if (!ok) { jfail(c, -EINVAL, "%s\"%s\" is not a known field", where, k); return; }
    }
}

static const char *const k_organ[] = {"organ_id", "organ_name", "organization_in_charge", "organ_add", "email",
                                      "telephone", "fax", "website", NULL};
static const char *const k_staff[] = {"department", "staff", "email", "mobile", NULL};
static const char *const k_rf[] = {"organ_id", "code", "promulgation_date", "document_id", NULL};
static const char *const k_status[] = {"kind", "from", "response_for", "staff", "status_code", "status", "description",
                                       "timestamp", NULL};
static const char *const k_package[] = {"kind", "from", "to", "document_id", "code", "promulgation", "document_type",
                                        "subject", "content", "signer", "due_date", "other", "steering_type",
                                        "to_places", "response_for", "trace", "business", "attachments", NULL};
static const char *const k_code[] = {"number", "notation", NULL};
static const char *const k_prom[] = {"place", "date", NULL};
static const char *const k_type[] = {"type", "type_detail", "type_name", NULL};
static const char *const k_signer[] = {"competence", "position", "full_name", NULL};
static const char *const k_other[] = {"priority", "sphere_of_promulgation", "typer_notation", "promulgation_amount",
                                      "page_amount", "direction", "appendixes", NULL};
static const char *const k_trace[] = {"organ_id", "timestamp", NULL};
static const char *const k_business[] = {"document_id", "doc_type", "reason", "paper", "staff", NULL};
static const char *const k_attachment[] = {"content_id", "name", "description", "content_type", "data_base64",
                                           "file", "size", "sha256", NULL};

static const json_t *jobj(struct jctx *c, const json_t *o, const char *key)
{
    const json_t *v = o ? json_object_get(o, key) : NULL;
    if (v && !json_is_object(v)) { jfail(c, -EINVAL, "%s%s must be an object", c->path, key); return NULL; }
    return v;
}

static const json_t *jarr(struct jctx *c, const json_t *o, const char *key, size_t max)
{
    const json_t *v = o ? json_object_get(o, key) : NULL;
    if (v && !json_is_array(v)) { jfail(c, -EINVAL, "%s must be an array", key); return NULL; }
    if (v && json_array_size(v) > max) { jfail(c, -E2BIG, "%s has more than %zu entries", key, max); return NULL; }
    return v;
}

static void jorgan(struct jctx *c, const json_t *o, edxml_organ_t *g)
{
    jkeys(c, o, c->path, k_organ);
    g->organ_id = jstr(c, o, "organ_id", EDXML_MAX_FIELD);
    g->organ_name = jstr(c, o, "organ_name", EDXML_MAX_FIELD);
    g->organization_in_charge = jstr(c, o, "organization_in_charge", EDXML_MAX_FIELD);
    g->organ_add = jstr(c, o, "organ_add", EDXML_MAX_FIELD);
    g->email = jstr(c, o, "email", EDXML_MAX_FIELD);
    g->telephone = jstr(c, o, "telephone", EDXML_MAX_FIELD);
    g->fax = jstr(c, o, "fax", EDXML_MAX_FIELD);
    g->website = jstr(c, o, "website", EDXML_MAX_FIELD);
}

static void jstaff(struct jctx *c, const json_t *o, edxml_staff_t *s)
{
    jkeys(c, o, c->path, k_staff);
    s->department = jstr(c, o, "department", EDXML_MAX_FIELD);
    s->staff = jstr(c, o, "staff", EDXML_MAX_FIELD);
    s->email = jstr(c, o, "email", EDXML_MAX_FIELD);
    s->mobile = jstr(c, o, "mobile", EDXML_MAX_FIELD);
}

static void jresponse_for(struct jctx *c, const json_t *o, edxml_response_for_t *r)
{
    c->path = "response_for.";
    jkeys(c, o, c->path, k_rf);
    r->organ_id = jstr(c, o, "organ_id", EDXML_MAX_FIELD);
    r->code = jstr(c, o, "code", EDXML_MAX_FIELD);
    r->promulgation_date = jdate(c, o, "promulgation_date");
    r->document_id = jstr(c, o, "document_id", EDXML_MAX_FIELD);
}

static char **jstrings(struct jctx *c, const json_t *o, const char *key, size_t max, int *n_out)
{
    *n_out = 0;
    const json_t *a = jarr(c, o, key, max);
    if (!a || !json_array_size(a)) return NULL;
    char **v = xcalloc(json_array_size(a), sizeof *v);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *e = json_array_get(a, i);
        if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e) ||
            json_string_length(e) > EDXML_MAX_FIELD) {
            jfail(c, -EINVAL, "%s[%zu] must be a string of at most %d bytes", key, i, EDXML_MAX_FIELD);
            break;
        }
        v[(*n_out)++] = xstrdup(json_string_value(e));
    }
    return v;
}

int edxml_from_json(const json_t *o, edxml_doc_t *d, edxml_load_fn load, void *arg, char *why, size_t why_len)
{
    memset(d, 0, sizeof *d);
    if (why && why_len) why[0] = 0;
    struct jctx c = {.why = why, .wl = why_len, .path = ""};
    if (!json_is_object(o)) { jfail(&c, -EINVAL, "the description must be a JSON object"); return c.rc; }
    char *kind = jstr(&c, o, "kind", 16);
    d->kind = !*kind || !strcmp(kind, "package") ? EDXML_PACKAGE : !strcmp(kind, "status") ? EDXML_STATUS : 0;
    if (!d->kind) jfail(&c, -EINVAL, "kind \"%s\" is not package or status", kind);
    free(kind);
    jkeys(&c, o, "", d->kind == EDXML_STATUS ? k_status : k_package);
    c.path = "from.";
    jorgan(&c, jobj(&c, o, "from"), &d->from);
    c.path = "";
    if (d->kind == EDXML_STATUS) {
        jresponse_for(&c, jobj(&c, o, "response_for"), &d->response_for);
        c.path = "staff.";
        jstaff(&c, jobj(&c, o, "staff"), &d->staff);
        c.path = "";
        char *code = jstr(&c, o, "status_code", 2);
        memcpy(d->status_code, code, strlen(code) + 1);
        free(code);
        d->description = jstr(&c, o, "description", EDXML_MAX_TEXT);
        d->timestamp = jtime(&c, o, "timestamp");
        goto out;
    }
    const json_t *to = jarr(&c, o, "to", EDXML_MAX_TO);
    if (to && json_array_size(to)) {
        d->to = xcalloc(json_array_size(to), sizeof *d->to);
        for (size_t i = 0; i < json_array_size(to); i++) {
            c.path = "to[].";
            const json_t *t = json_array_get(to, i);
            if (!json_is_object(t)) { jfail(&c, -EINVAL, "to[%zu] must be an object", i); break; }
            jorgan(&c, t, &d->to[d->n_to++]);
        }
    }
    c.path = "";
    d->document_id = jstr(&c, o, "document_id", EDXML_MAX_FIELD);
    const json_t *code = jobj(&c, o, "code");
    c.path = "code.";
    jkeys(&c, code, c.path, k_code);
    d->code_number = jstr(&c, code, "number", EDXML_MAX_FIELD);
    d->code_notation = jstr(&c, code, "notation", EDXML_MAX_FIELD);
    const json_t *pr = jobj(&c, o, "promulgation");
    c.path = "promulgation.";
    jkeys(&c, pr, c.path, k_prom);
    d->place = jstr(&c, pr, "place", EDXML_MAX_FIELD);
    d->promulgation_date = jdate(&c, pr, "date");
    c.path = "";
    const json_t *dt = jobj(&c, o, "document_type");
    c.path = "document_type.";
    jkeys(&c, dt, c.path, k_type);
    d->type = jint(&c, dt, "type", 0, 9999);
    d->type_detail = jint(&c, dt, "type_detail", 0, 9999);
    d->type_name = jstr(&c, dt, "type_name", EDXML_MAX_FIELD);
    c.path = "";
    d->subject = jstr(&c, o, "subject", EDXML_MAX_TEXT);
    d->content = jstr(&c, o, "content", EDXML_MAX_CONTENT);
    const json_t *si = jobj(&c, o, "signer");
    c.path = "signer.";
    jkeys(&c, si, c.path, k_signer);
    d->signer_competence = jstr(&c, si, "competence", EDXML_MAX_FIELD);
    d->signer_position = jstr(&c, si, "position", EDXML_MAX_FIELD);
    d->signer_full_name = jstr(&c, si, "full_name", EDXML_MAX_FIELD);
    c.path = "";
    d->due_date = jdate(&c, o, "due_date");
    const json_t *oi = jobj(&c, o, "other");
    c.path = "other.";
    jkeys(&c, oi, c.path, k_other);
    d->priority = jint(&c, oi, "priority", 0, 9999);
    d->sphere_of_promulgation = jstr(&c, oi, "sphere_of_promulgation", EDXML_MAX_FIELD);
    d->typer_notation = jstr(&c, oi, "typer_notation", EDXML_MAX_FIELD);
    d->promulgation_amount = jint(&c, oi, "promulgation_amount", 0, 1000000);
    d->page_amount = jint(&c, oi, "page_amount", 0, 1000000);
    const json_t *dir = oi ? json_object_get(oi, "direction") : NULL;
    if (dir && !json_is_boolean(dir)) jfail(&c, -EINVAL, "other.direction must be true or false");
    d->direction = dir && json_is_true(dir);
    d->appendixes = jstrings(&c, oi, "appendixes", EDXML_MAX_APPENDIXES, &d->n_appendixes);
    c.path = "";
    d->steering_type = jint(&c, o, "steering_type", 0, 9999);
    d->to_places = jstrings(&c, o, "to_places", EDXML_MAX_PLACES, &d->n_to_places);
    jresponse_for(&c, jobj(&c, o, "response_for"), &d->response_for);
    const json_t *tr = jarr(&c, o, "trace", EDXML_MAX_TRACES);
    if (tr && json_array_size(tr)) {
        d->traces = xcalloc(json_array_size(tr), sizeof *d->traces);
        c.path = "trace[].";
        for (size_t i = 0; i < json_array_size(tr); i++) {
            const json_t *t = json_array_get(tr, i);
            if (!json_is_object(t)) { jfail(&c, -EINVAL, "trace[%zu] must be an object", i); break; }
            jkeys(&c, t, c.path, k_trace);
            edxml_trace_t *x = &d->traces[d->n_traces++];
            x->organ_id = jstr(&c, t, "organ_id", EDXML_MAX_FIELD);
            x->timestamp = jtime(&c, t, "timestamp");
        }
    }
    c.path = "";
    const json_t *bu = jobj(&c, o, "business");
    d->has_business = bu != NULL;
    c.path = "business.";
    jkeys(&c, bu, c.path, k_business);
    d->business.document_id = jstr(&c, bu, "document_id", EDXML_MAX_FIELD);
    d->business.doc_type = jint(&c, bu, "doc_type", 0, 3);
    d->business.reason = jstr(&c, bu, "reason", EDXML_MAX_TEXT);
    d->business.paper = jint(&c, bu, "paper", 0, 9999);
    c.path = "business.staff.";
    jstaff(&c, bu ? jobj(&c, bu, "staff") : NULL, &d->business.staff);
    c.path = "";
    const json_t *at = jarr(&c, o, "attachments", EDXML_MAX_ATTACHMENTS);
    size_t total = 0;
    if (at && json_array_size(at)) {
        d->attachments = xcalloc(json_array_size(at), sizeof *d->attachments);
        c.path = "attachments[].";
        for (size_t i = 0; i < json_array_size(at) && !c.rc; i++) {
            const json_t *e = json_array_get(at, i);
            if (!json_is_object(e)) { jfail(&c, -EINVAL, "attachments[%zu] must be an object", i); break; }
            jkeys(&c, e, c.path, k_attachment);
            edxml_attachment_t *a = &d->attachments[d->n_attachments++];
            a->content_id = jstr(&c, e, "content_id", EDXML_MAX_FIELD);
            if (!*a->content_id) {   /* a stable default: the position */
                free(a->content_id);
                char id[24];
                snprintf(id, sizeof id, "%zu", i + 1);
                a->content_id = xstrdup(id);
            }
            a->name = jstr(&c, e, "name", EDXML_MAX_FIELD);
            a->description = jstr(&c, e, "description", EDXML_MAX_TEXT);
            a->content_type = jstr(&c, e, "content_type", EDXML_MAX_FIELD);
            if (!*a->content_type) { free(a->content_type); a->content_type = xstrdup("application/octet-stream"); }
            const json_t *b = json_object_get(e, "data_base64");
            const json_t *f = json_object_get(e, "file");
            if (b && json_is_string(b)) {
                int rc = b64_decode(json_string_value(b), json_string_length(b), EDXML_MAX_ATTACHMENT - total,
                                          &a->data, &a->len);
                if (rc) jfail(&c, rc, "attachments[%zu].data_base64 is %s", i, rc == -E2BIG ? "too large" : "not valid base64");
            } else if (f && json_is_string(f)) {
                if (!load) { jfail(&c, -EINVAL, "attachments[%zu].file is not allowed here", i); break; }
                int rc = load(json_string_value(f), &a->data, &a->len, arg);
                if (rc) jfail(&c, rc, "attachments[%zu].file \"%s\" cannot be read: %s", i, json_string_value(f), strerror(-rc));
                else if (a->len > EDXML_MAX_ATTACHMENT - total) jfail(&c, -E2BIG, "attachments[%zu] is too large", i);
            } else {
                jfail(&c, -EINVAL, "attachments[%zu] needs data_base64 or file", i);
            }
            total += a->len;
        }
    }
out:
    if (c.rc) edxml_doc_free(d);
    return c.rc;
}

/* xmlsafe.c — hostile-input XML parsing (see xmlsafe.h). */
#include "core/xmlsafe.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void init(void) { xmlInitParser(); }

/* The SAX internalSubset event comes with `<!DOCTYPE name`, before the subset's declarations are parsed. */
static void refuse_doctype(void *user, const xmlChar *name, const xmlChar *ext_id, const xmlChar *sys_id)
{
    (void)name; (void)ext_id; (void)sys_id;
    xmlParserCtxtPtr ctxt = user;
    *(int *)ctxt->_private = 1;
    xmlStopParser(ctxt);
}

static void set_why(char *why, size_t cap, const char *s)
{
    if (why && cap) snprintf(why, cap, "%s", s);
}

int xmlsafe_read(const void *p, size_t n, size_t max, xmlDocPtr *out, char *why, size_t why_len)
{
    *out = NULL;
    set_why(why, why_len, "");
    if (n > max || n > (size_t)INT_MAX) { set_why(why, why_len, "the XML is larger than the limit"); return -E2BIG; }
    if (n == 0) { set_why(why, why_len, "empty input"); return -EINVAL; }
    pthread_once(&init_once, init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt || !ctxt->sax) abort();
    int doctype = 0;
    ctxt->_private = &doctype;
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->resolveEntity = NULL;
    const int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, p, (int)n, NULL, NULL, opts);
    int rc = 0;
    if (doctype) {
        set_why(why, why_len, "a DOCTYPE (DTD, entities) is not allowed");
        rc = -EINVAL;
    } else if (!doc || !ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        if (why && why_len) {
            char msg[200] = "not well-formed XML";
            if (e && e->message) {
                snprintf(msg, sizeof msg, "%s", e->message);
                size_t l = strlen(msg);
                while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' ')) msg[--l] = 0;
            }
            snprintf(why, why_len, "not well-formed XML (line %d): %s", e ? e->line : 0, msg);
        }
        rc = -EINVAL;
    } else if (doc->intSubset || doc->extSubset) {
        set_why(why, why_len, "a DOCTYPE (DTD, entities) is not allowed");
        rc = -EINVAL;
    }
    if (rc) { xmlFreeDoc(doc); doc = NULL; }
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return rc;
}

int xmlsafe_is(const xmlNode *node, const char *ns, const char *name)
{
    if (!node || node->type != XML_ELEMENT_NODE || strcmp((const char *)node->name, name)) return 0;
    if (!ns) return node->ns == NULL;
    return node->ns && node->ns->href && !strcmp((const char *)node->ns->href, ns);
}

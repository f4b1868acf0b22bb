/* ministry_soap.c — the SOAP 1.1 shape of the ministry adapter (see ministry_soap.h). Linked into the documents
 * module (libxml2), reached through the cli/docmod.c forwarders. */
#include "domain/ministry_soap.h"

#include "core/xmlsafe.h"

#include <errno.h>
#include <jansson.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#define SOAP_NS "http://schemas.xmlsoap.org/soap/envelope/"

static void add_value(xmlNodePtr parent, xmlNsPtr ns, const char *name, const json_t *v)
{
    if (json_is_object(v)) {
        xmlNodePtr e = xmlNewChild(parent, ns, BAD_CAST name, NULL);
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)v, k, x) add_value(e, ns, k, x);
    } else if (json_is_array(v)) {
        xmlNodePtr e = xmlNewChild(parent, ns, BAD_CAST name, NULL);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) add_value(e, ns, "item", x);
    } else {
        char num[32];
        const char *text = "";
        if (json_is_string(v)) text = json_string_value(v);
        else if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            text = num;
        } else if (json_is_boolean(v)) text = json_is_true(v) ? "true" : "false";
        xmlNewTextChild(parent, ns, BAD_CAST name, BAD_CAST text);
    }
}

int ministry_soap_build(const char *operation, const char *json, size_t n, buf_t *out, char *why, size_t why_len)
{
    json_t *j = json_loadb(json, n, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(why, why_len, "the request is not a JSON object");
        return -EINVAL;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr env = xmlNewNode(NULL, BAD_CAST "Envelope");
    xmlNsPtr soap = xmlNewNs(env, BAD_CAST SOAP_NS, BAD_CAST "soap");
    xmlSetNs(env, soap);
    xmlNsPtr m = xmlNewNs(env, BAD_CAST MINISTRY_SOAP_NS, BAD_CAST "m");
    xmlDocSetRootElement(doc, env);
    xmlNodePtr body = xmlNewChild(env, soap, BAD_CAST "Body", NULL);
    xmlNodePtr op = xmlNewChild(body, m, BAD_CAST operation, NULL);
    const char *k;
    json_t *x;
    json_object_foreach(j, k, x) add_value(op, m, k, x);
    xmlChar *mem = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
    xmlFreeDoc(doc);
    json_decref(j);
    if (!mem || len <= 0) {
        xmlFree(mem);
        snprintf(why, why_len, "the envelope cannot be serialised");
        return -ENOMEM;
    }
    buf_reset(out);
    buf_append(out, mem, (size_t)len);
    xmlFree(mem);
    return out->data ? 0 : -ENOMEM;
}

static xmlNodePtr first_element(xmlNodePtr n)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) return n;
    return NULL;
}

static int named(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static void set_text(json_t *o, const char *key, xmlNodePtr n)
{
    xmlChar *t = xmlNodeGetContent(n);
    json_object_set_new(o, key, json_string(t ? (const char *)t : ""));
    xmlFree(t);
}

int ministry_soap_parse(const void *xml, size_t n, buf_t *json_out, char *why, size_t why_len)
{
    xmlDocPtr doc = NULL;
    int rc = xmlsafe_read(xml, n, MINISTRY_SOAP_MAX, &doc, why, why_len);
    if (rc) return rc;
    xmlNodePtr env = xmlDocGetRootElement(doc);
    xmlNodePtr body = NULL;
    if (xmlsafe_is(env, SOAP_NS, "Envelope"))
        for (xmlNodePtr c = first_element(env->children); c; c = first_element(c->next))
            if (xmlsafe_is(c, SOAP_NS, "Body")) body = c;
    xmlNodePtr resp = body ? first_element(body->children) : NULL;
    json_t *o = json_object();
    rc = 0;
    if (!resp) {
        snprintf(why, why_len, "not a SOAP envelope with a body");
        rc = -EINVAL;
    } else if (xmlsafe_is(resp, SOAP_NS, "Fault")) {
        xmlNodePtr fs = NULL;
        for (xmlNodePtr c = first_element(resp->children); c; c = first_element(c->next))
            if (named(c, "faultstring")) fs = c;
        xmlChar *t = fs ? xmlNodeGetContent(fs) : NULL;
        snprintf(why, why_len, "SOAP fault: %.200s", t ? (const char *)t : "(no faultstring)");
        xmlFree(t);
        rc = -EPROTO;
    } else {
        for (xmlNodePtr c = first_element(resp->children); c; c = first_element(c->next)) {
            if (named(c, "Receipt")) set_text(o, "receipt", c);
            else if (named(c, "State")) set_text(o, "state", c);
            else if (named(c, "Result")) set_text(o, "result", c);
            else if (named(c, "Note")) set_text(o, "note", c);
            else if (named(c, "Items")) {
                json_t *a = json_array();
                for (xmlNodePtr i = first_element(c->children); i; i = first_element(i->next)) {
                    if (!named(i, "Item")) continue;
                    xmlChar *t = xmlNodeGetContent(i);
                    json_array_append_new(a, json_string(t ? (const char *)t : ""));
                    xmlFree(t);
                }
                json_object_set_new(o, "items", a);
            }
        }
    }
    xmlFreeDoc(doc);
    if (rc == 0) {
        char *s = json_dumps(o, JSON_COMPACT);
        if (!s) rc = -ENOMEM;
        else {
            buf_reset(json_out);
            buf_append(json_out, s, strlen(s));
            free(s);
        }
    }
    json_decref(o);
    return rc;
}

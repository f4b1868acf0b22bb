/* ministry_soap.h — the SOAP 1.1 shape of the ministry adapter (ours; docs/interagency.md). Built and parsed with
 * libxml2, so it lives in the documents module (motcua-docs.so) and is called through cli/docmod.c's forwarders.
 *
 * Request: soap:Envelope/soap:Body/m:<operation> (m = MINISTRY_SOAP_NS) whose children are the REST request's JSON
 * members, one element per member, objects nested, array elements as <m:item>, numbers and booleans as text.
 * Answer: soap:Envelope/soap:Body/<any>Response whose children Receipt, State, Result, Note and Items/Item map to
 * the REST answer's members receipt, state, result, note, items; a soap:Fault is an error (its faultstring). */
#ifndef MOTCUA_MINISTRY_SOAP_H
#define MOTCUA_MINISTRY_SOAP_H
#include <stddef.h>

#include "core/buf.h"

#define MINISTRY_SOAP_NS  "urn:motcua:interagency:1"
#define MINISTRY_SOAP_MAX (4u << 20)

/* The envelope of operation ("SubmitDossier", "GetResult") with the JSON object json[0..n) as its content.
 * 0, or -EINVAL / -ENOMEM with why. */
int ministry_soap_build(const char *operation, const char *json, size_t n, buf_t *out, char *why, size_t why_len);
/* The answer envelope as the REST answer's JSON text. 0; -EPROTO a SOAP fault (why: its faultstring); -EINVAL /
 * -E2BIG not a SOAP answer. */
int ministry_soap_parse(const void *xml, size_t n, buf_t *json_out, char *why, size_t why_len);
#endif

/* xmlsafe.h — the one way motcua parses XML that comes from outside (edXML packages and their signatures).
 *
 * libxml2 with no network access, no DTD at all (a DOCTYPE stops the parser at once, before any declaration of
 * its internal subset is read, so no entity is ever declared, expanded or fetched: no XXE, no billion laughs),
 * errors kept out of stderr, and a size cap checked before parsing. Whitespace is kept exactly, since signed XML
 * is canonicalised from this tree. */
#ifndef MOTCUA_XMLSAFE_H
#define MOTCUA_XMLSAFE_H
#include <stddef.h>

#include <libxml/tree.h>

/* Parse p[0..n) into *out (free with xmlFreeDoc). 0, -E2BIG (n > max), -EINVAL (not well-formed, or a DOCTYPE:
 * why says which, with libxml2's message and line). */
int xmlsafe_read(const void *p, size_t n, size_t max, xmlDocPtr *out, char *why, size_t why_len);

/* True when node is an element named `name` in namespace ns (NULL: in no namespace). */
int xmlsafe_is(const xmlNode *node, const char *ns, const char *name);
#endif

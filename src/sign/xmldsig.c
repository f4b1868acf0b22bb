/* xmldsig.c — enveloped XML-DSig of edXML documents with libxmlsec1 and OpenSSL (see xmldsig.h).
 *
 * Signing hands the signer's EVP_PKEY (a new reference, never a copy of its bytes) and certificates to an xmlsec
 * key that lives only for the call. Verification never lets xmlsec pick a key: the certificate named by KeyInfo
 * is parsed here, its public key verifies the signature, and only then is its chain checked against the caller's
 * trust anchors with OpenSSL, so each outcome gets its own error code and reason. */
#include "sign/signer_internal.h"
#include "sign/xmldsig.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libxml/tree.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <xmlsec/base64.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keys.h>
#include <xmlsec/templates.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/openssl/app.h>
#include <xmlsec/openssl/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/openssl/x509.h>

#include "core/xmlsafe.h"

#define XMLDSIG_MAX_BYTES ((size_t)64 << 20)
#define XMLDSIG_MAX_CERTS 10
#define EDXML_NS_URI "http://www.mic.gov.vn/TBT/QCVN_102_2016"
#define EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define EXC_C14N_BAD "http://www.w3.org/TR/xml-exc-c14n#"   /* the public samples' spelling */

/* ---- once per process ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = -EIO;
static _Thread_local char last_error[200];

/* xmlsec reports through this instead of stderr; the last message of the thread is kept for reasons. */
static void quiet(const char *file, int line, const char *func, const char *obj, const char *subj, int reason,
                  const char *msg)
{
    (void)file; (void)line; (void)obj; (void)reason;
    snprintf(last_error, sizeof last_error, "%s%s%s%s%s", func ? func : "", subj ? ": " : "", subj ? subj : "",
             msg ? ": " : "", msg ? msg : "");
}

static void do_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0) return;
    if (xmlSecCheckVersion() != 1) return;
    if (xmlSecOpenSSLAppInit(NULL) < 0) return;
    if (xmlSecOpenSSLInit() < 0) return;
    xmlSecErrorsSetCallback(quiet);
    init_rc = 0;
}

static int init(void)
{
    pthread_once(&init_once, do_init);
    return init_rc;
}

void xmldsig_shutdown(void)
{
    if (init_rc != 0) return;
    xmlSecOpenSSLShutdown();
    xmlSecOpenSSLAppShutdown();
    xmlSecShutdown();
    init_rc = -EIO;   /* not re-initialisable: pthread_once has run */
}

static void whyf(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void whyf(char *why, size_t cap, const char *fmt, ...)
{
    if (!why || !cap) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, cap, fmt, ap);
    va_end(ap);
}

/* ---- tree helpers ---- */

/* The element after n in document order within top's subtree (preorder, no recursion). */
static xmlNodePtr next_elem(xmlNodePtr n, xmlNodePtr top)
{
    do {
        if (n->children && n->type == XML_ELEMENT_NODE) n = n->children;
        else {
            while (n != top && !n->next) n = n->parent;
            if (n == top) return NULL;
            n = n->next;
        }
    } while (n->type != XML_ELEMENT_NODE);
    return n;
}

static xmlNodePtr first_child_elem(xmlNodePtr n)
{
    for (n = n ? n->children : NULL; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE) return n;
    return NULL;
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *ns, const char *name)
{
    for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
        if (xmlsafe_is(n, ns, name)) return n;
    return NULL;
}

/* A Signature written in the edXML namespace or in none, as the samples do: it has a SignedInfo child. */
static int is_partner_signature(xmlNodePtr n)
{
    if (!xmlsafe_is(n, EDXML_NS_URI, "Signature") && !xmlsafe_is(n, NULL, "Signature")) return 0;
    xmlNodePtr c = first_child_elem(n);
    return c && !strcmp((const char *)c->name, "SignedInfo");
}

/* ---- signing ---- */

int xmldsig_sign(signer_t *s, buf_t *io, char *why, size_t wl)
{
    whyf(why, wl, "%s", "");
    if (init()) { whyf(why, wl, "libxmlsec1 could not be initialised"); return -EIO; }
    int id = EVP_PKEY_get_base_id(s->key);
    xmlSecTransformId sig_id = id == EVP_PKEY_RSA ? xmlSecTransformRsaSha256Id
                             : id == EVP_PKEY_EC  ? xmlSecTransformEcdsaSha256Id : NULL;
    if (!sig_id) { whyf(why, wl, "the key is neither RSA nor EC"); return -EINVAL; }
    xmlDocPtr doc = NULL;
    int rc = xmlsafe_read(io->data, io->len, XMLDSIG_MAX_BYTES, &doc, why, wl);
    if (rc) return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    for (xmlNodePtr n = root; n; n = next_elem(n, root))
        if (xmlsafe_is(n, XMLDSIG_NS, "Signature") || is_partner_signature(n)) {
            whyf(why, wl, "the document already holds a Signature");
            xmlFreeDoc(doc);
            return -EINVAL;
        }
    /* where the samples sign: the end of edXMLEnvelope/edXMLHeader; else the end of the root */
    xmlNodePtr parent = root;
    if (xmlsafe_is(root, EDXML_NS_URI, "edXML")) {
        xmlNodePtr hdr = child_named(child_named(root, EDXML_NS_URI, "edXMLEnvelope"), EDXML_NS_URI, "edXMLHeader");
        if (hdr) parent = hdr;
    }
    rc = -EIO;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, xmlSecTransformExclC14NId, sig_id, NULL);
    if (!sig) goto done;
    xmlAddChild(parent, sig);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, xmlSecTransformSha256Id, NULL, (const xmlChar *)"", NULL);
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId) ||
        !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformExclC14NId))
        goto done;
    xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
    if (!ki || !xmlSecTmplKeyInfoAddX509Data(ki)) goto done;

    ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx) goto done;
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key) goto done;
    ctx->signKey = key;   /* destroyed with ctx */
    if (EVP_PKEY_up_ref(s->key) != 1) goto done;
    xmlSecKeyDataPtr kd = xmlSecOpenSSLEvpKeyAdopt(s->key);
    if (!kd) { EVP_PKEY_free(s->key); goto done; }
    if (xmlSecKeySetValue(key, kd) < 0) { xmlSecKeyDataDestroy(kd); goto done; }
    xmlSecKeyDataPtr x509 = xmlSecKeyEnsureData(key, xmlSecOpenSSLKeyDataX509Id);
    if (!x509) goto done;
    X509 *c1 = X509_dup(s->cert), *c2 = X509_dup(s->cert);
    if (!c1 || !c2) abort();
    if (xmlSecOpenSSLKeyDataX509AdoptKeyCert(x509, c1) < 0) { X509_free(c1); X509_free(c2); goto done; }
    if (xmlSecOpenSSLKeyDataX509AdoptCert(x509, c2) < 0) { X509_free(c2); goto done; }
    for (int i = 0; i < sk_X509_num(s->chain); i++) {
        X509 *c = X509_dup(sk_X509_value(s->chain, i));
        if (!c) abort();
        if (xmlSecOpenSSLKeyDataX509AdoptCert(x509, c) < 0) { X509_free(c); goto done; }
    }
    if (xmlSecDSigCtxSign(ctx, sig) < 0) { whyf(why, wl, "signing failed: %s", last_error); goto done; }
    xmlChar *mem = NULL;
    int len = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
    if (!mem || len <= 0) abort();
    if ((size_t)len > (io->max ? io->max : BUF_DEFAULT_MAX)) {
        whyf(why, wl, "the signed document is larger than the limit");
        rc = -E2BIG;
    } else {
        buf_reset(io);
        rc = buf_append(io, mem, (size_t)len);
    }
    xmlFree(mem);
done:
    if (rc == -EIO && why && !why[0]) whyf(why, wl, "libxmlsec1 failed: %s", last_error);
    if (ctx) xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    ERR_clear_error();
    return rc;
}

/* ---- verification ---- */

static void add_reason(char *why, size_t wl, const char *r)
{
    if (!why || !wl) return;
    size_t l = strlen(why);
    snprintf(why + l, wl - l, "%s%s", l ? "; " : "", r);
}

/* Move a partner's Signature into the ds namespace (this tree is a private copy). */
static void to_dsig_namespace(xmlNodePtr sig)
{
    xmlNsPtr ds = NULL;
    for (xmlNsPtr d = sig->nsDef; d; d = d->next)
        if (!d->prefix) ds = d;
    if (ds) {
        xmlFree((xmlChar *)ds->href);
        ds->href = xmlStrdup((const xmlChar *)XMLDSIG_NS);
        if (!ds->href) abort();
    } else if (!(ds = xmlNewNs(sig, (const xmlChar *)XMLDSIG_NS, NULL))) {
        abort();
    }
    for (xmlNodePtr n = sig; n; n = next_elem(n, sig))
        if (!n->ns || (n->ns->href && !strcmp((const char *)n->ns->href, EDXML_NS_URI)) || n->ns == ds) n->ns = ds;
}

static const char *attr(xmlNodePtr n, const char *name)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!a->ns && !strcmp((const char *)a->name, name) && a->children && a->children->content)
            return (const char *)a->children->content;
    return NULL;
}

static int enable_transforms(xmlSecDSigCtxPtr ctx)
{
    const xmlSecTransformId ref[] = {xmlSecTransformEnvelopedId, xmlSecTransformExclC14NId,
                                     xmlSecTransformExclC14NWithCommentsId, xmlSecTransformInclC14NId,
                                     xmlSecTransformInclC14NWithCommentsId, xmlSecTransformSha1Id,
                                     xmlSecTransformSha256Id, xmlSecTransformSha384Id, xmlSecTransformSha512Id};
    const xmlSecTransformId sig[] = {xmlSecTransformExclC14NId, xmlSecTransformInclC14NId,
                                     xmlSecTransformRsaSha1Id, xmlSecTransformRsaSha256Id,
                                     xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id,
                                     xmlSecTransformEcdsaSha256Id, xmlSecTransformEcdsaSha384Id,
                                     xmlSecTransformEcdsaSha512Id};
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++)
        if (xmlSecDSigCtxEnableReferenceTransform(ctx, ref[i]) < 0) return -1;
    for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++)
        if (xmlSecDSigCtxEnableSignatureTransform(ctx, sig[i]) < 0) return -1;
    return 0;
}

int xmldsig_verify(const void *xml, size_t n, const char *trust_pem, signer_info_t *who, bool *lenient, char *why,
                   size_t wl)
{
    if (who) memset(who, 0, sizeof *who);
    if (lenient) *lenient = false;
    whyf(why, wl, "%s", "");
    if (init()) { whyf(why, wl, "libxmlsec1 could not be initialised"); return -EIO; }
    xmlDocPtr doc = NULL;
    int rc = xmlsafe_read(xml, n, XMLDSIG_MAX_BYTES, &doc, why, wl);
    if (rc) return rc;
    xmlSecDSigCtxPtr ctx = NULL;
    STACK_OF(X509) *certs = sk_X509_new_null();
    X509_STORE *st = NULL;
    X509_STORE_CTX *vctx = NULL;
    if (!certs) abort();
    char notes[400] = "";

    /* 1. the one signature */
    xmlNodePtr root = xmlDocGetRootElement(doc), sig = NULL, partner = NULL;
    int n_ds = 0, n_partner = 0;
    for (xmlNodePtr e = root; e; e = next_elem(e, root)) {
        if (xmlsafe_is(e, XMLDSIG_NS, "Signature")) { n_ds++; sig = e; }
        else if (is_partner_signature(e)) { n_partner++; partner = e; }
    }
    rc = -EBADMSG;
    if (n_ds + n_partner > 1) { whyf(why, wl, "more than one Signature"); goto done; }
    if (!sig && !partner) { rc = -ENOENT; whyf(why, wl, "the document is not signed (no Signature)"); goto done; }
    if (!sig) {
        sig = partner;
        to_dsig_namespace(sig);
        add_reason(notes, sizeof notes, "signature element in the edXML namespace, normalised");
    }
    /* 2. what it may use: one Reference, URI="", known transforms (the samples' exc-c14n URI mapped) */
    xmlNodePtr si = child_named(sig, XMLDSIG_NS, "SignedInfo");
    if (!si) { whyf(why, wl, "Signature has no SignedInfo"); goto done; }
    int n_ref = 0;
    for (xmlNodePtr r = si->children; r; r = r->next)
        if (xmlsafe_is(r, XMLDSIG_NS, "Reference")) {
            n_ref++;
            const char *uri = attr(r, "URI");
            if (!uri || *uri) { whyf(why, wl, "only a Reference with URI=\"\" (the whole document) is accepted"); goto done; }
        }
    if (n_ref != 1) { whyf(why, wl, "SignedInfo must hold exactly one Reference"); goto done; }
    int mapped = 0, sha1 = 0;
    for (xmlNodePtr e = sig; e; e = next_elem(e, sig)) {
        if (!xmlsafe_is(e, XMLDSIG_NS, "Transform") && !xmlsafe_is(e, XMLDSIG_NS, "CanonicalizationMethod") &&
            !xmlsafe_is(e, XMLDSIG_NS, "DigestMethod") && !xmlsafe_is(e, XMLDSIG_NS, "SignatureMethod"))
            continue;
        const char *alg = attr(e, "Algorithm");
        if (!alg) continue;
        if (!strcmp(alg, EXC_C14N_BAD) || !strcmp(alg, EXC_C14N_BAD "WithComments")) {
            int wc = strcmp(alg, EXC_C14N_BAD) != 0;
            xmlSetProp(e, (const xmlChar *)"Algorithm", (const xmlChar *)(wc ? EXC_C14N "WithComments" : EXC_C14N));
            mapped = 1;
        } else if (!strcmp(alg, XMLDSIG_NS "sha1") || !strcmp(alg, XMLDSIG_NS "rsa-sha1")) {
            sha1 = 1;
        }
    }
    if (mapped) add_reason(notes, sizeof notes, "non-standard transform URI " EXC_C14N_BAD " read as " EXC_C14N);
    if (sha1) add_reason(notes, sizeof notes, "SHA-1 (deprecated) accepted from a partner");

    /* 3. the certificates of KeyInfo; the signer's is the one that issued none of the others */
    xmlNodePtr xd = child_named(child_named(sig, XMLDSIG_NS, "KeyInfo"), XMLDSIG_NS, "X509Data");
    for (xmlNodePtr c = xd ? xd->children : NULL; c; c = c->next) {
        if (!xmlsafe_is(c, XMLDSIG_NS, "X509Certificate")) continue;
        if (sk_X509_num(certs) >= XMLDSIG_MAX_CERTS) { whyf(why, wl, "too many certificates in KeyInfo"); goto done; }
        xmlChar *b64 = xmlNodeGetContent(c);
        if (!b64) abort();
        size_t l = strlen((const char *)b64);
        unsigned char *der = malloc(l + 1);
        if (!der) abort();
        xmlSecSize got = 0;
        int dl = l > 0 && l < (1u << 20) && xmlSecBase64Decode_ex(b64, der, (xmlSecSize)l, &got) == 0 ? (int)got : -1;
        xmlFree(b64);
        const unsigned char *p = der;
        X509 *x = dl > 0 ? d2i_X509(NULL, &p, dl) : NULL;
        free(der);
        if (!x) { rc = -EKEYREJECTED; whyf(why, wl, "a certificate of KeyInfo cannot be read"); goto done; }
        sk_X509_push(certs, x);
    }
    if (!sk_X509_num(certs)) { rc = -EKEYREJECTED; whyf(why, wl, "KeyInfo carries no X509Certificate"); goto done; }
    X509 *leaf = NULL;
    for (int i = 0; i < sk_X509_num(certs) && !leaf; i++) {
        X509 *c = sk_X509_value(certs, i);
        int issuer = 0;
        for (int j = 0; j < sk_X509_num(certs); j++)
            if (j != i && X509_check_issued(c, sk_X509_value(certs, j)) == X509_V_OK) issuer = 1;
        if (!issuer) leaf = c;
    }
    if (!leaf) leaf = sk_X509_value(certs, 0);

    /* 4. the signature, with that certificate's key only */
    ctx = xmlSecDSigCtxCreate(NULL);
    if (!ctx || enable_transforms(ctx) < 0) { rc = -EIO; goto done; }
    ctx->flags |= XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    ctx->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    EVP_PKEY *pub = X509_get_pubkey(leaf);
    if (!pub) { rc = -EKEYREJECTED; whyf(why, wl, "the signing certificate's key cannot be read"); goto done; }
    xmlSecKeyDataPtr kd = xmlSecOpenSSLEvpKeyAdopt(pub);
    if (!kd) { EVP_PKEY_free(pub); rc = -EIO; goto done; }
    xmlSecKeyPtr key = xmlSecKeyCreate();
    if (!key) { xmlSecKeyDataDestroy(kd); rc = -EIO; goto done; }
    if (xmlSecKeySetValue(key, kd) < 0) { xmlSecKeyDataDestroy(kd); xmlSecKeyDestroy(key); rc = -EIO; goto done; }
    ctx->signKey = key;
    last_error[0] = 0;
    if (xmlSecDSigCtxVerify(ctx, sig) < 0) {
        whyf(why, wl, "the signature cannot be checked (refused algorithm, transform or reference, or a key of "
                      "another type): %s", last_error);
        goto done;
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        whyf(why, wl, "the document was changed after signing, or the signature is not valid%s%s",
             notes[0] ? " (after: " : "", notes[0] ? notes : "");
        if (notes[0]) add_reason(why, wl, ")");
        goto done;
    }
    if (who) signer_info_of(leaf, who);

    /* 5. the chain, against the trust anchors (and their CRLs) */
    rc = 0;
    if (trust_pem) {
        int has_crl = 0;
        st = signer_trust_store(trust_pem, &has_crl);
        vctx = X509_STORE_CTX_new();
        if (!vctx || !X509_STORE_CTX_init(vctx, st, leaf, certs)) abort();
        if (X509_verify_cert(vctx) != 1) {
            int err = X509_STORE_CTX_get_error(vctx);
            rc = err == X509_V_ERR_CERT_REVOKED ? -EKEYREVOKED : -EKEYREJECTED;
            whyf(why, wl, "%s", X509_verify_cert_error_string(err));
        }
    }
    if (rc == 0) {
        whyf(why, wl, "%s", notes);
        if (lenient) *lenient = notes[0] != 0;
    }
done:
    X509_STORE_CTX_free(vctx);
    X509_STORE_free(st);
    sk_X509_pop_free(certs, X509_free);
    if (ctx) xmlSecDSigCtxDestroy(ctx);
    xmlFreeDoc(doc);
    ERR_clear_error();
    return rc;
}

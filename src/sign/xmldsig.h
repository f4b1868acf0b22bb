/* xmldsig.h — the XML-DSig (W3C XML Signature 1.1) of edXML packages and status messages, with libxmlsec1.
 *
 * One enveloped signature per document: ds:Signature (http://www.w3.org/2000/09/xmldsig#) placed at the end of
 * edXMLEnvelope/edXMLHeader (where QCVN 102:2016's samples put it; at the end of the root for other XML), with
 * exc-c14n, rsa-sha256 or ecdsa-sha256 after the key, one Reference URI="" (the whole document: header, body and
 * attachments) with the enveloped-signature and exc-c14n transforms and SHA-256, and KeyInfo/X509Data carrying
 * the signer's certificate and chain. The private key never leaves src/sign/.
 *
 * Verification accepts only URI="" references and a fixed list of transforms and algorithms (docs/edxml.md),
 * checks the signature with the certificate of KeyInfo, then that certificate's chain against the caller's trust
 * anchors. Lenient partner reading: a Signature written in the edXML namespace, or with the non-standard
 * exc-c14n URI "http://www.w3.org/TR/xml-exc-c14n#", or with SHA-1, is verified on a normalised copy; when that
 * copy verifies the package is accepted with *lenient set and the reason in why, for the caller to record.
 *
 * libxmlsec1 is initialised once per process on first use (pthread_once); xmldsig_shutdown() at exit is
 * optional. Both calls are thread-safe after that. */
#ifndef MOTCUA_XMLDSIG_H
#define MOTCUA_XMLDSIG_H
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "sign/signer.h"

#define XMLDSIG_NS "http://www.w3.org/2000/09/xmldsig#"

/* Sign the XML document in *xml_inout (replaced by the signed document). -EINVAL with no change when it is not
 * well-formed, has a DOCTYPE or already holds a Signature; -EIO when libxmlsec1 fails; -E2BIG past the buffer's
 * cap. why (may be NULL) receives the reason. */
int xmldsig_sign(signer_t *s, buf_t *xml_inout, char *why, size_t why_len);

/* Verify the one signature of xml[0..n). trust_pem: PEM certificates (trust anchors) and CRLs; NULL checks the
 * signature only (no chain: for tests and fuzzing, never to accept a package). Returns 0 valid, -ENOENT no
 * signature, -EBADMSG digest or signature mismatch (the document changed) or a refused reference / transform /
 * algorithm, -EKEYREJECTED chain not trusted or a certificate outside its validity, -EKEYREVOKED revoked by a CRL
 * of trust_pem, -EINVAL not well-formed XML / DOCTYPE. who (may be NULL) gets the signing certificate once the
 * signature is checked; *lenient (may be NULL) tells that the package was normalised first, and then why says
 * how; on failure why says what failed. */
int xmldsig_verify(const void *xml, size_t n, const char *trust_pem, signer_info_t *who, bool *lenient, char *why,
                   size_t why_len);

void xmldsig_shutdown(void);
#endif

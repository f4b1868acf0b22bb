/* pades.h — PAdES signatures of PDF documents (ETSI EN 319 142-1, baseline B-B; ISO 32000-2 §12.8).
 *
 * pades_sign() never rewrites a document: it appends one incremental update (ISO 32000-2 §7.5.6) to the original
 * bytes, which stay a byte-for-byte prefix of the result, so every earlier signature stays valid. The update holds
 * the signature dictionary (/SubFilter /ETSI.CAdES.detached), a signature field merged with its widget annotation
 * on page 1, that page with its /Annots extended, the catalog with /AcroForm /Fields extended (/SigFlags 3), and
 * a cross-reference section of the kind the file already uses (table or stream). The CMS (signer_cms_detached)
 * covers the whole file except the /Contents hex string; see docs/signatures.md. */
#ifndef MOTCUA_PADES_H
#define MOTCUA_PADES_H
#include <stddef.h>
#include <time.h>

#include "core/buf.h"
#include "core/msg.h"
#include "sign/signer.h"

typedef enum {
    PADES_INVISIBLE = 0,   /* no appearance: a /Rect [0 0 0 0] widget */
    PADES_SIGNER,          /* a blue box at rect: the signer's name, title and time */
    PADES_SEAL,            /* a red round seal over the left third of the signer's box x,y,w,h (or of the copy
                            * box when copy_box): the seal image overlaps a third of the signer's image */
    PADES_COPY             /* a blue box at the top right of page 1: "certified copy", signer, ISO 8601 time +07:00 */
} pades_look_t;

typedef struct pades_opts {
    const char  *reason;       /* UTF-8, may be NULL */
    const char  *location;     /* UTF-8, may be NULL */
    const char  *name;         /* /Name; NULL: the certificate's common name */
    const char  *field;        /* /T of the new field; NULL: "Signature<n>", unique in the form */
    pades_look_t look;
    double       x, y, w, h;   /* PADES_SIGNER / PADES_SEAL: the signer's box on page 1, points from its lower left */
    int          copy_box;     /* PADES_SEAL: the signer's box is the copy box of PADES_COPY */
    time_t       when;         /* /M and the appearance's time; 0: now */
    size_t       reserve;      /* bytes reserved for the CMS; 0: PADES_DEFAULT_RESERVE */
} pades_opts_t;

#define PADES_DEFAULT_RESERVE 16384
#define PADES_COPY_W 210.0        /* the copy box, 24 points from the top right corner of page 1 */
#define PADES_COPY_H 46.0
#define PADES_MAX_RESERVE     (256 * 1024)

/* Appends to out the original pdf[0..len) followed by the signed update (pdf must not point into out). 0, or: -EINVAL (not a PDF, bad
 * options), -EBADMSG (a PDF this reader cannot follow), -ENOTSUP (an encrypted PDF), -ENOSPC (the CMS does not
 * fit the reserved room), -E2BIG (out's cap), -EIO (the signer failed). On error out is as it was. */
int pades_sign(signer_t *s, const void *pdf, size_t len, const pades_opts_t *opts, buf_t *out);

/* Why a signature is or is not valid. */
typedef enum {
    PADES_OK = 0,
    PADES_ERR_BYTERANGE,      /* /ByteRange does not start at 0 or does not exclude exactly the /Contents string */
    PADES_ERR_NOT_WHOLE,      /* the last signature does not cover the end of the file: later unsigned changes */
    PADES_ERR_DIGEST,         /* the signed bytes changed, or the signature value is wrong */
    PADES_ERR_UNTRUSTED,      /* the chain does not lead to a trust anchor, or a certificate expired */
    PADES_ERR_REVOKED,
    PADES_ERR_CMS,            /* /Contents is not a CMS SignedData */
    PADES_ERR_SUBFILTER       /* neither ETSI.CAdES.detached nor adbe.pkcs7.detached */
} pades_status_t;

typedef struct pades_result {
    char           field[128];      /* the field's /T (as UTF-8 when it was UTF-16), "" when absent */
    char           subfilter[40];
    char           m[40];           /* the /M date string as written, "" when absent */
    signer_info_t  who;             /* the signer, when the CMS could be read */
    time_t         signed_at;       /* the CMS signingTime, 0 when absent */
    size_t         covered_to;      /* the end of the last signed range */
    int            whole;           /* 1: covers the whole file but /Contents */
    pades_status_t status;
    char           why[192];        /* English detail */
} pades_result_t;

/* Every signature field with a signature value, in the order of /AcroForm /Fields (first signature first). Fills
 * res[0..max) and *n with the number found (which may pass max). Returns 0 when the PDF could be read (each
 * result has its own status), or -EINVAL / -EBADMSG / -E2BIG for a document that cannot be read. trust_pem: PEM
 * trust anchors (and CRLs); NULL checks signatures and digests only. */
int pades_verify(const void *pdf, size_t len, const char *trust_pem, pades_result_t *res, size_t max, size_t *n);

const char *pades_status_name(pades_status_t st);   /* "valid", "digest mismatch", ... */
msg_id_t    pades_status_msg(pades_status_t st);    /* the same in both languages (core/msg_sign.h) */
#endif

/* ca.h — a local certification authority for the demo, the tests and offices that have no official one yet.
 *
 * Official-use signatures in production use certificates of the Government's CA (Decree 68/2024/NĐ-CP), imported
 * as PKCS#12. `motcua ca` makes the same kind of certificates from a CA of its own, so that every signing path can
 * be exercised end to end and verified by pdfsig, xmlsec1 and openssl:
 *
 *   DIR/ca.key      the CA's private key, PKCS#8 PEM encrypted with AES-256-CBC (PBKDF2), mode 0600
 *   DIR/ca.pem      the CA certificate (self-signed; basicConstraints CA:TRUE; keyCertSign, cRLSign)
 *   DIR/index.tsv   one line per issued certificate: serial, V|R, not-after, revoked-at, reason, kind, SHA-256,
 *                   subject
 *   DIR/crl.pem     the certificate revocation list (v2, with a CRL number), re-signed on every revocation
 *
 * A leaf is RSA-2048 or EC P-256, valid for the given days, with keyUsage digitalSignature + nonRepudiation
 * (critical), extendedKeyUsage emailProtection, the subject key identifier and the CA's authority key identifier;
 * kind "person" names an officer, kind "seal" a unit (the unit's seal). It is handed out only as a PKCS#12 bundle
 * encrypted with AES-256-CBC (PBES2, PBKDF2) and a SHA-256 MAC under the holder's own password. Every file is
 * written atomically; concurrent commands on one directory are serialised by a lock. This file is in src/sign/,
 * the only place that holds key material. */
#ifndef MOTCUA_CA_H
#define MOTCUA_CA_H
#include <stddef.h>
#include <time.h>

#include "core/buf.h"

enum { CA_KEY_RSA = 1, CA_KEY_EC = 2 };           /* same values as SIGNER_KEY_RSA / SIGNER_KEY_EC */
enum { CA_KIND_PERSON = 0, CA_KIND_SEAL = 1 };

#define CA_NAME_MAX 200   /* bytes of UTF-8 in each name field */

typedef struct ca_name {
    const char *cn;         /* required: the person's full name, or the unit's name for a seal */
    const char *org;        /* organizationName (the unit), optional */
    const char *ou;         /* organizationalUnitName (the department), optional */
    const char *email;      /* emailAddress + subjectAltName, optional */
    const char *locality;   /* optional (the commune / province) */
} ca_name_t;

typedef struct ca_issue_opts {
    ca_name_t name;
    int       key_type;     /* CA_KEY_RSA (default when 0) or CA_KEY_EC */
    int       kind;         /* CA_KIND_PERSON or CA_KIND_SEAL */
    int       days;         /* validity, 1..3650; 0 means 730 */
    time_t    not_before;   /* 0: now (tests back-date to make an expired certificate) */
} ca_issue_opts_t;

typedef struct ca_cert_info {
    char      serial_hex[80];
    char      sha256_hex[65];
    char      subject_cn[CA_NAME_MAX + 1];
    time_t    not_after;
    time_t    revoked_at;   /* 0 while valid */
    int       reason;       /* CRL reason code when revoked */
    int       kind;
} ca_cert_info_t;

/* Revocation reasons of RFC 5280 section 5.3.1 that an office uses. */
enum { CA_REASON_UNSPECIFIED = 0, CA_REASON_KEY_COMPROMISE = 1, CA_REASON_AFFILIATION_CHANGED = 3,
       CA_REASON_SUPERSEDED = 4, CA_REASON_CESSATION = 5 };
/* "keyCompromise" and the like to the code; -1 when unknown. */
int ca_reason_parse(const char *s);

/* Create a CA in dir (created if missing, mode 0700): a new key of key_type, its certificate named name, valid for
 * days (0: 3650), an empty CRL. -EEXIST when dir already holds a CA; -EINVAL on bad names. */
int ca_init(const char *dir, const char *pass, const ca_name_t *name, int key_type, int days);

/* Issue a leaf under the CA of dir (its key unlocked with pass) and append it to p12_out as PKCS#12 under
 * p12_pass. -ENOENT no CA in dir, -EACCES wrong CA password, -EINVAL bad options. */
int ca_issue(const char *dir, const char *pass, const ca_issue_opts_t *o, const char *p12_pass, buf_t *p12_out,
             ca_cert_info_t *info);

/* Revoke a serial (hex, as ca_issue gave it) and re-sign the CRL, valid for crl_days (0: 30). -ESRCH unknown
 * serial, -EALREADY already revoked, -EACCES wrong password. */
int ca_revoke(const char *dir, const char *pass, const char *serial_hex, int reason, int crl_days);

/* Re-sign the CRL with a new number and next update in crl_days (0: 30). */
int ca_crl(const char *dir, const char *pass, int crl_days);

/* Every issued certificate, in the order issued; fn's non-zero return stops the walk and is returned. */
typedef int (*ca_list_fn)(const ca_cert_info_t *c, void *arg);
int ca_list(const char *dir, ca_list_fn fn, void *arg);
#endif

/* ca.c — the local certification authority (see ca.h). */
#include "sign/ca.h"
#include "sign/signer_internal.h"

#include "core/fileio.h"
#include "core/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define CA_FILE_MAX (4u << 20)   /* index, certificate, CRL: far above any real size */

static const struct {
    const char *name;
    int         code;
} reasons[] = {
    {"unspecified", CA_REASON_UNSPECIFIED},       {"keyCompromise", CA_REASON_KEY_COMPROMISE},
    {"affiliationChanged", CA_REASON_AFFILIATION_CHANGED}, {"superseded", CA_REASON_SUPERSEDED},
    {"cessationOfOperation", CA_REASON_CESSATION},
};

int ca_reason_parse(const char *s)
{
    for (size_t i = 0; s && i < sizeof reasons / sizeof reasons[0]; i++)
        if (!strcmp(s, reasons[i].name)) return reasons[i].code;
    return -1;
}

/* ---- files ---- */

static int path_in(char *out, size_t cap, const char *dir, const char *name)
{
    return snprintf(out, cap, "%s/%s", dir, name) < (int)cap ? 0 : -ENAMETOOLONG;
}

/* An exclusive lock on DIR/.lock for the whole command; the descriptor, or a negative errno. */
static int lock_dir(const char *dir)
{
    char p[4096];
    int rc = path_in(p, sizeof p, dir, ".lock");
    if (rc) return rc;
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    while (flock(fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            int e = -errno;
            close(fd);
            return e;
        }
    return fd;
}

static int write_in(const char *dir, const char *name, const buf_t *b, mode_t mode)
{
    char p[4096];
    int rc = path_in(p, sizeof p, dir, name);
    return rc ? rc : file_write_atomic(p, b->data ? b->data : "", b->len, mode, 0);
}

static int read_in(const char *dir, const char *name, buf_t *b)
{
    char p[4096];
    int rc = path_in(p, sizeof p, dir, name);
    return rc ? rc : file_read_all(p, CA_FILE_MAX, b);
}

/* ---- names ---- */

static int name_ok(const char *s, int required)
{
    if (!s || !*s) return required ? -EINVAL : 0;
    size_t n = strlen(s);
    if (n > CA_NAME_MAX || !utf8_valid(s, n)) return -EINVAL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return -EINVAL;   /* no tabs or newlines: the index is line-based */
    return 0;
}

static int email_ok(const char *s)
{
    if (!s || !*s) return 0;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n > 254 || !at || at == s || !at[1] || strchr(at + 1, '@')) return -EINVAL;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("@.-_+%", *p)) return -EINVAL;
    return 0;
}

static int names_ok(const ca_name_t *n)
{
    if (!n) return -EINVAL;
    if (name_ok(n->cn, 1) || name_ok(n->org, 0) || name_ok(n->ou, 0) || name_ok(n->locality, 0) || email_ok(n->email))
        return -EINVAL;
    return 0;
}

static int add_entry(X509_NAME *x, const char *field, const char *v)
{
    if (!v || !*v) return 1;
    return X509_NAME_add_entry_by_txt(x, field, MBSTRING_UTF8, (const unsigned char *)v, -1, -1, 0);
}

static X509_NAME *make_name(const ca_name_t *n)
{
    X509_NAME *x = X509_NAME_new();
    if (!x) return NULL;
    if (add_entry(x, "C", "VN") && add_entry(x, "L", n->locality) && add_entry(x, "O", n->org) &&
        add_entry(x, "OU", n->ou) && add_entry(x, "CN", n->cn) && add_entry(x, "emailAddress", n->email))
        return x;
    X509_NAME_free(x);
    return NULL;
}

/* ---- keys and certificates ---- */

static EVP_PKEY *new_key(int key_type)
{
    return key_type == CA_KEY_EC ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                                 : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e) return 0;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

static int add_email_san(X509 *x, const char *email)
{
    if (!email || !*email) return 1;
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    int ok = gens && g && ia5 && ASN1_STRING_set(ia5, email, -1);
    if (ok) {
        GENERAL_NAME_set0_value(g, GEN_EMAIL, ia5);
        ia5 = NULL;
        ok = sk_GENERAL_NAME_push(gens, g) > 0;
        if (ok) g = NULL;
    }
    ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0) == 1;
    ASN1_IA5STRING_free(ia5);
    GENERAL_NAME_free(g);
    GENERAL_NAMES_free(gens);
    return ok;
}

/* A certificate for key named subj, signed by issuer_key (issuer NULL: self-signed). */
static X509 *make_cert(EVP_PKEY *key, X509_NAME *subj, X509 *issuer, EVP_PKEY *issuer_key, int is_ca, time_t nb,
                       int days, const char *email)
{
    X509 *x = X509_new();
    BIGNUM *bn = BN_new();
    unsigned char serial[16];
    if (!x || !bn || RAND_bytes(serial, sizeof serial) != 1) goto fail;
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);   /* positive, always 16 bytes */
    if (!BN_bin2bn(serial, sizeof serial, bn) || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x))) goto fail;
    if (!X509_set_version(x, X509_VERSION_3) || !X509_set_subject_name(x, subj) ||
        !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subj) || !X509_set_pubkey(x, key))
        goto fail;
    if (!X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) || !X509_time_adj_ex(X509_getm_notAfter(x), days, 0, &nb))
        goto fail;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    int ok = is_ca ? add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE") &&
                         add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign")
                   : add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
                         add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,nonRepudiation") &&
                         add_ext(x, &ctx, NID_ext_key_usage, "emailProtection") && add_email_san(x, email);
    ok = ok && add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
         add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (!ok || !X509_sign(x, issuer_key, EVP_sha256())) goto fail;
    BN_free(bn);
    return x;
fail:
    BN_free(bn);
    X509_free(x);
    return NULL;
}

static int cert_pem(X509 *x, buf_t *out)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (!b) return -ENOMEM;
    if (!PEM_write_bio_X509(b, x)) {
        BIO_free(b);
        return -EIO;
    }
    return signer_bio_drain(b, out);
}

static X509 *cert_from(const buf_t *pem)
{
    BIO *b = BIO_new_mem_buf(pem->data, (int)pem->len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

/* The CA of dir: its certificate and (when pass is given) its key. -ENOENT, -EACCES or -EIO. */
static int load_ca(const char *dir, const char *pass, X509 **cert, EVP_PKEY **key)
{
    *cert = NULL;
    if (key) *key = NULL;
    buf_t b;
    buf_init(&b, CA_FILE_MAX + 1);
    int rc = read_in(dir, "ca.pem", &b);
    if (rc) {
        buf_free(&b);
        return rc == -ENOENT || rc == -ENOTDIR ? -ENOENT : rc;
    }
    *cert = cert_from(&b);
    buf_reset(&b);
    if (!*cert) {
        buf_free(&b);
        return -EIO;
    }
    if (key) {
        rc = read_in(dir, "ca.key", &b);
        BIO *bio = rc ? NULL : BIO_new_mem_buf(b.data, (int)b.len);
        *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)pass) : NULL;
        BIO_free(bio);
        if (b.data) OPENSSL_cleanse(b.data, b.len);
        if (!*key) rc = rc ? rc : -EACCES;
        else if (X509_check_private_key(*cert, *key) != 1) rc = -EIO;
        if (rc) {
            EVP_PKEY_free(*key);
            *key = NULL;
        }
    }
    buf_free(&b);
    if (rc) {
        X509_free(*cert);
        *cert = NULL;
    }
    ERR_clear_error();
    return rc;
}

/* ---- the index ---- */

typedef struct index {
    ca_cert_info_t *v;
    size_t          n, cap;
} index_t;

static void index_free(index_t *ix)
{
    free(ix->v);
    memset(ix, 0, sizeof *ix);
}

static int index_add(index_t *ix, const ca_cert_info_t *c)
{
    if (ix->n == ix->cap) {
        size_t cap = ix->cap ? 2 * ix->cap : 16;
        void *p = realloc(ix->v, cap * sizeof *ix->v);
        if (!p) return -ENOMEM;
        ix->v = p;
        ix->cap = cap;
    }
    ix->v[ix->n++] = *c;
    return 0;
}

static int index_load(const char *dir, index_t *ix)
{
    memset(ix, 0, sizeof *ix);
    buf_t b;
    buf_init(&b, CA_FILE_MAX + 1);
    int rc = read_in(dir, "index.tsv", &b);
    if (rc == -ENOENT) rc = 0;
    char *save = NULL;
    if (!rc && b.len && buf_putc(&b, '\0') == 0)
        for (char *line = strtok_r(b.data, "\n", &save); line && !rc; line = strtok_r(NULL, "\n", &save)) {
            ca_cert_info_t c = {0};
            char status = 0;
            long long na = 0, ra = 0;
            int used = 0;
            if (sscanf(line, "%79[0-9A-F]\t%c\t%lld\t%lld\t%d\t%d\t%64[0-9a-f]\t%n", c.serial_hex, &status, &na, &ra,
                       &c.reason, &c.kind, c.sha256_hex, &used) < 7 || used == 0 || (status != 'V' && status != 'R')) {
                rc = -EIO;
                break;
            }
            snprintf(c.subject_cn, sizeof c.subject_cn, "%s", line + used);
            c.not_after = (time_t)na;
            c.revoked_at = status == 'R' ? (time_t)ra : 0;
            rc = index_add(ix, &c);
        }
    buf_free(&b);
    if (rc) index_free(ix);
    return rc;
}

static int index_save(const char *dir, const index_t *ix)
{
    buf_t b;
    buf_init(&b, CA_FILE_MAX);
    int rc = 0;
    for (size_t i = 0; i < ix->n && !rc; i++) {
        const ca_cert_info_t *c = &ix->v[i];
        rc = buf_printf(&b, "%s\t%c\t%lld\t%lld\t%d\t%d\t%s\t%s\n", c->serial_hex, c->revoked_at ? 'R' : 'V',
                        (long long)c->not_after, (long long)c->revoked_at, c->reason, c->kind, c->sha256_hex,
                        c->subject_cn);
    }
    if (!rc) rc = write_in(dir, "index.tsv", &b, 0644);
    buf_free(&b);
    return rc;
}

/* ---- the CRL ---- */

static int write_crl(const char *dir, X509 *cacert, EVP_PKEY *cakey, const index_t *ix, int days)
{
    buf_t nb;
    buf_init(&nb, 64);
    long number = 0;
    if (read_in(dir, "crlnumber", &nb) == 0 && nb.len && buf_putc(&nb, '\0') == 0) number = strtol(nb.data, NULL, 10);
    buf_free(&nb);
    number = number < 0 ? 1 : number + 1;

    int rc = -EIO;
    time_t now = time(NULL);
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *last = ASN1_TIME_set(NULL, now), *next = ASN1_TIME_adj(NULL, now, days, 0);
    ASN1_INTEGER *num = ASN1_INTEGER_new();
    if (!crl || !last || !next || !num || !ASN1_INTEGER_set(num, number)) goto out;
    if (!X509_CRL_set_version(crl, X509_CRL_VERSION_2) || !X509_CRL_set_issuer_name(crl, X509_get_subject_name(cacert)) ||
        !X509_CRL_set1_lastUpdate(crl, last) || !X509_CRL_set1_nextUpdate(crl, next) ||
        X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1)
        goto out;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cacert, NULL, NULL, crl, 0);
    X509_EXTENSION *aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
    int ok = aki && X509_CRL_add_ext(crl, aki, -1);
    X509_EXTENSION_free(aki);
    if (!ok) goto out;
    for (size_t i = 0; i < ix->n; i++) {
        const ca_cert_info_t *c = &ix->v[i];
        if (!c->revoked_at) continue;
        X509_REVOKED *r = X509_REVOKED_new();
        BIGNUM *bn = NULL;
        ASN1_INTEGER *sn = NULL;
        ASN1_TIME *rt = ASN1_TIME_set(NULL, c->revoked_at);
        ASN1_ENUMERATED *why = ASN1_ENUMERATED_new();
        ok = r && rt && why && BN_hex2bn(&bn, c->serial_hex) && (sn = BN_to_ASN1_INTEGER(bn, NULL)) &&
             X509_REVOKED_set_serialNumber(r, sn) && X509_REVOKED_set_revocationDate(r, rt) &&
             ASN1_ENUMERATED_set(why, c->reason) && X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, why, 0, 0) == 1 &&
             X509_CRL_add0_revoked(crl, r);
        if (ok) r = NULL;
        X509_REVOKED_free(r);
        BN_free(bn);
        ASN1_INTEGER_free(sn);
        ASN1_TIME_free(rt);
        ASN1_ENUMERATED_free(why);
        if (!ok) goto out;
    }
    if (!X509_CRL_sort(crl) || !X509_CRL_sign(crl, cakey, EVP_sha256())) goto out;
    BIO *b = BIO_new(BIO_s_mem());
    buf_t pem;
    buf_init(&pem, CA_FILE_MAX);
    rc = b && PEM_write_bio_X509_CRL(b, crl) ? signer_bio_drain(b, &pem) : (BIO_free(b), -EIO);
    if (!rc) rc = write_in(dir, "crl.pem", &pem, 0644);
    buf_reset(&pem);
    if (!rc && buf_printf(&pem, "%ld\n", number) == 0) rc = write_in(dir, "crlnumber", &pem, 0644);
    buf_free(&pem);
out:
    X509_CRL_free(crl);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    ASN1_INTEGER_free(num);
    ERR_clear_error();
    return rc;
}

/* ---- commands ---- */

int ca_init(const char *dir, const char *pass, const ca_name_t *name, int key_type, int days)
{
    if (!dir || !*dir || !pass || !*pass || names_ok(name) || days < 0 || days > 36500) return -EINVAL;
    if (!days) days = 3650;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) return -errno;
    int lk = lock_dir(dir);
    if (lk < 0) return lk;
    char p[4096];
    int rc = path_in(p, sizeof p, dir, "ca.pem");
    if (!rc && access(p, F_OK) == 0) rc = -EEXIST;
    if (!rc && path_in(p, sizeof p, dir, "ca.key") == 0 && access(p, F_OK) == 0) rc = -EEXIST;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    X509_NAME *subj = NULL;
    buf_t kb, cb;
    buf_init(&kb, CA_FILE_MAX);
    buf_init(&cb, CA_FILE_MAX);
    if (!rc && (!(key = new_key(key_type)) || !(subj = make_name(name)) ||
                !(cert = make_cert(key, subj, NULL, key, 1, time(NULL), days, NULL))))
        rc = -EIO;
    if (!rc) {
        BIO *b = BIO_new(BIO_s_mem());
        rc = b && PEM_write_bio_PKCS8PrivateKey(b, key, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)pass)
                 ? signer_bio_drain(b, &kb)
                 : (BIO_free(b), -EIO);
    }
    if (!rc) rc = cert_pem(cert, &cb);
    /* The key first and exclusively: a second init racing this one fails instead of replacing it. */
    if (!rc && !(rc = path_in(p, sizeof p, dir, "ca.key"))) rc = file_write_atomic(p, kb.data, kb.len, 0600, 1);
    if (!rc) rc = write_in(dir, "ca.pem", &cb, 0644);
    index_t empty = {0};
    if (!rc) rc = index_save(dir, &empty);
    if (!rc) rc = write_crl(dir, cert, key, &empty, 30);
    if (kb.data) OPENSSL_cleanse(kb.data, kb.len);
    buf_free(&kb);
    buf_free(&cb);
    X509_NAME_free(subj);
    X509_free(cert);
    EVP_PKEY_free(key);
    ERR_clear_error();
    close(lk);
    return rc;
}

static int p12_of(EVP_PKEY *key, X509 *cert, X509 *cacert, const char *name, const char *pass, buf_t *out)
{
    STACK_OF(X509) *chain = sk_X509_new_null();
    X509 *dup = X509_dup(cacert);
    int rc = -EIO;
    if (!chain || !dup || !sk_X509_push(chain, dup)) {
        X509_free(dup);
        goto out;
    }
    PKCS12 *p12 = PKCS12_create(pass, name, key, cert, chain, NID_aes_256_cbc, NID_aes_256_cbc, PKCS12_DEFAULT_ITER,
                                -1, 0);
    if (p12 && PKCS12_set_mac(p12, pass, -1, NULL, 0, PKCS12_DEFAULT_ITER, EVP_sha256()) == 1) {
        unsigned char *der = NULL;
        int n = i2d_PKCS12(p12, &der);
        rc = n > 0 ? buf_append(out, der, (size_t)n) : -EIO;
        OPENSSL_free(der);
    }
    PKCS12_free(p12);
out:
    sk_X509_pop_free(chain, X509_free);
    return rc;
}

int ca_issue(const char *dir, const char *pass, const ca_issue_opts_t *o, const char *p12_pass, buf_t *p12_out,
             ca_cert_info_t *info)
{
    if (!dir || !pass || !o || !p12_pass || !*p12_pass || names_ok(&o->name) || o->days < 0 || o->days > 3650 ||
        (o->key_type && o->key_type != CA_KEY_RSA && o->key_type != CA_KEY_EC) ||
        (o->kind != CA_KIND_PERSON && o->kind != CA_KIND_SEAL))
        return -EINVAL;
    X509 *cacert;
    EVP_PKEY *cakey;
    int rc = load_ca(dir, pass, &cacert, NULL);   /* a missing CA answers -ENOENT before the lock creates files */
    if (rc) return rc;
    X509_free(cacert);
    int lk = lock_dir(dir);
    if (lk < 0) return lk;
    rc = load_ca(dir, pass, &cacert, &cakey);
    if (rc) {
        close(lk);
        return rc;
    }
    index_t ix;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    X509_NAME *subj = NULL;
    rc = index_load(dir, &ix);
    if (!rc && (!(key = new_key(o->key_type)) || !(subj = make_name(&o->name)) ||
                !(cert = make_cert(key, subj, cacert, cakey, 0, o->not_before ? o->not_before : time(NULL),
                                   o->days ? o->days : 730, o->name.email))))
        rc = -EIO;
    ca_cert_info_t c = {.kind = o->kind};
    if (!rc) {
        signer_info_t si;
        signer_info_of(cert, &si);
        snprintf(c.serial_hex, sizeof c.serial_hex, "%s", si.serial_hex);
        snprintf(c.sha256_hex, sizeof c.sha256_hex, "%s", si.sha256_hex);
        snprintf(c.subject_cn, sizeof c.subject_cn, "%s", o->name.cn);
        c.not_after = si.not_after;
        size_t before = p12_out->len;
        rc = p12_of(key, cert, cacert, o->name.cn, p12_pass, p12_out);
        /* Recorded only once the bundle exists; a failed save leaves no trace of the bundle either. */
        if (!rc) rc = index_add(&ix, &c);
        if (!rc) rc = index_save(dir, &ix);
        if (rc && p12_out->len > before) {
            OPENSSL_cleanse(p12_out->data + before, p12_out->len - before);
            p12_out->len = before;
        }
    }
    if (!rc && info) *info = c;
    index_free(&ix);
    X509_NAME_free(subj);
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_free(cacert);
    EVP_PKEY_free(cakey);
    ERR_clear_error();
    close(lk);
    return rc;
}

static int locked_crl(const char *dir, const char *pass, const char *serial_hex, int reason, int days)
{
    X509 *cacert;
    EVP_PKEY *cakey;
    int rc = load_ca(dir, pass, &cacert, &cakey);
    if (rc) return rc;
    index_t ix;
    rc = index_load(dir, &ix);
    if (!rc && serial_hex) {
        ca_cert_info_t *hit = NULL;
        for (size_t i = 0; i < ix.n; i++)
            if (!strcasecmp(ix.v[i].serial_hex, serial_hex)) hit = &ix.v[i];
        if (!hit) rc = -ESRCH;
        else if (hit->revoked_at) rc = -EALREADY;
        else {
            hit->revoked_at = time(NULL);
            hit->reason = reason;
        }
    }
    /* The CRL first: a revocation counts once it is published; the index follows it. */
    if (!rc) rc = write_crl(dir, cacert, cakey, &ix, days ? days : 30);
    if (!rc && serial_hex) rc = index_save(dir, &ix);
    index_free(&ix);
    X509_free(cacert);
    EVP_PKEY_free(cakey);
    return rc;
}

int ca_revoke(const char *dir, const char *pass, const char *serial_hex, int reason, int crl_days)
{
    if (!dir || !pass || !serial_hex || !*serial_hex || strlen(serial_hex) > 79 || crl_days < 0 || crl_days > 3650)
        return -EINVAL;
    for (const char *p = serial_hex; *p; p++)
        if (!isxdigit((unsigned char)*p)) return -EINVAL;
    int found = 0;
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) found |= reasons[i].code == reason;
    if (!found) return -EINVAL;
    X509 *probe;
    int rc = load_ca(dir, pass, &probe, NULL);
    if (rc) return rc;
    X509_free(probe);
    int lk = lock_dir(dir);
    if (lk < 0) return lk;
    rc = locked_crl(dir, pass, serial_hex, reason, crl_days);
    close(lk);
    return rc;
}

int ca_crl(const char *dir, const char *pass, int crl_days)
{
    if (!dir || !pass || crl_days < 0 || crl_days > 3650) return -EINVAL;
    X509 *probe;
    int rc = load_ca(dir, pass, &probe, NULL);
    if (rc) return rc;
    X509_free(probe);
    int lk = lock_dir(dir);
    if (lk < 0) return lk;
    rc = locked_crl(dir, pass, NULL, 0, crl_days);
    close(lk);
    return rc;
}

int ca_list(const char *dir, ca_list_fn fn, void *arg)
{
    X509 *probe;
    int rc = load_ca(dir, NULL, &probe, NULL);
    if (rc) return rc;
    X509_free(probe);
    index_t ix;
    rc = index_load(dir, &ix);
    if (rc) return rc;
    for (size_t i = 0; i < ix.n && !rc; i++) rc = fn(&ix.v[i], arg);
    index_free(&ix);
    return rc;
}

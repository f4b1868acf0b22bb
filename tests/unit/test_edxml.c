/* test_edxml.c — edXML packages (domain/edxml.h) and their XML-DSig (sign/xmldsig.h): parse edge cases (dates,
 * missing fields, caps, base64, hostile XML), build -> parse round trips, and sign / verify outcomes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "core/mem.h"
#include "testcerts.h"
#include "core/b64.h"
#include "domain/edxml.h"
#include "sign/signer.h"
#include "sign/xmldsig.h"

/* ---- dates and base64 ---- */

Test(edxml, dates_in_both_partner_orders)
{
    edxml_date_t d;
    cr_assert_eq(edxml_date_parse("30/10/2020", &d), 0);
    cr_assert(d.y == 2020 && d.m == 10 && d.d == 30);
    cr_assert_eq(edxml_date_parse("2018/09/28", &d), 0);
    cr_assert(d.y == 2018 && d.m == 9 && d.d == 28);
    cr_assert_eq(edxml_date_parse("2026-12-02", &d), 0);
    cr_assert(d.y == 2026 && d.m == 12 && d.d == 2);
    cr_assert_eq(edxml_date_parse("1/2/2026", &d), 0);
    cr_assert(d.y == 2026 && d.m == 2 && d.d == 1);
    cr_assert_eq(edxml_date_parse("29/02/2024", &d), 0);
    cr_assert_eq(edxml_date_parse("", &d), 0);
    cr_assert_eq(d.y, 0);
    const char *bad[] = {"29/02/2026", "31/04/2026", "2026/13/01", "2026/00/10", "00/01/2026", "30/10/20", "2026/1/2x",
                         "2026-12/02", "abc", "30-10-2020", "1800/01/01", " 2026-12-02", "2026-12-02 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(edxml_date_parse(bad[i], &d), -EINVAL, "%s", bad[i]);
    edxml_time_t t;
    cr_assert_eq(edxml_time_parse("2015/09/20 11:08:36", &t), 0);
    cr_assert(t.y == 2015 && t.m == 9 && t.d == 20 && t.hh == 11 && t.mi == 8 && t.ss == 36);
    cr_assert_eq(edxml_time_parse("2026-12-02T09:30", &t), 0);
    cr_assert(t.hh == 9 && t.mi == 30 && t.ss == 0);
    cr_assert_eq(edxml_time_parse("30/10/2020", &t), 0);
    cr_assert_eq(edxml_time_parse("2026-12-02T24:00:00", &t), -EINVAL);
    cr_assert_eq(edxml_time_parse("2026-12-02T10:60", &t), -EINVAL);
    cr_assert_eq(edxml_time_parse("2026-12-02 10:00:00Z", &t), -EINVAL);
}

Test(edxml, base64_strict)
{
    unsigned char raw[64];
    for (int i = 0; i < 64; i++) raw[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= 10; n++) {
        buf_t b;
        buf_init(&b, 0);
        cr_assert_eq(b64_encode(raw, n, &b), 0);
        cr_assert_eq(b.len, (n + 2) / 3 * 4);
        unsigned char *out;
        size_t len;
        cr_assert_eq(b64_decode(b.data ? b.data : "", b.len, 64, &out, &len), 0);
        cr_assert_eq(len, n);
        cr_assert(n == 0 || memcmp(out, raw, n) == 0);
        free(out);
        buf_free(&b);
    }
    unsigned char *out;
    size_t len;
    cr_assert_eq(b64_decode(" SGVs\nbG8=\r\n", 12, 64, &out, &len), 0);
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(out, "Hello", 5), 0);
    free(out);
    const char *bad[] = {"SGVsbG8", "SGVsbG8*", "SGVs=G8=", "QQ=", "QQ==QQ==", "QR==", "QUI=x", "Q===", "===="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(b64_decode(bad[i], strlen(bad[i]), 64, &out, &len), -EINVAL, "%s", bad[i]);
        cr_assert_null(out);
    }
    cr_assert_eq(b64_decode("SGVsbG8=", 8, 4, &out, &len), -E2BIG);
}

/* ---- parsing ---- */

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">" \
             "<edXMLEnvelope><edXMLHeader><MessageHeader>"
#define FROM "<From><OrganId>000.00.06.H56</OrganId><OrganName>UBND xã Tân Phú</OrganName></From>"
#define TO "<To><OrganId>000.00.01.H56</OrganId></To>"
#define DOCID "<DocumentId>000.00.06.H56,2026/12/02,15/UBND-VP</DocumentId>"
#define CODE "<Code><CodeNumber>15</CodeNumber><CodeNotation>UBND-VP</CodeNotation></Code>"
#define TAIL "</MessageHeader></edXMLHeader></edXMLEnvelope></edXML>"

static int parse(const char *xml, edxml_doc_t *d, char *why)
{
    return edxml_parse(xml, strlen(xml), d, why, 256);
}

Test(edxml, minimal_package_and_unknown_elements)
{
    edxml_doc_t d;
    char why[256];
    const char *x = HEAD FROM TO DOCID CODE "<Novelty><Deep>x</Deep></Novelty>"
                    "<PromulgationInfo><PromulgationDate>30/10/2020</PromulgationDate></PromulgationInfo>"
                    "<Subject>  Báo cáo\n </Subject>" TAIL;
    cr_assert_eq(parse(x, &d, why), 0, "%s", why);
    cr_assert_eq(d.kind, EDXML_PACKAGE);
    cr_assert_str_eq(d.from.organ_name, "UBND xã Tân Phú");
    cr_assert_eq(d.n_to, 1);
    cr_assert_str_eq(d.code_notation, "UBND-VP");
    cr_assert_str_eq(d.subject, "Báo cáo");
    cr_assert_str_eq(d.content, "");
    cr_assert_str_eq(d.type_name, "");
    cr_assert(d.promulgation_date.y == 2020 && d.promulgation_date.d == 30);
    cr_assert_eq(d.due_date.y, 0);
    cr_assert_eq(d.n_attachments, 0);
    edxml_doc_free(&d);
    edxml_doc_free(&d);   /* zeroed: harmless */
}

Test(edxml, missing_required_elements_have_a_reason)
{
    struct { const char *xml, *reason; } cases[] = {
        {HEAD TO DOCID CODE TAIL, "From is missing"},
        {HEAD "<From><OrganName>x</OrganName></From>" TO DOCID CODE TAIL, "From/OrganId is missing"},
        {HEAD FROM DOCID CODE TAIL, "To is missing"},
        {HEAD FROM "<To><OrganName>x</OrganName></To>" DOCID CODE TAIL, "To[1]/OrganId is missing"},
        {HEAD FROM TO CODE TAIL, "DocumentId is missing"},
        {HEAD FROM TO DOCID TAIL, "Code is missing"},
        {HEAD FROM TO DOCID "<Code><CodeNumber/></Code>" TAIL, "Code (CodeNumber, CodeNotation) is missing"},
        {"<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>", "MessageHeader is missing"},
        {"<other/>", "root element is not edXML"},
        {HEAD FROM TO DOCID CODE, "not well-formed"},
        {HEAD FROM TO DOCID CODE "<DueDate>31/02/2026</DueDate>" TAIL, "DueDate \"31/02/2026\" is not a date"},
        {HEAD FROM TO DOCID CODE "<OtherInfo><PageAmount>many</PageAmount></OtherInfo>" TAIL, "PageAmount"},
        {HEAD FROM TO DOCID CODE "<OtherInfo><Direction>maybe</Direction></OtherInfo>" TAIL, "Direction"},
        {HEAD FROM "<ResponseFor><DocumentId>x</DocumentId></ResponseFor><StatusCode>07</StatusCode>" TAIL,
         "StatusCode \"07\""},
        {HEAD FROM "<StatusCode>01</StatusCode>" TAIL, "ResponseFor is missing"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        edxml_doc_t d;
        char why[256];
        cr_assert_eq(parse(cases[i].xml, &d, why), -EINVAL, "case %zu", i);
        cr_assert(strstr(why, cases[i].reason), "case %zu: '%s' lacks '%s'", i, why, cases[i].reason);
        cr_assert_null(d.from.organ_id, "case %zu: the doc is zeroed on failure", i);
    }
}

Test(edxml, status_message)
{
    const char *x = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXML:edXMLEnvelope "
                    "xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXML:edXMLHeader><edXML:MessageHeader>"
                    "<edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From>"
                    "<edXML:ResponseFor><edXML:Code>7816/VPCP-TTĐT</edXML:Code><edXML:PromulgationDate>2015/09/30"
                    "</edXML:PromulgationDate><edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
                    "</edXML:DocumentId></edXML:ResponseFor><edXML:StaffInfo><edXML:Staff>Nguyễn Thị Ngọc Trâm"
                    "</edXML:Staff></edXML:StaffInfo><edXML:StatusCode>05</edXML:StatusCode><edXML:Description>"
                    "Đang xử lý</edXML:Description><edXML:Timestamp>2015/09/20 11:08:36</edXML:Timestamp>"
                    "</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>";
    edxml_doc_t d;
    char why[256];
    cr_assert_eq(parse(x, &d, why), 0, "%s", why);
    cr_assert_eq(d.kind, EDXML_STATUS);
    cr_assert_str_eq(d.status_code, "05");
    cr_assert_str_eq(edxml_status_name(d.status_code), "processing");
    cr_assert_str_eq(d.response_for.code, "7816/VPCP-TTĐT");
    cr_assert_eq(d.response_for.promulgation_date.m, 9);
    cr_assert_str_eq(d.staff.staff, "Nguyễn Thị Ngọc Trâm");
    cr_assert_eq(d.timestamp.ss, 36);
    cr_assert_str_eq(d.subject, "");
    edxml_doc_free(&d);
    cr_assert_null(edxml_status_name("07"));
    cr_assert_null(edxml_status_name(NULL));
}

Test(edxml, hostile_xml_refused)
{
    edxml_doc_t d;
    char why[256];
    const char *xxe = "<?xml version=\"1.0\"?><!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                      "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"><edXMLEnvelope><edXMLHeader>"
                      "<MessageHeader>" FROM TO DOCID CODE "<Subject>&x;</Subject>" TAIL;
    cr_assert_eq(parse(xxe, &d, why), -EINVAL);
    cr_assert(strstr(why, "DOCTYPE"), "%s", why);
    const char *lol = "<!DOCTYPE a [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><a>&b;</a>";
    cr_assert_eq(parse(lol, &d, why), -EINVAL);
    cr_assert(strstr(why, "DOCTYPE"), "%s", why);
    const char *ext = "<!DOCTYPE edXML SYSTEM \"http://127.0.0.1:1/x.dtd\"><edXML/>";
    cr_assert_eq(parse(ext, &d, why), -EINVAL);
    cr_assert(strstr(why, "DOCTYPE"), "%s", why);
    const char *undef = HEAD FROM TO DOCID CODE "<Subject>&nope;</Subject>" TAIL;
    cr_assert_eq(parse(undef, &d, why), -EINVAL);
    cr_assert_eq(edxml_parse("", 0, &d, why, sizeof why), -EINVAL);
}

Test(edxml, caps)
{
    edxml_doc_t d;
    char why[256];
    /* one field over its cap */
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, HEAD "<From><OrganId>");
    for (int i = 0; i < EDXML_MAX_FIELD + 1; i++) buf_putc(&b, 'x');
    buf_puts(&b, "</OrganId></From>" TO DOCID CODE TAIL);
    cr_assert_eq(edxml_parse(b.data, b.len, &d, why, sizeof why), -E2BIG);
    cr_assert(strstr(why, "From/OrganId is longer than 1024 bytes"), "%s", why);
    /* too many To */
    buf_reset(&b);
    buf_puts(&b, HEAD FROM);
    for (int i = 0; i <= EDXML_MAX_TO; i++) buf_puts(&b, TO);
    buf_puts(&b, DOCID CODE TAIL);
    cr_assert_eq(edxml_parse(b.data, b.len, &d, why, sizeof why), -E2BIG);
    cr_assert(strstr(why, "To elements"), "%s", why);
    buf_free(&b);
    /* the whole input */
    size_t n = EDXML_MAX_BYTES + 1;
    char *big = xmalloc(n);
    memset(big, ' ', n);
    memcpy(big, "<edXML>", 7);
    cr_assert_eq(edxml_parse(big, n, &d, why, sizeof why), -E2BIG);
    free(big);
}

#define ATT(cid, data) "<Attachment><ContentId>cid:" cid "</ContentId><AttachmentName>a.pdf</AttachmentName>" \
                       "<ContentTransferEncoded>" data "</ContentTransferEncoded></Attachment>"
#define MAN(cid) "<edXMLBody><edXMLManifest><Reference><ContentId>cid:" cid "</ContentId><ContentType>application/pdf" \
                 "</ContentType><Description>Tờ trình</Description></Reference></edXMLManifest></edXMLBody>"
#define PKG_WITH(body, att) HEAD FROM TO DOCID CODE "</MessageHeader></edXMLHeader>" body "</edXMLEnvelope>" \
                            "<AttachmentEncoded>" att "</AttachmentEncoded></edXML>"

Test(edxml, attachments)
{
    edxml_doc_t d;
    char why[256];
    cr_assert_eq(parse(PKG_WITH(MAN("7"), ATT("7", "JVBERi0x\nLjQK")), &d, why), 0, "%s", why);
    cr_assert_eq(d.n_attachments, 1);
    cr_assert_str_eq(d.attachments[0].content_id, "7");
    cr_assert_eq(d.attachments[0].len, 9);
    cr_assert_eq(memcmp(d.attachments[0].data, "%PDF-1.4\n", 9), 0);
    cr_assert_str_eq(d.attachments[0].content_type, "application/pdf");   /* from the manifest */
    cr_assert_str_eq(d.attachments[0].description, "Tờ trình");
    edxml_doc_free(&d);
    cr_assert_eq(parse(PKG_WITH(MAN("7"), ATT("7", "JVBERi0*LjQK")), &d, why), -EINVAL);
    cr_assert(strstr(why, "not valid base64"), "%s", why);
    cr_assert_eq(parse(PKG_WITH(MAN("8"), ATT("7", "JVBERi0x")), &d, why), -EINVAL);
    cr_assert(strstr(why, "the manifest lists cid:8"), "%s", why);
    cr_assert_eq(parse(PKG_WITH("", ATT("7", "QQ==") ATT("7", "QQ==")), &d, why), -EINVAL);
    cr_assert(strstr(why, "used twice"), "%s", why);
    cr_assert_eq(parse(PKG_WITH("", "<Attachment><ContentId>cid:1</ContentId></Attachment>"), &d, why), -EINVAL);
    cr_assert(strstr(why, "ContentTransferEncoded is missing"), "%s", why);
}

/* ---- build -> parse ---- */

static char *S(const char *s) { return xstrdup(s); }

static void full_doc(edxml_doc_t *d)
{
    memset(d, 0, sizeof *d);
    d->kind = EDXML_PACKAGE;
    d->from.organ_id = S("000.00.06.H56");
    d->from.organ_name = S("UBND xã Tân Phú");
    d->n_to = 2;
    d->to = xcalloc(2, sizeof *d->to);
    d->to[0].organ_id = S("000.00.01.H56");
    d->to[0].organ_name = S("Sở Nội vụ");
    d->to[1].organ_id = S("000.00.02.H56");
    d->code_number = S("15");
    d->code_notation = S("UBND-VP");
    d->place = S("Tân Phú");
    d->promulgation_date = (edxml_date_t){2026, 12, 2};
    d->type = 1;
    d->type_name = S("Công văn");
    d->subject = S("Về việc <báo cáo> & \"đề xuất\"");
    d->content = S("Dòng 1\nDòng 2 — Ộ ấ ế ồ đ Đ");
    d->signer_full_name = S("Nguyễn Văn Lãnh Đạo");
    d->due_date = (edxml_date_t){2026, 12, 15};
    d->priority = 2;
    d->page_amount = 3;
    d->direction = true;
    d->n_appendixes = 1;
    d->appendixes = xcalloc(1, sizeof(char *));
    d->appendixes[0] = S("Phụ lục I");
    d->steering_type = 1;
    d->n_traces = 1;
    d->traces = xcalloc(1, sizeof *d->traces);
    d->traces[0].organ_id = S("000.00.06.H56");
    d->traces[0].timestamp = (edxml_time_t){2026, 12, 2, 9, 30, 5};
    d->has_business = true;
    d->business.doc_type = 2;
    d->business.reason = S("Cập nhật");
    d->n_attachments = 1;
    d->attachments = xcalloc(1, sizeof *d->attachments);
    d->attachments[0].content_id = S("a1");
    d->attachments[0].name = S("tờ-trình.pdf");
    d->attachments[0].content_type = S("application/pdf");
    d->attachments[0].len = 300;
    d->attachments[0].data = xmalloc(300);
    for (int i = 0; i < 300; i++) d->attachments[0].data[i] = (unsigned char)(i * 7);
}

Test(edxml, build_parse_round_trip)
{
    edxml_doc_t d, e;
    full_doc(&d);
    buf_t x;
    buf_init(&x, 0);
    char why[256];
    cr_assert_eq(edxml_build(&d, &x, why, sizeof why), 0, "%s", why);
    cr_assert(strstr(x.data, "<DocumentId>000.00.06.H56,2026/12/02,15/UBND-VP</DocumentId>"));
    cr_assert(strstr(x.data, "<PromulgationDate>02/12/2026</PromulgationDate>"));
    cr_assert(strstr(x.data, "<Timestamp>2026/12/02 09:30:05</Timestamp>"));
    cr_assert(strstr(x.data, "<ContentId>cid:a1</ContentId>"));
    cr_assert_eq(edxml_parse(x.data, x.len, &e, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(e.subject, d.subject);
    cr_assert_str_eq(e.content, d.content);
    cr_assert_str_eq(e.from.organ_name, d.from.organ_name);
    cr_assert_eq(e.n_to, 2);
    cr_assert_str_eq(e.to[1].organ_id, "000.00.02.H56");
    cr_assert_str_eq(e.document_id, "000.00.06.H56,2026/12/02,15/UBND-VP");
    cr_assert(e.direction && e.priority == 2 && e.page_amount == 3 && e.steering_type == 1);
    cr_assert_eq(e.n_appendixes, 1);
    cr_assert_str_eq(e.appendixes[0], "Phụ lục I");
    cr_assert(e.has_business && e.business.doc_type == 2);
    cr_assert_eq(e.traces[0].timestamp.ss, 5);
    cr_assert_eq(e.due_date.d, 15);
    cr_assert_eq(e.attachments[0].len, 300);
    cr_assert_eq(memcmp(e.attachments[0].data, d.attachments[0].data, 300), 0);
    cr_assert_str_eq(e.attachments[0].name, "tờ-trình.pdf");
    edxml_doc_free(&e);

    /* refusals: nothing appended */
    size_t len = x.len;
    free(d.subject);
    d.subject = S("bell \a");
    cr_assert_eq(edxml_build(&d, &x, why, sizeof why), -EINVAL);
    cr_assert(strstr(why, "Subject holds a control character"), "%s", why);
    cr_assert_eq(x.len, len);
    d.subject[4] = 0;
    d.n_to = 0;
    cr_assert_eq(edxml_build(&d, &x, why, sizeof why), -EINVAL);
    cr_assert_str_eq(why, "To is missing");
    d.n_to = 2;
    buf_t small;
    buf_init(&small, 512);
    cr_assert_eq(edxml_build(&d, &small, why, sizeof why), -E2BIG);
    cr_assert_eq(small.len, 0);
    buf_free(&small);
    buf_free(&x);
    edxml_doc_free(&d);
}

Test(edxml, json_round_trip)
{
    edxml_doc_t d, e;
    full_doc(&d);
    buf_t j;
    buf_init(&j, 0);
    jw_t w;
    jw_init(&w, &j);
    edxml_to_json(&w, &d, true);
    cr_assert_eq(jw_finish(&w), 0);
    json_error_t je;
    json_t *o = json_loadb(j.data, j.len, 0, &je);
    cr_assert_not_null(o, "%s", je.text);
    char why[256];
    cr_assert_eq(edxml_from_json(o, &e, NULL, NULL, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(e.content, d.content);
    cr_assert_eq(e.traces[0].timestamp.mi, 30);
    cr_assert_eq(e.attachments[0].len, 300);
    edxml_doc_free(&e);
    /* "file" needs a loader */
    json_t *a = json_array_get(json_object_get(o, "attachments"), 0);
    json_object_del(a, "data_base64");
    json_object_set_new(a, "file", json_string("/etc/hostname"));
    cr_assert_eq(edxml_from_json(o, &e, NULL, NULL, why, sizeof why), -EINVAL);
    cr_assert(strstr(why, "file is not allowed"), "%s", why);
    json_object_set_new(o, "due_date", json_string("2026-02-30"));
    cr_assert_eq(edxml_from_json(o, &e, NULL, NULL, why, sizeof why), -EINVAL);
    cr_assert(strstr(why, "due_date"), "%s", why);
    json_decref(o);
    buf_free(&j);
    edxml_doc_free(&d);
}

/* ---- XML-DSig ---- */

/* A signer for a leaf of a fresh CA; *trust gets the CA's PEM. */
static signer_t *mksigner(int ec, long from, long to, char **trust)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *key = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    X509 *ca = tc_cert(ca_key, "edxml test CA", NULL, NULL, 1, 1, -1, 3650);
    X509 *leaf = tc_cert(key, "Văn Thư", ca, ca_key, 5, 0, from, to);
    STACK_OF(X509) *chain = sk_X509_new_null();
    sk_X509_push(chain, ca);
    PKCS12 *p12 = PKCS12_create("pw", "k", key, leaf, chain, 0, 0, 0, 0, 0);
    unsigned char *der = NULL;
    int n = i2d_PKCS12(p12, &der);
    signer_t *s = NULL;
    cr_assert_eq(signer_from_pkcs12(der, (size_t)n, "pw", &s), 0);
    *trust = tc_pem(ca);
    OPENSSL_free(der);
    PKCS12_free(p12);
    sk_X509_free(chain);
    X509_free(ca); X509_free(leaf); EVP_PKEY_free(ca_key); EVP_PKEY_free(key);
    return s;
}

static void sign_verify(int ec)
{
    char *trust;
    signer_t *s = mksigner(ec, -1, 30, &trust);
    edxml_doc_t d;
    full_doc(&d);
    buf_t x;
    buf_init(&x, 0);
    char why[512];
    cr_assert_eq(edxml_build(&d, &x, why, sizeof why), 0);
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, NULL, NULL, why, sizeof why), -ENOENT);
    cr_assert_eq(xmldsig_sign(s, &x, why, sizeof why), 0, "%s", why);
    cr_assert(strstr(x.data, ec ? "ecdsa-sha256" : "rsa-sha256"));
    size_t len = x.len;
    cr_assert_eq(xmldsig_sign(s, &x, why, sizeof why), -EINVAL);   /* signed once only */
    cr_assert_eq(x.len, len);
    signer_info_t who;
    bool lenient = true;
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, &who, &lenient, why, sizeof why), 0, "%s", why);
    cr_assert_not(lenient);
    cr_assert_str_eq(who.subject_cn, "Văn Thư");
    cr_assert_eq(who.key_type, ec ? SIGNER_KEY_EC : SIGNER_KEY_RSA);
    cr_assert_eq(xmldsig_verify(x.data, x.len, NULL, NULL, NULL, NULL, 0), 0);
    /* the parsed package is the signed one */
    edxml_doc_t e;
    cr_assert_eq(edxml_parse(x.data, x.len, &e, why, sizeof why), 0, "%s", why);
    cr_assert_str_eq(e.subject, d.subject);
    edxml_doc_free(&e);
    /* one changed byte of the content */
    char *p = strstr(x.data, "Dòng 2");
    cr_assert_not_null(p);
    p[0] = 'X';
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, NULL, NULL, why, sizeof why), -EBADMSG);
    p[0] = 'D';
    /* another anchor */
    char *other;
    signer_t *s2 = mksigner(1, -1, 30, &other);
    cr_assert_eq(xmldsig_verify(x.data, x.len, other, NULL, NULL, why, sizeof why), -EKEYREJECTED);
    signer_close(s2);
    free(other);
    /* lenient: the Signature in the edXML namespace */
    char *ns = strstr(x.data, " xmlns=\"http://www.w3.org/2000/09/xmldsig#\"");
    cr_assert_not_null(ns);
    size_t cut = strlen(" xmlns=\"http://www.w3.org/2000/09/xmldsig#\"");
    memmove(ns, ns + cut, strlen(ns + cut) + 1);
    x.len -= cut;
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, &who, &lenient, why, sizeof why), 0, "%s", why);
    cr_assert(lenient);
    cr_assert_str_eq(why, "signature element in the edXML namespace, normalised");
    p = strstr(x.data, "Dòng 2");
    p[0] = 'X';
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, NULL, &lenient, why, sizeof why), -EBADMSG);
    cr_assert_not(lenient);
    buf_free(&x);
    edxml_doc_free(&d);
    signer_close(s);
    free(trust);
}

Test(xmldsig, rsa_sign_verify) { sign_verify(0); }
Test(xmldsig, ec_sign_verify) { sign_verify(1); }

Test(xmldsig, expired_and_malformed)
{
    char *trust;
    signer_t *s = mksigner(1, -30, -1, &trust);
    buf_t x;
    buf_init(&x, 0);
    buf_puts(&x, "<doc><a>1</a></doc>");
    char why[512];
    cr_assert_eq(xmldsig_sign(s, &x, why, sizeof why), 0, "%s", why);
    cr_assert(strstr(x.data, "<a>1</a><Signature"), "%s", x.data);   /* other XML: at the end of the root */
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, NULL, NULL, why, sizeof why), -EKEYREJECTED);
    cr_assert(strstr(why, "expired"), "%s", why);
    buf_reset(&x);
    buf_puts(&x, "<!DOCTYPE d [<!ENTITY e \"x\">]><d>&e;</d>");
    size_t len = x.len;
    cr_assert_eq(xmldsig_sign(s, &x, why, sizeof why), -EINVAL);
    cr_assert_eq(x.len, len);
    cr_assert_eq(xmldsig_verify(x.data, x.len, trust, NULL, NULL, why, sizeof why), -EINVAL);
    cr_assert_eq(xmldsig_verify("<d/>", 4, trust, NULL, NULL, why, sizeof why), -ENOENT);
    cr_assert_eq(xmldsig_verify("<d>", 3, trust, NULL, NULL, why, sizeof why), -EINVAL);
    buf_free(&x);
    signer_close(s);
    free(trust);
}

/* Verification from several threads at once (libxmlsec1 is initialised once; errors are per thread). */
struct vjob { const char *xml, *trust; size_t n; int ok; };

static void *verify_many(void *arg)
{
    struct vjob *j = arg;
    j->ok = 1;
    for (int i = 0; i < 20; i++) {
        char why[256];
        if (xmldsig_verify(j->xml, j->n, j->trust, NULL, NULL, why, sizeof why) != 0) j->ok = 0;
        if (xmldsig_verify(j->xml, j->n - 20, j->trust, NULL, NULL, why, sizeof why) != -EINVAL) j->ok = 0;
    }
    return NULL;
}

Test(xmldsig, threads)
{
    char *trust;
    signer_t *s = mksigner(1, -1, 30, &trust);
    edxml_doc_t d;
    full_doc(&d);
    buf_t x;
    buf_init(&x, 0);
    char why[256];
    cr_assert_eq(edxml_build(&d, &x, why, sizeof why), 0);
    cr_assert_eq(xmldsig_sign(s, &x, why, sizeof why), 0, "%s", why);
    pthread_t t[4];
    struct vjob j[4];
    for (int i = 0; i < 4; i++) {
        j[i] = (struct vjob){x.data, trust, x.len, 0};
        cr_assert_eq(pthread_create(&t[i], NULL, verify_many, &j[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        cr_assert(j[i].ok, "thread %d", i);
    }
    buf_free(&x);
    edxml_doc_free(&d);
    signer_close(s);
    free(trust);
}

/* test_dossier_result.c — the signed results' projection (domain/dossier_result.h): the row dossier_result_apply
 * writes from the payload of a signed dossier.approved, and its refusals. The signing, the
 * download and the public verification run end to end in tests/api/test_signed_results.py (both engines) and
 * tests/browser/test_lookup.mjs. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/mem.h"
#include "domain/dossier_result.h"

#include <errno.h>
#include <string.h>

TestSuite(dossier_result, .init = tu_open, .fini = tu_close);

struct apply_ctx {
    const char *dossier_id, *json;
};

static int apply_fn(db_t *db, void *arg)
{
    struct apply_ctx *c = arg;
    json_error_t jerr;
    json_t *p = json_loads(c->json, 0, &jerr);
    cr_assert(p, "test JSON: %s", jerr.text);
    int rc = dossier_result_apply(db, c->dossier_id, p);
    json_decref(p);
    return rc;
}

static int apply(const char *id, const char *json)
{
    struct apply_ctx c = {id, json};
    return store_write(tu_env.st, apply_fn, &c);
}

struct get_ctx {
    const char           *id;
    dossier_result_doc_t *out;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    return dossier_result_get(db, c->id, c->out);
}

static int get(const char *id, dossier_result_doc_t *out)
{
    struct get_ctx c = {id, out};
    return store_read(tu_env.st, get_fn, &c);
}

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

Test(dossier_result, rows_from_the_payloads)
{
    dossier_result_doc_t r;
    cr_assert_eq(apply("D1", "{\"id\":\"D1\"}"), 0, "no result_doc (an approve without signing): no row");
    cr_assert_eq(get("D1", &r), -ENOENT);
    cr_assert_eq(apply("D1", "{\"result_doc\":{\"signed\":{\"paper\":\"S1\",\"sha256\":\"" SHA_A "\",\"size\":9,"
                             "\"at\":1803000000000,\"from_sha256\":\"" SHA_B "\",\"signers\":[{\"role\":\"leader\"}]}}}"),
                 0);
    cr_assert_eq(get("D1", &r), 0);
    cr_assert_str_eq(r.signed_paper, "S1");
    cr_assert_str_eq(r.signed_sha256, SHA_A);
    cr_assert_str_eq(r.from_sha256, SHA_B);
    cr_assert_eq(r.signed_at, 1803000000000LL);
    /* a dossier is signed once: a second row for it is refused by the key */
    cr_assert_lt(apply("D1", "{\"result_doc\":{\"signed\":{\"paper\":\"S2\",\"sha256\":\"" SHA_B "\",\"at\":1,"
                             "\"from_sha256\":\"" SHA_A "\",\"signers\":[]}}}"), 0);
    cr_assert_eq(get("D1", &r), 0);
    cr_assert_str_eq(r.signed_paper, "S1");
}

Test(dossier_result, malformed_payloads_are_refused)
{
    dossier_result_doc_t r;
    /* no from_sha256, no sha256, signers not an array, an empty result_doc, no dossier id */
    cr_assert_eq(apply("D2", "{\"result_doc\":{\"signed\":{\"paper\":\"S\",\"sha256\":\"" SHA_A "\",\"signers\":[]}}}"),
                 -EINVAL);
    cr_assert_eq(apply("D2", "{\"result_doc\":{\"signed\":{\"paper\":\"S\",\"from_sha256\":\"" SHA_A "\",\"signers\":[]}}}"),
                 -EINVAL);
    cr_assert_eq(apply("D2", "{\"result_doc\":{\"signed\":{\"paper\":\"S\",\"sha256\":\"" SHA_A "\",\"from_sha256\":\""
                             SHA_B "\",\"signers\":{}}}}"),
                 -EINVAL);
    cr_assert_eq(apply("D2", "{\"result_doc\":{}}"), -EINVAL);
    cr_assert_eq(apply(NULL, "{\"result_doc\":{\"signed\":{\"paper\":\"S\",\"sha256\":\"" SHA_A "\",\"from_sha256\":\""
                             SHA_B "\",\"signers\":[]}}}"),
                 -EINVAL);
    cr_assert_eq(get("D2", &r), -ENOENT, "a refused apply leaves no row");
}

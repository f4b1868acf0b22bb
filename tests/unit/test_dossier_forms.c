/* test_dossier_forms.c — domain/dossier_forms.h without a store: form names, the lookup address and the public
 * base, and the 409 of a form that does not apply to the dossier's history (decided before any row is read). The
 * filled PDFs, the notifications and the uploads are proved end to end in tests/api/test_dossier_forms.py (both
 * engines). Suite dossier_forms. */
#include <criterion/criterion.h>

#include <errno.h>
#include <string.h>

#include "domain/dossier_forms.h"

TestSuite(dossier_forms);

Test(dossier_forms, names_round_trip)
{
    dossier_form_t f;
    for (int i = 0; i < DF__COUNT; i++) {
        cr_assert_eq(dossier_form_parse(dossier_form_name((dossier_form_t)i), &f), 0);
        cr_assert_eq((int)f, i);
    }
    cr_assert_eq(dossier_form_parse("tracking-book", &f), -EINVAL);
    cr_assert_eq(dossier_form_parse("Receipt", &f), -EINVAL);
    cr_assert_eq(dossier_form_parse(NULL, &f), -EINVAL);
    cr_assert_str_eq(dossier_form_name(DF_CONTROL_SHEET), "control-sheet");
}

Test(dossier_forms, lookup_url_and_public_base)
{
    char out[96];
    cr_assert_eq(dossier_lookup_url("https://dvc.example.vn", "000.00.01.H41-270302-0001", out, sizeof out), 0);
    cr_assert_str_eq(out, "https://dvc.example.vn/lookup.html?code=000.00.01.H41-270302-0001");
    cr_assert_eq(dossier_lookup_url("https://a-very-long-host-name.example.vn", "000.00.01.H41-270302-0001", out, 40),
                 -E2BIG);
    cr_assert_null(dossier_public_url());
    dossier_public_url_set("https://dvc.example.vn//");
    cr_assert_str_eq(dossier_public_url(), "https://dvc.example.vn");      /* trailing slashes dropped */
    dossier_public_url_set(NULL);
    cr_assert_null(dossier_public_url());
}

Test(dossier_forms, not_applicable_is_409_naming_the_state)
{
    static const struct {
        dossier_form_t f;
        int            status, supplements, extended;
        long long      accepted_at;
    } cases[] = {
        {DF_RECEIPT, DS_NEW, 0, 0, 0},          {DF_CONTROL_SHEET, DS_NEW, 0, 0, 0},
        {DF_REFUSAL, DS_PROCESSING, 0, 0, 1},   {DF_STOP, DS_RETURNED, 0, 0, 1},
        {DF_APOLOGY, DS_PROCESSING, 1, 0, 1},   {DF_SUPPLEMENT, DS_PROCESSING, 0, 1, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dossier_t d;
        memset(&d, 0, sizeof d);
        d.status = cases[i].status;
        d.supplement_count = cases[i].supplements;
        d.extended = cases[i].extended;
        d.accepted_at = cases[i].accepted_at;
        buf_t out;
        buf_init(&out, 0);
        derr_t err = {0};
        cr_assert_eq(dossier_form_render(NULL, &d, cases[i].f, NULL, 480, &out, &err), -EBUSY, "case %zu", i);
        cr_assert_eq(err.status, 409);
        cr_assert_eq(err.msg, MSG_DF_NOT_APPLICABLE);
        cr_assert_str_eq(err.field, "form");
        cr_assert_str_eq(err.arg[0], dossier_form_name(cases[i].f));
        cr_assert_str_eq(err.arg[1], dossier_status_name(cases[i].status, LANG_VI));
        cr_assert_eq(out.len, 0, "nothing drawn");
        buf_free(&out);
    }
}

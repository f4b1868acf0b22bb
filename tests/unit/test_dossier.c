/* test_dossier.c — domain/dossier.h: the validators of intake (citizen identity number, tax code, phone), the
 * dossier code, the action names; and, on a real store, intake (codes gap-free per agency and day, missing papers,
 * idempotency), the state machine (role, state, version, once-only rules) and the legal clock on pause and
 * extension, with `rebuild` giving the same projections. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "domain/calendar.h"
#include "domain/dossier.h"

#include <string.h>

Test(dossier_validate, citizen_id_structure)
{
    int y = 0;
    cr_assert(dossier_citizen_id_valid("068095001234", &y));        /* Lâm Đồng, male, 20th century */
    cr_assert_eq(y, 1995);
    cr_assert(dossier_citizen_id_valid("001305123456", &y));        /* Hà Nội, female, 21st century */
    cr_assert_eq(y, 2005);
    cr_assert(dossier_citizen_id_valid("096199000001", &y));        /* Cà Mau, the last province code */
    cr_assert_eq(y, 1999);
    cr_assert_not(dossier_citizen_id_valid("000095001234", NULL));  /* province 000 */
    cr_assert_not(dossier_citizen_id_valid("097095001234", NULL));  /* province 097 does not exist */
    cr_assert_not(dossier_citizen_id_valid("06809500123", NULL));   /* 11 digits */
    cr_assert_not(dossier_citizen_id_valid("0680950012345", NULL)); /* 13 digits */
    cr_assert_not(dossier_citizen_id_valid("06809500123a", NULL));
    cr_assert_not(dossier_citizen_id_valid("", NULL));
    cr_assert_not(dossier_citizen_id_valid(NULL, NULL));
}

Test(dossier_validate, tax_code_checksum)
{
    cr_assert(dossier_tax_code_valid("0100109106"));       /* check digit 6 */
    cr_assert(dossier_tax_code_valid("0300588569"));
    cr_assert(dossier_tax_code_valid("0101243150"));       /* 10 - sum mod 11 = 0 */
    cr_assert(dossier_tax_code_valid("0100109106-001"));   /* a branch */
    cr_assert_not(dossier_tax_code_valid("0100109107"));   /* wrong check digit */
    cr_assert_not(dossier_tax_code_valid("0312345678"));
    cr_assert_not(dossier_tax_code_valid("0100109106-000"));
    cr_assert_not(dossier_tax_code_valid("0100109106-01"));
    cr_assert_not(dossier_tax_code_valid("0100109106_001"));
    cr_assert_not(dossier_tax_code_valid("010010910"));
    cr_assert_not(dossier_tax_code_valid(NULL));
}

Test(dossier_validate, phone_normalised)
{
    char out[16];
    cr_assert_eq(dossier_phone_normalize("0912345678", out, sizeof out), 0);
    cr_assert_str_eq(out, "0912345678");
    cr_assert_eq(dossier_phone_normalize("+84 912 345 678", out, sizeof out), 0);
    cr_assert_str_eq(out, "0912345678");
    cr_assert_eq(dossier_phone_normalize("84-386.123.456", out, sizeof out), 0);
    cr_assert_str_eq(out, "0386123456");
    cr_assert_eq(dossier_phone_normalize("0263 3822 123", out, sizeof out), 0);   /* Lâm Đồng landline */
    cr_assert_str_eq(out, "02633822123");
    cr_assert_eq(dossier_phone_normalize("+84 263 3822 123", out, sizeof out), 0);
    cr_assert_str_eq(out, "02633822123");
    static const char *const bad[] = {"0123456789", "0612345678", "0412345678", "091234567", "09123456789",
                                      "+1 912 345 678", "0912a45678", "", "0263382212", "+840912345678x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(dossier_phone_normalize(bad[i], out, sizeof out), -EINVAL, "%s", bad[i]);
}

Test(dossier_validate, code_format_uses_vietnam_date)
{
    char code[DOSSIER_CODE_MAX];
    /* 2023-10-27 16:59 UTC is 23:59 in Vietnam, still the 27th; 17:00 UTC is the 28th. */
    long long ms = 1698425940000LL;
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 361, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231027-0361");
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms + 60000, 1, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231028-0001");
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 12345, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231027-12345");          /* at least 4 digits, more when needed */
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 0, code, sizeof code), -EINVAL);
    char tiny[8];
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 1, tiny, sizeof tiny), -E2BIG);
}

Test(dossier_validate, names)
{
    dossier_action_t a;
    cr_assert_eq(dossier_action_parse("request_supplement", &a), 0);
    cr_assert_eq(a, DA_REQUEST_SUPPLEMENT);
    cr_assert_str_eq(dossier_action_name(a), "request_supplement");
    cr_assert_eq(dossier_action_parse("Accept", &a), -EINVAL);
    cr_assert_eq(dossier_action_parse(NULL, &a), -EINVAL);
    for (int i = 0; i < DA__COUNT; i++) {
        cr_assert_eq(dossier_action_parse(dossier_action_name((dossier_action_t)i), &a), 0);
        cr_assert_eq((int)a, i);
    }
    cr_assert_str_eq(dossier_status_name(1, LANG_EN), "New (online, not yet accepted)");
    cr_assert_str_eq(dossier_status_name(10, LANG_VI), "Đã trả kết quả");
    cr_assert_str_eq(dossier_status_name(11, LANG_VI), "");
}

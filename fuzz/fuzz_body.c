/* fuzz_body.c — libFuzzer target: a request body through the whole validation path of the API.
 *
 * UTF-8 check, jansson parse with duplicate keys rejected, then req_fields() against the sign-in and the staff
 * creation field specs. Whatever the bytes, the answer is either accepted values or one 4xx problem+json that
 * itself parses as JSON; never a crash, a leak or undefined behaviour. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!utf8_valid((const char *)data, size)) return 0;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (!j) return 0;
    if (json_is_object(j)) {
        req_t r;
        memset(&r, 0, sizeof r);
        r.path = "/api/v1/staff";
        r.method = "POST";
        r.file_fd = -1;
        buf_init(&r.out, 0);
        const char *u = NULL, *p = NULL, *name = NULL;
        long long n = 0;
        bool b = false;
        json_t *roles = NULL;
        const field_t f[] = {
            {"username", FT_STRING, true, 3, 64, &u, NULL},
            {"password", FT_STRING, false, 1, 128, &p, NULL},
            {"full_name", FT_STRING, false, 2, 200, &name, NULL},
            {"expires_in_days", FT_INT, false, 1, 730, &n, NULL},
            {"disabled", FT_BOOL, false, 0, 1, &b, NULL},
            {"roles", FT_ARRAY, false, 0, 16, &roles, NULL},
        };
        if (req_fields(&r, j, f, sizeof f / sizeof f[0]) < 0) {
            assert(r.replied && r.status >= 400 && r.status < 500);
            json_t *problem = json_loadb(r.out.data, r.out.len, 0, NULL);
            assert(problem && json_is_object(problem));
            json_decref(problem);
        } else {
            assert(u && strlen(u) >= 3);
        }
        buf_free(&r.out);
        for (int i = 0; i < r.nheaders; i++) { free(r.hdr_name[i]); free(r.hdr_value[i]); }
    }
    json_decref(j);
    return 0;
}

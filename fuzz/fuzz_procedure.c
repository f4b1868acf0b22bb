/* fuzz_procedure.c — libFuzzer target: the procedure catalog's import parsers (CSV and JSON) and the record form.
 *
 * The first byte picks the input kind. CSV / JSON array: procedure_import_check never crashes and either refuses
 * with at least one error or accepts some rows with none. JSON object: a record procedure_from_json accepts,
 * written by procedure_json and read back (allow_meta), is accepted again and written to the same bytes. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "domain/procedure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *record_bytes(const procedure_t *p, size_t *len)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    procedure_json(&w, p);
    assert(jw_finish(&w) == 0);
    *len = b.len;
    return buf_steal(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    static procedure_import_report_t rep;
    if (data[0] % 3 < 2) {
        int rc = procedure_import_check(s, n, data[0] % 3 == 0, &rep);
        assert(rc < 0 ? rep.n_errors > 0 : rep.n_errors == 0 && rc > 0);
        return 0;
    }
    json_error_t e;
    json_t *o = json_loadb(s, n, 0, &e);
    if (!o) return 0;
    procedure_t *p = malloc(sizeof *p), *q = malloc(sizeof *q);
    derr_t err;
    if (procedure_from_json(o, false, p, &err) == 0) {
        size_t l1, l2;
        char *a = record_bytes(p, &l1);
        json_t *back = json_loadb(a, l1, 0, &e);
        assert(back);
        assert(procedure_from_json(back, true, q, &err) == 0);
        char *b = record_bytes(q, &l2);
        assert(l1 == l2 && memcmp(a, b, l1) == 0);
        json_decref(back);
        free(a);
        free(b);
    }
    json_decref(o);
    free(p);
    free(q);
    return 0;
}

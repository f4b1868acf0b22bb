/* fuzz_ministry.c — libFuzzer target: what a ministry system answers (domain/ministry.h, domain/ministry_soap.h).
 *
 * The input is tried as a SOAP answer (ministry_soap_parse: never crashes; on success its JSON text is read by
 * both answer parsers) and as a REST answer (ministry_parse_receipt, ministry_parse_poll); a receipt accepted is
 * 1..MINISTRY_RECEIPT_MAX printable ASCII, a poll answer accepted has its state's members. */
#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/ministry.h"
#include "domain/ministry_soap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void answers(const char *p, size_t n)
{
    char r[MINISTRY_RECEIPT_MAX + 1];
    if (ministry_parse_receipt(p, n, r, sizeof r) == 0) {
        size_t rl = strlen(r);
        assert(rl > 0 && rl <= MINISTRY_RECEIPT_MAX);
        for (size_t i = 0; i < rl; i++) assert(r[i] > 0x20 && r[i] < 0x7f);
    }
    json_t *root = NULL;
    ministry_poll_state_t st;
    const char *text = NULL;
    const json_t *items = NULL;
    if (ministry_parse_poll(p, n, &root, &st, &text, &items) == 0) {
        assert(root);
        if (st == MINISTRY_POLL_DONE) assert(text);
        if (st == MINISTRY_POLL_MORE) assert(json_is_array(items) && json_array_size(items) > 0);
        json_decref(root);
    } else {
        assert(!root);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) return 0;
    buf_t j;
    buf_init(&j, 1 << 20);
    char why[256] = "";
    int rc = ministry_soap_parse(data, size, &j, why, sizeof why);
    if (rc == 0) answers(j.data, j.len);
    else assert(why[0] || rc == -ENOMEM);
    buf_free(&j);
    answers((const char *)data, size);
    return 0;
}

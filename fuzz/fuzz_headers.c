/* fuzz_headers.c — libFuzzer target: the small parsers of request text: Accept-Language and the legal clock's
 * instant syntax (YYYY-MM-DDTHH:MM) used by the CLI and the calendar API. Any input: a defined answer, no crash. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/msg.h"
#include "domain/calendar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    lang_t l = msg_lang_from_header(s);
    assert(l == LANG_VI || l == LANG_EN);
    long instant = 0;
    if (calendar_instant_parse(s, &instant) == 0) {
        char back[32];
        assert(calendar_instant_format(instant, back, sizeof back) == 0);
        long again = 0;
        assert(calendar_instant_parse(back, &again) == 0 && again == instant);
    }
    free(s);
    return 0;
}

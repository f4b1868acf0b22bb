/* fuzz_text.c — libFuzzer target: UTF-8 validation, Vietnamese folding and the JSON string escaper.
 *
 * For valid input: folding succeeds and yields valid UTF-8 no longer than 4x the input, and the escaped JSON
 * literal parses back (jansson) to exactly the input. For invalid input: folding and escaping refuse it. */
#include <assert.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    bool valid = utf8_valid(s, size);
    char *f = utf8_fold(s, size);
    buf_t b;
    buf_init(&b, 0);
    int rc = json_escape(&b, s, size);
    if (!valid) {
        assert(f == NULL);
        assert(rc < 0);
    } else {
        assert(f != NULL);
        assert(utf8_valid(f, strlen(f)));
        assert(rc == 0);
        json_error_t e;
        json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY, &e);
        assert(j && json_is_string(j));
        assert(json_string_length(j) == size && memcmp(json_string_value(j), s, size) == 0);
        json_decref(j);
    }
    /* The writer's own path (a key with its comma and colon, a value with its comma, in one append each, and the
     * plain-ASCII shortcut): {"a":s,"<s>":s} parses back to the input, or the writer refuses invalid UTF-8. */
    bool has_nul = memchr(s, '\0', size) != NULL;
    buf_t o;
    buf_init(&o, 0);
    jw_t w;
    jw_init(&w, &o);
    jw_obj_begin(&w);
    jw_key(&w, "a");
    jw_strn(&w, s, size);
    if (!has_nul) {
        char *k = malloc(size + 1);
        memcpy(k, s, size);
        k[size] = '\0';
        jw_key(&w, strcmp(k, "a") ? k : "b");
        free(k);
        jw_strn(&w, s, size);
    }
    jw_obj_end(&w);
    int wrc = jw_finish(&w);
    if (!valid) {
        assert(wrc < 0);
    } else {
        assert(wrc == 0);
        json_t *j = json_loadb(o.data, o.len, 0, NULL);
        assert(j && json_object_size(j) == (has_nul ? 1u : 2u));
        const char *key;
        json_t *v;
        json_object_foreach(j, key, v) {
            assert(json_is_string(v));
            assert(json_string_length(v) == size && memcmp(json_string_value(v), s, size) == 0);
        }
        json_decref(j);
    }
    buf_free(&o);
    free(f);
    buf_free(&b);
    return 0;
}

/* api_openapi.c — GET /api/v1/openapi.json: the API contract (docs/openapi.yaml) as JSON, public.
 *
 * The Makefile converts the YAML document to JSON at build time (scripts/openapi-embed.py) into
 * build/gen/openapi_json.h, so the binary always serves the document it was built with. */
#include "api/api.h"

#include <errno.h>

#include "../../build/gen/openapi_json.h"

int api_openapi(req_t *r)
{
    buf_t b;
    buf_init(&b, openapi_json_len + 1);
    if (buf_append(&b, openapi_json, openapi_json_len) < 0) {
        buf_free(&b);
        return reply_errno(r, -ENOMEM);
    }
    return reply_json(r, 200, &b);
}

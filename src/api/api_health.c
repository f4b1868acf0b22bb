/* api_health.c — liveness (/healthz: the process answers) and readiness (/readyz: the store answers too). */
#include "api/api.h"

int api_healthz(req_t *r)
{
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "{\"status\":\"ok\",\"version\":\"" MOTCUA_VERSION "\"}");
    return reply_json(r, 200, &b);
}

int api_readyz(req_t *r)
{
    int rc = store_ping(r->app->store);
    if (rc < 0) {
        reply_header(r, "Retry-After", "5");
        return reply_problem(r, 503, "not-ready", MSG_NOT_READY, NULL, NULL, NULL, NULL);
    }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "status", "ready");
    jw_kstr(&w, "store", store_engine(r->app->store));
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

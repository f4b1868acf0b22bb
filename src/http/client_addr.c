/* client_addr.c — the client address of a request: the peer, or behind a trusted proxy (--trust-proxy) the last
 * address the proxy appended to X-Forwarded-For. One definition for the access log and for per-address limits.
 * Also whether the peer itself is on loopback (GET /metrics), which no header can change. */
#include "http/http.h"
#include "core/mem.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <string.h>

void req_client_addr(const req_t *r, char *out, size_t cap)
{
    char ip[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip, sizeof ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip, sizeof ip);
    }
    /* Only an address's characters are accepted, so the header can neither forge log lines nor make a key of
     * arbitrary text. */
    const char *xff =
        r->app->trust_proxy ? MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For") : NULL;
    if (xff) {
        const char *last = strrchr(xff, ',');
        last = last ? last + 1 : xff;
        while (*last == ' ') last++;
        size_t n = strspn(last, "0123456789abcdefABCDEF.:");
        if (n > 0 && n < sizeof ip && last[n] == '\0') {
            memcpy(ip, last, n);
            ip[n] = '\0';
        }
    }
    str_copy(out, cap, ip);
}

bool sockaddr_is_loopback(const struct sockaddr *sa)
{
    if (!sa) return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a)) return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

bool req_peer_is_loopback(const req_t *r)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return ci && sockaddr_is_loopback(ci->client_addr);
}

/* fuzz_peers.c — libFuzzer target: the peers file of `serve --exchange-peers` (domain/exchange_out.h).
 *
 * exchange_peers_parse never crashes; on success every peer has an http(s):// URL without a trailing slash, is
 * found again by that URL, and each of its organ ids by exchange_peer_by_organ; on failure it names a reason. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain/exchange_out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return 0;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    static exchange_peers_t p;
    char why[300] = "";
    int rc = exchange_peers_parse(text, &p, why, sizeof why);
    if (rc == 0) {
        assert(p.n >= 0 && p.n <= EXCHANGE_PEERS_MAX);
        for (int i = 0; i < p.n; i++) {
            const exchange_peer_t *e = &p.peer[i];
            size_t n = strlen(e->url);
            assert(!strncmp(e->url, "http://", 7) || !strncmp(e->url, "https://", 8));
            assert(n > 0 && e->url[n - 1] != '/');
            assert(exchange_peer_by_url(&p, e->url) == e);
            for (int j = 0; j < e->n_organs; j++) assert(exchange_peer_by_organ(&p, e->organs[j]) != NULL);
        }
    } else {
        assert(rc == -EINVAL && why[0]);
    }
    exchange_peers_free(&p);
    free(text);
    return 0;
}

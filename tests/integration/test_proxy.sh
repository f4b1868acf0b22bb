#!/usr/bin/env bash
# test_proxy.sh — the access log behind a proxy: without --trust-proxy the X-Forwarded-For header is ignored (a
# client cannot choose the address that is logged); with it, the last address the proxy appended is logged, and a
# header that is not a plain address (an attempt to forge a log line) is ignored; the user agent and the decoded
# path are escaped. GET /metrics through a real haproxy (which, as configured here, adds no X-Forwarded-For): with
# --trust-proxy the proxy's loopback connection is no pass, only the --metrics-token-file token reads it.
# SQLite only; no database server.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-proxy.XXXXXX)
trap it_cleanup EXIT

"$MOTCUA_BIN" demo --db "$WORK/p.db" >/dev/null || fail "demo data loads"

# access_line NAME PATH: the access-log line of the last request to PATH in $WORK/NAME.err.
access_line() { grep -F "\"GET $2\"" "$WORK/$1.err" | tail -n 1; }

start_serve plain "$WORK/p.db" || { fail "serve starts"; it_summary; exit 1; }
curl -s -m 10 -o /dev/null -H 'X-Forwarded-For: 203.0.113.7' "http://127.0.0.1:$SERVE_PORT/healthz?a"
sleep 0.3
line=$(access_line plain /healthz)
check "without --trust-proxy the peer address is logged" grep -q 'access 127.0.0.1 ' <<<"$line"
check "without --trust-proxy X-Forwarded-For is ignored" bash -c "! grep -q 203.0.113.7 <<<'$line'"
stop_serve plain "$SERVE_PID"

start_serve proxied "$WORK/p.db" --trust-proxy || { fail "serve --trust-proxy starts"; it_summary; exit 1; }
curl -s -m 10 -o /dev/null -H 'X-Forwarded-For: 198.51.100.1, 203.0.113.7' "http://127.0.0.1:$SERVE_PORT/healthz"
sleep 0.3
line=$(access_line proxied /healthz)
check "with --trust-proxy the last forwarded address is logged" grep -q 'access 203.0.113.7 ' <<<"$line"
curl -s -m 10 -o /dev/null -H 'X-Forwarded-For: 2001:db8::1' "http://127.0.0.1:$SERVE_PORT/readyz"
sleep 0.3
check "an IPv6 forwarded address is logged" grep -q 'access 2001:db8::1 ' <<<"$(access_line proxied /readyz)"
curl -s -m 10 -o /dev/null -H 'X-Forwarded-For: 1.2.3.4" 200 0 1us user=admin' "http://127.0.0.1:$SERVE_PORT/api/v1/me"
sleep 0.3
line=$(grep -F '"GET /api/v1/me"' "$WORK/proxied.err" | tail -n 1)
check "a forged header is not logged (the peer is)" grep -q 'access 127.0.0.1 "GET /api/v1/me" 401' <<<"$line"
check "no forged fragment reaches the log" bash -c "! grep -q 'user=admin' '$WORK/proxied.err'"
# The user agent is logged, quoted and escaped: a quote in it cannot close its field, a decoded %0A in the path
# cannot start a line.
curl -s -m 10 -o /dev/null -A 'ua" 200 0 1us user=admin' "http://127.0.0.1:$SERVE_PORT/x%0Aforged-line"
sleep 0.3
check "a quote in the user agent is escaped" grep -q -F 'ua="ua\x22 200 0 1us user=admin"' "$WORK/proxied.err"
check "a decoded newline in the path is escaped" grep -q -F '"GET /x\x0aforged-line"' "$WORK/proxied.err"
check "no line starts with the forged text" bash -c "! grep -q '^forged-line' '$WORK/proxied.err'"
stop_serve proxied "$SERVE_PID"
# metrics: behind haproxy (--trust-proxy), loopback counts for nothing; the token from the file reads /metrics.
printf 'proxy-metrics-token-0123456789\n' >"$WORK/metrics-token"
chmod 600 "$WORK/metrics-token"
start_serve behind "$WORK/p.db" --trust-proxy --metrics-token-file "$WORK/metrics-token" ||
  { fail "serve --trust-proxy --metrics-token-file starts"; it_summary; exit 1; }
BEHIND_PID=$SERVE_PID
HP=$(free_port)
if start_haproxy metrics-haproxy "$HP" "$SERVE_PORT"; then
  r=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/metrics")
  check "metrics: through the proxy without a token is 404 (got $r)" test "$r" = 404
  r=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/metrics")
  check "metrics: even straight from loopback without a token is 404 under --trust-proxy (got $r)" test "$r" = 404
  r=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer proxy-metrics-token-012345678' \
    "http://127.0.0.1:$HP/metrics")
  check "metrics: a wrong token through the proxy is 404 (got $r)" test "$r" = 404
  r=$(curl -s -m 10 -o "$WORK/metrics.txt" -w '%{http_code}' \
    -H 'Authorization: Bearer proxy-metrics-token-0123456789' "http://127.0.0.1:$HP/metrics")
  check "metrics: the token reads it through the proxy (got $r)" test "$r" = 200
  check "metrics: the answer passes promtool check metrics" bash -c "promtool check metrics <'$WORK/metrics.txt'"
  check "metrics: the proxy's health checks are counted under /readyz" \
    grep -q '^motcua_http_requests_total{route="/readyz",method="GET",status="2xx"} [1-9]' "$WORK/metrics.txt"
  check "metrics: the token is not logged" bash -c "! grep -q proxy-metrics-token '$WORK/behind.err'"
  stop_haproxy "$HAPROXY_PID"
else
  fail "metrics: haproxy starts"
fi
stop_serve behind "$BEHIND_PID"
it_summary

#!/usr/bin/env bash
# test_proxy.sh — the access log behind a proxy: without --trust-proxy the X-Forwarded-For header is ignored (a
# client cannot choose the address that is logged); with it, the last address the proxy appended is logged, and a
# header that is not a plain address (an attempt to forge a log line) is ignored; the user agent and the decoded
# path are escaped. SQLite only; no database server.
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
it_summary

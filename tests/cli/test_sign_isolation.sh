#!/usr/bin/env bash
# test_sign_isolation.sh — private keys are used only inside the signing component (issue 12 item 3): no file of
# src/ outside src/sign/ names a key type, a key loader, a PKCS#12 call or the signer's internal header. Also
# checks that the scan itself can fail: a planted file that reads a key is caught.
# Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

# What only src/sign/ may say: OpenSSL's key object and loaders, PKCS#12, libxmlsec's key loading, our internal
# header (struct signer holds the EVP_PKEY).
PATTERN='EVP_PKEY|PKCS12_|d2i_PKCS12|PrivateKey|PKCS8_|EVP_PKCS82PKEY|OSSL_DECODER|OSSL_STORE_|xmlSecCryptoAppKey|xmlSecOpenSSLAppKey|xmlSecOpenSSLEvpKey|signer_internal\.h'

scan() {   # scan ROOT: print offending files of ROOT/src outside ROOT/src/sign
  grep -rlE --include='*.c' --include='*.h' "$PATTERN" "$1/src" | grep -v "^$1/src/sign/" || true
}

hits=$(scan .)
if [ -z "$hits" ]; then ok; else bad "key material named outside src/sign/: $hits"; fi

# The key code exists where it should (a scan of an empty tree would pass trivially).
if grep -qE 'EVP_PKEY' src/sign/signer_internal.h && grep -qE 'PKCS12_create' src/sign/ca.c; then ok
else bad "src/sign/ holds no key code: the scan would prove nothing"; fi

# The scan catches a planted violation.
TMP=$(mktemp -d /tmp/motcua-signiso.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/src/api" "$TMP/src/sign"
printf '#include "sign/signer_internal.h"\n' > "$TMP/src/api/leak1.c"
printf 'EVP_PKEY *k = PEM_read_bio_PrivateKey(b, 0, 0, 0);\n' > "$TMP/src/api/leak2.c"
printf 'EVP_PKEY *fine;\n' > "$TMP/src/sign/ok.c"
planted=$(scan "$TMP" | sort | tr '\n' ' ')
if [ "$planted" = "$TMP/src/api/leak1.c $TMP/src/api/leak2.c " ]; then ok; else bad "planted leaks not caught exactly: '$planted'"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# test_ca.sh — `motcua ca`: a CA whose key is encrypted at rest, leaves (RSA-2048, EC P-256, a unit's seal) that
# openssl verifies with the right key usages inside AES-256 PKCS#12 bundles, revocation through a CRL that openssl
# honours, and every refusal (wrong password, existing files, no CA, bad names, usage errors in both languages)
# changing nothing. Binary: $MOTCUA_BIN (default build/san/motcua). Prints "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
BIN=$(realpath "$BIN")
DIR=$(mktemp -d /tmp/motcua-clica.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then pass=$((pass + 1)); else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then
    pass=$((pass + 1))
  else
    note_fail "usage error naming '$word': motcua $* (exit $rc)"
  fi
}
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
both() {   # both WORD: stderr carries the message in English and in Vietnamese
  if grep -q "error: .*$1" "$ERR" && grep -q "lỗi: " "$ERR"; then pass=$((pass + 1)); else note_fail "bilingual '$1'"; fi
}

cd "$DIR"
printf 'ca-pass-1\n' > pass
printf 'pin-1234\n' > pin
printf 'wrong\n' > wrong
: > empty

# ---- init ----
expect 0 "ca --help" ca --help
check "help lists the subcommands" 'grep -q "revoke" out'
expect 0 "ca issue --help" ca issue --help
for o in dir pass-file cn org ou email locality seal key days out p12-pass-file; do
  check "issue --help lists --$o" "grep -q -- '--$o' out"
done
expect 0 "init" ca init --dir ca --pass-file pass --name "CA thử nghiệm xã Hòa Bình" --org "UBND xã Hòa Bình"
check "CA files" '[ -f ca/ca.key ] && [ -f ca/ca.pem ] && [ -f ca/crl.pem ] && [ -f ca/index.tsv ]'
check "ca.key mode 0600, dir 0700" '[ "$(stat -c %a ca/ca.key)" = 600 ] && [ "$(stat -c %a ca)" = 700 ]'
check "ca.key is encrypted PKCS#8" 'grep -q "BEGIN ENCRYPTED PRIVATE KEY" ca/ca.key && ! grep -q "BEGIN PRIVATE KEY" ca/ca.key'
check "ca.key opens with the password" 'openssl pkey -in ca/ca.key -passin file:pass -noout 2>/dev/null'
check "ca.key refuses a wrong password" '! openssl pkey -in ca/ca.key -passin file:wrong -noout 2>/dev/null'
check "CA certificate: CA:TRUE, keyCertSign" 'openssl x509 -in ca/ca.pem -noout -text | grep -q "CA:TRUE" &&
  openssl x509 -in ca/ca.pem -noout -text | grep -q "Certificate Sign, CRL Sign"'
check "CA subject in UTF-8" 'openssl x509 -in ca/ca.pem -noout -subject -nameopt utf8 | grep -q "CA thử nghiệm xã Hòa Bình"'
check "empty CRL verifies under the CA" 'openssl crl -in ca/crl.pem -CAfile ca/ca.pem -noout 2>&1 | grep -q "verify OK"'
sum_before=$(cat ca/ca.key ca/ca.pem | sha256sum)
expect 1 "init twice" ca init --dir ca --pass-file pass --name "Other"
both "already holds a CA"
check "second init changed nothing" '[ "$(cat ca/ca.key ca/ca.pem | sha256sum)" = "$sum_before" ]'

# ---- issue ----
expect 0 "issue RSA person" ca issue --dir ca --pass-file pass --cn "Nguyễn Văn Lãnh Đạo" --org "UBND xã Hòa Bình" \
  --ou "Văn phòng" --email lanhdao@hoabinh.gov.vn --out leader.p12 --p12-pass-file pin
serial_rsa=$(awk -F'\t' '$1=="serial"{print $2}' out)
check "issue prints a serial" '[ ${#serial_rsa} -eq 32 ]'
expect 0 "issue EC seal" ca issue --dir ca --pass-file pass --cn "UBND xã Hòa Bình" --seal --key ec --out seal.p12 --p12-pass-file pin
serial_ec=$(awk -F'\t' '$1=="serial"{print $2}' out)
check "bundles mode 0600" '[ "$(stat -c %a leader.p12)" = 600 ] && [ "$(stat -c %a seal.p12)" = 600 ]'
for b in leader seal; do
  openssl pkcs12 -in $b.p12 -passin file:pin -nokeys -clcerts -out $b.pem 2>/dev/null
  check "$b: openssl verify under the CA" 'openssl verify -CAfile ca/ca.pem $b.pem >/dev/null 2>&1'
  check "$b: key usage digitalSignature + nonRepudiation, critical" \
    'openssl x509 -in $b.pem -noout -text | grep -A1 "Key Usage: critical" | grep -q "Digital Signature, Non Repudiation"'
  check "$b: EKU emailProtection" 'openssl x509 -in $b.pem -noout -text | grep -q "E-mail Protection"'
  check "$b: CA:FALSE" 'openssl x509 -in $b.pem -noout -text | grep -q "CA:FALSE"'
  openssl pkcs12 -in $b.p12 -passin file:pin -info -noout >info 2>&1
  check "$b: PKCS#12 key and certificates under AES-256-CBC" '[ "$(grep -c "AES-256-CBC" info)" -ge 2 ] && ! grep -qi "RC2\|3DES" info'
  check "$b: PKCS#12 MAC is SHA-256" 'grep -q "MAC: sha256" info'
  check "$b: a wrong PIN does not open it" '! openssl pkcs12 -in $b.p12 -passin file:wrong -nokeys -noout 2>/dev/null'
  check "$b: the bundle carries the CA" '[ "$(openssl pkcs12 -in $b.p12 -passin file:pin -nokeys -cacerts 2>/dev/null | grep -c "BEGIN CERTIFICATE")" -eq 1 ]'
done
check "RSA-2048 leaf" 'openssl x509 -in leader.pem -noout -text | grep -q "Public-Key: (2048 bit)"'
check "EC P-256 seal" 'openssl x509 -in seal.pem -noout -text | grep -q "NIST CURVE: P-256"'
check "subjectAltName e-mail" 'openssl x509 -in leader.pem -noout -text | grep -q "email:lanhdao@hoabinh.gov.vn"'
check "subject in UTF-8" 'openssl x509 -in leader.pem -noout -subject -nameopt utf8 | grep -q "CN *= *Nguyễn Văn Lãnh Đạo"'
expect 0 "list" ca list --dir ca
check "list: two valid, a person and a seal" 'grep -q "^$serial_rsa	valid	.*	person	Nguyễn Văn Lãnh Đạo$" out && grep -q "^$serial_ec	valid	.*	seal	UBND xã Hòa Bình$" out'

# ---- refusals change nothing ----
idx=$(sha256sum < ca/index.tsv)
expect 1 "issue with a wrong CA password" ca issue --dir ca --pass-file wrong --cn X --out x.p12 --p12-pass-file pin
both "Wrong CA key password"
check "no bundle after a wrong password" '[ ! -e x.p12 ]'
expect 1 "issue over an existing bundle" ca issue --dir ca --pass-file pass --cn X --out leader.p12 --p12-pass-file pin
both "already exists"
expect 1 "issue: tab in the name" ca issue --dir ca --pass-file pass --cn "$(printf 'a\tb')" --out y.p12 --p12-pass-file pin
both "Invalid name"
expect 1 "issue: bad e-mail" ca issue --dir ca --pass-file pass --cn A --email "a,email:b@c" --out y.p12 --p12-pass-file pin
expect 1 "issue: empty PIN file" ca issue --dir ca --pass-file pass --cn A --out y.p12 --p12-pass-file empty
both "is empty"
expect 1 "issue: unreadable password file" ca issue --dir ca --pass-file missing --cn A --out y.p12 --p12-pass-file pin
both "Cannot read the secret file"
check "refusals wrote no bundle and no index line" '[ ! -e y.p12 ] && [ "$(sha256sum < ca/index.tsv)" = "$idx" ]'
expect 1 "issue with no CA" ca issue --dir noca --pass-file pass --cn A --out z.p12 --p12-pass-file pin
both "holds no CA"
check "no CA directory was created" '[ ! -e noca ] && [ ! -e z.p12 ]'

# ---- revoke ----
openssl pkcs12 -in leader.p12 -passin file:pin -nokeys -clcerts -out leader.pem 2>/dev/null
check "before revocation: verify with the CRL passes" 'openssl verify -crl_check -CAfile ca/ca.pem -CRLfile ca/crl.pem leader.pem >/dev/null 2>&1'
expect 1 "revoke with a wrong password" ca revoke --dir ca --pass-file wrong --serial "$serial_rsa"
check "still valid after the refused revoke" 'openssl verify -crl_check -CAfile ca/ca.pem -CRLfile ca/crl.pem leader.pem >/dev/null 2>&1'
expect 0 "revoke" ca revoke --dir ca --pass-file pass --serial "$serial_rsa" --reason keyCompromise
check "openssl: certificate revoked" '{ openssl verify -crl_check -CAfile ca/ca.pem -CRLfile ca/crl.pem leader.pem 2>&1 || true; } | grep -q "certificate revoked"'
check "CRL reason Key Compromise" 'openssl crl -in ca/crl.pem -noout -text | grep -q "Key Compromise"'
check "the seal is still valid" 'openssl verify -crl_check -CAfile ca/ca.pem -CRLfile ca/crl.pem seal.pem >/dev/null 2>&1'
expect 1 "revoke twice" ca revoke --dir ca --pass-file pass --serial "$serial_rsa"
both "already revoked"
expect 1 "revoke an unknown serial" ca revoke --dir ca --pass-file pass --serial ABCDEF
both "No certificate has the serial"
expect 0 "list after revoke" ca list --dir ca
check "list shows the revocation" 'grep -q "^$serial_rsa	revoked	" out'
n1=$(openssl crl -in ca/crl.pem -noout -crlnumber | cut -d= -f2)
expect 0 "crl" ca crl --dir ca --pass-file pass --crl-days 7
n2=$(openssl crl -in ca/crl.pem -noout -crlnumber | cut -d= -f2)
check "crl: a new CRL number" '[ $((n2)) -eq $((n1 + 1)) ]'
check "crl: keeps the revocation" 'openssl crl -in ca/crl.pem -noout -text | grep -q "$serial_rsa"'

# ---- usage errors: exit 2, both languages, naming what is wrong ----
usage "init|issue" ca
usage "COMMAND" ca bogus
usage "--dir" ca list
usage "--pass-file" ca issue --dir ca --cn A --out a.p12 --p12-pass-file pin
usage "--cn" ca issue --dir ca --pass-file pass --out a.p12 --p12-pass-file pin
usage "--out" ca issue --dir ca --pass-file pass --cn A --p12-pass-file pin
usage "--p12-pass-file" ca issue --dir ca --pass-file pass --cn A --out a.p12
usage "--key" ca issue --dir ca --pass-file pass --cn A --out a.p12 --p12-pass-file pin --key dsa
usage "--days" ca issue --dir ca --pass-file pass --cn A --out a.p12 --p12-pass-file pin --days 0
usage "--reason" ca revoke --dir ca --pass-file pass --serial "$serial_ec" --reason because
usage "--serial" ca revoke --dir ca --pass-file pass
usage "--name" ca init --dir ca2 --pass-file pass
usage "--password" ca init --dir ca2 --password x
check "usage errors created nothing" '[ ! -e a.p12 ] && [ ! -e ca2 ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

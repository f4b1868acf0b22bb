#!/usr/bin/env bash
# test_pades.sh — `motcua sign pdf` and `motcua sign verify-pdf` end to end, judged by other tools: poppler's pdfsig
# (with a test CA trusted in an NSS database), pdftotext, and `openssl cms -verify` on the extracted CMS.
#
# A test CA, an RSA-2048 and an EC P-256 leaf (digitalSignature, nonRepudiation; emailProtection), an expired leaf
# and a leaf of a CA nobody trusts are made here with the openssl CLI and bundled as AES-256 PKCS#12. Signed: a
# receipt rendered by `motcua form render` (cairo, classic xref table) and hand-made PDFs with an xref stream and
# an object stream (tests/data/pdf/make_pdfs.py). pdfsig exits 0 even on a digest mismatch, so its TEXT is checked.
# Bad inputs must exit 1 with "error:" and "lỗi:" and leave no output; usage errors exit 2 naming the option in both
# languages. Any sanitizer report fails the case. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${MOTCUA_BIN:-build/san/motcua}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# fontconfig never frees its process-wide caches (form render; docs/forms.md): suppress exactly those.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/cli/lsan-fontconfig.supp:print_suppressions=0"
DIR=$(mktemp -d /tmp/motcua-pades.XXXXXX)
trap "${KEEP:+:} rm -rf \"$DIR\"" EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -s "$ERR" ] && sed 's/^/  stderr: /' "$ERR" | head -n 6; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
run() { "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null; }
expect() {
  local code=$1 what=$2; shift 2
  run "$@"
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then ok; else bad "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  run "$@"
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then ok
  else bad "usage error naming '$word': motcua $* (exit $rc)"; fi
}
# refused WHAT OUTFILE ARGS...: exit 1, both languages, no output file
refused() {
  local what=$1 out=$2; shift 2
  rm -f "$out"
  run "$@"
  local rc=$?
  if [ "$rc" -eq 1 ] && grep -q "error: " "$ERR" && grep -q "lỗi: " "$ERR" && [ ! -e "$out" ] && clean &&
     ! ls "$out".tmp.* >/dev/null 2>&1; then ok
  else bad "$what refused: exit $rc (want 1), output left: $(ls "$out"* 2>/dev/null)"; fi
}
has() { if grep -q -- "$2" "$1"; then ok; else bad "$3: '$2' not in $(head -c 600 "$1")"; fi; }
hasnt() { if ! grep -q -- "$2" "$1"; then ok; else bad "$3: '$2' unexpectedly in $1"; fi; }
count_is() { local n; n=$(grep -c -- "$2" "$1"); if [ "$n" -eq "$3" ]; then ok; else bad "$4: $n x '$2', want $3"; fi; }
pdfsig_to() { pdfsig -nssdir "sql:$DIR/nss" "$1" >"$2" 2>&1; }
prefix_of() { # A B: A's bytes are a prefix of B
  if cmp -s -n "$(stat -c %s "$1")" "$1" "$2"; then ok; else bad "$1 is not a prefix of $2"; fi
}

# ---- the test PKI ----
P="$DIR/pki"; mkdir -p "$P/ca/new"; : >"$P/ca/index.txt"; echo 1000 >"$P/ca/serial"
cat >"$P/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
database = $P/ca/index.txt
new_certs_dir = $P/ca/new
serial = $P/ca/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
organizationName = optional
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
mkca() { # NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/$1.key" -out "$P/$1.pem" \
    -days 3650 -subj "/CN=$2/O=motcua tests" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() { # NAME CA KEYSPEC CN START END
  openssl req -new -newkey "$3" -nodes -keyout "$P/$1.key" -out "$P/$1.csr" -utf8 -subj "$4" 2>/dev/null &&
  openssl ca -batch -config "$P/ca.cnf" -utf8 -cert "$P/$2.pem" -keyfile "$P/$2.key" -in "$P/$1.csr" \
    -out "$P/$1.pem" -startdate "$5" -enddate "$6" -extensions leaf -notext >/dev/null 2>&1 &&
  openssl pkcs12 -export -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -inkey "$P/$1.key" \
    -in "$P/$1.pem" -certfile "$P/$2.pem" -name "$1" -out "$P/$1.p12" -passout "pass:mật khẩu $1"
  printf 'mật khẩu %s\n' "$1" >"$P/$1.pass"
}
NOW=$(date -u +%Y%m%d%H%M%SZ -d '-1 day'); LATER=$(date -u +%Y%m%d%H%M%SZ -d '+30 days')
if mkca ca "motcua test CA" && mkca rogue "Rogue CA" &&
   leaf rsa ca rsa:2048 "/CN=Nguyễn Văn An/O=UBND xã Đồng Tiến" "$NOW" "$LATER" &&
   leaf ec ca ec:<(openssl ecparam -name prime256v1) "/CN=UBND xã Đồng Tiến/O=UBND xã Đồng Tiến" "$NOW" "$LATER" &&
   leaf old ca rsa:2048 "/CN=Trần Thị Hết Hạn" 20200101000000Z 20210101000000Z &&
   leaf stranger rogue ec:<(openssl ecparam -name prime256v1) "/CN=Người Lạ" "$NOW" "$LATER"; then ok
else echo "FAIL: cannot make the test PKI"; echo "0 passed, 1 failed"; exit 1; fi
mkdir -p "$DIR/nss"
if certutil -N -d "sql:$DIR/nss" --empty-password && certutil -A -d "sql:$DIR/nss" -n ca -t "CT,C,C" -i "$P/ca.pem"
then ok; else bad "NSS database"; fi
SIGN=(sign pdf --p12 "$P/rsa.p12" --pass-file "$P/rsa.pass")
ECSIGN=(sign pdf --p12 "$P/ec.p12" --pass-file "$P/ec.pass")

# ---- the documents ----
"$BIN" form render --form receipt --json tests/data/forms/receipt.json --out "$DIR/a.pdf" >"$OUT" 2>"$ERR" &&
  clean && ok || bad "form render (a.pdf)"
python3 tests/data/pdf/make_pdfs.py "$DIR/gen" && ok || bad "make_pdfs.py"
if grep -aq "/Type/XRef" "$DIR/gen/xrefstm.pdf" && ! grep -aq "^xref" "$DIR/gen/xrefstm.pdf"; then ok
else bad "xrefstm.pdf has an xref stream and no table"; fi

# ---- (a) a cairo PDF with a classic table, RSA-2048, visible ----
expect 0 "sign a.pdf" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/a1.pdf" --reason "Phê duyệt kết quả" \
  --location "Đồng Tiến, Hưng Yên" --visible 330,16,200,48
pdfsig_to "$DIR/a1.pdf" "$DIR/sig"
has "$DIR/sig" "Signature is Valid." "pdfsig a1"
has "$DIR/sig" "Total document signed" "pdfsig a1"
has "$DIR/sig" "Certificate is Trusted." "pdfsig a1"
has "$DIR/sig" "ETSI.CAdES.detached" "pdfsig a1"
has "$DIR/sig" "Nguyễn Văn An" "pdfsig a1 signer"
prefix_of "$DIR/a.pdf" "$DIR/a1.pdf"
# the original's text is all still there (the visible box adds its own lines); invisible: exactly the same text
if [ -z "$(comm -23 <(pdftotext -enc UTF-8 "$DIR/a.pdf" - | sort) <(pdftotext -enc UTF-8 "$DIR/a1.pdf" - | sort))" ] &&
   pdftotext -enc UTF-8 "$DIR/a1.pdf" - | grep -q "GIẤY TIẾP NHẬN HỒ SƠ" &&
   pdftotext -enc UTF-8 "$DIR/a1.pdf" - | grep -q "Nguyen Van An"; then ok
else bad "pdftotext of the signed PDF lost text of the original"; fi
expect 0 "sign a.pdf invisibly" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/a0.pdf"
if cmp -s <(pdftotext -enc UTF-8 "$DIR/a.pdf" -) <(pdftotext -enc UTF-8 "$DIR/a0.pdf" -); then ok
else bad "pdftotext of the invisibly signed PDF differs from the original's"; fi
if tail -c 600 "$DIR/a1.pdf" | grep -aq "^trailer"; then ok; else bad "a table file gets a table update"; fi
expect 0 "verify a1" sign verify-pdf --in "$DIR/a1.pdf" --trust "$P/ca.pem"
has "$OUT" "valid / hợp lệ" "verify a1"
has "$OUT" "whole document" "verify a1"
has "$OUT" "+07:00" "verify a1 time in Vietnam time"

# the CMS itself, extracted by ByteRange, accepted by openssl cms
extract() { # PDF N CMS_OUT CONTENT_OUT: the N-th signature (1-based, file order)
  python3 - "$@" <<'EOF'
import re, sys, binascii
data = open(sys.argv[1], 'rb').read()
n = int(sys.argv[2])
m = list(re.finditer(rb'/ByteRange \[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]', data))[n - 1]
a, b, c, d = map(int, m.groups())
hexs = data[a + b + 1:c - 1].rstrip(b'0')
if len(hexs) % 2: hexs += b'0'
der = binascii.unhexlify(hexs)
open(sys.argv[3], 'wb').write(der)
open(sys.argv[4], 'wb').write(data[a:a + b] + data[c:c + d])
EOF
}
if extract "$DIR/a1.pdf" 1 "$DIR/a1.cms" "$DIR/a1.bin" &&
   openssl cms -verify -binary -inform DER -in "$DIR/a1.cms" -content "$DIR/a1.bin" -CAfile "$P/ca.pem" \
     -purpose any -out /dev/null 2>"$DIR/cms.err" && grep -q "Verification successful" "$DIR/cms.err"; then ok
else bad "openssl cms -verify of the extracted CMS: $(head -c 300 "$DIR/cms.err")"; fi
if openssl cms -cmsout -print -inform DER -in "$DIR/a1.cms" 2>/dev/null | grep -q "id-smime-aa-signingCertificateV2"
then ok; else bad "the CMS carries signing-certificate-v2 (CAdES)"; fi
printf 'x' | dd of="$DIR/a1.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
if ! openssl cms -verify -binary -inform DER -in "$DIR/a1.cms" -content "$DIR/a1.bin" -CAfile "$P/ca.pem" \
     -purpose any -out /dev/null 2>/dev/null; then ok; else bad "openssl cms accepts changed content"; fi

# ---- a second signature (EC P-256) in a second update ----
expect 0 "second signature" "${ECSIGN[@]}" --in "$DIR/a1.pdf" --out "$DIR/a2.pdf"
prefix_of "$DIR/a1.pdf" "$DIR/a2.pdf"
pdfsig_to "$DIR/a2.pdf" "$DIR/sig"
count_is "$DIR/sig" "Signature is Valid." 2 "pdfsig a2"
count_is "$DIR/sig" "Certificate is Trusted." 2 "pdfsig a2"
count_is "$DIR/sig" "Total document signed" 1 "pdfsig a2 (the last covers all)"
has "$DIR/sig" "Signature1" "pdfsig a2 keeps the first field"
has "$DIR/sig" "Signature2" "pdfsig a2 adds a second field"
expect 0 "verify a2" sign verify-pdf --in "$DIR/a2.pdf" --trust "$P/ca.pem"
count_is "$OUT" "valid / hợp lệ" 2 "verify a2"
has "$OUT" "partial (a later revision follows)" "verify a2: the first covers its revision"

# ---- (b) an xref stream + object stream file, EC ----
expect 0 "sign xrefstm.pdf" "${ECSIGN[@]}" --in "$DIR/gen/xrefstm.pdf" --out "$DIR/b1.pdf" --visible 72,600,180,50
pdfsig_to "$DIR/b1.pdf" "$DIR/sig"
has "$DIR/sig" "Signature is Valid." "pdfsig b1"
has "$DIR/sig" "Total document signed" "pdfsig b1"
has "$DIR/sig" "Certificate is Trusted." "pdfsig b1"
prefix_of "$DIR/gen/xrefstm.pdf" "$DIR/b1.pdf"
if tail -c 700 "$DIR/b1.pdf" | grep -aq "/Type/XRef" && ! tail -c 700 "$DIR/b1.pdf" | grep -aq "^trailer"; then ok
else bad "an xref-stream file gets an xref-stream update"; fi
pdftotext "$DIR/b1.pdf" - 2>/dev/null | grep -q "Hello xref stream" && ok || bad "pdftotext b1"
expect 0 "second signature b" "${SIGN[@]}" --in "$DIR/b1.pdf" --out "$DIR/b2.pdf"
pdfsig_to "$DIR/b2.pdf" "$DIR/sig"
count_is "$DIR/sig" "Signature is Valid." 2 "pdfsig b2"
expect 0 "verify b2" sign verify-pdf --in "$DIR/b2.pdf" --trust "$P/ca.pem"
for f in table updated hybrid; do
  expect 0 "sign $f.pdf" "${SIGN[@]}" --in "$DIR/gen/$f.pdf" --out "$DIR/$f-s.pdf"
  pdfsig_to "$DIR/$f-s.pdf" "$DIR/sig"
  has "$DIR/sig" "Signature is Valid." "pdfsig $f"
  has "$DIR/sig" "Total document signed" "pdfsig $f"
done

# ---- a seal over the signer's box, and a copy's signature ----
expect 0 "sign + seal" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/seal.pdf" --visible 330,80,200,60 \
  --seal-p12 "$P/ec.p12" --seal-pass-file "$P/ec.pass"
has "$OUT" "sealed by UBND xã Đồng Tiến" "seal output"
pdfsig_to "$DIR/seal.pdf" "$DIR/sig"
count_is "$DIR/sig" "Signature is Valid." 2 "pdfsig seal"
count_is "$DIR/sig" "Certificate is Trusted." 2 "pdfsig seal"
if grep -aq "0.85 0 0 RG" "$DIR/seal.pdf" && grep -aq "0 0 0.75 RG" "$DIR/seal.pdf"; then ok
else bad "a blue signer box and a red seal are drawn"; fi
expect 0 "copy" "${ECSIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/copy.pdf" --copy
pdfsig_to "$DIR/copy.pdf" "$DIR/sig"
has "$DIR/sig" "Signature is Valid." "pdfsig copy"
if grep -aqE "\(20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+07:00\) Tj" "$DIR/copy.pdf" &&
   grep -aq "CERTIFIED COPY" "$DIR/copy.pdf"; then ok; else bad "the copy box carries an ISO 8601 +07:00 time"; fi
if grep -aq "/Rect \[361.28 771.89 571.28 817.89\]" "$DIR/copy.pdf"; then ok
else bad "the copy box is at the top right of page 1: $(grep -ao '/Rect \[[^]]*\]' "$DIR/copy.pdf" | tail -1)"; fi

# ---- one changed byte in the signed range ----
cp "$DIR/a1.pdf" "$DIR/t.pdf"
printf '9' | dd of="$DIR/t.pdf" bs=1 seek=5 conv=notrunc 2>/dev/null   # %PDF-1.x -> %PDF-9.x
pdfsig_to "$DIR/t.pdf" "$DIR/sig"
if grep -qE "Digest Mismatch|Signature is Invalid" "$DIR/sig" && ! grep -q "Signature is Valid." "$DIR/sig"; then ok
else bad "pdfsig sees the changed byte: $(cat "$DIR/sig")"; fi
expect 1 "verify tampered" sign verify-pdf --in "$DIR/t.pdf" --trust "$P/ca.pem"
has "$OUT" "digest mismatch" "verify tampered"
# bytes appended after the last signature: not the whole document
cp "$DIR/a1.pdf" "$DIR/t2.pdf"; printf '%% appended\n' >>"$DIR/t2.pdf"
expect 1 "verify appended" sign verify-pdf --in "$DIR/t2.pdf" --trust "$P/ca.pem"
has "$OUT" "not whole document" "verify appended"

# ---- untrusted CA, expired certificate ----
expect 0 "sign by a stranger" sign pdf --p12 "$P/stranger.p12" --pass-file "$P/stranger.pass" --in "$DIR/a.pdf" \
  --out "$DIR/u.pdf"
pdfsig_to "$DIR/u.pdf" "$DIR/sig"
has "$DIR/sig" "Signature is Valid." "pdfsig stranger: the signature itself"
hasnt "$DIR/sig" "Certificate is Trusted." "pdfsig stranger"
expect 1 "verify stranger" sign verify-pdf --in "$DIR/u.pdf" --trust "$P/ca.pem"
has "$OUT" "certificate not trusted" "verify stranger"
expect 0 "sign with an expired certificate" sign pdf --p12 "$P/old.p12" --pass-file "$P/old.pass" --in "$DIR/a.pdf" \
  --out "$DIR/x.pdf"
pdfsig_to "$DIR/x.pdf" "$DIR/sig"
has "$DIR/sig" "Certificate has Expired" "pdfsig expired"
expect 1 "verify expired" sign verify-pdf --in "$DIR/x.pdf" --trust "$P/ca.pem"
has "$OUT" "expired" "verify expired"

# ---- bad inputs: exit 1, both languages, no output ----
printf 'This is not a PDF at all, just some text.\n' >"$DIR/fake.pdf"
head -c 20000 "$DIR/a.pdf" >"$DIR/trunc.pdf"
head -c 3000 /dev/urandom >"$DIR/garbage.pdf"
{ printf '%%PDF-1.7\n'; head -c 2000 /dev/urandom; printf '\nstartxref\n999999\n%%%%EOF\n'; } >"$DIR/badxref.pdf"
for f in fake trunc garbage badxref; do
  refused "$f.pdf" "$DIR/o.pdf" "${SIGN[@]}" --in "$DIR/$f.pdf" --out "$DIR/o.pdf"
  has "$ERR" "not a PDF or is damaged" "$f.pdf message"
  expect 1 "verify $f.pdf" sign verify-pdf --in "$DIR/$f.pdf" --trust "$P/ca.pem"
done
refused "missing input" "$DIR/o.pdf" "${SIGN[@]}" --in "$DIR/none.pdf" --out "$DIR/o.pdf"
printf 'wrong\n' >"$DIR/wrong.pass"
refused "wrong password" "$DIR/o.pdf" sign pdf --p12 "$P/rsa.p12" --pass-file "$DIR/wrong.pass" --in "$DIR/a.pdf" \
  --out "$DIR/o.pdf"
has "$ERR" "Wrong password" "wrong password message"
refused "not a bundle" "$DIR/o.pdf" sign pdf --p12 "$P/ca.pem" --pass-file "$DIR/wrong.pass" --in "$DIR/a.pdf" \
  --out "$DIR/o.pdf"
refused "existing field name" "$DIR/o.pdf" "${SIGN[@]}" --in "$DIR/a1.pdf" --out "$DIR/o.pdf" --field Signature1
cp "$DIR/a1.pdf" "$DIR/keep.pdf"
refused "the output is not touched on error" "$DIR/o.pdf" "${SIGN[@]}" --in "$DIR/fake.pdf" --out "$DIR/o.pdf"
expect 1 "verify an unsigned PDF" sign verify-pdf --in "$DIR/a.pdf" --trust "$P/ca.pem"
has "$ERR" "has no signature" "unsigned message"
expect 1 "verify with a trust file without certificates" sign verify-pdf --in "$DIR/a1.pdf" --trust "$DIR/fake.pdf"

# ---- usage errors: exit 2, naming the option in both languages ----
usage ACTION sign
usage ACTION sign bogus
usage "--in" sign pdf --out "$DIR/o.pdf" --p12 "$P/rsa.p12" --pass-file "$P/rsa.pass"
usage "--out" sign pdf --in "$DIR/a.pdf" --p12 "$P/rsa.p12" --pass-file "$P/rsa.pass"
usage "--p12" sign pdf --in "$DIR/a.pdf" --out "$DIR/o.pdf" --pass-file "$P/rsa.pass"
usage "--pass-file" sign pdf --in "$DIR/a.pdf" --out "$DIR/o.pdf" --p12 "$P/rsa.p12"
usage "--seal-pass-file" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --seal-p12 "$P/ec.p12"
usage "--visible" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --visible 1,2,3
usage "--visible" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --visible 10,10,2,2
usage "--visible" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --visible 10,10,100,40 --copy
usage "--reserve" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --reserve 10
usage "--bogus" "${SIGN[@]}" --in "$DIR/a.pdf" --out "$DIR/o.pdf" --bogus
usage "--trust" sign verify-pdf --in "$DIR/a1.pdf"
[ ! -e "$DIR/o.pdf" ] && ok || bad "a usage error wrote an output file"
expect 0 "sign --help" sign pdf --help
has "$OUT" "--seal-p12" "sign pdf --help"
expect 0 "main help lists sign" --help
has "$OUT" "sign " "motcua --help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/usr/bin/env bash
# test_edxml.sh — `motcua edxml build|read|verify`: edXML packages of QCVN 102:2016 and their XML-DSig.
#
# A throw-away CA (openssl ca) issues RSA-2048 and EC P-256 leaves, an expired one and a revoked one (with a CRL);
# a second CA is not trusted. Signed packages must be accepted by the reference verifier (xmlsec1 --verify) and by
# ours; one changed byte must make both reject; untrusted, expired and revoked certificates are refused with their
# reasons; a Signature written in the edXML namespace (as the public samples do) is accepted as lenient only when
# the normalised copy verifies; DOCTYPE / entity packages are refused unexpanded; build -> read keeps every field;
# usage errors exit 2 in both languages; failures leave the output file untouched.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="$(pwd)/${MOTCUA_BIN:-build/san/motcua}"
[ -x "$BIN" ] || BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-edxml.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stdout: /' "$OUT" | head -n 6; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
ok() { pass=$((pass + 1)); }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then ok; else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then ok
  else note_fail "usage error naming '$word': motcua $* (exit $rc)"; fi
}
has() { if grep -q -- "$1" "$OUT"; then ok; else note_fail "$2: stdout lacks '$1'"; fi; }
err_has() { if grep -q -- "$1" "$ERR"; then ok; else note_fail "$2: stderr lacks '$1'"; fi; }
lacks() { if ! grep -q -- "$1" "$OUT" "$ERR"; then ok; else note_fail "$2: output holds '$1'"; fi; }
xmlsec_ok() {
  if xmlsec1 --verify --trusted-pem "$CA/ca.pem" "$1" >"$DIR/xs.out" 2>&1; then ok
  else fail=$((fail + 1)); echo "FAIL: xmlsec1 rejects $1 ($2)"; head -n 5 "$DIR/xs.out"; fi
}
xmlsec_rejects() {
  if ! xmlsec1 --verify --trusted-pem "$CA/ca.pem" "$1" >"$DIR/xs.out" 2>&1; then ok
  else fail=$((fail + 1)); echo "FAIL: xmlsec1 accepts $1 ($2)"; fi
}

# ---- a test PKI ----
mkca() {   # mkca DIR CN
  local d=$1; mkdir -p "$d"; : >"$d/index.txt"; echo 1000 >"$d/serial"; echo 01 >"$d/crlnumber"
  cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = testca
[testca]
dir = $d
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
crlnumber = $d/crlnumber
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
default_crl_days = 30
policy = any
unique_subject = no
[any]
commonName = supplied
organizationName = optional
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
EOF
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/ca.key" -out "$d/ca.pem" -days 3650 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}
leaf() {   # leaf CADIR NAME rsa|ec CN [ca options...]
  local d=$1 n=$2 kind=$3 cn=$4; shift 4
  if [ "$kind" = ec ]; then
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" -utf8 \
      -subj "/CN=$cn/O=UBND xã Tân Phú" 2>/dev/null
  else
    openssl req -newkey rsa:2048 -nodes -keyout "$d/$n.key" -out "$d/$n.csr" -utf8 -subj "/CN=$cn/O=UBND xã Tân Phú" 2>/dev/null
  fi
  openssl ca -batch -config "$d/ca.cnf" -extensions leaf -notext -utf8 -in "$d/$n.csr" -out "$d/$n.pem" "$@" 2>/dev/null
  openssl pkcs12 -export -inkey "$d/$n.key" -in "$d/$n.pem" -certfile "$d/ca.pem" -out "$d/$n.p12" -passout file:"$DIR/pass"
}
printf 'mật khẩu 1234\n' >"$DIR/pass"
printf 'wrong\n' >"$DIR/badpass"
CA="$DIR/ca"; OTHER="$DIR/other"
mkca "$CA" "motcua test CA"
mkca "$OTHER" "untrusted CA"
leaf "$CA" rsa rsa "Nguyễn Văn Lãnh Đạo" -days 365
leaf "$CA" ec ec "Trần Thị Văn Thư" -days 365
leaf "$CA" old rsa "Người Hết Hạn" -startdate 20200101000000Z -enddate 20210101000000Z
leaf "$CA" gone ec "Người Bị Thu Hồi" -days 365
leaf "$OTHER" stranger rsa "Người Lạ" -days 365
openssl ca -config "$CA/ca.cnf" -revoke "$CA/gone.pem" 2>/dev/null
openssl ca -config "$CA/ca.cnf" -gencrl -out "$CA/crl.pem" 2>/dev/null
cat "$CA/ca.pem" "$CA/crl.pem" >"$DIR/trust-crl.pem"
for f in rsa.p12 ec.p12 old.p12 gone.p12 crl.pem; do
  [ -s "$CA/$f" ] && ok || note_fail "test PKI: $f was not made"
done

# ---- a package with two attachments (a file and inline base64) ----
head -c 30000 /dev/urandom >"$DIR/scan.pdf"
cat >"$DIR/pkg.json" <<EOF
{"from": {"organ_id": "000.00.06.H56", "organ_name": "UBND xã Tân Phú", "organization_in_charge": "Tỉnh Đồng Nai",
          "organ_add": "Ấp 1, xã Tân Phú", "email": "vanthu@tanphu.gov.vn", "telephone": "0251 3800 000"},
 "to": [{"organ_id": "000.00.01.H56", "organ_name": "Sở Nội vụ tỉnh Đồng Nai"},
        {"organ_id": "000.00.02.H56", "organ_name": "Văn phòng UBND tỉnh"}],
 "code": {"number": "15", "notation": "UBND-VP"},
 "promulgation": {"place": "Tân Phú", "date": "2026-12-02"},
 "document_type": {"type": 1, "type_detail": 0, "type_name": "Công văn"},
 "subject": "Về việc báo cáo kết quả giải quyết thủ tục hành chính tháng 11",
 "content": "Ủy ban nhân dân xã Tân Phú báo cáo: đã tiếp nhận 402 hồ sơ, giải quyết 317 hồ sơ. Ộ ấ ế ồ đ Đ.",
 "signer": {"competence": "KT. CHỦ TỊCH", "position": "Phó Chủ tịch", "full_name": "Nguyễn Văn Lãnh Đạo"},
 "due_date": "2026-12-15",
 "other": {"priority": 1, "sphere_of_promulgation": "Liên thông văn bản", "promulgation_amount": 2,
           "page_amount": 3, "direction": true, "appendixes": ["Phụ lục I: số liệu"]},
 "steering_type": 1, "to_places": ["Sở Nội vụ", "Văn phòng UBND tỉnh"],
 "trace": [{"organ_id": "000.00.06.H56", "timestamp": "2026-12-02T09:30:00"}],
 "business": {"document_id": "000.00.06.H56,2026/12/02,15/UBND-VP", "doc_type": 0, "reason": "Văn bản điện tử mới",
              "paper": 0, "staff": {"department": "Văn phòng", "staff": "Trần Thị Văn Thư", "email": "vt@tanphu.gov.vn",
              "mobile": "0912000001"}},
 "attachments": [{"content_id": "209", "name": "bao-cao-thang-11.pdf", "content_type": "application/pdf",
                  "description": "Báo cáo tháng 11", "file": "scan.pdf"},
                 {"name": "ghi-chú.txt", "content_type": "text/plain", "data_base64": "R2hpIGNow7o6IMSQw6MgeOG7rSBsw70u"}]}
EOF

# ---- build, signed with RSA and with EC; both verifiers accept ----
expect 0 "build unsigned" edxml build --json "$DIR/pkg.json" --out "$DIR/plain.edxml"
has "not signed" "build unsigned"
expect 1 "verify of an unsigned package" edxml verify --in "$DIR/plain.edxml" --trust "$CA/ca.pem"
has "unsigned" "verify of an unsigned package"
for k in rsa ec; do
  expect 0 "build signed ($k)" edxml build --json "$DIR/pkg.json" --out "$DIR/$k.edxml" --p12 "$CA/$k.p12" --pass-file "$DIR/pass"
  has "signed" "build signed ($k)"
  xmlsec_ok "$DIR/$k.edxml" "$k"
  expect 0 "verify ($k)" edxml verify --in "$DIR/$k.edxml" --trust "$CA/ca.pem"
  has "result: valid" "verify ($k)"
  has "issuer: motcua test CA" "verify ($k)"
done
has "signer: Trần Thị Văn Thư" "verify names the EC signer"
has "key: EC" "verify names the key type"
grep -q 'Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"' "$DIR/ec.edxml" && ok || note_fail "EC package uses ecdsa-sha256"
grep -q 'Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"' "$DIR/rsa.edxml" && ok || note_fail "RSA package uses rsa-sha256"
grep -q 'Reference URI=""' "$DIR/rsa.edxml" && grep -q 'xmldsig#enveloped-signature' "$DIR/rsa.edxml" && ok || note_fail "enveloped, URI=\"\""
[ "$(grep -c '<X509Certificate>' "$DIR/rsa.edxml")" -eq 2 ] && ok || note_fail "KeyInfo carries the certificate and its chain"
expect 0 "verify with the CRL" edxml verify --in "$DIR/rsa.edxml" --trust "$DIR/trust-crl.pem"

# ---- one changed byte: in the header, in an attachment ----
sed 's|<CodeNumber>15</CodeNumber>|<CodeNumber>16</CodeNumber>|' "$DIR/rsa.edxml" >"$DIR/t1.edxml"
cmp -s "$DIR/rsa.edxml" "$DIR/t1.edxml" && note_fail "the tampering did change the file" || ok
xmlsec_rejects "$DIR/t1.edxml" "changed CodeNumber"
expect 1 "verify of a changed header" edxml verify --in "$DIR/t1.edxml" --trust "$CA/ca.pem"
has "bad-signature" "changed header"
has "changed after signing" "changed header"
python3 - "$DIR/ec.edxml" "$DIR/t2.edxml" <<'EOF'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.index("<ContentTransferEncoded>") + len("<ContentTransferEncoded>") + 100
s = s[:i] + ("B" if s[i] != "B" else "C") + s[i + 1:]
open(sys.argv[2], "w", encoding="utf-8").write(s)
EOF
xmlsec_rejects "$DIR/t2.edxml" "changed attachment"
expect 1 "verify of a changed attachment" edxml verify --in "$DIR/t2.edxml" --trust "$CA/ca.pem"
has "bad-signature" "changed attachment"

# ---- untrusted, expired, revoked ----
expect 1 "verify against another CA" edxml verify --in "$DIR/rsa.edxml" --trust "$OTHER/ca.pem"
has "untrusted" "another CA"
has "self-signed certificate in certificate chain\|unable to get local issuer certificate" "another CA"
expect 0 "build with a stranger's key" edxml build --json "$DIR/pkg.json" --out "$DIR/stranger.edxml" --p12 "$OTHER/stranger.p12" --pass-file "$DIR/pass"
xmlsec_rejects "$DIR/stranger.edxml" "untrusted CA"
expect 1 "verify of a stranger's package" edxml verify --in "$DIR/stranger.edxml" --trust "$CA/ca.pem"
has "untrusted" "stranger"
expect 0 "build with an expired certificate" edxml build --json "$DIR/pkg.json" --out "$DIR/old.edxml" --p12 "$CA/old.p12" --pass-file "$DIR/pass"
xmlsec_rejects "$DIR/old.edxml" "expired"
expect 1 "verify with an expired certificate" edxml verify --in "$DIR/old.edxml" --trust "$CA/ca.pem"
has "certificate has expired" "expired"
expect 0 "build with a revoked certificate" edxml build --json "$DIR/pkg.json" --out "$DIR/gone.edxml" --p12 "$CA/gone.p12" --pass-file "$DIR/pass"
expect 0 "revoked certificate, no CRL given" edxml verify --in "$DIR/gone.edxml" --trust "$CA/ca.pem"
expect 1 "revoked certificate with the CRL" edxml verify --in "$DIR/gone.edxml" --trust "$DIR/trust-crl.pem"
has "result: invalid (revoked)" "revoked"
has "certificate revoked" "revoked"

# ---- lenient partner reading ----
sed 's| xmlns="http://www.w3.org/2000/09/xmldsig#"||' "$DIR/rsa.edxml" >"$DIR/l1.edxml"
grep -q '<Signature>' "$DIR/l1.edxml" && ok || note_fail "the Signature moved to the edXML namespace"
xmlsec_rejects "$DIR/l1.edxml" "Signature in the edXML namespace"
expect 0 "lenient: Signature in the edXML namespace" edxml verify --in "$DIR/l1.edxml" --trust "$CA/ca.pem"
has "lenient: signature element in the edXML namespace, normalised" "lenient namespace"
err_has "chuẩn hoá" "lenient is told in Vietnamese too"
sed 's|http://www.w3.org/2001/10/xml-exc-c14n#|http://www.w3.org/TR/xml-exc-c14n#|g' "$DIR/l1.edxml" >"$DIR/l2.edxml"
expect 0 "lenient: the samples' transform URI" edxml verify --in "$DIR/l2.edxml" --trust "$CA/ca.pem"
has "non-standard transform URI" "lenient transform URI"
sed 's|<CodeNumber>15</CodeNumber>|<CodeNumber>16</CodeNumber>|' "$DIR/l2.edxml" >"$DIR/l3.edxml"
expect 1 "lenient package that does not verify" edxml verify --in "$DIR/l3.edxml" --trust "$CA/ca.pem"
has "bad-signature" "lenient but changed"
sed 's|<Reference URI="">|<Reference URI="#x">|' "$DIR/rsa.edxml" >"$DIR/r1.edxml"
expect 1 "a reference other than URI=\"\"" edxml verify --in "$DIR/r1.edxml" --trust "$CA/ca.pem"
has 'URI=""' "refused reference"
python3 - "$DIR/rsa.edxml" "$DIR/r2.edxml" <<'EOF'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
a = s.index("<Signature "); b = s.index("</Signature>") + len("</Signature>")
open(sys.argv[2], "w", encoding="utf-8").write(s[:b] + s[a:b] + s[b:])
EOF
expect 1 "two signatures" edxml verify --in "$DIR/r2.edxml" --trust "$CA/ca.pem"
has "more than one Signature" "two signatures"

# ---- hostile XML: external entity, billion laughs ----
cat >"$DIR/xxe.edxml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>
<From><OrganId>A</OrganId></From><To><OrganId>B</OrganId></To><DocumentId>A,2026/12/02,1/X</DocumentId>
<Code><CodeNumber>1</CodeNumber></Code><Subject>&x;</Subject></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>
EOF
expect 1 "XXE package" edxml read --in "$DIR/xxe.edxml"
err_has "DOCTYPE" "XXE refused"
lacks "root:" "XXE not expanded"
expect 1 "XXE package to verify" edxml verify --in "$DIR/xxe.edxml" --trust "$CA/ca.pem"
lacks "root:" "XXE not expanded by verify"
{
  echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa">'
  prev=a
  for e in b c d e f g h i j; do
    echo "<!ENTITY $e \"&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;\">"; prev=$e
  done
  echo ']><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>'
  echo '<From><OrganId>&j;</OrganId></From></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>'
} >"$DIR/lol.edxml"
expect 1 "billion laughs" edxml read --in "$DIR/lol.edxml"
err_has "DOCTYPE" "billion laughs refused"
lacks "aaaaaaaaaaaaaaaaaaaa" "billion laughs not expanded"

# ---- round trip: build -> read keeps the fields ----
expect 0 "read a signed package" edxml read --in "$DIR/rsa.edxml"
if python3 - "$DIR/pkg.json" "$OUT" "$DIR/scan.pdf" <<'EOF'
import base64, hashlib, json, sys
want = json.load(open(sys.argv[1], encoding="utf-8"))
got = json.load(open(sys.argv[2], encoding="utf-8"))
bad = []
def sub(w, g, path):
    if isinstance(w, dict):
        for k, v in w.items():
            if k in ("file", "data_base64"): continue
            if not isinstance(g, dict) or k not in g: bad.append(path + k); continue
            sub(v, g[k], path + k + ".")
    elif isinstance(w, list):
        if not isinstance(g, list) or len(w) != len(g): bad.append(path); return
        for i, (a, b) in enumerate(zip(w, g)): sub(a, b, path + str(i) + ".")
    elif w != g: bad.append("%s %r != %r" % (path, w, g))
sub(want, got, "")
a = got["attachments"]
data = open(sys.argv[3], "rb").read()
if a[0]["size"] != len(data) or a[0]["sha256"] != hashlib.sha256(data).hexdigest(): bad.append("attachment 1 bytes")
b = base64.b64decode(want["attachments"][1]["data_base64"])
if a[1]["size"] != len(b) or a[1]["sha256"] != hashlib.sha256(b).hexdigest(): bad.append("attachment 2 bytes")
if a[1]["content_id"] != "2": bad.append("default content id")
if got["document_id"] != "000.00.06.H56,2026/12/02,15/UBND-VP": bad.append("composed DocumentId " + got["document_id"])
if bad: print("\n".join(bad)); sys.exit(1)
EOF
then ok; else note_fail "round trip build -> read"; fi
expect 0 "read --data" edxml read --in "$DIR/ec.edxml" --data
python3 -c 'import json,sys,base64; a=json.load(open(sys.argv[1]))["attachments"][0]; sys.exit(base64.b64decode(a["data_base64"])!=open(sys.argv[2],"rb").read())' \
  "$OUT" "$DIR/scan.pdf" && ok || note_fail "read --data gives the attachment's bytes"

# ---- a 9 MB attachment: a base64 text node over libxml2's default 10 MB limit ----
head -c 9000000 /dev/urandom >"$DIR/big.bin"
cat >"$DIR/big.json" <<'EOF'
{"from": {"organ_id": "000.00.06.H56"}, "to": [{"organ_id": "000.00.01.H56"}], "code": {"number": "16"},
 "promulgation": {"date": "2026-12-03"}, "attachments": [{"name": "ban-quet.tif", "file": "big.bin"}]}
EOF
expect 0 "build with a 9 MB attachment" edxml build --json "$DIR/big.json" --out "$DIR/big.edxml" --p12 "$CA/rsa.p12" --pass-file "$DIR/pass"
xmlsec_ok "$DIR/big.edxml" "9 MB attachment"
expect 0 "verify with a 9 MB attachment" edxml verify --in "$DIR/big.edxml" --trust "$CA/ca.pem"
expect 0 "read with a 9 MB attachment" edxml read --in "$DIR/big.edxml"
has "\"sha256\":\"$(sha256sum "$DIR/big.bin" | cut -c1-64)\"" "9 MB attachment read back"

# ---- status messages ----
cat >"$DIR/status.json" <<'EOF'
{"kind": "status", "from": {"organ_id": "000.00.01.H56", "organ_name": "Sở Nội vụ tỉnh Đồng Nai"},
 "response_for": {"organ_id": "000.00.06.H56", "code": "15/UBND-VP", "promulgation_date": "2026-12-02",
                  "document_id": "000.00.06.H56,2026/12/02,15/UBND-VP"},
 "staff": {"department": "Văn thư", "staff": "Lê Văn Tiếp Nhận", "mobile": "0912000002"},
 "status_code": "03", "description": "Đã vào sổ văn bản đến", "timestamp": "2026-12-02T10:15:00"}
EOF
expect 0 "build a signed status message" edxml build --json "$DIR/status.json" --out "$DIR/st.edxml" --p12 "$CA/ec.p12" --pass-file "$DIR/pass"
xmlsec_ok "$DIR/st.edxml" "status message"
expect 0 "read the status message" edxml read --in "$DIR/st.edxml"
has '"status_code":"03"' "status code"
has '"status":"accepted"' "status name"
has '"staff":"Lê Văn Tiếp Nhận"' "status staff"
has '"timestamp":"2026-12-02T10:15:00"' "status timestamp"
sed 's|"status_code": "03"|"status_code": "07"|' "$DIR/status.json" >"$DIR/status-bad.json"
expect 1 "status code outside the list" edxml build --json "$DIR/status-bad.json" --out "$DIR/st2.edxml"
err_has "StatusCode" "bad status code"
# a partner's status message as in the public samples: prefixed names, yyyy/mm/dd dates, tabs
cat >"$DIR/partner-status.edxml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
			<edXML:OrganId>000.00.00.H41</edXML:OrganId>
			<edXML:OrganName>UBND Tỉnh Nghệ An</edXML:OrganName>
        </edXML:From>
        <edXML:ResponseFor>
			<edXML:OrganId>000.00.00.G22</edXML:OrganId>
			<edXML:Code>7816/VPCP-TTĐT</edXML:Code>
			<edXML:PromulgationDate>2015/09/30</edXML:PromulgationDate>
			<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:StatusCode>05</edXML:StatusCode>
        <edXML:Description>Đang xử lý văn bản đến</edXML:Description>
        <edXML:Timestamp>2015/09/20 11:08:36</edXML:Timestamp>
        <edXML:SomethingNew>ignored</edXML:SomethingNew>
      </edXML:MessageHeader>
    </edXML:edXMLHeader>
  </edXML:edXMLEnvelope>
</edXML>
EOF
expect 0 "read a partner's status message" edxml read --in "$DIR/partner-status.edxml"
has '"status":"processing"' "partner status"
has '"promulgation_date":"2015-09-30"' "partner yyyy/mm/dd date"
has '"timestamp":"2015-09-20T11:08:36"' "partner timestamp"

# ---- bad input: a reason, exit 1, nothing written ----
echo "keep me" >"$DIR/keep.edxml"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); del d["to"]; json.dump(d, open(sys.argv[2],"w"))' "$DIR/pkg.json" "$DIR/no-to.json"
expect 1 "package without To" edxml build --json "$DIR/no-to.json" --out "$DIR/keep.edxml"
err_has "To is missing" "package without To"
err_has "lỗi:" "package without To, in Vietnamese"
[ "$(cat "$DIR/keep.edxml")" = "keep me" ] && ok || note_fail "a refused build left the output file unchanged"
expect 1 "wrong PKCS#12 password" edxml build --json "$DIR/pkg.json" --out "$DIR/keep.edxml" --p12 "$CA/rsa.p12" --pass-file "$DIR/badpass"
err_has "wrong password" "wrong password"
[ "$(cat "$DIR/keep.edxml")" = "keep me" ] && ok || note_fail "a failed signing left the output file unchanged"
sed 's|"2026-12-15"|"2026-02-30"|' "$DIR/pkg.json" >"$DIR/bad-date.json"
expect 1 "impossible due date" edxml build --json "$DIR/bad-date.json" --out "$DIR/bd.edxml"
err_has "due_date" "impossible due date"
[ ! -e "$DIR/bd.edxml" ] && ok || note_fail "no file after a refused build"
sed 's|"steering_type": 1|"steering_typ": 1|' "$DIR/pkg.json" >"$DIR/typo.json"
expect 1 "a misspelt key" edxml build --json "$DIR/typo.json" --out "$DIR/bd.edxml"
err_has '"steering_typ" is not a known field' "a misspelt key"
sed 's|"file": "scan.pdf"|"file": "no-such.pdf"|' "$DIR/pkg.json" >"$DIR/nofile.json"
expect 1 "a missing attachment file" edxml build --json "$DIR/nofile.json" --out "$DIR/bd.edxml"
err_has "no-such.pdf" "a missing attachment file"
echo '{"from": ' >"$DIR/broken.json"
expect 1 "broken JSON" edxml build --json "$DIR/broken.json" --out "$DIR/bd.edxml"
expect 1 "signing a signed package is not a package" edxml read --in "$DIR/pass"
expect 1 "missing input file" edxml read --in "$DIR/none.edxml"
ls "$DIR" | grep -q 'tmp-' && note_fail "temporary files left behind" || ok

# ---- usage errors ----
expect 2 "edxml without a command" edxml
usage COMMAND edxml bogus
usage json edxml build --out "$DIR/x.edxml"
usage out edxml build --json "$DIR/pkg.json"
usage pass-file edxml build --json "$DIR/pkg.json" --out "$DIR/x.edxml" --p12 "$CA/rsa.p12"
usage p12 edxml build --json "$DIR/pkg.json" --out "$DIR/x.edxml" --pass-file "$DIR/pass"
usage in edxml read
usage trust edxml verify --in "$DIR/rsa.edxml"
usage bogus edxml verify --in "$DIR/rsa.edxml" --trust "$CA/ca.pem" --bogus
expect 0 "edxml --help" edxml --help
has "edxml verify" "help lists verify"
expect 0 "main help lists edxml" --help
has "edxml" "main help"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

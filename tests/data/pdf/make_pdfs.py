#!/usr/bin/env python3
"""make_pdfs.py OUTDIR — small hand-made PDFs for the PDF reader and PAdES tests (tests/unit/test_pdfobj.c,
tests/cli/test_pades.sh, the seeds of fuzz/corpus/fuzz_pdfobj/). Written byte by byte, so each exercises exactly
one structure of ISO 32000-2 §7.5:

  table.pdf     a classic xref table and trailer (with /Info and /ID), one page with text, /Annots by reference
  xrefstm.pdf   an xref stream (/W [1 2 1], FlateDecode with PNG predictor 12) and an object stream holding the
                catalog, the page tree and the font; the page and its content are plain objects
  updated.pdf   table.pdf plus one incremental update (/Prev chain) that changes the page's text
  hybrid.pdf    a classic table whose trailer has /XRefStm pointing at an xref stream (objects only it lists)
Deterministic: the same bytes every run."""
import os
import sys
import zlib

TEXT_T = b"Hello classic xref table"
TEXT_S = b"Hello xref stream"


def content(text):
    return b"BT /F1 18 Tf 72 720 Td (" + text + b") Tj ET"


def obj(num, body):
    return b"%d 0 obj\n" % num + body + b"\nendobj\n"


def stream_obj(num, data, extra=b""):
    return obj(num, b"<</Length %d%s>>\nstream\n" % (len(data), extra) + data + b"\nendstream")


def table_pdf():
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offs = {}
    objs = [
        (1, b"<</Type/Catalog/Pages 2 0 R>>"),
        (2, b"<</Type/Pages/Kids [3 0 R]/Count 1/MediaBox [0 0 595 842]>>"),
        (3, b"<</Type/Page/Parent 2 0 R/Contents 4 0 R/Annots 7 0 R"
            b"/Resources <</Font <</F1 5 0 R>>>>>>"),
        (5, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>"),
        (6, b"<</Title (Classic \\(table\\) test)/Producer <6D6F74637561>>>"),
        (7, b"[]"),
    ]
    for num, body in objs[:3]:
        offs[num] = len(out)
        out += obj(num, body)
    offs[4] = len(out)
    out += stream_obj(4, content(TEXT_T))
    for num, body in objs[3:]:
        offs[num] = len(out)
        out += obj(num, body)
    xref = len(out)
    out += b"xref\n0 8\n0000000000 65535 f\r\n"
    for n in range(1, 8):
        out += b"%010d 00000 n\r\n" % offs[n]
    out += (b"trailer\n<</Size 8/Root 1 0 R/Info 6 0 R/ID [<00112233445566778899AABBCCDDEEFF>"
            b"<00112233445566778899AABBCCDDEEFF>]>>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return bytes(out), xref


def updated_pdf(base, prev):
    out = bytearray(base)
    o4 = len(out)
    out += stream_obj(4, content(b"Hello updated revision"))
    xref = len(out)
    out += b"xref\n4 1\n%010d 00000 n\r\n" % o4
    out += b"trailer\n<</Size 8/Root 1 0 R/Info 6 0 R/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (prev, xref)
    return bytes(out)


def png_rows(rows, width):
    """PNG 'Up' filter (type 2) on each row, as xref streams written by Acrobat and others use."""
    out = bytearray()
    prev = bytes(width)
    for r in rows:
        out.append(2)
        out += bytes((r[i] - prev[i]) & 0xFF for i in range(width))
        prev = r
    return bytes(out)


def xrefstm_pdf():
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    # object stream 6: catalog 1, pages 2, font 5
    members = [(1, b"<</Type/Catalog/Pages 2 0 R>>"),
               (2, b"<</Type/Pages/Kids [3 0 R]/Count 1/MediaBox [0 0 612 792]>>"),
               (5, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")]
    body = bytearray()
    header = []
    for num, text in members:
        header.append(b"%d %d" % (num, len(body)))
        body += text + b"\n"
    head = b" ".join(header) + b"\n"
    data = zlib.compress(head + bytes(body))
    offs = {}
    offs[3] = len(out)
    out += obj(3, b"<</Type/Page/Parent 2 0 R/Contents 4 0 R/Resources <</Font <</F1 5 0 R>>>>>>")
    offs[4] = len(out)
    c = zlib.compress(content(TEXT_S))
    out += stream_obj(4, c, b"/Filter/FlateDecode")
    offs[6] = len(out)
    out += stream_obj(6, data, b"/Type/ObjStm/N %d/First %d/Filter/FlateDecode" % (len(members), len(head)))
    offs[7] = len(out)
    rows = [bytes([0, 0, 0, 255])]                     # 0: free, gen 255
    for n in range(1, 8):
        if n in (1, 2, 5):
            idx = [m[0] for m in members].index(n)
            rows.append(bytes([2, 0, 6, idx]))        # in object stream 6
        else:
            rows.append(bytes([1, offs[n] >> 8, offs[n] & 255, 0]))
    pred = zlib.compress(png_rows(rows, 4))
    out += stream_obj(7, pred, b"/Type/XRef/Size 8/W [1 2 1]/Root 1 0 R/Filter/FlateDecode"
                      b"/DecodeParms <</Columns 4/Predictor 12>>/ID [<A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4>"
                      b"<A1B2C3D4A1B2C3D4A1B2C3D4A1B2C3D4>]")
    out += b"startxref\n%d\n%%%%EOF\n" % offs[7]
    return bytes(out)


def hybrid_pdf():
    """Objects 1-4 in the table; the font (5) only in the xref stream the trailer's /XRefStm points at."""
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offs = {}
    offs[1] = len(out)
    out += obj(1, b"<</Type/Catalog/Pages 2 0 R>>")
    offs[2] = len(out)
    out += obj(2, b"<</Type/Pages/Kids [3 0 R]/Count 1>>")
    offs[3] = len(out)
    out += obj(3, b"<</Type/Page/Parent 2 0 R/Contents 4 0 R/Resources <</Font <</F1 5 0 R>>>>>>")
    offs[4] = len(out)
    out += stream_obj(4, content(b"Hello hybrid"))
    offs[5] = len(out)
    out += obj(5, b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
    offs[6] = len(out)
    rows = bytes([1, offs[5] >> 8, offs[5] & 255, 0])
    out += stream_obj(6, rows, b"/Type/XRef/Size 7/W [1 2 1]/Index [5 1]")
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f\r\n"
    for n in range(1, 5):
        out += b"%010d 00000 n\r\n" % offs[n]
    out += b"trailer\n<</Size 7/Root 1 0 R/XRefStm %d>>\nstartxref\n%d\n%%%%EOF\n" % (offs[6], xref)
    return bytes(out)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(d, exist_ok=True)
    t, xref = table_pdf()
    files = {"table.pdf": t, "updated.pdf": updated_pdf(t, xref), "xrefstm.pdf": xrefstm_pdf(),
             "hybrid.pdf": hybrid_pdf()}
    for name, data in files.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()

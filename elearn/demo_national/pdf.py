"""A small one-page PDF written by hand: what the bulk-made demo certificates carry instead of the
certificate the site renders (which takes about 0.2 s each). It is a valid PDF with the certificate's
facts in plain text, and its SHA-256 is the revision's fingerprint, so /verify matches it."""

from __future__ import annotations


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def placeholder_pdf(heading: str, lines: list[str]) -> bytes:
    """An A4 page with heading in large type and lines below it (Helvetica, WinAnsi encoding)."""
    text = [b"BT /F1 22 Tf 60 770 Td " + _literal(heading) + b" Tj /F1 12 Tf"]
    text += [b"0 -26 Td " + _literal(line) + b" Tj" for line in lines]
    content = b"\n".join([*text, b"ET"])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)

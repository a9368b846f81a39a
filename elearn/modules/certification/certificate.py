"""The certificate as a one-page A4 PDF, drawn with fpdf2 and the vendored DejaVu Sans (so æøå, §, –
and quotation marks print on any machine), with a QR code to the verification page.

No Flask here: the caller passes the texts, already translated and formatted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from elearn.config import STATIC_DIR

FONT_DIR = STATIC_DIR / "fonts"
FONT = "DejaVuSans"


@dataclass(frozen=True)
class CertificateText:
    heading: str  # "Certificate"
    holder: str
    path_title: str
    unit: str
    statement: str  # "has completed the learning path"
    facts: tuple[tuple[str, str], ...]  # (label, value): issued, valid until, number
    verify_label: str  # "Check this certificate at"
    verify_url: str
    site_name: str
    language: str  # "da" / "en"
    issued_at: datetime  # the PDF's creation date, so the same texts give the same file


def fingerprint(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def _qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as filled squares (vector: sharp in print, no image library involved)."""
    code = segno.make(url, error="m")
    rows = list(code.matrix)
    cell = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * cell, y + r * cell, cell, cell, style="F")


def render_pdf(text: CertificateText, compress: bool = True) -> bytes:
    """The certificate as PDF bytes: exactly one A4 page."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_compression(compress)
    pdf.set_creation_date(text.issued_at.replace(microsecond=0))
    pdf.set_lang(text.language)
    pdf.set_title(f"{text.heading} {text.holder} – {text.path_title}")
    pdf.set_creator(text.site_name)
    pdf.set_auto_page_break(False)
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_draw_color(0, 59, 92)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, 186, 273)
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(36)
    pdf.set_font(FONT, "", 12)
    pdf.cell(0, 8, text.site_name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 32)
    pdf.cell(0, 20, text.heading, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(0, 11, text.holder, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 13)
    if text.unit:
        pdf.multi_cell(0, 8, text.unit, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(6)
    pdf.multi_cell(0, 8, text.statement, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 10, text.path_title, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(12)
    for label, value in text.facts:
        pdf.set_x(40)
        pdf.set_font(FONT, "", 12)
        pdf.cell(55, 9, label)
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 9, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    _qr(pdf, text.verify_url, 80, 205, 50)
    pdf.set_xy(20, 258)
    pdf.set_font(FONT, "", 10)
    pdf.multi_cell(170, 6, f"{text.verify_label}\n{text.verify_url}", align=Align.C)
    return bytes(pdf.output())

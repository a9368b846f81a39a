"""QR codes as inline SVG, for pages that show a link or a secret to a phone's camera."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup, escape


def qr_svg(data: str, label: str) -> Markup:
    """data as an inline SVG QR code named label for screen readers (generated here: no scripts, no
    styles)."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True, scale=6,
                                     border=4, svgclass="qr-code", lineclass=None, omitsize=True,
                                     title=str(label))
    svg = buffer.getvalue().decode("utf-8")  # the title is the label, which may be any language
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    return Markup(svg)  # noqa: S704  (segno's own SVG; the label is escaped)  # nosec B704

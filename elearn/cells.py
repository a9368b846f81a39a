"""Spreadsheet cells that cannot run: every CSV or XLSX export writes its text through neutralise."""

from __future__ import annotations

#: What makes Excel or LibreOffice read a cell as a formula (or DDE); full-width forms included,
#: which some Excel locales treat like their ASCII twins.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value) -> str:
    """The cell's text, with a leading apostrophe when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text

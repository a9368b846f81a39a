"""Catalogue upkeep: `python -m elearn.i18n_tools fill-english FILE.po` copies each English msgid
into its empty msgstr, so the English catalogue is complete (the source strings are English)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po


def fill_english(path: Path) -> int:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = tuple(message.id)
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    return filled


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "fill-english":
        sys.exit("usage: python -m elearn.i18n_tools fill-english FILE.po")
    print(f"filled {fill_english(Path(sys.argv[2]))} English messages")

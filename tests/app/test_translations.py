"""Every user-visible string is in both catalogues, translated, with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _source_messages() -> set[str]:
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(locale: str):
    path = ROOT / "elearn" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


@pytest.fixture(scope="module")
def source_messages():
    messages = _source_messages()
    assert "Page not found" in messages and "Log in" in messages  # the extraction itself works
    return messages


@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_source_string_is_translated(source_messages, locale):
    catalog = _catalog(locale)
    translated = {message.id[0] if isinstance(message.id, tuple) else message.id
                  for message in catalog
                  if message.id and (all(message.string) if isinstance(message.string, tuple)
                                     else message.string)}
    missing = sorted(source_messages - translated)
    assert missing == [], f"untranslated in {locale} (run `make messages`, then translate): {missing}"


@pytest.mark.parametrize("locale", ["da", "en"])
def test_translations_keep_their_placeholders(locale):
    for message in _catalog(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) <= expected | set(PLACEHOLDER.findall(ids[0]))
            assert "fuzzy" not in message.flags


def test_wtforms_messages_have_a_complete_danish_catalogue():
    from wtforms.i18n import messages_path

    with open(Path(messages_path()) / "wtforms.pot", "rb") as handle:
        expected = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    path = ROOT / "elearn" / "translations" / "da" / "LC_MESSAGES" / "wtforms.po"
    with path.open("rb") as handle:
        translated = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle)
                      if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    assert expected - translated == set()

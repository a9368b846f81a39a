"""Search across module sections and reference cards in both languages, with highlighted snippets.

The course is small (hundreds of sections), so a scan of the in-memory text is fast and exact;
case and Danish letters are handled by casefolding both sides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup, escape

from elearn.modules.courses.catalogue import Catalogue

SNIPPET_CHARS = 180
MAX_RESULTS = 50


@dataclass(frozen=True)
class SearchResult:
    title: str
    context: str
    url: str
    snippet: Markup
    locale: str
    kind: str  # "section" or "card"
    rank: tuple


def terms(query: str) -> list[str]:
    return [term for term in re.split(r"\s+", query.casefold().strip()) if term][:8]


def highlight(text: str, words: list[str]) -> Markup:
    """text escaped, with every occurrence of words wrapped in <mark>."""
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)),
                         re.IGNORECASE)
    out, last = Markup(""), 0
    for match in pattern.finditer(text):
        out += escape(text[last:match.start()]) + Markup("<mark>{}</mark>").format(match.group())
        last = match.end()
    return out + escape(text[last:])


def snippet(text: str, words: list[str]) -> Markup:
    folded = text.casefold()
    first = min((folded.find(w) for w in words if w in folded), default=0)
    start = max(0, first - SNIPPET_CHARS // 3)
    end = min(len(text), start + SNIPPET_CHARS)
    piece = ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")
    return highlight(piece, words)


def _documents(catalogue: Catalogue):
    for module in catalogue.modules.values():
        for locale, text in module.texts.items():
            for section in text.sections:
                url = url_for("courses.section", slug=module.slug, section_id=section.id)
                yield section.title, text.title, url, section.text, locale, "section"
    for card in catalogue.cards.values():
        for locale, text in card.texts.items():
            url = url_for("courses.card", slug=card.slug)
            yield text.title, text.summary, url, text.text, locale, "card"


def search(catalogue: Catalogue, query: str, locale: str) -> list[SearchResult]:
    """Sections and cards containing every word of query; the user's language and title hits first."""
    words = terms(query)
    if not words:
        return []
    results = []
    for title, context, url, text, doc_locale, kind in _documents(catalogue):
        haystack = f"{title} {context} {text}".casefold()
        if not all(word in haystack for word in words):
            continue
        in_title = sum(word in title.casefold() for word in words)
        rank = (doc_locale != locale, -in_title, -sum(haystack.count(w) for w in words), title)
        results.append(SearchResult(title, context, url, snippet(text, words), doc_locale, kind,
                                    rank))
    return sorted(results, key=lambda r: r.rank)[:MAX_RESULTS]

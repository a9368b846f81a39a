"""render_markdown(): Python-Markdown, then bleach. The only module that imports markdown or bleach.

Rendering happens once, when content is loaded; a request never parses Markdown.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import bleach
import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup, escape

ALLOWED_TAGS = frozenset({
    "a", "abbr", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3", "h4",
    "h5", "h6", "hr", "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
ALLOWED_ATTRIBUTES = {
    "*": ["id", "class", "title"],
    "div": ["id", "class", "title", "tabindex"],
    "a": ["href", "rel", "id", "class", "title"],
    "img": ["src", "alt", "title", "width", "height"],
    "td": ["align", "colspan", "rowspan"],
    "th": ["align", "colspan", "rowspan", "scope"],
    "ol": ["start"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})
EXTERNAL_SCHEMES = ("http", "https")
LINK_TOKEN = "#elearn-link-"  # noqa: S105  (a placeholder, not a secret)
TRANSLITERATE = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


def slugify(text: str, separator: str = "-") -> str:
    """A stable ASCII id for a heading: Danish letters spelled out (æ→ae, ø→oe, å→aa)."""
    text = unicodedata.normalize("NFKD", text.translate(TRANSLITERATE))
    text = text.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", separator, text).strip(separator) or "section"


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    title: str


@dataclass(frozen=True)
class Link:
    """A link or image in the source that is neither external nor absolute: the loader resolves it."""

    token: int
    target: str
    is_image: bool
    alt: str = ""


@dataclass
class Rendered:
    html: str
    headings: list[Heading]
    links: list[Link] = field(default_factory=list)


class _LinkCollector(Treeprocessor):
    """Replace local hrefs and srcs with placeholder tokens and remember their targets."""

    def __init__(self, md, sink: list[Link]):
        super().__init__(md)
        self.sink = sink

    def run(self, root):
        for element in root.iter():
            attribute = {"a": "href", "img": "src"}.get(element.tag)
            value = element.get(attribute) if attribute else None
            external = bool(value) and (bool(urlsplit(value).scheme) or value.startswith("//"))
            if not value or (external and element.tag != "img"):
                continue
            link = Link(len(self.sink), value, element.tag == "img", element.get("alt", ""))
            self.sink.append(link)
            element.set(attribute, f"{LINK_TOKEN}{link.token}")
        return root


class _TableWrapper(Treeprocessor):
    """Put each table in a focusable scroll box, so a wide table never widens a phone's page."""

    def run(self, root):
        for parent in list(root.iter()):
            for index, child in enumerate(list(parent)):
                if child.tag == "table":
                    box = etree.Element("div", {"class": "table-wrap", "tabindex": "0"})
                    box.append(child)
                    parent.remove(child)
                    parent.insert(index, box)
        return root


class _LinkExtension(Extension):
    def __init__(self, sink: list[Link]):
        super().__init__()
        self.sink = sink

    def extendMarkdown(self, md):  # noqa: N802  (Python-Markdown's API)
        md.treeprocessors.register(_LinkCollector(md, self.sink), "elearn_links", 1)
        md.treeprocessors.register(_TableWrapper(md), "elearn_tables", 0)


def _set_rel(attrs, new=False):
    href = attrs.get((None, "href"), "")
    if urlsplit(href).scheme in EXTERNAL_SCHEMES:
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


_CLEANER = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, protocols=ALLOWED_PROTOCOLS, strip=True,
    strip_comments=True,
    filters=[lambda source: bleach.linkifier.LinkifyFilter(source, callbacks=[_set_rel],
                                                           parse_email=False,
                                                           skip_tags={"pre", "code"})],
)


def sanitize(html: str) -> str:
    """Keep only the allowed tags, attributes and URL schemes; external links get rel=noopener."""
    return _CLEANER.clean(html)


def _markdown(links: list[Link]) -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["tables", "toc", "admonition", "attr_list", "footnotes", "fenced_code",
                    "sane_lists", _LinkExtension(links)],
        extension_configs={"toc": {"slugify": slugify, "permalink": False},
                           "tables": {"use_align_attribute": True},
                           "footnotes": {"BACKLINK_TITLE": "", "SUPERSCRIPT_TEXT": "{}"}},
        output_format="html",
    )
    # Raw HTML in the source is shown as text, never passed through: nothing to sanitise away.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


def _headings(tokens, found: list[Heading]) -> list[Heading]:
    for token in tokens:
        found.append(Heading(token["level"], token["id"], token["name"]))
        _headings(token["children"], found)
    return found


def render(text: str) -> Rendered:
    """Render Markdown to sanitised HTML, with its headings and the local links left to resolve."""
    links: list[Link] = []
    md = _markdown(links)
    html = sanitize(md.convert(text))
    return Rendered(html, _headings(md.toc_tokens, []), links)


def _safe_url(url: str) -> bool:
    """No scheme (a site path or fragment) or an allowed one, however it is spelt."""
    compact = re.sub(r"[\x00-\x20]", "", url).lower()
    scheme = urlsplit(compact).scheme
    return (not scheme and not compact.startswith("//")) or scheme in ALLOWED_PROTOCOLS


def resolve_links(html: str, targets: dict[int, str | None]) -> Markup:
    """The finished, safe HTML: each link token replaced by its resolved URL ('#' when unresolved).

    html must come from render(), which sanitised it."""

    def replace(match: re.Match) -> str:
        url = targets.get(int(match.group(1)))
        return str(escape(url)) if url and _safe_url(url) else "#"

    linked = re.sub(re.escape(LINK_TOKEN) + r"(\d+)", replace, html)
    return Markup(linked)  # noqa: S704  (render() sanitised it; the URLs are escaped)  # nosec B704


def render_markdown(text: str) -> Markup:
    """Markdown to safe HTML for a template (local links are left as they were written)."""
    rendered = render(text)
    return resolve_links(rendered.html, {link.token: link.target for link in rendered.links})


def plain_text(html: str) -> str:
    """The visible text of already sanitised HTML, for search indexes and snippets."""
    return re.sub(r"\s+", " ", html_lib.unescape(re.sub(r"<[^>]+>", " ", html))).strip()



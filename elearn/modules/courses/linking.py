"""Resolving the links trainers write as relative file paths (other.da.md#anchor, ../media/x.png)
into site addresses, reporting every link that goes nowhere."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

from elearn.modules.courses.catalogue import CARD_URL, MEDIA_URL, MODULE_URL, SECTION_URL
from elearn.modules.courses.sources import FILE_NAME, Problem

IMAGE_TYPES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}
MEDIA_TYPES = IMAGE_TYPES | {".pdf"}


class Linker:
    def __init__(self, root: Path, modules: dict, cards: dict, problems: list[Problem]):
        self.root = root.resolve()
        self.prefix = str(self.root) + os.sep
        self.drafts = {"modules": modules, "reference": cards}
        self.problems = problems
        self._files: dict[str, bool] = {}
        self._folders: dict[Path, str] = {}

    def resolve(self, draft, part, links) -> dict[int, str | None]:
        """token -> address for every link of one rendered part; a broken link maps to None."""
        targets = {}
        for link in links:
            url, problem = self._resolve(draft, part, link)
            if problem:
                self.problems.append(Problem(part.source.label, self._line(part, link.target),
                                             problem))
            targets[link.token] = url
        return targets

    def _line(self, part, target: str) -> int:
        lines = part.source.path.read_text(encoding="utf-8").splitlines()
        for number in range(part.line, len(lines) + 1):
            if target in lines[number - 1]:
                return number
        return part.line

    def _resolve(self, draft, part, link):
        if link.is_image and (urlsplit(link.target).scheme or link.target.startswith("//")):
            return None, f"image '{link.target}' must be stored in the media folder, not linked"
        target, _, anchor = link.target.partition("#")
        if not target:
            if anchor in part.anchors:
                return f"#{anchor}", None
            return self._anchor_url(draft, part.source.locale, anchor, f"#{anchor}")
        # Plain string arithmetic: a long course has thousands of links, and no link may climb out.
        folder = self._folders.get(part.source.path)
        if folder is None:
            folder = self._folders[part.source.path] = str(part.source.path.resolve().parent)
        path = os.path.normpath(os.path.join(folder, target))
        if not path.startswith(self.prefix):
            return None, f"link '{link.target}' points outside the content folder"
        inside = path[len(self.prefix):].split(os.sep)
        if inside[0] == "media":
            return self._media(path, inside, link)
        if link.is_image:
            return None, f"image '{link.target}' must be in the media folder"
        match = FILE_NAME.match(inside[-1])
        other = self.drafts.get(inside[0], {}).get(match["slug"]) if match else None
        if other is None or len(inside) != 2:
            return None, f"link '{link.target}' goes to no module or card"
        return self._anchor_url(other, match["locale"], anchor, link.target)

    def _anchor_url(self, draft, locale: str, anchor: str, shown: str):
        parts = draft.parts.get(locale) or next(iter(draft.parts.values()))
        if draft.kind == "card":
            base = CARD_URL.format(slug=draft.slug)
            if not anchor or anchor in parts[0].anchors:
                return base + (f"#{anchor}" if anchor else ""), None
            return None, f"link '{shown}': no heading or anchor '#{anchor}' in card {draft.slug}"
        if not anchor:
            return MODULE_URL.format(slug=draft.slug), None
        for part in parts:
            page = (SECTION_URL.format(slug=draft.slug, section=part.id) if part.id
                    else MODULE_URL.format(slug=draft.slug))
            if part.id and anchor == part.id:
                return page, None
            if anchor in part.anchors:
                return f"{page}#{anchor}", None
        return None, f"link '{shown}': no section or anchor '#{anchor}' in module {draft.slug}"

    def _media(self, path: str, inside: list[str], link):
        if path not in self._files:
            self._files[path] = os.path.isfile(path)
        if not self._files[path]:
            return None, f"'{link.target}' does not exist"
        if os.path.splitext(path)[1].lower() not in (IMAGE_TYPES if link.is_image else MEDIA_TYPES):
            return None, f"'{link.target}' is not an allowed file type"
        if link.is_image and not link.alt.strip():
            return None, f"image '{link.target}' needs a description: ![what it shows]({link.target})"
        return MEDIA_URL.format(path=quote("/".join(inside[1:]))), None

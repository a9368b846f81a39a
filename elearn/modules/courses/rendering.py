"""Rendering content Markdown once, with an on-disk cache keyed by the text and the renderer.

Python-Markdown and bleach take tens of milliseconds for a long module; the cache makes a restart with
unchanged content cost only file reads.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from elearn import markdown as md


def _renderer_key() -> str:
    source = Path(md.__file__).read_bytes()
    versions = f"{version('markdown')}|{version('bleach')}|".encode()
    return hashlib.sha256(versions + source).hexdigest()[:16]


RENDERER_KEY = _renderer_key()


@dataclass(frozen=True)
class Piece:
    """One rendered piece of Markdown: sanitised HTML with link tokens, headings, links."""

    html: str
    headings: tuple[md.Heading, ...]
    links: tuple[md.Link, ...]

    def to_json(self) -> dict:
        return {"html": self.html, "headings": [[h.level, h.id, h.title] for h in self.headings],
                "links": [[k.token, k.target, k.is_image, k.alt] for k in self.links]}

    @classmethod
    def from_json(cls, data: dict) -> Piece:
        return cls(data["html"], tuple(md.Heading(*h) for h in data["headings"]),
                   tuple(md.Link(*k) for k in data["links"]))


class Renderer:
    """render(text) -> Piece, reading and writing the cache folder when one is given."""

    def __init__(self, cache_dir: Path | None):
        self.cache_dir = cache_dir
        self.rendered = 0
        self.cached = 0
        if cache_dir:
            cache_dir.mkdir(parents=True, exist_ok=True)

    def render(self, text: str) -> Piece:
        key = hashlib.sha256(f"{RENDERER_KEY}\n{text}".encode()).hexdigest()
        path = self.cache_dir / f"{key}.json" if self.cache_dir else None
        if path and path.exists():
            try:
                piece = Piece.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError):
                piece = None
            if piece is not None:
                self.cached += 1
                return piece
        rendered = md.render(text)
        piece = Piece(rendered.html, tuple(rendered.headings), tuple(rendered.links))
        self.rendered += 1
        if path:
            # Several processes (gunicorn instances starting together) may render the same text.
            temporary = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            temporary.write_text(json.dumps(piece.to_json()), encoding="utf-8")
            temporary.replace(path)
        return piece

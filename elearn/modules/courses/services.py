"""Access to the loaded course, and loading it when the app is built."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import Flask, current_app

from elearn.modules.courses.catalogue import Catalogue
from elearn.modules.courses.loader import ContentError, LoadResult, load

log = logging.getLogger("elearn.content")
EXTENSION_KEY = "elearn.catalogue"


def content_dir(app: Flask) -> Path:
    return Path(app.config["CONTENT_DIR"])


def cache_dir(app: Flask) -> Path | None:
    folder = app.config.get("CONTENT_CACHE_DIR")
    return Path(folder) if folder else Path(app.instance_path) / "content-cache"


def load_content(app: Flask) -> LoadResult:
    """Load content/ into the app; raises ContentError (listing every error) when it is broken."""
    started = time.perf_counter()
    result = load(content_dir(app), cache_dir(app))
    for problem in result.problems:
        log.warning("%s", problem)
    if result.errors:
        raise ContentError(result.errors)
    app.extensions[EXTENSION_KEY] = result.catalogue
    log.info("content loaded: %d modules, %d cards, %d paths in %.0f ms (%d rendered, %d cached)",
             len(result.catalogue.modules), len(result.catalogue.cards),
             len(result.catalogue.paths), (time.perf_counter() - started) * 1000, result.rendered,
             result.cached)
    return result


def catalogue() -> Catalogue:
    return current_app.extensions[EXTENSION_KEY]

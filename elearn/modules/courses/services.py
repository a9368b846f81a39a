"""Access to the loaded course (elearn/content.py loads it when the app is built)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from elearn.modules.courses.catalogue import Catalogue

EXTENSION_KEY = "elearn.catalogue"
#: Set instead of loading at start-up (command-line apps): loads the content on first use.
LOADER_KEY = "elearn.content-loader"


def content_dir(app: Flask) -> Path:
    return Path(app.config["CONTENT_DIR"])


def cache_dir(app: Flask) -> Path | None:
    folder = app.config.get("CONTENT_CACHE_DIR")
    return Path(folder) if folder else Path(app.instance_path) / "content-cache"


def loaded(key: str):
    """The loaded content part under key, loading the content now if the app deferred it (a command
    such as `elearn outbox send` runs every minute and mostly never needs the course)."""
    extensions = current_app.extensions
    if key not in extensions:
        extensions[LOADER_KEY]()
    return extensions[key]


def catalogue() -> Catalogue:
    return loaded(EXTENSION_KEY)

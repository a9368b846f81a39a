"""Access to the loaded course (elearn/content.py loads it when the app is built)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from elearn.modules.courses.catalogue import Catalogue

EXTENSION_KEY = "elearn.catalogue"


def content_dir(app: Flask) -> Path:
    return Path(app.config["CONTENT_DIR"])


def cache_dir(app: Flask) -> Path | None:
    folder = app.config.get("CONTENT_CACHE_DIR")
    return Path(folder) if folder else Path(app.instance_path) / "content-cache"


def catalogue() -> Catalogue:
    return current_app.extensions[EXTENSION_KEY]

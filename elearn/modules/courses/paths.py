"""Reading content/paths.yaml: the learning paths and their ordered modules."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import yaml

from elearn.modules.courses.catalogue import AUDIENCES, LOCALES, LearningPath
from elearn.modules.courses.sources import SLUG, Problem

PATH_KEYS = {"slug", "title", "description", "audience", "modules"}


def _line_of(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def _path(entry, text: str, label: str, modules: set[str], problems: list[Problem]):
    if not isinstance(entry, dict) or not SLUG.match(str(entry.get("slug", ""))):
        problems.append(Problem(label, 1, "each path needs a slug (lower-case letters, digits, "
                                          "dashes)"))
        return None
    slug = entry["slug"]
    line = _line_of(text, f"slug: {slug}")
    for key in set(entry) - PATH_KEYS:
        problems.append(Problem(label, line, f"path {slug}: unknown setting '{key}'"))
    titles = entry.get("title")
    if not isinstance(titles, dict) or not all(isinstance(titles.get(loc), str) for loc in LOCALES):
        problems.append(Problem(label, line, f"path {slug}: 'title' needs da and en"))
        return None
    descriptions = entry.get("description") or {}
    audience = entry.get("audience") or []
    if not isinstance(audience, list) or any(a not in AUDIENCES for a in audience):
        problems.append(Problem(label, line, f"path {slug}: audience must be a list of: "
                                             f"{', '.join(AUDIENCES)}"))
    listed = entry.get("modules")
    if not isinstance(listed, list) or not listed:
        problems.append(Problem(label, line, f"path {slug}: 'modules' must list module slugs"))
        return None
    for module in listed:
        if module not in modules:
            problems.append(Problem(label, _line_of(text, str(module)),
                                    f"path {slug}: unknown module '{module}'"))
    return LearningPath(slug, MappingProxyType(dict(titles)),
                        MappingProxyType(dict(descriptions) if isinstance(descriptions, dict)
                                         else {}),
                        tuple(audience) if isinstance(audience, list) else (),
                        tuple(m for m in listed if m in modules))


def load_paths(root: Path, modules: set[str], problems: list[Problem]) -> tuple[LearningPath, ...]:
    """The paths in root/paths.yaml, checked against the known modules."""
    file = root / "paths.yaml"
    label = f"{root.name}/paths.yaml"
    if not file.exists():
        problems.append(Problem(label, 1, "paths.yaml is missing"))
        return ()
    text = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 1
        problems.append(Problem(label, line, f"not valid YAML: {getattr(error, 'problem', error)}"))
        return ()
    if not isinstance(data, dict) or data.get("schema") != 1 or not isinstance(data.get("paths"),
                                                                                list):
        problems.append(Problem(label, 1, "paths.yaml needs 'schema: 1' and a 'paths' list"))
        return ()
    paths, seen = [], set()
    for entry in data["paths"]:
        path = _path(entry, text, label, modules, problems)
        if path and path.slug in seen:
            problems.append(Problem(label, _line_of(text, path.slug),
                                    f"duplicate path slug '{path.slug}'"))
        elif path:
            seen.add(path.slug)
            paths.append(path)
    return tuple(paths)

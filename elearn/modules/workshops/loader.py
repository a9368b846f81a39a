"""Workshop themes from content/workshops/<slug>.<locale>.md, checked like course modules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from markupsafe import Markup

from elearn.markdown import render_markdown
from elearn.modules.courses import services as courses
from elearn.modules.courses.catalogue import LOCALES
from elearn.modules.courses.sources import (
    FieldSpec,
    Problem,
    SourceFile,
    check_fields,
    heading_problems,
    read_source,
)

FOLDER = "workshops"
EXTENSION_KEY = "elearn.workshops"
WORKSHOP_FIELDS = {
    "schema": FieldSpec(True, "int"), "slug": FieldSpec(True, "slug"),
    "title": FieldSpec(True, "str"), "summary": FieldSpec(True, "str"),
    "audience": FieldSpec(True, "audience"), "minutes": FieldSpec(True, "int"),
    "reviewed": FieldSpec(True, "date"), "objectives": FieldSpec(True, "strings"),
    "agenda": FieldSpec(True, "strings"), "preparation": FieldSpec(False, "str"),
    "reading": FieldSpec(False, "slugs"),
}
SHARED_FIELDS = ("audience", "minutes", "reading")


@dataclass(frozen=True)
class WorkshopText:
    locale: str
    title: str
    summary: str
    objectives: tuple[str, ...]
    agenda: tuple[str, ...]
    preparation: str
    body: Markup


@dataclass(frozen=True)
class Workshop:
    slug: str
    minutes: int
    audience: tuple[str, ...]
    reviewed: date
    texts: MappingProxyType  # locale -> WorkshopText
    reading: tuple[str, ...] = ()  # course module slugs to read before or after a session

    def text(self, locale: str) -> WorkshopText:
        """The text in locale, else in the other language."""
        return self.texts.get(locale) or next(iter(self.texts.values()))


def _text(source: SourceFile) -> WorkshopText:
    meta = source.meta
    return WorkshopText(source.locale, meta["title"], meta["summary"], tuple(meta["objectives"]),
                        tuple(meta["agenda"]), meta.get("preparation", ""),
                        render_markdown(source.body))


def _check_pair(slug: str, files: dict[str, SourceFile], problems: list[Problem]) -> None:
    first = next(iter(files.values()))
    for locale in LOCALES:
        if locale not in files:
            problems.append(Problem(first.label, 1, f"the {locale} translation ({slug}.{locale}.md) "
                                                    f"is missing", warning=True))
    if len(files) == len(LOCALES):
        da, en = files["da"], files["en"]
        for name in SHARED_FIELDS:
            if da.meta.get(name) != en.meta.get(name):
                problems.append(Problem(en.label, en.field_lines.get(name, 2),
                                        f"'{name}' differs from {da.label}"))


def _problem_free(source: SourceFile, problems: list[Problem]) -> bool:
    if not check_fields(source, WORKSHOP_FIELDS, problems):
        return False
    line = source.field_lines.get
    for name in ("objectives", "agenda"):
        if not source.meta[name] or not all(str(item).strip() for item in source.meta[name]):
            problems.append(Problem(source.label, line(name, 2), f"'{name}' must list at least "
                                                                 f"one non-empty item"))
            return False
    if source.meta["minutes"] == 0:
        problems.append(Problem(source.label, line("minutes", 2), "'minutes' must be more than 0"))
        return False
    problems.extend(heading_problems(source))
    return True


def load_workshops(root: Path) -> tuple[MappingProxyType, list[Problem]]:
    """The workshops in root/workshops (slug -> Workshop) and the problems found. A missing folder
    means no workshops; it is not an error. Unchanged files are not read twice (apps are built
    often in tests and the CLI)."""
    files = sorted((root / FOLDER).glob("*.md"))
    signature = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    workshops, problems = _load(root, signature)
    return workshops, list(problems)


@lru_cache(maxsize=16)
def _load(root: Path, signature: tuple) -> tuple[MappingProxyType, tuple[Problem, ...]]:
    problems: list[Problem] = []
    by_slug: dict[str, dict[str, SourceFile]] = {}
    for path in (Path(entry[0]) for entry in signature):
        label = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
        source = read_source(path, label, problems)
        if source and _problem_free(source, problems):
            by_slug.setdefault(source.slug, {})[source.locale] = source
    workshops = {}
    for slug, files in by_slug.items():
        _check_pair(slug, files, problems)
        first = next(iter(files.values())).meta
        workshops[slug] = Workshop(slug, first["minutes"], tuple(first["audience"]),
                                   first["reviewed"], MappingProxyType(
                                       {loc: _text(files[loc]) for loc in LOCALES if loc in files}),
                                   tuple(first.get("reading", ())))
    return MappingProxyType(dict(sorted(workshops.items()))), tuple(problems)


def reading_problems(root: Path, themes: MappingProxyType, module_slugs) -> list[Problem]:
    """A workshop's reading list may name only modules of the course."""
    return [Problem(f"{root.name}/{FOLDER}/{slug}.en.md", 1, f"'reading' names '{name}', which is "
                                                             f"not a course module")
            for slug, workshop in themes.items() for name in workshop.reading
            if name not in module_slugs]


def reading_list(workshop: Workshop, locale: str) -> list[tuple[str, str]]:
    """(slug, title) of the course modules a workshop's participants read, in the theme's order."""
    modules = courses.catalogue().modules
    return [(slug, modules[slug].text(locale).title) for slug in workshop.reading if slug in modules]


def workshops() -> MappingProxyType:
    """slug -> Workshop, as loaded at start-up."""
    return courses.loaded(EXTENSION_KEY)

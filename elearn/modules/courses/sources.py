"""Reading one content file: front matter, its field checks with line numbers, and section splitting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from elearn.modules.courses.catalogue import AUDIENCES, LOCALES

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_NAME = re.compile(r"^(?P<slug>[^.]+)\.(?P<locale>[a-z]{2})\.md$")
SECTION_HEADING = re.compile(r"^## +(?P<title>.+?)\s*(?:\{#(?P<id>[A-Za-z0-9_-]+)\})?\s*$")
ANY_HEADING = re.compile(r"^(?P<hashes>#{1,6}) +\S")
FENCE = re.compile(r"^(```|~~~)")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}: {kind}{self.message}"


@dataclass(frozen=True)
class FieldSpec:
    required: bool
    kind: str  # "int", "str", "slug", "slugs", "strings", "version", "date", "audience", "changes"


MODULE_FIELDS = {
    "schema": FieldSpec(True, "int"), "slug": FieldSpec(True, "slug"),
    "title": FieldSpec(True, "str"), "summary": FieldSpec(True, "str"),
    "audience": FieldSpec(True, "audience"), "minutes": FieldSpec(True, "int"),
    "version": FieldSpec(True, "version"), "reviewed": FieldSpec(True, "date"),
    "prerequisites": FieldSpec(False, "slugs"), "legal_references": FieldSpec(False, "strings"),
    "tags": FieldSpec(False, "strings"), "quiz": FieldSpec(False, "slug"),
    "reference_cards": FieldSpec(False, "slugs"), "changes": FieldSpec(False, "changes"),
}
CARD_FIELDS = {
    "schema": FieldSpec(True, "int"), "slug": FieldSpec(True, "slug"),
    "title": FieldSpec(True, "str"), "summary": FieldSpec(True, "str"),
    "version": FieldSpec(True, "version"), "reviewed": FieldSpec(True, "date"),
    "module": FieldSpec(False, "slug"),
}


@dataclass
class SourceFile:
    path: Path
    label: str  # the path as shown in messages, relative to the content folder's parent
    slug: str
    locale: str
    meta: dict
    body: str
    body_line: int  # the file line the body starts on
    field_lines: dict


def _field_lines(front: str) -> dict[str, int]:
    lines = {}
    for number, line in enumerate(front.splitlines(), start=2):
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:", line)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def read_source(path: Path, label: str, problems: list[Problem]) -> SourceFile | None:
    """The file split into front matter and body, or None (with problems) when it cannot be read."""
    name = FILE_NAME.match(path.name)
    if not name or name["locale"] not in LOCALES:
        problems.append(Problem(label, 1, "the file name must be <slug>.<locale>.md with locale da "
                                          "or en"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(label, 1, "the file is not UTF-8 text"))
        return None
    if not text.startswith("---\n"):
        problems.append(Problem(label, 1, "the file must start with a settings block between "
                                          "'---' lines"))
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        problems.append(Problem(label, 1, "the settings block is not closed with a '---' line"))
        return None
    front = text[4:end + 1]
    try:
        meta = yaml.safe_load(front) or {}
    except yaml.YAMLError as error:
        line = getattr(getattr(error, "problem_mark", None), "line", 0) + 2
        problems.append(Problem(label, line, f"the settings block is not valid YAML: "
                                             f"{getattr(error, 'problem', error)}"))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(label, 2, "the settings block must be 'name: value' lines"))
        return None
    body_line = front.count("\n") + 3
    return SourceFile(path, label, name["slug"], name["locale"], meta, text[end + 5:], body_line,
                      _field_lines(front))


def _check_value(kind: str, value) -> str | None:
    """None when value fits kind, else what is wrong."""
    checks = {
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0,
        "str": lambda v: isinstance(v, str) and v.strip(),
        "slug": lambda v: isinstance(v, str) and SLUG.match(v),
        "slugs": lambda v: isinstance(v, list) and all(isinstance(s, str) and SLUG.match(s)
                                                       for s in v),
        "strings": lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v),
        "version": lambda v: isinstance(v, str) and re.match(r"^\d+\.\d+$", v),
        "date": lambda v: isinstance(v, date),
        "audience": lambda v: isinstance(v, list) and v and all(a in AUDIENCES for a in v),
        "changes": lambda v: isinstance(v, list) and all(
            isinstance(c, dict) and set(c) == {"version", "summary"}
            and isinstance(c["version"], str) and re.match(r"^\d+\.\d+$", c["version"])
            and isinstance(c["summary"], str)
            for c in v),
    }
    if checks[kind](value):
        return None
    return {
        "int": "must be a whole number", "str": "must be non-empty text",
        "slug": "must be a slug (lower-case letters, digits, dashes)",
        "slugs": "must be a list of slugs", "strings": "must be a list of texts",
        "version": 'must be "MAJOR.MINOR" in quotes, e.g. "1.0"', "date": "must be a date YYYY-MM-DD",
        "audience": f"must be a list of: {', '.join(AUDIENCES)}",
        "changes": 'must be a list of entries with version (quoted, "1.0") and summary',
    }[kind]


def check_fields(source: SourceFile, specs: dict[str, FieldSpec], problems: list[Problem]) -> bool:
    """Report missing, unknown and malformed settings; True when the file can be used."""
    ok = True
    line = source.field_lines.get
    for name in source.meta:
        if name not in specs:
            problems.append(Problem(source.label, line(name, 2), f"unknown setting '{name}'"))
    for name, spec in specs.items():
        if name not in source.meta:
            if spec.required:
                problems.append(Problem(source.label, 2, f"missing setting '{name}'"))
                ok = False
            continue
        wrong = _check_value(spec.kind, source.meta[name])
        if wrong:
            problems.append(Problem(source.label, line(name, 2), f"'{name}' {wrong}"))
            ok = False
    if ok and source.meta["schema"] != 1:
        problems.append(Problem(source.label, line("schema", 2), "'schema' must be 1"))
        ok = False
    if ok and source.meta["slug"] != source.slug:
        problems.append(Problem(source.label, line("slug", 2), f"slug '{source.meta['slug']}' does "
                                                                f"not match the file name"))
        ok = False
    return ok


@dataclass(frozen=True)
class RawSection:
    id: str | None
    title: str
    markdown: str
    line: int


def split_sections(source: SourceFile) -> tuple[str, list[RawSection]]:
    """The intro (before the first '##') and the sections, ignoring '##' inside fenced code."""
    intro: list[str] = []
    heads: list[tuple[re.Match, int]] = []
    bodies: list[list[str]] = []
    fenced = False
    for offset, line in enumerate(source.body.splitlines()):
        if FENCE.match(line):
            fenced = not fenced
        heading = None if fenced else SECTION_HEADING.match(line)
        if heading:
            heads.append((heading, source.body_line + offset))
            bodies.append([line])
        else:
            (bodies[-1] if bodies else intro).append(line)
    sections = [RawSection(head["id"], head["title"], "\n".join(body), line)
                for (head, line), body in zip(heads, bodies, strict=True)]
    return "\n".join(intro), sections


def heading_problems(source: SourceFile) -> list[Problem]:
    """Level-1 headings and skipped levels, with their lines."""
    problems, previous, fenced = [], 2, False
    for offset, line in enumerate(source.body.splitlines()):
        if FENCE.match(line):
            fenced = not fenced
        match = None if fenced else ANY_HEADING.match(line)
        if not match:
            continue
        level = len(match["hashes"])
        number = source.body_line + offset
        if level == 1:
            problems.append(Problem(source.label, number, "do not use '#' headings; the title comes "
                                                          "from the settings"))
        elif level > previous + 1:
            problems.append(Problem(source.label, number, f"heading level skipped: {'#' * level} "
                                                          f"after {'#' * previous}"))
        previous = max(level, 2)
    return problems

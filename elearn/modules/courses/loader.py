"""Loading content/: every file parsed, checked, rendered and cross-linked into a frozen Catalogue."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from elearn.markdown import plain_text, resolve_links, slugify
from elearn.modules.courses import sources
from elearn.modules.courses.catalogue import (
    LOCALES,
    CardText,
    Catalogue,
    Change,
    CourseModule,
    ModuleText,
    ReferenceCard,
    Section,
    Version,
)
from elearn.modules.courses.linking import Linker
from elearn.modules.courses.paths import load_paths
from elearn.modules.courses.rendering import Piece, Renderer
from elearn.modules.courses.sources import Problem, SourceFile

SHARED_FIELDS = {"module": ("audience", "minutes", "version", "prerequisites", "quiz",
                            "reference_cards"),
                 "card": ("version", "module")}
ANCHOR = re.compile(r'\sid="([^"]+)"')


class ContentError(RuntimeError):
    """Content with errors: the site must not start. str() lists every problem, one per line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class _Part:
    """A rendered module section, intro or card body, before its links are resolved."""

    source: SourceFile
    id: str
    title: str
    piece: Piece
    line: int

    @cached_property
    def anchors(self) -> frozenset[str]:
        return frozenset({self.id, *ANCHOR.findall(self.piece.html)})


@dataclass
class _Draft:
    kind: str  # "module" or "card"
    slug: str
    files: dict[str, SourceFile] = field(default_factory=dict)
    parts: dict[str, list[_Part]] = field(default_factory=dict)  # locale -> intro + sections


@dataclass(frozen=True)
class LoadResult:
    catalogue: Catalogue
    problems: tuple[Problem, ...]
    rendered: int
    cached: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]


def _label(root: Path, path: Path) -> str:
    return str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)


def _read(root: Path, folder: str, specs, problems: list[Problem]) -> list[SourceFile]:
    files = []
    for path in sorted((root / folder).glob("*.md")):
        source = sources.read_source(path, _label(root, path), problems)
        if source and sources.check_fields(source, specs, problems):
            files.append(source)
    return files


def _module_parts(source: SourceFile, renderer: Renderer, problems: list[Problem]) -> list[_Part]:
    intro, raw_sections = sources.split_sections(source)
    problems.extend(sources.heading_problems(source))
    if not raw_sections:
        problems.append(Problem(source.label, source.body_line, "a module needs at least one '##' "
                                                                "section"))
    parts = [_Part(source, "", "", renderer.render(intro), source.body_line)]
    seen: set[str] = set()
    for raw in raw_sections:
        if raw.id is None:
            problems.append(Problem(source.label, raw.line, "this section needs a permanent id, "
                                                            "e.g. '## Title {#my-id}'"))
        elif raw.id in seen:
            problems.append(Problem(source.label, raw.line, f"section id '{raw.id}' is used twice"))
        seen.add(raw.id or "")
        parts.append(_Part(source, raw.id or slugify(raw.title), raw.title,
                           renderer.render(raw.markdown), raw.line))
    return parts


def _drafts(files: list[SourceFile], kind: str, render, problems: list[Problem]) -> dict:
    drafts: dict[str, _Draft] = {}
    for source in files:
        draft = drafts.setdefault(source.slug, _Draft(kind, source.slug))
        draft.files[source.locale] = source
        draft.parts[source.locale] = render(source, problems)
    for draft in drafts.values():
        _check_locales(draft, problems)
    return drafts


def _check_locales(draft: _Draft, problems: list[Problem]) -> None:
    first = next(iter(draft.files.values()))
    for locale in LOCALES:
        if locale not in draft.files:
            problems.append(Problem(first.label, 1, f"the {locale} translation "
                                                    f"({draft.slug}.{locale}.md) is missing",
                                    warning=True))
    if len(draft.files) < 2:
        return
    da, en = draft.files["da"], draft.files["en"]
    for name in SHARED_FIELDS[draft.kind]:
        if da.meta.get(name) != en.meta.get(name):
            problems.append(Problem(en.label, en.field_lines.get(name, 2),
                                    f"'{name}' differs from {da.label}"))
    if draft.kind != "module":
        return
    ids = {locale: [part.id for part in parts[1:]] for locale, parts in draft.parts.items()}
    if ids["da"] != ids["en"]:
        problems.append(Problem(en.label, en.body_line, f"section ids {ids['en']} differ from "
                                                        f"{ids['da']} in {da.label}"))


def _module_text(draft: _Draft, locale: str, resolved: dict) -> ModuleText:
    source, parts = draft.files[locale], draft.parts[locale]
    sections = tuple(Section(p.id, p.title, resolved[id(p)], plain_text(resolved[id(p)]),
                             p.anchors) for p in parts[1:])
    changes = tuple(Change(Version.parse(str(c["version"])), c["summary"])
                    for c in source.meta.get("changes", []))
    return ModuleText(locale, source.meta["title"], source.meta["summary"],
                      resolved[id(parts[0])], sections, changes)


def _module(draft: _Draft, resolved: dict) -> CourseModule:
    meta = next(iter(draft.files.values())).meta
    return CourseModule(
        slug=draft.slug, version=Version.parse(meta["version"]), minutes=meta["minutes"],
        reviewed=meta["reviewed"], audience=tuple(meta["audience"]),
        prerequisites=tuple(meta.get("prerequisites", [])),
        legal_references=tuple(meta.get("legal_references", [])), tags=tuple(meta.get("tags", [])),
        quiz=meta.get("quiz"), reference_cards=tuple(meta.get("reference_cards", [])),
        texts=MappingProxyType({locale: _module_text(draft, locale, resolved)
                                for locale in LOCALES if locale in draft.files}))


def _card(draft: _Draft, resolved: dict) -> ReferenceCard:
    meta = next(iter(draft.files.values())).meta
    texts = {}
    for locale in LOCALES:
        if locale in draft.files:
            html = resolved[id(draft.parts[locale][0])]
            source = draft.files[locale]
            texts[locale] = CardText(locale, source.meta["title"], source.meta["summary"],
                                     html, plain_text(html))
    return ReferenceCard(draft.slug, Version.parse(meta["version"]), meta["reviewed"],
                         meta.get("module"), MappingProxyType(texts))


def _card_parts(source: SourceFile, renderer: Renderer, problems: list[Problem]) -> list[_Part]:
    problems.extend(sources.heading_problems(source))
    return [_Part(source, "", "", renderer.render(source.body), source.body_line)]


def load(root: Path, cache_dir: Path | None = None) -> LoadResult:
    """Read, check and render the content folder root. Never raises for bad content: see problems."""
    problems: list[Problem] = []
    renderer = Renderer(cache_dir)
    if not root.is_dir():
        problems.append(Problem(str(root), 1, "the content folder does not exist"))
        return LoadResult(Catalogue(), tuple(problems), 0, 0)
    modules = _drafts(_read(root, "modules", sources.MODULE_FIELDS, problems), "module",
                      lambda s, p: _module_parts(s, renderer, p), problems)
    cards = _drafts(_read(root, "reference", sources.CARD_FIELDS, problems), "card",
                    lambda s, p: _card_parts(s, renderer, p), problems)
    linker = Linker(root, modules, cards, problems)
    resolved = {}
    for draft in [*modules.values(), *cards.values()]:
        for parts in draft.parts.values():
            for part in parts:
                targets = linker.resolve(draft, part, part.piece.links)
                resolved[id(part)] = resolve_links(part.piece.html, targets)
    paths = load_paths(root, set(modules), problems)
    catalogue = Catalogue(MappingProxyType({s: _module(d, resolved) for s, d in modules.items()}),
                          MappingProxyType({s: _card(d, resolved) for s, d in cards.items()}),
                          paths)
    _check_references(root, catalogue, modules, cards, problems)
    return LoadResult(catalogue, tuple(problems), renderer.rendered, renderer.cached)


def _check_references(root, catalogue: Catalogue, modules: dict, cards: dict, problems) -> None:
    for slug, module in catalogue.modules.items():
        source = next(iter(modules[slug].files.values()))
        line = source.field_lines.get
        for prerequisite in module.prerequisites:
            if prerequisite not in catalogue.modules:
                problems.append(Problem(source.label, line("prerequisites", 2),
                                        f"unknown prerequisite '{prerequisite}'"))
        for card in module.reference_cards:
            if card not in catalogue.cards:
                problems.append(Problem(source.label, line("reference_cards", 2),
                                        f"unknown reference card '{card}'"))
        if module.quiz and not (root / "quizzes" / f"{module.quiz}.yaml").exists():
            problems.append(Problem(source.label, line("quiz", 2),
                                    f"unknown quiz '{module.quiz}' (no quizzes/{module.quiz}.yaml)"))
    for slug, card in catalogue.cards.items():
        if card.module and card.module not in catalogue.modules:
            source = next(iter(cards[slug].files.values()))
            problems.append(Problem(source.label, source.field_lines.get("module", 2),
                                    f"unknown module '{card.module}'"))
    for cycle in _prerequisite_cycles(catalogue):
        source = next(iter(modules[cycle[0]].files.values()))
        problems.append(Problem(source.label, source.field_lines.get("prerequisites", 2),
                                "prerequisite cycle: " + " → ".join([*cycle, cycle[0]])))


def _prerequisite_cycles(catalogue: Catalogue) -> list[list[str]]:
    cycles, state = [], {}

    def visit(slug: str, trail: list[str]) -> None:
        state[slug] = "open"
        for nxt in catalogue.modules[slug].prerequisites:
            if nxt not in catalogue.modules:
                continue
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[slug] = "done"

    for slug in catalogue.modules:
        if slug not in state:
            visit(slug, [slug])
    return cycles

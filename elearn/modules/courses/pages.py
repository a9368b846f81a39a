"""What the course pages show, as finished values: titles, statuses, percentages, addresses."""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import url_for
from flask_babel import lazy_gettext as _l

from elearn.modules.courses.catalogue import Catalogue, Change, CourseModule, ReferenceCard
from elearn.modules.progress import services as progress
from elearn.modules.progress.services import ModuleState, Status

STATUS_LABELS = {
    Status.NOT_STARTED: _l("Not started"), Status.IN_PROGRESS: _l("In progress"),
    Status.COMPLETED: _l("Completed"), Status.UPDATED: _l("Completed – updated since"),
    Status.OUTDATED: _l("Outdated – read it again"),
}
AUDIENCE_LABELS = {
    "recruit": _l("Police recruits"), "servicecenter": _l("Servicecenter staff"),
    "patrol": _l("Patrol officers"), "investigation": _l("Investigators"),
    "key-officer": _l("Key officers"), "coordinator": _l("Coordinators"),
}


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    done: bool = False


@dataclass(frozen=True)
class ModuleItem:
    slug: str
    title: str
    summary: str
    minutes: int
    url: str
    status: str
    status_label: object
    percent: int
    translated: bool
    quiz_missing: bool = False


@dataclass(frozen=True)
class Group:
    title: object
    description: str
    items: tuple[ModuleItem, ...]
    slug: str = ""  # the learning path's (its page shows the path's certification)


def _item(module: CourseModule, state: ModuleState, locale: str) -> ModuleItem:
    text = module.text(locale)
    return ModuleItem(module.slug, text.title, text.summary, module.minutes,
                      url_for("courses.module", slug=module.slug), state.status.value,
                      STATUS_LABELS[state.status], state.percent, module.is_translated(locale),
                      state.quiz_missing)


def catalogue_groups(catalogue: Catalogue, user_id: int, locale: str) -> list[Group]:
    """The modules grouped by learning path, then the ones in no path, with the learner's status."""
    states = progress.states(user_id, list(catalogue.modules.values()))
    groups, placed = [], set()
    for path in catalogue.paths:
        items = tuple(_item(catalogue.modules[s], states[s], locale) for s in path.modules)
        placed.update(path.modules)
        groups.append(Group(path.title(locale), path.description(locale), items, path.slug))
    rest = tuple(_item(m, states[m.slug], locale) for m in catalogue.modules.values()
                 if m.slug not in placed)
    if rest:
        groups.append(Group(_l("Other modules"), "", rest))
    return groups


@dataclass(frozen=True)
class ModulePage:
    slug: str
    title: str
    summary: str
    intro: object
    minutes: int
    audience: tuple
    legal_references: tuple[str, ...]
    translated: bool
    status: str
    status_label: object
    percent: int
    sections: tuple[Link, ...]
    continue_url: str
    continue_label: object
    prerequisites: tuple[Link, ...]
    unmet_prerequisites: tuple[Link, ...]
    cards: tuple[Link, ...]
    changes: tuple[Change, ...]
    previous: Link | None
    next: Link | None
    sections_read: int = 0
    quiz_url: str | None = None
    quiz_passed: bool = False


def _neighbours(catalogue: Catalogue, module: CourseModule, locale: str):
    """The previous and next module in the first learning path that holds this one."""
    for path in catalogue.paths:
        if module.slug in path.modules:
            index = path.modules.index(module.slug)
            around = [path.modules[i] if 0 <= i < len(path.modules) else None
                      for i in (index - 1, index + 1)]
            return [Link(catalogue.modules[s].text(locale).title,
                         url_for("courses.module", slug=s)) if s else None for s in around]
    return [None, None]


def _continue(module: CourseModule, state: ModuleState):
    if not state.sections_read and not state.done:
        label = _l("Start reading")
    elif state.done:
        label = _l("Read it again")
    else:
        label = _l("Continue where you left off")
    section = progress.resume_section(module, state)
    return url_for("courses.section", slug=module.slug, section_id=section), label


def module_page(catalogue: Catalogue, module: CourseModule, user_id: int, locale: str) -> ModulePage:
    text = module.text(locale)
    known = [catalogue.modules[s] for s in module.prerequisites if s in catalogue.modules]
    states = progress.states(user_id, [module, *known])
    state = states[module.slug]
    prerequisites = tuple(Link(m.text(locale).title, url_for("courses.module", slug=m.slug),
                               states[m.slug].done) for m in known)
    changes = ()
    if state.status in (Status.OUTDATED, Status.UPDATED) and state.completed_version:
        changes = tuple(c for c in text.changes if c.version > state.completed_version)
    continue_url, continue_label = _continue(module, state)
    previous, following = _neighbours(catalogue, module, locale)
    return ModulePage(
        module.slug, text.title, text.summary, text.intro, module.minutes,
        tuple(AUDIENCE_LABELS[a] for a in module.audience), module.legal_references,
        module.is_translated(locale), state.status.value, STATUS_LABELS[state.status],
        state.percent,
        tuple(Link(s.title, url_for("courses.section", slug=module.slug, section_id=s.id),
                   s.id in state.sections_read) for s in text.sections),
        continue_url, continue_label, prerequisites, tuple(p for p in prerequisites if not p.done),
        tuple(Link(c.text(locale).title, url_for("courses.card", slug=c.slug))
              for c in catalogue.cards_for(module)),
        changes, previous, following, len(state.sections_read),
        url_for("quizzes.quiz", slug=module.quiz) if module.quiz else None,
        state.quiz_passed or state.done)


@dataclass(frozen=True)
class SectionPage:
    module_title: str
    module_url: str
    title: str
    html: object
    number: int
    total: int
    read: bool
    percent: int
    translated: bool
    read_url: str
    previous: Link | None
    next: Link | None


def next_section(module: CourseModule, section_id: str) -> str | None:
    ids = module.section_ids
    index = ids.index(section_id)
    return ids[index + 1] if index + 1 < len(ids) else None


def _section_frame(catalogue: Catalogue, module: CourseModule, section_id: str,
                   locale: str) -> SectionPage | None:
    """Everything a section page shows except the learner's own progress; the same for everyone,
    so it is built once per catalogue, module, section and language."""
    key = ("section", module.slug, section_id, locale)
    if key in catalogue.memo:
        return catalogue.memo[key]
    section = module.section(locale, section_id)
    frame = None
    if section is not None:
        sections = module.text(locale).sections
        index = module.section_ids.index(section_id)

        def link(i: int) -> Link | None:
            if 0 <= i < len(sections):
                return Link(sections[i].title, url_for("courses.section", slug=module.slug,
                                                       section_id=sections[i].id))
            return None

        frame = SectionPage(
            module.text(locale).title, url_for("courses.module", slug=module.slug), section.title,
            section.html, index + 1, len(sections), False, 0, module.is_translated(locale),
            url_for("courses.mark_read", slug=module.slug, section_id=section_id),
            link(index - 1), link(index + 1))
    catalogue.memo[key] = frame
    return frame


def section_page(catalogue: Catalogue, module: CourseModule, section_id: str, user_id: int,
                 locale: str) -> SectionPage | None:
    frame = _section_frame(catalogue, module, section_id, locale)
    if frame is None:
        return None
    read = progress.sections_read(user_id, module)
    return replace(frame, read=section_id in read, percent=round(100 * len(read) / frame.total))


@dataclass(frozen=True)
class CardPage:
    slug: str
    title: str
    summary: str
    html: object
    translated: bool
    reviewed: object
    version: str
    module: Link | None


def card_page(catalogue: Catalogue, card: ReferenceCard, locale: str) -> CardPage:
    text = card.text(locale)
    module = catalogue.module(card.module) if card.module else None
    return CardPage(card.slug, text.title, text.summary, text.html, card.is_translated(locale),
                    card.reviewed, str(card.version),
                    Link(module.text(locale).title, url_for("courses.module", slug=module.slug))
                    if module else None)


def card_list(catalogue: Catalogue, locale: str) -> list[Link]:
    return sorted((Link(c.text(locale).title, url_for("courses.card", slug=c.slug))
                   for c in catalogue.cards.values()), key=lambda link: link.title.casefold())


def resume_links(catalogue: Catalogue, user_id: int, locale: str) -> list[Link]:
    """Where the learner left off: up to three unfinished modules, most recently started first,
    each linking to its next unread section."""
    modules = [catalogue.modules[s] for s in progress.modules_in_progress(user_id)
               if s in catalogue.modules]
    states = progress.states(user_id, modules)
    unfinished = [m for m in modules if not states[m.slug].done][:3]
    return [Link(m.text(locale).title,
                 url_for("courses.section", slug=m.slug,
                         section_id=progress.resume_section(m, states[m.slug])))
            for m in unfinished]

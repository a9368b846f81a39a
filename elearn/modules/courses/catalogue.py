"""The course as frozen objects, built once at start-up from content/ (see loader.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from markupsafe import Markup

LOCALES = ("da", "en")
AUDIENCES = ("recruit", "servicecenter", "patrol", "investigation", "key-officer", "coordinator")
MODULE_URL = "/modules/{slug}"
SECTION_URL = "/modules/{slug}/{section}"
CARD_URL = "/reference/{slug}"
MEDIA_URL = "/content/media/{path}"


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        major, minor = str(text).split(".")
        return cls(int(major), int(minor))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Change:
    version: Version
    summary: str


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    html: Markup
    text: str  # plain text, for search
    anchors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ModuleText:
    locale: str
    title: str
    summary: str
    intro: Markup
    sections: tuple[Section, ...]
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class CourseModule:
    slug: str
    version: Version
    minutes: int
    reviewed: date
    audience: tuple[str, ...]
    prerequisites: tuple[str, ...]
    legal_references: tuple[str, ...]
    tags: tuple[str, ...]
    quiz: str | None
    reference_cards: tuple[str, ...]
    texts: MappingProxyType  # locale -> ModuleText

    def text(self, locale: str) -> ModuleText:
        """The text in locale, else in the other language (check `is_translated`)."""
        return self.texts.get(locale) or next(iter(self.texts.values()))

    def is_translated(self, locale: str) -> bool:
        return locale in self.texts

    @property
    def section_ids(self) -> tuple[str, ...]:
        return tuple(section.id for section in next(iter(self.texts.values())).sections)

    def section(self, locale: str, section_id: str) -> Section | None:
        return next((s for s in self.text(locale).sections if s.id == section_id), None)


@dataclass(frozen=True)
class CardText:
    locale: str
    title: str
    summary: str
    html: Markup
    text: str


@dataclass(frozen=True)
class ReferenceCard:
    slug: str
    version: Version
    reviewed: date
    module: str | None
    texts: MappingProxyType

    def text(self, locale: str) -> CardText:
        return self.texts.get(locale) or next(iter(self.texts.values()))

    def is_translated(self, locale: str) -> bool:
        return locale in self.texts


@dataclass(frozen=True)
class Renewal:
    """What renewing a certificate needs besides the path's modules at their current major version."""

    refreshers: tuple[str, ...] = ()  # quizzes whose refresher must be passed ...
    within_months: int = 6  # ... within this many months before renewal
    grace_months: int = 12  # after expiry + this, the first-award rules apply again


@dataclass(frozen=True)
class CertificationRules:
    """A path's certification: the path's modules (current major version, quiz passed), these
    workshops attended, valid for validity_months, renewed by the renewal rule."""

    validity_months: int
    workshops: tuple[str, ...] = ()
    renewal: Renewal = Renewal()
    reminders_days: tuple[int, ...] = (90, 30, 7)  # largest first
    directory: bool = False  # holders are listed in the key-officer directory
    line: int = 1  # where the block starts in paths.yaml (for cross-checks)


@dataclass(frozen=True)
class LearningPath:
    slug: str
    titles: MappingProxyType
    descriptions: MappingProxyType
    audience: tuple[str, ...]
    modules: tuple[str, ...]
    certification: CertificationRules | None = None

    def title(self, locale: str) -> str:
        return self.titles.get(locale) or next(iter(self.titles.values()))

    def description(self, locale: str) -> str:
        return self.descriptions.get(locale, "")


@dataclass(frozen=True)
class Catalogue:
    modules: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    cards: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    paths: tuple[LearningPath, ...] = ()
    #: Page parts derived from this catalogue, built on first use (see courses/pages.py).
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def module(self, slug: str) -> CourseModule | None:
        return self.modules.get(slug)

    def card(self, slug: str) -> ReferenceCard | None:
        return self.cards.get(slug)

    def path(self, slug: str | None) -> LearningPath | None:
        return next((path for path in self.paths if path.slug == slug), None)

    def cards_for(self, module: CourseModule) -> list[ReferenceCard]:
        slugs = dict.fromkeys([*module.reference_cards,
                               *(c.slug for c in self.cards.values() if c.module == module.slug)])
        return [self.cards[slug] for slug in slugs if slug in self.cards]

"""Who is certified, from evidence and rules alone: pure functions with no Flask and no database.

`assess(path_modules, rules, evidence, now)` lists each requirement with its state and the verdict;
`award_state(...)` tells valid / expiring soon / expired / revoked from dates.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from elearn.modules.courses.catalogue import CertificationRules


class Kind(enum.StrEnum):
    MODULE = "module"  # completed at the current major version (its quiz passed, if it has one)
    WORKSHOP = "workshop"  # attended
    REFRESHER = "refresher"  # a refresher of the quiz passed within the renewal window


class State(enum.StrEnum):
    MET = "met"
    PENDING = "pending"  # not met, but on its way (registered for a session)
    NOT_MET = "not-met"


class Verdict(enum.StrEnum):
    NOT_ELIGIBLE = "not-eligible"  # no certificate; something is missing
    ELIGIBLE = "eligible"  # no certificate yet; everything is met: it is issued now
    CERTIFIED = "certified"  # valid, renewal not open yet
    RENEWAL_DUE = "renewal-due"  # renewal open (expiring soon or expired); something is missing
    RENEWABLE = "renewable"  # renewal open and everything is met: it is renewed now
    REVOKED = "revoked"  # revoked by a coordinator; never issued again automatically


class AwardState(enum.StrEnum):
    VALID = "valid"
    EXPIRING = "expiring"  # within the first reminder's window
    EXPIRED = "expired"
    REVOKED = "revoked"


@dataclass(frozen=True)
class ModuleEvidence:
    done: bool  # completed at the current major version (quiz passed when it has one)
    quiz: str | None = None  # the module's quiz, if any
    best_score: float | None = None  # 0..1, best passing graded score at the current major version
    pass_mark: int | None = None  # percent, of that attempt
    completed_at: datetime | None = None


@dataclass(frozen=True)
class AwardEvidence:
    revision: int
    valid_from: datetime  # when the current revision was issued
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Evidence:
    """Everything about one learner that certification rules look at (gathered by services.evidence)."""

    modules: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # slug -> ModuleEvidence
    attended: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # workshop -> start
    registered: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # -> next start
    refreshers: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))  # quiz -> last pass
    award: AwardEvidence | None = None


@dataclass(frozen=True)
class Requirement:
    kind: Kind
    subject: str  # module, workshop or quiz slug
    state: State
    score: float | None = None  # 0..1 (modules with a quiz)
    pass_mark: int | None = None  # percent
    on: datetime | None = None  # completed / attended / registered for / refreshed

    @property
    def met(self) -> bool:
        return self.state is State.MET


@dataclass(frozen=True)
class Assessment:
    verdict: Verdict
    requirements: tuple[Requirement, ...]
    expires_at: datetime | None = None  # of the award held, or of the one issued/renewed now
    renewal_opens: datetime | None = None

    @property
    def issue_now(self) -> bool:
        return self.verdict in (Verdict.ELIGIBLE, Verdict.RENEWABLE)


def add_months(moment: datetime, months: int) -> datetime:
    """moment plus whole months, on the same day (the month's last day when it has fewer)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def renewal_opens(rules: CertificationRules, expires_at: datetime) -> datetime:
    """Renewal opens with the first reminder (or 90 days before expiry without reminders)."""
    days = rules.reminders_days[0] if rules.reminders_days else 90
    return expires_at - timedelta(days=days)


def award_state(rules: CertificationRules, expires_at: datetime, revoked_at: datetime | None,
                now: datetime) -> AwardState:
    if revoked_at is not None:
        return AwardState.REVOKED
    if now >= expires_at:
        return AwardState.EXPIRED
    if now >= renewal_opens(rules, expires_at):
        return AwardState.EXPIRING
    return AwardState.VALID


def _modules(path_modules: tuple[str, ...], evidence: Evidence) -> list[Requirement]:
    result = []
    for slug in path_modules:
        module = evidence.modules.get(slug) or ModuleEvidence(done=False)
        result.append(Requirement(Kind.MODULE, slug, State.MET if module.done else State.NOT_MET,
                                  module.best_score, module.pass_mark, module.completed_at))
    return result


def _workshops(rules: CertificationRules, evidence: Evidence) -> list[Requirement]:
    result = []
    for slug in rules.workshops:
        if slug in evidence.attended:
            result.append(Requirement(Kind.WORKSHOP, slug, State.MET, on=evidence.attended[slug]))
        elif slug in evidence.registered:
            result.append(Requirement(Kind.WORKSHOP, slug, State.PENDING,
                                      on=evidence.registered[slug]))
        else:
            result.append(Requirement(Kind.WORKSHOP, slug, State.NOT_MET))
    return result


def _refreshers(rules: CertificationRules, evidence: Evidence, now: datetime) -> list[Requirement]:
    """A refresher counts when passed within the window and after the current revision was issued
    (so one refresher renews once)."""
    since = add_months(now, -rules.renewal.within_months)
    if evidence.award is not None:
        since = max(since, evidence.award.valid_from)
    result = []
    for slug in rules.renewal.refreshers:
        passed = evidence.refreshers.get(slug)
        state = State.MET if passed is not None and passed >= since else State.NOT_MET
        result.append(Requirement(Kind.REFRESHER, slug, state, on=passed))
    return result


def assess(path_modules: tuple[str, ...], rules: CertificationRules, evidence: Evidence,
           now: datetime) -> Assessment:
    """Each requirement with its state, and the verdict.

    First award: the path's modules and the workshops. Renewal (open from the first reminder until
    any time after expiry): the modules at their current major version (so changed modules must be
    revisited) and the refreshers; workshops count once. A renewal extends from the old expiry when
    it comes in time, else from now.
    """
    award = evidence.award
    if award is None:
        requirements = tuple(_modules(path_modules, evidence) + _workshops(rules, evidence))
        met = all(r.met for r in requirements)
        return Assessment(Verdict.ELIGIBLE if met else Verdict.NOT_ELIGIBLE, requirements,
                          add_months(now, rules.validity_months) if met else None)
    if award.revoked_at is not None:
        return Assessment(Verdict.REVOKED, (), award.expires_at)
    opens = renewal_opens(rules, award.expires_at)
    requirements = tuple(_modules(path_modules, evidence) + _refreshers(rules, evidence, now))
    if now < opens:
        return Assessment(Verdict.CERTIFIED, requirements, award.expires_at, opens)
    if all(r.met for r in requirements):
        start = max(award.expires_at, now)
        return Assessment(Verdict.RENEWABLE, requirements,
                          add_months(start, rules.validity_months), opens)
    return Assessment(Verdict.RENEWAL_DUE, requirements, award.expires_at, opens)


def due_reminders(rules: CertificationRules, expires_at: datetime, now: datetime) -> tuple[int, ...]:
    """The reminders (days before expiry) whose time has come for an award still valid, largest
    first; the last one is the one worth sending now."""
    if now >= expires_at:
        return ()
    return tuple(days for days in rules.reminders_days if now >= expires_at - timedelta(days=days))

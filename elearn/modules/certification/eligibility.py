"""Who is certified, from evidence and rules alone: pure functions with no Flask and no database.

`assess(path_modules, rules, evidence, now)` lists each requirement with its state and the verdict;
`award_state(...)` tells valid / expiring soon / expired / revoked from dates.

A certificate is valid through the end of the date printed on it ("valid until 1 March 2027", a
Copenhagen date): `expires_at` is stored as 00:00 Europe/Copenhagen of the day after (as naive UTC),
so /verify never says expired on the printed day. Reminders and "days left" count Copenhagen
calendar days, so a change to or from summer time moves nothing by an hour.
"""

from __future__ import annotations

import calendar
import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

from elearn.modules.courses.catalogue import CertificationRules

LOCAL = ZoneInfo("Europe/Copenhagen")


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


def add_months(moment, months: int):
    """moment (a date or datetime) plus whole months, on the same day (the month's last day when it
    has fewer)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    return moment.replace(year=year, month=month,
                          day=min(moment.day, calendar.monthrange(year, month)[1]))


def local_date(moment: datetime) -> date:
    """The Copenhagen calendar date of a naive-UTC moment."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL).date()


def local_midnight(day: date) -> datetime:
    """00:00 Copenhagen time on day, as naive UTC."""
    return datetime.combine(day, time(), tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def expiry_after(last_day: date) -> datetime:
    """The moment a certificate valid through last_day (a Copenhagen date) expires."""
    return local_midnight(last_day + timedelta(days=1))


def valid_until(expires_at: datetime) -> date:
    """The last Copenhagen date on which a certificate expiring at expires_at is valid (the date
    printed on it)."""
    return local_date(expires_at - timedelta(microseconds=1))


def days_left(expires_at: datetime, now: datetime) -> int:
    """Copenhagen calendar days from today until the day the certificate is no longer valid (1 on
    its last valid day)."""
    return (local_date(expires_at) - local_date(now)).days


def first_expiry(rules: CertificationRules, now: datetime) -> datetime:
    """Expiry of a certificate issued now: valid through today's Copenhagen date + validity."""
    return expiry_after(add_months(local_date(now), rules.validity_months))


def renewed_expiry(rules: CertificationRules, expires_at: datetime, now: datetime) -> datetime:
    """Expiry after a renewal: the printed date moves on by the validity, from the old printed
    date when renewed in time, else from today."""
    last_day = valid_until(expires_at) if now < expires_at else local_date(now)
    return expiry_after(add_months(last_day, rules.validity_months))


def lapsed(rules: CertificationRules, expires_at: datetime, now: datetime) -> bool:
    """Expired longer than the renewal's grace: the first-award rules apply again."""
    return local_date(now) > add_months(valid_until(expires_at), rules.renewal.grace_months)


def renewal_opens(rules: CertificationRules, expires_at: datetime) -> datetime:
    """Renewal opens with the first reminder (or 90 days before expiry without reminders), at
    Copenhagen midnight."""
    days = rules.reminders_days[0] if rules.reminders_days else 90
    return local_midnight(local_date(expires_at) - timedelta(days=days))


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


def _workshops(rules: CertificationRules, evidence: Evidence,
               since: datetime | None = None) -> list[Requirement]:
    """Each workshop attended (after since, when given), else registered for, else missing."""
    result = []
    for slug in rules.workshops:
        if slug in evidence.attended and (since is None or evidence.attended[slug] >= since):
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
    renewal.grace_months after expiry): the modules at their current major version (so changed
    modules must be revisited) and the refreshers; workshops count once. A renewal extends from the
    old expiry when it comes in time, else from now. Lapsed beyond the grace: the first-award rules
    again, with the workshops attended anew (since the current revision) and the refreshers (so
    there is always fresh evidence), renewed from now.
    """
    award = evidence.award
    if award is None:
        requirements = tuple(_modules(path_modules, evidence) + _workshops(rules, evidence))
        met = all(r.met for r in requirements)
        return Assessment(Verdict.ELIGIBLE if met else Verdict.NOT_ELIGIBLE, requirements,
                          first_expiry(rules, now) if met else None)
    if award.revoked_at is not None:
        return Assessment(Verdict.REVOKED, (), award.expires_at)
    opens = renewal_opens(rules, award.expires_at)
    if lapsed(rules, award.expires_at, now):
        requirements = tuple(_modules(path_modules, evidence)
                             + _workshops(rules, evidence, since=award.valid_from)
                             + _refreshers(rules, evidence, now))
        if all(r.met for r in requirements):
            return Assessment(Verdict.RENEWABLE, requirements, first_expiry(rules, now), opens)
        return Assessment(Verdict.RENEWAL_DUE, requirements, award.expires_at, opens)
    requirements = tuple(_modules(path_modules, evidence) + _refreshers(rules, evidence, now))
    if now < opens:
        return Assessment(Verdict.CERTIFIED, requirements, award.expires_at, opens)
    if all(r.met for r in requirements):
        return Assessment(Verdict.RENEWABLE, requirements,
                          renewed_expiry(rules, award.expires_at, now), opens)
    return Assessment(Verdict.RENEWAL_DUE, requirements, award.expires_at, opens)


def due_reminders(rules: CertificationRules, expires_at: datetime, now: datetime) -> tuple[int, ...]:
    """The reminders (days before expiry) whose time has come for an award still valid, largest
    first; the last one is the one worth sending now."""
    if now >= expires_at:
        return ()
    left = days_left(expires_at, now)
    return tuple(days for days in rules.reminders_days if left <= days)

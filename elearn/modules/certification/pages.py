"""What the certification pages show, as finished values: requirement lines, states, dates, links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from elearn.modules.certification import documents, services
from elearn.modules.certification.eligibility import (
    Assessment,
    AwardState,
    Kind,
    Requirement,
    State,
    Verdict,
    award_state,
    days_left,
    valid_until,
)
from elearn.modules.certification.models import CertificateAward
from elearn.modules.courses.catalogue import CertificationRules, LearningPath
from elearn.modules.courses.pages import STATUS_LABELS
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.quizzes.pages import percent
from elearn.modules.quizzes.services import quiz_bank
from elearn.modules.workshops.loader import workshops

STATE_LABELS = {State.MET: _l("met"), State.PENDING: _l("on its way"), State.NOT_MET: _l("not met")}
STATE_SYMBOLS = {State.MET: "✓", State.PENDING: "…", State.NOT_MET: "✗"}
VERDICT_LABELS = {
    Verdict.NOT_ELIGIBLE: _l("Not certified yet: the requirements below are not all met."),
    Verdict.ELIGIBLE: _l("Every requirement is met: the certificate is being issued."),
    Verdict.CERTIFIED: _l("Certified."),
    Verdict.RENEWAL_DUE: _l("Renewal is open: meet the requirements below to renew the "
                            "certificate."),
    Verdict.RENEWABLE: _l("Every renewal requirement is met: the certificate is being renewed."),
    Verdict.REVOKED: _l("The certificate was revoked. Ask your training coordinator."),
}
AWARD_STATE_LABELS = {AwardState.VALID: _l("Valid"), AwardState.EXPIRING: _l("Expiring soon"),
                      AwardState.EXPIRED: _l("Expired"), AwardState.REVOKED: _l("Revoked")}
REASON_LABELS = {"issued": _l("Issued"), "renewed": _l("Renewed")}


def day(moment: datetime | None) -> str:
    """The date in the user's language and Copenhagen time ('27. november 2026')."""
    return format_date(moment, "long") if moment else ""


@dataclass(frozen=True)
class Line:
    text: str
    state: str
    state_label: object
    symbol: str
    url: str | None = None


def _module_line(requirement: Requirement, locale: str) -> Line:
    module = catalogue().module(requirement.subject)
    title = module.text(locale).title if module else requirement.subject
    if requirement.score is not None and requirement.met:
        text = _("%(title)s: quiz passed %(score)d%% ≥ %(mark)d%%", title=title,
                 score=percent(requirement.score), mark=requirement.pass_mark)
    elif requirement.met:
        text = _("%(title)s: completed", title=title)
    elif module and module.quiz:
        text = _("%(title)s: read every section and pass the quiz", title=title)
    else:
        text = _("%(title)s: read every section", title=title)
    return _line(text, requirement, url_for("courses.module", slug=requirement.subject)
                 if module else None)


def _workshop_line(requirement: Requirement, locale: str) -> Line:
    theme = workshops().get(requirement.subject)
    title = theme.text(locale).title if theme else requirement.subject
    if requirement.state is State.MET:
        text = _("%(title)s: attended on %(date)s", title=title, date=day(requirement.on))
    elif requirement.state is State.PENDING:
        text = _("%(title)s: not attended yet (registered for %(date)s)", title=title,
                 date=day(requirement.on))
    else:
        text = _("%(title)s: attend a session", title=title)
    return _line(text, requirement, url_for("workshops.index"))


def _refresher_line(requirement: Requirement, rules, locale: str) -> Line:
    quiz = quiz_bank().quiz(requirement.subject)
    title = str(quiz.title(locale)) if quiz else requirement.subject
    if requirement.met:
        text = _("Refresher of %(title)s passed on %(date)s", title=title, date=day(requirement.on))
    else:
        text = _("Pass a refresher of %(title)s (within %(months)d months before renewing)",
                 title=title, months=rules.renewal.within_months)
    return _line(text, requirement, url_for("quizzes.quiz", slug=requirement.subject)
                 if quiz else None)


def _line(text: str, requirement: Requirement, url: str | None) -> Line:
    return Line(text, requirement.state.value, STATE_LABELS[requirement.state],
                STATE_SYMBOLS[requirement.state], url)


def requirement_lines(path: LearningPath, result: Assessment, locale: str) -> list[Line]:
    lines = []
    for requirement in result.requirements:
        if requirement.kind is Kind.MODULE:
            lines.append(_module_line(requirement, locale))
        elif requirement.kind is Kind.WORKSHOP:
            lines.append(_workshop_line(requirement, locale))
        else:
            lines.append(_refresher_line(requirement, path.certification, locale))
    return lines


@dataclass(frozen=True)
class AwardSummary:
    number: str
    url: str
    pdf_url: str
    state: str
    state_label: object
    issued: str
    valid_from: str
    expires: str
    revoke_reason: str = ""


def award_summary(award: CertificateAward, path: LearningPath | None, now: datetime) -> AwardSummary:
    """The award's state and dates; an award whose path no longer certifies (taken out of the
    content) is valid by its dates alone."""
    rules = path.certification if path else CertificationRules(validity_months=1, reminders_days=(0,))
    state = award_state(rules, award.expires_at, award.revoked_at, now)
    return AwardSummary(award.number, url_for("certification.certificate", number=award.number),
                        url_for("certification.download", number=award.number),
                        state.value, AWARD_STATE_LABELS[state], day(award.issued_at),
                        day(award.valid_from), day(valid_until(award.expires_at)),
                        award.revoke_reason)


@dataclass(frozen=True)
class CertificationView:
    verdict: str
    verdict_label: object
    lines: tuple[Line, ...]
    award: AwardSummary | None
    validity_months: int
    renewal_opens: str
    renewing: bool  # the lines are the renewal requirements


def certification_view(user_id: int, path: LearningPath, locale: str, now: datetime):
    award = services.find_award(user_id, path.slug)
    result = services.assessment(user_id, path, now, award)
    return CertificationView(
        result.verdict.value, VERDICT_LABELS[result.verdict],
        tuple(requirement_lines(path, result, locale)),
        award_summary(award, path, now) if award else None, path.certification.validity_months,
        day(result.renewal_opens), award is not None)


@dataclass(frozen=True)
class ModuleLine:
    title: str
    url: str
    status: str
    status_label: object


@dataclass(frozen=True)
class PathPage:
    slug: str
    title: str
    description: str
    modules: tuple[ModuleLine, ...]
    certification: CertificationView | None


def path_page(user_id: int, path: LearningPath, locale: str, now: datetime) -> PathPage:
    modules = [catalogue().modules[slug] for slug in path.modules]
    states = progress.states(user_id, modules)
    lines = tuple(ModuleLine(m.text(locale).title, url_for("courses.module", slug=m.slug),
                             states[m.slug].status.value, STATUS_LABELS[states[m.slug].status])
                  for m in modules)
    return PathPage(path.slug, path.title(locale), path.description(locale), lines,
                    certification_view(user_id, path, locale, now) if path.certification else None)


@dataclass(frozen=True)
class DashboardCertificate:
    title: str
    path_url: str
    award: AwardSummary | None
    reminder: str  # what to do now, or ""


def _reminder(award: CertificateAward | None, summary: AwardSummary | None, now) -> str:
    if summary is None or summary.state == AwardState.VALID:
        return ""
    if summary.state == AwardState.REVOKED:
        return _("Revoked: %(reason)s", reason=award.revoke_reason)
    days = max(1, days_left(award.expires_at, now))
    if summary.state == AwardState.EXPIRED:
        return _("Expired on %(date)s. See what renewing needs.", date=summary.expires)
    return ngettext("Expires in %(num)d day, on %(date)s. See what renewing needs.",
                    "Expires in %(num)d days, on %(date)s. See what renewing needs.", days,
                    date=summary.expires)


def dashboard_certificates(user_id: int, locale: str, now: datetime) -> list[DashboardCertificate]:
    """The learner's certificates and the certifying paths they have started, with reminders."""
    started = services.started_modules(user_id)
    result = []
    for path in services.certifying_paths():
        award = services.find_award(user_id, path.slug)
        if award is None and not started.intersection(path.modules):
            continue
        summary = award_summary(award, path, now) if award else None
        result.append(DashboardCertificate(
            path.title(locale), url_for("certification.path", slug=path.slug), summary,
            _reminder(award, summary, now)))
    return result


def path_titles(locale: str) -> dict[str, str]:
    return {path.slug: path.title(locale) for path in catalogue().paths}


@dataclass(frozen=True)
class RevisionLine:
    number: int
    reason: object
    issued: str
    expires: str
    fingerprint: str
    pdf_url: str


@dataclass(frozen=True)
class CertificatePage:
    award_id: int
    holder: str
    unit: str
    path_title: str
    award: AwardSummary
    verify_url: str
    revisions: tuple[RevisionLine, ...]


def certificate_page(award: CertificateAward, locale: str, now: datetime) -> CertificatePage:
    """The certificate as the holder (or their coordinator) sees it, with its history."""
    path = services.path_of(award.path_slug)
    title = path.title(locale) if path else award.path_slug
    lines = tuple(RevisionLine(r.number, REASON_LABELS.get(r.reason, r.reason), day(r.issued_at),
                               day(valid_until(r.expires_at)), r.fingerprint,
                               url_for("certification.download", number=award.number,
                                       revision=r.number))
                  for r in services.revisions(award))
    return CertificatePage(award.id, award.user.name, award.user.unit.name if award.user.unit else "",
                           title, award_summary(award, path, now),
                           documents.verify_url(award.number), lines)


@dataclass(frozen=True)
class VerificationPage:
    number: str
    holder: str
    path_title: str
    state: str
    state_label: object
    issued: str
    valid_from: str
    expires: str
    revoked: str
    revisions: tuple[RevisionLine, ...]
    anonymised: bool = False  # the holder's personal data was removed: no name is shown


def verification_page(award: CertificateAward, locale: str, now: datetime) -> VerificationPage:
    """What anyone may read about a certificate: no unit, no reasons, no links to files."""
    page = certificate_page(award, locale, now)
    anonymised = award.user.anonymised_at is not None
    return VerificationPage(award.number, _("Holder anonymised") if anonymised else page.holder,
                            page.path_title, page.award.state, page.award.state_label, page.award.issued,
                            page.award.valid_from, page.award.expires, day(award.revoked_at),
                            page.revisions, anonymised)

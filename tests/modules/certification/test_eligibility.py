"""The eligibility rules as a pure function, over a table of learners' evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

import pytest

from elearn.modules.certification.eligibility import (
    AwardEvidence,
    AwardState,
    Evidence,
    Kind,
    ModuleEvidence,
    State,
    Verdict,
    add_months,
    assess,
    award_state,
    due_reminders,
)
from elearn.modules.courses.catalogue import CertificationRules, Renewal

NOW = datetime(2027, 3, 1, 12, 0)
MODULES = ("basics", "law")
RULES = CertificationRules(validity_months=24, workshops=("case-workshop",),
                           renewal=Renewal(("law",), 6), reminders_days=(90, 30, 7), directory=True)
DONE = {"basics": ModuleEvidence(True), "law": ModuleEvidence(True, "law", 0.86, 80)}
HALF = {"basics": ModuleEvidence(True), "law": ModuleEvidence(False, "law")}
ATTENDED = {"case-workshop": NOW - timedelta(days=30)}
REGISTERED = {"case-workshop": NOW + timedelta(days=74)}


def evidence(modules=None, attended=None, registered=None, refreshers=None, award=None):
    return Evidence(MappingProxyType(modules or {}), MappingProxyType(attended or {}),
                    MappingProxyType(registered or {}), MappingProxyType(refreshers or {}), award)


def held(expires_in: timedelta, valid_from=NOW - timedelta(days=600), revoked=False):
    return AwardEvidence(1, valid_from, NOW + expires_in, NOW - timedelta(days=1) if revoked else None)


CASES = [
    ("nothing yet", evidence(), Verdict.NOT_ELIGIBLE),
    ("modules done, no workshop", evidence(DONE), Verdict.NOT_ELIGIBLE),
    ("modules done, workshop booked", evidence(DONE, registered=REGISTERED), Verdict.NOT_ELIGIBLE),
    ("workshop attended, a module missing", evidence(HALF, ATTENDED), Verdict.NOT_ELIGIBLE),
    ("everything met", evidence(DONE, ATTENDED), Verdict.ELIGIBLE),
    ("certified, renewal not open", evidence(DONE, ATTENDED, award=held(timedelta(days=200))),
     Verdict.CERTIFIED),
    ("renewal open, no refresher", evidence(DONE, ATTENDED, award=held(timedelta(days=80))),
     Verdict.RENEWAL_DUE),
    ("renewal open, refresher too old", evidence(
        DONE, ATTENDED, refreshers={"law": NOW - timedelta(days=250)},
        award=held(timedelta(days=80))), Verdict.RENEWAL_DUE),
    ("renewal open, refresher before the current revision", evidence(
        DONE, ATTENDED, refreshers={"law": NOW - timedelta(days=20)},
        award=held(timedelta(days=80), valid_from=NOW - timedelta(days=10))), Verdict.RENEWAL_DUE),
    ("renewal open, refresher recent", evidence(
        DONE, ATTENDED, refreshers={"law": NOW - timedelta(days=20)},
        award=held(timedelta(days=80))), Verdict.RENEWABLE),
    ("expired, refresher recent", evidence(
        DONE, refreshers={"law": NOW - timedelta(days=20)}, award=held(-timedelta(days=5))),
     Verdict.RENEWABLE),
    ("renewal open, a module changed since", evidence(
        HALF, ATTENDED, refreshers={"law": NOW - timedelta(days=20)},
        award=held(timedelta(days=80))), Verdict.RENEWAL_DUE),
    ("revoked", evidence(DONE, ATTENDED, award=held(timedelta(days=200), revoked=True)),
     Verdict.REVOKED),
]


@pytest.mark.parametrize(("case", "given", "verdict"), CASES, ids=[c[0] for c in CASES])
def test_the_verdict_follows_the_evidence(case, given, verdict):
    assert assess(MODULES, RULES, given, NOW).verdict is verdict


def test_each_requirement_is_listed_with_its_state_and_details():
    result = assess(MODULES, RULES, evidence(DONE, registered=REGISTERED), NOW)
    module, quiz, workshop = result.requirements
    assert (module.kind, module.subject, module.state) == (Kind.MODULE, "basics", State.MET)
    assert (quiz.score, quiz.pass_mark, quiz.state) == (0.86, 80, State.MET)
    assert (workshop.kind, workshop.state, workshop.on) == (Kind.WORKSHOP, State.PENDING,
                                                            REGISTERED["case-workshop"])


def test_a_first_award_runs_for_the_validity_from_now():
    assert assess(MODULES, RULES, evidence(DONE, ATTENDED), NOW).expires_at == datetime(2029, 3, 1, 12)


def test_renewal_in_time_extends_from_the_old_expiry_and_late_renewal_from_now():
    refreshed = {"law": NOW - timedelta(days=1)}
    early = assess(MODULES, RULES, evidence(DONE, refreshers=refreshed,
                                            award=held(timedelta(days=10))), NOW)
    late = assess(MODULES, RULES, evidence(DONE, refreshers=refreshed,
                                           award=held(-timedelta(days=10))), NOW)
    assert early.expires_at == add_months(NOW + timedelta(days=10), 24)
    assert late.expires_at == add_months(NOW, 24)


def test_renewal_asks_for_modules_and_refreshers_but_not_the_workshop_again():
    result = assess(MODULES, RULES, evidence(DONE, award=held(timedelta(days=80))), NOW)
    assert [r.kind for r in result.requirements] == [Kind.MODULE, Kind.MODULE, Kind.REFRESHER]


@pytest.mark.parametrize(("expires_in", "revoked", "state"), [
    (timedelta(days=200), False, AwardState.VALID),
    (timedelta(days=90), False, AwardState.EXPIRING),
    (timedelta(days=1), False, AwardState.EXPIRING),
    (timedelta(0), False, AwardState.EXPIRED),
    (timedelta(days=200), True, AwardState.REVOKED),
])
def test_award_state_is_computed_from_dates(expires_in, revoked, state):
    assert award_state(RULES, NOW + expires_in, NOW if revoked else None, NOW) is state


@pytest.mark.parametrize(("expires_in", "due"), [
    (timedelta(days=120), ()), (timedelta(days=90), (90,)), (timedelta(days=29), (90, 30)),
    (timedelta(days=3), (90, 30, 7)), (-timedelta(days=1), ()),
])
def test_due_reminders(expires_in, due):
    assert due_reminders(RULES, NOW + expires_in, NOW) == due


def test_months_are_added_on_the_same_day_or_the_months_last():
    assert add_months(datetime(2026, 1, 31), 1) == datetime(2026, 2, 28)
    assert add_months(datetime(2026, 11, 27), 24) == datetime(2028, 11, 27)

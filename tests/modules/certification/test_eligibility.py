"""The eligibility rules as a pure function, over a table of learners' evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

import pytest

from elearn.modules.certification.eligibility import (
    LOCAL,
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
    days_left,
    due_reminders,
    expiry_after,
    valid_until,
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
RECENT = {"law": NOW - timedelta(days=20)}


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
    ("expired within the grace, refresher recent", evidence(
        DONE, refreshers={"law": NOW - timedelta(days=20)}, award=held(-timedelta(days=300))),
     Verdict.RENEWABLE),
    ("expired 5 years ago, one refresher is not enough", evidence(
        DONE, refreshers={"law": NOW - timedelta(days=20)},
        award=held(-timedelta(days=5 * 365), valid_from=NOW - timedelta(days=7 * 365))),
     Verdict.RENEWAL_DUE),
    ("lapsed beyond the grace, workshop attended before the lapse", evidence(
        DONE, {"case-workshop": NOW - timedelta(days=900)}, refreshers=RECENT,
        award=held(-timedelta(days=400))), Verdict.RENEWAL_DUE),
    ("lapsed beyond the grace, workshop anew but no refresher", evidence(
        DONE, ATTENDED, award=held(-timedelta(days=400))), Verdict.RENEWAL_DUE),
    ("lapsed beyond the grace, workshop anew and a refresher", evidence(
        DONE, ATTENDED, refreshers=RECENT, award=held(-timedelta(days=400))), Verdict.RENEWABLE),
    ("lapsed beyond the grace, a module missing", evidence(
        HALF, ATTENDED, refreshers=RECENT, award=held(-timedelta(days=400))), Verdict.RENEWAL_DUE),
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


def test_a_first_award_is_valid_through_the_end_of_its_printed_copenhagen_date():
    expires_at = assess(MODULES, RULES, evidence(DONE, ATTENDED), NOW).expires_at
    # printed "valid until 1 March 2029"; expires at 00:00 Copenhagen (CET, UTC+1) on 2 March
    assert expires_at == datetime(2029, 3, 1, 23, 0)
    assert valid_until(expires_at) == date(2029, 3, 1)


def test_issued_late_in_the_copenhagen_evening_counts_the_copenhagen_date():
    # 23:30 UTC on 28 February is 00:30 on 1 March in Copenhagen
    expires_at = assess(MODULES, RULES, evidence(DONE, ATTENDED), datetime(2027, 2, 28, 23, 30)).expires_at
    assert valid_until(expires_at) == date(2029, 3, 1)


@pytest.mark.parametrize(("local_time", "state"), [
    (datetime(2029, 3, 1, 23, 59), AwardState.EXPIRING),  # the printed day's last minute
    (datetime(2029, 3, 2, 0, 0), AwardState.EXPIRED),
])
def test_the_certificate_is_valid_on_its_printed_day_until_copenhagen_midnight(local_time, state):
    expires_at = expiry_after(date(2029, 3, 1))
    now = local_time.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)
    assert award_state(RULES, expires_at, None, now) is state


def test_expiry_across_a_summer_time_change_is_still_copenhagen_midnight():
    # valid until Saturday 29 March 2025 (CET), issued in summer time: midnight is 23:00 UTC
    expires_at = expiry_after(date(2025, 3, 29))
    assert expires_at == datetime(2025, 3, 29, 23, 0)
    summer = expiry_after(date(2025, 3, 30))  # the next midnight is in CEST: 22:00 UTC
    assert summer == datetime(2025, 3, 30, 22, 0)
    assert valid_until(summer) == date(2025, 3, 30)
    # 7 calendar days before, at 00:30 CEST, whatever the hour lost in between
    assert due_reminders(RULES, summer, datetime(2025, 3, 24, 22, 30)) == (90, 30, 7)
    assert due_reminders(RULES, summer, datetime(2025, 3, 23, 22, 30)) == (90, 30)
    assert days_left(summer, datetime(2025, 3, 30, 21, 59)) == 1


def test_renewal_in_time_extends_the_printed_date_and_late_renewal_from_today():
    refreshed = {"law": NOW - timedelta(days=1)}
    old = expiry_after(date(2027, 3, 11))
    early = assess(MODULES, RULES, evidence(DONE, refreshers=refreshed,
                                            award=held(old - NOW)), NOW)
    late = assess(MODULES, RULES, evidence(DONE, refreshers=refreshed,
                                           award=held(-timedelta(days=10))), NOW)
    assert valid_until(early.expires_at) == date(2029, 3, 11)
    assert early.expires_at == expiry_after(date(2029, 3, 11))
    assert valid_until(late.expires_at) == date(2029, 3, 1)


def test_after_the_grace_the_first_award_rules_apply_and_run_from_today():
    result = assess(MODULES, RULES, evidence(DONE, ATTENDED, refreshers=RECENT,
                                             award=held(-timedelta(days=400))), NOW)
    assert [r.kind for r in result.requirements] == [Kind.MODULE, Kind.MODULE, Kind.WORKSHOP,
                                                     Kind.REFRESHER]
    assert valid_until(result.expires_at) == date(2029, 3, 1)


def test_the_grace_ends_with_the_printed_date_plus_the_grace_months():
    award = held(expiry_after(date(2027, 1, 31)) - NOW)  # grace through 28 February
    refreshed = {"law": datetime(2027, 2, 20)}
    rules = CertificationRules(validity_months=24, workshops=("case-workshop",),
                               renewal=Renewal(("law",), 6, grace_months=1))
    on_the_last_day = datetime(2027, 2, 28, 12)
    after = datetime(2027, 3, 1, 12)
    assert assess(MODULES, rules, evidence(DONE, refreshers=refreshed, award=award),
                  on_the_last_day).verdict is Verdict.RENEWABLE
    assert assess(MODULES, rules, evidence(DONE, refreshers=refreshed, award=award),
                  after).verdict is Verdict.RENEWAL_DUE  # the workshop is asked for again


def test_renewal_asks_for_modules_and_refreshers_but_not_the_workshop_again():
    result = assess(MODULES, RULES, evidence(DONE, award=held(timedelta(days=80))), NOW)
    assert [r.kind for r in result.requirements] == [Kind.MODULE, Kind.MODULE, Kind.REFRESHER]


@pytest.mark.parametrize(("expires_in", "revoked", "state"), [
    (timedelta(days=200), False, AwardState.VALID),
    (timedelta(days=89), False, AwardState.EXPIRING),
    (timedelta(days=1), False, AwardState.EXPIRING),
    (timedelta(0), False, AwardState.EXPIRED),
    (timedelta(days=200), True, AwardState.REVOKED),
])
def test_award_state_is_computed_from_dates(expires_in, revoked, state):
    assert award_state(RULES, NOW + expires_in, NOW if revoked else None, NOW) is state


@pytest.mark.parametrize(("expires_in", "due"), [
    (timedelta(days=120), ()), (timedelta(days=89), (90,)), (timedelta(days=29), (90, 30)),
    (timedelta(days=3), (90, 30, 7)), (-timedelta(days=1), ()),
])
def test_due_reminders(expires_in, due):
    assert due_reminders(RULES, NOW + expires_in, NOW) == due


def test_months_are_added_on_the_same_day_or_the_months_last():
    assert add_months(datetime(2026, 1, 31), 1) == datetime(2026, 2, 28)
    assert add_months(datetime(2026, 11, 27), 24) == datetime(2028, 11, 27)

"""The daily commands run on every instance at once (each machine's cron): `elearn certification
run` and `elearn assignments run`, each started twice at the same moment, still issue each
certificate and queue each e-mail exactly once."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.clock import local_date, utcnow
from elearn.events import EXTENSION_KEY
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, AssignmentNotice, Audience, NoticeKind, TargetKind
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import CertificateAward, CertificateReminder
from elearn.modules.certification.services import new_number
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from tests.cluster import Gate, elearn_commands
from tests.modules.certification.conftest import PATH, certify

pytestmark = pytest.mark.multinode

ELIGIBLE, EXPIRING, ASSIGNED = 3, 3, 4
#: The test holds these tables until every run is waiting for them, so the runs overlap for certain.
GATED = ("certificate_award", "assignment")
#: Runs waiting for a lock: at the gate, or behind another run that holds rows it needs.
WAITING = ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
           "AND wait_event_type = 'Lock'")


def _people(prefix: str, count: int, unit) -> list:
    people = [accounts.create_user(f"{prefix} {number}", f"{prefix.lower()}.{number}@politi.example",
                                   {Role.LEARNER}, unit_id=unit.id) for number in range(count)]
    db.session.commit()
    return people


def _eligible_without_award(app, unit, monkeypatch) -> list:
    """People who have done everything the Key officer path asks while no event issued the
    certificate (events off while seeding): only the daily run can issue it."""
    facilitator = accounts.create_user("Frida Facilitator", "frida.facilitator@politi.example",
                                       {Role.COORDINATOR}, unit_id=unit.id)
    people = _people("Eligible", ELIGIBLE, unit)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, {})
    for person in people:
        certify(person, unit, facilitator)
    monkeypatch.undo()
    return people


def _expiring(unit) -> list:
    """Key officers whose certificate expires in 20 days: the 90- and 30-day reminders are due, and
    one e-mail goes out (the most urgent)."""
    people = _people("Expiring", EXPIRING, unit)
    now = utcnow()
    db.session.add_all(CertificateAward(user_id=person.id, path_slug=PATH, number=new_number(),
                                        expires_at=now + timedelta(days=20)) for person in people)
    db.session.commit()
    return people


def _assigned(unit) -> tuple[list, Assignment, Assignment]:
    """A unit assignment due in three days (its "assigned" e-mail stands for the reminder too) and a
    person assignment due in five days that was announced before (only its reminder is due)."""
    people = _people("Assigned", ASSIGNED, unit)
    today = local_date(utcnow())
    to_unit = Assignment(target_kind=TargetKind.MODULE, target_slug="first-steps", audience=Audience.UNIT,
                         unit_id=unit.id, due_on=today + timedelta(days=3))
    to_person = Assignment(target_kind=TargetKind.PATH, target_slug="recruit", audience=Audience.PERSON,
                           user_id=people[0].id, due_on=today + timedelta(days=5))
    db.session.add_all([to_unit, to_person])
    db.session.flush()
    db.session.add(AssignmentNotice(assignment_id=to_person.id, user_id=people[0].id,
                                    kind=NoticeKind.ASSIGNED))
    db.session.commit()
    return people, to_unit, to_person


def _total(runs, pattern: str) -> int:
    return sum(int(re.search(pattern, run.stdout).group(1)) for run in runs)


def test_daily_runs_on_two_instances_at_once_send_everything_once(cluster, seeded, monkeypatch):
    unit = create_unit("Efterforskning Fredericia", "EF-MN", UnitKind.TEAM, None)
    team = create_unit("Patrulje Middelfart", "PM-MN", UnitKind.TEAM, None)
    eligible = _eligible_without_award(seeded, unit, monkeypatch)
    expiring = _expiring(unit)
    assigned, to_unit, to_person = _assigned(team)
    since = utcnow()

    with Gate(db.engine, [f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE" for table in GATED],
              WAITING, expected=4) as gate:
        runs = elearn_commands(cluster.env, [("certification", "run"), ("assignments", "run")] * 2, gate=gate)
    for run in runs:
        assert run.returncode == 0, run.stdout + run.stderr
    assert gate.seen == 4  # all four were waiting at once, so their work overlapped
    certification, assignments = runs[0::2], runs[1::2]
    assert _total(certification, r"(\d+) issued") == ELIGIBLE
    assert _total(certification, r"(\d+) reminders queued") == EXPIRING
    assert _total(assignments, r"(\d+) assigned notices") == ASSIGNED
    assert _total(assignments, r"and (\d+) reminders") == 1

    def mails(person) -> int:
        return cluster.count("SELECT count(*) FROM outbox_message WHERE user_id = :id AND created_at >= :since",
                             id=person.id, since=since)

    for person in eligible:
        assert cluster.count("SELECT count(*) FROM certificate_award WHERE user_id = :id", id=person.id) == 1
        assert cluster.count("SELECT count(*) FROM award_revision JOIN certificate_award AS a "
                             "ON a.id = award_id WHERE a.user_id = :id", id=person.id) == 1
        assert mails(person) == 1
    for person in expiring:
        award = db.session.scalar(select(CertificateAward).where(CertificateAward.user_id == person.id))
        reminders = db.session.scalars(select(CertificateReminder).where(
            CertificateReminder.award_id == award.id)).all()
        assert sorted(r.days_before for r in reminders) == [30, 90]
        assert [r.days_before for r in reminders if r.message_id] == [30]
        assert mails(person) == 1
    for person in assigned:
        for kind in NoticeKind:
            assert cluster.count("SELECT count(*) FROM assignment_notice WHERE assignment_id = :a "
                                 "AND user_id = :u AND kind = :k", a=to_unit.id, u=person.id, k=kind.value) == 1
        assert mails(person) == (2 if person is assigned[0] else 1)
    assert cluster.count("SELECT count(*) FROM assignment_notice WHERE assignment_id = :a AND kind = :k "
                         "AND message_id IS NOT NULL", a=to_person.id, k=NoticeKind.DUE_SOON.value) == 1

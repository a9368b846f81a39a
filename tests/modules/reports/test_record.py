"""The learner record: everything about one person on one page (built through the real reading, quiz,
workshop and assignment services; the certificate as rows), no answer texts, scoping, export and
a statement budget that does not grow with attempts."""

import csv
import io
import re
from datetime import date, datetime, time, timedelta

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from elearn.clock import local_date, utcnow
from elearn.extensions import db
from elearn.modules.assignments.models import Assignment, Audience, TargetKind
from elearn.modules.auth.models import Role
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.certification.services import new_number
from elearn.modules.courses.services import catalogue
from elearn.modules.progress import services as progress
from elearn.modules.quizzes import answers, services, submission
from elearn.modules.quizzes.models import AttemptMode, AttemptQuestion, AttemptState, QuizAttempt
from elearn.modules.reports import record
from elearn.modules.workshops import services as workshops
from tests.conftest import create_session
from tests.modules.quizzes.conftest import right_answer_form
from tests.modules.reports.budget import statement_counts


def take_quiz(user, mode=AttemptMode.GRADED, wrong_all=False):
    quiz, module = services.quiz_bank().quiz("second-steps"), catalogue().module("second-steps")
    attempt = services.start_attempt(user.id, quiz, module, mode, utcnow())
    rows = services.questions_of(attempt)
    wrong = {row.question_id for row in rows} if wrong_all else ()
    form = MultiDict(right_answer_form(attempt, rows, quiz, wrong))
    submission.save_answers(attempt, rows, answers.parse(form, attempt.seed, rows, quiz.index), utcnow())
    submission.submit(attempt, quiz, module, utcnow())
    return attempt


def award(user, path="key-officer", days=400):
    expires = utcnow() + timedelta(days=days)
    row = CertificateAward(user_id=user.id, path_slug=path, number=new_number(), expires_at=expires)
    db.session.add(row)
    db.session.flush()
    db.session.add(AwardRevision(award_id=row.id, number=1, reason="issued", expires_at=expires,
                                 pdf=b"%PDF", fingerprint="0" * 64))
    return row


def assign(user, kind, slug, due_on):
    db.session.add(Assignment(target_kind=kind, target_slug=slug, audience=Audience.PERSON,
                              user_id=user.id, due_on=due_on))


@pytest.fixture
def world(make_unit, make_user):
    unit_a, unit_b = make_unit("Alpha"), make_unit("Beta")
    rita = make_user(Role.LEARNER, Role.COORDINATOR, name="Rita Ravn", email="rita@politi.example",
                     unit=unit_a)
    bo = make_user(name="Bo Berg", unit=unit_b)
    coordinator = make_user(Role.COORDINATOR, unit=unit_a)
    return {"a": unit_a, "b": unit_b, "rita": rita, "bo": bo, "coordinator": coordinator}


@pytest.fixture
def ritas_history(world):
    """first-steps read through (completed); second-steps: a failed and a passed graded attempt and a
    refresher, sections unread (in progress, best score 100 %); one workshop attended, one
    registration open; a key-officer certificate; second-steps assigned and overdue, first-steps
    assigned and done (not open)."""
    rita = world["rita"]
    first = catalogue().module("first-steps")
    for section_id in first.section_ids:
        progress.mark_read(rita.id, first, section_id)
    take_quiz(rita, wrong_all=True)
    take_quiz(rita)
    take_quiz(rita, AttemptMode.REFRESHER, wrong_all=True)
    past = create_session(world["a"], starts_in=-timedelta(days=3))
    registration = workshops.register(past, rita, past.starts_at - timedelta(days=1))
    workshops.mark_attendance(registration, True, world["coordinator"].id, past.starts_at)
    coming = create_session(world["a"], starts_in=timedelta(days=10))
    workshops.register(coming, rita, utcnow())
    certificate = award(rita)
    today = local_date(utcnow())
    assign(rita, TargetKind.MODULE, "second-steps", today - timedelta(days=2))
    assign(rita, TargetKind.MODULE, "first-steps", today - timedelta(days=2))
    db.session.commit()
    return {"number": certificate.number, "today": today}


@pytest.mark.both_databases
def test_the_record_holds_everything_about_the_person(app, world, ritas_history):
    with app.test_request_context():
        data = record.record(world["rita"].id, {world["a"].id}, utcnow(), "en")
    assert data.person.name == "Rita Ravn" and data.person.unit == "Alpha"
    assert data.person.roles == (Role.LEARNER, Role.COORDINATOR)
    modules = {m.slug: (m.status.value, m.completed_at is not None, m.best_score) for m in data.modules}
    assert modules == {"first-steps": ("completed", True, None), "second-steps": ("in-progress", False, 1.0)}
    assert [(a.mode.value, a.passed, round(a.score, 2)) for a in data.attempts] == [
        ("refresher", False, 0.0), ("graded", True, 1.0), ("graded", False, 0.0)]
    assert [w.state.value for w in data.workshops] == ["registered", "attended"]
    assert [(c.number, c.state.value) for c in data.certificates] == [(ritas_history["number"], "valid")]
    assert [(s.title, s.state.value) for s in data.assignments] == [("Second steps", "overdue")]


def test_page_shows_the_record_without_any_answer(client, auth, world, ritas_history):
    auth.login(world["coordinator"])
    response = client.get(f"/reports/people/{world['rita'].id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Rita Ravn" in page and "rita@politi.example" in page and "Alpha" in page
    assert "Second steps quiz" in page and "Refresher" in page and re.search(r"100\s?%", page)
    assert "Case workshop" in page and "attended" in page
    assert ritas_history["number"] in page and "Overdue" in page
    stored = db.session.scalars(select(AttemptQuestion.answer).where(AttemptQuestion.answer.is_not(None)))
    stored = [answer for answer in stored if len(answer) > 4]
    assert stored
    markup_free = page.replace('aria-hidden="true"', "")  # a stored answer may be the JSON "true"
    for text in ["A pattern of unwanted contact", "One single message", "What is stalking?", *stored]:
        assert text not in markup_free
    assert page.count("<caption") == 5 and 'scope="row"' in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_one_table_by_section(client, auth, world, ritas_history, fmt, tmp_path):
    auth.login(world["coordinator"])
    response = client.get(f"/reports/people/{world['rita'].id}.{fmt}")
    assert response.status_code == 200
    assert f'filename="elearn-record-{world["rita"].id}-' in response.headers["Content-Disposition"]
    if fmt == "csv":
        text = response.get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    else:
        path = tmp_path / "record.xlsx"
        path.write_bytes(response.get_data())
        rows = [list(row) for row in openpyxl.load_workbook(path).active.iter_rows(values_only=True)]
        text = repr(rows)
    assert rows[0] == ["Section", "What", "State", "Date", "What the date is", "Score (%)" if fmt == "csv" else "Score",
                       "Detail"]
    assert [row[0] for row in rows[1:]] == ["Person", "Module", "Module", "Attempt", "Attempt", "Attempt",
                                            "Workshop", "Workshop", "Certificate", "Assignment"]
    assert rows[1][1:3] == ["Rita Ravn", "Active"]
    passed = rows[5]
    assert passed[1:3] == ["Second steps quiz", "Passed"] and passed[6] == "Graded"
    assert passed[5] == ("100" if fmt == "csv" else 1)
    due = ritas_history["today"] - timedelta(days=2)
    assert rows[10][2:4] == ["Overdue", due.isoformat() if fmt == "csv" else datetime.combine(due, time())]
    assert "A pattern of unwanted contact" not in text


def test_people_outside_scope_are_not_found(client, auth, world):
    auth.login(world["coordinator"])
    for url in (f"/reports/people/{world['bo'].id}", f"/reports/people/{world['bo'].id}.csv",
                f"/reports/people/{world['bo'].id}.xlsx", "/reports/people/999999",
                f"/reports/people/{world['rita'].id}.pdf"):
        assert client.get(url).status_code == 404, url


def test_admins_see_anyone_and_learners_nobody(client, auth, world, make_user):
    auth.login(make_user(Role.ADMIN))
    assert client.get(f"/reports/people/{world['bo'].id}").status_code == 200
    auth.logout()
    auth.login(world["bo"])
    assert client.get(f"/reports/people/{world['bo'].id}").status_code == 403
    assert client.get(f"/reports/people/{world['bo'].id}.csv").status_code == 403


def test_a_deactivated_person_in_scope_keeps_their_record(client, auth, world):
    world["rita"].active = False
    db.session.commit()
    auth.login(world["coordinator"])
    page = client.get(f"/reports/people/{world['rita'].id}").get_data(as_text=True)
    assert "This account is deactivated" in page


def test_void_attempts_are_left_out(app, world):
    rita = world["rita"]
    db.session.add(QuizAttempt(user_id=rita.id, quiz_slug="second-steps", quiz_version="1.0",
                               module_slug="second-steps", module_major=1, mode=AttemptMode.GRADED,
                               state=AttemptState.VOID, seed=1, pass_mark=80, review_policy="never",
                               per_page=5, started_at=utcnow()))
    db.session.commit()
    with app.test_request_context():
        assert record.record(rita.id, None, utcnow(), "en").attempts == []


def _attempts(user, count):
    for number in range(count):
        db.session.add(QuizAttempt(
            user_id=user.id, quiz_slug="second-steps", quiz_version="1.0", module_slug="second-steps",
            module_major=1, mode=AttemptMode.GRADED, state=AttemptState.SUBMITTED, seed=number,
            pass_mark=80, review_policy="never", per_page=5, started_at=utcnow(), submitted_at=utcnow(),
            score=0.5, passed=False))
    session = create_session(user.unit, starts_in=timedelta(days=count + 1))
    workshops.register(session, user, utcnow())
    award(user, days=count + 100)
    assign(user, TargetKind.MODULE, "second-steps", date(2030, 1, count))
    db.session.commit()


@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_statements_do_not_grow_with_attempts(client, auth, world, make_user, suffix):
    auth.login(world["coordinator"])

    def grow(count):
        person = make_user(unit=world["a"])
        _attempts(person, count)
        return f"/reports/people/{person.id}{suffix}"

    counts = statement_counts(client, grow, sizes=(1, 20))
    assert counts[0] == counts[1] <= 14

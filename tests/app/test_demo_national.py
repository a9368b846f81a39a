"""The national demo data set, made small: its rows keep the rules the site's own writes keep."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, text

from elearn import create_app, demo_national
from elearn.cli import main
from elearn.demo_national import Scale
from elearn.extensions import db
from elearn.modules.auth.models import Role, User, coordinator_unit
from elearn.modules.auth.services import authenticate, scope_unit_ids
from elearn.modules.certification.models import AwardRevision, CertificateAward
from elearn.modules.courses.services import catalogue
from elearn.modules.progress.models import ModuleProgress
from elearn.modules.quizzes.models import QuizAttempt
from elearn.modules.units.models import Unit
from elearn.modules.units.services import subtree_ids

REAL_CONTENT = Path(__file__).parents[2] / "content"
SMALL = Scale(users=300, districts=2, real_pdfs=2)


@pytest.fixture
def app_config():
    return {"CONTENT_DIR": str(REAL_CONTENT)}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _violations(sql: str) -> int:
    return db.session.execute(text(sql)).scalar()


@pytest.fixture
def report(app):
    return demo_national.seed(SMALL)


@pytest.mark.both_databases
def test_people_units_and_scopes(report):
    assert _count(User) == 300 and _count(Unit) == 20 and report.counts["people"] == 300
    assert db.session.scalar(select(func.count()).where(User.unit_id.is_(None))) == 0
    coordinators = [u for u in db.session.scalars(select(User)) if u.has_role(Role.COORDINATOR)]
    assert len(coordinators) == 4
    for coordinator in coordinators:
        roots = list(db.session.scalars(select(coordinator_unit.c.unit_id)
                                        .where(coordinator_unit.c.user_id == coordinator.id)))
        district = db.session.get(Unit, roots[0])
        assert len(roots) == 1 and district.parent_id is None and coordinator.unit_id == district.id
        assert scope_unit_ids(coordinator) == subtree_ids([district.id])
        assert len(scope_unit_ids(coordinator)) == 10
    for login in report.logins:
        assert authenticate(login.email, login.password).roles == set(login.roles)


@pytest.mark.both_databases
def test_progress_agrees_with_the_attempts(report):
    assert _count(QuizAttempt) > 300 * 10
    assert _count(ModuleProgress) > 300
    # the best score on each row is the highest graded score at that major version
    assert _violations("""
        SELECT count(*) FROM module_progress mp WHERE mp.best_score IS DISTINCT FROM (
          SELECT max(a.score) FROM quiz_attempt a WHERE a.user_id = mp.user_id
          AND a.module_slug = mp.module_slug AND a.module_major = mp.major_version AND a.mode = 'graded')
    """.replace("IS DISTINCT FROM", "IS NOT" if db.engine.name == "sqlite" else "IS DISTINCT FROM")) == 0
    assert _violations("SELECT count(*) FROM quiz_attempt WHERE passed <> (round(score * 100) >= pass_mark)") == 0
    # a completion at the current major has its quiz passed, and no graded attempt follows the pass
    assert _violations("""
        SELECT count(*) FROM module_progress mp WHERE mp.completed_at IS NOT NULL AND mp.major_version = 1
          AND (mp.quiz_passed_at IS NULL OR mp.quiz_passed_at > mp.completed_at OR EXISTS (
            SELECT 1 FROM quiz_attempt a WHERE a.user_id = mp.user_id AND a.module_slug = mp.module_slug
            AND a.mode = 'graded' AND a.submitted_at > mp.quiz_passed_at))
    """) == 0
    assert _violations("""
        SELECT count(*) FROM quiz_attempt a JOIN module_progress mp ON mp.user_id = a.user_id
          AND mp.module_slug = a.module_slug AND mp.major_version = a.module_major
        WHERE a.started_at < mp.started_at OR a.submitted_at < a.started_at
    """) == 0
    statuses = db.session.execute(text("""
        SELECT sum(CASE WHEN major_version = 0 THEN 1 ELSE 0 END),
               sum(CASE WHEN completed_at IS NULL THEN 1 ELSE 0 END),
               sum(CASE WHEN major_version = 1 AND completed_at IS NOT NULL THEN 1 ELSE 0 END)
        FROM module_progress""")).one()
    assert all(count > 0 for count in statuses)  # outdated, in progress and completed rows


@pytest.mark.both_databases
def test_awards_carry_revisions_with_matching_pdfs(report):
    awards = list(db.session.scalars(select(CertificateAward)))
    assert awards and report.counts["awards"] == len(awards)
    assert {a.path_slug for a in awards} >= {"key-officer", "servicecenter"}
    revisions = list(db.session.scalars(select(AwardRevision)))
    for award in awards:
        numbers = sorted(r.number for r in revisions if r.award_id == award.id)
        assert numbers == list(range(1, award.revision + 1))
    for revision in revisions:
        assert revision.fingerprint == hashlib.sha256(revision.pdf).hexdigest()
        assert len(pypdf.PdfReader(io.BytesIO(revision.pdf)).pages) == 1
    real = [r for r in revisions if b"/FontFile" in r.pdf]
    assert len(real) == 2


@pytest.mark.both_databases
def test_key_officers_earned_their_certificates(report):
    key = catalogue().path("key-officer")
    holders = list(db.session.scalars(select(CertificateAward.user_id)
                                      .where(CertificateAward.path_slug == key.slug)))
    assert holders
    for user_id in holders:
        done = set(db.session.scalars(select(ModuleProgress.module_slug).where(
            ModuleProgress.user_id == user_id, ModuleProgress.major_version == 1,
            ModuleProgress.completed_at.is_not(None))))
        assert done >= set(key.modules)
        attended = set(db.session.execute(text(
            "SELECT s.workshop_slug FROM registration r JOIN workshop_session s ON s.id = r.session_id "
            "WHERE r.user_id = :user AND r.state = 'attended'"), {"user": user_id}).scalars())
        assert attended >= set(key.certification.workshops)


def test_the_cli_makes_the_national_demo_and_the_district_demo_still_works(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_SECRET_KEY", "demo-test")
    monkeypatch.setenv("ELEARN_CONTENT_DIR", str(REAL_CONTENT))
    monkeypatch.setattr(demo_national, "NATIONAL", Scale(users=150, districts=1, real_pdfs=1))
    national, district = tmp_path / "national.sqlite", tmp_path / "district.sqlite"
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--scale", "national", "--database", str(national)])
    assert result.exit_code == 0, result.output
    assert "150 people" in result.output and "coordinator@demo.politi.example" in result.output
    email, password = next(line.split()[:2] for line in result.output.splitlines()
                           if line.startswith("coordinator@"))
    with create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{national}", "TESTING": True}).app_context():
        assert authenticate(email, password).has_role(Role.COORDINATOR)
    result = CliRunner().invoke(main, ["demo", "--no-serve", "--database", str(district)])
    assert result.exit_code == 0 and "@demo.elearn" in result.output, result.output

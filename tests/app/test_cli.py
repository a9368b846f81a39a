"""The elearn command: users create, users import, demo."""

import pytest
from click.testing import CliRunner

from elearn import create_app
from elearn.cli import main
from elearn.extensions import db
from elearn.modules.auth.models import Role, User
from elearn.modules.units.models import UnitKind


def test_users_create_reads_the_password_from_stdin(runner, make_unit, client, auth):
    make_unit("Servicecenter", "SC", UnitKind.CENTRE)
    result = runner.invoke(args=["users", "create", "Ny.Person@politi.example", "--name", "Ny Person",
                                 "--role", "learner", "--role", "coordinator", "--unit", "SC",
                                 "--password-stdin"], input="a good long passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(db.select(User).filter_by(email="ny.person@politi.example"))
    assert user.roles == {Role.LEARNER, Role.COORDINATOR} and user.unit.code == "SC"
    assert auth.login(user, "a good long passphrase").status_code == 302


def test_users_create_refuses_a_duplicate(runner, make_user):
    user = make_user()
    result = runner.invoke(args=["users", "create", user.email, "--name", "X", "--role", "learner",
                                 "--password-stdin"], input="a good long passphrase\n")
    assert result.exit_code != 0
    assert "already uses this e-mail address" in result.output


def test_users_create_refuses_an_unknown_unit(runner):
    result = runner.invoke(args=["users", "create", "a@politi.example", "--name", "A", "--role",
                                 "learner", "--unit", "Atlantis", "--password-stdin"],
                           input="a good long passphrase\n")
    assert result.exit_code != 0 and "unknown unit" in result.output


@pytest.fixture
def roster_file(tmp_path, make_unit):
    make_unit("Servicecenter", "SC", UnitKind.CENTRE)
    path = tmp_path / "roster.csv"
    path.write_text("name,email,unit,roles\nAnna,anna@politi.example,SC,learner\n"
                    "Bad,bad-address,SC,learner\n")
    return path


def test_import_dry_run_reports_lines_and_writes_nothing(runner, roster_file):
    result = runner.invoke(args=["users", "import", str(roster_file), "--dry-run"])
    assert result.exit_code == 1
    assert f"{roster_file}:3:" in result.output
    assert "Dry run: 1 to create" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_import_with_problems_imports_nothing(runner, roster_file):
    result = runner.invoke(args=["users", "import", str(roster_file)])
    assert result.exit_code != 0 and "Nothing was imported" in result.output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_import_good_rows(runner, roster_file):
    result = runner.invoke(args=["users", "import", str(roster_file), "--import-good-rows"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(db.select(User).filter_by(email="anna@politi.example"))
    again = runner.invoke(args=["users", "import", str(roster_file), "--import-good-rows"])
    assert "0 to create, 0 to update, 1 unchanged" in again.output


def test_help_lists_every_command():
    output = CliRunner().invoke(main, ["--help"]).output
    for command in ["serve", "demo", "db", "users"]:
        assert command in output


def test_demo_creates_a_fresh_database_and_prints_working_logins(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_SECRET_KEY", "demo-test")
    path = tmp_path / "demo.sqlite"
    for _ in range(2):  # the second run starts afresh instead of failing on existing rows
        result = CliRunner().invoke(main, ["demo", "--no-serve", "--database", str(path)])
        assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines() if "@demo.elearn" in line]
    assert {line[2].rstrip(",") for line in lines} >= {"learner", "admin"}
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "TESTING": True})
    email, password = lines[0][0], lines[0][1]
    with app.app_context():
        from elearn.modules.auth.services import authenticate

        assert authenticate(email, password).email == email
        with_password = db.select(db.func.count()).select_from(User).where(
            User.password_hash.is_not(None))
        assert db.session.scalar(with_password) == len(lines)
        from elearn.modules.quizzes.analysis import attempt_counts

        assert sum(attempt_counts(None).values()) >= 12  # the item analysis has figures to show


def test_a_configuration_error_is_one_clear_line_not_a_traceback(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    result = CliRunner().invoke(main, ["outbox", "send"])
    assert result.exit_code == 1
    assert "The configuration cannot run: ELEARN_ENV=production needs an explicit secret key" in result.output
    assert "Traceback" not in result.output

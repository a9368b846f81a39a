"""Structured logs: JSON lines with the request id the response shows, one request line each, the
caller's id kept only when safe, and no password, token or quiz answer in anything logged."""

from __future__ import annotations

import json
import logging
import re
import shutil
from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from elearn import create_app
from elearn.cli import main
from elearn.extensions import db
from elearn.logs import REDACTED, StderrHandler, scrub_text
from elearn.modules.quizzes import services as quizzes
from elearn.modules.quizzes.models import QuizAttempt
from tests.conftest import BASE_CONFIG, PASSWORD
from tests.modules.quizzes.conftest import START, attempt_id_from, right_answer_form

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def app_config():
    return {"LOG_FORMAT": "json"}


def json_lines(capsys) -> list[dict]:
    """Every line the app wrote to standard error, each parsed (fails on a line that is not JSON)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def request_lines(lines: list[dict], path: str) -> list[dict]:
    return [line for line in lines if line["logger"] == "elearn.request" and line["path"] == path]


def test_a_request_writes_one_json_line_with_the_id_the_response_carries(client, capsys):
    capsys.readouterr()
    response = client.get("/login?next=/modules")
    (line,) = request_lines(json_lines(capsys), "/login")
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert NEW_ID.fullmatch(line["request_id"])
    assert (line["level"], line["method"], line["status"], line["user_id"]) == ("INFO", "GET", 200, None)
    assert line["remote_addr"] == "127.0.0.1" and line["duration_ms"] >= 0
    assert "next=" not in json.dumps(line)  # no query string
    assert datetime.fromisoformat(line["time"]).utcoffset().total_seconds() == 0


def test_every_line_during_a_request_carries_its_id(app, client, capsys):
    app.add_url_rule("/probe", "probe", lambda: (logging.getLogger("elearn.probe").warning("inside"), "")[1])
    capsys.readouterr()
    response = client.get("/probe")
    lines = json_lines(capsys)
    inside = next(line for line in lines if line["message"] == "inside")
    assert inside["request_id"] == request_lines(lines, "/probe")[0]["request_id"]
    assert inside["request_id"] == response.headers["X-Request-ID"]


def test_a_logged_in_request_names_the_user(client, auth, make_user, capsys):
    user = make_user()
    auth.login(user)
    capsys.readouterr()
    client.get("/modules")
    assert request_lines(json_lines(capsys), "/modules")[0]["user_id"] == user.id


def test_a_safe_incoming_request_id_is_kept(client, capsys):
    response = client.get("/login", headers={"X-Request-ID": "lb-7f3a.Trace_01"})
    assert response.headers["X-Request-ID"] == "lb-7f3a.Trace_01"
    assert request_lines(json_lines(capsys), "/login")[0]["request_id"] == "lb-7f3a.Trace_01"


@pytest.mark.parametrize("unsafe", ["a b", "x" * 65, "<script>", "id\u00e6", "a;rm", ""])
def test_an_unsafe_incoming_request_id_is_replaced(client, unsafe):
    response = client.get("/login", headers={"X-Request-ID": unsafe})
    assert NEW_ID.fullmatch(response.headers["X-Request-ID"])


def test_a_check_in_token_in_the_address_is_not_logged(client, capsys):
    client.get("/workshops/check-in/s3cr3t-check-in-token")
    err = capsys.readouterr().err
    assert "s3cr3t-check-in-token" not in err and f"/workshops/check-in/{REDACTED}" in err


def test_login_and_quiz_leave_no_password_or_answer_in_the_logs(client, auth, make_user, capsys,
                                                                caplog):
    caplog.set_level(logging.INFO)
    user = make_user()
    auth.login(user.email, "a wrong password that is long")
    auth.login(user)
    attempt_id = attempt_id_from(auth.post(START, {}))
    attempt = db.session.get(QuizAttempt, attempt_id)
    quiz = quizzes.quiz_bank().quiz("second-steps")
    rows = quizzes.questions_of(attempt)
    form = right_answer_form(attempt, rows, quiz)
    for page in range(1, quizzes.page_count(attempt, rows) + 1):
        on_page = {row.position for row in quizzes.rows_on_page(attempt, rows, page)}
        fields = {k: v for k, v in form.items() if int(k[1:].split("-")[0]) in on_page}
        assert auth.post(f"/attempts/{attempt_id}/{page}", {**fields, "action": "next"}).status_code == 302
    assert auth.post(f"/attempts/{attempt_id}/submit", {}).status_code == 302
    logged = capsys.readouterr().err + caplog.text
    assert f"/attempts/{attempt_id}/submit" in logged  # the requests were logged
    answers = [value for values in form.values() for value in (values if isinstance(values, list)
                                                              else [values]) if len(value) > 3]
    option_texts = [option.text.en.striptags() for question in quiz.questions for option in question.options
                    if option.text]
    assert "A pattern of unwanted contact" in option_texts
    for secret in [PASSWORD, "a wrong password that is long", *answers, *option_texts]:
        assert secret not in logged
    assert "csrf_token" not in logged and "elearn_session" not in logged


def test_secrets_in_extras_messages_and_tracebacks_are_scrubbed(app, capsys):
    log = logging.getLogger("elearn.test")
    log.warning("callback code=abc123&state=xyz for %s", "someone",
                extra={"password": "hunter2", "details": {"otp_code": "123456", "unit": "SC"},
                       "header": "Authorization: Bearer eyJhbGciOi"})
    try:
        raise RuntimeError("cannot connect to postgresql://elearn:pa55word@db/elearn token=t0k3n")
    except RuntimeError:
        log.exception("failed")
    err = capsys.readouterr().err
    for secret in ("abc123", "hunter2", "123456", "eyJhbGciOi", "pa55word", "t0k3n"):
        assert secret not in err
    first = json.loads(err.splitlines()[0])
    assert first["password"] == REDACTED and first["details"] == {"otp_code": REDACTED, "unit": "SC"}
    assert first["message"] == f"callback code={REDACTED}&state=xyz for someone"


def test_prose_about_answers_is_not_scrubbed():
    assert scrub_text("a true-false question needs 'answer: true'") == (
        "a true-false question needs 'answer: true'")


@pytest.mark.parametrize("app_config", [{"LOG_FORMAT": "text"}])
def test_text_lines_are_readable_and_carry_the_request_id(client, capsys):
    response = client.get("/login")
    line = next(line for line in capsys.readouterr().err.splitlines() if "elearn.request" in line)
    assert f"[{response.headers['X-Request-ID']}] GET /login 200 in " in line
    assert "remote_addr=127.0.0.1" in line and not line.startswith("{")


def test_building_the_app_again_adds_no_second_handler(app):
    create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, StderrHandler)]
    assert len(handlers) == 1


def test_pytest_still_captures_the_request_log(client, caplog):
    caplog.set_level(logging.INFO)
    response = client.get("/login")
    record = next(r for r in caplog.records if r.name == "elearn.request")
    assert record.request_id == response.headers["X-Request-ID"] and record.status == 200


def test_the_commands_log_through_the_same_handler(sqlite_template, tmp_path, monkeypatch):
    database = tmp_path / "cli.sqlite"
    shutil.copy(sqlite_template, database)
    monkeypatch.setenv("ELEARN_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("ELEARN_LOG_FORMAT", "json")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "cli-test-secret")
    result = CliRunner().invoke(main, ["certification", "run"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    assert any(line["logger"] == "elearn.content" and line["request_id"] is None for line in lines)


def test_a_database_error_logs_no_statement_values(app, client, capsys):
    app.add_url_rule("/faulty", "faulty", lambda: db.session.execute(
        text("SELECT * FROM no_such_table WHERE note = :note"), {"note": "s3cret-value"}))
    assert client.get("/faulty").status_code == 500
    err = capsys.readouterr().err
    assert "no_such_table" in err and "s3cret-value" not in err


FORGED = "x\n2026-11-27T10:00:00.000Z INFO elearn.request [-] POST /admin 200\r\x1b[2J"


@pytest.mark.parametrize("app_config", [{"LOG_FORMAT": "text"}])
def test_text_lines_escape_control_characters_from_clients(app, capsys):
    log = logging.getLogger("elearn.test")
    log.warning("unknown unit %s", FORGED, extra={"unit": FORGED})
    try:
        raise ValueError(FORGED)
    except ValueError:
        log.exception("failed")
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].count("\\n2026-11-27T10:00:00.000Z") == 2 and "\\r\\x1b[2J" in lines[0]
    assert [line[:4] for line in lines[1:] if not line.startswith("20")] == ["    "] * (len(lines) - 2)
    assert not any(line.startswith("2026-11-27T10:00") for line in lines)


def test_json_lines_escape_control_characters_from_clients(app, capsys):
    logging.getLogger("elearn.test").warning("unknown unit %s", FORGED)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["message"] == "unknown unit " + FORGED

"""Quiz files are checked with file:line messages: the mistakes authors make are caught at start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearn.content import read
from tests.conftest import FIXTURE_CONTENT

QUIZ = FIXTURE_CONTENT / "quizzes" / "second-steps.yaml"


@pytest.fixture
def content(tmp_path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def problems_after(content: Path, old: str, new: str) -> list[str]:
    path = content / "quizzes" / "second-steps.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return [str(p) for p in read(content).problems]


def test_the_fixture_quiz_loads_cleanly():
    result = read(FIXTURE_CONTENT)
    assert result.problems == ()
    quiz = result.quizzes.quiz("second-steps")
    assert {q.type for q in quiz.questions} == {"single", "true-false", "multiple", "ordering",
                                                "scenario"}
    assert [p.id for p in quiz.question("case").parts] == ["case-first", "case-pattern"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("type: multiple", "type: essay", "unknown type 'essay'"),
    ("        correct: true\n        feedback: {da: Rigtigt., en: Right.}",
     "        correct: false", "exactly one correct option (found 0)"),
    ("draw: 5", "draw: 9", "'draw' is 9 but the pool has only 5"),
    ("{da: Quiz om anden del, en: Second steps quiz}", "{en: Second steps quiz}", "missing: da"),
    ("section: law\n    text: {da: \"Hvad", "section: nowhere\n    text: {da: \"Hvad",
     "section 'nowhere' is not a section of module 'second-steps'"),
    ("require_tags: [law]", "require_tags: [nothing]", "required tag 'nothing' is on no question"),
    ("review: after-passing", "review: sometimes", "'review' must be one of"),
    ("pass_mark: 80", "pass_mark: 180", "'pass_mark' must be a whole number from 1 to 100"),
    ("  - id: signs", "  - id: pattern", "question id 'pattern' is used twice"),
    ("max_attempts: 3", "max_attemps: 3", "unknown setting 'max_attemps'"),
    ("module: second-steps", "module: first-steps", "must name this quiz in its 'quiz' setting"),
    ("answer: true\n    feedback", "answer: yes please\n    feedback", "needs 'answer: true'"),
])
def test_mistakes_are_reported_with_file_and_line(content, old, new, message):
    problems = problems_after(content, old, new)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("content/quizzes/second-steps.yaml:") for p in problems
               if message in p)


def test_broken_yaml_is_reported_with_its_line(content):
    problems = problems_after(content, "draw: 5", "draw: [5")
    assert any("not valid YAML" in p for p in problems)


def test_the_cli_check_lists_quiz_problems_and_fails(content, runner):
    problems_after(content, "type: multiple", "type: essay")
    from elearn.cli import main

    result = runner.invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 1
    assert "unknown type 'essay'" in result.output and "1 quizzes" in result.output

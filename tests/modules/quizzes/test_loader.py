"""Quiz files are checked with file:line messages: the mistakes authors make are caught at start-up."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearn.content import read
from elearn.modules.quizzes.loader import load_quizzes
from tests.conftest import FIXTURE_CONTENT, edit

QUIZ = FIXTURE_CONTENT / "quizzes" / "second-steps.yaml"


def problems_after(content: Path, old: str, new: str) -> list[str]:
    edit(content / "quizzes" / "second-steps.yaml", old, new)
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
    ("      - id: weather", "      - id: yes", "option 'True': an 'id' is lower-case letters"),
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


@pytest.mark.parametrize(("old", "new", "message"), [
    ("type: multiple", "type: [multiple]", "unknown type"),
    ("review: after-passing", "review: [never]", "'review' must be one of"),
    ("require_tags: [law]", "require_tags: [[law]]", "'require_tags' must be a list of tags"),
    ("refresher: 2", "refresher: null", "'refresher' must be a whole number"),
    ("pass_mark: 80", "pass_mark: null", "'pass_mark' must be a whole number"),
    ("per_page: 3", "per_page: ~", "'per_page' must be a whole number"),
])
def test_odd_yaml_types_are_reported_not_raised(content, old, new, message):
    assert any(message in p for p in problems_after(content, old, new))


def test_an_empty_quiz_file_is_reported_and_its_module_flagged(content):
    (content / "quizzes" / "second-steps.yaml").write_text("# to be written\n")
    problems = [str(p) for p in read(content).problems]
    assert any("the file is empty" in p for p in problems)
    assert any("could never be completed" in p for p in problems)


def _values():
    from hypothesis import strategies as st

    scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=8))
    return st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(st.text(max_size=5), inner,
                                                                          max_size=3)),
                        max_leaves=6)


def _paths(node, trail=()):
    yield trail
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*trail, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*trail, index))


def test_any_value_anywhere_is_reported_never_raised(tmp_path_factory):
    import yaml
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    original = yaml.safe_load(QUIZ.read_text())
    paths = [p for p in _paths(original) if p]
    root = tmp_path_factory.mktemp("fuzz") / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    catalogue = read(root).catalogue

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.sampled_from(paths), _values())
    def check(path, value):
        import copy

        data = copy.deepcopy(original)
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        (root / "quizzes" / "second-steps.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
        load_quizzes(root, catalogue, [])  # must not raise, whatever the value

    check()

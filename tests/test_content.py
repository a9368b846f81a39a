"""The real content/ folder: it passes `elearn content check` with no errors and no warnings."""

import re
from pathlib import Path

import pytest

from elearn.content import read

CONTENT = Path(__file__).resolve().parents[1] / "content"


@pytest.fixture(scope="module")
def result():
    return read(CONTENT)


def test_content_check_passes_without_errors_or_warnings(result):
    assert [str(p) for p in result.problems] == []


def test_there_is_a_course_to_show(result):
    assert len(result.catalogue.modules) >= 2 and result.catalogue.paths


def test_the_sample_quizzes_use_every_question_type(result):
    quizzes = result.quizzes.quizzes.values()
    assert {m.quiz for m in result.catalogue.modules.values()} <= set(result.quizzes.quizzes)
    types = {leaf.type for quiz in quizzes for q in quiz.questions for leaf in (q, *q.parts)}
    assert types == {"single", "multiple", "true-false", "ordering", "scenario"}


@pytest.mark.parametrize("locale", ["da", "en"])
def test_every_module_ends_with_its_sources_and_review_date(result, locale):
    for module in result.catalogue.modules.values():
        assert module.is_translated(locale), module.slug
        last = module.text(locale).sections[-1]
        assert last.id == "sources", module.slug
        assert module.reviewed is not None


def test_no_personal_data_or_unknown_phone_numbers_in_content():
    allowed_numbers = {"25177374", "60567374", "27604016", "112", "114"}
    for path in [*CONTENT.rglob("*.md"), *CONTENT.rglob("*.yaml")]:
        if path.name == "README.md":
            continue
        text = path.read_text(encoding="utf-8")
        for number in re.findall(r"tel:\+45(\d+)", text):
            assert number in allowed_numbers, f"{path}: tel: link to {number}"
        text = re.sub(r"tel:\+45\d+", "tel:", text)
        text = re.sub(r"https?://\S+", "", text)  # web addresses carry ids, not phone numbers
        assert not re.search(r"\b\d{6}-?\d{4}\b", text), f"{path}: CPR-like number"
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", text), f"{path}: e-mail address"
        for match in re.finditer(r"(?<![\d§.])(?:\+45\s?)?(\d{2}(?:\s?\d{2}){3})(?![\d])", text):
            digits = re.sub(r"\D", "", match.group(1))
            assert digits in allowed_numbers, f"{path}: phone-like number {match.group(0)}"

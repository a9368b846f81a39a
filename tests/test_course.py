"""The real course's shape: eight modules of the promised length in both languages, each with its quiz,
cards, sources and review date; the three learning paths; the workshop themes. The facts themselves are
checked by people against the fact sheet; these tests keep the structure from eroding."""

import re
from pathlib import Path

import pytest

from elearn.content import read

CONTENT = Path(__file__).resolve().parents[1] / "content"
COURSE = ("stalking-phenomenon", "stalker-typologies", "stalking-law", "restraining-orders",
          "risk-assessment-sam", "talking-with-perpetrators", "consent-referral", "victim-evidence-safety")
CARDS = ("strakstilhold-checklist", "restraining-orders-at-a-glance", "consent-conversation",
         "stalker-types", "sam-at-a-glance", "evidence-log-advice", "dsc-contact")
WORKSHOPS = ("knowledge-seminar", "digital-stalking", "communicating-with-perpetrators", "sam-training",
             "servicecenter-theme-day")
WITH_REFRESHER = ("stalking-law", "restraining-orders", "consent-referral")
REVIEWED = {"da": "Senest gennemgået", "en": "Last reviewed"}
LAW_CHANGES = {"da": "retningslinjer ændrer sig", "en": "Law and guidelines change"}


@pytest.fixture(scope="module")
def content():
    return read(CONTENT)


def body_words(path: Path) -> int:
    text = path.read_text(encoding="utf-8").split("---", 2)[2]
    text = re.sub(r"\{#[\w-]+\}|\]\([^)]*\)|[#*|>!`_\[\]-]+", " ", text)
    return len(re.findall(r"\w[\w'’.,:;/%§–-]*", text))


def test_the_course_is_the_eight_modules_and_the_samples_are_gone(content):
    assert set(content.catalogue.modules) == set(COURSE)
    assert set(content.catalogue.cards) == set(CARDS)
    assert set(WORKSHOPS) <= set(content.workshops)


@pytest.mark.parametrize("slug", COURSE)
@pytest.mark.parametrize("locale", ["da", "en"])
def test_each_module_has_the_promised_length_sources_and_review_date(content, slug, locale):
    assert 1500 <= body_words(CONTENT / "modules" / f"{slug}.{locale}.md") <= 3000
    module = content.catalogue.modules[slug]
    sections = module.text(locale).sections
    assert sections[-1].id == "sources"
    assert REVIEWED[locale] in sections[-1].html
    assert LAW_CHANGES[locale] in sections[-1].html
    assert "key-takeaways" in [s.id for s in sections]
    assert module.reference_cards, slug


def test_no_content_cites_the_fact_sheet_by_its_internal_keys():
    for path in [*CONTENT.rglob("*.md"), *CONTENT.rglob("*.yaml")]:
        assert not re.search(r"\[S\d+[a-z]?\]", path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("slug", COURSE)
def test_each_module_has_a_full_quiz(content, slug):
    quiz = content.quizzes.quiz(content.catalogue.modules[slug].quiz)
    assert quiz is not None and len(quiz.questions) >= 14 and quiz.draw >= 8
    assert sum(q.type == "scenario" for q in quiz.questions) >= 4
    assert (quiz.refresher > 0) == (slug in WITH_REFRESHER)
    for question in quiz.questions:
        for leaf in question.leaves:
            assert leaf.section or question.section, (slug, leaf.id)
            assert leaf.explanation or question.explanation, (slug, leaf.id)
            assert all(option.feedback for option in leaf.options if leaf.type != "ordering"), (slug, leaf.id)


@pytest.mark.parametrize("slug", CARDS)
@pytest.mark.parametrize("locale", ["da", "en"])
def test_each_card_fits_on_one_page(content, slug, locale):
    assert content.catalogue.cards[slug].is_translated(locale)
    assert body_words(CONTENT / "reference" / f"{slug}.{locale}.md") <= 520


def test_the_paths_follow_the_issue(content):
    paths = {path.slug: path.modules for path in content.catalogue.paths}
    assert paths["police-recruit"] == ("stalking-phenomenon", "stalker-typologies", "stalking-law",
                                       "talking-with-perpetrators", "consent-referral", "victim-evidence-safety")
    assert paths["servicecenter"] == ("stalking-phenomenon", "stalking-law", "consent-referral",
                                      "victim-evidence-safety")
    assert paths["key-officer"] == COURSE


@pytest.mark.parametrize("slug", WORKSHOPS)
def test_each_workshop_theme_links_its_reading(content, slug):
    assert content.workshops[slug].reading

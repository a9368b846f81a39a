"""Workshop themes in content/workshops/: checked with file:line messages, part of `content check`,
and the real themes are clean."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from elearn import create_app
from elearn.cli import main
from elearn.modules.courses.loader import ContentError
from elearn.modules.workshops.loader import load_workshops
from tests.conftest import BASE_CONFIG, edit

REAL_CONTENT = Path(__file__).resolve().parents[3] / "content"


def messages(root):
    return [str(p) for p in load_workshops(root)[1]]


def test_the_fixture_workshop_loads_in_both_languages(content):
    workshops, problems = load_workshops(content)
    assert problems == []
    workshop = workshops["case-workshop"]
    assert workshop.minutes == 120
    assert workshop.text("da").title == "Sagsworkshop"
    assert workshop.text("en").agenda == ("Welcome", "Case work in groups")
    assert "Notes for the facilitator" in workshop.text("en").body


@pytest.mark.parametrize(("old", "new", "message"), [
    ("minutes: 120", "minutes: lots", "content/workshops/case-workshop.en.md:7: 'minutes' must be a whole number"),
    ("minutes: 120", "minutes: 0", "content/workshops/case-workshop.en.md:7: 'minutes' must be more than 0"),
    ("agenda:\n  - Welcome\n  - Case work in groups", "agenda: []",
     "content/workshops/case-workshop.en.md:11: 'agenda' must list at least one non-empty item"),
    ("slug: case-workshop", "slug: other", "content/workshops/case-workshop.en.md:3: slug 'other' does not"),
    ("preparation: Read", "prep: Read", "content/workshops/case-workshop.en.md:15: unknown setting 'prep'"),
    ("audience: [key-officer]", "audience: [detectives]",
     "content/workshops/case-workshop.en.md:6: 'audience' must be a list of"),
    ("objectives:\n", "objectives: 3\n", "content/workshops/case-workshop.en.md:9: 'objectives' must be a list"),
])
def test_mistakes_are_reported_with_file_and_line(content, old, new, message):
    edit(content / "workshops/case-workshop.en.md", old, new)
    assert any(m.startswith(message) for m in messages(content)), messages(content)


def test_languages_must_agree_and_both_must_exist(content):
    edit(content / "workshops/case-workshop.da.md", "minutes: 120", "minutes: 90")
    assert messages(content) == ["content/workshops/case-workshop.en.md:7: 'minutes' differs from "
                                 "content/workshops/case-workshop.da.md"]
    (content / "workshops/case-workshop.da.md").unlink()
    assert messages(content) == ["content/workshops/case-workshop.en.md:1: warning: the da "
                                 "translation (case-workshop.da.md) is missing"]


def test_the_app_refuses_to_start_on_a_broken_workshop(content):
    edit(content / "workshops/case-workshop.en.md", "schema: 1", "schema: 2")
    with pytest.raises(ContentError, match="'schema' must be 1"):
        create_app({**BASE_CONFIG, "CONTENT_DIR": str(content), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_content_check_includes_workshops(content):
    result = CliRunner().invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 0, result.output
    assert "1 workshops" in result.output
    edit(content / "workshops/case-workshop.en.md", "reviewed: 2026-11-27", "reviewed: soon")
    result = CliRunner().invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 1
    assert "case-workshop.en.md:8: 'reviewed' must be a date" in result.output


def test_the_real_workshop_themes_are_clean_and_cite_their_sources():
    workshops, problems = load_workshops(REAL_CONTENT)
    assert [str(p) for p in problems] == []
    assert len(workshops) >= 2
    for workshop in workshops.values():
        for locale in ("da", "en"):
            body = workshop.text(locale).body
            assert "Stop Stalking final evaluation" in body, (workshop.slug, locale)



def test_a_reading_list_names_course_modules_only(content):
    for locale in ("da", "en"):
        edit(content / f"workshops/case-workshop.{locale}.md", "reading: [first-steps]",
             "reading: [first-steps, nowhere]")
    result = CliRunner().invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 1
    assert "'reading' names 'nowhere', which is not a course module" in result.output
    assert "'first-steps'" not in result.output
    edit(content / "workshops/case-workshop.da.md", "reading: [first-steps, nowhere]", "reading: [first-steps]")
    assert any(m.startswith("content/workshops/case-workshop.en.md:14: 'reading' differs from")
               for m in messages(content)), messages(content)


def test_the_theme_and_session_pages_link_the_reading(client, auth, make_user, make_session):
    session = make_session()
    auth.login(make_user())
    for url in ("/workshops/themes/case-workshop", f"/workshops/sessions/{session.id}"):
        page = client.get(url).get_data(as_text=True)
        assert 'Course reading' in page and '<a href="/modules/first-steps">First steps</a>' in page, url

"""elearn content check: each kind of mistake a trainer can make gets a precise file:line message."""


import shutil

import pytest
from click.testing import CliRunner

from elearn import create_app
from elearn.cli import main
from elearn.modules.courses.loader import ContentError, load
from elearn.modules.courses.services import catalogue
from tests.conftest import BASE_CONFIG, edit


def messages(root):
    return [str(p) for p in load(root).problems]


def test_the_test_course_is_clean(content):
    assert messages(content) == []


def test_catalogue_holds_modules_sections_cards_and_paths(content):
    catalogue = load(content).catalogue
    module = catalogue.module("first-steps")
    assert module.section_ids == ("what", "why")
    assert module.text("da").title == "Første skridt"
    assert str(catalogue.module("second-steps").version) == "2.1"
    assert catalogue.paths[0].modules == ("first-steps", "second-steps")
    assert [c.slug for c in catalogue.cards_for(module)] == ["quick-card"]


def test_links_become_site_addresses(content):
    html = str(load(content).catalogue.module("first-steps").text("en").sections[0].html)
    assert 'href="/modules/second-steps/law"' in html
    assert 'href="/reference/quick-card"' in html
    assert 'src="/content/media/diagram.png"' in html
    assert 'href="#fn:1"' in html


@pytest.mark.parametrize(("file", "old", "new", "expected"), [
    ("modules/first-steps.en.md", "minutes: 5\n", "", "content/modules/first-steps.en.md:2: missing setting 'minutes'"),
    ("modules/first-steps.en.md", "minutes: 5", "minutes: 5\ncolour: red", "first-steps.en.md:8: unknown setting 'colour'"),
    ("modules/first-steps.en.md", 'version: "1.0"', "version: 1", "first-steps.en.md:8: 'version' must be"),
    ("modules/first-steps.en.md", "slug: first-steps", "slug: other-name", "slug 'other-name' does not match the file name"),
    ("modules/first-steps.en.md", "audience: [recruit, servicecenter]", "audience: [pilots]", "'audience' must be a list of"),
    ("modules/first-steps.en.md", "second-steps.en.md#law", "second-steps.en.md#nowhere", "first-steps.en.md:22: link 'second-steps.en.md#nowhere': no section or anchor '#nowhere' in module second-steps"),
    ("modules/first-steps.en.md", "second-steps.en.md#law", "missing-module.en.md", "first-steps.en.md:22: link 'missing-module.en.md' goes to no module or card"),
    ("modules/first-steps.en.md", "../media/diagram.png", "../media/nothing.png", "first-steps.en.md:25: '../media/nothing.png' does not exist"),
    ("modules/first-steps.en.md", "![A blue test diagram]", "![]", "first-steps.en.md:25: image '../media/diagram.png' needs a description"),
    ("modules/first-steps.en.md", "[what it is](#what)", "[what it is](#gone)", "no section or anchor '#gone' in module first-steps"),
    ("modules/first-steps.en.md", "### Details", "#### Details", "first-steps.en.md:29: heading level skipped: #### after ##"),
    ("modules/first-steps.en.md", "## Why it matters {#why}", "# Why it matters", "do not use '#' headings"),
    ("modules/first-steps.en.md", "## Why it matters {#why}", "## Why it matters", "this section needs a permanent id"),
    ("modules/first-steps.en.md", "{#why}", "{#because}", "section ids ['what', 'because'] differ from ['what', 'why']"),
    ("modules/first-steps.en.md", "minutes: 5", "minutes: 6", "'minutes' differs from content/modules/first-steps.da.md"),
    ("modules/first-steps.*.md", "prerequisites: []", "prerequisites: [ghost]", "unknown prerequisite 'ghost'"),
    ("modules/first-steps.*.md", "reference_cards: [quick-card]", "reference_cards: [ghost-card]", "unknown reference card 'ghost-card'"),
    ("modules/first-steps.*.md", "summary:", "quiz: no-such-quiz\nsummary:", "unknown quiz 'no-such-quiz'"),
    ("modules/first-steps.en.md", "title: First steps", "title: [unclosed", "the settings block is not valid YAML"),
    ("reference/quick-card.*.md", "module: first-steps", "module: ghost", "unknown module 'ghost'"),
    ("reference/quick-card.en.md", "module: first-steps", "module: second-steps", "'module' differs from content/reference/quick-card.da.md"),
    ("paths.yaml", "[first-steps, second-steps]", "[first-steps, ghost]", "paths.yaml:7: path recruit: unknown module 'ghost'"),
])
def test_each_mistake_is_reported_with_file_and_line(content, file, old, new, expected):
    for path in content.glob(file):
        edit(path, old, new)
    assert any(expected in message for message in messages(content)), messages(content)


def test_prerequisite_cycle_is_reported(content):
    for locale in ("da", "en"):
        edit(content / f"modules/first-steps.{locale}.md", "prerequisites: []",
             "prerequisites: [second-steps]")
    assert any("prerequisite cycle: first-steps → second-steps → first-steps" in m
               or "prerequisite cycle: second-steps → first-steps → second-steps" in m
               for m in messages(content))


def test_duplicate_slug_and_bad_file_names(content):
    (content / "modules" / "Bad Name.md").write_text("---\n")
    assert any("Bad Name.md:1: the file name must be" in m for m in messages(content))


def test_missing_translation_is_a_warning(content):
    (content / "modules" / "second-steps.da.md").unlink()
    result = load(content)
    assert result.errors == []
    assert any("second-steps.da.md) is missing" in str(p) and p.warning for p in result.problems)
    module = result.catalogue.module("second-steps")
    assert not module.is_translated("da") and module.text("da").title == "Second steps"


def test_the_app_refuses_to_start_on_broken_content(content):
    edit(content / "modules/first-steps.en.md", "../media/diagram.png", "../media/nothing.png")
    with pytest.raises(ContentError) as error:
        create_app({**BASE_CONFIG, "CONTENT_DIR": str(content), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert "nothing.png' does not exist" in str(error.value)


def test_check_command_prints_problems_and_fails(content):
    edit(content / "modules/first-steps.en.md", "second-steps.en.md#law", "second-steps.en.md#x")
    result = CliRunner().invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 1
    assert "first-steps.en.md:22: link" in result.output
    assert "1 error(s), 0 warning(s)" in result.output


def test_check_command_passes_on_clean_content(content):
    result = CliRunner().invoke(main, ["content", "check", "--path", str(content)])
    assert result.exit_code == 0, result.output


def test_render_cache_is_used_on_the_second_load(content, tmp_path):
    first = load(content, tmp_path / "cache")
    second = load(content, tmp_path / "cache")
    assert first.rendered > 0 and second.rendered == 0
    assert second.cached == first.rendered + first.cached
    assert second.catalogue == first.catalogue


def test_a_corrupt_cache_entry_is_rendered_again(content, tmp_path):
    load(content, tmp_path / "cache")
    for entry in (tmp_path / "cache").iterdir():
        entry.write_text("not json")
    again = load(content, tmp_path / "cache")
    assert again.rendered > 0 and again.problems == ()


def test_a_section_id_used_twice_is_an_error(content):
    for locale in ("da", "en"):
        edit(content / f"modules/second-steps.{locale}.md", "{#practice}", "{#law}")
    assert any("section id 'law' is used twice" in m for m in messages(content))


def test_change_versions_must_be_quoted(content):
    edit(content / "modules/second-steps.en.md", 'version: "2.0"', "version: 2.0")
    assert any("'changes' must be a list" in m for m in messages(content))


def test_images_from_the_web_are_refused(content):
    edit(content / "modules/first-steps.en.md", "../media/diagram.png",
         "https://example.org/diagram.png")
    assert any("must be stored in the media folder" in m for m in messages(content))


def test_command_line_apps_load_the_content_only_when_a_command_needs_it(content, monkeypatch, tmp_path,
                                                                        sqlite_template):
    """`elearn outbox send` runs every minute: it must not spend seconds reading the course."""
    edit(content / "modules/first-steps.en.md", "../media/diagram.png", "../media/nothing.png")
    database = tmp_path / "cli.sqlite"
    shutil.copy(sqlite_template, database)
    monkeypatch.setenv("ELEARN_CONTENT_DIR", str(content))
    monkeypatch.setenv("ELEARN_DATABASE_URL", f"sqlite:///{database}")
    app = create_app(defer_content=True)
    with app.app_context(), pytest.raises(ContentError, match="nothing.png' does not exist"):
        catalogue()
    assert CliRunner().invoke(main, ["outbox", "send"]).exit_code == 0
    result = CliRunner().invoke(main, ["serve", "--port", "1"])
    assert result.exit_code != 0
    assert "The course content has errors" in result.output


def test_deferred_content_loads_once_on_first_use(monkeypatch):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"}, defer_content=True)
    with app.app_context():
        assert "elearn.catalogue" not in app.extensions
        first = catalogue()
        assert catalogue() is first and first.modules

"""Catalogue, module and section pages, reading progress, cards, search and media, as a learner sees them."""

import pytest

from elearn.extensions import db
from elearn.modules.progress.models import ModuleProgress


@pytest.fixture
def learner(client, auth, make_user):
    user = make_user()
    auth.login(user)
    return user


def html(response):
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def read_all(auth, slug, sections):
    for section in sections:
        auth.post(f"/modules/{slug}/{section}/read", {})


def test_catalogue_groups_modules_by_path_with_status(client, learner):
    page = html(client.get("/modules"))
    assert "Police recruit" in page and "First steps" in page and "Second steps" in page
    assert page.count("Not started") == 4  # both paths (recruit, key officer) hold both modules


@pytest.mark.both_databases
def test_opening_a_module_starts_it_and_reading_every_section_completes_it(client, auth, learner):
    page = html(client.get("/modules/first-steps"))
    assert "Start reading" in page and 'href="/modules/first-steps/what"' in page
    assert "In progress" in html(client.get("/modules"))
    response = auth.post("/modules/first-steps/what/read", {})
    assert response.headers["Location"] == "/modules/first-steps/why"
    assert "Continue where you left off" in html(client.get("/modules/first-steps"))
    response = auth.post("/modules/first-steps/why/read", {})
    assert response.headers["Location"] == "/modules/first-steps"
    page = html(client.get("/modules/first-steps"))
    assert "You have completed the module." in page and "100% done" in page
    assert "Completed" in html(client.get("/modules"))


def test_reading_a_section_twice_changes_nothing(client, auth, learner):
    read_all(auth, "first-steps", ["what", "what", "why", "why"])
    rows = db.session.scalars(db.select(ModuleProgress)).all()
    assert len(rows) == 1 and rows[0].completed_at is not None


def test_section_page_shows_position_and_neighbours(client, learner):
    page = html(client.get("/modules/first-steps/why"))
    assert "Section 2 of 2" in page and 'rel="prev"' in page
    assert "Mark as read and finish" in page
    assert 'class="admonition note"' in page


def test_unknown_module_or_section_is_404(client, auth, learner):
    assert client.get("/modules/no-such").status_code == 404
    assert client.get("/modules/first-steps/no-such").status_code == 404
    assert auth.post("/modules/first-steps/no-such/read", {}).status_code == 404


def test_unmet_prerequisite_is_explained_not_hidden(client, learner):
    page = html(client.get("/modules/second-steps"))
    assert "This module builds on:" in page and 'href="/modules/first-steps"' in page


def test_met_prerequisite_is_not_nagged_about(client, auth, learner):
    read_all(auth, "first-steps", ["what", "why"])
    assert "This module builds on:" not in html(client.get("/modules/second-steps"))


def _complete_at(user, slug, version):
    from elearn.clock import utcnow

    db.session.add(ModuleProgress(user_id=user.id, module_slug=slug,
                                  major_version=int(version.split(".")[0]), version=version,
                                  completed_at=utcnow()))
    db.session.commit()


def test_completion_of_an_older_major_version_is_outdated_with_what_changed(client, learner):
    _complete_at(learner, "second-steps", "1.0")
    assert "Outdated – read it again" in html(client.get("/modules"))
    page = html(client.get("/modules/second-steps"))
    assert "What changed since you completed it" in page and "Rewritten." in page


def test_a_minor_update_keeps_the_completion_and_says_so(client, learner):
    _complete_at(learner, "second-steps", "2.0")
    assert "Completed – updated since" in html(client.get("/modules"))


def test_module_is_shown_in_the_users_language(client, auth, make_user):
    auth.login(make_user(locale="da"))
    page = html(client.get("/modules/first-steps"))
    assert "Første skridt" in page and "Hvad det er" in page


def test_missing_translation_shows_the_other_language_with_a_notice(app, client, learner):
    from dataclasses import replace
    from types import MappingProxyType

    from elearn.modules.courses.services import EXTENSION_KEY

    catalogue = app.extensions[EXTENSION_KEY]
    module = catalogue.modules["second-steps"]
    only_danish = replace(module, texts=MappingProxyType({"da": module.texts["da"]}))
    app.extensions[EXTENSION_KEY] = replace(catalogue, modules=MappingProxyType(
        {**catalogue.modules, "second-steps": only_danish}))
    page = html(client.get("/modules/second-steps"))
    assert "Andet skridt" in page
    assert "not yet available in your language" in page


def test_reference_card_links_back_to_its_module_and_prints(client, learner):
    page = html(client.get("/reference/quick-card"))
    assert "Checklist" in page and 'href="/modules/first-steps"' in page and "data-print" in page
    assert "Quick card en" in html(client.get("/reference"))
    assert client.get("/reference/no-such").status_code == 404


def test_module_page_links_its_cards(client, learner):
    assert 'href="/reference/quick-card"' in html(client.get("/modules/first-steps"))


def test_search_finds_sections_in_both_languages_with_highlights(client, learner):
    page = html(client.get("/search?q=PATTERN"))
    assert 'href="/modules/first-steps/what"' in page and "<mark>pattern</mark>" in page
    page = html(client.get("/search?q=ØL"))
    assert "<mark>øl</mark>" in page and "Dansk" in page


def test_search_without_hits_or_query(client, learner):
    assert "0 results" in html(client.get("/search?q=zzzzqqq"))
    assert html(client.get("/search?q="))


def test_search_escapes_the_query(client, learner):
    page = html(client.get("/search?q=<script>alert(1)</script>"))
    assert "<script>alert(1)" not in page


def test_media_is_served_with_its_type_and_sandboxed(client, learner):
    response = client.get("/content/media/diagram.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    response.close()


@pytest.mark.parametrize("path", ["../paths.yaml", "..%2Fpaths.yaml", "%2e%2e/paths.yaml",
                                  "../../pyproject.toml", "/etc/passwd", "diagram.svg",
                                  "nothing.png"])
def test_media_never_leaves_the_media_folder(client, learner, path):
    response = client.get(f"/content/media/{path}", follow_redirects=True)
    assert response.status_code == 404
    response.close()


def test_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "elearn-cards" in response.get_data(as_text=True)
    response.close()

"""Regressions found in review: each once produced a 500, a stuck learner or a session that never ended."""

from datetime import timedelta
from io import BytesIO

import pytest

from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth.models import LoginSession, Role


def test_a_session_ends_on_the_server_after_its_lifetime(app, client, auth, make_user):
    auth.login(make_user())
    assert client.get("/").status_code == 200
    db.session.execute(db.update(LoginSession).values(
        created_at=utcnow() - app.permanent_session_lifetime - timedelta(minutes=1)))
    db.session.commit()
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("query", ["?endpoint=x", "?_method=POST", "?_external=1&_anchor=evil",
                                   "?page=99999999999999999999", "?unit=99999999999999999999"])
def test_user_list_ignores_foreign_query_arguments(client, auth, make_user, query):
    auth.login(make_user(Role.ADMIN))
    for n in range(51):
        make_user(name=f"Person {n:02d}")
    response = client.get("/admin/users" + query)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    pagination = html.split('class="pagination"')[1].split("</nav>")[0]
    assert "evil" not in pagination and "http://" not in pagination and "endpoint" not in pagination


@pytest.mark.parametrize("url", ["/admin/users/99999999999999999999",
                                 "/admin/units/99999999999999999999", "/admin/users/0"])
def test_huge_or_zero_ids_are_not_found(client, auth, make_user, url):
    auth.login(make_user(Role.ADMIN))
    assert client.get(url).status_code == 404


def test_people_filter_with_a_huge_unit_is_harmless(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    assert client.get("/people?unit=99999999999999999999").status_code == 200


def test_a_roster_field_too_large_for_csv_is_a_clear_error(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    content = 'name,email,unit,roles\n"' + "x" * 200_000 + '",a@politi.example,U,learner\n'
    response = auth.post("/admin/roster", {"file": (BytesIO(content.encode()), "r.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 400
    assert "cannot be read as CSV" in response.get_data(as_text=True)


def test_media_is_cached_privately(client, auth, make_user):
    auth.login(make_user())
    response = client.get("/content/media/diagram.png")
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    response.close()


def test_choosing_the_browser_language_again_forgets_the_switch(client, auth, make_user):
    auth.login(make_user())
    auth.post("/language", {"locale": "da"})
    auth.post("/account", {"locale": ""})
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_a_query_string_never_fills_the_shared_page_cache(client, auth, make_user):
    from elearn import pagecache

    auth.login(make_user())
    client.get("/modules/first-steps/what")
    before = len(pagecache._pages)
    for n in range(5):
        assert client.get(f"/modules/first-steps/what?x={n}").status_code == 200
    assert len(pagecache._pages) == before

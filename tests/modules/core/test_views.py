"""Security headers, error pages, languages (the health check: test_health.py)."""

import pytest

from elearn.modules.auth.models import Role


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_use_no_inline_scripts_or_styles(client, auth, make_user):
    auth.login(make_user(Role.ADMIN))
    for url in ["/", "/admin/users", "/admin/units", "/admin/roster", "/account"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html and " onclick" not in html


def test_session_cookie_is_httponly_and_lax(client, auth, make_user):
    response = auth.login(make_user())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_over_https(client, auth, make_user):
    user = make_user()
    token = auth.token()
    response = client.post("/login", base_url="https://localhost",
                           headers={"Referer": "https://localhost/login"},
                           data={"email": user.email, "password": "correct horse battery staple",
                                 "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"]


def test_unknown_url_gets_404_in_danish(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "da"})
    assert response.status_code == 404
    assert 'lang="da"' in response.get_data(as_text=True)
    assert "Siden blev ikke fundet" in response.get_data(as_text=True)


def test_unknown_url_gets_404_in_english(client):
    response = client.get("/no/such/page", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_unexpected_error_gets_500_page_with_reference(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("bug")

    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    assert "bug" not in response.get_data(as_text=True)


@pytest.mark.parametrize(("header", "lang"), [("da-DK,da;q=0.9", "da"), ("en-US", "en"),
                                              ("de-DE", "en")])
def test_language_follows_the_browser(client, header, lang):
    html = client.get("/login", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{lang}">' in html


def test_users_preference_beats_the_browser(client, auth, make_user):
    auth.login(make_user(locale="da"))
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="da">' in html


def test_language_switch_for_anonymous_visitor(client, auth):
    response = auth.post("/language", {"locale": "da", "next": "/login"})
    assert response.headers["Location"] == "/login"
    assert '<html lang="da">' in client.get("/login").get_data(as_text=True)


def test_language_switch_saves_the_users_preference(client, auth, make_user):
    user = make_user()
    auth.login(user)
    auth.post("/language", {"locale": "da", "next": "https://evil.example/"})
    assert user.locale == "da"


def test_unknown_language_is_ignored(client, auth):
    auth.post("/language", {"locale": "xx"})
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_dates_are_formatted_for_the_locale(app):
    from datetime import date

    from flask_babel import force_locale

    with app.test_request_context(), force_locale("da"):
        assert app.jinja_env.filters["date"](date(2026, 11, 27)) == "27. november 2026"


def test_dashboard_shows_shortcuts_by_role(client, auth, make_user):
    auth.login(make_user(Role.COORDINATOR))
    html = client.get("/").get_data(as_text=True)
    assert "/people" in html and "/admin/users" not in html


def test_dashboard_offers_to_continue_a_started_module_and_lists_cards(client, auth, make_user):
    auth.login(make_user())
    page = client.get("/").get_data(as_text=True)
    assert 'href="/reference/quick-card"' in page and "Continue where you left off" not in page
    client.get("/modules/first-steps")
    auth.post("/modules/first-steps/what/read", {})
    page = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in page and 'href="/modules/first-steps/why"' in page

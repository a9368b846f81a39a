"""Shared page renders never carry one viewer's token, name or progress to another."""

import re

from tests.conftest import TOKEN, AuthActions


def _viewer(app, make_user, name):
    client = app.test_client()
    auth = AuthActions(client)
    user = make_user(name=name, email=f"{name.lower()}@politi.example")
    auth.login(user)
    return client, auth


def test_each_viewer_gets_their_own_csrf_token_and_no_one_elses_name(app, client, make_user):
    first, first_auth = _viewer(app, make_user, "Alice")
    second, second_auth = _viewer(app, make_user, "Bertram")
    pages = [c.get("/modules/first-steps/what").get_data(as_text=True) for c in (first, second)]
    tokens = [set(TOKEN.findall(page)) for page in pages]
    assert len(tokens[0]) == len(tokens[1]) == 1 and tokens[0] != tokens[1]
    assert "Alice" not in pages[1] and "Bertram" not in pages[0]
    # the token in the shared page is valid for its own viewer only
    token = tokens[1].pop()
    response = second.post("/modules/first-steps/what/read", data={"csrf_token": token})
    assert response.status_code == 302
    assert first.post("/modules/first-steps/why/read", data={"csrf_token": token}).status_code == 400


def test_progress_shown_is_the_viewers_own(app, client, make_user):
    reader, reader_auth = _viewer(app, make_user, "Reader")
    other, _ = _viewer(app, make_user, "Other")
    reader_auth.post("/modules/first-steps/what/read", {})
    assert "You have read this section." in reader.get("/modules/first-steps/what").get_data(as_text=True)
    assert "You have read this section." not in other.get("/modules/first-steps/what").get_data(as_text=True)


def test_a_page_with_a_message_is_rendered_afresh(app, client, make_user):
    viewer, auth = _viewer(app, make_user, "Flash")
    viewer.get("/modules/first-steps/what")
    with viewer.session_transaction() as session:
        session["_flashes"] = [("success", "A one-off message")]
    assert "A one-off message" in viewer.get("/modules/first-steps/what").get_data(as_text=True)
    assert "A one-off message" not in viewer.get("/modules/first-steps/what").get_data(as_text=True)


def test_no_marker_is_ever_left_in_a_page(app, client, make_user):
    viewer, _ = _viewer(app, make_user, "Marker")
    page = viewer.get("/modules/first-steps/why").get_data(as_text=True)
    assert not re.search(r"csrf[0-9a-f]{32}", page)

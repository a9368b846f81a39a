"""The public privacy page: what is stored and why, with the configured retention periods."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config():
    return {"RETENTION_QUIZ_ANSWERS_DAYS": 365, "RETENTION_FEEDBACK_DAYS": 0, "RETENTION_AUDIT_DAYS": 1095}


def test_the_privacy_page_is_public_and_shows_the_configured_periods(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "365 days" in page and "1095 days" in page
    assert "no period is configured" in page  # feedback texts: 0 keeps them
    assert "730 days" not in page  # not the defaults
    for topic in ("Quiz answers", "Workshop feedback", "Certificates", "Audit events", "Server logs",
                  "No trackers", "data controller is the police district"):
        assert topic in page


def test_every_page_links_to_it_in_the_footer(client, auth, make_user):
    assert 'href="/privacy"' in client.get("/login").get_data(as_text=True)
    auth.login(make_user())
    page = client.get("/privacy").get_data(as_text=True)
    assert 'href="/account/record"' in page


def test_the_backups_row_gives_the_cron_files_rotation(client):
    import re
    from pathlib import Path

    cron = (Path(__file__).resolve().parents[3] / "deploy" / "elearn.cron").read_text()
    days = re.search(r"-name 'elearn-\*' -mtime \+(\d+) -delete", cron).group(1)
    page = client.get("/privacy").get_data(as_text=True)
    row = page[page.index('<tr id="backups">'):]
    row = row[:row.index("</tr>")]
    assert f"{days} days" in row and "anonymised" in row

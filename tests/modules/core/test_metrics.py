"""GET /metrics: Prometheus text for this machine or an admin; counts that follow the requests;
every gunicorn worker's counts in one scrape in multiprocess mode."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from elearn.extensions import db
from elearn.modules.auth.models import Role
from elearn.modules.outbox.services import queue_text
from tests.cluster import AppInstance, app_environment, free_port

REMOTE = {"REMOTE_ADDR": "192.0.2.40"}


def samples(text: str) -> dict:
    """{(sample name, sorted label pairs): value} of a scrape (fails when the text does not parse)."""
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    return samples(response.get_data(as_text=True))


def requests_of(figures: dict, endpoint: str, status: str = "2xx", method: str = "GET") -> float:
    key = ("elearn_http_requests_total", (("endpoint", endpoint), ("method", method), ("status", status)))
    return figures.get(key, 0.0)


def test_a_local_request_reads_the_metrics(client):
    figures = scrape(client)
    assert figures[("elearn_http_requests_in_progress", ())] == 1  # this scrape
    assert ("elearn_content_modules", ()) in figures
    assert figures[("elearn_outbox_messages", (("status", "pending"),))] == 0


@pytest.mark.parametrize("forwarded", [{"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                                       {"X-Real-IP": "203.0.113.9"}, {"X-Forwarded-Proto": "https"},
                                       {"X-Forwarded-Host": "elearn.politi.example"}])
def test_a_forwarded_request_is_sent_to_log_in(client, forwarded):
    response = client.get("/metrics", headers=forwarded)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_a_remote_learner_or_coordinator_gets_403(client, auth, make_user):
    client.environ_base.update(REMOTE)
    for role in (Role.LEARNER, Role.COORDINATOR):
        auth.login(make_user(role))
        response = client.get("/metrics")
        assert response.status_code == 403
        assert "elearn_http" not in response.get_data(as_text=True)
        auth.logout()


def test_a_remote_admin_reads_the_metrics(client, auth, make_user):
    client.environ_base.update(REMOTE)
    assert client.get("/metrics").status_code == 302
    auth.login(make_user(Role.ADMIN))
    assert "elearn_http_requests_total" in client.get("/metrics").get_data(as_text=True)


def test_counts_follow_the_requests(app, client):
    app.add_url_rule("/broken", "broken", lambda: 1 / 0)
    before = scrape(client)
    for _ in range(3):
        client.get("/login")
    client.get("/no/such/page")
    client.post("/login", data={})  # no CSRF token: 400
    client.get("/broken")
    after = scrape(client)
    assert requests_of(after, "/login") - requests_of(before, "/login") == 3
    assert requests_of(after, "/login", "4xx", "POST") - requests_of(before, "/login", "4xx", "POST") == 1
    assert requests_of(after, "<unmatched>", "4xx") - requests_of(before, "<unmatched>", "4xx") == 1
    errors = ("elearn_http_server_errors_total", (("endpoint", "/broken"),))
    assert after[errors] - before.get(errors, 0) == 1
    count = ("elearn_http_request_duration_seconds_count", (("endpoint", "/login"),))
    assert after[count] - before[count] == 4
    assert requests_of(after, "/metrics") - requests_of(before, "/metrics") == 1


def test_the_outbox_backlog_is_a_gauge(client, make_user):
    user = make_user()
    for _ in range(2):
        queue_text(user, "Subject", "Body")
    db.session.commit()
    figures = scrape(client)
    assert figures[("elearn_outbox_messages", (("status", "pending"),))] == 2
    assert figures[("elearn_outbox_oldest_due_seconds", ())] >= 0


def test_one_scrape_counts_every_gunicorn_worker(sqlite_template, tmp_path):
    database = tmp_path / "elearn.sqlite"
    shutil.copy(sqlite_template, database)
    env = app_environment(f"sqlite:///{database}", None)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    instance = AppInstance(free_port(), env, workers=2, log=tmp_path / "gunicorn.log").start()
    try:
        before = samples(httpx.get(instance.url + "/metrics").text)
        # Four at a time, each on its own connection: both sync workers answer some.
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: httpx.get(instance.url + "/login").status_code, range(20)))
        after = samples(httpx.get(instance.url + "/metrics").text)
        forwarded = httpx.get(instance.url + "/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    finally:
        instance.stop()
    assert statuses == [200] * 20
    assert requests_of(after, "/login") - requests_of(before, "/login") == 20
    assert forwarded.status_code == 302


@pytest.mark.parametrize(("address", "local"), [("127.0.0.2", True), ("::ffff:127.0.0.1", True),
                                                ("::1", True), ("192.0.2.40", False),
                                                ("::ffff:192.0.2.40", False), ("not-an-address", False)])
def test_every_loopback_address_is_local(client, address, local):
    response = client.get("/metrics", environ_base={"REMOTE_ADDR": address})
    assert (response.status_code == 200) is local

"""GET /healthz: the database, Redis when configured, and the loaded course; 503 when a part is down."""

from __future__ import annotations

import time

import pytest

from elearn.modules.courses.services import EXTENSION_KEY
from tests.cluster import RedisServer, free_port, redis_available
from tests.conftest import skip_or_fail


@pytest.fixture(scope="module")
def redis_server():
    if not redis_available():
        skip_or_fail("no redis-server on this machine")
    server = RedisServer().start()
    yield server
    server.stop()


def test_healthz_is_ok_with_database_and_content(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "not configured", "content": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.both_databases
def test_healthz_is_ok_on_both_databases(client):
    assert client.get("/healthz").json["database"] == "ok"


@pytest.mark.parametrize("app_config", [
    {"SQLALCHEMY_DATABASE_URI": "sqlite:////nonexistent/folder/elearn.sqlite"},
    {"SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://elearn:pw-not-shown@127.0.0.1:{free_port()}/elearn"},
], ids=["sqlite", "postgresql"])
def test_healthz_is_503_when_the_database_is_unreachable(client, capsys, caplog):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "degraded", "database": "unavailable", "redis": "not configured",
                             "content": "ok"}
    assert "database unavailable" in caplog.text  # the failure is logged, without the password
    assert "pw-not-shown" not in caplog.text + capsys.readouterr().err


@pytest.mark.parametrize("app_config", [{"REDIS_URL": f"redis://:s3cret@127.0.0.1:{free_port()}/0"}])
def test_healthz_is_503_when_redis_is_configured_but_down(client, capsys, caplog):
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 3
    assert response.status_code == 503
    assert response.json == {"status": "degraded", "database": "ok", "redis": "unavailable", "content": "ok"}
    assert "redis unavailable" in caplog.text
    assert "s3cret" not in caplog.text + capsys.readouterr().err


@pytest.fixture
def app_config(request):
    if "redis_server" in request.fixturenames:
        return {"REDIS_URL": request.getfixturevalue("redis_server").url}
    return getattr(request, "param", {})


def test_healthz_pings_a_real_redis(redis_server, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["redis"] == "ok" and response.json["status"] == "ok"


def test_healthz_is_503_without_course_content(app, client):
    app.extensions.pop(EXTENSION_KEY)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["content"] == "unavailable"


def test_healthz_reuses_its_answer_for_two_seconds(app, client, monkeypatch):
    from elearn.modules.core import services
    checks = []
    monkeypatch.setattr(services, "database_status", lambda: checks.append(1) or services.OK)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert len(checks) == 1
    later = time.monotonic() + services.HEALTH_CACHE_SECONDS + 0.1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    client.get("/healthz")
    assert len(checks) == 2

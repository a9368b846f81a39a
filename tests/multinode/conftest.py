"""The multinode cluster, started once per test session: one real PostgreSQL, one real Redis, the
schema migrated once by `elearn db upgrade` in its own process (the deploy step), and two app
instances (separate gunicorn processes on separate ports, two workers each) on the same database,
Redis and secret key. Tests seed data through the services in this process (an app on the same
database) and talk to the instances over real HTTP with httpx, as browsers behind a load balancer
would."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from elearn import create_app
from elearn.extensions import db
from tests import postgres
from tests.cluster import (
    AppInstance,
    RedisServer,
    app_environment,
    elearn_command,
    redis_available,
    start_instances,
    stop_instances,
)
from tests.conftest import BASE_CONFIG, PASSWORD, TOKEN, skip_or_fail

DATABASE = "elearn_multinode"
#: Low limits, so the throttling tests need few requests; each counted across both instances.
LIMITS = {
    "LOGIN_LIMIT_PER_ACCOUNT_AND_IP": "3 per 5 minutes",
    "LOGIN_LIMIT_PER_ACCOUNT": "3 per 5 minutes",
    "LOGIN_LIMIT_PER_IP": "100 per 5 minutes",
    "VERIFY_LIMIT": "4 per minute",
}


@dataclass
class Cluster:
    a: AppInstance
    b: AppInstance
    env: dict  # the instances' environment; `elearn` commands run with it too
    database_url: str
    server: postgres.PostgresServer
    logs: Path

    @property
    def instances(self) -> tuple[AppInstance, AppInstance]:
        return self.a, self.b

    def count(self, sql: str, **params) -> int:
        """A number read straight from the database (a fresh connection: nobody's cached rows)."""
        with db.engine.connect() as connection:
            return connection.execute(text(sql), params).scalar_one()


@pytest.fixture(scope="session")
def cluster(postgres_server):
    if not redis_available():
        skip_or_fail("no redis-server on PATH (Debian package redis-server)")
    with postgres_server.admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    url = postgres_server.url(DATABASE)
    redis = RedisServer().start()
    logs = Path(tempfile.mkdtemp(prefix="elearn-multinode-"))
    instances: list[AppInstance] = []
    try:
        env = app_environment(url, redis.url, **LIMITS)
        upgraded = elearn_command(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
        instances = start_instances(2, env, logs)
        yield Cluster(*instances, env=env, database_url=url, server=postgres_server, logs=logs)
    finally:
        stop_instances(instances)
        redis.stop()
        with postgres_server.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def seed_app(cluster):
    """An app in this process on the cluster's database, for seeding and counting (fast password
    hashes: Argon2 keeps its parameters in the hash, so the instances verify them as written)."""
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": cluster.database_url})
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def seeded(seed_app):
    """The seeding app's context for one test."""
    with seed_app.app_context():
        yield seed_app
        db.session.remove()


class Browser:
    """One person's browser on one instance: real HTTP, cookies kept, CSRF tokens read from pages."""

    def __init__(self, instance: AppInstance):
        self.http = httpx.Client(base_url=instance.url, timeout=60)

    def on(self, instance: AppInstance) -> Browser:
        """The same browser (same cookies) sent to another instance, as a load balancer may."""
        other = Browser(instance)
        other.http.cookies = self.http.cookies
        return other

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def token(self, path: str = "/login") -> str:
        page = self.http.get(path, follow_redirects=True)
        match = TOKEN.search(page.text)
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1)

    def post(self, path: str, data: dict, token: str | None = None) -> httpx.Response:
        return self.http.post(path, data={**data, "csrf_token": token or self.token()})

    def login(self, email: str, password: str = PASSWORD) -> httpx.Response:
        return self.post("/login", {"email": email, "password": password})

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def browsers():
    """browser(instance) -> a new Browser; all closed after the test."""
    opened: list[Browser] = []

    def browser(instance: AppInstance) -> Browser:
        opened.append(Browser(instance))
        return opened[-1]

    yield browser
    for each in opened:
        each.close()

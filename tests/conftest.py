"""Fixtures: an app on a fresh migrated database per test (SQLite, or PostgreSQL for tests marked
both_databases), client/runner, an auth helper that logs in and posts forms with CSRF tokens, and
factories for units and users."""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from elearn import create_app
from elearn.clock import utcnow
from elearn.extensions import db
from elearn.modules.auth import services as accounts
from elearn.modules.auth.models import Role
from elearn.modules.units.models import UnitKind
from elearn.modules.units.services import create_unit
from elearn.modules.workshops.models import Audience, WorkshopSession
from tests import postgres

PASSWORD = "correct horse battery staple"
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
BASE_CONFIG = {
    "CONTENT_DIR": str(FIXTURE_CONTENT),
    "CONTENT_CACHE_DIR": str(Path(tempfile.gettempdir()) / "elearn-test-content-cache"),
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "PASSWORD_HASH_PROFILE": "fast",
    "BABEL_DEFAULT_LOCALE": "en",
    "RATELIMIT_STORAGE_URI": "memory://",
    "SERVER_NAME": None,
}
_counter = itertools.count(1)
# Apps built without explicit config (the CLI's, the config tests') read the small test course too;
# tests/test_content.py checks the real content/ folder.
os.environ["ELEARN_CONTENT_DIR"] = str(FIXTURE_CONTENT)


def skip_or_fail(reason: str) -> None:
    """Skip where a real part is missing; under ELEARN_STRICT_TESTS=1 (CI) that is a failure."""
    if os.environ.get("ELEARN_STRICT_TESTS") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`make test`), the multinode tests share one worker, so their cluster of
    servers starts once."""
    for item in items:
        if item.get_closest_marker("multinode"):
            item.add_marker(pytest.mark.xdist_group("multinode"))


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
            "both_databases"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def content(tmp_path) -> Path:
    """A copy of the test course that a test may edit (see edit())."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first old in the file with new; old must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


def _migrate(url: str, instance: Path) -> None:
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    app.instance_path = str(instance)
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    _migrate(f"sqlite:///{path}", path.parent)
    return path


@pytest.fixture(scope="session")
def postgres_server():
    if not postgres.available():
        skip_or_fail(f"no PostgreSQL binaries in {postgres.PG_BIN}")
    server = postgres.PostgresServer().start()
    admin = create_engine(server.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE elearn_template"))
    _migrate(server.url("elearn_template"), Path(server.root))
    server.admin = admin
    yield server
    admin.dispose()
    server.stop()


def _database_url(backend: str, request, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "test.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres_server")
    name = f"elearn_test_{next(_counter)}"
    with server.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE elearn_template'))
    request.addfinalizer(lambda: _drop(server, name))
    return server.url(name)


def _drop(server, name: str) -> None:
    with server.admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(backend, request, tmp_path, app_config):
    url = _database_url(backend, request, tmp_path)
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **app_config})
    app.instance_path = str(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class RequestClient(FlaskClient):
    """Each request gets its own app context (fresh g and database session), as in production.

    The test's own session commits first, so a request never waits on the test's locks, and is
    expired after, so the test reads what the request wrote.
    """

    def open(self, *args, **kwargs):
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = RequestClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_unit(app):
    def make(name: str | None = None, code: str | None = None, kind=UnitKind.TEAM, parent=None):
        number = next(_counter)
        unit = create_unit(name or f"Unit {number}", code or f"U{number}", kind,
                           parent.id if parent else None)
        db.session.commit()
        return unit

    return make


@pytest.fixture
def make_user(app):
    def make(*roles: Role, name: str | None = None, email: str | None = None, unit=None,
             password: str | None = PASSWORD, locale: str | None = None):
        number = next(_counter)
        user = accounts.create_user(name or f"Person {number}", email or f"p{number}@politi.example",
                                    roles or (Role.LEARNER,), unit_id=unit.id if unit else None,
                                    password=password, locale=locale)
        db.session.commit()
        return user

    return make


def create_session(unit, capacity: int = 5, starts_in=timedelta(days=7), hours: int = 3,
                   facilitator=None, audience: str = "open", slug: str = "case-workshop"):
    """A scheduled workshop session (written directly, so it may also lie in the past)."""
    starts = utcnow().replace(microsecond=0) + starts_in
    session = WorkshopSession(
        workshop_slug=slug, unit_id=unit.id, starts_at=starts, ends_at=starts + timedelta(hours=hours),
        place="Horsens politistation, mødelokale 2", online_url="", capacity=capacity,
        facilitator_id=facilitator.id if facilitator else None, audience=Audience(audience),
        registration_deadline=starts, cancellation_deadline=starts, revision=0)
    db.session.add(session)
    db.session.commit()
    return session


@pytest.fixture
def make_session(app, make_unit):
    """make_session(unit=None, capacity=5, starts_in=timedelta(days=7), ...) -> WorkshopSession."""

    def make(unit=None, **kwargs):
        return create_session(unit or make_unit(), **kwargs)

    return make


TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class AuthActions:
    """Logs in through the real form and posts forms with a valid CSRF token, as a browser does."""

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        page = self.client.get("/login", follow_redirects=True)
        return TOKEN.search(page.get_data(as_text=True)).group(1)

    def login(self, user_or_email, password: str = PASSWORD):
        email = getattr(user_or_email, "email", user_or_email)
        return self.post("/login", {"email": email, "password": password})

    def logout(self):
        return self.post("/logout", {})

    def post(self, url: str, data: dict, **kwargs):
        return self.client.post(url, data={**data, "csrf_token": self.token()}, **kwargs)


@pytest.fixture
def auth(client):
    return AuthActions(client)

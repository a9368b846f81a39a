"""Configuration: defaults work with nothing set; ELEARN_* overrides; production needs a secret."""

import pytest
from sqlalchemy import text

from elearn import create_app
from elearn.config import ConfigurationError
from elearn.extensions import db


def test_defaults_need_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = create_app({"PASSWORD_HASH_PROFILE": "fast"})
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/elearn.sqlite")
    assert len(app.config["SECRET_KEY"]) >= 32


def test_generated_secret_key_is_kept(monkeypatch, tmp_path):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "inst" / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("ELEARN_DATABASE_URL", "sqlite:////tmp/elsewhere.sqlite")
    monkeypatch.setenv("ELEARN_SITE_NAME", "Politiets e-læring")
    monkeypatch.setenv("ELEARN_DEFAULT_LOCALE", "en")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/elsewhere.sqlite"
    assert app.config["SITE_NAME"] == "Politiets e-læring"
    assert app.config["BABEL_DEFAULT_LOCALE"] == "en"
    assert app.config["SECRET_KEY"] == "from-the-environment"


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="ELEARN_SECRET_KEY"):
        create_app()


def test_production_starts_with_a_secret_key(monkeypatch):
    monkeypatch.setenv("ELEARN_ENV", "production")
    monkeypatch.setenv("ELEARN_SECRET_KEY", "x" * 64)
    monkeypatch.setenv("ELEARN_BASE_URL", "https://elearn.politi.example")
    assert create_app().config["SECRET_KEY"] == "x" * 64


def test_unknown_default_locale_is_refused(monkeypatch):
    monkeypatch.setenv("ELEARN_DEFAULT_LOCALE", "fr")
    with pytest.raises(ConfigurationError):
        create_app()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    from sqlalchemy import text

    from elearn.extensions import db

    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000


@pytest.mark.both_databases
def test_postgresql_connections_run_without_jit(app, backend):
    with app.app_context():
        if backend == "postgresql":
            assert db.session.scalar(text("SHOW jit")) == "off"
        else:
            assert "connect_args" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_own_postgresql_connect_options_are_kept(monkeypatch):
    monkeypatch.setenv("ELEARN_DATABASE_URL", "postgresql+psycopg://localhost/elearn")
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": "-c jit=on"},
                                                    "pool_size": 3}})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"options": "-c jit=on", "connect_timeout": 5}
    assert options["pool_size"] == 3

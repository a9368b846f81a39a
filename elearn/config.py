"""Configuration: defaults that work with nothing set, then ELEARN_* variables, then the caller's mapping."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

ENV_PREFIX = "ELEARN_"

#: Environment variables read at start-up: ELEARN_<name> -> Flask config key.
ENV_KEYS = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "SECRET_KEY": "SECRET_KEY",
    "LIMITER_STORAGE_URL": "RATELIMIT_STORAGE_URI",
    "DEFAULT_LOCALE": "BABEL_DEFAULT_LOCALE",
    "SITE_NAME": "SITE_NAME",
    "ENV": "ELEARN_ENV",
    "CONTENT_DIR": "CONTENT_DIR",
    "TRUSTED_PROXIES": "TRUSTED_PROXIES",
    "LOGIN_LIMIT_PER_IP": "LOGIN_LIMIT_PER_IP",
    "LOGIN_LIMIT_PER_ACCOUNT": "LOGIN_LIMIT_PER_ACCOUNT",
    "LOGIN_LIMIT_PER_ACCOUNT_AND_IP": "LOGIN_LIMIT_PER_ACCOUNT_AND_IP",
    "VERIFY_LIMIT": "VERIFY_LIMIT",
    "TWO_FACTOR_LIMIT": "TWO_FACTOR_LIMIT",
    "SSO_LIMIT": "SSO_LIMIT",
    "SMTP_HOST": "SMTP_HOST",
    "SMTP_PORT": "SMTP_PORT",
    "SMTP_USER": "SMTP_USER",
    "SMTP_PASSWORD": "SMTP_PASSWORD",
    "SMTP_FROM": "SMTP_FROM",
    "SMTP_STARTTLS": "SMTP_STARTTLS",
    "SMTP_SSL": "SMTP_SSL",
    "OUTBOX_MAX_ATTEMPTS": "OUTBOX_MAX_ATTEMPTS",
    "BASE_URL": "BASE_URL",
    "ASSIGNMENT_REMINDER_DAYS": "ASSIGNMENT_REMINDER_DAYS",
    "REDIS_URL": "REDIS_URL",
    "LOG_FORMAT": "LOG_FORMAT",
    "LOCAL_LOGIN": "LOCAL_LOGIN",
    "REQUIRE_2FA": "REQUIRE_2FA",
    "OIDC_ISSUER": "OIDC_ISSUER",
    "OIDC_CLIENT_ID": "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET": "OIDC_CLIENT_SECRET",
    "OIDC_SCOPES": "OIDC_SCOPES",
    "OIDC_LABEL": "OIDC_LABEL",
    "OIDC_CREATE_USERS": "OIDC_CREATE_USERS",
    "OIDC_TRUST_EMAIL": "OIDC_TRUST_EMAIL",
    "OIDC_UNIT_CLAIM": "OIDC_UNIT_CLAIM",
    "OIDC_ROLE_CLAIM": "OIDC_ROLE_CLAIM",
    "OIDC_ROLE_MAP": "OIDC_ROLE_MAP",
    "RETENTION_QUIZ_ANSWERS_DAYS": "RETENTION_QUIZ_ANSWERS_DAYS",
    "RETENTION_FEEDBACK_DAYS": "RETENTION_FEEDBACK_DAYS",
    "RETENTION_AUDIT_DAYS": "RETENTION_AUDIT_DAYS",
    "PG_BIN": "PG_BIN",
}

#: Settings read as yes/no ("1", "true", "yes" are yes).
FLAGS = ("SMTP_STARTTLS", "SMTP_SSL", "LOCAL_LOGIN", "REQUIRE_2FA", "OIDC_CREATE_USERS",
         "OIDC_TRUST_EMAIL")
#: Retention settings: whole days, 0 meaning "keep for ever".
RETENTION_KEYS = ("RETENTION_QUIZ_ANSWERS_DAYS", "RETENTION_FEEDBACK_DAYS", "RETENTION_AUDIT_DAYS")

LOCALES = ("da", "en")
PROJECT_DIR = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_DIR / "migrations"
STATIC_DIR = PROJECT_DIR / "static"
DEVELOPMENT_BASE_URL = "http://localhost:5000"


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


class DefaultConfig:
    SITE_NAME = "elearn"
    ELEARN_ENV = "development"
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    SQLALCHEMY_DATABASE_URI = None  # an instance-folder SQLite file unless set
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_IP = "30 per 5 minutes"
    #: Requests per IP address to /login/sso and its callback together (each may wait on the provider).
    SSO_LIMIT = "30 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT_AND_IP = "5 per 5 minutes"
    # Higher, so one attacker cannot lock a colleague out, while many addresses together still can't
    # guess at will.
    LOGIN_LIMIT_PER_ACCOUNT = "30 per 5 minutes"
    #: Certificate verifications per client address (numbers are unguessable; this stops sweeps).
    VERIFY_LIMIT = "30 per minute"
    #: Wrong two-factor codes allowed per account (at log-in; and separately on the set-up page).
    TWO_FACTOR_LIMIT = "5 per 5 minutes"
    PASSWORD_HASH_PROFILE = "strong"  # noqa: S105  (a profile name, not a password)
    WTF_CSRF_TIME_LIMIT = None  # tied to the session, which the server can end
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "elearn_session"
    PERMANENT_SESSION_LIFETIME = 60 * 60 * 12  # an absolute limit from log-in: the cookie is not
    SESSION_REFRESH_EACH_REQUEST = False  # re-signed on every request
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    TRUSTED_PROXIES = 0
    CONTENT_DIR = str(Path(__file__).resolve().parent.parent / "content")
    CONTENT_CACHE_DIR = None  # the instance folder's content-cache/ unless set
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SMTP_HOST = None  # unset: `elearn outbox send` prints the messages instead of sending them
    SMTP_PORT = None  # 465 with SMTP_SSL, else 25
    SMTP_USER = None
    SMTP_PASSWORD = None  # noqa: S105  (no password unless configured)
    SMTP_FROM = "elearn <noreply@localhost>"
    SMTP_STARTTLS = False
    SMTP_SSL = False  # implicit TLS (SMTPS, port 465)
    OUTBOX_MAX_ATTEMPTS = 8
    #: The site's public address for every link in e-mail and calendar files (never the request's
    #: Host header); production must set it.
    BASE_URL = None  # outside production: DEVELOPMENT_BASE_URL
    #: How many days before an assignment's due date `elearn assignments run` reminds who has not
    #: completed it.
    ASSIGNMENT_REMINDER_DAYS = 7
    #: One Redis shared by every app instance: login throttles and verification limits are counted
    #: there (unless ELEARN_LIMITER_STORAGE_URL names another store) and /healthz checks it.
    REDIS_URL = None
    #: "json": one JSON object per log line (production default); "text": for a terminal.
    LOG_FORMAT = None
    #: False: nobody logs in with a local password (single sign-on only).
    LOCAL_LOGIN = True
    #: True: admins and coordinators with local passwords must use a TOTP authenticator app.
    REQUIRE_2FA = False
    #: OpenID Connect single sign-on; on when OIDC_ISSUER and OIDC_CLIENT_ID are set.
    OIDC_ISSUER = None
    OIDC_CLIENT_ID = None
    OIDC_CLIENT_SECRET = None  # noqa: S105  (none unless configured)
    OIDC_SCOPES = "openid email profile"
    OIDC_LABEL = None  # the button's text; "Log in with single sign-on" unless set
    OIDC_CREATE_USERS = True  # create an account at the first sign-on of an unknown e-mail
    #: True: the provider's e-mail addresses are the organisation's own, so an unverified one may still
    #: link to (or create) the account with that address; False: only an address with email_verified.
    OIDC_TRUST_EMAIL = False
    OIDC_UNIT_CLAIM = None  # a claim whose value is a unit's code, e.g. "department"
    OIDC_ROLE_CLAIM = None  # a claim holding a list of group names, e.g. "groups"
    OIDC_ROLE_MAP = ""  # "group=role,group=role", e.g. "elearn-admins=admin,elearn-coord=coordinator"
    #: Days to keep quiz answers (which options a person chose), workshop feedback texts and audit
    #: events; `elearn retention run` removes older ones. 0 keeps them for ever.
    RETENTION_QUIZ_ANSWERS_DAYS = 730
    RETENTION_FEEDBACK_DAYS = 730
    RETENTION_AUDIT_DAYS = 1825
    #: The folder of pg_dump and pg_restore for `elearn backup`/`restore`; unset: PATH, then
    #: /usr/lib/postgresql/15/bin.
    PG_BIN = None


def _secret_key(instance_path: Path) -> str:
    """Read the instance folder's generated secret key, creating it on first start. Processes starting
    together agree on one key: each writes a candidate, and only the first link to the name wins."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        candidate = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, key_file)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return key_file.read_text().strip()


def load(app, overrides: dict | None) -> None:
    """Fill app.config from defaults, the environment and overrides; refuse unsafe production set-ups."""
    app.config.from_object(DefaultConfig)
    for env_name, key in ENV_KEYS.items():
        value = os.environ.get(ENV_PREFIX + env_name)
        if value:
            app.config[key] = value
    app.config.update(overrides or {})
    app.config["TRUSTED_PROXIES"] = int(app.config["TRUSTED_PROXIES"])
    app.config["OUTBOX_MAX_ATTEMPTS"] = int(app.config["OUTBOX_MAX_ATTEMPTS"])
    app.config["ASSIGNMENT_REMINDER_DAYS"] = int(app.config["ASSIGNMENT_REMINDER_DAYS"])
    if not 0 <= app.config["ASSIGNMENT_REMINDER_DAYS"] <= 365:
        raise ConfigurationError("ELEARN_ASSIGNMENT_REMINDER_DAYS must be a number of days from 0 to 365.")
    for flag in FLAGS:
        app.config[flag] = str(app.config[flag]).lower() in ("1", "true", "yes")
    for key in RETENTION_KEYS:
        app.config[key] = _days(key, app.config[key])
    app.config["SMTP_PORT"] = int(app.config["SMTP_PORT"] or (465 if app.config["SMTP_SSL"] else 25))
    instance = Path(app.instance_path)
    production = app.config["ELEARN_ENV"] == "production"
    if production and not app.config.get("SECRET_KEY"):
        raise ConfigurationError(
            "ELEARN_ENV=production needs an explicit secret key: set ELEARN_SECRET_KEY to a long "
            "random value (e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    if production and not app.config.get("BASE_URL"):
        raise ConfigurationError(
            "ELEARN_ENV=production needs ELEARN_BASE_URL, the site's public address for links in "
            "e-mail (e.g. https://elearn.politi.example)."
        )
    _check_mail(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'elearn.sqlite'}"
    if app.config["BABEL_DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigurationError(f"ELEARN_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}.")
    _postgresql_options(app.config)
    _shared_stores(app.config)


def _days(key: str, value) -> int:
    try:
        days = int(value or 0)
    except ValueError:
        days = -1
    if not 0 <= days <= 36500:
        raise ConfigurationError(f"ELEARN_{key} must be a whole number of days (0 keeps for ever).")
    return days


def _shared_stores(config) -> None:
    """The rate limits count in Redis when one is configured, so every instance sees the same counts;
    logs are JSON lines in production unless set otherwise."""
    if config.get("REDIS_URL") and config["RATELIMIT_STORAGE_URI"] == "memory://":
        config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"]
    if config["LOG_FORMAT"] not in (None, "json", "text"):
        raise ConfigurationError("ELEARN_LOG_FORMAT must be json or text.")
    config["LOG_FORMAT"] = config["LOG_FORMAT"] or (
        "json" if config["ELEARN_ENV"] == "production" else "text")
    if not config["LOCAL_LOGIN"] and not (config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID")):
        raise ConfigurationError(
            "ELEARN_LOCAL_LOGIN=0 switches local passwords off, so single sign-on must be configured: "
            "set ELEARN_OIDC_ISSUER and ELEARN_OIDC_CLIENT_ID.")


def _postgresql_options(config) -> None:
    """No JIT compilation on PostgreSQL connections: the reports' national exports are short, wide
    joins that the planner overestimates, and compiling them cost about as long as running them
    (bench/bench_reports.py: the national completion CSV 2.5 s with JIT, 1.1–1.5 s without)."""
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("options", "-c jit=off")
        # A database host that drops packets fails /healthz and requests in seconds, not minutes.
        connect_args.setdefault("connect_timeout", 5)
        options["connect_args"] = connect_args
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _check_mail(config) -> None:
    """BASE_URL is an absolute http(s) address; an SMTP password never goes over plain text."""
    config["BASE_URL"] = config.get("BASE_URL") or DEVELOPMENT_BASE_URL
    url = urlsplit(config["BASE_URL"])
    if url.scheme not in ("http", "https") or not url.hostname or url.query or url.fragment:
        raise ConfigurationError(
            "ELEARN_BASE_URL must be the site's address, e.g. https://elearn.politi.example "
            "(optionally with a path prefix).")
    if config["SMTP_SSL"] and config["SMTP_STARTTLS"]:
        raise ConfigurationError(
            "Set one of ELEARN_SMTP_SSL (implicit TLS, port 465) and ELEARN_SMTP_STARTTLS, not both.")
    if config.get("SMTP_USER") and not (config["SMTP_SSL"] or config["SMTP_STARTTLS"]):
        raise ConfigurationError(
            "ELEARN_SMTP_USER is set but the connection is not encrypted: set ELEARN_SMTP_STARTTLS=1 "
            "(usually port 587) or ELEARN_SMTP_SSL=1 (port 465), so the password is not sent in "
            "clear text.")

"""The identity provider as Authlib sees it: one OAuth client per app, the redirect to the provider and
the verified ID token's claims on the way back. Every failure becomes a SignOnFailed with a message a
person can read; the details go to the log (never tokens or codes)."""

from __future__ import annotations

import logging
import re
import threading
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from joserfc.errors import JoseError

from elearn.config import ConfigurationError
from elearn.errors import DomainError

log = logging.getLogger("elearn.sso")

CLIENT = "sso"
EXTENSION = "elearn.sso"
CALLBACK_PATH = "/login/sso/callback"
#: What an OAuth error code looks like (RFC 6749 §4.1.2.1); anything else is not logged as given.
SAFE_ERROR = re.compile(r"[a-z_]{1,40}")
#: Seconds to wait for the identity provider (discovery, keys, token) before giving up.
TIMEOUT = 5
#: Seconds during which a provider that could not be reached is not asked again (by this process): a
#: slow or down provider would otherwise hold a worker for TIMEOUT at every click on the button.
RETRY_AFTER = 30
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


class SignOnFailed(DomainError):
    status = 401


class StaleSignOn(SignOnFailed):
    """The answer does not belong to a sign-on this browser started (or it expired)."""

    status = 400


class ProviderUnreachable(SignOnFailed):
    status = 503


def enabled(config) -> bool:
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def issuer(config) -> str:
    return config["OIDC_ISSUER"].rstrip("/")


def init_app(app: Flask) -> None:
    """Register the provider's client when single sign-on is configured. Nothing is fetched here: the
    discovery document is read at the first sign-on."""
    if not enabled(app.config):
        return
    if app.config["ELEARN_ENV"] == "production" and not issuer(app.config).startswith("https://"):
        raise ConfigurationError("ELEARN_OIDC_ISSUER must be an https:// address in production.")
    if "openid" not in app.config["OIDC_SCOPES"].split():
        raise ConfigurationError("ELEARN_OIDC_SCOPES must include openid (e.g. 'openid email profile').")
    oauth = OAuth(app)
    oauth.register(
        CLIENT, client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET") or None,
        server_metadata_url=issuer(app.config) + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config["OIDC_SCOPES"], "code_challenge_method": "S256",
                       "default_timeout": TIMEOUT})
    app.extensions[EXTENSION] = oauth


def _client():
    return current_app.extensions[EXTENSION].create_client(CLIENT)


def redirect_uri() -> str:
    """Where the provider sends the person back: under BASE_URL, never the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + CALLBACK_PATH


def _unreachable() -> ProviderUnreachable:
    return ProviderUnreachable(_l("The sign-in service cannot be reached right now. Please try "
                                  "again in a few minutes."))


def _refuse_while_down() -> None:
    """Raises ProviderUnreachable, without asking, while the provider's last failure is recent."""
    with _down_lock:
        down = _down_until.get(issuer(current_app.config), 0) > time.monotonic()
    if down:
        raise _unreachable()


def _remember_down() -> None:
    with _down_lock:
        _down_until[issuer(current_app.config)] = time.monotonic() + RETRY_AFTER


def _check_issuer(client) -> None:
    """Discovery must describe the issuer that was configured (OpenID Connect Discovery 1.0, §4.3)."""
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != issuer(current_app.config):
        log.error("sso discovery names issuer %r, configured %r", metadata.get("issuer"),
                  issuer(current_app.config))
        raise ProviderUnreachable(_l("Single sign-on is not set up correctly. Please tell an "
                                     "administrator."))


def authorize_redirect():
    """The redirect to the provider's login (code flow, PKCE S256, state and nonce kept in the
    session); raises ProviderUnreachable."""
    _refuse_while_down()
    client = _client()
    try:
        _check_issuer(client)
        return client.authorize_redirect(redirect_uri())
    except (requests.RequestException, ValueError) as error:
        log.warning("sso provider unreachable: %s", type(error).__name__)
        _remember_down()
        raise _unreachable() from error


def verified_claims() -> dict:
    """The claims of the ID token the provider returned, after Authlib checked its signature, issuer,
    audience, expiry and nonce, and that the state is this browser's; raises SignOnFailed."""
    error = request.args.get("error")
    if error:
        log.warning("sso provider answered error=%s",
                    error if SAFE_ERROR.fullmatch(error) else "(not an OAuth error code)")
        raise SignOnFailed(_l("The sign-in was cancelled or refused by the sign-in service. You "
                              "have not been logged in."))
    _refuse_while_down()
    client = _client()
    try:
        token = client.authorize_access_token()
    except MismatchingStateError as failure:
        log.warning("sso callback with an unknown or expired state")
        raise StaleSignOn(_l("The sign-in had expired or was started in another browser. Please "
                             "try again.")) from failure
    except (requests.RequestException, ValueError) as failure:
        log.warning("sso provider unreachable at the callback: %s", type(failure).__name__)
        _remember_down()
        raise _unreachable() from failure
    except (AuthlibBaseError, JoseError) as failure:
        log.warning("sso token refused: %s %s", type(failure).__name__, str(failure)[:200])
        raise _unverified() from failure
    if not token.get("userinfo"):
        log.warning("sso token response without an ID token")
        raise _unverified()
    return dict(token["userinfo"])


def _unverified() -> SignOnFailed:
    return SignOnFailed(_l("The sign-in could not be verified. You have not been logged in; please "
                           "try again, and tell an administrator if it keeps happening."))

"""A small but real OpenID provider for the tests: discovery, a key set, an authorization endpoint that
signs the person in at once, and a token endpoint that checks the client, the code, the redirect URI and
the PKCE verifier before it returns an RS256-signed ID token. Served over HTTP on a free loopback port."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "elearn"
CLIENT_SECRET = "provider-test-secret"  # noqa: S105  (a test client's secret)


def _key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})


class Provider:
    """Set claims (for the next sign-ins), tamper ("nonce", "signature", "audience", "iss",
    "no_id_token", "discovery_issuer") or error (the authorization endpoint's answer) between tests; reset() undoes them."""

    def __init__(self):
        self.key = _key()
        self.other_key = _key()
        self.codes: dict[str, dict] = {}
        self.server = make_server("127.0.0.1", 0, self, threaded=True)
        self.issuer = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.reset()

    def reset(self) -> None:
        self.claims: dict = {}
        self.tamper: set[str] = set()
        self.error: str | None = None
        self.authorize_requests: list[dict] = []

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def __call__(self, environ, start_response):
        request = Request(environ)
        route = {"/.well-known/openid-configuration": self.discovery, "/jwks": self.jwks,
                 "/authorize": self.authorize, "/token": self.token}.get(request.path)
        response = route(request) if route else Response("not found", status=404)
        return response(environ, start_response)

    def discovery(self, request) -> Response:
        return _json({
            "issuer": self.issuer + ("/elsewhere" if "discovery_issuer" in self.tamper else ""),
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token", "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"]})

    def jwks(self, request) -> Response:
        return _json(KeySet([self.key]).as_dict(private=False))

    def authorize(self, request) -> Response:
        args = request.args.to_dict()
        self.authorize_requests.append(args)
        back = args["redirect_uri"]
        if self.error:
            return _redirect(back, error=self.error, state=args.get("state", ""))
        assert args["client_id"] == CLIENT_ID and args["response_type"] == "code"
        assert args["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": args["nonce"], "challenge": args["code_challenge"],
                            "redirect_uri": back, "claims": dict(self.claims)}
        return _redirect(back, code=code, state=args["state"])

    def token(self, request) -> Response:
        grant = self.codes.pop(request.form.get("code", ""), None)
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        auth = request.authorization
        if (grant is None or auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET)
                or request.form.get("redirect_uri") != grant["redirect_uri"]
                or challenge.decode() != grant["challenge"]):
            return _json({"error": "invalid_grant"}, status=400)
        answer = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300}
        if "no_id_token" not in self.tamper:
            answer["id_token"] = self.id_token(grant)
        return _json(answer)

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant["nonce"], **grant["claims"]}
        if "nonce" in self.tamper:
            claims["nonce"] = "not-the-one-sent"
        if "audience" in self.tamper:
            claims["aud"] = "another-client"
        if "iss" in self.tamper:
            claims["iss"] = "https://id.evil.example"
        key = self.other_key if "signature" in self.tamper else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, mimetype="application/json")


def _redirect(uri: str, **params) -> Response:
    return Response(status=302, headers={"Location": f"{uri}?{urlencode(params)}"})

"""A small OpenID Connect provider on loopback for tests: Authlib's server parts on http.server.

It is a real authorization-code provider — discovery document, JWKS, an authorization page with a
sign-in form, a token endpoint that authenticates the client and checks PKCE, RS256 ID tokens with
nonce and ``at_hash``, and RP-initiated logout — built from Authlib's ``AuthorizationServer``,
``AuthorizationCodeGrant``, ``OpenIDCode``, ``CodeChallenge`` and ``EndSessionEndpoint``; only the
small HTTP adapter and the in-memory models are written here (Authlib leaves those to the host).

``provider.token_mode`` makes it misbehave on purpose: ``"forged"`` signs ID tokens with a key that
is not in its JWKS, ``"expired"`` issues ID tokens that expired an hour ago.
"""

from __future__ import annotations

import hmac
import html
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from authlib.common.security import generate_token
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    JsonRequest,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.discovery import OpenIDProviderMetadata
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc.jwk import KeySet, RSAKey

KID = "test-key-1"


@dataclass(frozen=True)
class Person:
    """Someone the provider can sign in; ``claims`` go into the ID token as they are."""

    sub: str
    email: str
    name: str = ""
    claims: dict[str, Any] = field(default_factory=dict)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    @property
    def client_metadata(self) -> dict[str, Any]:
        return {"post_logout_redirect_uris": self.redirect_uris}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(s for s in (scope or "").split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint == "token" and method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class _Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers: Any, params: dict[str, str]) -> None:
        super().__init__(method=method, uri=uri, headers=headers)
        self.payload = BasicOAuth2Payload(params)
        self._params = params

    @property
    def args(self) -> dict[str, str]:
        return self._params

    @property
    def form(self) -> dict[str, str]:
        return self._params


class Provider:
    """The provider's state: clients, people, codes, tokens, keys; and Authlib's server."""

    def __init__(self, *, people: list[Person], client: Client) -> None:
        self.people = {p.email: p for p in people}
        self.client = client
        self.codes: dict[str, Code] = {}
        self.issued: list[dict[str, Any]] = []  # every token response, for leak checks
        self.logouts = 0
        self.token_mode = "good"
        self.key = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.forger = RSAKey.generate_key(2048, parameters={"kid": KID, "use": "sig"})
        self.issuer = ""  # set once the server has a port
        self.server = self._authorization_server()

    def metadata(self) -> dict[str, Any]:
        iss = self.issuer
        meta = OpenIDProviderMetadata(
            issuer=iss,
            authorization_endpoint=f"{iss}/authorize",
            token_endpoint=f"{iss}/token",
            jwks_uri=f"{iss}/jwks",
            end_session_endpoint=f"{iss}/logout",
            response_types_supported=["code"],
            subject_types_supported=["public"],
            id_token_signing_alg_values_supported=["RS256"],
            scopes_supported=["openid", "email", "profile"],
            token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post"],
            code_challenge_methods_supported=["S256"],
        )
        meta.validate()
        return dict(meta)

    def jwks(self) -> dict[str, Any]:
        return KeySet([self.key]).as_dict(private=False)

    def _authorization_server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):
            def query_client(self, client_id: str) -> Client | None:
                return provider.client if client_id == provider.client.client_id else None

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.issued.append(dict(token))

            def create_oauth2_request(self, request: Any) -> OAuth2Request:
                return request if isinstance(request, OAuth2Request) else request.oauth2()

            def create_json_request(self, request: Any) -> JsonRequest:
                raise NotImplementedError

            def handle_response(self, status: int, body: Any, headers: Any) -> tuple:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                return None

        class Grant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = [
                "client_secret_basic",
                "client_secret_post",
            ]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.client.get_client_id(),
                    redirect_uri=data.get("redirect_uri", ""),
                    scope=request.scope or data.get("scope", ""),
                    person=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    auth_time=int(time.time()),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Person:
                return authorization_code.person

        class OpenID(OpenIDCode):
            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.forger if provider.token_mode == "forged" else provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": KID}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                shift = -7200 if provider.token_mode == "expired" else 0
                return {
                    "iss": provider.issuer,
                    "aud": [client.client_id],
                    "iat": now + shift,
                    "exp": now + shift + 3600,
                }

            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                info = UserInfo(sub=user.sub, name=user.name, **user.claims)
                if "email" in scope.split():
                    info["email"] = user.email
                return info

        class EndSession(EndSessionEndpoint):
            def get_server_jwks(self) -> dict[str, Any]:
                return provider.jwks()

            def end_session(self, end_session_request: Any) -> None:
                provider.logouts += 1

        server = Server(scopes_supported=["openid", "email", "profile"])
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda *_a, **_k: generate_token(42))
        )
        server.register_grant(Grant, [CodeChallenge(required=True), OpenID(require_nonce=True)])
        server.register_endpoint(EndSession)
        return server


class _Raw:
    """One HTTP request as Authlib's adapter needs it."""

    def __init__(self, method: str, uri: str, headers: Any, params: dict[str, str]) -> None:
        self.method, self.uri, self.headers, self.params = method, uri, headers, params

    def oauth2(self) -> OAuth2Request:
        return _Request(self.method, self.uri, self.headers, self.params)


def _sign_in_page(params: dict[str, str], *, error: str = "") -> str:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )
    message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
    return (
        '<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>'
        f"<h1>Test identity provider</h1>{message}"
        f'<form method="post" action="/authorize">{hidden}'
        '<label>E-mail <input name="login" type="email" autocomplete="off"></label>'
        '<button type="submit">Continue</button></form></body></html>'
    )


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return None

        def _send(self, status: int, body: Any, headers: Any = ()) -> None:
            if isinstance(body, dict):
                body, headers = json.dumps(body), [*headers, ("Content-Type", "application/json")]
            raw = (body or "").encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if not any(n.lower() == "content-type" for n, _ in headers):
                self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _request(self) -> _Raw:
            parts = urlsplit(self.path)
            params = dict(parse_qsl(parts.query))
            if self.command == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                params.update(parse_qsl(self.rfile.read(length).decode()))
            return _Raw(self.command, provider.issuer + self.path, self.headers, params)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/.well-known/openid-configuration":
                return self._send(200, provider.metadata())
            if path == "/jwks":
                return self._send(200, provider.jwks())
            request = self._request()
            if path == "/authorize":
                try:
                    provider.server.get_consent_grant(request.oauth2(), end_user=None)
                except OAuth2Error as error:
                    return self._send(400, {"error": error.error})
                return self._send(200, _sign_in_page(request.params))
            if path == "/logout":
                done = provider.server.create_endpoint_response("end_session", request.oauth2())
                return self._send(*done) if done else self._send(200, "<p>Signed out.</p>")
            return self._send(404, "not found")

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            request = self._request()
            if path == "/token":
                return self._send(*provider.server.create_token_response(request.oauth2()))
            if path == "/authorize":
                params = dict(request.params)
                person = provider.people.get(params.pop("login", "").strip().lower())
                if person is None:
                    return self._send(200, _sign_in_page(params, error="No such account."))
                oauth = _Request("POST", request.uri, request.headers, params)
                try:
                    grant = provider.server.get_consent_grant(oauth, end_user=person)
                except OAuth2Error as error:
                    return self._send(400, {"error": error.error})
                return self._send(
                    *provider.server.create_authorization_response(oauth, person, grant)
                )
            return self._send(404, "not found")

    return Handler


@contextmanager
def running_provider(*, people: list[Person], client: Client) -> Iterator[Provider]:
    """Serve a :class:`Provider` on a free loopback port until the block ends."""
    provider = Provider(people=people, client=client)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

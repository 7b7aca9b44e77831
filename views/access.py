"""Who is looking: public or internal; signed in how (OpenID Connect, password) and as what role.

This module reads the facts — settings, ``?embed=true``, ``st.user`` (OpenID Connect through
Streamlit's ``st.login``), the password sign-in of this session, ``[auth]`` and ``[access]`` of
``.streamlit/secrets.toml`` — and asks :mod:`geo.auth`, which decides. Nothing here shows a secret:
problems in the configuration are reported by key name only.

Password attempts are throttled per browser session and per client address. The client address
is ``st.context.ip_address``: Streamlit's server (uvicorn) already replaces the connecting address
by the one in ``X-Forwarded-For`` when the connection comes from a trusted proxy
(``FORWARDED_ALLOW_IPS``, by default only loopback), so a reverse proxy on the same machine gives
the real client, and a client cannot choose its own address by sending the header to an app that
is exposed directly.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from geo import auth
from geo.auth import AccessPolicy, Identity, Throttle
from geo.settings import load_settings
from views.text import plain

ALWAYS_PUBLIC = frozenset({"sources"})
_SESSION = "sign_in_session"
_PASSWORD_AT = "password_signed_in_at"
"""Session state: when this session entered the right password (``time.time()``)."""


@dataclass(frozen=True)
class AccessContext:
    """The facts :mod:`geo.auth` decides on, for this browser session."""

    public_only: bool
    embed: bool
    identity: Identity
    providers: tuple[str, ...] = ()
    password: bool = False
    oidc_configured: bool = False
    expired: bool = False
    problems: tuple[str, ...] = ()
    policy: AccessPolicy = field(default_factory=AccessPolicy)

    @property
    def public(self) -> bool:
        """Public mode: an embedded map or a public-only deployment."""
        return self.public_only or self.embed

    @property
    def role(self) -> str:
        """The session's role (one of :data:`geo.auth.ROLES`)."""
        return self.identity.role

    @property
    def auth_configured(self) -> bool:
        """Some sign-in is configured (even a broken one: then nobody is signed in)."""
        return self.oidc_configured or self.password

    @property
    def authenticated(self) -> bool:
        """Signed in through OpenID Connect or the password."""
        return self.identity.signed_in


def _plain(value: Any) -> Any:
    """``st.secrets`` tables as plain dicts (their ``AttrDict`` is read-only and nested)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _secrets() -> tuple[dict[str, Any], dict[str, Any] | None, bool]:
    """``[auth]`` and ``[access]`` of ``secrets.toml`` (empty / ``None`` without the file), and
    whether a secrets file exists but could not be read (then sign-in fails closed)."""
    if st.secrets.load_if_toml_exists():
        return _plain(st.secrets.get("auth") or {}), _plain(st.secrets.get("access")), False
    files = st.get_option("secrets.files") or []
    return {}, None, any(Path(f).exists() for f in files)


def context() -> AccessContext:
    """Read the settings, ``?embed=true``, ``secrets.toml`` and the session's sign-in state."""
    settings = load_settings()
    # Streamlit keeps ``?embed=true`` for itself (it is not in st.query_params) and reports it
    # as st.context.is_embedded.
    embed = bool(st.context.is_embedded)
    if embed:
        st.session_state["embed"] = True  # stays public for the session, even if the URL changes
    embed = embed or bool(st.session_state.get("embed"))
    if settings.public_only or embed:  # public mode never looks at sign-in at all
        return AccessContext(settings.public_only, embed, Identity("viewer", "anonymous"))

    auth_section, access_section, unreadable = _secrets()
    problems = auth.oidc_problems(auth_section)
    if unreadable:
        problems.append("secrets.toml could not be read; check its TOML syntax")
    try:
        policy = AccessPolicy.from_mapping(access_section)
    except ValueError as exc:
        problems.append(f"secrets.toml: {exc}")
        policy = AccessPolicy()  # the defaults grant nobody a role through OpenID Connect
    providers = () if problems else auth.oidc_providers(auth_section)
    password = settings.password_hash is not None
    identity, expired = _identity(policy, providers=providers, password=password)
    oidc_configured = bool(auth_section) or unreadable
    if not (oidc_configured or password):
        identity = Identity("admin", "open")  # one officer on their own machine
    return AccessContext(
        public_only=False,
        embed=False,
        identity=identity,
        providers=providers,
        password=password,
        oidc_configured=oidc_configured,
        expired=expired,
        problems=tuple(problems),
        policy=policy,
    )


def _identity(
    policy: AccessPolicy, *, providers: tuple[str, ...], password: bool
) -> tuple[Identity, bool]:
    """This session's identity, and whether an OpenID Connect sign-in was refused as too old."""
    now = time.time()
    expired = False
    if providers:
        claims = st.user.to_dict()
        if claims.get("is_logged_in"):
            expired = policy.session_expired(claims, now=now)
            found = None if expired else auth.oidc_identity(claims, policy)
            if found is not None:
                return found, False
    signed_at = st.session_state.get(_PASSWORD_AT)
    if password and isinstance(signed_at, float):
        if not policy.session_expired({"iat": signed_at}, now=now):
            return Identity(policy.password_role, "password"), expired
        st.session_state.pop(_PASSWORD_AT, None)
        expired = True
    return Identity("viewer", "anonymous"), expired


def allowed(page: str, ctx: AccessContext) -> bool:
    """Whether this visitor may open ``page``."""
    if page in ALWAYS_PUBLIC:
        return True
    return auth.access_allowed(page, public_only=ctx.public_only, embed=ctx.embed, role=ctx.role)


def may(action: str, ctx: AccessContext) -> bool:
    """Whether this visitor may take ``action`` (see :data:`geo.auth.ACTION_ROLES`)."""
    return auth.action_allowed(action, public_only=ctx.public_only, embed=ctx.embed, role=ctx.role)


def audit_user(ctx: AccessContext, typed_name: str = "") -> str:
    """Who a change is recorded as: the signed-in person, else the typed name."""
    return auth.audit_user(ctx.identity, typed_name)


# --- Sign-in and sign-out widgets -----------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _throttle(limit: int, window: float) -> Throttle:
    """One throttle for the whole server process: per-client limits span sessions."""
    return Throttle(limit=limit, window=window)


def client_keys() -> tuple[tuple[str, str], tuple[str, str]]:
    """This browser session's and this client's keys for a :class:`~geo.auth.Throttle`."""
    return _attempt_keys()


def _attempt_keys() -> tuple[tuple[str, str], tuple[str, str]]:
    """This session's and this client's throttle keys (loopback clients share one)."""
    session = st.session_state.setdefault(_SESSION, secrets.token_urlsafe(16))
    address = st.context.ip_address  # None on loopback; proxied: the forwarded client
    return ("session", str(session)), (
        "client",
        address if isinstance(address, str) else "loopback",
    )


def _provider_label(name: str) -> str:
    return "your organisation account" if name == "default" else name.replace("-", " ").title()


def _sign_out(ctx: AccessContext) -> None:
    st.session_state.pop(_PASSWORD_AT, None)
    if ctx.identity.method == "oidc":
        st.logout()  # clears Streamlit's identity cookie, then the provider's session
    else:
        st.rerun()


def sign_in_form(ctx: AccessContext | None = None) -> None:
    """The sidebar's sign-in (a button per OpenID Connect provider, the password) or sign-out.

    Shows nothing in public mode.
    """
    ctx = ctx or context()
    if ctx.public:
        return
    bar = st.sidebar
    for problem in ctx.problems:
        bar.error(plain(f"Sign-in is not configured correctly: {problem}"))
    if ctx.identity.signed_in:
        who = ctx.identity.user or "the shared password"
        bar.text(f"Signed in: {who}\nRole: {ctx.role}")  # st.text: plain text
        if bar.button("Sign out", key="sign_out"):
            _sign_out(ctx)
        return
    if ctx.expired:
        bar.info("Your sign-in has expired. Sign in again.")
    for provider in ctx.providers:
        label = plain(f"Sign in with {_provider_label(provider)}")
        if bar.button(label, key=f"sign_in_{provider}"):
            st.login(provider)
    if ctx.password:
        _password_form(ctx, inside=bar.expander("Officer password") if ctx.providers else bar)


def _password_form(ctx: AccessContext, *, inside: Any) -> None:
    hashed = load_settings().password_hash
    assert hashed is not None
    with inside.form("sign_in", clear_on_submit=True):
        password = st.text_input("Officer password", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return
    policy = ctx.policy
    throttle = _throttle(policy.failed_password_limit, policy.failed_password_window_seconds)
    try:
        outcome = auth.try_password(password, hashed, throttle=throttle, keys=_attempt_keys())
    except ValueError as exc:  # the hash setting is malformed; the message names no value
        inside.error(plain(f"The password setting is not valid: {exc}"))
        return
    if outcome.ok:
        st.session_state[_PASSWORD_AT] = time.time()
        st.rerun()
    inside.error(plain(outcome.message))


__all__ = [
    "AccessContext",
    "allowed",
    "audit_user",
    "client_keys",
    "context",
    "may",
    "sign_in_form",
]

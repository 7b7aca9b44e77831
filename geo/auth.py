"""Who may do what: roles, sign-in by OpenID Connect or a bcrypt password, throttled attempts.

This module is the whole access policy, as pure functions; ``views/access.py`` only reads the
facts (settings, ``st.user``, ``secrets.toml``) and asks here.

Roles
-----
Each role can do everything the one before it can (:data:`ROLES`):

=========  ==========================================================================
viewer     the map, division profiles, the table, sources
officer    + the Data page (uploads), the bid planner, individual records, moderating
           residents' reports (issue 15: "officers (signed in) see the queue")
admin      + restoring earlier versions, settings
=========  ==========================================================================

========================  ====================  =============================================
page                      public mode           internal deployment
========================  ====================  =============================================
map, division, table      yes                   yes (viewer)
planner                   no                    officer or admin
risk (digital-inclusion   no                    yes (viewer)
need)
data                      no (never)            officer or admin
reports (moderation)      no (never)            officer or admin
admin (Settings page)     no (never)            admin
========================  ====================  =============================================

"Public mode" is ``BROADBAND_PUBLIC_ONLY=1`` or an embedded map (``?embed=true``): it never offers a
sign-in. An internal deployment with no sign-in configured at all (no OpenID Connect provider and
no ``BROADBAND_PASSWORD_HASH``) is one officer on their own machine: everyone is admin, and the
pages say so. Once any sign-in is configured, a visitor who has not signed in is a viewer.

Who gets which role (:class:`AccessPolicy`, from ``[access]`` in ``.streamlit/secrets.toml``)
-------------------------------------------------------------------------------------------
A person signed in through OpenID Connect is admin if the ``admin`` rule matches their ID-token
claims, else officer if the ``officer`` rule matches, else ``signed_in_role`` (viewer). A rule
matches an e-mail address in ``emails``, the domain of the e-mail in ``domains`` (exact, not
subdomains), or any value of an ID-token claim in ``claims`` (Entra ID app roles arrive as the
``roles`` claim, groups as ``groups``)::

    [access]
    password_role = "admin"          # the shared password's role
    max_session_hours = 12           # sign in again after this
    failed_password_limit = 5        # wrong passwords per session and per client ...
    failed_password_window_seconds = 60   # ... within this window

    [access.roles.admin]
    emails = ["it.lead@norfolk.gov.uk"]
    claims = { roles = ["Broadband.Admin"] }

    [access.roles.officer]
    domains = ["norfolk.gov.uk"]
    claims = { roles = ["Broadband.Officer"] }

An e-mail the provider marks ``email_verified = false`` is never used to grant a role.

The password
------------
Set ``BROADBAND_PASSWORD_HASH`` (see :mod:`geo.settings`) to a bcrypt hash, never to the password.
Make one with::

    python -m geo.auth hash                   # asks twice, without echo; prints the hash
    printf '%s\\n' "$PW" | python -m geo.auth hash   # or read one line from a pipe

then ``export BROADBAND_PASSWORD_HASH='$2b$12$…'`` (single quotes: the hash contains ``$``).
``python -m geo.auth check`` asks for a password and exits 0 if it matches the configured hash,
1 if not, 2 if no (valid) hash is configured. Passwords longer than 72 bytes (bcrypt's limit) are
refused rather than silently truncated. :func:`try_password` refuses an attempt without checking
it once a session or a client has made ``failed_password_limit`` attempts within the window.
"""

from __future__ import annotations

import argparse
import getpass
import math
import re
import sys
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import bcrypt

PAGES: tuple[str, ...] = (
    "map", "division", "table", "planner", "risk", "data", "reports", "admin",
)  # fmt: skip
"""Every page the app may ask about."""
PUBLIC_PAGES: frozenset[str] = frozenset({"map", "division", "table"})
"""Pages a public or embedded deployment may show."""

ROLES: tuple[str, ...] = ("viewer", "officer", "admin")
"""The roles, least to most: each may do everything the ones before it may."""

PAGE_ROLES: Mapping[str, str] = {
    "map": "viewer",
    "division": "viewer",
    "table": "viewer",
    "planner": "officer",
    "risk": "viewer",
    "data": "officer",
    "reports": "officer",
    "admin": "admin",
}
"""The least role that may open each page of :data:`PAGES` in an internal deployment."""

ACTION_ROLES: Mapping[str, str] = {
    "upload": "officer",
    "records": "officer",
    "plan": "officer",
    "restore": "admin",
    "moderate": "officer",
    "settings": "admin",
}
"""The least role that may take each action (``records``: see individual records)."""

Method = Literal["oidc", "password", "open", "anonymous"]
"""How a session got its role: signed in through OpenID Connect or the password; ``open`` when no
sign-in is configured (everyone is admin); ``anonymous`` when sign-in is configured but not done."""

MAX_PASSWORD_BYTES = 72
"""bcrypt reads at most 72 bytes of a password (UTF-8)."""
DEFAULT_ROUNDS = 12
"""bcrypt cost factor: 2**12 rounds, about a quarter of a second per check."""
HASH_ENV = "BROADBAND_PASSWORD_HASH"
MIN_COOKIE_SECRET_CHARS = 32
"""``[auth] cookie_secret`` signs the identity cookie: anyone who can guess it can be anyone."""

_HASH_PATTERN = re.compile(r"^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$")


# --- Roles ----------------------------------------------------------------------------------------


def _check_role(role: str, *, what: str = "role") -> str:
    if role not in ROLES:
        raise ValueError(f"{what} must be one of {list(ROLES)}, not {role!r}")
    return role


def role_at_least(role: str, needed: str) -> bool:
    """True when ``role`` is ``needed`` or above it in :data:`ROLES`.

    Examples
    --------
    >>> role_at_least("admin", "officer"), role_at_least("viewer", "officer")
    (True, False)
    """
    return ROLES.index(_check_role(role)) >= ROLES.index(_check_role(needed))


def access_allowed(page: str, *, public_only: bool, embed: bool, role: str) -> bool:
    """Whether ``page`` may be shown; the page table in the module docstring, as code.

    Parameters
    ----------
    page
        One of :data:`PAGES`.
    public_only
        ``BROADBAND_PUBLIC_ONLY`` is on.
    embed
        The page was opened embedded (``?embed=true``).
    role
        The session's role (:attr:`Identity.role`).
    """
    if page not in PAGES:
        raise ValueError(f"page must be one of {list(PAGES)}, not {page!r}")
    if public_only or embed:
        return page in PUBLIC_PAGES
    return role_at_least(role, PAGE_ROLES[page])


def action_allowed(action: str, *, public_only: bool, embed: bool, role: str) -> bool:
    """Whether the session may take ``action`` (see :data:`ACTION_ROLES`); never in public mode."""
    if action not in ACTION_ROLES:
        raise ValueError(f"action must be one of {sorted(ACTION_ROLES)}, not {action!r}")
    if public_only or embed:
        return False
    return role_at_least(role, ACTION_ROLES[action])


# --- Who is signed in -----------------------------------------------------------------------------


def _strings(value: object, *, where: str) -> frozenset[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings, not {value!r}")
    return frozenset(v.strip() for v in value if v.strip())


def verified_email(claims: Mapping[str, Any]) -> str | None:
    """The ``email`` claim, lower-cased; ``None`` if absent or marked ``email_verified: false``."""
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is False:
        return None
    return email.strip().lower()


@dataclass(frozen=True)
class RoleRule:
    """Who gets one role: listed e-mails, e-mail domains, or values of ID-token claims."""

    emails: frozenset[str] = frozenset()
    domains: frozenset[str] = frozenset()
    claims: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], *, where: str) -> RoleRule:
        """Read ``{emails = [...], domains = [...], claims = {name = [values]}}``."""
        unknown = set(raw) - {"emails", "domains", "claims"}
        if unknown:
            raise ValueError(
                f"{where}: unknown key {sorted(unknown)[0]!r}; expected emails, domains, claims"
            )
        claims = raw.get("claims", {})
        if not isinstance(claims, Mapping):
            raise ValueError(f"{where}.claims must be a table of claim = [values]")
        return cls(
            emails=frozenset(e.lower() for e in _strings(raw.get("emails", []), where=where)),
            domains=frozenset(
                d.lower().lstrip("@") for d in _strings(raw.get("domains", []), where=where)
            ),
            claims={str(k): _strings(v, where=f"{where}.claims.{k}") for k, v in claims.items()},
        )

    def matches(self, claims: Mapping[str, Any]) -> bool:
        """True when the ID-token ``claims`` meet this rule."""
        email = verified_email(claims)
        if email is not None and (email in self.emails or email.rpartition("@")[2] in self.domains):
            return True
        for name, wanted in self.claims.items():
            value = claims.get(name)
            values = [value] if isinstance(value, str) else value
            if isinstance(values, list) and wanted & {str(v) for v in values}:
                return True
        return False


@dataclass(frozen=True)
class AccessPolicy:
    """The deployment's rules: who is admin or officer, sessions and password throttling.

    Build it with :meth:`from_mapping` from the ``[access]`` table of ``secrets.toml``; every
    field has a safe default (nobody is officer or admin through OpenID Connect until a rule says
    so).
    """

    admin: RoleRule = RoleRule()
    officer: RoleRule = RoleRule()
    signed_in_role: str = "viewer"
    password_role: str = "admin"
    max_session_hours: float = 12.0
    failed_password_limit: int = 5
    failed_password_window_seconds: float = 60.0

    _NUMBERS = ("max_session_hours", "failed_password_limit", "failed_password_window_seconds")

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> AccessPolicy:
        """Read ``[access]`` (a mapping, e.g. ``st.secrets["access"]``); ``None``: the defaults.

        Raises
        ------
        ValueError
            Naming the key and what was expected, for an unknown key, role or bad number.
        """
        raw = dict(raw or {})
        roles = raw.pop("roles", {})
        if not isinstance(roles, Mapping) or set(roles) - {"admin", "officer"}:
            raise ValueError("[access.roles] may only hold the tables admin and officer")
        kwargs: dict[str, Any] = {
            name: RoleRule.from_mapping(roles[name], where=f"[access.roles.{name}]")
            for name in ("admin", "officer")
            if name in roles
        }
        for key in ("signed_in_role", "password_role"):
            if key in raw:
                kwargs[key] = _check_role(raw.pop(key), what=f"[access] {key}")
        for key in cls._NUMBERS:
            if key in raw:
                value = raw.pop(key)
                if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                    raise ValueError(f"[access] {key} must be a positive number, not {value!r}")
                kwargs[key] = int(value) if key == "failed_password_limit" else float(value)
        if raw:
            raise ValueError(
                f"[access] has an unknown key {sorted(raw)[0]!r}; expected roles, "
                f"signed_in_role, password_role, {', '.join(cls._NUMBERS)}"
            )
        return cls(**kwargs)

    def rule_rows(self) -> list[tuple[str, str, str]]:
        """Every rule as ``(role granted, what is matched, value)``, admin first, sorted.

        Examples
        --------
        >>> rule = RoleRule(domains=frozenset({"norfolk.gov.uk"}),
        ...                 claims={"roles": frozenset({"Broadband.Officer"})})
        >>> for row in AccessPolicy(officer=rule).rule_rows():
        ...     print(row)
        ('officer', 'e-mail domain', 'norfolk.gov.uk')
        ('officer', 'ID-token claim roles', 'Broadband.Officer')
        """
        rows = []
        for role, rule in (("admin", self.admin), ("officer", self.officer)):
            rows += [(role, "e-mail", e) for e in sorted(rule.emails)]
            rows += [(role, "e-mail domain", d) for d in sorted(rule.domains)]
            rows += [(role, f"ID-token claim {name}", v) for name, values in
                     sorted(rule.claims.items()) for v in sorted(values)]  # fmt: skip
        return rows

    def role_for(self, claims: Mapping[str, Any]) -> str:
        """The role of a person signed in through OpenID Connect with these ID-token claims."""
        if self.admin.matches(claims):
            return "admin"
        if self.officer.matches(claims):
            return "officer"
        return self.signed_in_role

    def session_expired(self, claims: Mapping[str, Any], *, now: float) -> bool:
        """True when the sign-in (``auth_time``, else ``iat``) is older than ``max_session_hours``.

        ``now`` is seconds since the epoch (``time.time()``). A sign-in with neither claim has no
        age to check and is refused as expired: Streamlit keeps the identity cookie for 30 days.
        """
        signed_in = claims.get("auth_time", claims.get("iat"))
        if isinstance(signed_in, bool) or not isinstance(signed_in, int | float):
            return True
        return now - float(signed_in) > self.max_session_hours * 3600


@dataclass(frozen=True)
class Identity:
    """Who this session is, as far as the policy is concerned.

    ``user`` names the person for the audit (their e-mail, else ``sub:<subject>``) when they
    signed in through OpenID Connect; it is empty otherwise (a shared password names nobody).
    """

    role: str
    method: Method
    user: str = ""
    name: str = ""

    @property
    def signed_in(self) -> bool:
        """Signed in through OpenID Connect or the password."""
        return self.method in ("oidc", "password")

    @property
    def named(self) -> bool:
        """The identity names a person (OpenID Connect), so the audit needs no typed name."""
        return self.method == "oidc" and bool(self.user)


def oidc_identity(claims: Mapping[str, Any], policy: AccessPolicy) -> Identity | None:
    """The identity of a person signed in through OpenID Connect, or ``None`` without a subject.

    Examples
    --------
    >>> policy = AccessPolicy(officer=RoleRule(domains=frozenset({"norfolk.gov.uk"})))
    >>> oidc_identity({"sub": "1", "email": "Ana@Norfolk.gov.uk"}, policy)
    Identity(role='officer', method='oidc', user='ana@norfolk.gov.uk', name='')
    """
    email = verified_email(claims)
    subject = claims.get("sub")
    if email is None and not (isinstance(subject, str) and subject.strip()):
        return None
    user = email or f"sub:{str(subject).strip()}"
    name = claims.get("name")
    return Identity(
        role=policy.role_for(claims),
        method="oidc",
        user=user,
        name=name.strip() if isinstance(name, str) else "",
    )


def audit_user(identity: Identity, typed_name: str = "") -> str:
    """The ``user`` written to the store's audit table for a change made by ``identity``.

    A person signed in through OpenID Connect is named by the identity (a typed name is ignored);
    otherwise the typed name (default ``officer``), marked when it came through the shared password.

    Examples
    --------
    >>> audit_user(Identity("officer", "oidc", "ana@norfolk.gov.uk"), "someone else")
    'ana@norfolk.gov.uk'
    >>> audit_user(Identity("admin", "password"), " Ana ")
    'Ana (shared password)'
    >>> audit_user(Identity("admin", "open"))
    'officer'
    """
    if identity.named:
        return identity.user
    name = " ".join(typed_name.split()) or "officer"
    return f"{name} (shared password)" if identity.method == "password" else name


# --- OpenID Connect configuration -----------------------------------------------------------------

_PROVIDER_KEYS = ("client_id", "client_secret", "server_metadata_url")


def oidc_providers(auth: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Names of the OpenID Connect providers in ``[auth]`` of ``secrets.toml``, for ``st.login``.

    ``default`` when ``[auth]`` itself holds ``client_id``; then each ``[auth.<name>]`` table
    that holds one, in file order.
    """
    if not auth:
        return ()
    named = [k for k, v in auth.items() if isinstance(v, Mapping) and "client_id" in v]
    return (("default",) if "client_id" in auth else ()) + tuple(named)


def oidc_problems(auth: Mapping[str, Any] | None) -> list[str]:
    """What is missing or unsafe in ``[auth]``, by key name (never a value). Empty when usable."""
    if not auth:
        return []
    problems = [
        f"[auth] has no {key}" for key in ("redirect_uri", "cookie_secret") if key not in auth
    ]
    secret = auth.get("cookie_secret")
    if isinstance(secret, str) and len(secret) < MIN_COOKIE_SECRET_CHARS:
        problems.append(
            f"[auth] cookie_secret is shorter than {MIN_COOKIE_SECRET_CHARS} characters; make one "
            'with: python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    redirect = str(auth.get("redirect_uri", ""))
    if redirect and not redirect.endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri must end with /oauth2callback")
    providers = oidc_providers(auth)
    if not providers:
        problems.append("[auth] names no provider (client_id)")
    for name in providers:
        section = auth if name == "default" else auth[name]
        table = "[auth]" if name == "default" else f"[auth.{name}]"
        if "_" in name:
            problems.append(f"{table}: a provider name may not contain '_'")
        problems += [f"{table} has no {key}" for key in _PROVIDER_KEYS if key not in section]
    return problems


# --- Throttling -----------------------------------------------------------------------------------


class Throttle:
    """At most ``limit`` attempts per key within ``window`` seconds (a sliding window), thread-safe.

    Keys are anything hashable (``("session", id)``, ``("client", address)``). An attempt is
    counted when it is let through (:meth:`acquire`), so concurrent attempts cannot overrun the
    limit; a right password forgets the key's attempts (:meth:`forget`). At most ``max_keys`` keys
    are remembered (the least recently used are dropped), so a flood of addresses cannot grow it
    without bound.

    Parameters
    ----------
    clock
        Seconds, monotonic; tests pass a fake.
    """

    def __init__(
        self,
        *,
        limit: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError(f"limit must be ≥ 1 and window > 0, not {limit!r}, {window!r}")
        self.limit, self.window, self._clock, self._max_keys = limit, window, clock, max_keys
        self._attempts: OrderedDict[Hashable, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        times = self._attempts.get(key)
        if times is None:
            times = self._attempts[key] = deque()
            while len(self._attempts) > self._max_keys:
                self._attempts.popitem(last=False)
        self._attempts.move_to_end(key)
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def acquire(self, keys: Iterable[Hashable]) -> float:
        """Count an attempt for every key and return 0; or, if any key is at its limit, count
        nothing and return the seconds until that key may try again."""
        with self._lock:
            now = self._clock()
            recent = [self._recent(key, now) for key in keys]
            wait = max(
                (times[0] + self.window - now for times in recent if len(times) >= self.limit),
                default=0.0,
            )
            if wait > 0:
                return wait
            for times in recent:
                times.append(now)
            return 0.0

    def left(self, keys: Iterable[Hashable]) -> int:
        """How many more attempts the most limited of ``keys`` has in the current window."""
        with self._lock:
            now = self._clock()
            return min((self.limit - len(self._recent(k, now)) for k in keys), default=self.limit)

    def forget(self, keys: Iterable[Hashable]) -> None:
        """Drop the attempts counted for ``keys`` (after a right password)."""
        with self._lock:
            for key in keys:
                self._attempts.pop(key, None)


@dataclass(frozen=True)
class PasswordOutcome:
    """The result of one password attempt: right, wrong, or refused unchecked (``wait`` > 0).

    ``left`` is how many more attempts may be made before a wait (after a wrong password).
    """

    ok: bool
    wait: float = 0.0
    left: int | None = None

    @property
    def message(self) -> str:
        """What to tell the person (never the password)."""
        if self.ok:
            return "Signed in."
        if self.wait > 0:
            n, unit = math.ceil(self.wait), "second"
            if n > 120:
                n, unit = math.ceil(self.wait / 60), "minute"
            return (
                f"Too many wrong passwords. Wait {n} {unit}{'s' if n != 1 else ''} and try again."
            )
        if self.left is None:
            return "That password is not right."
        if self.left == 0:
            return "That password is not right. The next try must wait."
        tries = "try" if self.left == 1 else "tries"
        return f"That password is not right. {self.left} more {tries} before a wait."


def try_password(
    password: str, hashed: str, *, throttle: Throttle, keys: Iterable[Hashable]
) -> PasswordOutcome:
    """Check ``password`` against ``hashed`` unless a key of ``keys`` is throttled.

    A throttled attempt is refused without running bcrypt at all, whatever the password.

    Raises
    ------
    ValueError
        If ``hashed`` is not a bcrypt hash (a configuration mistake, not a wrong password).
    """
    _require_hash(hashed)
    keys = tuple(keys)
    wait = throttle.acquire(keys)
    if wait > 0:
        return PasswordOutcome(ok=False, wait=wait)
    if check_password(password, hashed):
        throttle.forget(keys)
        return PasswordOutcome(ok=True)
    return PasswordOutcome(ok=False, left=throttle.left(keys))


# --- Passwords ------------------------------------------------------------------------------------


def is_valid_hash(hashed: str) -> bool:
    """True when ``hashed`` has the shape of a bcrypt hash (``$2b$12$`` + 53 characters)."""
    return isinstance(hashed, str) and _HASH_PATTERN.fullmatch(hashed.strip()) is not None


def _require_hash(hashed: str) -> None:
    if not is_valid_hash(hashed):
        raise ValueError(
            f"{HASH_ENV} is not a bcrypt hash (expected '$2b$12$' and 53 more characters); "
            "make one with: python -m geo.auth hash"
        )


def hash_password(password: str, *, rounds: int = DEFAULT_ROUNDS) -> str:
    """A salted bcrypt hash of ``password``, for ``BROADBAND_PASSWORD_HASH``.

    Raises
    ------
    ValueError
        If the password is empty or longer than 72 bytes in UTF-8.

    Examples
    --------
    >>> check_password("correct horse", hash_password("correct horse", rounds=4))
    True
    """
    raw = password.encode("utf-8")
    if not raw:
        raise ValueError("password must not be empty")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise ValueError(
            f"password is {len(raw)} bytes; bcrypt uses at most {MAX_PASSWORD_BYTES}, "
            "choose a shorter one"
        )
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    """True when ``password`` matches the bcrypt hash ``hashed`` (constant-time comparison).

    An empty password or one longer than 72 bytes never matches.

    Raises
    ------
    ValueError
        If ``hashed`` is not a bcrypt hash: a configuration mistake, reported rather than treated
        as a wrong password.
    """
    _require_hash(hashed)
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(raw, hashed.strip().encode("ascii"))


# --- Command line ---------------------------------------------------------------------------------


def _read_password(*, confirm: bool) -> str:
    """From the terminal without echo (asking twice when ``confirm``), else one line of stdin."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if confirm and getpass.getpass("Again: ") != password:
            raise ValueError("the two passwords differ")
        return password
    return sys.stdin.readline().removesuffix("\n").removesuffix("\r")


def main(argv: list[str] | None = None) -> int:
    """``python -m geo.auth hash|check``: make a hash, or test a password against the setting."""
    parser = argparse.ArgumentParser(prog="python -m geo.auth", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("hash", help="read a password, print its bcrypt hash")
    make.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS, help="bcrypt cost (4-31)")
    commands.add_parser("check", help=f"read a password, test it against {HASH_ENV}")
    args = parser.parse_args(argv)

    if args.command == "hash":
        try:
            hashed = hash_password(_read_password(confirm=True), rounds=args.rounds)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(hashed)
        print(f"Set it with: export {HASH_ENV}='{hashed}'", file=sys.stderr)
        return 0

    from geo.settings import load_settings

    configured = load_settings().password_hash
    if configured is None or not is_valid_hash(configured):
        print(f"error: {HASH_ENV} is not set to a bcrypt hash", file=sys.stderr)
        return 2
    matched = check_password(_read_password(confirm=False), configured)
    print("password matches" if matched else "password does not match", file=sys.stderr)
    return 0 if matched else 1


__all__ = [
    "ACTION_ROLES",
    "DEFAULT_ROUNDS",
    "MAX_PASSWORD_BYTES",
    "PAGES",
    "PAGE_ROLES",
    "PUBLIC_PAGES",
    "ROLES",
    "AccessPolicy",
    "Identity",
    "PasswordOutcome",
    "RoleRule",
    "Throttle",
    "access_allowed",
    "action_allowed",
    "audit_user",
    "check_password",
    "hash_password",
    "is_valid_hash",
    "main",
    "oidc_identity",
    "oidc_problems",
    "oidc_providers",
    "role_at_least",
    "try_password",
    "verified_email",
]

if __name__ == "__main__":
    raise SystemExit(main())

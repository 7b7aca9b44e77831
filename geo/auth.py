"""Who may open which page: a bcrypt password for the Data (upload) and admin pages.

Configuration
-------------
Set ``BROADBAND_PASSWORD_HASH`` (see :mod:`geo.settings`) to a bcrypt hash, never to the password.
Make one with::

    python -m geo.auth hash                   # asks twice, without echo; prints the hash
    printf '%s\\n' "$PW" | python -m geo.auth hash   # or read one line from a pipe

then ``export BROADBAND_PASSWORD_HASH='$2b$12$…'`` (single quotes: the hash contains ``$``).
``python -m geo.auth check`` asks for a password and exits 0 if it matches the configured hash,
1 if not, 2 if no (valid) hash is configured. Passwords longer than 72 bytes (bcrypt's limit) are
refused rather than silently truncated.

Which pages are reachable
-------------------------
:func:`access_allowed` is the whole policy. "Public mode" is ``BROADBAND_PUBLIC_ONLY=1`` or an
embedded map (``?embed=true``).

========================  ====================  =============================================
page                      public mode           internal deployment
========================  ====================  =============================================
map, division, table      yes                   yes
planner                   no                    yes
data, admin               no (never)            yes if signed in; yes if no hash is configured
========================  ====================  =============================================

An internal deployment without ``BROADBAND_PASSWORD_HASH`` leaves Data and admin open: that is
meant for one officer running the app on their own machine; the app should say so on those pages.
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys

import bcrypt

PAGES: tuple[str, ...] = ("map", "division", "table", "planner", "risk", "data", "admin")
"""Every page the app may ask about."""
PUBLIC_PAGES: frozenset[str] = frozenset({"map", "division", "table"})
"""Pages a public or embedded deployment may show."""
PROTECTED_PAGES: frozenset[str] = frozenset({"data", "admin"})
"""Pages that need the password when one is configured, and never appear in public mode."""

MAX_PASSWORD_BYTES = 72
"""bcrypt reads at most 72 bytes of a password (UTF-8)."""
DEFAULT_ROUNDS = 12
"""bcrypt cost factor: 2**12 rounds, about a quarter of a second per check."""
HASH_ENV = "BROADBAND_PASSWORD_HASH"

_HASH_PATTERN = re.compile(r"^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$")


def is_valid_hash(hashed: str) -> bool:
    """True when ``hashed`` has the shape of a bcrypt hash (``$2b$12$`` + 53 characters)."""
    return isinstance(hashed, str) and _HASH_PATTERN.fullmatch(hashed.strip()) is not None


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
    if not is_valid_hash(hashed):
        raise ValueError(
            f"{HASH_ENV} is not a bcrypt hash (expected '$2b$12$' and 53 more characters); "
            "make one with: python -m geo.auth hash"
        )
    raw = password.encode("utf-8")
    if not raw or len(raw) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(raw, hashed.strip().encode("ascii"))


def access_allowed(
    page: str,
    *,
    public_only: bool,
    embed: bool,
    authenticated: bool,
    auth_configured: bool,
) -> bool:
    """Whether ``page`` may be shown; the table in the module docstring, as code.

    Parameters
    ----------
    page
        One of :data:`PAGES`.
    public_only
        ``BROADBAND_PUBLIC_ONLY`` is on.
    embed
        The page was opened embedded (``?embed=true``).
    authenticated
        The session has entered the right password.
    auth_configured
        ``BROADBAND_PASSWORD_HASH`` is set.
    """
    if page not in PAGES:
        raise ValueError(f"page must be one of {list(PAGES)}, not {page!r}")
    if public_only or embed:
        return page in PUBLIC_PAGES
    if page in PROTECTED_PAGES:
        return authenticated or not auth_configured
    return True


# --- Command line -----------------------------------------------------------------------------


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
    "DEFAULT_ROUNDS",
    "MAX_PASSWORD_BYTES",
    "PAGES",
    "PROTECTED_PAGES",
    "PUBLIC_PAGES",
    "access_allowed",
    "check_password",
    "hash_password",
    "is_valid_hash",
    "main",
]

if __name__ == "__main__":
    raise SystemExit(main())

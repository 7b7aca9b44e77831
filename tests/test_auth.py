"""Passwords (bcrypt), the hash helper on the command line, and the page access table."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo import auth

ROOT = Path(__file__).resolve().parent.parent

# OpenBSD / crypt_blowfish test vectors (password, hash).
VECTORS = [
    ("U*U", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"),
    ("U*U*", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK"),
]


@pytest.mark.parametrize(("password", "hashed"), VECTORS)
def test_known_bcrypt_vectors(password: str, hashed: str):
    assert auth.check_password(password, hashed)
    assert not auth.check_password(password + "x", hashed)
    assert not auth.check_password(password.lower(), hashed)


def test_hash_then_check_round_trip_and_salting():
    first = auth.hash_password("correct horse", rounds=4)
    second = auth.hash_password("correct horse", rounds=4)
    assert first != second  # a fresh salt each time
    assert first.startswith("$2b$04$") and len(first) == 60
    assert auth.is_valid_hash(first)
    assert auth.check_password("correct horse", first)
    assert auth.check_password("correct horse", second)
    assert not auth.check_password("correct horse ", first)
    assert not auth.check_password("", first)


def test_default_cost_is_twelve():
    assert auth.hash_password("pw").startswith("$2b$12$")


def test_password_length_limit_is_72_utf8_bytes():
    fits = "é" * 36  # 72 bytes
    hashed = auth.hash_password(fits, rounds=4)
    assert auth.check_password(fits, hashed)
    with pytest.raises(ValueError, match="74 bytes"):
        auth.hash_password("é" * 37, rounds=4)
    assert not auth.check_password(fits + "x", hashed)  # refused, not truncated to a match
    with pytest.raises(ValueError, match="empty"):
        auth.hash_password("", rounds=4)


@pytest.mark.parametrize(
    "bad", ["", "secret", "$2b$12$short", "$2b$03$" + "a" * 53, "$1$" + "a" * 57]
)
def test_a_malformed_hash_is_a_configuration_error(bad: str):
    assert not auth.is_valid_hash(bad)
    with pytest.raises(ValueError, match="BROADBAND_PASSWORD_HASH is not a bcrypt hash"):
        auth.check_password("secret", bad)


# --- The access table ---------------------------------------------------------------------------
# Written out by hand from the policy: (page, mode) -> allowed for the roles viewer, officer, admin
# in that order. "internal" = neither flag; the three public modes are public_only, embed, or both.
MODES = {
    "internal": (False, False),
    "public_only": (True, False),
    "embed": (False, True),
    "both": (True, True),
}
TABLE = {
    # page: (internal, public_only, embed, both)
    "map": ("111", "111", "111", "111"),
    "division": ("111", "111", "111", "111"),
    "table": ("111", "111", "111", "111"),
    "planner": ("011", "000", "000", "000"),
    "risk": ("111", "000", "000", "000"),
    "data": ("011", "000", "000", "000"),
    "reports": ("011", "000", "000", "000"),
    "admin": ("001", "000", "000", "000"),
}
CASES = [
    (page, mode, role, TABLE[page][m][r] == "1")
    for page in TABLE
    for m, mode in enumerate(MODES)
    for r, role in enumerate(auth.ROLES)
]


def test_table_covers_every_page_and_combination():
    assert set(TABLE) == set(auth.PAGES)
    assert auth.ROLES == ("viewer", "officer", "admin")
    assert len(CASES) == 8 * 4 * 3 == 96
    assert sum(allowed for *_, allowed in CASES) == 16 + 3 * 9 + 3


@pytest.mark.parametrize(("page", "mode", "role", "allowed"), CASES)
def test_access_table(page: str, mode: str, role: str, allowed: bool):
    public_only, embed = MODES[mode]
    got = auth.access_allowed(page, public_only=public_only, embed=embed, role=role)
    assert got is allowed


def test_unknown_page_or_role_is_refused_by_name():
    with pytest.raises(ValueError, match=r"page must be one of .*'admin'.*not 'upload'"):
        auth.access_allowed("upload", public_only=False, embed=False, role="admin")
    with pytest.raises(ValueError, match=r"role must be one of .*not 'root'"):
        auth.access_allowed("data", public_only=False, embed=False, role="root")


ACTIONS = {  # action: allowed for (viewer, officer, admin) in an internal deployment
    "upload": "011",
    "records": "011",
    "plan": "011",
    "restore": "001",
    "moderate": "011",
    "settings": "001",
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_actions_by_role_and_never_in_public_mode(action: str):
    assert set(ACTIONS) == set(auth.ACTION_ROLES)
    for r, role in enumerate(auth.ROLES):
        internal = auth.action_allowed(action, public_only=False, embed=False, role=role)
        assert internal is (ACTIONS[action][r] == "1")
        for public_only, embed in [(True, False), (False, True), (True, True)]:
            assert not auth.action_allowed(action, public_only=public_only, embed=embed, role=role)
    with pytest.raises(ValueError, match="action must be one of"):
        auth.action_allowed("delete", public_only=False, embed=False, role="admin")


# --- Command line -------------------------------------------------------------------------------


def _cli(*args: str, stdin: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != auth.HASH_ENV}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "geo.auth", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def test_cli_hash_reads_one_line_from_a_pipe():
    done = _cli("hash", "--rounds", "4", stdin="pass with spaces \n")
    assert done.returncode == 0, done.stderr
    hashed = done.stdout.strip()
    assert done.stdout == hashed + "\n"  # only the hash on stdout
    assert auth.is_valid_hash(hashed)
    assert auth.check_password("pass with spaces ", hashed)  # inner/trailing spaces kept
    assert "export BROADBAND_PASSWORD_HASH=" in done.stderr
    assert "pass with spaces" not in done.stdout + done.stderr


def test_cli_hash_refuses_empty_password():
    done = _cli("hash", "--rounds", "4", stdin="\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "empty" in done.stderr


def test_cli_check_against_the_configured_hash():
    env = {auth.HASH_ENV: VECTORS[0][1]}
    assert _cli("check", stdin="U*U\n", env=env).returncode == 0
    assert _cli("check", stdin="wrong\n", env=env).returncode == 1
    assert _cli("check", stdin="U*U\n").returncode == 2  # nothing configured
    assert _cli("check", stdin="U*U\n", env={auth.HASH_ENV: "plain"}).returncode == 2


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_on_a_terminal_asks_twice_without_echo(monkeypatch, capsys):
    answers = iter(["s3cret", "s3cret", "s3cret", "different"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(auth.getpass, "getpass", fake_getpass)
    monkeypatch.setattr(sys, "stdin", _Terminal())
    assert auth.main(["hash", "--rounds", "4"]) == 0
    assert auth.check_password("s3cret", capsys.readouterr().out.strip())
    assert auth.main(["hash", "--rounds", "4"]) == 2
    assert "differ" in capsys.readouterr().err
    assert prompts == ["Password: ", "Again: ", "Password: ", "Again: "]

"""Roles from the [access] table, OpenID Connect identities, the audit name and the throttle.

Every answer here is worked out by hand; time comes from a fake clock, never from sleeping.
"""

from __future__ import annotations

import re
import threading
import tomllib
from pathlib import Path

import pytest

from geo import auth
from geo.auth import AccessPolicy, Identity, RoleRule, Throttle

POLICY = AccessPolicy.from_mapping(
    {
        "roles": {
            "admin": {"emails": ["IT.Lead@Norfolk.gov.uk"], "claims": {"roles": "Bb.Admin"}},
            "officer": {
                "domains": ["norfolk.gov.uk", "@breckland.gov.uk"],
                "claims": {"groups": ["g-officers"]},
            },
        },
        "max_session_hours": 8,
    }
)


@pytest.mark.parametrize(
    ("claims", "role"),
    [
        ({"sub": "1", "email": "it.lead@norfolk.gov.uk"}, "admin"),  # listed e-mail, any case
        ({"sub": "1", "email": "ana@NORFOLK.gov.uk"}, "officer"),  # domain, any case
        ({"sub": "1", "email": "bo@breckland.gov.uk"}, "officer"),  # "@" in the config is fine
        ({"sub": "1", "email": "eve@evilnorfolk.gov.uk"}, "viewer"),  # not a suffix match
        ({"sub": "1", "email": "eve@x.norfolk.gov.uk"}, "viewer"),  # nor a subdomain
        ({"sub": "1", "email": "ana@norfolk.gov.uk", "email_verified": False}, "viewer"),
        ({"sub": "1", "email": "ana@norfolk.gov.uk", "email_verified": True}, "officer"),
        ({"sub": "1", "roles": ["Reader", "Bb.Admin"]}, "admin"),  # Entra ID app roles
        ({"sub": "1", "roles": "Bb.Admin"}, "admin"),  # a claim may be one string
        ({"sub": "1", "groups": ["g-officers"], "email": "x@gmail.com"}, "officer"),
        ({"sub": "1", "groups": ["g-other"]}, "viewer"),
        ({"sub": "1", "roles": {"Bb.Admin": True}}, "viewer"),  # not a list: never matches
        ({"sub": "1", "email": "it.lead@norfolk.gov.uk", "roles": []}, "admin"),
    ],
)
def test_role_from_email_domain_list_or_claim(claims: dict, role: str):
    assert POLICY.role_for(claims) == role


def test_defaults_grant_nobody_a_role_through_oidc():
    policy = AccessPolicy.from_mapping(None)
    assert policy == AccessPolicy()
    assert policy.role_for({"sub": "1", "email": "ana@norfolk.gov.uk"}) == "viewer"
    assert (policy.password_role, policy.failed_password_limit) == ("admin", 5)
    assert policy.failed_password_window_seconds == 60.0
    assert AccessPolicy.from_mapping({"signed_in_role": "officer"}).role_for({"sub": "x"}) == (
        "officer"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"roles": {"superuser": {}}}, r"\[access.roles\] may only hold the tables admin and"),
        ({"roles": {"admin": {"email": ["a@b"]}}}, r"\[access.roles.admin\]: unknown key 'email'"),
        ({"roles": {"officer": {"domains": "x", "claims": ["roles"]}}}, r"claims must be a table"),
        ({"roles": {"officer": {"domains": [1]}}}, r"must be a list of strings, not \[1\]"),
        ({"password_role": "root"}, r"\[access\] password_role must be one of .*'root'"),
        ({"failed_password_limit": 0}, r"failed_password_limit must be a positive number, not 0"),
        ({"max_session_hours": True}, r"max_session_hours must be a positive number"),
        ({"max_sesion_hours": 3}, r"unknown key 'max_sesion_hours'"),
    ],
)
def test_a_bad_access_table_is_refused_by_key(raw: dict, message: str):
    with pytest.raises(ValueError, match=message):
        AccessPolicy.from_mapping(raw)


def test_session_age_from_auth_time_else_iat():
    t0 = 1_700_000_000.0
    assert not POLICY.session_expired({"iat": t0}, now=t0 + 8 * 3600)
    assert POLICY.session_expired({"iat": t0}, now=t0 + 8 * 3600 + 1)
    # auth_time (when the person authenticated) wins over iat (when the token was made)
    assert POLICY.session_expired({"auth_time": t0, "iat": t0 + 7 * 3600}, now=t0 + 9 * 3600)
    assert POLICY.session_expired({}, now=t0)  # no age: refused
    assert POLICY.session_expired({"iat": "yesterday"}, now=t0)


def test_identity_names_the_person_by_email_else_subject():
    ana = auth.oidc_identity({"sub": "s1", "email": "Ana@Norfolk.gov.uk", "name": " Ana "}, POLICY)
    assert ana == Identity("officer", "oidc", "ana@norfolk.gov.uk", "Ana")
    assert ana.signed_in and ana.named
    unverified = {"sub": "s2", "email": "x@y.z", "email_verified": False}
    assert auth.oidc_identity(unverified, POLICY) == Identity("viewer", "oidc", "sub:s2")
    assert auth.oidc_identity({"email": "a@b.c"}, POLICY) == Identity("viewer", "oidc", "a@b.c")
    assert auth.oidc_identity({"sub": " "}, POLICY) is None
    assert auth.oidc_identity({}, POLICY) is None


def test_audit_user_names_the_signed_in_person_never_the_typed_name():
    ana = Identity("officer", "oidc", "ana@norfolk.gov.uk")
    assert auth.audit_user(ana, "Someone  Else") == "ana@norfolk.gov.uk"
    assert auth.audit_user(Identity("admin", "password"), "  Bo   Li ") == "Bo Li (shared password)"
    assert auth.audit_user(Identity("admin", "password")) == "officer (shared password)"
    assert auth.audit_user(Identity("admin", "open"), "Bo") == "Bo"
    assert auth.audit_user(Identity("admin", "open"), "   ") == "officer"
    assert not Identity("admin", "open").signed_in
    assert not Identity("viewer", "anonymous").signed_in


GOOD_AUTH = {
    "redirect_uri": "https://maps.example.gov.uk/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "app",
    "client_secret": "s",
    "server_metadata_url": "https://login.example/v2.0/.well-known/openid-configuration",
    "entra": {"client_id": "a", "client_secret": "b", "server_metadata_url": "c"},
    "client_kwargs": {"prompt": "login"},  # a table, but not a provider
}


def test_providers_and_problems_in_the_auth_table():
    assert auth.oidc_providers(GOOD_AUTH) == ("default", "entra")
    assert auth.oidc_problems(GOOD_AUTH) == []
    assert auth.oidc_providers({}) == () and auth.oidc_problems({}) == []
    bad = {
        "redirect_uri": "https://maps.example.gov.uk/",
        "cookie_secret": "hunter2",
        "my_idp": {"client_id": "a"},
    }
    problems = auth.oidc_problems(bad)
    assert problems == [
        "[auth] cookie_secret is shorter than 32 characters; make one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(32))"',
        "[auth] redirect_uri must end with /oauth2callback",
        "[auth.my_idp]: a provider name may not contain '_'",
        "[auth.my_idp] has no client_secret",
        "[auth.my_idp] has no server_metadata_url",
    ]
    assert "hunter2" not in " ".join(problems)  # keys are named, values never
    assert auth.oidc_problems({"client_id": "a"})[:2] == [
        "[auth] has no redirect_uri",
        "[auth] has no cookie_secret",
    ]


# --- The throttle ---------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_five_attempts_a_minute_then_a_wait_until_the_oldest_leaves_the_window():
    clock = FakeClock()
    throttle = Throttle(limit=5, window=60, clock=clock)
    key = [("session", "a")]
    for _ in range(5):
        assert throttle.acquire(key) == 0.0
        clock.now += 10  # attempts at 1000, 1010, ..., 1040
    assert clock.now == 1050
    assert throttle.acquire(key) == pytest.approx(10.0)  # the first leaves at 1060
    clock.now = 1059.5
    assert throttle.acquire(key) == pytest.approx(0.5)
    clock.now = 1060.0
    assert throttle.acquire(key) == 0.0  # 1010..1040 + 1060: five again
    assert throttle.acquire(key) == pytest.approx(10.0)  # the next leaves at 1070


def test_any_throttled_key_refuses_and_a_refusal_counts_nothing():
    clock = FakeClock()
    throttle = Throttle(limit=2, window=60, clock=clock)
    client = ("client", "203.0.113.7")
    assert throttle.acquire([("session", "a"), client]) == 0.0
    assert throttle.acquire([("session", "b"), client]) == 0.0
    # a third session from the same client is refused, and session "c" is not charged for it
    assert throttle.acquire([("session", "c"), client]) == 60.0
    assert throttle.acquire([("session", "c"), ("client", "198.51.100.1")]) == 0.0
    throttle.forget([client])
    assert throttle.acquire([("session", "d"), client]) == 0.0


def test_remembers_a_bounded_number_of_keys():
    assert Throttle(limit=2, window=60, clock=FakeClock()).left([("never", "seen")]) == 2
    throttle = Throttle(limit=1, window=60, clock=FakeClock(), max_keys=3)
    for k in range(4):
        assert throttle.acquire([k]) == 0.0
    assert throttle.acquire([0]) == 0.0  # key 0 was the least recently used: dropped
    assert throttle.acquire([3]) == 60.0
    with pytest.raises(ValueError, match="limit must be"):
        Throttle(limit=0)


def test_concurrent_attempts_cannot_overrun_the_limit():
    throttle = Throttle(limit=5, window=60, clock=FakeClock())
    results: list[float] = []
    start = threading.Barrier(20)

    def attempt() -> None:
        start.wait()
        results.append(throttle.acquire([("client", "x")]))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results).count(0.0) == 5


HASH = auth.hash_password("right one", rounds=4)


@pytest.fixture
def bcrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every password bcrypt is asked to check."""
    calls: list[bytes] = []
    real = auth.bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        calls.append(password)
        return real(password, hashed)

    monkeypatch.setattr(auth.bcrypt, "checkpw", counting)
    return calls


def test_sixth_wrong_password_within_a_minute_is_refused_without_checking(bcrypt_calls):
    clock = FakeClock()
    throttle = Throttle(limit=5, window=60, clock=clock)
    keys = [("session", "s"), ("client", "loopback")]
    for k in range(5):
        outcome = auth.try_password(f"wrong {k}", HASH, throttle=throttle, keys=keys)
        assert outcome == auth.PasswordOutcome(ok=False, left=4 - k)
        clock.now += 11  # five attempts over 55 s
    assert len(bcrypt_calls) == 5
    sixth = auth.try_password("right one", HASH, throttle=throttle, keys=keys)  # even the right one
    assert not sixth.ok and sixth.wait == pytest.approx(5.0)
    assert sixth.message == "Too many wrong passwords. Wait 5 seconds and try again."
    assert len(bcrypt_calls) == 5  # bcrypt never ran for the sixth
    clock.now += 5
    assert auth.try_password("right one", HASH, throttle=throttle, keys=keys).ok
    assert len(bcrypt_calls) == 6
    # a right password forgets the count: five more wrong ones are checked
    for _ in range(5):
        assert not auth.try_password("wrong", HASH, throttle=throttle, keys=keys).ok
    assert len(bcrypt_calls) == 11


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (
            auth.PasswordOutcome(ok=False, left=4),
            "That password is not right. 4 more tries before a wait.",
        ),
        (
            auth.PasswordOutcome(ok=False, left=1),
            "That password is not right. 1 more try before a wait.",
        ),
        (
            auth.PasswordOutcome(ok=False, left=0),
            "That password is not right. The next try must wait.",
        ),
        (auth.PasswordOutcome(ok=False), "That password is not right."),
        (
            auth.PasswordOutcome(ok=False, wait=59.01),
            "Too many wrong passwords. Wait 60 seconds and try again.",
        ),
        (
            auth.PasswordOutcome(ok=False, wait=120),
            "Too many wrong passwords. Wait 120 seconds and try again.",
        ),
        (
            auth.PasswordOutcome(ok=False, wait=3599.5),
            "Too many wrong passwords. Wait 60 minutes and try again.",
        ),
        (auth.PasswordOutcome(ok=True), "Signed in."),
    ],
)
def test_messages(outcome: auth.PasswordOutcome, message: str):
    assert outcome.message == message


def test_wait_message_rounds_up_and_a_bad_hash_is_a_configuration_error(bcrypt_calls):
    assert auth.PasswordOutcome(ok=False, wait=0.2).message == (
        "Too many wrong passwords. Wait 1 second and try again."
    )
    throttle = Throttle(limit=1, window=60, clock=FakeClock())
    with pytest.raises(ValueError, match="BROADBAND_PASSWORD_HASH is not a bcrypt hash"):
        auth.try_password("x", "plain", throttle=throttle, keys=["k"])
    assert throttle.acquire(["k"]) == 0.0  # the configuration error used no attempt
    assert bcrypt_calls == []


def test_role_rule_matches_nothing_when_empty():
    assert not RoleRule().matches({"sub": "1", "email": "a@b.c", "roles": ["x"]})


ROOT = Path(__file__).resolve().parent.parent


def test_the_documented_secrets_layouts_are_valid():
    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text("utf-8"))
    policy = AccessPolicy.from_mapping(example["access"])
    assert policy.role_for({"sub": "1", "roles": ["Broadband.Officer"]}) == "officer"
    assert policy.role_for({"sub": "1", "email": "it.lead@norfolk.gov.uk"}) == "admin"
    assert auth.oidc_problems(example["auth"]) == []
    readme = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, flags=re.S)
    assert block is not None
    documented = tomllib.loads(block.group(1))
    assert AccessPolicy.from_mapping(documented["access"]) == policy

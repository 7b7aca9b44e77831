"""Sign-in in-process (AppTest): the password and its throttle, OpenID Connect roles, the audit.

``AppTest.user`` stands in for the identity cookie that Streamlit sets after a real OpenID Connect
sign-in (the real flow, with a provider on loopback, is in tests/browser/test_sign_in_browser.py).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo import auth
from geo.analysis import resident_reports as rr
from geo.auth import hash_password
from geo.storage import store
from geo.storage.catalog import load_catalog
from geo.storage.reports import load_reports, submit_report
from geo.storage.workspace import current
from layers.demo import DEMO_STORE
from tests.test_data_page import good_vouchers
from views import access
from views.text import as_shown

APP = Path(__file__).resolve().parent.parent / "app.py"
PASSWORD = "correct horse battery staple"
DATA_TITLE = "Data: upload and versions"
COOKIE_SECRET = "c" * 40
SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": COOKIE_SECRET,
        "client_id": "broadband-map",
        "client_secret": "provider-secret-value",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    },
    "access": {
        "roles": {
            "admin": {"emails": ["it.lead@norfolk.gov.uk"]},
            "officer": {"domains": ["norfolk.gov.uk"]},
        }
    },
}


def _user(email: str, **claims: object) -> dict:
    now = int(time.time())
    return {"is_logged_in": True, "sub": f"sub-{email}", "email": email, "iat": now, **claims}


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _open(at: AppTest, page: str) -> AppTest:
    at._page_hash = calc_hash(page)  # AppTest.switch_page only knows file-based pages
    return at.run()


def _app(*, user: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    if secrets is not None:
        at.secrets = secrets
    if user is not None:
        at.user = user
    at = at.run()
    assert not at.exception
    return at


@pytest.fixture(autouse=True)
def _fresh_throttle():
    access._throttle.clear()  # one throttle per server process: a fresh one per test
    yield
    access._throttle.clear()


@pytest.fixture
def protected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADBAND_PASSWORD_HASH", hash_password(PASSWORD, rounds=4))


def _submit(at: AppTest, password: str) -> AppTest:
    at.sidebar.text_input(key="sign_in_password").input(password)
    return at.sidebar.button[0].click().run()


@pytest.mark.usefixtures("protected")
def test_data_page_needs_the_password_and_sign_out_ends_it() -> None:
    at = _app()
    assert DATA_TITLE not in _titles(_open(at, "data"))

    at = _submit(at, "wrong")
    assert any("not right" in e.value for e in at.error)
    assert DATA_TITLE not in _titles(_open(at, "data"))

    at = _submit(at, PASSWORD)
    assert DATA_TITLE in _titles(_open(at, "data"))
    assert not any("not password-protected" in w.value for w in at.warning)
    assert "Role: admin" in at.sidebar.text[0].value
    assert at.text_input(key="audit_user")  # a shared password names nobody: type a name

    at = at.sidebar.button(key="sign_out").click().run()
    assert DATA_TITLE not in _titles(_open(at, "data"))
    assert at.sidebar.text_input(key="sign_in_password")


@pytest.mark.usefixtures("protected")
def test_sixth_wrong_password_is_refused_without_checking(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app()
    for k in range(5):
        at = _submit(at, f"wrong {k}")
        assert any("not right" in e.value for e in at.error)

    def must_not_run(password: bytes, hashed: bytes) -> bool:
        raise AssertionError("bcrypt ran for a throttled attempt")

    monkeypatch.setattr(auth.bcrypt, "checkpw", must_not_run)
    at = _submit(at, PASSWORD)  # the right password, but the sixth attempt within the minute
    assert not at.exception
    errors = [as_shown(e.value) for e in at.error]  # pages escape their messages (views.text)
    assert any(e.startswith("Too many wrong passwords. Wait ") for e in errors), errors
    assert DATA_TITLE not in _titles(_open(at, "data"))
    # the same client in a new session is refused too (per client, not only per session)
    other = _app()
    other = _submit(other, PASSWORD)
    assert any("Too many wrong passwords" in e.value for e in other.error)
    assert PASSWORD not in str([e.value for e in other.error] + errors)


@pytest.mark.usefixtures("protected")
def test_public_deployment_never_offers_sign_in_or_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    at = _app(secrets=SECRETS, user=_user("it.lead@norfolk.gov.uk"))
    assert not at.sidebar.text_input  # no password form in public mode
    assert not at.sidebar.button  # and no "Sign in with ..." either
    for page in ("data", "planner", "admin"):
        assert DATA_TITLE not in _titles(_open(at, page))


def test_no_sign_in_configured_leaves_data_open_and_says_so() -> None:
    at = _open(_app(), "data")
    assert DATA_TITLE in _titles(at)
    assert any("not password-protected" in w.value for w in at.warning)


def test_anonymous_visitor_is_a_viewer_offered_the_providers() -> None:
    at = _app(secrets=SECRETS, user={"is_logged_in": False})
    labels = [b.label for b in at.sidebar.button]
    assert labels == ["Sign in with your organisation account"]
    assert DATA_TITLE not in _titles(_open(at, "data"))


@pytest.mark.parametrize(
    ("email", "role", "pages"),
    [
        ("ana@norfolk.gov.uk", "officer", {"data", "planner"}),
        ("it.lead@norfolk.gov.uk", "admin", {"data", "planner"}),
        ("someone@gmail.com", "viewer", set()),
    ],
)
def test_oidc_roles_decide_the_pages(email: str, role: str, pages: set[str]) -> None:
    at = _app(secrets=SECRETS, user=_user(email))
    assert at.sidebar.text[0].value == f"Signed in: {email}\nRole: {role}"
    assert at.sidebar.button(key="sign_out")
    assert (DATA_TITLE in _titles(_open(at, "data"))) is ("data" in pages)
    planner = _open(at, "planner")
    assert ("Bid planner" in " ".join(_titles(planner))) is ("planner" in pages)


def test_a_signed_in_viewer_never_gets_the_data_page() -> None:
    at = _app(secrets=SECRETS, user=_user("someone@gmail.com"))
    for page in ("data", "Data", "data/", "upload", "admin"):
        shown = _open(at, page)
        assert not shown.exception
        assert DATA_TITLE not in _titles(shown)
        assert not shown.get("file_uploader")


def test_upload_audit_names_the_signed_in_officer_and_only_admin_restores() -> None:
    at = _open(_app(secrets=SECRETS, user=_user("ana@norfolk.gov.uk")), "data")
    assert DATA_TITLE in _titles(at)
    assert not [t for t in at.text_input if t.key == "audit_user"]  # no free-text name
    assert any("recorded as ana@norfolk.gov.uk" in as_shown(c.value) for c in at.caption)

    at.selectbox(key="upload_dataset").set_value("vouchers").run()
    at.file_uploader(key="upload_file").set_value(("v.csv", good_vouchers(), "text/csv")).run()
    at.button(key="upload_save").click().run()
    assert not at.exception
    assert any("needs the admin role" in c.value for c in at.caption)  # an officer: no restore
    assert not [b for b in at.button if (b.key or "").startswith("restore_")]
    path = _store_file()
    last = store.audit(path).iloc[-1]
    assert (last["action"], last["user"], last["file_name"]) == (
        "save",
        "ana@norfolk.gov.uk",
        "v.csv",
    )
    shown = next(d.value for d in at.dataframe if "dataset" in d.value.columns)
    assert shown.iloc[0]["user"] == "ana@norfolk.gov.uk"  # "who did what", newest first

    admin = _open(_app(secrets=SECRETS, user=_user("it.lead@norfolk.gov.uk")), "data")
    admin.button(key="restore_vouchers_1").click().run()
    last = store.audit(path).iloc[-1]
    assert (last["action"], last["user"], last["source_version"]) == (
        "restore",
        "it.lead@norfolk.gov.uk",
        1,
    )


def _store_file() -> Path:
    return Path(os.environ["BROADBAND_DATA_DIR"]) / DEMO_STORE


def test_a_sign_in_older_than_the_session_limit_is_refused() -> None:
    old = _user("it.lead@norfolk.gov.uk", iat=int(time.time()) - 13 * 3600)
    at = _app(secrets=SECRETS, user=old)
    assert any("expired" in i.value for i in at.sidebar.info)
    assert DATA_TITLE not in _titles(_open(at, "data"))


def test_a_weak_cookie_secret_disables_oidc_and_fails_closed() -> None:
    weak = {**SECRETS, "auth": {**SECRETS["auth"], "cookie_secret": "short"}}
    at = _app(secrets=weak, user=_user("it.lead@norfolk.gov.uk"))
    errors = " ".join(as_shown(e.value) for e in at.sidebar.error)
    assert "cookie_secret is shorter than 32 characters" in errors
    assert "short" not in errors.replace("shorter", "")
    assert not at.sidebar.button  # no sign-in offered with an unsafe configuration
    assert DATA_TITLE not in _titles(_open(at, "data"))  # and never "open" (admin for all)


def test_secrets_are_never_shown() -> None:
    at = _open(_app(secrets=SECRETS, user=_user("it.lead@norfolk.gov.uk")), "data")
    shown = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.text, *at.sidebar.text])
    for secret in (COOKIE_SECRET, "provider-secret-value"):
        assert secret not in shown


# --- The Settings page (admins only) --------------------------------------------------------------

SETTINGS_TITLE = "Settings"


def _page_text(at: AppTest) -> str:
    """Everything a page shows as text: headings, prose, captions, tables, the sidebar."""
    parts = [e.value for e in [*at.title, *at.header, *at.markdown, *at.caption, *at.text,
                               *at.error, *at.warning, *at.info, *at.sidebar.text]]  # fmt: skip
    parts += [t.value.to_csv() for t in at.table]
    return as_shown(" ".join(map(str, parts)))


def _settings_tables(at: AppTest) -> dict[str, list[list[str]]]:
    """The Settings page's rows by their table's first header (tables sharing one are joined),
    cells as a browser shows them."""
    found: dict[str, list[list[str]]] = {}
    for table in at.table:
        rows = [[as_shown(str(c)) for c in row] for row in table.value.values.tolist()]
        found.setdefault(as_shown(str(table.value.columns[0])), []).extend(rows)
    return found


def test_an_admin_sees_the_effective_settings_without_any_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed = hash_password(PASSWORD, rounds=4)
    monkeypatch.setenv("BROADBAND_PASSWORD_HASH", hashed)
    monkeypatch.setenv("BROADBAND_LEVEL", "ward")
    secrets = {**SECRETS, "access": {**SECRETS["access"], "failed_password_limit": 4}}
    at = _app(secrets=secrets, user=_user("it.lead@norfolk.gov.uk"))
    at = _open(at, "settings")
    assert not at.exception
    assert _titles(at) == [SETTINGS_TITLE]
    tables = _settings_tables(at)
    rules = tables["Grants role"]
    assert rules == [
        ["admin", "e-mail", "it.lead@norfolk.gov.uk"],
        ["officer", "e-mail domain", "norfolk.gov.uk"],
    ]
    settings = dict(map(tuple, tables["Setting"]))  # the Data and Sign-in tables
    assert settings["Data folder (BROADBAND_DATA_DIR)"] == os.environ["BROADBAND_DATA_DIR"]
    assert settings["Area level (BROADBAND_LEVEL)"].startswith("ward")
    assert settings["Public only (BROADBAND_PUBLIC_ONLY)"] == "no"
    assert settings["OpenID Connect providers"] == "default"
    assert settings["Shared password fallback (BROADBAND_PASSWORD_HASH)"] == "set (a bcrypt hash)"
    assert settings["Upload store stamp"].startswith("written ")
    limits = dict(map(tuple, tables["Limit"]))
    assert limits["Wrong passwords"] == "4 per session and per client within 60 seconds"
    assert limits["Report retention"] == "730 days after a report was made"
    assert limits["Upload size"] == "25 MB per file (server.maxUploadSize 25 MB)"
    shown = _page_text(at)
    for secret in (COOKIE_SECRET, "provider-secret-value", hashed, hashed[7:], PASSWORD):
        assert secret not in shown


@pytest.mark.parametrize("email", ["ana@norfolk.gov.uk", "someone@gmail.com"])
def test_officers_and_viewers_never_reach_the_settings_page(email: str) -> None:
    at = _app(secrets=SECRETS, user=_user(email))
    for page in ("settings", "Settings", "settings/", "admin", "Admin"):
        shown = _open(at, page)
        assert not shown.exception
        assert SETTINGS_TITLE not in _titles(shown)
        assert "Grants role" not in _page_text(shown)
        assert COOKIE_SECRET not in _page_text(shown)


@pytest.mark.usefixtures("protected")
def test_the_shared_password_as_officer_gets_no_settings_and_public_mode_none_at_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    officer = {"access": {"password_role": "officer"}}  # the password only: no provider
    at = _submit(_app(secrets=officer), PASSWORD)
    assert "Role: officer" in at.sidebar.text[0].value
    assert SETTINGS_TITLE not in _titles(_open(at, "settings"))
    assert DATA_TITLE in _titles(_open(at, "data"))  # signed in: the officer's pages are there

    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    public = _app(secrets=SECRETS, user=_user("it.lead@norfolk.gov.uk"))
    for page in ("settings", "admin"):
        assert SETTINGS_TITLE not in _titles(_open(public, page))


def test_with_no_sign_in_configured_the_lone_officer_is_admin_and_sees_settings() -> None:
    at = _open(_app(), "settings")
    assert _titles(at) == [SETTINGS_TITLE]
    settings = dict(map(tuple, _settings_tables(at)["Setting"]))
    assert settings["OpenID Connect providers"] == "none"
    assert settings["Shared password fallback (BROADBAND_PASSWORD_HASH)"] == "not set"
    assert "No rule grants a role through OpenID Connect." in _page_text(at)


# --- Moderation names the signed-in officer -------------------------------------------------------


def test_moderation_by_a_signed_in_officer_is_audited_under_their_email() -> None:
    at = _app(secrets=SECRETS, user=_user("ana@norfolk.gov.uk"))  # builds the demo
    cat = load_catalog(current().catalog_path)
    assert cat.postcodes is not None
    form = rr.ReportForm(postcode=str(cat.postcodes.index[0]), band="none")
    valid = rr.validate_report(form, postcodes=cat.postcodes, areas=cat.areas["ced"])
    path = current().store_path
    assert path == _store_file()
    ids = [submit_report(path, valid, payload=b"x") for _ in range(2)]

    at = _open(at, "reports")
    assert [as_shown(t) for t in _titles(at)] == ["Residents' reports: moderation and evidence"]
    assert not [t for t in at.text_input if t.key == "audit_user"]  # no free-text name
    assert any("recorded as ana@norfolk.gov.uk" in as_shown(c.value) for c in at.caption)
    for report, action, reason in ((ids[0], "accept", "checked"), (ids[1], "reject", "a shop")):
        at.multiselect(key="moderate_ids").set_value([report])
        at.text_input(key="moderate_reason").input(reason)
        at = at.button(key=f"moderate_{action}").click().run()
        assert not at.exception
        last = store.audit(path).iloc[-1]
        assert (last["action"], last["user"], last["record_ids"], last["reason"]) == (
            action, "ana@norfolk.gov.uk", report, reason
        )  # fmt: skip
    moderated = load_reports(path).set_index("report_id")["moderated_by"]
    assert moderated.to_dict() == {ids[0]: "ana@norfolk.gov.uk", ids[1]: "ana@norfolk.gov.uk"}

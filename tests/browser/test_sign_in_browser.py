"""Sign-in in a real browser against a real OpenID Connect provider on loopback.

The provider (tests/oidc_provider.py, built from Authlib's server components) issues RS256 ID
tokens; the app signs people in through Streamlit's ``st.login`` with the ``[auth]`` table of a
``secrets.toml`` written here. Roles come from the ``[access]`` table: an ID-token ``roles`` claim
makes an officer, a listed e-mail an admin, anyone else is a viewer.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from geo.auth import hash_password
from geo.storage import store
from layers.demo import DEMO_STORE
from tests.browser.support import (
    chromium,
    free_port,
    require_chromium,
    running_app,
    screenshot,
    settled,
)
from tests.oidc_provider import Client, Person, Provider, running_provider
from tests.test_data_page import good_vouchers

pytestmark = pytest.mark.browser

DATA_TITLE = "Data: upload and versions"
SIGN_IN = "Sign in with your organisation account"
PASSWORD = "a long shared password"
ANA = Person("sub-ana", "ana@norfolk.gov.uk", "Ana Officer", {"roles": ["Broadband.Officer"]})
LEAD = Person("sub-lead", "it.lead@norfolk.gov.uk", "IT Lead")
GUEST = Person("sub-guest", "guest@example.org", "A Guest")


@dataclass
class Deployment:
    url: str
    provider: Provider
    data_dir: Path
    log: Path
    secret_values: tuple[str, ...]


def _toml(value: object) -> str:
    return json.dumps(value)  # a JSON string or list of strings is a valid TOML value


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    require_chromium()
    root = tmp_path_factory.mktemp("sign-in")
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/oauth2callback"
    cookie_secret, client_secret = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    client = Client("broadband-map", client_secret, [redirect])
    with running_provider(people=[ANA, LEAD, GUEST], client=client) as provider:
        metadata_url = provider.issuer + "/.well-known/openid-configuration"
        (root / "secrets.toml").write_text(
            "[auth]\n"
            f"redirect_uri = {_toml(redirect)}\n"
            f"cookie_secret = {_toml(cookie_secret)}\n"
            f"client_id = {_toml(client.client_id)}\n"
            f"client_secret = {_toml(client_secret)}\n"
            f"server_metadata_url = {_toml(metadata_url)}\n"
            "\n[access]\n"
            "failed_password_window_seconds = 3600\n"  # the test's pace never matters
            "\n[access.roles.admin]\n"
            f"emails = {_toml([LEAD.email])}\n"
            "\n[access.roles.officer]\n"
            f"claims = {{ roles = {_toml(['Broadband.Officer'])} }}\n",
            encoding="utf-8",
        )
        data_dir, log = root / "data", root / "app.log"
        env = {"BROADBAND_PASSWORD_HASH": hash_password(PASSWORD, rounds=4)}
        args = ["--secrets.files", str(root / "secrets.toml")]
        with running_app(data_dir, env=env, port=port, args=args, log=log) as url:
            yield Deployment(url, provider, data_dir, log, (cookie_secret, client_secret, PASSWORD))


def _page(browser: object, *, forwarded_for: str | None = None) -> object:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    context = browser.new_context(viewport={"width": 1400, "height": 1000},  # type: ignore[attr-defined]
                                  extra_http_headers=headers)  # fmt: skip
    page = context.new_page()
    # Generous waits: on a loaded 2-core runner a Streamlit rerun can take longer than
    # Playwright's 30 s default; nothing here asserts how long anything took.
    page.set_default_timeout(120_000)  # type: ignore[attr-defined]
    return page


def _ready(page: object) -> None:
    """The app has drawn its sidebar (Streamlit renders after the first script run)."""
    sidebar = page.locator("[data-testid='stSidebar']")  # type: ignore[attr-defined]
    sidebar.get_by_text(re.compile("Sign in with|Signed in:|Officer password")).first.wait_for(
        timeout=60_000
    )


def _sign_in(page: object, d: Deployment, person: Person) -> None:
    page.goto(d.url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    _ready(page)
    page.get_by_role("button", name=SIGN_IN).click()  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Test identity provider").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    page.get_by_label("E-mail").fill(person.email)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Continue").click()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(re.escape(d.url)), timeout=30_000)  # type: ignore[attr-defined]
    _ready(page)


def _signed_in_as(page: object) -> str:
    sidebar = page.locator("[data-testid='stSidebar']")  # type: ignore[attr-defined]
    text = sidebar.inner_text()
    found = re.search(r"Signed in: (.+?)\s+Role: (\w+)", text)
    return f"{found.group(1)} {found.group(2)}" if found else ""


def _wait_signed_in(page: object, expected: str) -> None:
    who = expected.rsplit(" ", 1)[0]
    page.get_by_text(f"Signed in: {who}").wait_for(timeout=30_000)  # type: ignore[attr-defined]
    assert _signed_in_as(page) == expected


@contextmanager
def _signed_in(d: Deployment, person: Person, expected: str) -> Iterator[object]:
    """A fresh browser whose page went through the provider's sign-in as ``person``."""
    with chromium() as browser:
        page = _page(browser)
        _sign_in(page, d, person)
        _wait_signed_in(page, expected)
        yield page


def _data_page_shown(page: object, url: str) -> bool:
    page.goto(url, wait_until="domcontentloaded")  # type: ignore[attr-defined]
    _ready(page)
    page.wait_for_timeout(1500)  # type: ignore[attr-defined]
    heading = page.get_by_role("heading", name=DATA_TITLE)  # type: ignore[attr-defined]
    return heading.count() > 0 or page.locator("input[type=file]").count() > 0  # type: ignore[attr-defined]


def test_officer_signs_in_uploads_named_in_the_audit_then_signs_out(deployment: Deployment) -> None:
    d = deployment
    with _signed_in(d, ANA, "ana@norfolk.gov.uk officer") as page:
        page.goto(d.url + "/data", wait_until="domcontentloaded")
        page.get_by_role("heading", name=DATA_TITLE).wait_for(timeout=60_000)
        assert page.get_by_label("Your name, for the audit log").count() == 0
        page.get_by_text("Changes you make are recorded as ana@norfolk.gov.uk").wait_for()
        page.get_by_label("Dataset").click()
        page.get_by_role("option", name="Broadband vouchers").click()
        # Choosing the dataset reruns the page; a file chosen during that run was dropped by the
        # uploader on a loaded runner (CI, 1 December): choose it once the run has ended.
        settled(page)
        page.locator("input[type=file]").set_input_files(
            files=[{"name": "vouchers_ana.csv", "mimeType": "text/csv", "buffer": good_vouchers()}]
        )
        save = page.get_by_role("button", name=re.compile("^Save as the new"))
        save.wait_for(timeout=60_000)
        save.click()
        page.get_by_text("Saved vouchers_ana.csv as version 2").wait_for(timeout=60_000)
        last = store.audit(d.data_dir / DEMO_STORE).iloc[-1]
        assert (last["action"], last["file_name"], last["user"]) == (
            "save",
            "vouchers_ana.csv",
            "ana@norfolk.gov.uk",
        )
        # The save reruns the page: wait for that run to end before looking (a heading found
        # mid-run can be replaced under the cursor).
        settled(page)
        page.get_by_role("heading", name="Who did what").wait_for()
        screenshot(page, "sign_in_officer_data_page")

        logouts = d.provider.logouts
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name=SIGN_IN).wait_for(timeout=30_000)
        assert d.provider.logouts == logouts + 1  # RP-initiated logout reached the provider
        assert _signed_in_as(page) == ""
        assert not _data_page_shown(page, d.url + "/data")


def _second_pilots_version(d: Deployment) -> None:
    """Save the demo's pilots again from this (another) process, so a version 1 is restorable.

    The admin test must not depend on the officer test having run first (or having saved).
    """
    path = d.data_dir / DEMO_STORE
    if len(store.versions(path, "pilots")) > 1:
        return
    records = store.load(path, "pilots")
    assert records is not None, "signing in builds the demo store"
    store.save(path, "pilots", records, file_name="pilots_again.csv", file_bytes=b"again\n",
               user="test")  # fmt: skip


def test_admin_by_email_may_restore(deployment: Deployment) -> None:
    d = deployment
    with _signed_in(d, LEAD, "it.lead@norfolk.gov.uk admin") as page:
        _second_pilots_version(d)
        assert _data_page_shown(page, d.url + "/data")
        page.get_by_role("button", name="Restore version 1").first.wait_for(timeout=30_000)


@pytest.mark.parametrize(
    "path",
    ["/data", "/data/", "/Data", "/data?page=data", "/planner", "/admin", "/?page=data", "/upload"],
)
def test_a_viewer_never_reaches_the_data_page(deployment: Deployment, path: str) -> None:
    d = deployment
    with _signed_in(d, GUEST, "guest@example.org viewer") as page:
        assert not _data_page_shown(page, d.url + path)
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Data" not in nav and "Bid planner" not in nav


@pytest.mark.parametrize("mode", ["forged", "expired"])
def test_a_forged_or_expired_id_token_is_refused(deployment: Deployment, mode: str) -> None:
    d = deployment
    d.provider.token_mode = mode
    try:
        with chromium() as browser:
            page = _page(browser)
            issued = len(d.provider.issued)
            _sign_in(page, d, LEAD)
            page.get_by_role("button", name=SIGN_IN).wait_for(timeout=30_000)
            assert len(d.provider.issued) == issued + 1  # a token was issued, and refused
            assert _signed_in_as(page) == ""
            assert not _data_page_shown(page, d.url + "/data")
            screenshot(page, f"sign_in_{mode}_token_refused")
    finally:
        d.provider.token_mode = "good"


def test_a_forged_identity_cookie_is_refused(deployment: Deployment) -> None:
    d = deployment
    with chromium() as browser:
        page = _page(browser)
        forged = json.dumps({"email": LEAD.email, "sub": LEAD.sub, "is_logged_in": True,
                             "iat": 2_000_000_000, "provider": "default"})  # fmt: skip
        page.context.add_cookies(  # type: ignore[attr-defined]
            [{"name": "_streamlit_user", "value": forged, "url": d.url}]
        )
        page.goto(d.url, wait_until="domcontentloaded")
        _ready(page)
        page.get_by_role("button", name=SIGN_IN).wait_for(timeout=30_000)
        assert _signed_in_as(page) == ""
        assert not _data_page_shown(page, d.url + "/data")


def _submit_password(page: object, password: str) -> None:
    box = page.get_by_label("Officer password")  # type: ignore[attr-defined]
    if not box.is_visible():
        page.get_by_text("Officer password").first.click()  # type: ignore[attr-defined]
    box.fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]


def _try_password(page: object, password: str, *, expect: str) -> str:
    """Submit ``password`` and wait for the sidebar message containing ``expect``: each attempt's
    message differs ("4 more tries", "3 more tries", ...), so a stale one is never read."""
    _submit_password(page, password)
    alert = page.locator("[data-testid='stSidebar'] [data-testid='stAlert']")  # type: ignore[attr-defined]
    found = alert.filter(has_text=expect)
    found.wait_for(timeout=30_000)
    return str(found.inner_text())


def test_password_attempts_are_throttled_per_client_behind_a_proxy(deployment: Deployment) -> None:
    """Sessions from one forwarded client share the limit; another client is not affected.

    The browser sends ``X-Forwarded-For`` as a proxy on the same machine would; Streamlit's server
    trusts it from loopback, so ``st.context.ip_address`` is the forwarded client.
    """
    d = deployment
    with chromium() as browser:
        first = _page(browser, forwarded_for="203.0.113.7")
        first.goto(d.url, wait_until="domcontentloaded")
        _ready(first)
        for left in ("4 more tries", "3 more tries", "2 more tries", "1 more try"):
            _try_password(first, "wrong", expect=f"That password is not right. {left}")
        _try_password(first, "wrong", expect="That password is not right. The next try must wait")
        sixth = _try_password(first, PASSWORD, expect="Too many wrong passwords")
        assert re.fullmatch(r"Too many wrong passwords\. Wait \d+ minutes and try again\.", sixth)
        screenshot(first, "sign_in_password_throttled")

        same_client = _page(browser, forwarded_for="203.0.113.7")  # a new session
        same_client.goto(d.url, wait_until="domcontentloaded")
        _ready(same_client)
        _try_password(same_client, PASSWORD, expect="Too many wrong passwords")

        other = _page(browser, forwarded_for="198.51.100.9")
        other.goto(d.url, wait_until="domcontentloaded")
        _ready(other)
        _submit_password(other, PASSWORD)
        _wait_signed_in(other, "the shared password admin")


def test_no_secret_in_the_server_log_or_a_page(deployment: Deployment) -> None:
    d = deployment
    with _signed_in(d, LEAD, "it.lead@norfolk.gov.uk admin") as page:
        _data_page_shown(page, d.url + "/data")
        shown = page.content()
    logged = d.log.read_text(encoding="utf-8", errors="replace")
    tokens = [t[k] for t in d.provider.issued for k in ("access_token", "id_token") if k in t]
    for value in [*d.secret_values, *tokens]:
        assert value not in shown
        assert value not in logged

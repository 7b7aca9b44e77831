"""With a password configured, the Data page exists only for a signed-in officer."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from geo.auth import hash_password

APP = Path(__file__).resolve().parent.parent / "app.py"
PASSWORD = "correct horse battery staple"


def _titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def _open_data_page(at: AppTest) -> AppTest:
    at._page_hash = calc_hash("data")  # AppTest.switch_page only knows file-based pages
    return at.run()


@pytest.fixture
def protected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADBAND_PASSWORD_HASH", hash_password(PASSWORD, rounds=4))


@pytest.mark.usefixtures("protected")
def test_data_page_needs_the_password() -> None:
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    assert "Data: upload and versions" not in _titles(_open_data_page(at))

    at.sidebar.text_input[0].input("wrong")
    at = at.sidebar.button[0].click().run()
    assert any("not right" in e.value for e in at.error)
    assert "Data: upload and versions" not in _titles(_open_data_page(at))

    at.sidebar.text_input[0].input(PASSWORD)
    at = at.sidebar.button[0].click().run()
    assert "Data: upload and versions" in _titles(_open_data_page(at))
    assert not any("not password-protected" in w.value for w in at.warning)


@pytest.mark.usefixtures("protected")
def test_public_deployment_never_offers_sign_in_or_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BROADBAND_PUBLIC_ONLY", "1")
    at = AppTest.from_file(str(APP), default_timeout=120).run()
    assert not at.exception
    assert not at.sidebar.text_input  # no sign-in form in public mode
    assert "Data: upload and versions" not in _titles(_open_data_page(at))

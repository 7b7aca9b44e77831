"""Who is looking: public (embedded or public-only deployment) or an officer; signed in or not."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.auth import PAGES, access_allowed, check_password
from geo.settings import load_settings
from views.text import plain

ALWAYS_PUBLIC = frozenset({"sources"})


@dataclass(frozen=True)
class AccessContext:
    """The facts :func:`geo.auth.access_allowed` decides on, for this browser session."""

    public_only: bool
    embed: bool
    authenticated: bool
    auth_configured: bool

    @property
    def public(self) -> bool:
        """Public mode: an embedded map or a public-only deployment."""
        return self.public_only or self.embed


def context() -> AccessContext:
    """Read the settings, ``?embed=true`` and the session's sign-in state."""
    settings = load_settings()
    # Streamlit keeps ``?embed=true`` for itself (it is not in st.query_params) and reports it
    # as st.context.is_embedded.
    embed = bool(st.context.is_embedded)
    if embed:
        st.session_state["embed"] = True  # stays public for the session, even if the URL changes
    return AccessContext(
        public_only=settings.public_only,
        embed=embed or bool(st.session_state.get("embed")),
        authenticated=bool(st.session_state.get("authenticated")),
        auth_configured=settings.password_hash is not None,
    )


def allowed(page: str, ctx: AccessContext) -> bool:
    """Whether this visitor may open ``page``."""
    if page in ALWAYS_PUBLIC:
        return True
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}; add it to geo.auth.PAGES")
    return access_allowed(
        page, public_only=ctx.public_only, embed=ctx.embed,
        authenticated=ctx.authenticated, auth_configured=ctx.auth_configured,
    )  # fmt: skip


def sign_in_form() -> None:
    """A password form for the protected pages (shown when a hash is configured)."""
    settings = load_settings()
    if settings.password_hash is None or st.session_state.get("authenticated"):
        return
    with st.sidebar.form("sign_in"):
        password = st.text_input("Officer password", type="password")
        if st.form_submit_button("Sign in"):
            try:
                ok = check_password(password, settings.password_hash)
            except ValueError as exc:
                st.error(plain(f"The password setting is not valid: {exc}"))
                return
            if ok:
                st.session_state["authenticated"] = True
                st.rerun()
            st.error("That password is not right.")

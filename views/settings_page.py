"""The Settings page (admins only): the deployment's effective configuration, read-only.

What this process runs with — data folder, the catalogue and store in force with their stamps,
the area level and flags, the sign-in methods, the role rules from ``[access]`` and which role
each grants, the throttles, report retention and the upload size limit — as plain-text tables.
Nothing here can change a setting, and no secret is ever shown: OpenID Connect providers appear
by name only, the shared password as "set" or "not set" (never its hash), and the cookie and
client secrets not at all. The page is in the navigation only for the ``admin`` page of
:mod:`geo.auth` and draws nothing unless the policy allows ``settings``.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from geo import auth
from geo.config import (
    LEVELS,
    MAX_UPLOAD_BYTES,
    REPORT_MAX_BYTES,
    REPORT_MAX_COMMENT_CHARS,
    REPORT_RATE_LIMIT,
    REPORT_RATE_WINDOW_SECONDS,
    REPORT_RETENTION_DAYS,
)
from geo.settings import Settings, load_settings
from geo.storage.workspace import Stamp
from views import access, state
from views.text import plain, plain_frame

TITLE = "Settings"


def _stamp(stamp: Stamp) -> str:
    """A file stamp as a person reads it: when it was last written and its size."""
    modified_ns, size, _inode = stamp
    if not modified_ns:
        return "no file yet"
    when = datetime.fromtimestamp(modified_ns / 1e9, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"written {when}, {size:,} bytes"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def data_rows(settings: Settings, k: state.Key) -> list[tuple[str, str]]:
    """Where the data lives and what is shown: folder, catalogue, store, level, flags."""
    level = settings.level
    return [
        ("Data folder (BROADBAND_DATA_DIR)", str(settings.data_dir)),
        ("Catalogue in force", k.catalog),
        ("Catalogue stamp", _stamp(k.catalog_stamp)),
        ("Upload store in force", k.store),
        ("Upload store stamp", _stamp(k.store_stamp)),
        ("County (BROADBAND_COUNTY)", settings.county_code),
        ("Area level (BROADBAND_LEVEL)", f"{level} ({LEVELS[level].label})"),
        ("Public only (BROADBAND_PUBLIC_ONLY)", _yes(settings.public_only)),
        ("Officers see individual records (BROADBAND_SHOW_RECORDS)", _yes(settings.show_records)),
    ]


def _password(settings: Settings) -> str:
    hashed = settings.password_hash
    if hashed is None:
        return "not set"
    return "set (a bcrypt hash)" if auth.is_valid_hash(hashed) else "set, but not a bcrypt hash"


def sign_in_rows(ctx: access.AccessContext, settings: Settings) -> list[tuple[str, str]]:
    """How people sign in: provider names, the password fallback (set or not), sessions."""
    policy = ctx.policy
    rows = [
        ("OpenID Connect providers", ", ".join(ctx.providers) or "none"),
        ("Shared password fallback (BROADBAND_PASSWORD_HASH)", _password(settings)),
        ("Role of the shared password", policy.password_role),
        ("Role of anyone else signed in", policy.signed_in_role),
        ("Sign in again after", f"{policy.max_session_hours:g} hours"),
    ]
    rows += [("Configuration problem", problem) for problem in ctx.problems]
    return rows


def limit_rows(policy: auth.AccessPolicy) -> list[tuple[str, str]]:
    """Throttles, retention and size limits."""
    return [
        ("Wrong passwords", f"{policy.failed_password_limit} per session and per client "
                            f"within {policy.failed_password_window_seconds:g} seconds"),
        ("Residents' reports", f"{REPORT_RATE_LIMIT} per session and per client within "
                               f"{REPORT_RATE_WINDOW_SECONDS / 60:g} minutes"),
        ("Report retention", f"{REPORT_RETENTION_DAYS:,} days after a report was made"),
        ("Report size", f"{REPORT_MAX_BYTES:,} bytes; comment {REPORT_MAX_COMMENT_CHARS:,} "
                        "characters"),
        ("Upload size", f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB per file (server.maxUploadSize "
                        f"{st.get_option('server.maxUploadSize')} MB)"),
    ]  # fmt: skip


def _table(rows: list[tuple[str, ...]], columns: list[str]) -> None:
    st.table(plain_frame(pd.DataFrame(rows, columns=columns)), hide_index=True)


def render() -> None:
    """The Settings page."""
    ctx = access.context()
    st.title(TITLE)
    if not access.may("settings", ctx):  # asked again here, not only by the navigation
        st.error("The settings page needs the admin role.")
        return
    settings = load_settings()
    st.markdown(
        "The configuration this server runs with, read-only. Change it in the environment and "
        "in `.streamlit/secrets.toml`, then restart. Secrets are never shown."
    )
    st.header("Data", anchor=False)
    _table(data_rows(settings, state.key()), ["Setting", "Value"])
    st.header("Sign-in", anchor=False)
    _table(sign_in_rows(ctx, settings), ["Setting", "Value"])
    st.header("Role rules", anchor=False)
    rules = ctx.policy.rule_rows()
    if rules:
        _table(rules, ["Grants role", "Matches", "Value"])
    else:
        st.markdown("No rule grants a role through OpenID Connect.")
    st.caption(plain(
        "A person matching an admin rule is admin, else officer if an officer rule matches. "
        f"Officers moderate residents' reports; admins also restore versions and see this page. "
        f"You are {ctx.role}."
    ))  # fmt: skip
    st.header("Limits", anchor=False)
    _table(limit_rows(ctx.policy), ["Limit", "Value"])


__all__ = ["TITLE", "data_rows", "limit_rows", "render", "sign_in_rows"]

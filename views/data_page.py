"""The Data page: upload a layer's CSV, see every problem or a preview, save; versions and restore.

Nothing is stored until the officer presses Save, and never from a file with problems. Every
value from a file is shown as text (tables, or escaped Markdown), never as HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.storage import store
from geo.storage.catalog import Catalog
from layers.base import registered
from layers.upload import UploadCheck, check_upload
from layers.webmap import preview_map
from views import access, state
from views.guard import guarded
from views.text import plain

PENDING = "upload_pending"
MESSAGE = "upload_message"
MESSAGE_FILE = "upload_message_file"
"""The file in the uploader when :data:`MESSAGE` was written: choosing another clears it."""
UPLOADER = "upload_file"


def _user(ctx: access.AccessContext) -> str:
    """Who the audit names: the signed-in person, else the name typed on this page."""
    return access.audit_user(ctx, str(st.session_state.get("audit_user") or ""))


@guarded
def _save() -> None:
    """Save the checked file (a button callback: runs before the page redraws)."""
    check: UploadCheck | None = st.session_state.get(PENDING)
    ctx = access.context()  # asked again at the moment of writing, not when the page was drawn
    if check is None or not check.ok or not access.may("upload", ctx):
        return
    if st.session_state.get(PENDING + "_saved") == check.sha256:
        return  # saved already: a click replayed by an interrupted rerun saves nothing twice
    path = state.key().store
    version = store.save(
        path, check.layer, check.records, file_name=check.filename,
        file_bytes=st.session_state[PENDING + "_bytes"], user=_user(ctx),
    )  # fmt: skip
    st.session_state[MESSAGE] = (
        f"Saved {check.filename} as version {version} of {registered()[check.layer].title}. "
        "The map and panels now use it."
    )
    st.session_state[PENDING + "_saved"] = check.sha256
    st.session_state[MESSAGE_FILE] = check.sha256


@guarded
def _restore(layer: str, version: int) -> None:
    ctx = access.context()
    if not access.may("restore", ctx):
        return
    new = store.restore(state.key().store, layer, version, user=_user(ctx))
    st.session_state[MESSAGE] = (
        f"Restored version {version} of {registered()[layer].title} as version {new}."
    )
    pending: UploadCheck | None = st.session_state.get(PENDING)
    st.session_state[MESSAGE_FILE] = pending.sha256 if pending is not None else None


def render() -> None:
    """The Data page."""
    cat = state.catalog()
    state.synthetic_banner(cat)
    ctx = access.context()
    st.title("Data: upload and versions")
    if not ctx.auth_configured:
        st.warning(
            "This page is not password-protected: no sign-in is configured (neither `[auth]` in "
            "`.streamlit/secrets.toml` nor `BROADBAND_PASSWORD_HASH`), so anyone who can open "
            "the app can upload and restore data. That is meant for one officer on their own "
            "machine; set up sign-in (see README, Deployment) before sharing the app.",
            icon="🔓",
        )
    outcome = st.empty()  # the last save or restore, filled once the upload is read
    if ctx.identity.named:
        st.caption(plain(f"Changes you make are recorded as {_user(ctx)}."))
    else:
        st.text_input("Your name, for the audit log", value="officer", key="audit_user")
    _upload_section(cat)
    # The outcome stays until the next file is chosen: a rerun (a map sending its first
    # value, a widget) must not wipe it before the person has read it.
    if message := st.session_state.get(MESSAGE):
        outcome.success(plain(message))
    _versions_section(may_restore=access.may("restore", ctx))


def _uploadable() -> dict:
    """The layers uploaded as files (residents' reports come from a form: Reports page)."""
    return {key: spec for key, spec in registered().items() if spec.uploadable}


def _upload_section(cat: Catalog) -> None:
    layers = _uploadable()
    st.header("Upload a file")
    key = st.selectbox(
        "Dataset", list(layers), format_func=lambda k: layers[k].title, key="upload_dataset"
    )
    spec = layers[key]
    st.caption(plain(f"{spec.description}. Required columns: {', '.join(spec.required_columns)}."))
    file = st.file_uploader("CSV file", type=["csv", "txt"], key=UPLOADER)
    if file is None:
        st.session_state.pop(PENDING, None)
        return
    raw = file.getvalue()
    level = next(iter(cat.areas), None)
    if level is None:
        st.error("Load boundaries first: the upload is checked against the county's areas.")
        return
    areas = cat.areas[level][["area_code", "area_name", "geometry"]]
    check = check_upload(
        raw, filename=file.name, layer=key, context=state.read_context(), areas=areas
    )
    if check.sha256 != st.session_state.get(MESSAGE_FILE):
        st.session_state.pop(MESSAGE, None)  # another file chosen: the last outcome is done
    st.session_state[PENDING] = check
    st.session_state[PENDING + "_bytes"] = raw
    if not check.ok:
        _show_report(check)
        return
    _show_preview(check, cat, level)


def _show_report(check: UploadCheck) -> None:
    n = len(check.problems)
    st.error(
        plain(f"{check.filename}: {n} problem{'s' if n != 1 else ''} found. Nothing was saved.")
        + " Fix the rows below and upload the file again."
    )
    st.dataframe(check.report(), hide_index=True, width="stretch", key="upload_report")


def _show_preview(check: UploadCheck, cat: Catalog, level: str) -> None:
    assert check.records is not None and check.aggregate is not None
    recs, agg = check.records, check.aggregate
    st.success(plain(f"{check.filename}: no problems found. Check the preview, then save."))
    c1, c2, c3 = st.columns(3)
    c1.metric("Records", f"{len(recs):,}")
    c2.metric("Left out on purpose", f"{check.excluded:,}", help="e.g. closed schools")
    c3.metric("Outside every area", f"{check.outside:,}")
    spec = registered()[check.layer]
    areas = cat.areas[level]
    fmap = preview_map(areas, overlays=[spec.draw(recs, public=False, show=True)])
    st_folium(fmap, key="upload_preview_map", height=360, use_container_width=True,
              returned_objects=[])  # fmt: skip
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    table = agg.reset_index()
    table.insert(1, "area_name", table["area_code"].map(names))
    counts = [c for c in agg.columns if c.startswith("n_")]
    st.markdown("**Per area** (areas with any record)")
    st.dataframe(table[(agg[counts].to_numpy() > 0).any(axis=1)], hide_index=True,
                 width="stretch", key="upload_aggregate")  # fmt: skip
    st.markdown("**First records**")
    st.dataframe(pd.DataFrame(recs.drop(columns="geometry")).head(20), hide_index=True,
                 width="stretch", key="upload_records")  # fmt: skip
    saved = st.session_state.get(PENDING + "_saved") == check.sha256
    st.button(
        "Saved" if saved else f"Save as the new {spec.title} data", type="primary",
        on_click=_save, disabled=saved, key="upload_save",
    )  # fmt: skip


def _versions_section(*, may_restore: bool) -> None:
    st.header("Versions and audit")
    path = state.key().store
    st.caption(plain(f"Store: {path}"))
    for key, spec in _uploadable().items():
        found = store.versions(path, key)
        st.subheader(spec.title)
        if found.empty:
            st.text("No versions saved yet.")
            continue
        shown = found[["version", "current", "action", "file_name", "row_count", "saved_at",
                       "user", "source_version"]]  # fmt: skip
        st.dataframe(shown, hide_index=True, width="stretch", key=f"versions_{key}")
        earlier = [int(v) for v in found.loc[~found["current"], "version"]]
        if earlier and not may_restore:
            st.caption("Restoring an earlier version needs the admin role.")
            earlier = []
        cols = st.columns(6)
        for i, version in enumerate(earlier):
            cols[i % 6].button(
                f"Restore version {version:d}", key=f"restore_{key}_{version}",
                on_click=_restore, args=(key, version),
            )  # fmt: skip
    st.header("Who did what")
    log = store.audit(path)
    log = log[["saved_at", "user", "action", "dataset", "version", "record_ids", "reason",
               "file_name", "row_count", "source_version", "sha256"]].iloc[::-1]  # fmt: skip
    st.dataframe(log, hide_index=True, width="stretch", key="audit_log")


__all__ = ["render"]

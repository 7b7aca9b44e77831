"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, and a live app server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "tests" / "artifacts"


def require_chromium() -> Path:
    """Skip without Chromium on a developer machine; fail in CI, which must run these."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}; .ci/run installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    return CHROMIUM


GRID_WIDTHS = """t => {
  const s = t.querySelector('.dvn-scroller');
  return [s.scrollWidth, s.clientWidth];
}"""
"""A Streamlit data grid's [scrollWidth, clientWidth]: wider content than its box means columns
are cut off (the grid scrolls sideways inside itself)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_app(
    data_dir: Path,
    *,
    env: dict[str, str] | None = None,
    port: int | None = None,
    root: Path = ROOT,
    args: Sequence[str] = (),
    log: Path | None = None,
) -> Iterator[str]:
    """Start ``streamlit run server.py`` on a loopback port (free unless given); yield its base URL.

    ``root`` is the checkout whose ``server.py`` runs, as README's command runs it (benchmarks
    run an earlier commit's too, whose entry was ``app.py``);
    ``args`` are more ``streamlit run`` options (e.g. ``--secrets.files``); ``log`` keeps the
    server's output in a file (otherwise it is discarded).
    """
    port = port or free_port()
    environ = {**os.environ, "BROADBAND_DATA_DIR": str(data_dir), **(env or {})}
    entry = root / "server.py" if (root / "server.py").exists() else root / "app.py"
    cmd = [sys.executable, "-m", "streamlit", "run", str(entry),
           "--server.headless", "true", "--server.port", str(port),
           "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           *args]  # fmt: skip
    out = log.open("wb") if log else subprocess.DEVNULL
    proc = subprocess.Popen(cmd, cwd=root, env=environ, stdout=out,
                            stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start within 60 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if log:
            out.close()  # type: ignore[union-attr]


@contextmanager
def chromium() -> Iterator[object]:
    """A headless Debian Chromium; if the code inside fails, the failure says what was on screen.

    Each open page's visible text and a screenshot (``tests/artifacts/failed_<n>.png``) are added
    to the exception as notes, so a failure on a CI runner can be read from its log alone.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(require_chromium()), args=LAUNCH_ARGS)
        try:
            yield browser
        except BaseException as exc:
            _describe_pages(browser, exc)
            raise
        finally:
            browser.close()


def _describe_pages(browser: object, exc: BaseException) -> None:
    pages = [p for c in browser.contexts for p in c.pages]  # type: ignore[attr-defined]
    for n, page in enumerate(pages):
        try:
            shot = screenshot(page, f"failed_{n}")
            text = page.locator("body").inner_text(timeout=5_000)
            frames = [f.url for f in page.frames]
        except Exception as err:  # the page may be gone: say so, keep the original error
            exc.add_note(f"page {n}: could not be described ({err!r})")
            continue
        body = text if len(text) <= 4000 else text[:4000] + " …"
        exc.add_note(f"page {n} at {page.url} ({shot.name}; frames {frames}) showed:\n{body}")


@contextmanager
def browser_page(*, width: int = 1400, height: int = 1000) -> Iterator[object]:
    """A Playwright page in headless Debian Chromium."""
    with chromium() as browser:
        yield browser.new_page(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, accept_downloads=True
        )


def map_drawn(frame: object, timeout: float = 120_000) -> None:
    """Wait until the map in ``frame`` shows at least one of its own polygons on screen.

    Leaflet draws areas outside the view as empty paths (``d="M0 0"``, hidden to Playwright), and
    a map that zooms to a picked area hides the first paths in the document: wait for any one
    that is visible, not for the first.
    """
    paths = frame.locator("path.leaflet-interactive")  # type: ignore[attr-defined]
    paths.filter(visible=True).first.wait_for(timeout=timeout)


def settled(page: object, timeout: float = 60_000) -> None:
    """Wait until Streamlit has finished the current script run (its "Running…" widget is gone)."""
    page.locator("[data-testid='stStatusWidget']").wait_for(state="detached", timeout=timeout)  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (kept for people to look at)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path

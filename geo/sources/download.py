"""Download official open data over HTTP into a disk cache that a failure never poisons.

:func:`fetch` is generic (ArcGIS pages, Ofcom zips, ONSPD csvs): it retries what is worth
retrying, writes the body to a temporary file beside the cache, checks it is whole and valid,
and only then moves it into place with :func:`os.replace`. A failed, partial or malformed
download leaves nothing in the cache.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from tqdm import tqdm
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from geo.errors import DataError, DownloadError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""HTTP statuses worth another try; any other 4xx/5xx fails at once."""
MAX_RETRY_AFTER_S = 60.0
"""A ``Retry-After`` longer than this is cut to it: a download never sleeps for hours."""
CHUNK_BYTES = 1 << 16
USER_AGENT = "broadband-map/0.1 (+open data downloader)"

Params = Mapping[str, object]
Validator = Callable[[Path], object]

_sleep = time.sleep
"""Indirection so tests can record back-off waits instead of sleeping through them."""


class BackoffRetry(Retry):
    """urllib3's :class:`~urllib3.util.retry.Retry`, with three changes for open-data hosts.

    * the first retry already waits ``backoff_factor`` (urllib3 retries the first at once),
      then 2×, 4× … — the same schedule as the body retries in :func:`fetch`;
    * a ``Retry-After`` longer than ``max_retry_after`` is cut to it (urllib3 would sleep for
      as long as the server asks, hours if it says so);
    * waits go through :data:`_sleep`, so tests record them instead of sleeping.
    """

    def __init__(self, *args: Any, max_retry_after: float = MAX_RETRY_AFTER_S, **kw: Any):
        super().__init__(*args, **kw)
        self.max_retry_after = max_retry_after

    def new(self, **kw: Any) -> BackoffRetry:  # carry max_retry_after into each increment
        out = super().new(**kw)
        out.max_retry_after = self.max_retry_after
        return out

    def get_backoff_time(self) -> float:
        errors = len(self.history)
        return 0.0 if errors == 0 else float(self.backoff_factor) * 2 ** (errors - 1)

    def get_retry_after(self, response: Any) -> float | None:
        seconds = _retry_after(response.headers.get("Retry-After"))
        return None if seconds is None else min(seconds, self.max_retry_after)

    def sleep(self, response: Any = None) -> None:
        after = self.get_retry_after(response) if response is not None else None
        _sleep(after if after is not None else self.get_backoff_time())


def _canonical(url: str, params: Params | None) -> tuple[str, list[tuple[str, str]]]:
    """URL without query, and every query parameter (URL's and ``params``) sorted."""
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    pairs += [(str(k), _param(v)) for k, v in (params or {}).items() if v is not None]
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return base, sorted(pairs)


def _param(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def cache_key(url: str, params: Params | None = None) -> str:
    """Hex SHA-256 of the URL and its sorted query parameters (order-independent)."""
    base, pairs = _canonical(url, params)
    return hashlib.sha256(f"{base}?{urlencode(pairs)}".encode()).hexdigest()


def cache_path(
    url: str, *, params: Params | None = None, cache_dir: str | Path, suffix: str | None = None
) -> Path:
    """Where :func:`fetch` keeps this URL + query: ``<cache_dir>/<key><suffix>``.

    ``suffix`` defaults to the URL path's extension (``.zip``, ``.csv``) or ``.bin``.
    """
    if suffix is None:
        ext = Path(urlsplit(url).path).suffix.lower()
        suffix = ext if ext and len(ext) <= 8 and ext[1:].isalnum() else ".bin"
    return Path(cache_dir) / f"{cache_key(url, params)}{suffix}"


def display_url(url: str, params: Params | None = None) -> str:
    """The URL with its query, as used in error messages."""
    base, pairs = _canonical(url, params)
    return f"{base}?{urlencode(pairs)}" if pairs else base


def fetch(
    url: str,
    *,
    params: Params | None = None,
    cache_dir: str | Path,
    timeout: float = 30,
    retries: int = 4,
    backoff: float = 0.5,
    session: requests.Session | None = None,
    progress: bool = False,
    validate: Validator | None = None,
    suffix: str | None = None,
    max_retry_after: float = MAX_RETRY_AFTER_S,
) -> Path:
    """Download ``url`` (GET with ``params``) once and return the cached file.

    Parameters
    ----------
    url, params
        What to fetch. The query (``params`` merged with any in ``url``) is part of the
        cache key, so two queries of the same URL are cached apart.
    cache_dir
        Folder of the cache (created if missing).
    timeout
        Seconds to wait for the server to connect or send the next bytes.
    retries
        Extra tries after the first on 429, 500, 502, 503, 504, timeouts, refused or dropped
        connections and truncated bodies; waits ``backoff * 2**n`` seconds, or the server's
        ``Retry-After`` (capped at ``max_retry_after``).
    session
        A :class:`requests.Session` to reuse (one is made and closed otherwise).
    progress
        Show a tqdm progress bar of the bytes received.
    validate
        ``validate(path)`` is called on the complete temporary file before it is cached; it
        raises (``DownloadError``/``DataError`` pass through, anything else is wrapped) to
        reject the body. Rejection is not retried.
    suffix
        File extension of the cached file (see :func:`cache_path`).

    Returns
    -------
    Path
        The cached file; a second call with the same URL and query makes no request.

    Raises
    ------
    DownloadError
        Naming the URL and what went wrong: HTTP status, timeout, refused connection,
        partial body or a body that failed ``validate``. Nothing is cached.
    """
    target = cache_path(url, params=params, cache_dir=cache_dir, suffix=suffix)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = display_url(url, params)
    own_session = session is None
    sess = session or requests.Session()
    # Statuses, refused connections and timeouts: urllib3's Retry, mounted on the session.
    # A body cut short while streaming happens after urllib3 has handed the response over, so
    # that case alone is retried by the loop below (urllib3 cannot re-stream a body).
    policy = BackoffRetry(
        total=retries, connect=retries, read=retries, status=retries, other=0,
        backoff_factor=backoff, status_forcelist=sorted(RETRY_STATUSES),
        allowed_methods=["GET"], raise_on_status=False, respect_retry_after_header=True,
        max_retry_after=max_retry_after,
    )  # fmt: skip
    adapter = HTTPAdapter(max_retries=policy)
    sess.mount("http://", adapter)
    sess.mount("https://", adapter)
    try:
        last_problem = "no attempt made"
        for attempt in range(retries + 1):
            try:
                tmp = _download_once(sess, url, params, target, timeout, progress, shown)
            except _Retryable as exc:
                last_problem = exc.problem
                if exc.final:
                    break
                if attempt < retries:
                    _sleep(backoff * 2**attempt)
                continue
            try:
                _validate(tmp, validate, shown)
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            return target
        tries = f"{retries + 1} attempt{'s' if retries else ''}"
        raise DownloadError(f"{shown}: {last_problem} (gave up after {tries}); nothing was cached")
    finally:
        if own_session:
            sess.close()


def fetch_json(
    url: str,
    *,
    params: Params | None = None,
    cache_dir: str | Path,
    validate: Callable[[Any], object] | None = None,
    **options: Any,
) -> Any:
    """:func:`fetch` a JSON document and return it parsed.

    A body that is not JSON, or that ``validate(parsed)`` rejects, raises
    :class:`~geo.errors.DownloadError` and is not cached. ``options`` go to :func:`fetch`.
    """

    def check(path: Path) -> None:
        data = read_json(path, url=display_url(url, params))
        if validate is not None:
            validate(data)

    path = fetch(url, params=params, cache_dir=cache_dir, validate=check, suffix=".json", **options)
    return read_json(path, url=display_url(url, params))


def read_json(path: Path, *, url: str) -> Any:
    """Parse a downloaded JSON file; a bad body is a :class:`DownloadError` naming ``url``."""
    try:
        with path.open("rb") as fh:
            return json.load(fh)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        head = path.read_bytes()[:80]
        raise DownloadError(
            f"{url}: the response is not valid JSON ({exc}); it began {head!r}"
        ) from exc


class _Retryable(Exception):
    """A failed try; ``final`` when urllib3 has already spent every retry on it."""

    def __init__(self, problem: str, *, final: bool = False):
        super().__init__(problem)
        self.problem = problem
        self.final = final


def _download_once(
    sess: requests.Session,
    url: str,
    params: Params | None,
    target: Path,
    timeout: float,
    progress: bool,
    shown: str,
) -> Path:
    """One GET into a temporary file next to ``target``; return the complete file."""
    query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
    try:
        resp = sess.get(
            url, params=query, stream=True, timeout=timeout, headers={"User-Agent": USER_AGENT}
        )
    except (requests.Timeout, requests.ConnectionError) as exc:
        if isinstance(exc, requests.Timeout) or _caused_by(exc, ReadTimeoutError):
            raise _Retryable(f"timed out after {timeout:g} s waiting for the server",
                             final=True) from exc  # fmt: skip
        raise _Retryable(f"connection failed ({_reason(exc)})", final=True) from exc
    with resp:
        if resp.status_code in RETRY_STATUSES:  # urllib3 retried it already
            raise _Retryable(f"HTTP {resp.status_code} {resp.reason}", final=True)
        if resp.status_code >= 400:
            raise DownloadError(
                f"{shown}: HTTP {resp.status_code} {resp.reason}; nothing was cached"
            )
        fd, name = tempfile.mkstemp(prefix=".part-", suffix=target.suffix, dir=target.parent)
        tmp = Path(name)
        try:
            _write_body(resp, fd, progress=progress, label=target.name, timeout=timeout)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return tmp


def _write_body(
    resp: requests.Response, fd: int, *, progress: bool, label: str, timeout: float
) -> int:
    """Stream the body into ``fd``; a body shorter than ``Content-Length`` is retryable."""
    expected = _int_or_none(resp.headers.get("Content-Length"))
    encoded = resp.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
    received = 0
    with (
        os.fdopen(fd, "wb") as out,
        tqdm(
            total=expected,
            unit="B",
            unit_scale=True,
            desc=label[:20],
            disable=not progress,
            leave=False,
        ) as bar,
    ):
        try:
            for chunk in resp.iter_content(CHUNK_BYTES):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
        except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError) as exc:
            raise _Retryable(
                f"partial body: the connection closed after {received:,} of "
                f"{expected if expected is not None else 'unknown'} bytes ({_reason(exc)})"
            ) from exc
        except requests.Timeout as exc:
            raise _Retryable(
                f"timed out after {timeout:g} s with the body incomplete "
                f"({received:,} bytes received)"
            ) from exc
    wire = int(resp.raw.tell()) if encoded else received
    if expected is not None and wire != expected:
        raise _Retryable(f"partial body: received {wire:,} of {expected:,} bytes")
    return received


def _validate(tmp: Path, validate: Validator | None, shown: str) -> None:
    if validate is None:
        return
    try:
        validate(tmp)
    except (DownloadError, DataError):
        raise
    except Exception as exc:
        raise DownloadError(
            f"{shown}: the response failed validation ({type(exc).__name__}: {exc}); "
            "nothing was cached"
        ) from exc


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """True when ``kind`` is anywhere in ``exc``'s chain (or the reason of a urllib3 error)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind) or isinstance(getattr(seen, "reason", None), kind):
            return True
        inner = seen.args[0] if seen.args else None
        if isinstance(inner, BaseException) and inner is not seen and _caused_by(inner, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, e.g. 'Connection refused'."""
    text = str(exc)
    for marker in ("Connection refused", "IncompleteRead", "Name or service not known"):
        if marker in text:
            return marker
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return f"{type(exc).__name__}: {exc}"[:200]


__all__ = [
    "MAX_RETRY_AFTER_S",
    "RETRY_STATUSES",
    "cache_key",
    "cache_path",
    "display_url",
    "fetch",
    "fetch_json",
    "read_json",
]

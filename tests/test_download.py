"""geo.sources.download against a loopback replay server: retries, cache never poisoned."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

import geo.sources.download as download
from geo.errors import DataError, DownloadError
from geo.sources.download import cache_key, cache_path, fetch, fetch_json
from tests import httpreplay
from tests.httpreplay import ReplayServer, Reply, unused_port

replay = httpreplay.replay

BODY = b"laua,premises\nE07000148,70000\n"


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Back-off waits, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(download, "_sleep", recorded.append)
    return recorded


def cached_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir()) if cache.exists() else []


def test_fetch_writes_body_to_cache_and_second_call_makes_no_request(
    replay: ReplayServer, tmp_path: Path
) -> None:
    replay.add("/cov.csv", body=BODY)
    cache = tmp_path / "cache"
    first = fetch(replay.url("/cov.csv"), cache_dir=cache)
    second = fetch(replay.url("/cov.csv"), cache_dir=cache)
    assert first == second
    assert first.read_bytes() == BODY
    assert first.suffix == ".csv"
    assert len(replay.requests_to("/cov.csv")) == 1
    assert cached_files(cache) == [first.name]


def test_query_is_part_of_cache_key(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add("/q", body=b"norfolk", query={"where": "CTY25CD = 'E10000020'"})
    replay.add("/q", body=b"suffolk", query={"where": "CTY25CD = 'E10000029'"})
    cache = tmp_path / "cache"
    a = fetch(replay.url("/q"), params={"where": "CTY25CD = 'E10000020'"}, cache_dir=cache)
    b = fetch(replay.url("/q"), params={"where": "CTY25CD = 'E10000029'"}, cache_dir=cache)
    assert a != b
    assert (a.read_bytes(), b.read_bytes()) == (b"norfolk", b"suffolk")
    assert len(replay.requests_to("/q")) == 2


def test_cache_key_ignores_parameter_order_but_not_values() -> None:
    url = "http://127.0.0.1:1/layer/query"
    assert cache_key(url, {"a": 1, "b": 2}) == cache_key(url, {"b": 2, "a": 1})
    assert cache_key(url + "?a=1", {"b": 2}) == cache_key(url, {"a": 1, "b": 2})
    assert cache_key(url, {"a": 1}) != cache_key(url, {"a": 2})
    assert cache_key(url, {"a": 1}) != cache_key(url)


def test_503_then_success_is_retried_with_exponential_backoff(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    replay.add("/f.csv", [Reply(status=503), Reply(status=502), Reply(body=BODY)])
    path = fetch(replay.url("/f.csv"), cache_dir=tmp_path, backoff=0.5)
    assert path.read_bytes() == BODY
    assert len(replay.requests_to("/f.csv")) == 3
    assert waits == [0.5, 1.0]


def test_429_waits_for_retry_after(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    replay.add("/f.csv", [Reply(status=429, headers={"Retry-After": "7"}), Reply(body=BODY)])
    fetch(replay.url("/f.csv"), cache_dir=tmp_path, backoff=0.5)
    assert waits == [7.0]
    assert len(replay.requests_to("/f.csv")) == 2


def test_retry_after_is_capped(replay: ReplayServer, tmp_path: Path, waits: list[float]) -> None:
    replay.add("/f.csv", [Reply(status=429, headers={"Retry-After": "86400"}), Reply(body=BODY)])
    fetch(replay.url("/f.csv"), cache_dir=tmp_path, max_retry_after=3)
    assert waits == [3]


def test_429_real_wait_is_respected(replay: ReplayServer, tmp_path: Path) -> None:
    """Without the recorder: the second request really comes ≥ 1 s after the first."""
    import time

    replay.add("/f.csv", [Reply(status=429, headers={"Retry-After": "1"}), Reply(body=BODY)])
    start = time.monotonic()
    fetch(replay.url("/f.csv"), cache_dir=tmp_path, backoff=0.01)
    assert time.monotonic() - start >= 1.0


def test_persistent_5xx_gives_up_with_status_and_url(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    replay.add("/down.csv", status=500)
    url = replay.url("/down.csv")
    with pytest.raises(DownloadError, match=r"HTTP 500 .*gave up after 3 attempts") as err:
        fetch(url, cache_dir=tmp_path, retries=2)
    assert url in str(err.value)
    assert len(replay.requests_to("/down.csv")) == 3
    assert cached_files(tmp_path) == []


def test_404_is_not_retried(replay: ReplayServer, tmp_path: Path, waits: list[float]) -> None:
    replay.add("/gone.csv", status=404)
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(replay.url("/gone.csv"), cache_dir=tmp_path)
    assert len(replay.requests_to("/gone.csv")) == 1
    assert waits == []


def test_timeout_is_a_clear_error(replay: ReplayServer, tmp_path: Path, waits: list[float]) -> None:
    replay.add("/slow.csv", body=BODY, delay=2.0)
    with pytest.raises(DownloadError, match=r"timed out after 0.2 s.*gave up after 2 attempts"):
        fetch(replay.url("/slow.csv"), cache_dir=tmp_path, timeout=0.2, retries=1)
    assert len(replay.requests_to("/slow.csv")) == 2
    assert cached_files(tmp_path) == []


def test_connection_refused_is_a_clear_error(tmp_path: Path, waits: list[float]) -> None:
    url = f"http://127.0.0.1:{unused_port()}/x.csv"
    with pytest.raises(DownloadError, match=r"connection failed.*Connection refused") as err:
        fetch(url, cache_dir=tmp_path, retries=2)
    assert url in str(err.value)
    assert len(waits) == 2
    assert cached_files(tmp_path) == []


def test_partial_body_is_an_error_and_not_cached(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    replay.add("/big.zip", body=b"x" * 5000, truncate_to=1000)
    with pytest.raises(DownloadError, match="partial body") as err:
        fetch(replay.url("/big.zip"), cache_dir=tmp_path, retries=1)
    assert "5000" in str(err.value) or "5,000" in str(err.value)
    assert cached_files(tmp_path) == []
    assert len(replay.requests_to("/big.zip")) == 2


def test_partial_body_then_whole_body_is_cached(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    whole = b"y" * 5000
    replay.add("/big.zip", [Reply(body=whole, truncate_to=10), Reply(body=whole)])
    path = fetch(replay.url("/big.zip"), cache_dir=tmp_path)
    assert path.read_bytes() == whole
    assert cached_files(tmp_path) == [path.name]


def test_failed_validation_is_not_cached_and_not_retried(
    replay: ReplayServer, tmp_path: Path, waits: list[float]
) -> None:
    replay.add("/cov.csv", body=b"unexpected,columns\n")

    def needs_laua(path: Path) -> None:
        if not path.read_bytes().startswith(b"laua,"):
            raise ValueError("no 'laua' column: upstream schema change")

    with pytest.raises(DownloadError, match=r"failed validation.*upstream schema change"):
        fetch(replay.url("/cov.csv"), cache_dir=tmp_path, validate=needs_laua)
    assert cached_files(tmp_path) == []
    assert len(replay.requests_to("/cov.csv")) == 1


def test_validator_data_error_passes_through(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add("/cov.csv", body=b"x")

    def reject(path: Path) -> None:
        raise DataError.single("cov.csv", "is empty")

    with pytest.raises(DataError, match=r"cov\.csv: is empty"):
        fetch(replay.url("/cov.csv"), cache_dir=tmp_path, validate=reject)
    assert cached_files(tmp_path) == []


def test_fetch_json_parses_and_caches(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add("/a.json", Reply.json({"features": [1, 2]}))
    assert fetch_json(replay.url("/a.json"), cache_dir=tmp_path) == {"features": [1, 2]}
    assert fetch_json(replay.url("/a.json"), cache_dir=tmp_path) == {"features": [1, 2]}
    assert len(replay.requests_to("/a.json")) == 1
    [name] = cached_files(tmp_path)
    assert name.endswith(".json")


def test_fetch_json_rejects_html_error_page(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add("/a.json", body="<html>Service unavailable</html>")
    with pytest.raises(DownloadError, match=r"not valid JSON.*<html>"):
        fetch_json(replay.url("/a.json"), cache_dir=tmp_path)
    assert cached_files(tmp_path) == []


def test_session_is_reused_when_given(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add("/a.csv", body=BODY)
    with requests.Session() as sess:
        sess.headers["X-Test"] = "1"
        fetch(replay.url("/a.csv"), cache_dir=tmp_path, session=sess)
    assert replay.requests_to("/a.csv")[0].headers.get("X-Test") == "1"


def test_progress_bar_does_not_change_the_result(
    replay: ReplayServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replay.add("/a.csv", body=BODY)
    path = fetch(replay.url("/a.csv"), cache_dir=tmp_path, progress=True)
    assert path.read_bytes() == BODY
    assert "B" in capsys.readouterr().err  # tqdm draws on stderr


def test_cache_path_suffix_from_url() -> None:
    assert cache_path("http://h/x/ONSPD.zip", cache_dir="c").suffix == ".zip"
    assert cache_path("http://h/FeatureServer/0/query", cache_dir="c").suffix == ".bin"
    assert cache_path("http://h/q", cache_dir="c", suffix=".json").suffix == ".json"


def test_server_records_query(replay: ReplayServer, tmp_path: Path) -> None:
    """The replay server itself: the query the client sent is what the route saw."""
    replay.add("/q", body=json.dumps({"ok": True}))
    fetch(replay.url("/q"), params={"where": "1=1", "f": "json"}, cache_dir=tmp_path)
    assert replay.requests_to("/q")[0].query == {"where": "1=1", "f": "json"}


def test_retry_after_http_date() -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= download._retry_after(soon) <= 30
    assert download._retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert download._retry_after("5") == 5.0
    assert download._retry_after("soon") is None

"""Six rounds of boundaries + IMD + LSOA + uploads written at once from separate processes.

Each round starts seven writer processes (tests/catalog_crash_importer.py's ``main``, forked
from a multiprocessing fork server that has imported the project once, so a round does not
spend seconds importing geopandas seven times) behind one barrier, each
with a slow swap (a 0.1 s pause between writing its copy and swapping it in): divisions,
districts, IMD, LSOA polygons and a header-only IMD file into the catalogue, vouchers and
pilots into the store. Nothing may be lost (after every round each layer holds that round's
data and the store holds every version saved), and every exit status must be truthful: 0 for
each file written, 2 with one line naming the file for the refused one, never a crash.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.storage import catalog, store
from tests import catalog_crash_importer

ROUNDS = 6
_CTX = multiprocessing.get_context("forkserver")
_CTX.set_forkserver_preload(["tests.catalog_crash_importer", "layers"])
IMD_HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
)


def _squares(codes: list[str], code_field: str, names: list[str]) -> gpd.GeoDataFrame:
    name_field = code_field[:-2] + "NM"
    return gpd.GeoDataFrame(
        {code_field: codes, name_field: names},
        geometry=[box(600_000 + 1000 * i, 300_000, 601_000 + 1000 * i, 301_000)
                  for i in range(len(codes))],
        crs="EPSG:27700",
    )  # fmt: skip


def _round_files(folder: Path, r: int) -> dict[str, Path]:
    """This round's inputs (synthetic): every value carries the round number."""
    folder.mkdir()
    files = {
        "ced": folder / f"ced_{r}.geojson",
        "lad": folder / f"lad_{r}.geojson",
        "lsoa": folder / f"lsoa_{r}.geojson",
        "imd": folder / f"imd_{r}.csv",
        "empty_imd": folder / f"empty_imd_{r}.csv",
        "vouchers": folder / f"vouchers_{r}.csv",
        "pilots": folder / f"pilots_{r}.csv",
    }
    _squares(
        [f"E58{r:03d}{k:03d}" for k in (1, 2)],
        "CED25CD",
        [f"Round {r} division {k} (synthetic)" for k in (1, 2)],
    ).to_file(files["ced"])
    _squares(
        [f"E07{r:03d}{k:03d}" for k in (1, 2, 3)],
        "LAD25CD",
        [f"Round {r} district {k} (synthetic)" for k in (1, 2, 3)],
    ).to_file(files["lad"])
    _squares(["E01000001", "E01000002"], "LSOA11CD",
             [f"Round {r} LSOA {k}" for k in (1, 2)]).to_file(files["lsoa"])  # fmt: skip
    files["imd"].write_text(
        IMD_HEADER
        + f"E01000001,Round {r} LSOA 1,E07000148,Norwich,{100 + r},1\n"
        + f"E01000002,Round {r} LSOA 2,E07000148,Norwich,{30_000 + r},10\n"
    )
    files["empty_imd"].write_text(IMD_HEADER)
    files["vouchers"].write_text(
        "reference,status,easting,northing\n"
        + "".join(f"R{r}-V{k},approved,{600_100 + 300 * k},300500\n" for k in range(r + 1))
    )
    files["pilots"].write_text(
        "programme,site_name,kind,start_date,easting,northing\n"
        f"Round {r},Hall {r},training,2024-01-0{r + 1},600500,300500\n"
    )
    return files


def _writer(argv: list[str], out: str, err: str) -> None:
    """One writer process: its stdout and stderr (tracebacks too) go to files."""
    for fd, name in ((1, out), (2, err)):
        os.dup2(os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), fd)
    sys.exit(catalog_crash_importer.main(argv))


def _run_round(files: dict[str, Path], cat: Path, st: Path, go: Path) -> dict[str, tuple]:
    targets = {k: (cat, ()) for k in ("ced", "lad", "lsoa", "imd", "empty_imd")}
    targets.update({k: (st, ("--upload", k)) for k in ("vouchers", "pilots")})
    procs = {}
    for key, (target, extra) in targets.items():
        argv = [str(files[key]), str(target), *extra, "--go", str(go), "--slow-swap", "0.1"]
        out, err = go.with_name(f"{go.name}.{key}.out"), go.with_name(f"{go.name}.{key}.err")
        procs[key] = (_CTX.Process(target=_writer, args=(argv, str(out), str(err))), out, err)
        procs[key][0].start()
    deadline = time.monotonic() + 120
    while len(list(go.parent.glob(f"{go.name}.*.ready"))) < len(procs):
        dead = {k: p.read_text() for k, (proc, _, p) in procs.items() if not proc.is_alive()}
        assert not dead, dead
        assert time.monotonic() < deadline, "writers never reached the barrier"
        time.sleep(0.02)
    go.touch()
    results = {}
    for key, (proc, out, err) in procs.items():
        proc.join(timeout=180)
        results[key] = (proc.exitcode, out.read_text().strip(), err.read_text().strip())
    return results


@pytest.mark.slow
def test_six_rounds_of_concurrent_writers_lose_nothing_and_exit_truthfully(
    tmp_path: Path,
) -> None:
    cat, st = tmp_path / "data" / "broadband.gpkg", tmp_path / "data" / "store.gpkg"
    for r in range(ROUNDS):
        files = _round_files(tmp_path / f"round{r}", r)
        results = _run_round(files, cat, st, tmp_path / f"go{r}")

        expected_out = {"ced": "areas_ced", "lad": "areas_lad", "lsoa": "lsoa", "imd": "imd",
                        "vouchers": f"vouchers v{r + 1}", "pilots": f"pilots v{r + 1}"}  # fmt: skip
        for key, out in expected_out.items():
            assert results[key] == (0, out, ""), (r, key, results[key])
        rc, out, err = results["empty_imd"]
        assert (rc, out) == (2, ""), (r, results["empty_imd"])
        assert err == f"error: empty_imd_{r}.csv row 1: has a header row but no records " + (
            f"(value {IMD_HEADER.strip()!r})"
        )

        # Nothing lost: every layer holds this round's data, the refused file changed nothing.
        loaded = catalog.load_catalog(cat)
        assert loaded.areas["ced"]["area_code"].tolist() == [f"E58{r:03d}001", f"E58{r:03d}002"]
        assert len(loaded.areas["lad"]) == 3
        assert loaded.areas["lad"]["area_code"].str.startswith(f"E07{r:03d}").all()
        assert loaded.imd is not None and loaded.imd["imd_rank"].tolist() == [100 + r, 30_000 + r]
        assert loaded.lsoa is not None
        assert loaded.lsoa["lsoa_name"].tolist() == [f"Round {r} LSOA 1", f"Round {r} LSOA 2"]
        assert loaded.meta["imd"]["source"] == f"imd_{r}.csv"
        assert loaded.meta["lsoa"]["source"] == f"lsoa_{r}.geojson"
        assert loaded.meta["areas_ced"]["source"] == f"ced_{r}.geojson"
        vouchers = store.load(st, "vouchers")
        assert vouchers is not None
        assert vouchers["reference"].tolist() == [f"R{r}-V{k}" for k in range(r + 1)]
        pilots = store.load(st, "pilots")
        assert pilots is not None and pilots["site_name"].tolist() == [f"Hall {r}"]
        log = store.audit(st)
        assert len(log) == 2 * (r + 1)
        assert {f"vouchers_{r}.csv", f"pilots_{r}.csv"} <= set(log["file_name"])
    assert sorted(p.name for p in cat.parent.iterdir()) == [
        "broadband.gpkg", "broadband.gpkg.lock", "store.gpkg", "store.gpkg.lock",
    ]  # fmt: skip

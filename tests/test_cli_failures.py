"""The command line never shows a traceback: one line and exit 2 for anything a person can fix,
one line naming a log file (exit 1) for anything else. IMD rows keep spreadsheet numbering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from geo import __main__ as cli
from geo.errors import DataError
from geo.sources.imd import read_imd
from geo.storage import catalog
from tests.crash_support import ROOT

HEADER = (
    "LSOA code (2011),LSOA name (2011),Local Authority District code (2019),"
    "Local Authority District name (2019),Index of Multiple Deprivation (IMD) Rank,"
    "Index of Multiple Deprivation (IMD) Decile\n"
)


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m geo args`` in a fresh process, as a person would run it."""
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_data_dir_that_is_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    afile = tmp_path / "not_a_folder"
    afile.write_text("x")
    proc = _run("status", env={"BROADBAND_DATA_DIR": str(afile)})  # a real process, once
    assert proc.returncode == 2, proc.stderr
    assert _one_line(proc) == (
        f"error: BROADBAND_DATA_DIR {afile} is a file, not a folder; point it at a folder "
        "(it is created when missing)"
    )


@pytest.mark.parametrize(
    ("env", "command", "message"),
    [
        ({"BROADBAND_DATA_DIR": "{file}"}, ["import", "{file}"],
         "BROADBAND_DATA_DIR {file} is a file, not a folder; point it at a folder (it is "
         "created when missing)"),
        ({"BROADBAND_DATA_DIR": "{file}"}, ["export-html", "{tmp}/o.html"],
         "BROADBAND_DATA_DIR {file} is a file, not a folder; point it at a folder (it is "
         "created when missing)"),
        ({"BROADBAND_LEVEL": "bogus"}, ["status"],
         "BROADBAND_LEVEL must be one of ['ced', 'lad', 'ward'], not 'bogus'"),
        ({"BROADBAND_DATA_DIR": "{file}/sub"}, ["import", "{file}"],
         "BROADBAND_DATA_DIR {file}/sub cannot be created (Not a directory)"),
    ],
)  # fmt: skip
def test_config_errors_are_one_line_exit_2(
    env: dict[str, str],
    command: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    afile = tmp_path / "not_a_folder"
    afile.write_text("x")
    fill = {"file": str(afile), "tmp": str(tmp_path)}
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(**fill))
    assert cli.main([c.format(**fill) for c in command]) == 2
    assert capsys.readouterr().err == f"error: {message.format(**fill)}\n"


def test_export_html_without_divisions_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cov = tmp_path / "202105_fixed_laua_coverage_r01.csv"
    cov.write_text(
        "laua,All Premises,Number of premises with Gigabit availability\nE07000148,10,5\n"
    )
    assert cli.main(["import", str(cov)]) == 0
    capsys.readouterr()
    assert cli.main(["export-html", str(tmp_path / "out.html")]) == 2
    assert capsys.readouterr().err == (
        "error: the catalogue has no county electoral divisions or no coverage: load them "
        "first (python -m geo fetch / import)\n"
    )
    assert not (tmp_path / "out.html").exists()


def test_unwritable_data_dir_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    monkeypatch.setenv("BROADBAND_DATA_DIR", str(folder))
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: Path(p) != folder and real_access(p, mode))
    assert cli.main(["import", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err == (
        f"error: BROADBAND_DATA_DIR {folder} is not writable by this user; point it at a "
        "folder this user may write in\n"
    )


def test_os_errors_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def denied(*_a: object, **_k: object) -> str:
        raise PermissionError(13, "Permission denied", "/srv/data/broadband.gpkg")

    monkeypatch.setattr(cli, "import_file", denied)
    assert cli.main(["import", str(tmp_path / "x.csv")]) == 2
    assert capsys.readouterr().err == "error: /srv/data/broadband.gpkg: Permission denied\n"


def test_several_problems_print_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "imd.csv"
    bad.write_text(HEADER + "E01000001,a,E07000148,N,0,1\nE01000002,b,E07000148,N,x,1\n")
    assert cli.main(["import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: 2 problems: imd.csv row 2, column 'Index of Multiple")
    assert "; imd.csv row 3, column 'Index of Multiple Deprivation (IMD) Rank': is not a" in err


def test_unexpected_error_prints_one_line_and_a_log_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_a: object, **_k: object) -> str:
        raise KeyError("no such column")

    monkeypatch.setattr(cli, "load_catalog", broken)
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("error: unexpected KeyError: 'no such column' (details in ")
    log = Path(err.rsplit("details in ", 1)[1].rstrip(")\n"))
    text = log.read_text()
    assert "Traceback" in text and "KeyError: 'no such column'" in text
    log.unlink()


def test_imd_nul_byte_in_a_name_is_refused_with_its_row(tmp_path: Path) -> None:
    path = tmp_path / "imd.csv"
    path.write_bytes(
        HEADER.encode() + b"E01000001,Norwich 001A,E07000148,Norwich,100,1\n"
        b"E01000002,Norwich\x00 001B,E07000148,Norwich,200,1\n"
    )
    with pytest.raises(DataError) as err:
        read_imd(path)
    assert str(err.value) == (
        "imd.csv row 3: wrong encoding: the file holds a NUL byte, so it is not a text CSV; "
        "save it as CSV UTF-8 from your spreadsheet"
    )


def test_imd_rows_after_a_blank_line_keep_spreadsheet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "imd.csv"
    path.write_text(HEADER + "E01000001,a,E07000148,N,100,1\n\nE01000002,b,E07000148,N,99999,1\n")
    with pytest.raises(DataError) as err:
        read_imd(path)
    (problem,) = err.value.problems
    assert (problem.row, problem.column, problem.value) == (
        4, "Index of Multiple Deprivation (IMD) Rank", "99999"
    )  # fmt: skip


def test_imd_accepts_cp1252_and_thousands_separators(tmp_path: Path) -> None:
    path = tmp_path / "imd.csv"
    path.write_bytes(
        HEADER.encode() + 'E01000001,Ynys Môn 001A,W06000001,Ynys Môn,"1,234",1\n'.encode("cp1252")
    )
    out = read_imd(path)
    assert out[["lsoa_name", "imd_rank"]].values.tolist() == [["Ynys Môn 001A", 1234]]
    cat = tmp_path / "c.gpkg"
    catalog.save_imd(cat, out, source="imd.csv")
    loaded = catalog.load_catalog(cat).imd
    assert loaded is not None and loaded["lsoa_name"].tolist() == ["Ynys Môn 001A"]

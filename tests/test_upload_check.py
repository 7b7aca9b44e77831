"""layers.upload.check_upload: a report with row/column for a bad file, a preview for a good one."""

from __future__ import annotations

import pytest

import layers  # noqa: F401
from layers.upload import REPORT_COLUMNS, check_upload
from tests.uploads_support import context, squares, upload


def test_good_file_gives_records_and_aggregate() -> None:
    raw = upload("vouchers_SYNTHETIC.csv")
    check = check_upload(raw, filename="v.csv", layer="vouchers", context=context(),
                         areas=squares())  # fmt: skip
    assert check.ok and check.report().empty
    assert list(check.report().columns) == list(REPORT_COLUMNS)
    assert len(check.records) == 5
    # SYN-V001 (NR1 1AA) in A; SYN-V002 (601500, 300200) in B; SYN-V003 on the A/B border
    # (lower code wins: A); SYN-V004 (cancelled) and SYN-V005 in C.
    assert check.aggregate["n_vouchers"].tolist() == [2, 1, 1]
    assert check.aggregate["n_cancelled"].tolist() == [0, 0, 1]
    assert check.outside == 0 and check.excluded == 0


def test_gias_closed_school_counts_as_excluded() -> None:
    check = check_upload(upload("gias_SYNTHETIC.csv"), filename="g.csv", layer="anchors",
                         context=context(), areas=squares())  # fmt: skip
    assert check.ok and len(check.records) == 2 and check.excluded == 1


def test_bad_file_reports_every_problem_as_text_and_keeps_no_records() -> None:
    raw = (
        b"reference,postcode,status,date,value\n"
        b"R1,NR1 1AA,connected,01/02/2024,1500\n"
        b"R2,NR9 9ZZ,connected,01/02/2024,1500\n"
        b"R3,NR1 1AB,maybe,01/02/2024,-5\n"
    )
    check = check_upload(raw, filename="bad.csv", layer="vouchers", context=context(),
                         areas=squares())  # fmt: skip
    assert not check.ok and check.records is None and check.aggregate is None
    report = check.report()
    assert sorted(zip(report["row"], report["column"], strict=True)) == [
        ("3", "postcode"), ("4", "status"), ("4", "value"),
    ]  # fmt: skip
    assert report.loc[report["column"] == "status", "value"].item() == "maybe"
    assert all(isinstance(v, str) for v in report.to_numpy().ravel())


def test_whole_file_problem_has_blank_row_and_column() -> None:
    check = check_upload(b"", filename="empty.csv", layer="pilots", context=context(),
                         areas=squares())  # fmt: skip
    assert check.report()[["row", "column"]].to_numpy().tolist() == [["", ""]]
    assert "empty" in check.report()["reason"].item()


def test_unknown_layer_is_refused() -> None:
    with pytest.raises(ValueError, match="layer must be one of"):
        check_upload(b"x", filename="x.csv", layer="castles", context=context(), areas=squares())

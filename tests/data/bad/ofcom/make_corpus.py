"""Rebuild the Ofcom coverage CSVs of the bad-input corpus (synthetic; run from the repo root).

    python tests/data/bad/ofcom/make_corpus.py

Every figure is made up. Codes E07000901-E07000903 are not real districts. The files copy the
shape of Ofcom Connected Nations local-authority files (``laua``, ``All Premises``, "Number of
premises with ..." and "... (% premises)") and of the project's tidy extracts.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
HEAD = (
    "laua,laua_name,All Premises,Number of premises with Gigabit availability,"
    "Gigabit availability (% premises)"
)
ROWS = (
    "E07000901,Synthetic Borough A,1000,800,80.0",
    "E07000902,Synthetic Borough B,2000,500,25.0",
    "E07000903,Synthetic Borough C,500,50,10.0",
)


def _table(*rows: str, head: str = HEAD) -> str:
    return "\n".join((head, *rows)) + "\n"


def _replace(index: int, row: str) -> tuple[str, ...]:
    rows = list(ROWS)
    rows[index] = row
    return tuple(rows)


TEXT: dict[str, str] = {
    "ofcom_missing_id_column.csv": _table(
        *(r.split(",", 1)[1] for r in ROWS), head=HEAD.split(",", 1)[1]
    ),
    "ofcom_count_over_premises.csv": _table(
        *_replace(1, "E07000902,Synthetic Borough B,2000,2500,25.0")
    ),
    "ofcom_negative_premises.csv": _table(*_replace(0, "E07000901,Synthetic Borough A,-1000,0,0")),
    "ofcom_percentage_over_100.csv": _table(
        *_replace(2, "E07000903,Synthetic Borough C,500,50,110.0")
    ),
    "ofcom_header_only.csv": _table(),
    "ofcom_duplicate_id.csv": _table(*_replace(2, "E07000901,Synthetic Borough C,500,50,10.0")),
    "ofcom_not_a_number.csv": _table(*_replace(1, "E07000902,Synthetic Borough B,2000,n/a,25.0")),
    "ofcom_blank_id.csv": _table(*_replace(1, " ,Synthetic Borough B,2000,500,25.0")),
    "ofcom_infinite_count.csv": _table(*_replace(1, "E07000902,Synthetic Borough B,inf,500,25.0")),
    "ofcom_fractional_count.csv": _table(
        *_replace(2, "E07000903,Synthetic Borough C,500,50.5,10.0")
    ),
    "ofcom_short_row.csv": _table(*_replace(1, "E07000902,Synthetic Borough B")),
    "ofcom_no_premises_no_measures.csv": "laua,laua_name\nE07000901,Synthetic Borough A\n",
    "ofcom_bad_postcode.csv": (
        "postcode_space,All Premises,Number of premises with Gigabit availability\n"
        "NR1 1AA,10,5\nNR1,12,6\nNOT A POSTCODE,3,1\n"
    ),
    # Accepted (see EXPECTED.csv): the same three rows in other dress.
    "ok_renamed_columns.csv": _table(
        "2024,E07000901,Synthetic Borough A,1000,800,80.0",
        "2024,E07000902,Synthetic Borough B,2000,500,25.0",
        "2024,E07000903,Synthetic Borough C,500,50,10.0",
        head="dataset_label,laua,laua_name,all_premises,n_premises_gigabit,gigabit_availability_pct",
    ),
    "ok_thousands_and_percent.csv": _table(
        'E07000901,Synthetic Borough A,"1,000",800,80.0%',
        'E07000902,Synthetic Borough B,"2,000",500,25%',
        "E07000903,Synthetic Borough C,500,50, 10.0 %",
    ),
}
BYTES: dict[str, bytes] = {
    "ofcom_empty.csv": b"",
    "ofcom_utf16_no_bom.csv": _table(*ROWS).encode("utf-16-le"),
    "ofcom_png_renamed.csv": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
    "ok_cp1252.csv": _table(*_replace(0, "E07000901,Synthetic Bórough Â,1000,800,80.0")).encode(
        "cp1252"
    ),
    "ok_utf8_bom.csv": _table(*ROWS).encode("utf-8-sig"),
    "ok_utf16_bom.csv": _table(*ROWS).encode("utf-16"),
    "ok_excel_crlf_trailing_column.csv": "\r\n".join(f"{line}," for line in (HEAD, *ROWS, ""))[
        :-1
    ].encode("cp1252"),
}


def main() -> None:
    for name, text in TEXT.items():
        (HERE / name).write_text(text, encoding="utf-8", newline="\n")
    for name, data in BYTES.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()

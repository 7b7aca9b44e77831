"""Write the rendering half of the hostile corpus, and its table (run from the repo root).

    python tests/data/hostile/render/make_corpus.py

Every file is synthetic: the demo's 12 divisions (geo.sources.demo.demo_areas) with one
division's name or code replaced, or a small upload placed in that division (Greyfriars,
X58000007), or an IMD 2019 File 1 extract for four made-up LSOAs covering the demo grid. Each
carries one attack text (template injection, Markdown/HTML, mathtext, spreadsheet formula,
Unicode) and gets one row in the corpus table, tests/data/hostile/EXPECTED.csv (columns:
README there), where this script replaces the ``render/`` rows and keeps the others.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

import shapely

HERE = Path(__file__).resolve().parent
BNG = "urn:ogc:def:crs:EPSG::27700"
TARGET = "X58000007"  # Greyfriars (synthetic): the division every attack lands in
SITE = (595000, 302000)  # a point in Greyfriars, British National Grid metres
MARKER = "HOSTILE_MARKER"
"""The directory a successful template injection would create (relative: the runner chdirs)."""

PAYLOADS: list[tuple[str, str, str]] = [
    # (slug, attack, text)
    ("ssti_lipsum", "ssti", "{{ lipsum.__globals__.os.makedirs('" + MARKER + "') }}"),
    ("ssti_set", "ssti", "{% set _ = lipsum.__globals__.os.makedirs('" + MARKER + "') %}"),
    ("ssti_cycler", "ssti", "{{ cycler.__init__.__globals__.os.makedirs('" + MARKER + "') }}"),
    ("ssti_joiner", "ssti", "{{ joiner.__init__.__globals__['os'].makedirs('" + MARKER + "') }}"),
    ("ssti_repeat", "ssti", "{{ 'qz' * 3 }} Ward"),
    ("ssti_arith", "ssti", "{{7*7}}"),
    ("ssti_loop", "ssti", "{% for i in 'qz' %}{{ i * 3 }}{% endfor %}"),
    ("ssti_comment", "ssti", "{# hidden #}Visible"),
    ("ssti_raw", "ssti", "{% raw %}{{ 1 }}{% endraw %}"),
    ("ssti_config", "ssti", "{{ config }}{{ self }}"),
    ("template_others", "ssti", "${7*7} #{7*7} <%= 7*7 %> `${alert(1)}`"),
    ("md_image", "markdown", "![x](http://127.0.0.1:9/x.png)"),
    ("md_link", "markdown", "[click me](javascript:alert(1))"),
    ("md_emphasis", "markdown", "**bold** _it_ ~~gone~~ `code`"),
    ("md_directives", "markdown", ":red[danger] :material/home: :smile:"),
    ("md_heading", "markdown", "# Heading > quote"),
    ("md_autolink", "markdown", "<http://127.0.0.1:9/> www.example.com"),
    ("html_img", "html", "<img src=x onerror=alert(1)>"),
    ("html_script", "html", "<script>alert(1)</script>"),
    ("html_breakout", "html", "</td></tr></table><h1>x</h1>\" onmouseover=\"alert(1)"),
    ("html_entity", "html", "&lt;b&gt; &amp; &#123;&#123;"),
    ("math_inline", "mathtext", "$x$"),
    ("math_frac", "mathtext", "$\\frac{}{}"),
    ("math_frac_closed", "mathtext", "$\\frac{}{}$ Ward"),
    ("math_undefined", "mathtext", "a $\\undefinedcommand$ b"),
    ("math_dollars", "mathtext", "$$$ £5 $"),
    ("math_escaped", "mathtext", "\\$5 and $x^2$"),
    ("formula_hyperlink", "formula", '=HYPERLINK("http://127.0.0.1:9/","click")'),
    ("formula_cmd", "formula", "+cmd|' /C calc'!A0"),
    ("formula_minus", "formula", "-2+3"),
    ("formula_at", "formula", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("unicode_rtl", "unicode", "Diss\u202eevil.exe"),
    ("unicode_zero_width", "unicode", "Dis\u200bs\u200d"),
    ("unicode_only_invisible", "unicode", "\u200b\u200c\u2060"),
    ("unicode_combining", "unicode", "Dis\u0301s\u0327 Z\u0336\u0335a\u0337"),
    ("unicode_emoji", "unicode", "Diss 🏴󠁧󠁢󠁥󠁮󠁧󠁿 👩‍👩‍👧 🌊"),
    ("unicode_rtl_script", "unicode", "شارع Diss עברית"),
    ("unicode_line_break", "unicode", "Diss\nNorwich"),
    ("unicode_escape_seq", "unicode", "Diss\x1b[31mred"),
]
"""Attack texts; every carrier gets each of them (ids are the slugs)."""
UPLOAD_ATTACKS = {"ssti", "markdown", "html", "mathtext", "formula", "unicode"}
CODE_SLUGS = ("ssti_lipsum", "ssti_set", "ssti_repeat", "md_image", "html_img", "math_frac",
              "formula_hyperlink", "unicode_rtl")  # fmt: skip
IMD_SLUGS = ("ssti_lipsum", "ssti_loop", "md_image", "html_script", "math_frac", "formula_cmd",
             "unicode_emoji", "unicode_combining")  # fmt: skip
LSOA_CODES = ("E01099991", "E01099992", "E01099993", "E01099994")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
REQUIRED_NAMES = ("name", "site_name")
"""Upload columns that must hold a visible name (layers/anchors.py, layers/pilots.py)."""
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""What geo.sources.tabular refuses in an upload as not text."""
_INVISIBLE = re.compile(r"[\s\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")


def table_text(text: str) -> str:
    """``text`` for a table cell: control characters written as ``\\uXXXX`` (README)."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _boundary_outcome(text: str) -> tuple[str, str]:
    """What importing ``text`` as a division name must do (geo.geometry.boundaries)."""
    if _INVISIBLE.sub("", text) == "":
        return "refused", "empty area name"
    bad = _CONTROL.search(text.strip())
    if bad:
        return "refused", f"control character U+{ord(bad.group(0)):04X}"
    return "accepted", text.strip()


def _upload_outcome(text: str, field: str = "") -> tuple[str, str]:
    """What uploading ``text`` in column ``field`` of a record must do (geo.sources.tabular).

    A character the CSV readers treat as binary (ESC and the other C0 controls but tab and
    line breaks) refuses the file at its row; a name people must be able to read
    (:data:`REQUIRED_NAMES`) that is blank once invisible characters are gone is refused at its
    row and column; everything else is kept as typed (shown escaped, line breaks as spaces).
    """
    if _BINARY.search(text):
        return "refused", "row 2: wrong encoding: the file holds control character"
    if field in REQUIRED_NAMES and _INVISIBLE.sub("", text) == "":
        return "refused", f"row 2, column '{field}': {field} is blank"
    return "accepted", text.strip()


def _code_outcome() -> tuple[str, str]:
    """What replacing the target's code with an attack text must do: not a GSS code, its row."""
    from geo.sources.demo import demo_areas

    row = demo_areas()["CED25CD"].tolist().index(TARGET) + 1
    return "refused", f"row {row}, column 'CED25CD': is not a GSS area code"


def _boundaries(*, name: str | None = None, code: str | None = None) -> bytes:
    from geo.sources.demo import demo_areas

    areas = demo_areas()
    features = []
    for row in areas.itertuples():
        props = {"CED25CD": row.CED25CD, "CED25NM": row.CED25NM, "LAD25CD": row.LAD25CD}
        if row.CED25CD == TARGET:
            props["CED25NM"] = name if name is not None else props["CED25NM"]
            props["CED25CD"] = code if code is not None else props["CED25CD"]
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(row.geometry, 0.1)))
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": BNG}},
           "features": features}  # fmt: skip
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _anchors(text: str) -> bytes:
    return _csv(["site_type", "name", "identifier", "fibre_status", "easting", "northing"], [
        ["school", text, "S1", "planned", *SITE],
        ["library", "Greyfriars Library (synthetic)", "L1", "none", SITE[0] + 600, SITE[1] + 400],
    ])  # fmt: skip


def _pilots(text: str) -> bytes:
    header = ["programme", "site_name", "kind", "start_date", "end_date", "people_helped",
              "easting", "northing"]  # fmt: skip
    return _csv(header, [
        ["Tech Skills (synthetic)", text, "training", "2024-01-15", "", "12", *SITE],
        ["Devices (synthetic)", "Greyfriars Hub (synthetic)", "device_lending", "2023-06-01",
         "", "4", SITE[0] + 600, SITE[1] + 400],
    ])  # fmt: skip


def _vouchers(text: str) -> bytes:
    header = ["reference", "status", "date", "value", "supplier", "easting", "northing"]
    return _csv(header, [
        ["HV1", "connected", "01/02/2024", "1500", text, *SITE],
        ["HV2", "applied", "03/02/2024", "1500", "Fibre Co (synthetic)", SITE[0] + 600,
         SITE[1] + 400],
    ])  # fmt: skip


def _lsoa() -> bytes:
    from geo.sources.demo import demo_areas

    minx, miny, maxx, maxy = demo_areas().total_bounds
    midx, midy = (minx + maxx) / 2, (miny + maxy) / 2
    boxes = [(minx, miny, midx, midy), (midx, miny, maxx, midy), (minx, midy, midx, maxy),
             (midx, midy, maxx, maxy)]  # fmt: skip
    features = [
        {"type": "Feature", "properties": {"LSOA11CD": code, "LSOA11NM": f"Demo LSOA {k}"},
         "geometry": json.loads(shapely.to_geojson(shapely.box(*b)))}
        for k, (code, b) in enumerate(zip(LSOA_CODES, boxes, strict=True))
    ]  # fmt: skip
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": BNG}},
           "features": features}  # fmt: skip
    return json.dumps(doc).encode()


def _imd(text: str) -> bytes:
    header = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
              "Index of Multiple Deprivation (IMD) Decile"]  # fmt: skip
    rows = [[code, text if k == 0 else f"Demo LSOA {k}", "X07000001", "Demo (synthetic)",
             1000 + 5000 * k, 1 + 3 * k] for k, code in enumerate(LSOA_CODES)]  # fmt: skip
    return _csv(header, rows)


def build() -> list[dict[str, str]]:
    """Write every file under this folder and return the table rows."""
    rows: list[dict[str, str]] = []

    def add(name: str, content: bytes, kind: str, attack: str, outcome: str, expected: str,
            note: str, options: str = "") -> None:  # fmt: skip
        (HERE / name).write_bytes(content)
        rows.append({"file": f"render/{name}", "kind": kind, "attack": attack, "outcome": outcome,
                     "expected": table_text(expected), "options": options, "note": note})  # fmt: skip

    for slug, attack, text in PAYLOADS:
        outcome, expected = _boundary_outcome(text)
        add(f"boundary_name_{slug}.geojson", _boundaries(name=text), "boundaries", attack,
            outcome, expected, f"division name of {TARGET}")  # fmt: skip
    for slug, attack, text in PAYLOADS:
        if slug in CODE_SLUGS:
            add(f"boundary_code_{slug}.geojson", _boundaries(code=text), "boundaries", attack,
                *_code_outcome(), f"division code of {TARGET}: refused, with its row and column")
    for carrier, make, kind, field in (("anchors_name", _anchors, "anchors", "name"),
                                       ("pilots_site", _pilots, "pilots", "site_name"),
                                       ("vouchers_supplier", _vouchers, "vouchers", "supplier")):  # fmt: skip
        for slug, attack, text in PAYLOADS:
            if attack not in UPLOAD_ATTACKS:
                continue
            outcome, expected = _upload_outcome(text, field)
            add(f"{carrier}_{slug}.csv", make(text), kind, attack, outcome, expected,
                f"{field} of a record in {TARGET}")  # fmt: skip
    add("lsoa_demo.geojson", _lsoa(), "lsoa", "none", "accepted", "Demo LSOA 0",
        "four LSOA polygons over the demo grid, for the IMD rows")  # fmt: skip
    for slug, attack, text in PAYLOADS:
        if slug in IMD_SLUGS:
            outcome, expected = _upload_outcome(text)
            add(f"imd_name_{slug}.csv", _imd(text), "imd", attack, outcome, expected,
                "LSOA name (2011) of the first LSOA", options="after=render/lsoa_demo.geojson")
    return rows


def main() -> None:
    sys.path.insert(0, str(HERE.parents[3]))  # the repo root, for the table's writer
    from tests.hostile_support import write_rows

    for old in HERE.iterdir():
        if old.name not in ("make_corpus.py", "__pycache__"):
            old.unlink() if old.is_file() else shutil.rmtree(old)
    rows = build()
    write_rows("render", rows)
    print(f"wrote {len(rows)} files in {HERE} and their rows in {HERE.parent / 'EXPECTED.csv'}")


if __name__ == "__main__":
    main()

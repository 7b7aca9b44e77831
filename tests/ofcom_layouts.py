"""Small Ofcom fixed-coverage files in exactly the layouts of ../shared/data/FORMATS.md.

Every figure is SYNTHETIC and chosen by hand so the answers can be worked out on paper. Two
areas per file; per area (premises, then premises with each measure):

========  ========  ====  =====  =======  ==========  ========  ===  ==========
area      premises  sfbb  ufbb   gigabit  full fibre  unable10  uso  no decent
========  ========  ====  =====  =======  ==========  ========  ===  ==========
first     1000      900   500    400      300         30        20   15
second    3000      2950  2400   2100     1800        10        6    4
========  ========  ====  =====  =======  ==========  ========  ===  ==========

so summed over both: 4000 premises, 2500 gigabit (62.5%). Percentage cells are
``round(100 × n / premises, 1)``. Header cells are written out by hand, never taken from the
code under test.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

FIGURES: tuple[dict[str, int], ...] = (
    {"premises": 1000, "sfbb": 900, "ufbb": 500, "ufbb100": 550, "gigabit": 400,
     "full_fibre": 300, "unable_2": 5, "unable_5": 12, "unable_10": 30, "unable_30": 100,
     "below_uso": 20, "no_decent": 15, "nga": 920, "fwa": 8},
    {"premises": 3000, "sfbb": 2950, "ufbb": 2400, "ufbb100": 2500, "gigabit": 2100,
     "full_fibre": 1800, "unable_2": 1, "unable_5": 3, "unable_10": 10, "unable_30": 50,
     "below_uso": 6, "no_decent": 4, "nga": 2960, "fwa": 2},
)  # fmt: skip

# Header cell → the figure it carries (kind "n" count or "pct"), by the wording Ofcom uses.
_TOKENS = {
    "SFBB": "sfbb", "UFBB": "ufbb", "UFBB (100Mbit/s)": "ufbb100", "Gigabit": "gigabit",
    "Full Fibre": "full_fibre", "FTTP": "full_fibre", "2Mbit/s": "unable_2",
    "5Mbit/s": "unable_5", "10Mbit/s": "unable_10", "30Mbit/s": "unable_30",
    "the USO": "below_uso", "decent broadband from fixed or FWA": "no_decent",
    "NGA": "nga", "decent broadband from FWA": "fwa", "SFBB from FWA": "fwa",
}  # fmt: skip
_PATTERNS = (
    (re.compile(r"^Number of premises with (.+) availability$"), "n"),
    (re.compile(r"^(.+) availability \(% premises\)$"), "pct"),
    (
        re.compile(r"^Number of premises (?:unable to receive|below|able to receive|with) (.+)$"),
        "n",
    ),
    (re.compile(r"^% of premises (?:unable to receive|below|able to receive|with) (.+)$"), "pct"),
)

BANDS = ("30<300", ">=300", "0<2", "2<5", "5<10", "10<30")
_PCT_BANDS = [f"% of premises with {b}Mbit/s download speed" for b in BANDS]
_N_BANDS = [f"Number of premises with {b}Mbit/s download speed" for b in BANDS]
_UNABLE = [f"% of premises unable to receive {s}Mbit/s" for s in (2, 5, 10, 30)]
_N_UNABLE = [f"Number of premises unable to receive {s}Mbit/s" for s in (2, 5, 10, 30)]

LA_2016 = [
    "laua_code", "laua_name", "SFBB availability (% premises)", "UFBB availability (% premises)",
    "NGA availability (% premises)", *_UNABLE, "Median download speed (Mbit/s)",
]  # fmt: skip
LA_2017 = [
    "laua", "laua_name", "SFBB availability (% premises)", "UFBB availability (% premises)",
    "FTTP availability (% premises)", "NGA availability (% premises)", *_UNABLE,
    "Median download speed (Mbit/s)",
]  # fmt: skip
LA_2018 = [
    "laua", "laua_name", "All Premises", "All Matched Premises",
    "SFBB availability (% premises)", "UFBB availability (% premises)",
    "Full Fibre availability (% premises)", *_UNABLE, "% of premises below the USO",
    "% of premises with NGA", "% of premises able to receive decent broadband from FWA",
    "% of premises able to receive SFBB from FWA", "Number of premises with SFBB availability",
    "Number of premises with UFBB availability", "Number of premises with Full Fibre availability",
    *_N_UNABLE, "Number of premises below the USO", "Number of premises with NGA",
    "Number of premises able to receive decent broadband from FWA",
    "Number of premises able to receive SFBB from FWA",
]  # fmt: skip
LA_201909 = [*LA_2018, *_N_BANDS, *_PCT_BANDS]
LA_40 = [
    "laua", "laua_name", "All Premises", "All Matched Premises", "SFBB availability (% premises)",
    "UFBB (100Mbit/s) availability (% premises)", "UFBB availability (% premises)",
    "Full Fibre availability (% premises)", "Gigabit availability (% premises)", *_UNABLE,
    "% of premises below the USO", "% of premises with NGA",
    "% of premises able to receive decent broadband from FWA",
    "Number of premises with SFBB availability",
    "Number of premises with UFBB (100Mbit/s) availability",
    "Number of premises with UFBB availability", "Number of premises with Full Fibre availability",
    "Number of premises with Gigabit availability", *_N_UNABLE, "Number of premises below the USO",
    "Number of premises with NGA", "Number of premises able to receive decent broadband from FWA",
    *_N_BANDS, *_PCT_BANDS,
]  # fmt: skip
LA_2026 = [
    h.replace("below the USO", "unable to receive decent broadband from fixed or FWA")
    for h in LA_40
]
OA_202407 = [
    "output_area", "All Premises", "All Matched Premises", "SFBB availability (% premises)",
    "UFBB (100Mbit/s) availability (% premises)", "UFBB availability (% premises)",
    "Gigabit availability (% premises)", *_UNABLE, "% of premises below the USO",
    "% of premises with NGA", "% of premises able to receive decent broadband from FWA",
    "Number of premises with SFBB availability",
    "Number of premises with UFBB (100Mbit/s) availability",
    "Number of premises with UFBB availability", "Number of premises with Gigabit availability",
    *_N_UNABLE, "Number of premises below the USO", "Number of premises with NGA",
    "Number of premises able to receive decent broadband from FWA", *_PCT_BANDS, *_N_BANDS,
]  # fmt: skip
OA_202601 = [
    h.replace("below the USO", "unable to receive decent broadband from fixed or FWA")
    for h in OA_202407
]
PC_2018 = [
    "postcode", "pcds", "pca", "SFBB availability (% premises)", "UFBB availability (% premises)",
    "FTTP availability (% premises)", *_UNABLE, "All Matched Premises",
]  # fmt: skip
PC_202601 = [
    "postcode", "postcode_space", "postcode area", *_PCT_BANDS,
    "SFBB availability (% premises)", "UFBB (100Mbit/s) availability (% premises)",
    "UFBB availability (% premises)", *_UNABLE, "Gigabit availability (% premises)",
    "% of premises unable to receive decent broadband from fixed or FWA",
    "% of premises with NGA", "% of premises able to receive decent broadband from FWA",
]  # fmt: skip
PC_202507 = [
    h.replace("unable to receive decent broadband from fixed or FWA", "below the USO")
    for h in PC_202601
]

LA_IDS = (("E07000143", "Breckland"), ("E07000148", "Norwich"))
OA_IDS = (("E00000001", ""), ("E00000002", ""))
PC_IDS = (("NR1 1AA", ""), ("NR1 1AB", ""))


@dataclass(frozen=True)
class Layout:
    """One release's file as shipped: its name, header, encoding and what it publishes."""

    key: str
    filename: str
    header: list[str]
    encoding: str
    level: str
    counts: bool
    published: tuple[str, ...]
    """Measures (keys of geo.config.MEASURES) the file carries, worked out from the header."""


ALL_SIX = ("sfbb", "ufbb", "gigabit", "full_fibre", "unable_10", "below_uso")
LAYOUTS: tuple[Layout, ...] = (
    Layout("la2016", "2016_fixed_laua_coverage_r01.csv", LA_2016, "cp1252", "lad", False,
           ("sfbb", "ufbb", "unable_10")),
    Layout("la2017", "201712_fixed_laua_coverage_r01.csv", LA_2017, "cp1252", "lad", False,
           ("sfbb", "ufbb", "full_fibre", "unable_10")),
    Layout("la2018", "201809_fixed_laua_coverage_r01.csv", LA_2018, "utf-8", "lad", True,
           ("sfbb", "ufbb", "full_fibre", "unable_10", "below_uso")),
    Layout("la201909", "201909_fixed_laua_coverage_r01.csv", LA_201909, "utf-8-sig", "lad",
           True, ("sfbb", "ufbb", "full_fibre", "unable_10", "below_uso")),
    *(
        Layout(f"la{r}", f"{r}_fixed_laua_coverage_{rev}.csv", LA_40, enc, "lad", True, ALL_SIX)
        for r, rev, enc in (("202009", "r01", "utf-8"), ("202105", "r01", "utf-8"),
                            ("202109", "r01", "utf-8-sig"), ("202209", "r02", "cp1252"),
                            ("202305", "r02", "utf-8"))
    ),
    Layout("la202601", "202601_fixed_laua_coverage_r1.csv", LA_2026, "latin-1", "lad", True,
           ("sfbb", "ufbb", "gigabit", "full_fibre", "unable_10", "no_decent")),
    Layout("oa202407", "202407_fixed_oa_coverage_r01.csv", OA_202407, "utf-8", "oa", True,
           ("sfbb", "ufbb", "gigabit", "unable_10", "below_uso")),
    Layout("oa202407res", "202407_fixed_oa_res_coverage_r01.csv", OA_202407, "utf-8", "oa",
           True, ("sfbb", "ufbb", "gigabit", "unable_10", "below_uso")),
    Layout("oa202601", "202601_fixed_oa_coverage_r1.csv", OA_202601, "utf-8-sig", "oa", True,
           ("sfbb", "ufbb", "gigabit", "unable_10", "no_decent")),
    Layout("pc2018", "201809_fixed_pc_coverage_r01_NR.csv", PC_2018, "cp1252", "postcode",
           False, ("sfbb", "ufbb", "full_fibre", "unable_10")),
    Layout("pc202407", "202407_fixed_pc_coverage_r01_NR.csv", PC_202507, "utf-8", "postcode",
           False, ("sfbb", "ufbb", "gigabit", "unable_10", "below_uso")),
    Layout("pc202507", "202507_fixed_pc_coverage_r01_NR.csv", PC_202507, "utf-8", "postcode",
           False, ("sfbb", "ufbb", "gigabit", "unable_10", "below_uso")),
    Layout("pc202601", "202601_fixed_pc_coverage_r2_NR.csv", PC_202601, "utf-8", "postcode",
           False, ("sfbb", "ufbb", "gigabit", "unable_10", "no_decent")),
)  # fmt: skip
BY_KEY = {lay.key: lay for lay in LAYOUTS}


def pct(n: int, premises: int) -> float:
    """How Ofcom's percentage cells are written here."""
    return round(100 * n / premises, 1)


def cell(header: str, figures: dict[str, int], ident: tuple[str, str]) -> str:
    """The cell under ``header`` for one area (filler for columns we do not read)."""
    code, name = ident
    if header in ("laua", "laua_code", "output_area", "postcode_space", "pcds"):
        return code
    if header == "postcode":
        return code.replace(" ", "")
    if header in ("postcode area", "pca"):
        return re.match(r"[A-Z]+", code).group()  # type: ignore[union-attr]
    if header == "laua_name":
        return name
    if header in ("All Premises", "All Matched Premises"):
        return str(figures["premises"])
    for pattern, kind in _PATTERNS:
        m = pattern.match(header)
        if m and m.group(1) in _TOKENS:
            n = figures[_TOKENS[m.group(1)]]
            return str(n) if kind == "n" else f"{pct(n, figures['premises']):.1f}"
    return "0" if header.startswith("Number") else "12.5"  # bands, medians: not read


def build(layout: Layout, *, ids: tuple[tuple[str, str], ...] | None = None,
          figures: tuple[dict[str, int], ...] = FIGURES) -> bytes:  # fmt: skip
    """The file's bytes, in the layout's encoding (CRLF line ends as Ofcom ships them)."""
    ids = ids or {"lad": LA_IDS, "oa": OA_IDS, "postcode": PC_IDS}[layout.level]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(layout.header)
    for ident, figs in zip(ids, figures, strict=True):
        writer.writerow([cell(h, figs, ident) for h in layout.header])
    return buf.getvalue().encode(layout.encoding)

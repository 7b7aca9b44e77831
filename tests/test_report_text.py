"""A ``$`` in a name never makes matplotlib parse mathtext: exports draw, names print as typed."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pypdfium2 as pdfium
import pytest
import shapely
from matplotlib.figure import Figure
from PIL import Image

from geo.analysis.coverage import totals, with_percentages
from geo.analysis.profile import Section, build_profile
from geo.reports.evidence import gap_map_png
from geo.reports.report import PointStyle, chart_png, map_png, profile_pdf, profile_png
from geo.reports.text import plain_text

X0, Y0 = 600_000.0, 300_000.0
MATHTEXT = [
    "$x$",
    "$\\frac{}{}$",
    "$\\frac{}{}",
    "$\\frac{1}{0}$ and $",
    "a $\\undefinedcommand$ b",
    "$$$",
    "\\$5 $",
]
REPORTS = Path(__file__).resolve().parent.parent / "geo" / "reports"


def _figures(name: str) -> gpd.GeoDataFrame:
    base = pd.DataFrame({
        "area_code": ["A", "B"], "area_name": [name, "Beta"], "premises": [1000.0, 200.0],
        "n_sfbb": [900.0, 100.0], "n_gigabit": [500.0, 100.0], "n_below_uso": [20.0, 10.0],
        "method": "postcode centroids",
    })  # fmt: skip
    geoms = [shapely.box(X0 + i * 1000, Y0, X0 + (i + 1) * 1000, Y0 + 1000) for i in range(2)]
    return gpd.GeoDataFrame(with_percentages(base), geometry=geoms, crs="EPSG:27700")


def _anchors(name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [name], "site_type": ["school"], "fibre_status": [name], "postcode": ["AA1 1AA"]},
        geometry=[shapely.Point(X0 + 500, Y0 + 500)], crs="EPSG:27700",
    )  # fmt: skip


@pytest.mark.parametrize("name", MATHTEXT)
def test_profile_pdf_and_png_draw_with_a_dollar_in_every_name(name: str) -> None:
    figs, anchors = _figures(name), _anchors(name)
    section = Section(title=name, table=pd.DataFrame({"Site": [name], "Fibre": [name]}), note=name)
    profile = build_profile(figs, "A", county=totals(figs), county_how="sum over areas",
                            release="2025-01", measure="gigabit", sections=[section])  # fmt: skip
    style = PointStyle(label=name, colour="#000000", colour_column="fibre_status",
                       labels={name: name})  # fmt: skip
    points = [(anchors, style)]
    pdf = profile_pdf(profile, map_image=map_png(figs, "A", points=points, title=name),
                      chart_image=chart_png(profile))  # fmt: skip
    text = pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert name in text.replace("\r\n", " ").replace("\n", " ")  # printed as typed
    png = profile_png(profile, areas=figs, points=points)
    assert Image.open(io.BytesIO(png)).format == "PNG"


@pytest.mark.parametrize("name", MATHTEXT)
def test_evidence_map_draws_with_a_dollar_in_the_title_and_column(name: str) -> None:
    figs = _figures(name).assign(score=[10.0, 90.0])
    png = gap_map_png(figs, title=name)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_text_made_inside_plain_text_is_never_mathtext() -> None:
    @plain_text
    def draw() -> Figure:
        fig = Figure()
        ax = fig.add_subplot()
        ax.set_title("$x$")
        ax.text(0, 0, "$y$")
        ax.plot([0, 1], [0, 1], label="$z$")
        ax.legend()
        fig.canvas.draw()  # tick labels are made while drawing
        return fig

    fig = draw()
    texts = [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math")) if t.get_text()]
    assert len(texts) == 3 and all(not t.get_parse_math() and not t.get_usetex() for t in texts)


def test_every_report_function_that_makes_a_figure_is_plain_text() -> None:
    for path in sorted(REPORTS.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            makes = any(isinstance(c, ast.Call) and getattr(c.func, "id", "") == "Figure"
                        for c in ast.walk(fn))  # fmt: skip
            decorated = any(getattr(d, "id", "") == "plain_text" for d in fn.decorator_list)
            assert decorated or not makes, (
                f"{path.name}:{fn.name} makes a Figure outside plain_text"
            )

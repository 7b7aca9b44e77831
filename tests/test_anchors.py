"""layers.anchors: GIAS, epraccur (with and without header), council sites; drawing."""

from __future__ import annotations

import folium
import pytest

from geo.errors import DataError
from layers import anchors
from layers.base import ReadContext
from tests.conftest import require_shared
from tests.uploads_support import DATA, context, squares, upload

GP_LOOKUP = "nspl_SYNTHETIC_norfolk_gp_postcodes.csv"


def test_gias_cp1252_keeps_open_schools_and_falls_back_to_postcode() -> None:
    recs = anchors.read(upload("gias_SYNTHETIC.csv"), filename="gias.csv", context=context())
    assert recs["name"].tolist() == ["Synthetic Primary School A", "Synthetic Café Academy B"]
    assert recs["identifier"].tolist() == ["900001", "900002"]
    assert recs.geometry.x.tolist() == [600400.0, 601500.0]  # 0,0 → postcode NR1 1AB
    assert recs.attrs["excluded"] == 1
    assert set(recs["site_type"]) == {"school"} and set(recs["fibre_status"]) == {"unknown"}


def _epraccur_row(code: str, postcode: str, status: str = "A", setting: str = "4") -> str:
    fields = [""] * 27
    fields[0], fields[1], fields[9] = code, f"SYNTHETIC PRACTICE {code}", postcode
    fields[12], fields[25] = status, setting
    return ",".join(f'"{f}"' for f in fields) + "\n"


def test_headerless_epraccur_filters_active_gp_practices() -> None:
    data = (
        _epraccur_row("D99001", "NR1 1AA")
        + _epraccur_row("D99002", "NR1 1AE")
        + _epraccur_row("D99003", "NR1 1AB", status="C")
        + _epraccur_row("D99004", "NR1 1AB", setting="8")
    ).encode()
    recs = anchors.read(data, filename="epraccur.csv", context=context())
    assert recs["identifier"].tolist() == ["D99001", "D99002"]
    assert recs["source_row"].tolist() == [1, 2]  # no header: first record is row 1
    assert recs.attrs["excluded"] == 2
    out = anchors.aggregate(recs, squares())
    assert out["n_gp"].tolist() == [1, 0, 1]


def test_headerless_epraccur_unknown_postcode_is_reported_at_its_row() -> None:
    data = (_epraccur_row("D99001", "NR1 1AA") + _epraccur_row("D99002", "NR7 7ZZ")).encode()
    with pytest.raises(DataError, match=r"row 2, column 'postcode': postcode not found"):
        anchors.read(data, filename="epraccur.csv", context=context())


def test_council_sites_aggregate_by_type_and_fibre() -> None:
    recs = anchors.read(upload("council_sites_SYNTHETIC.csv"), filename="s.csv", context=context())
    assert recs["site_type"].tolist() == ["library", "fire_station", "council_office", "other"]
    out = anchors.aggregate(recs, squares())
    assert out["n_sites"].tolist() == [1, 1, 2]
    assert out["n_fire_station"].tolist() == [0, 1, 0]
    assert out["n_fibre_full_fibre"].tolist() == [1, 0, 0]
    assert out["n_fibre_planned"].tolist() == [0, 0, 1]


def test_council_sites_problems() -> None:
    data = (
        b"site_type,name,identifier,fibre_status,postcode\n"
        b"castle,Keep,K1,none,NR1 1AA\n"
        b"library,,L1,fttp,NR1 1AA\n"
        b"library,Lib,L1,maybe,NR1 1AA\n"
    )
    with pytest.raises(DataError) as err:
        anchors.read(data, filename="s.csv", context=context())
    got = sorted((p.row, p.column) for p in err.value.problems)
    assert got == [(2, "site_type"), (3, "name"), (4, "fibre_status"), (4, "identifier")]


def test_drawing_escapes_names_and_uses_plain_leaflet_badges() -> None:
    recs = anchors.read(upload("council_sites_SYNTHETIC.csv"), filename="s.csv", context=context())
    group = anchors.draw(recs, public=True, show=False)
    m = folium.Map()
    group.add_to(m)
    html = m.get_root().render()
    assert group.layer_name == "Anchor sites" and group.show is False
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markers = list(group._children.values())
    assert len(markers) == 4
    icons = [
        next(c for c in mk._children.values() if isinstance(c, folium.DivIcon)) for mk in markers
    ]
    assert all(not isinstance(c, folium.Icon) for mk in markers for c in mk._children.values())
    # Library A (full fibre) → "L" on the full-fibre colour, with a text alternative.
    library = icons[0].options["html"]
    assert ">L</text>" in library and anchors.FIBRE_COLOURS["full_fibre"] in library
    assert 'aria-label="Library, full fibre: Synthetic Library A"' in library
    # Fire station B has no fibre; the <script> site is "other" with fibre planned, escaped.
    assert ">F</text>" in icons[1].options["html"]
    assert anchors.FIBRE_COLOURS["none"] in icons[1].options["html"]
    other = icons[3].options["html"]
    assert ">O</text>" in other and "<script>" not in other
    assert "Other site, fibre planned: &lt;script&gt;" in other
    # Only plain Leaflet: the group asks for no extra JavaScript or CSS (no icon font).
    assert all(
        not getattr(el, "default_js", None) and not getattr(el, "default_css", None)
        for mk in markers for el in [mk, *mk._children.values()]
    )  # fmt: skip


def test_badge_for_unknown_type_or_status_falls_back() -> None:
    html = anchors.badge_html("castle", "maybe", "Keep")
    assert ">O</text>" in html and anchors.FIBRE_COLOURS["unknown"] in html
    assert 'title="Other site, fibre status unknown: Keep"' in html


def test_dense_sites_are_clustered() -> None:
    rows = "".join(f"library,Lib {i},L{i},none,,{600_010 + i * 10},300500\n" for i in range(60))
    data = ("site_type,name,identifier,fibre_status,postcode,easting,northing\n" + rows).encode()
    recs = anchors.read(data, filename="s.csv", context=context())
    group = anchors.draw(recs, public=False)
    (child,) = group._children.values()
    assert type(child).__name__ == "MarkerCluster" and len(child._children) == 60


@pytest.mark.shared
def test_real_gp_list_loads_once_postcodes_are_located() -> None:
    path = require_shared("gp_practices_norfolk_epraccur_2019.csv")
    data = path.read_bytes()
    lk_path = DATA / "postcodes" / GP_LOOKUP
    from geo.sources.postcodes import read_postcode_file

    full = read_postcode_file(lk_path, filename=GP_LOOKUP)
    recs = anchors.read(data, filename=path.name, context=ReadContext(postcodes=full))
    assert len(recs) == 86 and set(recs["site_type"]) == {"gp"}
    assert recs["identifier"].is_unique
    # Drop one postcode and terminate another: each practice is then reported, not lost.
    gone, ended = recs["postcode"].iloc[0], recs["postcode"].iloc[1]
    partial = full.drop(index=gone)
    partial.loc[ended, "terminated"] = True
    with pytest.raises(DataError) as err:
        anchors.read(data, filename=path.name, context=ReadContext(postcodes=partial))
    affected = int(recs["postcode"].isin([gone, ended]).sum())
    assert len(err.value.problems) == affected
    assert {p.column for p in err.value.problems} == {"postcode"}
    reasons = {p.reason.split(" (")[0] for p in err.value.problems}
    assert reasons == {
        "postcode not found in the postcode directory",
        "postcode has been terminated",
    }


def test_popups_need_no_jquery() -> None:
    # jQuery is not served (layers.assets drops it); folium's own Popup calls $(...) and would
    # stop the map script, so every point layer uses the jQuery-free PlainPopup.
    from layers import pilots, vouchers
    from layers._points import PlainPopup

    for layer, name in ((anchors, "council_sites_SYNTHETIC.csv"),
                        (pilots, "pilots_SYNTHETIC.csv"),
                        (vouchers, "vouchers_SYNTHETIC.csv")):  # fmt: skip
        recs = layer.read(upload(name), filename=name, context=context())
        m = folium.Map()
        layer.draw(recs, public=False).add_to(m)
        html = m.get_root().render()
        assert "bindPopup" in html and "$(`" not in html
        popups = [
            c for mk in layer.draw(recs, public=False)._children.values()
            for c in mk._children.values() if isinstance(c, folium.Popup)
        ]  # fmt: skip
        assert popups and all(isinstance(p, PlainPopup) for p in popups)

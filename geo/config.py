"""One place for each fact: CRS, speed thresholds, measures, colours, sources and licences.

Everything else in the project imports these names; nothing restates them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# --- Coordinate reference systems -----------------------------------------------------------------
WORKING_CRS = "EPSG:27700"
"""British National Grid: every area, buffer and distance is computed here, in metres."""
DISPLAY_CRS = "EPSG:4326"
"""WGS84 lon/lat: only for drawing on the web map (see :func:`geo.geometry.crs.to_display`)."""

# --- Speed thresholds (Mbit/s) ------------------------------------------------------------------
BASIC_MBPS = 2
"""Basic broadband in the Better Broadband for Norfolk papers."""
USO_MBPS = 10
"""Universal Service Obligation download speed."""
SUPERFAST_MBPS = 30
"""Ofcom's superfast threshold (BBfN's original programme used 24 Mbit/s)."""
SUPERFAST_MBPS_BBFN = 24
ULTRAFAST_MBPS = 300
GIGABIT_MBPS = 1000

# --- Targets --------------------------------------------------------------------------------------
SUPERFAST_TARGET_PCT = 95.0
"""Better Broadband for Norfolk: 95% of homes with superfast coverage."""
SUPERFAST_BASELINE_PCT = 43.0
"""The commercial baseline that target was set against."""
GIGABIT_TARGET_PCT = 85.0
"""Project Gigabit's national ambition for 2025 (configurable in the app)."""


@dataclass(frozen=True)
class Measure:
    """A premises-weighted coverage measure: a count of premises out of all premises."""

    key: str
    label: str
    short: str
    good_when_high: bool


MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure("sfbb", f"Superfast (≥ {SUPERFAST_MBPS} Mbit/s)", "Superfast", True),
        Measure("ufbb", f"Ultrafast (≥ {ULTRAFAST_MBPS} Mbit/s)", "Ultrafast", True),
        Measure("gigabit", "Gigabit-capable", "Gigabit", True),
        Measure("full_fibre", "Full fibre (FTTP)", "Full fibre", True),
        Measure("unable_10", f"Unable to get {USO_MBPS} Mbit/s", "Under 10 Mbit/s", False),
        Measure("below_uso", "Below the Universal Service Obligation", "Below USO", False),
        Measure(
            "no_decent",
            "Unable to get decent broadband from fixed or FWA",
            "No decent broadband",
            False,
        ),
    )
}
"""Coverage measures in display order. Each gives columns ``n_<key>`` and ``pct_<key>``."""

DEFAULT_MEASURE = "gigabit"
NOT_PUBLISHED = "not published in this release"
"""Shown for a measure that a release's file does not carry (never a blank or a zero)."""
SFBB_BAND_CAVEAT = (
    "In Ofcom's 2017, 2018 and 2019 files 'superfast' (SFBB) was published as an exclusive "
    "30–300 Mbit/s band that leaves out ultrafast premises, so superfast coverage looks lower in "
    "those years than before or after; compare superfast across those years with care."
)
SFBB_BAND_YEARS = ("2017", "2018", "2019")
"""Releases whose "SFBB availability" is the exclusive 30–300 Mbit/s band (SOURCES.md)."""

# --- Column labels --------------------------------------------------------------------------------
COLUMN_LABELS: dict[str, str] = {
    "area_code": "Code",
    "area_name": "Area",
    "lad_code": "District code",
    "lad_name": "District",
    "premises": "Premises",
    **{f"pct_{k}": f"{m.label} (% of premises)" for k, m in MEASURES.items()},
    **{f"n_{k}": f"Premises: {m.label}" for k, m in MEASURES.items()},
    "method": "How the figure was made",
    "release": "Ofcom release",
    "rank": "Rank (1 = most need)",
    "score": "Gap score (0–100)",
    "no_gigabit": "Premises without gigabit",
    "below_uso": "Premises below the USO",
    "voucher_demand": "Voucher demand (live vouchers)",
    "deprivation": "Deprivation (IMD 2019, 0–100)",
    "reach_km2": "Area within reach (km²)",
    "lacking_gigabit": "Premises lacking gigabit within reach",
    "radius_m": "Radius (metres)",
    "name": "Name",
    "site_type": "Site type",
    "fibre_status": "Fibre status",
    "n_sites": "Sites",
    "n_vouchers": "Live vouchers",
    "people_helped": "People helped",
}
"""Human labels for the columns people see in tables, CSVs meant for reading, PDFs and PNGs.

``area_name`` is "Area" here; a page that knows its level says "Division" (``Level.singular``).
Gap components (``no_gigabit`` … ``deprivation``) are labelled here and listed by
:data:`geo.analysis.gap.COMPONENTS`."""

SHORT_LABELS: dict[str, str] = {
    "rank": "Rank",
    "score": "Gap score",
    "no_gigabit": "No gigabit",
    "below_uso": "Below USO",
    "no_decent": "No decent",
    "voucher_demand": "Live vouchers",
    "deprivation": "Deprivation",
}
"""Table headings where the full label (then the heading's help) would not fit beside the
others: the planner's ranking shows every component at 1280 px."""

# --- Area levels ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    """An electoral or administrative geography that figures can be aggregated to."""

    key: str
    label: str
    singular: str
    code_fields: tuple[str, ...]
    name_fields: tuple[str, ...]
    code_prefixes: tuple[str, ...]
    """GSS entity codes (country letter + two digits) an area code of this level starts with."""


LEVELS: dict[str, Level] = {
    lv.key: lv
    for lv in (
        Level(
            "ced",
            "County electoral divisions",
            "division",
            ("CED25CD", "CED24CD", "CED23CD", "CED21CD", "CED17CD", "ced25cd"),
            ("CED25NM", "CED24NM", "CED23NM", "CED21NM", "CED17NM", "name"),
            ("E58",),
        ),
        Level(
            "ward",
            "District wards",
            "ward",
            ("WD25CD", "WD24CD", "WD23CD", "WD22CD", "WD21CD", "WD13CD"),
            ("WD25NM", "WD24NM", "WD23NM", "WD22NM", "WD21NM", "WD13NM"),
            ("E05", "W05", "S13", "N08"),
        ),
        Level(
            "lad",
            "Districts",
            "district",
            ("LAD25CD", "LAD24CD", "LAD23CD", "LAD21CD", "LAD13CD", "LAD11CD"),
            ("LAD25NM", "LAD24NM", "LAD23NM", "LAD21NM", "LAD13NM", "LAD11NM"),
            ("E06", "E07", "E08", "E09", "W06", "S12", "N09"),
        ),
    )
}
DEFAULT_LEVEL = "ced"

GSS_COUNTRY_LETTERS = "EWSNK"
"""An ONS Government Statistical Service (GSS) code is one of these letters (England, Wales,
Scotland, Northern Ireland, UK-wide), a 2-digit entity and a 6-digit number: ``E58000001``."""
SYNTHETIC_CODE_LETTER = "X"
"""Country letter of made-up GSS-shaped codes (the demo's ``X58000001``): only synthetic
imports may use it, so a real file can never pass one off."""
GSS_ENTITIES: dict[str, str] = {
    "E00": "output area", "E01": "LSOA", "E02": "MSOA", "E05": "ward",
    "E06": "unitary authority", "E07": "non-metropolitan district",
    "E08": "metropolitan district", "E09": "London borough", "E10": "county",
    "E12": "region", "E14": "parliamentary constituency", "E58": "county electoral division",
    "E92": "country", "W05": "ward", "W06": "unitary authority", "S12": "council area",
    "S13": "ward", "N08": "ward", "N09": "local government district",
}  # fmt: skip
"""What the entity part of a GSS code names (for messages about codes of the wrong level)."""

# --- Colours --------------------------------------------------------------------------------------
SEQUENTIAL_PALETTE: tuple[str, ...] = ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154")
"""Viridis, 5 classes: colour-blind safe and ordered in lightness."""
ACCESSIBLE_PALETTE: tuple[str, ...] = ("#f7f7f7", "#4393c3", "#053061")
"""Three classes with ≥ 3:1 contrast between neighbours (WCAG 1.4.11), for the public map."""
NO_DATA_COLOUR = "#bdbdbd"
HATCH_COLOUR = "#ffffff"
HATCH_EDGE_COLOUR = "#555555"
"""White stripes edged in dark grey, drawn over an area's fill when it shows its district's
figure, not its own: visible on every class colour, white included."""
BOUNDARY_COLOUR = "#333333"
HIGHLIGHT_COLOUR = "#e66101"

FIBRE_COLOURS: dict[str, str] = {
    "full_fibre": "#440154",
    "gigabit": "#3b528b",
    "planned": "#1f7a76",
    "none": "#b2182b",
    "unknown": "#5f5f5f",
}
"""Anchor-site colour per fibre status, on the web map and in the PDF/PNG alike; each takes
white text at ≥ 4.5:1 contrast."""
FIBRE_LABELS: dict[str, str] = {
    "full_fibre": "full fibre",
    "gigabit": "gigabit-capable",
    "planned": "fibre planned",
    "none": "no fibre",
    "unknown": "fibre status unknown",
}
SUPPORT_KIND_COLOURS: dict[str, str] = {
    "training": "#D55E00",
    "device_lending": "#CC79A7",
    "free_wifi": "#0072B2",
    "library_help": "#E69F00",
}
"""Okabe–Ito colours (colour-blind safe) per support kind, apart from the viridis classes."""
VOUCHER_STATUS_COLOURS: dict[str, str] = {
    "applied": "#E69F00",
    "approved": "#56B4E9",
    "connected": "#009E73",
    "cancelled": "#999999",
    "in_plan": "#CC79A7",
}
"""Okabe–Ito colours per voucher status."""
OTHER_POINT_COLOUR = "#555555"
BDUK_PREMISES_COLOUR = "#000000"
"""Okabe–Ito black: one marker per area for BDUK premises counts (white outline)."""

# --- Sources and licences -------------------------------------------------------------------------
ONS_ARCGIS_ROOT = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
BOUNDARY_LAYERS: dict[str, str] = {
    "ced": "CED_MAY_2025_EN_BGC/FeatureServer/0",
    "ward": "WD_MAY_2025_UK_BGC/FeatureServer/0",
    "lad": "LAD_MAY_2025_UK_BGC/FeatureServer/0",
    "lookup": "WD25_LAD25_CTY25_CED25_EN_LU/FeatureServer/0",
}
"""FeatureServer layers under a services root, per level, and the ward → CED lookup."""
BOUNDARY_SERVICES: dict[str, str] = {
    k: f"{ONS_ARCGIS_ROOT}/{v}" for k, v in BOUNDARY_LAYERS.items() if k != "lookup"
}
"""ONS Open Geography Portal FeatureServer layers, one per level (May 2025, generalised clipped)."""
WARD_CED_LOOKUP_SERVICE = f"{ONS_ARCGIS_ROOT}/{BOUNDARY_LAYERS['lookup']}"
"""Ward → LAD → county → CED lookup: how a county's divisions and wards are found."""
OA_CENTROID_LAYERS: dict[str, str] = {
    "2011": "Output_Areas_Dec_2011_PWC_2022/FeatureServer/0",
    "2021": "OA_December_2021_EW_PWC_V4/FeatureServer/0",
}
"""ONS population-weighted centroids (PWC) of output areas, per census vintage (points).

2011: the portal's service directory lists ``Output_Areas_Dec_2011_PWC_2022`` with layer 0
``OA_2011_EW_PWC`` (field ``OA11CD``, 181,408 points, EPSG:27700). 2021:
``OA_December_2021_EW_PWC_V4`` layer 0 (field ``OA21CD``) under the same services root, the
URL that public projects using Census 2021 OA centroids query (seen in several, December 2026;
not fetched from here: no internet). If the portal versions it again (``_V5``), point
``geo fetch --service-root`` at a mirror or import the downloaded PWC file (GeoJSON or CSV)."""
OA_CODE_FIELDS: dict[str, str] = {"2011": "OA11CD", "2021": "OA21CD"}
"""The OA code field of each vintage's layers and files."""
OA_CENTROID_CSV_COLUMNS: dict[str, tuple[str, ...]] = {
    **{code: () for code in OA_CODE_FIELDS.values()},
    "x": ("x",),
    "y": ("y",),
}
"""Columns of the portal's CSV download of a PWC layer (canonical → accepted headers, compared
ignoring case): the vintage's code field and the point, which ArcGIS Hub writes as ``X,Y``
before the layer's fields (``X,Y,FID,OA11CD,GlobalID``) or the layer carries as ``x``/``y``
fields (``FID,OA21CD,GlobalID,x,y``). The numbers are British National Grid metres or lon/lat
degrees, told apart by their ranges (:data:`GB_GRID_MAX`, :data:`UK_LONGITUDE`,
:data:`UK_LATITUDE`)."""
MAX_CENTROID_FILE_BYTES = 128 * 1024 * 1024
"""An OA centroid CSV larger than this is refused (all 188,880 OAs of England and Wales take
about 15 MB)."""
OA11_LAST_CODES: dict[str, int] = {"E": 176_774, "W": 10_265}
"""The highest 2011 OA code number per country (E00176774, W00010265): a higher number is a
code first issued for the 2021 census."""
POSTCODE_CENTROIDS_LAYER = "ONSPD_LATEST_UK/FeatureServer/0"
"""The ONS Postcode Directory (latest) as a FeatureServer of postcode centroids. Its field
names carry the boundary year and are renamed yearly (``LAD25CD`` → ``LAD26CD``), so the
client reads them from the layer's own schema."""
UNMATCHED_OA_MAX_SHARE = 0.005
"""An OA-level import or figure fails when OAs it cannot place hold more than this share (0.5%)
of the county's premises."""
SNAP_TOLERANCE_M = 250.0
"""A centroid in no area but this close to one (the thin gaps along rivers that generalised
boundaries leave) counts in the nearest area; farther out, it is outside the areas."""
OFCOM_CONNECTED_NATIONS_URL = (
    "https://www.ofcom.org.uk/phones-and-broadband/coverage-and-speeds/connected-nations-20242/"
    "data-downloads-2024"
)
ONSPD_URL = "https://geoportal.statistics.gov.uk/search?q=PRD_ONSPD"
GIAS_URL = "https://get-information-schools.service.gov.uk/Downloads"
EPRACCUR_URL = "https://digital.nhs.uk/services/organisation-data-service/export-data-files/csv-downloads/gp-and-gp-practice-related-data"

BDUK_PREMISES_URL = (
    "https://www.gov.uk/government/publications/premises-in-bduk-plans-england-and-wales"
)
"""BDUK's "premises in BDUK plans" release: district CSVs zipped by region, every four months."""
OS_OPEN_UPRN_URL = "https://osdatahub.os.uk/downloads/open/OpenUPRN"

OGL_LINE = "Contains public sector information licensed under the Open Government Licence v3.0."
OS_LINE = "Contains OS data © Crown copyright and database right."
ONS_LINE = "Source: Office for National Statistics licensed under the Open Government Licence v3.0."
OFCOM_LINE = "Broadband coverage: Ofcom Connected Nations, OGL v3.0."
OSM_LINE = "Basemap © OpenStreetMap contributors (ODbL)."
POSTCODE_LINE = (
    "Postcode centroids: ONS Postcode Directory, OGL v3.0; contains OS data © Crown copyright and "
    "database right, Royal Mail data © Royal Mail copyright and database right, GeoPlace data."
)
BDUK_LINE = "Premises in BDUK plans: Building Digital UK, OGL v3.0."
OS_OPEN_UPRN_LINE = "UPRN locations: OS Open UPRN, contains OS data © Crown copyright, OGL v3.0."
ATTRIBUTION_LINES: tuple[str, ...] = (OGL_LINE, OS_LINE, ONS_LINE, OFCOM_LINE, OSM_LINE)
MAP_ATTRIBUTION_LINES: tuple[str, ...] = (
    "Contains OS data © Crown copyright and database right",
    "ONS, Ofcom Connected Nations: OGL v3.0",
    "© OpenStreetMap contributors",
)
"""The short form that fits on the map; the full lines are on the Sources page and in exports."""


@dataclass(frozen=True)
class ImdEdition:
    """One edition of the English Indices of Deprivation (layouts: ``docs/formats-iod.md``)."""

    key: str
    """Stored in the catalogue's meta (``imd`` → ``vintage``)."""
    name: str
    """How pages, PDFs and packs name it."""
    title: str
    lsoa_vintage: str
    """The census year of the LSOAs it ranks (its code column is ``LSOA code (<year>)``)."""
    lsoas: int
    """LSOAs ranked (rank 1 = most deprived in England)."""
    url: str

    @property
    def year(self) -> str:
        """The edition's year (``"2019"``, ``"2025"``)."""
        return self.key[-4:]

    @property
    def line(self) -> str:
        """The attribution line."""
        return f"{self.title}: Ministry of Housing, Communities & Local Government, OGL v3.0."


IMD_EDITIONS: dict[str, ImdEdition] = {
    e.key: e
    for e in (
        ImdEdition("IoD2019", "IMD 2019", "English Indices of Deprivation 2019", "2011", 32_844,
                   "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2019"),
        ImdEdition("IoD2025", "IoD 2025", "English Indices of Deprivation 2025", "2021", 33_755,
                   "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025"),
    )
}  # fmt: skip
"""Editions the IMD import recognises, by the census year of their LSOA code column."""
IMD_DEFAULT_EDITION = "IoD2019"
"""The edition of a catalogue that recorded none (only IoD2019 was read before IoD 2025)."""
IMD_2019_LSOAS = IMD_EDITIONS["IoD2019"].lsoas


def imd_edition(key: object = None) -> ImdEdition:
    """The edition stored under ``key`` (:data:`IMD_DEFAULT_EDITION` when none is recorded)."""
    return IMD_EDITIONS.get(str(key or IMD_DEFAULT_EDITION), IMD_EDITIONS[IMD_DEFAULT_EDITION])


ENGLAND_CODE = "E92000001"
"""GSS code of England: LA-level Ofcom files carry a national row with it."""

SYNTHETIC_LABEL = "Synthetic demo data"
"""Shown wherever a person sees generated data."""

# --- Digital exclusion risk (DERI-style; see docs/formats-mobile-census.md) ---------------------
CENSUS_LINE = "Census 2021 age (TS007/TS007A): Office for National Statistics, OGL v3.0."
NOMIS_CENSUS_BULK_URL = "https://www.nomisweb.co.uk/sources/census_2021_bulk"
"""Where the TS007 / TS007A bulk zips (one CSV per geography) are downloaded."""
OFCOM_MOBILE_API_URL = "https://api-proxy.ofcom.org.uk/mobile/coverage"
"""Ofcom's mobile coverage API: ``GET <url>/<postcode>`` → per-UPRN ratings per operator."""
OFCOM_API_KEY_ENV = "OFCOM_API_KEY"
"""The environment variable holding the Ofcom API subscription key for ``fetch --mobile`` (read
there only, sent as a header only; never a command-line option, which shells and ``ps`` show)."""
MOBILE_LINE = "Mobile coverage: Ofcom Connected Nations, OGL v3.0."
DERI_LINE = (
    "Method after the Digital Exclusion Risk Index, Greater Manchester Combined Authority "
    "(GreaterManchesterODA/Digital-Exclusion-Risk-Index), OGL v3.0."
)
MAX_CENSUS_FILE_BYTES = 512 * 1024 * 1024
"""A census table (TS007 for every OA in England and Wales is about 100 MB) larger than this is
refused."""

RISK_COMPONENTS: dict[str, str] = {
    "age": "Age",
    "broadband": "Broadband",
    "deprivation": "Deprivation",
    "activity": "Activity",
}
"""DERI's components, in display order."""
RISK_COMPONENT_WEIGHTS: dict[str, float] = {
    "age": 3.0,
    "broadband": 3.0,
    "deprivation": 3.0,
    "activity": 1.5,
}
"""DERI v1.2 defaults (0–10 scale, each divided by the sum of the weights in use). Activity was
dropped from DERI (its data is not open); it keeps Salford's half weight (17% beside 33%) and
counts only when a hard-to-count file is loaded."""


@dataclass(frozen=True)
class Indicator:
    """One small-area indicator of the risk index: what it is, where it comes from, its weight."""

    key: str
    label: str
    component: str
    weight: float
    higher_is_risk: bool
    source: str
    year: str
    licence: str
    deri: str
    """The DERI indicator it is (or stands in for), and how it differs."""


RISK_INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator("age_65", "Residents aged 65 and over (%)", "age", 5.0, True,
                  "ONS Census 2021 TS007 / TS007A", "2021", "OGL v3.0",
                  "Proportion of population aged 65+ (DERI uses mid-year estimates)"),
        Indicator("age_75", "Residents aged 75 and over (%)", "age", 5.0, True,
                  "ONS Census 2021 TS007 / TS007A", "2021", "OGL v3.0",
                  "Proportion of population aged 75+"),
        Indicator("below_uso", "Premises unable to get decent broadband (%)", "broadband", 3.0,
                  True, "Ofcom Connected Nations fixed coverage", "loaded release", "OGL v3.0",
                  "Stands in for 'homes unable to receive 30 Mbit/s': the USO's decent broadband"),
        Indicator("unable_10", f"Premises unable to get {USO_MBPS} Mbit/s (%)", "broadband", 3.0,
                  True, "Ofcom Connected Nations fixed coverage", "loaded release", "OGL v3.0",
                  "Stands in for 'connections under 10 Mbit/s' (coverage, not connections)"),
        Indicator("imd", "Deprivation (IMD 2019 national rank, reversed)", "deprivation", 2.0,
                  True, "MHCLG English Indices of Deprivation 2019, File 1", "2019", "OGL v3.0",
                  "IMD score; File 1 has ranks, so 32,845 − rank stands in for it"),
        Indicator("pension_credit", "Guaranteed Pension Credit per 1,000 aged 65+",
                  "deprivation", 2.0, True, "DWP Stat-Xplore (council file)", "as loaded",
                  "OGL v3.0", "Guaranteed Pension Credit claimants per 1,000 aged 65+"),
        Indicator("no_qualifications", "Residents 16+ with no qualifications (%)",
                  "deprivation", 4.0, True, "ONS Census 2021 TS067 (council file)", "as loaded",
                  "OGL v3.0", "Proportion of 16+ population with no qualifications"),
        Indicator("unemployment", "Unemployment rate (%)", "deprivation", 2.0, True,
                  "DWP alternative claimant count (council file)", "as loaded", "OGL v3.0",
                  "Alternative unemployment rate"),
        Indicator("hard_to_count", "Digital hard-to-count score", "activity", 1.0, True,
                  "ONS (council file)", "as loaded", "as supplied",
                  "Digital Hard to Count score (not openly published)"),
    )
}  # fmt: skip
"""Indicators in display order, with DERI v1.2's weights within each component."""
RISK_NOT_AVAILABLE: dict[str, str] = {
    "Average download speed": "in Ofcom's performance files, not the coverage files loaded here",
}
"""DERI indicators the index cannot use yet, and why (shown on the page)."""
RISK_MAX_SCORE = 10.0
"""Indicator, component and overall scores run from 0 (least risk) to this."""
HIGH_RISK_SHARE = 0.2
"""By default the fifth of divisions with the highest scores count as "high risk"."""
SUPPORT_RADIUS_KM = 5.0
"""Default radius for "high risk, no support within N km"."""
SWITCHOFF_MAX_INDOOR_4G_OPERATORS = 1
"""Weak indoor 4G: indoor 4G from at most this many of the four networks."""
SWITCHOFF_WEAK_4G_PCT = 10.0
"""Flag when at least this % of premises have weak indoor 4G …"""
SWITCHOFF_NO_DECENT_PCT = 2.0
"""… and at least this % cannot get decent broadband (the USO) …"""
SWITCHOFF_PCT_75 = 10.0
"""… and at least this % of residents are aged 75 or over."""

# --- Privacy --------------------------------------------------------------------------------------
SMALL_COUNT_THRESHOLD = 5
"""Counts below this are shown as "fewer than 5" in public views."""

# --- Uploads --------------------------------------------------------------------------------------
MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""An uploaded CSV larger than this is refused with a clear message (25 MB)."""
MAX_UPLOAD_NUMBER = 1e12
"""No number in an upload may exceed this (a typing slip or 400 nines, which a float would
hold as infinity); layers set tighter maxima for their own columns."""
MAX_VOUCHER_VALUE_GBP = 100_000.0
"""A voucher's value above this is refused: gigabit vouchers are a few thousand pounds per
premises, and even a pooled community project stays well below it."""
MAX_PEOPLE_HELPED = 1_000_000
"""People helped by one digital-inclusion site above this are refused as implausible."""
EARLIEST_UPLOAD_DATE = date(1990, 1, 1)
"""Dates in uploads before this are refused as implausible (year 0001 or 1066 is a slip)."""
UPLOAD_DATE_YEARS_AHEAD = 10
"""Dates more than this many years after today are refused as implausible (year 2999)."""
UPLOAD_CHECK_CACHE_SIZE = 8
"""Upload checks remembered per process (keyed by the file's SHA-256, layer and context), so
a page rerun never reads and validates the same file again."""
MAX_POSTCODE_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""A postcode directory (ONSPD/NSPL, about 1 GB for the whole UK) larger than this is refused."""
MAX_IMD_FILE_BYTES = 64 * 1024 * 1024
"""An IMD CSV larger than this is refused (England's File 1 is about 3 MB)."""
MAX_BOUNDARY_FILE_BYTES = 512 * 1024 * 1024
"""A boundary file (GeoJSON, GeoPackage, zipped shapefile) larger than this is refused (512 MB)."""
MAX_VERTICES_PER_AREA = 250_000
"""An area with more vertices than this is refused before any geometry work (GEOS validity
checks grow faster than linearly there); Norfolk's largest full-resolution division has a few
thousand."""
MAX_VERTICES_PER_FILE = 20_000_000
"""A boundary file with more vertices than this in all is refused (a county's boundaries at
full resolution hold well under a million)."""
UK_LATITUDE = (49.8, 60.9)
"""Latitudes (°N) of the United Kingdom, with a margin."""
UK_LONGITUDE = (-8.7, 1.8)
"""Longitudes (°E) of the United Kingdom, with a margin."""
GB_EXTENT_27700 = (-200_000.0, -100_000.0, 900_000.0, 1_300_000.0)
"""(min x, min y, max x, max y) in EPSG:27700 that holds all of the UK with a margin; boundaries
outside it are in the wrong CRS (e.g. lon/lat numbers labelled as British National Grid)."""
GB_GRID_MAX = (700_000.0, 1_300_000.0)
"""Largest easting and northing (metres, EPSG:27700) of a grid reference in Great Britain; a
point's grid reference lies between 0 and these (postcode centroids, OS Open UPRN)."""
MARKER_CLUSTER_MIN = 50
"""Point layers with at least this many markers are drawn in a MarkerCluster."""

# --- Residents' reports ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceBand:
    """What a resident says they can actually get: a download speed band.

    ``below_mbps`` is the speed the band stays under (``None`` for the top band): a report in
    this band says the resident cannot get ``below_mbps``, which Ofcom's ``ofcom_measure``
    (``None``: no measure can contradict it) says some share of premises can.
    """

    key: str
    label: str
    below_mbps: int | None
    ofcom_measure: str | None


REPORT_BANDS: dict[str, ServiceBand] = {
    b.key: b
    for b in (
        ServiceBand("none", "No service at all", USO_MBPS, "unable_10"),
        ServiceBand("below_10", f"Below {USO_MBPS} Mbit/s", USO_MBPS, "unable_10"),
        ServiceBand("10_30", f"{USO_MBPS}–{SUPERFAST_MBPS} Mbit/s", SUPERFAST_MBPS, "sfbb"),
        ServiceBand("30_300", f"{SUPERFAST_MBPS}–{ULTRAFAST_MBPS} Mbit/s", ULTRAFAST_MBPS, "ufbb"),
        ServiceBand("300_plus", f"{ULTRAFAST_MBPS} Mbit/s or more", None, None),
    )
}
"""The service bands of the report form, slowest first. ``unable_10`` is a share that can *not*
get 10 Mbit/s, so the share that can is 100 minus it."""
REPORT_TECHNOLOGIES: dict[str, str] = {
    "unknown": "I don't know",
    "copper": "Telephone line (ADSL / copper)",
    "fttc": "Fibre to the cabinet (FTTC, 'superfast')",
    "full_fibre": "Full fibre to the home (FTTP)",
    "cable": "Cable (e.g. Virgin Media)",
    "fixed_wireless": "Fixed wireless",
    "mobile": "Mobile (4G / 5G home broadband)",
    "satellite": "Satellite",
    "none": "No connection",
}
"""Technologies a resident may name (key → label on the form)."""
REPORT_STATUSES = ("pending", "accepted", "rejected", "merged")
"""A report's moderation states: only ``accepted`` ones are ever counted or exported."""
REPORT_CONTRADICTION_PCT = 90.0
"""A report contradicts Ofcom when Ofcom says at least this % of premises at its postcode (or,
without a postcode figure, in its division) can get the speed the resident says they cannot."""
REPORT_MAX_COMMENT_CHARS = 1_000
REPORT_MAX_PROVIDER_CHARS = 80
REPORT_MAX_NAME_CHARS = 100
REPORT_MAX_EMAIL_CHARS = 254
REPORT_MAX_BYTES = 8 * 1024
"""A submission whose fields add up to more than this (UTF-8) is refused whole."""
REPORT_RATE_LIMIT = 3
REPORT_RATE_WINDOW_SECONDS = 3600.0
"""At most this many reports per browser session and per client address within the window."""
REPORT_RETENTION_DAYS = 730
"""Reports (and any contact details) are deleted this many days after they were made: long
enough for two rounds of Open Market and Public Review."""
REPORT_VERSIONS_KEPT = 10
"""Earlier versions of the reports table kept in the store; older ones are dropped (they hold
personal data; the audit keeps who did what)."""

# --- Places on disk -------------------------------------------------------------------------------
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"
"""Processed data (GeoPackage) and the download cache; ``BROADBAND_DATA_DIR`` overrides it."""
SHARED_DATA_DIR = PROJECT_ROOT.parent / "shared" / "data"

NORFOLK_CODE = "E10000020"

INVISIBLE = re.compile(r"[\s\u00ad\u034f\u180e\u200b-\u200f\u2060-\u2064\ufeff]+")
"""Whitespace and characters that take no space: a name made only of these is blank (division
names at import, the name columns of uploads)."""

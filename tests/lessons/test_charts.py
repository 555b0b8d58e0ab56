"""course.lessons.charts and scripts/build_map_data.py: the lesson figures and the map data they draw."""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import math
import re
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")  # headless, before anything imports pyplot

import pytest
from matplotlib.collections import PatchCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from course import paths
from course.lessons import argumentmap, charts, widgets
from course.evidence import data

OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}
GEO = paths.REPO_ROOT / "data" / "geo"


def _load_build_script():
    spec = importlib.util.spec_from_file_location("build_map_data", paths.REPO_ROOT / "scripts" / "build_map_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _events_expected(actor_ids=(), mentioned=None, start=None, end=None) -> set[str]:
    """The event ids a filter should keep, computed straight from events.csv."""
    import pandas as pd

    kept = set()
    for _, event in data.events().iterrows():
        actors = {a.strip() for a in event["actor_ids"].split(";") if a.strip()}
        if actor_ids and not actors & set(actor_ids):
            continue
        value = event["mentioned_in_document"]
        if mentioned is not None and bool(value) != mentioned:
            continue
        day = pd.Timestamp(event["date"])
        if start and day < pd.Timestamp(start) or end and day > pd.Timestamp(end):
            continue
        kept.add(event["event_id"])
    return kept


def _gids(fig, prefix: str) -> list[str]:
    return [a.get_gid() for a in fig.findobj() if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)]


# --- Palette and display ----------------------------------------------------------

def test_palette_holds_exactly_the_okabe_ito_colours():
    """Is every named colour an Okabe-Ito colour, and are all eight there?"""
    assert {c.upper() for c in charts.PALETTE.values()} == OKABE_ITO


def test_every_verdict_has_its_own_palette_colour_and_hatch():
    """Does each verdict of the data package's vocabulary get a distinct Okabe-Ito colour and a distinct hatch?"""
    verdicts = next(f for f in data.resource("claims")["schema"]["fields"] if f["name"] == "verdict")["constraints"]["enum"]
    assert set(charts.VERDICT_COLOURS) == set(verdicts)
    colours = [style["colour"].upper() for style in charts.VERDICT_COLOURS.values()]
    hatches = [style["hatch"] for style in charts.VERDICT_COLOURS.values()]
    assert set(colours) <= OKABE_ITO and len(set(colours)) == len(colours)
    assert len(set(hatches)) == len(hatches)


def test_show_embeds_a_png_with_the_alt_text_and_closes_the_figure():
    """Does show() give a <figure> with a base64 PNG, the figure's alt text and a caption, and close a pyplot figure?"""
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.add_subplot().plot([1, 2], [3, 4])
    fig.alt_text = 'A line rising from 3 to 4 ("test")'
    number = fig.number
    markup = charts.show(fig).data
    assert markup.startswith("<figure") and "<figcaption>" in markup
    assert "<img" in markup and f'alt="{html.escape(fig.alt_text, quote=True)}"' in markup
    png = base64.b64decode(re.search(r'src="data:image/png;base64,([^"]+)"', markup).group(1))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(number)


def test_show_prefers_an_explicit_alt_text_and_refuses_none():
    """Does an explicit alt_text win over fig.alt_text, and does a figure with no alt text raise?"""
    fig = charts.new_figure(2, 2)
    fig.alt_text = "from the figure"
    assert 'alt="given here"' in charts.show(fig, alt_text="given here").data
    with pytest.raises(ValueError, match="alt text"):
        charts.show(charts.new_figure(2, 2))



@pytest.mark.parametrize(("x", "title", "cut_out"), [
    (0.6, "a title past the edge", True),                      # within the room the drawing leaves to the right
    (-0.1, "a title that starts before the left edge", False),  # savefig's two-pass way
], ids=["past-the-right-edge", "past-the-left-edge"])
def test_figure_png_is_the_padded_tight_box_on_white_with_every_text(x, title, cut_out):
    """Is the PNG the size savefig(bbox_inches=tight box + 0.1 in) gives, white at its corners, with the text that runs
    past the figure's edge still inked; and is savefig used only when the text leaves the room the single drawing has?"""
    import io

    import numpy as np
    from PIL import Image

    fig = charts.new_figure(3, 2)
    fig.add_axes((0.2, 0.2, 0.7, 0.6)).plot([1, 2], [3, 4])  # tick labels inside the figure
    fig.text(x, 0.95, title, fontsize=11)
    expected = io.BytesIO()
    fig.savefig(expected, format="png", dpi=100, bbox_inches=fig.get_tightbbox().padded(0.1), facecolor="white")
    saves = []
    fig.savefig = lambda *args, _save=fig.savefig, **kwargs: saves.append(1) or _save(*args, **kwargs)
    pixels = np.asarray(Image.open(io.BytesIO(charts.figure_png(fig))).convert("RGBA"))
    assert bool(saves) != cut_out
    width, height = Image.open(expected).size
    assert abs(pixels.shape[1] - width) <= 1 and abs(pixels.shape[0] - height) <= 1
    assert (pixels[[0, 0, -1, -1], [0, -1, 0, -1]] == 255).all()
    inked = np.flatnonzero((pixels[..., :3] < 128).any(axis=2).any(axis=0))
    assert inked.min() <= 12 and inked.max() >= pixels.shape[1] - 12  # 0.1 in (10 px) of padding, then ink on both sides
    assert fig.get_facecolor() == (1.0, 1.0, 1.0, 1.0) and fig.dpi == 100


# --- Verdicts -----------------------------------------------------------------

@pytest.mark.parametrize("group_by", ["section", "claim_type"])
def test_verdict_bars_add_up_to_the_claims(group_by):
    """Do the bar segments of each verdict sum to that verdict's count, and all of them to the number of claims
    in the teaching data?"""
    claims = data.claims()
    fig = charts.verdicts_figure(group_by)
    assert isinstance(fig, Figure)
    for verdict in charts.VERDICT_COLOURS:
        bars = [p for p in fig.axes[0].patches if p.get_gid() == f"verdict-{verdict}"]
        assert sum(p.get_width() for p in bars) == (claims["verdict"] == verdict).sum()
    total = sum(p.get_width() for p in fig.axes[0].patches if (p.get_gid() or "").startswith("verdict-"))
    assert total == len(claims)
    assert len(fig.axes[0].get_yticks()) == claims[group_by].nunique()


def test_verdict_alt_text_reports_the_real_counts():
    """Does the alt text give the number of claims and each verdict's total from claims.csv?"""
    claims = data.claims()
    text = charts.verdicts_figure("claim_type").alt_text
    assert f"{len(claims)} claims" in text
    for verdict, count in claims["verdict"].value_counts().items():
        assert f"{count} {charts.VERDICT_COLOURS[verdict]['label']}" in text


def test_verdicts_reject_an_unknown_grouping():
    with pytest.raises(ValueError, match="section.*claim_type"):
        charts.verdicts_figure("outlet")


# --- Forces ----------------------------------------------------------------------

def test_forces_pairs_are_the_rows_with_both_figures():
    """Is there one document bar and one record bar for exactly the forces rows that give both figures, at their values?"""
    forces = data.forces().set_index("force_id")
    both = forces[forces["document_personnel"].notna() & forces["record_personnel"].notna()]
    fig = charts.forces_figure()
    bars = {p.get_gid(): p.get_width() for p in fig.findobj() if isinstance(p.get_gid(), str) and p.get_gid().split("-")[0] in ("document", "record")}
    assert {g for g in bars if g.startswith("document-") and "only" not in g} == {f"document-{f}" for f in both.index}
    assert {g for g in bars if g.startswith("record-") and "only" not in g} == {f"record-{f}" for f in both.index}
    for force_id, row in both.iterrows():
        assert bars[f"document-{force_id}"] == row["document_personnel"]
        assert bars[f"record-{force_id}"] == row["record_personnel"]


def test_forces_with_one_figure_are_drawn_apart():
    """Are the rows with only one figure drawn in their own panel, one bar each?"""
    forces = data.forces()
    one_side = forces[forces["document_personnel"].isna() ^ forces["record_personnel"].isna()]
    fig = charts.forces_figure()
    single = _gids(fig, "record-only-") + _gids(fig, "document-only-")
    assert sorted(g.rsplit("-", 1)[1] for g in single) == sorted(one_side["force_id"])
    assert "approximate" in fig._suptitle.get_text()


def test_forces_alt_text_names_the_mismatches_with_their_numbers():
    """Does the alt text give each mismatching pair's two figures as in forces.csv?"""
    pairs = charts.force_pairs()
    text = charts.forces_figure().alt_text
    assert f"{len(pairs)} forces have both" in text
    for _, row in pairs.iterrows():
        if row["document_personnel"] != row["record_personnel"]:
            assert f"document {int(row['document_personnel']):,}, record {int(row['record_personnel']):,}" in text


# --- Timeline ------------------------------------------------------------------

FILTERS = [
    {},
    {"actor_ids": "A024"},
    {"actor_ids": ["A050", "A051"]},
    {"mentioned": True},
    {"mentioned": False},
    {"actor_ids": "A001", "mentioned": True},
    {"start": "2020-08-01", "end": "2020-08-31"},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_timeline_draws_exactly_the_filtered_events(filters):
    """Does the timeline draw one marker per event the filter keeps, as computed from events.csv?"""
    actor_ids = filters.get("actor_ids", ())
    expected = _events_expected([actor_ids] if isinstance(actor_ids, str) else actor_ids, filters.get("mentioned"), filters.get("start"), filters.get("end"))
    fig = charts.timeline_figure(**filters)
    assert isinstance(fig, Figure)
    assert sorted(g.removeprefix("event-") for g in _gids(fig, "event-")) == sorted(expected)
    assert f"{len(expected)} event" in fig.alt_text


def test_timeline_filters_really_reduce_the_count():
    """Is a filtered timeline smaller than the full one (so the filters do something)?"""
    everything = len(_gids(charts.timeline_figure(), "event-"))
    assert everything == len(data.events())
    assert len(_gids(charts.timeline_figure(actor_ids="A024"), "event-")) < everything
    mentioned = len(_gids(charts.timeline_figure(mentioned=True), "event-"))
    not_mentioned = len(_gids(charts.timeline_figure(mentioned=False), "event-"))
    assert mentioned + not_mentioned == everything and 0 < mentioned < everything


def test_mentioned_events_are_filled_and_the_others_hollow():
    """Is the marker filled exactly when the event is mentioned in the document?"""
    mentioned = dict(zip(data.events()["event_id"], data.events()["mentioned_in_document"]))
    fig = charts.timeline_figure()
    for line in fig.axes[0].lines:
        gid = line.get_gid() or ""
        if gid.startswith("event-"):
            filled = to_hex(line.get_markerfacecolor()) != "#ffffff"
            assert filled == mentioned[gid.removeprefix("event-")], gid


def test_timeline_labels_follow_the_rule():
    """Many events: only coups and UN resolutions get labels. Few: every event is labelled or listed in the caption."""
    categories = dict(zip(data.events()["event_id"], data.events()["category"]))
    full = charts.timeline_figure()
    labelled = [g.removeprefix("label-") for g in _gids(full, "label-")]
    assert labelled and {categories[e] for e in labelled} <= set(charts.KEY_CATEGORIES)

    few = charts.timeline_figure(start="2020-08-01", end="2020-09-30")
    titles = dict(zip(data.events()["event_id"], data.events()["title"]))
    shown = set(g.removeprefix("event-") for g in _gids(few, "event-"))
    assert len(shown) <= charts.LABEL_ALL_UP_TO
    unlabelled = shown - {g.removeprefix("label-") for g in _gids(few, "label-")}
    assert all(titles[e] in few.caption for e in unlabelled)


def test_timeline_rejects_unknown_actors_and_bad_values():
    """Does an unknown actor id raise a ValueError that names it, and a non-boolean mentioned raise too?"""
    with pytest.raises(ValueError, match="A999"):
        charts.timeline_figure(actor_ids=["A024", "A999"])
    with pytest.raises(ValueError, match="mentioned"):
        charts.timeline_figure(mentioned="yes")
    with pytest.raises(ValueError, match="after"):
        charts.timeline_figure(start="2021-01-01", end="2020-01-01")


def test_an_empty_selection_still_has_alt_text():
    fig = charts.timeline_figure(actor_ids="A024", start="2016-01-01", end="2016-12-31")
    assert _gids(fig, "event-") == [] and "no event" in fig.alt_text


# --- Explorer --------------------------------------------------------------------

def _html_of(explorer) -> str:
    chart, listing = explorer.output.outputs
    return chart["data"]["text/html"]


def _listed_dates(explorer) -> list[str]:
    chart, listing = explorer.output.outputs
    return re.findall(r"<tr><td>([^<]+)</td>", listing["data"]["text/html"])


def test_explorer_redraws_when_the_controls_change():
    """Does setting the widgets programmatically redraw the Output with the filtered timeline?"""
    import ipywidgets

    explorer = widgets.timeline_explorer()
    assert isinstance(explorer, ipywidgets.VBox)
    assert explorer.actor.options[0] == ("All actors", "all")
    assert (explorer.actor.value, explorer.year.value, explorer.mentioned.value) == ("all", "all", "all")  # a visible selection
    assert [label for label, _ in explorer.mentioned.options] == ["All", "Mentioned in the document", "Not mentioned"]
    first = _html_of(explorer)
    assert f"Timeline of {len(data.events())} events" in first

    explorer.actor.value = "A024"
    by_actor = _html_of(explorer)
    assert by_actor != first and f"Timeline of {len(_events_expected(['A024']))} events (involving ECOWAS" in by_actor

    explorer.mentioned.value = "no"
    assert f"Timeline of {len(_events_expected(['A024'], False))} events" in _html_of(explorer)

    explorer.year.value = 2020
    expected = _events_expected(['A024'], False, '2020-01-01', '2020-12-31')
    assert f"Timeline of {len(expected)} event" in _html_of(explorer)
    events = data.events().set_index("event_id").loc[sorted(expected)].sort_values("date", kind="stable")
    assert _listed_dates(explorer) == [f"{d.day} {d:%B %Y}" for d in events["date"]]  # the filtered events, listed with dates  # the filtered events, listed with dates


def test_explorer_has_a_static_fallback():
    """Without a widget frontend, is there plain HTML with the chart (an <img> with alt text)?"""
    explorer = widgets.timeline_explorer()
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "<img" in bundle["text/html"] and 'alt="Timeline of' in bundle["text/html"]
    assert 'alt="Timeline of' in charts.static_html()


# --- Map -------------------------------------------------------------------------

def _country_collections(fig):
    return {c.get_gid().removeprefix("country-"): c for c in fig.axes[0].collections if isinstance(c, PatchCollection) and (c.get_gid() or "").startswith("country-")}


def test_map_draws_one_patch_group_per_country_and_highlights_mali():
    """Is every GeoJSON country one PatchCollection, with Mali's style unlike any other country's?"""
    features = charts.country_shapes()["features"]
    fig = charts.map_figure()
    collections = _country_collections(fig)
    assert set(collections) == {f["properties"]["iso_n3"] for f in features}
    mali = collections[charts.MALI_ISO]
    assert to_hex(mali.get_facecolor()[0]).upper() == charts.PALETTE["vermillion"]
    for iso, collection in collections.items():
        if iso != charts.MALI_ISO:
            assert (to_hex(collection.get_facecolor()[0]), collection.get_hatch()) != (to_hex(mali.get_facecolor()[0]), mali.get_hatch())


def test_map_groups_are_told_apart_by_hatch_as_well_as_colour():
    """Does each member country carry a hatch, the non-members none, and each group its own hatch?"""
    groups = charts.memberships()
    members = {row["iso_n3"] for rows in groups.values() for row in rows}
    collections = _country_collections(charts.map_figure())
    for iso, collection in collections.items():
        assert bool(collection.get_hatch()) == (iso in members), iso
    g5 = {r["iso_n3"] for r in groups["G5 Sahel"]}
    ecowas = {r["iso_n3"] for r in groups["ECOWAS"]}
    hatch = {iso: collections[iso].get_hatch() for iso in members}
    assert len({hatch[i] for i in g5 - ecowas} | {hatch[i] for i in ecowas - g5}) == 2


def test_map_marks_every_place_and_describes_itself():
    places = charts.map_places()
    fig = charts.map_figure()
    assert sorted(g.removeprefix("place-") for g in _gids(fig, "place-")) == sorted(p["name"] for p in places)
    groups = charts.memberships()
    assert f"{len(groups['G5 Sahel'])} G5 Sahel members" in fig.alt_text
    assert f"{len(groups['ECOWAS'])} ECOWAS members" in fig.alt_text
    assert all(p["name"] in fig.alt_text or p["label"] in fig.alt_text for p in places)
    assert _gids(fig, "scale-bar")


# --- Map data ------------------------------------------------------------------

def test_geojson_is_a_small_valid_feature_collection():
    """Is west-africa.geojson valid JSON, a FeatureCollection under 400 KB, with a name and ISO code per country?"""
    path = GEO / "west-africa.geojson"
    assert path.stat().st_size < 400_000
    collection = json.loads(path.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["features"]
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert feature["properties"]["name"] and re.fullmatch(r"\d{3}", feature["properties"]["iso_n3"])
    isos = [f["properties"]["iso_n3"] for f in collection["features"]]
    assert len(isos) == len(set(isos))


def test_memberships_match_the_evidence():
    """Do the G5 members match BAC043's list, and does the number of ECOWAS members match CIT036's '15 members'?"""
    facts = data.evidence_facts()
    groups = charts.memberships()
    g5_fact = " ".join(facts.loc[facts["evidence_id"] == "BAC043", "statement"])
    assert len(groups["G5 Sahel"]) == 5
    assert all(row["country"] in g5_fact for row in groups["G5 Sahel"])
    ecowas_fact = facts.loc[facts["key"] == "ecowas_15_members", "statement"].iloc[0]
    assert len(groups["ECOWAS"]) == int(re.search(r"(\d+) members", ecowas_fact).group(1))
    names = {f["properties"]["iso_n3"]: f["properties"]["name"] for f in charts.country_shapes()["features"]}
    for rows in groups.values():
        for row in rows:
            assert names[row["iso_n3"]] == row["country"], row


def test_every_place_and_membership_cites_evidence_the_kit_holds():
    known = set(data.evidence()["evidence_id"])
    rows = charts.map_places() + [r for rows in charts.memberships().values() for r in rows]
    for row in rows:
        ids = data.split_ids(row["evidence_id"])
        assert ids and set(ids) <= known, row


def _inside(point, ring) -> bool:
    x, y = point
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def test_places_lie_in_their_countries():
    """Is each place inside the outline of the country its code names (so lon/lat are not swapped)?"""
    iso_of = {"ML": "466", "NE": "562", "TD": "148"}
    shapes = {f["properties"]["iso_n3"]: f["geometry"] for f in charts.country_shapes()["features"]}
    for place in charts.map_places():
        geometry = shapes[iso_of[place["country_code"]]]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        assert any(_inside((place["lon"], place["lat"]), polygon[0]) for polygon in polygons), place["name"]


def test_kati_is_near_bamako_as_the_reports_say():
    """Reports put Kati about 15 km from Bamako (BAC051): do the gazetteer coordinates agree to within a few km?"""
    places = {p["name"]: p for p in charts.map_places()}
    a, b = places["Bamako"], places["Kati"]
    mean_lat = math.radians((a["lat"] + b["lat"]) / 2)
    km = 111.32 * math.hypot((a["lon"] - b["lon"]) * math.cos(mean_lat), a["lat"] - b["lat"])
    assert 10 < km < 25


# --- The build script's TopoJSON decoder ----------------------------------------

# Two unit squares side by side sharing one edge (arc 0), quantised with a transform.
TINY_TOPOLOGY = {
    "type": "Topology",
    "transform": {"scale": [0.5, 0.5], "translate": [10, 20]},
    "objects": {"countries": {"type": "GeometryCollection", "geometries": [
        {"type": "Polygon", "arcs": [[0, 1]], "id": "1", "properties": {"name": "Left"}},
        {"type": "MultiPolygon", "arcs": [[[2, -1]]], "id": "2", "properties": {"name": "Right"}},
        {"type": None, "id": "3", "properties": {"name": "Nowhere"}},
    ]}},
    "arcs": [
        [[2, 0], [0, 2]],                    # (2,0) -> (2,2): the shared edge
        [[2, 2], [-2, 0], [0, -2], [2, 0]],  # (2,2) -> (0,2) -> (0,0) -> (2,0)
        [[2, 0], [2, 0], [0, 2], [-2, 0]],   # (2,0) -> (4,0) -> (4,2) -> (2,2)
    ],
}


def test_decoder_undoes_deltas_and_applies_the_transform():
    build = _load_build_script()
    arcs = build.decode_arcs(TINY_TOPOLOGY)
    assert arcs[0] == [(11.0, 20.0), (11.0, 21.0)]
    assert arcs[1] == [(11.0, 21.0), (10.0, 21.0), (10.0, 20.0), (11.0, 20.0)]


def test_decoder_joins_arcs_and_reverses_negative_ones():
    """Are rings joined without repeating shared points, with ~i meaning arc i backwards, and null geometries skipped?"""
    build = _load_build_script()
    features = build.topology_features(TINY_TOPOLOGY)
    assert [f["properties"]["name"] for f in features] == ["Left", "Right"]
    left, right = features
    assert left["geometry"] == {"type": "Polygon", "coordinates": [[(11.0, 20.0), (11.0, 21.0), (10.0, 21.0), (10.0, 20.0), (11.0, 20.0)]]}
    assert right["geometry"]["type"] == "MultiPolygon"
    assert right["geometry"]["coordinates"] == [[[(11.0, 20.0), (12.0, 20.0), (12.0, 21.0), (11.0, 21.0), (11.0, 20.0)]]]


def test_decoder_rejects_other_geometry_types():
    build = _load_build_script()
    topology = {**TINY_TOPOLOGY, "objects": {"countries": {"geometries": [{"type": "LineString", "arcs": [0]}]}}}
    with pytest.raises(ValueError, match="LineString"):
        build.topology_features(topology)


def test_region_keeps_only_countries_in_the_box_with_padded_iso_codes():
    build = _load_build_script()
    only_right = build.region_collection(TINY_TOPOLOGY, bbox=(11.6, 19.0, 13.0, 22.0))
    assert [f["properties"] for f in only_right["features"]] == [{"name": "Right", "iso_n3": "002"}]
    both = build.region_collection(TINY_TOPOLOGY, bbox=(10.9, 19.0, 11.2, 22.0))
    assert [f["properties"]["name"] for f in both["features"]] == ["Left", "Right"]
    assert both["type"] == "FeatureCollection"


def test_rounding_drops_repeats_and_collapsed_rings():
    build = _load_build_script()
    assert build.round_ring([(0.0001, 0.0), (0.0002, 0.0), (1.0, 0.0), (1.0, 1.0)], 3) == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    assert build.round_ring([(0.0001, 0.0), (0.0002, 0.0004), (0.0, 0.0)], 3) is None


def test_place_coordinates_come_from_a_unique_gazetteer_match():
    build = _load_build_script()
    gazetteer = [{"name": "Gao", "country": "ML", "lat": "16.27167", "lng": "-0.04472"}, {"name": "Gao", "country": "XX", "lat": "1", "lng": "1"}]
    (row,) = build.fill_place_coordinates([{"name": "Gao", "country_code": "ML", "lon": "", "lat": ""}], gazetteer)
    assert (row["lon"], row["lat"]) == ("-0.04", "16.27")
    with pytest.raises(KeyError, match="Kati"):
        build.fill_place_coordinates([{"name": "Kati", "country_code": "ML"}], gazetteer)


# --- Import cost -----------------------------------------------------------------

def test_importing_charts_loads_no_heavy_library():
    code = "import sys, course.lessons.charts; print(' '.join(m for m in ('pandas', 'matplotlib', 'ipywidgets', 'IPython') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_citation_comparison_bars_match_citations_csv():
    """Does each bar count the citations with that comparison, and does the alt text name them?"""
    from course.lessons import charts
    from course.evidence import data

    table = data.citations()
    fig = charts.citation_comparison_figure()
    bars = {p.get_gid().removeprefix("comparison-"): p.get_width() for p in fig.axes[0].patches if (p.get_gid() or "").startswith("comparison-")}
    assert bars == {c: (table["comparison"] == c).sum() for c in set(table["comparison"])}
    for citation_id in table["citation_id"]:
        assert citation_id in fig.alt_text
    assert set(charts.COMPARISON_STYLES) == set(data.resource("citations")["schema"]["fields"][9]["constraints"]["enum"])


def test_timeline_legend_lists_only_what_is_drawn():
    """Lesson 08: after the dateline no event is mentioned, so the legend must not promise filled markers."""
    after = charts.timeline_figure(start="2020-09-01")
    labels = [t.get_text() for t in after.axes[0].get_legend().get_texts()]
    assert not any(label.startswith("filled") for label in labels) and any(label.startswith("hollow") for label in labels)
    full = charts.timeline_figure()
    assert any(t.get_text().startswith("filled") for t in full.axes[0].get_legend().get_texts())


def test_charts_count_every_claim_and_every_event():
    """The teaching copies are gone (issue 20): the verdict chart counts every claim and the timeline draws every
    event as mentioned or not, with no "held back" bar, marker or words (EV052 once read as held back)."""
    verdicts = charts.verdicts_figure("section")
    assert f"Verdicts on {len(data.claims()[data.claims()['verdict'] != 'not_checkable'])} " in verdicts.axes[0].get_title(loc="left") \
        or f"Verdicts on {len(data.claims())} " in verdicts.axes[0].get_title(loc="left")
    assert "held back" not in verdicts.alt_text and "held back" not in verdicts.caption
    fig = charts.timeline_figure()
    markers = {line.get_gid(): line for line in fig.axes[0].get_lines() if (line.get_gid() or "").startswith("event-")}
    assert markers["event-EV052"].get_marker() == "o" and markers["event-EV052"].get_markerfacecolor() == "white"
    full = data.events()["mentioned_in_document"]
    assert (f"{int(full.sum())} are mentioned in the document (filled markers), {len(full) - int(full.sum())} are not "
            "(hollow markers). ") in fig.alt_text, fig.alt_text
    assert "held back" not in fig.alt_text


@pytest.mark.parametrize("build", [
    lambda: charts.verdicts_figure("section"), lambda: charts.verdicts_figure("claim_type"), charts.forces_figure,
    charts.timeline_figure, lambda: charts.timeline_figure(start="2020-09-01"), charts.map_figure, charts.citation_comparison_figure,
    lambda: argumentmap.argument_figure("R02"),
], ids=["verdicts-section", "verdicts-type", "forces", "timeline", "timeline-after", "map", "citations", "argument-map"])
def test_figure_text_is_at_least_11_px_in_jupyterlab(build):
    """Issue #13: in a 1280 px window a lesson's output area is about 910 px wide; images wider than that are scaled down.
    Is every text of the PNG, as shown there at 100 % zoom, at least 11 px tall?"""
    import io
    import struct

    from matplotlib.text import Text

    fig = build()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    width_px = struct.unpack(">I", buffer.getvalue()[16:20])[0]
    scale = min(1.0, 910 / width_px)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    smallest = min(texts, key=lambda t: t.get_fontsize())
    assert smallest.get_fontsize() * fig.dpi / 72 * scale >= 11, f"{smallest.get_text()[:40]!r} is {smallest.get_fontsize()} pt in a {width_px} px image"


def test_timeline_labels_are_numbers_keyed_in_the_caption_with_full_titles():
    """Labels were titles cut with '…' that did not say which marker they named: each labelled marker now has a
    number beside it, and the caption gives that number's date and the event's full title."""
    import re

    from course.evidence import data

    fig = charts.timeline_figure(start="2020-09-01")
    labels = {t.get_gid().removeprefix("label-"): t.get_text() for t in fig.axes[0].texts if (t.get_gid() or "").startswith("label-")}
    assert labels and sorted(int(n) for n in labels.values()) == list(range(1, len(labels) + 1))
    titles = data.events().set_index("event_id")["title"]
    for event_id, number in labels.items():
        assert re.search(rf"(?<!\d){number}: \d{{1,2}} \w+ \d{{4}}, {re.escape(titles[event_id])}", fig.caption), (number, event_id)
    assert "…" not in fig.caption and not any("…" in t for t in labels.values())

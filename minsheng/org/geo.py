"""Point-in-polygon for GeoJSON geometries (lng/lat), pure Python: enough for districts and grids."""

from collections.abc import Sequence

Ring = Sequence[Sequence[float]]


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat) and lng < (xj - xi) * (lat - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(lng: float, lat: float, polygon: Sequence[Ring]) -> bool:
    if not polygon or not _in_ring(lng, lat, polygon[0]):
        return False
    return not any(_in_ring(lng, lat, hole) for hole in polygon[1:])


def contains(geometry: dict | None, lng: float, lat: float) -> bool:
    """Whether a GeoJSON Polygon or MultiPolygon contains the point."""
    if not geometry:
        return False
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates") or []
    if kind == "Polygon":
        return _in_polygon(lng, lat, coordinates)
    if kind == "MultiPolygon":
        return any(_in_polygon(lng, lat, polygon) for polygon in coordinates)
    return False


def bounding_box(geometry: dict | None) -> tuple[float, float, float, float] | None:
    """(min_lng, min_lat, max_lng, max_lat) of a Polygon or MultiPolygon."""
    if not geometry or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return None
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    points = [point for polygon in polygons for ring in polygon for point in ring]
    if not points:
        return None
    lngs = [p[0] for p in points]
    lats = [p[1] for p in points]
    return min(lngs), min(lats), max(lngs), max(lats)


def box_polygon(west: float, south: float, east: float, north: float) -> dict:
    """A rectangular GeoJSON Polygon: the demo's schematic districts, towns, communities and grids."""
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }

"""Grid location: place-name aliases found in text, or a shared location inside a boundary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PlaceMatch:
    alias: str
    unit_code: str
    start: int


class Locator:
    """Finds the longest known alias in a text (substring match; earliest wins among equals)."""

    def __init__(self, aliases: Iterable[tuple[str, str]]):
        self._units: dict[str, str] = {}
        for alias, unit in aliases:
            alias = alias.strip()
            if alias:
                self._units[alias] = unit
        self._by_first: dict[str, list[str]] = {}
        for alias in sorted(self._units, key=len, reverse=True):
            self._by_first.setdefault(alias[0], []).append(alias)

    def locate(self, text: str) -> PlaceMatch | None:
        """The best place mentioned in `text`, or None."""
        best: PlaceMatch | None = None
        for start, ch in enumerate(text):
            for alias in self._by_first.get(ch, ()):
                if best is not None and len(alias) <= len(best.alias):
                    break
                if text.startswith(alias, start):
                    best = PlaceMatch(alias, self._units[alias], start)
                    break
        return best


def point_in_polygon(lat: float, lon: float, polygon: Sequence[Sequence[float]]) -> bool:
    """Ray casting; polygon vertices are [lon, lat] (GeoJSON order), closed or not."""
    inside = False
    n = len(polygon)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        xi, yi = polygon[i][0], polygon[i][1]
        xj, yj = polygon[j][0], polygon[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def locate_point(lat: float, lon: float, boundaries: Mapping[str, Sequence[Sequence[float]]]) -> str | None:
    """The unit whose boundary contains the point (first in mapping order), or None."""
    for unit, polygon in boundaries.items():
        if point_in_polygon(lat, lon, polygon):
            return unit
    return None

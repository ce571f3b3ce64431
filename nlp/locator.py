"""Grid location: place-name aliases found in text, or a shared location inside a boundary.

Addresses are read the way people write them:
- numerals in either script and width: 召陵村6组 = 召陵村六组, 人民东路六十二号院 = 人民东路62号院;
- a compound alias "<road><number>号<suffix>" is also found without or with another suffix
  (人民东路62号, 人民东路62号楼下, 人民东路62号院2号楼);
- a road named in compound aliases (人民东路62号院 → 人民东路) is itself a place: its units are the
  match's candidates (the application decides whether they share one community);
- one mistyped character in the proper-name part of an alias of four or more characters (人明东路62号院),
  when only one unit fits.
Explicit aliases always win over derived ones of the same length.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from nlp.script import simplified

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL_RUN = re.compile(r"[零〇一二两三四五六七八九十百]+")
# "<road><number>号<suffix>": the road is everything up to its last 路/街/巷/大道
_COMPOUND = re.compile(r"^(?P<road>.+?(?:大道|路|街|巷))(?P<num>\d+)号(?P<suffix>院|楼|小区|大院)?$")
_ROAD = re.compile(r"(?:^|与)(?P<road>[\u4e00-\u9fff]{1,6}?(?:大道|路|街|巷))(?=与|交叉口|口|中段|东段|西段|南段|北段|$)")
# where the proper name of a place ends: a typo is tolerated only before it
_GENERIC = set("路街巷道村镇组社区院号楼小中学校园站场市家属岗堤段口")


@dataclass(frozen=True)
class PlaceMatch:
    alias: str                     # the alias as written in the org file (or the road name)
    unit_code: str | None          # None for a road: its units are the candidates
    start: int                     # position in the text as given
    end: int = 0
    candidates: tuple[str, ...] = ()   # for a road: every unit it runs through
    derived: bool = False          # found through a derived form (number, suffix, road, typo)


def _chinese_number(run: str) -> str:
    """一→1, 十二→12, 六十二→62, 一百零八→108; a run of plain digits (二零二六) digit by digit."""
    if "十" not in run and "百" not in run:
        return "".join(str(_DIGITS[c]) for c in run)
    total, current = 0, 0
    for ch in run:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _DIGITS[ch]
    return str(total + current)


def normalize(text: str) -> tuple[str, list[int]]:
    """NFKC, simplified characters, Chinese numerals as digits, no spaces; with each output character's
    index in `text`."""
    text = simplified(text)                 # one to one, so the indexes still point into `text`
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(text):
        m = _NUMERAL_RUN.match(text, i)
        if m and not (m.group(0) in ("一", "两") and _word_one(text, i)):
            digits = _chinese_number(m.group(0))
            out.extend(digits)
            where.extend([i] * len(digits))
            i = m.end()
            continue
        ch = unicodedata.normalize("NFKC", text[i])
        if not ch.isspace():
            out.extend(ch)
            where.extend([i] * len(ch))
        i += 1
    return "".join(out), where


def _word_one(text: str, i: int) -> bool:
    """一 / 两 used as a word, not a number (一下, 一直, 两边 …): left alone."""
    return text[i + 1: i + 2] in ("下", "直", "样", "起", "边", "点", "些", "旦", "般", "切", "定", "共")


def derived_forms(alias: str) -> list[str]:
    """Other ways a compound alias is written: without its suffix (人民东路62号)."""
    norm, _ = normalize(alias)
    m = _COMPOUND.match(norm)
    return [f"{m['road']}{m['num']}号"] if m and m["suffix"] else []


def roads_of(alias: str) -> list[str]:
    """The roads an alias names: 人民东路62号院 → 人民东路; 纺织路与黄河路交叉口 → 纺织路, 黄河路."""
    norm, _ = normalize(alias)
    m = _COMPOUND.match(norm)
    if m:
        return [m["road"]]
    return [r["road"] for r in _ROAD.finditer(norm)]


def place_aliases(units: Iterable[tuple[str, str, str]]) -> list[tuple[str, str]]:
    """The one rule for which names are places, shared by the bot and `gridbot classify`: from
    (alias, unit code, unit kind), the (alias, code) pairs to locate by, sorted and unique.

    A department is not a place: 区水务局门口的路 says where the problem is near, not which grid it
    is in, so its name must not route a report past the grid (the resident is asked where)."""
    return sorted({(alias, code) for alias, code, kind in units if kind != "department" and alias})


class Locator:
    """Finds the longest known place in a text; explicit aliases first among equals, then the earliest."""

    def __init__(self, aliases: Iterable[tuple[str, str]]):
        # normalized form → (alias as written, unit code or None, candidates, derived)
        self._forms: dict[str, tuple[str, str | None, tuple[str, ...], bool]] = {}
        explicit = [(a.strip(), u) for a, u in aliases if a and a.strip()]
        for alias, unit in explicit:
            self._forms[normalize(alias)[0]] = (alias, unit, (unit,), False)
        for alias, unit in explicit:
            for form in derived_forms(alias):
                self._forms.setdefault(form, (alias, unit, (unit,), True))
        roads: dict[str, list[str]] = {}
        for alias, unit in explicit:
            for road in roads_of(alias):
                if unit not in roads.setdefault(road, []):
                    roads[road].append(unit)
        for road, units in roads.items():
            if len(road) >= 3:
                self._forms.setdefault(road, (road, None, tuple(units), True))
        self._by_first: dict[str, list[str]] = {}
        for form in sorted(self._forms, key=len, reverse=True):
            self._by_first.setdefault(form[0], []).append(form)
        # one-typo index: each long form with one proper-name character blanked
        self._typos: dict[str, set[str]] = {}
        for form, (_, unit, _, derived) in self._forms.items():
            if derived or unit is None or len(form) < 4:
                continue
            for i in range(1, len(form)):
                if form[i] in _GENERIC or form[i].isdigit():
                    break
                self._typos.setdefault(form[:i] + "\0" + form[i + 1:], set()).add(form)
        self._typo_lengths = sorted({len(k) for k in self._typos}, reverse=True)

    def locate(self, text: str) -> PlaceMatch | None:
        """The best place mentioned in `text`, or None."""
        norm, where = normalize(text)
        best: tuple[int, int, str] | None = None          # (length, start, form)
        for start, ch in enumerate(norm):
            for form in self._by_first.get(ch, ()):
                if best is not None and (len(form) < best[0] or (len(form) == best[0] and
                                                                  not self._better(form, best[2]))):
                    break
                if norm.startswith(form, start):
                    best = (len(form), start, form)
                    break
        if best is None:
            return self._typo(norm, where, text)
        length, start, form = best
        alias, unit, candidates, derived = self._forms[form]
        return PlaceMatch(alias, unit, where[start], _end(where, start + length, text), candidates, derived)

    def _better(self, form: str, than: str) -> bool:
        return not self._forms[form][3] and self._forms[than][3]

    def _typo(self, norm: str, where: list[int], text: str) -> PlaceMatch | None:
        for length in self._typo_lengths:
            found: dict[str, int] = {}
            for start in range(0, min(len(norm), 300) - length + 1):
                window = norm[start:start + length]
                for i in range(1, length):
                    forms = self._typos.get(window[:i] + "\0" + window[i + 1:])
                    if forms and "\u4e00" <= window[i] <= "\u9fff":
                        for form in forms:
                            found.setdefault(form, start)
            units = {self._forms[f][1] for f in found}
            if len(units) == 1:
                form, start = min(found.items(), key=lambda kv: kv[1])
                alias, unit, candidates, _ = self._forms[form]
                return PlaceMatch(alias, unit, where[start], _end(where, start + length, text), candidates, True)
            if units:
                return None                     # two places fit the typo: not unambiguous
        return None


def _end(where: list[int], stop: int, text: str) -> int:
    return where[stop] if stop < len(where) else len(text)


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


def units_at(lat: float, lon: float, boundaries: Mapping[str, Sequence[Sequence[float]]]) -> list[str]:
    """Every unit whose boundary contains the point (a grid, its community, the district …)."""
    return [unit for unit, polygon in boundaries.items() if point_in_polygon(lat, lon, polygon)]

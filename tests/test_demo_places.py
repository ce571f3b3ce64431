"""The demo district agrees with itself: the sandbox page's location presets land in the grids they name,
and the district's outline holds every grid."""
from __future__ import annotations

import re
from pathlib import Path

from bot.demo import demo_org_path
from bot.orgfile import load_org
from nlp.locator import Locator, point_in_polygon, units_at

PAGE = Path(__file__).resolve().parent.parent / "bot" / "sandbox" / "static" / "sandbox.js"


def presets() -> list[tuple[str, float, float]]:
    block = re.search(r"const PRESETS = \[(.*?)\];", PAGE.read_text(encoding="utf-8"), re.S).group(1)
    return [(name, float(lat), float(lon)) for name, lat, lon in re.findall(r'\["([^"]+)", ([\d.]+), ([\d.]+)\]', block)]


def test_each_preset_lands_in_the_grid_it_is_named_after():
    units = load_org(demo_org_path()).units
    kinds = {u.code: u.kind for u in units}
    locator = Locator([(u.name, u.code) for u in units] + [(a, u.code) for u in units for a in u.aliases])
    boundaries = {u.code: [list(p) for p in u.boundary] for u in units if u.boundary}
    found = presets()
    assert len(found) >= 4
    for name, lat, lon in found:
        named = locator.locate(name)
        assert named is not None and kinds[named.unit_code] == "grid", name
        grids = [code for code in units_at(lat, lon, boundaries) if kinds[code] == "grid"]
        assert grids == [named.unit_code], (name, grids)


def test_the_district_outline_holds_every_grid():
    units = load_org(demo_org_path()).units
    district = next(u for u in units if u.kind == "district")
    assert district.boundary
    for unit in units:
        for lon, lat in unit.boundary or ():
            if unit is not district:
                assert point_in_polygon(lat, lon, district.boundary), unit.code

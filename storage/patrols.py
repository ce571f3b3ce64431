"""Patrol check-ins (巡格) and the reminders sent when a grid goes unpatrolled."""
from __future__ import annotations

import json

from storage.db import Tx, id_list, per_engine

INSERT = """
INSERT INTO patrols (grid_id, staff_id, at, latitude, longitude, inside)
VALUES (:grid_id, :staff_id, :at, :latitude, :longitude, :inside)
"""
LAST_OF_GRIDS = per_engine("""
SELECT u.id, u.name, u.area, (SELECT max(p.at) FROM patrols p WHERE p.grid_id = u.id) AS last_at
  FROM units u
 WHERE u.kind = 'grid' AND (CAST(:units AS TEXT) IS NULL OR u.id IN ({ids}))
 ORDER BY u.id
""", ids=id_list("units"))
RECORD_ALERT = """
INSERT INTO patrol_alerts (grid_id, cycle_key, at) VALUES (:grid_id, :cycle_key, :at) ON CONFLICT DO NOTHING
"""


async def record(tx: Tx, grid_id: int, staff_id: int, at: str, latitude: float | None, longitude: float | None,
                 inside: bool | None) -> int:
    return await tx.insert(INSERT, {"grid_id": grid_id, "staff_id": staff_id, "at": at, "latitude": latitude,
                                    "longitude": longitude, "inside": None if inside is None else int(inside)})


async def grids(tx: Tx, units: list[int] | None = None) -> list[dict]:
    """Every grid (of the units, if given) with the time of its last patrol or None."""
    return await tx.all(LAST_OF_GRIDS, {"units": None if units is None else json.dumps(units)})


async def record_alert(tx: Tx, grid_id: int, cycle_key: str, at: str) -> bool:
    cursor = await tx.execute(RECORD_ALERT, {"grid_id": grid_id, "cycle_key": cycle_key, "at": at})
    return cursor.rowcount == 1

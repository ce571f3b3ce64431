"""Patrols (巡格): check-ins with a location, each grid's last patrol, reminders when a cycle passes unpatrolled."""
from __future__ import annotations

from datetime import datetime

from bot.clock import iso, parse_iso
from bot.services.briefing import patrol_cycle
from bot.services.deps import Actor, Deps
from bot.services.errors import Forbidden
from bot.services.uow import UnitOfWork
from nlp.locator import point_in_polygon
from storage import kv, org, patrols

_SINCE_KEY = "patrol:since"


async def check_in(deps: Deps, actor: Actor, latitude: float, longitude: float) -> dict:
    """Record a worker's patrol of their grid; inside is None when the grid has no boundary."""
    if actor.role != "worker":
        raise Forbidden("not_worker")
    async with deps.db.transaction() as tx:
        grid = await org.unit(tx, actor.unit_id) if actor.unit_id else None
        if grid is None or grid["kind"] != "grid":
            raise Forbidden("no_grid")
        inside = None
        if grid["boundary"]:
            inside = point_in_polygon(latitude, longitude, grid["boundary"])
        now = deps.now()
        await patrols.record(tx, grid["id"], actor.id, iso(now), latitude, longitude, inside)
    return {"grid_name": grid["name"], "at": iso(now), "inside": inside,
            "next_due": iso(now + patrol_cycle(deps, grid["area"]))}


async def remind(deps: Deps) -> int:
    """Remind the workers of every grid not patrolled within its cycle, once per cycle; returns grids reminded.

    A grid never patrolled counts from when GridBot first looked (kv "patrol:since")."""
    now = deps.now()
    reminded = 0
    async with UnitOfWork(deps) as work:
        tx = work.tx
        since = await kv.get(tx, _SINCE_KEY)
        if since is None:
            since = iso(now)
            await kv.put(tx, _SINCE_KEY, since)
        for grid in await patrols.grids(tx):
            cycle = patrol_cycle(deps, grid["area"])
            base: datetime = parse_iso(grid["last_at"] or since)
            if now < base + cycle:
                continue
            period = int((now - base) / cycle)          # 1 for the first missed cycle, 2 for the next …
            if not await patrols.record_alert(tx, grid["id"], f"{grid['last_at'] or 'never'}#{period}", iso(now)):
                continue
            payload = {"grid_name": grid["name"], "last_at": grid["last_at"], "cycle_days": cycle.days}
            for person in await org.staff_of_unit(tx, grid["id"], role="worker"):
                if person["chat_id"]:
                    await deps.enqueue(tx, person["chat_id"], "patrol_reminder", payload, iso(now))
            reminded += 1
        work.commit()
    return reminded

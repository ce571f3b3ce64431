"""The daily briefing (《民情速报》) and the weekly summary: plain data for one jurisdiction and period.

Periods are local days (config.timezone) turned into UTC ranges [start, end); `cut` = min(end, now).
Counts: new = created in the period; signed = signed for (签收) in it; resolved = resolved (办结) in it;
closed = closed (归档) in it; overdue = tickets open now whose current deadline (sign-for while
pending, resolve while accepted) passed before `cut`.

Rates (None when the denominator is 0):
  响应率 response   = signed for at or before the sign-for deadline / tickets "dispatched" in the period,
                      i.e. whose sign-for deadline fell in [start, cut) or that were signed for in [start, end)
  解决率 resolution = resolved or closed now / tickets due in the period, i.e. whose resolve deadline fell
                      in [start, cut) or that were resolved in [start, end)   (a reopened ticket is not resolved)
  满意率 satisfaction = ratings "satisfied" or "basically satisfied" / all ratings given in the period
                      (auto-closed unrated tickets are not rated)
Cancelled and merged tickets count in no rate. An approved extension moves the resolve deadline (the
ticket is due when the extended deadline falls); a ticket paused (waiting on the resident) before its
deadline is not due by it, nor overdue, until it resumes and its deadline has moved by the time waited.
top_categories: every category of the period's new tickets, most first (they sum to counts["new"]). Hot spots: places (or grids) with two or more
reports in the last 7 days of the period. Patrol coverage: grids whose last patrol is within their
cycle at `cut` / all grids.
"""
from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from bot.clock import iso, parse_iso
from bot.services import briefing_text
from bot.services.deps import Deps
from bot.services.uow import UnitOfWork
from bot.services.views import mask_name
from storage import kv, org, patrols, stats
from storage.db import Tx

CHART_DAYS = 14
OVERDUE_LISTED = 10


@dataclass
class Briefing:
    kind: str                      # "daily" | "weekly"
    unit_id: int | None
    unit_name: str
    start: str                     # first local day, ISO date
    last_day: str                  # last local day, ISO date
    timezone: str
    counts: dict
    response: dict
    resolution: dict
    satisfaction: dict
    top_categories: list
    hot_spots: list
    overdue_list: list
    patrol: dict
    series: dict = field(default_factory=dict)     # days, new, resolved: the chart's 14 days
    cut: str = ""                  # ISO UTC: figures as of this moment (before the period's end: a day so far)
    partial: bool = False          # the period has not ended yet (/stats: today so far)

    def to_dict(self) -> dict:
        return asdict(self)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _bounds(deps: Deps, first: date, days: int) -> tuple[datetime, datetime]:
    tz = deps.calendar.tz
    return (datetime.combine(first, time(0), tz), datetime.combine(first + timedelta(days=days), time(0), tz))


def patrol_cycle(deps: Deps, area: str) -> timedelta:
    return deps.config.patrol_cycle_rural if area == "rural" else deps.config.patrol_cycle_urban


async def _scope(tx: Tx, unit_id: int | None) -> tuple[list[int] | None, str]:
    if unit_id is None:
        districts = await org.units_by_kind(tx, "district")
        return None, districts[0]["name"] if districts else "全区"
    unit = await org.unit(tx, unit_id)
    return await org.descendant_ids(tx, unit_id), unit["name"] if unit else str(unit_id)


async def _build(deps: Deps, kind: str, first: date, days: int, unit_id: int | None) -> Briefing:
    start_dt, end_dt = _bounds(deps, first, days)
    cut_dt = min(end_dt, deps.now())
    start, end, cut = iso(start_dt), iso(end_dt), iso(cut_dt)
    async with deps.db.read() as tx:
        units, name = await _scope(tx, unit_id)
        counts = await stats.counts(tx, start, end, units)
        late = await stats.overdue(tx, cut, units)
        counts["overdue"] = len(late)
        response = await stats.response(tx, start, end, cut, units)
        resolution = await stats.resolution(tx, start, end, cut, units)
        rated = await stats.satisfaction(tx, start, end, units)
        top = await stats.top_categories(tx, start, end, units)
        hot_start = iso(max(start_dt, end_dt - timedelta(days=7)))
        hot = await stats.hot_spots(tx, hot_start, end, units)
        chart_start, _ = _bounds(deps, first + timedelta(days=days - CHART_DAYS), 0)
        offset = int(start_dt.utcoffset().total_seconds() // 60)
        daily = await stats.per_day(tx, iso(chart_start), end, offset, units)
        grids = await patrols.grids(tx, units)
    covered = sum(1 for g in grids if g["last_at"] and parse_iso(g["last_at"]) >= cut_dt - patrol_cycle(deps, g["area"]))
    chart_days = [(first + timedelta(days=days - CHART_DAYS + i)).isoformat() for i in range(CHART_DAYS)]
    return Briefing(
        kind=kind, unit_id=unit_id, unit_name=name, start=first.isoformat(),
        last_day=(first + timedelta(days=days - 1)).isoformat(), timezone=deps.config.timezone, counts=counts,
        response={"on_time": response["on_time"], "total": response["total"],
                  "rate": _rate(response["on_time"], response["total"])},
        resolution={"resolved": resolution["resolved"], "due": resolution["due"],
                    "rate": _rate(resolution["resolved"], resolution["due"])},
        satisfaction={"satisfied": rated["satisfied"], "rated": rated["rated"],
                      "rate": _rate(rated["satisfied"], rated["rated"])},
        top_categories=[(deps.category_name(code), n) for code, n in top],
        hot_spots=list(hot),
        overdue_list=[{"number": t["number"], "category_name": deps.category_name(t["category"]),
                       "place": t["place"], "handler": mask_name(t["handler_name"] or ""),
                       "unit_name": t["unit_name"] or "", "deadline": t["deadline"], "due": t["due"]}
                      for t in late[:OVERDUE_LISTED]],
        patrol={"patrolled": covered, "grids": len(grids), "rate": _rate(covered, len(grids))},
        series={"days": chart_days, "new": [daily["new"].get(d, 0) for d in chart_days],
                "resolved": [daily["resolved"].get(d, 0) for d in chart_days]},
        cut=cut, partial=cut_dt < end_dt,
    )


async def daily_briefing(deps: Deps, day: date, unit_id: int | None = None) -> Briefing:
    """The briefing of one local day for a unit and everything under it (None: the whole district)."""
    return await _build(deps, "daily", day, 1, unit_id)


async def weekly_briefing(deps: Deps, week_start: date, unit_id: int | None = None) -> Briefing:
    """The same figures over seven local days from `week_start`."""
    return await _build(deps, "weekly", week_start, 7, unit_id)


def local_today(deps: Deps) -> date:
    return deps.now().astimezone(deps.calendar.tz).date()


def chart_path(deps: Deps, b: Briefing) -> Path:
    folder = Path(deps.config.db_path).resolve().parent / "charts"
    return folder / f"{b.kind}-{b.start}-{b.unit_id or 'all'}.png"


async def send_due(deps: Deps) -> int:
    """Queue the briefings owed now (after config.briefing_time, local): yesterday's every day, last week's on
    config.weekly_briefing_day. Each goes once (a kv marker in the same transaction); returns rows queued."""
    local = deps.now().astimezone(deps.calendar.tz)
    if local.time() < deps.config.briefing_time:
        return 0
    today = local.date()
    owed = [("daily", today - timedelta(days=1), f"briefing:daily:{today.isoformat()}")]
    if today.weekday() == deps.config.weekly_briefing_day:
        owed.append(("weekly", today - timedelta(days=7), f"briefing:weekly:{today.isoformat()}"))
    queued = 0
    for kind, first, key in owed:
        async with deps.db.read() as tx:
            if await kv.get(tx, key) is not None:
                continue
            people = await org.bound_supervisors(tx)
        rows = []
        for person in people:
            build = daily_briefing if kind == "daily" else weekly_briefing
            b = await build(deps, first, person["unit_id"])
            rows.append((person["chat_id"], b.to_dict(), await _chart_file(deps, b)))
        async with UnitOfWork(deps) as work:
            tx = work.tx
            if not await kv.add(tx, key, {"at": deps.now_iso(), "to": len(rows)}):
                continue                       # sent already (another process, a restart): nothing to keep
            for chat_id, data, chart in rows:
                if chart:
                    await deps.enqueue(tx, chat_id, "briefing_chart", {"briefing": data, "chart": chart},
                                         deps.now_iso())
                await deps.enqueue(tx, chat_id, "briefing", {"briefing": data}, deps.now_iso())
                queued += 2 if chart else 1
            work.commit()
    return queued


async def _chart_file(deps: Deps, b: Briefing) -> str | None:
    """Write the briefing's chart next to the database; None if matplotlib cannot draw it."""
    from bot.services import chart
    path = chart_path(deps, b)
    try:
        await asyncio.to_thread(chart.write_png, path, b.series, briefing_text.chart_title(b.to_dict()))
    except chart.ChartUnavailable:
        return None
    return str(path)


async def today_for(deps: Deps, actor) -> Briefing:
    """/stats: today so far, for a supervisor's jurisdiction (an admin: the whole district)."""
    from bot.services.errors import Forbidden
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("not_supervisor")
    return await daily_briefing(deps, local_today(deps), None if actor.role == "admin" else actor.unit_id)

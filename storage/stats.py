"""Aggregates for the briefing: counts over time ranges, done in SQL on the indexes of migration 003.

`units` is a JSON list of unit ids (the jurisdiction) or None for everything. A ticket belongs to
the jurisdiction of where it happened (its grid), or, without a grid, of the unit holding it.
"""
from __future__ import annotations

import json

from storage.db import PerEngine, Tx, id_list, per_engine

_SCOPE = "(CAST(:units AS TEXT) IS NULL OR coalesce(t.grid_id, t.unit_id) IN ({ids}))"

COUNT_CREATED = f"SELECT count(*) FROM tickets t WHERE t.created_at >= :start AND t.created_at < :end AND {_SCOPE}"
COUNT_ACCEPTED = f"SELECT count(*) FROM tickets t WHERE t.accepted_at >= :start AND t.accepted_at < :end AND {_SCOPE}"
COUNT_RESOLVED = f"SELECT count(*) FROM tickets t WHERE t.resolved_at >= :start AND t.resolved_at < :end AND {_SCOPE}"
COUNT_CLOSED = f"SELECT count(*) FROM tickets t WHERE t.closed_at >= :start AND t.closed_at < :end AND {_SCOPE}"
# A ticket paused (waiting on the resident) before its resolve deadline is not due by that deadline:
# the clock stopped, and resuming moves the deadline by the time waited.
_NOT_PAUSED_BEFORE_DUE = "NOT (t.paused_at IS NOT NULL AND t.paused_at < t.resolve_due)"
OVERDUE = f"""
SELECT t.*, CASE t.state WHEN 'pending' THEN 'accept' ELSE 'resolve' END AS deadline,
       CASE t.state WHEN 'pending' THEN t.accept_due ELSE t.resolve_due END AS due,
       s.name AS handler_name, u.name AS unit_name
  FROM tickets t LEFT JOIN staff s ON s.id = t.handler_id LEFT JOIN units u ON u.id = t.unit_id
 WHERE t.state IN ('pending', 'accepted')
   AND ((t.state = 'pending' AND t.accept_due < :cut)
        OR (t.state = 'accepted' AND t.resolve_due < :cut AND {_NOT_PAUSED_BEFORE_DUE}))
   AND {_SCOPE}
 ORDER BY due, t.id
"""
# 响应率: tickets whose sign-for deadline fell in [start, cut) or that were signed for in [start, end);
# on time = signed for at or before the sign-for deadline.
RESPONSE = f"""
SELECT count(*) AS total, coalesce(sum(CASE WHEN t.accepted_at IS NOT NULL AND t.accepted_at <= t.accept_due THEN 1 ELSE 0 END), 0) AS on_time
  FROM tickets t
 WHERE t.id IN (SELECT id FROM tickets WHERE accept_due >= :start AND accept_due < :cut
                UNION SELECT id FROM tickets WHERE accepted_at >= :start AND accepted_at < :end)
   AND t.state NOT IN ('cancelled', 'merged') AND {_SCOPE}
"""
# 解决率: tickets whose (current) resolve deadline fell in [start, cut), or that were resolved in
# [start, end), including those reopened since (不满意重办 clears resolved_at, so those are found by
# their unsatisfied rating, through the ratings index, and their resolve event in the period);
# resolved = resolved or closed now (a reopened ticket is not resolved).
RESOLUTION = f"""
SELECT count(*) AS due, coalesce(sum(CASE WHEN t.state IN ('resolved', 'closed') AND t.resolved_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS resolved
  FROM tickets t
 WHERE t.id IN (SELECT id FROM tickets t WHERE resolve_due >= :start AND resolve_due < :cut
                   AND {_NOT_PAUSED_BEFORE_DUE}
                UNION SELECT id FROM tickets WHERE resolved_at >= :start AND resolved_at < :end
                UNION SELECT e.ticket_id FROM ticket_events e
                 WHERE e.action IN ('rate_satisfied', 'rate_unsatisfied') AND e.action = 'rate_unsatisfied'
                   AND e.at >= :start
                   AND EXISTS (SELECT 1 FROM ticket_events r WHERE r.ticket_id = e.ticket_id AND r.action = 'resolve'
                                  AND r.at >= :start AND r.at < :end))
   AND t.state NOT IN ('cancelled', 'merged') AND {_SCOPE}
"""
# 满意率: ratings given in [start, end); satisfied = satisfied or basically satisfied.
SATISFACTION = f"""
SELECT count(*) AS rated,
       coalesce(sum(CASE WHEN {{rating}} IN ('satisfied', 'basically_satisfied') THEN 1 ELSE 0 END), 0) AS satisfied
  FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
 WHERE e.action IN ('rate_satisfied', 'rate_unsatisfied') AND e.at >= :start AND e.at < :end AND {_SCOPE}
"""
TOP_CATEGORIES = f"""
SELECT t.category, count(*) AS n FROM tickets t
 WHERE t.created_at >= :start AND t.created_at < :end AND {_SCOPE}
 GROUP BY t.category ORDER BY n DESC, t.category
"""
HOT_SPOTS = f"""
SELECT coalesce(nullif(t.place, ''), g.name) AS spot, count(*) AS n
  FROM tickets t LEFT JOIN units g ON g.id = t.grid_id
 WHERE t.created_at >= :start AND t.created_at < :end AND {_SCOPE}
 GROUP BY spot HAVING coalesce(nullif(t.place, ''), g.name) IS NOT NULL AND count(*) >= :min_reports ORDER BY n DESC, spot LIMIT :limit
"""
CREATED_PER_DAY = f"""
SELECT {{created_day}} AS day, count(*) AS n FROM tickets t
 WHERE t.created_at >= :start AND t.created_at < :end AND {_SCOPE} GROUP BY day
"""
RESOLVED_PER_DAY = f"""
SELECT {{resolved_day}} AS day, count(*) AS n FROM tickets t
 WHERE t.resolved_at >= :start AND t.resolved_at < :end AND {_SCOPE} GROUP BY day
"""


def _day(column: str) -> PerEngine:
    """The local date of a time column, `:offset` ("+480 minutes") from UTC."""
    return PerEngine(f"date({column}, :offset)",
                     f"to_char((CAST({column} AS timestamptz) + CAST(:offset AS interval)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')")


_FRAGMENTS = {"ids": id_list("units"), "created_day": _day("t.created_at"), "resolved_day": _day("t.resolved_at"),
              "rating": PerEngine("json_extract(e.data, '$.rating')", "CAST(e.data AS json) ->> 'rating'")}
# Each query above, for each engine: its scope and the fragments the engines write differently.
for _name in ("COUNT_CREATED", "COUNT_ACCEPTED", "COUNT_RESOLVED", "COUNT_CLOSED", "OVERDUE", "RESPONSE", "RESOLUTION",
              "SATISFACTION", "TOP_CATEGORIES", "HOT_SPOTS", "CREATED_PER_DAY", "RESOLVED_PER_DAY"):
    globals()[_name] = per_engine(globals()[_name], **_FRAGMENTS)


def _scope(units: list[int] | None) -> str | None:
    return None if units is None else json.dumps(units)


async def counts(tx: Tx, start: str, end: str, units: list[int] | None) -> dict[str, int]:
    params = {"start": start, "end": end, "units": _scope(units)}
    return {"new": await tx.scalar(COUNT_CREATED, params), "signed": await tx.scalar(COUNT_ACCEPTED, params),
            "resolved": await tx.scalar(COUNT_RESOLVED, params), "closed": await tx.scalar(COUNT_CLOSED, params)}


async def overdue(tx: Tx, cut: str, units: list[int] | None) -> list[dict]:
    return await tx.all(OVERDUE, {"cut": cut, "units": _scope(units)})


async def response(tx: Tx, start: str, end: str, cut: str, units: list[int] | None) -> dict:
    return await tx.one(RESPONSE, {"start": start, "end": end, "cut": cut, "units": _scope(units)})


async def resolution(tx: Tx, start: str, end: str, cut: str, units: list[int] | None) -> dict:
    return await tx.one(RESOLUTION, {"start": start, "end": end, "cut": cut, "units": _scope(units)})


async def satisfaction(tx: Tx, start: str, end: str, units: list[int] | None) -> dict:
    return await tx.one(SATISFACTION, {"start": start, "end": end, "units": _scope(units)})


async def top_categories(tx: Tx, start: str, end: str, units: list[int] | None) -> list[tuple]:
    """(category, tickets created in the period), every category, most first: they sum to `new`."""
    rows = await tx.all(TOP_CATEGORIES, {"start": start, "end": end, "units": _scope(units)})
    return [(r["category"], r["n"]) for r in rows]


async def hot_spots(tx: Tx, start: str, end: str, units: list[int] | None, limit: int = 5,
                    min_reports: int = 2) -> list[tuple]:
    rows = await tx.all(HOT_SPOTS, {"start": start, "end": end, "units": _scope(units), "limit": limit,
                                    "min_reports": min_reports})
    return [(r["spot"], r["n"]) for r in rows]


async def per_day(tx: Tx, start: str, end: str, offset_minutes: int, units: list[int] | None) -> dict:
    params = {"start": start, "end": end, "units": _scope(units), "offset": f"{offset_minutes:+d} minutes"}
    created = {r["day"]: r["n"] for r in await tx.all(CREATED_PER_DAY, params)}
    resolved = {r["day"]: r["n"] for r in await tx.all(RESOLVED_PER_DAY, params)}
    return {"new": created, "resolved": resolved}

"""延期: which new deadline a handler asks for, from a button (+3/+5/+10 working days) or typed as
people write dates (bot/dates.py). The request itself is handling.request_extension.

A new deadline runs to the end of its day (the deadline policy's rule: 18:00 local time, or the end
of the office hours when they are configured). It must fall on a day after the current deadline's day (and after today).
"""
from __future__ import annotations

from datetime import date, datetime

from bot import dates
from bot.clock import iso, parse_iso
from bot.services.actions import check, visible
from bot.services.deps import Actor, Deps
from bot.services.errors import InvalidInput, Stale
from bot.services.views import card

STEPS = (3, 5, 10)               # the buttons, in working days after the current deadline (or today)


def end_of_day(deps: Deps, day: date) -> datetime:
    return deps.deadlines.extension_end(day)


def _today(deps: Deps) -> date:
    return deps.now().astimezone(deps.calendar.tz).date()


def _first_day(deps: Deps, ticket: dict) -> date:
    """The day the steps count from: the current deadline's, or today once that has passed."""
    due = parse_iso(ticket["resolve_due"])
    return max(_today(deps), due.astimezone(deps.calendar.tz).date()) if due else _today(deps)


def options(deps: Deps, ticket: dict) -> list[tuple[int, str]]:
    """(working days, new deadline) for each button."""
    start = _first_day(deps, ticket)
    return [(n, iso(end_of_day(deps, dates.add_workdays(start, n, deps.calendar)))) for n in STEPS]


async def _ticket(deps: Deps, actor: Actor, ticket_id: int) -> tuple[dict, dict]:
    """The ticket, if the action table lets the actor ask to extend it now (its assignee, while it is worked on)."""
    async with deps.db.read() as tx:
        ticket = await visible(tx, actor, ticket_id)
        await check(tx, deps, actor, "ext", ticket)
        return ticket, await card(tx, deps, ticket)


async def offer(deps: Deps, actor: Actor, ticket_id: int) -> dict:
    """What the 延期 button shows: the current deadline and the three choices (the first is the example)."""
    ticket, view = await _ticket(deps, actor, ticket_id)
    return {"ticket": view, "options": options(deps, ticket)}


async def choose_step(deps: Deps, actor: Actor, ticket_id: int, step: str) -> dict:
    """A +N button: the new deadline it stands for (the reason is asked next)."""
    if step not in {str(n) for n in STEPS}:
        raise Stale("button")
    ticket, view = await _ticket(deps, actor, ticket_id)
    return {"ticket": view, "until": dict(options(deps, ticket))[int(step)]}


async def read(deps: Deps, actor: Actor, ticket_id: int, text: str, until: str | None = None) -> tuple[str, str]:
    """(new deadline, reason) from a typed answer; the reason may be empty (then it is asked for).

    A text that starts with a date sets the date (even after a button chose one); otherwise, after a
    button, the whole text is the reason."""
    ticket, _ = await _ticket(deps, actor, ticket_id)
    day, reason = dates.split_date(text, _today(deps), deps.calendar)
    if day is None:
        if until is None:
            raise InvalidInput("extension_not_date", example=options(deps, ticket)[0][1])
        return until, text.strip()
    due = parse_iso(ticket["resolve_due"])
    if day <= _today(deps) or (due and day <= due.astimezone(deps.calendar.tz).date()):
        raise InvalidInput("extension_too_early", deadline=ticket["resolve_due"], day=day.isoformat(),
                           example=options(deps, ticket)[0][1])
    return iso(end_of_day(deps, day)), reason

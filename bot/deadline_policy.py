"""One deadline policy: the time limits of a ticket from its category and priority, what a pause,
a reopen and an extension do to them. Built once by the composition root (`Deps.deadlines`)."""
from __future__ import annotations

from datetime import date, datetime, time

from bot.clock import iso, parse_iso
from bot.sla import Deadlines, TimeLimit, WorkCalendar, deadlines, limit_for

EXTENSION_END_OF_DAY = time(18, 0)         # an extension runs to the end of the working day asked for


class DeadlinePolicy:
    def __init__(self, config, lexicon, calendar: WorkCalendar) -> None:
        self.config, self.lexicon, self.calendar = config, lexicon, calendar

    def limit(self, category: str, priority: str) -> TimeLimit:
        found = self.lexicon.categories.get(category)
        return limit_for(self.config, found.limit if found else "help", priority)

    def initial(self, now: datetime, category: str, priority: str) -> Deadlines:
        return deadlines(now, self.limit(category, priority), self.calendar)

    def reopened(self, ticket: dict, now: datetime) -> str:
        """不满意重办: a whole new resolve limit from now."""
        return iso(self.initial(now, ticket["category"], ticket["priority"]).resolve_due)

    def resumed(self, ticket: dict, now: datetime) -> str:
        """The resolve deadline after a pause: moved by the time (natural or working) spent waiting."""
        paused_at, old_due = parse_iso(ticket["paused_at"]), parse_iso(ticket["resolve_due"])
        if self.limit(ticket["category"], ticket["priority"]).working_time:
            return iso(self.calendar.add_working_time(old_due, self.calendar.working_time_between(paused_at, now)))
        return iso(old_due + (now - paused_at))

    def extension_end(self, day: date) -> datetime:
        """An extension runs to the end of the day asked for: the end of office hours, or 18:00."""
        hours = self.calendar.office_hours
        return datetime.combine(day, hours[1] if hours else EXTENSION_END_OF_DAY, self.calendar.tz)

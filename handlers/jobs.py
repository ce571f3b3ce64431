"""Scheduled work on python-telegram-bot's JobQueue (APScheduler): thin callbacks over the services.

Jobs held in memory vanish on restart, so nothing here holds state: deadlines live in the
database, the repeating tick finds what is owed (sweep, auto-close, patrol reminders); the daily job at
config.briefing_time sends the briefings, and a minutely check sends any still owed after a restart
(each briefing goes once: a marker in the database).
"""
from __future__ import annotations

import logging

from telegram.ext import CallbackContext, JobQueue

from bot.services import briefing, patrol, sweep
from bot.services.deps import Deps

log = logging.getLogger("gridbot.jobs")
BRIEFING_CHECK = 60.0          # seconds between checks for a briefing still owed today


async def tick(deps: Deps) -> None:
    """One round of the repeating job: each part runs even if another fails."""
    for name, step in (("sweep", sweep.sweep), ("patrol", patrol.remind)):
        try:
            await step(deps)
        except Exception:
            log.exception("%s failed", name)


async def _tick(context: CallbackContext) -> None:
    await tick(context.job.data)


async def _briefing(context: CallbackContext) -> None:
    try:
        await briefing.send_due(context.job.data)
    except Exception:
        log.exception("briefing failed")


def schedule(job_queue: JobQueue, deps: Deps) -> None:
    config = deps.config
    interval = config.sweep_interval.total_seconds()
    job_queue.run_repeating(_tick, interval=interval, first=min(interval, 1.0), data=deps, name="sweep",
                            job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None})
    at = config.briefing_time.replace(tzinfo=deps.calendar.tz)
    job_queue.run_daily(_briefing, time=at, data=deps, name="briefing",
                        job_kwargs={"misfire_grace_time": None})
    # catch-up after a restart past the briefing time; its own job, so drawing charts never delays the sweep
    job_queue.run_repeating(_briefing, interval=BRIEFING_CHECK, first=BRIEFING_CHECK, data=deps,
                            name="briefing-catch-up", job_kwargs={"max_instances": 1, "coalesce": True})
    log.info("jobs scheduled: sweep every %ss, briefing at %s", interval, at)



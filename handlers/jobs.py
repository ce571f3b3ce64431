"""Scheduled work on python-telegram-bot's JobQueue (APScheduler): thin callbacks over the services.

Jobs held in memory vanish on restart, so nothing here holds state: deadlines live in the
database, the repeating tick finds what is owed (sweep, auto-close, patrol reminders); the daily job at
config.briefing_time sends the briefings, and a minutely check sends any still owed after a restart
(each briefing goes once: a marker in the database). With several processes on one database, only
the holder of the scheduler lease sweeps and sends briefings (bot/services/coordination.py); every
process renews its claim on the lease and refreshes its caches.
"""
from __future__ import annotations

import logging

from telegram.ext import CallbackContext, JobQueue

from bot.services import briefing, coordination, patrol, sweep
from bot.services.deps import Deps

log = logging.getLogger("gridbot.jobs")
BRIEFING_CHECK = 60.0          # seconds between checks for a briefing still owed today


async def _lease(deps: Deps) -> bool:
    try:
        return await coordination.hold(deps)
    except Exception:
        log.exception("scheduler lease")
        return False


async def _refresh(deps: Deps) -> None:
    try:
        await coordination.refresh_caches(deps)
    except Exception:
        log.exception("cache refresh failed")


async def tick(deps: Deps) -> None:
    """One round of the repeating job, in the lease holder only: each part runs even if another fails."""
    await _refresh(deps)
    if not await _lease(deps):
        return
    for name, step in (("sweep", sweep.sweep), ("patrol", patrol.remind)):
        try:
            await step(deps)
        except Exception:
            log.exception("%s failed", name)


async def _tick(context: CallbackContext) -> None:
    await tick(context.job.data)


async def _renew(context: CallbackContext) -> None:
    await _lease(context.job.data)
    await _refresh(context.job.data)


async def _briefing(context: CallbackContext) -> None:
    if not await _lease(context.job.data):
        return
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
    # renewed between ticks too, so a sweep_interval longer than lease_ttl does not drop the lease
    renew = config.lease_ttl.total_seconds() / 3
    job_queue.run_repeating(_renew, interval=renew, first=renew, data=deps, name="lease",
                            job_kwargs={"max_instances": 1, "coalesce": True})
    log.info("jobs scheduled: sweep every %ss, briefing at %s", interval, at)



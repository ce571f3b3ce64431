"""Several processes on one database: who runs the singleton jobs, and how caches learn of changes.

The sweep and the briefings run in whichever process holds the "scheduler" lease (a row in the
database: holder, expiry). The holder renews it on every tick and at a third of `lease_ttl`; if it dies,
another process takes the lease once it has expired, so the jobs move within `lease_ttl` plus one
renewal interval. A lease row rather than a PostgreSQL advisory lock: an advisory lock lives as long as
one connection (a pooled connection, a proxy such as PgBouncer in transaction mode or a hung process
that keeps its socket open would hold or lose it invisibly), while a lease expires on its own, shows
who holds it, and works the same on SQLite. Clocks of the processes must agree to well within
`lease_ttl` (NTP); the sweep's alerts are recorded once per (ticket, kind, level) in any case.

Caches: identities (Deps.actors) are re-read after ACTOR_TTL (bot/services/accounts.py). Units and
place names change only with an org import, which bumps the "org_version" key; each process checks
it at most every `cache_ttl` and rebuilds its caches, so another process's import shows within that.
"""
from __future__ import annotations

import logging
import secrets
import time
from typing import TYPE_CHECKING

from bot.clock import iso
from bot.services.units import refresh_places
from storage import kv, leases

if TYPE_CHECKING:
    from bot.services.deps import Deps

log = logging.getLogger("gridbot.coordination")
SCHEDULER = "scheduler"
ORG_VERSION = "org_version"


async def hold(deps: Deps, name: str = SCHEDULER) -> bool:
    """Take or renew the lease; True while this process holds it."""
    now = deps.now()
    async with deps.db.transaction() as tx:
        held = await leases.take(tx, name, deps.node, iso(now), iso(now + deps.config.lease_ttl))
    was = deps.leases.get(name, False)
    if held != was:
        log.info("lease %s %s by %s", name, "taken" if held else "lost", deps.node)
    deps.leases[name] = held
    return held


async def release(deps: Deps, name: str = SCHEDULER) -> None:
    """Give the lease up at a clean stop, so another process takes over at once."""
    if deps.leases.pop(name, False):
        async with deps.db.transaction() as tx:
            await leases.release(tx, name, deps.node)


async def org_changed(tx, now: str) -> None:
    """Called in the transaction of an org import: every process's caches are stale from its commit."""
    await kv.put(tx, ORG_VERSION, {"at": now, "id": secrets.token_hex(6)})     # unique even at one instant


async def refresh_caches(deps: Deps, force: bool = False) -> bool:
    """Rebuild the unit cache and the place names if the org changed since we read it; at most
    once per cache_ttl unless forced. True if they were rebuilt."""
    mono = time.monotonic()
    if not force and mono - deps.cache_checked < deps.config.cache_ttl.total_seconds():
        return False
    deps.cache_checked = mono
    async with deps.db.read() as tx:
        version = await kv.get(tx, ORG_VERSION)
    if version == deps.org_version and not force:
        return False
    deps.units.clear()
    await refresh_places(deps)
    deps.org_version = version
    return True

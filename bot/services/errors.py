"""What a use case can refuse, with its meaning; the channel renders each in one place.

ServiceError
 ├── NotFound        no such ticket/code, or not one the actor may see (we do not reveal which)
 ├── Forbidden       the actor's role or jurisdiction does not allow the action
 ├── Stale           the ticket has moved on (state changed, or another actor won the race)
 ├── InvalidInput    the input cannot be used; `reason` says why
 └── RateLimited     too many attempts; try later
"""
from __future__ import annotations


class ServiceError(Exception):
    code = "error"

    def __init__(self, reason: str = "", **details):
        super().__init__(reason or self.code)
        self.reason = reason
        self.details = details


class NotFound(ServiceError):
    code = "not_found"


class Forbidden(ServiceError):
    code = "forbidden"


class Stale(ServiceError):
    code = "stale"


class InvalidInput(ServiceError):
    code = "invalid"


class RateLimited(ServiceError):
    code = "rate_limited"

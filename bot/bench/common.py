"""Small helpers shared by the benchmark sections."""
from __future__ import annotations

import math
import time
from contextlib import contextmanager


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(p / 100 * len(ordered)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]


@contextmanager
def stopwatch():
    """`with stopwatch() as t: ...; t()` gives the seconds the block took."""
    begun = time.perf_counter()
    end = None

    def elapsed() -> float:
        return (end if end is not None else time.perf_counter()) - begun

    try:
        yield elapsed
    finally:
        end = time.perf_counter()

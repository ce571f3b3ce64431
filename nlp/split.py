"""Held-out split for calibration that keeps near-duplicates of held-out rows out of training.

The raw and tokenized training files share many messages; a held-out message whose twin stays
in training would look easier than it is. Two rows are twins when most of their long tokens
(3+ characters, rare enough to be telling) are shared.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence


def _long(feats) -> set[str]:
    return {f for f in feats if len(f) >= 3}


def holdout_split(feature_sets: Sequence[set[str]], candidates: Sequence[int], fraction: float,
                  seed: int = 13) -> tuple[list[int], list[int]]:
    """Return (train indices, held-out indices); held-out rows are drawn from `candidates`."""
    rng = random.Random(seed)
    pool = list(candidates)
    rng.shuffle(pool)
    held = sorted(pool[: int(len(pool) * fraction)])
    held_set = set(held)
    longs = {i: _long(feature_sets[i]) for i in range(len(feature_sets))}
    posting: dict[str, list[int]] = defaultdict(list)
    for i in held:
        for tok in longs[i]:
            posting[tok].append(i)
    train = []
    for i in range(len(feature_sets)):
        if i in held_set:
            continue
        hits: Counter[int] = Counter()
        for tok in longs[i]:
            ids = posting.get(tok)
            if ids and len(ids) <= 20:
                hits.update(ids)
        mine = len(longs[i])
        if not any(n >= 5 and n >= 0.5 * min(mine, len(longs[j])) for j, n in hits.items()):
            train.append(i)
    return train, held

"""Held-out split for calibration that keeps near-duplicates of held-out rows out of training.

The raw and tokenized training files share most messages (re-segmented, lightly edited); a
held-out message whose twin stays in training looks easier than it is. Two rows are twins when
the cosine of their token vectors (1 + ln(count), L2-normalised) is at least `threshold`: with
0.5, the held-out rows' nearest neighbours in training are as far as those of unseen messages
(measured on the TIPDM files: median 0.28 for the dev file against the training files, 0.27
for this split). Only rows sharing several rare tokens with a held-out row are compared.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence

from nlp.features import vector

RARE = 30          # a token in at most this many held-out rows is telling
CHECK = 5          # compare a row with the held-out rows it shares the most rare tokens with


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


def twins_of(held: Sequence[int], token_lists: Sequence[Sequence[str]],
             threshold: float = 0.5) -> set[int]:
    """Rows (not in `held`) whose cosine to some held-out row is at least `threshold`.
    With scipy (the optional `train` extra), every pair is compared (one sparse product); without it,
    only rows sharing several rare tokens with a held-out row."""
    held_set = set(held)
    units = [vector(tokens, 1, "log", True) for tokens in token_lists]
    try:
        from scipy.sparse import csr_matrix
    except ImportError:
        pass
    else:
        return _twins_scipy(held, units, threshold, csr_matrix)
    posting: dict[str, list[int]] = defaultdict(list)
    for i in held:
        for tok in units[i]:
            posting[tok].append(i)
    twins = set()
    for i, unit in enumerate(units):
        if i in held_set:
            continue
        shared: Counter[int] = Counter()
        for tok in unit:
            ids = posting.get(tok)
            if ids and len(ids) <= RARE:
                shared.update(ids)
        for j, _n in shared.most_common(CHECK):
            if _cosine(unit, units[j]) >= threshold:
                twins.add(i)
                break
    return twins


def _twins_scipy(held, units, threshold, csr_matrix) -> set[int]:
    import numpy as np

    ids: dict[str, int] = {}
    indptr, cols, vals = [0], [], []
    for unit in units:
        for tok, v in unit.items():
            cols.append(ids.setdefault(tok, len(ids)))
            vals.append(v)
        indptr.append(len(cols))
    matrix = csr_matrix((np.asarray(vals), cols, indptr), shape=(len(units), max(len(ids), 1)))
    if not len(held):
        return set()
    cosine = (matrix @ matrix[list(held)].T).tocsr()
    best = np.asarray(cosine.max(axis=1).todense()).ravel()
    held_set = set(held)
    return {i for i in np.flatnonzero(best >= threshold - 1e-9).tolist() if i not in held_set}


def holdout_split(token_lists: Sequence[Sequence[str]], candidates: Sequence[int], fraction: float,
                  seed: int = 13, threshold: float = 0.5) -> tuple[list[int], list[int]]:
    """Return (train indices, held-out indices); held-out rows are drawn from `candidates`,
    and rows that are twins of a held-out row are in neither."""
    rng = random.Random(seed)
    pool = list(candidates)
    rng.shuffle(pool)
    held = sorted(pool[: int(len(pool) * fraction)])
    drop = twins_of(held, token_lists, threshold) | set(held)
    return [i for i in range(len(token_lists)) if i not in drop], held


HELD_FRACTION = 0.3


def held_out(text: str, fraction: float = HELD_FRACTION) -> bool:
    """A fixed, data-independent split: True for about `fraction` of texts (by a hash of the text),
    so the same message is always on the same side (the default lexicon is trained on the other side)."""
    import hashlib

    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") % 10_000 < fraction * 10_000

"""A multiclass linear model learned by averaged passive-aggressive updates (PA-I, hinge loss).

Pure Python over sparse examples: each example is (feature ids, scale, class index) and every
feature present has the value `scale` (binary features, L2-normalised: scale = 1/sqrt(n)).
Only the true class and the most violating class are updated, and the averaged weights
generalise like a linear SVM.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from operator import itemgetter

Example = tuple[Sequence[int], float, int]


class LinearModel:
    """Weights per class as dense lists over feature ids, plus a bias per class."""

    def __init__(self, n_classes: int, n_features: int):
        self.weights = [[0.0] * n_features for _ in range(n_classes)]
        self.bias = [0.0] * n_classes

    def scores(self, ids: Sequence[int], scale: float) -> list[float]:
        if not ids:
            return list(self.bias)
        get = itemgetter(*ids, ids[0]) if len(ids) == 1 else itemgetter(*ids)
        extra = 1 if len(ids) == 1 else 0
        return [b + scale * (sum(get(w)) - (w[ids[0]] if extra else 0.0))
                for w, b in zip(self.weights, self.bias)]


def train_pa(examples: Sequence[Example], n_classes: int, n_features: int, epochs: int = 8,
             c: float = 1.0, seed: int = 13, gain: Sequence[float] | None = None) -> LinearModel:
    """Train with averaged PA-I; returns the averaged model.

    `gain[f]` (e.g. idf squared) scales the updates of feature f: learning with feature values
    sqrt(gain) * scale, the returned weights already multiplied by sqrt(gain).
    """
    gain = gain or [1.0] * n_features
    model = LinearModel(n_classes, n_features)
    acc = LinearModel(n_classes, n_features)    # sum of step * time, for averaging
    getters = [itemgetter(*ids) if len(ids) > 1 else None for ids, _s, _y in examples]
    order = list(range(len(examples)))
    rng = random.Random(seed)
    classes = range(n_classes)
    t = 1
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ids, scale, y = examples[i]
            get = getters[i]
            if get is None:
                scores = model.scores(ids, scale)
            else:
                scores = [b + scale * sum(get(w)) for w, b in zip(model.weights, model.bias)]
            true = scores[y]
            scores[y] = float("-inf")
            other = max(classes, key=scores.__getitem__)
            loss = 1.0 - true + scores[other]
            if loss > 0:
                norm2 = scale * scale * sum(map(gain.__getitem__, ids)) + 1.0
                tau = min(c, loss / (2 * norm2))
                _step(model, acc, ids, scale, y, tau, t, gain)
                _step(model, acc, ids, scale, other, -tau, t, gain)
            t += 1
    return _average(model, acc, t)


def _step(model, acc, ids, scale, k, tau, t, gain) -> None:
    w, a = model.weights[k], acc.weights[k]
    d = tau * scale
    dt = d * t
    for f in ids:
        g = gain[f]
        w[f] += d * g
        a[f] += dt * g
    model.bias[k] += tau
    acc.bias[k] += tau * t


def _average(model: LinearModel, acc: LinearModel, t: int) -> LinearModel:
    out = LinearModel(0, 0)
    out.weights = [[v - s / t for v, s in zip(w, a)] for w, a in zip(model.weights, acc.weights)]
    out.bias = [b - s / t for b, s in zip(model.bias, acc.bias)]
    return out

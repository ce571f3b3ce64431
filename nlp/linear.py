"""A linear SVM (one-vs-rest, squared hinge loss) by dual coordinate descent, in pure Python.

The solver of LIBLINEAR / scikit-learn's LinearSVC (Hsieh et al., ICML 2008), without
shrinking: for each class, a binary SVM (class against the rest) with a regularised bias
(a constant feature of value 1). With `balanced`, each side's C is scaled by n / (2 n_side)
(scikit-learn's class_weight="balanced"), so a small category is not drowned by the rest. Examples are sparse: (feature ids, values, class index).
Optionally each class sees its own feature scaling (`scales[k][j]` multiplies feature j's
values for class k, as in NBSVM).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from operator import itemgetter, mul

Example = tuple[Sequence[int], Sequence[float], int]


class LinearModel:
    """Weights per class as dense lists over feature ids, plus a bias per class."""

    def __init__(self, weights: list[list[float]], bias: list[float]):
        self.weights = weights
        self.bias = bias


def train_svm(examples: Sequence[Example], n_classes: int, n_features: int, c: float = 1.0,
              epochs: int = 6, seed: int = 13,
              scales: Sequence[Sequence[float]] | None = None, balanced: bool = False) -> LinearModel:
    """One-vs-rest L2-loss linear SVM; `epochs` passes of dual coordinate descent per class.
    With `scales`, class k is trained on values scaled by scales[k] (weights are in scaled units)."""
    weights, bias = [], []
    for k in range(n_classes):
        ex = examples
        if scales is not None:
            r = scales[k]
            ex = [(ids, [v * r[j] for j, v in zip(ids, xs)], y) for ids, xs, y in examples]
        c_pos = c_neg = c
        if balanced:
            n_pos = sum(1 for _ids, _xs, y in examples if y == k)
            if 0 < n_pos < len(examples):
                c_pos = c * len(examples) / (2 * n_pos)
                c_neg = c * len(examples) / (2 * (len(examples) - n_pos))
        w, b = _binary(ex, k, n_features, c_pos, c_neg, epochs, random.Random(seed + k))
        weights.append(w)
        bias.append(b)
    return LinearModel(weights, bias)


def _binary(examples, k, n_features, c_pos, c_neg, epochs, rng) -> tuple[list[float], float]:
    # squared hinge: D_ii = 1 / (2 C_i), no upper bound on alpha
    diags = [0.5 / (c_pos if y == k else c_neg) for _ids, _xs, y in examples]
    w, b = [0.0] * n_features, 0.0
    alpha = [0.0] * len(examples)
    q = [sum(v * v for v in xs) + 1.0 + d for (_ids, xs, _y), d in zip(examples, diags)]
    getters = [itemgetter(*ids) if len(ids) > 1 else None for ids, _xs, _y in examples]
    order = list(range(len(examples)))
    for _ in range(epochs):
        rng.shuffle(order)
        for i in order:
            ids, xs, label = examples[i]
            get = getters[i]
            wx = sum(map(mul, get(w), xs)) if get else sum(w[j] * v for j, v in zip(ids, xs))
            y = 1.0 if label == k else -1.0
            a = alpha[i]
            grad = y * (wx + b) - 1.0 + diags[i] * a
            if a == 0.0 and grad >= 0.0:
                continue
            new = max(a - grad / q[i], 0.0)
            d = (new - a) * y
            if d:
                alpha[i] = new
                for j, v in zip(ids, xs):
                    w[j] += d * v
                b += d
    return w, b



def svm_binary(x, positive, c: float, balanced: bool, tol: float = 1e-4, max_iter: int = 1000):
    """One binary problem of train_svm (sparse matrix x, boolean `positive`), solved to convergence by
    scikit-learn's LinearSVC: LIBLINEAR's dual coordinate descent, squared hinge, a regularised bias
    (intercept_scaling 1), each side's C balanced alike. Returns (weights as an array, bias)."""
    import numpy as np
    from sklearn.svm import LinearSVC

    y = np.where(positive, 1, -1)
    n_pos = int(positive.sum())
    class_weight = None
    if balanced and 0 < n_pos < len(y):
        class_weight = {1: len(y) / (2 * n_pos), -1: len(y) / (2 * (len(y) - n_pos))}
    svm = LinearSVC(C=c, loss="squared_hinge", dual=True, class_weight=class_weight, tol=tol,
                    max_iter=max_iter, random_state=13)
    svm.fit(x, y)
    return svm.coef_[0], float(svm.intercept_[0])

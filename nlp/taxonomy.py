"""Learn the default taxonomy's keyword weights from coarsely labelled messages (`gridbot nlp taxonomy`).

The taxonomy (codes, names, departments, limits, urgent words) is the seed lexicon's, a hand-written
TOML file (nlp/data/seed_lexicon.toml); which words count, and how much, is learned:

- Targets. A coarse label accepts a set of categories (a label map, nlp.mapped). Each message is
  given, as its working target, the accepted category its current scores rank highest; at first
  the seed lexicon's scores (a message with no seed evidence for any accepted category waits, unless
  its label accepts only one). A linear model is fitted, and the targets are re-drawn within each
  label's set from the model's scores, a few rounds (constrained self-training).
- Seeds. Each seed keyword is also a tiny example of its category (weighted by its hand weight), so
  categories that no coarse label names (neighbour disputes) and words the data lacks keep their
  meaning; hand keywords that the data contradicts lose their weight.
- Model. Binary features (content tokens, adjacent bigrams, dictionary sub-words of long tokens) in
  at least `min_df` messages; multinomial logistic regression (scikit-learn, the optional `train`
  extra). A feature's weights are shifted so the smallest over the categories is 0: a word as common
  in one domain as in every other then weighs nothing anywhere. Weights under `min_weight` are
  dropped, as are features positive in more than `max_spread` categories, and a category keeps a
  word only if at least `min_support` of its messages (or a hand keyword) have it: fragments and
  words of one or two messages do not become the "basis" shown to residents.
- 其他 ("other") has no keywords: it is the absence of evidence (best score under min_score).
- Confidence. temperature and min_margin are fitted on a calibration part of the training rows
  (mapped correctness: an answer in the label's set counts as right), so that answers taken without
  asking are right at least `target` of the time there; on its rows of chat length (at most
  `short_chars` characters) when there are at least 100, since the rule serves chat messages (mixed
  with long letters, whose accuracy is lower, the threshold swung between folds and left half of the
  short messages unconfident).
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from pathlib import Path

from nlp.classifier import OTHER, Classifier
from nlp.dataset import LabelledText
from nlp.features import content_tokens, keep, ngrams
from nlp.lexicon import Lexicon, Scheme, make_category, make_lexicon
from nlp.mapped import LabelMap
from nlp.tokenizer import Tokenizer
from nlp.train import calibrate_margin

NGRAM = 2
SEED_PATH = Path(__file__).with_name("data") / "seed_lexicon.toml"


def _log(msg: str) -> None:
    print(f"[nlp taxonomy] {msg}", file=sys.stderr, flush=True)


SUBWORDS = True
_PARTS: dict[str, tuple[str, str]] = {}      # bigram feature -> its two tokens (seen in training)


def features(text: str, tokenizer: Tokenizer) -> set[str]:
    """The binary features of a text, as the Classifier computes them for the learned default lexicon."""
    kept = content_tokens(tokenizer.cut(text))
    for a, b in zip(kept, kept[1:]):
        _PARTS.setdefault(a + b, (a, b))
    out = set(ngrams(kept, NGRAM))
    return out | set(tokenizer.subwords(kept)) if SUBWORDS else out


def _targets(scores, allowed, codes, waiting=True):
    """Each row's accepted category of highest score; with `waiting` (the seed's scores), None for a
    row with no evidence for any of several accepted categories."""
    out = []
    for row_scores, ok in zip(scores, allowed):
        cands = [k for k, c in enumerate(codes) if c in ok]
        if not cands:
            out.append(None)
            continue
        best = max(cands, key=lambda k: row_scores[k])
        if waiting and row_scores[best] <= 0 and len(cands) > 1:
            out.append(None)
        else:
            out.append(best)
    return out


def generic_features(rows: Sequence[LabelledText], feats: Sequence[set[str]], seed: Lexicon,
                     words: Sequence[str] = (), spread: float = 2.0, min_share: float = 0.005) -> set[str]:
    """Features that are no evidence: the given words, and features in at least `min_share` of the
    messages whose rate in the coarse label using them most is under `spread` times their median
    rate over the labels (lower median; labels of at least 50 messages, or a tenth of them). Hand keywords of weight 3 are kept."""
    sizes: dict[str, int] = {}
    counts: dict[str, dict[str, int]] = {}
    for row, f in zip(rows, feats):
        sizes[row.label] = sizes.get(row.label, 0) + 1
        per = counts.setdefault(row.label, {})
        for x in f:
            per[x] = per.get(x, 0) + 1
    labels = [label for label, n in sizes.items() if n >= min(50, len(rows) // 10)]
    total: dict[str, int] = {}
    for per in counts.values():
        for x, n in per.items():
            total[x] = total.get(x, 0) + n
    strong = {w for code, cat in seed.categories.items() if code != OTHER
              for w, weight in cat.keywords.items() if weight >= 3}
    out = set(words)
    for x, n in total.items():
        if n < min_share * len(rows) or x in strong or not labels:
            continue
        rates = sorted(counts[label].get(x, 0) / sizes[label] for label in labels)
        if rates[-1] < spread * max(rates[(len(rates) - 1) // 2], 1e-9):
            out.add(x)
    # a bigram with a generic half (纺织路1号楼 -> 路 + 号楼) is an address fragment, not evidence
    out |= {x for x in total if x not in strong and any(p in out for p in _PARTS.get(x, ()))}
    return out


def learn_taxonomy(seed: Lexicon, rows: Sequence[LabelledText], label_map: LabelMap, tokenizer: Tokenizer,
                   rounds: int = 3, c: float = 1.0, min_df: int = 3, min_weight: float = 0.3,
                   max_keywords: int = 400, seed_weight: float = 1.0, calibrate: float = 0.2,
                   target: float = 0.85, max_spread: int = 4, balance: float = 0.5,
                   generic_words: Sequence[str] = (), anchor: float = 0.3, min_support: int = 5,
                   short_chars: int = 100) -> Lexicon:
    """A lexicon with the seed's taxonomy and weights learned from the rows (see the module docstring)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    codes = [code for code in seed.categories if code != OTHER]
    rows = [r for r in rows if r.label in label_map.strict]
    if not rows:
        raise ValueError("no training rows with a label of the label map")
    _log(f"{len(rows)} rows, {len(codes)} categories; segmenting")
    feats = [features(r.full_text, tokenizer) for r in rows]
    allowed = [label_map.strict[r.label] for r in rows]
    seed_clf = Classifier(seed, tokenizer)
    seed_index = [seed.categories[c] for c in codes]
    seed_scores = []
    for r in rows:
        s, _m = seed_clf.scores(tokenizer.cut(r.full_text))
        seed_scores.append([s[list(seed.categories).index(c)] for c in codes])
    # seed keywords as examples of their categories
    seed_docs, seed_labels, seed_w = [], [], []
    for k, cat in enumerate(seed_index):
        for word, weight in cat.keywords.items():
            if weight > 0:
                seed_docs.append(features(word, tokenizer))
                seed_labels.append(k)
                seed_w.append(seed_weight * weight / 3.0)
    generic = generic_features(rows, feats, seed, generic_words)
    _log(f"{len(generic)} generic features carry no weight")
    df: dict[str, int] = {}
    for f in feats:
        for x in f:
            df[x] = df.get(x, 0) + 1
    seed_words = {w for cat in seed.categories.values() for w in cat.keywords}
    vocab = sorted(x for x in {x for x, n in df.items() if n >= min_df} | {x for d in seed_docs for x in d}
                   if x not in generic and keep(x) and (len(x) > 1 or x in seed_words))
    ids = {x: j for j, x in enumerate(vocab)}

    def matrix(sets):
        indptr, indices = [0], []
        for s in sets:
            indices.extend(sorted(ids[x] for x in s if x in ids))
            indptr.append(len(indices))
        return csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(sets), len(vocab)))

    x_rows, x_seed = matrix(feats), matrix(seed_docs)
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r.label] = sizes.get(r.label, 0) + 1
    label_w = {label: (len(rows) / (len(sizes) * n)) ** balance for label, n in sizes.items()}
    order = list(range(len(rows)))
    random.Random(13).shuffle(order)
    n_cal = int(len(rows) * calibrate)
    cal, fit_idx = sorted(order[:n_cal]), sorted(order[n_cal:])

    def fit(indices):
        scores = [seed_scores[i] for i in indices]
        model = None
        for r in range(rounds + 1):
            targets = _targets(scores, [allowed[i] for i in indices], codes, waiting=r == 0)
            use = [j for j, t in enumerate(targets) if t is not None]
            y = np.array([targets[j] for j in use] + seed_labels)
            w = np.array([label_w[rows[indices[j]].label] for j in use] + seed_w)
            from scipy.sparse import vstack
            x = vstack([x_rows[[indices[j] for j in use]], x_seed])
            model = LogisticRegression(C=c, max_iter=300, class_weight=None)
            model.fit(x, y, sample_weight=w)
            full = np.full((len(indices), len(codes)), -1e9)
            full[:, model.classes_] = model.decision_function(x_rows[indices])
            # re-drawn targets keep the hand keywords' say, so the largest category cannot swallow the rest
            scores = (full + anchor * np.array([seed_scores[i] for i in indices])).tolist()
            _log(f"round {r}: {len(use)} targets")
        # support[k, j]: messages of target k with feature j (a seed example counts min_support times)
        counts = np.array([1.0] * len(use) + [float(min_support)] * len(seed_labels))
        onehot = csr_matrix((counts, (y, np.arange(len(y)))), shape=(len(codes), len(y)))
        support = (onehot @ (x > 0).astype(float)).toarray()
        return model, support

    def to_lexicon(fitted, min_margin=0.0, temperature=1.0):
        model, support = fitted
        coef = np.zeros((len(codes), len(vocab)))
        bias = np.full(len(codes), -50.0)
        coef[model.classes_] = model.coef_
        bias[model.classes_] = model.intercept_
        coef -= np.median(coef, axis=0, keepdims=True)
        coef[coef < min_weight] = 0.0
        coef[:, (coef > 0).sum(axis=0) > max_spread] = 0.0   # positive in many categories: generic
        coef[support < min_support] = 0.0                     # a word of one or two messages: no reason
        cats = []
        for k, code in enumerate(codes):
            row = coef[k]
            top = [j for j in np.argsort(-row)[:max_keywords] if row[j] >= min_weight]
            base = seed.categories[code]
            cats.append(make_category(code, base.name, base.department, base.limit,
                                      {vocab[j]: round(float(row[j]), 2) for j in top}))
        other = seed.categories.get(OTHER)
        if other is not None:
            cats.append(make_category(OTHER, other.name, other.department, other.limit, {}))
        biases = {code: round(float(b - bias.max()), 2) for code, b in zip(codes, bias)}
        biases[OTHER] = -100.0
        return make_lexicon(cats, seed.urgent_words, biases, 0.0, min_margin,
                            Scheme(ngram=NGRAM, norm="none", temperature=temperature, tf="binary", subwords=SUBWORDS),
                            seed.urgent_hedges)

    min_margin, temperature = 0.0, 1.0
    if n_cal >= 50:
        _log(f"calibration: fitting on {len(fit_idx)}, holding out {len(cal)}")
        clf = Classifier(to_lexicon(fit(fit_idx)), tokenizer)
        # the rule serves chat messages: calibrated on the held rows of chat length when there are enough
        short = [i for i in cal if len(rows[i].full_text) <= short_chars]
        if len(short) >= 100:
            cal = short
        results = [clf.classify(rows[i].full_text) for i in cal]
        all_scores = [[s for _c, s in res.candidates] for res in results]
        correct = [res.category in allowed[i] for res, i in zip(results, cal)]
        margins = [s[0] - s[1] for s in all_scores]
        best_t, best_ll = 1.0, -math.inf
        for t in (0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4):         # two-way: right vs wrong given the margin
            ll = sum(math.log(max(1e-9, (1 + math.tanh(t * m / 2)) / 2 if ok else (1 - math.tanh(t * m / 2)) / 2))
                     for m, ok in zip(margins, correct))
            if ll > best_ll:
                best_t, best_ll = t, ll
        temperature = float(best_t)
        confs = [math.tanh(temperature * m / 2) for m in margins]
        min_margin = calibrate_margin(confs, correct, target)
        _log(f"calibration accuracy {sum(correct) / len(correct):.3f}; temperature {temperature}, "
             f"min_margin {min_margin} (confident {sum(x >= min_margin for x in confs)}/{len(confs)})")
    return to_lexicon(fit(list(range(len(rows)))), min_margin, temperature)

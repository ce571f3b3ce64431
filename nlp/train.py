"""Learn a keyword lexicon from labelled texts with a discriminative linear model.

Features are those of nlp.features (content tokens and adjacent bigrams, each once), L2
normalised (value 1/sqrt(n) for a text with n distinct features), exactly what the Classifier
computes from a lexicon with `norm = "l2"`. An averaged passive-aggressive learner (hinge loss,
like a linear SVM) fits one weight per (feature, category); since adding the same constant to a
feature's weights in every category changes no decision, each feature's weights are shifted so
that the smallest is 0, which leaves positive keyword weights only. The strongest `max_keywords`
per category are kept. Part of the data is held out first (near-duplicates removed from the
rest) to fit the confidence temperature and calibrate min_margin; the final model uses all rows.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence

from nlp.classifier import Classifier
from nlp.dataset import LabelledText
from nlp.features import extract
from nlp.lexicon import Lexicon, Scheme, make_category, make_lexicon
from nlp.linear import train_pa
from nlp.split import holdout_split
from nlp.tokenizer import Tokenizer

NGRAM = 2
IDF = True
DEFAULT_URGENT = ()


def _log(msg: str) -> None:
    print(f"[nlp train] {msg}", file=sys.stderr, flush=True)


def featurize(rows: Sequence[LabelledText], tokenizer: Tokenizer) -> list[set[str]]:
    """Feature sets of the rows: given tokens for tokenized rows, the Tokenizer otherwise."""
    out = []
    for row in rows:
        tokens = row.full_text.split() if row.tokenized else tokenizer.cut(row.full_text)
        out.append(extract(tokens, NGRAM))
    return out


def _fit(feature_sets, labels, indices, n_classes, epochs, min_df):
    df = Counter(f for i in indices for f in feature_sets[i])
    vocab = [f for f, n in df.items() if n >= min_df]
    ids = {f: j for j, f in enumerate(vocab)}
    examples = []
    for i in indices:
        feats = feature_sets[i]
        scale = 1.0 / math.sqrt(len(feats)) if feats else 1.0
        examples.append((tuple(ids[f] for f in feats if f in ids), scale, labels[i]))
    n_docs = len(indices)
    gain = [(math.log((1 + n_docs) / (1 + df[f])) + 1) ** 2 if IDF else 1.0 for f in vocab]
    model = train_pa(examples, n_classes, len(vocab), epochs=epochs, gain=gain)
    return model, vocab


def _to_lexicon(model, vocab, codes, max_keywords, min_margin=0.0, temperature=1.0) -> Lexicon:
    per_class: list[list[tuple[float, str]]] = [[] for _ in codes]
    for j, feat in enumerate(vocab):
        column = [w[j] for w in model.weights]
        low = min(column)
        for k, v in enumerate(column):
            if v - low > 1e-9:
                per_class[k].append((v - low, feat))
    cats = []
    for k, code in enumerate(codes):
        best = sorted(per_class[k], reverse=True)[:max_keywords]
        cats.append(make_category(code, code, "", "help", {f: round(v, 4) for v, f in best}))
    bias = {code: round(b, 4) for code, b in zip(codes, model.bias)}
    return make_lexicon(cats, DEFAULT_URGENT, bias, float("-inf"), min_margin,
                        Scheme(ngram=NGRAM, norm="l2", temperature=temperature))


def _fit_temperature(margins_scores, labels) -> float:
    """Temperature maximising the held-out softmax log-likelihood (grid search)."""
    best_t, best_ll = 1.0, -math.inf
    for t in (0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40):
        ll = 0.0
        for scores, y in zip(margins_scores, labels):
            top = max(scores)
            ll += t * (scores[y] - top) - math.log(sum(math.exp(t * (s - top)) for s in scores))
        if ll > best_ll:
            best_t, best_ll = float(t), ll
    return best_t


def calibrate_margin(confidences: Sequence[float], correct: Sequence[bool], target: float = 0.9) -> float:
    """Smallest confidence threshold above which held-out accuracy is at least `target`."""
    pairs = sorted(zip(confidences, correct), reverse=True)
    threshold, right = 1.0, 0
    for n, (conf, ok) in enumerate(pairs, start=1):
        right += ok
        if right / n >= target:
            threshold = conf
    return round(threshold, 4)


def train_lexicon(rows: Sequence[LabelledText], tokenizer: Tokenizer, max_keywords: int = 500,
                  epochs: int = 8, holdout: float = 0.15, min_df: int = 2,
                  target_precision: float = 0.9) -> Lexicon:
    """Train a lexicon (labels become category codes) from labelled rows."""
    codes = sorted({r.label for r in rows})
    index = {c: k for k, c in enumerate(codes)}
    labels = [index[r.label] for r in rows]
    _log(f"{len(rows)} rows, {len(codes)} categories; segmenting")
    feature_sets = featurize(rows, tokenizer)
    min_margin, temperature = 0.0, 1.0
    if holdout > 0 and len(rows) >= 50:
        pool = [i for i, r in enumerate(rows) if r.tokenized] or range(len(rows))
        train_idx, held = holdout_split(feature_sets, pool, holdout)
        _log(f"calibration: training on {len(train_idx)}, holding out {len(held)}")
        model, vocab = _fit(feature_sets, labels, train_idx, len(codes), epochs, min_df)
        lexicon = _to_lexicon(model, vocab, codes, max_keywords)
        clf = Classifier(lexicon, tokenizer)
        all_scores = [clf.score_features(feature_sets[i])[0] for i in held]
        temperature = _fit_temperature(all_scores, [labels[i] for i in held])
        confs, correct = [], []
        for scores, i in zip(all_scores, held):
            top = sorted(scores, reverse=True)
            confs.append(math.tanh(temperature * (top[0] - top[1]) / 2))
            correct.append(max(range(len(scores)), key=scores.__getitem__) == labels[i])
        min_margin = calibrate_margin(confs, correct, target_precision)
        _log(f"held-out accuracy {sum(correct) / len(correct):.3f}; temperature {temperature}, "
             f"min_margin {min_margin}")
    model, vocab = _fit(feature_sets, labels, range(len(rows)), len(codes), epochs, min_df)
    _log(f"final model: {len(vocab)} features")
    return _to_lexicon(model, vocab, codes, max_keywords, min_margin, temperature)


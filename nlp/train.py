"""Learn a keyword lexicon from labelled texts with a discriminative linear model (TF-IDF + SVM).

Segmentation. Every text goes through the same Tokenizer as at classification time: the rows
of a `*_tokenized` file are re-joined (spaces removed) and re-segmented, so that training and
classification see the same tokens (the pre-segmented files used another dictionary). Those
rows also count a second time with their tokens as given (more training signal).

Features (nlp.features.vector, `tf = "log"`, `norm = "l2"`, `subwords = true`): content
tokens, adjacent bigrams and the dictionary words inside long tokens (Tokenizer.subwords,
jieba's search mode: 公交车站 also counts as 公交 and 车站), value 1 + ln(count), divided by
the norm of the text's values; features in fewer than `min_df` training texts are dropped. NBSVM (Wang & Manning 2012): for each category,
feature f is scaled by its log-count ratio r_f = ln((p_f/|p|)/(q_f/|q|)), p and q counting
the category's and the other texts containing f (plus 1), and a one-vs-rest linear SVM
(nlp.linear, C = 0.5, each side's C balanced by its size) is fitted on the scaled values;
r is then folded into the keyword weights (w_f * r_f), so the classifier needs nothing but
the lexicon. Adding the same constant to a feature's weights in every category changes no
score difference, so each feature's weights are shifted to make the smallest 0; the
strongest `max_keywords` per category are kept.

Choices were made by cross-validation on the training files only (`gridbot nlp cv`, 5 folds
over the raw rows, twins held out), macro-F1: 500 keywords a category with C = 1, unbalanced
(the previous recipe) 0.903; with C = 0.5, balanced: 500 0.906, 1000 0.919, 2000 0.914; with
sub-words as well: 1000 0.924, 2000 0.924. The same grids with scikit-learn's LinearSVC over
3 seeds ranked them alike. Hence sub-words and 1000 a category.

Calibration. Part of the raw (not pre-segmented) rows is held out first, their twins removed
from the rest (nlp.split); a model fitted on the rest fixes the confidence temperature and
min_margin on the held-out rows. The final model uses all rows.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Sequence

from nlp.classifier import Classifier
from nlp.dataset import LabelledText
from nlp.features import content_tokens, vector
from nlp.lexicon import Lexicon, Scheme, make_category, make_lexicon
from nlp.linear import train_svm
from nlp.split import holdout_split
from nlp.tokenizer import Tokenizer

NGRAM = 2
SUBWORDS = True
DEFAULT_URGENT = ()


def _log(msg: str) -> None:
    print(f"[nlp train] {msg}", file=sys.stderr, flush=True)


def segment(row: LabelledText, tokenizer: Tokenizer) -> list[str]:
    """Content tokens of a row by the Tokenizer (pre-segmented rows are re-joined and re-segmented)."""
    text = "".join(row.full_text.split()) if row.tokenized else row.full_text
    return content_tokens(tokenizer.cut(text))


def doc_vector(tokens: list[str], tokenizer: Tokenizer, filtered: bool = False) -> dict[str, float]:
    """A text's vector as the Classifier computes it for a learned lexicon (`filtered`: the tokens
    are content tokens already, as segment() returns them)."""
    kept = tokens if filtered else content_tokens(tokens)
    return vector(kept, NGRAM, "log", True, tokenizer.subwords(kept) if SUBWORDS else (), filtered=True)


def featurize(rows: Sequence[LabelledText], tokenizer: Tokenizer) -> list[dict[str, float]]:
    """Document vectors of the rows, as the Classifier computes them for a learned lexicon."""
    return [doc_vector(segment(row, tokenizer), tokenizer, filtered=True) for row in rows]


def _log_count_ratios(vectors, labels, indices, ids, n_classes) -> list[list[float]]:
    """r[k][j]: NB log-count ratio of feature j for class k against the rest (binarised, alpha 1)."""
    counts = [[0] * len(ids) for _ in range(n_classes)]
    for i in indices:
        row = counts[labels[i]]
        for f in vectors[i]:
            j = ids.get(f)
            if j is not None:
                row[j] += 1
    total = [sum(col) for col in zip(*counts)]
    ratios = []
    for row in counts:
        p = [1 + n for n in row]
        q = [1 + t - n for t, n in zip(total, row)]
        sp, sq = sum(p), sum(q)
        ratios.append([math.log(a * sq / (b * sp)) for a, b in zip(p, q)])
    return ratios


def _fit(vectors, labels, indices, n_classes, epochs, min_df, c, balanced):
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return _fit_python(vectors, labels, indices, n_classes, epochs, min_df, c, balanced)
    return _fit_sklearn(vectors, labels, indices, n_classes, min_df, c, balanced)


def _fit_sklearn(vectors, labels, indices, n_classes, min_df, c, balanced):
    """_fit_python's model with numpy and LIBLINEAR (scikit-learn, the optional `train` extra): the
    same features, ratios and one-vs-rest problems, each solved to convergence."""
    import numpy as np
    from scipy.sparse import diags

    from nlp.linear import LinearModel, svm_binary

    full, names = _design_matrix(vectors)
    x = full[list(indices)]
    present = x.copy()
    present.data[:] = 1.0
    keep = np.flatnonzero(np.asarray(present.sum(axis=0)).ravel() >= min_df)
    x, present = x[:, keep], present[:, keep]
    vocab = [names[j] for j in keep.tolist()]
    y = np.asarray([labels[i] for i in indices])
    counts = np.vstack([np.asarray(present[y == k].sum(axis=0)).ravel() for k in range(n_classes)])
    p = 1.0 + counts
    q = 1.0 + counts.sum(axis=0, keepdims=True) - counts
    ratios = np.log(p * q.sum(axis=1, keepdims=True) / (q * p.sum(axis=1, keepdims=True)))
    weights, bias = [], []
    for k in range(n_classes):
        w, b = svm_binary(x @ diags(ratios[k]), y == k, c, balanced)
        weights.append((w * ratios[k]).tolist())          # fold the ratios into the keyword weights
        bias.append(b)
    return LinearModel(weights, bias), vocab


_DESIGN: list = []       # (vectors, matrix, feature names) of the last call: calibration and final fit share it


def _design_matrix(vectors):
    """All vectors as one sparse matrix over every feature (built once per training)."""
    import numpy as np
    from scipy.sparse import csr_matrix

    if _DESIGN and _DESIGN[0] is vectors and _DESIGN[3] == len(vectors):
        return _DESIGN[1], _DESIGN[2]
    ids: dict[str, int] = {}
    indptr, cols, vals = [0], [], []
    for vec in vectors:
        cols.extend(ids.setdefault(f, len(ids)) for f in vec)
        vals.extend(vec.values())
        indptr.append(len(cols))
    matrix = csr_matrix((np.asarray(vals), cols, indptr), shape=(len(vectors), max(len(ids), 1)))
    matrix.sort_indices()
    _DESIGN[:] = [vectors, matrix, list(ids), len(vectors)]
    return matrix, _DESIGN[2]


def _fit_python(vectors, labels, indices, n_classes, epochs, min_df, c, balanced):
    df = Counter(f for i in indices for f in vectors[i])
    vocab = [f for f, n in df.items() if n >= min_df]
    ids = {f: j for j, f in enumerate(vocab)}
    ratios = _log_count_ratios(vectors, labels, indices, ids, n_classes)
    examples = []
    for i in indices:
        pairs = [(ids[f], v) for f, v in vectors[i].items() if f in ids]
        examples.append(([j for j, _v in pairs], [v for _j, v in pairs], labels[i]))
    model = train_svm(examples, n_classes, len(vocab), c=c, epochs=epochs, scales=ratios,
                      balanced=balanced)
    for w, r in zip(model.weights, ratios):            # fold the ratios into the keyword weights
        for j, g in enumerate(r):
            w[j] *= g
    return model, vocab


def _prune(model, vocab, max_keywords) -> dict[str, dict[int, float]]:
    """Shift each feature's weights so the smallest is 0; keep the strongest per category."""
    per_class: list[list[tuple[float, int]]] = [[] for _ in model.weights]
    for j in range(len(vocab)):
        column = [w[j] for w in model.weights]
        low = min(column)
        for k, v in enumerate(column):
            if v - low > 1e-6:
                per_class[k].append((v - low, j))
    kept: dict[str, dict[int, float]] = {}
    for k, pairs in enumerate(per_class):
        for v, j in sorted(pairs, reverse=True)[:max_keywords]:
            kept.setdefault(vocab[j], {})[k] = v
    return kept


def _sparse_fit(vectors, labels, indices, n_classes, epochs, min_df, c, balanced, max_keywords):
    """NBSVM on the texts, pruned to `max_keywords` a category."""
    model, vocab = _fit(vectors, labels, indices, n_classes, epochs, min_df, c, balanced)
    return _prune(model, vocab, max_keywords), list(model.bias)


def _to_lexicon(kept, bias, codes, min_margin=0.0, temperature=1.0) -> Lexicon:
    cats = []
    for k, code in enumerate(codes):
        words = {f: round(row[k], 4) for f, row in kept.items() if k in row and round(row[k], 4)}
        cats.append(make_category(code, code, "", "help", words))
    bias = {code: round(b, 4) for code, b in zip(codes, bias)}
    return make_lexicon(cats, DEFAULT_URGENT, bias, float("-inf"), min_margin,
                        Scheme(ngram=NGRAM, norm="l2", temperature=temperature, tf="log", subwords=SUBWORDS))


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


def train_lexicon(rows: Sequence[LabelledText], tokenizer: Tokenizer, max_keywords: int = 1000,
                  epochs: int = 6, holdout: float = 0.2, min_df: int = 5, c: float = 0.5,
                  balanced: bool = True, target_precision: float = 0.9) -> Lexicon:
    """Train a lexicon (labels become category codes) from labelled rows."""
    codes = sorted({r.label for r in rows})
    index = {c: k for k, c in enumerate(codes)}
    labels = [index[r.label] for r in rows]
    _log(f"{len(rows)} rows, {len(codes)} categories; segmenting")
    tokens = [segment(row, tokenizer) for row in rows]
    vectors = [doc_vector(t, tokenizer, filtered=True) for t in tokens]
    twin = {}                       # pre-segmented rows count twice: as given and re-segmented
    for i, row in enumerate(rows):
        if row.tokenized:
            twin[i] = len(vectors)
            vectors.append(doc_vector(row.full_text.split(), tokenizer))
            labels.append(labels[i])
    min_margin, temperature = 0.0, 1.0
    if holdout > 0 and len(rows) >= 50:
        raw = [i for i, r in enumerate(rows) if not r.tokenized]
        pool = raw if len(raw) >= 200 else range(len(rows))
        train_idx, held = holdout_split(tokens, pool, holdout)
        train_idx += [twin[i] for i in train_idx if i in twin]
        _log(f"calibration: training on {len(train_idx)}, holding out {len(held)}")
        fitted = _sparse_fit(vectors, labels, train_idx, len(codes), epochs, min_df, c, balanced,
                             max_keywords)
        clf = Classifier(_to_lexicon(*fitted, codes), tokenizer)
        all_scores = [clf.score_vector(vectors[i])[0] for i in held]
        temperature = _fit_temperature(all_scores, [labels[i] for i in held])
        confs, correct = [], []
        for scores, i in zip(all_scores, held):
            top = sorted(scores, reverse=True)
            confs.append(math.tanh(temperature * (top[0] - top[1]) / 2))
            correct.append(max(range(len(scores)), key=scores.__getitem__) == labels[i])
        min_margin = calibrate_margin(confs, correct, target_precision)
        _log(f"held-out accuracy {sum(correct) / len(correct):.3f}; temperature {temperature}, "
             f"min_margin {min_margin} (confident: {sum(x >= min_margin for x in confs)}/{len(confs)})")
    kept, bias = _sparse_fit(vectors, labels, range(len(vectors)), len(codes), epochs, min_df, c,
                             balanced, max_keywords)
    _DESIGN.clear()
    _log(f"final model: {len(kept)} keywords in all")
    return _to_lexicon(kept, bias, codes, min_margin, temperature)

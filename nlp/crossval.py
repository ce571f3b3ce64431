"""Cross-validation of the training recipe on the training files alone (never the dev file).

Folds are drawn from the raw (not pre-segmented) rows, as the calibration split is; for each fold,
the rows that are twins of a held-out row (nlp.split) are left out of its training, so a held-out
message is as new to the model as a resident's would be. Each fold trains a lexicon with the
given recipe (no calibration) and measures it on its held-out rows.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence

from nlp.classifier import Classifier
from nlp.dataset import LabelledText
from nlp.evaluate import evaluate
from nlp.split import twins_of
from nlp.tokenizer import Tokenizer
from nlp.train import segment, train_lexicon


def folds_of(rows: Sequence[LabelledText], folds: int, seed: int) -> list[list[int]]:
    """`folds` disjoint held-out sets over the raw rows (all rows when none is raw)."""
    pool = [i for i, r in enumerate(rows) if not r.tokenized] or list(range(len(rows)))
    random.Random(seed).shuffle(pool)
    return [sorted(pool[f::folds]) for f in range(folds)]


def cross_validate(rows: Sequence[LabelledText], tokenizer: Tokenizer, folds: int = 5,
                   seeds: Sequence[int] = (13,), **recipe) -> dict:
    """Macro-F1 and accuracy of each fold, and their means."""
    tokens = [segment(row, tokenizer) for row in rows]
    results = []
    for seed in seeds:
        for f, held in enumerate(folds_of(rows, folds, seed)):
            leave_out = twins_of(held, tokens) | set(held)
            train = [r for i, r in enumerate(rows) if i not in leave_out]
            lexicon = train_lexicon(train, tokenizer, holdout=0, **recipe)
            report = evaluate(Classifier(lexicon, tokenizer), [rows[i] for i in held])
            results.append({"seed": seed, "fold": f, "train": len(train), "held": len(held),
                            "macro_f1": round(report.macro_f1, 4), "accuracy": round(report.accuracy, 4)})
            print(f"[nlp cv] seed {seed} fold {f}: training on {len(train)}, held out {len(held)}: "
                  f"macro-F1 {report.macro_f1:.4f}, accuracy {report.accuracy:.4f}", file=sys.stderr, flush=True)
    mean = lambda key: round(sum(r[key] for r in results) / len(results), 4)  # noqa: E731
    return {"folds": results, "macro_f1": mean("macro_f1"), "accuracy": mean("accuracy"), "n": len(results)}

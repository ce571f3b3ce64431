"""Measure a classifier on labelled texts: accuracy, macro-F1, per-category P/R/F1, confusion."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from nlp.classifier import Classifier
from nlp.dataset import LabelledText


@dataclass
class EvalReport:
    accuracy: float
    macro_f1: float
    n: int
    per_category: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)   # gold -> predicted -> count
    labels: list[str] = field(default_factory=list)

    def format_text(self) -> str:
        """A human-readable table: per-category precision/recall/F1 and the confusion matrix."""
        width = max([len(label) for label in self.labels] + [8]) + 2
        lines = [f"{'category':<{width}}{'P':>7}{'R':>7}{'F1':>7}{'n':>6}"]
        for label in self.labels:
            m = self.per_category[label]
            lines.append(f"{label:<{width}}{m['precision']:>7.3f}{m['recall']:>7.3f}"
                         f"{m['f1']:>7.3f}{int(m['support']):>6}")
        lines.append(f"accuracy {self.accuracy:.4f}  macro-F1 {self.macro_f1:.4f}  n {self.n}")
        lines.append("")
        lines.append("confusion (rows: gold, columns: predicted, in label order)")
        for i, gold in enumerate(self.labels):
            cells = "".join(f"{self.confusion.get(gold, {}).get(p, 0):>6}" for p in self.labels)
            lines.append(f"{i:>3} {gold:<{width}}{cells}")
        return "\n".join(lines)

    def as_json(self) -> str:
        """One JSON line: accuracy, macro_f1, n."""
        return json.dumps({"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
                           "n": self.n})


def predict(classifier: Classifier, row: LabelledText) -> str:
    """Category code predicted for one row (tokenized rows are not re-segmented)."""
    if row.tokenized:
        return classifier.classify_tokens(row.full_text.split()).category
    return classifier.classify(row.full_text).category


def evaluate(classifier: Classifier, rows: Iterable[LabelledText]) -> EvalReport:
    """Classify every row and compare with its label."""
    confusion: dict[str, Counter] = {}
    n = right = 0
    for row in rows:
        pred = predict(classifier, row)
        confusion.setdefault(row.label, Counter())[pred] += 1
        n += 1
        right += pred == row.label
    gold = set(confusion)
    predicted = {p for c in confusion.values() for p in c}
    labels = sorted(gold) + sorted(predicted - gold)
    per = {}
    for label in labels:
        tp = confusion.get(label, Counter())[label]
        support = sum(confusion.get(label, Counter()).values())
        pred_n = sum(c[label] for c in confusion.values())
        p = tp / pred_n if pred_n else 0.0
        r = tp / support if support else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per[label] = {"precision": p, "recall": r, "f1": f1, "support": float(support)}
    macro = sum(per[g]["f1"] for g in gold) / len(gold) if gold else 0.0
    return EvalReport(right / n if n else 0.0, macro, n, per,
                      {g: dict(c) for g, c in confusion.items()}, labels)

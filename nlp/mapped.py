"""Measure the default taxonomy on coarsely labelled messages: a label accepts a set of categories.

A label map (TOML, e.g. nlp/data/msga_map.toml) gives, per coarse label, the category codes that
count as right (`[strict]`) and those also acceptable (`[lenient]`, reported apart). An answer of
其他 ("other") never counts as right. Besides accuracy, the report says how often the answer would
be taken without asking the resident (confident and not 其他, as intake does), how often those
answers are right, and how often the answer is 其他.
"""

from __future__ import annotations

import json
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from nlp.classifier import OTHER, Classifier
from nlp.dataset import LabelledText


@dataclass(frozen=True)
class LabelMap:
    strict: Mapping[str, frozenset[str]]
    lenient: Mapping[str, frozenset[str]]

    def accepts(self, label: str, category: str, lenient: bool = False) -> bool:
        if category == OTHER:
            return False
        table = self.lenient if lenient else self.strict
        return category in table.get(label, ())


def load_map(path) -> LabelMap:
    """Read a label map; a label's lenient set includes its strict one."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    strict = {label: frozenset(codes) for label, codes in data.get("strict", {}).items()}
    lenient = {label: strict.get(label, frozenset()) | frozenset(data.get("lenient", {}).get(label, ()))
               for label in set(strict) | set(data.get("lenient", {}))}
    return LabelMap(strict, lenient)


@dataclass
class MappedReport:
    n: int
    accuracy: float
    lenient_accuracy: float
    confident_share: float
    confident_accuracy: float
    other_share: float
    per_label: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)    # label -> category -> count

    def format_text(self) -> str:
        lines = [f"{'label':<8}{'n':>6}{'right':>8}{'confident':>11}  most frequent answers"]
        for label, m in sorted(self.per_label.items(), key=lambda kv: -kv[1]["n"]):
            top = ", ".join(f"{c} {k}" for c, k in Counter(self.confusion[label]).most_common(4))
            lines.append(f"{label:<8}{int(m['n']):>6}{m['accuracy']:>8.3f}{m['confident']:>11.3f}  {top}")
        lines.append(f"accuracy {self.accuracy:.4f} (lenient {self.lenient_accuracy:.4f})  n {self.n}")
        lines.append(f"confident {self.confident_share:.4f}  accuracy when confident "
                     f"{self.confident_accuracy:.4f}  其他 {self.other_share:.4f}")
        return "\n".join(lines)

    def as_json(self) -> str:
        return json.dumps({"accuracy": round(self.accuracy, 4), "lenient_accuracy": round(self.lenient_accuracy, 4),
                           "confident_share": round(self.confident_share, 4),
                           "confident_accuracy": round(self.confident_accuracy, 4),
                           "other_share": round(self.other_share, 4), "n": self.n})


def evaluate_mapped(classifier: Classifier, rows: Iterable[LabelledText], label_map: LabelMap) -> MappedReport:
    """Classify every row; right when the answer is in its label's accepted set."""
    n = right = lenient = confident = confident_right = other = 0
    confusion: dict[str, Counter] = {}
    per: dict[str, Counter] = {}
    for row in rows:
        result = classifier.classify(row.full_text)
        ok = label_map.accepts(row.label, result.category)
        sure = result.confident and result.category != OTHER
        n += 1
        right += ok
        lenient += label_map.accepts(row.label, result.category, lenient=True)
        confident += sure
        confident_right += sure and ok
        other += result.category == OTHER
        confusion.setdefault(row.label, Counter())[result.category] += 1
        per.setdefault(row.label, Counter()).update(n=1, right=ok, confident=sure)
    per_label = {label: {"n": float(c["n"]), "accuracy": c["right"] / c["n"], "confident": c["confident"] / c["n"]}
                 for label, c in per.items()}
    share = lambda k: k / n if n else 0.0  # noqa: E731
    return MappedReport(n, share(right), share(lenient), share(confident),
                        confident_right / confident if confident else 0.0, share(other), per_label,
                        {label: dict(c) for label, c in confusion.items()})

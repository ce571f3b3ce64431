"""Keyword classifier: sums keyword weights per category and decides how sure it is.

Scoring. The text is segmented by the Tokenizer; content tokens (punctuation, numbers and a
small stop-word list removed) and n-grams of adjacent content tokens (up to `scheme.ngram`,
joined without a space) are the features, with `scheme.subwords` also the dictionary words
inside long tokens (Tokenizer.subwords). Each distinct feature has a value: 1 with
`scheme.tf == "binary"`, 1 + ln(count) with "log"; with `scheme.norm == "l2"` the values are
divided by the Euclidean norm of all the text's feature values (nlp.features.vector). A
category's score is its bias plus the sum of weight x value over its keywords found in the text.
Learned lexicons use tf = "log", norm = "l2" (TF-IDF: the idf is folded into the weights).

Confidence rule. confidence = tanh(temperature * (best - second) / 2), which is the gap
p(best) - p(second) of a softmax over the two best scores, in 0..1. The result is `confident`
when best score >= lexicon.min_score and confidence >= lexicon.min_margin. Learned lexicons
calibrate min_margin on held-out data (the smallest margin above which held-out accuracy is
at least 90 %); the default lexicon uses hand-set values. A text matching no keyword at all
is category "other" and never confident. Urgent words (substring match on the raw text) make
the priority "urgent" whatever the category.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

from nlp.features import content_tokens, log_tf, ngrams
from nlp.lexicon import Lexicon
from nlp.script import simplified
from nlp.tokenizer import Tokenizer
from nlp.urgency import urgent_words_in

OTHER = "other"
OTHER_NAME = "其他"


@dataclass(frozen=True)
class Classification:
    category: str
    category_name: str
    confidence: float
    confident: bool
    keywords: tuple[str, ...]
    priority: str
    urgent_words: tuple[str, ...]
    candidates: tuple[tuple[str, float], ...]


class Classifier:
    """Classifies resident messages with a keyword lexicon."""

    def __init__(self, lexicon: Lexicon, tokenizer: Tokenizer):
        self.lexicon = lexicon
        self.tokenizer = tokenizer
        # A layered lexicon (nlp.lexicon.layer_lexicons): each part scores with its own scheme.
        self._parts = tuple(Classifier(part, tokenizer) for part in lexicon.parts)
        self._codes = tuple(lexicon.categories)
        self._bias = [lexicon.bias.get(code, 0.0) for code in self._codes]
        index: dict[str, list[tuple[int, float]]] = {}
        for i, code in enumerate(self._codes):
            for word, weight in lexicon.categories[code].keywords.items():
                if weight:
                    index.setdefault(word, []).append((i, weight))
        self._index = {word: tuple(hits) for word, hits in index.items()}
        # Every proper prefix of a keyword: an n-gram can be a keyword only if its head is one of these.
        self._prefixes = frozenset(word[:i] for word in self._index for i in range(1, len(word)))
        self._ngram = lexicon.scheme.ngram
        self._tf = lexicon.scheme.tf
        self._l2 = lexicon.scheme.norm == "l2"
        self._temperature = lexicon.scheme.temperature
        self._subwords = lexicon.scheme.subwords

    def scores(self, tokens: list[str]) -> tuple[list[float], list[tuple[str, float]]]:
        """Per-category scores (lexicon order) and the matched keywords with their (scaled) values.

        The same arithmetic as score_vector(vector(...)), in one pass: values are summed unscaled and
        the L2 scale is applied once per category at the end (equal up to float rounding). Counting,
        the norm and the keyword lookup run in C (Counter, dict views); Python loops over matches."""
        kept = content_tokens(tokens)
        index = self._index
        if self._tf == "log" or self._l2:
            counts = Counter(kept)
            if self._ngram >= 2:
                counts.update(map(str.__add__, kept, kept[1:]))
            if self._ngram >= 3:
                counts.update(a + b + c for a, b, c in zip(kept, kept[1:], kept[2:]))
            if self._subwords:
                counts.update(self.tokenizer.subwords(kept))
            found = counts.keys() & index.keys()
            if self._tf == "log":
                square = sum(n * log_tf(c) ** 2 for c, n in Counter(counts.values()).items())
                values = [(f, log_tf(counts[f])) for f in found]
            else:
                square = float(len(counts))
                values = [(f, 1.0) for f in found]
        else:
            # Unnormalised binary features: only n-grams that can be keywords change the scores.
            square = 0.0
            found = set(self._joinable(kept))
            if self._subwords:
                found.update(self.tokenizer.subwords(kept))
            values = [(f, 1.0) for f in found & index.keys()]
        acc = [0.0] * len(self._codes)
        for feat, value in values:
            for i, weight in index[feat]:
                acc[i] += weight * value
        scale = 1.0 / math.sqrt(square) if self._l2 and square else 1.0
        # rounded: the sums' order follows set iteration (hash-seeded), and ties must not depend on it
        sums = [round(b + a * scale, 9) for b, a in zip(self._bias, acc)]
        return sums, [(feat, value * scale) for feat, value in values]

    def _joinable(self, kept: list[str]) -> list[str]:
        """Content tokens plus those n-grams (up to the scheme's n) that could be keywords: the same
        matches as all n-grams, since an n-gram whose head is no keyword's prefix is no keyword."""
        out = list(kept)
        prefixes, n = self._prefixes, self._ngram
        for i, token in enumerate(kept):
            joined = token
            for nxt in kept[i + 1:i + n]:
                if joined not in prefixes:
                    break
                joined += nxt
                out.append(joined)
        return out

    def score_vector(self, vec: dict[str, float]) -> tuple[list[float], list[tuple[str, float]]]:
        """Scores of a document vector (nlp.features.vector) and the matched keywords with their values."""
        sums = list(self._bias)
        matched = []
        index = self._index
        for feat, value in vec.items():
            hits = index.get(feat)
            if hits:
                matched.append((feat, value))
                for i, weight in hits:
                    sums[i] += weight * value
        return sums, matched

    def _explain(self, matched: list[tuple[str, float]], category: int) -> tuple[str, ...]:
        """The keywords that raised `category`'s score, largest contribution first; a keyword inside
        another one shown (宅基 and 基地 inside 宅基地, 像头 inside 摄像头) is not repeated."""
        index = self._index
        contributions = []
        for feat, value in matched:
            for i, weight in index[feat]:
                if i == category and weight * value > 0:
                    contributions.append((-weight * value, feat))
        words = [feat for _c, feat in sorted(contributions)]
        return tuple(w for w in words if not any(w != other and w in other for other in words))

    def _classify_layered(self, tokens: list[str], text: str) -> Classification:
        """The first part's answer when it has evidence, else the next part's (see layer_lexicons)."""
        for part in self._parts:
            result = part.classify_tokens(tokens, text)
            scores = dict(result.candidates)
            if (result.category != OTHER and result.keywords
                    and scores.get(result.category, 0.0) >= part.lexicon.min_score):
                break
        cat = self.lexicon.categories.get(result.category)
        return replace(result, category_name=cat.name) if cat else result

    def classify(self, text: str) -> Classification:
        """Classify one message (traditional characters read as simplified)."""
        text = simplified(text)
        return self.classify_tokens(self.tokenizer.cut(text), text)

    def classify_tokens(self, tokens: list[str], text: str = "") -> Classification:
        """Classify an already segmented message; `text` (raw) is searched for urgent words."""
        if self._parts:
            return self._classify_layered(tokens, text)
        scores, matched = self.scores(tokens)
        text = text or "".join(tokens)
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
        candidates = tuple((self._codes[i], round(scores[i], 4)) for i in order[:3])
        urgent = urgent_words_in(text, self.lexicon.urgent_words, self.lexicon.urgent_hedges)
        priority = "urgent" if urgent else "normal"
        if not matched or not order:
            name = self.lexicon.categories[OTHER].name if OTHER in self.lexicon.categories else OTHER_NAME
            return Classification(OTHER, name, 0.0, False, (), priority, urgent, candidates)
        best = order[0]
        second = scores[order[1]] if len(order) > 1 else 0.0
        confidence = math.tanh(self._temperature * (scores[best] - second) / 2)
        confident = scores[best] >= self.lexicon.min_score and confidence >= self.lexicon.min_margin
        keywords = self._explain(matched, best)
        cat = self.lexicon.categories[self._codes[best]]
        return Classification(cat.code, cat.name, round(confidence, 4), confident, keywords,
                              priority, urgent, candidates)

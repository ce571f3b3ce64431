"""Keyword lexicons: categories with weighted keywords, urgent words and the confidence rule.

A lexicon lives in a TOML file a person can read and edit:

    [lexicon]                       # urgent words and the confidence rule
    urgent_words = ["燃气泄漏", ...]
    min_score = 1.0                 # best raw score needed (may be -inf)
    min_margin = 0.35               # confidence (0..1) needed
    [model]                         # how text becomes features; training writes this
    ngram = 3                       # tokens and n-grams of adjacent tokens up to this length
    norm = "none"                   # "none": feature values as they are; "l2": divided by their norm
    tf = "binary"                   # feature value: "binary" 1 per distinct feature; "log" 1 + ln(count)
    temperature = 1.0               # confidence = tanh(temperature * (best - second) / 2)
    subwords = false                # also the dictionary words inside long tokens (jieba's search mode)
    [categories.drainage]
    name = "排水防涝"; department = "water"; limit = "help"; bias = 0.0
    [categories.drainage.keywords]
    "积水" = 3.0
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

DEFAULT_PATH = Path(__file__).with_name("data") / "default_lexicon.toml"
LIMITS = ("consult", "help", "complaint")


@dataclass(frozen=True)
class Scheme:
    """Feature scheme: must be the same at training and classification."""

    ngram: int = 3
    norm: str = "none"
    temperature: float = 1.0
    tf: str = "binary"
    subwords: bool = False


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    department: str
    limit: str
    keywords: Mapping[str, float]


@dataclass(frozen=True)
class Lexicon:
    categories: Mapping[str, Category]
    urgent_words: tuple[str, ...]
    bias: Mapping[str, float]
    min_score: float
    min_margin: float
    scheme: Scheme = field(default_factory=Scheme)
    urgent_hedges: tuple[str, ...] = ()     # 怕/担心/万一 … just before an urgent word: fear, not an emergency
    parts: tuple["Lexicon", ...] = ()      # layered (merge_lexicons with differing schemes): see there


def _freeze(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


def make_category(code: str, name: str, department: str = "", limit: str = "help",
                  keywords: Mapping[str, float] = ()) -> Category:
    """Build a Category with validated limit class and read-only keywords."""
    if limit not in LIMITS:
        raise ValueError(f"category {code}: limit must be one of {LIMITS}, got {limit!r}")
    return Category(code, name, department, limit, _freeze({k: float(v) for k, v in dict(keywords).items()}))


def make_lexicon(categories, urgent_words=(), bias=None, min_score=1.0, min_margin=0.35,
                 scheme: Scheme | None = None, urgent_hedges=()) -> Lexicon:
    """Build a Lexicon from an iterable of categories (order kept)."""
    cats = {c.code: c for c in categories}
    full_bias = {code: float((bias or {}).get(code, 0.0)) for code in cats}
    return Lexicon(_freeze(cats), tuple(urgent_words), _freeze(full_bias), float(min_score),
                   float(min_margin), scheme or Scheme(), tuple(urgent_hedges))


def parse_lexicon(data: Mapping) -> Lexicon:
    """Build a Lexicon from parsed TOML."""
    head = data.get("lexicon", {})
    model = data.get("model", {})
    cats, bias = [], {}
    for code, table in data.get("categories", {}).items():
        cats.append(make_category(code, table.get("name", code), table.get("department", ""),
                                  table.get("limit", "help"), table.get("keywords", {})))
        bias[code] = table.get("bias", 0.0)
    scheme = Scheme(int(model.get("ngram", 3)), str(model.get("norm", "none")),
                    float(model.get("temperature", 1.0)), str(model.get("tf", "binary")),
                    bool(model.get("subwords", False)))
    if scheme.norm not in ("none", "l2"):
        raise ValueError(f"model.norm must be 'none' or 'l2', got {scheme.norm!r}")
    if scheme.tf not in ("binary", "log"):
        raise ValueError(f"model.tf must be 'binary' or 'log', got {scheme.tf!r}")
    return make_lexicon(cats, head.get("urgent_words", ()), bias, head.get("min_score", 1.0),
                        head.get("min_margin", 0.35), scheme, head.get("urgent_hedges", ()))


def load_lexicon(path) -> Lexicon:
    """Read a lexicon TOML file."""
    with open(path, "rb") as fh:
        return parse_lexicon(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The shipped taxonomy (nlp/data/default_lexicon.toml)."""
    return load_lexicon(DEFAULT_PATH)


def dump_lexicon(lexicon: Lexicon, path) -> None:
    """Write a lexicon as TOML (keywords strongest first)."""
    from nlp.tomlwrite import lexicon_to_toml

    Path(path).write_text(lexicon_to_toml(lexicon), encoding="utf-8")


def merge_lexicons(base: Lexicon, override: Lexicon) -> Lexicon:
    """Union of categories; where both have a category, the override's fields and keywords win.

    With the same scheme and confidence rule, one flat lexicon: keywords of a shared category are
    merged (override weights replace base ones); urgent words are united. With different schemes
    (a learned lexicon merged with the default one), each keeps its own scoring: see layer_lexicons,
    with the base (the learned lexicon) consulted first.
    """
    same_rule = (base.scheme, base.min_score, base.min_margin) == (override.scheme, override.min_score,
                                                                  override.min_margin)
    if not same_rule and not base.parts and not override.parts:
        return layer_lexicons(base, override)
    cats = dict(base.categories)
    bias = dict(base.bias)
    for code, cat in override.categories.items():
        if code in cats:
            keywords = {**cats[code].keywords, **cat.keywords}
            cat = replace(cat, keywords=_freeze(keywords))
        cats[code] = cat
        bias[code] = override.bias.get(code, bias.get(code, 0.0))
    urgent = tuple(dict.fromkeys(base.urgent_words + override.urgent_words))
    hedges = tuple(dict.fromkeys(base.urgent_hedges + override.urgent_hedges))
    return make_lexicon(cats.values(), urgent, bias, override.min_score, override.min_margin,
                        override.scheme, hedges)


def layer_lexicons(first: Lexicon, then: Lexicon) -> Lexicon:
    """A lexicon whose parts are scored each with its own scheme, bias and confidence rule.

    The Classifier asks `first`; its answer stands whenever it has evidence (a keyword matched, the
    best score reaches its min_score, and the answer is not 其他); otherwise `then` answers. So a
    learned lexicon merged with the default taxonomy classifies exactly as it does alone wherever it
    knows something, and the default taxonomy covers the rest. The categories are the union (where
    both have a code, `then`'s name, department and limit win, as hand edits in the default do);
    urgent words are united.
    """
    cats = dict(first.categories)
    for code, cat in then.categories.items():
        cats[code] = replace(cat, keywords=cats[code].keywords) if code in cats else cat
    urgent = tuple(dict.fromkeys(first.urgent_words + then.urgent_words))
    hedges = tuple(dict.fromkeys(first.urgent_hedges + then.urgent_hedges))
    merged = make_lexicon(cats.values(), urgent, {**then.bias, **first.bias}, first.min_score,
                          first.min_margin, first.scheme, hedges)
    return replace(merged, parts=(replace(first, urgent_words=urgent, urgent_hedges=hedges),
                                  replace(then, urgent_words=urgent, urgent_hedges=hedges)))

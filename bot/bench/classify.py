"""Section 2: messages/s through the classifier against bare jieba.lcut on the same messages.

The baseline segments with the classifier's own settings (precise mode, HMM off) on the module-level
jieba tokenizer; both are warmed up first, so dictionary loading is not counted.
"""
from __future__ import annotations

import csv
import hashlib
import time
from pathlib import Path

from bot.bench.driver import reports

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def messages(limit: int | None = None) -> tuple[list[str], str]:
    """The texts of tipdm_dev.csv when present, else built-in short reports."""
    path = DATA / "tipdm_dev.csv"
    if path.is_file():
        with path.open(encoding="utf-8", newline="") as f:
            texts = [row["text"] for row in csv.DictReader(f) if row.get("text")]
        source = path.name
    else:
        texts, source = reports(500), "built-in reports"
    return (texts[:limit] if limit else texts), source


def learned_lexicon(workdir: Path, given: str | None) -> tuple[str | None, str]:
    """A lexicon path: the one given, or one trained on tipdm_train.csv (cached by the data's hash)."""
    if given:
        return given, given
    train = DATA / "tipdm_train.csv"
    if not train.is_file():
        return None, "no training data"
    try:
        from nlp.commands import run_train
    except ImportError:
        return None, "nlp.commands.run_train not available"
    recipe = hashlib.sha1(train.read_bytes())           # the data and the training code
    for module in ("train.py", "linear.py", "features.py", "split.py"):
        recipe.update((Path(__file__).resolve().parents[2] / "nlp" / module).read_bytes())
    digest = recipe.hexdigest()[:12]
    out = workdir / f"lexicon-{digest}.toml"
    if not out.is_file():
        run_train([str(train)], str(out))
    return str(out), f"trained on {train.name}"


def _rate(fn, texts: list[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        begun = time.perf_counter()
        for text in texts:
            fn(text)
        best = min(best, time.perf_counter() - begun)
    return len(texts) / best


def bench_classify(workdir: Path, lexicon: str | None = None, limit: int | None = None, rounds: int = 3) -> dict:
    import jieba

    from nlp.classifier import Classifier
    from nlp.lexicon import default_lexicon, load_lexicon
    from nlp.tokenizer import Tokenizer

    texts, source = messages(limit)
    jieba.setLogLevel(60)
    jieba.initialize()
    default = Classifier(default_lexicon(), Tokenizer())
    contenders = {"jieba": lambda t: jieba.lcut(t, HMM=False), "default": default.classify}
    path, lexicon_source = learned_lexicon(workdir, lexicon)
    if path:
        contenders["learned"] = Classifier(load_lexicon(path), Tokenizer()).classify
    for fn in contenders.values():                 # warm up: dictionaries, caches
        for text in texts[:50]:
            fn(text)
    rates = {name: 0.0 for name in contenders}
    for _ in range(rounds):                        # interleaved, best of each: fair on a noisy machine
        for name, fn in contenders.items():
            rates[name] = max(rates[name], _rate(fn, texts, 1))
    result = {"messages": len(texts), "source": source,
              "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
              "jieba_per_s": round(rates["jieba"], 1), "default_per_s": round(rates["default"], 1),
              "default_ratio": round(rates["default"] / rates["jieba"], 3), "learned_lexicon": lexicon_source}
    if "learned" in rates:
        result.update(learned_per_s=round(rates["learned"], 1),
                      learned_ratio=round(rates["learned"] / rates["jieba"], 3))
    return result

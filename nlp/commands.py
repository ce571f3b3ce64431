"""Plain functions behind `gridbot nlp train` and `gridbot nlp eval`."""

from __future__ import annotations

import sys
import time

from nlp.classifier import Classifier
from nlp.crossval import cross_validate
from nlp.dataset import read_labelled
from nlp.evaluate import EvalReport, evaluate
from nlp.lexicon import default_lexicon, dump_lexicon, load_lexicon
from nlp.tokenizer import Tokenizer
from nlp.train import train_lexicon


def _read(data_paths: list[str]) -> list:
    rows = []
    for path in data_paths:
        part = read_labelled(path)
        print(f"[nlp] {path}: {len(part)} rows", file=sys.stderr, flush=True)
        rows.extend(part)
    return rows


def run_train(data_paths: list[str], out: str, max_keywords: int = 1000) -> dict:
    """Train a lexicon on the labelled files and write it to `out` (TOML)."""
    start = time.perf_counter()
    rows = _read(data_paths)
    lexicon = train_lexicon(rows, Tokenizer(), max_keywords=max_keywords)
    dump_lexicon(lexicon, out)
    seconds = round(time.perf_counter() - start, 2)
    keywords = sum(len(c.keywords) for c in lexicon.categories.values())
    print(f"[nlp train] wrote {out}: {len(lexicon.categories)} categories, {keywords} keywords, "
          f"{seconds} s", file=sys.stderr, flush=True)
    return {"categories": len(lexicon.categories), "keywords": keywords, "seconds": seconds,
            "rows": len(rows)}


def run_eval(data_path: str, lexicon_path: str | None = None) -> EvalReport:
    """Evaluate a lexicon (the default one when None) on a labelled file."""
    lexicon = load_lexicon(lexicon_path) if lexicon_path else default_lexicon()
    return evaluate(Classifier(lexicon, Tokenizer()), read_labelled(data_path))


def run_cv(data_paths: list[str], folds: int = 5, seeds: list[int] | None = None, **recipe) -> dict:
    """Cross-validate the training recipe on the training files (see nlp.crossval)."""
    return cross_validate(_read(data_paths), Tokenizer(), folds, seeds or [13], **recipe)

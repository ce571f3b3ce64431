"""Plain functions behind `gridbot nlp train` and `gridbot nlp eval`."""

from __future__ import annotations

import sys
import time
import tomllib
from pathlib import Path

from nlp.classifier import Classifier
from nlp.crossval import cross_validate
from nlp.dataset import read_labelled
from nlp.evaluate import EvalReport, evaluate
from nlp.mapped import MappedReport, evaluate_mapped, load_map
from nlp.split import held_out
from nlp.lexicon import default_lexicon, dump_lexicon, load_lexicon, merge_lexicons
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


def select_rows(rows: list, max_chars: int | None = None, part: str = "all") -> list:
    """Rows of at most `max_chars` characters, on one side of the fixed split or both."""
    if max_chars:
        rows = [r for r in rows if len(r.full_text) <= max_chars]
    if part != "all":
        rows = [r for r in rows if held_out(r.full_text) == (part == "held")]
    return rows


def run_eval(data_path: str, lexicon_path: str | None = None, label_map: str | None = None,
             max_chars: int | None = None, part: str = "all", merge: bool = False) -> EvalReport | MappedReport:
    """Evaluate a lexicon (the default one when None) on a labelled file; with a label map, coarse
    labels are scored against their accepted categories (nlp.mapped)."""
    lexicon = load_lexicon(lexicon_path) if lexicon_path else default_lexicon()
    if merge and lexicon_path:
        lexicon = merge_lexicons(lexicon, default_lexicon())
    rows = select_rows(read_labelled(data_path), max_chars, part)
    classifier = Classifier(lexicon, Tokenizer())
    if label_map:
        return evaluate_mapped(classifier, rows, load_map(label_map))
    return evaluate(classifier, rows)


def run_taxonomy(data_paths: list[str], map_path: str, out: str | None, seed: str | None = None,
                 all_rows: bool = False, folds: int = 0) -> dict:
    """Learn the default taxonomy's weights (nlp.taxonomy) and write the lexicon to `out`.
    Unless `all_rows`, the held side of the fixed split and its near-duplicates are left out.
    With `folds`, cross-validate the recipe on those rows instead (nothing written)."""
    from nlp.taxonomy import SEED_PATH, learn_taxonomy
    from nlp.split import twins_of
    from nlp.train import segment

    start = time.perf_counter()
    rows = _read(data_paths)
    tokenizer = Tokenizer()
    if not all_rows:
        held = [i for i, r in enumerate(rows) if held_out(r.full_text)]
        drop = twins_of(held, [segment(r, tokenizer) for r in rows]) | set(held)
        print(f"[nlp taxonomy] leaving out {len(held)} held rows and {len(drop) - len(held)} near-duplicates",
              file=sys.stderr, flush=True)
        rows = [r for i, r in enumerate(rows) if i not in drop]
    seed_path = seed or SEED_PATH
    with open(seed_path, "rb") as fh:
        generic = tomllib.load(fh).get("training", {}).get("generic_words", ())
    if folds:
        return _taxonomy_cv(rows, load_lexicon(seed_path), load_map(map_path), tokenizer, generic, folds)
    lexicon = learn_taxonomy(load_lexicon(seed_path), rows, load_map(map_path), tokenizer,
                             generic_words=generic)
    dump_lexicon(lexicon, out)
    note = ("# Learned by `gridbot nlp taxonomy` from nlp/data/seed_lexicon.toml (the taxonomy and hand keywords)\n"
            "# and coarsely labelled real messages; edit freely, or edit the seed and re-learn.\n")
    body = Path(out).read_text(encoding="utf-8").split("\n", 1)[1]      # instead of the generic first line
    Path(out).write_text(note + body, encoding="utf-8")
    keywords = sum(len(c.keywords) for c in lexicon.categories.values())
    seconds = round(time.perf_counter() - start, 2)
    return {"categories": len(lexicon.categories), "keywords": keywords, "rows": len(rows), "seconds": seconds}


def _taxonomy_cv(rows, seed, label_map, tokenizer, generic, folds: int) -> dict:
    """Mean mapped figures of `folds` folds (each fold's near-duplicates left out of its training),
    on all held rows of a fold and on its short ones (<= 100 characters)."""
    from nlp.crossval import folds_of
    from nlp.split import twins_of
    from nlp.taxonomy import learn_taxonomy
    from nlp.train import segment

    tokens = [segment(r, tokenizer) for r in rows]
    keys = ("accuracy", "confident_share", "confident_accuracy", "other_share")
    results = {"all": [], "short": []}
    for f, held in enumerate(folds_of(rows, folds, 13)):
        leave_out = twins_of(held, tokens) | set(held)
        lexicon = learn_taxonomy(seed, [r for i, r in enumerate(rows) if i not in leave_out], label_map,
                                 tokenizer, generic_words=generic)
        clf = Classifier(lexicon, tokenizer)
        for part, subset in (("all", held), ("short", [i for i in held if len(rows[i].full_text) <= 100])):
            report = evaluate_mapped(clf, [rows[i] for i in subset], label_map)
            results[part].append(report)
            print(f"[nlp taxonomy] fold {f} {part}: {report.as_json()}", file=sys.stderr, flush=True)
    return {part: {k: round(sum(getattr(r, k) for r in reps) / len(reps), 4) for k in keys} | {"folds": len(reps)}
            for part, reps in results.items()}


def run_cv(data_paths: list[str], folds: int = 5, seeds: list[int] | None = None, **recipe) -> dict:
    """Cross-validate the training recipe on the training files (see nlp.crossval)."""
    return cross_validate(_read(data_paths), Tokenizer(), folds, seeds or [13], **recipe)

"""`gridbot nlp train|eval|cv`: learn a lexicon from labelled orders, measure one, cross-validate the recipe."""
from __future__ import annotations

import json


def register(sub) -> None:
    parser = sub.add_parser("nlp", help="train and evaluate keyword lexicons")
    nlp_sub = parser.add_subparsers(dest="nlp_command", required=True)
    train = nlp_sub.add_parser("train", help="learn a lexicon from labelled orders (CSV/XLSX: text,label[,title])")
    train.add_argument("--data", required=True, help="FILE[,FILE…]")
    train.add_argument("--out", required=True, help="lexicon file to write (TOML)")
    train.add_argument("--max-keywords", type=int, default=1000, help="keywords kept per category (default 1000)")
    train.set_defaults(func=run_train)
    evaluate = nlp_sub.add_parser("eval", help="accuracy, macro-F1, per-category scores, confusion matrix")
    evaluate.add_argument("--data", required=True, help="labelled CSV/XLSX")
    evaluate.add_argument("--lexicon", help="lexicon file (default: the built-in taxonomy)")
    evaluate.add_argument("--merge", action="store_true",
                          help="merge --lexicon with the default taxonomy, as `classify --lexicon` and lexicon_path do")
    evaluate.add_argument("--map", help="label map (TOML: label -> accepted categories), for coarse labels")
    evaluate.add_argument("--max-chars", type=int, help="only rows of at most this many characters")
    evaluate.add_argument("--rows", choices=("all", "held", "train"), default="all",
                          help="all rows, or one side of the fixed split (nlp.split.held_out)")
    evaluate.set_defaults(func=run_eval)
    tax = nlp_sub.add_parser("taxonomy", help="learn the default taxonomy's keyword weights from coarsely labelled messages")
    tax.add_argument("--data", required=True, help="FILE[,FILE…] with text,label (coarse labels)")
    tax.add_argument("--map", required=True, help="label map (TOML: label -> accepted categories)")
    tax.add_argument("--seed", default=None, help="hand-written seed lexicon (default: nlp/data/seed_lexicon.toml)")
    tax.add_argument("--out", help="lexicon file to write (TOML); required unless --folds")
    tax.add_argument("--folds", type=int, default=0,
                     help="cross-validate the recipe on the training rows instead (N folds; nothing written)")
    tax.add_argument("--all-rows", action="store_true",
                     help="train on every row (default: only the training side of the fixed split, so "
                          "`nlp eval --rows held` measures unseen messages)")
    tax.set_defaults(func=run_taxonomy)
    cv = nlp_sub.add_parser("cv", help="cross-validate the training recipe on training files (twins held out)")
    cv.add_argument("--data", required=True, help="FILE[,FILE…] (training files only)")
    cv.add_argument("--folds", type=int, default=5)
    cv.add_argument("--seeds", default="13", help="comma-separated fold seeds (default 13)")
    cv.add_argument("--max-keywords", type=int, default=1000, help="keywords kept per category (default 1000)")
    cv.add_argument("--c", type=float, default=0.5, help="SVM regularisation C (default 0.5)")
    cv.add_argument("--unbalanced", action="store_true", help="do not balance each category against the rest")
    cv.set_defaults(func=run_cv)


def run_train(args) -> int:
    from nlp.commands import run_train as train
    summary = train([p for p in args.data.split(",") if p], args.out, max_keywords=args.max_keywords)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def run_eval(args) -> int:
    from nlp.commands import run_eval as evaluate
    report = evaluate(args.data, args.lexicon, label_map=args.map, max_chars=args.max_chars, part=args.rows,
                      merge=args.merge)
    print(report.format_text())
    print(report.as_json())
    return 0


def run_taxonomy(args) -> int:
    from nlp.commands import run_taxonomy as taxonomy
    if not args.out and not args.folds:
        raise SystemExit("gridbot nlp taxonomy: --out is required (unless --folds)")
    summary = taxonomy([p for p in args.data.split(",") if p], args.map, args.out, seed=args.seed,
                       all_rows=args.all_rows, folds=args.folds)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def run_cv(args) -> int:
    from nlp.commands import run_cv as cross_validate
    summary = cross_validate([p for p in args.data.split(",") if p], args.folds,
                             [int(s) for s in args.seeds.split(",") if s], max_keywords=args.max_keywords,
                             c=args.c, balanced=not args.unbalanced)
    print(json.dumps({k: summary[k] for k in ("macro_f1", "accuracy", "n")}))
    return 0

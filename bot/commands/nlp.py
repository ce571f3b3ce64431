"""`gridbot nlp train|eval`: learn a lexicon from labelled orders and measure one."""
from __future__ import annotations

import json


def register(sub) -> None:
    parser = sub.add_parser("nlp", help="train and evaluate keyword lexicons")
    nlp_sub = parser.add_subparsers(dest="nlp_command", required=True)
    train = nlp_sub.add_parser("train", help="learn a lexicon from labelled orders (CSV/XLSX: text,label[,title])")
    train.add_argument("--data", required=True, help="FILE[,FILE…]")
    train.add_argument("--out", required=True, help="lexicon file to write (TOML)")
    train.add_argument("--max-keywords", type=int, default=500, help="keywords kept per category (default 500)")
    train.set_defaults(func=run_train)
    evaluate = nlp_sub.add_parser("eval", help="accuracy, macro-F1, per-category scores, confusion matrix")
    evaluate.add_argument("--data", required=True, help="labelled CSV/XLSX")
    evaluate.add_argument("--lexicon", help="lexicon file (default: the built-in taxonomy)")
    evaluate.set_defaults(func=run_eval)


def run_train(args) -> int:
    from nlp.commands import run_train as train
    summary = train([p for p in args.data.split(",") if p], args.out, max_keywords=args.max_keywords)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def run_eval(args) -> int:
    from nlp.commands import run_eval as evaluate
    report = evaluate(args.data, args.lexicon)
    print(report.format_text())
    print(report.as_json())
    return 0

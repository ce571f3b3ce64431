"""`gridbot bench`: GridBot's speed against the ceilings of its own stack, in one run."""
from __future__ import annotations

import argparse
import sys


def register(sub) -> None:
    parser = sub.add_parser("bench", help="measure intake, classification, sweep, briefing, memory and start")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: well under a minute")
    parser.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)   # the smoke test's sizes
    parser.add_argument("--lexicon", help="a learned lexicon (TOML) to measure; default: train one on tipdm_train.csv")
    parser.add_argument("--workdir", default="var/bench", help="cache and scratch directory (default var/bench)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from bot import bench
    from bot.bench import report
    sizes = bench.TINY if args.tiny else bench.QUICK if args.quick else bench.FULL
    figures = bench.run(sizes, args.workdir, args.lexicon, log=lambda m: print(f"[bench] {m}", file=sys.stderr, flush=True))
    print(report.table(figures))
    print(report.json_line(figures), flush=True)
    return 0

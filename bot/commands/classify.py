"""`gridbot classify`: one JSON object per input line (category, grid, priority, confidence, keywords)."""
from __future__ import annotations

import json
import sys
from dataclasses import replace


def register(sub) -> None:
    parser = sub.add_parser("classify", help="classify lines of text from stdin (or arguments)")
    parser.add_argument("text", nargs="*", help="texts to classify (default: read lines from stdin)")
    parser.add_argument("--lexicon", help="a learned or hand-written lexicon (merged with the default)")
    parser.add_argument("--replace", action="store_true", help="use --lexicon instead of the default taxonomy")
    parser.set_defaults(func=run)


def run(args) -> int:
    from bot import config as config_module
    from bot.app import build_lexicon
    from bot.orgfile import load_org
    from nlp.classifier import Classifier
    from nlp.locator import Locator
    from nlp.tokenizer import Tokenizer

    config = config_module.load()
    if args.lexicon:
        config = replace(config, lexicon_path=args.lexicon, lexicon_mode="replace" if args.replace else "merge")
    classifier_lexicon = build_lexicon(config)
    aliases, kinds = org_places(config, load_org)
    classifier = Classifier(classifier_lexicon, Tokenizer(a for a, _ in aliases))
    locator = Locator(aliases)
    lines = args.text or (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        if not line.strip():
            continue
        result = classifier.classify(line)
        place = locator.locate(line)
        unit = place.unit_code if place else None
        print(json.dumps({
            "category": result.category, "grid": unit if kinds.get(unit) == "grid" else None,
            "unit": unit,
            "priority": result.priority, "confidence": round(result.confidence, 4),
            "keywords": list(result.keywords), "category_name": result.category_name,
            "confident": result.confident, "place": place.alias if place else None,
        }, ensure_ascii=False), flush=True)
    return 0


def org_places(config, load_org) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(alias, unit code) pairs and unit kinds from the org file (GRIDBOT_ORG, or the demo district),
    by the bot's own rule (nlp.locator.place_aliases)."""
    from bot.demo import demo_org_path
    from nlp.locator import place_aliases
    tree = load_org(config.org_path or demo_org_path())
    aliases = place_aliases((alias, u.code, u.kind) for u in tree.units for alias in (u.name, *u.aliases))
    return aliases, {u.code: u.kind for u in tree.units}

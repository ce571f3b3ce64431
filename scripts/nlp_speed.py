"""Speed check (run by hand): Classifier.classify vs bare jieba.lcut on the dev texts.

    .venv/bin/python scripts/nlp_speed.py [DATA.csv] [LEXICON.toml]
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlp.classifier import Classifier  # noqa: E402
from nlp.dataset import read_labelled  # noqa: E402
from nlp.lexicon import default_lexicon, load_lexicon  # noqa: E402
from nlp.tokenizer import Tokenizer  # noqa: E402


def rate(fn, texts, rounds=3) -> float:
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            fn(text)
        best = max(best, len(texts) / (time.perf_counter() - start))
    return best


def main() -> None:
    data = sys.argv[1] if len(sys.argv) > 1 else str(Path(__file__).resolve().parents[2] / "shared/data/tipdm_dev.csv")
    lexicon = load_lexicon(sys.argv[2]) if len(sys.argv) > 2 else default_lexicon()
    texts = [row.full_text for row in read_labelled(data)]
    import jieba

    jieba.setLogLevel(60)
    jieba.initialize()
    clf = Classifier(lexicon, Tokenizer())
    clf.classify(texts[0])
    jieba_rate = rate(jieba.lcut, texts)
    clf_rate = rate(clf.classify, texts)
    print(f"{len(texts)} texts: jieba.lcut {jieba_rate:.0f}/s, classify {clf_rate:.0f}/s, "
          f"ratio {clf_rate / jieba_rate:.2f}")


if __name__ == "__main__":
    main()

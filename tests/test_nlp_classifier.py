import csv
import math
from pathlib import Path

import pytest

from nlp.classifier import Classifier
from nlp.lexicon import default_lexicon, make_category, make_lexicon
from nlp.tokenizer import Tokenizer

DATA = Path(__file__).with_name("data") / "short_messages.csv"


@pytest.fixture(scope="module")
def clf():
    return Classifier(default_lexicon(), Tokenizer())


def test_short_messages_accuracy(clf):
    with open(DATA, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 40
    wrong = [(r["text"], r["label"], clf.classify(r["text"]).category) for r in rows
             if clf.classify(r["text"]).category != r["label"]]
    assert 1 - len(wrong) / len(rows) >= 0.94, wrong


def test_gas_leak_is_urgent(clf):
    result = clf.classify("楼下有股很浓的煤气味，好像漏气了")
    assert result.priority == "urgent"
    assert "漏气" in result.urgent_words
    assert result.category in ("utilities", "public_safety")


def test_ordinary_message_is_normal(clf):
    assert clf.classify("小区门口垃圾没人清").priority == "normal"


def test_explanation_keywords_strongest_first(clf):
    result = clf.classify("纺织路社区人民东路62号院一下雨就积水，出不了门")
    assert result.category == "drainage"
    assert "积水" in result.keywords
    weights = [default_lexicon().categories["drainage"].keywords[k] for k in result.keywords]
    assert weights == sorted(weights, reverse=True)
    assert result.confident and 0 < result.confidence <= 1


def test_nothing_matched_is_other_and_not_confident(clf):
    result = clf.classify("嗯嗯好的")
    assert result.category == "other" and not result.confident
    assert len(result.candidates) == 3


def test_ambiguous_message_is_not_confident():
    lex = make_lexicon([make_category("a", "甲", keywords={"积水": 2.0}),
                        make_category("b", "乙", keywords={"垃圾": 2.0}),
                        make_category("c", "丙", keywords={"路灯": 0.5})], min_score=1.0, min_margin=0.3)
    result = Classifier(lex, Tokenizer()).classify("门口积水，还有垃圾，路灯也不亮")
    assert not result.confident
    assert [code for code, _ in result.candidates] in (["a", "b", "c"], ["b", "a", "c"])
    assert result.confidence == 0.0


def test_fast_path_scores_exactly_like_all_ngrams():
    """The default lexicon skips n-grams that cannot be keywords; the scores must not change."""
    from nlp.features import content_tokens, ngrams
    from nlp.lexicon import default_lexicon
    from nlp.tokenizer import Tokenizer
    clf = Classifier(default_lexicon(), Tokenizer())
    texts = ["纺织路社区人民东路62号院一下雨就积水，出不了门", "楼下烧烤店半夜噪音扰民还乱扔垃圾",
             "小区电梯经常坏，老人上下楼困难，物业不管", "下水道堵了污水冒出来臭气熏天"]
    for text in texts:
        tokens = clf.tokenizer.cut(text)
        kept = content_tokens(tokens)
        extra = clf.tokenizer.subwords(kept) if clf.lexicon.scheme.subwords else []
        every = {f: 1.0 for f in ngrams(kept, clf.lexicon.scheme.ngram) + extra}
        assert clf.scores(tokens)[0] == pytest.approx(clf.score_vector(every)[0])


def test_subword_keywords_match_inside_compounds():
    from nlp.lexicon import Scheme, make_category, make_lexicon
    from nlp.tokenizer import Tokenizer
    scheme = Scheme(ngram=2, norm="l2", tf="log", subwords=True)
    lex = make_lexicon([make_category("traffic", "交通", keywords={"公交": 2.0}),
                        make_category("housing", "住房", keywords={"房屋": 1.0})],
                       min_score=-math.inf, min_margin=0.0, scheme=scheme)
    tok = Tokenizer()
    assert "公交" not in tok.cut("公交车站没有顶棚")            # a compound token …
    result = Classifier(lex, tok).classify("公交车站没有顶棚")
    assert result.category == "traffic" and result.keywords == ("公交",)   # … still matches 公交
    plain = make_lexicon([make_category("traffic", "交通", keywords={"公交": 2.0})],
                         scheme=Scheme(ngram=2, norm="l2", tf="log"))
    assert Classifier(plain, tok).classify("公交车站没有顶棚").keywords == ()

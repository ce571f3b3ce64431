import math

from nlp.lexicon import Scheme, default_lexicon, dump_lexicon, load_lexicon, make_category, make_lexicon, merge_lexicons


def test_dump_load_round_trip(tmp_path):
    lex = default_lexicon()
    dump_lexicon(lex, tmp_path / "lex.toml")
    again = load_lexicon(tmp_path / "lex.toml")
    assert again == lex


def test_round_trip_learned_shape(tmp_path):
    lex = make_lexicon([make_category("城乡建设", "城乡建设", keywords={"违建": 1.25, '引"号': 0.5})],
                       bias={"城乡建设": -0.5}, min_score=-math.inf, min_margin=0.2,
                       scheme=Scheme(ngram=2, norm="l2", temperature=6.0, tf="log", subwords=True))
    dump_lexicon(lex, tmp_path / "l.toml")
    assert load_lexicon(tmp_path / "l.toml") == lex


def test_merge_override_wins():
    base = make_lexicon([make_category("a", "甲", "water", "help", {"积水": 1.0, "污水": 1.0}),
                         make_category("b", "乙", keywords={"垃圾": 1.0})], urgent_words=["漏气"])
    over = make_lexicon([make_category("a", "甲二", "housing", "complaint", {"积水": 3.0}),
                         make_category("c", "丙", keywords={"路灯": 2.0})], urgent_words=["着火"])
    merged = merge_lexicons(base, over)
    assert list(merged.categories) == ["a", "b", "c"]
    a = merged.categories["a"]
    assert (a.name, a.department, a.limit) == ("甲二", "housing", "complaint")
    assert dict(a.keywords) == {"积水": 3.0, "污水": 1.0}
    assert merged.urgent_words == ("漏气", "着火")

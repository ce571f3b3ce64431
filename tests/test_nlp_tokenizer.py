from nlp.features import extract
from nlp.lexicon import default_lexicon
from nlp.tokenizer import Tokenizer


def test_user_words_become_tokens():
    assert "幸福里小区" not in Tokenizer().cut("幸福里小区门口")
    assert "幸福里小区" in Tokenizer(["幸福里小区"]).cut("幸福里小区门口")


def test_domain_userdict_is_loaded():
    assert "私搭乱建" in Tokenizer().cut("楼下有人私搭乱建")


def test_every_default_keyword_is_matchable():
    tok = Tokenizer()
    lex = default_lexicon()
    unmatched = [w for c in lex.categories.values() for w in c.keywords
                 if w not in extract(tok.cut(w), lex.scheme.ngram)]
    assert unmatched == []


def test_default_taxonomy_shape():
    lex = default_lexicon()
    assert len(lex.categories) >= 20
    for code, cat in lex.categories.items():
        assert cat.limit in ("consult", "help", "complaint")
        if code != "other":
            assert 60 <= len(cat.keywords) <= 150, code

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp import _jieba
from nlp.dataset import read_labelled
from nlp.features import content_tokens, extract
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
    def features(w):
        found = extract(tok.cut(w), lex.scheme.ngram)
        if lex.scheme.subwords:      # a dictionary word also matches inside the long tokens it is part of
            found |= set(tok.subwords(content_tokens(tok.cut(w)))) | ({w} if _jieba.shared().FREQ.get(w) else set())
        return found
    unmatched = [w for c in lex.categories.values() for w in c.keywords if w not in features(w)]
    assert unmatched == []


def test_default_taxonomy_shape():
    lex = default_lexicon()
    assert len(lex.categories) >= 20
    for code, cat in lex.categories.items():
        assert cat.limit in ("consult", "help", "complaint")
        if code != "other":
            assert 60 <= len(cat.keywords) <= 400, code      # learned: at most 400 a category


# nlp.dag must give exactly jieba's tokens (precise mode, HMM off), only faster.
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_text = st.text(st.one_of(
    st.sampled_from("下水道堵了小区门口垃圾没人清楼道灯坏三天隔壁装修半夜电钻人民东路号院积水出不了门的了是"),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.sampled_from("abcXYZ0123456789+#&._%- \t\r\n，。！？、（）…“”"),
    st.characters()), max_size=80)


@settings(max_examples=400, deadline=None)
@given(_text)
def test_dag_cut_equals_jieba_on_any_text(text):
    tok = Tokenizer()
    assert tok.cut(text) == _jieba.shared().lcut(text, HMM=False)


def test_dag_cut_equals_jieba_with_user_words():
    tok = Tokenizer(["纺织路社区第一网格", "人民东路62号院"])
    text = "纺织路社区第一网格人民东路62号院一下雨就积水ABC12 x y"
    assert tok.cut(text) == _jieba.shared().lcut(text, HMM=False)
    assert "人民东路62号院" in tok.cut(text)


@pytest.mark.skipif(not (DATA / "tipdm_dev.csv").exists(), reason=f"TIPDM data not found in {DATA}")
def test_dag_cut_equals_jieba_on_real_messages():
    tok, jieba_tok = Tokenizer(), _jieba.shared()
    rows = read_labelled(DATA / "tipdm_train.csv") + read_labelled(DATA / "tipdm_dev.csv")
    differ = [r.full_text[:40] for r in rows if tok.cut(r.full_text) != jieba_tok.lcut(r.full_text, HMM=False)]
    assert differ == []


def test_subwords_are_jiebas_search_mode_additions():
    tok = Tokenizer()
    text = "小区门口的公交车站被占用，中华人民共和国劳动合同法规定拖欠工资要赔偿"
    tokens = tok.cut(text)
    search = [x for w in tokens for x in tok.subwords([w]) + [w]]
    assert search == _jieba.shared().lcut_for_search(text, HMM=False)
    assert "公交" in tok.subwords(["公交车站"]) and "车站" in tok.subwords(["公交车站"])
    assert tok.subwords(["积水", "下雨"]) == []

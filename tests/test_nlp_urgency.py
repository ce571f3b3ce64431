"""The urgent-word rule in both directions: emergencies as people describe them, and fears that are not."""
from __future__ import annotations

import pytest

from nlp.lexicon import default_lexicon, make_lexicon, merge_lexicons, parse_lexicon
from nlp.tomlwrite import lexicon_to_toml
from nlp.urgency import urgent_words_in

URGENT = [
    "自来水管子爆了，水哗哗往外冒", "楼下爆管了，水漫到马路上", "小区水管破裂，水往外喷", "家里漏水严重，地上全是水",
    "楼道冒烟了", "电线打火了，噼里啪啦的", "配电箱冒火花", "厨房着火了", "对面楼起火了", "楼道里一股煤气味",
    "燃气泄漏了", "电梯里困了人，被困半小时了", "楼下有人晕倒了", "老人晕过去了", "墙倒塌了", "有人触电",
    "怕着火，现在已经冒烟了",                # a fear, then the emergency itself
]
NOT_URGENT = [
    "楼道电线老化，怕着火", "担心会漏电", "万一塌了怎么办", "电动车在楼道充电，容易起火", "防止火灾，请清理楼道杂物",
    "没有冒烟，就是有点味道", "要是着火了可怎么办", "小区门口垃圾没人清", "一下雨就积水，出不了门", "路灯坏了好几天",
    "楼上邻居天天半夜装修", "害怕电梯会坍塌",
]


@pytest.mark.parametrize("text", URGENT)
def test_emergencies_are_urgent(text):
    lex = default_lexicon()
    assert urgent_words_in(text, lex.urgent_words, lex.urgent_hedges), text


@pytest.mark.parametrize("text", NOT_URGENT)
def test_fears_and_conditionals_are_not(text):
    lex = default_lexicon()
    assert urgent_words_in(text, lex.urgent_words, lex.urgent_hedges) == (), text


def test_hedges_are_in_the_lexicon_and_survive_writing_and_merging():
    lex = default_lexicon()
    assert "怕" in lex.urgent_hedges and "水管爆" in lex.urgent_words
    import tomllib
    again = parse_lexicon(tomllib.loads(lexicon_to_toml(lex)))
    assert again.urgent_hedges == lex.urgent_hedges
    merged = merge_lexicons(lex, make_lexicon([], urgent_words=["房子裂了"], urgent_hedges=["生怕"]))
    assert "生怕" in merged.urgent_hedges and "怕" in merged.urgent_hedges and "房子裂了" in merged.urgent_words
    assert urgent_words_in("怕着火", ["着火"]) == ("着火",)          # without hedges the word alone counts

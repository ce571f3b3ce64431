"""The urgent-word rule: an urgent word raises the priority unless a hedge just before it makes it a fear.

`怕着火`, `担心会漏电`, `万一塌了`, `没有冒烟` are worries or denials, not emergencies; `着火了`, `楼道冒烟`,
`自来水管子爆了` are. Both lists live in the lexicon (`urgent_words`, `urgent_hedges`). A word counts
when at least one of its occurrences is not hedged within `WINDOW` characters before it (the same clause).
"""
from __future__ import annotations

WINDOW = 4                       # 怕着火, 担心会着火, 万一真的起火
_CLAUSE_ENDS = set("，。,.!！?？；;\n")


def urgent_words_in(text: str, words, hedges=()) -> tuple[str, ...]:
    """The urgent words that `text` uses as an emergency (in lexicon order)."""
    return tuple(w for w in words if w in text and any(not _hedged(text, at, hedges) for at in _positions(text, w)))


def _positions(text: str, word: str):
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)


def _hedged(text: str, at: int, hedges) -> bool:
    start = at
    while start > 0 and at - start < WINDOW and text[start - 1] not in _CLAUSE_ENDS:
        start -= 1
    before = text[start:at]
    return any(h in before for h in hedges)

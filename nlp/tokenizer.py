"""Chinese word segmentation: jieba precise mode plus domain and place-name user words."""

from __future__ import annotations

from collections.abc import Iterable

from nlp import _jieba, dag


class Tokenizer:
    """Segments text with the shared jieba instance; extra words are added to it.

    The default domain dictionary (nlp/data/userdict.txt) is always loaded. HMM (new-word
    discovery) is off by default: faster, and keywords stay stable tokens.
    """

    def __init__(self, words: Iterable[str] = (), *, hmm: bool = False):
        self._hmm = hmm
        self._jieba = _jieba.shared()
        _jieba.add_words(words)

    def subwords(self, tokens: list[str]) -> list[str]:
        """The dictionary words inside long tokens, as jieba's search mode adds them: the 2-character
        words of a token longer than 2, the 3-character words of one longer than 3 ("公交车站" gives
        公交, 车站 …). They let a learned keyword match the compounds it is part of."""
        freq = self._jieba.FREQ.get
        out = []
        for token in tokens:
            n = len(token)
            if n > 2:
                out += [g for g in (token[i:i + 2] for i in range(n - 1)) if freq(g)]
                if n > 3:
                    out += [g for g in (token[i:i + 3] for i in range(n - 2)) if freq(g)]
        return out

    def cut(self, text: str) -> list[str]:
        """Return the tokens of `text` (precise mode): jieba's, through nlp.dag when HMM is off."""
        if self._hmm:
            return self._jieba.lcut(text, HMM=True)
        return dag.lcut(text, self._jieba.FREQ, self._jieba.total)

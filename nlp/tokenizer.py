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

    def cut(self, text: str) -> list[str]:
        """Return the tokens of `text` (precise mode): jieba's, through nlp.dag when HMM is off."""
        if self._hmm:
            return self._jieba.lcut(text, HMM=True)
        return dag.lcut(text, self._jieba.FREQ, self._jieba.total)

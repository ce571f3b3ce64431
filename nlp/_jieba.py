"""The one jieba tokenizer of the process, created lazily and shared by every Tokenizer."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

USERDICT = Path(__file__).with_name("data") / "userdict.txt"

_lock = threading.Lock()
_shared = None
_added: set[str] = set()


def shared():
    """Return the process-wide jieba.Tokenizer with the domain user dictionary loaded."""
    global _shared
    if _shared is None:
        with _lock:
            if _shared is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                tok.load_userdict(str(USERDICT))
                _shared = tok
    return _shared


def add_words(words) -> None:
    """Add user words once each (idempotent)."""
    tok = shared()
    with _lock:
        for word in words:
            word = word.strip()
            if word and word not in _added:
                tok.add_word(word)
                _added.add(word)

"""Traditional characters as simplified ones: residents in Hong Kong, Taiwan or with a phone set to
繁體 write 路燈壞了 for 路灯坏了. The lexicons and the org tree are simplified, so messages are
converted first (OpenCC's t2s, character for character; built once, on first use)."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _converter():
    import opencc
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """`text` in simplified characters; the same length whenever OpenCC maps one to one."""
    if text.isascii():
        return text
    converted = _converter().convert(text)
    return converted if len(converted) == len(text) else text

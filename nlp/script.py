"""Traditional characters as simplified ones: residents in Hong Kong, Taiwan or with a phone set to
繁體 write 路燈壞了 for 路灯坏了. The lexicons and the org tree are simplified, so messages are
converted first, character for character, by a table built once from OpenCC's t2s (str.translate
runs in C; OpenCC's own convert costs as much as segmenting a message)."""
from __future__ import annotations

from functools import lru_cache

CJK = range(0x4E00, 0xA000)          # the unified ideographs: every character OpenCC's t2s changes here


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    import opencc
    chars = [chr(c) for c in CJK]
    converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    if len(converted) != len(chars):             # a separator was eaten: build it character by character
        converter = opencc.OpenCC("t2s")
        converted = [converter.convert(ch) for ch in chars]
    return {ord(a): b for a, b in zip(chars, converted) if a != b and len(b) == 1}


def simplified(text: str) -> str:
    """`text` in simplified characters, the same length (each character maps to one)."""
    return text if text.isascii() else text.translate(_table())

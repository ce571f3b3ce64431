"""Terminal tables aligned by display width: a Chinese character takes two columns (wcwidth)."""
from __future__ import annotations

from typing import Iterable, Sequence

from wcwidth import wcswidth


def width(text: str) -> int:
    """Columns `text` takes in a terminal; control characters count as one."""
    w = wcswidth(text)
    return w if w >= 0 else len(text)


def pad(text: str, columns: int, right: bool = False) -> str:
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill


def table(headers: Sequence[str], rows: Iterable[Sequence[object]], right: Iterable[int] = ()) -> str:
    """Rows under headers, two spaces between columns; the last column is not padded."""
    cells = [[str(c) for c in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    right = set(right)
    lines = []
    for r in cells:
        parts = [pad(c, widths[i], i in right) if i < len(r) - 1 else (pad(c, widths[i], True) if i in right else c)
                 for i, c in enumerate(r)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)

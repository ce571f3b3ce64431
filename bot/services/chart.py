"""The briefing's chart: new vs resolved tickets per day, as a PNG, with a CJK font.

matplotlib (Agg backend, object API: no pyplot state, safe in a worker thread). The font is the
Noto Sans CJK SC that the `mplfonts` package ships (a project dependency, so any install has it),
else a system Noto CJK (Debian fonts-noto-cjk), else matplotlib's default (boxes for Chinese, logged).
"""
from __future__ import annotations

import importlib.util
import io
import logging
from functools import lru_cache
from pathlib import Path

from bot.services.briefing_text import CHART_LABELS

log = logging.getLogger("gridbot.chart")
_SYSTEM_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
                 "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed."""


def font_file() -> Path | None:
    spec = importlib.util.find_spec("mplfonts")
    if spec and spec.submodule_search_locations:
        bundled = Path(list(spec.submodule_search_locations)[0]) / "fonts" / "NotoSansCJKsc-Regular.otf"
        if bundled.exists():
            return bundled
    for candidate in _SYSTEM_FONTS:
        if Path(candidate).exists():
            return Path(candidate)
    return None


@lru_cache(maxsize=1)
def _font_name() -> str | None:
    from matplotlib import font_manager
    path = font_file()
    if path is None:
        log.warning("no CJK font found: chart labels will not show Chinese")
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def figure(series: dict, title: str):
    """The chart of new and resolved per day; `series` has days (ISO dates), new and resolved (counts)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ChartUnavailable(str(exc)) from exc
    name = _font_name()
    fig = Figure(figsize=(8, 4), dpi=100)
    if name:
        fig.set_layout_engine("tight")
    ax = fig.add_subplot()
    labels = [d[5:] for d in series["days"]]
    x = range(len(labels))
    font = {"family": name} if name else {}
    ax.bar([i - 0.2 for i in x], series["new"], width=0.4, label=CHART_LABELS["new"], color="#d9534f")
    ax.bar([i + 0.2 for i in x], series["resolved"], width=0.4, label=CHART_LABELS["resolved"], color="#5cb85c")
    ax.set_xticks(list(x), labels, rotation=45, fontsize=8)
    ax.set_ylabel(CHART_LABELS["y"], fontdict=font)
    ax.set_title(title, fontdict=font)
    ax.legend(prop={"family": name} if name else None)
    ax.yaxis.get_major_locator().set_params(integer=True)
    top = max([*series["new"], *series["resolved"], 0])
    ax.set_ylim(0, max(top * 1.15, 1))             # counts start at 0; an empty fortnight is not −0.04…0.04
    if top == 0:
        ax.text(0.5, 0.5, CHART_LABELS["empty"], transform=ax.transAxes, ha="center", va="center", fontdict=font,
                color="#777777")
    ax.grid(axis="y", alpha=0.3)
    return fig


def png(series: dict, title: str) -> bytes:
    fig = figure(series, title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def write_png(path: Path | str, series: dict, title: str) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = png(series, title)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path

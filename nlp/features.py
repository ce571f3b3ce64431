"""Features shared by training and classification: filtered tokens and their adjacent n-grams.

A token is dropped when it is whitespace, punctuation, a bare number or a stop word; n-grams
join adjacent kept tokens without a space ("下水道" + "堵" -> "下水道堵").

`vector` turns tokens (plus any extra features, such as the sub-words of long tokens that
Tokenizer.subwords finds) into the document vector the classifier scores: each distinct feature's
value is 1 (`tf = "binary"`) or 1 + ln(count) (`tf = "log"`, sublinear term frequency), and
with `l2` the values are divided by the Euclidean norm of all of the text's feature values
(keywords or not), so no table beyond the lexicon is needed to reproduce it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

STOP_WORDS = frozenset(
    "的 地 得 了 吗 呢 啊 吧 呀 哦 嘛 么 哈 啦 嗯 哎 呐 喔 着 过 是 和 与 及 或 等 也 都 就 还 又 很 "
    "我 你 他 她 它 我们 你们 他们 她们 咱们 大家 自己 这 那 这个 那个 这些 那些 这里 那里 这样 那样 "
    "请 您 一个 一些 什么 怎么 怎么办 如何 为什么 哪里 并 而 则 但 但是 而且 因为 所以 如果 "
    "以及 其 之 于 将 已 已经 该 各 每 某 本 此 能 能否 可以 可 要 会 想 应该 希望 "
    "谢谢 你好 您好 麻烦 一下 现在 目前 今天 昨天 请问".split()
)
TF_MODES = ("binary", "log")
_LOG_TF = [0.0] + [1.0 + math.log(n) for n in range(1, 64)]


def log_tf(count: int) -> float:
    """1 + ln(count), the sublinear term frequency (tabled for small counts)."""
    return _LOG_TF[count] if count < 64 else 1.0 + math.log(count)


def _is_noise(token: str) -> bool:
    return not any(ch.isalpha() for ch in token)


_noise_cache: dict[str, bool] = {}


def keep(token: str) -> bool:
    """True when a token carries content (not punctuation, space, number or stop word)."""
    noise = _noise_cache.get(token)
    if noise is None:
        noise = token in STOP_WORDS or _is_noise(token)
        if len(_noise_cache) < 200_000:
            _noise_cache[token] = noise
    return not noise


def content_tokens(tokens: Iterable[str]) -> list[str]:
    """The tokens that carry content, in order (keep() inlined: this runs for every token)."""
    cache = _noise_cache
    out = []
    for token in tokens:
        noise = cache.get(token)
        if noise is None:
            noise = not keep(token)
        if not noise:
            out.append(token)
    return out


def ngrams(kept: list[str], ngram: int) -> list[str]:
    out = list(kept)
    if ngram >= 2:
        out += map(str.__add__, kept, kept[1:])
    if ngram >= 3:
        out += (a + b + c for a, b, c in zip(kept, kept[1:], kept[2:]))
    return out


def extract(tokens: Iterable[str], ngram: int) -> set[str]:
    """Distinct features: content tokens and n-grams (2..ngram) of adjacent content tokens."""
    return set(ngrams(content_tokens(tokens), ngram))


def vector(tokens: Iterable[str], ngram: int, tf: str = "binary", l2: bool = False,
           extra: Iterable[str] = (), filtered: bool = False) -> dict[str, float]:
    """Feature -> value for one text (see the module docstring); `extra` features count as well.
    `filtered`: the tokens are content tokens already."""
    feats = ngrams(list(tokens) if filtered else content_tokens(tokens), ngram)
    feats += extra
    if tf == "log":
        vec = {f: log_tf(n) for f, n in Counter(feats).items()}
    else:
        vec = dict.fromkeys(feats, 1.0)
    if l2 and vec:
        scale = 1.0 / math.sqrt(sum(v * v for v in vec.values()))
        vec = {f: v * scale for f, v in vec.items()}
    return vec

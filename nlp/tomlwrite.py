"""Write a Lexicon as TOML (tomllib only reads)."""

from __future__ import annotations

import json
import math

from nlp.lexicon import Lexicon


def _str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _float(value: float) -> str:
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(round(float(value), 6))


def lexicon_to_toml(lexicon: Lexicon) -> str:
    """Render a lexicon in the format documented in nlp.lexicon."""
    if lexicon.parts:
        raise ValueError("a layered lexicon (merged with differing schemes) has no single TOML form")
    out = ["# GridBot keyword lexicon: edit freely; weights are summed per category.", "", "[lexicon]"]
    out.append("urgent_words = [" + ", ".join(map(_str, lexicon.urgent_words)) + "]")
    if lexicon.urgent_hedges:
        out.append("urgent_hedges = [" + ", ".join(map(_str, lexicon.urgent_hedges)) + "]")
    out.append(f"min_score = {_float(lexicon.min_score)}")
    out.append(f"min_margin = {_float(lexicon.min_margin)}")
    s = lexicon.scheme
    out += ["", "[model]", f"ngram = {s.ngram}", f"norm = {_str(s.norm)}",
            f"tf = {_str(s.tf)}", f"temperature = {_float(s.temperature)}",
            f"subwords = {'true' if s.subwords else 'false'}"]
    for code, cat in lexicon.categories.items():
        out += ["", f"[categories.{_str(code)}]", f"name = {_str(cat.name)}",
                f"department = {_str(cat.department)}", f"limit = {_str(cat.limit)}",
                f"bias = {_float(lexicon.bias.get(code, 0.0))}", f"[categories.{_str(code)}.keywords]"]
        for word, weight in sorted(cat.keywords.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"{_str(word)} = {_float(weight)}")
    return "\n".join(out) + "\n"

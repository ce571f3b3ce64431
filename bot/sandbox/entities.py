"""Telegram's formatting parsers: HTML, MarkdownV2 and legacy Markdown into (text, entities).

Modelled on tdlib's parse_html / parse_markdown_v2 (td/telegram/MessageEntity.cpp), including the
wording of their errors, so a message the real Bot API rejects is rejected here too. Offsets and
lengths of entities are in UTF-16 code units, as in the Bot API. One deliberate difference: a bare
'&' that does not start an entity (&lt; &gt; &amp; &quot; &#NN; &#xNN;) is an error here, while
Telegram keeps it literally; it almost always means a forgotten html.escape().
"""

from __future__ import annotations

import re


class EntityParseError(ValueError):
    """The text cannot be parsed; str(exc) is the part after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


HTML_TAGS = {
    "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler", "tg-emoji",
    "span", "pre", "code", "blockquote",
}
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "s": "strikethrough",
    "strike": "strikethrough", "del": "strikethrough", "u": "underline", "ins": "underline",
    "tg-spoiler": "spoiler", "span": "spoiler",
}
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decodes the HTML entity at text[i] == '&'; returns (character, length) or None."""
    m = _ENTITY_RE.match(text, i)
    if not m:
        return None
    name = m.group(1)
    if name in _NAMED:
        return _NAMED[name], m.end() - i
    code = int(name[2:], 16) if name[1] in "xX" else int(name[1:])
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), m.end() - i


def parse_html(text: str, strict_ampersand: bool = True) -> tuple[str, list[dict]]:
    out: list[str] = []
    out_len = 0  # UTF-16 length of the output so far
    stack: list[dict] = []  # {tag, arg, offset, byte}
    entities: list[dict] = []
    n = len(text)
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else "\0"

    while i < n:
        c = text[i]
        if c == "&":
            dec = _decode_entity(text, i)
            if dec is not None:
                out.append(dec[0])
                out_len += utf16_len(dec[0])
                i += dec[1]
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(text, i)} must be escaped as \"&amp;\""
                )
        if c != "<":
            out.append(c)
            out_len += utf16_len(c)
            i += 1
            continue
        begin = i
        bpos = _byte_offset(text, begin)
        i += 1
        if at(i) != "/":
            while i < n and not at(i).isspace() and at(i) != ">":
                i += 1
            if i >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {bpos}")
            tag = text[begin + 1 : i].lower()
            if tag not in HTML_TAGS:
                raise EntityParseError(f'Unsupported start tag "{tag}" at byte offset {bpos}')
            arg = ""
            while at(i) != ">":
                while i < n and at(i).isspace():
                    i += 1
                if i >= n:
                    raise EntityParseError(f"Unclosed start tag at byte offset {bpos}")
                if at(i) == ">":
                    break
                abegin = i
                while i < n and not at(i).isspace() and at(i) not in "=>":
                    i += 1
                attr = text[abegin:i].lower()
                if not attr:
                    raise EntityParseError(f'Empty attribute name in the tag "{tag}" at byte offset {bpos}')
                while i < n and at(i).isspace():
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and attr == "expandable":
                        arg = "1"
                        continue
                    raise EntityParseError(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" at byte offset {bpos}'
                    )
                i += 1
                while i < n and at(i).isspace():
                    i += 1
                if i >= n:
                    raise EntityParseError(f"Unclosed start tag at byte offset {bpos}")
                value: list[str] = []
                if at(i) not in "'\"":
                    while i < n and (at(i).isalnum() or at(i) in ".-"):
                        value.append(at(i))
                        i += 1
                    if i >= n:
                        raise EntityParseError(f"Unclosed start tag at byte offset {bpos}")
                else:
                    quote = at(i)
                    i += 1
                    while i < n and at(i) != quote:
                        if at(i) == "&":
                            dec = _decode_entity(text, i)
                            if dec is not None:
                                value.append(dec[0])
                                i += dec[1]
                                continue
                        value.append(at(i))
                        i += 1
                    if at(i) != quote:
                        raise EntityParseError(f"Unclosed start tag at byte offset {bpos}")
                    i += 1
                val = "".join(value)
                if tag == "a" and attr == "href":
                    arg = val
                elif tag == "code" and attr == "class" and val.startswith("language-"):
                    arg = val[9:]
                elif tag == "span" and attr == "class" and val.startswith("tg-"):
                    arg = val[3:]
                elif tag == "tg-emoji" and attr == "emoji-id":
                    arg = val
                elif tag == "blockquote" and attr == "expandable":
                    arg = "1"
            if tag == "span" and arg != "spoiler":
                raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {bpos}')
            if tag == "tg-emoji" and not arg.isdigit():
                raise EntityParseError("Invalid custom emoji identifier specified")
            stack.append({"tag": tag, "arg": arg, "offset": out_len, "byte": bpos})
            i += 1  # skip '>'
        else:
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {bpos}")
            i += 1
            while i < n and not at(i).isspace() and at(i) != ">":
                i += 1
            end_tag = text[begin + 2 : i].lower()
            while i < n and at(i).isspace():
                i += 1
            if at(i) != ">":
                raise EntityParseError(f"Unclosed end tag at byte offset {bpos}")
            open_ = stack.pop()
            if end_tag and end_tag != open_["tag"]:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {bpos}, expected "</{open_["tag"]}>", found "</{end_tag}>"'
                )
            i += 1
            length = out_len - open_["offset"]
            if length <= 0:
                continue
            ent = _html_entity(open_, length, "".join(out), stack, entities)
            if ent is not None:
                entities.append(ent)
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    return "".join(out), _sorted(entities)


def _html_entity(open_: dict, length: int, result: str, stack: list[dict], done: list[dict]) -> dict | None:
    tag, arg, offset = open_["tag"], open_["arg"], open_["offset"]
    base = {"offset": offset, "length": length}
    if tag in _SIMPLE:
        return {"type": _SIMPLE[tag], **base}
    if tag == "a":
        url = arg or _utf16_slice(result, offset, length)
        return {"type": "text_link", **base, "url": url}
    if tag == "code":
        # <pre><code class="language-x"> becomes one pre entity with a language.
        if stack and stack[-1]["tag"] == "pre" and stack[-1]["offset"] == offset and arg:
            stack[-1]["arg"] = arg
            return None
        return {"type": "code", **base}
    if tag == "pre":
        ent = {"type": "pre", **base}
        if arg:
            ent["language"] = arg
        return ent
    if tag == "blockquote":
        return {"type": "expandable_blockquote" if arg else "blockquote", **base}
    if tag == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": arg}
    return None


def _utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def _sorted(entities: list[dict]) -> list[dict]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MD_NAMES = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline", "strikethrough": "Strikethrough",
    "spoiler": "Spoiler", "code": "Code", "pre": "Pre", "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


def parse_markdown_v2(text: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    out_len = 0
    stack: list[dict] = []
    entities: list[dict] = []
    n = len(text)
    i = 0

    def emit(s: str) -> None:
        nonlocal out_len
        out.append(s)
        out_len += utf16_len(s)

    def close(kind: str, extra: dict | None = None) -> None:
        open_ = stack.pop()
        length = out_len - open_["offset"]
        if length > 0:
            entities.append({"type": kind, "offset": open_["offset"], "length": length, **(extra or {})})

    while i < n:
        c = text[i]
        top = stack[-1]["type"] if stack else None
        if c == "\\" and i + 1 < n and 0 < ord(text[i + 1]) < 127:
            emit(text[i + 1])
            i += 2
            continue
        if top in ("code", "pre"):
            if top == "code" and c == "`":
                close("code")
                i += 1
                continue
            if top == "pre" and text.startswith("```", i):
                open_ = stack[-1]
                close("pre", {"language": open_["lang"]} if open_.get("lang") else None)
                i += 3
                continue
            emit(c)
            i += 1
            continue
        if c not in MDV2_RESERVED:
            emit(c)
            i += 1
            continue
        # end of an entity?
        if top == "bold" and c == "*":
            close("bold"); i += 1; continue
        if top == "underline" and text.startswith("__", i):
            close("underline"); i += 2; continue
        if top == "italic" and c == "_":
            close("italic"); i += 1; continue
        if top == "strikethrough" and c == "~":
            close("strikethrough"); i += 1; continue
        if top == "spoiler" and text.startswith("||", i):
            close("spoiler"); i += 2; continue
        if top in ("text_link", "custom_emoji") and c == "]":
            j = i + 1
            if j < n and text[j] == "(":
                k = j + 1
                url: list[str] = []
                while k < n and text[k] != ")":
                    if text[k] == "\\" and k + 1 < n:
                        url.append(text[k + 1]); k += 2; continue
                    url.append(text[k]); k += 1
                if k >= n:
                    raise EntityParseError(f"Can't find end of a url at byte offset {_byte_offset(text, j)}")
                link = "".join(url)
                i = k + 1
            else:
                link = _utf16_slice("".join(out), stack[-1]["offset"], out_len - stack[-1]["offset"])
                i = j
            if top == "custom_emoji":
                m = re.fullmatch(r"tg://emoji\?id=(\d+)", link)
                if not m:
                    raise EntityParseError("Custom emoji entity must contain a tg://emoji URL")
                close("custom_emoji", {"custom_emoji_id": m.group(1)})
            elif link:
                close("text_link", {"url": link})
            else:
                stack.pop()
            continue
        # start of an entity
        bpos = _byte_offset(text, i)
        if c == "*":
            kind, step = "bold", 1
        elif c == "_":
            kind, step = ("underline", 2) if text.startswith("__", i) else ("italic", 1)
        elif c == "~":
            kind, step = "strikethrough", 1
        elif c == "|" and text.startswith("||", i):
            kind, step = "spoiler", 2
        elif c == "[":
            kind, step = "text_link", 1
        elif c == "!" and text.startswith("![", i):
            kind, step = "custom_emoji", 2
        elif c == "`":
            if text.startswith("```", i):
                j = i + 3
                k = text.find("\n", j)
                lang = ""
                if k != -1 and re.fullmatch(r"[A-Za-z0-9_+\-#.]*", text[j:k] or ""):
                    lang, j = text[j:k], k + 1
                stack.append({"type": "pre", "offset": out_len, "byte": bpos, "lang": lang})
                i = j
                continue
            kind, step = "code", 1
        elif c == ">" and (i == 0 or text[i - 1] == "\n"):
            end = text.find("\n", i)
            end = n if end == -1 else end
            inner, inner_ents = parse_markdown_v2(text[i + 1 : end])
            for e in inner_ents:
                e["offset"] += out_len
            start = out_len
            emit(inner)
            if utf16_len(inner):
                entities.append({"type": "blockquote", "offset": start, "length": utf16_len(inner)})
            entities.extend(inner_ents)
            i = end
            continue
        else:
            raise EntityParseError(f"Character '{c}' is reserved and must be escaped with the preceding '\\'")
        if any(e["type"] == kind for e in stack):
            raise EntityParseError(f"Can't find end of {_MD_NAMES[kind]} entity at byte offset {stack[-1]['byte']}")
        stack.append({"type": kind, "offset": out_len, "byte": bpos})
        i += step
    if stack:
        e = stack[-1]
        raise EntityParseError(f"Can't find end of {_MD_NAMES[e['type']]} entity at byte offset {e['byte']}")
    return "".join(out), _sorted(entities)


def parse_markdown(text: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url); no escaping rules."""
    out: list[str] = []
    out_len = 0
    entities: list[dict] = []
    i, n = 0, len(text)
    marks = {"*": "bold", "_": "italic", "`": "code"}
    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n and text[i + 1] in "*_`[":
            out.append(text[i + 1]); out_len += 1; i += 2; continue
        if text.startswith("```", i):
            end = text.find("```", i + 3)
            if end == -1:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            body = text[i + 3 : end]
            entities.append({"type": "pre", "offset": out_len, "length": utf16_len(body)})
            out.append(body); out_len += utf16_len(body); i = end + 3; continue
        if c in marks:
            end = text.find(c, i + 1)
            if end == -1:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            body = text[i + 1 : end]
            if body:
                entities.append({"type": marks[c], "offset": out_len, "length": utf16_len(body)})
            out.append(body); out_len += utf16_len(body); i = end + 1; continue
        if c == "[":
            m = re.compile(r"\[([^\]]*)\]\(([^)]*)\)").match(text, i)
            if not m:
                raise EntityParseError(f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}")
            body = m.group(1)
            if body:
                entities.append({"type": "text_link", "offset": out_len, "length": utf16_len(body), "url": m.group(2)})
            out.append(body); out_len += utf16_len(body); i = m.end(); continue
        out.append(c); out_len += utf16_len(c); i += 1
    return "".join(out), _sorted(entities)


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """Parses text per parse_mode; raises EntityParseError or ValueError('unsupported parse_mode')."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError("unsupported parse_mode")


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims leading and trailing whitespace and clips the entities to what is left."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    clipped = []
    for e in entities:
        start = max(e["offset"] - shift, 0)
        end = min(e["offset"] + e["length"] - shift, total)
        if end > start:
            clipped.append({**e, "offset": start, "length": end - start})
    return result, clipped


def bot_command_entities(text: str) -> list[dict]:
    """Entities Telegram adds to a user's message: a leading /command."""
    m = re.match(r"/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?", text)
    if not m:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))}]

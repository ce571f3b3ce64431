"""What a resident's message is, beyond its category: a status question, a vague opener, only a place."""

from __future__ import annotations

import re

_STATUS = re.compile(
    r"我的工单|我的报告|我反映的|我报的|工单.{0,4}(?:怎么样|咋样|进度|进展|查)|进度|进展|(?:怎么样|咋样|怎样|如何)了|"
    r"处理(?:了没|好了没|到哪)|办(?:了没|好了没|到哪)|有人管吗|有没有人管|有人处理吗|有没有人处理|"
    r"(?:什么时候|啥时候|多久)(?:能|才能|可以)?(?:修|处理|解决|弄|办)")
# words that only frame a status question: what is left after them is what the question is about
_STATUS_FILLER = re.compile(
    r"我的|工单|报告|我反映的|我报的|反映的|上次|之前|前几天|昨天|那个|这个|现在|到底|请问|你好|您好|麻烦|"
    r"问一下|查一下|帮我|看看|处理|得|的|了|呢|吗|啊|呀|吧|啦|没有|没|有人管|有人|管|什么时候|啥时候|多久|"
    r"能|才能|可以|修|解决|弄|办|好|到哪|一步|怎么样|咋样|怎样|如何|进度|进展|[\s\d\-—，。,.!！?？、~…GgDd]")
_NUMBER = re.compile(r"(?:GD)?(\d{8}-\d{1,4}|-?\d{1,4})(?!\d)", re.IGNORECASE)

# openers that say nothing yet about what happened
_VAGUE = re.compile(
    r"你好|您好|在吗|请问|有个|有一个|有件|一个|一件|事情|事儿|事|问题|情况|想|要|反映|反应|投诉|举报|咨询|"
    r"一下|帮忙|帮帮|麻烦|我|这边|那边|这里|那里|下|个|的|了|呢|吗|啊|呀|吧|[\s，。,.!！?？、~…]")
GENERIC_KEYWORDS = {"事情", "反映", "问题", "情况", "投诉", "举报", "咨询", "一下", "想", "有个", "事", "帮忙", "麻烦"}

# what is left of a place-only message once the place is taken out
_PLACE_FILLER = re.compile(
    r"\d+(?:号楼|号院|号|栋|幢|单元|楼|层|室|户|组|排|门)?|[东西南北]?(?:门口|大门|旁边|对面|附近|里面|里|这边|那边|这里|那里)|"
    r"地址|位置|地点|是|在|就|住|我家|我们|家|这|那|小区|院|的|了|哦|呢|啊|呀|吧|[\s，。,.!！?？、：:~…\-]")


_ACK = re.compile(r"^(?:好的?|好吧|嗯+|哦+|对|对的|是的?|行|可以|没问题|ok|OK|谢谢|谢谢你|谢谢您|多谢|辛苦了?|"
                  r"提交|确认|确定|收到|知道了)[\s，。,.!！~…了啊呀哈]*$")


def is_ack(text: str) -> bool:
    """好的, 谢谢, 提交 …: an answer to the conversation, not a report nor more of one."""
    return bool(_ACK.match(text.strip()))


def is_status_question(text: str) -> bool:
    """A question about tickets already made (我的工单咋样了, 处理得怎么样了, 有人管吗)."""
    return bool(_STATUS.search(text))


def status_leftover(text: str) -> str:
    """What a status question says besides asking (上次的路灯处理得怎么样了 → 路灯)."""
    return _STATUS_FILLER.sub("", text)


def ticket_number(text: str) -> str | None:
    """A ticket number or its short form in a text: GD20261202-0003, 0003, -0003, 3."""
    m = _NUMBER.search(text)
    return m.group(1) if m else None


def is_vague(text: str, keywords=()) -> bool:
    """Says that there is a problem but not what it is (有个事情想反映一下)."""
    strong = [k for k in keywords if k not in GENERIC_KEYWORDS]
    return not strong or len(_VAGUE.sub("", text)) <= 1


def place_leftover(text: str, start: int, end: int) -> str:
    """The text without the place found at [start, end) and without address details and filler words."""
    return _PLACE_FILLER.sub("", text[:start] + text[end:])

"""Every Chinese text and keyboard GridBot shows in chat, in one place.

All user-supplied text passes through `esc` (HTML parse mode); every message is cut to fit
Telegram's 4,096 characters by `fit`. Callback data stays short: "d:…" for the draft being
confirmed, "t:<action>:<ticket id>[:<arg>]" for ticket actions.
"""
from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup as Keyboard
from telegram import KeyboardButton, ReplyKeyboardMarkup, ReplyKeyboardRemove

from bot.services import briefing_text

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
TZ = ZoneInfo("Asia/Shanghai")

STATE_NAMES = {"pending": "待签收", "accepted": "办理中", "resolved": "已办结，待评价", "closed": "已归档",
               "cancelled": "已撤销", "merged": "已合并"}
PRIORITY_NAMES = {"urgent": "紧急", "normal": "一般"}
RATING_NAMES = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
ROLE_NAMES = {"resident": "居民", "worker": "网格员", "handler": "部门办理人", "supervisor": "督办", "admin": "管理员"}
ACTION_NAMES = {"submit": "提交", "dispatch": "派单", "accept": "签收", "return": "退回", "escalate": "上报",
                "note": "进展", "request_extension": "申请延期", "approve_extension": "批准延期",
                "deny_extension": "驳回延期", "resolve": "办结", "rate_satisfied": "评价",
                "rate_unsatisfied": "不满意重办", "auto_close": "自动归档", "cancel": "撤销", "merge": "合并", "comment": "留言",
                "ask_resident": "询问居民", "resident_reply": "居民回复", "resume": "恢复计时"}


def set_timezone(name: str) -> None:
    global TZ
    TZ = ZoneInfo(name)


def esc(text) -> str:
    return html.escape(str(text if text is not None else ""), quote=False)


def when(value: str | None) -> str:
    if not value:
        return "—"
    return datetime.fromisoformat(value).astimezone(TZ).strftime("%m月%d日 %H:%M")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """Cut a message to Telegram's limit (counted in UTF-16 units) without breaking an entity or a tag."""
    if _utf16(text) <= limit:
        return text
    cut = text[: limit - 40]
    while _utf16(cut) > limit - 40:
        cut = cut[: len(cut) - max(1, (_utf16(cut) - limit + 40) // 2)]
    amp, semi = cut.rfind("&"), cut.rfind(";")
    if amp > semi:
        cut = cut[:amp]
    lt, gt = cut.rfind("<"), cut.rfind(">")
    if lt > gt:
        cut = cut[:lt]
    # close tags left open by the cut (we only ever emit <b>, <i>, <code> and <pre>), innermost first
    for tag in ("code", "i", "b", "pre"):
        if cut.count(f"<{tag}>") > cut.count(f"</{tag}>"):
            cut += f"</{tag}>"
    return cut + "\n…（内容过长，已截断）"


def short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


# ---- general -------------------------------------------------------------------------------

WELCOME_RESIDENT = ("您好，我是<b>网格通</b>，您身边的网格服务助手。\n"
                    "直接用文字告诉我您遇到的问题（可附照片、位置），我会为您生成工单，派给所在网格的网格员，"
                    "并随时告诉您办理进展。\n\n"
                    "/my 我的工单\n/status 工单号 查询进度\n/cancel 放弃正在填写的报告\n/help 帮助")
HELP_RESIDENT = WELCOME_RESIDENT
HELP_STAFF = {
    "worker": ("网格员命令：\n/tasks 我的待办\n/status 工单号 查看工单\n/whistle 情况描述 吹哨上报隐患\n"
               "/patrol 巡格打卡（随后发送位置）\n/cancel 取消当前输入"),
    "handler": "部门办理人命令：\n/tasks 我的待办\n/status 工单号 查看工单\n/cancel 取消当前输入",
    "supervisor": ("督办命令：\n/queue 待派单与延期申请\n/status 工单号 查看工单\n/merge 重复工单号 原工单号 合并重复工单\n"
                   "/stats 本辖区统计\n/cancel 取消当前输入"),
    "admin": "管理员：请使用命令行 gridbot 管理组织架构与人员。",
}
COMMANDS = {
    "resident": [("my", "我的工单"), ("status", "查询工单进度"), ("cancel", "放弃正在填写的报告"), ("help", "帮助")],
    "worker": [("tasks", "我的待办"), ("status", "查看工单"), ("whistle", "吹哨上报隐患"), ("patrol", "巡格打卡"),
               ("cancel", "取消当前输入"), ("help", "帮助")],
    "handler": [("tasks", "我的待办"), ("status", "查看工单"), ("cancel", "取消当前输入"), ("help", "帮助")],
    "supervisor": [("queue", "待派单与延期申请"), ("status", "查看工单"), ("merge", "合并重复工单"),
                   ("stats", "辖区统计"), ("cancel", "取消当前输入"), ("help", "帮助")],
    "admin": [("help", "帮助")],
}


def staff_greeting(actor) -> str:
    return (f"您好，{esc(actor.name)}！您已绑定为 <b>{esc(actor.unit_name)}</b> 的"
            f"{ROLE_NAMES.get(actor.role, actor.role)}。\n\n{HELP_STAFF.get(actor.role, '')}")


ERRORS = {
    "empty": "消息是空的。请用文字描述您遇到的问题，例如“小区门口垃圾没人清”。",
    "no_content": "没有看到文字内容。请用几句话描述问题发生在哪里、是什么情况。",
    "too_long": "描述太长了（最多 {limit} 字）。请精简后重新发送，照片可以另外发。",
    "address_unknown": "没有找到这个地址所在的网格。请换一种说法（如“纺织路社区”“人民东路62号院”），"
                       "或直接发送位置，或从下方选择社区。",
    "point_outside": "这个位置不在本区的网格范围内。请输入地址或从下方选择社区。",
    "point_no_grid": "这个位置在本区内，但没能确定属于哪个网格。请输入详细地址（小区、门牌），或从下方选择社区。",
    "category": "没有这个类别，请从按钮中选择。",
    "unit": "请从按钮中选择社区。",
    "reason": "请写明原因（一句话即可）。",
    "note": "请输入进展说明。",
    "result": "请输入办理结果。",
    "whistle": "请在 /whistle 后面写明隐患情况，例如：/whistle 人民东路62号院3号楼外墙脱落",
    "whistle_not_worker": "吹哨（/whistle）是网格员上报巡查中发现的隐患用的。"
                          "如需反映问题，请直接发送文字描述，我会为您生成工单并派给所在网格。",
    "extension_date": "延期日期要晚于当前办结时限，请重新输入日期和原因。",
    "no_extension": "这张工单没有待审批的延期申请。",
    "merge_target": "原工单号不对，或不能合并到它。格式：/merge 重复工单号 原工单号",
    "rating": "请用按钮评价。",
    "number": "请在命令后写上工单号，例如：/status GD20261126-0001",
    "bind_code": "绑定码无效、已使用或已过期。请联系管理员重新获取。",
    "already_bound": "这个聊天账号已绑定工作人员身份。如需更换，请联系管理员解绑。",
    "not_found": "没有找到这张工单，或您无权查看。",
    "forbidden": "您无权进行这个操作。",
    "stale": "这张工单的状态已经变化，操作未执行。请用 /status 工单号 查看最新情况。",
    "no_draft": "这份报告已经提交或已取消。发送新的文字即可开始新的报告。",
    "rate_limited_tickets": "您一小时内提交的工单较多（上限 {limit} 件）。请稍后再提交，紧急情况请拨打 12345 或 110。",
    "rate_limited_bind": "绑定尝试次数过多，请一小时后再试。",
    "unknown_command": "没有这个命令。发送 /help 查看可用命令。",
    "edited": "修改已发送的消息不会更新报告。如需更正，请重新发送一条完整的描述。",
    "unsupported": "暂时只能处理文字、照片和位置。请用文字描述问题，照片请以图片方式发送。",
    "internal": "抱歉，系统暂时出了点问题，这条消息没能处理完。请稍后再发一次；已提交的工单可用 /my 查看。",
    "internal_button": "抱歉，系统暂时出了点问题，这次操作没能完成，请稍后再试。",
    "question": "请输入要询问的问题。",
    "already_paused": "已经在等待居民回复了。",
    "not_paused": "这张工单没有在等待居民回复。",
    "photo_caption": "请在照片的说明（caption）里写上办理结果或隐患情况，再发送一次。",
    "staff_text": "请使用按钮或命令操作工单。发送 /help 查看可用命令。",
    "taken": "这张工单已由 {by} 签收。",
    "taken_by_you": "您已签收这张工单，可以开始办理。",
    "moved": "这张工单已转派至 {unit}。",
    "now_resolved": "这张工单已办结。",
    "now_closed": "这张工单已归档。",
    "now_cancelled": "这张工单已被居民撤销。",
    "now_merged": "这张工单已合并至 {into}。",
    "no_level_above": "已是最高一级，无法再上报或退回。",
    "extension_pending": "已有延期申请在等待审批。",
    "target_outside_jurisdiction": "不能派往这个单位，请从按钮中选择。",
    "button": "这个按钮已失效。请用 /status 工单号 查看最新情况。",
}


def error_text(code: str, **details) -> str:
    template = ERRORS.get(code, ERRORS["internal"])
    try:
        return template.format(**details)
    except (KeyError, IndexError):
        return template


# ---- the resident's draft --------------------------------------------------------------------

URGENT_NOTE = "⚠️ 紧急：将优先处理。如有人身危险请立即拨打 119 / 110 / 120。"
DESCRIBE_PROMPT = ("请具体说说是什么问题、在什么地方，例如：\n"
                   "“人民东路62号院3号楼楼道灯坏了”\n“纺织路菜市场门口垃圾堆了好几天没人清”")


def draft(d: dict) -> tuple[str, Keyboard]:
    k = d["key"]
    lines = [f"<b>请确认您的报告</b>\n\n{esc(short(d['text'], 600))}\n"]
    if d.get("address") and d["address"] not in d["text"]:
        lines.append(f"地址：{esc(short(d['address'], 100))}")
    if d.get("priority") == "urgent":             # at every step: she must see it before any question
        lines.append(URGENT_NOTE)
    if d["step"] == "describe":
        lines[0] = f"<b>收到：</b>{esc(short(d['text'], 600))}\n"
        lines.append(DESCRIBE_PROMPT)
        return "\n".join(lines), Keyboard([[Button("取消", callback_data=f"d:{k}:x")]])
    if d["step"] == "category":
        lines.append(_place_line(d) if d.get("unit_id") else "")
        lines.append("请选择问题的类别：" if d.get("picking") or d.get("chosen") else
                     "我不太确定问题的类别，请选择最接近的一项：")
        buttons = [Button(name, callback_data=f"d:{k}:cat:{i}") for i, name in d["candidate_ids"]]
        rows = [buttons[j:j + 2] for j in range(0, len(buttons), 2)] if len(buttons) > 3 else [[b] for b in buttons]
        if len(buttons) <= 3:
            rows.append([Button("其他类别…", callback_data=f"d:{k}:cats")])
        rows.append([Button("取消", callback_data=f"d:{k}:x")])
        return "\n".join(line for line in lines if line), Keyboard(rows)
    lines.append(f"类别：<b>{esc(d['category_name'])}</b>")
    if d.get("keywords") and not d.get("chosen"):
        lines.append(f"依据：{esc('、'.join(d['keywords'][:5]))}")
    if d.get("photo"):
        lines.append("照片：已附")
    if d["step"] == "location":
        if d.get("choice_units"):
            lines.append(f"\n<b>{esc(d['place'])}</b>经过好几个社区，问题在哪个社区？也可以发送位置或输入门牌：")
            rows = [[Button(u["name"], callback_data=f"d:{k}:unit:{u['id']}")] for u in d["choice_units"][:8]]
        else:
            lines.append("\n<b>问题发生在哪里？</b>请发送位置，或输入地址（如小区、道路、门牌），或选择社区：")
            rows = [[Button("选择社区", callback_data=f"d:{k}:units")]]
        rows.append([Button("更改类别", callback_data=f"d:{k}:cats"), Button("取消", callback_data=f"d:{k}:x")])
        return "\n".join(lines), Keyboard(rows)
    lines.append(_place_line(d))
    if d.get("parked"):                          # offered on the next message, until they expire
        lines.append(f"\n（您还有 {d['parked']} 份未提交的报告，发送 /my 可继续填写。）")
    return "\n".join(lines), Keyboard([
        [Button("✅ 提交", callback_data=f"d:{k}:sub")],
        [Button("更改类别", callback_data=f"d:{k}:cats"), Button("更改位置", callback_data=f"d:{k}:loc")],
        [Button("取消", callback_data=f"d:{k}:x")]])


def _place_line(d: dict) -> str:
    place, unit = d.get("place") or d["unit_name"], d["unit_name"]
    return f"位置：<b>{esc(place)}</b>" + (f"（{esc(unit)}）" if unit and unit != place else "")


def follow_up_question(d: dict) -> tuple[str, Keyboard]:
    """The resident wrote more while a report was open and it is unclear whether it belongs to it."""
    k = d["key"]
    return (f"您还有一份报告没有提交：\n「{esc(short(d['text'], 80))}」\n\n"
            f"刚才这条「{esc(short(d.get('pending_text') or '', 80))}」是："), \
        Keyboard([[Button("补充到刚才的报告", callback_data=f"d:{k}:add")],
                  [Button("这是一个新问题", callback_data=f"d:{k}:new")]])


FOLLOW_UP_DONE = {"added": "好的，已补充到刚才的报告。", "new": "好的，按新问题处理。刚才的报告已保存，可用 /my 继续填写。"}
PICK_COMMUNITY = "请选择问题所在的社区："
ACK_HINT = "好的。确认无误请点报告下方的「✅ 提交」；还有要补充的，直接发给我。"
ACK_NO_DRAFT = "不客气！有问题随时发消息告诉我；查看工单进度：/my"
PLACE_KNOWN = "好的，位置已记下。"
KEYBOARD_CLOSED = "好的。"
LOCATION_WITHOUT_DRAFT = "已收到位置。请先用文字描述问题，再发送位置。"


def drafts_keyboard(drafts: list[dict]) -> Keyboard | None:
    """One button per report not yet submitted: 继续填写."""
    if not drafts:
        return None
    return Keyboard([[Button(f"继续填写：{short(d['text'], 12)}", callback_data=f"d:{d['key']}:show")]
                     for d in drafts[:5]])


def comment_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("补充评价", callback_data=f"t:cmt:{ticket_id}")]])


def open_list(cards: list[dict], asked: bool = False) -> str:
    """The resident's open tickets and their state: the answer to /status and to 我的工单咋样了."""
    if not cards:
        return ("您目前没有正在办理的工单。" + ("如需反映新问题，请直接描述问题和地点。" if asked else "")
                + "\n全部工单：/my")
    lines = ["<b>您正在办理的工单</b>\n"]
    for c in cards:
        who = f" · {esc(c['handler_name'])}" if c.get("handler_name") else ""
        lines.append(f"{ticket_summary(c)}\n  {esc(c['grid_name'] or c['unit_name'] or '')}{who}"
                     f" · 办结时限 {when(c['resolve_due'])}")
    lines.append("\n查看详情：/status 工单号（如 /status " + esc(cards[0]["number"].rsplit("-", 1)[-1]) + "）")
    if asked:
        lines.append("如果是要反映新问题，请直接描述问题和地点。")
    return fit("\n".join(lines))


def location_keyboard() -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup([[KeyboardButton("📍 发送我的位置", request_location=True)]],
                               resize_keyboard=True, one_time_keyboard=True)


def remove_keyboard() -> ReplyKeyboardRemove:
    return ReplyKeyboardRemove()


def unit_picker(units: list[dict], key: str) -> Keyboard:
    rows, row = [], []
    for unit in units[:40]:
        row.append(Button(unit["name"], callback_data=f"d:{key}:unit:{unit['id']}"))
        if len(row) == 2:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([Button("取消", callback_data=f"d:{key}:x")])
    return Keyboard(rows)


def submitted(card: dict) -> str:
    workers = "、".join(card.get("workers") or []) or "社区工作人员"
    where = card["grid_name"] or card["unit_name"]
    lines = [f"✅ 已受理，工单号 <code>{esc(card['number'])}</code>",
             f"类别：{esc(card['category_name'])}（{PRIORITY_NAMES.get(card['priority'], '')}）",
             f"派往：{esc(where)} · {esc(workers)}",
             f"签收时限：{when(card['accept_due'])}",
             f"办结时限：{when(card['resolve_due'])}",
             "\n办理进展会第一时间通知您。查询：/status " + esc(card["number"])]
    if not card["grid_name"]:
        lines.insert(3, "（具体网格待社区/街道工作人员确认后派单）")
    return "\n".join(lines)


DRAFT_CANCELLED = "已取消这份报告。需要时直接发消息给我即可。"
NOTHING_TO_CANCEL = "当前没有正在填写的内容。"
ADDRESS_PROMPT = "📍 也可以点下方按钮直接发送您的位置。"


# ---- ticket cards ----------------------------------------------------------------------------

def where_text(c: dict) -> str:
    """A ticket's place and its grid, each named once (嵩山路社区, not 嵩山路社区（嵩山路社区）)."""
    place, unit = c.get("place") or "", c.get("grid_name") or c.get("unit_name") or ""
    if not place:
        return f"—（{esc(unit or '待确定')}）"
    return esc(place) if place == unit or not unit else f"{esc(place)}（{esc(unit)}）"


def ticket_summary(c: dict) -> str:
    return (f"<code>{esc(c['number'])}</code> {esc(c['category_name'])} · {STATE_NAMES.get(c['state'], c['state'])}"
            f"\n  {esc(short(' '.join(c['text'].split()), 60))}")


def my_list(cards: list[dict], drafts: list[dict] = ()) -> str:
    kept = (f"\n\n<b>未提交的报告（{len(drafts)} 份）</b>\n" + "\n".join(f"· {esc(short(d['text'], 40))}" for d in drafts)
            + "\n点下方按钮继续填写。") if drafts else ""
    if not cards:
        return fit("您还没有提交过工单。直接发消息描述问题即可。" + kept)
    return fit("<b>我的工单</b>\n\n" + "\n".join(ticket_summary(c) for c in cards)
               + "\n\n查看详情：/status 工单号" + kept)


def ticket_detail(c: dict, names: dict[int, str] | None = None) -> str:
    lines = [f"<b>工单 {esc(c['number'])}</b>",
             f"状态：{STATE_NAMES.get(c['state'], c['state'])}" + (f"（重办 {c['reopen_count']} 次）" if c["reopen_count"] else ""),
             f"类别：{esc(c['category_name'])} · {PRIORITY_NAMES.get(c['priority'], '')}",
             f"位置：{where_text(c)}",
             f"当前办理：{esc(c['unit_name'])}" + (f" · {esc(c['handler_name'])}" if c["handler_name"] else ""),
             f"签收时限：{when(c['accept_due'])}　办结时限：{when(c['resolve_due'])}",
             f"\n{esc(short(c['text'], 1000))}"]
    if c.get("result"):
        lines.append(f"\n办理结果：{esc(short(c['result'], 800))}")
    if c.get("rating"):
        lines.append(f"评价：{RATING_NAMES.get(c['rating'], c['rating'])}")
    if c.get("unreachable"):
        lines.append("⚠️ 消息无法送达该居民（可能已屏蔽机器人），请电话联系。")
    if c.get("history"):
        lines.append("\n<b>办理记录</b>")
        for event in c["history"]:
            who = ROLE_NAMES.get(event["actor_role"], "系统")
            note = f"：{esc(short(event['note'], 200))}" if event["note"] else ""
            target = f"至 {esc(event['target'])}" if event.get("target") else ""
            lines.append(f"{when(event['at'])} {ACTION_NAMES.get(event['action'], event['action'])}{target}"
                         f"（{who}）{note}")
    return fit("\n".join(lines))


def ticket_for_staff(c: dict, header: str) -> str:
    urgent = "🔴 紧急 " if c["priority"] == "urgent" else ""
    return fit("\n".join([
        f"{urgent}<b>{esc(header)}</b> <code>{esc(c['number'])}</code>",
        f"类别：{esc(c['category_name'])}",
        f"位置：{where_text(c)}",
        f"签收时限：{when(c['accept_due'])}　办结时限：{when(c['resolve_due'])}",
        f"\n{esc(short(c['text'], 1500))}"]))


def offer_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("签收", callback_data=f"t:acc:{ticket_id}"),
                      Button("退回", callback_data=f"t:ret:{ticket_id}")]])


def work_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([
        [Button("进展", callback_data=f"t:note:{ticket_id}"), Button("办结", callback_data=f"t:res:{ticket_id}")],
        [Button("上报", callback_data=f"t:esc:{ticket_id}"), Button("延期", callback_data=f"t:ext:{ticket_id}"),
         Button("退回", callback_data=f"t:ret:{ticket_id}")],
        [Button("询问居民（暂停计时）", callback_data=f"t:ask:{ticket_id}")]])


def resume_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("不等回复，继续计时", callback_data=f"t:resume:{ticket_id}")]])


def queue_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("派单/交办", callback_data=f"t:disp:{ticket_id}"),
                      Button("上报", callback_data=f"t:esc:{ticket_id}")]])


MAX_BUTTONS = 100        # Telegram's limit for one inline keyboard

# Labels of the action table's codes (bot/actions.py); rows of the keyboard, in order.
ACTION_LABELS = {"acc": "签收", "note": "进展", "res": "办结", "esc": "上报", "ext": "延期", "ret": "退回",
                 "ask": "询问居民（暂停计时）", "resume": "不等回复，继续计时", "disp": "派单/交办",
                 "extok": "批准延期", "extno": "驳回", "cmt": "补充评价", "cxl": "撤销这张工单"}
KEYBOARD_ROWS = (("acc", "note", "res"), ("esc", "ext", "ret"), ("ask", "resume"), ("disp",), ("extok", "extno"),
                 ("rate",), ("cmt",), ("cxl",))


def ticket_keyboard(ticket_id: int, codes) -> Keyboard | None:
    """Exactly the buttons the action table gives this viewer now; None when there are none."""
    codes = set(codes or ())
    rows = []
    for row in KEYBOARD_ROWS:
        if row == ("rate",):
            if "rate" in codes:
                rows.extend(rating_keyboard(ticket_id).inline_keyboard)
            continue
        buttons = [Button(ACTION_LABELS[c], callback_data=f"t:{c}:{ticket_id}") for c in row if c in codes]
        if buttons:
            rows.append(buttons)
    return Keyboard(rows) if rows else None


def dispatch_picker(c: dict, units: list[dict]) -> str:
    """The ticket in front of the supervisor while choosing where it goes."""
    lines = [ticket_for_staff(c, "派单/交办"), f"\n当前：{esc(c['unit_name'])}"]
    if c.get("last_reason"):
        lines.append(f"退回/上报原因：{esc(short(c['last_reason'], 300))}")
    suggested = [u["name"] for u in units if u.get("suggested")]
    if suggested:
        lines.append("建议：" + esc("、".join(suggested)) + "（⭐ 标出，排在最前）")
    lines.append("\n请选择派往的网格或交办部门：")
    return fit("\n".join(lines))


def dispatch_keyboard(ticket_id: int, units: list[dict]) -> Keyboard:
    """Two per row, the suggested first, and 返回; the district (30 grids, 19 departments) fits in 100 buttons."""
    buttons = [Button(("⭐ " if u.get("suggested") else "") + ("🏢 " if u["kind"] == "department" else "") + u["name"],
                      callback_data=f"t:to:{ticket_id}:{u['id']}") for u in units[:MAX_BUTTONS - 1]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([Button("返回", callback_data=f"t:back:{ticket_id}")])
    return Keyboard(rows)


def extension_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("批准延期", callback_data=f"t:extok:{ticket_id}"),
                      Button("驳回", callback_data=f"t:extno:{ticket_id}")]])


def rating_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("满意", callback_data=f"t:rate:{ticket_id}:s"),
                      Button("基本满意", callback_data=f"t:rate:{ticket_id}:b"),
                      Button("不满意", callback_data=f"t:rate:{ticket_id}:u")]])


def resident_cancel_keyboard(ticket_id: int) -> Keyboard:
    return Keyboard([[Button("撤销这张工单", callback_data=f"t:cxl:{ticket_id}")]])


def status_keyboard(c: dict, actor=None) -> Keyboard | None:
    """The buttons a ticket's detail offers its viewer: what the action table gave (`c["buttons"]`)."""
    return ticket_keyboard(c["id"], c.get("buttons"))


def card_header(c: dict, viewer: str = "staff") -> str:
    """What a live card says the ticket is now."""
    state = c["state"]
    if state == "pending":
        return "待派单" if c.get("unit_kind") in ("community", "street", "district") else "待签收"
    if state == "accepted":
        return "办理中" + ("（等待居民回复）" if c.get("paused") else "")
    return STATE_NAMES.get(state, state)


def live_card(p: dict) -> str:
    """A card edited to the ticket's state now (bot/services/cards.py)."""
    c = p["ticket"]
    if p.get("viewer") == "resident":
        head = f"✅ 已受理，工单号 <code>{esc(c['number'])}</code>" if p.get("card_kind") == "receipt" else \
            f"工单 <code>{esc(c['number'])}</code>"
        lines = [head, f"当前状态：<b>{card_header(c, 'resident')}</b>",
                 f"{esc(short(' '.join(c['text'].split()), 120))}"]
    else:
        kind_head = {"whistle": "🔔 吹哨", "extension_request": "延期申请", "urgent_alert": "紧急工单"}.get(
            p.get("card_kind"), "")
        head = card_header(c) + (f" · {kind_head}" if kind_head else "")
        lines = [ticket_for_staff(c, head)]
    who = esc(c["unit_name"]) + (f" · {esc(c['handler_name'])}" if c.get("handler_name") else "")
    lines.append(f"\n当前办理：{who}")
    if c.get("extension_due") and c["state"] == "accepted":
        lines.append(f"延期申请：至 {when(c['extension_due'])}（{esc(c.get('extension_reason'))}）待审批")
    if c.get("result"):
        lines.append(f"办理结果：{esc(short(c['result'], 300))}")
    if c.get("rating"):
        lines.append(f"评价：{RATING_NAMES.get(c['rating'], c['rating'])}")
    return fit("\n".join(lines))


def tasks_list(cards: list[dict]) -> str:
    if not cards:
        return "目前没有待办工单。"
    return fit("<b>我的待办</b>（按办结时限排序）\n\n" + "\n".join(
        f"{ticket_summary(c)}\n  时限：{when(c['resolve_due'] if c['state'] == 'accepted' else c['accept_due'])}"
        for c in cards))


def queue_list(queue: dict) -> str:
    if not queue["waiting"] and not queue["extensions"]:
        return "辖区内暂无待派单工单和延期申请。"
    return f"待派单 {len(queue['waiting'])} 件，延期申请 {len(queue['extensions'])} 件："


THANKS = {"reply": "已把您的回复转给办理人员，谢谢！", "comment": "已收到您的留言，谢谢！",
          "why": "已把您不满意的原因转告办理人员和督办，谢谢！"}

PROMPTS = {
    "ret": "请输入退回原因（例如：不属于本网格）：",
    "note": "请输入办理进展，将转告居民：",
    "res": "请输入办理结果（可再发一张照片）：",
    "esc": "请输入上报原因：",
    "ext": "请输入新的办结日期和原因，例如：2026-12-05 需要协调施工队",
    "merge": "请输入原工单号（这张工单将合并进去）：",
    "comment": "请输入您的评价（一句话即可；10 分钟内有效，发送任何命令即取消）：",
    "whistle": "请描述发现的隐患：",
    "patrol": "请发送您当前的位置完成巡格打卡。",
    "ask": "请输入要询问居民的问题（发出后办结计时暂停，居民回复后恢复）：",
}

DONE = {
    "acc": "已签收 {number}，请按时办理。",
    "ret": "已退回 {number}，等待重新派单。",
    "note": "已记录进展，并已告知居民。",
    "res": "已办结 {number}，已请居民评价。",
    "esc": "已上报 {number} 至 {unit_name}。",
    "ext": "已提交延期申请，等待审批。",
    "to": "已派往 {unit_name}。",
    "extok": "已批准 {number} 的延期。",
    "extno": "已驳回 {number} 的延期申请。",
    "merge": "已将 {number} 合并。",
    "rate": "感谢您的评价！",
    "reopen": "已为您重新交办，工单号 {number}，将再次办理。",
    "cxl": "已撤销工单 {number}。",
    "ask": "已向居民询问 {number}，办结计时已暂停，居民回复后自动恢复。",
    "resume": "已恢复计时，{number} 新的办结时限已顺延。",
    "whistle": "🔔 已吹哨：工单 {number} 由您直接办理，已立即通知社区、街道及相关部门。",
    "why": "已把您不满意的原因转告办理人员和督办，谢谢！",
}
DONE["to"] = "已派往 {unit_name}：工单 {number}。"
DONE["reopen"] = "已为您重新交办，工单号 {number}，将再次办理。\n请告诉我们哪里不满意（直接回复文字）："


TOASTS = {"acc": "签收成功", "extok": "已批准延期", "extno": "已驳回延期", "cxl": "已撤销", "rate": "感谢您的评价！",
          "resume": "已恢复计时"}


def toast(code: str, card: dict) -> str | None:
    return TOASTS.get(code)


def done(key: str, card: dict) -> str:
    return DONE[key].format(**{k: esc(v) for k, v in card.items() if isinstance(v, (str, int))})


# ---- outbox messages -------------------------------------------------------------------------

RESIDENT_EVENTS = {
    "accepted": "您的工单 {number} 已由{handler_role_name} {handler_name} 签收，正在办理。",
    "returned": "工单 {number} 已退回 {level} 重新派单，派出后会告诉您新的承办单位。",
    "dispatched": "工单 {number} 已派往 {unit} 办理。",
    "note": "工单 {number} 有新进展：{note}",
    "escalated": "工单 {number} 已上报至 {level} 协调处理。",
    "to_department": "工单 {number} 已交由 {department} 办理。",
    "extended": "工单 {number} 的办结时限已延长至 {resolve_due}。原因：{reason}",
    "resolved": "工单 {number} 已办结。\n办理结果：{result}\n\n请您评价：",
    "reopened": "工单 {number} 已重新交办，新的办结时限 {resolve_due}。",
    "merged": "您的工单 {number} 与已有工单 {into} 是同一问题，已合并办理，进展会继续通知您。",
    "closed": "工单 {number} 已归档。感谢您的支持！",
    "question": "关于工单 {number}，办理人员想向您了解：{question}\n\n请直接回复文字说明（等待您回复期间办结计时暂停）。",
}


def outbox_message(kind: str, payload: dict) -> tuple[str, Keyboard | None]:
    """Text and buttons for one outbox row."""
    c = payload.get("ticket") or {}
    if kind == "resident_update":
        values = {k: esc(v) for k, v in {**c, **payload}.items() if isinstance(v, (str, int))}
        values["resolve_due"] = when(c.get("resolve_due"))
        values["handler_name"] = esc(c.get("handler_name") or "")
        values["handler_role_name"] = ROLE_NAMES.get(c.get("handler_role") or "worker", "网格员")
        text = RESIDENT_EVENTS.get(payload["event"], "工单 {number} 状态已更新。").format_map(_Missing(values))
        markup = rating_keyboard(c["id"]) if payload["event"] == "resolved" else None
        if "buttons" in payload and payload["event"] == "resolved":
            markup = ticket_keyboard(c["id"], payload["buttons"])
        return fit(text), markup
    if kind == "card":
        return live_card(payload), ticket_keyboard(c["id"], payload.get("buttons"))
    text, markup = _ticket_message(kind, payload)
    if "buttons" in payload:
        markup = ticket_keyboard(c["id"], payload["buttons"])
    return text, markup


def _ticket_message(kind: str, payload: dict) -> tuple[str, Keyboard | None]:
    c = payload.get("ticket") or {}
    if kind == "new_ticket":
        return ticket_for_staff(c, "新工单"), offer_keyboard(c["id"])
    if kind == "queue_item":
        why = {"returned": "退回待派单", "escalated": "上报待处理"}.get(payload.get("why"), "待派单")
        text = ticket_for_staff(c, why)
        if payload.get("reason"):
            text = fit(text + f"\n\n原因：{esc(payload['reason'])}")
        return text, queue_keyboard(c["id"])
    if kind == "urgent_alert":
        return ticket_for_staff(c, "紧急工单提醒"), None
    if kind == "whistle":
        return ticket_for_staff(c, "🔔 吹哨：网格员发现隐患"), None
    if kind == "extension_request":
        return extension_request(c, payload.get("requester")), extension_keyboard(c["id"])
    if kind == "extension_decided":
        verdict = "已批准" if payload.get("approved") else "未批准"
        return f"工单 <code>{esc(c['number'])}</code> 的延期申请{verdict}。办结时限：{when(c['resolve_due'])}", None
    if kind == "reopened":
        extra = f"\n居民意见：{esc(payload['comment'])}" if payload.get("comment") else ""
        return fit(f"居民对工单 <code>{esc(c['number'])}</code> 的办理结果不满意，已重新交办给您。"
                   f"新的办结时限：{when(c['resolve_due'])}{extra}"), work_keyboard(c["id"])
    if kind == "rated":
        result = f"\n办理结果：{esc(short(payload['result'], 300))}" if payload.get("result") else ""
        return fit(f"工单 <code>{esc(c['number'])}</code> 居民评价：{RATING_NAMES.get(payload.get('rating'), '')}，"
                   f"已归档。{result}"), None
    if kind == "unsatisfied_why":
        return fit(f"居民对工单 <code>{esc(c['number'])}</code> 不满意的原因：{esc(payload.get('comment'))}"), None
    if kind == "resident_unreachable":
        return fit(f"⚠️ 工单 <code>{esc(c['number'])}</code> 的居民无法接收机器人消息（可能已屏蔽或未开启对话），"
                   "请通过电话等方式联系。"), None
    if kind == "resident_reply":
        return fit(f"居民回复了工单 <code>{esc(c['number'])}</code>：{esc(payload.get('reply'))}\n"
                   f"计时已恢复，办结时限：{when(c['resolve_due'])}"), work_keyboard(c["id"])
    if kind == "comment":
        return fit(f"居民对工单 <code>{esc(c['number'])}</code> 的评价留言：{esc(payload.get('comment'))}"), None
    if kind == "cancelled":
        return f"居民已撤销工单 <code>{esc(c['number'])}</code>，无需继续办理。", None
    if kind == "offer_taken":
        return (f"工单 <code>{esc(payload['number'])}</code> 已由 {esc(payload['taken_by'])} 签收。", None)
    if kind == "text":
        return fit(payload["text"]), None
    if kind in SCHEDULE_KINDS:
        return schedule_message(kind, payload)
    return fit(f"通知：{esc(kind)}"), None


def outbox_photo(kind: str, payload: dict) -> str | None:
    """The chat photo (file id) an outbox message carries: the report's or the result's."""
    if kind in ("new_ticket", "whistle", "queue_item"):
        return (payload.get("ticket") or {}).get("photo")
    if kind == "resident_update" and payload.get("event") == "resolved":
        return payload.get("result_photo")
    return None


class _Missing(dict):
    def __missing__(self, key):
        return ""


# ---- deadlines, briefing, patrols (issue 4) ---------------------------------------------------
# The briefing's own text is formatted by bot/services/briefing_text.py (shared with the CLI).

RESIDENT_EVENTS["auto_closed"] = "工单 {number} 办结后 {days} 天未评价，已自动归档。感谢您的支持！"
DEADLINE_NAMES = {"accept": "签收", "resolve": "办结"}
SCHEDULE_KINDS = {"deadline_alert", "deadline_digest", "briefing", "briefing_chart", "patrol_reminder"}
PHOTO_KINDS = {"briefing_chart"}


def duration_text(seconds: float) -> str:
    """A span to the nearest minute, at least 1分钟: 3分钟, 2小时5分钟, 1天3小时 (never 0秒)."""
    minutes = max(1, round(seconds / 60))
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        hours += minutes >= 30                   # a day and more: to the hour
        days, hours = (days + 1, 0) if hours == 24 else (days, hours)
        return f"{days}天" + (f"{hours}小时" if hours else "")
    if hours:
        return f"{hours}小时" + (f"{minutes}分钟" if minutes else "")
    return f"{minutes}分钟"


def deadline_state(p: dict) -> str:
    """剩余 10分钟 before the deadline, 已超时 2小时 after it."""
    if p["stage"] == "remind":
        return f"剩余 {duration_text(p.get('left_seconds') or 0)}"
    return f"已超时 {duration_text(p.get('overdue_seconds') or 0)}"


def deadline_header(deadline: str, stage: str, tier: str) -> str:
    what = DEADLINE_NAMES.get(deadline, "")
    if stage == "remind":
        return f"⏰ 即将超时：请尽快{what}"
    if stage == "overdue":
        return f"⚠️ 已超{what}时限" if tier == "handler" else f"⚠️ 超时预警：下级工单已超{what}时限"
    return f"🚨 督办：工单超{what}时限未处理"


def deadline_alert(p: dict) -> str:
    """One deadline's alert: each label once (the card's two deadlines are not repeated)."""
    c = p["ticket"]
    urgent = "🔴 紧急 " if c["priority"] == "urgent" else ""
    lines = [f"{urgent}<b>{esc(deadline_header(p['deadline'], p['stage'], p['tier']))}</b> <code>{esc(c['number'])}</code>",
             f"类别：{esc(c['category_name'])}",
             f"位置：{where_text(c)}",
             f"{DEADLINE_NAMES.get(p['deadline'], '')}时限：{when(p['due'])}（{deadline_state(p)}）"]
    if c.get("handler_name"):
        lines.append(f"承办人：{esc(c['handler_name'])}")
    elif c.get("unit_name") and c.get("unit_name") != c.get("grid_name"):
        lines.append(f"承办单位：{esc(c['unit_name'])}")
    lines.append(f"\n{esc(short(c['text'], 1500))}")
    return fit("\n".join(lines))


def deadline_digest(p: dict) -> str:
    lines = [f"<b>⏰ 时限提醒汇总（{len(p['items'])} 条）</b>"]
    for item in p["items"]:
        head = deadline_header(item["deadline"], item["stage"], item["tier"])
        lines.append(f"• <code>{esc(item['number'])}</code> {esc(item['category_name'])} "
                     f"{esc(item['place'] or '')}：{esc(head)}（时限 {when(item['due'])}，{deadline_state(item)}）")
    lines.append("\n请用 /tasks 或 /queue 查看并处理。")
    return fit("\n".join(lines))


def briefing_caption(p: dict) -> str:
    return briefing_text.caption(p["briefing"])[:MAX_CAPTION]


def schedule_message(kind: str, p: dict) -> tuple[str, Keyboard | None]:
    if kind == "deadline_alert":
        markup = work_keyboard(p["ticket"]["id"]) if p["deadline"] == "resolve" and p["tier"] == "handler" else None
        if p["deadline"] == "accept" and p["tier"] == "handler" and p["ticket"].get("unit_kind") in ("grid", "department"):
            markup = offer_keyboard(p["ticket"]["id"])
        return deadline_alert(p), markup
    if kind == "deadline_digest":
        return deadline_digest(p), None
    if kind == "briefing":
        return briefing_message(p["briefing"]), None
    if kind == "briefing_chart":
        return esc(briefing_caption(p)), None          # the limit counts the text after entity parsing
    if kind == "patrol_reminder":
        last = when(p.get("last_at")) if p.get("last_at") else "从未巡查"
        return (f"🚶 巡格提醒：<b>{esc(p['grid_name'])}</b> 已超过 {p['cycle_days']} 天未完整巡查"
                f"（上次巡格：{last}）。\n巡查时请发送 /patrol 并分享位置打卡。"), None
    return fit(f"通知：{esc(kind)}"), None


def patrol_prompt() -> tuple[str, ReplyKeyboardMarkup]:
    return "巡格打卡：请点击下方按钮发送您当前的位置。", location_keyboard()


def patrol_recorded(r: dict) -> str:
    if r["inside"] is None:
        where = "（本网格尚未标注边界，已按位置记录）"
    elif r["inside"]:
        where = "（位置在网格范围内）"
    else:
        where = "（⚠️ 位置不在本网格范围内，已记录并备注）"
    return (f"✅ 已记录巡格打卡：<b>{esc(r['grid_name'])}</b> {when(r['at'])}{where}\n"
            f"下次巡格请在 {when(r['next_due'])} 前完成。")


PATROL_ERRORS = {"not_worker": "只有网格员可以巡格打卡。", "no_grid": "您没有所属网格，无法打卡。"}
ERRORS.update({k: v for k, v in PATROL_ERRORS.items() if k not in ERRORS})


def briefing_message(data: dict) -> str:
    """The briefing for a phone: ordinary text (no monospace block, which wraps Chinese mid-phrase),
    the title in bold."""
    head, _, rest = briefing_text.format_briefing(data).partition("\n")
    return fit(f"<b>{esc(head)}</b>\n{esc(rest)}")


def stats_text(data: dict) -> str:
    return briefing_message(data)


# ---- extension (延期) -------------------------------------------------------------------------

WEEKDAY_NAMES = "一二三四五六日"


def day_text(value: str) -> str:
    """12月07日（周一）18:00"""
    moment = datetime.fromisoformat(value).astimezone(TZ)
    return moment.strftime("%m月%d日") + f"（周{WEEKDAY_NAMES[moment.weekday()]}）" + moment.strftime("%H:%M")


def _example(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(TZ).strftime("%m月%d日") + " 需要协调施工队"


def extension_prompt(offer: dict) -> str:
    c = offer["ticket"]
    return (f"工单 <code>{esc(c['number'])}</code> 当前办结时限：{when(c['resolve_due'])}\n"
            f"请输入新的办结日期和原因，例如：{_example(offer['options'][0][1])}\n"
            "或选择下方的延期时长（按工作日计）。"
            "日期可写作 12月23日、12-23、下周五、3天后、3个工作日后。")


def extension_steps_keyboard(ticket_id: int, offer: dict) -> Keyboard:
    return Keyboard([[Button(f"+{n}个工作日（{when(until)[:6]}）", callback_data=f"t:ext:{ticket_id}:{n}")]
                     for n, until in offer["options"]])


def extension_reason_prompt(until: str) -> str:
    return f"申请延期至 {day_text(until)}。请输入延期原因（一句话即可）："


EXTENSION_ERRORS = {
    "extension_not_date": "没看懂这个日期。请以日期开头，再写原因，例如：{example}\n"
                          "日期可写作 12月23日、12-23、下周五、3天后、3个工作日后。",
    "extension_too_early": "延期日期要晚于当前办结时限（{deadline}）。请换一个更晚的日期，例如：{example}",
}


def extension_refusal(reason: str, details: dict) -> str | None:
    template = EXTENSION_ERRORS.get(reason)
    if template is None:
        return None
    return template.format(example=esc(_example(details["example"])) if details.get("example") else "",
                           deadline=when(details.get("deadline")))


def extension_requested(c: dict) -> str:
    return (f"已提交延期申请：工单 <code>{esc(c['number'])}</code> 延至 {day_text(c['extension_due'])}，"
            "等待督办审批。")


def extension_request(c: dict, requester: dict | None) -> str:
    """What a supervisor is asked to approve: who asks, for when, why."""
    who = requester or {"name": c.get("handler_name"), "unit": c.get("unit_name")}
    unit = f"（{esc(who.get('unit'))}）" if who.get("unit") else ""
    return fit(ticket_for_staff(c, "延期申请")
               + f"\n\n申请人：{esc(who.get('name') or '—')}{unit}"
               + f"\n当前办结时限：{when(c.get('resolve_due'))}"
               + f"\n申请延至：{when(c.get('extension_due'))}\n原因：{esc(c.get('extension_reason'))}")

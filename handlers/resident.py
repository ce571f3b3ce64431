"""The resident's chat: report a problem, confirm it, follow it, rate it."""
from __future__ import annotations

from telegram import Update

from bot.services import accounts, inputs, intake, resident
from bot.services.errors import ServiceError
from handlers import render
from handlers.common import GridContext, answer, edit_or_reply, refuse, reply, set_commands, ticket_arg


async def start(update: Update, context: GridContext) -> None:
    """Greets the user; with a bind code, links a staff account first."""
    if context.args:
        await bind(update, context)
        return
    actor = context.actor
    await set_commands(context, actor)
    await reply(update, render.staff_greeting(actor) if actor.is_staff else render.WELCOME_RESIDENT)


async def bind(update: Update, context: GridContext) -> None:
    """Links this chat to the staff member whose code was given."""
    code = context.args[0] if context.args else ""
    try:
        actor = await accounts.bind(context.deps, update.effective_chat.id, code)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    context.actor = actor
    await set_commands(context, actor)
    await reply(update, render.staff_greeting(actor))


async def help_command(update: Update, context: GridContext) -> None:
    actor = context.actor
    await reply(update, render.HELP_STAFF.get(actor.role, "") if actor.is_staff else render.HELP_RESIDENT)


async def my(update: Update, context: GridContext) -> None:
    """Lists the resident's tickets."""
    await reply(update, render.my_list(await resident.my_tickets(context.deps, context.actor)))


async def status(update: Update, context: GridContext) -> None:
    """Shows one ticket with its history to whoever may see it."""
    try:
        view = await resident.status(context.deps, context.actor, " ".join(context.args or []))
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.ticket_detail(view), render.status_keyboard(view, context.actor))


async def cancel(update: Update, context: GridContext) -> None:
    """Drops the draft or the pending question."""
    dropped = await inputs.clear(context.deps, update.effective_chat.id)
    if not context.actor.is_staff:
        dropped = await intake.cancel(context.deps, context.actor) or dropped
    await reply(update, render.DRAFT_CANCELLED if dropped else render.NOTHING_TO_CANCEL, render.remove_keyboard())


async def on_text(update: Update, context: GridContext, text: str) -> None:
    """A new report, or the address for the draft waiting for one."""
    deps, actor = context.deps, context.actor
    try:
        draft = await intake.take_text(deps, actor, text)
    except ServiceError as exc:
        if exc.reason == "address_unknown":
            await reply(update, render.error_text("address_unknown"),
                        render.unit_picker(await intake.communities(deps), exc.details["key"]))
        else:
            await refuse(update, exc)
        return
    await show_draft(update, draft)


async def show_draft(update: Update, draft: dict) -> None:
    text, markup = render.draft(draft)
    if draft["step"] == "location" and update.callback_query is None:
        await reply(update, render.ADDRESS_PROMPT, render.location_keyboard())
    await edit_or_reply(update, text, markup)


async def on_photo(update: Update, context: GridContext) -> None:
    """A photo adds to the draft, or starts a report from its caption."""
    deps, actor = context.deps, context.actor
    file_id = update.effective_message.photo[-1].file_id
    caption = update.effective_message.caption
    try:
        if await intake.current(deps, actor) is not None and not caption:
            draft = await intake.add_photo(deps, actor, file_id)
        elif caption:
            draft = await intake.start(deps, actor, caption, photo=file_id)
        else:
            await reply(update, render.error_text("no_content"))
            return
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await show_draft(update, draft)


async def on_location(update: Update, context: GridContext) -> None:
    """A shared location places the draft."""
    location = update.effective_message.location
    try:
        draft = await intake.give_point(context.deps, context.actor, location.latitude, location.longitude)
    except ServiceError as exc:
        if exc.reason == "no_draft":
            await reply(update, "已收到位置。请先用文字描述问题，再发送位置。", render.remove_keyboard())
        elif exc.reason == "point_outside":
            draft = await intake.current(context.deps, context.actor)
            await reply(update, render.error_text("point_outside"),
                        render.unit_picker(await intake.communities(context.deps), draft["key"]))
        else:
            await refuse(update, exc)
        return
    await reply(update, "已收到位置。", render.remove_keyboard())
    await show_draft(update, draft)


async def on_draft_button(update: Update, context: GridContext) -> None:
    """Buttons of the draft being confirmed: category, place, submit, cancel."""
    query = update.callback_query
    deps, actor = context.deps, context.actor
    if actor.is_staff:
        await answer(update, render.error_text("forbidden"), show_alert=True)
        return
    parts = query.data.split(":")
    op, arg = (parts[2], parts[3] if len(parts) > 3 else "") if len(parts) >= 3 else ("", "")
    # 提交 checks the key inside its own transaction; the other buttons check it here
    if not op or (op != "sub" and parts[1] != await intake.draft_key(deps, actor)):
        await answer(update, render.error_text("no_draft"), show_alert=True)
        return
    try:
        if op == "sub":
            view = await intake.submit(deps, actor, key=parts[1])
            await answer(update, "已提交")
            await edit_or_reply(update, render.submitted(view))
            return
        if op == "x":
            await intake.cancel(deps, actor)
            await answer(update)
            await edit_or_reply(update, render.DRAFT_CANCELLED)
            return
        if op == "units":
            await answer(update)
            await edit_or_reply(update, "请选择问题所在的社区：",
                                render.unit_picker(await intake.communities(deps), parts[1]))
            return
        if op == "cat" and arg.isdigit():
            draft = await intake.choose_category(deps, actor, int(arg))
        elif op == "cats":
            draft = await intake.ask_category(deps, actor)
        elif op == "loc":
            draft = await intake.ask_location(deps, actor)
        elif op == "unit" and arg:
            draft = await intake.choose_unit(deps, actor, int(arg))
        else:
            raise ValueError(query.data)
    except ServiceError as exc:
        await refuse(update, exc)
        return
    except ValueError:
        await answer(update, render.error_text("stale"), show_alert=True)
        return
    await answer(update)
    await show_draft(update, draft)


async def on_ticket_button(update: Update, context: GridContext, action: str, ticket_id: int, arg: str) -> None:
    """The resident's ticket buttons: rate, cancel."""
    query = update.callback_query
    deps, actor = context.deps, context.actor
    try:
        if action == "rate":
            view = await resident.rate(deps, actor, ticket_id, arg)
            await answer(update, render.done("rate", view))
            key = "reopen" if view["state"] == "accepted" else "rate"
            await edit_or_reply(update, render.done(key, view))
            if key == "rate":
                await inputs.expect(deps, actor.chat_id, "comment", ticket_id)
                await reply(update, render.PROMPTS["comment"])
        elif action == "cxl":
            view = await resident.cancel(deps, actor, ticket_id)
            await answer(update)
            await edit_or_reply(update, render.done("cxl", view))
        else:
            raise ValueError(action)
    except ServiceError as exc:
        await refuse(update, exc)
    except ValueError:
        await answer(update, render.error_text("stale"), show_alert=True)

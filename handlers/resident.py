"""The resident's chat: report a problem, confirm it, follow it, rate it."""
from __future__ import annotations

from telegram import Update

from bot.services import accounts, conversation, inputs, intake, resident
from bot.services.cards import mark
from bot.services.errors import ServiceError
from nlp import intent
from handlers import render
from handlers.common import GridContext, answer, edit_or_reply, refuse, reply, set_commands


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
    """Lists the resident's tickets, and the reports not yet submitted."""
    deps, actor = context.deps, context.actor
    cards = await resident.my_tickets(deps, actor)
    drafts = await conversation.open_drafts(deps, actor) if not actor.is_staff else []
    await reply(update, render.my_list(cards, drafts), render.drafts_keyboard(drafts))


async def status(update: Update, context: GridContext) -> None:
    """Shows one ticket with its history to whoever may see it; without a number, the resident's open ones."""
    deps, actor = context.deps, context.actor
    if not context.args and not actor.is_staff:
        await reply(update, render.open_list(await resident.open_tickets(deps, actor)))
        return
    try:
        view = await resident.status(deps, actor, " ".join(context.args or []))
    except ServiceError as exc:
        await refuse(update, exc)
        return
    await reply(update, render.ticket_detail(view), render.status_keyboard(view), card=mark(view))


async def cancel(update: Update, context: GridContext) -> None:
    """Drops the draft or the pending question."""
    dropped = await inputs.clear(context.deps, update.effective_chat.id)
    if not context.actor.is_staff:
        dropped = await intake.cancel(context.deps, context.actor) or dropped
    await reply(update, render.DRAFT_CANCELLED if dropped else render.NOTHING_TO_CANCEL, render.remove_keyboard())


async def on_text(update: Update, context: GridContext, text: str) -> None:
    """A status question, or a report: the open draft's place, more of its problem, or a new one."""
    deps, actor = context.deps, context.actor
    if intent.is_ack(text):
        draft = await intake.current(deps, actor)
        if draft is None:
            await reply(update, render.ACK_NO_DRAFT)
            return
        await reply(update, render.ACK_HINT)
        await show_draft(update, {**draft, "notice": "new"})
        return
    if intent.is_status_question(text) and await _answer_status(update, context, text):
        return
    try:
        draft = await conversation.take_text(deps, actor, text)
    except ServiceError as exc:
        await _place_refused(update, context, exc)
        return
    await show_draft(update, draft)


async def _answer_status(update: Update, context: GridContext, text: str) -> bool:
    """Answers a question about her tickets; False when it is rather a report (nothing to ask about)."""
    deps, actor = context.deps, context.actor
    number = intent.ticket_number(text)
    if number:
        try:
            view = await resident.status(deps, actor, number)
        except ServiceError:
            view = None
        if view is not None:
            await reply(update, render.ticket_detail(view), render.status_keyboard(view), card=mark(view))
            return True
    cards = await resident.open_tickets(deps, actor)
    leftover = intent.status_leftover(text)
    if (not cards and len(leftover) > 2) or (len(leftover) > 6 and deps.classifier.classify(text).confident):
        return False                          # "…有人管吗" after a whole complaint: a report, not a question
    await reply(update, render.open_list(cards, asked=True))
    return True


async def _place_refused(update: Update, context: GridContext, exc: ServiceError) -> None:
    deps = context.deps
    if exc.reason in ("address_unknown", "point_outside", "point_no_grid"):
        await reply(update, render.error_text(exc.reason),
                    render.unit_picker(await intake.communities(deps), exc.details["key"]))
    else:
        await refuse(update, exc)


async def show_draft(update: Update, draft: dict) -> None:
    """The draft's card, with the reply keyboard that fits its step (location asked, or not any more)."""
    if draft.get("notice") == "ask":
        text, markup = render.follow_up_question(draft)
        await reply(update, text, markup)
        return
    text, markup = render.draft(draft)
    if update.callback_query is not None and draft.get("notice") != "new":
        await edit_or_reply(update, text, markup)
    else:
        await reply(update, text, markup)
    # the reply keyboard follows the step: offered while the place is asked, gone once it is known
    if draft["step"] == "location":
        await reply(update, render.ADDRESS_PROMPT, render.location_keyboard())
    elif draft.get("notice") in ("placed", "located"):
        await reply(update, render.PLACE_KNOWN, render.remove_keyboard())


async def on_photo(update: Update, context: GridContext) -> None:
    """A photo adds to the draft, or starts a report from its caption."""
    deps, actor = context.deps, context.actor
    file_id = update.effective_message.photo[-1].file_id
    caption = update.effective_message.caption
    try:
        if await intake.current(deps, actor) is not None and not caption:
            draft = await intake.add_photo(deps, actor, file_id)
        elif caption:
            draft = await conversation.take_text(deps, actor, caption, photo=file_id)
        else:
            await reply(update, render.error_text("no_content"))
            return
    except ServiceError as exc:
        await _place_refused(update, context, exc)
        return
    await show_draft(update, draft)


async def on_location(update: Update, context: GridContext) -> None:
    """A shared location places the draft."""
    location = update.effective_message.location
    try:
        draft = await intake.give_point(context.deps, context.actor, location.latitude, location.longitude)
    except ServiceError as exc:
        if exc.reason == "no_draft":
            await reply(update, render.LOCATION_WITHOUT_DRAFT, render.remove_keyboard())
        else:
            await _place_refused(update, context, exc)
        return
    await show_draft(update, {**draft, "notice": "located"})


async def on_draft_button(update: Update, context: GridContext) -> None:
    """Buttons of the draft being confirmed: category, place, submit, cancel."""
    query = update.callback_query
    deps, actor = context.deps, context.actor
    if actor.is_staff:
        await answer(update, render.error_text("forbidden"), show_alert=True)
        return
    parts = query.data.split(":")
    op, arg = (parts[2], parts[3] if len(parts) > 3 else "") if len(parts) >= 3 else ("", "")
    # a kept (parked) draft's buttons bring it back first; 提交 checks the key again in its own transaction
    if not op or not await conversation.activate(deps, actor, parts[1]):
        await answer(update, render.error_text("no_draft"), show_alert=True)
        return
    try:
        if op in ("add", "new"):
            draft = await conversation.follow_up(deps, actor, parts[1], add=op == "add")
            await answer(update)
            await edit_or_reply(update, render.FOLLOW_UP_DONE[draft["notice"]])
            await show_draft(update, {**draft, "notice": "new"})
            return
        if op == "show":
            draft = await intake.current(deps, actor)
            if draft is None:
                raise ValueError(query.data)
            await answer(update)
            await show_draft(update, {**draft, "notice": "new"})
            return
        if op == "sub":
            view = await intake.submit(deps, actor, key=parts[1])
            await answer(update, "已提交")
            await edit_or_reply(update, render.submitted(view), card=mark(view, "receipt"))
            return
        if op == "x":
            draft = await intake.current(deps, actor)
            await intake.cancel(deps, actor)
            await answer(update)
            await edit_or_reply(update, render.DRAFT_CANCELLED)
            if draft is not None and draft["step"] == "location":      # the location keyboard goes too
                await reply(update, render.KEYBOARD_CLOSED, render.remove_keyboard())
            return
        if op == "units":
            await answer(update)
            await edit_or_reply(update, render.PICK_COMMUNITY,
                                render.unit_picker(await intake.communities(deps), parts[1]))
            return
        if op == "cat" and arg.isdigit():
            draft = await intake.choose_category(deps, actor, int(arg))
        elif op == "cats":
            draft = await intake.ask_category(deps, actor)
        elif op == "loc":
            draft = await intake.ask_location(deps, actor)
        elif op == "unit" and arg:
            draft = {**await intake.choose_unit(deps, actor, int(arg)), "notice": "placed"}
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

"""The composition root: builds the services and the python-telegram-bot Application, and runs them.

Only this module (and the CLI) wires Telegram to the application; everything else in bot/ is
channel-free.
"""
from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import replace

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.clock import Clock, SystemClock
from bot.config import Config
from bot.deadline_policy import DeadlinePolicy
from bot.org_import import import_org
from bot.services import coordination, inbox, outbox
from bot.services.deps import Deps
from bot.services.units import refresh_places
from bot.sla import WorkCalendar
from handlers import jobs, render, router
from handlers.common import GridContext
from handlers.delivery import OutboxSender
from handlers.polling import Poller
from handlers.processor import ChatOrderedProcessor
from handlers.pump import InboxPump
from handlers.webhook import WebhookReceiver
from nlp.lexicon import default_lexicon, load_lexicon, merge_lexicons
from storage import org
from storage.db import Database

log = logging.getLogger("gridbot")
SANDBOX_TOKEN = "123456789:SANDBOX-gridbot-local-token-000000"


def build_lexicon(config: Config):
    lexicon = default_lexicon()
    if config.lexicon_path:
        learned = load_lexicon(config.lexicon_path)
        lexicon = learned if config.lexicon_mode == "replace" else merge_lexicons(learned, lexicon)
    return lexicon


async def build_deps(config: Config, clock: Clock | None = None, db: Database | None = None) -> Deps:
    """Open the database (loading the org file if it is empty) and build the classifier and locator."""
    clock = clock or SystemClock()
    db = db or await Database.open(config.database, pool_size=config.database_pool_size)
    async with db.read() as tx:
        empty = not await org.all_units(tx)
    if empty:
        from bot.demo import demo_org_path
        await import_org(db, config.org_path or demo_org_path(), clock=clock, config=config)
    lexicon = build_lexicon(config)
    calendar = WorkCalendar.from_config(config)
    deps = Deps(db=db, clock=clock, config=config, lexicon=lexicon, classifier=None, calendar=calendar,
                deadlines=DeadlinePolicy(config, lexicon, calendar))
    await refresh_places(deps)
    render.set_timezone(config.timezone)
    return deps


def build_application(config: Config, deps: Deps) -> Application:
    """The PTB Application, without PTB's Updater and rate limiter: our receiver (the poller, or the
    webhook with `webhook_url`), the inbox pump and the sender replace them."""
    processor = ChatOrderedProcessor(config.update_concurrency)
    builder = (Application.builder().token(config.telegram_token or SANDBOX_TOKEN)
               .context_types(ContextTypes(context=GridContext)).concurrent_updates(processor).updater(None)
               .connection_pool_size(2 * config.send_concurrency + 4).pool_timeout(10.0)
               .get_updates_connection_pool_size(2))
    if config.telegram_base_url:
        builder = builder.base_url(config.telegram_base_url).base_file_url(config.file_base_url)
    application = builder.build()
    application.bot_data["deps"] = deps
    pump = InboxPump(application, deps, processor)
    sender = OutboxSender(deps, application.bot)
    if config.webhook_url:
        receiver = WebhookReceiver(application, deps, pump)
    else:
        receiver = Poller(application, deps, pump, on_network_back=sender.network_back)
    processor.answer = sender.answer

    async def finish(update: object, outgoing) -> None:
        inbox_id = pump.take_inbox_id(update)
        released = False
        try:
            released = await inbox.finish(deps, inbox_id, outgoing.owed, pump.release_with(inbox_id))
        finally:
            pump.finished(inbox_id, released)

    processor.finish = finish
    application.bot_data.update(sender=sender, receiver=receiver, pump=pump)
    deps.on_outbox = sender.wake
    router.register(application)
    return application


async def start(application: Application) -> None:
    """Initialise, start handlers, the outbox sender, the inbox pump (which first hands on what the
    inbox still holds from before a crash or stop, or from other processes) and the receiver."""
    await application.initialize()
    try:
        await application.bot.set_my_commands([BotCommand(n, d) for n, d in render.COMMANDS["resident"]])
    except TelegramError as exc:         # the menu is a nicety; Telegram being away must not stop us
        log.warning("setMyCommands failed: %s", exc)
    await application.start()
    deps = application.bot_data["deps"]
    jobs.schedule(application.job_queue, deps)
    await inbox.prune(deps)
    sender: OutboxSender = application.bot_data["sender"]
    pump: InboxPump = application.bot_data["pump"]
    receiver = application.bot_data["receiver"]
    tasks = {"outbox": asyncio.create_task(sender.run(), name="outbox"),
             "inbox": asyncio.create_task(pump.run(), name="inbox")}
    if isinstance(receiver, Poller):
        tasks["polling"] = asyncio.create_task(receiver.run(), name="polling")
    else:
        await receiver.start()
    application.bot_data["tasks"] = tasks


async def stop(application: Application) -> None:
    """Bounded, whatever the network does: stop fetching, let running handlers finish, give sends
    in flight a moment, leave the rest in the outbox for the next start, close the database."""
    deps = application.bot_data["deps"]
    budget = deps.config.stop_timeout.total_seconds()
    deadline = asyncio.get_running_loop().time() + budget
    left = lambda: max(deadline - asyncio.get_running_loop().time(), 0.1)      # noqa: E731
    receiver = application.bot_data["receiver"]
    pump: InboxPump = application.bot_data["pump"]
    sender: OutboxSender = application.bot_data["sender"]
    tasks = application.bot_data.get("tasks", {})
    if isinstance(receiver, Poller):
        receiver.stop()
        if "polling" in tasks:
            tasks["polling"].cancel()                  # the long poll in flight; nothing it fetched is confirmed
    else:
        try:
            await asyncio.wait_for(receiver.stop(), min(budget * 0.2, 5.0))
        except asyncio.TimeoutError:
            log.warning("webhook requests still open at stop; Telegram sends what was not answered again")
    pump.stop()
    if application.running:
        try:
            await asyncio.wait_for(application.stop(), budget * 0.4)
        except asyncio.TimeoutError:
            log.warning("handlers still running at stop; their updates stay in the inbox")
    await pump.close()
    cut = await sender.stop(grace=min(budget * 0.3, left()))
    if cut:
        log.warning("%d sends cut off at stop; they stay in the outbox for the next start", cut)
    for task in tasks.values():
        task.cancel()
    if tasks:
        await asyncio.wait(tasks.values(), timeout=1.0)
    try:
        await asyncio.wait_for(application.shutdown(), min(left(), 2.0))
    except (asyncio.TimeoutError, RuntimeError) as exc:
        log.warning("shutdown of the Telegram client incomplete: %r", exc)
    try:
        await asyncio.wait_for(coordination.release(deps), min(left(), 2.0))
        await asyncio.wait_for(outbox.release(deps), min(left(), 2.0))
    except Exception as exc:                       # the lease and the claims then expire on their own
        log.warning("lease or outbox claims not released: %r", exc)
    await deps.db.close()


async def bind_demo_accounts(deps: Deps) -> dict[int, str]:
    """Sandbox only: log the demo chat users in as the demo staff; returns each demo staff chat's role."""
    from bot.demo import DEMO_ACCOUNTS
    bound: dict[int, str] = {}
    async with deps.db.transaction() as tx:
        for chat_id, phone in DEMO_ACCOUNTS.items():
            person = await org.staff_by_phone(tx, phone) if phone else None
            if person is not None and person["chat_id"] is None and await org.staff_by_chat(tx, chat_id) is None:
                await org.bind_staff(tx, person["id"], chat_id)
            person = await org.staff_by_chat(tx, chat_id)
            if person is not None:
                bound[chat_id] = person["role"]
    return bound


async def show_staff_menus(application: Application, roles: dict[int, str]) -> None:
    """Each pre-bound chat sees its role's command menu, as staff who bind with a code do
    (one call per chat: for the few demo accounts only, never the whole roster)."""
    for chat_id, role in roles.items():
        commands = [BotCommand(n, d) for n, d in render.COMMANDS.get(role, render.COMMANDS["resident"])]
        try:
            await application.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id))
        except TelegramError as exc:
            log.warning("setMyCommands failed for chat %s: %s", chat_id, exc)


async def serve(config: Config) -> None:
    """`gridbot run`: on Telegram with a token; otherwise against the local sandbox with the demo district."""
    sandbox = None
    if not config.telegram_token and not config.telegram_base_url:
        from bot.demo import DEMO_USERS
        from bot.sandbox.server import FakeBotApi
        sandbox = FakeBotApi(users=DEMO_USERS)
        await sandbox.start(config.sandbox_host, config.sandbox_port)
        config = replace(config, telegram_base_url=sandbox.bot_api_url, telegram_base_file_url=sandbox.file_url)
    deps = await build_deps(config)
    demo_staff = await bind_demo_accounts(deps) if sandbox is not None else {}
    application = build_application(config, deps)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await start(application)
    await show_staff_menus(application, demo_staff)
    if sandbox is not None:
        print(f"GridBot sandbox: open {sandbox.page_url} in your browser", flush=True)
    else:
        print(f"GridBot running as @{application.bot.username}", flush=True)
    if config.webhook_url:
        receiver = application.bot_data["receiver"]
        print(f"GridBot webhook {config.webhook_url} ← {config.webhook_listen}:{receiver.port}{receiver.path}",
              flush=True)
    try:
        await stopping.wait()
    finally:
        try:
            await asyncio.wait_for(stop(application), config.stop_timeout.total_seconds() + 2)
        except asyncio.TimeoutError:
            log.error("stop took longer than %s; exiting anyway", config.stop_timeout)
        if sandbox is not None:
            await sandbox.stop()

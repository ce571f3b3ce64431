"""`gridbot report daily|weekly [--date D] [--unit CODE] [--chart FILE]`: the briefing in the terminal."""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date, timedelta

from bot import config as config_module
from bot.clock import SystemClock


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="print the daily briefing (民情速报) or the weekly summary")
    parser.add_argument("period", choices=("daily", "weekly"))
    parser.add_argument("--date", help="the day (daily; default yesterday) or the week's first day "
                                       "(weekly; default 7 days ago), YYYY-MM-DD")
    parser.add_argument("--unit", help="unit code (default: the whole district)")
    parser.add_argument("--chart", metavar="FILE", help="also write the 14-day chart as PNG")
    parser.set_defaults(func=lambda args: _run(args))


def _run(args) -> int:
    try:
        return asyncio.run(_report(args))
    except (config_module.ConfigError, ValueError) as exc:
        print(f"错误 error: {exc}", file=sys.stderr)
        return 2


async def _report(args) -> int:
    from bot.app import build_deps
    from bot.services import briefing, briefing_text, chart
    from storage import org
    config = config_module.load()
    deps = await build_deps(config, clock=SystemClock())
    try:
        unit_id = None
        if args.unit:
            async with deps.db.read() as tx:
                unit = await org.unit_by_code(tx, args.unit)
            if unit is None:
                print(f"错误：没有代码为 {args.unit!r} 的单位（gridbot org show 列出全部单位）", file=sys.stderr)
                return 2
            unit_id = unit["id"]
        today = briefing.local_today(deps)
        if args.date:
            try:
                day = date.fromisoformat(args.date)
            except ValueError:
                print(f"错误：--date {args.date!r} 不是日期（应为 YYYY-MM-DD，如 {today.isoformat()}）", file=sys.stderr)
                return 2
        else:
            day = today - timedelta(days=1 if args.period == "daily" else 7)
            which = "昨天" if args.period == "daily" else "上一个七天"
            print(f"未指定 --date，报告{which}（自 {day.isoformat()} 起）；今天截至现在：--date {today.isoformat()}",
                  file=sys.stderr)
        build = briefing.daily_briefing if args.period == "daily" else briefing.weekly_briefing
        result = await build(deps, day, unit_id)
        data = result.to_dict()
        print(briefing_text.format_briefing(data))
        if args.chart:
            path = chart.write_png(args.chart, result.series, briefing_text.chart_title(data))
            print(f"\n图表 chart: {path}")
        return 0
    finally:
        await deps.db.close()

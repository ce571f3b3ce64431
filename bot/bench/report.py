"""The table and the JSON line: each figure, its same-run baseline, the ratio, the floor, met or not."""
from __future__ import annotations

import json
import math

from bot.bench import network


def _row(section, figure, value, baseline="", ratio=None, floor="", ok=None) -> tuple:
    mark = "" if ok is None else ("ok" if ok else "MISSED")
    return (section, figure, str(value), str(baseline), "" if ratio is None else f"{ratio:.3f}", floor, mark)


def floors(f: dict) -> dict[str, bool]:
    """Each floor of the issue, met or not (only for sections that ran)."""
    i, c, m = f["intake"], f["classify"], f["memory_start"]
    out = {"intake_throughput": i["throughput_ratio"] >= 0.5, "intake_p95": i["p95_ratio"] <= 2.0,
           "classify_default": c["default_ratio"] >= 0.8,
           "peak_rss": m["peak_rss_mb"] <= 300, "start": m["start_s"] <= 3.0}
    if "learned_ratio" in c:
        out["classify_learned"] = c["learned_ratio"] >= 0.8
    if f["sweep"].get("available"):
        out["sweep"] = f["sweep"]["ratio"] <= 1.5
    if f["briefing"].get("available"):
        out["briefing"] = f["briefing"]["seconds"] < 5.0
    if "network" in f:
        out.update(network.floors(f["network"]))
    return out


def rows(f: dict) -> list[tuple]:
    i, g, e = f["intake"], f["intake"]["gridbot"], f["intake"]["echo_best"]
    ok = floors(f)
    r = [
        _row("intake", f"updates/s ({g['updates']} updates, {i['residents']} residents)", g["updates_per_s"],
             f"echo {e['updates_per_s']}", i["throughput_ratio"], "≥ 0.5", ok["intake_throughput"]),
        _row("intake", "tickets/s", g["tickets_per_s"], "", None, "", None),
        _row("intake", "latency p50 ms", g["p50_ms"], f"echo {e['p50_ms']}", g["p50_ms"] / max(e["p50_ms"], 1e-3)),
        _row("intake", "latency p95 ms", g["p95_ms"], f"echo {e['p95_ms']}", i["p95_ratio"], "≤ 2", ok["intake_p95"]),
        _row("intake", "latency p99 ms", g["p99_ms"], f"echo {e['p99_ms']}", g["p99_ms"] / max(e["p99_ms"], 1e-3)),
        _row("intake", "tickets in db / outbox sent", f"{g.get('tickets_in_db')} / {g.get('outbox', {}).get('sent', 0)}"),
    ]
    if "network" in f:
        r.extend(network_rows(f["network"], ok))
    if "scaleout" in f:
        r.extend(scaleout_rows(f["scaleout"]))
    c = f["classify"]
    r.append(_row("classify", f"default lexicon msg/s ({c['messages']} msgs, {c['mean_chars']} chars)",
                  c["default_per_s"], f"jieba {c['jieba_per_s']}", c["default_ratio"], "≥ 0.8", ok["classify_default"]))
    if "learned_per_s" in c:
        r.append(_row("classify", "learned lexicon msg/s", c["learned_per_s"], f"jieba {c['jieba_per_s']}",
                      c["learned_ratio"], "≥ 0.8", ok["classify_learned"]))
    else:
        r.append(_row("classify", "learned lexicon", "not available", c["learned_lexicon"]))
    s = f["sweep"]
    if s.get("available"):
        r.append(_row("sweep", f"ms, {s['open']} open + {s['closed']} closed", s["big"]["sweep_ms"],
                      f"{s['small']['sweep_ms']} (open only)", s["ratio"], "≤ 1.5", ok["sweep"]))
        r.append(_row("sweep", "idle sweep ms (query only)", s["big"]["idle_sweep_ms"],
                      f"{s['small']['idle_sweep_ms']} (open only)", s["idle_ratio"]))
    else:
        r.append(_row("sweep", "sweep", "not available", s.get("reason", "")))
    b = f["briefing"]
    if b.get("available"):
        r.append(_row("briefing", f"daily briefing s ({b['tickets']} tickets, {b['day_tickets']} that day)",
                      b["seconds"], "", None, "< 5 s", ok["briefing"]))
        r.append(_row("briefing", f"growth {b['small_day_tickets']}→{b['big_day_tickets']} tickets/day",
                      f"{b['small_day_s']} → {b['big_day_s']} s", f"tickets ×{b['ticket_ratio']}", b["growth_ratio"],
                      "≤ linear"))
    else:
        r.append(_row("briefing", "briefing", "not available", b.get("reason", "")))
    m = f["memory_start"]
    r.append(_row("memory", "peak RSS MB of the bot process", m["peak_rss_mb"], f"echo {m['echo_peak_rss_mb']}",
                  m["peak_rss_mb"] / max(m["echo_peak_rss_mb"], 1e-3), "≤ 300 MB", ok["peak_rss"]))
    r.append(_row("start", "process start → first getUpdates s", m["start_s"], f"echo {m['echo_start_s']}",
                  m["start_s"] / max(m["echo_start_s"], 1e-3), "≤ 3 s", ok["start"]))
    return r


def scaleout_rows(x: dict) -> list[tuple]:
    """Intake by webhook: 2 processes on one database against 1, same residents and round trip."""
    one, two = x["processes"]["1"], x["processes"]["2"]
    return [
        _row("scale-out", f"{x['engine']}, {x['latency_ms']} ms, {x['residents']} residents: updates/s, 2 processes",
             two["updates_per_s"], f"1 process {one['updates_per_s']}", x["ratio_2_to_1"]),
        _row("scale-out", "latency p50 / p95 ms, 2 processes", f"{two['p50_ms']} / {two['p95_ms']}",
             f"1 process {one['p50_ms']} / {one['p95_ms']}", two["p95_ms"] / max(one["p95_ms"], 1e-3)),
        _row("scale-out", "updates served per process / re-deliveries",
             f"{'+'.join(map(str, two['served']))} / {two['webhook_redelivered']}"),
    ]


def network_rows(n: dict, ok: dict[str, bool]) -> list[tuple]:
    """Per latency: tickets/s, latency, 429s; GridBot beside the concurrent (∥) and sequential echo."""
    fl = n["flood"]
    offered = f", offered ≈ {n['offered_per_s']}/s" if n.get("offered_per_s") else ""
    r = [_row("network", f"{n['residents']} residents, think {n['think_s']} s{offered}, jitter ±{n['jitter']:.0%}, "
                         f"flood {fl['global_per_s']}/s + {fl['chat_burst']} per {fl['chat_window_s']:g} s a chat, "
                         f"runs cut at {n['run_s']:g} s", f"{n['reports']} reports")]
    for row in n["latencies"]:
        ms, g, c, s = row["latency_ms"], row["gridbot"], row["echo_concurrent"], row["echo"]
        rate, p95 = network.FLOORS.get(ms, (None, None))
        cut = " (cut)" if g["cut"] else ""
        r.append(_row("network", f"{ms} ms: tickets/s", f"{g['tickets_per_s']}{cut}",
                      f"echo∥ {c['tickets_per_s']} / seq {s['tickets_per_s']}", row["vs_echo_concurrent"],
                      f"≥ {rate:g}" if rate else "", ok.get(f"network_{ms}_tickets_per_s")))
        r.append(_row("network", f"{ms} ms: latency p50 / p95 ms", f"{g['p50_ms']} / {g['p95_ms']}",
                      f"echo∥ {c['p50_ms']} / {c['p95_ms']}, seq {s['p50_ms']} / {s['p95_ms']}",
                      g["p95_ms"] / max(c["p95_ms"], 1e-3), f"≤ {p95:g}" if p95 else "", ok.get(f"network_{ms}_p95")))
        by = " ".join(f"{k} {v}" for k, v in sorted(g.get("flood_refused_by", {}).items()))
        r.append(_row("network", f"{ms} ms: 429s drawn (reports lost) [limit]",
                      f"{g['flood_refused']} ({g['lost']})" + (f" [{by}]" if by else ""),
                      f"echo∥ {c['flood_refused']} ({c['lost']}) / seq {s['flood_refused']} ({s['lost']})",
                      None, "0", g["flood_refused"] == 0))
        if "outbox" in g:
            r.append(_row("network", f"{ms} ms: staff messages in the run / outbox left",
                          f"{g.get('staff_messages', 0)} / {sum(v for k, v in g['outbox'].items() if k != 'sent')}"))
    closed = n.get("closed_loop", {})
    if "gridbot" in closed:
        g, c = closed["gridbot"], closed["echo_concurrent"]
        r.append(_row("network", f"{closed['latency_ms']} ms, no pause: tickets/s, p50 / p95 ms, 429s",
                      f"{g['tickets_per_s']}, {g['p50_ms']} / {g['p95_ms']}, {g['flood_refused']}",
                      f"echo∥ {c['tickets_per_s']}, {c['p50_ms']} / {c['p95_ms']}, {c['flood_refused']}",
                      g["tickets_per_s"] / max(c["tickets_per_s"], 1e-9)))
    return r


def table(f: dict) -> str:
    m = f["machine"]
    head = (f"GridBot bench — {m['cores']} cores, Python {m['python']}, python-telegram-bot "
            f"{m['python_telegram_bot']}, jieba {m['jieba']}, SQLite {m['sqlite']}, aiosqlite {m['aiosqlite']}, "
            f"load {m['load_avg_1m']} at start, {f.get('total_s', '?')} s in all")
    header = ("section", "figure", "value", "baseline (same run)", "ratio", "floor", "")
    body = [header] + rows(f)
    widths = [max(_width(row[k]) for row in body) for k in range(len(header))]
    lines = [head]
    for n, row in enumerate(body):
        lines.append("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    s = f["sweep"]
    if s.get("available"):
        lines.append("sweep query plan: " + " | ".join(s["query_plan"]))
    errors = f["intake"]["gridbot"].get("errors")
    if errors:
        lines.append(f"intake errors: {errors}")
    for row in f.get("network", {}).get("latencies", []):
        if row["gridbot"].get("errors"):
            lines.append(f"network {row['latency_ms']} ms GridBot errors: {row['gridbot']['errors']}")
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def json_line(f: dict) -> str:
    return json.dumps({**f, "floors": floors(f)}, ensure_ascii=False, separators=(",", ":"), default=str)


def sane(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0

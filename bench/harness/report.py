"""Printing figures: aligned table rows, the limits the brief sets, and the rows both burst benchmarks share."""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str]
"""A table row: label, value, note."""

# Figures worth a second look, from the brief: key -> limit (all "larger is worse").
LIMITS: dict[str, float] = {
    "startup_ms": 1000.0,
    "burst_ack_p99_ms": 100.0,
    "rss_peak_mb": 80.0,
    "seq_card_p50_ms": 20.0,
}


def fmt(value: Any, unit: str = "") -> str:
    return "-" if value is None else f"{value}{unit}"


def flag(results: dict[str, Any], key: str) -> str:
    """The limit for `key`, and ok or OVER; empty where there is no limit or no figure."""
    if key not in LIMITS or results.get(key) is None:
        return ""
    limit = LIMITS[key]
    return f"(limit {limit:g})  " + ("OVER" if results[key] > limit else "ok")


def render(title: str, rows: list[Row], results: dict[str, Any], *, right: bool = True) -> list[str]:
    """The title, then the rows aligned (values to the right, or left with `right=False`), then the run's error."""
    width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows) if right else 0
    lines = [title]
    lines += [f"{label:<{width}}  {value:>{value_width}}  {note}".rstrip() for label, value, note in rows]
    if results.get("error"):
        lines.append(f"RUN ERROR: {results['error']}")
    return lines


def title(results: dict[str, Any], what: str) -> str:
    """The first line of a table: what was run, and on how busy a machine."""
    steal = results.get("cpu_steal_pct")
    stolen = "" if steal is None else f", {steal:g} % of CPU time taken by the host for other machines"
    load = results.get("loadavg_1m_at_start")
    return f"recreate-job {what}; {results.get('cpus')} CPUs, load {load} at start{stolen}"


def counted(results: dict[str, Any], key: str, label: str) -> list[str]:
    """One line per entry of the {text: times} figure `key`."""
    return [f"{label} x{times}: {text}" for text, times in (results.get(key) or {}).items()]


def burst_rows(r: dict[str, Any], sent: str) -> list[Row]:
    """Rows for the burst itself, the same in both modes; `sent` names when the clock starts."""
    n, g = r["burst"], r.get
    return [
        (
            f"burst of {n}: ack p50 / p99 / max",
            f"{fmt(g('burst_ack_p50_ms'))} / {fmt(g('burst_ack_p99_ms'))} / {fmt(g('burst_ack_max_ms'))} ms",
            flag(r, "burst_ack_p99_ms"),
        ),
        ("burst: acked within 3 s", f"{fmt(g('burst_acked_within_3s'))} / {n}", ""),
        ("burst: acks saying 'Recreating'", f"{fmt(g('burst_acks_working'))} / {n}", ""),
        ("burst: cards posted in the channel", f"{fmt(g('burst_cards'))} / {n}", ""),
        ("burst: commands answered by a reply instead", f"{fmt(g('burst_replies'))} / {n}", ""),
        (
            f"burst: {sent} -> first / last card",
            f"{fmt(g('burst_first_card_s'))} / {fmt(g('burst_last_card_s'))} s",
            f"(Baseten takes {r['baseten_delay_s']:g} s)",
        ),
        ("burst: recreates Baseten received", fmt(g("burst_baseten_recreates")), ""),
    ]


def shared_rows(r: dict[str, Any]) -> list[Row]:
    """Table rows both burst benchmarks print the same way: CPU, memory, threads and the sequential run."""
    g = r.get
    return [
        (
            "burst: CPU until all acked, bot / bench",
            f"{fmt(g('burst_bot_cpu_until_acked_ms'))} / {fmt(g('burst_bench_cpu_until_acked_ms'))} ms",
            f"(acks took {fmt(g('burst_all_acked_s'))} s)",
        ),
        (
            "bot CPU per command: burst / sequential",
            f"{fmt(g('burst_bot_cpu_per_command_ms'))} / {fmt(g('seq_bot_cpu_per_command_ms'))} ms",
            "",
        ),
        ("RSS peak during burst", fmt(g("rss_burst_peak_mb"), " MB"), ""),
        ("RSS peak overall", fmt(g("rss_peak_mb"), " MB"), flag(r, "rss_peak_mb")),
        ("threads peak", fmt(g("threads_peak")), ""),
        (
            f"sequential x{r['sequential']}: command -> card p50 / p90",
            f"{fmt(g('seq_card_p50_ms'))} / {fmt(g('seq_card_p90_ms'))} ms",
            flag(r, "seq_card_p50_ms"),
        ),
        (
            "sequential: cards / without card, ack p50",
            f"{fmt(g('seq_cards'))} / {fmt(g('seq_without_card'))}, {fmt(g('seq_ack_p50_ms'))} ms",
            "",
        ),
    ]


def burst_tail(r: dict[str, Any]) -> list[str]:
    """The lines under both burst tables: the ack deciles and the kinds of reply seen."""
    lines = []
    if r.get("burst_ack_deciles_ms"):
        lines.append(f"burst ack latency deciles (ms): {r['burst_ack_deciles_ms']}")
    lines += counted(r, "burst_reply_kinds", "burst reply") + counted(r, "seq_reply_kinds", "seq reply")
    if r.get("burst_errors"):
        lines.append(f"burst errors: {r['burst_errors']}")
    return lines


def burst_table(r: dict[str, Any], what: str, *, sent: str, start: list[Row], more: list[Row], end: list[Row]) -> str:
    """A burst benchmark's table: its start-up rows, the burst (`sent` names when the clock starts) and `more`
    rows of the mode's own, the shared rows, then its `end`."""
    heading = (
        f"{what}: {r['burst']} at once, Baseten {r['baseten_delay_s']:g} s per recreate, {r['jobs']} source job(s)"
    )
    rows = [*start, *burst_rows(r, sent), *more, *shared_rows(r), *end]
    return "\n".join(render(title(r, heading), rows, r) + burst_tail(r))

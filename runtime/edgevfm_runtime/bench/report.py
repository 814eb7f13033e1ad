"""Human forms of a bench result: rows of cells (shared by the plain-text, Markdown and rich tables)."""
from __future__ import annotations

from .host_notes import host_notes

COLUMNS = ("status", "name", "engine", "precision", "size MB", "parity", "steps p50 ms", "headline p50 ms",
           "p90", "speed-up (band)", "noise", "peak RSS MB")
STATUS = {"passed": "✅", "parity-failed": "❎", "not-verifiable": "☑", "export-failed": "❌", "skipped": "⏭"}


def parity_cell(p: dict | None) -> str:
    if not p:
        return "–"
    if p.get("error"):
        return "error: " + p["error"][:60]
    parts = []
    if p.get("min_sqnr_db") is not None:
        parts.append("exact" if p["min_sqnr_db"] == float("inf") else f"{p['min_sqnr_db']:.1f} dB")
    parts += [f"{k} {v:.4f}" for k, v in p.get("task", {}).items()]
    mark = " (FAILED)" if p.get("passed") is False else ""
    return ", ".join(parts) + mark if parts else ("passed" if p.get("passed") else "FAILED")


def _steps(row: dict, headline: str) -> str:
    lat = row.get("latency_ms", {})
    return " / ".join(f"{s} {v['p50']:.1f}" for s, v in lat.items() if s != headline)


def row_cells(group: dict, row: dict) -> list[str]:
    h = group["headline"]
    lat = row.get("latency_ms", {}).get(h)
    sp = row.get("speedup", {}).get(h)
    mem = row.get("memory", {})
    status = STATUS.get(row.get("status", ""), "")
    if row.get("status") in ("export-failed", "skipped") or not row.get("latency_ms"):
        reason = row.get("error") or row.get("reason") or "not timed"
        size = f"{row['size_bytes'] / 1e6:.1f}" if row.get("size_bytes") else ""
        return [status, row["name"], row.get("engine", ""), row.get("precision", ""), size, reason[:90], "", "", "",
                "", "", ""]
    return [
        status, row["name"], row.get("engine", ""), row.get("precision", ""),
        f"{row['size_bytes'] / 1e6:.1f}" if row.get("size_bytes") else "",
        parity_cell(row.get("parity")),
        _steps(row, h),
        f"{lat['p50']:.1f}" if lat else "",
        f"{lat['p90']:.1f}" if lat else "",
        speedup_cell(sp) if sp else "",
        f"±{100 * lat['iqr_rel'] / 2:.0f}%" if lat else "",
        f"{mem['peak_rss_mb']:.0f}" if "peak_rss_mb" in mem else "",
    ]


def speedup_cell(sp: dict) -> str:
    """The ratio with its round-to-round band (older results: the CI)."""
    lo, hi = sp.get("band", sp["ci95"])
    return f"{sp['speedup']:.2f}× ({lo:.2f}–{hi:.2f})"


def group_title(group: dict, result: dict) -> str:
    s = {**result["settings"], **{k: group[k] for k in ("runs", "warmup", "threads") if k in group}}
    return (f"{group['model']}/{group['variant']} {group.get('input_size')}: headline = {group['headline']}, "
            f"speed-up vs {group['baseline']}, {s['warmup']} warm-up + {s['runs']} interleaved runs, "
            f"{s['threads'] or 'default'} threads")


def host_line(result: dict) -> str:
    h = result.get("host") or {}
    if not h:
        return ""
    isa = ", ".join(k for k, v in h.get("isa", {}).items() if v) or "none of note"
    line = f"{h['cpu']} ({h['usable_cpus']} usable CPUs; ISA: {isa})"
    if h.get("loadavg") and h.get("loadavg_after"):
        line += f"; 1-min load average {h['loadavg'][0]:.1f} at start, {h['loadavg_after'][0]:.1f} at end"
    return line


COMPACT = ("status", "name", "precision", "size MB", "parity", "headline p50 ms", "speed-up (band)", "peak RSS MB")


def to_markdown(result: dict, *, columns: tuple[str, ...] = COLUMNS) -> str:
    """One table per group; ``columns`` picks a subset (e.g. :data:`COMPACT` for a README)."""
    idx = [COLUMNS.index(c) for c in columns]
    lines = [f"Measured {result['created']} on {host_line(result)}.", ""]
    lines += [f"Note: {n}" for n in host_notes(result)] + ([""] if host_notes(result) else [])
    for g in result["groups"]:
        lines += [f"**{group_title(g, result)}**", "", "| " + " | ".join(columns) + " |",
                  "|" + "|".join("---" for _ in columns) + "|"]
        for r in g["rows"]:
            cells = row_cells(g, r)
            lines.append("| " + " | ".join(cells[i].replace("|", "/") for i in idx) + " |")
        lines.append("")
        lines += ratio_lines(g) + expectation_lines(g) + profile_lines(g)
    lines += ["noise = half the interquartile range of the headline latency, relative to its median; "
              "speed-up band = 10th–90th percentile of the per-round ratios (JSON also has the 95% CI); "
              "parity = worst SQNR over all outputs vs the torch FP32 reference (exact = bit-identical), plus the task metrics.", ""]
    if any(r.get("status") for g in result["groups"] for r in g["rows"]):
        lines += ["status: ✅ exported, parity passed · ❎ exported, parity failed · ☑ exported, parity not verifiable "
                  "on this host (the engine cannot run here; a labelled host estimate, not engine parity) · "
                  "❌ export failed · ⏭ skipped.", ""]
    return "\n".join(lines)


def to_text(result: dict) -> str:
    out = [host_line(result), *host_notes(result)]
    for g in result["groups"]:
        cells = [list(COLUMNS)] + [row_cells(g, r) for r in g["rows"]]
        keep = [i for i in range(len(COLUMNS)) if any(c[i] for c in cells[1:])]
        widths = {i: max(len(c[i]) for c in cells) for i in keep}
        out += ["", group_title(g, result)]
        out += ["  ".join(c[i].ljust(widths[i]) for i in keep).rstrip() for c in cells]
    return "\n".join(out)


def ratio_lines(group: dict) -> list[str]:
    """Within-row ratios (e.g. SAM: K single calls / one call of K prompts), one column per ratio."""
    names = list(dict.fromkeys(n for r in group["rows"] for n in (r.get("ratios") or {})))
    if not names:
        return []
    first = next(r["ratios"] for r in group["rows"] if r.get("ratios"))
    out = ["Within-row ratios (median of the slow step / median of the fast step, same iterations; band = "
           "10th–90th percentile of the per-iteration ratios): "
           + "; ".join(f"{n} = {first[n]['slow']} / {first[n]['fast']}" for n in names if n in first), "",
           "| row | " + " | ".join(names) + " |", "|---|" + "|".join("---:" for _ in names) + "|"]
    for r in group["rows"]:
        if r.get("ratios"):
            out.append(f"| {r['name']} | " + " | ".join(speedup_cell(r["ratios"][n]) if n in r["ratios"] else ""
                                                       for n in names) + " |")
    return out + [""]


def expectation_lines(group: dict) -> list[str]:
    """The suite's expectations of this group, each PASS / FAIL / not measured, with the measured value."""
    out = []
    for e in group.get("expectations", []):
        verdict = {True: "PASS", False: "FAIL", None: "not measured"}[e["passed"]]
        if e["value"] is None:
            value = ""
        elif "band" in e:
            value = f" (measured {e['value']:.2f}×, band {e['band'][0]:.2f}–{e['band'][1]:.2f})"
        elif e.get("unit", "dB") == "dB":
            value = f" (measured {e['value']:.1f} dB)"
        else:
            value = f" (measured {e['value']:.4g}{' ' + e['unit'] if e['unit'] else ''})"
        out.append(f"* expected {e['rule']}: **{verdict}**{value}")
    return out + [""] if out else []


def profile_lines(group: dict) -> list[str]:
    """Per-op profile tables of the rows that have one (``Session.profile``, one run after a warm-up)."""
    out = []
    for r in group["rows"]:
        for comp, ops in (r.get("profile") or {}).items():
            if isinstance(ops, dict):
                out += [f"{r['name']} {comp} profile: {ops.get('error', 'unavailable')}", ""]
                continue
            out += [f"{r['name']} {comp} profile (engine's per-op counters, one run after a warm-up):", "",
                    "| op [kernel] | ms | share |", "|---|---:|---:|"]
            out += [f"| {p['op']} | {p['ms']:.2f} | {100 * p['share']:.0f}% |" for p in ops] + [""]
    return out

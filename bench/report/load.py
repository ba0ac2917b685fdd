"""How busy the machine was before each round, and whether the run counts as measured on a busy machine.

Two figures per round, both taken just before the configuration starts (bench/run.sh):
- the 1-minute load average, as `uptime` shows it. It cannot tell other work from this run's own:
  the previous configuration's load runs keep every core busy, so it reads ~2-4 before most rounds
  even on an otherwise idle machine. Shown, not judged.
- the CPU that other work used during one second in which this run did nothing (/proc/stat):
  this is what marks a run busy.
"""

# A run is marked busy when other work used more than this share of all CPUs in the idle second
# before any round.
BUSY_OTHERS_CPU_PCT = 10.0


def busy(per_round):
    """{"threshold_others_cpu_pct", "rounds": [the busy ones], "of": rounds measured}, or None."""
    measured = [f for f in per_round if f.get("others_cpu_pct") is not None]
    if not measured:
        return None
    hit = [{"config": f["config"], "round": f["round"], "others_cpu_pct": f["others_cpu_pct"], "loadavg": f.get("loadavg")}
           for f in measured if f["others_cpu_pct"] > BUSY_OTHERS_CPU_PCT]
    return {"threshold_others_cpu_pct": BUSY_OTHERS_CPU_PCT, "rounds": hit, "of": len(measured)}


def banner(r):
    """The warning at the top of RESULTS.md when the machine was busy (nothing when it was idle)."""
    b = r.get("busy")
    if b is None:
        return ["> **Load not measured:** this run's raw data has no idle-second CPU figure; treat it as busy.", ""]
    if not b["rounds"]:
        return []
    worst = max(x["others_cpu_pct"] for x in b["rounds"])
    return [f"> **⚠ BUSY MACHINE — these figures do not close any target.** Other work used more than "
            f"{b['threshold_others_cpu_pct']:g} % of the CPUs before {len(b['rounds'])} of {b['of']} rounds "
            f"(up to {worst:.0f} %; 1-minute load average {_range(r.get('loadavg'))}). Rates, CPU and "
            "BPF times below are inflated or deflated by that work; only a run on an otherwise idle machine counts.", ""]


def table(per_round, configs):
    """Rounds × configurations: load average / others' CPU % before each, busy ones in bold."""
    cell = {(f["round"], f["config"]): f for f in per_round}
    rounds = sorted({f["round"] for f in per_round})
    rows = ["## Load before each round", "",
            "1-minute load average / CPU % used by other work during an idle second just before the "
            f"configuration started (bold: above {BUSY_OTHERS_CPU_PCT:g} %, the run counts as busy). The load "
            "average includes this run's own previous load runs (~2-4 on 2 idle cores), so only the second figure "
            "says whether other work was running.", "",
            "| round | " + " | ".join(configs) + " |", "| --- |" + " --- |" * len(configs)]
    for rnd in rounds:
        cells = []
        for cfg in configs:
            f = cell.get((rnd, cfg), {})
            la, oc = f.get("loadavg"), f.get("others_cpu_pct")
            text = f"{la:.2f}" if la is not None else "n/a"
            if oc is not None:
                o = f"{oc:.0f} %"
                text += f" / {'**' + o + '**' if oc > BUSY_OTHERS_CPU_PCT else o}"
            cells.append(text)
        rows.append(f"| {rnd} | " + " | ".join(cells) + " |")
    return rows + [""]


def _range(x):
    return "n/a" if not x else f"{x['median']:.1f} [{x['min']:.1f}–{x['max']:.1f}]"

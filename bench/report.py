#!/usr/bin/env python3
"""Writes bench/RESULTS.md and bench/results.json from the raw lines bench/run.sh recorded."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import load, machine, markdown, rounds, stats, targets  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    for a in ("raw", "out", "command", "started", "configs", "client", "server", "ports", "holds", "burst"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--finished", default="")
    a = ap.parse_args()

    with open(a.raw) as f:
        raw = [json.loads(l) for l in f if l.strip()]
    ports = {k: int(v) for k, v in (p.split("=") for p in a.ports.split(","))}
    configs = a.configs.split()
    per_round = rounds.per_round(raw, a.server, ports)
    summary = rounds.summarise(per_round, configs)
    result = {
        "command": a.command,
        "started_utc": a.started,
        "finished_utc": a.finished,
        "machine": machine.describe(),
        "parameters": {"rounds": a.rounds, "seconds_per_run": a.seconds, "configs": configs,
                       "client": a.client, "server": a.server, "ports": ports,
                       "accuracy_holds_ms": [int(h) for h in a.holds.split()], "burst": a.burst},
        "summary": summary,
        "targets": targets.judge(summary),
        "loadavg": stats.summary([f.get("loadavg") for f in per_round]),
        "others_cpu_pct": stats.summary([f.get("others_cpu_pct") for f in per_round]),
        "busy": load.busy(per_round),
        "memory": [l for l in raw if l["metric"] == "memory"],
        "profile": [l["split"] for l in raw if l["metric"] == "profile"],
        "warnings": [l for l in raw if l["metric"] in ("leftover_filters", "leftover_pins")],
        "rounds": [{k: v for k, v in f.items() if k not in ("acc_errors", "latency_ms", "latency_light_ms")}
                   for f in per_round],
    }
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    path = os.path.join(a.out, "RESULTS.md")
    kept = hand_kept(path)
    with open(path, "w") as f:
        f.write(markdown.render(result))
        if kept:
            f.write("\n" + kept)


# Sections written by hand (other benches' figures, analyses) live after this line in RESULTS.md
# and are carried over to the next generated file unchanged.
HAND_KEPT_MARKER = "<!-- Sections below are kept by hand: bench/report.py carries them over to the next run. -->"


def hand_kept(path):
    """The hand-kept tail of an existing RESULTS.md (from the marker on), or "" without one."""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        return ""
    at = text.find(HAND_KEPT_MARKER)
    return text[at:] if at >= 0 else ""


if __name__ == "__main__":
    main()

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
    with open(os.path.join(a.out, "RESULTS.md"), "w") as f:
        f.write(markdown.render(result))


if __name__ == "__main__":
    main()

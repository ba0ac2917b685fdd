"""Turns the raw lines of bench/run.sh into per-round figures, then into medians and ranges."""
from collections import defaultdict

from . import pcap_truth, sources, stats

import re

RATE_METRICS = ("wrk_rps", "conn_rate", "burst_rate", "iperf_bps")
PROBE_CONFIGS = ("P", "T")  # the console tool alone: ring buffer, trace_pipe


def group(raw):
    """{(config, round): {metric: line}}."""
    g = defaultdict(dict)
    for line in raw:
        g[(line["config"], line["round"])][line["metric"]] = line
    return g


def reported(cfg, lines):
    """The records a configuration reported in one round, or None for (A)."""
    if cfg == "B" and "netracker_output" in lines:
        return sources.netracker_records(lines["netracker_output"]["file"])
    if cfg in PROBE_CONFIGS and "probe_output" in lines:
        # Only the round's connections: the tool's own warm-up ended before start_ns.
        start = lines["probe_output"].get("start_ns", 0)
        return [r for r in sources.netracker_records(lines["probe_output"]["file"]) if r["start_ns"] >= start]
    if cfg == "C" and "tcplife_output" in lines:
        return sources.tcplife_records(lines["tcplife_output"]["file"])
    return None


def ns_per_run(lines):
    """{program label: mean ns per run} over the rate window, from bpf_before/bpf_after."""
    if "bpf_before" not in lines or "bpf_after" not in lines:
        return {}
    before, out = lines["bpf_before"]["progs"], {}
    for pid, a in lines["bpf_after"]["progs"].items():
        b = before.get(pid, {"run_time_ns": 0, "run_cnt": 0})
        runs = a["run_cnt"] - b["run_cnt"]
        if runs > 0:
            out[f'{a["name"]} ({a["hook"]})'] = (a["run_time_ns"] - b["run_time_ns"]) / runs
    return out


def bpf_ns_per_connection(lines):
    """Run time of all the configuration's BPF programs over the rate window ÷ connections made in it."""
    if "bpf_before" not in lines or "bpf_after" not in lines or not lines.get("rate_window", {}).get("made"):
        return None
    before = lines["bpf_before"]["progs"]
    ns = sum(a["run_time_ns"] - before.get(pid, {"run_time_ns": 0})["run_time_ns"]
             for pid, a in lines["bpf_after"]["progs"].items())
    return ns / lines["rate_window"]["made"]


SUMMARY = re.compile(r"^(\d+) connections \((\w+)\); (.*)$")


def probe_summary(err_path):
    """The console tool's last words on stderr: "N connections (ringbuf); lost events L, channel drops D, …"
    → {"written": N, "transport": "ringbuf", "lost events": L, …, "warnings": [...]}; None if it printed none."""
    out = None
    with open(err_path, errors="replace") as f:
        for line in f:
            line = line.strip()
            m = SUMMARY.match(line)
            if m:
                out = {"written": int(m.group(1)), "transport": m.group(2), "warnings": []}
                for part in m.group(3).split(","):
                    name, _, value = part.strip().rpartition(" ")
                    if value.isdigit():
                        out[name] = int(value)
            elif out is not None and line.startswith("warning:"):
                out["warnings"].append(line)
    return out


# Counters of the tool's summary that mean a connection went unreported.
PROBE_LOSSES = ("lost events", "channel drops", "malformed", "table full", "read errors")


def accuracy_errors(recs, pcap_path, server, hold_port):
    """|reported − pcap| in ns for every captured connection on the hold port, + how many went unmatched."""
    truth = [c for c in pcap_truth.connections(pcap_path) if c["sport"] == hold_port and c["server"] == server]
    by_tuple = defaultdict(list)
    for r in recs:
        if r["sport"] == hold_port and r["server"] == server:
            by_tuple[(r["client"], r["cport"])].append(r)
    errors, unmatched = [], 0
    for c in truth:
        cands = by_tuple.get((c["client"], c["cport"]))
        if not cands:
            unmatched += 1
            continue
        real = c["end_ns"] - c["start_ns"]
        best = min(cands, key=lambda r: abs(r["duration_ns"] - real))
        cands.remove(best)
        errors.append(abs(best["duration_ns"] - real))
    return errors, unmatched, len(truth)


def per_round(raw, server, ports):
    """[{config, round, …figures}] in run order."""
    out = []
    for (cfg, rnd), lines in group(raw).items():
        if rnd == 0:
            continue  # the memory and profile runs, and warnings: not rounds
        f = {"config": cfg, "round": rnd}
        for m in RATE_METRICS + ("loadavg", "others_cpu_pct"):
            if m in lines:
                f[m] = lines[m]["value"]
        w = lines.get("rate_window")
        if w:
            secs = w["value"] / 1e6
            f["made"] = w["made"]
            f["made_per_s"] = w["made"] / secs
            cpu_s = w["cpu_ticks"] / w["clk_tck"]
            if w.get("watched"):
                f["cpu_pct"] = 100 * cpu_s / secs
                f["cpu_pct_per_kcps"] = 100 * cpu_s * 1000 / max(w["made"], 1)
            if cfg != "B" and "dashboard_cpu_ticks" in w:
                f["idle_dashboard_cpu_pct"] = 100 * w["dashboard_cpu_ticks"] / w["clk_tck"] / secs
            if w.get("helper_cpu_ticks"):
                f["subscriber_cpu_pct"] = 100 * w["helper_cpu_ticks"] / w["clk_tck"] / secs
        f["ns_per_run"] = ns_per_run(lines)
        f["bpf_ns_per_connection"] = bpf_ns_per_connection(lines)
        recs = reported(cfg, lines)
        if recs is not None:
            bench_ports = (ports["http"], ports["close"], ports["hold"])
            f["reported"] = sum(1 for r in recs if r["server"] == server and r["sport"] in bench_ports)
            f["round_made"] = lines["round_made"]["value"] if "round_made" in lines else None
            if "accuracy_pcap" in lines:
                errs, unmatched, truth = accuracy_errors(recs, lines["accuracy_pcap"]["pcap"], server, ports["hold"])
                f.update(acc_errors=errs, acc_unmatched=unmatched, acc_truth=truth,
                         acc_made=lines["accuracy_pcap"]["made"])
            if cfg == "B":
                f["latency_ms"] = [(r["arrived_ns"] - r["end_ns"]) / 1e6 for r in recs if r["server"] == server]
                f["latency_light_ms"] = [(r["arrived_ns"] - r["end_ns"]) / 1e6 for r in recs
                                         if r["server"] == server and r["sport"] == ports["hold"]]
            if cfg == "C" and "tcplife_output" in lines:
                f["lost_events"] = sources.tcplife_lost(lines["tcplife_output"]["err"])
            if cfg in PROBE_CONFIGS and "probe_output" in lines:
                f["probe_summary"] = probe_summary(lines["probe_output"]["err"])
        if "probe_stats" in lines:
            f["probe_stats"] = _delta(lines["probe_stats"]["stats"], lines["probe_stats"].get("before") or {})
        # User-space CPU of the watching process over the whole round ÷ connections it reported.
        if "round_cpu" in lines and (f.get("reported") or f.get("round_made")):
            rc = lines["round_cpu"]
            f["cpu_us_per_connection"] = rc["value"] / rc["clk_tck"] * 1e6 / (f.get("reported") or f["round_made"])
            f["cpu_us_per_tick"] = 1 / rc["clk_tck"] * 1e6 / (f.get("reported") or f["round_made"])
            if "drain_ms" in rc:
                f["drain_ms"] = rc["drain_ms"]
        out.append(f)
    return sorted(out, key=lambda f: (f["round"], f["config"]))


def ratios(rounds, cfg, metric, against="A"):
    """Per-round ratio of cfg to another configuration (by default (A)) in the same round: the rounds
    alternate, so drift cancels."""
    base = {f["round"]: f.get(metric) for f in rounds if f["config"] == against}
    return [f[metric] / base[f["round"]] for f in rounds
            if f["config"] == cfg and f.get(metric) and base.get(f["round"])]


def summarise(rounds, configs):
    s = {}
    for cfg in configs:
        mine = [f for f in rounds if f["config"] == cfg]
        c = {m: stats.summary([f.get(m) for f in mine]) for m in RATE_METRICS + (
            "made_per_s", "cpu_pct", "cpu_pct_per_kcps", "subscriber_cpu_pct", "idle_dashboard_cpu_pct",
            "cpu_us_per_connection", "cpu_us_per_tick", "bpf_ns_per_connection", "drain_ms")}
        if cfg != "A":
            c.update({f"{m}_ratio": stats.summary(ratios(rounds, cfg, m)) for m in RATE_METRICS})
            made = sum(f.get("round_made") or 0 for f in mine)
            rep = sum(f.get("reported", 0) for f in mine)
            c["loss"] = {"made": made, "reported": rep, "ratio": rep / made if made else None,
                         "per_round": stats.summary([f["reported"] / f["round_made"] for f in mine if f.get("round_made")])}
            errs = [e for f in mine for e in f.get("acc_errors", [])]
            c["accuracy_us"] = stats.distribution([e / 1000 for e in errs])
            c["accuracy_matched"] = {"matched": len(errs), "captured": sum(f.get("acc_truth", 0) for f in mine),
                                     "made": sum(f.get("acc_made", 0) for f in mine)}
            progs = defaultdict(list)
            for f in mine:
                for k, v in f["ns_per_run"].items():
                    progs[k].append(v)
            c["ns_per_run"] = {k: stats.summary(v) for k, v in progs.items()}
        if cfg == "B" and "P" in configs:
            # What the dashboard costs beyond the probe alone: the same kernel program, so (B) ÷ (P).
            c["per_round_vs_p"] = {m: ratios(rounds, "B", m, against="P") for m in ("wrk_rps", "conn_rate")}
            c.update({f"{m}_ratio_p": stats.summary(v) for m, v in c["per_round_vs_p"].items()})
        if cfg == "B":
            c["latency_ms"] = stats.distribution([x for f in mine for x in f.get("latency_ms", [])])
            c["latency_light_ms"] = stats.distribution([x for f in mine for x in f.get("latency_light_ms", [])])
        if cfg == "B":
            c["probe_losses"] = loss_counters(f.get("probe_stats") for f in mine)
        if cfg == "C":
            c["lost_events"] = sum(f.get("lost_events", 0) for f in mine)
        if cfg in PROBE_CONFIGS:
            summaries = [f.get("probe_summary") for f in mine]
            c["probe_losses"] = {k: sum((x or {}).get(k, 0) for x in summaries) for k in PROBE_LOSSES}
            c["probe_summaries_missing"] = sum(1 for x in summaries if x is None)
            c["probe_warnings"] = sorted({w for x in summaries if x for w in x["warnings"]})
        s[cfg] = c
    return s


LOSS_WORDS = ("lost", "drop", "malformed", "overrun", "evict", "fail")


def loss_counters(stats_per_round):
    """Sums, over the rounds, every counter of /api/stats whose name says something was lost.
    Each round runs a fresh dashboard, so a counter's value is that round's count."""
    total = {}
    for st in stats_per_round:
        for name, v in _flatten(st or {}):
            if isinstance(v, (int, float)) and not isinstance(v, bool) and any(w in name.lower() for w in LOSS_WORDS):
                total[name] = total.get(name, 0) + v
    return total


def _flatten(o, prefix=""):
    if isinstance(o, dict):
        for k, v in o.items():
            yield from _flatten(v, f"{prefix}{k}.")
    else:
        yield prefix.rstrip("."), o


def _delta(after, before):
    """Counters of one round: the dashboard runs all rounds, so subtract the values at attach."""
    if isinstance(after, dict):
        return {k: _delta(v, before.get(k) if isinstance(before, dict) else None) for k, v in after.items()}
    if isinstance(after, (int, float)) and not isinstance(after, bool) and isinstance(before, (int, float)):
        return after - before
    return after

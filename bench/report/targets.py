"""The targets of issue 11 (the ring-buffer transport), judged for every configuration that watches.

They are set for (P), the console probe alone on the ring buffer; the other configurations are
judged against the same lines so the figures stand side by side (T: the same tool on trace_pipe,
B: the whole dashboard, C: tcplife).
"""


def _ratio(key, limit):
    def judge(c):
        x = c.get(key)
        return (None, "n/a") if not x else (x["median"] >= limit, f"{x['median'] * 100:.1f} % [{x['min'] * 100:.1f}–{x['max'] * 100:.1f}]")
    return judge


def _reported(c):
    loss = c.get("loss")
    if not loss or loss["ratio"] is None:
        return None, "n/a"
    counted = counted_losses(c)
    text = f"{loss['ratio'] * 100:.3f} % ({loss['reported']} of {loss['made']}); counted losses {counted if counted is not None else 'n/a'}"
    return loss["reported"] >= loss["made"] and counted == 0, text


def counted_losses(c):
    """Connections the configuration itself says it lost (kernel or user space), summed over the rounds."""
    if "probe_losses" in c and isinstance(c["probe_losses"], dict):
        return sum(v for v in c["probe_losses"].values() if isinstance(v, (int, float)))
    if "lost_events" in c:
        return c["lost_events"]
    return None


def _ns_per_run(c):
    progs = {k: v for k, v in (c.get("ns_per_run") or {}).items() if v}
    if not progs:
        return None, "n/a"
    worst = max(v["median"] for v in progs.values())
    return worst <= 150, ", ".join(f"{k.split(' ')[0]} {v['median']:.0f} ns" for k, v in progs.items())


def _median(key, limit, unit, scale=1.0, fmt="{:.2f}"):
    def judge(c):
        x = c.get(key)
        if not x:
            return None, "n/a"
        v = x["median"] * scale
        return v <= limit, f"{fmt.format(v)} {unit} [{fmt.format(x['min'] * scale)}–{fmt.format(x['max'] * scale)}]"
    return judge


def _accuracy(key, limit):
    def judge(c):
        a = c.get("accuracy_us")
        return (None, "n/a") if not a else (a[key] <= limit, f"{a[key]:.1f} µs")
    return judge


# (id, what the issue asks, judge(summary of one configuration) → (met or None, figure as text))
TARGETS = [
    ("rate_wrk", "≥ 95 % of (A)'s connection rate, wrk (HTTP, Connection: close)", _ratio("wrk_rps_ratio", 0.95)),
    ("rate_conn", "≥ 95 % of (A)'s connection rate, plain connect/close", _ratio("conn_rate_ratio", 0.95)),
    ("reported", "100 % of connections reported at the highest rate, counted losses 0", _reported),
    ("ns_per_run", "≤ 150 ns mean per TC program run, each program", _ns_per_run),
    ("bpf_per_conn", "≤ 1.5 µs of BPF time per connection", _median("bpf_ns_per_connection", 1.5, "µs", 1e-3)),
    ("cpu_per_conn", "≤ 3 µs of user-space CPU per connection", _median("cpu_us_per_connection", 3, "µs", fmt="{:.1f}")),
    ("acc_p50", "duration error against the pcap: median ≤ 5 µs", _accuracy("p50", 5)),
    ("acc_p99", "duration error against the pcap: p99 ≤ 50 µs", _accuracy("p99", 50)),
]


def judge(summary):
    """{config: {target id: {"met": bool|None, "figure": str}}} for every configuration but (A)."""
    return {cfg: {tid: dict(zip(("met", "figure"), fn(c))) for tid, _, fn in TARGETS}
            for cfg, c in summary.items() if cfg != "A"}

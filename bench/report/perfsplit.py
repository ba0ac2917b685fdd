"""Splits a `perf script` of the dashboard process into the parts of the pipeline.

Each sample goes to the innermost component on its call chain (walking from the leaf towards the
thread's root), so library frames (System.Text.Json, MessagePack, DuckDB, the runtime) are charged
to the component that called them, and work one component runs inline on another's thread — the
hub's broadcaster serialising a batch inside ingest's loop — to the one doing it. (Walking from the
root charged that serialisation to ingest: ~80 % of what earlier runs called "ingest + live store"
was the hub's.) GC and JIT threads are their own parts; what matches nothing is "other runtime".
"""
import sys
from collections import Counter

# (part, markers in a frame); the first part whose marker occurs in a frame wins.
PARTS = [
    ("hub: serialize + send batches to subscribers", ("HubBroadcaster", "Microsoft.AspNetCore.SignalR", "Kestrel", "WebSockets")),
    ("history: DuckDB writer", ("DuckDbHistoryStore", "DuckDB.NET", "libduckdb")),
    # The reader thread completes the channel the parse loop awaits, so parsing often runs inline
    # on it: reading and parsing are one part.
    ("probe: read events (ring buffer or trace_pipe) + decode into records",
     ("RingBufferEventSource", "RingBufferReader", "EventDecoder", "TraceEventSource", "TracePipeReader",
      "TraceSession", "ConnectionProbe", "TraceLineParser", "RecordFactory", "KernelClock")),
    ("probe: table sweep and kernel counters", ("TableSweeper", "ConnTable", "KernelStats", "BpfMap", "BpfTool", "CliWrap")),
    ("ingest + live store", ("IngestService", "ConnectionStore", "ChannelBatchExtensions")),
    ("metrics", ("ConnectionMetrics", "Metrics")),
    ("pages (Blazor)", ("Microsoft.AspNetCore.Components", "MudBlazor")),
]


def split(lines):
    samples, counts = 0, Counter()
    comm, frames = None, []

    def flush():
        nonlocal samples
        if comm is None:
            return
        samples += 1
        counts[classify(comm, frames)] += 1

    for line in lines:
        if not line.strip():
            continue
        if not line[0].isspace():
            flush()
            comm, frames = line.split(" ")[0] if not line.startswith(".NET") else " ".join(line.split()[:3]), []
        else:
            frames.append(line.strip())
    flush()
    return {k: round(100 * v / samples, 1) for k, v in counts.most_common()}, samples


def classify(comm, frames):
    if "GC" in comm or comm.startswith(".NET BGC"):
        return "runtime: garbage collector"
    if "Tiered" in comm:
        return "runtime: JIT (tiered compilation)"
    for f in frames:  # leaf first: the innermost component
        for part, markers in PARTS:
            if any(m in f for m in markers):
                return part
    if any("[kernel" in f for f in frames[:1]):
        return "kernel (syscalls, page faults) outside the parts above"
    return "other runtime (allocation, thread pool, timers)"


if __name__ == "__main__":
    parts, n = split(open(sys.argv[1], errors="replace"))
    import json
    print(json.dumps({"samples": n, "parts": parts}))

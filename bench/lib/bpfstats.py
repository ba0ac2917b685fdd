#!/usr/bin/env python3
"""Prints run_time_ns/run_cnt of BPF programs as one JSON object {id: {...}}.

  bpfstats.py --dev IFACE   the tc and tcx programs attached to IFACE (NeTracker)
  bpfstats.py --pid PID     the programs a process holds (tcplife)

Needs kernel.bpf_stats_enabled=1 for the counters to move (bench/run.sh sets and restores it).
"""
import argparse
import json
import os
import subprocess


def bpftool(*args):
    return json.loads(subprocess.run(["bpftool", *args, "-j"], check=True, capture_output=True, text=True).stdout)


def prog_ids_of(pid):
    """Program ids a process holds, from the fdinfo of its bpf-prog and bpf_link descriptors
    (bpftool's "pids" needs a bpftool built with skeletons, which Debian's is not)."""
    ids, base = set(), f"/proc/{pid}/fdinfo"
    for fd in os.listdir(base):
        try:
            with open(os.path.join(base, fd)) as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            continue
    return ids


def tcx_prog_ids(dev):
    """Programs at the interface's tcx hooks (Linux 6.6+, where NeTracker attaches through tcx
    links): BPF_PROG_QUERY itself, as the bpftool of Debian 12 predates tcx. {} without tcx."""
    import ctypes, struct
    try:
        ifindex = int(open(f"/sys/class/net/{dev}/ifindex").read())
    except OSError:
        return {}
    libc = ctypes.CDLL(None, use_errno=True)
    sys_bpf = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine)
    found = {}
    for attach_type, hook in ((46, "tcx/ingress"), (47, "tcx/egress")):
        ids = (ctypes.c_uint32 * 64)()
        attr = ctypes.create_string_buffer(64)
        struct.pack_into("IIII", attr, 0, ifindex, attach_type, 0, 0)
        struct.pack_into("QI", attr, 16, ctypes.addressof(ids), 64)
        if sys_bpf is None or libc.syscall(sys_bpf, 16, attr, 64) != 0:  # BPF_PROG_QUERY
            return found
        count = struct.unpack_from("I", attr, 24)[0]
        for i in range(min(count, 64)):
            found[ids[i]] = hook
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev")
    ap.add_argument("--pid", type=int)
    a = ap.parse_args()
    progs = {p["id"]: p for p in bpftool("prog", "show")}
    if a.dev:
        ids = {t["id"]: t["kind"] for n in bpftool("net", "show", "dev", a.dev) for t in n.get("tc", [])}
        ids.update(tcx_prog_ids(a.dev))
    else:
        ids = {i: "" for i in prog_ids_of(a.pid) if i in progs}
    out = {}
    for i, kind in ids.items():
        p = progs.get(i, {})
        out[str(i)] = {
            "name": p.get("name", "?"),
            "hook": kind or p.get("type", ""),
            "run_time_ns": p.get("run_time_ns", 0),
            "run_cnt": p.get("run_cnt", 0),
        }
    print(json.dumps(out, separators=(",", ":")))


if __name__ == "__main__":
    main()

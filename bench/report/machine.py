"""The machine a run was measured on, as RESULTS.md states it."""
import os
import platform
import subprocess


def describe():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "kernel": platform.release(),
        "cpu": cpu,
        "dotnet": _run("dotnet", "--version"),
        "wrk": _run("wrk", "--version").splitlines()[0].split(" [")[0] if _run("wrk", "--version") else "",
        "iperf3": _run("iperf3", "--version").splitlines()[0] if _run("iperf3", "--version") else "",
    }


def _run(*cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (p.stdout or p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""

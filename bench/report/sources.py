"""What each configuration reported, read back from its own output."""
import calendar
import json


def iso_to_ns(s):
    """'2025-01-02T03:04:05.1234567Z' (any number of fraction digits) → Unix ns, no precision lost."""
    s = s.rstrip("Z")
    whole, _, frac = s.partition(".")
    date, _, time = whole.partition("T")
    y, mo, d = (int(x) for x in date.split("-"))
    h, mi, sec = (int(x) for x in time.split(":"))
    secs = calendar.timegm((y, mo, d, h, mi, sec, 0, 0, 0))
    return secs * 1_000_000_000 + int((frac + "000000000")[:9])


def netracker_records(path):
    """The bench tool's subscriber file: one line per record, {"arrived_ns": N, "r": {record}};
    or the console probe's jsonl, one record per line (no arrival time)."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            o = json.loads(line)
            r = o.get("r", o)
            out.append({
                "client": r["client_addr"], "cport": r["client_port"],
                "server": r["server_addr"], "sport": r["server_port"],
                "duration_ns": r["duration_ns"], "end_ns": iso_to_ns(r["end_utc"]),
                "start_ns": iso_to_ns(r["end_utc"]) - r["duration_ns"],
                "arrived_ns": o.get("arrived_ns"), "reason": r["close_reason"],
            })
    return out


def tcplife_records(path):
    """tcplife's table: PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS (client sockets, -D)."""
    out = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) < 9 or p[0] == "PID":
                continue
            try:
                out.append({"client": p[-7], "cport": int(p[-6]), "server": p[-5], "sport": int(p[-4]),
                            "duration_ns": int(round(float(p[-1]) * 1_000_000))})
            except ValueError:
                continue
    return out


def tcplife_lost(err_path):
    """libbpf-tools prints 'lost N events on CPU #C' to stderr when its perf buffer overflows."""
    lost = 0
    with open(err_path) as f:
        for line in f:
            p = line.split()
            if len(p) >= 2 and p[0].lower() == "lost" and p[1].isdigit():
                lost += int(p[1])
    return lost

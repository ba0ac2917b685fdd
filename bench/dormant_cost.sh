#!/usr/bin/env bash
# What an instance costs the host once its reader is gone (issue 24): ns per program run and
# BPF ns per connection of NeTracker's programs (TC ingress/egress at the veth, cgroup/connect4
# at the cgroup v2 root) while active and while dormant (lease expired: every program returns
# at once, bpf/netracker_lease.h), and the wall time per connection with nothing attached,
# active, dormant. kernel.bpf_stats_enabled=1, `bpftool prog show` run_time_ns / run_cnt, the
# method of bench/owner_cost.sh. The instance is attached by the console tool (`attach`, which
# pins its links and leases them for --lease seconds); dormant = the lease set to 0. "floor" is
# the TC object built with -DNT_BENCH_FLOOR_CALL (returns before any work) on tc filters: what a
# run costs as measured here (the call and bpf_stats' own clock reads), the dormant run's bound.
# Usage: sudo bench/dormant_cost.sh [CONNECTIONS=3000] [ROUNDS=2] [--tc-filters]
# Uses only 198.19.251.0/30 on a veth it creates; removes everything it made on exit.
set -euo pipefail
N="${1:-3000}"
ROUNDS="${2:-2}"
MODE="${3:-}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
CLI=(dotnet "$ROOT/NeTracker.Probe/bin/Release/net10.0/NeTracker.Probe.dll")
[ -f "${CLI[1]}" ] || { echo "build first: dotnet build NeTracker.Probe/NeTracker.Probe.csproj -c Release" >&2; exit 1; }

S="$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
NS="ntdc$S" H="ntdch$S" P="ntdcp$S" INSTANCE="dormbench-$S"
PINS="/sys/fs/bpf/netracker/$INSTANCE"
OLD_STATS="$(sysctl -n kernel.bpf_stats_enabled)"

FLOOR="/sys/fs/bpf/netracker-floor-$S"
WORK="$(mktemp -d)"
cleanup() {
	set +e
	tc qdisc del dev "$H" clsact 2>/dev/null
	rm -rf "$FLOOR" "$WORK"
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	"${CLI[@]}" detach --all --instance "$INSTANCE" >/dev/null 2>&1
	ip netns del "$NS" 2>/dev/null; ip link del "$H" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
}
trap cleanup EXIT

clang -O2 -g -target bpf -mcpu=v3 -DNT_BENCH_FLOOR_CALL -I"$ROOT/bpf" -I/usr/include/"$(uname -m)"-linux-gnu \
	-c "$ROOT/bpf/netracker.bpf.c" -o "$WORK/floor.o"

ip netns add "$NS"
ip link add "$H" type veth peer name "$P" netns "$NS"
ip addr add 198.19.251.1/30 dev "$H"; ip link set "$H" up
ip -n "$NS" addr add 198.19.251.2/30 dev "$P"; ip -n "$NS" link set "$P" up; ip -n "$NS" link set lo up

ip netns exec "$NS" python3 - <<'PY' &
import asyncio
async def handle(r, w):
    await r.read(100); w.write(b"x" * 100); await w.drain(); w.close()
async def main():
    await asyncio.start_server(handle, "198.19.251.2", 8080, backlog=4096)
    await asyncio.sleep(3600)
asyncio.run(main())
PY
SERVER_PID=$!
sleep 1

burst() { # N connections from this host (connect4 runs: they are local sockets); prints wall seconds
	python3 - "$N" <<'PY'
import asyncio, sys, time
n = int(sys.argv[1])
async def one(sem):
    async with sem:
        r, w = await asyncio.open_connection("198.19.251.2", 8080)
        w.write(b"y" * 10); await w.drain()
        await r.read(1000); w.close(); await w.wait_closed()
async def main():
    sem = asyncio.Semaphore(20)
    t = time.monotonic()
    await asyncio.gather(*(one(sem) for _ in range(n)))
    print(time.monotonic() - t)
asyncio.run(main())
PY
}

stat_of() { # pinned prog -> "run_time_ns run_cnt"
	bpftool -j prog show pinned "$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_time_ns",0), p.get("run_cnt",0))'
}
PROGS=("$PINS/progs/nt_egress" "$PINS/progs/nt_ingress" "$PINS/owner/progs/nt_connect4")
stats() { for p in "${PROGS[@]}"; do if [ -e "$p" ]; then stat_of "$p"; else echo 0 0; fi; done | tr '\n' ' '; }

measure() { # $1 = phase name
	local before after wall
	sysctl -qw kernel.bpf_stats_enabled=1
	before="$(stats)"
	wall="$(burst)"
	after="$(stats)"
	sysctl -qw kernel.bpf_stats_enabled=0
	python3 - "$1" "$round" "$N" "$wall" $before $after <<'PY'
import sys
phase, rnd, n, wall, *x = sys.argv[1:]
n = int(n); x = list(map(int, x)); b, a = x[:6], x[6:]
runs = [(a[i] - b[i], a[i + 1] - b[i + 1]) for i in (0, 2, 4)]  # (ns, runs) egress, ingress, connect4
per_run = [t / max(1, c) for t, c in runs]
per_conn = sum(t for t, _ in runs) / n
print(f"{phase:<8} {rnd:>5} {per_run[0]:13.1f} {per_run[1]:14.1f} {per_run[2]:14.1f} {per_conn:13.1f} {float(wall) * 1e6 / n:11.1f}"
      f"   runs/conn egress {runs[0][1] / n:.1f} ingress {runs[1][1] / n:.1f} connect4 {runs[2][1] / n:.2f}")
PY
}

echo "uptime: $(uptime); kernel $(uname -r); connections $N per phase; mode ${MODE:-tcx where the kernel has it}"
printf '%-8s %5s %13s %14s %14s %13s %11s\n' phase round egress_ns/run ingress_ns/run connect_ns/run bpf_ns/conn wall_us/conn
for round in $(seq "$ROUNDS"); do
	# Nothing attached: the instance is removed; only the wall time means something.
	"${CLI[@]}" detach --all --instance "$INSTANCE" >/dev/null 2>&1 || true
	wall="$(burst)"
	printf '%-8s %5s %13s %14s %14s %13s %11.1f\n' none "$round" - - - 0 "$(python3 -c "print($wall * 1e6 / $N)")"

	"${CLI[@]}" attach --interface "$H" --instance "$INSTANCE" --lease 600 $MODE >/dev/null
	measure active
	# Dormant: the lease run out (0 = expired), everything else as it was.
	bpftool map update pinned "$PINS/maps/lease" key 0 0 0 0 value $(printf '0 %.0s' $(seq 24))
	measure dormant
	"${CLI[@]}" detach --all --instance "$INSTANCE" >/dev/null
	# The floor: programs that return at once, on tc filters (no connect4 here: its column is 0).
	bpftool prog loadall "$WORK/floor.o" "$FLOOR" type classifier
	tc qdisc add dev "$H" clsact
	tc filter add dev "$H" ingress pref 20000 handle 0x4e54 bpf da pinned "$FLOOR/nt_ingress"
	tc filter add dev "$H" egress pref 20000 handle 0x4e54 bpf da pinned "$FLOOR/nt_egress"
	PROGS=("$FLOOR/nt_egress" "$FLOOR/nt_ingress" "$FLOOR/none")
	measure floor
	PROGS=("$PINS/progs/nt_egress" "$PINS/progs/nt_ingress" "$PINS/owner/progs/nt_connect4")
	tc qdisc del dev "$H" clsact
	rm -rf "$FLOOR"
done

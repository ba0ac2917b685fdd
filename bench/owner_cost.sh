#!/usr/bin/env bash
# What process attribution costs (issue 14): mean ns per run of the TC egress and ingress
# programs with and without the owner step (note_owner; the "without" object is the same
# source built with -DNT_BENCH_NO_OWNER), and of the cgroup/connect4 program per connect(2)
# (post_bind4/6 run once per bind(2), so once per server here: not per connection).
# kernel.bpf_stats_enabled=1, bpftool prog show run_time_ns / run_cnt — the method of burst.sh.
# Connections are made by a host process (so its sockets are local and have owners) to a
# server in a namespace across a veth; runs alternate A/B/A/B to spread the machine's noise.
# Usage: sudo bench/owner_cost.sh [CONNECTIONS=5000] [ROUNDS=2]
# Uses only 198.19.0.0/16 on a veth it creates; removes everything it made on exit.
set -euo pipefail
N="${1:-5000}"
ROUNDS="${2:-2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

S="$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
NS="ntoc$S" H="ntoch$S" P="ntocp$S"
PINS="/sys/fs/bpf/netracker/ownbench-$S"
CG="$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)"
OLD_STATS="$(sysctl -n kernel.bpf_stats_enabled)"
OUT="$(mktemp -d)"
INC=(-I"$ROOT/bpf" -I/usr/include/"$(uname -m)"-linux-gnu)

cleanup() {
	set +e
	[ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
	for p in connect4 connect6 post_bind4 post_bind6; do
		[ -e "$PINS/owner/progs/nt_$p" ] && bpftool cgroup detach "$CG" "$p" pinned "$PINS/owner/progs/nt_$p"
	done
	tc qdisc del dev "$H" clsact 2>/dev/null
	rm -rf "$PINS"; rmdir /sys/fs/bpf/netracker 2>/dev/null
	ip netns del "$NS" 2>/dev/null; ip link del "$H" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	rm -rf "$OUT"
}
trap cleanup EXIT

clang -O2 -g -target bpf -mcpu=v3 "${INC[@]}" -c "$ROOT/bpf/netracker.bpf.c" -o "$OUT/with.o"
clang -O2 -g -target bpf -mcpu=v3 -DNT_BENCH_NO_OWNER "${INC[@]}" -c "$ROOT/bpf/netracker.bpf.c" -o "$OUT/without.o"
clang -O2 -g -target bpf -mcpu=v3 "${INC[@]}" -c "$ROOT/bpf/netracker_sock.bpf.c" -o "$OUT/sock.o"

ip netns add "$NS"
ip link add "$H" type veth peer name "$P" netns "$NS"
ip addr add 198.19.250.1/30 dev "$H"; ip link set "$H" up
ip -n "$NS" addr add 198.19.250.2/30 dev "$P"; ip -n "$NS" link set "$P" up; ip -n "$NS" link set lo up

mkdir -p "$PINS/owner"
bpftool prog loadall "$OUT/sock.o" "$PINS/owner/progs" pinmaps "$PINS/owner/maps"
# A lease that never runs out (bpf/netracker_lease.h): no reader renews it here, and the TC loads share it.
bpftool map update pinned "$PINS/owner/maps/lease" key 0 0 0 0 value 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0xff $(printf '0 %.0s' $(seq 16))
for p in connect4 connect6 post_bind4 post_bind6; do
	bpftool cgroup attach "$CG" "$p" pinned "$PINS/owner/progs/nt_$p" multi
done
tc qdisc add dev "$H" clsact

load() { # $1 = with|without: loads that object (sharing the owners map) and points the filters at it
	rm -rf "$PINS/progs" "$PINS/maps" "$PINS/events_new"
	bpftool map create "$PINS/events_new" type ringbuf key 0 value 0 entries 4194304 name events
	bpftool prog loadall "$OUT/$1.o" "$PINS/progs" type classifier \
		map name events pinned "$PINS/events_new" map name owners pinned "$PINS/owner/maps/owners" map name connecting pinned "$PINS/owner/maps/connecting" map name lease pinned "$PINS/owner/maps/lease" pinmaps "$PINS/maps"
	rm -f "$PINS/events_new"
	# instance id 1, transport ringbuf, wakeup past 1 MiB: nobody reads, drops are counted, never block
	bpftool map update pinned "$PINS/maps/config" key 0 0 0 0 value hex 01 00 00 00 60 ea 00 00 00 00 00 00 00 00 10 00
	tc filter replace dev "$H" ingress pref 20000 handle 0x4e54 bpf da pinned "$PINS/progs/nt_ingress"
	tc filter replace dev "$H" egress pref 20000 handle 0x4e54 bpf da pinned "$PINS/progs/nt_egress"
}

stat_of() { # pinned prog -> "run_time_ns run_cnt"
	bpftool -j prog show pinned "$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("run_time_ns",0), p.get("run_cnt",0))'
}

ip netns exec "$NS" python3 - <<'PY' &
import asyncio
async def handle(r, w):
    await r.read(100); w.write(b"x" * 100); await w.drain(); w.close()
async def main():
    await asyncio.start_server(handle, "198.19.250.2", 8080, backlog=4096)
    await asyncio.sleep(3600)
asyncio.run(main())
PY
SERVER_PID=$!
sleep 1

burst() {
	python3 - "$N" <<'PY'
import asyncio, sys
n = int(sys.argv[1])
async def one(sem):
    async with sem:
        r, w = await asyncio.open_connection("198.19.250.2", 8080)
        w.write(b"y" * 10); await w.drain()
        await r.read(1000); w.close(); await w.wait_closed()
async def main():
    sem = asyncio.Semaphore(50)
    await asyncio.gather(*(one(sem) for _ in range(n)))
asyncio.run(main())
PY
}

echo "uptime: $(uptime)"
printf '%-8s %5s %14s %14s %14s %10s\n' variant round egress_ns/run ingress_ns/run connect_ns/run conns
for round in $(seq "$ROUNDS"); do
	for v in without with; do
		load "$v"
		sysctl -qw kernel.bpf_stats_enabled=1
		read -r e0 ec0 <<<"$(stat_of "$PINS/progs/nt_egress")"
		read -r i0 ic0 <<<"$(stat_of "$PINS/progs/nt_ingress")"
		read -r s0 sc0 <<<"$(stat_of "$PINS/owner/progs/nt_connect4")"
		burst
		read -r e1 ec1 <<<"$(stat_of "$PINS/progs/nt_egress")"
		read -r i1 ic1 <<<"$(stat_of "$PINS/progs/nt_ingress")"
		read -r s1 sc1 <<<"$(stat_of "$PINS/owner/progs/nt_connect4")"
		sysctl -qw kernel.bpf_stats_enabled=0
		python3 - "$v" "$round" "$e0" "$ec0" "$e1" "$ec1" "$i0" "$ic0" "$i1" "$ic1" "$s0" "$sc0" "$s1" "$sc1" "$N" <<'PY'
import sys
v, r, *x = sys.argv[1:]
e0, ec0, e1, ec1, i0, ic0, i1, ic1, s0, sc0, s1, sc1, n = map(int, x)
d = lambda t0, c0, t1, c1: (t1 - t0) / max(1, c1 - c0)
print(f"{v:<8} {r:>5} {d(e0,ec0,e1,ec1):14.1f} {d(i0,ic0,i1,ic1):14.1f} {d(s0,sc0,s1,sc1):14.1f} {n:>10}"
      f"   egress runs/conn {(ec1-ec0)/n:.1f}, ingress runs/conn {(ic1-ic0)/n:.1f}, connects {sc1-sc0}")
PY
	done
done

#!/usr/bin/env bash
# Burst benchmark of the kernel side: N short TCP connections (C at a time) between two network
# namespaces, NeTracker's programs attached to the client's host-side veth. Prints
#   records reported / connections made, lost trace events, and mean ns per run of each TC
#   program (kernel.bpf_stats_enabled=1, bpftool prog show run_time_ns / run_cnt).
# Usage: sudo bench/burst.sh [CONNECTIONS=10000] [CONCURRENCY=200]
#   NT_BURST_MODE=probe (default when NeTracker.Probe is built): the console tool
#     `NeTracker.Probe watch --format csv` attaches and reports; records = CSV rows, so the whole
#     path (kernel, trace buffer, parser, channel) is measured.
#   NT_BURST_MODE=raw: bpftool/tc/tracefs by hand, records = NTv1 lines in the trace instance.
# Uses only 198.18.0.0/15 inside namespaces it creates; removes everything it made on exit.
set -euo pipefail
N="${1:-10000}"
C="${2:-200}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }

S="$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
CNS="ntbc$S" SNS="ntbs$S" BR="ntbb$S" CH="ntbch$S" SH="ntbsh$S"
PINS="/sys/fs/bpf/netracker/bench-$S"
TRACE="/sys/kernel/tracing/instances/netracker-bench-$S"
ID=be9c0001
OLD_STATS="$(sysctl -n kernel.bpf_stats_enabled)"
OUT="$(mktemp -d)"

cleanup() {
	set +e
	[ -n "${CAT_PID:-}" ] && kill "$CAT_PID" 2>/dev/null
	[ -n "${WATCH_PID:-}" ] && { kill -TERM "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null; }
	[ "$MODE" = raw ] && tc qdisc del dev "$CH" clsact 2>/dev/null
	[ -d "$TRACE" ] && { echo 0 >"$TRACE/events/bpf_trace/bpf_trace_printk/enable"; rmdir "$TRACE"; }
	rm -rf "$PINS"; rmdir /sys/fs/bpf/netracker 2>/dev/null
	ip netns del "$CNS" 2>/dev/null; ip netns del "$SNS" 2>/dev/null
	ip link del "$CH" 2>/dev/null; ip link del "$SH" 2>/dev/null; ip link del "$BR" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$OLD_STATS"
	rm -rf "$OUT"
}
trap cleanup EXIT

DLL="$(ls -t "$ROOT"/NeTracker.Probe/bin/*/net10.0/NeTracker.Probe.dll 2>/dev/null | head -1 || true)"
MODE="${NT_BURST_MODE:-$([ -n "$DLL" ] && echo probe || echo raw)}"
OBJ="$(ls "$ROOT"/NeTracker.Probe/bin/*/net10.0/bpf/netracker.bpf.o 2>/dev/null | head -1 || true)"
if [ -z "$OBJ" ]; then
	OBJ="$OUT/netracker.bpf.o"
	clang -O2 -g -Wall -target bpf -mcpu=v3 -I"$ROOT/bpf" -I/usr/include/"$(uname -m)"-linux-gnu \
		-c "$ROOT/bpf/netracker.bpf.c" -o "$OBJ"
fi

# client ns ── CH ─ bridge ─ SH ── server ns; no address in the host namespace
ip netns add "$CNS"; ip netns add "$SNS"
ip link add "$BR" type bridge; ip link set "$BR" addrgenmode none
for side in c s; do
	if [ $side = c ]; then H=$CH NS=$CNS A=198.18.0.1; else H=$SH NS=$SNS A=198.18.0.2; fi
	ip link add "$H" type veth peer name eth0 netns "$NS"
	ip link set "$H" addrgenmode none; ip link set "$H" master "$BR" up
	ip -n "$NS" addr add "$A/24" dev eth0; ip -n "$NS" link set eth0 up; ip -n "$NS" link set lo up
done
ip link set "$BR" up

setup_raw() {
	# load once, both programs share the pinned maps (what BpfLoader does)
	mkdir -p "$PINS"
	bpftool prog loadall "$OBJ" "$PINS/progs" type classifier pinmaps "$PINS/maps"
	bpftool map update pinned "$PINS/maps/config" key 0 0 0 0 value hex ${ID:6:2} ${ID:4:2} ${ID:2:2} ${ID:0:2} 60 ea 00 00

	mkdir "$TRACE"
	echo 8192 >"$TRACE/buffer_size_kb"
	echo 'bpf_string ~ "NTv1 *"' >"$TRACE/events/bpf_trace/bpf_trace_printk/filter" 2>/dev/null || true
	echo 1 >"$TRACE/events/bpf_trace/bpf_trace_printk/enable"
	cat "$TRACE/trace_pipe" >"$OUT/lines" &
	CAT_PID=$!

	tc qdisc add dev "$CH" clsact
	tc filter add dev "$CH" ingress pref 20000 handle 0x4e54 bpf da pinned "$PINS/progs/nt_ingress"
	tc filter add dev "$CH" egress pref 20000 handle 0x4e54 bpf da pinned "$PINS/progs/nt_egress"
}

# the console tool attaches (clsact, filters, pins, tracefs instance) and prints CSV rows
setup_probe() {
	dotnet "$DLL" watch --interface "$CH" --format csv --instance "bench-$S" >"$OUT/records.csv" 2>"$OUT/watch.err" &
	WATCH_PID=$!
	for _ in $(seq 100); do
		tc filter show dev "$CH" ingress 2>/dev/null | grep -q 'handle 0x4e54' && return 0
		sleep 0.2
	done
	cat "$OUT/watch.err" >&2; echo "the console tool did not attach" >&2; exit 1
}

"setup_$MODE"
sysctl -qw kernel.bpf_stats_enabled=1

ip netns exec "$SNS" python3 - <<'PY' &
import asyncio
async def handle(r, w):
    await r.read(100); w.write(b"x" * 100); await w.drain(); w.close()
async def main():
    srv = await asyncio.start_server(handle, "198.18.0.2", 8080, backlog=4096)
    await asyncio.sleep(3600)
asyncio.run(main())
PY
SERVER_PID=$!
sleep 1

START=$(date +%s.%N)
ip netns exec "$CNS" python3 - "$N" "$C" <<'PY'
import asyncio, sys
n, c = int(sys.argv[1]), int(sys.argv[2])
ok = 0
async def one(sem):
    global ok
    async with sem:
        r, w = await asyncio.open_connection("198.18.0.2", 8080)
        w.write(b"y" * 10); await w.drain()
        await r.read(1000); w.close(); await w.wait_closed(); ok += 1
async def main():
    sem = asyncio.Semaphore(c)
    await asyncio.gather(*(one(sem) for _ in range(n)))
asyncio.run(main())
print(f"client: {ok} connections completed", file=sys.stderr)
PY
END=$(date +%s.%N)
sleep 2
kill "$SERVER_PID" 2>/dev/null || true

stats() { bpftool -j prog show pinned "$PINS/progs/$1" | python3 -c 'import json,sys; p=json.load(sys.stdin); r,c=p.get("run_time_ns",0),p.get("run_cnt",0); print(f"{r/c:.0f} ns/run over {c} runs" if c else "no runs")'; }
INGRESS="$(stats nt_ingress)" EGRESS="$(stats nt_egress)"
if [ "$MODE" = raw ]; then
	kill "$CAT_PID"; wait "$CAT_PID" 2>/dev/null || true; CAT_PID=
	RECORDS=$(grep -c "NTv1 $ID" "$OUT/lines" || true)
	LOST=$(cat "$TRACE"/per_cpu/cpu*/stats | awk '/^overrun/ {s+=$2} END {print s+0}')
else
	kill -TERM "$WATCH_PID"; wait "$WATCH_PID" || true; WATCH_PID=
	RECORDS=$(grep -c ',198\.18\.0\.2,8080,' "$OUT/records.csv" || true)
	LOST="$(grep -io 'lost[^,;]*' "$OUT/watch.err" | head -3 | tr '\n' ' ' || true)"
	LOST="${LOST:-see summary}"
	echo "console tool summary: $(tail -3 "$OUT/watch.err" | tr '\n' ' ')"
fi
python3 - "$N" "$RECORDS" "$LOST" "$START" "$END" <<'PY'
import sys
n, rec, lost, t0, t1 = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
print(f"connections made:  {n} in {t1-t0:.2f} s ({n/(t1-t0):.0f}/s)")
print(f"records reported:  {rec}  ratio {rec/n:.4f}  lost: {lost}")
PY
echo "mode: $MODE"
echo "nt_ingress: $INGRESS"
echo "nt_egress:  $EGRESS"

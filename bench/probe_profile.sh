#!/usr/bin/env bash
# Where the console probe's CPU goes: `watch --format jsonl` on the bench's test hosts under the
# connect/close workload (warmed up first, so tiered JIT is done), its CPU per connection from
# /proc over the profiled window, and perf samples of the process (with the runtime's perf map,
# so JIT-compiled frames have names) grouped by leaf and by inclusive frame.
#
#   sudo bench/probe_profile.sh [--seconds S]
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SECONDS_PER_RUN=8
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_PER_RUN="$2"; shift ;;
	*) echo "usage: $0 [--seconds S]" >&2; exit 2 ;;
	esac
	shift
done

# shellcheck source=lib/common.sh
source "$BENCH/lib/common.sh"
# shellcheck source=lib/hosts.sh
source "$BENCH/lib/hosts.sh"

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, tc, perf)."
require bpftool clang python3 ip dotnet perf
PROBE="$ROOT/NeTracker.Probe/bin/Release/net10.0/NeTracker.Probe.dll"
[ -f "$PROBE" ] || die "build first: dotnet build NeTracker.slnx -c Release"

WORK="$(mktemp -d /tmp/ntprobeprof.XXXXXX)"
trap run_cleanups EXIT
trap 'exit 130' INT TERM
on_exit "rm -rf '$WORK'"
compile_native
hosts_up

DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$PROBE" watch --interface "$VETH" --format jsonl \
	--transport ringbuf --instance "pp$(printf '%04x' $((RANDOM % 65536)))" >/dev/null 2>"$WORK/probe.err" &
pid=$!
track "$pid"
on_exit "rm -f /tmp/perf-$pid.map /tmp/perfinfo-$pid.map"
for _ in $(seq 1 300); do
	grep -qs "^watching" "$WORK/probe.err" && break
	kill -0 "$pid" 2>/dev/null || die "the probe failed: $(cat "$WORK/probe.err")"
	sleep 0.1
done
"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 6 >/dev/null # warm-up: tiered JIT settles
"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 $((SECONDS_PER_RUN + 2)) >/dev/null &
load=$!
sleep 1
c0="$(cpu_ticks "$pid")" p0="$(passive_opens)"
perf record -F 2999 -g -p "$pid" -o "$WORK/perf.data" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1
c1="$(cpu_ticks "$pid")" p1="$(passive_opens)"
wait "$load" || true
perf script -i "$WORK/perf.data" -F ip,sym 2>/dev/null >"$WORK/perf.txt"
stop_pid "$pid" TERM 150

python3 - "$WORK/perf.txt" "$((c1 - c0))" "$(getconf CLK_TCK)" "$((p1 - p0))" "$SECONDS_PER_RUN" <<'PY'
import collections, re, sys
path, ticks, tck, made, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"probe CPU: {ticks / tck * 1e6 / max(1, made):.2f} us per connection ({made} connections in {secs} s, {made / secs:.0f}/s)")
blocks, cur = [], []
for line in open(path):
    line = line.strip()
    if not line:
        if cur: blocks.append(cur); cur = []
        continue
    parts = line.split(None, 1)
    cur.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1]) if len(parts) > 1 else "?")
if cur: blocks.append(cur)
n = max(1, len(blocks))
print(f"\n{len(blocks)} samples; leaf functions:")
for f, k in collections.Counter(b[0] for b in blocks).most_common(15):
    print(f"  {100 * k / n:5.1f} %  {f[:110]}")
print("\ninclusive, NeTracker and System.Text.Json frames:")
inc = collections.Counter(f for b in blocks for f in set(b))
for f, k in inc.most_common(400):
    if "NeTracker" in f or "System.Text.Json" in f:
        print(f"  {100 * k / n:5.1f} %  {f[:110]}")
PY

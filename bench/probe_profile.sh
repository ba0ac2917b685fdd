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
side_script_start "network namespaces, tc, perf" ntprobeprof bpftool clang python3 ip dotnet perf
compile_native
hosts_up

# Names for JIT-compiled frames (the runtime writes /tmp/perf-PID.map).
export DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0
watch_start "$PROBE_DIR/NeTracker.Probe.dll" ringbuf "pp$(printf '%04x' $((RANDOM % 65536)))" /dev/null "$WORK/probe.err"
pid="$WATCH_PID"
on_exit "rm -f /tmp/perf-$pid.map /tmp/perfinfo-$pid.map"
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

PYTHONPATH="$BENCH/report" python3 - "$WORK/perf.txt" "$((c1 - c0))" "$(getconf CLK_TCK)" "$((p1 - p0))" "$SECONDS_PER_RUN" <<'PY'
import collections, sys
import perfsamples
path, ticks, tck, made, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"probe CPU: {ticks / tck * 1e6 / max(1, made):.2f} us per connection ({made} connections in {secs} s, {made / secs:.0f}/s)")
blocks = perfsamples.read(path)
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

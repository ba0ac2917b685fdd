#!/usr/bin/env bash
# Where the TC programs' time goes: `perf record -a -g` while the console probe watches the
# bench's connect/close workload, then every sample with a BPF program on its stack is charged
# to that program and to the kernel function it was in (the leaf), or to the helper the program
# called. The answer to "what inside nt_egress costs" before changing it; bench/bpf_ab.sh then
# says whether a change is cheaper.
#
#   sudo bench/bpf_profile.sh [--seconds S] [REV]
#     REV  as in bench/bpf_ab.sh: "." (the default, the work tree's Release build) or a
#          directory holding the *.bpf.c and *.h of an experiment.
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SECONDS_PER_RUN=8
REV=.
while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) SECONDS_PER_RUN="$2"; shift ;;
	-*) echo "usage: $0 [--seconds S] [REV]" >&2; exit 2 ;;
	*) REV="$1" ;;
	esac
	shift
done

# shellcheck source=lib/common.sh
source "$BENCH/lib/common.sh"
# shellcheck source=lib/hosts.sh
source "$BENCH/lib/hosts.sh"
side_script_start "network namespaces, tc, perf -a" ntbpfprof bpftool clang python3 ip dotnet perf

cp -r "$PROBE_DIR" "$WORK/probe"
if [ "$REV" != . ]; then
	[ -d "$REV" ] || die "no directory $REV"
	for o in netracker netracker_sock; do
		clang -O2 -g -target bpf -mcpu=v3 -I"$REV" -I/usr/include/"$(uname -m)"-linux-gnu \
			-c "$REV/$o.bpf.c" -o "$WORK/probe/bpf/$o.bpf.o" || die "cannot compile $o.bpf.c of $REV"
	done
fi

compile_native
hosts_up

inst="pf$(printf '%04x' $((RANDOM % 65536)))"
watch_start "$WORK/probe/NeTracker.Probe.dll" ringbuf "$inst" /dev/null "$WORK/probe.err"
pid="$WATCH_PID"
"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 $((SECONDS_PER_RUN + 2)) >/dev/null &
load=$!
sleep 1
perf record -F 4999 -a -g -o "$WORK/perf.data" -- sleep "$SECONDS_PER_RUN" >/dev/null 2>&1
wait "$load" || true
stop_pid "$pid" TERM 150
perf script -i "$WORK/perf.data" -F ip,sym 2>/dev/null >"$WORK/perf.txt"

PYTHONPATH="$BENCH/report" python3 - "$WORK/perf.txt" <<'PY'
import collections, re, sys
import perfsamples
blocks = perfsamples.read(sys.argv[1])
total = len(blocks)
prog = collections.Counter(); where = collections.defaultdict(collections.Counter)
for frames in blocks:
    i = next((i for i, f in enumerate(frames) if f.startswith("bpf_prog_") and ("nt_" in f)), None)
    if i is None: continue
    name = re.sub(r"^bpf_prog_[0-9a-f]+_", "", frames[i])
    prog[name] += 1
    # the function the program called (frame just below it), and the leaf
    callee = frames[i - 1] if i > 0 else "(in the program)"
    where[name][callee] += 1
print(f"{total} samples on all CPUs")
for name, n in prog.most_common():
    print(f"\n{name}: {n} samples ({100 * n / total:.1f} % of all)")
    for f, k in where[name].most_common(14):
        print(f"  {100 * k / n:5.1f} %  {f}")
PY

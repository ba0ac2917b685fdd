#!/usr/bin/env bash
# Side by side: the TC programs of two (or more) revisions of bpf/, each loaded by the same
# console probe (`watch --transport ringbuf`, reading every event), on the bench's test hosts.
# For a change to the kernel program, this is the quick answer to "is it cheaper?": mean ns per
# run of nt_ingress and nt_egress, BPF µs per connection, the probe's CPU per connection and the
# connection rate, per round, alternated, with (A) nothing attached in every round for the ratio.
#
#   sudo bench/bpf_ab.sh [--rounds N] [--seconds S] NAME=REV [NAME=REV ...]
#     REV  a git revision (its probe is built from that revision too), "." for the work tree as
#          it is (its Release build), or a directory holding the *.bpf.c and *.h of an
#          experiment (run with the work tree's probe, so it must keep the C#-visible layout).
#     REV+MACRO  the same, compiled with -DMACRO: the floors built into bpf/netracker.bpf.c are
#          NT_BENCH_FLOOR_CALL (return at once: the cost of a run itself, bpf_stats included)
#          and NT_BENCH_FLOOR_PARSE (return after parsing: headers, clock, key, no table).
#     e.g. sudo bench/bpf_ab.sh --rounds 6 before=HEAD after=.
#          sudo bench/bpf_ab.sh now=. parse=.+NT_BENCH_FLOOR_PARSE call=.+NT_BENCH_FLOOR_CALL
#
# The workload is the plain connect/close client of bench/run.sh (server closes first), 4 threads;
# with --data one iperf3 stream instead (bench/run.sh's bulk run): nearly every TC run is then a
# data segment or its ACK, the per-packet path, and the rate column is the stream's Gbit/s.
#
# With --testrun N no network and no probe: each variant's object is loaded on its own and N
# connections of six segments each go through nt_egress by BPF_PROG_TEST_RUN
# (bench/native/ntb-testrun.c), per round, in an order that rotates between rounds. What it
# measures is only the kernel program, on one CPU, without bpf_stats and without a workload
# competing for the caches, so it resolves differences of a few percent that the connect/close
# rounds (which swing by 10-30 % on a shared machine) cannot; it cannot show what the host's
# connection rate does. Figures: ns per packet and per connection, and each step's ns.
#   e.g. bench/bpf_ab.sh --rounds 10 --testrun 3000 now=. again=. exp=/tmp/variant
set -euo pipefail
BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
ROUNDS=4
SECONDS_PER_RUN=5
DATA=0
TESTRUN=0
VARIANTS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS="$2"; shift ;;
	--seconds) SECONDS_PER_RUN="$2"; shift ;;
	--data) DATA=1 ;;
	--testrun) TESTRUN="$2"; shift ;;
	*=*) VARIANTS+=("$1") ;;
	*) echo "usage: $0 [--rounds N] [--seconds S] [--data | --testrun CONNECTIONS] NAME=REV [NAME=REV ...]" >&2; exit 2 ;;
	esac
	shift
done
[ "${#VARIANTS[@]}" -ge 1 ] || { echo "usage: $0 [--rounds N] [--seconds S] [--data] NAME=REV [NAME=REV ...]" >&2; exit 2; }

# shellcheck source=lib/common.sh
source "$BENCH/lib/common.sh"
# shellcheck source=lib/hosts.sh
source "$BENCH/lib/hosts.sh"
side_script_start "network namespaces, tc, BPF statistics" ntbpfab bpftool clang python3 ip dotnet git
BPF_STATS_BEFORE="$(sysctl -n kernel.bpf_stats_enabled)"
on_exit "sysctl -qw kernel.bpf_stats_enabled=$BPF_STATS_BEFORE"
sysctl -qw kernel.bpf_stats_enabled=1

# One probe directory per variant, with that variant's objects.
INC=(-I/usr/include/"$(uname -m)"-linux-gnu)
for v in "${VARIANTS[@]}"; do
	name="${v%%=*}" rev="${v#*=}" defines=()
	while [[ "$rev" == *+* ]]; do
		defines+=("-D${rev##*+}")
		rev="${rev%+*}"
	done
	if [ "$rev" = . ] || [ -d "$rev" ]; then
		cp -r "$PROBE_DIR" "$WORK/probe-$name"
		src="$([ "$rev" = . ] && echo "$ROOT/bpf" || echo "$rev")"
	else
		say "building the probe of $rev"
		git -C "$ROOT" worktree add -q --detach "$WORK/tree-$name" "$rev" || die "no revision $rev"
		on_exit "git -C '$ROOT' worktree remove --force '$WORK/tree-$name'"
		dotnet build "$WORK/tree-$name/NeTracker.Probe/NeTracker.Probe.csproj" -c Release -nologo -v quiet \
			-o "$WORK/probe-$name" >"$WORK/build-$name.log" 2>&1 || die "cannot build $rev (see $WORK/build-$name.log)"
		src="$WORK/tree-$name/bpf"
	fi
	for o in netracker netracker_sock; do
		clang -O2 -g -target bpf -mcpu=v3 "${defines[@]}" -I"$src" "${INC[@]}" -c "$src/$o.bpf.c" -o "$WORK/probe-$name/bpf/$o.bpf.o" \
			|| die "cannot compile $o.bpf.c of $v"
	done
done

if [ "$TESTRUN" -gt 0 ]; then
	clang -O2 -Wall -Werror -o "$WORK/ntb-testrun" "$BENCH/native/ntb-testrun.c" -lbpf || die "cannot compile ntb-testrun.c"
	for v in "${VARIANTS[@]}"; do
		name="${v%%=*}" pin="/sys/fs/bpf/ntbab-$name-$$"
		on_exit "rm -rf '$pin'"
		mkdir -p "$pin/maps"
		bpftool prog loadall "$WORK/probe-$name/bpf/netracker.bpf.o" "$pin" type classifier pinmaps "$pin/maps" \
			|| die "cannot load the object of $v"
		# struct nt_config: instance 1, the probe's default wakeup threshold (32 KiB), the rest 0;
		# struct nt_lease: expires never.
		bpftool map update pinned "$pin/maps/config" key hex 00 00 00 00 value hex 01 00 00 00 00 00 00 00 00 00 00 00 00 80 00 00 00 00 00 00 00 00 00 00
		bpftool map update pinned "$pin/maps/lease" key hex 00 00 00 00 value hex ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
	done
	: >"$WORK/rows"
	for round in $(seq 1 "$ROUNDS"); do
		say "round $round/$ROUNDS (load $(cut -d' ' -f1 /proc/loadavg))"
		n="${#VARIANTS[@]}"
		for i in $(seq 0 $((n - 1))); do
			v="${VARIANTS[$(((i + round) % n))]}" name="${v%%=*}"
			echo "$round $name $("$WORK/ntb-testrun" "/sys/fs/bpf/ntbab-$name-$$" "$TESTRUN")" >>"$WORK/rows"
		done
	done
	echo "uptime: $(uptime)"
	python3 - "$WORK/rows" "${VARIANTS[0]%%=*}" <<'PY'
import statistics as st, sys
by, order = {}, []
for line in open(sys.argv[1]):
    r, name, pkt, conn, events, *steps = line.split()
    if name not in by:
        order.append(name)
    by.setdefault(name, {})[int(r)] = dict(pkt=float(pkt), conn=float(conn), events=int(events), steps=[float(x) for x in steps])
first = by[sys.argv[2]]
med = lambda xs, f=".0f": f"{st.median(xs):{f}} [{min(xs):{f}}-{max(xs):{f}}]"
print(f"{'variant':<10} {'ns/packet':>16} {'ns/conn':>20} {'% of ' + sys.argv[2] + ' per round':>24}  median ns of each step: SYN SYN-ACK ACK FIN FIN(close) trailing-ACK; events")
for name in order:
    xs = list(by[name].values())
    pct = [100 * x["conn"] / first[r]["conn"] for r, x in by[name].items() if r in first]
    steps = " ".join(f"{st.median([x['steps'][j] for x in xs]):.0f}" for j in range(6))
    print(f"{name:<10} {med([x['pkt'] for x in xs]):>16} {med([x['conn'] for x in xs]):>20} {med(pct, '.1f'):>24}  {steps}; {min(x['events'] for x in xs)}")
PY
	exit 0
fi

compile_native
hosts_up

prog_stats() { # "ingress_ns ingress_cnt egress_ns egress_cnt" of the programs on $VETH
	# Through the probe's own descriptors when it runs: programs attached by tcx links are not in
	# this bpftool's "net show" (v7.1 lists classic tc filters only), so --dev alone reads zeros.
	"$BENCH/lib/bpfstats.py" $([ -n "${pid:-}" ] && echo --pid "$pid" || echo --dev "$VETH") | python3 -c '
import json, sys
p = json.load(sys.stdin).values()
get = lambda n: next(((x.get("run_time_ns", 0), x.get("run_cnt", 0)) for x in p if x.get("name") == n), (0, 0))
print(*get("nt_ingress"), *get("nt_egress"))'
}

: >"$WORK/rows"
for round in $(seq 1 "$ROUNDS"); do
	for v in A "${VARIANTS[@]}"; do
		name="${v%%=*}" pid=""
		say "round $round/$ROUNDS: $name (load $(cut -d' ' -f1 /proc/loadavg))"
		if [ "$name" != A ]; then
			inst="ab$(printf '%04x' $((RANDOM % 65536)))"
			watch_start "$WORK/probe-$name/NeTracker.Probe.dll" ringbuf "$inst" "$WORK/out-$name-$round" "$WORK/err-$name-$round"
			pid="$WATCH_PID"
		fi
		"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 2 1 >/dev/null # warm-up
		sleep 1
		read -r i0 ic0 e0 ec0 <<<"$(prog_stats)"
		c0="$([ -n "$pid" ] && cpu_ticks "$pid" || echo 0)"
		p0="$(passive_opens)"
		if [ "$DATA" = 1 ]; then
			out="$(iperf3 -c "$SERVER_IP" -p "$PORT_IPERF" -t "$SECONDS_PER_RUN" -J)"
		else
			out="$("$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 "$SECONDS_PER_RUN")"
		fi
		p1="$(passive_opens)"
		read -r i1 ic1 e1 ec1 <<<"$(prog_stats)"
		sleep 1 # the reader's last batch
		c1="$([ -n "$pid" ] && cpu_ticks "$pid" || echo 0)"
		[ -n "$pid" ] && stop_pid "$pid" TERM 150
		if [ "$DATA" = 1 ]; then
			rate="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)' <<<"$out")"
		else
			rate="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rate"])' "$out")"
		fi
		echo "$round $name $rate $((p1 - p0)) $((i1 - i0)) $((ic1 - ic0)) $((e1 - e0)) $((ec1 - ec0)) $((c1 - c0))" >>"$WORK/rows"
	done
done

echo "uptime: $(uptime)"
python3 - "$WORK/rows" "$(getconf CLK_TCK)" <<'PY'
import statistics as st, sys
rows = [l.split() for l in open(sys.argv[1])]
tck = int(sys.argv[2])
by = {}
for r, name, rate, made, it, ic, et, ec, cpu in rows:
    by.setdefault(name, []).append(dict(r=int(r), rate=float(rate), made=int(made), it=int(it), ic=int(ic), et=int(et), ec=int(ec), cpu=int(cpu)))
base = {x["r"]: x["rate"] for x in by["A"]}
med = lambda xs: f"{st.median(xs):.1f} [{min(xs):.1f}-{max(xs):.1f}]"
print(f"{'variant':<10} {'conn/s':>24} {'% of A':>22} {'ingress ns/run':>24} {'egress ns/run':>24} {'BPF us/conn':>20} {'probe CPU us/conn':>20} runs/conn")
for name, xs in by.items():
    pct = [100 * x["rate"] / base[x["r"]] for x in xs]
    if name == "A":
        print(f"{name:<10} {med([x['rate'] for x in xs]):>24} {'100':>22}")
        continue
    ins = [x["it"] / max(1, x["ic"]) for x in xs]
    egs = [x["et"] / max(1, x["ec"]) for x in xs]
    bpf = [(x["it"] + x["et"]) / 1000 / max(1, x["made"]) for x in xs]
    cpu = [x["cpu"] / tck * 1e6 / max(1, x["made"]) for x in xs]
    runs = st.median([(x["ic"] + x["ec"]) / max(1, x["made"]) for x in xs])
    print(f"{name:<10} {med([x['rate'] for x in xs]):>24} {med(pct):>22} {med(ins):>24} {med(egs):>24} {med(bpf):>20} {med(cpu):>20} {runs:.1f}")
# The same figures as per-round ratios to the first variant: both ran in the same round, minutes
# apart at most, so a ratio cancels most of what other work on the machine did to the round.
names = [n for n in by if n != "A"]
if len(names) > 1:
    first = {x["r"]: x for x in by[names[0]]}
    per = lambda x, f: f(x) / max(1e-9, f(first[x["r"]]))
    fin = lambda x: x["it"] / max(1, x["ic"])
    feg = lambda x: x["et"] / max(1, x["ec"])
    fbpf = lambda x: (x["it"] + x["et"]) / max(1, x["made"])
    frate = lambda x: x["rate"]
    pc = lambda xs: f"{st.median(xs):.1f} [{min(xs):.1f}-{max(xs):.1f}]"
    print(f"\nper-round ratios to {names[0]}, % (median [min-max])")
    print(f"{'variant':<10} {'conn/s':>22} {'ingress ns/run':>22} {'egress ns/run':>22} {'BPF us/conn':>22}")
    for name in names[1:]:
        xs = [x for x in by[name] if x["r"] in first]
        print(f"{name:<10} " + " ".join(f"{pc([100 * per(x, f) for x in xs]):>22}" for f in (frate, fin, feg, fbpf)))
PY

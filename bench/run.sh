#!/usr/bin/env bash
# NeTracker benchmark, configurations run alternately (A P T B C A P T B C …) on test hosts this
# script builds and removes:
#   (A) nothing attached
#   (P) the console probe alone on the ring buffer  (NeTracker.Probe watch --transport ringbuf)
#   (T) the console probe alone on trace_pipe       (NeTracker.Probe watch --transport trace)
#   (B) NeTracker's full pipeline (the dashboard process with a hub subscriber)
#   (C) libbpf-tools tcplife
# Writes bench/RESULTS.md and bench/results.json. Run it as root through `./netracker.sh bench`.
#
#   bench/run.sh [--quick] [--rounds N] [--seconds S] [--configs "A P T B C"] [--keep]
#     --configs   any of A P T B C (A is the baseline every ratio is taken against: keep it)
#     --quick     3 rounds of 3 s runs instead of 6 rounds of 5 s
#     --keep      keep the work directory (pcaps, raw outputs) and print where it is
#     --burst N[xT]        N connections opened T at a time each round (default 10000x200; 0 skips)
#     --memory-records N   records for the memory figure (default 1000000; 0 skips it)
#     --no-profile         skip the perf breakdown of the dashboard's CPU
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"
COMMAND_LINE="./netracker.sh bench"
for a in "$@"; do
	case "$a" in *[[:space:]]*) COMMAND_LINE+=" \"$a\"" ;; *) COMMAND_LINE+=" $a" ;; esac
done

# Many short alternating rounds rather than a few long ones: on a shared 2-core machine the
# noise comes in bursts, and per-round ratios with medians keep a burst to one round.
ROUNDS=6
SECONDS_PER_RUN=5
CONFIGS="A P T B C"
BURST_COUNT=10000
BURST_THREADS=200
KEEP=0
MEMORY_RECORDS=1000000
WARMUP_SECONDS=8
PROFILE=1
while [ $# -gt 0 ]; do
	case "$1" in
	--quick) ROUNDS=3 SECONDS_PER_RUN=3 ;;
	--rounds) ROUNDS="$2"; shift ;;
	--seconds) SECONDS_PER_RUN="$2"; shift ;;
	--configs) CONFIGS="$2"; shift ;;
	--keep) KEEP=1 ;;
	--burst) BURST_COUNT="${2%x*}"; [[ "$2" == *x* ]] && BURST_THREADS="${2#*x}"; shift ;;
	--memory-records) MEMORY_RECORDS="$2"; shift ;;
	--no-profile) PROFILE=0 ;;
	*) echo "usage: $0 [--quick] [--rounds N] [--seconds S] [--configs \"A P T B C\"] [--keep] [--burst N[xT]] [--memory-records N] [--no-profile]" >&2; exit 2 ;;
	esac
	shift
done
[ "$ROUNDS" -ge 3 ] || { echo "at least 3 rounds" >&2; exit 2; }
for c in $CONFIGS; do
	case "$c" in A | P | T | B | C) ;; *) echo "unknown configuration $c (any of A P T B C)" >&2; exit 2 ;; esac
done
[[ " $CONFIGS " == *" A "* ]] || { echo "--configs needs A: every ratio is taken against it" >&2; exit 2; }
[[ "$BURST_COUNT" =~ ^[0-9]+$ && "$BURST_THREADS" =~ ^[1-9][0-9]*$ ]] || { echo "--burst N or NxT, e.g. 10000x200" >&2; exit 2; }

# Accuracy run: ACCURACY_COUNT connections per hold time, ACCURACY_THREADS at a time.
ACCURACY_HOLDS_MS="5 50"
ACCURACY_COUNT=200
ACCURACY_THREADS=20

# shellcheck source=lib/common.sh
source "$BENCH/lib/common.sh"
# shellcheck source=lib/hosts.sh
source "$BENCH/lib/hosts.sh"
# shellcheck source=lib/workloads.sh
source "$BENCH/lib/workloads.sh"
# shellcheck source=lib/tcplife.sh
source "$BENCH/lib/tcplife.sh"
# shellcheck source=lib/netracker.sh
source "$BENCH/lib/netracker.sh"
# shellcheck source=lib/profile.sh
source "$BENCH/lib/profile.sh"
# shellcheck source=lib/probecli.sh
source "$BENCH/lib/probecli.sh"
# shellcheck source=lib/memory.sh
source "$BENCH/lib/memory.sh"

[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, tc, BPF statistics)."
require wrk iperf3 tcpdump bpftool clang python3 ip ss curl dotnet
TCPLIFE="$(find_tcplife)" || die "tcplife not found: install the Debian package libbpf-tools."

WORK="$(mktemp -d /tmp/ntbench.XXXXXX)"
trap run_cleanups EXIT
trap 'exit 130' INT TERM
[ "$KEEP" -eq 1 ] && on_exit "say \"kept $WORK\"" || on_exit "rm -rf '$WORK'"
: >"$WORK/raw.jsonl"
STARTED_UTC="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

# BPF run-time statistics cost a little on every program run: on only for this run.
BPF_STATS_BEFORE="$(sysctl -n kernel.bpf_stats_enabled)"
on_exit "sysctl -qw kernel.bpf_stats_enabled=$BPF_STATS_BEFORE"
sysctl -qw kernel.bpf_stats_enabled=1

API_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
case " $CONFIGS " in *" B "* | *" P "* | *" T "*) ensure_built ;; esac
compile_native
hosts_up
case " $CONFIGS " in *" B "*) netracker_start ;; esac
settle 60

config_up() {
	WATCHED_PID="" WATCHED_NAME="" HELPER_PID=""
	case "$1" in
	B) netracker_up "$2" ;;
	C) tcplife_up "$2" ;;
	P | T) probecli_up "$1" "$2" ;;
	esac
}

config_down() {
	case "$1" in
	B) netracker_down "$2" ;;
	C) tcplife_down "$2" ;;
	P | T) probecli_down "$1" "$2" ;;
	esac
}

for round in $(seq 1 "$ROUNDS"); do
	for cfg in $CONFIGS; do
		say "round $round/$ROUNDS: configuration $cfg"
		# How busy the machine was before the round: the 1-minute load average, and the CPU other
		# work used during a second in which this run did nothing (see others_cpu_pct).
		record "$cfg" "$round" loadavg "$(cut -d' ' -f1 /proc/loadavg)"
		record "$cfg" "$round" others_cpu_pct "$(others_cpu_pct)"
		config_up "$cfg" "$round"
		# Loss is counted over every connection of the round (warm-up, rate, burst and accuracy runs);
		# iperf3's two connections come after and are not on the ports the reports are matched on.
		p0="$(passive_opens)"
		warm_up
		run_rate "$cfg" "$round"
		run_burst "$cfg" "$round"
		# (B) cannot keep up with the highest rate: let it drain the backlog of the rate runs (hub
		# and history; the time it takes is recorded) so the accuracy run, which is also the
		# light-load latency sample, and the bulk run measure the steady state, not the catch-up.
		[ "$cfg" = B ] && netracker_drain "$round"
		[ "$cfg" = A ] || run_accuracy "$cfg" "$round"
		record "$cfg" "$round" round_made "$(($(passive_opens) - p0))"
		run_bulk "$cfg" "$round"
		config_down "$cfg" "$round"
	done
done

if [ -n "${DASH_MAIN_PID:-}" ]; then
	[ "$PROFILE" -eq 1 ] && run_profile
	stop_pid "$DASH_MAIN_PID" TERM 150
	netracker_leftovers "$DASH_INSTANCE"
fi
if [ "$MEMORY_RECORDS" -gt 0 ] && [[ " $CONFIGS " == *" B "* ]]; then
	say "memory: $MEMORY_RECORDS records through the ingest path of a fresh dashboard"
	run_memory
fi

[[ " $CONFIGS " == *" B "* ]] && subscriber_decode
say "writing bench/RESULTS.md and bench/results.json"
python3 "$BENCH/report.py" --raw "$WORK/raw.jsonl" --out "$BENCH" --command "$COMMAND_LINE" \
	--started "$STARTED_UTC" --finished "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --rounds "$ROUNDS" --seconds "$SECONDS_PER_RUN" --configs "$CONFIGS" \
	--burst "${BURST_COUNT}x$BURST_THREADS" \
	--client "$CLIENT_IP" --server "$SERVER_IP" \
	--ports "http=$PORT_HTTP,close=$PORT_CLOSE,hold=$PORT_HOLD" --holds "$ACCURACY_HOLDS_MS"
say "done in $((SECONDS / 60)) min $((SECONDS % 60)) s"

# shellcheck shell=bash
# Configuration P (optional: --configs "A B C P"): the console tool alone,
# `NeTracker.Probe watch --interface VETH --format jsonl` writing to a file. Same kernel program
# and probe as (B) without the dashboard's store, history and hub: the difference between (P)
# and (B) is what the dashboard adds.

PROBE_DLL="$ROOT/NeTracker.Probe/bin/$BUILD_CONFIG/net10.0/NeTracker.Probe.dll"

probecli_up() {
	local round="$1" i
	PROBE_OUT="$WORK/probe-$round.jsonl"
	dotnet "$PROBE_DLL" watch --interface "$VETH" --format jsonl --instance "benchp$(printf '%04x' $((RANDOM % 65536)))" \
		>"$PROBE_OUT" 2>"$WORK/probe-$round.err" &
	WATCHED_PID=$!
	WATCHED_NAME=NeTracker.Probe
	track "$WATCHED_PID"
	for i in $(seq 1 300); do
		grep -q "^watching" "$WORK/probe-$round.err" && return 0
		kill -0 "$WATCHED_PID" 2>/dev/null || die "the console probe failed: $(cat "$WORK/probe-$round.err")"
		sleep 0.1
	done
	die "the console probe did not attach within 30 s: $(cat "$WORK/probe-$round.err")"
}

# SIGTERM: it detaches, flushes and prints its summary (with losses) on stderr.
probecli_down() {
	local round="$1"
	sleep 1 # the trace reader's last lines
	stop_pid "$WATCHED_PID" TERM 150
	record P "$round" probe_output 0 "\"file\":\"$PROBE_OUT\",\"err\":\"$WORK/probe-$round.err\""
	if [ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ]; then
		say "warning: the console probe left its filters on $VETH; removing the clsact qdisc of our veth"
		record P 0 leftover_filters 1
		tc qdisc del dev "$VETH" clsact 2>/dev/null || true
	fi
	WATCHED_PID=""
}

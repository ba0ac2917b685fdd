# shellcheck shell=bash
# Configurations P and T: the console tool alone,
#   NeTracker.Probe watch --interface VETH --format jsonl --transport ringbuf   (P)
#   NeTracker.Probe watch --interface VETH --format jsonl --transport trace     (T)
# writing to a file. Same kernel program and probe as (B) without the dashboard's store, history
# and hub: P against B is what the dashboard adds, P against T is what the transport costs.
# A fresh process per round, warmed up (JIT, first-use paths) on connections that are not part of
# the round, so the round's CPU is the steady-state cost per connection.

PROBE_DLL="$ROOT/NeTracker.Probe/bin/$BUILD_CONFIG/net10.0/NeTracker.Probe.dll"
# Long enough for tiered compilation to settle: `perf record -p PROBE` put libclrjit.so at 23 % of
# the probe's samples 2 s after its start and at 0.5 % after 7 s. A probe runs for days; its
# start-up JIT is no cost per connection (the dashboard gets WARMUP_SECONDS once, likewise).
PROBE_WARMUP_SECONDS=6

probe_transport() {
	case "$1" in
	P) echo ringbuf ;;
	T) echo trace ;;
	*) die "no transport for configuration $1" ;;
	esac
}

#   probecli_up CFG ROUND   → WATCHED_PID, PROBE_INSTANCE, PROBE_CPU0, PROBE_ROUND_START_NS
probecli_up() {
	local cfg="$1" round="$2"
	PROBE_OUT="$WORK/probe-$cfg-$round.jsonl"
	PROBE_ERR="$WORK/probe-$cfg-$round.err"
	PROBE_INSTANCE="bench$(printf '%04x' $((RANDOM % 65536)))"
	# Ctrl-C or a failure mid-round: stop the tool (it detaches) and remove what it would have.
	on_exit "probecli_cleanup $PROBE_INSTANCE"
	watch_start "$PROBE_DLL" "$(probe_transport "$cfg")" "$PROBE_INSTANCE" "$PROBE_OUT" "$PROBE_ERR"
	WATCHED_PID="$WATCH_PID"
	WATCHED_NAME=NeTracker.Probe
	"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 2 "$PROBE_WARMUP_SECONDS" >/dev/null
	# Every warm-up connection had closed when ntb-conn returned: the round counts only records
	# that started after this instant.
	PROBE_ROUND_START_NS="$(now_ns)"
	wait_quiet "$PROBE_OUT"
	PROBE_CPU0="$(cpu_ticks "$WATCHED_PID")"
}

# SIGTERM: it detaches, flushes and prints its summary (with losses) on stderr.
probecli_down() {
	local cfg="$1" round="$2"
	wait_quiet "$PROBE_OUT" # the reader's last events
	record "$cfg" "$round" round_cpu "$(($(cpu_ticks "$WATCHED_PID") - PROBE_CPU0))" "\"clk_tck\":$CLK_TCK"
	stop_pid "$WATCHED_PID" TERM 150
	record "$cfg" "$round" probe_output 0 "\"file\":\"$PROBE_OUT\",\"err\":\"$PROBE_ERR\",\"start_ns\":$PROBE_ROUND_START_NS"
	probe_leftovers "$cfg" "$PROBE_INSTANCE"
	WATCHED_PID=""
}

# Only does something when the run is interrupted inside a P/T round.
probecli_cleanup() {
	if [ -n "${WATCHED_PID:-}" ] && [ "${WATCHED_NAME:-}" = NeTracker.Probe ]; then
		stop_pid "$WATCHED_PID" TERM 150
		WATCHED_PID=""
	fi
	netracker_leftovers "$1"
}

# What `watch` must have removed on exit: its filters, the clsact qdisc it added, its pins and
# tracefs instance. Anything left is a finding (recorded) and is removed so the next round starts clean.
probe_leftovers() {
	local cfg="$1" inst="$2"
	if [ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ] || tc qdisc show dev "$VETH" | grep -q clsact; then
		say "warning: the console probe ($cfg) left its filters or clsact qdisc on $VETH; removing the qdisc of our veth"
		record "$cfg" 0 leftover_filters 1
		tc qdisc del dev "$VETH" clsact 2>/dev/null || true
	fi
	if [ -e "/sys/fs/bpf/netracker/$inst" ] || [ -e "/sys/kernel/tracing/instances/netracker-$inst" ]; then
		record "$cfg" 0 leftover_pins 1 "\"instance\":\"$inst\""
	fi
	netracker_leftovers "$inst"
}

# shellcheck shell=bash
# Configuration C: libbpf-tools tcplife, the standard tool for the same question, for comparison.
# It traces sock:inet_sock_set_state for every socket on the host; -D keeps the client sockets
# of our three short-connection ports (one line per connection, the closest to NeTracker's one
# record per connection). Output goes to a file, block-buffered, as one would log it.

tcplife_up() {
	local round="$1" i
	TCPLIFE_OUT="$WORK/tcplife-$round.txt"
	"$TCPLIFE" -D "$PORT_HTTP,$PORT_CLOSE,$PORT_HOLD" >"$TCPLIFE_OUT" 2>"$WORK/tcplife-$round.err" &
	WATCHED_PID=$!
	WATCHED_NAME=tcplife
	track "$WATCHED_PID"
	# Attached once its programs are loaded and held by the process.
	for i in $(seq 1 100); do
		if [ "$("$BENCH/lib/bpfstats.py" --pid "$WATCHED_PID")" != "{}" ]; then
			sleep 0.2
			TCPLIFE_CPU0="$(cpu_ticks "$WATCHED_PID")"
			return 0
		fi
		kill -0 "$WATCHED_PID" 2>/dev/null || die "tcplife failed: $(cat "$WORK/tcplife-$round.err")"
		sleep 0.1
	done
	die "tcplife did not attach within 10 s"
}

# SIGINT makes tcplife leave its loop and flush what it buffered.
tcplife_down() {
	local round="$1"
	record C "$round" round_cpu "$(($(cpu_ticks "$WATCHED_PID") - TCPLIFE_CPU0))" "\"clk_tck\":$CLK_TCK"
	stop_pid "$WATCHED_PID" INT
	record C "$round" tcplife_output 0 "\"file\":\"$TCPLIFE_OUT\",\"err\":\"$WORK/tcplife-$round.err\""
	WATCHED_PID=""
}

# shellcheck shell=bash
# The traffic each configuration is measured with. Every function records its figures with
# `record`; what needs the configuration's own output (records, tcplife lines) is recorded as
# an artifact path and matched by bench/report.py afterwards.

CLK_TCK="$(getconf CLK_TCK)"

# Short connections at the highest rate this machine sustains: wrk (HTTP, Connection: close)
# then the plain connect/close client. Also: connections made (PassiveOpens), CPU of the
# watched process and BPF program counters over exactly this window.
run_rate() {
	local cfg="$1" round="$2" p0 p1 c0 c1 t0 t1 out rps
	p0="$(passive_opens)"
	c0="$(watched_cpu)"
	s0="$(helper_cpu)"
	d0="$(dashboard_cpu)"
	bpf_snapshot "$cfg" "$round" before
	t0="$(now_ns)"

	out="$(wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" -H "Connection: close" "http://$SERVER_IP:$PORT_HTTP/")"
	rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
	[ -n "$rps" ] || die "wrk printed no rate: $out"
	record "$cfg" "$round" wrk_rps "$rps"
	grep -q "Socket errors" <<<"$out" && record "$cfg" "$round" wrk_socket_errors 1 "\"text\":\"$(grep 'Socket errors' <<<"$out" | tr -d '"')\""

	out="$("$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 "$SECONDS_PER_RUN")"
	record "$cfg" "$round" conn_rate "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rate"])' "$out")" "\"detail\":$out"

	t1="$(now_ns)"
	bpf_snapshot "$cfg" "$round" after
	c1="$(watched_cpu)"
	s1="$(helper_cpu)"
	d1="$(dashboard_cpu)"
	p1="$(passive_opens)"
	record "$cfg" "$round" rate_window "$(( (t1 - t0) / 1000 ))" "\"unit\":\"us\",\"made\":$((p1 - p0)),\"cpu_ticks\":$((c1 - c0)),\"helper_cpu_ticks\":$((s1 - s0)),${DASH_MAIN_PID:+\"dashboard_cpu_ticks\":$((d1 - d0)),}\"clk_tck\":$CLK_TCK,\"watched\":\"${WATCHED_NAME:-}\""
}

# One second of connections before measuring: caches, JIT and the configuration's first-use
# paths are warm in every configuration alike.
warm_up() {
	"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 2 1 >/dev/null
}

# BURST_COUNT connections opened BURST_THREADS at a time (the server closes first): a burst of
# concurrent closes, the case that fills a ring buffer or a trace buffer faster than it drains.
# Its connections count in the round's made/reported like every other short connection.
run_burst() {
	local cfg="$1" round="$2" out p0
	[ "$BURST_COUNT" -gt 0 ] || return 0
	p0="$(passive_opens)"
	out="$("$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" "$BURST_THREADS" 60 -1 "$BURST_COUNT")"
	record "$cfg" "$round" burst_rate "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["rate"])' "$out")" \
		"\"detail\":$out,\"made\":$(($(passive_opens) - p0))"
}

run_bulk() {
	local cfg="$1" round="$2" out bps
	out="$(iperf3 -c "$SERVER_IP" -p "$PORT_IPERF" -t "$SECONDS_PER_RUN" -J)"
	bps="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])' <<<"$out")"
	record "$cfg" "$round" iperf_bps "$bps"
}

# Connections held a known time, captured by tcpdump on the veth: the pcap is the ground truth
# for durations (first SYN → FIN of the second side) that report.py compares with what the
# configuration reported.
run_accuracy() {
	local cfg="$1" round="$2" pcap="$WORK/acc-$cfg-$round.pcap" pid p0 p1 hold
	p0="$(passive_opens)"
	tcpdump -i "$VETH" -n -s 128 -B 16384 -U --immediate-mode --time-stamp-precision=nano -w "$pcap" \
		"tcp port $PORT_HOLD" >"$WORK/tcpdump.log" 2>&1 &
	pid=$!
	track "$pid"
	wait_tcpdump "$pid" "$pcap"
	for hold in $ACCURACY_HOLDS_MS; do
		"$WORK/ntb-conn" "$SERVER_IP" "$PORT_HOLD" "$ACCURACY_THREADS" 60 "$hold" "$ACCURACY_COUNT" >/dev/null
	done
	sleep 1 # the server's FINs of the last connections, on a busy machine
	stop_pid "$pid" INT
	p1="$(passive_opens)"
	record "$cfg" "$round" accuracy_pcap 0 "\"pcap\":\"$pcap\",\"made\":$((p1 - p0))"
}

# "listening on" is not proof enough on a loaded machine (captures began late): the capture runs
# once a connection made now shows up in the file (-U writes every packet at once).
wait_tcpdump() {
	local i
	for i in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || die "tcpdump failed: $(cat "$WORK/tcpdump.log")"
		if grep -q "listening on" "$WORK/tcpdump.log"; then
			"$WORK/ntb-conn" "$SERVER_IP" "$PORT_HOLD" 1 5 0 1 >/dev/null
			sleep 0.1
			[ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -gt 24 ] && return 0
		fi
		sleep 0.1
	done
	die "tcpdump did not capture within 10 s"
}

# The hub subscriber of (B): not NeTracker, but it shares the machine, so its CPU is shown too.
helper_cpu() {
	if [ -n "${HELPER_PID:-}" ]; then cpu_ticks "$HELPER_PID"; else echo 0; fi
}

# The long-running dashboard, whatever the configuration (idle and detached in A and C).
dashboard_cpu() {
	if [ -n "${DASH_MAIN_PID:-}" ]; then cpu_ticks "$DASH_MAIN_PID"; else echo 0; fi
}

watched_cpu() {
	if [ -n "${WATCHED_PID:-}" ]; then cpu_ticks "$WATCHED_PID"; else echo 0; fi
}

bpf_snapshot() {
	local json
	case "$1" in
	B | P | T) json="$("$BENCH/lib/bpfstats.py" --dev "$VETH")" ;;
	C) json="$("$BENCH/lib/bpfstats.py" --pid "$WATCHED_PID")" ;;
	*) return 0 ;;
	esac
	record "$1" "$2" "bpf_$3" 0 "\"progs\":$json"
}

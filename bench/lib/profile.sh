# shellcheck shell=bash
# Where the dashboard's CPU goes: perf samples of the long-running dashboard during one extra,
# unmeasured (B) run at the highest rate, split by bench/report/perfsplit.py into the parts of
# the pipeline. The dashboard runs with DOTNET_PerfMapEnabled=1 (and W^X off) so perf can name
# JIT-compiled frames.

PROFILE_SECONDS=12

profile_env() {
	[ "$PROFILE" -eq 1 ] && echo "DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0"
}

run_profile() {
	local pid perf_data="$WORK/perf.data"
	command -v perf >/dev/null || { say "perf not installed: no CPU breakdown"; return 0; }
	say "profiling the dashboard for $PROFILE_SECONDS s (perf, not part of the measured rounds)"
	on_exit "rm -f /tmp/perf-$DASH_MAIN_PID.map /tmp/perfinfo-$DASH_MAIN_PID.map"
	netracker_up 0
	"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 4 $((PROFILE_SECONDS + 2)) >/dev/null &
	pid=$!
	sleep 1
	perf record -F 999 -g -p "$DASH_MAIN_PID" -o "$perf_data" -- sleep "$PROFILE_SECONDS" >/dev/null 2>&1 || true
	wait "$pid" || true
	netracker_down 0
	perf script -i "$perf_data" 2>/dev/null >"$WORK/perf.txt" || true
	record P 0 profile 0 "\"split\":$(python3 "$BENCH/report/perfsplit.py" "$WORK/perf.txt")"
}

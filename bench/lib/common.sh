# shellcheck shell=bash
# Shared helpers of bench/run.sh: messages, raw result lines, process bookkeeping, cleanup.

say() { printf '\033[1;35m[bench]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[bench] error:\033[0m %s\n' "$*" >&2; exit 1; }

# One JSON line per measurement; bench/report.py aggregates them into medians and ranges.
#   record CONFIG ROUND METRIC VALUE [EXTRA_JSON_FIELDS]
record() {
	printf '{"config":"%s","round":%s,"metric":"%s","value":%s%s}\n' \
		"$1" "$2" "$3" "$4" "${5:+,$5}" >>"$WORK/raw.jsonl"
}

# Processes this run started; killed (by pid, never by name) on exit.
STARTED_PIDS=()
track() {
	STARTED_PIDS+=("$1")
	disown "$1" 2>/dev/null || true # no "Killed" job notices when cleanup stops it
}

# stop_pid PID [SIGNAL] [TENTHS_OF_A_SECOND to wait before SIGKILL, default 50]
stop_pid() {
	local pid="$1" sig="${2:-TERM}" wait="${3:-50}" i
	kill -0 "$pid" 2>/dev/null || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	for i in $(seq 1 "$wait"); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	[ "$sig" = KILL ] || say "warning: pid $pid did not stop within $((wait / 10)) s of SIG$sig; killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

# Cleanup steps registered as the run goes; run in reverse order on EXIT/INT/TERM.
CLEANUPS=()
on_exit() { CLEANUPS+=("$1"); }

run_cleanups() {
	local rc=$? i pid
	trap - EXIT INT TERM
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" || true
	done
	for pid in "${STARTED_PIDS[@]}"; do
		stop_pid "$pid" KILL
	done
	exit "$rc"
}

# utime+stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# PassiveOpens of the server namespace: every connection the servers accepted.
passive_opens() {
	ip netns exec "$NS" awk '/^Tcp:/ {
		if (!h) { for (i = 1; i <= NF; i++) if ($i == "PassiveOpens") c = i; h = 1 } else { print $c; exit }
	}' /proc/net/snmp
}

now_ns() { date +%s%N; }

# How busy the machine is with work that is not this run's: the share of all CPUs that was busy
# (not idle, not iowait) during IDLE_PROBE_SECONDS while the bench itself does nothing. The
# 1-minute load average cannot tell: it still holds the previous configuration's load runs,
# which keep every core busy, so it reads ~2-4 before a round even on an otherwise idle machine.
IDLE_PROBE_SECONDS=1
others_cpu_pct() {
	local a b
	a="$(head -1 /proc/stat)"
	sleep "$IDLE_PROBE_SECONDS"
	b="$(head -1 /proc/stat)"
	awk -v a="$a" -v b="$b" 'BEGIN {
		n = split(a, x); split(b, y); total = 0; idle = 0
		for (i = 2; i <= n; i++) { d = y[i] - x[i]; if (i <= 9) total += d; if (i == 5 || i == 6) idle += d }
		printf "%.1f\n", (total > 0 ? 100 * (total - idle) / total : 0)
	}'
}

# Waits (up to MAX seconds) for a second in which other work used under 10 % of the CPUs: after
# this run's own start-up (builds, the dashboard's warm-up, whose tiered JIT, history commit and
# checkpoint go on for seconds after its last connection) so that the first round does not start
# on a machine still busy with it — and is then flagged busy for it.
settle() {
	local max="$1" i pct
	for i in $(seq 1 "$max"); do
		pct="$(others_cpu_pct)"
		awk -v p="$pct" 'BEGIN { exit !(p < 10) }' && return 0
	done
	say "the machine did not settle under 10 % within $max s (last second: $pct %); going on"
}

require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c not found: run through ./netracker.sh bench, which installs it."
	done
}

# libbpf-tools installs tcplife in /usr/sbin on Debian; other layouts keep it elsewhere.
find_tcplife() {
	local p
	for p in "$(command -v tcplife 2>/dev/null)" /usr/sbin/tcplife /usr/share/libbpf-tools/tcplife \
		/usr/lib/libbpf-tools/tcplife "$(dpkg -L libbpf-tools 2>/dev/null | grep '/tcplife$' | head -1)"; do
		[ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
	done
	return 1
}

# The start of a side script (bpf_ab.sh, bpf_profile.sh, probe_profile.sh): root, its tools, the
# Release build of the probe, and a work directory removed on exit. Sets PROBE_DIR and WORK.
#   side_script_start "WHY ROOT" WORK_PREFIX TOOL...
side_script_start() {
	local why="$1" prefix="$2"
	shift 2
	[ "$(id -u)" -eq 0 ] || die "run as root ($why)."
	require "$@"
	PROBE_DIR="$ROOT/NeTracker.Probe/bin/Release/net10.0"
	[ -f "$PROBE_DIR/NeTracker.Probe.dll" ] || die "build first: dotnet build NeTracker.slnx -c Release"
	WORK="$(mktemp -d "/tmp/$prefix.XXXXXX")"
	trap run_cleanups EXIT
	trap 'exit 130' INT TERM
	on_exit "rm -rf '$WORK'"
}

# Starts the console probe watching $VETH (jsonl into OUT, messages into ERR) and returns once it
# is attached. Sets WATCH_PID.
#   watch_start DLL TRANSPORT INSTANCE OUT ERR
watch_start() {
	local dll="$1" transport="$2" instance="$3" out="$4" err="$5" i
	dotnet "$dll" watch --interface "$VETH" --format jsonl --transport "$transport" --instance "$instance" >"$out" 2>"$err" &
	WATCH_PID=$!
	track "$WATCH_PID"
	for i in $(seq 1 300); do
		grep -qs "^watching" "$err" && return 0
		kill -0 "$WATCH_PID" 2>/dev/null || die "the console probe ($transport) failed: $(cat "$err")"
		sleep 0.1
	done
	die "the console probe ($transport) did not attach within 30 s: $(cat "$err")"
}

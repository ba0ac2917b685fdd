# shellcheck shell=bash
# Configuration B: the real dashboard process (NeTracker.Web with its in-process probe, store,
# history and hub) attached to the veth through its configuration (NeTracker:Interfaces), plus
# a real SignalR subscriber (bench/NeTracker.Bench) on /hubs/connections. Both are started once
# and warmed up; the dashboard is attached only during (B) rounds (below).

BUILD_CONFIG="${NETRACKER_CONFIGURATION:-Release}"
WEB_DLL="$ROOT/NeTracker.Web/bin/$BUILD_CONFIG/net10.0/NeTracker.Web.dll"
BENCH_DLL="$BENCH/NeTracker.Bench/bin/$BUILD_CONFIG/net10.0/NeTracker.Bench.dll"

# Builds when an output is missing or older than a source of the probe, the kernel program,
# the dashboard or the bench tool (so a run never measures a stale build).
ensure_built() {
	local dll oldest=""
	for dll in "$WEB_DLL" "$BENCH_DLL" "$ROOT/NeTracker.Probe/bin/$BUILD_CONFIG/net10.0/NeTracker.Probe.dll"; do
		[ -f "$dll" ] || { oldest=""; break; }
		[ -z "$oldest" ] || [ "$dll" -ot "$oldest" ] && oldest="$dll"
	done
	if [ -n "$oldest" ] && [ -z "$(find "$ROOT/bpf" "$ROOT/NeTracker.Probe" "$ROOT/NeTracker.Web" "$BENCH/NeTracker.Bench" \
		\( -name bin -o -name obj \) -prune -o -type f -newer "$oldest" -print -quit)" ]; then
		return 0
	fi
	say "building NeTracker.Web, NeTracker.Probe and NeTracker.Bench ($BUILD_CONFIG)"
	dotnet build "$ROOT/NeTracker.Web/NeTracker.Web.csproj" -c "$BUILD_CONFIG" -nologo -v quiet >&2 || die "build failed"
	dotnet build "$BENCH/NeTracker.Bench/NeTracker.Bench.csproj" -c "$BUILD_CONFIG" -nologo -v quiet >&2 || die "build failed"
}

# A dashboard of our own: loopback port, temp data dir, test instance name, an API key.
#   dashboard_start NAME [extra NAME=VALUE environment...]  → DASH_PID, DASH_URL, DASH_INSTANCE
dashboard_start() {
	local name="$1" port i
	shift
	port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
	DASH_URL="http://127.0.0.1:$port"
	DASH_INSTANCE="bench$(printf '%04x' $((RANDOM % 65536)))"
	mkdir -p "$WORK/data-$name"
	on_exit "netracker_leftovers $DASH_INSTANCE"
	(cd "$ROOT/NeTracker.Web" && exec env ASPNETCORE_ENVIRONMENT=Production \
		Kestrel__Endpoints__Http__Url="$DASH_URL" \
		NeTracker__InstanceName="$DASH_INSTANCE" \
		NeTracker__DataDirectory="$WORK/data-$name" \
		NeTracker__Security__AdminPassword="$API_KEY" \
		NeTracker__Security__ApiKeys__0__Name=bench \
		NeTracker__Security__ApiKeys__0__Key="$API_KEY" \
		Logging__LogLevel__Default=Warning \
		"$@" dotnet "$WEB_DLL") >"$WORK/dashboard-$name.log" 2>&1 &
	DASH_PID=$!
	track "$DASH_PID"
	for i in $(seq 1 300); do
		# Up once it answers at all (/healthz itself may say Degraded while the probe starts).
		case "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Api-Key: $API_KEY" "$DASH_URL/healthz" 2>/dev/null)" in
		2?? | 3?? | 4??) return 0 ;;
		esac
		kill -0 "$DASH_PID" 2>/dev/null || die "the dashboard exited: $(tail -20 "$WORK/dashboard-$name.log")"
		sleep 0.1
	done
	die "the dashboard did not answer /healthz within 30 s: $(tail -20 "$WORK/dashboard-$name.log")"
}

dashboard_stop() {
	stop_pid "$DASH_PID" TERM 150
}

# One dashboard for the whole run, like a dashboard that runs for weeks: started once, warmed up
# (JIT, caches) on an unmeasured attach, then attached only during (B) rounds through its REST
# API and detached after. Its CPU during (A) and (C) is recorded too (it should be ~0).
netracker_start() {
	# shellcheck disable=SC2046 # profile_env prints NAME=VALUE words (or nothing)
	dashboard_start main $(profile_env)
	DASH_MAIN_PID="$DASH_PID"
	on_exit "stop_pid $DASH_PID TERM 150; netracker_leftovers $DASH_INSTANCE"
	subscriber_start
	say "warming up the dashboard and the subscriber ($WARMUP_SECONDS s of connections, not measured)"
	dashboard_attach
	"$WORK/ntb-conn" "$SERVER_IP" "$PORT_CLOSE" 2 "$WARMUP_SECONDS" >/dev/null
	wait_drained 120
	dashboard_detach
}

# One hub subscriber for the whole run, like the dashboard: started once with the MessagePack
# protocol (what the README recommends to a subscriber that takes every record) and warmed up with
# it, in the hub's compact record form (--form compact: under a third of the bytes and about a
# quarter of the hub's encoding CPU of the map form). A subscriber started per round spent most of its CPU compiling itself (JIT) in the round —
# on the cores the workload needs. SIGHUP moves it to the next file (subscriber-N.raw). It keeps
# each batch as the bytes the hub sent (messagepack-raw); subscriber_decode turns the files into
# JSON lines after the rounds: decoding every record into objects in the round cost the two shared
# cores ~6 µs per connection, more than half of what the dashboard itself spends (bench/FINDINGS.md).
subscriber_start() {
	SUB_SEQ=0
	SUB_PATTERN="$WORK/subscriber-{n}.raw"
	dotnet "$BENCH_DLL" subscribe --hub "$DASH_URL/hubs/connections" --key "$API_KEY" --out "$SUB_PATTERN" \
		--protocol messagepack-raw --form compact >"$WORK/subscriber.log" 2>&1 &
	SUB_PID=$!
	track "$SUB_PID"
	on_exit "stop_pid $SUB_PID TERM"
	for i in $(seq 1 200); do
		grep -q subscribed "$WORK/subscriber.log" && return 0
		kill -0 "$SUB_PID" 2>/dev/null || die "the hub subscriber failed: $(cat "$WORK/subscriber.log")"
		sleep 0.1
	done
	die "the hub subscriber did not subscribe within 20 s"
}

netracker_up() {
	local round="$1" i
	kill -0 "$SUB_PID" 2>/dev/null || die "the hub subscriber is gone: $(cat "$WORK/subscriber.log")"
	SUB_SEQ=$((SUB_SEQ + 1))
	SUB_OUT="$WORK/subscriber-$SUB_SEQ.raw"
	kill -HUP "$SUB_PID"
	for i in $(seq 1 100); do
		[ -e "$SUB_OUT" ] && break
		[ "$i" -eq 100 ] && die "the hub subscriber did not open $SUB_OUT"
		sleep 0.05
	done
	fetch_stats "$WORK/stats-$round-before.json"
	ROUND_CPU0="$(cpu_ticks "$DASH_PID")"
	dashboard_attach
	WATCHED_PID="$DASH_PID"
	WATCHED_NAME=NeTracker.Web
	HELPER_PID="$SUB_PID"
}

# Ends a (B) round only when everything is delivered and stored, so no deferred work (hub
# backlog, history writes) spills into the next configuration's round; the CPU of the whole
# round, drain included, is the all-in cost per connection.
netracker_down() {
	local round="$1"
	wait_quiet "$SUB_OUT"
	wait_drained 180
	dashboard_detach
	record B "$round" round_cpu "$(($(cpu_ticks "$DASH_PID") - ROUND_CPU0))" "\"clk_tck\":$CLK_TCK,\"drain_ms\":${DRAIN_MS:-0}"
	fetch_stats "$WORK/stats-$round.json"
	record B "$round" probe_stats 0 "\"stats\":$(cat "$WORK/stats-$round.json"),\"before\":$(cat "$WORK/stats-$round-before.json")"
	record B "$round" netracker_output 0 "\"file\":\"${SUB_OUT%.raw}.jsonl\""
	WATCHED_PID="" HELPER_PID=""
}

# After every round: each subscriber file as the JSON lines bench/report.py reads.
# The files hold the hub's compact records (SubscribeCompact, docs/api.md); decode checks their
# schema marker and writes the same JSON lines the map form gives.
subscriber_decode() {
	local raw
	for raw in "$WORK"/subscriber-*.raw; do
		[ -e "$raw" ] || continue
		dotnet "$BENCH_DLL" decode --in "$raw" --out "${raw%.raw}.jsonl" || die "decoding $raw failed"
	done
}

# After the rate runs: how long until every record reached the subscriber and history.
netracker_drain() {
	local t0
	t0="$(now_ns)"
	wait_quiet "$SUB_OUT"
	wait_drained 180
	# wait_quiet needs 2 s without growth to be sure; that confirmation is not drain time.
	DRAIN_MS=$(( ($(now_ns) - t0) / 1000000 - 2000 ))
	[ "$DRAIN_MS" -ge 0 ] || DRAIN_MS=0
}

dashboard_attach() {
	local i code
	code="$(curl -s -o "$WORK/attach.json" -w '%{http_code}' -X POST -H "X-Api-Key: $API_KEY" \
		"$DASH_URL/api/interfaces/$VETH/attach")"
	[ "$code" = 200 ] || die "attaching $VETH through the API failed ($code): $(cat "$WORK/attach.json")"
	for i in $(seq 1 100); do
		[ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ] && return 0
		sleep 0.1
	done
	die "the dashboard said attached, but $VETH has no BPF filters"
}

dashboard_detach() {
	local code
	code="$(curl -s -o "$WORK/detach.json" -w '%{http_code}' -X POST -H "X-Api-Key: $API_KEY" \
		"$DASH_URL/api/interfaces/$VETH/detach")"
	[ "$code" = 200 ] || die "detaching $VETH through the API failed ($code): $(cat "$WORK/detach.json")"
	if [ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ]; then
		say "warning: $VETH still has BPF filters after detach; removing the clsact qdisc of our veth"
		record B 0 leftover_filters 1
		tc qdisc del dev "$VETH" clsact 2>/dev/null || true
	fi
}

# Nothing waiting in the history writer (and ingest caught up with the probe).
wait_drained() {
	local i queued
	for i in $(seq 1 "$1"); do
		fetch_stats "$WORK/stats-now.json"
		queued="$(stat_value "$WORK/stats-now.json" history.queued)"
		[ "${queued:-0}" -eq 0 ] && return 0
		sleep 1
	done
	say "warning: the history writer still had ${queued:-?} records queued after $1 s"
}

# The subscriber's file has stopped growing for 2 s: every record that will come has come.
wait_quiet() {
	local last=-1 size quiet=0 i
	for i in $(seq 1 300); do
		size="$(stat -c %s "$1" 2>/dev/null || echo 0)"
		if [ "$size" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
		[ "$quiet" -ge 20 ] && return 0
		last="$size"
		sleep 0.1
	done
}

# What a stopped dashboard must have removed: its bpffs pins and its tracefs instance.
netracker_leftovers() {
	local inst="$1"
	if [ -e "/sys/fs/bpf/netracker/$inst" ]; then
		say "warning: /sys/fs/bpf/netracker/$inst was left behind; removing it"
		rm -rf "/sys/fs/bpf/netracker/$inst"
	fi
	if [ -e "/sys/kernel/tracing/instances/netracker-$inst" ]; then
		say "warning: tracefs instance netracker-$inst was left behind; removing it"
		echo 0 >"/sys/kernel/tracing/instances/netracker-$inst/events/bpf_trace/bpf_trace_printk/enable" 2>/dev/null || true
		rmdir "/sys/kernel/tracing/instances/netracker-$inst" 2>/dev/null \
			|| say "warning: could not remove tracefs instance netracker-$inst"
	fi
}

fetch_stats() {
	curl -fsS -H "X-Api-Key: $API_KEY" "$DASH_URL/api/stats" >"$1" 2>/dev/null || echo '{}' >"$1"
}

# A number from a JSON file by dotted path; names compared without case or underscores.
stat_value() {
	python3 - "$1" "$2" <<'PY'
import json, sys
norm = lambda k: k.replace("_", "").lower()
o = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    o = next((v for k, v in o.items() if norm(k) == norm(part)), None) if isinstance(o, dict) else None
print(int(o) if isinstance(o, (int, float)) else "")
PY
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

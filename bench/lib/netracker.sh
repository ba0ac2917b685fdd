# shellcheck shell=bash
# Configuration B: the real dashboard process (NeTracker.Web with its in-process probe, store,
# history and hub) attached to the veth through its configuration (NeTracker:Interfaces), plus
# a real SignalR subscriber (bench/NeTracker.Bench) on /hubs/connections. A fresh process per
# round, started before and stopped after, so (A) and (C) run with no NeTracker process at all.

BUILD_CONFIG="${NETRACKER_CONFIGURATION:-Release}"
WEB_DLL="$ROOT/NeTracker.Web/bin/$BUILD_CONFIG/net10.0/NeTracker.Web.dll"
BENCH_DLL="$BENCH/NeTracker.Bench/bin/$BUILD_CONFIG/net10.0/NeTracker.Bench.dll"

ensure_built() {
	[ -f "$WEB_DLL" ] && [ -f "$BENCH_DLL" ] && return 0
	say "building NeTracker.Web and NeTracker.Bench ($BUILD_CONFIG)"
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
		curl -fsS -o /dev/null -H "X-Api-Key: $API_KEY" "$DASH_URL/healthz" 2>/dev/null && return 0
		kill -0 "$DASH_PID" 2>/dev/null || die "the dashboard exited: $(tail -20 "$WORK/dashboard-$name.log")"
		sleep 0.1
	done
	die "the dashboard did not answer /healthz within 30 s: $(tail -20 "$WORK/dashboard-$name.log")"
}

dashboard_stop() {
	stop_pid "$DASH_PID" TERM
}

netracker_up() {
	local round="$1" i
	dashboard_start "B$round" NeTracker__Interfaces__0="$VETH"
	for i in $(seq 1 100); do
		[ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ] && break
		[ "$i" -eq 100 ] && die "the dashboard did not attach to $VETH within 10 s: $(tail -20 "$WORK/dashboard-B$round.log")"
		sleep 0.1
	done
	SUB_OUT="$WORK/subscriber-$round.jsonl"
	dotnet "$BENCH_DLL" subscribe --hub "$DASH_URL/hubs/connections" --key "$API_KEY" --out "$SUB_OUT" \
		>"$WORK/subscriber-$round.log" 2>&1 &
	SUB_PID=$!
	track "$SUB_PID"
	for i in $(seq 1 200); do
		grep -q subscribed "$WORK/subscriber-$round.log" && break
		kill -0 "$SUB_PID" 2>/dev/null || die "the hub subscriber failed: $(cat "$WORK/subscriber-$round.log")"
		[ "$i" -eq 200 ] && die "the hub subscriber did not subscribe within 20 s"
		sleep 0.1
	done
	WATCHED_PID="$DASH_PID"
	WATCHED_NAME=NeTracker.Web
}

netracker_down() {
	local round="$1"
	wait_quiet "$SUB_OUT"
	curl -fsS -H "X-Api-Key: $API_KEY" "$DASH_URL/api/stats" >"$WORK/stats-$round.json" 2>/dev/null \
		|| echo '{}' >"$WORK/stats-$round.json"
	record B "$round" probe_stats 0 "\"stats\":$(cat "$WORK/stats-$round.json")"
	stop_pid "$SUB_PID" TERM
	dashboard_stop
	netracker_leftovers "$DASH_INSTANCE"
	record B "$round" netracker_output 0 "\"file\":\"$SUB_OUT\""
	if [ "$("$BENCH/lib/bpfstats.py" --dev "$VETH")" != "{}" ]; then
		say "warning: the dashboard left its filters on $VETH after stopping; removing the clsact qdisc of our veth"
		record B "$round" leftover_filters 1
		tc qdisc del dev "$VETH" clsact 2>/dev/null || true
	fi
	WATCHED_PID=""
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
		rmdir "/sys/kernel/tracing/instances/netracker-$inst" 2>/dev/null || true
	fi
}

# Memory with MEMORY_RECORDS stored records: a fresh dashboard (nothing attached) fed through
# its real ingest path by a synthetic agent (hub method Publish), RSS once it has settled.
run_memory() {
	local rss0 out i last=0 rss db
	dashboard_start mem
	sleep 2
	rss0="$(rss_kb "$DASH_PID")"
	out="$(dotnet "$BENCH_DLL" publish --hub "$DASH_URL/hubs/connections" --key "$API_KEY" \
		--count "$MEMORY_RECORDS" --batch 5000)" || die "publishing synthetic records failed: $out"
	# Ingest and the history writer finish in the background: wait until RSS stops moving.
	for i in $(seq 1 60); do
		sleep 1
		rss="$(rss_kb "$DASH_PID")"
		[ $((rss - last)) -lt $((last / 100 + 1)) ] && [ "$i" -ge 5 ] && break
		last="$rss"
	done
	curl -fsS -H "X-Api-Key: $API_KEY" "$DASH_URL/api/stats" >"$WORK/stats-mem.json" 2>/dev/null || echo '{}' >"$WORK/stats-mem.json"
	db="$(du -sk "$WORK/data-mem" | cut -f1)"
	record M 0 memory 0 "\"records\":$MEMORY_RECORDS,\"rss_mib\":$((rss / 1024)),\"rss_before_mib\":$((rss0 / 1024)),\"hwm_mib\":$(($(hwm_kb "$DASH_PID") / 1024)),\"data_dir_mib\":$((db / 1024)),\"publish\":$out,\"stats\":$(cat "$WORK/stats-mem.json"),\"method\":\"synthetic records published through the hub's agent path (Publish) into the real ingest, store and history\""
	dashboard_stop
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }

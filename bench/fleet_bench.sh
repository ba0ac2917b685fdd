#!/usr/bin/env bash
# Fleet mode (issue 17): two dashboard replicas sharing one PostgreSQL and one Redis, all started
# here on loopback (own data directories, free ports), removed at the end.
#
#   sudo bench/fleet_bench.sh [RECORDS_PER_PUBLISHER=125000] [LIVE_RATE=2000]
#
# 1. close → subscriber latency across replicas: a synthetic agent publishes records that end as
#    they are sent (LIVE_RATE records/s, 10 s) to replica 2; a hub subscriber on replica 1 writes
#    each record's arrival; p50/p95 of arrival − end_utc.
# 2. ingest: four synthetic agents (two per replica) publish RECORDS_PER_PUBLISHER records each as
#    fast as they are acknowledged (in fleet mode: once committed in PostgreSQL); rows/s from the
#    first publish to the last acknowledgement; CPU per row of the replicas and of PostgreSQL
#    (postmaster + its children, exited backends included) from /proc.
# 3. the kill test's counts: tests/…/Fleet/FleetReplicaTests (real agents on veths, a replica
#    SIGKILLed mid-traffic), its "made / stored" line.
# Prints one Markdown block for bench/RESULTS.md, "Fleet (issue 17)".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PER=${1:-125000}
LIVE=${2:-2000}
KEY=fleet-bench-key-0123456789abcdef0123
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
WORK=$(mktemp -d /tmp/nt-fleet-bench.XXXX)
chown postgres "$WORK"
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$WORK/pg/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14+$15+$16+$17}' "/proc/$1/stat"; }
pg_ticks() { # postmaster (with reaped children) + live children
	local pm t c
	pm=$(head -1 "$WORK/pg/postmaster.pid"); t=$(ticks "$pm")
	for c in $(pgrep -P "$pm"); do t=$((t + $(ticks "$c" 2>/dev/null || echo 0))); done
	echo "$t"
}
HZ=$(getconf CLK_TCK)

dotnet build NeTracker.slnx -c Release -nologo -v quiet >/dev/null
dotnet build bench/NeTracker.Bench -c Release -nologo -v quiet >/dev/null
WEB=$ROOT/NeTracker.Web/bin/Release/net10.0/NeTracker.Web.dll
BENCH=$ROOT/bench/NeTracker.Bench/bin/Release/net10.0/NeTracker.Bench.dll

PGPORT=$(free_port); RPORT=$(free_port)
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
# Defaults but for memory a small server would have; fsync on: the figures are for durable rows.
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
	-o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c shared_buffers=256MB -c max_wal_size=2GB" start >/dev/null
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE netracker"
CS="Host=127.0.0.1;Port=$PGPORT;Username=postgres;Database=netracker"
redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$WORK/redis.log" 2>&1 &
PIDS+=($!)

start_dashboard() { # N PORT
	mkdir -p "$WORK/d$1"
	ASPNETCORE_ENVIRONMENT=Production Kestrel__Endpoints__Http__Url="http://127.0.0.1:$2" \
	NeTracker__DataDirectory="$WORK/d$1" NeTracker__Live__LocalProbe=false \
	NeTracker__Live__Backplane=redis NeTracker__Live__Redis="127.0.0.1:$RPORT" \
	NeTracker__History__Provider=postgres NeTracker__History__Postgres__ConnectionString="$CS" \
	NeTracker__Security__AdminPassword=fleet-bench-admin-password NeTracker__Security__ApiKeys__0__Name=bench \
	NeTracker__Security__ApiKeys__0__Key=$KEY \
	dotnet "$WEB" >"$WORK/d$1.log" 2>&1 &
	PIDS+=($!)
	eval "D$1=$!"
	for _ in $(seq 1 600); do grep -q "Now listening" "$WORK/d$1.log" && return; sleep 0.1; done
	echo "dashboard $1 did not start"; cat "$WORK/d$1.log"; exit 1
}
P1=$(free_port); P2=$(free_port)
start_dashboard 1 "$P1"
start_dashboard 2 "$P2"
H1="http://127.0.0.1:$P1/hubs/connections"; H2="http://127.0.0.1:$P2/hubs/connections"
LOAD_BEFORE=$(uptime)

# 1. Latency across replicas.
dotnet "$BENCH" subscribe --hub "$H1" --key $KEY --out "$WORK/sub.jsonl" >"$WORK/sub.log" 2>&1 &
SUB=$!; PIDS+=($SUB)
for _ in $(seq 1 200); do grep -q subscribed "$WORK/sub.log" && break; sleep 0.1; done
sleep 0.5 # one ClusterGroupsMonitor interval: replica 2 learns that replica 1 has a subscriber
dotnet "$BENCH" publish --hub "$H2" --key $KEY --count $((LIVE * 10)) --batch 100 --live "$LIVE" --agent bench-live >/dev/null
sleep 2
kill -TERM $SUB; wait $SUB || true
LATENCY=$(python3 - "$WORK/sub.jsonl" <<'EOF'
import json, sys, datetime
lat = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    r = o["r"]
    if r["host"] != "bench-live":
        continue
    base, _, frac = r["end_utc"].rstrip("Z").partition(".")
    sec = datetime.datetime.strptime(base, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    end_ns = int(sec) * 10**9 + int(frac.ljust(9, "0")[:9] or 0)
    lat.append((o["arrived_ns"] - end_ns) / 1e6)
lat.sort()
pick = lambda q: lat[max(0, -(-len(lat) * q // 100) - 1)]
if not lat:
    print("no record arrived"); sys.exit(0)
print(f"{len(lat)} records received on replica 1 of those published to replica 2; p50 {pick(50):.1f} ms, p95 {pick(95):.1f} ms, max {lat[-1]:.1f} ms")
EOF
)

# 2. Ingest: four publishers, two per replica, as fast as acknowledged (= committed).
T1=$(ticks "$D1"); T2=$(ticks "$D2"); TP=$(pg_ticks)
ROWS0=$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d netracker -tAc "SELECT count(*) FROM connections")
START=$(date +%s.%N)
for i in 1 2 3 4; do
	hub=$H1; [ $((i % 2)) -eq 0 ] && hub=$H2
	dotnet "$BENCH" publish --hub "$hub" --key $KEY --count "$PER" --batch 5000 --agent "bench-$i" >"$WORK/pub$i.log" 2>&1 &
	PUBS+=($!)
done
for p in "${PUBS[@]}"; do wait "$p"; done
END=$(date +%s.%N)
LOAD_DURING=$(uptime)
T1b=$(ticks "$D1"); T2b=$(ticks "$D2")
ROWS=$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d netracker -tAc "SELECT count(*) - $ROWS0 FROM connections")
DUPES=$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d netracker -tAc "SELECT count(*) - count(DISTINCT (agent, run, seq)) FROM connections")
# The replicas' pooled backends exit when the replicas stop; only then is their CPU in the postmaster's cutime.
kill -TERM "$D1" "$D2"; wait "$D1" "$D2" 2>/dev/null || true
TPb=$(pg_ticks)
SIZE=$(psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d netracker -tAc "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'connections'::regclass")
SECS=$(python3 -c "print(f'{$END - $START:.1f}')")
RATE=$(python3 -c "print(f'{$ROWS / ($END - $START):,.0f}')")
CPU_D=$(python3 -c "print(f'{(($T1b - $T1) + ($T2b - $T2)) / $HZ / $ROWS * 1e6:.1f}')")
CPU_P=$(python3 -c "print(f'{($TPb - $TP) / $HZ / $ROWS * 1e6:.1f}')")

# 3. The kill test.
KILL=$(dotnet test tests/NeTracker.Kernel.Tests/NeTracker.Kernel.Tests.csproj -c Release --no-build \
	--filter "FullyQualifiedName~FleetReplicaTests" --logger "console;verbosity=detailed" 2>&1 | grep -o "fleet kill test:.*" | head -1 || true)
KILL=${KILL:-not run, see the test output}
LB=${LOAD_BEFORE##*load average: }
LD=${LOAD_DURING##*load average: }
echo "rate=$RATE rows=$ROWS secs=$SECS dupes=$DUPES cpu_d=$CPU_D cpu_p=$CPU_P latency=$LATENCY kill=$KILL load=$LB / $LD" >&2

cat <<EOF
## Fleet (issue 17)

\`sudo bench/fleet_bench.sh $PER $LIVE\` ($(date -u +%Y-%m-%dT%H:%MZ)): two replicas (\`NeTracker.Web\`, fleet mode) +
PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') (fsync on, shared_buffers 256MB) + Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2), all on this
2-core shared VM. Load average: before \`$LB\`, after the ingest run \`$LD\`.

| measure | figure |
| --- | --- |
| rows/s sustained into one PostgreSQL, 4 synthetic agents (2 per replica, 5 000-record batches, each acknowledged once committed) | $RATE rows/s ($ROWS rows in $SECS s; duplicates by key: $DUPES; $SIZE on the server) |
| CPU per row, the two replicas together | $CPU_D µs |
| CPU per row, PostgreSQL (postmaster and every backend) | $CPU_P µs |
| close → hub subscriber across replicas (published to replica 2 at $LIVE records/s, subscriber on replica 1, via Redis) | $LATENCY |
| kill test (\`FleetReplicaTests\`: real agents on veths, replica 2 SIGKILLed mid-traffic) | $KILL |
EOF

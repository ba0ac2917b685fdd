#!/usr/bin/env bash
# History store benchmark, 1 000 000 rows: sustained insert rate into SQLite, filtered queries,
# chart aggregates, and the peak memory of a full CSV export through the real app's endpoint.
#   sudo bench/history_bench.sh [OUTPUT.md]      (default bench/history-results.md)
# It runs the [Trait("Category","Bench")] test MillionRowBench (tests/NeTracker.Web.Tests/Api),
# which also runs in CI as the bounded-memory export test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/bench/history-results.md}")"
CONFIG="${NETRACKER_CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build "$ROOT/tests/NeTracker.Web.Tests/NeTracker.Web.Tests.csproj" -c "$CONFIG" -nologo -v quiet
rm -f "$OUT"
NETRACKER_BENCH_OUT="$OUT" dotnet test "$ROOT/tests/NeTracker.Web.Tests/NeTracker.Web.Tests.csproj" \
	-c "$CONFIG" --no-build --filter "Category=Bench" --logger "console;verbosity=normal"
{
	echo "Host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "Command: sudo bench/history_bench.sh ($CONFIG)"
} >>"$OUT"
cat "$OUT"

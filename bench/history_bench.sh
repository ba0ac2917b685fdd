#!/usr/bin/env bash
# History store benchmark (DuckDB): insert rate and CPU per record for 1 000 000 records through
# the store's writer, then the History page's queries (count, percentiles per bucket, heat map,
# filtered pages) and a CSV and a Parquet export of every row through the real app, with its
# resident memory, over 1 000 000 and over 10 000 000 stored rows.
#   sudo bench/history_bench.sh [OUTPUT.md] [ROWS...]     (default bench/history-results.md, 1000000 10000000)
# It runs the [Trait("Category","Bench")] test MillionRowBench (tests/NeTracker.Web.Tests/Benchmarks)
# once per size; with its default size it also runs in CI as the bounded-memory export test.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(realpath -m "${1:-$ROOT/bench/history-results.md}")"
shift || true
SIZES=("${@:-1000000 10000000}")
CONFIG="${NETRACKER_CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build "$ROOT/tests/NeTracker.Web.Tests/NeTracker.Web.Tests.csproj" -c "$CONFIG" -nologo -v quiet
rm -f "$OUT"
for rows in ${SIZES[*]}; do
	NETRACKER_BENCH_ROWS="$rows" NETRACKER_BENCH_OUT="$OUT" dotnet test "$ROOT/tests/NeTracker.Web.Tests/NeTracker.Web.Tests.csproj" \
		-c "$CONFIG" --no-build --filter "Category=Bench" --logger "console;verbosity=normal"
done
{
	echo "Host: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "Command: sudo bench/history_bench.sh ($CONFIG; sizes ${SIZES[*]})"
} >>"$OUT"
cat "$OUT"

#!/usr/bin/env bash
# NeTracker: one script to install what is missing, build, run the dashboard, test, benchmark.
#   sudo ./netracker.sh run              install, build, mount tracefs/bpffs, start the dashboard
#   sudo ./netracker.sh test             install (incl. chromium), build, run every test project,
#                                        then the kernel tests on Debian's 5.10 and 6.1 kernels
#   sudo ./netracker.sh probe ARGS...    the console tool (watch, attach, detach, status, agent)
#   sudo ./netracker.sh bench            the benchmark (writes bench/RESULTS.md)
#   ./netracker.sh package               the .deb and tarball in artifacts/ (packaging/build.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONFIG="${NETRACKER_CONFIGURATION:-Release}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf '\033[1;34m[netracker]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[netracker] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Debian package names: what building and running needs, and what tests add.
RUN_PACKAGES=(clang llvm libbpf-dev linux-libc-dev iproute2 bpftool)
TEST_PACKAGES=(chromium tcpdump tshark iperf3 docker-compose python3 postgresql redis-server prometheus zsh dnsmasq-base)
# The kernel matrix (tests/vm): QEMU guests on Debian's 5.10 and 6.1 kernels.
MATRIX_PACKAGES=(qemu-system-x86 busybox-static kmod cpio)
# The install test (tests/package): a clean Debian root for the .deb.
PACKAGE_TEST_PACKAGES=(debootstrap)
BENCH_PACKAGES=(wrk iperf3 libbpf-tools tcpdump postgresql redis-server)

preflight() {
	[ "$(uname -s)" = Linux ] || die "NeTracker needs Linux (found $(uname -s))."
	[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 $*): attaching eBPF programs needs CAP_BPF and CAP_NET_ADMIN."
	command -v dotnet >/dev/null || die "the .NET 10 SDK is not on PATH: install it (https://learn.microsoft.com/dotnet/core/install/linux) and try again."
	local major
	major="$(dotnet --version 2>/dev/null | cut -d. -f1)"
	[ "${major:-0}" -ge 10 ] || die "the .NET SDK is $(dotnet --version 2>/dev/null || echo missing); NeTracker needs 10 or newer."
}

# Installs the Debian packages that are not installed yet, with one apt-get update at most.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them: install them by hand."
	say "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || die "apt-get update failed: check the package sources."
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
		|| die "apt-get install ${missing[*]} failed."
}

# tracefs and bpffs: the probe mounts tracefs itself too, but `run` prepares both up front.
ensure_mounts() {
	if [ ! -e /sys/kernel/tracing/trace_pipe ]; then
		say "mounting tracefs at /sys/kernel/tracing"
		mount -t tracefs tracefs /sys/kernel/tracing || die "cannot mount tracefs (kernel without CONFIG_TRACING?)"
	fi
	if ! mount | grep -q ' /sys/fs/bpf type bpf'; then
		say "mounting bpffs at /sys/fs/bpf"
		mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs (kernel without CONFIG_BPF_SYSCALL?)"
	fi
}

build() {
	say "building ($CONFIG)"
	dotnet build "$ROOT/NeTracker.slnx" -c "$CONFIG" -nologo -v quiet "$@" || die "build failed"
}

cmd_run() {
	preflight "$@"
	ensure_packages "${RUN_PACKAGES[@]}"
	ensure_mounts
	build
	say "starting the dashboard (address from appsettings.json, loopback by default); Ctrl-C stops it"
	cd "$ROOT/NeTracker.Web"
	exec env ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" \
		dotnet "bin/$CONFIG/net10.0/NeTracker.Web.dll" "$@"
}

cmd_probe() {
	preflight "$@"
	ensure_packages "${RUN_PACKAGES[@]}"
	ensure_mounts
	if [ ! -f "$ROOT/NeTracker.Probe/bin/$CONFIG/net10.0/NeTracker.Probe.dll" ]; then
		build >&2
	fi
	# The tool's help names the command typed here (under dotnet it cannot see this script).
	NETRACKER_PROGRAM="$0 probe" exec dotnet "$ROOT/NeTracker.Probe/bin/$CONFIG/net10.0/NeTracker.Probe.dll" "$@"
}

cmd_test() {
	preflight "$@"
	ensure_packages "${RUN_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${MATRIX_PACKAGES[@]}" "${PACKAGE_TEST_PACKAGES[@]}"
	ensure_mounts
	build
	local results="$ROOT/TestResults"
	rm -rf "$results"
	export NETRACKER_CHROMIUM="${NETRACKER_CHROMIUM:-/usr/lib/chromium/chromium}"
	say "running every test project (results in TestResults/)"
	# One project at a time: the kernel and browser tests share the machine's two cores and
	# its trace buffers, and each project gets a results folder of its own.
	local rc=0 project name
	for project in "$ROOT"/tests/*/*.Tests.csproj; do
		name="$(basename "$project" .csproj)"
		say "testing $name"
		# A test that hangs is killed after 5 minutes and fails the run by name, rather than
		# holding it until CI's limit.
		dotnet test "$project" -c "$CONFIG" --no-build --logger "trx;LogFileName=$name.trx" \
			--blame-hang-timeout 5m --blame-hang-dump-type none \
			--results-directory "$results/$name" "$@" || rc=$?
	done
	# The kernel tests again, in VMs on Debian's 5.10 and 6.1 kernels; their trx files land in
	# TestResults/NeTracker.Kernel.Tests@linux-VERSION/ and count in the summary below.
	if [ "${NETRACKER_SKIP_MATRIX:-}" = 1 ]; then
		say "kernel matrix NOT run (NETRACKER_SKIP_MATRIX=1): only the host kernel was tested"
	else
		say "kernel matrix: the kernel tests on Debian's 5.10 and 6.1 kernels (tests/vm)"
		"$ROOT/tests/vm/matrix.sh" "$results" || rc=1
	fi
	# The .deb installed as a user would, in a clean Debian root (tests/package); its steps are
	# in TestResults/package/package.trx and count in the summary below.
	say "install test: the .deb in a clean Debian root (tests/package)"
	"$ROOT/tests/package/install_test.sh" "$results/package" || rc=1
	summarize "$results" || rc=1
	return $rc
}

# Sums the outcome counters of every .trx file: the last line is "N passed, N failed, N skipped".
# Run as root (CI), a skipped test is a failure: every skip in this suite is for want of root
# (kernel tests) or of a server this script installs (PostgreSQL, Redis for the fleet tests), so
# a root run that skipped one would pass without testing what it skipped. One exception: a kernel
# test that skips because the host's kernel lacks a feature ("kernel lacks ..."; sch_netem) counts
# as skipped when the same test passed on a kernel of the matrix ("NAME [linux VERSION]").
summarize() {
	python3 - "$1" <<'PY'
import glob, os, re, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
failures = []
files = glob.glob(sys.argv[1] + "/**/*.trx", recursive=True)
root = os.geteuid() == 0
trees = [ET.parse(f).getroot() for f in files]
passed_on_a_kernel = {re.sub(r" \[linux [^]]*\]$", "", r.get("testName"))
                      for tree in trees for r in tree.iterfind("t:Results/t:UnitTestResult", ns)
                      if r.get("outcome") == "Passed" and r.get("testName", "").endswith("]") and " [linux " in r.get("testName")}
for tree in trees:
    c = tree.find("t:ResultSummary/t:Counters", ns)
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    for r in tree.iterfind("t:Results/t:UnitTestResult", ns):
        if r.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            failures.append(r)
        if r.get("outcome") != "NotExecuted":
            continue
        name = r.get("testName")
        message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns)
        if root and not (message.startswith("kernel lacks") and name in passed_on_a_kernel):
            print(f"test skipped although running as root, with everything installed (a failure): {name}", file=sys.stderr)
            failed += 1
        else:
            skipped += 1
if not files:
    failed += 1
    print("no test results were written", file=sys.stderr)
# The failures by name, just above the summary line: a log that keeps only its tail still says
# which tests failed and why.
for r in failures:
    message = r.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=ns).strip()
    first = message.splitlines()[0][:300] if message else "(no message)"
    print(f"FAILED {r.get('testName')}: {first}")
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
PY
}

cmd_bench() {
	preflight "$@"
	ensure_packages "${RUN_PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
	ensure_mounts
	build
	exec bash "$ROOT/bench/run.sh" "$@"
}

# The self-contained .deb and tarball (packaging/build.sh): the build needs the SDK and clang, the
# target only what the package's Depends name.
cmd_package() {
	command -v dotnet >/dev/null || die "the .NET 10 SDK is not on PATH: it builds the package."
	command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (Debian package dpkg)."
	exec bash "$ROOT/packaging/build.sh" "$@"
}

case "${1:-}" in
run) shift; cmd_run "$@" ;;
test) shift; cmd_test "$@" ;;
probe) shift; cmd_probe "$@" ;;
bench) shift; cmd_bench "$@" ;;
package) shift; cmd_package "$@" ;;
*)
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac

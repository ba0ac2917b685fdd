#!/bin/bash
# Runs inside the matrix VM as its init, after tests/vm/init switched to the host's root (read-only
# 9p under a tmpfs overlay). Mounts what the kernel tests expect of a host, loads the modules they
# use from the guest kernel's own tree, runs the already-built kernel test assembly with the
# filters the host wrote, leaves the trx and the exit code in the results share, and powers off.
# Whatever happens, the last step is the power-off: QEMU runs with -no-reboot and exits.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
RESULTS=/netracker-results
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
say() { echo "netracker-vm: $*"; }
off() {
	sync
	echo b >/proc/sysrq-trigger
	sleep 60
}
trap off EXIT

# A function, so bash has read all of it before it runs: the file lives on the host and may be
# edited while a guest runs it.
main() {
	# shellcheck source=/dev/null
	. "$RESULTS/guest.env" || { say "no $RESULTS/guest.env"; exit 1; }

	mount -t tmpfs -o mode=0755 tmpfs /run
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mkdir -p /dev/pts /dev/shm /run/netns
	mount -t devpts devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t bpf bpf /sys/fs/bpf
	mount -t tracefs tracefs /sys/kernel/tracing
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	# A pure cgroup v2 layout, as on Debian 11 and 12 (the host may be hybrid).
	mount -t cgroup2 cgroup2 /sys/fs/cgroup
	# The guest kernel's modules in place of the host's, so the host's modprobe (and the kernel's
	# own module autoloading, e.g. for `tc qdisc add ... netem`) finds them.
	mkdir -p /lib/modules
	mount --bind "$MODULES_TREE/lib/modules" /lib/modules
	ip link set lo up
	hostname "matrix-$(uname -r)"

	# Loaded up front so a missing one is a clear failure here rather than an odd one in a test;
	# sch_netem is for the delay cases (the development host's kernel has none).
	for module in $GUEST_MODULES; do
		modprobe "$module" || { say "modprobe $module failed"; echo 97 >"$RESULTS/exit-code"; exit 1; }
	done
	sysctl -qw net.core.bpf_jit_enable=1 2>/dev/null
	# PID 1 starts with the kernel's 1024 open files; a host's login session has far more, and the
	# burst and flood tests hold thousands of sockets.
	sysctl -qw fs.file-max=1048576
	ulimit -n 1048576

	export DOTNET_ROOT NETRACKER_TEST_CLOCK_SLACK HOME=/root DOTNET_CLI_HOME=/tmp/dotnet-home TMPDIR=/tmp \
		DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
	say "kernel $(uname -r), $(nproc) CPUs, clock $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource); running the kernel tests"
	cd "$REPO/tests/NeTracker.Kernel.Tests/bin/$CONFIG/net10.0" || { echo 98 >"$RESULTS/exit-code"; exit 1; }
	local -a filters
	mapfile -t filters <"$RESULTS/filters"
	local start rc
	start=$(date +%s)
	# -preEnumerateTheories: a theory's rows are test cases of their own, so a row's trait selects it.
	./NeTracker.Kernel.Tests -noColor -noLogo -reporter verbose -preEnumerateTheories "${filters[@]}" -trx "$RESULTS/NeTracker.Kernel.Tests.trx"
	rc=$?
	say "tests finished with exit code $rc after $(($(date +%s) - start)) s"
	echo "$rc" >"$RESULTS/exit-code"
}

main; exit

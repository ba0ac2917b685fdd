#!/usr/bin/env bash
# The kernel matrix: runs the kernel tests selected in matrix.tests inside QEMU VMs booted on
# Debian's distribution kernels (Debian 11: 5.10, Debian 12: 6.1), as root, after the kernel test
# assembly is built (netracker.sh test does both).
#   tests/vm/matrix.sh RESULTS_DIR [SERIES...]      SERIES: 5.10, 6.1 (default: both)
# Each kernel writes RESULTS_DIR/NeTracker.Kernel.Tests@linux-VERSION/ (trx, console.log). A
# kernel that cannot be fetched, does not boot or does not finish in time leaves a trx with one
# failed test that says why, so the summary counts it; the exit code is 1 when anything failed.
# Environment: NETRACKER_VM_FILTER  xunit query filters as in matrix.tests (space-separated) instead
#              NETRACKER_VM_TIMEOUT seconds per kernel (default 900)
#              NETRACKER_VM_CACHE   where kernels and initramfs images live (/var/cache/netracker-vm)
set -euo pipefail

vm_say() { printf '\033[1;34m[matrix]\033[0m %s\n' "$*" >&2; }
# The last error also goes to a file, so the failure trx of a kernel can say why.
VM_ERROR_FILE="$(mktemp)"
trap 'rm -f "$VM_ERROR_FILE"' EXIT
vm_die() {
	printf '\033[1;31m[matrix] error:\033[0m %s\n' "$*" >&2
	echo "$*" >"$VM_ERROR_FILE"
	exit 1
}

VM_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$VM_DIR/../.." && pwd)"
CONFIG="${NETRACKER_CONFIGURATION:-Release}"
TIMEOUT="${NETRACKER_VM_TIMEOUT:-900}"
# Modules the tests use, loaded by guest.sh (their dependencies come with them).
GUEST_MODULES="veth sch_ingress cls_bpf act_bpf sch_netem bridge 8021q"

# shellcheck source=tests/vm/kernels.sh
. "$VM_DIR/kernels.sh"
# shellcheck source=tests/vm/qemu.sh
. "$VM_DIR/qemu.sh"

# One xunit query filter (-filter) per line of matrix.tests that applies to kernel SERIES, or
# per word of NETRACKER_VM_FILTER; the runner runs a test that any of them matches. A line
# "X.Y+:QUERY" applies only to kernels X.Y and newer (what the test needs arrived in X.Y).
write_filters() {
	local series="$1" query floor
	local -a queries
	if [ -n "${NETRACKER_VM_FILTER:-}" ]; then
		read -ra queries <<<"$NETRACKER_VM_FILTER"
	else
		mapfile -t queries < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$VM_DIR/matrix.tests")
	fi
	for query in "${queries[@]}"; do
		if [[ "$query" =~ ^([0-9]+\.[0-9]+)\+:(.*)$ ]]; then
			floor="${BASH_REMATCH[1]}"
			query="${BASH_REMATCH[2]}"
			[ "$(printf '%s\n%s\n' "$floor" "$series" | sort -V | head -n 1)" = "$floor" ] || continue
		fi
		printf -- '-filter\n%s\n' "$query"
	done
}

# A function, so bash has read all of it before it runs (an edit of this file during a run
# cannot change what the run does).
main() {
	[ $# -ge 1 ] || vm_die "usage: $0 RESULTS_DIR [SERIES...]"
	RESULTS_ROOT="$(mkdir -p "$1" && cd "$1" && pwd)"
	shift
	[ $# -gt 0 ] || set -- 5.10 6.1
	[ "$(id -u)" -eq 0 ] || vm_die "the kernel matrix runs as root (the guest runs the kernel tests as its root)"
	local assembly="$REPO/tests/NeTracker.Kernel.Tests/bin/$CONFIG/net10.0/NeTracker.Kernel.Tests"
	[ -x "$assembly" ] || vm_die "$assembly is not built (dotnet build tests/NeTracker.Kernel.Tests -c $CONFIG)"
	local rc=0 accel series
	accel="$(choose_accel "$1")"
	for series in "$@"; do
		run_kernel "$series" "$accel" || rc=1
	done
	return $rc
}

main "$@"; exit $?

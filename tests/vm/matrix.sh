#!/usr/bin/env bash
# The kernel matrix: runs the kernel tests selected in matrix.tests inside QEMU VMs booted on
# Debian's distribution kernels (Debian 11: 5.10, Debian 12: 6.1), as root, after the kernel test
# assembly is built (netracker.sh test does both).
#   tests/vm/matrix.sh RESULTS_DIR [SERIES...]      SERIES: 5.10, 6.1 (default: both)
# Each kernel writes RESULTS_DIR/NeTracker.Kernel.Tests@linux-VERSION/ (trx, console.log). A
# kernel that cannot be fetched, does not boot or does not finish in time leaves a trx with one
# failed test that says why, so the summary counts it; the exit code is 1 when anything failed.
# Environment: NETRACKER_VM_FILTER  xunit -method patterns (space-separated) instead of matrix.tests
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

[ $# -ge 1 ] || vm_die "usage: $0 RESULTS_DIR [SERIES...]"
RESULTS_ROOT="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
[ $# -gt 0 ] || set -- 5.10 6.1
[ "$(id -u)" -eq 0 ] || vm_die "the kernel matrix runs as root (the guest runs the kernel tests as its root)"
ASSEMBLY="$REPO/tests/NeTracker.Kernel.Tests/bin/$CONFIG/net10.0/NeTracker.Kernel.Tests"
[ -x "$ASSEMBLY" ] || vm_die "$ASSEMBLY is not built (dotnet build tests/NeTracker.Kernel.Tests -c $CONFIG)"

# One xunit -method (or, for '!', -method-) filter per line of matrix.tests.
write_filters() {
	local pattern
	if [ -n "${NETRACKER_VM_FILTER:-}" ]; then
		for pattern in $NETRACKER_VM_FILTER; do printf -- '-method\n%s\n' "$pattern"; done
	else
		sed -e 's/#.*//' -e 's/[[:space:]]//g' -e '/^$/d' "$VM_DIR/matrix.tests" | while read -r pattern; do
			case "$pattern" in
			!*) printf -- '-method-\n%s\n' "${pattern#!}" ;;
			*) printf -- '-method\n%s\n' "$pattern" ;;
			esac
		done
	fi
}

rc=0
accel="$(choose_accel "$1")"
for series in "$@"; do
	run_kernel "$series" "$accel" || rc=1
done
exit $rc

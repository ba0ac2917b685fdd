# Sourced by matrix.sh: boots one kernel in QEMU and collects what its guest wrote.

# KVM only where the CPU says it has it and a probe boot proves it works (a nested VM may offer
# a /dev/kvm that fails on the guest's first MSR access); otherwise TCG, 5-10x slower.
choose_accel() {
	if grep -qwE 'vmx|svm' /proc/cpuinfo && [ -c /dev/kvm ] && (kernel_prepare "$1") >/dev/null 2>&1; then
		kernel_prepare "$1" 2>/dev/null
		local log
		log="$(mktemp)"
		timeout -k 5 60 qemu-system-x86_64 -accel kvm -cpu host -m 512 -display none -no-reboot -nic none \
			-kernel "$KERNEL_IMAGE" -initrd "$KERNEL_INITRD" -serial "file:$log" \
			-append "console=ttyS0 quiet panic=-1 nt.probe=1" </dev/null >/dev/null 2>&1 || true
		if grep -q 'netracker-vm: probe boot ok' "$log"; then
			rm -f "$log"
			vm_say "KVM works: the guests run accelerated"
			echo kvm
			return
		fi
		rm -f "$log"
		vm_say "the CPU has vmx/svm but a KVM probe boot failed: using TCG (software emulation)"
	else
		vm_say "no usable KVM (no vmx/svm in /proc/cpuinfo): using TCG (software emulation)"
	fi
	echo tcg
}

# A trx with one failed test named for the kernel, so the summary counts a kernel that never
# ran its tests (no package, no boot, timeout) and says why.
failed_trx() {
	local dir="$1" name="$2" reason="$3"
	mkdir -p "$dir"
	reason="${reason//&/&amp;}"
	reason="${reason//</&lt;}"
	cat >"$dir/matrix.trx" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010" name="kernel matrix">
  <Results>
    <UnitTestResult testName="$name" outcome="Failed">
      <Output><ErrorInfo><Message>$reason</Message></ErrorInfo></Output>
    </UnitTestResult>
  </Results>
  <ResultSummary outcome="Failed"><Counters total="1" executed="1" passed="0" failed="1" /></ResultSummary>
</TestRun>
EOF
	vm_say "FAILED $name: $reason"
}

# Boots SERIES with ACCEL, streams its console, and leaves the guest's trx (test names tagged
# with the kernel) in RESULTS_ROOT/NeTracker.Kernel.Tests@linux-VERSION.
run_kernel() {
	local series="$1" accel="$2" dir qemu_pid tail_pid status=0 started elapsed cpu=max
	if ! (kernel_prepare "$series"); then
		failed_trx "$RESULTS_ROOT/NeTracker.Kernel.Tests@linux-$series" "kernel matrix: linux $series" \
			"the Debian $series kernel could not be fetched or prepared: $(cat "$VM_ERROR_FILE")"
		return 1
	fi
	kernel_prepare "$series"
	dir="$RESULTS_ROOT/NeTracker.Kernel.Tests@linux-$KERNEL_VERSION"
	rm -rf "$dir"
	mkdir -p "$dir"
	# Under TCG the test client's clock runs tens of ms past the hook's (user space is emulated):
	# the timed checks get 50 times their slack (ClientClock.cs).
	local slack=1
	[ "$accel" = tcg ] && slack=50
	printf 'MODULES_TREE=%q\nCONFIG=%q\nGUEST_MODULES=%q\nDOTNET_ROOT=%q\nNETRACKER_TEST_CLOCK_SLACK=%q\n' \
		"$KERNEL_TREE" "$CONFIG" "$GUEST_MODULES" "$(dirname "$(readlink -f "$(command -v dotnet)")")" "$slack" >"$dir/guest.env"
	write_filters "$series" >"$dir/filters"
	# No filter would run the whole project, which no guest finishes in time.
	[ -s "$dir/filters" ] || vm_die "no test selected for $series (tests/vm/matrix.tests)"
	: >"$dir/console.log"
	[ "$accel" = kvm ] && cpu=host
	vm_say "linux $KERNEL_VERSION: booting ($accel, 2 vCPUs, 3 GiB; timeout ${TIMEOUT}s)"
	started=$(date +%s)
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel "$accel" -cpu "$cpu" -smp 2 -m 3G \
		-display none -no-reboot -nic none -serial "file:$dir/console.log" \
		-kernel "$KERNEL_IMAGE" -initrd "$KERNEL_INITRD" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 mitigations=off nt.repo=$REPO" \
		-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
		-virtfs "local,path=$dir,mount_tag=results,security_model=none" \
		</dev/null >"$dir/qemu.log" 2>&1 &
	qemu_pid=$!
	# timeout passes a TERM on to QEMU: an interrupted matrix leaves no VM behind.
	trap 'kill $qemu_pid 2>/dev/null; rm -f "$VM_ERROR_FILE"' EXIT
	tail -n +1 -F --pid=$qemu_pid "$dir/console.log" 2>/dev/null | sed -u "s/^/  [$series] /" >&2 &
	tail_pid=$!
	wait $qemu_pid || status=$?
	trap 'rm -f "$VM_ERROR_FILE"' EXIT
	wait $tail_pid 2>/dev/null || true
	elapsed=$(($(date +%s) - started))
	echo "$elapsed" >"$dir/wall-seconds"

	local name="kernel matrix: linux $KERNEL_VERSION"
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
		failed_trx "$dir" "$name" "the guest did not finish within ${TIMEOUT}s and was killed (console: $dir/console.log)"
		return 1
	fi
	if [ ! -f "$dir/exit-code" ]; then
		failed_trx "$dir" "$name" "the guest stopped without running the tests (QEMU status $status; $(tail -n 3 "$dir/qemu.log" "$dir/console.log" | tr '\n' ' '))"
		return 1
	fi
	if [ ! -f "$dir/NeTracker.Kernel.Tests.trx" ]; then
		failed_trx "$dir" "$name" "the test run wrote no trx (exit code $(cat "$dir/exit-code"); console: $dir/console.log)"
		return 1
	fi
	# The same test names run on every kernel: the kernel goes into each name.
	sed -i "s/testName=\"\\([^\"]*\\)\"/testName=\"\\1 [linux $KERNEL_VERSION]\"/g" "$dir/NeTracker.Kernel.Tests.trx"
	vm_say "linux $KERNEL_VERSION: exit code $(cat "$dir/exit-code") after ${elapsed}s"
	[ "$(cat "$dir/exit-code")" = 0 ]
}

#!/usr/bin/env bash
# Installs the .deb as a user would, in a clean Debian root with no .NET SDK and no clang, and
# checks it there: `netracker --version`, `netracker watch` on a test veth (a record appears),
# the dashboard started by its systemd unit's command answering /healthz, and that
# `apt-get purge` leaves nothing (files, pins, tc filters). A chroot shares the host's kernel,
# which is what BPF needs. One UnitTestResult per step goes to RESULTS_DIR/package.trx
# (counted by `netracker.sh test`'s summary), every step's output to RESULTS_DIR/package-install.log.
# Usage (root): tests/package/install_test.sh RESULTS_DIR [PATH.deb]   (builds the .deb if none)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RESULTS="$(realpath -m "${1:?usage: $0 RESULTS_DIR [PATH.deb]}")"
DEB="${2:-}"
CACHE=/var/cache/netracker-package
VERSION="$(tr -d '[:space:]' < "$ROOT/VERSION")"
ID="$$"
NS="ntpkg$ID" HOST_IF="ntpkA$ID" NS_IF="ntpkB$ID"
HOST_IP=198.18.77.1 NS_IP=198.18.77.2 SERVER_PORT=8077
# The chroot shares the host's network and bpffs: its own instance names and a port of its own,
# so a dashboard running on the host is never touched.
DASH_INSTANCE="pkgdash$ID" ATTACH_INSTANCE="pkgattach$ID" WATCH_INSTANCE="pkgwatch$ID" AGENT_INSTANCE="pkgagent$ID"
DASH_PORT=$((20000 + ID % 20000))
WORK="$(mktemp -d /tmp/netracker-package.XXXXXX)"
CHROOT="$WORK/root"
MOUNTS=() PIDS=() STEPS=()
STARTED=$(date +%s)
rm -f "$RESULTS/package-install.log" "$RESULTS/package.trx"

say() { printf '\033[1;34m[install-test]\033[0m %s\n' "$*" >&2; }
xml() { local s="$1"; s="${s//&/&amp;}"; s="${s//</&lt;}"; s="${s//>/&gt;}"; printf '%s' "$s"; }

# step NAME OUTCOME SECONDS MESSAGE
record() { STEPS+=("$1|$2|$3|$4"); say "$2: $1 ($3 s)${4:+: $4}"; }

# Runs "$2..." as the step named $1, in this shell (so the processes it starts are in PIDS for
# the cleanup); its output is the failure message.
step() {
	local name="$1" t0=$(date +%s) out rc
	shift
	"$@" >"$WORK/step.out" 2>&1
	rc=$?
	out="$(cat "$WORK/step.out")"
	mkdir -p "$RESULTS" && { echo "== $name (exit $rc)"; cat "$WORK/step.out"; } >>"$RESULTS/package-install.log"
	if [ $rc -eq 0 ]; then record "$name" Passed $(($(date +%s) - t0)) ""
	else record "$name" Failed $(($(date +%s) - t0)) "$(printf '%s' "$out" | tail -c 3000)"; fi
	return $rc
}

write_trx() {
	local passed=0 failed=0 s name outcome secs msg
	mkdir -p "$RESULTS"
	{
		echo '<?xml version="1.0" encoding="UTF-8"?>'
		echo '<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010" name="package install test">'
		echo '  <Results>'
		for s in "${STEPS[@]}"; do
			IFS='|' read -r name outcome secs msg <<<"$s"
			if [ "$outcome" = Passed ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
			printf '    <UnitTestResult testName="%s" outcome="%s" duration="%s">' "$(xml "package install: $name")" "$outcome" "$(date -u -d "@$secs" +%H:%M:%S)"
			[ -n "$msg" ] && printf '<Output><ErrorInfo><Message>%s</Message></ErrorInfo></Output>' "$(xml "$msg")"
			echo '</UnitTestResult>'
		done
		echo '  </Results>'
		printf '  <ResultSummary outcome="%s"><Counters total="%d" executed="%d" passed="%d" failed="%d" /></ResultSummary>\n' \
			"$([ $failed -eq 0 ] && echo Completed || echo Failed)" $((passed + failed)) $((passed + failed)) $passed $failed
		echo '</TestRun>'
	} >"$RESULTS/package.trx"
	say "$passed passed, $failed failed in $(($(date +%s) - STARTED)) s ($RESULTS/package.trx)"
	[ $failed -eq 0 ]
}

cleanup() {
	local p m i
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do timeout 30 tail --pid="$p" -f /dev/null 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
	# Whatever a failed step left attached goes, with the tool's copy kept for this (the package's
	# own may be gone: a purge that left pins behind).
	if [ -x "$CHROOT/root/rescue/NeTracker.Probe" ]; then
		for i in "$WATCH_INSTANCE" "$ATTACH_INSTANCE" "$DASH_INSTANCE" "$AGENT_INSTANCE"; do
			[ -e "/sys/fs/bpf/netracker/$i" ] && chroot "$CHROOT" /root/rescue/NeTracker.Probe detach --all --instance "$i" >/dev/null 2>&1
		done
	fi
	for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -l "${MOUNTS[$i]}" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	ip link del "$HOST_IF" 2>/dev/null
	# Only if nothing is mounted in it any more: never remove through a bind mount.
	if ! grep -q " $WORK/" /proc/mounts; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || { say "needs root (chroot, veth, BPF)"; exit 1; }

# --- the package -----------------------------------------------------------------------------
build_deb() {
	bash "$ROOT/packaging/build.sh" "$WORK/artifacts" >"$WORK/deb.path" || return 1
	DEB="$(tail -1 "$WORK/deb.path")"
	[ -s "$DEB" ]
}
if [ -z "$DEB" ]; then
	step "build the .deb (packaging/build.sh)" build_deb || { write_trx; exit 1; }
fi
DEB="$(realpath "$DEB")"

# --- a clean Debian root, from the host's own mirror and suite; its tarball is cached --------
host_mirror() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && awk '/^URIs:/ && !/security/ {print $2; exit}' "$f"
	done | head -1
	grep -h '^deb ' /etc/apt/sources.list 2>/dev/null | grep -v security | awk '{print $2; exit}'
}
make_root() {
	local suite mirror tarball
	suite="$(. /etc/os-release && echo "$VERSION_CODENAME")"
	mirror="$(host_mirror | head -1)"
	[ -n "$suite" ] && [ -n "$mirror" ] || { echo "cannot read the host's suite/mirror"; return 1; }
	tarball="$CACHE/$suite-minbase.tar.gz"
	mkdir -p "$CACHE/apt-archives/partial" "$CHROOT"
	if [ ! -s "$tarball" ]; then
		echo "debootstrap --variant=minbase $suite $mirror"
		debootstrap --variant=minbase "$suite" "$WORK/fresh" "$mirror" >"$WORK/debootstrap.log" 2>&1 \
			|| { tail -20 "$WORK/debootstrap.log"; return 1; }
		rm -rf "$WORK/fresh/var/cache/apt/archives/"*.deb
		tar -C "$WORK/fresh" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		rm -rf "$WORK/fresh"
	fi
	tar -C "$CHROOT" -xzf "$tarball" || return 1
	# The host's sources (its updates and security suites), so Depends resolve to what it runs.
	cp /etc/apt/sources.list.d/*.sources "$CHROOT/etc/apt/sources.list.d/" 2>/dev/null
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$CHROOT/etc/apt/sources.list"
	cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
	local m
	for m in /proc /sys /sys/fs/bpf /sys/fs/cgroup /sys/kernel/tracing /dev /dev/pts; do
		mkdir -p "$CHROOT$m"
		mount --bind "$m" "$CHROOT$m" || { echo "bind-mount $m failed"; return 1; }
		MOUNTS+=("$CHROOT$m")
	done
	# Downloaded Depends are kept between runs: a second run fetches nothing.
	mount --bind "$CACHE/apt-archives" "$CHROOT/var/cache/apt/archives" && MOUNTS+=("$CHROOT/var/cache/apt/archives")
	# A clean root: no SDK, no compiler.
	! chroot "$CHROOT" sh -c 'command -v dotnet || command -v clang || command -v bpftool'
}
step "clean Debian root (debootstrap minbase, no SDK, no clang)" make_root || { write_trx; exit 1; }

install_deb() {
	cp "$DEB" "$CHROOT/tmp/netracker.deb"
	chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
	chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends /tmp/netracker.deb || return 1
	[ "$(stat -c %a "$CHROOT/var/lib/netracker")" = 700 ] || { echo "/var/lib/netracker is not 0700"; return 1; }
	[ -f "$CHROOT/etc/netracker/appsettings.json" ] || { echo "no /etc/netracker/appsettings.json"; return 1; }
	# The cleanup's own copy of the tool (hard links: no space), for after the purge.
	cp -al "$CHROOT/opt/netracker/probe" "$CHROOT/root/rescue"
}
step "apt-get install the .deb (Depends resolved)" install_deb || { write_trx; exit 1; }

check_version() {
	local out
	out="$(chroot "$CHROOT" netracker --version)" || return 1
	echo "$out"
	[[ "$out" =~ ^netracker\ ${VERSION//./\\.}(\+[0-9a-f]+)?$ ]]
}
step "netracker --version prints netracker $VERSION" check_version

# --- watch on a test veth --------------------------------------------------------------------
make_veth() {
	ip netns add "$NS" && ip link add "$HOST_IF" type veth peer name "$NS_IF" && ip link set "$NS_IF" netns "$NS" &&
		ip addr add "$HOST_IP/30" dev "$HOST_IF" && ip link set "$HOST_IF" up &&
		ip -n "$NS" addr add "$NS_IP/30" dev "$NS_IF" && ip -n "$NS" link set "$NS_IF" up && ip -n "$NS" link set lo up
}
connect_a_few() {
	local i
	for i in 1 2 3; do
		exec 3<>"/dev/tcp/$NS_IP/$SERVER_PORT" || return 1
		printf 'GET / HTTP/1.0\r\n\r\n' >&3
		cat <&3 >/dev/null
		exec 3<&-
	done
}
check_watch() {
	local i
	make_veth || { echo "cannot create the veth pair"; return 1; }
	ip netns exec "$NS" python3 -m http.server --bind "$NS_IP" "$SERVER_PORT" >/dev/null 2>&1 &
	PIDS+=($!)
	# Until it listens: python's start can take longer than watch's (it did once, and the step failed).
	for ((i = 0; i < 40; i++)); do [ -n "$(ip netns exec "$NS" ss -Hltn "sport = :$SERVER_PORT")" ] && break; sleep 0.25; done
	chroot "$CHROOT" netracker watch --interface "$HOST_IF" --instance "$WATCH_INSTANCE" --format csv \
		>"$WORK/watch.out" 2>"$WORK/watch.err" &
	local watch=$!
	PIDS+=($watch)
	for ((i = 0; i < 60; i++)); do grep -qs '^watching' "$WORK/watch.err" && break; kill -0 $watch 2>/dev/null || break; sleep 0.5; done
	grep -q '^watching' "$WORK/watch.err" || { cat "$WORK/watch.err"; return 1; }
	# A failed step stops its watch too, so the steps after it (the purge) are not failed by it.
	connect_a_few || { echo "no TCP connection to $NS_IP:$SERVER_PORT"; kill -TERM $watch; wait $watch; return 1; }
	for ((i = 0; i < 40; i++)); do grep -q "$NS_IP" "$WORK/watch.out" && break; sleep 0.5; done
	kill -TERM $watch
	local rc=0
	wait $watch || rc=$?
	echo "watch exit $rc; stdout:"; cat "$WORK/watch.out"; echo "stderr:"; cat "$WORK/watch.err"
	[ $rc -eq 0 ] && grep -q "$NS_IP" "$WORK/watch.out" &&
		[ -z "$(tc filter show dev "$HOST_IF" ingress)$(tc filter show dev "$HOST_IF" egress)" ]
}
step "netracker watch on a veth prints a record, SIGTERM ends it (exit 0, filters gone)" check_watch

# --- the dashboard, started with its unit's command ------------------------------------------
unit_value() { sed -n "s/^$1=//p" "$CHROOT/lib/systemd/system/${2:-netracker}.service"; }
check_dashboard() {
	local exec_start workdir envs=() e code i
	exec_start="$(unit_value ExecStart)" workdir="$(unit_value WorkingDirectory)"
	while IFS= read -r e; do envs+=("$e"); done < <(unit_value Environment)
	[ -n "$exec_start" ] && [ -n "$workdir" ] || { echo "netracker.service has no ExecStart/WorkingDirectory"; return 1; }
	echo "unit: cd $workdir; ${envs[*]} $exec_start"
	# Its own port and instance (the host may run a dashboard on 5080 with instance "default"),
	# set as a user would: in the package's conffile, which proves the dashboard reads it.
	sed -i -e "s|http://127.0.0.1:5080|http://127.0.0.1:$DASH_PORT|" -e "s|\"InstanceName\": \"default\"|\"InstanceName\": \"$DASH_INSTANCE\"|" \
		"$CHROOT/etc/netracker/appsettings.json"
	grep -q "127.0.0.1:$DASH_PORT" "$CHROOT/etc/netracker/appsettings.json" && grep -q "$DASH_INSTANCE" "$CHROOT/etc/netracker/appsettings.json" \
		|| { echo "cannot set the port and instance in /etc/netracker/appsettings.json"; return 1; }
	chroot "$CHROOT" env "${envs[@]}" sh -c "cd '$workdir' && exec $exec_start" >"$WORK/dash.log" 2>&1 &
	local dash=$!
	PIDS+=($dash)
	for ((i = 0; i < 120; i++)); do
		code="$(curl -s -o "$WORK/healthz" -w '%{http_code}' "http://127.0.0.1:$DASH_PORT/healthz")"
		[ "$code" = 200 ] && break
		kill -0 $dash 2>/dev/null || break
		sleep 0.5
	done
	echo "healthz: $code $(cat "$WORK/healthz" 2>/dev/null)"
	kill -TERM $dash
	wait $dash
	[ "$code" = 200 ] && grep -q Healthy "$WORK/healthz" || { tail -30 "$WORK/dash.log"; return 1; }
}
step "the dashboard from netracker.service's ExecStart, set in /etc/netracker, answers /healthz" check_dashboard

# --- the agent, started and stopped with its unit's commands ---------------------------------
# tc filters, and tcx links (which tc does not show), on the test veth.
tc_filters() {
	tc filter show dev "$HOST_IF" ingress; tc filter show dev "$HOST_IF" egress
	command -v bpftool >/dev/null && bpftool net show dev "$HOST_IF" | grep -E 'prog_id|tcx'
}
check_agent() {
	local exec_start stop_post i agent
	# The unit's commands, on this test's own instance (the host may run an agent named "agent").
	exec_start="$(unit_value ExecStart netracker-agent | sed "s/--instance agent/--instance $AGENT_INSTANCE/")"
	stop_post="$(unit_value ExecStopPost netracker-agent | sed -e 's/^-//' -e "s/--instance agent/--instance $AGENT_INSTANCE/")"
	[[ "$exec_start" == *"$AGENT_INSTANCE"* && "$stop_post" == *"$AGENT_INSTANCE"* ]] \
		|| { echo "netracker-agent.service: no ExecStart/ExecStopPost on --instance agent"; return 1; }
	# Its settings, as a user would write them; nothing listens on the hub: the agent buffers.
	printf 'NETRACKER_HUB=http://127.0.0.1:%s/hubs/connections\nNETRACKER_INTERFACE=%s\nNETRACKER_API_KEY=package-test\n' \
		"$DASH_PORT" "$HOST_IF" >"$CHROOT/etc/netracker/agent.env"
	echo "unit: $exec_start; then $stop_post"
	# EnvironmentFile + ${VAR}: what systemd does, done by sh.
	chroot "$CHROOT" sh -c "set -a; . /etc/netracker/agent.env; exec $exec_start" >"$WORK/agent.log" 2>&1 &
	agent=$!
	PIDS+=($agent)
	for ((i = 0; i < 60; i++)); do grep -q 'watching' "$WORK/agent.log" && break; kill -0 $agent 2>/dev/null || break; sleep 0.5; done
	grep -q 'watching' "$WORK/agent.log" || { cat "$WORK/agent.log"; return 1; }
	# A crash, the worst stop: no clean-up of its own (systemd runs ExecStopPost after either).
	kill -KILL $agent
	wait $agent
	echo "after the agent was killed: pins $(ls "/sys/fs/bpf/netracker/$AGENT_INSTANCE" 2>/dev/null | wc -l), tc filters $(tc_filters | wc -l)"
	chroot "$CHROOT" sh -c "$stop_post" || return 1
	[ ! -e "/sys/fs/bpf/netracker/$AGENT_INSTANCE" ] && [ -z "$(tc_filters)" ] || { echo "ExecStopPost left pins or filters"; tc_filters; return 1; }
}
step "the agent from netracker-agent.service: ExecStart watches, ExecStopPost leaves nothing" check_agent

# --- purge leaves nothing --------------------------------------------------------------------
check_purge() {
	# Something for the package's removal to clean: an instance left attached on the veth.
	chroot "$CHROOT" netracker attach --interface "$HOST_IF" --instance "$ATTACH_INSTANCE" || return 1
	[ -n "$(tc filter show dev "$HOST_IF" ingress)$(ls "/sys/fs/bpf/netracker/$ATTACH_INSTANCE" 2>/dev/null)" ] \
		|| echo "note: attach left no tc filter and no pin (tcx links only)"
	chroot "$CHROOT" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq netracker || return 1
	local left=0 p i
	for p in /opt/netracker /etc/netracker /var/lib/netracker /run/netracker /usr/bin/netracker \
		/lib/systemd/system/netracker.service /lib/systemd/system/netracker-agent.service; do
		if [ -e "$CHROOT$p" ] || [ -L "$CHROOT$p" ]; then echo "left: $p"; left=1; fi
	done
	chroot "$CHROOT" dpkg-query -W -f='${Status}\n' netracker 2>/dev/null | grep -q 'installed' && { echo "still installed"; left=1; }
	for i in "$WATCH_INSTANCE" "$ATTACH_INSTANCE" "$DASH_INSTANCE" "$AGENT_INSTANCE"; do
		[ -e "/sys/fs/bpf/netracker/$i" ] && { echo "pins left: /sys/fs/bpf/netracker/$i"; left=1; }
	done
	p="$(tc filter show dev "$HOST_IF" ingress)$(tc filter show dev "$HOST_IF" egress)"
	[ -n "$p" ] && { echo "tc filters left on $HOST_IF: $p"; left=1; }
	[ $left -eq 0 ]
}
step "apt-get purge leaves no file, pin or tc filter" check_purge

write_trx

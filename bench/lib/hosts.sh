# shellcheck shell=bash
# The benchmark's test hosts: one network namespace (the "server host") joined to this host
# by a veth pair, addresses from the benchmarking range 198.18.0.0/15. The client side stays
# in the root namespace so NeTracker and tcplife, which run here, watch the root-side veth.
#
#   root ns  $VETH 198.19.R.1/30  <── veth ──>  $PEER 198.19.R.2/30  netns $NS
#            wrk, ntb-conn, iperf3 -c              ntb-srv (http 8080, close 8081, hold 8082), iperf3 -s

PORT_HTTP=8080
PORT_CLOSE=8081
PORT_HOLD=8082
PORT_IPERF=5201

hosts_up() {
	local sfx r
	sfx="$(printf '%04x' $((RANDOM % 65536)))"
	NS="ntbench-$sfx"
	VETH="ntb$sfx"      # root side (what NeTracker attaches to); ≤ 15 chars
	PEER="ntbp$sfx"
	# A /30 in 198.19.0.0/16 not used by anyone else on this host (other tests use 198.18/16).
	for _ in $(seq 1 20); do
		r=$((RANDOM % 250 + 1))
		ip -o addr show | grep -q " 198\.19\.$r\." || break
	done
	CLIENT_IP="198.19.$r.1"
	SERVER_IP="198.19.$r.2"

	on_exit "hosts_down"
	ip netns add "$NS"
	ip link add "$VETH" type veth peer name "$PEER"
	ip link set "$PEER" netns "$NS"
	ip addr add "$CLIENT_IP/30" dev "$VETH"
	ip link set "$VETH" up
	ip -n "$NS" addr add "$SERVER_IP/30" dev "$PEER"
	ip -n "$NS" link set "$PEER" up
	ip -n "$NS" link set lo up
	# The server closes first in the rate runs, so TIME_WAIT piles up here, in the namespace.
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_max_tw_buckets=262144 net.core.somaxconn=8192

	start_in_ns "$WORK/ntb-srv" http "$SERVER_IP" "$PORT_HTTP" 16
	start_in_ns "$WORK/ntb-srv" close "$SERVER_IP" "$PORT_CLOSE" 8
	start_in_ns "$WORK/ntb-srv" hold "$SERVER_IP" "$PORT_HOLD" 128
	start_in_ns iperf3 -s -B "$SERVER_IP" -p "$PORT_IPERF"
	wait_port "$PORT_HTTP" && wait_port "$PORT_CLOSE" && wait_port "$PORT_HOLD" && wait_port "$PORT_IPERF" \
		|| die "the servers in $NS did not start (see $WORK/servers.log)"
	say "test hosts: $VETH $CLIENT_IP  <->  $NS/$PEER $SERVER_IP"
}

start_in_ns() {
	ip netns exec "$NS" "$@" >>"$WORK/servers.log" 2>&1 &
	track $!
}

wait_port() {
	local i
	for i in $(seq 1 50); do
		ip netns exec "$NS" ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

# Deleting the namespace removes both veth ends; the servers are killed by pid afterwards.
hosts_down() {
	[ -n "${NS:-}" ] || return 0
	local pid
	for pid in "${STARTED_PIDS[@]}"; do stop_pid "$pid" KILL; done
	ip link del "$VETH" 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null || true
}

compile_native() {
	local f
	for f in ntb-srv ntb-conn; do
		clang -O2 -Wall -Werror -pthread -o "$WORK/$f" "$BENCH/native/$f.c" || die "cannot compile $f.c"
	done
}

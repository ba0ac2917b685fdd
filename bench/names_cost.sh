#!/usr/bin/env bash
# What naming costs in the kernel (docs/names.md): the TC program run on crafted packets with
# BPF_PROG_TEST_RUN (`bpftool prog run`), no network and no probe, for three objects:
#   before  bpf/ of the revision before names (BEFORE, default e1ab424^): no payload copy at all
#   off     this work tree's object with nt_config.names = 0 (NameDns/NameTls off)
#   on      this work tree's object with NT_NAMES_DNS | NT_NAMES_TLS (the defaults)
# and prints mean ns per run:
#   udp     a UDP datagram that is no DNS response (port 5353): the port check, all a host without
#           DNS pays
#   dns96 / dns512  a DNS response from port 53 of 96 / 512 bytes of payload: the copy into "names"
#           (each trial runs 800 times, within the ring buffer's room, as nobody consumes it here)
#   data    a later data segment of an established connection (517 bytes): the per-packet path
#   tls     the first client segment of a connection (517 bytes, a ClientHello's start), once per
#           connection: SYN, SYN-ACK, ACK, then this segment, timed alone (repeat 1), over N connections
#   plain   the same for a first segment that is no TLS record (HTTP off): a state bit and a 4-byte load
#
#   sudo bench/names_cost.sh [--connections N] [--trials T]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BEFORE="${BEFORE:-e1ab424^}"
CONNS=300
TRIALS=5
while [ $# -gt 0 ]; do
	case "$1" in
	--connections) CONNS="$2"; shift ;;
	--trials) TRIALS="$2"; shift ;;
	*) echo "usage: $0 [--connections N] [--trials T]" >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" = 0 ] || { echo "needs root (BPF_PROG_TEST_RUN)" >&2; exit 1; }
WORK="$(mktemp -d)"
PIN="/sys/fs/bpf/ntnamecost$$"
trap 'rm -rf "$WORK" "$PIN"' EXIT
ARGS=(-O2 -g -Wall -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -I/usr/include/"$(uname -m)"-linux-gnu)
mkdir -p "$WORK/before"
for f in netracker.bpf.c netracker.h netracker_lease.h netracker_owner_maps.h; do
	git -C "$ROOT" show "$BEFORE:bpf/$f" >"$WORK/before/$f"
done
clang "${ARGS[@]}" -I"$WORK/before" -c "$WORK/before/netracker.bpf.c" -o "$WORK/before.o"
clang "${ARGS[@]}" -I"$ROOT/bpf" -c "$ROOT/bpf/netracker.bpf.c" -o "$WORK/after.o"
python3 - "$WORK" "$PIN" "$CONNS" "$TRIALS" <<'PY'
import os, re, shutil, struct, subprocess, sys, statistics
work, pin, conns, trials = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def ip4(src, dst, proto, payload):
    return struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, bytes(src), bytes(dst)) + payload
def eth(p): return b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + p
def udp(sp, dp, data): return struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
def tcp(sp, dp, seq, ack, flags, data=b''):
    return struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
C, S = [198, 18, 0, 1], [198, 18, 0, 2]

def write(name, pkt):
    path = os.path.join(work, name + '.bin')
    open(path, 'wb').write(pkt)
    return path

def load(variant, obj, names):
    d = os.path.join(pin, variant)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    subprocess.run(['bpftool', 'prog', 'loadall', obj, d + '/p', 'type', 'classifier', 'pinmaps', d + '/m'], check=True)
    cfg = [1, 0, 0, 0] + [0] * 16 + ([names, 0, 0, 0] if names is not None else [])
    subprocess.run(['bpftool', 'map', 'update', 'pinned', d + '/m/config', 'key', '0', '0', '0', '0', 'value'] + [str(b) for b in cfg], check=True)
    lease = ['0xff'] * 7 + ['0x7f'] + ['0'] * 16
    subprocess.run(['bpftool', 'map', 'update', 'pinned', d + '/m/lease', 'key', '0', '0', '0', '0', 'value'] + lease, check=True)

def run(variant, path, repeat):
    out = subprocess.run(['bpftool', 'prog', 'run', 'pinned', os.path.join(pin, variant, 'p/nt_egress'), 'data_in', path, 'repeat', str(repeat)],
                         check=True, capture_output=True, text=True).stdout
    return int(re.search(r'duration(?: \(average\))?: (\d+)ns', out).group(1))

dns = lambda n: b'\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00' + b'\x00' * (n - 12)
pkts = {
    'udp': write('udp', eth(ip4(S, C, 17, udp(5353, 40000, dns(96))))),
    'dns96': write('dns96', eth(ip4(S, C, 17, udp(53, 40000, dns(96))))),
    'dns512': write('dns512', eth(ip4(S, C, 17, udp(53, 40000, dns(512))))),
}
hello = b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03' + b'\x00' * 506
plain = b'\x00\x01\x02\x03' + b'\x00' * 513

def handshake(variants, cp):
    for name, pkt in [('syn', eth(ip4(C, S, 6, tcp(cp, 443, 1000, 0, 0x02)))),
                      ('synack', eth(ip4(S, C, 6, tcp(443, cp, 5000, 1001, 0x12)))),
                      ('ack', eth(ip4(C, S, 6, tcp(cp, 443, 1001, 5001, 0x10))))]:
        path = write(name, pkt)
        for v in variants:
            run(v, path, 1)

variants = [('before', work + '/before.o', None), ('off', work + '/after.o', 0), ('on', work + '/after.o', 3)]
names = [v[0] for v in variants]
cols = ['udp', 'dns96', 'dns512', 'data', 'tls', 'plain']
r = {v: {k: [] for k in cols} for v in names}
for t in range(trials):
    for kind in ['udp', 'dns96', 'dns512']:
        for v, obj, bits in variants:
            load(v, obj, bits) # a fresh "names" each time: nobody consumes it here
            r[v][kind].append(run(v, pkts[kind], 100000 if kind == 'udp' else 800))
# An established, already named connection's later data segments: the per-packet path.
for v, obj, bits in variants:
    load(v, obj, bits)
handshake(names, 9999)
for v in names:
    path = write('first', eth(ip4(C, S, 6, tcp(9999, 443, 1001, 5001, 0x18, hello))))
    run(v, path, 1)
    r[v]['data'] = [run(v, write('later', eth(ip4(C, S, 6, tcp(9999, 443, 1518, 5001, 0x18, plain)))), 100000) for _ in range(trials)]
# First segments, one connection after another, the variants interleaved (timed alone: repeat 1).
for kind, payload in [('tls', hello), ('plain', plain)]:
    for v, obj, bits in variants:
        load(v, obj, bits)
    for i in range(conns):
        cp = 10000 + i
        handshake(names, cp)
        path = write('data', eth(ip4(C, S, 6, tcp(cp, 443, 1001, 5001, 0x18, payload))))
        for v in names:
            r[v][kind].append(run(v, path, 1))
med = {v: {k: statistics.median(x) for k, x in r[v].items()} for v in names}
print(f"{'ns per run':<10}" + ''.join(f"{k:>9}" for k in cols))
for v in names:
    print(f"{v:<10}" + ''.join(f"{med[v][k]:>9.0f}" for k in cols))
on, off, before = med['on'], med['off'], med['before']
print(f"\nper DNS answer (on - off): {on['dns96'] - off['dns96']:.0f} ns (96 B), {on['dns512'] - off['dns512']:.0f} ns (512 B)")
print(f"per TLS connection, its first segment (on - off): {on['tls'] - off['tls']:.0f} ns; a first segment that is no TLS (on - before): {on['plain'] - before['plain']:.0f} ns")
print(f"no DNS, no TLS: a UDP datagram (on - before) {on['udp'] - before['udp']:.0f} ns; a later data segment (on - before) {on['data'] - before['data']:.0f} ns")
PY

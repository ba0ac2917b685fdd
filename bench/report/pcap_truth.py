"""Ground truth from a tcpdump capture: each TCP connection's first SYN and its end.

The end follows the probe's definition (bpf/netracker.bpf.c, "transition"), which is also what a person reading the capture in
Wireshark would call the close: the FIN of the second side (both halves closed), or the first
RST. Reads classic pcap files (micro- or nanosecond magic), Ethernet + IPv4, no dependencies.
"""
import struct

_MAGIC = {0xA1B2C3D4: ("<", 1000), 0xA1B23C4D: ("<", 1), 0xD4C3B2A1: (">", 1000), 0x4D3CB2A1: (">", 1)}
_FIN, _SYN, _RST, _ACK = 0x01, 0x02, 0x04, 0x10


def packets(path):
    """Yields (ts_ns, src, sport, dst, dport, flags) for every IPv4 TCP packet."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        endian, scale = _MAGIC[struct.unpack("<I", head[:4])[0]]
        linktype = struct.unpack(endian + "I", head[20:24])[0]
        if linktype != 1:
            raise ValueError(f"{path}: link type {linktype}, expected Ethernet")
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            data = f.read(caplen)
            if len(data) < 14 + 20 or data[12:14] != b"\x08\x00":
                continue
            ihl = (data[14] & 0x0F) * 4
            if data[14 + 9] != 6 or len(data) < 14 + ihl + 14:
                continue
            src, dst = data[26:30], data[30:34]
            t = 14 + ihl
            sport, dport = struct.unpack(">HH", data[t:t + 4])
            yield sec * 1_000_000_000 + frac * scale, _ip(src), sport, _ip(dst), dport, data[t + 13]


def _ip(b):
    return ".".join(str(x) for x in b)


def connections(path):
    """Returns [{client, cport, server, sport, start_ns, end_ns}] for connections whose close was captured."""
    open_, done = {}, []
    for ts, src, sp, dst, dp, flags in packets(path):
        key = tuple(sorted([(src, sp), (dst, dp)]))
        c = open_.get(key)
        if flags & _SYN and not flags & _ACK:
            if c is None:
                open_[key] = {"client": src, "cport": sp, "server": dst, "sport": dp,
                              "start_ns": ts, "fin": set()}
            continue
        if c is None:
            continue  # trails a connection that already ended, or began before the capture
        if flags & _RST:
            _finish(open_, done, key, ts)
        elif flags & _FIN:
            c["fin"].add((src, sp))
            if len(c["fin"]) == 2:
                _finish(open_, done, key, ts)
    return done


def _finish(open_, done, key, ts):
    c = open_.pop(key)
    del c["fin"]
    c["end_ns"] = ts
    done.append(c)

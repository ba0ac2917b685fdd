/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * NeTracker: what the kernel program and user space agree on.
 *
 * The C# side lives in one folder, NeTracker.Probe/Abi/: the structs
 * (NtEvent.cs, KernelStructs.cs, NtOwner.cs, NtTomb.cs) and a constant for
 * every #define NT_* and enumerator here, each marked [Mirrors("NT_...")]
 * (TraceLineFormat.cs, NtConnBits.cs, NtCounters.cs, NtLimits.cs; the enums
 * ProbeTransport and Direction). Tests compile this header and fail when the
 * two sides differ: every layout against the object's BTF
 * (tests/NeTracker.Probe.Tests/Abi/NtEventLayoutTests.cs), every constant's
 * value (HeaderContractTests.cs), nt_key_hash (TombstonesTests.cs). Change
 * one, change the other, and bump the version.
 */
#ifndef __NETRACKER_H
#define __NETRACKER_H

/*
 * One line per finished connection, written with bpf_printk (which becomes
 * bpf_trace_vprintk: at most 12 arguments, so small fields are packed).
 *
 *   NTv1 <id> <meta> <client> <server> <start> <dur> <synack> <ack> <bin> <bout> <pkts>
 *
 * id      %llx  instance_id << 32 | ifindex
 * meta    %llx  client_port << 48 | server_port << 32 | flags << 16 | syn_retransmits
 * client  %pI6  client address, 16 bytes; IPv4 as v4-mapped (::ffff:a.b.c.d)
 * server  %pI6  server address, same encoding
 * start   %llu  bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first SYN, or of the
 *               first packet seen for a partial connection
 * dur     %llu  end - start, ns
 * synack  %llu  first SYN -> first SYN-ACK, ns; 0 when not seen
 * ack     %llu  SYN-ACK -> the client's first ACK, ns; 0 when not seen
 * bin     %llu  TCP payload bytes seen at ingress
 * bout    %llu  TCP payload bytes seen at egress
 * pkts    %llx  packets_in << 32 | packets_out (all TCP segments, saturating)
 */
#define NT_LINE_MAGIC	"NTv1"
#define NT_LINE_FMT	NT_LINE_MAGIC " %llx %llx %pI6 %pI6 %llu %llu %llu %llu %llu %llu %llx"

/*
 * The ring-buffer transport (the default): one fixed-size binary event per finished
 * connection, reserved and submitted into the instance's BPF_MAP_TYPE_RINGBUF "events".
 * Versioned: a reader refuses an event whose size or version it does not know (counted as
 * malformed), so an old reader never misreads a new kernel object. Mirrored by
 * NeTracker.Probe/Abi/NtEvent.cs; a test checks both against the object's BTF.
 * Times are bpf_ktime_get_ns() (CLOCK_MONOTONIC); ports in host order.
 */
#define NT_EVENT_VERSION	2	/* 2: the health fields at the end (retrans_c ... last_s_ns) */

enum nt_direction {
	NT_DIR_INBOUND = 0,	/* SYN arrived at ingress */
	NT_DIR_OUTBOUND = 1,	/* SYN left at egress */
	NT_DIR_LOCAL = 2,	/* both ends on this host (seen on a loopback device) */
};

/* nt_event.flags */
#define NT_EV_IPV6	(1u << 0)	/* else IPv4 (addresses v4-mapped) */
#define NT_EV_PARTIAL	(1u << 1)	/* open before tracking began */
#define NT_EV_OWNER	(1u << 2)	/* pid, comm and cgroup_id name the local socket's owner */
#define NT_EV_OWNER_PROC	(1u << 3)	/* ... as user space read it from /proc (NT_OWNER_PROC) */

struct nt_event {
	__u16	size;		/* sizeof(struct nt_event) as the kernel object was built */
	__u8	version;	/* NT_EVENT_VERSION */
	__u8	direction;	/* enum nt_direction */
	__u32	ifindex;
	__u8	client_addr[16];
	__u8	server_addr[16];
	__u64	start_ns;
	__u64	duration_ns;
	__u64	synack_ns;	/* first SYN -> first SYN-ACK; 0 = not seen */
	__u64	ack_ns;		/* SYN-ACK -> the client's ACK of it; 0 = not seen */
	__u64	bytes_in;
	__u64	bytes_out;
	__u32	packets_in;
	__u32	packets_out;
	__u16	client_port;
	__u16	server_port;
	__u8	close_reason;	/* enum nt_close_reason */
	__u8	closed_by;	/* enum nt_closed_by */
	__u16	flags;		/* NT_EV_* */
	__u32	syn_retransmits;
	__u32	pid;		/* owner's thread group id (NT_EV_OWNER) */
	__u64	cgroup_id;	/* owner's cgroup v2 id (NT_EV_OWNER) */
	char	comm[16];	/* owner's command, NUL-padded (NT_EV_OWNER) */
	/* Version 2: why a connection was slow (struct nt_health). Per direction, _c = sent by the
	 * client, _s = sent by the server. */
	__u32	retrans_c;	/* data segments retransmitted (sequence at or below the highest seen) */
	__u32	retrans_s;
	__u32	zero_win_c;	/* segments advertising a zero window */
	__u32	zero_win_s;
	__u64	zero_win_ns;	/* total time either side's window stayed zero */
	__u64	rtt_min_ns;	/* data segment out through egress -> the ACK covering it in at ingress */
	__u64	rtt_avg_ns;
	__u64	rtt_max_ns;
	__u32	rtt_samples;	/* 0 = no sample: the rtt_* fields mean nothing */
	__u32	pad2;
	__u64	last_c_ns;	/* bpf_ktime of the client's last payload; 0 = never */
	__u64	last_s_ns;
};

/* The owner of a local socket: in socket-local storage (map "owners", written at bind(2)) or
 * in the per-CPU slot a connect(2) fills (map "connecting"); bpf/netracker_sock.bpf.c. */
struct nt_owner {
	__u32	pid;
	__u32	flags;		/* NT_OWNER_* */
	__u64	cgroup_id;
	char	comm[16];
};

/* nt_owner.flags. The kernel program writes 0; user space, naming a socket that is older than
 * the program from /proc (like `ss -p`), writes NT_OWNER_PROC so records can say so. */
#define NT_OWNER_PROC		(1u << 0)

/* The last TCP connect(2) on a CPU: its socket's cookie and its caller. */
struct nt_connecting {
	__u64	cookie;		/* 0 = being written */
	struct nt_owner owner;
};

#define WRITE_ONCE_U64(x, v)	(*(volatile __u64 *)&(x) = (v))
#define READ_ONCE_U64(x)	(*(volatile const __u64 *)&(x))

/* nt_config.transport */
#define NT_TRANSPORT_RINGBUF	0
#define NT_TRANSPORT_TRACE	1

/* flags (bits of meta >> 16) */
#define NT_F_IPV6		(1u << 0)	/* else IPv4 */
#define NT_F_OUTBOUND		(1u << 1)	/* SYN seen at egress; else inbound */
#define NT_F_PARTIAL		(1u << 2)	/* open before tracking began */
#define NT_F_REASON_SHIFT	3		/* 3 bits: enum nt_close_reason */
#define NT_F_REASON_MASK	0x7u
#define NT_F_CLOSEDBY_SHIFT	6		/* 2 bits: enum nt_closed_by */
#define NT_F_CLOSEDBY_MASK	0x3u
#define NT_F_LOCAL		(1u << 8)	/* both ends on this host (loopback); else see NT_F_OUTBOUND */

enum nt_close_reason {
	NT_CLOSE_FIN = 0,	/* both sides sent FIN */
	NT_CLOSE_RST = 1,	/* RST after the handshake */
	NT_CLOSE_REFUSED = 2,	/* SYN answered by RST */
	NT_CLOSE_UNANSWERED = 3,	/* SYN never answered (swept by user space) */
	NT_CLOSE_TIMEOUT = 4,	/* half-closed or idle too long (swept) */
	NT_CLOSE_EVICTED = 5,	/* pushed out of the table */
	NT_CLOSE_DETACHED = 6,	/* still open when the probe detached */
};

enum nt_closed_by {
	NT_BY_NONE = 0,
	NT_BY_CLIENT = 1,
	NT_BY_SERVER = 2,
};

/*
 * The maps, shared by the ingress and egress programs of one instance (pinned under
 * /sys/fs/bpf/netracker/<instance>/maps/<name>). User space reads "conns" and "conns4" through
 * bpf(2) into NeTracker.Probe/Abi/KernelStructs.cs (NtKey, NtKey4, NtConn) and NtConnBits.cs, so the layout
 * and the bits below are the contract.
 */
#define NT_MAX_CONNS		131072	/* connections past the handshake (never evicted) ... */
#define NT_MAX_HALFOPEN		65536	/* ... plus handshakes in progress: "conns" holds both */
#define NT_TOMB_SETS		16384	/* array: sets of recently closed keys (see struct nt_tomb_set) */
#define NT_TOMB_WAYS		4	/* keys per set: 65 536 in all */
#define NT_MAX_IFDROPS		1024	/* per-interface drop counters */
#define NT_STATE_LOCKS		1024	/* compat object: spin-lock stripes for the state word */
#define NT_RINGBUF_DEFAULT	(4u << 20)	/* bytes; user space creates "events" with its own size */
#define NT_TOMBSTONE_NS_DEFAULT	(60ull * 1000000000ull)	/* TIME_WAIT-like default */

/* Both endpoints normalised: "lo" is the smaller (address, port), so both directions of a
 * connection hit one entry. Ports in network order. The key of "conns", which holds the IPv6
 * connections; the IPv4 ones are in "conns4" under struct nt_key4. */
struct nt_key {
	__u8	lo_addr[16];
	__u8	hi_addr[16];
	__u32	ifindex;
	__u16	lo_port;
	__u16	hi_port;
	__u8	family;		/* 4 or 6 */
	__u8	pad[3];
};

/* The key of "conns4", the IPv4 connections: the same endpoints in 16 bytes instead of 44. Every
 * packet's lookup, a SYN's insert and a close's delete hash and compare the key (jhash over its
 * words); the smaller key made a connection's six runs ~6 % cheaper (bench/FINDINGS.md, round 7).
 * Addresses and ports in network order. */
struct nt_key4 {
	__u32	lo_addr;
	__u32	hi_addr;
	__u16	lo_port;
	__u16	hi_port;
	__u32	ifindex;
};

/*
 * Tombstones: keys of recently finished connections, so that the packets trailing one (its last
 * ACK, a retransmitted FIN, a late RST) never start a "partial" connection. A set-associative
 * cache in an array ("closed"): a key lives in set nt_tomb_set_of(hash), in one of NT_TOMB_WAYS
 * ways; a new key takes the way with the oldest stamp. Why not an LRU hash: its update took
 * ~40 % of nt_egress's time (bench/bpf_ab.sh, bench/FINDINGS.md); an array slot is a few
 * stores, with no lock and no list to maintain.
 * A way keeps the key's 64-bit hash (nt_key_hash), not the 48-byte key, so that a set is one
 * cache line: every close writes a set and the trailing ACK reads it, and with whole keys a set
 * was four lines of a 4 MiB array, all read to compare (bench/FINDINGS.md, round 6). Two keys of
 * one hash would let a trailing packet of the one hide a partial start of the other for the
 * TTL: with 64 bits, not a case that happens by chance.
 * Losing a tombstone (four newer closes in one set within its TTL, or two CPUs writing one way
 * at once) only lets a trailing packet start a partial entry, which the sweeper ages out.
 * User space writes tombstones too (NeTracker.Probe/Kernel/Tombstones.cs, with the hash of
 * NeTracker.Probe/Abi/NtTomb.cs).
 */
struct nt_tomb {
	__u64	hash;		/* nt_key_hash() of the key */
	__u64	closed_ns;	/* 0 = empty way */
};

struct nt_tomb_set {
	struct nt_tomb way[NT_TOMB_WAYS];
};

/* FNV-1a (64-bit) over a key's 32-bit words (host order: eleven of a struct nt_key, four of a
 * struct nt_key4), then murmur3's 64-bit finaliser so that the low bits used as the set index
 * depend on every word. */
static __always_inline __u64 nt_words_hash(const __u32 *w, const int words)
{
	__u64 h = 14695981039346656037ull;
	int i;

#pragma unroll
	for (i = 0; i < words; i++)
		h = (h ^ w[i]) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

static __always_inline __u64 nt_key_hash(const struct nt_key *k)
{
	return nt_words_hash((const __u32 *)k, sizeof(*k) / 4);
}

static __always_inline __u64 nt_key4_hash(const struct nt_key4 *k)
{
	return nt_words_hash((const __u32 *)k, sizeof(*k) / 4);
}

static __always_inline __u32 nt_tomb_set_of(__u64 hash)
{
	return (__u32)hash & (NT_TOMB_SETS - 1);
}

/* state bits of struct nt_conn; only ever set, by state_or() (bpf/netracker.bpf.c) */
#define NT_S_SYN	(1u << 0)	/* first SYN seen */
#define NT_S_SYNACK	(1u << 1)	/* SYN-ACK seen */
#define NT_S_EST	(1u << 2)	/* client's ACK of the SYN-ACK seen (or partial) */
#define NT_S_FIN_C	(1u << 3)	/* client sent FIN */
#define NT_S_FIN_S	(1u << 4)	/* server sent FIN */
#define NT_S_CLOSED	(1u << 5)	/* line emitted; entry about to be deleted */
#define NT_S_HO_LEFT	(1u << 6)	/* a NT_C_HALFOPEN entry left the half-open quota */
#define NT_S_NAMED	(1u << 7)	/* the client's first payload segment was looked at (names) */

/* conn flags (set at creation) */
#define NT_C_IPV6	(1u << 0)
#define NT_C_OUTBOUND	(1u << 1)
#define NT_C_PARTIAL	(1u << 2)
#define NT_C_CLIENT_LO	(1u << 3)	/* the client is the key's "lo" endpoint */
#define NT_C_LOCAL	(1u << 4)	/* seen on a loopback device: both ends local */
#define NT_C_HALFOPEN	(1u << 5)	/* opened half-open: counted in the quota until NT_S_HO_LEFT */

/*
 * The half-open quota (map "halfopen_count", an array of __s64): half-open entries of "conns"
 * = [NT_HO_KERNEL] - [NT_HO_SWEPT]. The kernel adds one when it opens a half-open entry and takes
 * one away when that entry completes its handshake or finishes (atomically, once per entry:
 * NT_S_HO_LEFT). User space, the only writer of [NT_HO_SWEPT], adds the half-open entries its
 * sweeper removed (unanswered handshakes), so no slot ever has two kinds of writer.
 */
#define NT_HO_KERNEL	0
#define NT_HO_SWEPT	1
#define NT_HO_SLOTS	2

/*
 * Health, per direction (index 0: sent by the client, 1: by the server), at the hook.
 * - Retransmission (Wireshark's tcp.analysis.retransmission): a segment with payload whose
 *   sequence starts below the highest end (seq + len, SYN and FIN count one) seen in that direction,
 *   except keep-alives (len <= 1 at nxt - 1). Counted in segments (gso_segs), as the sender's
 *   tcpi_total_retrans. Zero-window probes carry no payload and are never counted.
 * - Zero window: a segment of that side with window 0 and none of SYN, FIN, RST (Wireshark's
 *   tcp.analysis.zero_window); the time runs from the first such segment to that side's next
 *   non-zero window (or the end of the connection).
 * - RTT: one outstanding sample per connection: a data segment that leaves at egress (any
 *   side on loopback) while none is outstanding -> the first ACK from the other side at or past its
 *   end. Karn's rule: a retransmission of that direction below the sample's end drops the sample.
 *   At most one sample starts per coarse-clock tick; only its two packets read the precise clock.
 * Plain stores: one direction's data passes one hook; a rare race costs a sample, not a record.
 */
struct nt_dir {
	__u32	nxt;		/* highest seq + len seen; valid when NT_D_SEEN */
	__u32	retrans;
	__u32	zero_win;
	__u32	flags;		/* NT_D_* */
	__u64	zw_since;	/* precise ns of the first zero window still standing, 0 = none */
	__u64	last_payload;	/* ns (coarse clock) of the last segment with payload, 0 = never */
	/* Progress, for the open connection's state (retransmitting = this side retransmitted after
	 * the other side last acknowledged anything new). Times in NT_TICK_SHIFT units of the coarse
	 * clock since the connection's start, 0 = never: u32 and 16.8 ms are plenty for a state that
	 * waits a second, and the entry must stay small (a new one is built on the 512-byte stack). */
	__u32	retrans_at;	/* this side's last retransmission */
	__u32	ack_at;		/* this side's last ACK that acknowledged new data */
	__u32	acked;		/* the highest ACK number this side sent; valid when NT_D_ACKED */
	__u32	dir_pad;
};

#define NT_TICK_SHIFT	24	/* 2^24 ns = 16.8 ms; a u32 of them lasts 2.3 years */

#define NT_D_SEEN	(1u << 0)
#define NT_D_ACKED	(1u << 1)

struct nt_health {
	struct nt_dir dir[2];
	__u64	zero_win_ns;
	__u64	rtt_at;		/* precise ns the sampled segment left; 0 = no sample outstanding */
	__u32	rtt_end;	/* sequence the ACK must reach */
	__u32	rtt_dir;	/* which side sent the sampled segment */
	__u64	rtt_sum;
	__u64	rtt_min;
	__u64	rtt_max;
	__u32	rtt_samples;
	__u32	rtt_tick;	/* coarse ns >> NT_RTT_TICK_SHIFT when the last sample started */
};

#define NT_RTT_TICK_SHIFT	21	/* 2.1 ms: below a jiffy (4 ms at HZ 250), so one sample per tick */

struct nt_conn {
	__u8	client_addr[16];
	__u8	server_addr[16];
	__u64	start_ns;	/* first SYN, or first packet of a partial connection */
	__u64	synack_at;	/* absolute ns of the first SYN-ACK, 0 = not seen */
	__u64	ack_at;		/* absolute ns of the client's ACK of it, 0 = not seen */
	__u64	last_ns;	/* last packet, any direction */
	__u64	bytes_in;	/* TCP payload at ingress */
	__u64	bytes_out;	/* TCP payload at egress */
	__u32	packets_in;
	__u32	packets_out;
	__u32	state;		/* NT_S_* */
	__u32	syn_seq;	/* ISN of the first SYN: another ISN is another connection */
	__u32	syn_retransmits;
	__u16	client_port;	/* host order */
	__u16	server_port;
	__u32	flags;		/* NT_C_* */
	struct nt_owner owner;	/* the local socket's owner; pid 0 = not known (yet) */
	struct nt_health health;
};

/*
 * Reconciliation (checked by a test): every connection the program opens (NT_STAT_OPENED) is,
 * at any moment, finished (an event or line, or swept by user space) or live (in "conns" or
 * "conns4"). Nothing is evicted: both are plain hashes. What could not even be opened is counted apart:
 * NT_STAT_HALFOPEN_FULL, NT_STAT_CONNS_FULL, NT_STAT_INSERT_FAIL, and per interface in "ifdrops".
 */
struct nt_ifdrops {
	__u64	halfopen_full;	/* SYNs not tracked on this interface: the half-open quota was reached */
	__u64	conns_full;	/* SYNs not tracked on this interface: the table was full */
};

/* Written by user space before the programs are attached; instance_id 0 = track nothing. */
struct nt_config {
	__u32	instance_id;
	__u32	tombstone_ms;	/* how long a closed key absorbs trailing packets; 0 = default */
	__u32	transport;	/* NT_TRANSPORT_*: ring buffer event or trace line */
	__u32	wakeup_bytes;	/* ring buffer: wake the reader only past this much pending data */
	__u32	halfopen_max;	/* the half-open quota; 0 = NT_MAX_HALFOPEN */
	__u32	names;		/* NT_NAMES_*: which payload starts go to "names"; 0 = none */
};

/* nt_config.names */
#define NT_NAMES_DNS	(1u << 0)	/* DNS responses (UDP and TCP source port 53) */
#define NT_NAMES_TLS	(1u << 1)	/* a connection's first client segment starting 0x16 0x03 */
#define NT_NAMES_HTTP	(1u << 2)	/* ... or an HTTP/1 request line (plaintext Host) */

/* Per-CPU counters (map "stats"), summed by user space. */
enum nt_stat {
	NT_STAT_LINES = 0,	/* lines emitted with bpf_printk */
	NT_STAT_OPENED = 1,	/* connections created (incl. partial) */
	NT_STAT_PARTIAL = 2,	/* of which partial */
	NT_STAT_TRAILING = 3,	/* packets absorbed by a tombstone */
	NT_STAT_INSERT_FAIL = 4,	/* a partial connection (open before attach) refused: table full */
	NT_STAT_RB_DROPS = 5,	/* events lost: ring buffer full (reserve failed) */
	NT_STAT_EVENTS = 6,	/* events submitted to the ring buffer */
	NT_STAT_HALFOPEN_FULL = 7,	/* SYNs not tracked: the half-open quota was reached (a flood) */
	NT_STAT_CONNS_FULL = 8,	/* SYNs not tracked: the table was full (established connections) */
	NT_STAT_NAMES = 9,	/* payload starts submitted to "names" (struct nt_name_event) */
	NT_STAT_NAME_DROPS = 10,	/* payload starts lost: "names" full, or the copy failed */
	NT_STAT_MAX = 11,
};

/*
 * Names (docs/names.md): the start of a DNS response's payload, or of a connection's first client
 * segment, copied into a second ring buffer "names" so that user space can name the remote end
 * (DNS answers, TLS server name, HTTP Host). A buffer of its own: a burst of DNS answers never
 * takes the room of connection events. Only the payload's first NT_NAME_CAP bytes travel; what
 * the program sends is raw, untrusted bytes, parsed in C# (NeTracker.Probe/Names). Mirrored by
 * NeTracker.Probe/Abi/NtNameEvent.cs. Addresses and ports are the packet's own (source =
 * sender: the DNS server, or the connection's client); ports in host order.
 */
#define NT_NAME_VERSION		1
#define NT_NAME_CAP		2048	/* a power of two: a ClientHello with a post-quantum key share is ~1.8 KB */
#define NT_NAMES_RINGBUF	(2u << 20)	/* bytes */
#define NT_DNS_PORT		53

enum nt_name_kind {
	NT_NAME_DNS_UDP = 1,	/* a UDP datagram from port 53: one DNS message */
	NT_NAME_DNS_TCP = 2,	/* a TCP segment from port 53: DNS messages with 2-byte length prefixes */
	NT_NAME_FIRST = 3,	/* the client's first payload segment of a tracked connection */
};

/* nt_name_event.flags */
#define NT_NM_IPV6	(1u << 0)	/* else IPv4 (addresses v4-mapped) */
#define NT_NM_EGRESS	(1u << 1)	/* seen at egress; else ingress */

struct nt_name_event {
	__u16	size;		/* sizeof(struct nt_name_event) as the kernel object was built */
	__u8	version;	/* NT_NAME_VERSION */
	__u8	kind;		/* enum nt_name_kind */
	__u32	ifindex;
	__u8	src_addr[16];
	__u8	dst_addr[16];
	__u16	src_port;
	__u16	dst_port;
	__u16	len;		/* bytes of data[] copied: min(payload, NT_NAME_CAP) */
	__u16	flags;		/* NT_NM_* */
	__u32	wire_len;	/* the payload's length on the wire */
	__u32	pad;
	__u64	ts_ns;		/* bpf_ktime_get_ns() */
	__u8	data[NT_NAME_CAP];
};

#endif /* __NETRACKER_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NeTracker: follows every TCP connection at TC ingress and egress of an interface and emits
 * one event when it finishes: a binary struct nt_event into the ring buffer "events" (the
 * default transport), or an NTv1 text line with bpf_printk (the trace transport).
 *
 * One source, three objects (bpf/bpf.targets), so that what a kernel lacks never stops the rest
 * from loading; user space picks one by asking the kernel what it accepts
 * (NeTracker.Probe/Kernel/KernelFeatures.cs), never by its version string:
 * - netracker.bpf.o: ring buffer; atomic fetch-or on the state word, the coarse clock (Linux 5.12);
 * - netracker_compat.bpf.o (NT_COMPAT): ring buffer; nothing newer than Linux 5.10 — the state
 *   word changes under a bpf_spin_lock (see state_or()), and every packet reads the precise clock;
 * - netracker_trace.bpf.o (NT_TRACE): the trace transport, which needs bpf_trace_vprintk (5.16)
 *   and so keeps the full object's instructions.
 *
 * A passive observer: every path returns TC_ACT_UNSPEC and no packet byte is written.
 * Headers are read in place when they sit in the linear part of the skb (the common case)
 * and copied with bpf_skb_load_bytes when they do not.
 *
 * Each packet goes through named steps: parse -> track (look up or create the entry) ->
 * account (bytes, packets) -> transition (handshake, FIN, RST) -> emit (once per connection).
 *
 * One table per family ("conns4" for IPv4, "conns" for IPv6) for every connection from its
 * first SYN, with a quota for the half-open ones so that a SYN flood can never crowd out established connections: the table holds
 * MaxConnections + MaxHalfOpen entries and a SYN is refused while MaxHalfOpen handshakes are in
 * progress ("halfopen_count"). A plain hash (no silent LRU eviction): what it refuses is
 * counted, per interface too (bpf/netracker.h, "Reconciliation"). Why not two tables (a
 * half-open one and a promotion into "conns" at the handshake's ACK, as before): the promotion
 * was an insert and a delete per connection, ~15 % of the program's time (bench/FINDINGS.md).
 *
 * Concurrency: ingress and egress of one connection run on different CPUs at the same time
 * (simultaneous close sends both FINs at once). State only grows, by state_or(); whoever
 * sets NT_S_CLOSED first is the one that emits, so each connection is emitted once. Counters
 * grow by atomic add whose result is unused: the one atomic operation Linux 5.10 has.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netracker.h"

/* Where a new entry is built before its one insert: a struct nt_conn does not fit the 512-byte
 * stack beside the rest of a run. Per CPU: a run does not migrate, and nothing else runs
 * between building and inserting. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_conn);
} scratch SEC(".maps");

/* Every connection followed, from its first SYN (and partial ones, open before we attached):
 * the IPv6 ones in "conns", the IPv4 ones in "conns4" under a key of 16 bytes instead of 44
 * (bpf/netracker.h, struct nt_key4). Each has room for MaxConnections + MaxHalfOpen; the
 * half-open quota counts both. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NT_MAX_CONNS + NT_MAX_HALFOPEN);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* as the loader creates it (BpfLoader.SizedMaps) */
	__type(key, struct nt_key);
	__type(value, struct nt_conn);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NT_MAX_CONNS + NT_MAX_HALFOPEN);
	__type(key, struct nt_key4);
	__type(value, struct nt_conn);
} conns4 SEC(".maps");

/* A packet's key, for whichever table its family has. */
struct nt_tkey {
	union {
		struct nt_key v6;
		struct nt_key4 v4;
	};
	__u32	is_v4;
	__u32	ifindex;
};

/* One call site per table: clang would otherwise sink the two calls of a branch into one with a
 * selected map pointer, which the verifier cannot inline (every lookup would then be a helper
 * call: the first try of conns4 measured slower for it, bench/FINDINGS.md, round 7). */
#define NT_NO_SINK()	asm volatile("" ::: "memory")

static __always_inline struct nt_conn *conn_lookup(const struct nt_tkey *k)
{
	struct nt_conn *c;

	if (k->is_v4) {
		c = bpf_map_lookup_elem(&conns4, &k->v4);
		NT_NO_SINK();
		return c;
	}
	return bpf_map_lookup_elem(&conns, &k->v6);
}

/* Inserts a new entry; 0 when it was inserted (BPF_NOEXIST: never over another CPU's). */
static __always_inline long conn_insert(const struct nt_tkey *k, const struct nt_conn *c)
{
	long err;

	if (k->is_v4) {
		err = bpf_map_update_elem(&conns4, &k->v4, c, BPF_NOEXIST);
		NT_NO_SINK();
		return err;
	}
	return bpf_map_update_elem(&conns, &k->v6, c, BPF_NOEXIST);
}

static __always_inline void conn_delete(const struct nt_tkey *k)
{
	if (k->is_v4) {
		bpf_map_delete_elem(&conns4, &k->v4);
		NT_NO_SINK();
		return;
	}
	bpf_map_delete_elem(&conns, &k->v6);
}

/* The tombstones' hash: of the key in its table's form, as user space computes it (NtTomb.KeyHash). */
static __always_inline __u64 tkey_hash(const struct nt_tkey *k)
{
	return k->is_v4 ? nt_key4_hash(&k->v4) : nt_key_hash(&k->v6);
}

/* How many entries of "conns" are half-open (bpf/netracker.h, NT_HO_*): the flood's quota. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NT_HO_SLOTS);
	__type(key, __u32);
	__type(value, __s64);
} halfopen_count SEC(".maps");

/* ifindex -> what a full table refused there. Touched only when a table is full. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, NT_MAX_IFDROPS);
	__type(key, __u32);
	__type(value, struct nt_ifdrops);
} ifdrops SEC(".maps");

/* Tombstones: recently finished keys (bpf/netracker.h, struct nt_tomb_set). A map of its own
 * (not a state in "conns") so that the user-space sweep of "conns" only walks live connections. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NT_TOMB_SETS);
	__type(key, __u32);
	__type(value, struct nt_tomb_set);
} closed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NT_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

#ifndef NT_TRACE
/* The event stream. User space creates it first with the configured size and the loader
 * reuses that pinned map (bpftool "map name events pinned PATH"), so this size is only the
 * fallback; a pinned buffer also keeps events while the reader restarts. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NT_RINGBUF_DEFAULT);
} events SEC(".maps");

/* Payload starts for names (bpf/netracker.h, struct nt_name_event). Only the kernel's default
 * size: the reader drains it before each batch of events and is never woken for it. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, NT_NAMES_RINGBUF);
} names SEC(".maps");
#endif

#ifdef NT_COMPAT
/* The locks under which the compat object changes a connection's state word (state_or()): one
 * stripe per key hash, so both CPUs of one connection take the same lock. */
struct nt_state_lock {
	struct bpf_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NT_STATE_LOCKS);
	__type(key, __u32);
	__type(value, struct nt_state_lock);
} state_locks SEC(".maps");
#endif

#include "netracker_owner_maps.h"	/* "owners", "connecting": process attribution */
#include "netracker_lease.h"	/* "lease": programs without a reader go dormant */

#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8
#define LOOPBACK_IFINDEX 1	/* "lo" has ifindex 1 in every network namespace */

struct nt_pkt {
	__u8	saddr[16];
	__u8	daddr[16];
	__u16	sport;		/* network order */
	__u16	dport;
	__u32	seq;
	__u32	ack;
	__u32	payload;
	__u32	poff;		/* where the payload starts (from skb->data) */
	__u16	win;		/* the window field as sent (unscaled: only 0 or not matters) */
	__u8	flags;		/* TCP flag byte: FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10 */
	__u8	family;
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &idx);

	if (v)
		*v += 1;	/* per-CPU: no atomics needed */
}

/* A SYN refused on this interface: the half-open quota, or (conns_full) the table, was full. */
static __always_inline void count_full(__u32 ifindex, int conns_full)
{
	struct nt_ifdrops zero = {}, *d = bpf_map_lookup_elem(&ifdrops, &ifindex);

	stat_inc(conns_full ? NT_STAT_CONNS_FULL : NT_STAT_HALFOPEN_FULL);
	if (!d) {
		bpf_map_update_elem(&ifdrops, &ifindex, &zero, BPF_NOEXIST);
		d = bpf_map_lookup_elem(&ifdrops, &ifindex);
		if (!d)
			return;
	}
	if (conns_full)
		d->conns_full += 1;	/* per-CPU value: no atomics needed */
	else
		d->halfopen_full += 1;
}

static __always_inline void v4_mapped(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/* The key finished less than ttl ago. */
static __always_inline int tomb_hit(const struct nt_tkey *k, __u64 now, __u64 ttl)
{
	__u64 h = tkey_hash(k);
	__u32 set = nt_tomb_set_of(h);
	struct nt_tomb_set *s = bpf_map_lookup_elem(&closed, &set);
	int i;

	if (!s)
		return 0;
#pragma unroll
	for (i = 0; i < NT_TOMB_WAYS; i++)
		/* Signed: a coarse "now" may be up to a tick before a precise stamp (see handle()). */
		if (s->way[i].hash == h && s->way[i].closed_ns && (__s64)(now - s->way[i].closed_ns) < (__s64)ttl)
			return 1;
	return 0;
}

/* Remembers the key as finished at now: in its own way if it is there already, else in the
 * way with the oldest stamp (an empty way has stamp 0). */
static __always_inline void tomb_put(const struct nt_tkey *k, __u64 now)
{
	__u64 h = tkey_hash(k), oldest = ~0ull;
	__u32 set = nt_tomb_set_of(h), victim = 0;
	struct nt_tomb_set *s = bpf_map_lookup_elem(&closed, &set);
	struct nt_tomb *t;
	int i;

	if (!s)
		return;
#pragma unroll
	for (i = 0; i < NT_TOMB_WAYS; i++) {
		if (s->way[i].hash == h) {
			victim = i;
			break;
		}
		if (s->way[i].closed_ns < oldest) {
			oldest = s->way[i].closed_ns;
			victim = i;
		}
	}
	t = &s->way[victim & (NT_TOMB_WAYS - 1)];
	t->hash = h;
	t->closed_ns = now;
}

/* A header at off: in place when it is in the linear data, else copied into buf.
 * NULL when the packet is shorter. */
static __always_inline void *header(struct __sk_buff *skb, __u32 off, void *buf, __u32 len)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	if (data + off + len <= data_end)
		return data + off;
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return NULL;
	return buf;
}

/* A UDP datagram: only a DNS response (source port 53) is of interest, for names — for any
 * other datagram this port check is all the program does. Returns 1 with p->poff and
 * p->payload set, else -1. */
static __always_inline int parse_udp(struct __sk_buff *skb, struct nt_pkt *p, __u32 off, __u32 ip_payload)
{
	struct udphdr uh_buf, *uh;
	__u32 ulen;

	uh = header(skb, off, &uh_buf, sizeof(uh_buf));
	if (!uh || uh->source != bpf_htons(NT_DNS_PORT))
		return -1;
	ulen = bpf_ntohs(uh->len);
	if (ulen < sizeof(uh_buf) || ulen > ip_payload)
		return -1;
	p->sport = uh->source;
	p->dport = uh->dest;
	p->payload = ulen - sizeof(uh_buf);
	p->poff = off + sizeof(uh_buf);
	return 1;
}

/* Ethernet (+ one 802.1Q/802.1ad tag left in the data), IPv4 with options, IPv6 with TCP
 * right after the fixed header, TCP with doff. Returns 0 for a TCP segment we can follow,
 * 1 for a DNS response over UDP (parse_udp()). */
static __always_inline int parse(struct __sk_buff *skb, struct nt_pkt *p)
{
	struct ethhdr eth_buf;
	struct tcphdr th_buf;
	struct ethhdr *eth;
	struct tcphdr *th;
	__u32 off = sizeof(struct ethhdr);
	__u32 ip_payload, doff;
	__u16 proto;
	__u8 l4;

	/* Not IP: nothing else to read (ARP, LLDP, ...). skb->protocol is the EtherType the stack
	 * saw, outer tag included, so a tagged frame still goes through. */
	if (skb->protocol != bpf_htons(ETH_P_IP) && skb->protocol != bpf_htons(ETH_P_IPV6)
	    && skb->protocol != bpf_htons(ETH_P_8021Q_) && skb->protocol != bpf_htons(ETH_P_8021AD_))
		return -1;
	eth = header(skb, 0, &eth_buf, sizeof(eth_buf));
	if (!eth)
		return -1;
	proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q_) || proto == bpf_htons(ETH_P_8021AD_)) {
		__be16 tag_buf[2], *tag;	/* TCI, encapsulated protocol */

		tag = header(skb, off, tag_buf, sizeof(tag_buf));
		if (!tag)
			return -1;
		proto = tag[1];
		off += sizeof(tag_buf);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip_buf, *ip;
		__u32 ihl;

		ip = header(skb, off, &ip_buf, sizeof(ip_buf));
		if (!ip)
			return -1;
		l4 = ip->protocol;
		if ((l4 != IPPROTO_TCP && l4 != IPPROTO_UDP) || (ip->frag_off & bpf_htons(0x1fff)))
			return -1;
		ihl = ip->ihl * 4;
		if (ihl < sizeof(ip_buf) || bpf_ntohs(ip->tot_len) < ihl)
			return -1;
		v4_mapped(p->saddr, ip->saddr);
		v4_mapped(p->daddr, ip->daddr);
		p->family = 4;
		ip_payload = bpf_ntohs(ip->tot_len) - ihl;
		off += ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6_buf, *ip6;

		ip6 = header(skb, off, &ip6_buf, sizeof(ip6_buf));
		if (!ip6)
			return -1;
		l4 = ip6->nexthdr;
		if (l4 != IPPROTO_TCP && l4 != IPPROTO_UDP)
			return -1;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		p->family = 6;
		ip_payload = bpf_ntohs(ip6->payload_len);
		off += sizeof(ip6_buf);
	} else {
		return -1;
	}
	if (l4 == IPPROTO_UDP)
		return parse_udp(skb, p, off, ip_payload);

	th = header(skb, off, &th_buf, sizeof(th_buf));
	if (!th)
		return -1;
	doff = th->doff * 4u;
	if (doff < sizeof(th_buf) || doff > ip_payload)
		return -1;
	p->sport = th->source;
	p->dport = th->dest;
	p->seq = bpf_ntohl(th->seq);
	p->ack = bpf_ntohl(th->ack_seq);
	p->win = th->window;
	p->flags = ((__u8 *)th)[13];
	p->payload = ip_payload - doff;
	p->poff = off + doff;
	return 0;
}

/* A total order on (address, port): which endpoint is the key's "lo". */
static __always_inline int src_is_lo(const struct nt_pkt *p)
{
	const __u64 *s = (const __u64 *)p->saddr, *d = (const __u64 *)p->daddr;

	if (s[0] != d[0])
		return s[0] < d[0];
	if (s[1] != d[1])
		return s[1] < d[1];
	return p->sport <= p->dport;
}

/* The whole key is zeroed first, also for IPv4: the verifier of older kernels checks every byte
 * a map call could read on each path it follows, the IPv6 table's too. */
static __always_inline void make_key(struct nt_tkey *t, const struct nt_pkt *p, int lo, __u32 ifindex)
{
	const __u8 *l = lo ? p->saddr : p->daddr, *h = lo ? p->daddr : p->saddr;

	__builtin_memset(t, 0, sizeof(*t));
	t->ifindex = ifindex;
	if (p->family == 4) {
		struct nt_key4 *k = &t->v4;

		t->is_v4 = 1;
		__builtin_memcpy(&k->lo_addr, l + 12, 4);	/* the address of the v4-mapped form */
		__builtin_memcpy(&k->hi_addr, h + 12, 4);
		k->lo_port = lo ? p->sport : p->dport;
		k->hi_port = lo ? p->dport : p->sport;
		k->ifindex = ifindex;
	} else {
		struct nt_key *k = &t->v6;

		__builtin_memcpy(k->lo_addr, l, 16);
		__builtin_memcpy(k->hi_addr, h, 16);
		k->lo_port = lo ? p->sport : p->dport;
		k->hi_port = lo ? p->dport : p->sport;
		k->ifindex = ifindex;
		k->family = p->family;
	}
}

static __always_inline __u32 direction_of(const struct nt_conn *c)
{
	if (c->flags & NT_C_LOCAL)
		return NT_DIR_LOCAL;
	return c->flags & NT_C_OUTBOUND ? NT_DIR_OUTBOUND : NT_DIR_INBOUND;
}

/*
 * Sets bits of a connection's state word and returns the word as it was before: whoever finds a
 * bit unset in the returned value is the one CPU that set it. finish() relies on it to emit each
 * connection exactly once (NT_S_CLOSED), leave_halfopen() to leave the quota once (NT_S_HO_LEFT),
 * transition() to know which FIN was the second.
 *
 * Full object: one atomic fetch-or (BPF_ATOMIC | BPF_FETCH, Linux 5.12).
 * Compat object (NT_COMPAT, Linux 5.10 has only atomic add without fetch): the load, the or and
 * the store happen under the bpf_spin_lock of the key's stripe. It is as sound as the fetch-or
 * because (1) every write of a live entry's state word, on either CPU, goes through this function
 * (the only other write is the initial value, on the stack, before the entry is inserted; user
 * space never writes it), and (2) both CPUs of a connection derive the stripe from the same key,
 * so they take the same lock: the read-modify-writes of one word are serialised, and exactly one
 * of two concurrent callers sees a bit unset. Plain reads elsewhere (c->state & X) are hints, as
 * with the full object. The critical section holds no helper call (the verifier's rule for spin
 * locks). An array lookup with an index below max_entries cannot fail; if it did, the bits count
 * as already set, so nobody emits twice (the sweeper reports the entry later).
 * tests/NeTracker.Kernel.Tests/Compat/StateRaceTests races the two FINs of one connection on two
 * CPUs through both objects (a build of this function without the lock loses connections there).
 */
static __always_inline __u32 state_or(struct nt_conn *c, const struct nt_tkey *k, __u32 bits)
{
#ifdef NT_COMPAT
	__u32 stripe = (__u32)tkey_hash(k) & (NT_STATE_LOCKS - 1), old;
	struct nt_state_lock *l = bpf_map_lookup_elem(&state_locks, &stripe);

	if (!l)
		return bits;
	bpf_spin_lock(&l->lock);
	old = c->state;
	c->state = old | bits;
	bpf_spin_unlock(&l->lock);
	return old;
#else
	return __sync_fetch_and_or(&c->state, bits);
#endif
}

/* The clock for packets whose time is no figure of a record (see handle()). */
static __always_inline __u64 coarse_now(void)
{
#ifdef NT_COMPAT
	return bpf_ktime_get_ns();	/* bpf_ktime_get_coarse_ns is Linux 5.11 */
#else
	return bpf_ktime_get_coarse_ns();
#endif
}

#ifdef NT_TRACE
/* The trace transport: one NTv1 line (bpf/netracker.h), readable with cat. */
static __always_inline void emit_line(const struct nt_conn *c, const struct nt_tkey *k, __u32 instance,
				      __u64 dur, __u32 reason, __u32 closed_by)
{
	__u8 client[16], server[16];
	__u64 synack_at = c->synack_at, ack_at = c->ack_at, meta, flags, retrans, dir;

	__builtin_memcpy(client, c->client_addr, 16);
	__builtin_memcpy(server, c->server_addr, 16);
	retrans = c->syn_retransmits > 0xffff ? 0xffff : c->syn_retransmits;
	dir = direction_of(c);
	flags = (c->flags & NT_C_IPV6 ? NT_F_IPV6 : 0) |
		(dir == NT_DIR_OUTBOUND ? NT_F_OUTBOUND : 0) |
		(dir == NT_DIR_LOCAL ? NT_F_LOCAL : 0) |
		(c->flags & NT_C_PARTIAL ? NT_F_PARTIAL : 0) |
		(reason & NT_F_REASON_MASK) << NT_F_REASON_SHIFT |
		(closed_by & NT_F_CLOSEDBY_MASK) << NT_F_CLOSEDBY_SHIFT;
	meta = (__u64)c->client_port << 48 | (__u64)c->server_port << 32 | flags << 16 | retrans;

	bpf_printk(NT_LINE_FMT, (__u64)instance << 32 | k->ifindex, meta, client, server,
		   c->start_ns, dur,
		   synack_at ? synack_at - c->start_ns : 0,
		   ack_at && synack_at ? ack_at - synack_at : 0,
		   c->bytes_in, c->bytes_out,
		   (__u64)c->packets_in << 32 | c->packets_out);
	stat_inc(NT_STAT_LINES);
}
#else

/* The owner travels only when known (NT_EV_OWNER); otherwise the fields are zero. */
static __always_inline void copy_owner(struct nt_event *e, const struct nt_conn *c)
{
	e->pid = c->owner.pid;
	e->cgroup_id = c->owner.cgroup_id;
	__builtin_memcpy(e->comm, c->owner.comm, sizeof(e->comm));
	if (c->owner.pid)
		e->flags |= c->owner.flags & NT_OWNER_PROC ? NT_EV_OWNER | NT_EV_OWNER_PROC : NT_EV_OWNER;
}

/* The health fields (struct nt_health); a window still zero at the end counts until then. */
static __always_inline void copy_health(struct nt_event *e, const struct nt_health *h, __u64 end)
{
	__u64 zw = h->zero_win_ns, since;
	int i;

#pragma unroll
	for (i = 0; i < 2; i++) {
		since = h->dir[i].zw_since;
		if (since && end > since)
			zw += end - since;
	}
	e->retrans_c = h->dir[0].retrans;
	e->retrans_s = h->dir[1].retrans;
	e->zero_win_c = h->dir[0].zero_win;
	e->zero_win_s = h->dir[1].zero_win;
	e->zero_win_ns = zw;
	e->rtt_samples = h->rtt_samples;
	e->rtt_min_ns = h->rtt_samples ? h->rtt_min : 0;
	e->rtt_max_ns = h->rtt_max;
	e->rtt_avg_ns = h->rtt_samples ? h->rtt_sum / h->rtt_samples : 0;
	e->pad2 = 0;
	e->last_c_ns = h->dir[0].last_payload;
	e->last_s_ns = h->dir[1].last_payload;
}

/* The ring-buffer transport: one struct nt_event. A full buffer is counted, never silent.
 * The reader is woken only once enough is pending (it also polls on a short timer), so a
 * busy host pays one wakeup per batch instead of one per connection. */
static __always_inline void emit_event(const struct nt_conn *c, const struct nt_tkey *k,
				       const struct nt_config *cfg, __u64 dur, __u32 reason, __u32 closed_by)
{
	struct nt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	__u64 synack_at = c->synack_at, ack_at = c->ack_at, wake, *n;
	__u32 events_idx = NT_STAT_EVENTS;

	if (!e) {
		stat_inc(NT_STAT_RB_DROPS);
		return;
	}
	e->size = sizeof(*e);
	e->version = NT_EVENT_VERSION;
	e->direction = direction_of(c);
	e->ifindex = k->ifindex;
	__builtin_memcpy(e->client_addr, c->client_addr, 16);
	__builtin_memcpy(e->server_addr, c->server_addr, 16);
	e->start_ns = c->start_ns;
	e->duration_ns = dur;
	e->synack_ns = synack_at ? synack_at - c->start_ns : 0;
	e->ack_ns = ack_at && synack_at ? ack_at - synack_at : 0;
	e->bytes_in = c->bytes_in;
	e->bytes_out = c->bytes_out;
	e->packets_in = c->packets_in;
	e->packets_out = c->packets_out;
	e->client_port = c->client_port;
	e->server_port = c->server_port;
	e->close_reason = reason;
	e->closed_by = closed_by;
	e->flags = (c->flags & NT_C_IPV6 ? NT_EV_IPV6 : 0) | (c->flags & NT_C_PARTIAL ? NT_EV_PARTIAL : 0);
	e->syn_retransmits = c->syn_retransmits;
	copy_owner(e, c);
	copy_health(e, &c->health, c->start_ns + dur);
	/* 0: the kernel's own policy (wake a reader that has caught up). Otherwise stay quiet and
	 * wake the reader once past the threshold — checked on every 64th event of a CPU only: the
	 * reader polls on a short timer anyway, and asking the buffer how full it is reads the
	 * consumer's cache line (asking on every event cost ~90 ns per egress run, bench/bpf_ab.sh). */
	n = bpf_map_lookup_elem(&stats, &events_idx);
	if (n)
		*n += 1;	/* NT_STAT_EVENTS, per CPU */
	wake = !cfg->wakeup_bytes ? 0
		: n && (*n & 63) == 0 && bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg->wakeup_bytes
		? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
	bpf_ringbuf_submit(e, wake);
}
#endif

/* The entry is half-open (counted in the quota) and has not left it yet. */
static __always_inline int is_halfopen(const struct nt_conn *c)
{
	return (c->flags & NT_C_HALFOPEN) && !(c->state & NT_S_HO_LEFT);
}

/* The entry leaves the half-open quota — its handshake completed, or it finished before that —
 * exactly once, whichever CPU gets there first. */
static __always_inline void leave_halfopen(struct nt_conn *c, const struct nt_tkey *k)
{
	__u32 idx = NT_HO_KERNEL;
	__s64 *n;

	if (!is_halfopen(c) || (state_or(c, k, NT_S_HO_LEFT) & NT_S_HO_LEFT))
		return;
	n = bpf_map_lookup_elem(&halfopen_count, &idx);
	if (n)
		__sync_fetch_and_add(n, -1);	/* result unused: a plain atomic add (Linux 5.10 has it) */
}

/* Room for one more half-open entry. Two CPUs may both take the last place: the quota is a
 * bound give or take one entry per CPU, and the table has room for that. */
static __always_inline int halfopen_room(const struct nt_config *cfg)
{
	__u32 k = NT_HO_KERNEL, u = NT_HO_SWEPT;
	__s64 *kernel = bpf_map_lookup_elem(&halfopen_count, &k), *swept = bpf_map_lookup_elem(&halfopen_count, &u);
	__s64 max = cfg->halfopen_max ? cfg->halfopen_max : NT_MAX_HALFOPEN;

	return kernel && swept && *kernel - *swept < max;
}

/* A new half-open entry is in the table: it counts against the quota. */
static __always_inline void count_halfopen(void)
{
	__u32 idx = NT_HO_KERNEL;
	__s64 *n = bpf_map_lookup_elem(&halfopen_count, &idx);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/* Emits the connection (once), moves its key to the tombstones and deletes the entry. Callers
 * have counted the current packet already, so the bytes of a FIN or RST with data are included. */
static __always_inline void finish(struct nt_conn *c, const struct nt_tkey *k, const struct nt_config *cfg,
				   __u64 now, __u32 reason, __u32 closed_by)
{
	__u32 old = state_or(c, k, NT_S_CLOSED);

	if (old & NT_S_CLOSED)
		return;
#ifdef NT_TRACE
	emit_line(c, k, cfg->instance_id, now - c->start_ns, reason, closed_by);
#else
	emit_event(c, k, cfg, now - c->start_ns, reason, closed_by);
#endif

	tomb_put(k, now);
	leave_halfopen(c, k);
	conn_delete(k);
}

/* Bytes and packets. "out" is what the local side sent: egress, or on loopback (where only
 * egress is watched) what the client sent. */
static __always_inline void account(struct nt_conn *c, struct __sk_buff *skb, const struct nt_pkt *p,
				    int out, __u64 now)
{
	__u32 segs = skb->gso_segs ? skb->gso_segs : 1;

	if (out) {
		__sync_fetch_and_add(&c->bytes_out, p->payload);
		__sync_fetch_and_add(&c->packets_out, segs);
	} else {
		__sync_fetch_and_add(&c->bytes_in, p->payload);
		__sync_fetch_and_add(&c->packets_in, segs);
	}
	if (now > c->last_ns)	/* a coarse clock lags the precise one: never go back */
		c->last_ns = now;
}

/* The first packet's bytes, into an entry still on the stack: nobody else sees it yet. */
static __always_inline void account_fresh(struct nt_conn *c, struct __sk_buff *skb, const struct nt_pkt *p, int out)
{
	__u32 segs = skb->gso_segs ? skb->gso_segs : 1;

	if (out) {
		c->bytes_out = p->payload;
		c->packets_out = segs;
	} else {
		c->bytes_in = p->payload;
		c->packets_in = segs;
	}
}

static __always_inline struct nt_conn *scratch_conn(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Fills a new entry: the packet's source is the client when client_is_src. */
static __always_inline void init_conn(struct nt_conn *c, const struct nt_pkt *p, int lo,
				      int client_is_src, int egress, int local, __u64 now)
{
	__builtin_memset(c, 0, sizeof(*c));
	if (client_is_src) {
		__builtin_memcpy(c->client_addr, p->saddr, 16);
		__builtin_memcpy(c->server_addr, p->daddr, 16);
		c->client_port = bpf_ntohs(p->sport);
		c->server_port = bpf_ntohs(p->dport);
	} else {
		__builtin_memcpy(c->client_addr, p->daddr, 16);
		__builtin_memcpy(c->server_addr, p->saddr, 16);
		c->client_port = bpf_ntohs(p->dport);
		c->server_port = bpf_ntohs(p->sport);
	}
	/* At egress the source is local; at ingress the destination is. The direction says
	 * whether the client is local (outbound) or remote (inbound); on loopback both are. */
	if (local)
		c->flags |= NT_C_LOCAL;
	else if (client_is_src == egress)
		c->flags |= NT_C_OUTBOUND;
	if (p->family == 6)
		c->flags |= NT_C_IPV6;
	if (lo == client_is_src)
		c->flags |= NT_C_CLIENT_LO;
	c->start_ns = now;
	c->last_ns = now;
}

/* What one packet is, once parsed, for the steps after it. */
struct nt_ctx {
	struct __sk_buff *skb;
	const struct nt_config *cfg;
	struct nt_pkt p;
	struct nt_tkey k;
	__u64 now;	/* precise (bpf_ktime_get_ns) or coarse: see handle() */
	int precise;
	int lo;		/* the packet's source is the key's "lo" endpoint */
	int egress;
	int local;	/* on loopback */
	int syn;	/* a bare SYN (no ACK, no RST) */
};

/* Opens a partial entry if the key is not there yet; on a race lost to another CPU that CPU's
 * entry is the one to use. What a full table (or, for a half-open one, the quota) refuses is
 * counted. */
static __always_inline struct nt_conn *insert_partial(const struct nt_ctx *x, struct nt_conn *c)
{
	struct nt_conn *found;

	if ((c->flags & NT_C_HALFOPEN) && !halfopen_room(x->cfg)) {
		stat_inc(NT_STAT_INSERT_FAIL);
		return NULL;
	}
	if (!conn_insert(&x->k, c)) {
		if (c->flags & NT_C_HALFOPEN)
			count_halfopen();
		stat_inc(NT_STAT_OPENED);
		stat_inc(NT_STAT_PARTIAL);
		return conn_lookup(&x->k);
	}
	found = conn_lookup(&x->k);
	if (!found)
		stat_inc(NT_STAT_INSERT_FAIL);
	return found;
}

static __always_inline __u32 first_fin(const struct nt_conn *c)
{
	return c->state & NT_S_FIN_C ? NT_BY_CLIENT : c->state & NT_S_FIN_S ? NT_BY_SERVER : NT_BY_NONE;
}

/* The precise time of this packet, for a figure of the record. */
static __always_inline __u64 precise_now(struct nt_ctx *x)
{
	if (!x->precise) {
		x->now = bpf_ktime_get_ns();
		x->precise = 1;
	}
	return x->now;
}

/* Step "track", SYN on a known key: a retransmission of the first SYN (returns the entry,
 * counted), or a new connection on a reused port (the old one is finished: returns NULL). */
static __always_inline struct nt_conn *syn_on_known(struct nt_ctx *x, struct nt_conn *c)
{
	int is_client = !!(c->flags & NT_C_CLIENT_LO) == x->lo;

	/* The same client repeating its ISN: a retransmitted SYN, also after a SYN-ACK that
	 * was lost beyond this hook. A new connection on the port has a new ISN. */
	if (is_client && !(c->flags & NT_C_PARTIAL) && c->syn_seq == x->p.seq) {
		__sync_fetch_and_add(&c->syn_retransmits, 1);
		return c;
	}
	finish(c, &x->k, x->cfg, x->now,
	       c->state & NT_S_SYNACK ? NT_CLOSE_TIMEOUT : NT_CLOSE_UNANSWERED, first_fin(c));
	return NULL;
}

static __always_inline void note_owner(struct nt_ctx *x, struct nt_conn *c, int is_client);

/* Step "track", a bare SYN: the half-open entry is filled in "scratch" (first bytes, owner)
 * and inserted by one update, with no lookup before it — a first SYN is the common case.
 * *opened says it was inserted (or refused: the quota — a flood — or a full table, counted per
 * interface; nothing to track). Otherwise the key is there already — a retransmission, a reused
 * port, another CPU's SYN just before — and that entry is returned, for syn_on_known(), also
 * while a flood fills the quota (tests/NeTracker.Kernel.Tests/Probe/HalfOpenQuotaTests). */
static __always_inline struct nt_conn *open_syn(struct nt_ctx *x, int *opened)
{
	struct nt_conn *fresh = scratch_conn(), *found;
	int room = halfopen_room(x->cfg);

	if (room && fresh) {
		init_conn(fresh, &x->p, x->lo, 1, x->egress, x->local, x->now);
		fresh->state = NT_S_SYN;
		fresh->syn_seq = x->p.seq;
		fresh->health.dir[0].nxt = x->p.seq + 1;	/* the SYN takes one sequence number */
		fresh->health.dir[0].flags = NT_D_SEEN;
		account_fresh(fresh, x->skb, &x->p, x->local ? 1 : x->egress);
		note_owner(x, fresh, 1);
		fresh->flags |= NT_C_HALFOPEN;
		if (!conn_insert(&x->k, fresh)) {
			count_halfopen();
			stat_inc(NT_STAT_OPENED);
			*opened = 1;
			return NULL;
		}
	}
	found = conn_lookup(&x->k);
	*opened = !found;
	if (!found)
		count_full(x->k.ifindex, room);
	return found;
}

/* Step "track", unknown key and no SYN: trailing packets of a finished connection are
 * absorbed; anything else is a connection open before we attached (partial). Returns NULL
 * when nothing is to be tracked. */
static __always_inline struct nt_conn *create(struct nt_ctx *x)
{
	struct nt_conn *fresh = scratch_conn();
	const struct nt_pkt *p = &x->p;
	__u64 ttl;
	/* Trailing packets of a finished connection never start a new one. */
	if (!fresh)
		return NULL;	/* cannot happen: index 0 of a one-entry array */
	ttl = x->cfg->tombstone_ms ? (__u64)x->cfg->tombstone_ms * 1000000 : NT_TOMBSTONE_NS_DEFAULT;
	if (tomb_hit(&x->k, x->now, ttl)) {
		stat_inc(NT_STAT_TRAILING);
		return NULL;
	}
	if (p->flags & TH_RST)
		return NULL;	/* a reset of something we never saw */
	precise_now(x);	/* its start is a figure of the record */
	/* Open before we attached. A SYN-ACK names the client (its destination); otherwise the
	 * higher port is taken to be the client's ephemeral one. */
	if (p->flags & TH_SYN)
		init_conn(fresh, p, x->lo, 0, x->egress, x->local, x->now);
	else
		init_conn(fresh, p, x->lo, bpf_ntohs(p->sport) >= bpf_ntohs(p->dport), x->egress, x->local, x->now);
	fresh->flags |= NT_C_PARTIAL;
	/* A SYN-ACK: the handshake is still to complete (half-open); anything else is past it. */
	if (p->flags & TH_SYN) {
		fresh->flags |= NT_C_HALFOPEN;
		fresh->state = NT_S_SYN | NT_S_SYNACK;
	} else {
		fresh->state = NT_S_SYN | NT_S_SYNACK | NT_S_EST;
	}
	return insert_partial(x, fresh);
}

/* Step "owner": who owns the local socket (bpf/netracker_sock.bpf.c fills the maps). Only
 * egress packets carry a local socket (skb->sk):
 * - the client's first SYN leaves in the task that called connect(2), on the CPU whose
 *   "connecting" slot that call just filled: the owner when the cookies match;
 * - a SYN-ACK carries the request socket: its listener's storage names the server;
 * - otherwise the socket's own storage (a client that bound explicitly, or a socket older than
 *   NeTracker that user space named from /proc).
 * Looked up until found: afterwards a connection pays one load per packet. On loopback both
 * ends are local: the client's (the one that connected) names it. Forwarded packets and those
 * of other network namespaces have no socket here (veth orphans them), so they stay without
 * an owner. */
static __always_inline void note_owner(struct nt_ctx *x, struct nt_conn *c, int is_client)
{
	struct bpf_sock *sk, *l;
	struct nt_owner *o;

#ifdef NT_BENCH_NO_OWNER
	return;	/* bench/owner_cost.sh: the same program without this step, for the difference */
#endif
	if (!x->egress || c->owner.pid || (x->local && !is_client))
		return;
	sk = x->skb->sk;
	if (!sk)
		return;
	if (x->syn && is_client) {
		__u32 zero = 0;
		struct nt_connecting *n = bpf_map_lookup_elem(&connecting, &zero);
		__u64 cookie = n ? READ_ONCE_U64(n->cookie) : 0;

		if (cookie && cookie == bpf_get_socket_cookie(x->skb)) {
			c->owner = n->owner;
			return;
		}
	}
	l = bpf_get_listener_sock(sk);
	if (l) {
		o = bpf_sk_storage_get(&owners, l, 0, 0);
	} else {
		sk = bpf_sk_fullsock(sk);
		if (!sk)
			return;
		o = bpf_sk_storage_get(&owners, sk, 0, 0);
	}
	if (o && o->pid)
		c->owner = *o;
}

/* A progress stamp (struct nt_dir): ticks since the start, at least 1 (0 means never). */
static __always_inline __u32 health_tick(const struct nt_conn *c, __u64 now)
{
	return (__u32)((now > c->start_ns ? now - c->start_ns : 0) >> NT_TICK_SHIFT) + 1;
}

static __always_inline int seq_before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

/* Step "health" (bpf/netracker.h, struct nt_health): retransmissions, zero windows, RTT and the
 * last payload, for the side that sent this packet. A few loads and stores in the entry the
 * packet already touched; the precise clock only for a zero window's edges and an RTT sample's
 * two ends. */
static __always_inline void health(struct nt_ctx *x, struct nt_conn *c, int is_client)
{
	struct nt_health *h = &c->health;
	const struct nt_pkt *p = &x->p;
	__u32 d = is_client ? 0 : 1, fl = p->flags, segs, mss, len, end;
	struct nt_dir *s = &h->dir[d];
	int retrans = 0;
	__u64 t, rtt;

	/* The other side's ACK coming in covers the outstanding sample (egress → ingress; on
	 * loopback every packet is seen at egress). */
	if ((fl & TH_ACK) && h->rtt_at && h->rtt_dir != d && (!x->egress || x->local)
	    && !seq_before(p->ack, h->rtt_end)) {
		t = h->rtt_at;
		rtt = precise_now(x) - t;
		h->rtt_at = 0;
		if ((__s64)rtt > 0) {
			h->rtt_sum += rtt;
			if (!h->rtt_samples || rtt < h->rtt_min)
				h->rtt_min = rtt;
			if (rtt > h->rtt_max)
				h->rtt_max = rtt;
			h->rtt_samples += 1;
		}
	}

	/* Progress: this side's ACK moving past what it acknowledged before. */
	if ((fl & TH_ACK) && (!(s->flags & NT_D_ACKED) || seq_before(s->acked, p->ack))) {
		s->acked = p->ack;
		s->ack_at = health_tick(c, x->now);
		s->flags |= NT_D_ACKED;
	}

	if (!(fl & (TH_SYN | TH_FIN | TH_RST)) && p->win == 0) {
		s->zero_win += 1;
		if (!s->zw_since)
			s->zw_since = precise_now(x);
	} else if (p->win && s->zw_since && !(fl & TH_RST)) {
		t = s->zw_since;
		s->zw_since = 0;
		h->zero_win_ns += precise_now(x) - t;
	}

	len = p->payload + !!(fl & (TH_SYN | TH_FIN));
	end = p->seq + len;
	if (!(s->flags & NT_D_SEEN)) {
		s->nxt = end;
		s->flags |= NT_D_SEEN;
	} else if (len) {
		/* Data starting below the highest end seen, not a keep-alive (<= 1 byte at nxt - 1). */
		if (p->payload && seq_before(p->seq, s->nxt) && !(p->payload <= 1 && p->seq == s->nxt - 1)) {
			retrans = 1;
			segs = x->skb->gso_segs ? x->skb->gso_segs : 1;
			/* Partly new data in a multi-segment skb: only the segments below nxt are old. */
			if (segs > 1 && seq_before(s->nxt, end)) {
				mss = p->payload / segs;
				if (mss)
					segs = (s->nxt - p->seq + mss - 1) / mss;
			}
			s->retrans += segs;
			s->retrans_at = health_tick(c, x->now);
			/* Karn's rule: an ACK may now answer either copy. */
			if (h->rtt_at && h->rtt_dir == d && seq_before(p->seq, h->rtt_end))
				h->rtt_at = 0;
		}
		if (seq_before(s->nxt, end))
			s->nxt = end;
	}
	if (p->payload) {
		s->last_payload = x->now;
		/* At most one sample per tick of the coarse clock (NT_RTT_TICK_SHIFT): on a LAN a
		 * sample would otherwise start on nearly every data segment and end on nearly every
		 * ACK, two precise clock reads per round trip (bench/RESULTS.md, issue 26). */
		if (!retrans && !h->rtt_at && (x->egress || x->local)
		    && h->rtt_tick != (__u32)(x->now >> NT_RTT_TICK_SHIFT)) {
			h->rtt_tick = (__u32)(x->now >> NT_RTT_TICK_SHIFT);
			h->rtt_end = end;
			h->rtt_dir = d;
			h->rtt_at = precise_now(x);
		}
	}
}

/* Step "transition": handshake phases, RST, and the FIN that closes the second half. */
static __always_inline void transition(struct nt_ctx *x, struct nt_conn *c, int is_client)
{
	__u32 fl = x->p.flags, old;

	if (fl & TH_RST) {
		finish(c, &x->k, x->cfg, x->now,
		       !is_client && !(c->state & NT_S_SYNACK) ? NT_CLOSE_REFUSED : NT_CLOSE_RST,
		       is_client ? NT_BY_CLIENT : NT_BY_SERVER);
		return;
	}
	if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		if (!is_client && !(c->state & NT_S_SYNACK)) {
			c->synack_at = x->now;
			state_or(c, &x->k, NT_S_SYNACK);
		}
	} else if ((fl & TH_ACK) && is_client && (c->state & NT_S_SYNACK) && !(c->state & NT_S_EST)) {
		c->ack_at = precise_now(x);
		state_or(c, &x->k, NT_S_EST);
	}
	/* Past the handshake (or a FIN before we saw it complete): out of the flood's quota. */
	if (c->state & NT_S_EST || fl & TH_FIN)
		leave_halfopen(c, &x->k);
	if (fl & TH_FIN) {
		__u32 mine = is_client ? NT_S_FIN_C : NT_S_FIN_S;
		__u32 theirs = is_client ? NT_S_FIN_S : NT_S_FIN_C;

		old = state_or(c, &x->k, mine);
		/* The second side's first FIN ends it; the side that sent FIN first closed it. */
		if (!(old & mine) && (old & theirs))
			finish(c, &x->k, x->cfg, x->now, NT_CLOSE_FIN,
			       is_client ? NT_BY_SERVER : NT_BY_CLIENT);
	}
}

#ifndef NT_TRACE
/* Step "names": copies the payload's first min(payload, NT_NAME_CAP) bytes into "names"
 * (bpf/netracker.h, struct nt_name_event). The length goes through a mask the verifier can
 * follow on every kernel: for 1 <= len <= NT_NAME_CAP, ((len - 1) & (NT_NAME_CAP - 1)) + 1 is
 * len. A full buffer or a failed copy is counted, never silent. */
static __always_inline void name_copy(struct nt_ctx *x, __u32 kind)
{
	struct nt_name_event *e;
	__u32 len = x->p.payload, avail;

	if (x->skb->len <= x->p.poff)
		return;
	avail = x->skb->len - x->p.poff;
	if (len > avail)
		len = avail;
	if (len > NT_NAME_CAP)
		len = NT_NAME_CAP;
	if (!len)
		return;
	len = ((len - 1) & (NT_NAME_CAP - 1)) + 1;
	e = bpf_ringbuf_reserve(&names, sizeof(*e), 0);
	if (!e) {
		stat_inc(NT_STAT_NAME_DROPS);
		return;
	}
	if (bpf_skb_load_bytes(x->skb, x->p.poff, e->data, len)) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		stat_inc(NT_STAT_NAME_DROPS);
		return;
	}
	e->size = sizeof(*e);
	e->version = NT_NAME_VERSION;
	e->kind = kind;
	e->ifindex = x->skb->ifindex;
	__builtin_memcpy(e->src_addr, x->p.saddr, 16);
	__builtin_memcpy(e->dst_addr, x->p.daddr, 16);
	e->src_port = bpf_ntohs(x->p.sport);
	e->dst_port = bpf_ntohs(x->p.dport);
	e->len = len;
	e->flags = (x->p.family == 6 ? NT_NM_IPV6 : 0) | (x->egress ? NT_NM_EGRESS : 0);
	e->wire_len = x->p.payload;
	e->pad = 0;
	e->ts_ns = x->now;
	/* Never urgent: the reader drains "names" before each batch of events. */
	bpf_ringbuf_submit(e, BPF_RB_NO_WAKEUP);
	stat_inc(NT_STAT_NAMES);
}

/* An HTTP/1 request line's method, from the first four bytes (host order of a __u32 load). */
static __always_inline int http_method(__u32 w)
{
#define NT_W(a, b, c, d) ((__u32)(a) | (__u32)(b) << 8 | (__u32)(c) << 16 | (__u32)(d) << 24)
	return w == NT_W('G', 'E', 'T', ' ') || w == NT_W('P', 'O', 'S', 'T') || w == NT_W('H', 'E', 'A', 'D')
	       || w == NT_W('P', 'U', 'T', ' ') || w == NT_W('D', 'E', 'L', 'E') || w == NT_W('O', 'P', 'T', 'I')
	       || w == NT_W('P', 'A', 'T', 'C');
#undef NT_W
}

/* Step "names", a tracked connection's segment with payload: the client's first one, once per
 * connection (NT_S_NAMED, whichever CPU sets it), copied when it starts like a TLS handshake
 * record (0x16 0x03: a ClientHello) or, when configured, an HTTP/1 request line. A connection
 * that was open before we attached (partial) has no first segment to see. DNS over TCP: every
 * segment from port 53. Costs a connection without names one state_or and one 4-byte load. */
static __always_inline void names_tcp(struct nt_ctx *x, struct nt_conn *c, int is_client)
{
	__u32 want = x->cfg->names, w = 0;

	if (!x->p.payload || !want)
		return;
	if (!is_client) {
		if (x->p.sport == bpf_htons(NT_DNS_PORT) && (want & NT_NAMES_DNS))
			name_copy(x, NT_NAME_DNS_TCP);
		return;
	}
	if ((c->state & NT_S_NAMED) || (c->flags & NT_C_PARTIAL) || !(want & (NT_NAMES_TLS | NT_NAMES_HTTP)))
		return;
	if (state_or(c, &x->k, NT_S_NAMED) & NT_S_NAMED)
		return;
	if (x->p.payload < 4 || bpf_skb_load_bytes(x->skb, x->p.poff, &w, 4))
		return;
	if (((want & NT_NAMES_TLS) && (w & 0xffff) == 0x0316) || ((want & NT_NAMES_HTTP) && http_method(w)))
		name_copy(x, NT_NAME_FIRST);
}
#endif

static __always_inline int handle(struct __sk_buff *skb, int egress)
{
	int parsed;
	__u32 zero = 0;
	struct nt_ctx x;
	struct nt_conn *c;
	int is_client, opened;

#ifdef NT_BENCH_FLOOR_CALL
	return TC_ACT_UNSPEC;	/* bench/bpf_ab.sh: what a run costs before any work (the call, bpf_stats) */
#endif
	x.cfg = bpf_map_lookup_elem(&config, &zero);
	if (!x.cfg || !x.cfg->instance_id)
		return TC_ACT_UNSPEC;
	/* On loopback every packet passes egress and then ingress of the same device: watch it
	 * once, at egress (the attacher puts no ingress filter there; this guards against one). */
	x.local = skb->ifindex == LOOPBACK_IFINDEX;
	if (x.local && !egress)
		return TC_ACT_UNSPEC;
	__builtin_memset(&x.p, 0, sizeof(x.p));
	parsed = parse(skb, &x.p);
	if (parsed < 0)
		return TC_ACT_UNSPEC;

	x.skb = skb;
	x.egress = egress;
	if (parsed > 0) {	/* a DNS response over UDP */
#ifndef NT_TRACE
		if (x.cfg->names & NT_NAMES_DNS) {
			x.now = coarse_now();
			name_copy(&x, NT_NAME_DNS_UDP);
		}
#endif
		return TC_ACT_UNSPEC;
	}
	/* The precise clock costs a call that reads the TSC (~15-20 % of a run measured with perf):
	 * only the packets whose time is a figure of the record pay it — SYN, SYN-ACK, FIN, RST
	 * here, the client's handshake ACK and a partial entry's first packet via precise_now().
	 * The rest (data, plain ACKs, trailing packets) only refresh last_ns and compare with
	 * tombstones, for which CLOCK_MONOTONIC_COARSE (at most a tick behind) is enough. */
	x.precise = !!(x.p.flags & (TH_SYN | TH_FIN | TH_RST));
	x.now = x.precise ? bpf_ktime_get_ns() : coarse_now();
	x.lo = src_is_lo(&x.p);
	make_key(&x.k, &x.p, x.lo, skb->ifindex);
	x.syn = (x.p.flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;
#ifdef NT_BENCH_FLOOR_PARSE
	/* bench/bpf_ab.sh: what parsing costs (headers, clock, key), before any table; the key is
	 * used so that the compiler keeps the work. */
	return x.k.v4.lo_port == 7 && x.syn ? TC_ACT_OK : TC_ACT_UNSPEC;
#endif

	if (x.syn) {
		c = open_syn(&x, &opened);	/* inserts first: no lookup for a first SYN */
		if (opened)
			return TC_ACT_UNSPEC;
		c = syn_on_known(&x, c);
		if (c) {
			is_client = 1;
			account(c, skb, &x.p, x.local ? is_client : egress, x.now);
			note_owner(&x, c, is_client);
		} else {
			open_syn(&x, &opened);	/* the old connection on this port is over: the new one */
		}
		return TC_ACT_UNSPEC;
	}
	c = conn_lookup(&x.k);
	if (!c) {
		c = create(&x);
		if (!c)
			return TC_ACT_UNSPEC;
	}

	is_client = !!(c->flags & NT_C_CLIENT_LO) == x.lo;
	account(c, skb, &x.p, x.local ? is_client : egress, x.now);
	note_owner(&x, c, is_client);
#ifndef NT_TRACE
	names_tcp(&x, c, is_client);
#endif
	health(&x, c, is_client);
	transition(&x, c, is_client);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int nt_ingress(struct __sk_buff *skb)
{
	NT_LEASE_OR_RETURN(TC_ACT_UNSPEC);
	return handle(skb, 0);
}

SEC("tc")
int nt_egress(struct __sk_buff *skb)
{
	NT_LEASE_OR_RETURN(TC_ACT_UNSPEC);
	return handle(skb, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

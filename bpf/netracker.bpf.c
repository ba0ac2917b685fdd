// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NeTracker: follows every TCP connection at TC ingress and egress of an interface and
 * prints one NTv1 line (bpf/netracker.h) when it finishes.
 *
 * A passive observer: every path returns TC_ACT_UNSPEC and no packet byte is written;
 * headers are copied with bpf_skb_load_bytes, which also works for non-linear skbs.
 *
 * Concurrency: ingress and egress of one connection run on different CPUs at the same time
 * (simultaneous close sends both FINs at once). State only grows, with atomic or; whoever
 * sets NT_S_CLOSED first is the one that prints, so each connection is printed once.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "netracker.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NT_MAX_CONNS);
	__type(key, struct nt_key);
	__type(value, struct nt_conn);
} conns SEC(".maps");

/* Keys of recently finished connections -> close time. Packets that trail a finished
 * connection (its last ACK, a late RST, a retransmitted FIN) land here and never start a
 * "partial" one. A map of its own (not a state in "conns") so it bounds itself (LRU) and the
 * user-space sweep of "conns" only walks live connections. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NT_MAX_TOMBSTONES);
	__type(key, struct nt_key);
	__type(value, __u64);
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

#define ETH_P_8021Q_	0x8100
#define ETH_P_8021AD_	0x88A8

struct nt_pkt {
	__u8	saddr[16];
	__u8	daddr[16];
	__u16	sport;		/* network order */
	__u16	dport;
	__u32	seq;
	__u32	payload;
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

static __always_inline void v4_mapped(__u8 *dst, __be32 addr)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, &addr, 4);
}

/* Ethernet (+ one 802.1Q/802.1ad tag left in the data), IPv4 with options, IPv6 with TCP
 * right after the fixed header, TCP with doff. Returns 0 for a TCP segment we can follow. */
static __always_inline int parse(struct __sk_buff *skb, struct nt_pkt *p)
{
	struct ethhdr eth;
	struct tcphdr th;
	__u32 off = sizeof(eth);
	__u32 ip_payload;
	__u16 proto;

	if (bpf_skb_load_bytes(skb, 0, &eth, sizeof(eth)))
		return -1;
	proto = eth.h_proto;
	if (proto == bpf_htons(ETH_P_8021Q_) || proto == bpf_htons(ETH_P_8021AD_)) {
		__be16 inner[2];	/* TCI, encapsulated protocol */

		if (bpf_skb_load_bytes(skb, off, inner, sizeof(inner)))
			return -1;
		proto = inner[1];
		off += sizeof(inner);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;
		__u32 ihl;

		if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
			return -1;
		if (ip.protocol != IPPROTO_TCP || (ip.frag_off & bpf_htons(0x1fff)))
			return -1;
		ihl = ip.ihl * 4;
		if (ihl < sizeof(ip) || bpf_ntohs(ip.tot_len) < ihl)
			return -1;
		v4_mapped(p->saddr, ip.saddr);
		v4_mapped(p->daddr, ip.daddr);
		p->family = 4;
		ip_payload = bpf_ntohs(ip.tot_len) - ihl;
		off += ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
			return -1;
		if (ip6.nexthdr != IPPROTO_TCP)
			return -1;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		p->family = 6;
		ip_payload = bpf_ntohs(ip6.payload_len);
		off += sizeof(ip6);
	} else {
		return -1;
	}

	if (bpf_skb_load_bytes(skb, off, &th, sizeof(th)))
		return -1;
	if (th.doff * 4u < sizeof(th) || th.doff * 4u > ip_payload)
		return -1;
	p->sport = th.source;
	p->dport = th.dest;
	p->seq = bpf_ntohl(th.seq);
	p->flags = ((__u8 *)&th)[13];
	p->payload = ip_payload - th.doff * 4u;
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

static __always_inline void make_key(struct nt_key *k, const struct nt_pkt *p, int lo, __u32 ifindex)
{
	__builtin_memset(k, 0, sizeof(*k));
	if (lo) {
		__builtin_memcpy(k->lo_addr, p->saddr, 16);
		__builtin_memcpy(k->hi_addr, p->daddr, 16);
		k->lo_port = p->sport;
		k->hi_port = p->dport;
	} else {
		__builtin_memcpy(k->lo_addr, p->daddr, 16);
		__builtin_memcpy(k->hi_addr, p->saddr, 16);
		k->lo_port = p->dport;
		k->hi_port = p->sport;
	}
	k->ifindex = ifindex;
	k->family = p->family;
}

/* Prints the connection (once) and moves its key to the tombstones. Callers have counted the
 * current packet already, so the bytes of a FIN or RST with data are included. */
static __always_inline void finish(struct nt_conn *c, const struct nt_key *k, __u32 instance,
				   __u64 now, __u32 reason, __u32 closed_by, int delete)
{
	__u32 old = __sync_fetch_and_or(&c->state, NT_S_CLOSED);
	__u8 client[16], server[16];
	__u64 start, synack_at, ack_at, meta, flags, retrans;

	if (old & NT_S_CLOSED)
		return;
	__builtin_memcpy(client, c->client_addr, 16);
	__builtin_memcpy(server, c->server_addr, 16);
	start = c->start_ns;
	synack_at = c->synack_at;
	ack_at = c->ack_at;
	retrans = c->syn_retransmits > 0xffff ? 0xffff : c->syn_retransmits;
	flags = (c->flags & NT_C_IPV6 ? NT_F_IPV6 : 0) |
		(c->flags & NT_C_OUTBOUND ? NT_F_OUTBOUND : 0) |
		(c->flags & NT_C_PARTIAL ? NT_F_PARTIAL : 0) |
		(reason & NT_F_REASON_MASK) << NT_F_REASON_SHIFT |
		(closed_by & NT_F_CLOSEDBY_MASK) << NT_F_CLOSEDBY_SHIFT;
	meta = (__u64)c->client_port << 48 | (__u64)c->server_port << 32 | flags << 16 | retrans;

	bpf_printk(NT_LINE_FMT, (__u64)instance << 32 | k->ifindex, meta, client, server,
		   start, now - start,
		   synack_at ? synack_at - start : 0,
		   ack_at && synack_at ? ack_at - synack_at : 0,
		   c->bytes_in, c->bytes_out,
		   (__u64)c->packets_in << 32 | c->packets_out);
	stat_inc(NT_STAT_LINES);

	bpf_map_update_elem(&closed, k, &now, BPF_ANY);
	if (delete)
		bpf_map_delete_elem(&conns, k);
}

static __always_inline void account(struct nt_conn *c, struct __sk_buff *skb, const struct nt_pkt *p,
				    int egress, __u64 now)
{
	__u32 segs = skb->gso_segs ? skb->gso_segs : 1;

	if (egress) {
		__sync_fetch_and_add(&c->bytes_out, p->payload);
		__sync_fetch_and_add(&c->packets_out, segs);
	} else {
		__sync_fetch_and_add(&c->bytes_in, p->payload);
		__sync_fetch_and_add(&c->packets_in, segs);
	}
	c->last_ns = now;
}

/* Fills a new entry: the packet's source is the client when client_is_src. */
static __always_inline void init_conn(struct nt_conn *c, const struct nt_pkt *p, int lo,
				      int client_is_src, int egress, __u64 now)
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
	 * whether the client is local (outbound) or remote (inbound). */
	if (client_is_src == egress)
		c->flags |= NT_C_OUTBOUND;
	if (p->family == 6)
		c->flags |= NT_C_IPV6;
	if (lo == client_is_src)
		c->flags |= NT_C_CLIENT_LO;
	c->start_ns = now;
	c->last_ns = now;
}

static __always_inline struct nt_conn *insert(const struct nt_key *k, struct nt_conn *c, __u64 flags)
{
	if (bpf_map_update_elem(&conns, k, c, flags)) {
		if (flags == BPF_ANY)
			stat_inc(NT_STAT_INSERT_FAIL);
	} else {
		stat_inc(NT_STAT_OPENED);
		if (c->flags & NT_C_PARTIAL)
			stat_inc(NT_STAT_PARTIAL);
	}
	/* On a lost BPF_NOEXIST race the other CPU's entry is the one to use. */
	return bpf_map_lookup_elem(&conns, k);
}

static __always_inline int handle(struct __sk_buff *skb, int egress)
{
	__u32 zero = 0, instance, fl, old;
	struct nt_config *cfg;
	struct nt_conn fresh, *c;
	struct nt_pkt p = {};
	struct nt_key k;
	__u64 now;
	int lo, syn, is_client;

	cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !cfg->instance_id)
		return TC_ACT_UNSPEC;
	instance = cfg->instance_id;
	if (parse(skb, &p))
		return TC_ACT_UNSPEC;

	now = bpf_ktime_get_ns();
	lo = src_is_lo(&p);
	make_key(&k, &p, lo, skb->ifindex);
	fl = p.flags;
	syn = (fl & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN;

	c = bpf_map_lookup_elem(&conns, &k);
	if (c && syn) {
		is_client = !!(c->flags & NT_C_CLIENT_LO) == lo;
		/* The same client repeating its ISN: a retransmitted SYN, also after a SYN-ACK that
		 * was lost beyond this hook. A new connection on the port has a new ISN. */
		if (is_client && !(c->flags & NT_C_PARTIAL) && c->syn_seq == p.seq) {
			__sync_fetch_and_add(&c->syn_retransmits, 1);
			account(c, skb, &p, egress, now);
			return TC_ACT_UNSPEC;
		}
		/* Anything else is a new connection on a reused port: the old one is over. */
		finish(c, &k, instance, now,
		       c->state & NT_S_SYNACK ? NT_CLOSE_TIMEOUT : NT_CLOSE_UNANSWERED,
		       c->state & NT_S_FIN_C ? NT_BY_CLIENT : c->state & NT_S_FIN_S ? NT_BY_SERVER : NT_BY_NONE,
		       0);
		c = NULL;
	}

	if (!c) {
		if (syn) {
			init_conn(&fresh, &p, lo, 1, egress, now);
			fresh.state = NT_S_SYN;
			fresh.syn_seq = p.seq;
			c = insert(&k, &fresh, BPF_ANY);
			if (c)
				account(c, skb, &p, egress, now);
			return TC_ACT_UNSPEC;
		}
		/* Trailing packets of a finished connection never start a new one. */
		__u64 *tomb = bpf_map_lookup_elem(&closed, &k);
		__u64 ttl = cfg->tombstone_ms ? (__u64)cfg->tombstone_ms * 1000000 : NT_TOMBSTONE_NS_DEFAULT;

		if (tomb && now - *tomb < ttl) {
			stat_inc(NT_STAT_TRAILING);
			return TC_ACT_UNSPEC;
		}
		if (fl & TH_RST)
			return TC_ACT_UNSPEC;	/* a reset of something we never saw */
		/* Open before we attached. A SYN-ACK names the client (its destination); otherwise
		 * the higher port is taken to be the client's ephemeral one. */
		if (fl & TH_SYN)
			init_conn(&fresh, &p, lo, 0, egress, now);
		else
			init_conn(&fresh, &p, lo, bpf_ntohs(p.sport) >= bpf_ntohs(p.dport), egress, now);
		fresh.flags |= NT_C_PARTIAL;
		fresh.state = fl & TH_SYN ? NT_S_SYN | NT_S_SYNACK : NT_S_SYN | NT_S_SYNACK | NT_S_EST;
		c = insert(&k, &fresh, BPF_NOEXIST);
		if (!c)
			return TC_ACT_UNSPEC;
	}

	is_client = !!(c->flags & NT_C_CLIENT_LO) == lo;
	account(c, skb, &p, egress, now);

	if (fl & TH_RST) {
		finish(c, &k, instance, now,
		       !is_client && !(c->state & NT_S_SYNACK) ? NT_CLOSE_REFUSED : NT_CLOSE_RST,
		       is_client ? NT_BY_CLIENT : NT_BY_SERVER, 1);
		return TC_ACT_UNSPEC;
	}
	if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
		if (!is_client && !(c->state & NT_S_SYNACK)) {
			c->synack_at = now;
			__sync_fetch_and_or(&c->state, NT_S_SYNACK);
		}
	} else if ((fl & TH_ACK) && is_client && (c->state & NT_S_SYNACK) && !(c->state & NT_S_EST)) {
		c->ack_at = now;
		__sync_fetch_and_or(&c->state, NT_S_EST);
	}
	if (fl & TH_FIN) {
		__u32 mine = is_client ? NT_S_FIN_C : NT_S_FIN_S;
		__u32 theirs = is_client ? NT_S_FIN_S : NT_S_FIN_C;

		old = __sync_fetch_and_or(&c->state, mine);
		/* The second side's first FIN ends it; the side that sent FIN first closed it. */
		if (!(old & mine) && (old & theirs))
			finish(c, &k, instance, now, NT_CLOSE_FIN,
			       is_client ? NT_BY_SERVER : NT_BY_CLIENT, 1);
	}
	return TC_ACT_UNSPEC;
}

SEC("tc")
int nt_ingress(struct __sk_buff *skb)
{
	return handle(skb, 0);
}

SEC("tc")
int nt_egress(struct __sk_buff *skb)
{
	return handle(skb, 1);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Loss for the health truth tests (this kernel has no sch_netem): a tc classifier in
 * direct-action mode, attached at the receiving peer's ingress (after NeTracker's hook saw the
 * packet), that drops TCP segments of one destination port. Built with
 *   -DDROP_PER_MILLE=N  drop N in 1000 segments that carry payload (bpf_get_prandom_u32), or
 *   -DDROP_ALL          drop every TCP segment to or from that port (a peer that is gone).
 * The port is -DPORT=N (host order): only the test's own connection is touched.
 * A GSO skb is one drop of all its segments, as a lost aggregate would be on a real link.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#ifndef PORT
#error "build with -DPORT=<the test's server port>"
#endif

SEC("tc")
int drop_data(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct tcphdr *th;
	__u32 ip_payload;

	if ((void *)(eth + 1) > end)
		return TC_ACT_UNSPEC;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end || ip->protocol != IPPROTO_TCP || ip->ihl != 5)
			return TC_ACT_UNSPEC;
		th = (void *)(ip + 1);
		ip_payload = bpf_ntohs(ip->tot_len) - sizeof(*ip);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->nexthdr != IPPROTO_TCP)
			return TC_ACT_UNSPEC;
		th = (void *)(ip6 + 1);
		ip_payload = bpf_ntohs(ip6->payload_len);
	} else {
		return TC_ACT_UNSPEC;
	}
	if ((void *)(th + 1) > end)
		return TC_ACT_UNSPEC;
	if (th->dest != bpf_htons(PORT) && th->source != bpf_htons(PORT))
		return TC_ACT_UNSPEC;
#ifdef DROP_ALL
	(void)ip_payload;
	return TC_ACT_SHOT;
#else
	/* A GSO skb's IP length is the aggregate's: payload is there whenever it exceeds the header. */
	if (skb->gso_segs <= 1 && ip_payload <= (__u32)th->doff * 4)
		return TC_ACT_UNSPEC;
	return bpf_get_prandom_u32() % 1000 < DROP_PER_MILLE ? TC_ACT_SHOT : TC_ACT_UNSPEC;
#endif
}

char LICENSE[] SEC("license") = "GPL";

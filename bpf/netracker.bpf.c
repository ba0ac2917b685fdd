// SPDX-License-Identifier: GPL-2.0 OR MIT
/* First cut: passive programs that see every packet and decide nothing. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "netracker.h"

SEC("tc")
int nt_ingress(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

SEC("tc")
int nt_egress(struct __sk_buff *skb)
{
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

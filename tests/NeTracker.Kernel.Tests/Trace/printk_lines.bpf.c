// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Test-only programs that print trace lines from inside the kernel, so tests read what the
 * real bpf_printk writes: one NTv1 line per format case (built with bpf/netracker.h's own
 * NT_LINE_FMT), and a foreign line as another program would print it. Run them with
 * `bpftool prog run ... repeat N`; no network needed.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "netracker.h"

/* The C# tests know these constants. */
#define NT_TEST_INSTANCE 0x2au

SEC("tc")
int nt_line_v4(struct __sk_buff *skb)
{
	__u8 client[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 10, 2 };
	__u8 server[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 10, 1 };
	__u64 flags = (NT_CLOSE_FIN << NT_F_REASON_SHIFT) | (NT_BY_CLIENT << NT_F_CLOSEDBY_SHIFT);

	bpf_printk(NT_LINE_FMT, ((__u64)NT_TEST_INSTANCE << 32) | 7,
		   (50936ull << 48) | (8080ull << 32) | (flags << 16) | 2,
		   client, server, 123456789012ull, 1907718ull, 41000ull, 52000ull,
		   1234ull, 56789ull, (3ull << 32) | 4);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int nt_line_v6(struct __sk_buff *skb)
{
	__u8 client[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 0x02 };
	__u8 server[16] = { 0x20, 0x01, 0x00, 0x02, [14] = 0xab, [15] = 0xcd };
	__u64 flags = NT_F_IPV6 | NT_F_OUTBOUND | NT_F_PARTIAL |
		      (NT_CLOSE_RST << NT_F_REASON_SHIFT) | (NT_BY_SERVER << NT_F_CLOSEDBY_SHIFT);

	bpf_printk(NT_LINE_FMT, ((__u64)NT_TEST_INSTANCE << 32) | 0xffffffffull,
		   (65535ull << 48) | (443ull << 32) | (flags << 16) | 0xffff,
		   client, server, 18446744073709551615ull, 0ull, 0ull, 0ull,
		   0ull, 18446744073709551615ull, 0xffffffffffffffffull);
	return TC_ACT_UNSPEC;
}

/* Another NeTracker instance (id 0x2b) printing on the same kernel. */
SEC("tc")
int nt_line_other(struct __sk_buff *skb)
{
	__u8 addr[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 };

	bpf_printk(NT_LINE_FMT, ((__u64)(NT_TEST_INSTANCE + 1) << 32) | 1, 0ull,
		   addr, addr, 1ull, 1ull, 0ull, 0ull, 0ull, 0ull, 0ull);
	return TC_ACT_UNSPEC;
}

SEC("tc")
int foreign_line(struct __sk_buff *skb)
{
	bpf_printk("hello from another program: len=%u", skb->len);
	return TC_ACT_UNSPEC;
}

/*
 * Flood lines: not NTv1, so the kernel filter of every other NeTracker instance on the host
 * drops them before they take room in its buffer; the flood test filters for them instead.
 */
SEC("tc")
int flood_line(struct __sk_buff *skb)
{
	bpf_printk("NTflood %u", skb->len);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The lease: what bounds the programs that outlive their reader. A killed process takes its
 * bpf_links (cgroup, tcx) with it; what stays attached without a process (links pinned to
 * survive a restart, netlink tc filters on kernels without tcx) runs on for every packet and
 * every connect(2)/bind(2) of the host. So each entry point first compares the clock with the
 * expiry the reader renews (CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns) and returns at
 * once past it: a dormant instance costs one array lookup and one clock read per run.
 *
 * One map for both objects: user space creates and pins it first, and both loads reuse it by
 * name (`map name lease pinned ...`). Zero (a map nobody wrote) is expired: a program never
 * works without a reader having said for how long.
 */
#ifndef __NETRACKER_LEASE_H
#define __NETRACKER_LEASE_H

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);	/* expiry, CLOCK_MONOTONIC ns */
} lease SEC(".maps");

static __always_inline int nt_lease_expired(void)
{
	__u32 zero = 0;
	__u64 *until = bpf_map_lookup_elem(&lease, &zero);

	/* bpf_ktime_get_ns, not the coarse clock: that one is 5.11+, the floor is 5.10. */
	return !until || bpf_ktime_get_ns() > *until;
}

/* The one line each entry point starts with. */
#define NT_LEASE_OR_RETURN(ret)			\
	do {					\
		if (nt_lease_expired())		\
			return (ret);		\
	} while (0)

#endif /* __NETRACKER_LEASE_H */

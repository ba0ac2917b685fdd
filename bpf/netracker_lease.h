/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The lease: what bounds the programs that outlive their reader. A killed process takes its
 * bpf_links (cgroup, tcx) with it; what stays attached without a process (links pinned to
 * survive a restart, netlink tc filters on kernels without tcx) runs on for every packet and
 * every connect(2)/bind(2) of the host. So each entry point first compares the clock with the
 * expiry the reader renews (CLOCK_MONOTONIC ns, the clock of bpf_ktime_get_ns) and returns at
 * once past it: a dormant instance costs one array lookup and two compares per run.
 *
 * One map for both objects: user space creates and pins it first, and both loads reuse it by
 * name (`map name lease pinned ...`). Zero (a map nobody wrote) is expired: a program never
 * works without a reader having said for how long.
 */
#ifndef __NETRACKER_LEASE_H
#define __NETRACKER_LEASE_H

/* Written whole by user space ({expires, 0, 0}); the two other words are the programs' cache. */
struct nt_lease {
	__u64 expires_ns;	/* CLOCK_MONOTONIC ns after which every program returns at once */
	__u64 seen_ns;		/* programs: the expires_ns the cache below is for */
	__u64 until_jiffies;	/* programs: before this jiffy it has not passed; 0 = it has (dormant) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_lease);
} lease SEC(".maps");

#define NT_MAX_JIFFY_NS 10000000ULL	/* HZ is at least 100: a jiffy lasts at most 10 ms */

/*
 * The clock (bpf_ktime_get_ns, ~60 ns a read here) is asked only when the cache cannot answer:
 * bpf_jiffies64 (a variable's read) says whether the deadline computed from the last clock read
 * is still ahead — counted in the longest possible jiffies, so it errs early, never late — and
 * a lease seen expired is remembered (until 0) for this very expiry, so a dormant run reads no
 * clock at all. A renewal writes a new expiry: the cache, for the old one, no longer matches.
 * Renewals only extend, so a cache written from an older expiry by a racing CPU is never late.
 */
static __always_inline int nt_lease_expired(void)
{
	__u32 zero = 0;
	struct nt_lease *l = bpf_map_lookup_elem(&lease, &zero);
	__u64 expires, now, j;

	if (!l)
		return 1;
	expires = *(volatile __u64 *)&l->expires_ns;
	if (l->seen_ns == expires) {
		if (!l->until_jiffies)
			return 1;
		j = bpf_jiffies64();
		if (j < l->until_jiffies)
			return 0;
	} else {
		j = bpf_jiffies64();
	}
	/* bpf_ktime_get_ns, not the coarse clock: that one is 5.11+, the floor is 5.10. */
	now = bpf_ktime_get_ns();
	if (now >= expires) {
		WRITE_ONCE_U64(l->until_jiffies, 0);
		WRITE_ONCE_U64(l->seen_ns, expires);
		return 1;
	}
	/* At least one jiffy ahead: the last 10 ms of a lease read the clock on every run. */
	WRITE_ONCE_U64(l->until_jiffies, j + (expires - now) / NT_MAX_JIFFY_NS);
	WRITE_ONCE_U64(l->seen_ns, expires);
	return 0;
}

/* The one line each entry point starts with. */
#ifdef NT_BENCH_FLOOR_CALL
/* bench/bpf_ab.sh and bench/dormant_cost.sh: a run that returns at once, without even this check. */
#define NT_LEASE_OR_RETURN(ret) do { } while (0)
#else
#define NT_LEASE_OR_RETURN(ret)			\
	do {					\
		if (nt_lease_expired())		\
			return (ret);		\
	} while (0)
#endif

#endif /* __NETRACKER_LEASE_H */

// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NeTracker: tells the TC programs which process owns the local end of a connection (pid,
 * comm, cgroup) without kprobes, and without paying for it on every socket.
 *
 * Two cgroup hooks on the cgroup v2 root, both running in the context of the process making
 * the call, so the "current" task is the owner:
 * - cgroup/connect4, cgroup/connect6 (the client): connect(2) of a TCP socket writes the caller
 *   and the socket's cookie into a per-CPU slot ("connecting"). The SYN that connect(2) sends
 *   next passes TC egress in the same task on the same CPU; nt_egress takes the owner when the
 *   slot's cookie is its socket's. Nothing is allocated per connection. If the task was
 *   preempted in between and another connect(2) on that CPU took the slot, the cookies differ
 *   and the connection stays without an owner: missing, never wrong.
 * - cgroup/post_bind4, cgroup/post_bind6 (the server): bind(2) of a TCP socket stores the
 *   caller in socket-local storage ("owners"). A listener binds, so it has one; nt_egress finds
 *   it from the SYN-ACK's request socket (bpf_get_listener_sock), so an accepted connection is
 *   named after the listener's owner — the server, as a user means it — without copying
 *   storage into every accepted socket. Clients that bind explicitly are covered by the same
 *   storage when their SYN missed the slot.
 * Why not cgroup/sock_create with storage on every socket, as before: allocating and freeing
 * that storage (and cloning it into every accepted socket) cost ~1.7 µs per TCP socket on the
 * whole host (bench/RESULTS.md, "Process attribution").
 *
 * Its own object because `bpftool prog loadall ... type classifier` gives every program of an
 * object one type. The TC object reuses these pinned maps by name (`map name owners pinned
 * ...`, `map name connecting pinned ...`), so both see the same maps.
 *
 * Always returns 1: observing, never refusing a call.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "netracker.h"

#include "netracker_owner_maps.h"
#include "netracker_lease.h"

static __always_inline void fill_owner(struct nt_owner *o)
{
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->flags = 0;	/* named by the kernel (NT_OWNER_PROC is user space's /proc fill) */
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
}

static __always_inline int note_connect(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	struct nt_connecting *n;

	if (ctx->protocol != IPPROTO_TCP)
		return 1;
	n = bpf_map_lookup_elem(&connecting, &zero);
	if (!n)
		return 1;
	/* The cookie goes last, over a zero written first: a TC program that interrupts this one on
	 * this CPU never pairs a cookie with another connect's half-written owner. */
	WRITE_ONCE_U64(n->cookie, 0);
	fill_owner(&n->owner);
	WRITE_ONCE_U64(n->cookie, bpf_get_socket_cookie(ctx));
	return 1;
}

SEC("cgroup/connect4")
int nt_connect4(struct bpf_sock_addr *ctx)
{
	NT_LEASE_OR_RETURN(1);
	return note_connect(ctx);
}

SEC("cgroup/connect6")
int nt_connect6(struct bpf_sock_addr *ctx)
{
	NT_LEASE_OR_RETURN(1);
	return note_connect(ctx);
}

static __always_inline int note_bind(struct bpf_sock *sk)
{
	struct nt_owner *o;

	if (sk->protocol != IPPROTO_TCP)
		return 1;
	o = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (o)
		fill_owner(o);
	return 1;
}

SEC("cgroup/post_bind4")
int nt_post_bind4(struct bpf_sock *sk)
{
	NT_LEASE_OR_RETURN(1);
	return note_bind(sk);
}

SEC("cgroup/post_bind6")
int nt_post_bind6(struct bpf_sock *sk)
{
	NT_LEASE_OR_RETURN(1);
	return note_bind(sk);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

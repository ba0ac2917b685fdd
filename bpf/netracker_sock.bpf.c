// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * NeTracker: remembers who created each socket, so the TC programs can name the local
 * process of a connection (pid, comm, cgroup) without kprobes.
 *
 * A cgroup/sock_create program attached (multi) to the cgroup v2 root runs in the context
 * of the process calling socket(2): the "current" task is the owner. It stores a
 * struct nt_owner in socket-local storage ("owners"). BPF_F_CLONE makes the kernel copy it
 * into every socket cloned from a listener (accept), so an accepted connection carries
 * the listener's owner — the server, as a user means it.
 *
 * Its own object because `bpftool prog loadall ... type classifier` gives every program of
 * an object one type. The TC object reuses this pinned map by name (`map name owners
 * pinned ...`), so both see the same storage.
 *
 * Always returns 1: observing, never refusing a socket.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include "netracker.h"

/* From <sys/socket.h>, which the BPF target cannot include. */
#define NT_AF_INET	2
#define NT_AF_INET6	10

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, struct nt_owner);
} owners SEC(".maps");

SEC("cgroup/sock_create")
int nt_sock_create(struct bpf_sock *sk)
{
	struct nt_owner *o;

	/* Only TCP sockets of the families NeTracker follows: every other socket (UDP,
	 * netlink, unix) stays without storage and costs one compare. */
	if (sk->protocol != IPPROTO_TCP || (sk->family != NT_AF_INET && sk->family != NT_AF_INET6))
		return 1;
	o = bpf_sk_storage_get(&owners, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return 1;
	o->pid = bpf_get_current_pid_tgid() >> 32;
	o->flags = 0;	/* named by the kernel (NT_OWNER_PROC is user space's /proc fill) */
	o->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(o->comm, sizeof(o->comm));
	return 1;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";

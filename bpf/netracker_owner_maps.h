/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The maps of process attribution, declared once for both objects that use them: the cgroup
 * programs (bpf/netracker_sock.bpf.c) fill them, the TC programs (bpf/netracker.bpf.c) read them.
 * The loader loads the cgroup object first and the TC load reuses its pins by name
 * (`map name owners pinned ...`, `map name connecting pinned ...`); loaded without them, the TC
 * object's own copies stay empty and connections simply have no owner.
 */
#ifndef __NETRACKER_OWNER_MAPS_H
#define __NETRACKER_OWNER_MAPS_H

/* Listeners' owners (and sockets user space named from /proc), written at bind(2). */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nt_owner);
} owners SEC(".maps");

/* The last TCP connect(2) of each CPU, for the SYN it sends next. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nt_connecting);
} connecting SEC(".maps");

#endif /* __NETRACKER_OWNER_MAPS_H */

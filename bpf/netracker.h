/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * NeTracker: what the kernel program and user space agree on.
 *
 * The C# side (NeTracker.Probe/Trace/TraceLineFormat.cs) mirrors every
 * constant in this file; a kernel test proves both agree on lines the real
 * kernel produced. Change one, change the other, and bump the version.
 */
#ifndef __NETRACKER_H
#define __NETRACKER_H

/*
 * One line per finished connection, written with bpf_printk (which becomes
 * bpf_trace_vprintk: at most 12 arguments, so small fields are packed).
 *
 *   NTv1 <id> <meta> <client> <server> <start> <dur> <synack> <ack> <bin> <bout> <pkts>
 *
 * id      %llx  instance_id << 32 | ifindex
 * meta    %llx  client_port << 48 | server_port << 32 | flags << 16 | syn_retransmits
 * client  %pI6  client address, 16 bytes; IPv4 as v4-mapped (::ffff:a.b.c.d)
 * server  %pI6  server address, same encoding
 * start   %llu  bpf_ktime_get_ns() (CLOCK_MONOTONIC) of the first SYN, or of the
 *               first packet seen for a partial connection
 * dur     %llu  end - start, ns
 * synack  %llu  first SYN -> first SYN-ACK, ns; 0 when not seen
 * ack     %llu  SYN-ACK -> the client's first ACK, ns; 0 when not seen
 * bin     %llu  TCP payload bytes seen at ingress
 * bout    %llu  TCP payload bytes seen at egress
 * pkts    %llx  packets_in << 32 | packets_out (all TCP segments, saturating)
 */
#define NT_LINE_MAGIC	"NTv1"
#define NT_LINE_FMT	NT_LINE_MAGIC " %llx %llx %pI6 %pI6 %llu %llu %llu %llu %llu %llu %llx"

/* flags (bits of meta >> 16) */
#define NT_F_IPV6		(1u << 0)	/* else IPv4 */
#define NT_F_OUTBOUND		(1u << 1)	/* SYN seen at egress; else inbound */
#define NT_F_PARTIAL		(1u << 2)	/* open before tracking began */
#define NT_F_REASON_SHIFT	3		/* 3 bits: enum nt_close_reason */
#define NT_F_REASON_MASK	0x7u
#define NT_F_CLOSEDBY_SHIFT	6		/* 2 bits: enum nt_closed_by */
#define NT_F_CLOSEDBY_MASK	0x3u

enum nt_close_reason {
	NT_CLOSE_FIN = 0,	/* both sides sent FIN */
	NT_CLOSE_RST = 1,	/* RST after the handshake */
	NT_CLOSE_REFUSED = 2,	/* SYN answered by RST */
	NT_CLOSE_UNANSWERED = 3,	/* SYN never answered (swept by user space) */
	NT_CLOSE_TIMEOUT = 4,	/* half-closed or idle too long (swept) */
	NT_CLOSE_EVICTED = 5,	/* pushed out of the table */
	NT_CLOSE_DETACHED = 6,	/* still open when the probe detached */
};

enum nt_closed_by {
	NT_BY_NONE = 0,
	NT_BY_CLIENT = 1,
	NT_BY_SERVER = 2,
};

#endif /* __NETRACKER_H */

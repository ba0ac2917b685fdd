// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * ntb-testrun PIN_DIR CONNECTIONS: the kernel program's cost per connection without a network,
 * for bench/bpf_ab.sh --testrun. Each connection is the six IPv4 segments of the bench's
 * connect/close workload (SYN, SYN-ACK, ACK, FIN, FIN-ACK, the trailing ACK), each run once
 * through PIN_DIR/nt_egress with BPF_PROG_TEST_RUN. The test run's device is loopback, where
 * the program sees both directions at egress, so every step of the real path runs: the SYN's
 * insert, the lookups, the close's event, tombstone and delete, the trailing packet's miss.
 * The ring buffer PIN_DIR/maps/events is drained after each connection, as a reader would.
 * Client ports differ between connections (and between calls), so every SYN is a new key.
 *
 * Prints: mean ns per packet, mean ns per connection, events read, then the mean ns of each of
 * the six steps. The ns are the kernel's own measure of the run (with repeat 1, they include the
 * test run's timer, which a floor variant shows: bench/bpf_ab.sh NAME=.+NT_BENCH_FLOOR_PARSE).
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PKT_LEN 54	/* Ethernet + IPv4 + TCP, no payload */

static int events;

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	events++;
	return 0;
}

/* One segment between 198.18.0.1:cport (the client) and 198.18.0.2:80. */
static void segment(unsigned char *b, int from_client, uint16_t cport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	static const unsigned char client[4] = {198, 18, 0, 1}, server[4] = {198, 18, 0, 2};
	unsigned char *ip = b + 14, *th = b + 34;
	uint16_t sport = htons(from_client ? cport : 80), dport = htons(from_client ? 80 : cport);
	uint32_t nseq = htonl(seq), nack = htonl(ack);

	memset(b, 0, PKT_LEN);
	b[12] = 0x08;			/* EtherType IPv4 */
	ip[0] = 0x45;
	ip[3] = 40;			/* total length */
	ip[6] = 0x40;			/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, from_client ? client : server, 4);
	memcpy(ip + 16, from_client ? server : client, 4);
	memcpy(th, &sport, 2);
	memcpy(th + 2, &dport, 2);
	memcpy(th + 4, &nseq, 4);
	memcpy(th + 8, &nack, 4);
	th[12] = 0x50;			/* doff 5 */
	th[13] = flags;
	th[14] = th[15] = 0xff;		/* window */
}

int main(int argc, char **argv)
{
	unsigned long long total = 0, step[6] = {0};
	unsigned char b[PKT_LEN];
	struct ring_buffer *rb;
	char path[4096];
	int prog, ev, n, i, j;
	unsigned int base;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: %s PIN_DIR CONNECTIONS\n", argv[0]);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/nt_egress", argv[1]);
	prog = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/maps/events", argv[1]);
	ev = bpf_obj_get(path);
	if (prog < 0 || ev < 0) {
		perror("bpf_obj_get");
		return 1;
	}
	rb = ring_buffer__new(ev, on_event, NULL, NULL);
	if (!rb) {
		perror("ring_buffer__new");
		return 1;
	}
	base = (unsigned int)getpid() * 7919u;
	for (i = 0; i < n; i++) {
		uint16_t cport = 1024 + (base + i) % 64000;
		uint32_t c = 1000 + i * 77u, s = 5000 + i * 91u;
		const struct { int from_client; uint32_t seq, ack; uint8_t flags; } steps[6] = {
			{1, c, 0, 0x02},		/* SYN */
			{0, s, c + 1, 0x12},		/* SYN-ACK */
			{1, c + 1, s + 1, 0x10},	/* ACK */
			{1, c + 1, s + 1, 0x11},	/* client FIN */
			{0, s + 1, c + 2, 0x11},	/* server FIN: the close */
			{1, c + 2, s + 2, 0x10},	/* trailing ACK: a tombstone */
		};

		for (j = 0; j < 6; j++) {
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = b, .data_size_in = PKT_LEN, .repeat = 1);

			segment(b, steps[j].from_client, cport, steps[j].seq, steps[j].ack, steps[j].flags);
			if (bpf_prog_test_run_opts(prog, &o)) {
				perror("BPF_PROG_TEST_RUN");
				return 1;
			}
			total += o.duration;
			step[j] += o.duration;
		}
		ring_buffer__consume(rb);
	}
	printf("%.1f %.1f %d", (double)total / (n * 6.0), (double)total / n, events);
	for (j = 0; j < 6; j++)
		printf(" %.0f", (double)step[j] / n);
	printf("\n");
	ring_buffer__free(rb);
	return 0;
}

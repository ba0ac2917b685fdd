// SPDX-License-Identifier: MIT
/*
 * ntb-conn: plain TCP connect/close client, many threads, one JSON line of results.
 *
 *   ntb-conn ADDR PORT THREADS SECONDS [HOLD_MS COUNT]
 *     without HOLD_MS: connect, wait for the server's close (server "close" mode), close;
 *                      as fast as possible for SECONDS.
 *     with HOLD_MS:    connect, hold HOLD_MS, close first; COUNT connections in all
 *                      (the accuracy run: lifetimes known in advance).
 *     HOLD_MS -1:      COUNT connections that wait for the server's close, THREADS at once
 *                      (the burst run: many connections opened together).
 *
 * The server closes first in the rate run on purpose: the client's ephemeral ports then
 * never sit in TIME_WAIT, so the rate is limited by the machine, not by the port range.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

static struct sockaddr_in sa = { .sin_family = AF_INET };
static double deadline;
static long hold_ms = -1;
static int counted; /* COUNT given: stop after COUNT connections, not at the deadline */
static atomic_long remaining;
static atomic_long made, errors;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void one_connection(void)
{
	char buf[256];
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		atomic_fetch_add(&errors, 1);
		if (fd >= 0)
			close(fd);
		return;
	}
	if (hold_ms >= 0) {
		struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	} else {
		while (read(fd, buf, sizeof(buf)) > 0)
			;
	}
	close(fd);
	atomic_fetch_add(&made, 1);
}

static void *worker(void *arg)
{
	(void)arg;
	if (counted) {
		while (atomic_fetch_sub(&remaining, 1) > 0)
			one_connection();
	} else {
		while (now() < deadline)
			one_connection();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int threads, i;
	double start, seconds;
	pthread_t *t;

	if (argc != 5 && argc != 7) {
		fprintf(stderr, "usage: %s ADDR PORT THREADS SECONDS [HOLD_MS COUNT]\n", argv[0]);
		return 2;
	}
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	threads = atoi(argv[3]);
	seconds = atof(argv[4]);
	if (argc == 7) {
		hold_ms = atol(argv[5]);
		remaining = atol(argv[6]);
		counted = 1;
	}
	t = calloc((size_t)threads, sizeof(*t));
	start = now();
	deadline = start + seconds;
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	seconds = now() - start;
	printf("{\"connections\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rate\":%.1f}\n",
	       (long)made, (long)errors, seconds, made / seconds);
	return 0;
}

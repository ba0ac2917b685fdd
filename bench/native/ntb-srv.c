// SPDX-License-Identifier: MIT
/*
 * ntb-srv: the benchmark's server, one listener, a pool of blocking threads.
 *
 *   ntb-srv MODE ADDR PORT THREADS
 *     http   read the request head, answer "200 OK, Connection: close", close (server closes first)
 *     close  accept and close at once (server closes first: no TIME_WAIT piles up on the client)
 *     hold   wait for the client's EOF, then close (the client decides how long it lives)
 *
 * Why C and not nginx or python: the cost of a short connection must be the kernel's
 * (accept/read/write/close), which is what NeTracker adds to; a blocking thread pool does
 * nothing else, needs no package beyond clang, and python's http.server tops out far below
 * what the kernel sustains.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum mode { M_HTTP, M_CLOSE, M_HOLD };

static enum mode mode;
static int lfd;

static const char RESPONSE[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n"
	"Connection: close\r\n\r\nok";

static void serve(int fd)
{
	char buf[4096];
	size_t have = 0;
	ssize_t n;

	if (mode == M_CLOSE)
		return;
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return;		/* EOF (hold mode) or error */
		if (mode == M_HOLD)
			continue;
		have += (size_t)n;
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n") || have == sizeof(buf) - 1)
			break;
	}
	if (write(fd, RESPONSE, sizeof(RESPONSE) - 1) < 0)
		return;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(fd);
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int one = 1, i, threads;

	if (argc != 5) {
		fprintf(stderr, "usage: %s http|close|hold ADDR PORT THREADS\n", argv[0]);
		return 2;
	}
	mode = !strcmp(argv[1], "http") ? M_HTTP : !strcmp(argv[1], "close") ? M_CLOSE : M_HOLD;
	if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1) {
		fprintf(stderr, "bad address %s\n", argv[2]);
		return 2;
	}
	sa.sin_port = htons((unsigned short)atoi(argv[3]));
	threads = atoi(argv[4]);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4096)) {
		perror("bind/listen");
		return 1;
	}
	for (i = 1; i < threads; i++) {
		pthread_t t;
		pthread_create(&t, NULL, worker, NULL);
	}
	printf("listening %s:%s\n", argv[2], argv[3]);
	fflush(stdout);
	worker(NULL);
	return 0;
}

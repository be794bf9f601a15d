// SPDX-License-Identifier: GPL-2.0
/*
 * net_probe: known traffic from inside a nested guest, for the tests of
 * the host's network view (selftests/guest_net.sh). A static binary: the
 * guest has busybox only.
 *
 *   net_probe udp ADDR PORT COUNT SIZE   COUNT datagrams of SIZE bytes
 *   net_probe tcp ADDR PORT              one connection attempt
 *
 * Prints what it did ("udp sent N", "tcp refused"); exit status 0 if every
 * datagram was sent or the attempt was answered (accepted or refused).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: net_probe udp ADDR PORT COUNT SIZE | tcp ADDR PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	static char payload[65507];
	unsigned long count, size, sent = 0;
	int fd;

	if (argc < 4 || inet_pton(AF_INET, argv[2], &to.sin_addr) != 1)
		return usage();
	to.sin_port = htons((unsigned short)strtoul(argv[3], NULL, 10));
	if (!strcmp(argv[1], "udp") && argc == 6) {
		count = strtoul(argv[4], NULL, 10);
		size = strtoul(argv[5], NULL, 10);
		if (size > sizeof(payload))
			return usage();
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			return 1;
		while (sent < count &&
		       sendto(fd, payload, size, 0, (struct sockaddr *)&to,
			      sizeof(to)) == (ssize_t)size)
			sent++;
		printf("udp sent %lu\n", sent);
		return sent == count ? 0 : 1;
	}
	if (!strcmp(argv[1], "tcp") && argc == 4) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return 1;
		if (!connect(fd, (struct sockaddr *)&to, sizeof(to))) {
			printf("tcp connected\n");
			return 0;
		}
		printf("tcp %s\n", errno == ECONNREFUSED ? "refused" : strerror(errno));
		return errno == ECONNREFUSED ? 0 : 1;
	}
	return usage();
}

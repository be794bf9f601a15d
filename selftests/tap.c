// SPDX-License-Identifier: GPL-2.0
/* Tap devices and frames for the host tests (tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>

#include "tap.h"

static int tun_attach(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int set_up(const char *name)
{
	struct ifreq ifr = { 0 };
	char path[128];
	int s, fd, err = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
		 name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "1", 1) != 1)
			err = -errno;
		close(fd);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		err = -errno;
	close(s);
	return err;
}

int tap_open(const char *name, bool persist)
{
	int fd = tun_attach(name), err;

	if (fd < 0)
		return fd;
	if (persist && ioctl(fd, TUNSETPERSIST, 1) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	err = set_up(name);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int tap_ifindex(const char *name)
{
	unsigned int i = if_nametoindex(name);

	return i ? (int)i : -errno;
}

int tap_sender(int ifindex)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = ifindex,
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);

	if (s < 0)
		return -errno;
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;

		close(s);
		return err;
	}
	return s;
}

int tap_send(int sock, int ifindex, const void *frame, size_t len)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_ifindex = ifindex,
		.sll_halen = ETH_ALEN,
	};

	memcpy(sll.sll_addr, frame, ETH_ALEN);
	if (sendto(sock, frame, len, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) != (ssize_t)len)
		return -errno;
	return 0;
}

int tap_deliver(const char *name, const struct frame *f, unsigned int n)
{
	int idx = tap_ifindex(name), s, err = 0;

	if (idx < 0)
		return idx;
	s = tap_sender(idx);
	if (s < 0)
		return s;
	while (n-- && !err) {
		err = tap_send(s, idx, f->b, f->len);
		if (err == -ENOBUFS)
			err = 0;
	}
	close(s);
	return err;
}

unsigned int tap_drain(int fd)
{
	uint8_t buf[2048];
	unsigned int n = 0;

	while (read(fd, buf, sizeof(buf)) > 0)
		n++;
	return n;
}

unsigned int tap_write(int fd, const struct frame *f, unsigned int n)
{
	unsigned int done = 0;

	while (done < n && write(fd, f->b, f->len) == (ssize_t)f->len)
		done++;
	return done;
}

static size_t eth(struct frame *f, uint16_t type)
{
	static const uint8_t dst[ETH_ALEN] = TAP_DST_MAC;
	static const uint8_t src[ETH_ALEN] = TAP_SRC_MAC;

	memset(f->b, 0, sizeof(f->b));
	memcpy(f->b, dst, ETH_ALEN);
	memcpy(f->b + ETH_ALEN, src, ETH_ALEN);
	f->b[12] = type >> 8;
	f->b[13] = type & 0xff;
	return ETH_HLEN;
}

void frame_l2(struct frame *f, uint16_t type)
{
	static const uint8_t arp[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	size_t off = eth(f, type);

	if (type == 0x0806)
		memcpy(f->b + off, arp, sizeof(arp));
	f->len = 60;
}

/* A transport header at @p: 8 bytes (UDP, ICMP) or 20 (TCP). */
static size_t l4(uint8_t *p, int proto, uint8_t tcp_flags, uint8_t icmp_type)
{
	switch (proto) {
	case FR_TCP:
		p[1] = 80;			/* ports 0 -> 80 */
		p[3] = 80;
		p[12] = 5 << 4;			/* data offset */
		p[13] = tcp_flags;
		return 20;
	case FR_ICMP:
		p[0] = icmp_type;
		return 8;
	default:
		p[1] = 9;
		p[3] = 9;
		return 8;
	}
}

void frame_v4(struct frame *f, uint32_t src, uint32_t dst, int proto,
	      uint8_t tcp_flags, uint8_t icmp_type, size_t payload)
{
	static const uint8_t ipproto[] = { [FR_UDP] = 17, [FR_TCP] = 6,
					   [FR_ICMP] = 1 };
	size_t off = eth(f, ETH_P_IP), t;
	uint8_t *ip = f->b + off;
	uint32_t s = htonl(src), d = htonl(dst);

	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = ipproto[proto];
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	t = l4(ip + 20, proto, tcp_flags, icmp_type);
	ip[2] = (uint8_t)((20 + t + payload) >> 8);
	ip[3] = (uint8_t)(20 + t + payload);
	f->len = off + 20 + t + payload;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static void csum_put(uint8_t *at, uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	at[0] = (uint8_t)(sum >> 8);
	at[1] = (uint8_t)sum;
}

void frame_v4_finish(struct frame *f, uint16_t sport, uint16_t dport)
{
	static const uint8_t prefix[4] = { 0x02, 0x00, 0x5e, 0x10 };
	uint8_t *ip = f->b + ETH_HLEN, *t = ip + 20, *ck;
	size_t len = (size_t)ip[2] << 8 | ip[3], tlen = len - 20;
	uint8_t pseudo[4] = { 0, ip[9], (uint8_t)(tlen >> 8), (uint8_t)tlen };

	memcpy(f->b, prefix, 4);
	memcpy(f->b + 4, ip + 18, 2);
	memcpy(f->b + ETH_ALEN, prefix, 4);
	memcpy(f->b + ETH_ALEN + 4, ip + 14, 2);
	ip[10] = ip[11] = 0;
	csum_put(ip + 10, csum_add(0, ip, 20));
	if (ip[9] != 6 && ip[9] != 17)
		return;
	t[0] = (uint8_t)(sport >> 8);
	t[1] = (uint8_t)sport;
	t[2] = (uint8_t)(dport >> 8);
	t[3] = (uint8_t)dport;
	if (ip[9] == 17) {
		t[4] = (uint8_t)(tlen >> 8);
		t[5] = (uint8_t)tlen;
	}
	ck = t + (ip[9] == 6 ? 16 : 6);
	ck[0] = ck[1] = 0;
	csum_put(ck, csum_add(csum_add(csum_add(0, ip + 12, 8), pseudo, 4),
			      t, tlen));
	if (ip[9] == 17 && !ck[0] && !ck[1])
		ck[0] = ck[1] = 0xff;	/* 0 means "none" in UDP (RFC 768) */
}

void frame_v6(struct frame *f, const uint8_t *src, const uint8_t *dst,
	      unsigned int ext, uint8_t nexthdr, uint8_t first_byte)
{
	size_t off = eth(f, ETH_P_IPV6);
	uint8_t *ip = f->b + off, *p = ip + 40;
	unsigned int i;

	ip[0] = 0x60;
	ip[6] = ext ? 60 : nexthdr;	/* destination options first */
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	for (i = 0; i < ext; i++, p += 8) {
		p[0] = i + 1 < ext ? 60 : nexthdr;
		p[1] = 0;		/* 8 bytes */
		p[2] = 1;		/* PadN, 4 bytes of padding */
		p[3] = 4;
	}
	p[0] = first_byte;		/* ICMPv6 type, or TCP's first byte */
	if (nexthdr == 6)
		p[13] = first_byte;	/* TCP: the flags */
	ip[4] = (uint8_t)((p + 20 - (ip + 40)) >> 8);
	ip[5] = (uint8_t)(p + 20 - (ip + 40));
	f->len = off + (size_t)(p + 20 - ip);
}

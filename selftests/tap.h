/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tap devices for the host tests: a process that holds one is a VMM with a
 * tap, to kvm-sec. Frames written to the tap's file are what "the VM
 * sends" (the tap's ingress); frames sent to the device through a packet
 * socket are what "the VM receives" (its egress), read back from the file.
 */
#ifndef KSEC_TAP_H
#define KSEC_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Open tap @name (created if it does not exist), IPv6 off so that the host
 * sends nothing of its own on it, and up. Returns the file descriptor
 * (non-blocking) or -errno.
 */
int tap_open(const char *name, bool persist);
int tap_ifindex(const char *name);

/* A packet socket that sends on device @ifindex, or -errno. */
int tap_sender(int ifindex);
/* Send @len bytes of frame on @sock; 0 or -errno. */
int tap_send(int sock, int ifindex, const void *frame, size_t len);
/* Read and discard what the tap delivered to "the VM"; frames read. */
unsigned int tap_drain(int fd);

/* Frame building: Ethernet + IPv4/IPv6 + a transport header. */
struct frame {
	uint8_t b[1600];
	size_t len;
};

enum { FR_UDP, FR_TCP, FR_ICMP };

/*
 * IPv4 from @src to @dst (host byte order), protocol @proto with @tcp_flags
 * (FR_TCP) or ICMP type @icmp_type (FR_ICMP), @payload bytes of zeros.
 */
void frame_v4(struct frame *f, uint32_t src, uint32_t dst, int proto,
	      uint8_t tcp_flags, uint8_t icmp_type, size_t payload);
/*
 * Make @f (from frame_v4) a frame a host answers: MACs 02:00:5e:10:X:Y for
 * addresses a.b.X.Y (TAP_SRC_MAC and TAP_DST_MAC are those of 10.77.0.1
 * and .2), a valid IPv4 checksum and, for TCP and UDP, ports @sport ->
 * @dport and a valid checksum (ICMP's is left as it is).
 */
void frame_v4_finish(struct frame *f, uint16_t sport, uint16_t dport);
/* Ethernet of @type (an ARP request's header for 0x0806), zeros: 60 bytes. */
void frame_l2(struct frame *f, uint16_t type);
/* IPv6 with @ext hop-by-hop/destination option headers before @nexthdr. */
void frame_v6(struct frame *f, const uint8_t *src, const uint8_t *dst,
	      unsigned int ext, uint8_t nexthdr, uint8_t first_byte);

/*
 * Send frame @f @n times on device @name ("the VM" receives it); 0 or
 * -errno. A frame the device's egress path drops (ENOBUFS: a qdisc's or
 * kvm-sec's limit, NET_XMIT_DROP) is not a failure to send it.
 */
int tap_deliver(const char *name, const struct frame *f, unsigned int n);
/* Write frame @f @n times to a tap's file ("the VM" sends it); written. */
unsigned int tap_write(int fd, const struct frame *f, unsigned int n);

#define TAP_SRC_MAC	{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 }
#define TAP_DST_MAC	{ 0x02, 0x00, 0x5e, 0x10, 0x00, 0x02 }

#endif /* KSEC_TAP_H */

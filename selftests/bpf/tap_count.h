/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by tap_count.bpf.c and its loader, ../bpf_bench.c. */
#ifndef TAP_COUNT_H
#define TAP_COUNT_H

#define TAP_COUNT_MAX_KEYS	65536

enum tap_dir {
	TAP_DIR_TX,		/* the VM sends: the tap's ingress */
	TAP_DIR_RX,		/* the VM receives: the tap's egress */
};

struct tap_count_key {
	__u8 peer[16];		/* IPv4 mapped into IPv6; zero: not IP */
	__u32 ifindex;
	__u8 dir;		/* enum tap_dir */
	__u8 proto;		/* IP protocol, 0 if not IP */
	__u16 pad;
};

struct tap_count_val {
	__u64 packets;
	__u64 bytes;
};

#endif /* TAP_COUNT_H */

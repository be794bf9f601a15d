/* SPDX-License-Identifier: GPL-2.0 */
/* Raw generic netlink to kvm_sec, for messages libnl would not build. */
#ifndef KSEC_RAW_NL_H
#define KSEC_RAW_NL_H

#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>

struct raw {
	int fd;
	uint16_t family;
	uint32_t seq;
	char extack[256];		/* the module's message, if any */
	char reply[8192] __attribute__((aligned(4)));	/* last reply */
	size_t reply_len;		/* 0: none */
	size_t rcvbuf;			/* receive with this much (0: all) */
};

/* Resolve kvm_sec and open a socket with extended acks: 0 or -errno. */
int raw_open(struct raw *r);

/* Append one attribute; a @len that lies about the payload is allowed. */
size_t put_attr(char *buf, size_t off, uint16_t type, uint16_t len,
		const void *data, size_t datalen);

/*
 * Send a request made of @attrs (@alen bytes, may be malformed) and return
 * the error the kernel acknowledged it with (0 on success; a dump's end
 * counts as success). A reply message of the family is kept in r->reply.
 * A reply that did not fit r->rcvbuf bytes is -EMSGSIZE.
 */
int raw_request(struct raw *r, uint8_t cmd, uint16_t flags,
		const void *attrs, size_t alen);

/* An attribute of the last reply, or NULL. */
const struct nlattr *raw_reply_attr(const struct raw *r, uint16_t type);

#endif /* KSEC_RAW_NL_H */

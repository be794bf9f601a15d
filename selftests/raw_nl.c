// SPDX-License-Identifier: GPL-2.0
/*
 * Raw generic netlink for the selftests: messages libnl would refuse to
 * build (malformed on purpose), and the replies they get.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/kvm_sec.h>

#include "raw_nl.h"


int raw_open(struct raw *r)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1, id;

	if (!sk || genl_connect(sk))
		return -EIO;
	id = genl_ctrl_resolve(sk, KVM_SEC_GENL_NAME);
	nl_socket_free(sk);
	if (id < 0)
		return -ENOENT;
	r->family = (uint16_t)id;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0)
		return -errno;
	setsockopt(r->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	return 0;
}

/* Append one attribute; a @len that lies about the payload is allowed. */
size_t put_attr(char *buf, size_t off, uint16_t type, uint16_t len,
		       const void *data, size_t datalen)
{
	struct nlattr *a = (struct nlattr *)(buf + off);

	a->nla_type = type;
	a->nla_len = len;
	if (datalen)
		memcpy(a + 1, data, datalen);
	return off + NLA_ALIGN(sizeof(*a) + datalen);
}

/*
 * Send a request made of @attrs (@alen bytes, may be malformed) and return
 * the error the kernel acknowledged it with (0 on success).
 */
int raw_request(struct raw *r, uint8_t cmd, uint16_t flags,
		       const void *attrs, size_t alen)
{
	/* A sealed state of 8 KiB, and an error echoing it, fit. */
	static __thread char buf[16384] __attribute__((aligned(4)));
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = NLMSG_DATA(nlh);
	ssize_t n;

	if (alen > sizeof(buf) - NLMSG_HDRLEN - GENL_HDRLEN)
		return -EMSGSIZE;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	nlh->nlmsg_type = r->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++r->seq;
	gh->cmd = cmd;
	gh->version = KVM_SEC_GENL_VERSION;
	if (alen)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	if (send(r->fd, buf, nlh->nlmsg_len, 0) < 0)
		return -errno;
	r->extack[0] = '\0';
	r->reply_len = 0;
	for (;;) {
		size_t want = r->rcvbuf && r->rcvbuf < sizeof(buf) ?
			      r->rcvbuf : sizeof(buf);

		n = recv(r->fd, buf, want, MSG_TRUNC);
		if (n < 0)
			return -errno;
		if ((size_t)n > want)
			return -EMSGSIZE;	/* the kernel sent more */
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			struct nlmsgerr *e;
			size_t off;
			int len;

			/* What an earlier request left unread is not ours. */
			if (nlh->nlmsg_seq != r->seq)
				continue;
			/* A dump's end carries its error, if any. */
			if (nlh->nlmsg_type == NLMSG_DONE)
				return nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) ?
				       *(int *)NLMSG_DATA(nlh) : 0;
			if (nlh->nlmsg_type == r->family &&
			    nlh->nlmsg_len <= sizeof(r->reply)) {
				memcpy(r->reply, nlh, nlh->nlmsg_len);
				r->reply_len = nlh->nlmsg_len;
			}
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = NLMSG_DATA(nlh);
			off = sizeof(*e);
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - NLMSG_HDRLEN;
			len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
			if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
				struct nlattr *a = (struct nlattr *)((char *)e + off);

				while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
				       a->nla_len <= len) {
					if (a->nla_type == NLMSGERR_ATTR_MSG)
						snprintf(r->extack, sizeof(r->extack),
							 "%.*s", (int)(a->nla_len - sizeof(*a)),
							 (char *)(a + 1));
					len -= NLA_ALIGN(a->nla_len);
					a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
				}
			}
			return e->error;
		}
	}
}

const struct nlattr *raw_reply_attr(const struct raw *r, uint16_t type)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)r->reply;
	const struct nlattr *a;
	int len;

	if (!r->reply_len)
		return NULL;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	a = (const struct nlattr *)(r->reply + NLMSG_HDRLEN + GENL_HDRLEN);
	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		len -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return NULL;
}

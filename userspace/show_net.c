// SPDX-License-Identifier: GPL-2.0
/* The network section of "vsecctl show": text and JSON (show.h). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include "escape.h"
#include "show.h"

/* Index of a network counter in vsec_net.ctr[]. */
#define N(name) (KVM_SEC_NET_CTR_##name - KVM_SEC_NET_CTR_TX_PACKETS)

/* Counters shown in pairs: sent by the VM, received by it. */
static const struct {
	const char *label;
	int tx, rx;
} net_rows[] = {
	{ "packets", N(TX_PACKETS), N(RX_PACKETS) },
	{ "bytes", N(TX_BYTES), N(RX_BYTES) },
	{ "TCP SYN", N(TX_SYN), N(RX_SYN) },
	{ "TCP SYN-ACK", N(TX_SYNACK), N(RX_SYNACK) },
	{ "TCP RST", N(TX_RST), N(RX_RST) },
	{ "ICMP unreachable", N(TX_UNREACH), N(RX_UNREACH) },
	{ "UDP", N(TX_UDP), N(RX_UDP) },
	{ "not IP (ARP...)", N(TX_NONIP), N(RX_NONIP) },
	{ "headers unparsed", N(TX_UNPARSED), N(RX_UNPARSED) },
};

static const char *how_name(uint8_t how)
{
	return how < 3 ? vsec_netdev_how_name[how] : "unknown";
}

static const char *class_name(uint8_t class)
{
	return class < 4 ? vsec_peer_class_name[class] : "unknown";
}

/* "52:54:00:12:34:56", "10.0.3.10", "fd00::1" */
static void format_own_addr(char *buf, size_t len, const uint8_t *a,
			    uint8_t alen)
{
	if (alen == 6)
		snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
			 a[0], a[1], a[2], a[3], a[4], a[5]);
	else if (!inet_ntop(alen == 4 ? AF_INET : AF_INET6, a, buf,
			    (socklen_t)len))
		snprintf(buf, len, "?");
}

static void format_peer(char *buf, size_t len, const struct vsec_peers *p,
			unsigned int i)
{
	if (!inet_ntop(p->e[i].family == 4 ? AF_INET : AF_INET6, p->e[i].addr,
		       buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

static void show_peers(FILE *f, const char *title, const struct vsec_peers *p)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	fprintf(f, "\n  %-39s %12s %10s  %s\n", title, "packets", "(error)",
		"where");
	for (i = 0; i < p->nr; i++) {
		format_peer(a, sizeof(a), p, i);
		fprintf(f, "  %-39s %12" PRIu64, a, p->e[i].packets);
		if (p->e[i].err)
			fprintf(f, " %10" PRIu64, p->e[i].err);
		else
			fprintf(f, " %10s", "");
		fprintf(f, "  %s", class_name(p->e[i].class));
		if (p->e[i].class == KVM_SEC_PEER_THIS_HOST)
			fprintf(f, " (VM %" PRIu32 ")", p->e[i].vm);
		fputc('\n', f);
	}
	if (p->other || !p->nr)
		fprintf(f, "  %-39s %12" PRIu64 "\n", "(others)", p->other);
}

void show_net(FILE *f, const struct vsec_net *n)
{
	char a[INET6_ADDRSTRLEN], name[TEXT_ESCAPE_SIZE(16)];
	unsigned int i;

	fprintf(f, "\n  network (what the host saw on the VM's devices)\n");
	fprintf(f, "  %-24s", "devices");
	if (!n->nr_devs)
		fprintf(f, " none now");
	for (i = 0; i < n->nr_devs; i++)
		fprintf(f, "%s %s (%s, ifindex %" PRIu32 "%s)", i ? "," : "",
			text_escape(name, sizeof(name), n->dev[i].name),
			how_name(n->dev[i].how), n->dev[i].ifindex,
			n->dev[i].init_net ? "" : ", other namespace");
	fprintf(f, "\n  %-24s", "own addresses");
	if (!n->nr_addrs)
		fprintf(f, " none seen yet");
	for (i = 0; i < n->nr_addrs; i++) {
		format_own_addr(a, sizeof(a), n->addr[i].addr, n->addr[i].len);
		fprintf(f, "%s %s", i ? "," : "", a);
	}
	fprintf(f, "\n\n  %-24s %16s %16s %12s %12s\n", "counter", "sent",
		"received", "sent/s", "received/s");
	for (i = 0; i < sizeof(net_rows) / sizeof(net_rows[0]); i++)
		fprintf(f, "  %-24s %16" PRIu64 " %16" PRIu64 " %12" PRIu64
			" %12" PRIu64 "\n", net_rows[i].label,
			n->ctr[net_rows[i].tx], n->ctr[net_rows[i].rx],
			n->rate[net_rows[i].tx], n->rate[net_rows[i].rx]);
	fprintf(f, "  %-24s %16" PRIu64 " %16" PRIu64
		"   (last interval, estimated)\n", "distinct peers",
		n->distinct_dst, n->distinct_src);
	show_peers(f, "destination (sent to)", &n->dst);
	show_peers(f, "source (received from)", &n->src);
}

static void json_peers(struct json *j, const char *key,
		       const struct vsec_peers *p)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	json_begin_object(j, key);
	json_begin_array(j, "entries");
	for (i = 0; i < p->nr; i++) {
		format_peer(a, sizeof(a), p, i);
		json_begin_object(j, NULL);
		json_string(j, "addr", a);
		json_u64(j, "packets", p->e[i].packets);
		json_u64(j, "error", p->e[i].err);
		json_string(j, "where", class_name(p->e[i].class));
		if (p->e[i].class == KVM_SEC_PEER_THIS_HOST)
			json_u64(j, "vm", p->e[i].vm);
		json_end_object(j);
	}
	json_end_array(j);
	json_u64(j, "other", p->other);
	json_end_object(j);
}

void json_net(struct json *j, const struct vsec_net *n)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	json_begin_object(j, "network");
	json_begin_array(j, "devices");
	for (i = 0; i < n->nr_devs; i++) {
		json_begin_object(j, NULL);
		json_string(j, "name", n->dev[i].name);
		json_u64(j, "ifindex", n->dev[i].ifindex);
		json_string(j, "how", how_name(n->dev[i].how));
		json_bool(j, "init_net", n->dev[i].init_net);
		json_end_object(j);
	}
	json_end_array(j);
	json_begin_array(j, "addresses");
	for (i = 0; i < n->nr_addrs; i++) {
		format_own_addr(a, sizeof(a), n->addr[i].addr, n->addr[i].len);
		json_string(j, NULL, a);
	}
	json_end_array(j);
	json_u64_object(j, "counters", vsec_net_ctr_key, n->ctr, VSEC_NR_NET_CTR);
	json_u64_object(j, "rates", vsec_net_ctr_key, n->rate, VSEC_NR_NET_CTR);
	json_u64(j, "distinct_destinations", n->distinct_dst);
	json_u64(j, "distinct_sources", n->distinct_src);
	json_peers(j, "destinations", &n->dst);
	json_peers(j, "sources", &n->src);
	json_end_object(j);
}

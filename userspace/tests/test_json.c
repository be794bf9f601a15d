// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vsecctl's JSON and human formatting. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "escape.h"
#include "json.h"
#include "show.h"

static char *render(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	fn(f, arg);
	fclose(f);
	return buf;
}

static void write_str(FILE *f, const void *arg)
{
	json_write_string(f, arg);
}

static void write_vm(FILE *f, const void *arg)
{
	struct json j;

	json_init(&j, f);
	json_vm(&j, NULL, arg);
}

static void test_escaping(void)
{
	CHECK(!strcmp(render(write_str, "plain"), "\"plain\""));
	CHECK(!strcmp(render(write_str, "a\"b\\c"), "\"a\\\"b\\\\c\""));
	CHECK(!strcmp(render(write_str, "t\tn\n\x01"), "\"t\\tn\\n\\u0001\""));
}

/* Is @s valid UTF-8 with no control character but \n? */
static int clean_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	while (n) {
		size_t l = utf8_seq_len(p, n);

		if (!l || (l == 1 && ((*p < 0x20 && *p != '\n') || *p == 0x7f)) ||
		    (l == 2 && p[0] == 0xc2 && p[1] < 0xa0))
			return 0;
		p += l;
		n -= l;
	}
	return 1;
}

static void test_utf8(void)
{
	CHECK(utf8_seq_len((const unsigned char *)"a", 1) == 1);
	CHECK(utf8_seq_len((const unsigned char *)"\xc3\xa9", 2) == 2);
	CHECK(utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3) == 3);
	CHECK(utf8_seq_len((const unsigned char *)"\xf0\x9f\x98\x80", 4) == 4);
	/* Truncated, overlong, surrogate, beyond U+10FFFF, stray bytes. */
	CHECK(utf8_seq_len((const unsigned char *)"\xc3", 1) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\xc0\xaf", 2) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\xe0\x80\xaf", 3) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\xf4\x90\x80\x80", 4) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\x80", 1) == 0);
	CHECK(utf8_seq_len((const unsigned char *)"\xff", 1) == 0);
}

/*
 * Names a hostile guest or VMM can choose: terminal escapes, C1 controls
 * (8-bit and UTF-8 encoded), invalid UTF-8, a backslash.
 */
static const char *const hostile[] = {
	"\x1b]0;pwned\x07\x1b[2J",
	"a\x9b" "31mred",
	"\xc2\x9b" "31m",
	"\xff\xfe\xc3",
	"back\\slash\r\n",
	"caf\xc3\xa9 \xe2\x82\xac",
};

static void test_text_escape(void)
{
	char out[TEXT_ESCAPE_SIZE(32)];
	unsigned int i;

	CHECK(!strcmp(text_escape(out, sizeof(out), "qemu-system-x86"),
		      "qemu-system-x86"));
	CHECK(!strcmp(text_escape(out, sizeof(out), "\x1b[2J"), "\\x1b[2J"));
	CHECK(!strcmp(text_escape(out, sizeof(out), "a\\b"), "a\\x5cb"));
	/* Valid UTF-8 stays readable; C1 controls do not. */
	CHECK(!strcmp(text_escape(out, sizeof(out), "caf\xc3\xa9"), "caf\xc3\xa9"));
	CHECK(!strcmp(text_escape(out, sizeof(out), "\xc2\x9b"), "\\xc2\\x9b"));
	CHECK(!strcmp(text_escape(out, sizeof(out), "\xff"), "\\xff"));
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		CHECK(clean_utf8(text_escape(out, sizeof(out), hostile[i])));
	/* Cut short, never overflowing, never a split escape. */
	CHECK(!strcmp(text_escape(out, 6, "\x1b\x1b"), "\\x1b"));
	CHECK(!strcmp(text_escape(out, 3, "\xc3\xa9\xc3\xa9"), "\xc3\xa9"));
}

static void test_json_strings_are_valid_utf8(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
		CHECK(clean_utf8(render(write_str, hostile[i])));
	CHECK(!strcmp(render(write_str, "\xff\xc3\xa9\x9b"),
		      "\"\\u00ff\xc3\xa9\\u009b\""));
	CHECK(!strcmp(render(write_str, "\x1b[2J"), "\"\\u001b[2J\""));
}

static void write_show_vm(FILE *f, const void *arg)
{
	show_vm(f, arg);
}

static void write_event(FILE *f, const void *arg)
{
	show_event(f, arg);
}

static void write_json_event(FILE *f, const void *arg)
{
	struct json j;

	json_init(&j, f);
	json_event(&j, arg);
}

/* HREM's capacity events, near and no longer, in text and JSON. */
static void test_capacity_event(void)
{
	static struct vsec_event ev;
	const char *out;

	ev.cmd = KVM_SEC_CMD_CAPACITY;
	ev.vm.id = 7;
	ev.vm.decision.present = true;
	ev.vm.decision.level = 1;
	ev.vm.decision.near_capacity = true;
	out = render(write_event, &ev);
	CHECK(!strcmp(out, "capacity id 7 near (clean: more resources would help)\n"));
	out = render(write_json_event, &ev);
	CHECK(!strncmp(out, "{\"event\":\"capacity\",\"id\":7,\"decision\":{",
		       strlen("{\"event\":\"capacity\",\"id\":7,\"decision\":{")));
	CHECK(strstr(out, "\"near_capacity\":true"));
	ev.vm.decision.near_capacity = false;
	out = render(write_event, &ev);
	CHECK(!strcmp(out, "capacity id 7 normal\n"));
	out = render(write_json_event, &ev);
	CHECK(strstr(out, "\"near_capacity\":false"));
}

/* A VM whose VMM and guest chose hostile names, shown both ways. */
static void test_hostile_vm(void)
{
	static struct vsec_vm vm;
	static struct vsec_event ev;
	const char *out;

	memset(&vm, 0, sizeof(vm));
	vm.id = 7;
	strcpy(vm.comm, "\x1b]0;x\x07\xff");
	vm.guest.present = true;
	vm.guest.has_flows = true;
	vm.guest.nr_flows = 1;
	vm.guest.flows[0].family = 4;
	vm.guest.flows[0].pid = 9;
	strcpy(vm.guest.flows[0].comm, "\x1b[2J\xc2\x9b");
	out = render(write_show_vm, &vm);
	CHECK(clean_utf8(out));
	CHECK(strstr(out, "\\x1b]0;x\\x07\\xff") != NULL);
	CHECK(strstr(out, "\\x1b[2J\\xc2\\x9b") != NULL);
	out = render(write_vm, &vm);
	CHECK(clean_utf8(out));
	CHECK(strstr(out, "\"comm\":\"\\u001b]0;x\\u0007\\u00ff\"") != NULL);
	ev.cmd = KVM_SEC_CMD_VM_NEW;
	ev.vm = vm;
	CHECK(clean_utf8(render(write_event, &ev)));
}

static void test_vm_object(void)
{
	struct vsec_vm vm = {
		.id = 3, .pid = 42, .comm = "qemu \"x\"", .vcpus = 2,
		.created_ns = 5, .interval_ms = 1000, .has_vcpus = true,
		.has_ctr = true,
	};
	const char *out;

	vm.ctr[KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS] = 9;
	vm.ports.present = true;
	vm.ports.nr = 1;
	vm.ports.e[0].key = 0x80;
	vm.ports.e[0].count = 4;
	vm.ports.other = 1;
	out = render(write_vm, &vm);
	CHECK(strstr(out, "{\"id\":3,\"pid\":42,\"comm\":\"qemu \\\"x\\\"\",") == out);
	CHECK(strstr(out, "\"counters\":{\"exits\":0,\"hypercalls\":9,") != NULL);
	CHECK(strstr(out, "\"ports\":{\"entries\":[{\"port\":128,\"count\":4,\"error\":0}],\"other\":1}") != NULL);
	CHECK(strstr(out, "\"vcpus\":2,") != NULL);
	CHECK(strstr(out, "\"rates\"") == NULL);	/* not received */
	CHECK(strstr(out, "\"interval_ms\"") == NULL);	/* not received */
	CHECK(out[strlen(out) - 1] == '\n');
}

/*
 * The network section: a device name may hold control characters (Linux
 * refuses only '/', ':' and spaces), peers keep their class and VM.
 */
static void test_network(void)
{
	static struct vsec_vm vm;
	const char *out;

	memset(&vm, 0, sizeof(vm));
	vm.id = 4;
	vm.net.present = true;
	vm.net.nr_devs = 1;
	strcpy(vm.net.dev[0].name, "t\x1b[2Jap");
	vm.net.dev[0].ifindex = 12;
	vm.net.dev[0].how = KVM_SEC_NETDEV_TUN;
	vm.net.dev[0].init_net = true;
	vm.net.nr_addrs = 2;
	vm.net.addr[0].len = 6;
	memcpy(vm.net.addr[0].addr, "\x52\x54\x00\x00\x03\x11", 6);
	vm.net.addr[1].len = 4;
	memcpy(vm.net.addr[1].addr, "\x0a\x00\x03\x0b", 4);
	vm.net.ctr[KVM_SEC_NET_CTR_TX_UDP - KVM_SEC_NET_CTR_TX_PACKETS] = 408;
	vm.net.dst.nr = 1;
	vm.net.dst.e[0].family = 4;
	memcpy(vm.net.dst.e[0].addr, "\x0a\x00\x03\x0c", 4);
	vm.net.dst.e[0].packets = 400;
	vm.net.dst.e[0].class = KVM_SEC_PEER_THIS_HOST;
	vm.net.dst.e[0].vm = 9;
	vm.net.dst.other = 8;
	out = render(write_show_vm, &vm);
	CHECK(clean_utf8(out));
	CHECK(strstr(out, "t\\x1b[2Jap (tun, ifindex 12)") != NULL);
	CHECK(strstr(out, "52:54:00:00:03:11, 10.0.3.11") != NULL);
	CHECK(strstr(out, "this-host (VM 9)") != NULL);
	out = render(write_vm, &vm);
	CHECK(clean_utf8(out));
	CHECK(strstr(out, "\"devices\":[{\"name\":\"t\\u001b[2Jap\",\"ifindex\":12,\"how\":\"tun\",\"init_net\":true}]") != NULL);
	CHECK(strstr(out, "\"addresses\":[\"52:54:00:00:03:11\",\"10.0.3.11\"]") != NULL);
	CHECK(strstr(out, "\"tx_udp\":408,") != NULL);
	CHECK(strstr(out, "\"destinations\":{\"entries\":[{\"addr\":\"10.0.3.12\",\"packets\":400,\"error\":0,\"where\":\"this-host\",\"vm\":9}],\"other\":8}") != NULL);
}

static void test_durations(void)
{
	char b[16];

	format_duration(b, sizeof(b), 0);
	CHECK(!strcmp(b, "0s"));
	format_duration(b, sizeof(b), 125);
	CHECK(!strcmp(b, "2m05s"));
	format_duration(b, sizeof(b), 3 * 86400 + 4 * 3600);
	CHECK(!strcmp(b, "3d04h"));
}

static void write_prom(FILE *f, const void *arg)
{
	static const struct vsec_status st = { .vms = 1, .events_dropped = 3 };

	show_prometheus(f, arg, 1, &st);
}

/*
 * The Prometheus exposition: names in base units, counters _total, one
 * verdict line per verdict, a hostile VMM name escaped into a valid label.
 */
static void test_prometheus(void)
{
	static struct vsec_vm vm;
	const char *out, *p;

	memset(&vm, 0, sizeof(vm));
	vm.id = 7;
	vm.pid = 1234;
	strcpy(vm.comm, "q\"e\\m\nu\x01");
	vm.ctr[0] = 42;		/* exits */
	vm.ctr[1] = 5;		/* hypercalls */
	vm.net.present = true;
	vm.net.ctr[1] = 1500;	/* tx_bytes */
	vm.has_level = true;
	vm.level = 2;
	vm.verdict = KVM_SEC_VERDICT_ATTACKER;
	out = render(write_prom, &vm);
	CHECK(strstr(out, "# TYPE kvmsec_vm_exits_total counter\n"));
	/* text_escape first (\x5c, \x0a, \x01), then the format's escapes */
	CHECK(strstr(out, "kvmsec_vm_exits_total{vm=\"7\",pid=\"1234\",comm=\"q\\\"e\\\\x5cm\\\\x0au\\\\x01\"} 42\n"));
	CHECK(strstr(out, "} 42\n"));
	CHECK(strstr(out, "kvmsec_vm_hypercalls_total{vm=\"7\""));
	CHECK(strstr(out, "kvmsec_vm_net_tx_bytes_total{vm=\"7\""));
	CHECK(strstr(out, "} 1500\n"));
	CHECK(strstr(out, "# TYPE kvmsec_vm_level gauge\n"));
	CHECK(strstr(out, ",verdict=\"attacker\"} 1\n"));
	CHECK(strstr(out, ",verdict=\"victim\"} 0\n"));
	CHECK(strstr(out, "kvmsec_events_dropped_total 3\n"));
	/* No raw control character reaches the output. */
	CHECK(!strchr(out, '\x01'));
	/* HREM's finding, when the module says it. */
	CHECK(!strstr(out, "kvmsec_vm_near_capacity{"));
	vm.has_near_capacity = true;
	vm.near_capacity = true;
	out = render(write_prom, &vm);
	CHECK(strstr(out, "# TYPE kvmsec_vm_near_capacity gauge\n"));
	p = strstr(out, "kvmsec_vm_near_capacity{vm=\"7\",pid=\"1234\",");
	CHECK(p && !strncmp(strchr(p, '}'), "} 1\n", 4));
	/* No VM, no level: no level line and no verdict line. */
	vm.has_level = false;
	vm.has_near_capacity = false;
	out = render(write_prom, &vm);
	CHECK(!strstr(out, "kvmsec_vm_level{"));
	CHECK(!strstr(out, "kvmsec_vm_verdict{"));
	CHECK(!strstr(out, "kvmsec_vm_near_capacity{"));
}

int main(void)
{
	test_escaping();
	test_utf8();
	test_text_escape();
	test_json_strings_are_valid_utf8();
	test_hostile_vm();
	test_network();
	test_vm_object();
	test_durations();
	test_prometheus();
	test_capacity_event();
	return check_done("test_json");
}

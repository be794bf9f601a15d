// SPDX-License-Identifier: GPL-2.0
/* Unit tests of vsecctl's JSON and human formatting. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
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
	CHECK(strstr(out, "\"ports\":{\"entries\":[{\"port\":128,\"count\":4}],\"other\":1}") != NULL);
	CHECK(strstr(out, "\"vcpus\":2,") != NULL);
	CHECK(strstr(out, "\"rates\"") == NULL);	/* not received */
	CHECK(strstr(out, "\"interval_ms\"") == NULL);	/* not received */
	CHECK(out[strlen(out) - 1] == '\n');
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

int main(void)
{
	test_escaping();
	test_vm_object();
	test_durations();
	return check_done("test_json");
}

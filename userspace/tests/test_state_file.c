// SPDX-License-Identifier: GPL-2.0
/*
 * vsecctl's state file (state_file.c): what save writes, restore reads
 * back byte for byte; a file damaged, cut, of another kind or version, or
 * whose records do not add up is refused whole; records find their VM by
 * its VMM's PID and start time only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "ipc.h"
#include "state_file.h"

/* state_file.c frees with it; the rest of ipc.c is not needed here. */
void vsec_states_free(struct vsec_state *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(v[i].data);
	free(v);
}

static const char boot[] = "0123abcd-4567-89ef-0123-456789abcdef";

/* Netlink attributes: a u32 (8 bytes) and a 5-byte string (12). */
static unsigned char attrs[20] = {
	8, 0, 2, 0, 1, 0, 0, 0,
	9, 0, 3, 0, 'a', 'b', 'c', 'd', 0, 0, 0, 0,
};

static struct vsec_state rec(uint32_t pid, uint64_t start, const char *comm,
			     unsigned char *data, uint32_t len)
{
	struct vsec_state s = { .pid = pid, .start_ns = start, .len = len,
				.data = data };

	snprintf(s.comm, sizeof(s.comm), "%s", comm);
	return s;
}

/* Fix the trailer's hash after an edit, as a forger would. */
static void rehash(unsigned char *b, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len - 8; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	memcpy(b + len - 8, &h, 8);
}

static int decode(unsigned char *b, size_t len, const char **why)
{
	struct vsec_state_file g;
	int err;

	*why = NULL;
	err = vsec_state_decode(b, len, &g, why);
	if (!err)
		vsec_states_free(g.v, g.nr);
	return err;
}

int main(void)
{
	unsigned char odd[8] = { 7, 0, 4, 0, 'x', 'y', 'z', 0 };
	struct vsec_state v[3] = {
		rec(100, 5000000001ull, "qemu-system-x86", attrs, sizeof(attrs)),
		rec(200, 7, "fc\x1b[31m", odd, sizeof(odd)),
		rec(300, 9, "", NULL, 0),
	};
	struct vsec_state_file f = { .saved_ns = 1234567890123ull, .v = v,
				     .nr = 3 }, g;
	const char *why = NULL;
	unsigned char *b, *c;
	size_t len, idx = 99;
	int err;

	memcpy(f.boot_id, boot, sizeof(boot));

	/* Round trip. */
	CHECK(!vsec_state_encode(&f, &b, &len));
	CHECK(len == 64 + 3 * 32 + 20 + 8 + 0 + 8);
	CHECK(!vsec_state_decode(b, len, &g, &why));
	CHECK(g.nr == 3 && g.saved_ns == f.saved_ns);
	CHECK(!strcmp(g.boot_id, boot));
	for (size_t i = 0; i < 3 && g.nr == 3; i++) {
		CHECK(g.v[i].pid == v[i].pid);
		CHECK(g.v[i].start_ns == v[i].start_ns);
		CHECK(g.v[i].len == v[i].len);
		CHECK(!v[i].len || !memcmp(g.v[i].data, v[i].data, v[i].len));
		CHECK(!strcmp(g.v[i].comm, v[i].comm));
		CHECK(g.v[i].id == 0);
	}
	vsec_states_free(g.v, g.nr);

	/* An empty file (no VM) is a file. */
	{
		struct vsec_state_file e = { .nr = 0 };
		unsigned char *eb;
		size_t elen;

		memcpy(e.boot_id, boot, sizeof(boot));
		CHECK(!vsec_state_encode(&e, &eb, &elen));
		CHECK(elen == 72 && !decode(eb, elen, &why));
		free(eb);
	}

	/* Every single byte flipped anywhere: refused by the hash. */
	c = malloc(len);
	for (size_t i = 0; i < len; i++) {
		memcpy(c, b, len);
		c[i] ^= 0x40;
		err = decode(c, len, &why);
		CHECK(err == -EINVAL || (i >= 8 && i < 12 &&
					 err == -EPROTONOSUPPORT));
	}
	/* Cut anywhere. */
	for (size_t n = 0; n < len; n++)
		CHECK(decode(b, n, &why) < 0);

	/* Not a state file; another version (even re-hashed). */
	memcpy(c, b, len);
	memcpy(c, "KVMSECSX", 8);
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "not a kvm-sec"));
	memcpy(c, b, len);
	c[8] = 2;
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EPROTONOSUPPORT);

	/* Records that do not add up, re-hashed: count, length, attrs. */
	memcpy(c, b, len);
	c[12] = 4;
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "fewer VMs"));
	memcpy(c, b, len);
	c[12] = 2;
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "after the last"));
	memcpy(c, b, len);
	c[64 + 4] = 24;			/* first record: 4 bytes too long */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL);
	memcpy(c, b, len);
	c[64 + 32 + 8] = 200;		/* its second attribute overruns */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "record"));
	memcpy(c, b, len);
	c[64 + 32 + 8] = 2;		/* shorter than an attribute header */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL);
	memcpy(c, b, len);
	memset(c + 64, 0, 4);		/* PID 0 */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL);
	memcpy(c, b, len);
	c[60] = 1;			/* reserved word */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "header"));
	memcpy(c, b, len);
	c[30] = '\0';			/* a boot ID cut short */
	rehash(c, len);
	CHECK(decode(c, len, &why) == -EINVAL && strstr(why, "boot ID"));
	free(c);
	free(b);

	/* Too much to write. */
	f.nr = VSEC_STATE_MAX_VMS + 1;
	CHECK(vsec_state_encode(&f, &b, &len) == -E2BIG);
	f.nr = 3;
	v[0].len = VSEC_STATE_MAX_LEN + 4;
	CHECK(vsec_state_encode(&f, &b, &len) == -E2BIG);
	v[0].len = sizeof(attrs);

	/* Matching: by PID and start time, both. */
	{
		struct vsec_state now[4] = {
			{ .id = 7, .pid = 100, .start_ns = 5000000001ull },
			{ .id = 8, .pid = 100, .start_ns = 5000000002ull },
			{ .id = 9, .pid = 200, .start_ns = 7 },
			{ .id = 10, .pid = 200, .start_ns = 7 },
		};

		struct vsec_state dup[2] = { v[0], v[0] };
		struct vsec_state_file two = { .v = dup, .nr = 2 };

		CHECK(vsec_state_match(&f, 0, now, 4, &idx) == 1 && idx == 0);
		CHECK(vsec_state_match(&f, 1, now, 4, &idx) == 2 && idx == 2);
		CHECK(vsec_state_match(&f, 2, now, 4, &idx) == 0);
		/*
		 * Two records of one key (a VMM that had two VMs) and one of
		 * its VMs left: which record is that VM's is not known.
		 */
		CHECK(vsec_state_match(&two, 0, now, 4, &idx) == 2);
		CHECK(vsec_state_match(&two, 1, now, 4, &idx) == 2);
		/* A PID reused by a later process: not the same VMM. */
		now[0].start_ns++;
		CHECK(vsec_state_match(&f, 0, now, 1, &idx) == 0);
	}

	/* Written whole, mode 0600, and read back. */
	{
		char path[] = "/tmp/test_state_fileXXXXXX";
		int fd = mkstemp(path);
		struct stat st;

		char tmp[64];

		CHECK(fd >= 0);
		close(fd);
		/* A FILE.tmp left by someone else, open to all: replaced. */
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		fd = open(tmp, O_WRONLY | O_CREAT, 0666);
		CHECK(fd >= 0 && !fchmod(fd, 0666));
		close(fd);
		CHECK(!vsec_state_write(path, &f));
		CHECK(access(tmp, F_OK) && errno == ENOENT);
		CHECK(!stat(path, &st) && (st.st_mode & 0777) == 0600);
		err = vsec_state_read(path, &g, &why);
		CHECK(!err && g.nr == 3);
		if (!err)
			vsec_states_free(g.v, g.nr);
		unlink(path);
		CHECK(vsec_state_read(path, &g, &why) == -ENOENT);
	}
	return check_done("test_state_file");
}

// SPDX-License-Identifier: GPL-2.0
/*
 * vsecctl's state file. In host byte order (as netlink), it holds:
 *
 *   header   magic "KVMSECST", u32 version, u32 VMs, u64 saved (ns,
 *            CLOCK_REALTIME), the boot ID (36 characters), u32 0
 *   per VM   u32 PID, u32 length, u64 VMM start (ns since boot),
 *            char comm[16], the KVM_SEC_A_VM_STATE payload (length bytes,
 *            netlink attributes), padded to 4 bytes
 *   trailer  u64 FNV-1a hash of all the bytes before it
 *
 * The hash catches a torn or damaged file; the module checks every value
 * of a state, whatever its source.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ipc.h"
#include "state_file.h"

#define HDR_LEN		64
#define REC_LEN		32
#define ALIGN4(x)	(((x) + 3) & ~(size_t)3)

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void put32(unsigned char **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

static void put64(unsigned char **p, uint64_t v)
{
	memcpy(*p, &v, 8);
	*p += 8;
}

static uint32_t get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int vsec_state_encode(const struct vsec_state_file *f, unsigned char **buf,
		      size_t *len)
{
	size_t n = HDR_LEN + 8;
	unsigned char *b, *p;

	if (f->nr > VSEC_STATE_MAX_VMS)
		return -E2BIG;
	for (size_t i = 0; i < f->nr; i++) {
		if (f->v[i].len > VSEC_STATE_MAX_LEN)
			return -E2BIG;
		n += REC_LEN + ALIGN4(f->v[i].len);
	}
	b = calloc(1, n);
	if (!b)
		return -ENOMEM;
	p = b;
	memcpy(p, VSEC_STATE_MAGIC, 8);
	p += 8;
	put32(&p, VSEC_STATE_FILE_VERSION);
	put32(&p, (uint32_t)f->nr);
	put64(&p, f->saved_ns);
	memcpy(p, f->boot_id, VSEC_STATE_BOOT_ID_LEN);
	p += VSEC_STATE_BOOT_ID_LEN;
	put32(&p, 0);
	for (size_t i = 0; i < f->nr; i++) {
		const struct vsec_state *s = &f->v[i];

		put32(&p, s->pid);
		put32(&p, s->len);
		put64(&p, s->start_ns);
		strncpy((char *)p, s->comm, 16);
		p += 16;
		if (s->len)
			memcpy(p, s->data, s->len);
		p += ALIGN4(s->len);
	}
	put64(&p, fnv1a(b, n - 8));
	*buf = b;
	*len = n;
	return 0;
}

/* Well-formed netlink attributes that fill exactly @n bytes. */
static int attrs_ok(const unsigned char *p, size_t n)
{
	while (n) {
		uint16_t alen;

		if (n < 4)
			return 0;
		memcpy(&alen, p, 2);
		if (alen < 4 || ALIGN4(alen) > n)
			return 0;
		p += ALIGN4(alen);
		n -= ALIGN4(alen);
	}
	return 1;
}

int vsec_state_decode(const unsigned char *buf, size_t len,
		      struct vsec_state_file *f, const char **why)
{
	const unsigned char *p = buf + HDR_LEN, *end;
	uint32_t count, version;
	struct vsec_state *v;

	memset(f, 0, sizeof(*f));
	if (len < HDR_LEN + 8 || memcmp(buf, VSEC_STATE_MAGIC, 8)) {
		*why = "not a kvm-sec state file";
		return -EINVAL;
	}
	version = get32(buf + 8);
	if (version != VSEC_STATE_FILE_VERSION) {
		*why = "a state file of another version";
		return -EPROTONOSUPPORT;
	}
	if (fnv1a(buf, len - 8) != get64(buf + len - 8)) {
		*why = "the file is damaged or truncated (its hash does not match)";
		return -EINVAL;
	}
	count = get32(buf + 12);
	if (count > VSEC_STATE_MAX_VMS || get32(buf + 60)) {
		*why = "a malformed header";
		return -EINVAL;
	}
	f->saved_ns = get64(buf + 16);
	memcpy(f->boot_id, buf + 24, VSEC_STATE_BOOT_ID_LEN);
	f->boot_id[VSEC_STATE_BOOT_ID_LEN] = '\0';
	if (strlen(f->boot_id) != VSEC_STATE_BOOT_ID_LEN) {
		*why = "a malformed boot ID";
		return -EINVAL;
	}
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	end = buf + len - 8;
	for (uint32_t i = 0; i < count; i++) {
		struct vsec_state *s = &v[i];

		if ((size_t)(end - p) < REC_LEN) {
			*why = "fewer VMs than the header says";
			goto bad;
		}
		s->pid = get32(p);
		s->len = get32(p + 4);
		s->start_ns = get64(p + 8);
		memcpy(s->comm, p + 16, 15);
		s->comm[15] = '\0';
		p += REC_LEN;
		if (!s->pid || s->len > VSEC_STATE_MAX_LEN ||
		    ALIGN4(s->len) > (size_t)(end - p) ||
		    !attrs_ok(p, s->len)) {
			*why = "a malformed VM record";
			goto bad;
		}
		s->data = malloc(s->len ? s->len : 1);
		if (!s->data) {
			vsec_states_free(v, i);
			return -ENOMEM;
		}
		memcpy(s->data, p, s->len);
		p += ALIGN4(s->len);
	}
	if (p != end) {
		*why = "bytes after the last VM";
		goto bad;
	}
	f->v = v;
	f->nr = count;
	return 0;
bad:
	for (uint32_t i = 0; i < count; i++)
		free(v[i].data);
	free(v);
	return -EINVAL;
}

static int same_key(const struct vsec_state *a, const struct vsec_state *b)
{
	return a->pid == b->pid && a->start_ns == b->start_ns;
}

size_t vsec_state_match(const struct vsec_state_file *f, size_t i,
			const struct vsec_state *vms, size_t nr, size_t *idx)
{
	size_t n = 0;

	for (size_t k = 0; k < nr; k++)
		if (same_key(&vms[k], &f->v[i]) && !n++)
			*idx = k;
	for (size_t k = 0; n == 1 && k < f->nr; k++)
		if (k != i && same_key(&f->v[k], &f->v[i]))
			n = 2;
	return n;
}

int vsec_state_boot_id(char id[VSEC_STATE_BOOT_ID_LEN + 1])
{
	FILE *fp = fopen("/proc/sys/kernel/random/boot_id", "re");
	int err = 0;

	if (!fp)
		return -errno;
	if (!fgets(id, VSEC_STATE_BOOT_ID_LEN + 1, fp) ||
	    strlen(id) != VSEC_STATE_BOOT_ID_LEN)
		err = -EIO;
	fclose(fp);
	return err;
}

/* The rename is durable once the directory is synced. */
static int sync_dir(const char *path)
{
	char dir[4096];
	char *slash;
	int fd, err = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		err = -errno;
	close(fd);
	return err;
}

int vsec_state_write(const char *path, const struct vsec_state_file *f)
{
	unsigned char *buf;
	char tmp[4096];
	size_t len, off = 0;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	err = vsec_state_encode(f, &buf, &len);
	if (err)
		return err;
	/*
	 * Tenants' workloads: the admin's alone. A new file, whoever may
	 * have left one of that name in the directory.
	 */
	if (unlink(tmp) && errno != ENOENT) {
		err = -errno;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	if (fchmod(fd, 0600))
		err = -errno;
	while (!err && off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		off += (size_t)w;
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	else
		err = sync_dir(path);
out:
	free(buf);
	return err;
}

int vsec_state_read(const char *path, struct vsec_state_file *f,
		    const char **why)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (len == cap) {
			unsigned char *b;

			cap = cap ? 2 * cap : 65536;
			if (cap > (size_t)VSEC_STATE_MAX_VMS * 4096) {
				*why = "the file is too large for a state file";
				err = -EFBIG;
				break;
			}
			b = realloc(buf, cap);
			if (!b) {
				err = -ENOMEM;
				break;
			}
			buf = b;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (!err)
		err = vsec_state_decode(buf, len, f, why);
	free(buf);
	return err;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The file vsecctl save writes and vsecctl restore reads: every VM's
 * security state as the module gave it, keyed by its VMM's PID and start
 * time, for the boot it was saved on (state_file.c;
 * Documentation/kvm-sec/state.rst gives the layout).
 */
#ifndef VSEC_STATE_FILE_H
#define VSEC_STATE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "vsec.h"

#define VSEC_STATE_MAGIC	"KVMSECST"
#define VSEC_STATE_FILE_VERSION	1
#define VSEC_STATE_BOOT_ID_LEN	36	/* as /proc/sys/kernel/random/boot_id */
#define VSEC_STATE_MAX_VMS	65536
#define VSEC_STATE_MAX_LEN	65536	/* bytes of one VM's state */

struct vsec_state_file {
	char boot_id[VSEC_STATE_BOOT_ID_LEN + 1];
	uint64_t saved_ns;		/* CLOCK_REALTIME */
	struct vsec_state *v;		/* id 0: from a file */
	size_t nr;
};

/* The file's bytes, malloc'ed into *buf. 0 or -ENOMEM, -E2BIG. */
int vsec_state_encode(const struct vsec_state_file *f, unsigned char **buf,
		      size_t *len);
/*
 * Check and decode a whole file: 0, or -EINVAL with *why saying what is
 * wrong (-EPROTONOSUPPORT: another version), and nothing allocated.
 * f->v is malloc'ed; free it with vsec_states_free().
 */
int vsec_state_decode(const unsigned char *buf, size_t len,
		      struct vsec_state_file *f, const char **why);
/*
 * The VMs of @vms (a GET_STATE dump) that record @i of @f is of: same VMM
 * PID and start time. How many (2 also if another record of @f has its
 * key: which record is which VM is not known); *idx, the first.
 */
size_t vsec_state_match(const struct vsec_state_file *f, size_t i,
			const struct vsec_state *vms, size_t nr, size_t *idx);
/* This boot's ID, or -errno. */
int vsec_state_boot_id(char id[VSEC_STATE_BOOT_ID_LEN + 1]);
/* Written to PATH.tmp, synced, renamed: the file is whole or absent. */
int vsec_state_write(const char *path, const struct vsec_state_file *f);
int vsec_state_read(const char *path, struct vsec_state_file *f,
		    const char **why);

#endif /* VSEC_STATE_FILE_H */

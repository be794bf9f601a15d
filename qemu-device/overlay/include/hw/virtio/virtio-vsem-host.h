/*
 * virtio-vsem: the link to kvm-sec.ko, the host monitor.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VIRTIO_VSEM_HOST_H
#define HW_VIRTIO_VSEM_HOST_H

#include "standard-headers/linux/virtio_vsem.h"

typedef struct VsemHost {
    int fd;                     /* generic netlink socket, -1 if none */
    uint16_t family;            /* kvm_sec family ID, 0 if not resolved */
    uint32_t seq;
    int64_t next_resolve_ns;    /* when to look for the family again */
} VsemHost;

/* What kvm-sec.ko wants in the configuration space. */
typedef struct VsemHostControl {
    uint8_t level;
    uint32_t interval_ms;       /* 0: the device's own */
    uint32_t history_seq;
    bool has_history;
    struct virtio_vsem_feature_stat history[VIRTIO_VSEM_NR_FEATURES];
    uint8_t nr_prefixes;
    struct virtio_vsem_prefix prefixes[VIRTIO_VSEM_MAX_PREFIXES];
} VsemHostControl;

void vsem_host_init(VsemHost *h);
void vsem_host_cleanup(VsemHost *h);

/*
 * Forward one validated report to kvm-sec.ko, for the KVM VM of file
 * descriptor @vm_fd (this process's), and read back its control.
 * Returns 0 (and fills @ctl), -ENOENT when the module is not loaded (the
 * device then works on its own), or another negative errno; @why then
 * says what happened (a static string, or the module's own message, copied
 * into @why_buf).
 */
int vsem_host_forward(VsemHost *h, int vm_fd, const void *report,
                      size_t len, VsemHostControl *ctl, char *why_buf,
                      size_t why_len);

#endif

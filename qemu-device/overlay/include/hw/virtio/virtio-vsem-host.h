/*
 * virtio-vsem: the link to kvm-sec.ko, the host monitor.
 *
 * Reports go to the module from a thread of their own, so that a slow or
 * busy module never stalls the main loop: the device queues a copy of each
 * accepted report (a bounded queue; what does not fit is counted), the
 * thread sends it and reads the answer, and a bottom half hands what the
 * module wants in the configuration space back to the device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VIRTIO_VSEM_HOST_H
#define HW_VIRTIO_VSEM_HOST_H

#include "qemu/thread.h"
#include "hw/qdev-core.h"
#include "standard-headers/linux/virtio_vsem.h"

#define VSEM_FORWARD_QUEUE 8

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

/* A report kvm-sec.ko refused (or that could not reach it). */
typedef struct VsemHostRefusal {
    uint64_t epoch;
    uint64_t seq;
    uint32_t err;               /* a positive errno */
} VsemHostRefusal;

/* What the forwarding thread did since it was last asked. */
typedef struct VsemHostResult {
    uint64_t forwarded;         /* accepted by the module */
    uint64_t errors;            /* refused by it, or not delivered */
    unsigned int nr_refused;    /* the errors, each report's */
    VsemHostRefusal refused[VSEM_FORWARD_QUEUE];
    uint64_t refused_lost;      /* errors beyond @refused */
    uint64_t refused_lost_epoch;    /* of the last of them */
    uint64_t max_ns;            /* longest round trip to the module */
    bool has_control;           /* @control is the module's latest */
    VsemHostControl control;
    char status[128];
} VsemHostResult;

typedef struct VsemHostItem {
    int vm_fd;
    uint64_t epoch;
    uint32_t len;
    uint8_t report[VIRTIO_VSEM_MAX_REPORT_SIZE];
} VsemHostItem;

/* A generic netlink socket to kvm-sec.ko. */
typedef struct VsemNl {
    int fd;                     /* -1 if none */
    uint16_t family;            /* kvm_sec family ID, 0 if not resolved */
    uint32_t seq;
} VsemNl;

typedef struct VsemHost {
    /* The thread's own. */
    VsemNl nl;
    int64_t next_resolve_ns;    /* when to look for the family again */
    VsemHostItem work;

    QemuThread thread;
    QEMUBH *bh;                 /* runs @done in the main loop */
    void (*done)(void *opaque);
    void *opaque;
    bool started;

    QemuMutex lock;             /* everything below */
    QemuCond cond;
    bool stop;
    unsigned int head, count;
    VsemHostItem queue[VSEM_FORWARD_QUEUE];
    VsemHostResult result;
} VsemHost;

/*
 * Start the thread; @done(@opaque) runs in the main loop after results,
 * from a bottom half under the device's reentrancy @guard.
 */
void vsem_host_start(VsemHost *h, void (*done)(void *opaque), void *opaque,
                     MemReentrancyGuard *guard);
void vsem_host_stop(VsemHost *h);

/*
 * Queue a validated report for kvm-sec.ko, for the KVM VM of file
 * descriptor @vm_fd (this process's) and device epoch @epoch. Returns
 * false, copying nothing, if the queue is full.
 */
bool vsem_host_queue(VsemHost *h, int vm_fd, uint64_t epoch,
                     const void *report, size_t len);

/* Take what the thread did since the last call (main loop). */
void vsem_host_take(VsemHost *h, VsemHostResult *r);

/* Run @done in the main loop again (what the thread did is kept). */
void vsem_host_kick(VsemHost *h);

/*
 * Live migration: the VM's state, sealed by kvm-sec.ko, for the migration
 * stream (KVM_SEC_CMD_MIGRATE_SAVE), and back into the destination's VM
 * (KVM_SEC_CMD_MIGRATE_LOAD). Synchronous, on the socket @nl (fd -1 when
 * closed), for the VM of file descriptor @vm_fd. 0 or a negative errno,
 * with the module's reason in @why: -ENOENT when kvm-sec.ko is not
 * loaded. vsem_host_migrate_save() gives a g_malloc()ed state in @state.
 *
 * vsem_nl_open() opens @nl and looks the family up ahead (as a migration
 * starts), so that the VM's downtime has one round trip to the module;
 * the calls above do it themselves if needed.
 */
void vsem_nl_open(VsemNl *nl);
void vsem_nl_close(VsemNl *nl);
int vsem_host_migrate_save(VsemNl *nl, int vm_fd, uint8_t **state,
                           uint32_t *len, char *why, size_t why_len);
int vsem_host_migrate_load(VsemNl *nl, int vm_fd, const uint8_t *state,
                           uint32_t len, char *why, size_t why_len);

#endif

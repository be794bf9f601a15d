/*
 * virtio-vsem: the kvm-sec guest monitoring device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QEMU_VIRTIO_VSEM_H
#define QEMU_VIRTIO_VSEM_H

#include "hw/virtio/virtio.h"
#include "sysemu/runstate.h"
#include "hw/virtio/virtio-vsem-host.h"
#include "hw/virtio/virtio-vsem-report.h"
#include "qom/object.h"

#define TYPE_VIRTIO_VSEM "virtio-vsem-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOVsem, VIRTIO_VSEM)

/* Statuses that wait for a control queue buffer, at most (spec 8.1). */
#define VSEM_STATUS_QUEUE 16

/* Messages the driver has yet to see (spec 8), bits of ctrl_dirty. */
#define VSEM_CTRL_SETTINGS  0x1
#define VSEM_CTRL_HISTORY   0x2
#define VSEM_CTRL_PREFIXES  0x4
#define VSEM_CTRL_ALL       0x7

struct VirtIOVsem {
    VirtIODevice parent_obj;
    VirtQueue *vq;
    VirtQueue *ctrl_vq;         /* with VIRTIO_VSEM_F_CTRL_VQ */

    /* Properties, validated at realize. */
    uint32_t interval_ms;
    uint32_t max_report_size;
    uint32_t max_reports_per_s;
    uint64_t host_features;
    bool kvm_sec;               /* forward reports to kvm-sec.ko */
    bool host_state_on;         /* migrate the VM's state in kvm-sec.ko */

    /* Guest-visible state (migrated). */
    uint8_t commanded_level;
    uint32_t commanded_interval_ms;     /* 0: interval_ms */
    uint32_t history_seq;
    uint8_t history_valid;
    uint8_t history[sizeof(struct virtio_vsem_feature_stat) *
                    VIRTIO_VSEM_NR_FEATURES];
    uint8_t nr_prefixes;
    uint8_t prefixes[sizeof(struct virtio_vsem_prefix) *
                     VIRTIO_VSEM_MAX_PREFIXES];
    uint64_t last_seq;          /* of the last report accepted */
    uint64_t epoch;             /* one more at each reset (spec 5.4) */
    uint64_t epoch_taken;       /* buffers taken in this epoch */
    bool epoch_loaded;          /* the stream had them (migration) */

    /* Control queue: what waits for a driver buffer (migrated). */
    uint8_t ctrl_dirty;         /* VSEM_CTRL_* */
    uint8_t nr_status;
    uint8_t status[VSEM_STATUS_QUEUE * sizeof(struct virtio_vsem_status)];
    uint64_t status_lost;       /* no room for them, in this epoch */
    uint64_t ctrl_sent;         /* messages, ever */
    uint64_t ctrl_bad_buffers;  /* too small, or device-readable */

    /* Counters (migrated, so that they survive a migration). */
    uint64_t accepted;
    uint64_t rejected[VSEM_REJ__MAX];
    uint64_t throttled;
    uint64_t unknown_entries;

    /* kvm-sec.ko (host state, not migrated). */
    VsemHost host;
    VMChangeStateEntry *vmstate;
    QEMUBH *resume_bh;          /* the VM runs again */
    uint64_t forwarded;
    uint64_t forward_errors;
    uint64_t forward_dropped;   /* the forwarding queue was full */
    uint64_t forward_max_ns;    /* longest round trip to the module */
    char forward_status[128];

    /*
     * The VM's state in kvm-sec.ko, sealed by it, carried in the
     * migration stream (a subsection): from pre_save to post_save on the
     * source, from the stream to post_load on the destination.
     */
    uint8_t *host_state;
    uint32_t host_state_len;
    VsemNl mig_nl;                  /* opened as a migration starts */
    Notifier migration_state;
    uint64_t host_states_sent;
    uint64_t host_states_unsent;    /* no module, or no migration key */
    uint64_t host_states_loaded;
    uint64_t host_states_refused;   /* by the module here, or no module */
    uint64_t host_state_ns;         /* the last round trip for it */
    char host_state_status[160];

    /* Rate limit: token bucket, not reset with the device (not migrated). */
    int64_t bucket_tat_ns;

    /* Time the main loop spent in one kick at most, in ns. */
    uint64_t kick_max_ns;

    /* The latest validated report. */
    bool have_report;
    VsemReport last;
    uint8_t buf[VIRTIO_VSEM_MAX_REPORT_SIZE];
};

/* virtio-vsem-ctrl.c: the control queue (spec section 8). */
void vsem_ctrl_status(VirtIOVsem *s, uint64_t seq, uint8_t result,
                      uint32_t detail);
void vsem_ctrl_flush(VirtIOVsem *s);
void vsem_ctrl_flush_status(VirtIOVsem *s, uint8_t status);
void vsem_ctrl_reset(VirtIOVsem *s);
const char *vsem_ctrl_check(const VirtIOVsem *s);

#endif

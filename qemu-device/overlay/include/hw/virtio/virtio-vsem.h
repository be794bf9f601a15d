/*
 * virtio-vsem: the kvm-sec guest monitoring device.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QEMU_VIRTIO_VSEM_H
#define QEMU_VIRTIO_VSEM_H

#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-vsem-report.h"
#include "qom/object.h"

#define TYPE_VIRTIO_VSEM "virtio-vsem-device"
OBJECT_DECLARE_SIMPLE_TYPE(VirtIOVsem, VIRTIO_VSEM)

struct VirtIOVsem {
    VirtIODevice parent_obj;
    VirtQueue *vq;

    /* Properties, validated at realize. */
    uint32_t interval_ms;
    uint32_t max_report_size;
    uint32_t max_reports_per_s;
    uint64_t host_features;

    /* Guest-visible state (migrated). */
    uint8_t commanded_level;
    uint32_t history_seq;
    uint64_t last_seq;

    /* Counters (migrated, so that they survive a migration). */
    uint64_t accepted;
    uint64_t rejected[VSEM_REJ__MAX];
    uint64_t throttled;
    uint64_t unknown_entries;

    /* Throttling window (host state, not migrated). */
    int64_t window_start_ns;
    uint32_t window_reports;

    /* The latest validated report. */
    bool have_report;
    VsemReport last;
    uint8_t buf[VIRTIO_VSEM_MAX_REPORT_SIZE];
};

#endif

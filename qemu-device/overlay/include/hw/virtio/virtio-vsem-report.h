/*
 * virtio-vsem report validation (Documentation/virtio-vsem/spec.rst, 5).
 *
 * Pure functions without QEMU dependencies, so that the same code is unit
 * tested and fuzzed outside QEMU.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef HW_VIRTIO_VSEM_REPORT_H
#define HW_VIRTIO_VSEM_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "standard-headers/linux/virtio_vsem.h"

/* Why a report was rejected; names in vsem_reject_name[]. */
typedef enum VsemReject {
    VSEM_OK,
    VSEM_REJ_WRITABLE,      /* device-writable descriptor in the buffer */
    VSEM_REJ_SIZE,          /* too short, too long, or len mismatch */
    VSEM_REJ_VERSION,       /* unknown report version */
    VSEM_REJ_ENTRY,         /* malformed entry header or short body */
    VSEM_REJ_LEVEL,         /* bad level, or level-2 data not allowed */
    VSEM_REJ_COUNT,         /* entry counts out of bounds or mismatched */
    VSEM_REJ_VALUE,         /* a field outside its range */
    VSEM_REJ_SEQ,           /* sequence number did not increase */
    VSEM_REJ__MAX,
} VsemReject;

extern const char *const vsem_reject_name[VSEM_REJ__MAX];

typedef struct VsemNet {
    uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
    uint64_t tx_errors, tx_dropped, connect_failures, resets_received;
    uint64_t unreachables_received, destinations;
} VsemNet;

typedef struct VsemWorkload {
    uint32_t cpu_permille, runqueue_x100;
    uint64_t mem_used_kib, mem_available_kib;
    uint32_t near_capacity_intervals, intervals;
} VsemWorkload;

typedef struct VsemFlow {
    uint8_t family, outside;
    uint32_t pid;
    uint8_t addr[16];
    uint64_t packets, bytes;
    char comm[17];
} VsemFlow;

typedef struct VsemHvRecord {
    uint32_t kind, key;
    uint64_t count;
} VsemHvRecord;

/* A validated report, in host byte order. */
typedef struct VsemReport {
    uint64_t seq;
    uint32_t interval_ms;
    uint8_t level, switch_reason;
    uint16_t flags;
    uint32_t anomalies;
    bool has_net, has_hv, has_workload, has_hv_detail;
    VsemNet net;
    uint64_t notifications, hypercalls;
    VsemWorkload workload;
    uint32_t nr_flows;
    VsemFlow flows[VIRTIO_VSEM_MAX_FLOWS];
    uint32_t nr_hv_records;
    VsemHvRecord hv_records[VIRTIO_VSEM_MAX_HV_DETAIL];
    uint32_t unknown_entries;   /* skipped, not an error (spec D5.2) */
} VsemReport;

/*
 * Validate @len bytes at @buf as one report. @last_seq is the sequence
 * number of the last accepted report (0 if none); @level2 whether
 * VIRTIO_VSEM_F_LEVEL2 was negotiated; @max_size the device's
 * max_report_size. Fills @r only on success (VSEM_OK).
 */
VsemReject vsem_report_parse(const void *buf, size_t len, size_t max_size,
                             uint64_t last_seq, bool level2, VsemReport *r);

#endif

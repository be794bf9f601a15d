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
    VSEM_REJ_SEQ,           /* seq not above the last, or beyond the buffers */
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

typedef struct VsemLoss {
    uint64_t unstored_packets, hv_unstored, reports_dropped;
    uint32_t flows_trimmed, flags;
} VsemLoss;

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
    bool has_net, has_hv, has_workload, has_hv_detail, has_loss;
    VsemNet net;
    uint64_t notifications, hypercalls;
    VsemWorkload workload;
    VsemLoss loss;
    uint32_t nr_flows;
    VsemFlow flows[VIRTIO_VSEM_MAX_FLOWS];
    uint32_t nr_hv_records;
    VsemHvRecord hv_records[VIRTIO_VSEM_MAX_HV_DETAIL];
    uint32_t unknown_entries;   /* skipped, not an error (spec D5.2) */
    uint32_t unknown_records;   /* HV_DETAIL records of unknown kinds */
} VsemReport;

/*
 * Validate @len bytes at @buf as one report. Its seq must lie in
 * (@last_seq, @max_seq]: above the last accepted report's of this epoch
 * (0 if none), and at most the number of buffers taken in the epoch, this
 * one included, plus VIRTIO_VSEM_SEQ_SLACK (spec 5.4). @level2:
 * VIRTIO_VSEM_F_LEVEL2 was negotiated; @max_size: the device's
 * max_report_size. Fills @r only on success.
 */
VsemReject vsem_report_parse(const void *buf, size_t len, size_t max_size,
                             uint64_t last_seq, uint64_t max_seq,
                             bool level2, VsemReport *r);

/*
 * The report rate limit (spec D5.3): a token bucket of @burst reports
 * refilled at @per_s a second, kept as the time it is next full (@tat_ns,
 * GCRA). Returns true, taking a token, if a report at @now_ns may pass.
 * Nothing but time refills it: a device reset does not. A clock that went
 * back (a snapshot loaded) finds it full rather than empty for hours.
 */
bool vsem_bucket_take(int64_t *tat_ns, int64_t now_ns, uint32_t per_s,
                      uint32_t burst);

#endif

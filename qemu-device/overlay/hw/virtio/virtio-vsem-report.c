/*
 * virtio-vsem report validation: every length, count, tag and value of a
 * guest's report is checked before any of it is used (spec section 5).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "hw/virtio/virtio-vsem-report.h"

const char *const vsem_reject_name[VSEM_REJ__MAX] = {
    [VSEM_OK] = "ok",
    [VSEM_REJ_WRITABLE] = "writable",
    [VSEM_REJ_SIZE] = "size",
    [VSEM_REJ_VERSION] = "version",
    [VSEM_REJ_ENTRY] = "entry",
    [VSEM_REJ_LEVEL] = "level",
    [VSEM_REJ_COUNT] = "count",
    [VSEM_REJ_VALUE] = "value",
    [VSEM_REJ_SEQ] = "seq",
};

/* Little-endian loads from unaligned guest data. */
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

#define FIELD(type, field, base) \
    ((base) + offsetof(struct type, field))

static void parse_net(const uint8_t *b, VsemNet *n)
{
    n->tx_packets = le64(FIELD(virtio_vsem_net, tx_packets, b));
    n->tx_bytes = le64(FIELD(virtio_vsem_net, tx_bytes, b));
    n->rx_packets = le64(FIELD(virtio_vsem_net, rx_packets, b));
    n->rx_bytes = le64(FIELD(virtio_vsem_net, rx_bytes, b));
    n->tx_errors = le64(FIELD(virtio_vsem_net, tx_errors, b));
    n->tx_dropped = le64(FIELD(virtio_vsem_net, tx_dropped, b));
    n->connect_failures = le64(FIELD(virtio_vsem_net, connect_failures, b));
    n->resets_received = le64(FIELD(virtio_vsem_net, resets_received, b));
    n->unreachables_received =
        le64(FIELD(virtio_vsem_net, unreachables_received, b));
    n->destinations = le64(FIELD(virtio_vsem_net, destinations, b));
}

static VsemReject parse_workload(const uint8_t *b, VsemWorkload *w)
{
    w->cpu_permille = le32(FIELD(virtio_vsem_workload, cpu_permille, b));
    w->runqueue_x100 = le32(FIELD(virtio_vsem_workload, runqueue_x100, b));
    w->mem_used_kib = le64(FIELD(virtio_vsem_workload, mem_used_kib, b));
    w->mem_available_kib =
        le64(FIELD(virtio_vsem_workload, mem_available_kib, b));
    w->near_capacity_intervals =
        le32(FIELD(virtio_vsem_workload, near_capacity_intervals, b));
    w->intervals = le32(FIELD(virtio_vsem_workload, intervals, b));
    if (w->cpu_permille > 1000 ||
        w->near_capacity_intervals > w->intervals) {
        return VSEM_REJ_VALUE;
    }
    return VSEM_OK;
}

static VsemReject parse_flow(const uint8_t *b, VsemFlow *f)
{
    f->family = b[offsetof(struct virtio_vsem_flow, family)];
    f->outside = b[offsetof(struct virtio_vsem_flow, outside)];
    f->pid = le32(FIELD(virtio_vsem_flow, pid, b));
    memcpy(f->addr, FIELD(virtio_vsem_flow, addr, b), sizeof(f->addr));
    f->packets = le64(FIELD(virtio_vsem_flow, packets, b));
    f->bytes = le64(FIELD(virtio_vsem_flow, bytes, b));
    memcpy(f->comm, FIELD(virtio_vsem_flow, comm, b), 16);
    f->comm[16] = '\0';
    if ((f->family != 4 && f->family != 6) || f->outside > 1 ||
        le16(FIELD(virtio_vsem_flow, reserved, b))) {
        return VSEM_REJ_VALUE;
    }
    return VSEM_OK;
}

static VsemReject parse_hv_detail(const uint8_t *b, VsemReport *r)
{
    uint32_t i, nr = le32(FIELD(virtio_vsem_hv_detail, nr_records, b));
    const uint8_t *rec = FIELD(virtio_vsem_hv_detail, records, b);

    if (nr > VIRTIO_VSEM_MAX_HV_DETAIL ||
        le32(FIELD(virtio_vsem_hv_detail, reserved, b))) {
        return VSEM_REJ_VALUE;
    }
    for (i = 0; i < nr; i++, rec += sizeof(struct virtio_vsem_hv_record)) {
        VsemHvRecord *out = &r->hv_records[r->nr_hv_records];

        out->kind = le32(rec);
        out->key = le32(rec + 4);
        out->count = le64(rec + 8);
        if (out->kind != VIRTIO_VSEM_HV_NOTIFY &&
            out->kind != VIRTIO_VSEM_HV_HYPERCALL) {
            r->unknown_records++;       /* must-ignore (spec D5.2) */
            continue;
        }
        r->nr_hv_records++;
    }
    return VSEM_OK;
}

static void parse_loss(const uint8_t *b, VsemLoss *l)
{
    l->unstored_packets = le64(FIELD(virtio_vsem_loss, unstored_packets, b));
    l->hv_unstored = le64(FIELD(virtio_vsem_loss, hv_unstored, b));
    l->reports_dropped = le64(FIELD(virtio_vsem_loss, reports_dropped, b));
    l->flows_trimmed = le32(FIELD(virtio_vsem_loss, flows_trimmed, b));
    l->flags = le32(FIELD(virtio_vsem_loss, flags, b));
}

static const uint16_t body_size[__VIRTIO_VSEM_E_MAX] = {
    [VIRTIO_VSEM_E_NET] = sizeof(struct virtio_vsem_net),
    [VIRTIO_VSEM_E_HV_REQUESTS] = sizeof(struct virtio_vsem_hv),
    [VIRTIO_VSEM_E_WORKLOAD] = sizeof(struct virtio_vsem_workload),
    [VIRTIO_VSEM_E_FLOW] = sizeof(struct virtio_vsem_flow),
    [VIRTIO_VSEM_E_HV_DETAIL] = sizeof(struct virtio_vsem_hv_detail),
    [VIRTIO_VSEM_E_LOSS] = sizeof(struct virtio_vsem_loss),
};

VsemReject vsem_report_parse(const void *buf, size_t len, size_t max_size,
                             uint64_t last_seq, uint64_t max_seq,
                             bool level2, VsemReport *out)
{
    const size_t hdr = sizeof(struct virtio_vsem_report);
    const size_t ehdr = sizeof(struct virtio_vsem_entry);
    const uint8_t *b = buf;
    VsemReport r;
    uint32_t nr_entries, i;
    size_t off;
    VsemReject err;

    if (max_size > VIRTIO_VSEM_MAX_REPORT_SIZE) {
        max_size = VIRTIO_VSEM_MAX_REPORT_SIZE;
    }
    if (len < hdr || len > max_size) {
        return VSEM_REJ_SIZE;
    }
    memset(&r, 0, sizeof(r));
    if (le16(FIELD(virtio_vsem_report, version, b)) != VIRTIO_VSEM_VERSION) {
        return VSEM_REJ_VERSION;
    }
    if (le32(FIELD(virtio_vsem_report, len, b)) != len) {
        return VSEM_REJ_SIZE;
    }
    nr_entries = le16(FIELD(virtio_vsem_report, nr_entries, b));
    if (nr_entries > VIRTIO_VSEM_MAX_ENTRIES) {
        return VSEM_REJ_COUNT;
    }
    r.seq = le64(FIELD(virtio_vsem_report, seq, b));
    r.interval_ms = le32(FIELD(virtio_vsem_report, interval_ms, b));
    r.level = b[offsetof(struct virtio_vsem_report, level)];
    r.switch_reason = b[offsetof(struct virtio_vsem_report, switch_reason)];
    r.flags = le16(FIELD(virtio_vsem_report, flags, b));
    /* Bits of features this device does not know: must-ignore. */
    r.anomalies = le32(FIELD(virtio_vsem_report, anomalies, b)) &
                  ((1u << VIRTIO_VSEM_NR_FEATURES) - 1);
    if (r.level != VIRTIO_VSEM_LEVEL_1 && r.level != VIRTIO_VSEM_LEVEL_2) {
        return VSEM_REJ_LEVEL;
    }
    if (r.level == VIRTIO_VSEM_LEVEL_2 && !level2) {
        return VSEM_REJ_LEVEL;
    }
    /* Must-be-zero (spec 7): a later feature gives it a meaning. */
    if (le32(FIELD(virtio_vsem_report, reserved, b)) ||
        r.switch_reason > VIRTIO_VSEM_SWITCH_CALM ||
        r.interval_ms < VIRTIO_VSEM_INTERVAL_MIN_MS ||
        r.interval_ms > VIRTIO_VSEM_INTERVAL_MAX_MS) {
        return VSEM_REJ_VALUE;
    }

    off = hdr;
    for (i = 0; i < nr_entries; i++) {
        const uint8_t *e = b + off;
        uint16_t type, elen;

        if (len - off < ehdr) {
            return VSEM_REJ_COUNT;      /* fewer entries than announced */
        }
        type = le16(FIELD(virtio_vsem_entry, type, e));
        elen = le16(FIELD(virtio_vsem_entry, len, e));
        if (elen < ehdr || elen % 8 || elen > len - off ||
            le32(FIELD(virtio_vsem_entry, reserved, e))) {
            return VSEM_REJ_ENTRY;
        }
        if (type == 0 || type >= __VIRTIO_VSEM_E_MAX) {
            r.unknown_entries++;
            off += elen;
            continue;
        }
        if (elen - ehdr < body_size[type]) {
            return VSEM_REJ_ENTRY;
        }
        e += ehdr;
        switch (type) {
        case VIRTIO_VSEM_E_NET:
            if (r.has_net) {
                return VSEM_REJ_COUNT;
            }
            r.has_net = true;
            parse_net(e, &r.net);
            break;
        case VIRTIO_VSEM_E_HV_REQUESTS:
            if (r.has_hv) {
                return VSEM_REJ_COUNT;
            }
            r.has_hv = true;
            r.notifications = le64(FIELD(virtio_vsem_hv, notifications, e));
            r.hypercalls = le64(FIELD(virtio_vsem_hv, hypercalls, e));
            break;
        case VIRTIO_VSEM_E_WORKLOAD:
            if (r.has_workload) {
                return VSEM_REJ_COUNT;
            }
            r.has_workload = true;
            err = parse_workload(e, &r.workload);
            if (err) {
                return err;
            }
            break;
        case VIRTIO_VSEM_E_LOSS:
            if (r.has_loss) {
                return VSEM_REJ_COUNT;
            }
            r.has_loss = true;
            parse_loss(e, &r.loss);
            break;
        case VIRTIO_VSEM_E_FLOW:
            if (r.level != VIRTIO_VSEM_LEVEL_2) {
                return VSEM_REJ_LEVEL;
            }
            if (r.nr_flows == VIRTIO_VSEM_MAX_FLOWS) {
                return VSEM_REJ_COUNT;
            }
            err = parse_flow(e, &r.flows[r.nr_flows]);
            if (err) {
                return err;
            }
            r.nr_flows++;
            break;
        case VIRTIO_VSEM_E_HV_DETAIL:
            if (r.level != VIRTIO_VSEM_LEVEL_2) {
                return VSEM_REJ_LEVEL;
            }
            if (r.has_hv_detail) {
                return VSEM_REJ_COUNT;
            }
            r.has_hv_detail = true;
            err = parse_hv_detail(e, &r);
            if (err) {
                return err;
            }
            break;
        }
        off += elen;
    }
    if (off != len) {
        return VSEM_REJ_COUNT;          /* bytes after the last entry */
    }
    if (r.seq <= last_seq || r.seq > max_seq) {
        return VSEM_REJ_SEQ;
    }
    *out = r;
    return VSEM_OK;
}

bool vsem_bucket_take(int64_t *tat_ns, int64_t now_ns, uint32_t per_s,
                      uint32_t burst)
{
    int64_t step = 1000000000 / per_s;
    int64_t tat = *tat_ns > now_ns ? *tat_ns : now_ns;

    if (tat - now_ns > (int64_t)burst * step) {
        tat = now_ns;   /* never that far ahead: the clock went back */
    }
    if (tat - now_ns > (int64_t)(burst - 1) * step) {
        return false;
    }
    *tat_ns = tat + step;
    return true;
}

/*
 * virtio-vsem: the kvm-sec guest monitoring device (VSEM and VREM).
 *
 * The guest is untrusted: every buffer is bounds-checked and every report
 * validated in full (virtio-vsem-report.c) before it is used; malformed
 * reports are rejected and counted by reason, reports beyond the rate limit
 * are counted and dropped, and every buffer goes back to the guest so that
 * nothing it sends can stall the queue. See
 * Documentation/virtio-vsem/spec.rst in the kvm-sec repository.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/iov.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-vsem.h"
#include "migration/vmstate.h"
#include "sysemu/kvm.h"

#define VSEM_QUEUE_SIZE 64

static bool vsem_throttle(VirtIOVsem *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (now - s->window_start_ns >= NANOSECONDS_PER_SECOND ||
        now < s->window_start_ns) {
        s->window_start_ns = now;
        s->window_reports = 0;
    }
    if (s->window_reports >= s->max_reports_per_s) {
        s->throttled++;
        return true;
    }
    s->window_reports++;
    return false;
}

/* Forward an accepted report; apply what kvm-sec.ko answers. */
static void vsem_forward(VirtIOVsem *s, size_t len)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    VsemHostControl ctl;
    bool changed = false;
    int err, vm_fd;

    if (!s->kvm_sec) {
        return;
    }
    /*
     * kvm-sec.ko takes a report for the VM whose file the sender holds:
     * only a KVM VM of this process has one, and only its own.
     */
    vm_fd = kvm_get_vm_fd();
    if (vm_fd < 0) {
        g_strlcpy(s->forward_status, "not a KVM VM: nothing to forward",
                  sizeof(s->forward_status));
        return;
    }
    err = vsem_host_forward(&s->host, vm_fd, s->buf, len, &ctl,
                            s->forward_status, sizeof(s->forward_status));
    if (err == -ENOENT) {
        return;                 /* no module: the device works alone */
    }
    if (err) {
        s->forward_errors++;
        return;
    }
    s->forwarded++;
    g_strlcpy(s->forward_status, "connected", sizeof(s->forward_status));

    if (ctl.level != s->commanded_level) {
        s->commanded_level = ctl.level;
        changed = true;
    }
    if (ctl.interval_ms != s->commanded_interval_ms) {
        s->commanded_interval_ms = ctl.interval_ms;
        changed = true;
    }
    if (ctl.has_history && ctl.history_seq != s->history_seq) {
        memcpy(s->history, ctl.history, sizeof(s->history));
        s->history_seq = ctl.history_seq;
        s->history_valid = 1;
        changed = true;
    }
    if (ctl.nr_prefixes != s->nr_prefixes ||
        memcmp(s->prefixes, ctl.prefixes,
               ctl.nr_prefixes * sizeof(ctl.prefixes[0]))) {
        memset(s->prefixes, 0, sizeof(s->prefixes));
        memcpy(s->prefixes, ctl.prefixes,
               ctl.nr_prefixes * sizeof(ctl.prefixes[0]));
        s->nr_prefixes = ctl.nr_prefixes;
        changed = true;
    }
    /* Spec D4.2: a configuration change notification for each change. */
    if (changed && (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        virtio_notify_config(vdev);
    }
}

static void vsem_take_report(VirtIOVsem *s, VirtQueueElement *elem)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    bool level2 = virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_LEVEL2);
    VsemReport r;
    VsemReject why;
    size_t len;

    if (elem->in_num) {
        why = VSEM_REJ_WRITABLE;
        goto reject;
    }
    len = iov_size(elem->out_sg, elem->out_num);
    if (len > s->max_report_size) {
        /* Never read beyond max_report_size (spec D3.2). */
        why = VSEM_REJ_SIZE;
        goto reject;
    }
    if (vsem_throttle(s)) {
        return;
    }
    if (iov_to_buf(elem->out_sg, elem->out_num, 0, s->buf, len) != len) {
        why = VSEM_REJ_SIZE;
        goto reject;
    }
    why = vsem_report_parse(s->buf, len, s->max_report_size, s->last_seq,
                            level2, &r);
    if (why != VSEM_OK) {
        goto reject;
    }
    s->accepted++;
    s->unknown_entries += r.unknown_entries;
    s->last_seq = r.seq;
    s->last = r;
    s->have_report = true;
    vsem_forward(s, len);
    return;

reject:
    s->rejected[why]++;
}

static void vsem_handle_report(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);
    VirtQueueElement *elem;
    bool pushed = false;

    /* Bounded by the queue size: each buffer is returned at once. */
    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        vsem_take_report(s, elem);
        virtqueue_push(vq, elem, 0);
        g_free(elem);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
}

static void vsem_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);
    struct virtio_vsem_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    stl_le_p(&cfg.version, VIRTIO_VSEM_VERSION);
    stl_le_p(&cfg.interval_ms, s->commanded_interval_ms ?: s->interval_ms);
    stl_le_p(&cfg.max_report_size, s->max_report_size);
    stl_le_p(&cfg.max_reports_per_s, s->max_reports_per_s);
    /* Spec D2.2: fields of features not negotiated stay zero. */
    if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_HOST_LEVEL)) {
        cfg.commanded_level = s->commanded_level;
    }
    if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_HISTORY) &&
        s->history_valid) {
        cfg.history_valid = 1;
        stl_le_p(&cfg.history_seq, s->history_seq);
        memcpy(cfg.history, s->history, sizeof(cfg.history));
    }
    if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_PREFIXES)) {
        cfg.nr_prefixes = MIN(s->nr_prefixes, VIRTIO_VSEM_MAX_PREFIXES);
        memcpy(cfg.prefixes, s->prefixes, sizeof(cfg.prefixes));
    }
    memcpy(config, &cfg, sizeof(cfg));
}

static uint64_t vsem_get_features(VirtIODevice *vdev, uint64_t f,
                                  Error **errp)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);

    return f | s->host_features;
}

static void vsem_realize(DeviceState *dev, Error **errp)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOVsem *s = VIRTIO_VSEM(dev);

    if (s->interval_ms < VIRTIO_VSEM_INTERVAL_MIN_MS ||
        s->interval_ms > VIRTIO_VSEM_INTERVAL_MAX_MS) {
        error_setg(errp, "virtio-vsem: 'interval-ms' must be %u to %u, not %"
                   PRIu32, VIRTIO_VSEM_INTERVAL_MIN_MS,
                   VIRTIO_VSEM_INTERVAL_MAX_MS, s->interval_ms);
        return;
    }
    if (s->max_report_size < sizeof(struct virtio_vsem_report) + 8 ||
        s->max_report_size > VIRTIO_VSEM_MAX_REPORT_SIZE) {
        error_setg(errp, "virtio-vsem: 'max-report-size' must be %zu to %u "
                   "bytes, not %" PRIu32,
                   sizeof(struct virtio_vsem_report) + 8,
                   VIRTIO_VSEM_MAX_REPORT_SIZE, s->max_report_size);
        return;
    }
    if (s->max_reports_per_s < 1 || s->max_reports_per_s > 1000) {
        error_setg(errp, "virtio-vsem: 'max-reports-per-s' must be 1 to "
                   "1000, not %" PRIu32, s->max_reports_per_s);
        return;
    }
    QEMU_BUILD_BUG_ON(sizeof(s->history) !=
                      sizeof(((struct virtio_vsem_config *)0)->history));
    QEMU_BUILD_BUG_ON(sizeof(s->prefixes) !=
                      sizeof(((struct virtio_vsem_config *)0)->prefixes));
    vsem_host_init(&s->host);
    g_strlcpy(s->forward_status, s->kvm_sec ? "no report yet" : "disabled",
              sizeof(s->forward_status));
    virtio_init(vdev, VIRTIO_ID_VSEM, sizeof(struct virtio_vsem_config));
    s->vq = virtio_add_queue(vdev, VSEM_QUEUE_SIZE, vsem_handle_report);
}

static void vsem_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOVsem *s = VIRTIO_VSEM(dev);

    vsem_host_cleanup(&s->host);
    virtio_delete_queue(s->vq);
    virtio_cleanup(vdev);
}

static void vsem_reset(VirtIODevice *vdev)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);

    /* A new driver instance starts its sequence numbers again. */
    s->last_seq = 0;
    s->window_reports = 0;
}

/* Read-only QOM properties: counters and the latest report. */
static char *vsem_get_forward_status(Object *obj, Error **errp)
{
    return g_strdup(VIRTIO_VSEM(obj)->forward_status);
}

static char *vsem_get_last_report(Object *obj, Error **errp)
{
    VirtIOVsem *s = VIRTIO_VSEM(obj);
    const VsemReport *r = &s->last;
    GString *j = g_string_new("{");

    if (!s->have_report) {
        g_string_append(j, "}");
        return g_string_free(j, false);
    }
    g_string_append_printf(j, "\"seq\":%" PRIu64 ",\"interval_ms\":%" PRIu32
                           ",\"level\":%u,\"switch_reason\":%u,\"flags\":%u,"
                           "\"anomalies\":%" PRIu32, r->seq, r->interval_ms,
                           r->level, r->switch_reason, r->flags,
                           r->anomalies);
    if (r->has_net) {
        g_string_append_printf(j, ",\"net\":{\"tx_packets\":%" PRIu64
            ",\"tx_bytes\":%" PRIu64 ",\"rx_packets\":%" PRIu64
            ",\"rx_bytes\":%" PRIu64 ",\"tx_errors\":%" PRIu64
            ",\"tx_dropped\":%" PRIu64 ",\"connect_failures\":%" PRIu64
            ",\"resets_received\":%" PRIu64
            ",\"unreachables_received\":%" PRIu64
            ",\"destinations\":%" PRIu64 "}",
            r->net.tx_packets, r->net.tx_bytes, r->net.rx_packets,
            r->net.rx_bytes, r->net.tx_errors, r->net.tx_dropped,
            r->net.connect_failures, r->net.resets_received,
            r->net.unreachables_received, r->net.destinations);
    }
    if (r->has_hv) {
        g_string_append_printf(j, ",\"hv\":{\"notifications\":%" PRIu64
                               ",\"hypercalls\":%" PRIu64 "}",
                               r->notifications, r->hypercalls);
    }
    if (r->has_workload) {
        g_string_append_printf(j, ",\"workload\":{\"cpu_permille\":%" PRIu32
            ",\"runqueue_x100\":%" PRIu32 ",\"mem_used_kib\":%" PRIu64
            ",\"mem_available_kib\":%" PRIu64
            ",\"near_capacity_intervals\":%" PRIu32
            ",\"intervals\":%" PRIu32 "}",
            r->workload.cpu_permille, r->workload.runqueue_x100,
            r->workload.mem_used_kib, r->workload.mem_available_kib,
            r->workload.near_capacity_intervals, r->workload.intervals);
    }
    g_string_append_printf(j, ",\"flows\":%" PRIu32 ",\"hv_records\":%" PRIu32
                           "}", r->nr_flows, r->nr_hv_records);
    return g_string_free(j, false);
}

static void vsem_instance_init(Object *obj)
{
    VirtIOVsem *s = VIRTIO_VSEM(obj);
    int i;

    object_property_add_uint64_ptr(obj, "accepted", &s->accepted,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "throttled", &s->throttled,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "unknown-entries",
                                   &s->unknown_entries, OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "last-seq", &s->last_seq,
                                   OBJ_PROP_FLAG_READ);
    for (i = VSEM_REJ_WRITABLE; i < VSEM_REJ__MAX; i++) {
        g_autofree char *name = g_strdup_printf("rejected-%s",
                                                vsem_reject_name[i]);

        object_property_add_uint64_ptr(obj, name, &s->rejected[i],
                                       OBJ_PROP_FLAG_READ);
    }
    object_property_add_str(obj, "last-report", vsem_get_last_report, NULL);
    object_property_add_uint64_ptr(obj, "forwarded", &s->forwarded,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "forward-errors", &s->forward_errors,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_str(obj, "kvm-sec-status", vsem_get_forward_status,
                            NULL);
    object_property_add_uint8_ptr(obj, "commanded-level",
                                  &s->commanded_level, OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "history-seq", &s->history_seq,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "commanded-interval-ms",
                                   &s->commanded_interval_ms,
                                   OBJ_PROP_FLAG_READ);
}

static const VMStateDescription vmstate_virtio_vsem_device = {
    .name = "virtio-vsem-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_UINT8(commanded_level, VirtIOVsem),
        VMSTATE_UINT32(commanded_interval_ms, VirtIOVsem),
        VMSTATE_UINT32(history_seq, VirtIOVsem),
        VMSTATE_UINT8(history_valid, VirtIOVsem),
        VMSTATE_BUFFER(history, VirtIOVsem),
        VMSTATE_UINT8(nr_prefixes, VirtIOVsem),
        VMSTATE_BUFFER(prefixes, VirtIOVsem),
        VMSTATE_UINT64(last_seq, VirtIOVsem),
        VMSTATE_UINT64(accepted, VirtIOVsem),
        VMSTATE_UINT64_ARRAY(rejected, VirtIOVsem, VSEM_REJ__MAX),
        VMSTATE_UINT64(throttled, VirtIOVsem),
        VMSTATE_UINT64(unknown_entries, VirtIOVsem),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_virtio_vsem = {
    .name = "virtio-vsem",
    .minimum_version_id = 1,
    .version_id = 1,
    .fields = (VMStateField[]) {
        VMSTATE_VIRTIO_DEVICE,
        VMSTATE_END_OF_LIST()
    },
};

static Property virtio_vsem_properties[] = {
    DEFINE_PROP_UINT32("interval-ms", VirtIOVsem, interval_ms, 1000),
    DEFINE_PROP_UINT32("max-report-size", VirtIOVsem, max_report_size,
                       VIRTIO_VSEM_MAX_REPORT_SIZE),
    DEFINE_PROP_UINT32("max-reports-per-s", VirtIOVsem, max_reports_per_s, 10),
    DEFINE_PROP_BOOL("kvm-sec", VirtIOVsem, kvm_sec, true),
    DEFINE_PROP_BIT64("level2", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_LEVEL2, true),
    DEFINE_PROP_BIT64("history", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_HISTORY, true),
    DEFINE_PROP_BIT64("host-level", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_HOST_LEVEL, true),
    DEFINE_PROP_BIT64("prefixes", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_PREFIXES, true),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_vsem_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioDeviceClass *vdc = VIRTIO_DEVICE_CLASS(klass);

    device_class_set_props(dc, virtio_vsem_properties);
    dc->vmsd = &vmstate_virtio_vsem;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    vdc->realize = vsem_realize;
    vdc->unrealize = vsem_unrealize;
    vdc->get_features = vsem_get_features;
    vdc->get_config = vsem_get_config;
    vdc->reset = vsem_reset;
    vdc->vmsd = &vmstate_virtio_vsem_device;
}

static const TypeInfo virtio_vsem_info = {
    .name = TYPE_VIRTIO_VSEM,
    .parent = TYPE_VIRTIO_DEVICE,
    .instance_size = sizeof(VirtIOVsem),
    .instance_init = vsem_instance_init,
    .class_init = virtio_vsem_class_init,
};

static void virtio_register_types(void)
{
    type_register_static(&virtio_vsem_info);
}

type_init(virtio_register_types)

/*
 * virtio-vsem: the kvm-sec guest monitoring device (VSEM and VREM).
 *
 * The guest is untrusted: every buffer is bounds-checked and every report
 * validated in full (virtio-vsem-report.c) before it is used; malformed
 * reports are rejected and counted by reason, reports beyond the rate limit
 * are counted and dropped, and every buffer goes back to the guest so that
 * nothing it sends can stall the queue: the rate limit is a token bucket
 * that no reset refills. A reset starts a new epoch, in which the guest's
 * sequence numbers start again, and kvm-sec.ko is told. Accepted reports
 * go to kvm-sec.ko from a thread (virtio-vsem-host.c), never from the main
 * loop. A migration stream is validated like a report. See
 * Documentation/virtio-vsem/spec.rst in the kvm-sec repository.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qemu/cutils.h"
#include "qemu/error-report.h"
#include "qemu/iov.h"
#include "qemu/main-loop.h"
#include "qemu/module.h"
#include "qemu/timer.h"
#include "hw/qdev-properties.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-vsem.h"
#include "migration/misc.h"
#include "migration/vmstate.h"
#include "standard-headers/linux/kvm_sec.h"
#include "sysemu/kvm.h"
#include "sysemu/runstate.h"

#define VSEM_QUEUE_SIZE 64

static bool vsem_throttle(VirtIOVsem *s)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (!vsem_bucket_take(&s->bucket_tat_ns, now, s->max_reports_per_s,
                          VIRTIO_VSEM_REPORT_BURST)) {
        s->throttled++;
        return true;
    }
    return false;
}

/*
 * Queue an accepted report for kvm-sec.ko (virtio-vsem-host.c); what the
 * driver is told about it (spec 8.1).
 */
static uint8_t vsem_forward(VirtIOVsem *s, size_t len)
{
    int vm_fd;

    if (!s->kvm_sec) {
        return VIRTIO_VSEM_ST_ACCEPTED;
    }
    /*
     * kvm-sec.ko takes a report for the VM whose file the sender holds:
     * only a KVM VM of this process has one, and only its own.
     */
    vm_fd = kvm_get_vm_fd();
    if (vm_fd < 0) {
        g_strlcpy(s->forward_status, "not a KVM VM: nothing to forward",
                  sizeof(s->forward_status));
        return VIRTIO_VSEM_ST_ACCEPTED;
    }
    if (!vsem_host_queue(&s->host, vm_fd, s->epoch, s->buf, len)) {
        s->forward_dropped++;
        return VIRTIO_VSEM_ST_NOT_FORWARDED;
    }
    return VIRTIO_VSEM_ST_ACCEPTED;
}

/*
 * Tell the driver what changed: on the control queue if it has one, else
 * with a configuration change notification (spec D4.2).
 */
static void vsem_changed(VirtIOVsem *s, uint8_t what)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);

    /* Spec D2.2: nothing of a feature that was not negotiated. */
    if (!virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_HISTORY)) {
        what &= ~VSEM_CTRL_HISTORY;
    }
    if (!virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_PREFIXES)) {
        what &= ~VSEM_CTRL_PREFIXES;
    }
    if (!what) {
        return;
    }
    if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_CTRL_VQ)) {
        s->ctrl_dirty |= what;
    } else if (vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) {
        virtio_notify_config(vdev);
    }
}

/*
 * What the forwarding thread brought back from kvm-sec.ko, into the
 * device's state; @flush: send it to the driver now (not while the VM's
 * state is being saved: guest memory has been sent already).
 */
static void vsem_apply_host(VirtIOVsem *s, bool flush)
{
    VsemHostResult res;
    VsemHostControl ctl;
    uint8_t changed = 0;
    unsigned int i;

    vsem_host_take(&s->host, &res);
    s->forwarded += res.forwarded;
    s->forward_errors += res.errors;
    s->forward_max_ns = res.max_ns;
    if (res.status[0]) {
        g_strlcpy(s->forward_status, res.status, sizeof(s->forward_status));
    }
    /* The driver learns which reports the module refused (spec 8.1). */
    if (res.refused_lost_epoch == s->epoch &&
        virtio_vdev_has_feature(VIRTIO_DEVICE(s), VIRTIO_VSEM_F_CTRL_VQ)) {
        s->status_lost += res.refused_lost;
    }
    for (i = 0; i < res.nr_refused; i++) {
        if (res.refused[i].epoch == s->epoch) {
            vsem_ctrl_status(s, res.refused[i].seq,
                             VIRTIO_VSEM_ST_HOST_REFUSED,
                             res.refused[i].err);
        }
    }
    if (!res.has_control) {
        goto out;
    }
    ctl = res.control;

    if (ctl.level != s->commanded_level) {
        s->commanded_level = ctl.level;
        changed |= VSEM_CTRL_SETTINGS;
    }
    if (ctl.interval_ms != s->commanded_interval_ms) {
        s->commanded_interval_ms = ctl.interval_ms;
        changed |= VSEM_CTRL_SETTINGS;
    }
    if (ctl.has_history && ctl.history_seq != s->history_seq) {
        memcpy(s->history, ctl.history, sizeof(s->history));
        s->history_seq = ctl.history_seq;
        s->history_valid = 1;
        changed |= VSEM_CTRL_HISTORY;
    }
    if (ctl.nr_prefixes != s->nr_prefixes ||
        memcmp(s->prefixes, ctl.prefixes,
               ctl.nr_prefixes * sizeof(ctl.prefixes[0]))) {
        memset(s->prefixes, 0, sizeof(s->prefixes));
        memcpy(s->prefixes, ctl.prefixes,
               ctl.nr_prefixes * sizeof(ctl.prefixes[0]));
        s->nr_prefixes = ctl.nr_prefixes;
        changed |= VSEM_CTRL_PREFIXES;
    }
    vsem_changed(s, changed);
out:
    if (flush) {
        vsem_ctrl_flush(s);
    }
}

/* Main loop, the forwarding thread's bottom half. */
static void vsem_forwarded(void *opaque)
{
    /*
     * Not while the VM is stopped: its state may be saved already (a
     * migration). The results wait in the host link until it runs again
     * (or pre_save takes them).
     */
    if (runstate_is_running()) {
        vsem_apply_host(opaque, true);
    }
}

/* What the module said while the VM was stopped, and the ctrlq's backlog. */
static void vsem_resume(void *opaque)
{
    VirtIOVsem *s = opaque;

    if (s->kvm_sec) {
        vsem_apply_host(s, false);
    }
    vsem_ctrl_flush(s);
}

/* The VM runs again: apply what kvm-sec.ko said while it was stopped. */
static void vsem_vm_state_change(void *opaque, bool running, RunState state)
{
    VirtIOVsem *s = opaque;

    /*
     * After every handler has run: the virtio core's restarts the queues
     * (spec D8.5: what waited for a buffer before a migration).
     */
    if (running) {
        qemu_bh_schedule(s->resume_bh);
        /* A migration in or out is over (or failed): no state to move. */
        vsem_nl_close(&s->mig_nl);
    }
}

/* The seq a buffer claims, for its status: 0 if it is too short. */
static uint64_t vsem_claimed_seq(VirtQueueElement *elem)
{
    const size_t at = offsetof(struct virtio_vsem_report, seq);
    uint64_t seq;

    /* iov_to_buf() must not start beyond the end. */
    if (iov_size(elem->out_sg, elem->out_num) < at + sizeof(seq)) {
        return 0;
    }
    iov_to_buf(elem->out_sg, elem->out_num, at, &seq, sizeof(seq));
    return le64_to_cpu(seq);
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
        vsem_ctrl_status(s, vsem_claimed_seq(elem), VIRTIO_VSEM_ST_THROTTLED,
                         0);
        return;
    }
    if (iov_to_buf(elem->out_sg, elem->out_num, 0, s->buf, len) != len) {
        why = VSEM_REJ_SIZE;
        goto reject;
    }
    why = vsem_report_parse(s->buf, len, s->max_report_size, s->last_seq,
                            MIN(s->epoch_taken,
                                UINT64_MAX - VIRTIO_VSEM_SEQ_SLACK) +
                            VIRTIO_VSEM_SEQ_SLACK, level2, &r);
    if (why != VSEM_OK) {
        goto reject;
    }
    s->accepted++;
    s->unknown_entries += r.unknown_entries + r.unknown_records;
    s->last_seq = r.seq;
    s->last = r;
    s->have_report = true;
    vsem_ctrl_status(s, r.seq, vsem_forward(s, len), 0);
    return;

reject:
    s->rejected[why]++;
    /* The reasons are the spec's status codes (spec 8.1). */
    vsem_ctrl_status(s, vsem_claimed_seq(elem), why, 0);
}

static void vsem_handle_report(VirtIODevice *vdev, VirtQueue *vq)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);
    int64_t t0 = get_clock();
    VirtQueueElement *elem;
    bool pushed = false;

    /* Bounded by the queue size: each buffer is returned at once. */
    while ((elem = virtqueue_pop(vq, sizeof(VirtQueueElement)))) {
        /* The sequence numbers the guest may use (spec 5.4). */
        if (s->epoch_taken < UINT64_MAX) {
            s->epoch_taken++;
        }
        vsem_take_report(s, elem);
        virtqueue_push(vq, elem, 0);
        g_free(elem);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, vq);
    }
    vsem_ctrl_flush(s);
    s->kick_max_ns = MAX(s->kick_max_ns, (uint64_t)(get_clock() - t0));
}

/* The driver made control buffers available: send what waits. */
static void vsem_handle_ctrl(VirtIODevice *vdev, VirtQueue *vq)
{
    vsem_ctrl_flush(VIRTIO_VSEM(vdev));
}

static void vsem_get_config(VirtIODevice *vdev, uint8_t *config)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);
    struct virtio_vsem_config cfg;

    memset(&cfg, 0, sizeof(cfg));
    stl_le_p(&cfg.version, s->ctrl_vq ? VIRTIO_VSEM_SPEC_REVISION : 1);
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

/*
 * The socket to the module opens as a migration starts (and at realize on
 * a destination), so that the downtime has one round trip to the module,
 * not three; it closes when the migration ends.
 */
static void vsem_migration_state(Notifier *notifier, void *data)
{
    VirtIOVsem *s = container_of(notifier, VirtIOVsem, migration_state);
    MigrationState *ms = data;

    if (!s->kvm_sec || !s->host_state_on) {
        return;
    }
    if (migration_in_setup(ms)) {
        vsem_nl_open(&s->mig_nl);
    } else if (migration_has_finished(ms) || migration_has_failed(ms)) {
        vsem_nl_close(&s->mig_nl);
    }
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
    /* The spec's bounds (D4.1): a level-1 report always fits. */
    if (s->max_report_size < VIRTIO_VSEM_MIN_REPORT_SIZE ||
        s->max_report_size > VIRTIO_VSEM_MAX_REPORT_SIZE) {
        error_setg(errp, "virtio-vsem: 'max-report-size' must be %u to %u "
                   "bytes, not %" PRIu32, VIRTIO_VSEM_MIN_REPORT_SIZE,
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
    /* kvm-sec.ko keeps one guest state per VM: one device per machine. */
    if (!object_resolve_path_type("", TYPE_VIRTIO_VSEM, NULL)) {
        error_setg(errp, "virtio-vsem: at most one device per machine");
        return;
    }
    /* The spec's status codes are the validator's reasons (spec 8.1). */
    QEMU_BUILD_BUG_ON(VSEM_REJ_SEQ != VIRTIO_VSEM_ST_SEQ ||
                      VSEM_REJ_WRITABLE != VIRTIO_VSEM_ST_WRITABLE ||
                      VSEM_REJ__MAX != VIRTIO_VSEM_ST_THROTTLED);
    if (s->kvm_sec) {
        vsem_host_start(&s->host, vsem_forwarded, s,
                        &DEVICE(s)->mem_reentrancy_guard);
    }
    s->resume_bh = qemu_bh_new_guarded(vsem_resume, s,
                                       &DEVICE(s)->mem_reentrancy_guard);
    s->vmstate = qemu_add_vm_change_state_handler(vsem_vm_state_change, s);
    s->mig_nl.fd = -1;
    s->migration_state.notify = vsem_migration_state;
    add_migration_state_change_notifier(&s->migration_state);
    if (s->kvm_sec && s->host_state_on &&
        runstate_check(RUN_STATE_INMIGRATE)) {
        vsem_nl_open(&s->mig_nl);       /* a destination: for post_load */
    }
    vsem_ctrl_reset(s);
    g_strlcpy(s->forward_status, s->kvm_sec ? "no report yet" : "disabled",
              sizeof(s->forward_status));
    g_strlcpy(s->host_state_status, "not migrated",
              sizeof(s->host_state_status));
    virtio_init(vdev, VIRTIO_ID_VSEM, sizeof(struct virtio_vsem_config));
    s->vq = virtio_add_queue(vdev, VSEM_QUEUE_SIZE, vsem_handle_report);
    /* ctrl-vq=off: a revision-1 device, with its one queue. */
    if (s->host_features & BIT_ULL(VIRTIO_VSEM_F_CTRL_VQ)) {
        s->ctrl_vq = virtio_add_queue(vdev, VSEM_QUEUE_SIZE,
                                      vsem_handle_ctrl);
    }
}

static void vsem_unrealize(DeviceState *dev)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(dev);
    VirtIOVsem *s = VIRTIO_VSEM(dev);

    qemu_del_vm_change_state_handler(s->vmstate);
    remove_migration_state_change_notifier(&s->migration_state);
    vsem_nl_close(&s->mig_nl);
    qemu_bh_delete(s->resume_bh);
    vsem_host_stop(&s->host);
    g_clear_pointer(&s->host_state, g_free);
    if (s->ctrl_vq) {
        virtio_delete_queue(s->ctrl_vq);
    }
    virtio_delete_queue(s->vq);
    virtio_cleanup(vdev);
}

/*
 * A reset starts a new epoch (spec 5.4): the next driver numbers its
 * reports from 1 again. The rate limit stays: only time refills it.
 */
/* Spec D8.1: what waits goes as soon as the driver is ready. */
static void vsem_set_status(VirtIODevice *vdev, uint8_t status)
{
    if (!(vdev->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
        (status & VIRTIO_CONFIG_S_DRIVER_OK)) {
        vsem_ctrl_flush_status(VIRTIO_VSEM(vdev), status);
    }
}

static void vsem_reset(VirtIODevice *vdev)
{
    VirtIOVsem *s = VIRTIO_VSEM(vdev);

    s->last_seq = 0;
    s->epoch_taken = 0;
    if (s->epoch < UINT64_MAX) {
        s->epoch++;
    }
    vsem_ctrl_reset(s);
}

/* Read-only QOM properties: counters and the latest report. */
static char *vsem_get_forward_status(Object *obj, Error **errp)
{
    return g_strdup(VIRTIO_VSEM(obj)->forward_status);
}

static char *vsem_get_host_state_status(Object *obj, Error **errp)
{
    return g_strdup(VIRTIO_VSEM(obj)->host_state_status);
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
    if (r->has_loss) {
        g_string_append_printf(j, ",\"loss\":{\"unstored_packets\":%" PRIu64
            ",\"hv_unstored\":%" PRIu64 ",\"reports_dropped\":%" PRIu64
            ",\"flows_trimmed\":%" PRIu32 ",\"flags\":%" PRIu32 "}",
            r->loss.unstored_packets, r->loss.hv_unstored,
            r->loss.reports_dropped, r->loss.flows_trimmed, r->loss.flags);
    }
    g_string_append_printf(j, ",\"flows\":%" PRIu32 ",\"hv_records\":%" PRIu32
                           "}", r->nr_flows, r->nr_hv_records);
    return g_string_free(j, false);
}

static void vsem_instance_init(Object *obj)
{
    static const struct {
        const char *name;
        size_t offset;
    } counters[] = {
        { "accepted", offsetof(VirtIOVsem, accepted) },
        { "throttled", offsetof(VirtIOVsem, throttled) },
        { "unknown-entries", offsetof(VirtIOVsem, unknown_entries) },
        { "last-seq", offsetof(VirtIOVsem, last_seq) },
        { "epoch", offsetof(VirtIOVsem, epoch) },
        { "kick-max-ns", offsetof(VirtIOVsem, kick_max_ns) },
        { "forward-max-ns", offsetof(VirtIOVsem, forward_max_ns) },
        { "forward-dropped", offsetof(VirtIOVsem, forward_dropped) },
        { "forwarded", offsetof(VirtIOVsem, forwarded) },
        { "forward-errors", offsetof(VirtIOVsem, forward_errors) },
        { "ctrl-sent", offsetof(VirtIOVsem, ctrl_sent) },
        { "ctrl-bad-buffers", offsetof(VirtIOVsem, ctrl_bad_buffers) },
        { "status-lost", offsetof(VirtIOVsem, status_lost) },
        { "host-states-sent", offsetof(VirtIOVsem, host_states_sent) },
        { "host-states-unsent", offsetof(VirtIOVsem, host_states_unsent) },
        { "host-states-loaded", offsetof(VirtIOVsem, host_states_loaded) },
        { "host-states-refused",
          offsetof(VirtIOVsem, host_states_refused) },
        { "host-state-ns", offsetof(VirtIOVsem, host_state_ns) },
    };
    VirtIOVsem *s = VIRTIO_VSEM(obj);
    int i;

    for (i = 0; i < ARRAY_SIZE(counters); i++) {
        object_property_add_uint64_ptr(obj, counters[i].name,
                                       (uint64_t *)((char *)s +
                                                    counters[i].offset),
                                       OBJ_PROP_FLAG_READ);
    }
    for (i = VSEM_REJ_WRITABLE; i < VSEM_REJ__MAX; i++) {
        g_autofree char *name = g_strdup_printf("rejected-%s",
                                                vsem_reject_name[i]);

        object_property_add_uint64_ptr(obj, name, &s->rejected[i],
                                       OBJ_PROP_FLAG_READ);
    }
    object_property_add_str(obj, "last-report", vsem_get_last_report, NULL);
    object_property_add_str(obj, "kvm-sec-status", vsem_get_forward_status,
                            NULL);
    object_property_add_str(obj, "host-state-status",
                            vsem_get_host_state_status, NULL);
    object_property_add_uint8_ptr(obj, "commanded-level",
                                  &s->commanded_level, OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "history-seq", &s->history_seq,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "commanded-interval-ms",
                                   &s->commanded_interval_ms,
                                   OBJ_PROP_FLAG_READ);
}

static bool vsem_prefix_valid(const struct virtio_vsem_prefix *p)
{
    return ((p->family == 4 && p->prefix_len <= 32) ||
            (p->family == 6 && p->prefix_len <= 128)) &&
           !p->reserved[0] && !p->reserved[1];
}

/*
 * A migration stream is input like a report: every field that reaches the
 * guest or decides what the device accepts is checked, and a stream out of
 * bounds is refused, naming the field.
 */
static int vsem_post_load(void *opaque, int version_id)
{
    VirtIOVsem *s = opaque;
    struct virtio_vsem_prefix p;
    uint64_t taken = s->accepted + s->throttled;
    const char *bad = NULL;
    int i;

    if (taken < s->accepted) {
        taken = UINT64_MAX;
    }
    for (i = VSEM_REJ_WRITABLE; i < VSEM_REJ__MAX; i++) {
        taken = taken + s->rejected[i] < taken ? UINT64_MAX :
                taken + s->rejected[i];
    }
    if (!s->epoch_loaded) {
        /*
         * A stream from before epochs: the buffers of the epoch are
         * unknown. Whatever the guest numbered there is taken as it is.
         */
        s->epoch_taken = MAX(s->last_seq, taken);
    }
    if (s->commanded_level > VIRTIO_VSEM_LEVEL_2) {
        bad = "commanded level above 2";
    } else if (s->commanded_interval_ms &&
               (s->commanded_interval_ms < VIRTIO_VSEM_INTERVAL_MIN_MS ||
                s->commanded_interval_ms > VIRTIO_VSEM_INTERVAL_MAX_MS)) {
        bad = "commanded interval outside 100..60000 ms";
    } else if (s->history_valid > 1) {
        bad = "history_valid is neither 0 nor 1";
    } else if (s->nr_prefixes > VIRTIO_VSEM_MAX_PREFIXES) {
        bad = "more than 8 prefixes";
    } else if (s->epoch_loaded && s->epoch_taken > taken) {
        bad = "more buffers in the epoch than the device ever took";
    } else if (s->epoch_loaded &&
               s->last_seq - VIRTIO_VSEM_SEQ_SLACK > s->epoch_taken &&
               s->last_seq > VIRTIO_VSEM_SEQ_SLACK) {
        bad = "last sequence number beyond the buffers of its epoch";
    }
    if (!bad) {
        bad = vsem_ctrl_check(s);
    }
    for (i = 0; !bad && i < VIRTIO_VSEM_MAX_PREFIXES; i++) {
        memcpy(&p, s->prefixes + i * sizeof(p), sizeof(p));
        if (i < s->nr_prefixes ? !vsem_prefix_valid(&p) :
            !buffer_is_zero(&p, sizeof(p))) {
            bad = "a prefix of bad family or length, or an unused one set";
        }
    }
    if (bad) {
        error_report("virtio-vsem: migration stream refused: %s", bad);
        return -EINVAL;
    }
    return 0;
}

/*
 * The VM's state in kvm-sec.ko (its history, level, verdict and limits),
 * sealed by the module: the VMM carries it and cannot read it into
 * anything but the destination's module, which checks the seal and the
 * state. Neither a module missing on either side nor a state refused
 * stops the migration: the VM then starts with a new history there, and
 * that is counted (host-states-unsent, host-states-refused).
 */
static void vsem_host_state_save(VirtIOVsem *s)
{
    int vm_fd = kvm_get_vm_fd();
    int64_t t0 = get_clock();
    char why[128];
    int err;

    /*
     * A snapshot is no migration: the module's state stays with the
     * module (a snapshot loaded later would be refused: the VM ran).
     */
    if (vm_fd < 0 || runstate_check(RUN_STATE_SAVE_VM)) {
        return;                 /* not a KVM VM, or a snapshot */
    }
    err = vsem_host_migrate_save(&s->mig_nl, vm_fd, &s->host_state,
                                 &s->host_state_len, why, sizeof(why));
    s->host_state_ns = get_clock() - t0;
    if (err) {
        s->host_states_unsent++;
        snprintf(s->host_state_status, sizeof(s->host_state_status),
                 "not sent: %s", why);
        warn_report("virtio-vsem: the VM migrates without its kvm-sec "
                    "state: %s", why);
        return;
    }
    s->host_states_sent++;
    snprintf(s->host_state_status, sizeof(s->host_state_status),
             "sent %" PRIu32 " bytes", s->host_state_len);
}

/*
 * The VM is stopped and its memory sent: what the module said since it
 * stopped goes into the device's state (refusals become statuses that
 * wait for a buffer, D8.5), not into guest memory.
 */
static int vsem_pre_save(void *opaque)
{
    VirtIOVsem *s = opaque;

    g_clear_pointer(&s->host_state, g_free);
    s->host_state_len = 0;
    if (s->kvm_sec) {
        vsem_apply_host(s, false);
        if (s->host_state_on) {
            vsem_host_state_save(s);
        }
    }
    return 0;
}

static int vsem_pre_load(void *opaque)
{
    VirtIOVsem *s = opaque;

    s->epoch_loaded = false;
    /* Left by a save that failed: the subsection allocates its own. */
    g_clear_pointer(&s->host_state, g_free);
    s->host_state_len = 0;
    /* A stream without the ctrl subsection: the driver is sent all. */
    vsem_ctrl_reset(s);
    return 0;
}

static int vsem_epoch_post_load(void *opaque, int version_id)
{
    VIRTIO_VSEM(opaque)->epoch_loaded = true;
    return 0;
}

static bool vsem_host_state_needed(void *opaque)
{
    return VIRTIO_VSEM(opaque)->host_state_len > 0;
}

static bool vsem_host_state_size_ok(void *opaque, int version_id)
{
    VirtIOVsem *s = opaque;

    /* Before the buffer is allocated: its size comes from the stream. */
    return s->host_state_len > 0 &&
           s->host_state_len <= KVM_SEC_MIGRATION_STATE_MAX;
}

static int vsem_host_state_post_save(void *opaque)
{
    VirtIOVsem *s = opaque;

    g_clear_pointer(&s->host_state, g_free);
    s->host_state_len = 0;
    return 0;
}

static int vsem_host_state_post_load(void *opaque, int version_id)
{
    VirtIOVsem *s = opaque;
    int vm_fd = kvm_get_vm_fd();
    int64_t t0 = get_clock();
    char why[128];
    int err;

    if (runstate_check(RUN_STATE_RESTORE_VM)) {
        g_strlcpy(why, "a snapshot: the module keeps the VM's state",
                  sizeof(why));
        err = -EPERM;
    } else if (!s->kvm_sec || !s->host_state_on) {
        g_strlcpy(why, "off (kvm-sec=off or host-state=off)", sizeof(why));
        err = -EPERM;
    } else if (vm_fd < 0) {
        g_strlcpy(why, "not a KVM VM", sizeof(why));
        err = -ENODEV;
    } else {
        err = vsem_host_migrate_load(&s->mig_nl, vm_fd, s->host_state,
                                     s->host_state_len, why, sizeof(why));
        s->host_state_ns = get_clock() - t0;
        vsem_nl_close(&s->mig_nl);
    }
    g_clear_pointer(&s->host_state, g_free);
    if (err) {
        s->host_states_refused++;
        snprintf(s->host_state_status, sizeof(s->host_state_status),
                 "refused (%" PRIu32 " bytes): %s", s->host_state_len, why);
        warn_report("virtio-vsem: the VM's kvm-sec state was not taken "
                    "here, it starts a new history: %s", why);
    } else {
        s->host_states_loaded++;
        snprintf(s->host_state_status, sizeof(s->host_state_status),
                 "loaded %" PRIu32 " bytes", s->host_state_len);
    }
    s->host_state_len = 0;
    return 0;                   /* the VM runs on in any case */
}

/* Only when there is a state: older QEMUs load the stream without it. */
static const VMStateDescription vmstate_virtio_vsem_host_state = {
    .name = "virtio-vsem-device/host-state",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = vsem_host_state_needed,
    .post_save = vsem_host_state_post_save,
    .post_load = vsem_host_state_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_UINT32(host_state_len, VirtIOVsem),
        VMSTATE_VALIDATE("host state of 1 to 8192 bytes",
                         vsem_host_state_size_ok),
        VMSTATE_VBUFFER_ALLOC_UINT32(host_state, VirtIOVsem, 0, NULL,
                                     host_state_len),
        VMSTATE_END_OF_LIST()
    }
};

static bool vsem_epoch_needed(void *opaque)
{
    return true;
}

static bool vsem_ctrl_needed(void *opaque)
{
    VirtIOVsem *s = opaque;

    return virtio_vdev_has_feature(VIRTIO_DEVICE(s), VIRTIO_VSEM_F_CTRL_VQ);
}

/* The control queue (spec 8): what waits for a buffer, a subsection. */
static const VMStateDescription vmstate_virtio_vsem_ctrl = {
    .name = "virtio-vsem-device/ctrl",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = vsem_ctrl_needed,
    .fields = (VMStateField[]) {
        VMSTATE_UINT8(ctrl_dirty, VirtIOVsem),
        VMSTATE_UINT8(nr_status, VirtIOVsem),
        VMSTATE_BUFFER(status, VirtIOVsem),
        VMSTATE_UINT64(status_lost, VirtIOVsem),
        VMSTATE_UINT64(ctrl_sent, VirtIOVsem),
        VMSTATE_UINT64(ctrl_bad_buffers, VirtIOVsem),
        VMSTATE_END_OF_LIST()
    },
};

/* Epochs (spec 5.4), a subsection: streams from before them still load. */
static const VMStateDescription vmstate_virtio_vsem_epoch = {
    .name = "virtio-vsem-device/epoch",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = vsem_epoch_needed,
    .post_load = vsem_epoch_post_load,
    .fields = (VMStateField[]) {
        VMSTATE_UINT64(epoch, VirtIOVsem),
        VMSTATE_UINT64(epoch_taken, VirtIOVsem),
        VMSTATE_END_OF_LIST()
    },
};

static const VMStateDescription vmstate_virtio_vsem_device = {
    .name = "virtio-vsem-device",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = vsem_pre_save,
    .pre_load = vsem_pre_load,
    .post_load = vsem_post_load,
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
    .subsections = (const VMStateDescription * []) {
        &vmstate_virtio_vsem_epoch,
        &vmstate_virtio_vsem_ctrl,
        &vmstate_virtio_vsem_host_state,
        NULL
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
    DEFINE_PROP_BOOL("host-state", VirtIOVsem, host_state_on, true),
    DEFINE_PROP_BIT64("level2", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_LEVEL2, true),
    DEFINE_PROP_BIT64("history", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_HISTORY, true),
    DEFINE_PROP_BIT64("host-level", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_HOST_LEVEL, true),
    DEFINE_PROP_BIT64("prefixes", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_PREFIXES, true),
    DEFINE_PROP_BIT64("ctrl-vq", VirtIOVsem, host_features,
                      VIRTIO_VSEM_F_CTRL_VQ, true),
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
    vdc->set_status = vsem_set_status;
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

/*
 * virtio-vsem control queue (spec section 8): the device tells the driver
 * what became of each report and what the host wants, at any time, in
 * whole messages written into buffers the driver made available.
 *
 * Settings, history and prefixes are state: a change marks them dirty and
 * the latest is sent when a buffer is there, so nothing is queued for
 * them. Statuses are events: up to VSEM_STATUS_QUEUE wait for a buffer,
 * and those beyond are counted and the count sent with the next one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qemu/iov.h"
#include "hw/virtio/virtio.h"
#include "hw/virtio/virtio-vsem.h"

static bool vsem_ctrl_on(VirtIOVsem *s)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);

    return virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_CTRL_VQ);
}

void vsem_ctrl_status(VirtIOVsem *s, uint64_t seq, uint8_t result,
                      uint32_t detail)
{
    struct virtio_vsem_status st = {};

    if (!vsem_ctrl_on(s)) {
        return;
    }
    if (s->nr_status == VSEM_STATUS_QUEUE) {
        s->status_lost++;
        return;
    }
    stq_le_p(&st.seq, seq);
    st.result = result;
    stl_le_p(&st.detail, detail);
    memcpy(s->status + s->nr_status++ * sizeof(st), &st, sizeof(st));
}

/* Append a message of @len body bytes to @buf at @off; false if full. */
static bool vsem_msg_put(uint8_t *buf, size_t *off, uint16_t type,
                         const void *body, size_t len)
{
    struct virtio_vsem_msg m = {};
    size_t total = ROUND_UP(sizeof(m) + len, 8);

    if (*off + total > VIRTIO_VSEM_CTRL_BUF_SIZE) {
        return false;
    }
    stw_le_p(&m.type, type);
    stw_le_p(&m.len, total);
    memset(buf + *off, 0, total);
    memcpy(buf + *off, &m, sizeof(m));
    memcpy(buf + *off + sizeof(m), body, len);
    *off += total;
    return true;
}

/*
 * Fill one buffer with what is dirty (the latest state: not ordered with
 * the statuses, spec 8) and then statuses, oldest first.
 */
static size_t vsem_ctrl_fill(VirtIOVsem *s, uint8_t *buf)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    uint8_t body[VIRTIO_VSEM_CTRL_BUF_SIZE] QEMU_ALIGNED(8);
    struct virtio_vsem_status st;
    size_t off = 0, len;
    unsigned int i, n;

    if (s->ctrl_dirty & VSEM_CTRL_SETTINGS) {
        struct virtio_vsem_settings set = {};

        stl_le_p(&set.interval_ms,
                 s->commanded_interval_ms ?: s->interval_ms);
        if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_HOST_LEVEL)) {
            set.commanded_level = s->commanded_level;
        }
        if (!vsem_msg_put(buf, &off, VIRTIO_VSEM_M_SETTINGS, &set,
                          sizeof(set))) {
            return off;
        }
        s->ctrl_dirty &= ~VSEM_CTRL_SETTINGS;
        s->ctrl_sent++;
    }
    if (s->ctrl_dirty & VSEM_CTRL_HISTORY) {
        struct virtio_vsem_history *h = (void *)body;

        /* Spec D2.2: nothing of a feature that was not negotiated. */
        if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_HISTORY) &&
            s->history_valid) {
            memset(h, 0, sizeof(*h));
            stl_le_p(&h->history_seq, s->history_seq);
            stw_le_p(&h->nr_features, VIRTIO_VSEM_NR_FEATURES);
            memcpy(h + 1, s->history, sizeof(s->history));
            len = sizeof(*h) + sizeof(s->history);
            if (!vsem_msg_put(buf, &off, VIRTIO_VSEM_M_HISTORY, body, len)) {
                return off;
            }
            s->ctrl_sent++;
        }
        s->ctrl_dirty &= ~VSEM_CTRL_HISTORY;
    }
    if (s->ctrl_dirty & VSEM_CTRL_PREFIXES) {
        struct virtio_vsem_prefixes *p = (void *)body;

        if (virtio_vdev_has_feature(vdev, VIRTIO_VSEM_F_PREFIXES)) {
            n = MIN(s->nr_prefixes, VIRTIO_VSEM_MAX_PREFIXES);
            memset(p, 0, sizeof(*p));
            p->nr_prefixes = n;
            len = n * sizeof(struct virtio_vsem_prefix);
            memcpy(p + 1, s->prefixes, len);
            if (!vsem_msg_put(buf, &off, VIRTIO_VSEM_M_PREFIXES, body,
                              sizeof(*p) + len)) {
                return off;
            }
            s->ctrl_sent++;
        }
        s->ctrl_dirty &= ~VSEM_CTRL_PREFIXES;
    }
    for (i = 0; i < s->nr_status; i++) {
        memcpy(&st, s->status + i * sizeof(st), sizeof(st));
        stq_le_p(&st.lost, s->status_lost);
        if (!vsem_msg_put(buf, &off, VIRTIO_VSEM_M_STATUS, &st,
                          sizeof(st))) {
            break;
        }
        s->ctrl_sent++;
    }
    s->nr_status -= i;
    memmove(s->status, s->status + i * sizeof(st), s->nr_status * sizeof(st));
    /* Unused slots stay zero: a migration stream is checked for it. */
    memset(s->status + s->nr_status * sizeof(st), 0,
           (VSEM_STATUS_QUEUE - s->nr_status) * sizeof(st));
    return off;
}

/*
 * Send what waits, into as many buffers as the driver made available; the
 * rest waits for the next buffers (the driver's kick brings us back).
 * @status: the device status to go by (set_status runs before it is set).
 */
void vsem_ctrl_flush_status(VirtIOVsem *s, uint8_t status)
{
    VirtIODevice *vdev = VIRTIO_DEVICE(s);
    uint8_t buf[VIRTIO_VSEM_CTRL_BUF_SIZE];
    VirtQueueElement *elem;
    bool pushed = false;
    size_t len;

    /* Spec D8.1: no buffer is used before DRIVER_OK. */
    if (!vsem_ctrl_on(s) || !(status & VIRTIO_CONFIG_S_DRIVER_OK) ||
        !virtio_queue_ready(s->ctrl_vq)) {
        return;
    }
    while ((s->ctrl_dirty || s->nr_status) &&
           (elem = virtqueue_pop(s->ctrl_vq, sizeof(VirtQueueElement)))) {
        len = 0;
        /* Spec D8.2: device-writable buffers of the minimum size only. */
        if (elem->out_num ||
            iov_size(elem->in_sg, elem->in_num) < VIRTIO_VSEM_CTRL_BUF_SIZE) {
            s->ctrl_bad_buffers++;
        } else {
            len = vsem_ctrl_fill(s, buf);
            if (!len) {
                /* Nothing to say after all: the buffer stays the guest's. */
                virtqueue_unpop(s->ctrl_vq, elem, 0);
                g_free(elem);
                break;
            }
            iov_from_buf(elem->in_sg, elem->in_num, 0, buf, len);
        }
        virtqueue_push(s->ctrl_vq, elem, len);
        g_free(elem);
        pushed = true;
    }
    if (pushed) {
        virtio_notify(vdev, s->ctrl_vq);
    }
}

void vsem_ctrl_flush(VirtIOVsem *s)
{
    vsem_ctrl_flush_status(s, VIRTIO_DEVICE(s)->status);
}

/* A reset (spec 6): the statuses of the old epoch go, the rest is sent. */
void vsem_ctrl_reset(VirtIOVsem *s)
{
    s->nr_status = 0;
    s->status_lost = 0;
    memset(s->status, 0, sizeof(s->status));
    s->ctrl_dirty = VSEM_CTRL_ALL;
}

/* The control state of a migration stream, checked; NULL if it is good. */
const char *vsem_ctrl_check(const VirtIOVsem *s)
{
    struct virtio_vsem_status st;
    unsigned int i;

    if (s->ctrl_dirty & ~VSEM_CTRL_ALL) {
        return "unknown control messages pending";
    }
    if (s->nr_status > VSEM_STATUS_QUEUE) {
        return "more statuses pending than the device keeps";
    }
    for (i = 0; i < VSEM_STATUS_QUEUE; i++) {
        memcpy(&st, s->status + i * sizeof(st), sizeof(st));
        if (i >= s->nr_status ? !buffer_is_zero(&st, sizeof(st)) :
            st.result > VIRTIO_VSEM_ST_HOST_REFUSED ||
            st.reserved[0] || st.reserved[1] || st.reserved[2] || st.lost) {
            return "a pending status out of range";
        }
    }
    return NULL;
}

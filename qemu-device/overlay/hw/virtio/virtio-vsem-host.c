/*
 * virtio-vsem: forwarding reports to kvm-sec.ko over generic netlink.
 *
 * Each report the device accepted goes to the kvm_sec family as
 * KVM_SEC_CMD_GUEST_REPORT, with the file descriptor of this process's KVM
 * VM and the device's epoch: the module resolves the descriptor in this
 * process's file table, so a report can only ever go to the VM this QEMU
 * runs, and answers with the level it commands, the VM's history and the
 * provider's prefixes, which the device writes into its configuration
 * space.
 *
 * The kernel handles a generic netlink request inside sendmsg(), so a slow
 * or busy module would hold whoever sends. A thread of its own sends, from
 * a bounded queue the device fills in the main loop; a bottom half brings
 * the answers back. Only messages from the kernel (port 0) are read. When
 * the module is not loaded the device works on its own; the family is
 * looked for again at most once a second.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include "standard-headers/linux/kvm_sec.h"
#include "hw/virtio/virtio-vsem-host.h"

/* A request or answer at most: a sealed state and its headers. */
#define VSEM_NL_BUF (KVM_SEC_MIGRATION_STATE_MAX + 1024)

static struct nlattr *vsem_nla_put(struct nlmsghdr *n, size_t room,
                                   uint16_t type, const void *data,
                                   size_t len)
{
    struct nlattr *a = (struct nlattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
    size_t need = NLA_ALIGN(NLA_HDRLEN + len);

    if (NLMSG_ALIGN(n->nlmsg_len) + need > room) {
        return NULL;
    }
    a->nla_type = type;
    a->nla_len = NLA_HDRLEN + len;
    memcpy((char *)a + NLA_HDRLEN, data, len);
    n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + need;
    return a;
}

/* Send @req and read messages until its ack; @on_msg sees the others. */
static int vsem_nl_talk(VsemNl *nl, struct nlmsghdr *req,
                        void (*on_msg)(struct nlmsghdr *m, void *arg),
                        void *arg, char *why, size_t why_len)
{
    g_autofree char *buf = g_malloc(VSEM_NL_BUF);
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    uint32_t seq = ++nl->seq;
    struct sockaddr_nl from;
    socklen_t from_len;
    ssize_t n;

    req->nlmsg_seq = seq;
    req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
    if (sendto(nl->fd, req, req->nlmsg_len, 0, (struct sockaddr *)&kernel,
               sizeof(kernel)) < 0) {
        return -errno;
    }
    for (;;) {
        struct nlmsghdr *m;

        /* Queued during sendto(): never waits for long. */
        from_len = sizeof(from);
        n = recvfrom(nl->fd, buf, VSEM_NL_BUF, 0, (struct sockaddr *)&from,
                     &from_len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -errno;
        }
        if (from_len != sizeof(from) || from.nl_family != AF_NETLINK ||
            from.nl_pid != 0) {
            continue;           /* not the kernel's */
        }
        for (m = (struct nlmsghdr *)buf; NLMSG_OK(m, n);
             m = NLMSG_NEXT(m, n)) {
            if (m->nlmsg_seq != seq) {
                continue;       /* a stale answer */
            }
            if (m->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(m);
                struct nlattr *a;
                size_t off, len;

                if (m->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
                    return -EPROTO;
                }
                if (!e->error) {
                    return 0;
                }
                /* The module's extended ack, if any. */
                off = NLMSG_LENGTH(sizeof(*e));
                if (!(m->nlmsg_flags & NLM_F_CAPPED)) {
                    off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
                }
                while (off + NLA_HDRLEN <= m->nlmsg_len) {
                    a = (struct nlattr *)((char *)m + off);
                    len = a->nla_len;
                    if (len < NLA_HDRLEN || off + len > m->nlmsg_len) {
                        break;
                    }
                    if (a->nla_type == NLMSGERR_ATTR_MSG && why) {
                        g_strlcpy(why, (char *)a + NLA_HDRLEN,
                                  MIN(why_len, len - NLA_HDRLEN + 1));
                    }
                    off += NLA_ALIGN(len);
                }
                return e->error;
            }
            if (on_msg) {
                on_msg(m, arg);
            }
        }
    }
}

/* Walk the attributes after the generic netlink header of @m. */
#define VSEM_FOR_EACH_ATTR(a, m, rem)                                        \
    for (a = (struct nlattr *)((char *)NLMSG_DATA(m) + GENL_HDRLEN),         \
         rem = (int)(m)->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);              \
         rem >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&               \
         a->nla_len <= rem;                                                  \
         rem -= NLA_ALIGN(a->nla_len),                                       \
         a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))

static void vsem_on_family(struct nlmsghdr *m, void *arg)
{
    uint16_t *family = arg;
    struct nlattr *a;
    int rem;

    if (m->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
        return;
    }
    VSEM_FOR_EACH_ATTR(a, m, rem) {
        if (a->nla_type == CTRL_ATTR_FAMILY_ID &&
            a->nla_len >= NLA_HDRLEN + 2) {
            memcpy(family, (char *)a + NLA_HDRLEN, 2);
        }
    }
}

static int vsem_resolve(VsemNl *nl)
{
    union {
        struct nlmsghdr n;
        char buf[256];
    } req = { 0 };
    struct genlmsghdr *g;
    uint16_t family = 0;
    int err;

    if (nl->fd < 0) {
        /* A safety net: the answer is queued before send() returns. */
        struct timeval tv = { .tv_sec = 1 };
        int one = 1;

        nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (nl->fd < 0) {
            return -errno;
        }
        setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        /* The module's reason for a refusal, in the acknowledgement. */
        setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
    }
    req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
    req.n.nlmsg_type = GENL_ID_CTRL;
    g = NLMSG_DATA(&req.n);
    g->cmd = CTRL_CMD_GETFAMILY;
    g->version = 1;
    vsem_nla_put(&req.n, sizeof(req), CTRL_ATTR_FAMILY_NAME,
                 KVM_SEC_GENL_NAME, sizeof(KVM_SEC_GENL_NAME));
    err = vsem_nl_talk(nl, &req.n, vsem_on_family, &family, NULL, 0);
    if (err) {
        return err;
    }
    if (!family) {
        return -ENOENT;
    }
    nl->family = family;
    return 0;
}

static void vsem_on_control(struct nlmsghdr *m, void *arg)
{
    VsemHostControl *ctl = arg;
    struct nlattr *a;
    size_t len;
    int rem;

    if (m->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
        return;
    }
    VSEM_FOR_EACH_ATTR(a, m, rem) {
        const void *d = (char *)a + NLA_HDRLEN;

        len = a->nla_len - NLA_HDRLEN;
        switch (a->nla_type) {
        case KVM_SEC_A_GUEST_LEVEL:
            if (len >= 1) {
                ctl->level = MIN(*(const uint8_t *)d, VIRTIO_VSEM_LEVEL_2);
            }
            break;
        case KVM_SEC_A_GUEST_INTERVAL_MS:
            if (len >= 4) {
                uint32_t v;

                memcpy(&v, d, 4);
                /* 0, or what the spec allows (D4.1). */
                if (v == 0 || (v >= VIRTIO_VSEM_INTERVAL_MIN_MS &&
                               v <= VIRTIO_VSEM_INTERVAL_MAX_MS)) {
                    ctl->interval_ms = v;
                }
            }
            break;
        case KVM_SEC_A_GUEST_HISTORY_SEQ:
            if (len >= 4) {
                memcpy(&ctl->history_seq, d, 4);
            }
            break;
        case KVM_SEC_A_GUEST_HISTORY:
            if (len == sizeof(ctl->history)) {
                memcpy(ctl->history, d, len);
                ctl->has_history = true;
            }
            break;
        case KVM_SEC_A_PREFIXES:
            if (len % sizeof(ctl->prefixes[0]) == 0 &&
                len <= sizeof(ctl->prefixes)) {
                memcpy(ctl->prefixes, d, len);
                ctl->nr_prefixes = len / sizeof(ctl->prefixes[0]);
            }
            break;
        }
    }
}

static int vsem_host_forward(VsemHost *h, const VsemHostItem *it,
                             VsemHostControl *ctl, char *why, size_t why_len)
{
    uint32_t fd = it->vm_fd;
    g_autofree char *buf = g_malloc0(VSEM_NL_BUF);
    struct nlmsghdr *n = (struct nlmsghdr *)buf;
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);
    struct genlmsghdr *g;
    int err;

    why[0] = '\0';
    if (!h->nl.family) {
        if (now < h->next_resolve_ns) {
            return -ENOENT;
        }
        h->next_resolve_ns = now + NANOSECONDS_PER_SECOND;
        err = vsem_resolve(&h->nl);
        if (err) {
            g_strlcpy(why, "kvm-sec.ko is not loaded", why_len);
            return -ENOENT;
        }
    }
    n->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
    n->nlmsg_type = h->nl.family;
    g = NLMSG_DATA(n);
    g->cmd = KVM_SEC_CMD_GUEST_REPORT;
    g->version = KVM_SEC_GENL_VERSION;
    if (!vsem_nla_put(n, VSEM_NL_BUF, KVM_SEC_A_VM_FD, &fd, sizeof(fd)) ||
        !vsem_nla_put(n, VSEM_NL_BUF, KVM_SEC_A_GUEST_EPOCH, &it->epoch,
                      sizeof(it->epoch)) ||
        !vsem_nla_put(n, VSEM_NL_BUF, KVM_SEC_A_GUEST_REPORT, it->report,
                      it->len)) {
        return -EMSGSIZE;
    }
    memset(ctl, 0, sizeof(*ctl));
    err = vsem_nl_talk(&h->nl, n, vsem_on_control, ctl, why, why_len);
    if (err == -ENOENT || err == -EOPNOTSUPP) {
        /* The module went away (or came back with another ID). */
        h->nl.family = 0;
        h->next_resolve_ns = 0;
    }
    if (err && !why[0]) {
        g_strlcpy(why, strerror(-err), why_len);
    }
    return err;
}

/* The thread: send what is queued, one report at a time, in order. */
static void *vsem_host_thread(void *opaque)
{
    VsemHost *h = opaque;
    VsemHostResult *r = &h->result;
    VsemHostControl ctl;
    char why[sizeof(r->status)];
    int64_t t0, dt;
    int err;

    qemu_mutex_lock(&h->lock);
    for (;;) {
        while (!h->stop && !h->count) {
            qemu_cond_wait(&h->cond, &h->lock);
        }
        if (h->stop) {
            break;
        }
        h->work = h->queue[h->head];
        h->head = (h->head + 1) % VSEM_FORWARD_QUEUE;
        h->count--;
        qemu_mutex_unlock(&h->lock);

        t0 = get_clock();
        err = vsem_host_forward(h, &h->work, &ctl, why, sizeof(why));
        dt = get_clock() - t0;

        qemu_mutex_lock(&h->lock);
        r->max_ns = MAX(r->max_ns, (uint64_t)dt);
        if (err == -ENOENT) {
            /* No module: the device works alone, and that is no error. */
            g_strlcpy(r->status, why, sizeof(r->status));
        } else if (err) {
            r->errors++;
            g_strlcpy(r->status, why, sizeof(r->status));
            if (r->nr_refused < VSEM_FORWARD_QUEUE) {
                VsemHostRefusal *f = &r->refused[r->nr_refused++];

                f->epoch = h->work.epoch;
                f->seq = ldq_le_p(h->work.report +
                                  offsetof(struct virtio_vsem_report, seq));
                f->err = -err;
            } else {
                if (r->refused_lost_epoch != h->work.epoch) {
                    r->refused_lost = 0;    /* counted per epoch */
                }
                r->refused_lost++;
                r->refused_lost_epoch = h->work.epoch;
            }
        } else {
            r->forwarded++;
            r->control = ctl;
            r->has_control = true;
            g_strlcpy(r->status, "connected", sizeof(r->status));
        }
        qemu_bh_schedule(h->bh);
    }
    qemu_mutex_unlock(&h->lock);
    return NULL;
}

static void vsem_host_bh(void *opaque)
{
    VsemHost *h = opaque;

    h->done(h->opaque);
}

void vsem_host_start(VsemHost *h, void (*done)(void *opaque), void *opaque,
                     MemReentrancyGuard *guard)
{
    h->nl.fd = -1;
    h->done = done;
    h->opaque = opaque;
    h->bh = qemu_bh_new_guarded(vsem_host_bh, h, guard);
    qemu_mutex_init(&h->lock);
    qemu_cond_init(&h->cond);
    qemu_thread_create(&h->thread, "virtio-vsem-fwd", vsem_host_thread, h,
                       QEMU_THREAD_JOINABLE);
    h->started = true;
}

void vsem_host_stop(VsemHost *h)
{
    if (!h->started) {
        return;
    }
    qemu_mutex_lock(&h->lock);
    h->stop = true;
    qemu_cond_signal(&h->cond);
    qemu_mutex_unlock(&h->lock);
    qemu_thread_join(&h->thread);
    qemu_bh_delete(h->bh);
    qemu_cond_destroy(&h->cond);
    qemu_mutex_destroy(&h->lock);
    if (h->nl.fd >= 0) {
        close(h->nl.fd);
        h->nl.fd = -1;
    }
    h->started = false;
}

bool vsem_host_queue(VsemHost *h, int vm_fd, uint64_t epoch,
                     const void *report, size_t len)
{
    VsemHostItem *it;
    bool queued = false;

    assert(len <= sizeof(it->report));
    qemu_mutex_lock(&h->lock);
    if (h->count < VSEM_FORWARD_QUEUE) {
        it = &h->queue[(h->head + h->count) % VSEM_FORWARD_QUEUE];
        it->vm_fd = vm_fd;
        it->epoch = epoch;
        it->len = len;
        memcpy(it->report, report, len);
        h->count++;
        qemu_cond_signal(&h->cond);
        queued = true;
    }
    qemu_mutex_unlock(&h->lock);
    return queued;
}

void vsem_host_kick(VsemHost *h)
{
    qemu_bh_schedule(h->bh);
}

void vsem_host_take(VsemHost *h, VsemHostResult *r)
{
    qemu_mutex_lock(&h->lock);
    *r = h->result;
    h->result.forwarded = 0;
    h->result.errors = 0;
    h->result.nr_refused = 0;
    h->result.refused_lost = 0;
    h->result.has_control = false;
    qemu_mutex_unlock(&h->lock);
}

typedef struct VsemSaved {
    uint8_t *state;
    uint32_t len;
} VsemSaved;

static void vsem_on_saved(struct nlmsghdr *m, void *arg)
{
    VsemSaved *sv = arg;
    struct nlattr *a;
    int rem;

    if (m->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
        return;
    }
    VSEM_FOR_EACH_ATTR(a, m, rem) {
        size_t len = a->nla_len - NLA_HDRLEN;

        if (a->nla_type == KVM_SEC_A_MIGRATION_STATE && !sv->state &&
            len && len <= KVM_SEC_MIGRATION_STATE_MAX) {
            sv->state = g_memdup2((char *)a + NLA_HDRLEN, len);
            sv->len = len;
        }
    }
}

void vsem_nl_open(VsemNl *nl)
{
    if (!nl->family) {
        vsem_resolve(nl);       /* else tried again when needed */
    }
}

void vsem_nl_close(VsemNl *nl)
{
    if (nl->fd >= 0) {
        close(nl->fd);
    }
    nl->fd = -1;
    nl->family = 0;
}

/* One MIGRATE_SAVE or MIGRATE_LOAD (@state given) on @nl. */
static int vsem_migrate_talk(VsemNl *nl, uint8_t cmd, int vm_fd,
                             const uint8_t *state, uint32_t len,
                             VsemSaved *sv, char *why, size_t why_len)
{
    g_autofree char *buf = g_malloc0(VSEM_NL_BUF);
    struct nlmsghdr *n = (struct nlmsghdr *)buf;
    uint32_t fd = vm_fd;
    struct genlmsghdr *g;
    int err, tries;

    for (tries = 0; tries < 2; tries++) {
        why[0] = '\0';
        if (!nl->family && vsem_resolve(nl)) {
            g_strlcpy(why, "kvm-sec.ko is not loaded", why_len);
            return -ENOENT;
        }
        memset(buf, 0, VSEM_NL_BUF);
        n->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
        n->nlmsg_type = nl->family;
        g = NLMSG_DATA(n);
        g->cmd = cmd;
        g->version = KVM_SEC_GENL_VERSION;
        if (!vsem_nla_put(n, VSEM_NL_BUF, KVM_SEC_A_VM_FD, &fd, sizeof(fd)) ||
            (state && !vsem_nla_put(n, VSEM_NL_BUF, KVM_SEC_A_MIGRATION_STATE,
                                    state, len))) {
            g_strlcpy(why, "the state does not fit a request", why_len);
            return -EMSGSIZE;
        }
        err = vsem_nl_talk(nl, n, sv ? vsem_on_saved : NULL, sv, why,
                           why_len);
        if (err != -ENOENT && err != -EOPNOTSUPP) {
            break;
        }
        /* The family went (a reload since it was resolved): once more. */
        nl->family = 0;
    }
    if (err && !why[0]) {
        g_strlcpy(why, strerror(-err), why_len);
    }
    return err;
}

int vsem_host_migrate_save(VsemNl *nl, int vm_fd, uint8_t **state,
                           uint32_t *len, char *why, size_t why_len)
{
    VsemSaved sv = { 0 };
    int err;

    err = vsem_migrate_talk(nl, KVM_SEC_CMD_MIGRATE_SAVE, vm_fd, NULL, 0,
                            &sv, why, why_len);
    if (!err && !sv.state) {
        g_strlcpy(why, "kvm-sec.ko answered without a state", why_len);
        err = -EPROTO;
    }
    if (err) {
        g_free(sv.state);
        return err;
    }
    *state = sv.state;
    *len = sv.len;
    return 0;
}

int vsem_host_migrate_load(VsemNl *nl, int vm_fd, const uint8_t *state,
                           uint32_t len, char *why, size_t why_len)
{
    return vsem_migrate_talk(nl, KVM_SEC_CMD_MIGRATE_LOAD, vm_fd, state, len,
                             NULL, why, why_len);
}

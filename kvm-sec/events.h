/* SPDX-License-Identifier: GPL-2.0 */
/* VM_NEW / VM_DEL notifications, sent in order from process context. */
#ifndef KSEC_EVENTS_H
#define KSEC_EVENTS_H

struct ksec_vm;

/* Any context. VM_NEW takes a reference; VM_DEL consumes the caller's. */
void ksec_event_vm_new(struct ksec_vm *vm);
void ksec_event_vm_del(struct ksec_vm *vm);

/* Send everything queued; no new events may be queued after it. */
void ksec_events_flush(void);

#endif /* KSEC_EVENTS_H */

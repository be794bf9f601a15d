/* SPDX-License-Identifier: GPL-2.0 */
/* Probes on KVM's trace points: the per-exit data plane. */
#ifndef KSEC_PROBES_H
#define KSEC_PROBES_H

#include <linux/types.h>

struct module;

int ksec_probes_init(void);
void ksec_probes_exit(void);
/* Trace points attached now. */
u32 ksec_probes_attached(void);
/* kvm.ko, while its trace points are known (for telling KVM's files). */
struct module *ksec_kvm_module(void);

#endif /* KSEC_PROBES_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* Seeing KVM create and destroy VMs. */
#ifndef KSEC_LIFECYCLE_H
#define KSEC_LIFECYCLE_H

#include <linux/types.h>

int ksec_lifecycle_init(void);
void ksec_lifecycle_exit(void);
u64 ksec_lifecycle_missed(void);

#endif /* KSEC_LIFECYCLE_H */

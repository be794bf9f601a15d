/* SPDX-License-Identifier: GPL-2.0 */
/* Periodic sampling of every VM's counters into per-interval rates. */
#ifndef KSEC_SAMPLER_H
#define KSEC_SAMPLER_H

#include <linux/types.h>

void ksec_sampler_start(void);
void ksec_sampler_stop(void);
u32 ksec_sampler_interval_ms(void);
void ksec_sampler_set_interval_ms(u32 ms);

#endif /* KSEC_SAMPLER_H */

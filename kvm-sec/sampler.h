/* SPDX-License-Identifier: GPL-2.0 */
/* Periodic sampling of every VM's counters into per-interval rates. */
#ifndef KSEC_SAMPLER_H
#define KSEC_SAMPLER_H

#include <linux/types.h>

void ksec_sampler_start(void);
void ksec_sampler_stop(void);
u32 ksec_sampler_interval_ms(void);
/* A new interval: its epoch moves on (histories per interval restart). */
void ksec_sampler_set_interval_ms(u32 ms);
/*
 * The interval and its epoch, together (not from the sampler's own run,
 * which gets them as arguments: this waits for a change of interval).
 */
void ksec_sampler_epoch(u32 *ms, u32 *epoch);

#endif /* KSEC_SAMPLER_H */

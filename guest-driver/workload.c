// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: VREM's view of the workload (CPU, run queue, memory).
 */
#include <linux/cpumask.h>
#include <linux/kernel_stat.h>
#include <linux/mm.h>
#include <linux/sched/loadavg.h>
#include <linux/tick.h>
#include "vsem.h"

/* Idle time of every online CPU, the way /proc/stat computes it. */
void vsem_workload_totals(struct vsem_totals *t)
{
	unsigned int cpu;
	u64 idle;

	t->idle_us = 0;
	for_each_online_cpu(cpu) {
		idle = get_cpu_idle_time_us(cpu, NULL);
		if (idle == -1ULL)	/* no NOHZ accounting: the tick's */
			idle = div_u64(kcpustat_cpu(cpu).cpustat[CPUTIME_IDLE],
				       NSEC_PER_USEC);
		t->idle_us += idle;
	}
	t->wall_us = div_u64(ktime_get_ns(), NSEC_PER_USEC) * num_online_cpus();
}

void vsem_workload_mem(u64 *used_kib, u64 *available_kib)
{
	struct sysinfo i;
	long avail;

	si_meminfo(&i);
	avail = si_mem_available();
	if (avail < 0)
		avail = 0;
	if ((unsigned long)avail > i.totalram)
		avail = i.totalram;
	*available_kib = (u64)avail << (PAGE_SHIFT - 10);
	*used_kib = (u64)(i.totalram - avail) << (PAGE_SHIFT - 10);
}

/* Runnable (and uninterruptible) tasks, 1-minute load average, x100. */
u32 vsem_workload_runqueue_x100(void)
{
	unsigned long l = READ_ONCE(avenrun[0]);

	return (u32)min_t(u64, div_u64((u64)l * 100, FIXED_1), U32_MAX);
}

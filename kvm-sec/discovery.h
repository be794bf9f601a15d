/* SPDX-License-Identifier: GPL-2.0 */
/* Finding VMs that kvm-sec did not see being created. */
#ifndef KSEC_DISCOVERY_H
#define KSEC_DISCOVERY_H

void ksec_discovery_init(void);
/* Scan now for VMs that exist (module load). */
void ksec_discovery_scan(void);
/* From a probe: an event came from an untracked VM (any context). */
void ksec_discovery_kick(void);
void ksec_discovery_exit(void);

#endif /* KSEC_DISCOVERY_H */

/* SPDX-License-Identifier: GPL-2.0 */
/* Finding the VMs that existed before kvm-sec, and KVM's own files. */
#ifndef KSEC_DISCOVERY_H
#define KSEC_DISCOVERY_H

struct file;
struct kvm;

/* Track every VM whose VMM has one of its files open (module load). */
void ksec_discovery_scan(void);
/*
 * The VM of a KVM VM or vCPU file, or NULL for any other file. The VM
 * lives at least as long as the caller's reference on @file.
 */
struct kvm *ksec_file_kvm(struct file *file);

#endif /* KSEC_DISCOVERY_H */

# SPDX-License-Identifier: GPL-2.0
#
# Kernel feature detection for kvm-sec. Included by Kbuild. Each test looks
# at the headers of the kernel being built against ($(srctree)) and either
# defines KSEC_HAVE_* or refuses the kernel with a message saying why.

ksec-inc := $(srctree)/include
ksec-arch-inc := $(srctree)/arch/$(SRCARCH)/include
ksec-has = $(shell grep -qs -E '$(1)' $(2) && echo y)

ksec-refuse = $(error kvm-sec: the kernel at $(srctree) is not supported: $(1))

ifeq ($(CONFIG_KVM),)
$(call ksec-refuse,it is built without CONFIG_KVM)
endif
ifeq ($(CONFIG_KPROBES),)
$(call ksec-refuse,it is built without CONFIG_KPROBES (VM creation and release are seen through kprobes))
endif
# kprobe handlers run with preemption off and take spinlocks, which sleep
# on PREEMPT_RT: not supported there.
ifneq ($(CONFIG_PREEMPT_RT),)
$(call ksec-refuse,it is a PREEMPT_RT kernel (kvm-sec takes spinlocks in kprobe handlers))
endif
ifeq ($(CONFIG_TRACEPOINTS),)
$(call ksec-refuse,it is built without CONFIG_TRACEPOINTS)
endif
ifneq ($(call ksec-has,kvm_get_running_vcpu,$(ksec-inc)/linux/kvm_host.h),y)
$(call ksec-refuse,kvm_get_running_vcpu() is missing (Linux 5.7 or later is needed))
endif
ifneq ($(call ksec-has,kvm_get_kvm_safe,$(ksec-inc)/linux/kvm_host.h),y)
$(call ksec-refuse,kvm_get_kvm_safe() is missing (Linux 5.11 or later is needed))
endif
ifneq ($(call ksec-has,struct xarray vcpu_array,$(ksec-inc)/linux/kvm_host.h),y)
$(call ksec-refuse,struct kvm has no vcpu_array (Linux 5.17 or later is needed))
endif
ifneq ($(call ksec-has,register_tracepoint_module_notifier,$(ksec-inc)/linux/tracepoint.h),y)
$(call ksec-refuse,register_tracepoint_module_notifier() is missing)
endif

# The prototypes of KVM's trace points are not in any installed header, so
# they cannot be detected: they were checked by hand for this range, and
# a kernel outside it is refused rather than misread.
ksec-kver := $(VERSION)$(shell printf '%03d' $(PATCHLEVEL))
ifeq ($(KSEC_ALLOW_UNCHECKED_KERNEL),)
ifeq ($(shell [ $(ksec-kver) -ge 5017 ] && [ $(ksec-kver) -le 6012 ] && echo y),)
$(call ksec-refuse,KVM trace point prototypes of Linux $(VERSION).$(PATCHLEVEL) were not checked (5.17 to 6.12 are); set KSEC_ALLOW_UNCHECKED_KERNEL=1 after checking them)
endif
endif

# Per-VM data is the tenants': the events group must be admin-only, which
# needs the multicast group flags (Linux 6.7, backported to the stable
# series Debian and every distribution kernel in range follow).
ifneq ($(call ksec-has,GENL_MCAST_CAP_NET_ADMIN,$(ksec-inc)/net/genetlink.h),y)
$(call ksec-refuse,generic netlink has no GENL_MCAST_CAP_NET_ADMIN (a 2024 stable update): the events group could not be made admin-only)
endif
ifneq ($(call ksec-has,kvm_put_kvm_no_destroy,$(ksec-inc)/linux/kvm_host.h),y)
$(call ksec-refuse,kvm_put_kvm_no_destroy() is missing)
endif

ifeq ($(call ksec-has,[^_]exits;,$(ksec-arch-inc)/asm/kvm_host.h),y)
ccflags-y += -DKSEC_HAVE_STAT_EXITS
endif
ifeq ($(call ksec-has,halt_exits;,$(ksec-arch-inc)/asm/kvm_host.h),y)
ccflags-y += -DKSEC_HAVE_STAT_HALT_EXITS
endif
ifeq ($(call ksec-has,wfi_exit_stat;,$(ksec-arch-inc)/asm/kvm_host.h),y)
ccflags-y += -DKSEC_HAVE_STAT_WFI_EXIT
endif
ifeq ($(call ksec-has,[^_]irq_exits;,$(ksec-arch-inc)/asm/kvm_host.h),y)
ccflags-y += -DKSEC_HAVE_STAT_IRQ_EXITS
endif
# Newer kernels guard a vCPU's "last run PID" with a rwlock, not RCU.
ifeq ($(call ksec-has,rwlock_t[[:space:]]+pid_lock;,$(ksec-inc)/linux/kvm_host.h),y)
ccflags-y += -DKSEC_HAVE_VCPU_PID_LOCK
endif

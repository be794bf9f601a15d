/*
 * virtio-vsem PCI transport (modern only: PCI device ID 0x1040 + 56).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qemu/osdep.h"
#include "hw/virtio/virtio-pci.h"
#include "hw/virtio/virtio-vsem.h"
#include "hw/qdev-properties.h"
#include "qapi/error.h"
#include "qemu/module.h"
#include "qom/object.h"

typedef struct VirtIOVsemPCI VirtIOVsemPCI;

#define TYPE_VIRTIO_VSEM_PCI "virtio-vsem-pci-base"
DECLARE_INSTANCE_CHECKER(VirtIOVsemPCI, VIRTIO_VSEM_PCI,
                         TYPE_VIRTIO_VSEM_PCI)

struct VirtIOVsemPCI {
    VirtIOPCIProxy parent_obj;
    VirtIOVsem vdev;
};

static Property virtio_vsem_pci_properties[] = {
    DEFINE_PROP_BIT("ioeventfd", VirtIOPCIProxy, flags,
                    VIRTIO_PCI_FLAG_USE_IOEVENTFD_BIT, true),
    DEFINE_PROP_UINT32("vectors", VirtIOPCIProxy, nvectors,
                       DEV_NVECTORS_UNSPECIFIED),
    DEFINE_PROP_END_OF_LIST(),
};

static void virtio_vsem_pci_realize(VirtIOPCIProxy *vpci_dev, Error **errp)
{
    VirtIOVsemPCI *dev = VIRTIO_VSEM_PCI(vpci_dev);
    DeviceState *vdev = DEVICE(&dev->vdev);

    if (vpci_dev->nvectors == DEV_NVECTORS_UNSPECIFIED) {
        /* config change, reportq, and the ctrlq if there is one */
        vpci_dev->nvectors = dev->vdev.host_features &
                             BIT_ULL(VIRTIO_VSEM_F_CTRL_VQ) ? 3 : 2;
    }
    virtio_pci_force_virtio_1(vpci_dev);
    qdev_realize(vdev, BUS(&vpci_dev->bus), errp);
}

static void virtio_vsem_pci_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    VirtioPCIClass *k = VIRTIO_PCI_CLASS(klass);
    PCIDeviceClass *pcidev_k = PCI_DEVICE_CLASS(klass);

    k->realize = virtio_vsem_pci_realize;
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
    pcidev_k->vendor_id = PCI_VENDOR_ID_REDHAT_QUMRANET;
    pcidev_k->device_id = PCI_DEVICE_ID_VIRTIO_10_BASE + VIRTIO_ID_VSEM;
    pcidev_k->revision = VIRTIO_PCI_ABI_VERSION;
    pcidev_k->class_id = PCI_CLASS_OTHERS;
    device_class_set_props(dc, virtio_vsem_pci_properties);
}

static void virtio_vsem_pci_instance_init(Object *obj)
{
    VirtIOVsemPCI *dev = VIRTIO_VSEM_PCI(obj);

    virtio_instance_init_common(obj, &dev->vdev, sizeof(dev->vdev),
                                TYPE_VIRTIO_VSEM);
}

static const VirtioPCIDeviceTypeInfo virtio_vsem_pci_info = {
    .base_name = TYPE_VIRTIO_VSEM_PCI,
    .generic_name = "virtio-vsem-pci",
    .instance_size = sizeof(VirtIOVsemPCI),
    .instance_init = virtio_vsem_pci_instance_init,
    .class_init = virtio_vsem_pci_class_init,
};

static void virtio_vsem_pci_register(void)
{
    virtio_pci_types_register(&virtio_vsem_pci_info);
}

type_init(virtio_vsem_pci_register)

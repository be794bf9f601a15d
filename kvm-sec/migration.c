// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's security state across a live migration (MIGRATE_SAVE and
 * MIGRATE_LOAD): the source's VMM takes its VM's state and carries it in
 * its migration stream; the destination's VMM hands it to its new VM.
 *
 * The VMM is not trusted with it. A compromised VMM that could write a
 * state would give its VM a lenient history, or clear its verdict. So the
 * module seals the state it hands out with HMAC-SHA256 under the
 * provider's migration key, set by the admin on every host (SET_CONFIG;
 * never read back), and takes back only a state whose seal verifies: one a
 * module of the provider wrote. The state is then checked as SET_STATE
 * checks one (state.c), as if the seal did not exist.
 *
 * A sealed state could still be replayed: a VMM that kept an older state of
 * its VM could give it back to clear a verdict since. So the seal holds
 * the time it was made, and a state is taken only within a minute of it
 * (the device state of a migration is saved and loaded within the
 * downtime), only by a VM that KVM never ran (no vCPU ever entered
 * KVM_RUN) and that was created while the module watched, and only if it
 * was given no state before (MIGRATE_LOAD, SET_STATE): a migration's
 * destination, before it starts.
 *
 * The sealed state is not encrypted: the VMM, which already runs the VM,
 * can read its history (Documentation/kvm-sec/state.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/kvm_sec.h>

#include "migration.h"
#include "state.h"

/* Replaced under ksec_key_lock; used under RCU (an shash never sleeps). */
static DEFINE_MUTEX(ksec_key_lock);
static struct crypto_shash __rcu *ksec_key_tfm;

int ksec_migration_key_prepare(const void *key, unsigned int len,
			       struct crypto_shash **tfm)
{
	int err;

	*tfm = NULL;
	if (!len)
		return 0;
	if (len < KVM_SEC_MIGRATION_KEY_MIN || len > KVM_SEC_MIGRATION_KEY_MAX)
		return -EINVAL;
	*tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(*tfm)) {
		err = PTR_ERR(*tfm);
		*tfm = NULL;
		return err;
	}
	err = crypto_shash_setkey(*tfm, key, len);
	if (err) {
		crypto_free_shash(*tfm);
		*tfm = NULL;
	}
	return err;
}

void ksec_migration_key_commit(struct crypto_shash *tfm)
{
	struct crypto_shash *old;

	mutex_lock(&ksec_key_lock);
	old = rcu_replace_pointer(ksec_key_tfm, tfm,
				  lockdep_is_held(&ksec_key_lock));
	mutex_unlock(&ksec_key_lock);
	synchronize_rcu();
	crypto_free_shash(old);
}

void ksec_migration_key_abort(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

bool ksec_migration_keyed(void)
{
	return rcu_access_pointer(ksec_key_tfm);
}

/* After the netlink family is gone: no user is left. */
void ksec_migration_exit(void)
{
	crypto_free_shash(rcu_dereference_protected(ksec_key_tfm, true));
	RCU_INIT_POINTER(ksec_key_tfm, NULL);
}

/* MAC of @len bytes of @data into @mac, or -ENOKEY. */
static int ksec_seal_mac(const void *data, unsigned int len, u8 *mac)
{
	struct crypto_shash *tfm;
	int err = -ENOKEY;

	rcu_read_lock();
	tfm = rcu_dereference(ksec_key_tfm);
	if (tfm)
		err = crypto_shash_tfm_digest(tfm, data, len, mac);
	rcu_read_unlock();
	return err;
}

size_t ksec_migration_size(void)
{
	return sizeof(struct ksec_seal_hdr) + ksec_state_size() +
	       KSEC_SEAL_MAC_LEN;
}

int ksec_migration_save(struct sk_buff *skb, struct ksec_vm *vm,
			struct netlink_ext_ack *extack)
{
	struct ksec_state_scratch *scratch;
	struct ksec_seal_hdr *hdr;
	struct sk_buff *tmp;
	struct nlattr *attr;
	unsigned int len;
	int err = -ENOMEM;

	BUILD_BUG_ON(sizeof(struct ksec_seal_hdr) != 24);
	/* What a VMM is told it may carry, and MIGRATE_LOAD takes. */
	BUILD_BUG_ON(ksec_migration_size() > KVM_SEC_MIGRATION_STATE_MAX);
	if (!ksec_migration_keyed()) {
		atomic64_inc(&ksec_status.migrations_unkeyed);
		NL_SET_ERR_MSG(extack, "this host has no migration key");
		return -ENOKEY;
	}
	scratch = kmalloc(sizeof(*scratch), GFP_KERNEL);
	tmp = alloc_skb(ksec_migration_size(), GFP_KERNEL);
	if (!scratch || !tmp)
		goto out;
	/* The header, then the state as GET_STATE puts it, then the MAC. */
	hdr = skb_put_zero(tmp, sizeof(*hdr));
	err = ksec_put_state(tmp, vm, scratch);
	if (err)
		goto out;
	len = tmp->len - sizeof(*hdr);
	hdr->magic = KSEC_SEAL_MAGIC;
	hdr->version = KSEC_SEAL_VERSION;
	hdr->len = len;
	hdr->sealed_ns = ktime_get_real_ns();
	len = tmp->len;
	err = ksec_seal_mac(tmp->data, len, skb_put(tmp, KSEC_SEAL_MAC_LEN));
	if (err) {
		if (err == -ENOKEY) {	/* removed meanwhile */
			atomic64_inc(&ksec_status.migrations_unkeyed);
			NL_SET_ERR_MSG(extack, "this host has no migration key");
		}
		goto out;
	}
	attr = nla_reserve(skb, KVM_SEC_A_MIGRATION_STATE, tmp->len);
	if (!attr) {
		err = -EMSGSIZE;
		goto out;
	}
	memcpy(nla_data(attr), tmp->data, tmp->len);
	atomic64_inc(&ksec_status.migrations_out);
out:
	kfree_skb(tmp);
	kfree(scratch);
	return err;
}

/*
 * What only this host's admin grants a VM does not come with a VMM: a
 * seal names no VM, so a VMM could copy one VM's state into another. An
 * exemption (held at level 1) and a rule of the VM's own are left out;
 * what restricts the VM (held at level 2, the admin's limits and
 * destination-class rule) comes.
 */
static void ksec_migration_strip(struct ksec_state *st)
{
	if (st->h.admin_level == 1) {
		st->h.admin_level = 0;
		st->h.level_reason = KVM_SEC_LEVEL_CALM;
	}
	memset(&st->h.own, 0, sizeof(st->h.own));
}

/* The state in a sealed one whose seal verifies, or an error. */
static const struct nlattr *ksec_unseal(const struct nlattr *attr,
					struct netlink_ext_ack *extack)
{
	unsigned int total = nla_len(attr);
	const u8 *data = nla_data(attr);
	struct ksec_seal_hdr hdr;
	const struct nlattr *st;
	u8 mac[KSEC_SEAL_MAC_LEN];
	u64 now;
	int err;

	if (total < sizeof(hdr) + NLA_HDRLEN + KSEC_SEAL_MAC_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the sealed state is too short");
		return ERR_PTR(-EINVAL);
	}
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.magic != KSEC_SEAL_MAGIC) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not a sealed kvm-sec state");
		return ERR_PTR(-EINVAL);
	}
	if (hdr.version != KSEC_SEAL_VERSION) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "a sealed state of another version");
		return ERR_PTR(-EPROTONOSUPPORT);
	}
	if (hdr.reserved || hdr.reserved2 ||
	    hdr.len != total - sizeof(hdr) - KSEC_SEAL_MAC_LEN) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the sealed state's length is not its own");
		return ERR_PTR(-EINVAL);
	}
	/* Nothing in it is looked at before its seal verifies. */
	err = ksec_seal_mac(data, total - KSEC_SEAL_MAC_LEN, mac);
	if (err) {
		if (err == -ENOKEY)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "this host has no migration key");
		return ERR_PTR(err);
	}
	if (crypto_memneq(mac, data + total - KSEC_SEAL_MAC_LEN, sizeof(mac))) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the state's seal does not verify: changed, or sealed with another key");
		return ERR_PTR(-EBADMSG);
	}
	/* A state of another migration, or kept since: a replay. */
	now = ktime_get_real_ns();
	if (hdr.sealed_ns > now ? hdr.sealed_ns - now > KSEC_SEAL_SKEW :
	    now - hdr.sealed_ns > KSEC_SEAL_MAX_AGE) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the state was not sealed within the last minute: not this migration's");
		return ERR_PTR(-ESTALE);
	}
	st = (const struct nlattr *)(data + sizeof(hdr));
	/* Written by a module: still checked as any input. */
	if (st->nla_len < NLA_HDRLEN || NLA_ALIGN(st->nla_len) != hdr.len ||
	    nla_type(st) != KVM_SEC_A_VM_STATE) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the sealed state holds no KVM_SEC_A_VM_STATE");
		return ERR_PTR(-EINVAL);
	}
	return st;
}

int ksec_migration_load(struct ksec_vm *vm, const struct nlattr *attr,
			struct netlink_ext_ack *extack)
{
	const struct nlattr *st_attr;
	struct ksec_state *st;
	int err;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st) {
		err = -ENOMEM;
		goto out;
	}
	st_attr = ksec_unseal(attr, extack);
	err = PTR_ERR_OR_ZERO(st_attr);
	if (!err)
		err = ksec_parse_state(st_attr, st, extack);
	if (err)
		goto out;
	ksec_migration_strip(st);
	mutex_lock(&vm->admin_lock);
	if (vm->state_given) {
		NL_SET_ERR_MSG(extack,
			       "the VM was given a state, or set by the admin, already");
		err = -EBUSY;
	} else if (vm->origin != KVM_SEC_ORIGIN_CREATED ||
		   ksec_vm_has_run(vm)) {
		NL_SET_ERR_MSG(extack,
			       "the VM has run, or was not seen created: only a migration's destination, before it starts, takes a state");
		err = -EBUSY;
	} else {
		err = ksec_state_apply(vm, st);
		vm->state_given = !err;
	}
	mutex_unlock(&vm->admin_lock);
out:
	if (err)
		atomic64_inc(&ksec_status.migrations_refused);
	else
		atomic64_inc(&ksec_status.migrations_in);
	kfree(st);
	return err;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * lu2k_chan.c - /dev/lu2k: one open file is one daemon attached to one
 * interface. LU2K_IOC_SETUP negotiates and lays out a fresh region, mmap maps
 * it, poll() reports kicks (POLLIN) and a dropped channel (POLLHUP), and
 * LU2K_IOC_KICK makes the kernel read the daemon's rings. Nothing the daemon
 * writes into the region is trusted: see lu2k_ni.c, lu2k_tx.c and lu2k_rx.c.
 */
#define pr_fmt(fmt) "lu2k: " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include "lu2k_internal.h"

#define LU2K_FEAT_KERNEL	LU2K_FEAT_ALL

static void lu2k_region_free(struct kref *ref)
{
	struct lu2k_region *region = container_of(ref, struct lu2k_region, ref);

	vfree(region->mem);
	kfree(region);
}

void lu2k_region_put(struct lu2k_region *region)
{
	kref_put(&region->ref, lu2k_region_free);
}

static struct lu2k_region *lu2k_region_alloc(u64 size)
{
	struct lu2k_region *region;
	struct lu2k_region_hdr *hdr;

	region = kzalloc(sizeof(*region), GFP_KERNEL);
	if (!region)
		return NULL;
	/* Zeroed, and flagged for remap_vmalloc_range(). */
	region->mem = vmalloc_user(size);
	if (!region->mem) {
		kfree(region);
		return NULL;
	}
	kref_init(&region->ref);
	region->size = size;
	hdr = region->mem;
	hdr->magic = LU2K_REGION_MAGIC;
	hdr->version = LU2K_ABI_VERSION;
	hdr->size = size;
	return region;
}

static int lu2k_chan_open(struct inode *inode, struct file *file)
{
	struct lu2k_chan *chan = kzalloc(sizeof(*chan), GFP_KERNEL);

	if (!chan)
		return -ENOMEM;
	mutex_init(&chan->setup_lock);
	init_waitqueue_head(&chan->wq);
	atomic_set(&chan->kick, 0);
	file->private_data = chan;
	return 0;
}

/* What lu2k_chan_layout() allocated besides the region. */
static void lu2k_chan_free_tables(struct lu2k_chan *chan)
{
	bitmap_free(chan->tx_map);
	chan->tx_map = NULL;
	kvfree(chan->cookies);
	chan->cookies = NULL;
	kvfree(chan->tx_by_slot);
	chan->tx_by_slot = NULL;
}

static int lu2k_chan_release(struct inode *inode, struct file *file)
{
	struct lu2k_chan *chan = file->private_data;

	if (chan->ni) {
		/* Every message the daemon had is failed here, exactly once. */
		lu2k_ni_release_chan(chan->ni, chan);
		lu2k_ni_put(chan->ni);
	}
	if (chan->region)
		lu2k_region_put(chan->region);
	lu2k_chan_free_tables(chan);
	kfree(chan);
	return 0;
}

/* The daemon's request: reserved fields zero, a sane version and NID. */
static int lu2k_setup_check_in(const struct lu2k_setup *in)
{
	static const struct lu2k_nid zero_nid;
	int i;

	if (in->version == 0)
		return -EPROTO;
	if (in->flags || in->reserved0 || in->reserved1)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(in->reserved); i++)
		if (in->reserved[i])
			return -EINVAL;
	if (!lu2k_nid_equal(&in->nid, &zero_nid) && lu2k_nid_check(&in->nid, LU2K_FEAT_ALL))
		return -EINVAL;
	return 0;
}

static int lu2k_chan_layout(struct lu2k_chan *chan, struct lu2k_setup *s)
{
	struct lu2k_layout_params p;
	struct lu2k_tunables t = lu2k_tun;
	u32 entries = t.ring_entries;
	int rc;

	if (entries < 2 || entries > (1U << 16) || (entries & (entries - 1)))
		entries = 1024;
	p.ring_entries = entries;
	p.tx_pool_size = (u64)clamp(t.tx_pool_mb, 1U, 1024U) << 20;
	p.rx_pool_size = (u64)clamp(t.rx_pool_mb, 1U, 1024U) << 20;
	rc = lu2k_layout_compute(s, &p);
	if (rc)
		return rc;
	s->max_msg_size = clamp_t(u64, t.max_msg_size, LU2K_HDR_MAX,
				  min(p.tx_pool_size, p.rx_pool_size));
	s->credits = t.credits;
	s->peer_credits = t.peer_credits;
	lu2k_credit_limits(&s->credits, &s->peer_credits, entries);
	s->timeout_ms = max(t.timeout_ms, 100U);

	chan->region = lu2k_region_alloc(s->region_size);
	if (!chan->region)
		return -ENOMEM;
	chan->tx_units = s->tx_pool_size / LU2K_TX_UNIT;
	chan->tx_map = bitmap_zalloc(chan->tx_units, GFP_KERNEL);
	/* A cookie per credit: a message holds both while the daemon has it. */
	chan->cookies = kvzalloc(lu2k_cookie_tab_bytes(s->credits), GFP_KERNEL);
	chan->tx_by_slot = kvcalloc(s->credits, sizeof(*chan->tx_by_slot), GFP_KERNEL);
	if (!chan->tx_map || !chan->cookies || !chan->tx_by_slot)
		return -ENOMEM;
	lu2k_cookie_tab_init(chan->cookies, s->credits);
	/* The layout is ours, so binding cannot fail; check anyway. */
	if (lu2k_ring_bind(&chan->tx, chan->region->mem, s->region_size, &s->tx,
			   sizeof(struct lu2k_tx_desc)) ||
	    lu2k_ring_bind(&chan->cpl, chan->region->mem, s->region_size, &s->cpl,
			   sizeof(struct lu2k_cpl_desc)) ||
	    lu2k_ring_bind(&chan->rx, chan->region->mem, s->region_size, &s->rx,
			   sizeof(struct lu2k_rx_desc)) ||
	    lu2k_ring_bind(&chan->free, chan->region->mem, s->region_size, &s->free,
			   sizeof(struct lu2k_free_desc)) ||
	    lu2k_ring_bind(&chan->evt, chan->region->mem, s->region_size, &s->evt,
			   sizeof(struct lu2k_evt_desc)))
		return -EINVAL;
	return 0;
}

static long lu2k_chan_setup(struct lu2k_chan *chan, struct lu2k_setup __user *arg)
{
	struct lu2k_setup in, s;
	struct lu2k_ni *ni;
	int rc;

	if (copy_from_user(&in, arg, sizeof(in)))
		return -EFAULT;
	rc = lu2k_setup_check_in(&in);
	if (rc)
		return rc;

	mutex_lock(&chan->setup_lock);
	if (chan->ni || chan->region) {
		rc = -EBUSY;	/* one setup per open file */
		goto out;
	}
	memset(&s, 0, sizeof(s));
	s.version = min_t(u32, in.version, LU2K_ABI_VERSION);
	s.features = in.features & LU2K_FEAT_KERNEL;
	rc = lu2k_chan_layout(chan, &s);
	if (rc)
		goto out_free;

	mutex_lock(&lu2k_nis_lock);
	ni = lu2k_ni_find_free_locked(&in.nid, s.features, &rc);
	if (ni) {
		rc = 0;
		s.nid = ni->nid;
		chan->setup = s;
		chan->ni = ni;
		lu2k_ni_attach_locked(ni, chan);
	}
	mutex_unlock(&lu2k_nis_lock);
	if (!ni)
		goto out_free;

	if (copy_to_user(arg, &s, sizeof(s))) {
		/* Attached but the daemon cannot know it: undo. */
		lu2k_ni_release_chan(ni, chan);
		rc = -EFAULT;
	}
	goto out;

out_free:
	if (chan->region)
		lu2k_region_put(chan->region);
	chan->region = NULL;
	lu2k_chan_free_tables(chan);
out:
	mutex_unlock(&chan->setup_lock);
	return rc;
}

static long lu2k_chan_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct lu2k_chan *chan = file->private_data;
	struct lu2k_ni *ni;

	switch (cmd) {
	case LU2K_IOC_SETUP:
		return lu2k_chan_setup(chan, (struct lu2k_setup __user *)arg);
	case LU2K_IOC_KICK:
		mutex_lock(&chan->setup_lock);
		ni = chan->ni;
		mutex_unlock(&chan->setup_lock);
		if (!ni)
			return -ENOTCONN;
		if (READ_ONCE(chan->dead))
			return -EPIPE;
		lu2k_ni_service(ni);
		return 0;
	default:
		return -ENOTTY;
	}
}

static int lu2k_chan_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct lu2k_chan *chan = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	int rc = -EINVAL;

	mutex_lock(&chan->setup_lock);
	if (!chan->region || !chan->ni)
		goto out;
	if (vma->vm_pgoff != (LU2K_MMAP_REGION >> PAGE_SHIFT) || len != chan->region->size)
		goto out;
	/* Sets VM_DONTEXPAND: the mapping cannot grow past the region. */
	rc = remap_vmalloc_range(vma, chan->region->mem, 0);
out:
	mutex_unlock(&chan->setup_lock);
	return rc;
}

/*
 * A ring the daemon consumes holds entries while the daemon says it sleeps on
 * it. Read from shared memory as a hint only: the worst a lying daemon gets is
 * a wrong answer about its own wake-ups.
 */
static bool lu2k_chan_waiting(const struct lu2k_ring *r)
{
	return (READ_ONCE(*r->flags) & LU2K_RING_NEED_WAKEUP) &&
	       READ_ONCE(*r->prod) != READ_ONCE(*r->cons);
}

static __poll_t lu2k_chan_poll(struct file *file, poll_table *pt)
{
	struct lu2k_chan *chan = file->private_data;
	bool ready = false;

	poll_wait(file, &chan->wq, pt);
	mutex_lock(&chan->setup_lock);
	if (chan->ni) {
		if (READ_ONCE(chan->dead)) {
			mutex_unlock(&chan->setup_lock);
			return EPOLLHUP | EPOLLERR;
		}
		/*
		 * One kick, one POLLIN; and POLLIN as long as the daemon asked for
		 * a wake-up on a ring that has entries, so that no kick is lost
		 * to a poll whose answer was not delivered (epoll's insertion).
		 */
		ready = atomic_xchg(&chan->kick, 0) || lu2k_chan_waiting(&chan->tx) ||
			lu2k_chan_waiting(&chan->free);
	}
	mutex_unlock(&chan->setup_lock);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

/* Called under ni->lock after producing on r (TX or FREE). */
void lu2k_chan_kick_daemon(struct lu2k_chan *chan, struct lu2k_ring *r)
{
	lockdep_assert_held(&chan->ni->lock);
	if ((chan->setup.features & LU2K_FEAT_NEED_WAKEUP) && !lu2k_ring_prod_needs_kick(r))
		return;
	atomic_set(&chan->kick, 1);
	wake_up_interruptible(&chan->wq);
}

static const struct file_operations lu2k_chan_fops = {
	.owner		= THIS_MODULE,
	.open		= lu2k_chan_open,
	.release	= lu2k_chan_release,
	.unlocked_ioctl	= lu2k_chan_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= lu2k_chan_mmap,
	.poll		= lu2k_chan_poll,
	.llseek		= noop_llseek,
};

static struct miscdevice lu2k_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "lu2k",
	.fops	= &lu2k_chan_fops,
	.mode	= 0600,
};

int lu2k_chan_register(void)
{
	return misc_register(&lu2k_misc);
}

void lu2k_chan_unregister(void)
{
	misc_deregister(&lu2k_misc);
}
